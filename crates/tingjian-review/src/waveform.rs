//! The waveform the review screen draws: the stored peaks of a stretch of the call, at the level
//! that gives about one bin per pixel.

use serde::{Deserialize, Serialize};
use tingjian_audio::{Peaks, analyse_file};
use tingjian_vault::{Vault, VaultError, is_content_hash};
use ts_rs::TS;

use crate::ReviewError;

/// Peaks of `[start_ms, end_ms)` of a recording, per channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Waveform {
    pub sample_rate: u32,
    pub channels: u16,
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Frames each bin covers.
    pub frames_per_bin: u32,
    /// The frame where the first bin starts (at or before `start_ms`).
    #[ts(type = "number")]
    pub first_frame: u64,
    /// `min[channel][bin]` and `max[channel][bin]`, scaled so ±32768 is full scale.
    pub min: Vec<Vec<i16>>,
    pub max: Vec<Vec<i16>>,
}

/// The waveform of `[start_ms, end_ms)` for a view `width_px` pixels wide. The peaks are a cache:
/// when they are missing or damaged they are rebuilt from the stored audio and kept again.
///
/// `hash` must be a stored recording's hash (64 lowercase hexadecimal characters, a row of
/// `recordings`): it becomes a path in the audio store and in the peaks cache, so anything else
/// (`..`, an absolute path) is refused before a file is opened or written.
pub fn waveform(vault: &Vault, hash: &str, start_ms: u64, end_ms: u64, width_px: u32) -> Result<Waveform, ReviewError> {
    check_stored_recording(vault, hash)?;
    let peaks = load_peaks(vault, hash)?;
    let rate = u64::from(peaks.sample_rate.max(1));
    let duration_ms = peaks.frames * 1000 / rate;
    let end_ms = end_ms.min(duration_ms).max(start_ms);
    let (start_frame, end_frame) = (start_ms * rate / 1000, end_ms * rate / 1000);
    let frames_per_pixel = (end_frame - start_frame) as f64 / f64::from(width_px.max(1));
    let empty = Waveform {
        sample_rate: peaks.sample_rate,
        channels: peaks.channels,
        duration_ms,
        frames_per_bin: 1,
        first_frame: start_frame,
        min: Vec::new(),
        max: Vec::new(),
    };
    let Some(level) = peaks.level_for(frames_per_pixel) else {
        return Ok(empty);
    };
    let width = u64::from(level.frames_per_bin);
    let first_bin = (start_frame / width) as usize;
    let last_bin = end_frame.div_ceil(width) as usize;
    let slice = |planes: &Vec<Vec<i16>>| -> Vec<Vec<i16>> {
        planes.iter().map(|bins| bins[first_bin.min(bins.len())..last_bin.min(bins.len())].to_vec()).collect()
    };
    Ok(Waveform {
        frames_per_bin: level.frames_per_bin,
        first_frame: first_bin as u64 * width,
        min: slice(&level.min),
        max: slice(&level.max),
        ..empty
    })
}

/// Refuses a hash that is not the name of a recording stored in this vault.
fn check_stored_recording(vault: &Vault, hash: &str) -> Result<(), ReviewError> {
    let shown: String = hash.chars().take(80).filter(|c| !c.is_control()).collect();
    if !is_content_hash(hash) {
        return Err(VaultError::refused(
            format!("“{shown}”不是录音的哈希（应为 64 位小写十六进制字符）"),
            format!("\"{shown}\" is not a recording's hash (64 lowercase hexadecimal characters)"),
        )
        .into());
    }
    if !vault.has_recording(hash)? {
        return Err(VaultError::RecordingNotFound { query: shown }.into());
    }
    Ok(())
}

fn load_peaks(vault: &Vault, hash: &str) -> Result<Peaks, ReviewError> {
    if let Ok(bytes) = std::fs::read(vault.peaks_path(hash))
        && let Ok(peaks) = Peaks::from_bytes(&bytes)
    {
        return Ok(peaks);
    }
    let analysis = analyse_file(&vault.audio().path_of(hash))?;
    // Failing to write the cache costs only the next open's speed, not this one.
    let _ = vault.store_peaks(hash, &analysis.peaks.to_bytes());
    Ok(analysis.peaks)
}
