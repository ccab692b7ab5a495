//! A WAVE reader for GSM 6.10 in Microsoft's packing (format tag 0x31). symphonia's WAVE reader
//! rejects that format tag outright ("unsupported wave format"), so this reader is registered at
//! the preferred tier and claims exactly the WAVE files whose `fmt ` chunk says 0x31; every other
//! WAVE file scores "unsupported" here and goes on to symphonia's reader.

use std::io::{Seek, SeekFrom};

use symphonia::core::audio::layouts;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::errors::{Result, SeekErrorKind, decode_error, seek_error, unsupported_error};
use symphonia::core::formats::prelude::*;
use symphonia::core::formats::probe::{ProbeDataMatchSpec, ProbeFormatData, Score};
use symphonia::core::formats::well_known::FORMAT_ID_WAVE;
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadBytes, ScopedStream};

use crate::ffi::gsm::{BLOCK_BYTES, BLOCK_SAMPLES};
use crate::gsm::CODEC_ID_GSM_MS;
use crate::read::read_unit;
use crate::single_track::{SingleTrackFormat, SingleTrackReader};

/// `WAVE_FORMAT_GSM610` from mmreg.h.
const WAVE_FORMAT_GSM610: u16 = 0x31;

/// The same container as symphonia's WAVE reader, so callers see one "wave" format.
const WAV49_FORMAT_INFO: FormatInfo =
    FormatInfo { format: FORMAT_ID_WAVE, short_name: "wave", long_name: "Waveform Audio File Format (GSM 6.10)" };

/// Chunks a WAVE file may hold before `data` (LIST, fact, JUNK, bext …) are skipped, but only this
/// many, so that a damaged file cannot keep the reader busy.
const MAX_CHUNKS: usize = 256;

/// Reads GSM 6.10 (WAV49) WAVE files, one 65-byte block (320 frames) per packet.
pub type Wav49Reader<'s> = SingleTrackReader<'s, Wav49Format>;

/// What [`Wav49Reader`] knows of the data chunk, and where it is in it.
#[derive(Debug)]
pub struct Wav49Format {
    data_start: u64,
    /// Whole blocks in the data chunk, when its length is known.
    blocks: Option<u64>,
    /// Frames the `fact` chunk says are real; the last block's excess is padding.
    fact_frames: Option<u64>,
    next_block: u64,
}

/// The parts of the `fmt ` chunk that matter for GSM.
struct GsmFormat {
    channels: u16,
    sample_rate: u32,
}

/// Skips the rest of a chunk of `len` bytes of which `read` were read, and its pad byte.
fn skip_chunk_rest<R: ReadBytes>(reader: &mut R, len: u32, read: u32) -> Result<()> {
    let rest = u64::from(len.saturating_sub(read)) + u64::from(len % 2);
    reader.ignore_bytes(rest)?;
    Ok(())
}

/// Reads the RIFF header and checks it is a WAVE form.
fn read_riff_header<R: ReadBytes>(reader: &mut R) -> Result<()> {
    if reader.read_quad_bytes()? != *b"RIFF" {
        return unsupported_error("wav49: missing RIFF marker");
    }
    reader.read_u32()?;
    if reader.read_quad_bytes()? != *b"WAVE" {
        return unsupported_error("wav49: RIFF form is not WAVE");
    }
    Ok(())
}

impl Wav49Format {
    /// Describes the track once the reader stands at the start of the data chunk.
    fn at_data(
        source: &MediaSourceStream<'_>,
        format: &GsmFormat,
        data_len: u32,
        fact_frames: Option<u64>,
    ) -> Result<(Self, Track)> {
        if format.channels != 1 {
            return unsupported_error("wav49: GSM 6.10 is mono only");
        }
        let data_start = source.pos();
        // Writers that stream (ffmpeg to a pipe) leave the length at 0xFFFFFFFF; the file then
        // holds blocks up to its end. A length beyond the end of the file is trusted no further
        // than the file goes.
        let mut blocks = (data_len != u32::MAX).then(|| u64::from(data_len) / BLOCK_BYTES as u64);
        if let (Some(count), Some(total)) = (blocks, source.byte_len()) {
            let available = total.saturating_sub(data_start) / BLOCK_BYTES as u64;
            if count > available {
                blocks = None;
            }
        }

        let mut params = AudioCodecParameters::new();
        params
            .for_codec(CODEC_ID_GSM_MS)
            .with_sample_rate(format.sample_rate)
            .with_channels(layouts::CHANNEL_LAYOUT_MONO)
            .with_max_frames_per_packet(BLOCK_SAMPLES as u64)
            .with_frames_per_block(BLOCK_SAMPLES as u64);
        let mut track = Track::new(0);
        track.with_codec_params(CodecParameters::Audio(params));
        if let Some(time_base) = TimeBase::try_from_recip(format.sample_rate) {
            track.with_time_base(time_base);
        }
        // The fact chunk counts the real samples; ffmpeg writes the block-rounded count there,
        // Asterisk and Windows the exact one. Without it, every sample of every block counts.
        let frames = fact_frames.or(blocks.map(|count| count * BLOCK_SAMPLES as u64));
        if let Some(frames) = frames {
            track.with_num_frames(frames).with_duration(Duration::new(frames));
        }
        Ok((Self { data_start, blocks, fact_frames, next_block: 0 }, track))
    }

    /// Frames to drop from the end of the block that starts at `start`: the padding after the
    /// last real sample, when the fact chunk ends inside this block and this is the last block.
    fn padding_in_block(&self, block: u64, start: u64) -> u64 {
        let end = start + BLOCK_SAMPLES as u64;
        let last = self.blocks.is_none_or(|count| block + 1 == count);
        match self.fact_frames {
            Some(real) if last && start < real && real < end => end - real,
            _ => 0,
        }
    }
}

impl SingleTrackFormat for Wav49Format {
    const INFO: FormatInfo = WAV49_FORMAT_INFO;

    const PROBE_DATA: &'static [ProbeFormatData] = &[ProbeFormatData {
        spec: ProbeDataMatchSpec {
            extensions: &["wav", "wave", "wav49"],
            mime_types: &["audio/vnd.wave", "audio/x-wav", "audio/wav", "audio/wave"],
            markers: &[b"RIFF"],
        },
        info: WAV49_FORMAT_INFO,
    }];

    fn score(mut src: ScopedStream<&mut MediaSourceStream<'_>>) -> Result<Score> {
        if read_riff_header(&mut src).is_err() {
            return Ok(Score::Unsupported);
        }
        // Walk the chunks to the format chunk: only GSM 6.10 is claimed here.
        for _ in 0..MAX_CHUNKS {
            let id = src.read_quad_bytes()?;
            let len = src.read_u32()?;
            if &id == b"fmt " {
                let claimed = len >= 16 && src.read_u16()? == WAVE_FORMAT_GSM610;
                return Ok(if claimed { Score::Supported(255) } else { Score::Unsupported });
            }
            if &id == b"data" {
                break;
            }
            skip_chunk_rest(&mut src, len, 0)?;
        }
        Ok(Score::Unsupported)
    }

    fn open(source: &mut MediaSourceStream<'_>) -> Result<(Self, Track)> {
        read_riff_header(source)?;
        let mut format = None;
        let mut fact_frames = None;
        for _ in 0..MAX_CHUNKS {
            let id = source.read_quad_bytes()?;
            let len = source.read_u32()?;
            match &id {
                b"fmt " => {
                    if len < 16 {
                        return decode_error("wav49: fmt chunk too short");
                    }
                    let tag = source.read_u16()?;
                    let channels = source.read_u16()?;
                    let sample_rate = source.read_u32()?;
                    let _bytes_per_second = source.read_u32()?;
                    let block_align = source.read_u16()?;
                    let _bits_per_sample = source.read_u16()?;
                    let mut read = 16;
                    if tag != WAVE_FORMAT_GSM610 {
                        return unsupported_error("wav49: not GSM 6.10");
                    }
                    if usize::from(block_align) != BLOCK_BYTES {
                        return unsupported_error("wav49: GSM block size is not 65 bytes");
                    }
                    // The extension (cbSize, wSamplesPerBlock) is optional; when present it must
                    // agree with the 320 samples a 65-byte block holds.
                    if len >= 20 {
                        let _extra_size = source.read_u16()?;
                        let samples_per_block = source.read_u16()?;
                        read = 20;
                        if usize::from(samples_per_block) != BLOCK_SAMPLES {
                            return unsupported_error("wav49: GSM block does not hold 320 samples");
                        }
                    }
                    skip_chunk_rest(source, len, read)?;
                    format = Some(GsmFormat { channels, sample_rate });
                }
                b"fact" if len >= 4 => {
                    fact_frames = Some(u64::from(source.read_u32()?));
                    skip_chunk_rest(source, len, 4)?;
                }
                b"data" => {
                    let Some(format) = format else {
                        return decode_error("wav49: data chunk before fmt chunk");
                    };
                    return Self::at_data(source, &format, len, fact_frames);
                }
                _ => skip_chunk_rest(source, len, 0)?,
            }
        }
        decode_error("wav49: no data chunk")
    }

    fn next_packet(&mut self, source: &mut MediaSourceStream<'_>) -> Result<Option<Packet>> {
        let block = self.next_block;
        if self.blocks.is_some_and(|count| block >= count) {
            return Ok(None);
        }
        let mut data = vec![0u8; BLOCK_BYTES];
        if !read_unit(source, &mut data)? {
            return Ok(None);
        }
        self.next_block += 1;
        let start = block * BLOCK_SAMPLES as u64;
        let padding = self.padding_in_block(block, start);
        let Ok(pts) = i64::try_from(start) else {
            return decode_error("wav49: timestamp out of range");
        };
        let mut packet =
            Packet::new(0, Timestamp::new(pts), Duration::new(BLOCK_SAMPLES as u64 - padding), data.into_boxed_slice());
        packet.trim_end = Duration::new(padding);
        Ok(Some(packet))
    }

    fn seek_to_frame(&mut self, source: &mut MediaSourceStream<'_>, required: u64) -> Result<u64> {
        // Blocks are independent packets, so the seek lands on the start of the block that holds
        // the requested frame; the decoder is reset by the caller and restarts its filters there.
        let block = required / BLOCK_SAMPLES as u64;
        let position = self.data_start + block * BLOCK_BYTES as u64;
        if source.is_seekable() {
            source.seek(SeekFrom::Start(position))?;
        } else if position >= source.pos() {
            let skip = position - source.pos();
            source.ignore_bytes(skip)?;
        } else {
            return seek_error(SeekErrorKind::ForwardOnly);
        }
        self.next_block = block;
        Ok(block * BLOCK_SAMPLES as u64)
    }
}
