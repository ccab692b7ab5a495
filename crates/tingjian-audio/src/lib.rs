//! Audio for Tingjian: decoding recordings with symphonia, waveform peaks and call analytics.
//!
//! Import decodes every recording fully once: durations come from the frames actually decoded,
//! not from a header that may lie (a truncated MP3 decodes shorter without any error). The same
//! pass can also build the waveform peaks and the call analytics ([`analyse_file`]), so that a
//! recording is read only once however much is learned from it.
//!
//! Times in the analytics are milliseconds from the first decoded frame, which is also where the
//! player starts, so markers line up with what is heard. For M4A (AAC) that is not quite the
//! start of the call: symphonia 0.6 does not apply the edit list that tells a decoder to drop the
//! encoder's 1,024-sample priming, so the audio of an M4A recording, and everything measured on
//! it, comes 128 ms late (at 8 kHz), and the recording decodes 128–256 ms longer than it was
//! (the priming plus the padding of the last AAC frame). MP3 delay and padding are trimmed.
//!
//! Headers are not trusted with memory: a file over [`MAX_RECORDING_BYTES`], a rate outside
//! [`MIN_SAMPLE_RATE`]–[`MAX_SAMPLE_RATE`], more than [`MAX_CHANNELS`] channels, or a length (claimed
//! or decoded) over [`max_duration_ms`] is refused with its reason before a decoder is made or the
//! peaks grow past their bound.

mod analyse;
mod analytics;
mod decode;
mod peaks;
mod probe;
mod stream;

pub use analyse::{Analysis, analyse_bytes, analyse_file};
pub use analytics::{
    CROSSTALK_MARGIN_DB, CallAnalytics, ChannelAnalytics, DEAD_AIR_MIN_MS, FRAME_MS, GAP_BRIDGE_MS, HANGOVER_MS,
    Interval, TALK_OVER_MIN_MS,
};
pub use peaks::{FINEST_FRAMES_PER_BIN, LEVEL_COUNT, LEVEL_FACTOR, PEAK_SCALE, PeakLevel, Peaks, PeaksError};
pub use probe::{
    AudioError, CodecProblem, MAX_CHANNELS, MAX_DECODED_SAMPLES, MAX_DURATION_MS, MAX_RECORDING_BYTES, MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE, ProbeInfo, en_bytes, en_duration, max_duration_ms, probe_file, zh_bytes, zh_duration,
};
pub use stream::{DecodedBlock, StreamingDecoder};
