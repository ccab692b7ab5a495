//! The one decode loop that every reader of a recording goes through: probing counts the frames,
//! analysis also receives the samples. Keeping a single loop means that the duration the importer
//! records and the timeline the analytics are measured on can never disagree.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as DecodeFailure;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::probe::{AudioError, CodecProblem, MAX_DECODED_SAMPLES, MAX_RECORDING_BYTES, ProbeInfo};

/// The most padding a codec adds after the last real frame: one ADPCM block of the largest size
/// encoders write (2041 frames for 4096-byte MS ADPCM blocks), rounded up.
const MAX_PADDING_FRAMES: u64 = 4096;

/// Runs a call into symphonia or a codec of tingjian-codecs, turning a panic inside it into its
/// message. They parse bytes anyone can hand in, and some of their arithmetic is unchecked: MS
/// ADPCM's step size grows without bound on hostile data and overflows an `i32`, which panics in a
/// build with overflow checks (found by the audio_decode fuzz target). The callers treat a panic as
/// damage at that point of the file and never use what the panicking reader or decoder held, so a
/// broken recording is refused or cut short with its reason instead of taking the import or the
/// player down.
pub(crate) fn contained<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned())
    })
}

/// Receives the decoded audio, one buffer at a time, in order.
pub(crate) trait PcmSink {
    /// One decoded buffer: one slice of samples in -1.0..=1.0 per channel, all of the same
    /// non-zero length, at `sample_rate` frames per second.
    fn accept(&mut self, sample_rate: u32, planes: &[Vec<f32>]);
}

/// Decodes the whole file, passing every decoded buffer to `sink` when there is one, and describes
/// what was decoded. Damaged packets are skipped and counted, the way a player would play past
/// them; only a file with nothing decodable is an error.
pub(crate) fn decode(path: &Path, sink: Option<&mut dyn PcmSink>) -> Result<ProbeInfo, AudioError> {
    let file = open_file(path)?;
    decode_stream(MediaSourceStream::new(Box::new(file), Default::default()), path, sink)
}

/// How much of a file's start is read to check a WAVE header before symphonia sees it: the `fmt `
/// chunk comes first in every recorder's files, after at most a few small chunks.
const HEAD_BYTES: usize = 64 * 1024;

/// Opens a recording for decoding: refuses an empty file, one larger than
/// [`MAX_RECORDING_BYTES`] and a WAVE header whose rate or channels are out of bounds, and leaves
/// the file at its start.
pub(crate) fn open_file(path: &Path) -> Result<std::fs::File, AudioError> {
    let unreadable = |source| AudioError::Unreadable { path: path.to_owned(), source };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let length = file.metadata().map(|m| m.len()).unwrap_or(0);
    check_length(path, length)?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file).take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(unreadable)?;
    check_wave_head(&head, path)?;
    file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
    Ok(file)
}

fn check_length(path: &Path, length: u64) -> Result<(), AudioError> {
    if length == 0 {
        return Err(AudioError::Empty { path: path.to_owned() });
    }
    if length > MAX_RECORDING_BYTES {
        return Err(AudioError::TooLarge { path: path.to_owned(), bytes: length });
    }
    Ok(())
}

/// The rate and channels a WAVE file's `fmt ` chunk states, checked before symphonia reads it:
/// symphonia refuses some absurd values only as "not audio" (65,535 channels), and accepts others
/// (a rate of 0, up to 26 channels).
fn check_wave_head(head: &[u8], path: &Path) -> Result<(), AudioError> {
    if head.get(..4) != Some(b"RIFF".as_slice()) || head.get(8..12) != Some(b"WAVE".as_slice()) {
        return Ok(());
    }
    let mut at = 12usize;
    while let Some(header) = head.get(at..at + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let body = at + 8;
        match &header[..4] {
            b"fmt " => {
                let Some(fmt) = head.get(body..body + 8) else { return Ok(()) };
                let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
                let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
                return crate::probe::check_header(path, rate, Some(channels), None);
            }
            b"data" => return Ok(()),
            // Chunks are padded to an even length.
            _ => at = body.saturating_add(size).saturating_add(size & 1),
        }
    }
    Ok(())
}

/// As [`decode`], for a file already read into memory (the importer reads each file once, to hash,
/// decode and store it); `path` names it in errors.
pub(crate) fn decode_bytes(
    bytes: std::sync::Arc<[u8]>,
    path: &Path,
    sink: Option<&mut dyn PcmSink>,
) -> Result<ProbeInfo, AudioError> {
    check_length(path, bytes.len() as u64)?;
    check_wave_head(&bytes[..bytes.len().min(HEAD_BYTES)], path)?;
    let source = std::io::Cursor::new(bytes);
    decode_stream(MediaSourceStream::new(Box::new(source), Default::default()), path, sink)
}

/// A recording's audio track, probed by content with the shared registries, and a decoder for it.
pub(crate) struct OpenedTrack<'s> {
    pub format: Box<dyn FormatReader + 's>,
    pub decoder: Box<dyn AudioDecoder>,
    pub track_id: u32,
    /// Frames the header claims, when it says.
    pub header_frames: Option<u64>,
    pub container: String,
    pub codec: String,
    /// From the header; never 0 (a header saying 0 is an error).
    pub sample_rate: u32,
    pub channels: u16,
}

/// Probes `stream` and opens a decoder for its audio track. Every reader of recordings (the
/// whole-file decode, the player's streaming decoder) opens files here, so they agree on what a
/// file is and on every error.
pub(crate) fn open_track<'s>(stream: MediaSourceStream<'s>, path: &Path) -> Result<OpenedTrack<'s>, AudioError> {
    // No extension hint: the content decides the format, so a mislabelled file still works.
    let format = contained(|| {
        tingjian_codecs::probe().probe(&Hint::new(), stream, FormatOptions::default(), MetadataOptions::default())
    })
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| AudioError::NotAudio { path: path.to_owned() })?;
    let container = format.format_info().short_name.to_owned();
    let track = format.default_track(TrackType::Audio).ok_or_else(|| AudioError::NotAudio { path: path.to_owned() })?;
    let track_id = track.id;
    let header_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .cloned()
        .ok_or_else(|| AudioError::NotAudio { path: path.to_owned() })?;
    let sample_rate = params.sample_rate.unwrap_or(0);
    // Some containers leave the channels to the first decoded packet.
    let header_channels =
        params.channels.as_ref().map(|c| u16::try_from(c.count()).unwrap_or(u16::MAX)).filter(|&c| c > 0);
    // Before a decoder is made: it sizes its buffers from these.
    crate::probe::check_header(path, sample_rate, header_channels, header_frames)?;
    let codecs = tingjian_codecs::codecs();
    let codec = codecs
        .get_audio_decoder(params.codec)
        .map(|registered| registered.codec.info.short_name.to_owned())
        .ok_or_else(|| AudioError::UnsupportedCodec {
            path: path.to_owned(),
            codec: CodecProblem::Unknown { id: params.codec.to_string() },
        })?;
    let refused = |reason: String| AudioError::UnsupportedCodec {
        path: path.to_owned(),
        codec: CodecProblem::Refused { reason },
    };
    let decoder = contained(|| codecs.make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(true)))
        .map_err(&refused)?
        .map_err(|error| refused(error.to_string()))?;
    let channels = header_channels.unwrap_or(0);
    Ok(OpenedTrack { format, decoder, track_id, header_frames, container, codec, sample_rate, channels })
}

fn decode_stream(
    stream: MediaSourceStream<'_>,
    path: &Path,
    mut sink: Option<&mut dyn PcmSink>,
) -> Result<ProbeInfo, AudioError> {
    let OpenedTrack {
        mut format,
        mut decoder,
        track_id,
        header_frames,
        container,
        codec,
        sample_rate: header_rate,
        channels,
    } = open_track(stream, path)?;

    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut frames = 0u64;
    let mut damaged_packets = 0u64;
    let mut sample_rate = header_rate;
    let mut channels = channels;
    // A reader that panics is at the end of what can be read, as after a read error.
    while let Ok(next) = contained(|| format.next_packet()) {
        let packet = match next {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A read error mid-file is a truncated or damaged file: keep what decoded so far.
            Err(DecodeFailure::IoError(_)) => break,
            Err(DecodeFailure::ResetRequired) => break,
            Err(_) => {
                damaged_packets += 1;
                if damaged_packets > 1000 {
                    break;
                }
                continue;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        // A decoder that panics may hold any state, so nothing after it is decoded: the packet is
        // damaged and the recording ends there, like a file cut short.
        let Ok(decoded) = contained(|| decoder.decode(&packet)) else {
            damaged_packets += 1;
            break;
        };
        match decoded {
            Ok(buffer) => {
                frames += buffer.frames() as u64;
                let spec = buffer.spec();
                if spec.rate() > 0 {
                    sample_rate = spec.rate();
                }
                channels = u16::try_from(spec.channels().count()).unwrap_or(u16::MAX);
                // What decodes is held to the same bounds as what the header said.
                crate::probe::check_header(path, sample_rate, Some(channels).filter(|&c| c > 0), None)?;
                // A day of audio at most, and no more samples than the peaks and analytics are
                // sized for, however little the file claimed.
                let limit_ms = crate::probe::max_duration_ms(sample_rate, channels);
                let decoded_ms = frames.saturating_mul(1000) / u64::from(sample_rate.max(1));
                if decoded_ms > limit_ms || frames.saturating_mul(u64::from(channels)) > MAX_DECODED_SAMPLES {
                    return Err(AudioError::TooLong {
                        path: path.to_owned(),
                        length_ms: decoded_ms,
                        limit_ms,
                        claimed: false,
                    });
                }
                // The first MP3 and Vorbis packets decode to 0 frames; there is nothing to pass on.
                if let Some(sink) = sink.as_deref_mut()
                    && buffer.frames() > 0
                {
                    // The planes keep their capacity from packet to packet, so after the first
                    // few packets this converts without allocating.
                    buffer.copy_to_vecs_planar(&mut planes);
                    sink.accept(sample_rate, &planes);
                }
            }
            Err(DecodeFailure::DecodeError(_)) | Err(DecodeFailure::IoError(_)) => damaged_packets += 1,
            Err(error) => {
                return Err(AudioError::UnsupportedCodec {
                    path: path.to_owned(),
                    codec: CodecProblem::Refused { reason: error.to_string() },
                });
            }
        }
    }
    if frames == 0 {
        return Err(AudioError::NothingDecoded { path: path.to_owned() });
    }
    // Block codecs (IMA and MS ADPCM) fill their last block with padding, and the file's header
    // (the WAV `fact` chunk) says how many frames are real. A small excess over the header is that
    // padding and is not part of the call; a large one means the header is wrong, and then the
    // decoded count stands. Other codecs are left alone: AAC's excess is priming at the *start*
    // (symphonia does not trim it), so cutting its end would drop real audio.
    let block_codec = codec.starts_with("adpcm");
    let frames = match header_frames {
        Some(promised)
            if block_codec && promised > 0 && frames > promised && frames - promised <= MAX_PADDING_FRAMES =>
        {
            promised
        }
        _ => frames,
    };
    Ok(ProbeInfo { container, codec, sample_rate, channels, frames, header_frames, damaged_packets })
}
