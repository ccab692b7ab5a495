//! Audio for Tingjian: decoding recordings with symphonia.
//!
//! Import decodes every recording fully once: durations come from the frames actually decoded,
//! not from a header that may lie (a truncated MP3 decodes shorter without any error).

mod probe;

pub use probe::{AudioError, ProbeInfo, probe_file};
