//! GSM 6.10 full-rate speech in Microsoft's packing ("WAV49", WAVE format tag 0x31): two 20 ms
//! frames in each 65-byte block, 320 samples per block, almost always at 8 kHz mono. ffmpeg's
//! `libgsm_ms` and Asterisk's `wav49` write it. Decoding uses Debian's libgsm.

use symphonia::core::audio::{AudioBuffer, AudioMut, AudioSpec, layouts};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::codecs::registry::SupportedAudioCodec;
use symphonia::core::common::FourCc;
use symphonia::core::errors::{Result, decode_error, unsupported_error};
use symphonia::core::packet::PacketRef;

use crate::decoder::{Codec, Decoder, OpenedCodec};
use crate::ffi::gsm::{BLOCK_BYTES, BLOCK_SAMPLES, GsmState};

/// GSM 6.10 in Microsoft's two-frames-per-block packing. symphonia has no well-known id for it.
pub const CODEC_ID_GSM_MS: AudioCodecId = AudioCodecId::new(FourCc::new(*b"gsms"));

/// Blocks one packet may hold. The reader sends one block per packet; the limit only bounds the
/// buffer for packets from elsewhere.
const MAX_BLOCKS_PER_PACKET: usize = 64;

const GSM_CODECS: &[SupportedAudioCodec] = &[SupportedAudioCodec {
    id: CODEC_ID_GSM_MS,
    info: CodecInfo { short_name: "gsm_ms", long_name: "GSM 6.10 (Microsoft WAV49 packing, libgsm)", profiles: &[] },
}];

/// Decodes GSM 6.10 blocks in WAV49 packing with libgsm.
pub type GsmDecoder = Decoder<GsmCodec>;

/// libgsm's part of [`GsmDecoder`].
pub struct GsmCodec {
    gapless: bool,
    state: GsmState,
    block: [i16; BLOCK_SAMPLES],
}

impl std::fmt::Debug for GsmCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GsmCodec").field("gapless", &self.gapless).finish_non_exhaustive()
    }
}

fn new_state() -> Result<GsmState> {
    match GsmState::new_wav49() {
        Some(state) => Ok(state),
        None => unsupported_error("gsm: libgsm could not create a decoder"),
    }
}

impl Codec for GsmCodec {
    type Sample = i16;

    const SUPPORTED: &'static [SupportedAudioCodec] = GSM_CODECS;

    fn open(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<OpenedCodec<Self>> {
        if params.codec != CODEC_ID_GSM_MS {
            return unsupported_error("gsm: not a GSM 6.10 track");
        }
        if params.channels.as_ref().is_some_and(|channels| channels.count() != 1) {
            return unsupported_error("gsm: only mono GSM 6.10 exists");
        }
        let rate = params.sample_rate.unwrap_or(8000);
        let mut params = params.clone();
        params.with_channels(layouts::CHANNEL_LAYOUT_MONO);
        Ok(OpenedCodec {
            codec: Self { gapless: opts.gapless, state: new_state()?, block: [0; BLOCK_SAMPLES] },
            params,
            buf: AudioBuffer::new(AudioSpec::new(rate, layouts::CHANNEL_LAYOUT_MONO), BLOCK_SAMPLES),
        })
    }

    fn decode(&mut self, packet: &PacketRef<'_>, buf: &mut AudioBuffer<i16>) -> Result<()> {
        let data = packet.data;
        if data.is_empty() || !data.len().is_multiple_of(BLOCK_BYTES) {
            return decode_error("gsm: packet is not a whole number of 65-byte blocks");
        }
        let blocks = data.len() / BLOCK_BYTES;
        if blocks > MAX_BLOCKS_PER_PACKET {
            return decode_error("gsm: packet too large");
        }
        buf.grow_capacity(blocks * BLOCK_SAMPLES);
        buf.render_uninit(Some(blocks * BLOCK_SAMPLES));
        for (index, chunk) in data.chunks_exact(BLOCK_BYTES).enumerate() {
            let Ok(block) = <&[u8; BLOCK_BYTES]>::try_from(chunk) else {
                return decode_error("gsm: short block");
            };
            self.state.decode_block(block, &mut self.block);
            let Some(plane) = buf.plane_mut(0) else {
                return decode_error("gsm: missing audio plane");
            };
            plane[index * BLOCK_SAMPLES..(index + 1) * BLOCK_SAMPLES].copy_from_slice(&self.block);
        }
        if self.gapless {
            buf.trim(packet.trim_start.get() as usize, packet.trim_end.get() as usize);
        }
        Ok(())
    }

    fn reset(&mut self) {
        // A new state restarts both the synthesis filters and libgsm's half-block phase. If none
        // can be allocated the old one stays, which only colours the first frames after a seek.
        if let Ok(state) = new_state() {
            self.state = state;
        }
    }
}
