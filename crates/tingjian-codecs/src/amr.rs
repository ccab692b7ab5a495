//! AMR-NB in the single-channel storage format of RFC 4867 §5 (`#!AMR\n`, then one frame after
//! another, each a header byte and the frame's bits): what `sox … -t amr-nb`, phones and many call
//! recorders write. Every frame is 20 ms, 160 samples at 8 kHz; the header byte's frame type gives
//! the frame's size. Decoding uses Debian's libopencore-amrnb.

use std::io::{Seek, SeekFrom};

use symphonia::core::audio::{AudioBuffer, AudioMut, AudioSpec, layouts};
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::codecs::registry::SupportedAudioCodec;
use symphonia::core::codecs::{CodecInfo, CodecParameters};
use symphonia::core::common::FourCc;
use symphonia::core::errors::{Error, Result, SeekErrorKind, decode_error, seek_error, unsupported_error};
use symphonia::core::formats::prelude::*;
use symphonia::core::formats::probe::{ProbeDataMatchSpec, ProbeFormatData, Score};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadBytes, ScopedStream};
use symphonia::core::packet::PacketRef;

use crate::decoder::{Codec, Decoder, OpenedCodec};
use crate::ffi::amrnb::{AmrNbState, FRAME_SAMPLES, MAX_FRAME_BYTES};
use crate::read::read_unit;
use crate::single_track::{SingleTrackFormat, SingleTrackReader};

/// AMR-NB. symphonia has no well-known id for it; this is its ISO base media sample entry code.
pub const CODEC_ID_AMR_NB: AudioCodecId = AudioCodecId::new(FourCc::new(*b"samr"));
/// The AMR storage format. symphonia has no well-known id for it.
pub const FORMAT_ID_AMR: FormatId = FormatId::new(FourCc::new(*b"amr "));

/// AMR-NB always runs at 8 kHz.
pub const AMR_NB_RATE: u32 = 8000;
/// The storage format's magic for single-channel AMR-NB. (AMR-WB's is `#!AMR-WB\n` and the
/// multi-channel variant's `#!AMR_MC1.0\n`; neither matches.)
const MAGIC: &[u8; 6] = b"#!AMR\n";
/// `NO_DATA`: a frame with nothing but its header, which the decoder fills in from the past.
const FRAME_TYPE_NO_DATA: u8 = 15;

/// Bytes after the header byte, by frame type (RFC 4867 §5.3 / 3GPP TS 26.101): the eight
/// speech modes from 4.75 to 12.2 kbit/s, comfort-noise SID, then types that carry no bits
/// (9–14 are reserved for other systems, 15 is `NO_DATA`).
const FRAME_PAYLOAD_BYTES: [usize; 16] = [12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0];

fn frame_type(header: u8) -> u8 {
    (header >> 3) & 0x0f
}

const AMR_FORMAT_INFO: FormatInfo =
    FormatInfo { format: FORMAT_ID_AMR, short_name: "amr", long_name: "AMR-NB storage format (RFC 4867)" };

const AMR_CODECS: &[SupportedAudioCodec] = &[SupportedAudioCodec {
    id: CODEC_ID_AMR_NB,
    info: CodecInfo { short_name: "amr_nb", long_name: "AMR-NB (opencore-amrnb)", profiles: &[] },
}];

/// Reads `#!AMR\n` files, one frame (160 samples) per packet.
pub type AmrReader<'s> = SingleTrackReader<'s, AmrFormat>;

/// Where [`AmrReader`] is in the stream.
#[derive(Debug)]
pub struct AmrFormat {
    data_start: u64,
    next_frame: u64,
}

/// Skips whole frames until `count` were skipped or the stream ends; returns how many were.
/// Only header bytes are read, so counting a long call costs little.
fn skip_frames(reader: &mut MediaSourceStream<'_>, count: u64) -> Result<u64> {
    let mut skipped = 0;
    while skipped < count {
        let mut header = [0u8; 1];
        if !read_unit(reader, &mut header)? {
            break;
        }
        let payload = FRAME_PAYLOAD_BYTES[usize::from(frame_type(header[0]))] as u64;
        // A frame cut short by the end of the file is not a frame.
        if reader.ignore_bytes(payload).is_err() {
            break;
        }
        skipped += 1;
    }
    Ok(skipped)
}

impl SingleTrackFormat for AmrFormat {
    const INFO: FormatInfo = AMR_FORMAT_INFO;

    const PROBE_DATA: &'static [ProbeFormatData] = &[ProbeFormatData {
        spec: ProbeDataMatchSpec { extensions: &["amr"], mime_types: &["audio/amr"], markers: &[MAGIC] },
        info: AMR_FORMAT_INFO,
    }];

    fn score(mut src: ScopedStream<&mut MediaSourceStream<'_>>) -> Result<Score> {
        let mut magic = [0u8; 6];
        src.read_buf_exact(&mut magic)?;
        Ok(if &magic == MAGIC { Score::Supported(255) } else { Score::Unsupported })
    }

    fn open(source: &mut MediaSourceStream<'_>) -> Result<(Self, Track)> {
        let mut magic = [0u8; 6];
        source.read_buf_exact(&mut magic)?;
        if &magic != MAGIC {
            return unsupported_error("amr: missing #!AMR magic");
        }
        let data_start = source.pos();

        let mut params = AudioCodecParameters::new();
        params
            .for_codec(CODEC_ID_AMR_NB)
            .with_sample_rate(AMR_NB_RATE)
            .with_channels(layouts::CHANNEL_LAYOUT_MONO)
            .with_max_frames_per_packet(FRAME_SAMPLES as u64)
            .with_frames_per_block(FRAME_SAMPLES as u64);
        let mut track = Track::new(0);
        track.with_codec_params(CodecParameters::Audio(params));
        if let Some(time_base) = TimeBase::try_from_recip(AMR_NB_RATE) {
            track.with_time_base(time_base);
        }
        // The format has no header to say how long it is: count the frames when the source can
        // be rewound afterwards, so that a player knows the duration before decoding.
        if source.is_seekable() {
            let frames = skip_frames(source, u64::MAX)? * FRAME_SAMPLES as u64;
            source.seek(SeekFrom::Start(data_start))?;
            track.with_num_frames(frames).with_duration(Duration::new(frames));
        }
        Ok((Self { data_start, next_frame: 0 }, track))
    }

    fn next_packet(&mut self, source: &mut MediaSourceStream<'_>) -> Result<Option<Packet>> {
        let mut header = [0u8; 1];
        if !read_unit(source, &mut header)? {
            return Ok(None);
        }
        let payload = FRAME_PAYLOAD_BYTES[usize::from(frame_type(header[0]))];
        let mut data = vec![0u8; 1 + payload];
        data[0] = header[0];
        if !read_unit(source, &mut data[1..])? && payload > 0 {
            return Err(Error::IoError(std::io::ErrorKind::UnexpectedEof.into()));
        }
        let Ok(pts) = i64::try_from(self.next_frame * FRAME_SAMPLES as u64) else {
            return decode_error("amr: timestamp out of range");
        };
        self.next_frame += 1;
        Ok(Some(Packet::new(0, Timestamp::new(pts), Duration::new(FRAME_SAMPLES as u64), data.into_boxed_slice())))
    }

    fn seek_to_frame(&mut self, source: &mut MediaSourceStream<'_>, required: u64) -> Result<u64> {
        // Frames differ in size, so the only way to a frame is to walk the headers before it.
        let target = required / FRAME_SAMPLES as u64;
        if target < self.next_frame {
            if !source.is_seekable() {
                return seek_error(SeekErrorKind::ForwardOnly);
            }
            source.seek(SeekFrom::Start(self.data_start))?;
            self.next_frame = 0;
        }
        self.next_frame += skip_frames(source, target - self.next_frame)?;
        if self.next_frame < target {
            return seek_error(SeekErrorKind::OutOfRange);
        }
        Ok(target * FRAME_SAMPLES as u64)
    }
}

/// Decodes AMR-NB frames in the storage format with libopencore-amrnb.
pub type AmrNbDecoder = Decoder<AmrNbCodec>;

/// libopencore-amrnb's part of [`AmrNbDecoder`].
pub struct AmrNbCodec {
    state: AmrNbState,
    frame: [u8; MAX_FRAME_BYTES],
    samples: [i16; FRAME_SAMPLES],
}

impl std::fmt::Debug for AmrNbCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmrNbCodec").finish_non_exhaustive()
    }
}

fn new_state() -> Result<AmrNbState> {
    match AmrNbState::new() {
        Some(state) => Ok(state),
        None => unsupported_error("amr: opencore could not create a decoder"),
    }
}

impl Codec for AmrNbCodec {
    type Sample = i16;

    const SUPPORTED: &'static [SupportedAudioCodec] = AMR_CODECS;

    fn open(params: &AudioCodecParameters, _opts: &AudioDecoderOptions) -> Result<OpenedCodec<Self>> {
        if params.codec != CODEC_ID_AMR_NB {
            return unsupported_error("amr: not an AMR-NB track");
        }
        if params.channels.as_ref().is_some_and(|channels| channels.count() != 1) {
            return unsupported_error("amr: only mono AMR-NB is supported");
        }
        let mut params = params.clone();
        params.with_sample_rate(AMR_NB_RATE).with_channels(layouts::CHANNEL_LAYOUT_MONO);
        Ok(OpenedCodec {
            codec: Self { state: new_state()?, frame: [0; MAX_FRAME_BYTES], samples: [0; FRAME_SAMPLES] },
            params,
            buf: AudioBuffer::new(AudioSpec::new(AMR_NB_RATE, layouts::CHANNEL_LAYOUT_MONO), FRAME_SAMPLES),
        })
    }

    fn decode(&mut self, packet: &PacketRef<'_>, buf: &mut AudioBuffer<i16>) -> Result<()> {
        let Some(&header) = packet.data.first() else {
            return decode_error("amr: empty packet");
        };
        let kind = frame_type(header);
        let size = 1 + FRAME_PAYLOAD_BYTES[usize::from(kind)];
        if packet.data.len() < size {
            return decode_error("amr: frame shorter than its type says");
        }
        self.frame = [0; MAX_FRAME_BYTES];
        self.frame[..size].copy_from_slice(&packet.data[..size]);
        // Reserved frame types carry no speech for AMR-NB; they are decoded as NO_DATA, which
        // opencore handles like a lost frame, so the decoder never sees a type it does not know.
        if (9..FRAME_TYPE_NO_DATA).contains(&kind) {
            self.frame[0] = (header & 0x87) | (FRAME_TYPE_NO_DATA << 3);
        }
        self.state.decode_frame(&self.frame, &mut self.samples);
        buf.render_uninit(Some(FRAME_SAMPLES));
        let Some(plane) = buf.plane_mut(0) else {
            return decode_error("amr: missing audio plane");
        };
        plane.copy_from_slice(&self.samples);
        Ok(())
    }

    fn reset(&mut self) {
        // A new state restarts the decoder's filters; if none can be allocated the old one stays,
        // which only colours the first frames after a seek.
        if let Ok(state) = new_state() {
            self.state = state;
        }
    }
}
