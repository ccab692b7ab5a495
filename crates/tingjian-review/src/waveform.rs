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
    let stored: bool = vault
        .db()
        .query_row("SELECT EXISTS (SELECT 1 FROM recordings WHERE hash = ?1)", [hash], |row| row.get(0))
        .map_err(VaultError::from)?;
    if !stored {
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

#[cfg(test)]
mod tests {
    use super::*;
    use tingjian_core::{Coded, ErrorCode};
    use tingjian_vault::Event;

    /// A vault holding one real recording (a second of 8 kHz stereo), imported the way the
    /// importer stores one; returns the vault and the recording's hash.
    fn vault_with_a_recording(dir: &std::path::Path) -> (Vault, String) {
        let wav = dir.join("call.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&wav, spec).expect("wav");
        for n in 0..8000u32 {
            let v = ((n as f32 / 8000.0 * 440.0 * std::f32::consts::TAU).sin() * 9000.0) as i16;
            writer.write_sample(v).expect("sample");
            writer.write_sample(v / 2).expect("sample");
        }
        writer.finalize().expect("finalize");
        let mut vault = Vault::create(&dir.join("vault"), "tester").expect("vault");
        let analysis = analyse_file(&wav).expect("analyse");
        let stored = vault.audio().put(&wav).expect("store");
        let info = &analysis.info;
        let recording = tingjian_core::model::Recording {
            hash: stored.hash.clone(),
            original_name: "call.wav".to_owned(),
            container: info.container.clone(),
            codec: info.codec.clone(),
            sample_rate: info.sample_rate,
            channels: info.channels,
            duration_ms: info.duration_ms(),
            bytes: stored.bytes,
            analytics: Some(analysis.analytics),
        };
        vault.record(vec![Event::RecordingStored { recording }]).expect("record");
        (vault, stored.hash)
    }

    #[test]
    fn only_the_hash_of_a_stored_recording_is_accepted_and_nothing_is_written_elsewhere() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (vault, hash) = vault_with_a_recording(dir.path());
        // A file outside the vault that a hostile caller would have decoded, and the places it
        // would have written a peaks file to.
        let outside = dir.path().join("call.wav");
        let relative = format!("../../../{}", outside.display());
        let not_stored = "0".repeat(64);
        for bad in [
            "..",
            "../call.wav",
            relative.as_str(),
            outside.to_str().expect("utf-8 path"),
            "/etc/passwd",
            "",
            &hash[..12],
            &hash.to_uppercase(),
            &format!("{hash}/.."),
            &format!("{hash}\n"),
            not_stored.as_str(),
        ] {
            let error = waveform(&vault, bad, 0, 1000, 100).expect_err(bad);
            let expected = if bad == not_stored { ErrorCode::RecordingNotFound } else { ErrorCode::InvalidInput };
            assert_eq!(error.code(), expected, "{bad}: {error}");
            assert!(!error.message_en().contains("Some("), "{}", error.message_en());
        }
        // Nothing was written outside the peaks cache of the stored recording.
        let peaks_dir = vault.peaks_path(&hash).parent().expect("folder").to_owned();
        let cached: Vec<_> =
            std::fs::read_dir(&peaks_dir).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
        assert!(cached.is_empty(), "{cached:?}");
        assert!(!dir.path().join("call.wav.tjpk").exists());

        // The stored recording's waveform is drawn, and its peaks cached where they belong.
        let drawn = waveform(&vault, &hash, 0, 1000, 100).expect("waveform");
        assert_eq!((drawn.channels, drawn.duration_ms), (2, 1000));
        assert!(!drawn.min[0].is_empty());
        assert!(vault.peaks_path(&hash).is_file());
    }
}
