//! Codecs that call recorders produce and symphonia 0.6 does not decode, registered with
//! symphonia's own registries so that one pipeline decodes every recording and the content, not
//! the file name, decides the format:
//!
//! - **Opus** in Ogg: symphonia's Ogg reader demuxes it already; [`OpusDecoder`] decodes it with
//!   libopus, at 48 kHz, with the pre-skip and end padding trimmed when the decoder options ask for
//!   gapless decoding (symphonia's default).
//! - **GSM 6.10 in WAVE** (format tag 0x31, Microsoft's "WAV49" packing): [`Wav49Reader`] reads
//!   the WAVE files symphonia's reader rejects, [`GsmDecoder`] decodes them with libgsm.
//! - **AMR-NB** in the `#!AMR\n` storage format: [`AmrReader`] and [`AmrNbDecoder`], with
//!   libopencore-amrnb.
//!
//! Use [`codecs`] and [`probe`] wherever `symphonia::default::get_codecs` and `get_probe` would
//! be used: they hold everything symphonia's defaults hold, plus these.

use std::sync::OnceLock;

use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::common::Tier;
use symphonia::core::formats::probe::Probe;

mod amr;
mod decoder;
mod ffi;
mod gsm;
mod opus;
mod read;
mod single_track;
mod wav49;

pub use amr::{AMR_NB_RATE, AmrNbDecoder, AmrReader, CODEC_ID_AMR_NB, FORMAT_ID_AMR};
pub use gsm::{CODEC_ID_GSM_MS, GsmDecoder};
pub use opus::{OPUS_RATE, OpusDecoder};
pub use wav49::Wav49Reader;

/// symphonia's default decoders plus Opus, GSM 6.10 and AMR-NB, built once.
pub fn codecs() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        register_codecs(&mut registry);
        registry
    })
}

/// symphonia's default format readers plus the GSM-in-WAVE and AMR readers, built once.
pub fn probe() -> &'static Probe {
    static PROBE: OnceLock<Probe> = OnceLock::new();
    PROBE.get_or_init(|| {
        let mut probe = Probe::default();
        symphonia::default::register_enabled_formats(&mut probe);
        register_formats(&mut probe);
        probe
    })
}

/// Adds this crate's decoders to a registry, for callers that build their own.
pub fn register_codecs(registry: &mut CodecRegistry) {
    registry.register_audio_decoder::<OpusDecoder>();
    registry.register_audio_decoder::<GsmDecoder>();
    registry.register_audio_decoder::<AmrNbDecoder>();
}

/// Adds this crate's format readers to a probe, for callers that build their own.
pub fn register_formats(probe: &mut Probe) {
    // The GSM reader claims only WAVE files whose format tag is 0x31, so it goes ahead of
    // symphonia's WAVE reader (which would claim them and then fail) without taking anything else.
    probe.register_format_at_tier::<Wav49Reader<'_>>(Tier::Preferred);
    probe.register_format::<AmrReader<'_>>();
}
