//! GSM 6.10 full-rate speech in Microsoft's packing ("WAV49", WAVE format tag 0x31): two 20 ms
//! frames in each 65-byte block, 320 samples per block, almost always at 8 kHz mono. ffmpeg's
//! `libgsm_ms` and Asterisk's `wav49` write it. Decoding uses Debian's libgsm.

use symphonia::core::audio::{
    AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, GenericAudioBufferRef, layouts,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::common::FourCc;
use symphonia::core::errors::{Result, decode_error, unsupported_error};
use symphonia::core::packet::PacketRef;

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
pub struct GsmDecoder {
    params: AudioCodecParameters,
    opts: AudioDecoderOptions,
    state: GsmState,
    block: [i16; BLOCK_SAMPLES],
    buf: AudioBuffer<i16>,
}

impl std::fmt::Debug for GsmDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GsmDecoder").field("rate", &self.params.sample_rate).finish_non_exhaustive()
    }
}

fn new_state() -> Result<GsmState> {
    match GsmState::new_wav49() {
        Some(state) => Ok(state),
        None => unsupported_error("gsm: libgsm could not create a decoder"),
    }
}

impl GsmDecoder {
    pub fn try_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Self> {
        if params.codec != CODEC_ID_GSM_MS {
            return unsupported_error("gsm: not a GSM 6.10 track");
        }
        if params.channels.as_ref().is_some_and(|channels| channels.count() != 1) {
            return unsupported_error("gsm: only mono GSM 6.10 exists");
        }
        let rate = params.sample_rate.unwrap_or(8000);
        let mut params = params.clone();
        params.with_channels(layouts::CHANNEL_LAYOUT_MONO);
        Ok(Self {
            params,
            opts: *opts,
            state: new_state()?,
            block: [0; BLOCK_SAMPLES],
            buf: AudioBuffer::new(AudioSpec::new(rate, layouts::CHANNEL_LAYOUT_MONO), BLOCK_SAMPLES),
        })
    }

    fn decode_inner(&mut self, packet: &PacketRef<'_>) -> Result<()> {
        self.buf.clear();
        let data = packet.data;
        if data.is_empty() || !data.len().is_multiple_of(BLOCK_BYTES) {
            return decode_error("gsm: packet is not a whole number of 65-byte blocks");
        }
        let blocks = data.len() / BLOCK_BYTES;
        if blocks > MAX_BLOCKS_PER_PACKET {
            return decode_error("gsm: packet too large");
        }
        self.buf.grow_capacity(blocks * BLOCK_SAMPLES);
        self.buf.render_uninit(Some(blocks * BLOCK_SAMPLES));
        for (index, chunk) in data.chunks_exact(BLOCK_BYTES).enumerate() {
            let Ok(block) = <&[u8; BLOCK_BYTES]>::try_from(chunk) else {
                return decode_error("gsm: short block");
            };
            self.state.decode_block(block, &mut self.block);
            let Some(plane) = self.buf.plane_mut(0) else {
                return decode_error("gsm: missing audio plane");
            };
            plane[index * BLOCK_SAMPLES..(index + 1) * BLOCK_SAMPLES].copy_from_slice(&self.block);
        }
        if self.opts.gapless {
            self.buf.trim(packet.trim_start.get() as usize, packet.trim_end.get() as usize);
        }
        Ok(())
    }
}

impl AudioDecoder for GsmDecoder {
    fn reset(&mut self) {
        // A new state restarts both the synthesis filters and libgsm's half-block phase. If none
        // can be allocated the old one stays, which only colours the first frames after a seek.
        if let Ok(state) = new_state() {
            self.state = state;
        }
    }

    fn codec_info(&self) -> &CodecInfo {
        &GSM_CODECS[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        if let Err(error) = self.decode_inner(packet) {
            self.buf.clear();
            return Err(error);
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

impl RegisterableAudioDecoder for GsmDecoder {
    fn try_registry_new(params: &AudioCodecParameters, opts: &AudioDecoderOptions) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(Self::try_new(params, opts)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        GSM_CODECS
    }
}
