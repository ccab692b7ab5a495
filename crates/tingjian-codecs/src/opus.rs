//! Opus, as symphonia's Ogg reader already demuxes it: the reader recognises the `OpusHead`
//! packet, reports `CODEC_ID_OPUS` at 48 kHz with the head as extra data, and marks the pre-skip
//! and the end padding on the packets (`trim_start` / `trim_end`). Only a decoder was missing.
//!
//! The audio comes out at 48 kHz, the rate Opus always decodes at internally, whatever rate the
//! recording was made at: converting down would cost time and add a resampler's delay for no gain
//! to the analytics, which work at any rate.

use std::sync::Mutex;

use symphonia::core::audio::{AudioBuffer, AudioMut, AudioSpec, Channels, layouts};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::codecs::registry::SupportedAudioCodec;
use symphonia::core::errors::{Result, decode_error, unsupported_error};
use symphonia::core::packet::PacketRef;

use crate::decoder::{Codec, Decoder, OpenedCodec};

/// Opus's decoding rate.
pub const OPUS_RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_PACKET_FRAMES: usize = 5760;

const OPUS_CODECS: &[SupportedAudioCodec] = &[SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo { short_name: "opus", long_name: "Opus (libopus)", profiles: &[] },
}];

/// What the `OpusHead` packet (RFC 7845 §5.1) says that decoding needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpusHead {
    channels: u8,
    /// Samples at 48 kHz to drop from the start: the encoder's look-ahead.
    pre_skip: u16,
    /// Gain to apply to the output, in Q7.8 dB.
    output_gain: i16,
}

impl OpusHead {
    /// Reads the head, accepting only streams that one libopus decoder can decode: mapping family
    /// 0 (mono or stereo), or another family that describes the same single stream.
    fn parse(head: &[u8]) -> Result<Self> {
        if head.len() < 19 || &head[..8] != b"OpusHead" {
            return decode_error("opus: extra data is not an OpusHead packet");
        }
        // Versions 0–15 share the layout; a higher major version is a different format.
        if head[8] > 15 {
            return unsupported_error("opus: unsupported OpusHead version");
        }
        let channels = head[9];
        let pre_skip = u16::from_le_bytes([head[10], head[11]]);
        let output_gain = i16::from_le_bytes([head[16], head[17]]);
        let family = head[18];
        if !(1..=2).contains(&channels) {
            return unsupported_error("opus: only mono and stereo streams are supported");
        }
        if family != 0 {
            // Other families carry a mapping table: stream count, coupled count, one entry per
            // channel. It is a single plain stream exactly when the table says so.
            let single_stream = head.len() >= 21 + usize::from(channels)
                && head[19] == 1
                && head[20] == channels - 1
                && head[21..21 + usize::from(channels)].iter().copied().eq(0..channels);
            if !single_stream {
                return unsupported_error("opus: multistream mappings are not supported");
            }
        }
        Ok(Self { channels, pre_skip, output_gain })
    }
}

/// Decodes Opus packets with Debian's libopus.
pub type OpusDecoder = Decoder<OpusCodec>;

/// libopus's part of [`OpusDecoder`].
pub struct OpusCodec {
    gapless: bool,
    channels: usize,
    gain: i16,
    pre_skip: u64,
    /// Whether the demuxer marks the pre-skip on the packets itself (`trim_start`), learned from
    /// the first packet. symphonia 0.6.1's Ogg reader does not: it reports the pre-skip as the
    /// track's `delay` but starts the packets at timestamp 0 untrimmed, so the decoder drops the
    /// samples before timestamp `pre_skip` itself.
    demuxer_trims_start: Option<bool>,
    /// libopus's decoder is `Send` but not `Sync`; the mutex makes the decoder `Sync` as symphonia
    /// requires. It is never contended: every use is through `&mut self`.
    inner: Mutex<opus::Decoder>,
    /// Interleaved output of libopus, reused between packets.
    interleaved: Vec<f32>,
}

impl std::fmt::Debug for OpusCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusCodec").field("channels", &self.channels).field("gain", &self.gain).finish_non_exhaustive()
    }
}

fn new_libopus(channels: usize, gain: i16) -> Result<opus::Decoder> {
    let layout = if channels == 1 { opus::Channels::Mono } else { opus::Channels::Stereo };
    let Ok(mut decoder) = opus::Decoder::new(OPUS_RATE, layout) else {
        return unsupported_error("opus: libopus could not create a decoder");
    };
    if gain != 0 && decoder.set_gain(i32::from(gain)).is_err() {
        return unsupported_error("opus: libopus rejected the output gain");
    }
    Ok(decoder)
}

impl Codec for OpusCodec {
    type Sample = f32;

    const SUPPORTED: &'static [SupportedAudioCodec] = OPUS_CODECS;

    fn open(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<OpenedCodec<Self>> {
        if params.codec != CODEC_ID_OPUS {
            return unsupported_error("opus: not an Opus track");
        }
        // Ogg and Matroska carry the OpusHead as extra data; without it, the track's channel count
        // is all there is to go on.
        let head = match params.extra_data.as_deref() {
            Some(extra) => OpusHead::parse(extra)?,
            None => {
                let channels = params.channels.as_ref().map_or(0, Channels::count);
                match u8::try_from(channels) {
                    Ok(channels @ 1..=2) => OpusHead { channels, pre_skip: 0, output_gain: 0 },
                    _ => return unsupported_error("opus: channel count unknown or above two"),
                }
            }
        };
        let channels = usize::from(head.channels);
        let layout = if channels == 1 { layouts::CHANNEL_LAYOUT_MONO } else { layouts::CHANNEL_LAYOUT_STEREO };
        let inner = new_libopus(channels, head.output_gain)?;
        let mut params = params.clone();
        params.with_sample_rate(OPUS_RATE).with_channels(layout.clone());
        Ok(OpenedCodec {
            codec: Self {
                gapless: opts.gapless,
                channels,
                gain: head.output_gain,
                pre_skip: u64::from(head.pre_skip),
                demuxer_trims_start: None,
                inner: Mutex::new(inner),
                interleaved: vec![0.0; MAX_PACKET_FRAMES * channels],
            },
            params,
            buf: AudioBuffer::new(AudioSpec::new(OPUS_RATE, layout), MAX_PACKET_FRAMES),
        })
    }

    fn decode(&mut self, packet: &PacketRef<'_>, buf: &mut AudioBuffer<f32>) -> Result<()> {
        // An empty packet would ask libopus to conceal a lost packet of unknown length; in a file
        // it can only be damage.
        if packet.data.is_empty() {
            return decode_error("opus: empty packet");
        }
        let inner = self.inner.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Ok(frames) = inner.decode_float(packet.data, &mut self.interleaved, false) else {
            return decode_error("opus: invalid packet");
        };
        let frames = frames.min(MAX_PACKET_FRAMES);
        buf.render_uninit(Some(frames));
        for channel in 0..self.channels {
            let Some(plane) = buf.plane_mut(channel) else {
                return decode_error("opus: missing audio plane");
            };
            for (frame, sample) in plane.iter_mut().enumerate().take(frames) {
                *sample = self.interleaved[frame * self.channels + channel];
            }
        }
        if self.gapless {
            let demuxer_trims =
                *self.demuxer_trims_start.get_or_insert(!packet.trim_start.is_zero() || packet.pts.is_negative());
            let start = if demuxer_trims {
                packet.trim_start.get()
            } else {
                // Timestamps count from the first decoded sample, pre-skip included.
                u64::try_from(packet.pts.get()).map_or(0, |pts| self.pre_skip.saturating_sub(pts))
            };
            buf.trim(start as usize, packet.trim_end.get() as usize);
        }
        Ok(())
    }

    fn reset(&mut self) {
        // A failed reset leaves the old state, which only costs a few milliseconds of transition
        // after a seek; recreating the decoder is the fallback.
        let inner = self.inner.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.reset_state().is_err()
            && let Ok(fresh) = new_libopus(self.channels, self.gain)
        {
            *inner = fresh;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, family: u8, table: &[u8]) -> Vec<u8> {
        let mut head = b"OpusHead".to_vec();
        head.extend_from_slice(&[1, channels, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0x00, 0x01, family]);
        head.extend_from_slice(table);
        head
    }

    #[test]
    fn head_accepts_plain_streams_and_reads_the_gain() {
        assert_eq!(
            OpusHead::parse(&head(1, 0, &[])).ok(),
            Some(OpusHead { channels: 1, pre_skip: 312, output_gain: 256 })
        );
        assert!(OpusHead::parse(&head(2, 1, &[1, 1, 0, 1])).is_ok());
    }

    #[test]
    fn head_rejects_what_one_decoder_cannot_decode() {
        assert!(OpusHead::parse(&head(6, 1, &[4, 2, 0, 4, 1, 2, 3, 5])).is_err());
        assert!(OpusHead::parse(&head(2, 1, &[2, 0, 0, 1])).is_err());
        assert!(OpusHead::parse(b"OpusTags").is_err());
        assert!(OpusHead::parse(&head(0, 0, &[])).is_err());
    }
}
