//! Everything learned from one decode of a recording: what it is, its waveform peaks and its call
//! analytics.

use std::path::Path;

use crate::analytics::{CallAnalytics, EnergyAccumulator};
use crate::decode::{PcmSink, decode};
use crate::peaks::{PeakAccumulator, Peaks};
use crate::probe::{AudioError, ProbeInfo};

/// What one full decode of a recording found.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The same as [`crate::probe_file`] returns for the file.
    pub info: ProbeInfo,
    pub peaks: Peaks,
    pub analytics: CallAnalytics,
}

/// Decodes the whole file once and returns its description, waveform peaks and call analytics.
/// Fails exactly when [`crate::probe_file`] fails, with the same errors.
pub fn analyse_file(path: &Path) -> Result<Analysis, AudioError> {
    let mut scan = Scan::default();
    let info = decode(path, Some(&mut scan))?;
    let (peaks, analytics) = scan.finish(info.sample_rate, info.frames);
    Ok(Analysis { info, peaks, analytics })
}

/// As [`analyse_file`], for a file already in memory; `path` names it in errors.
pub fn analyse_bytes(bytes: std::sync::Arc<[u8]>, path: &Path) -> Result<Analysis, AudioError> {
    let mut scan = Scan::default();
    let info = crate::decode::decode_bytes(bytes, path, Some(&mut scan))?;
    let (peaks, analytics) = scan.finish(info.sample_rate, info.frames);
    Ok(Analysis { info, peaks, analytics })
}

/// The peaks and energies of the decoded audio, built as the buffers arrive.
#[derive(Debug, Default)]
struct Scan {
    /// Created from the first buffer, whose channel count and rate the whole scan keeps.
    state: Option<ScanState>,
}

#[derive(Debug)]
struct ScanState {
    sample_rate: u32,
    channels: usize,
    frames: u64,
    peaks: PeakAccumulator,
    energies: EnergyAccumulator,
    /// Zeros standing in for a channel that a later buffer lacks, so every channel keeps the same
    /// timeline; empty unless a stream changes its channel count, which broken files can do.
    silence: Vec<f32>,
}

impl PcmSink for Scan {
    fn accept(&mut self, sample_rate: u32, planes: &[Vec<f32>]) {
        let state = self.state.get_or_insert_with(|| {
            let channels = planes.len().max(1);
            ScanState {
                sample_rate,
                channels,
                frames: 0,
                peaks: PeakAccumulator::new(channels, sample_rate),
                energies: EnergyAccumulator::new(channels, sample_rate),
                silence: Vec::new(),
            }
        });
        let frames = planes.first().map_or(0, Vec::len);
        for channel in 0..state.channels {
            let samples = match planes.get(channel) {
                Some(plane) => plane.as_slice(),
                None => {
                    state.silence.resize(frames, 0.0);
                    &state.silence[..frames]
                }
            };
            state.peaks.push(channel, samples);
            state.energies.push(channel, samples);
        }
        state.frames += frames as u64;
    }
}

impl Scan {
    fn finish(self, fallback_rate: u32, real_frames: u64) -> (Peaks, CallAnalytics) {
        // The decode loop fails with NothingDecoded before this when no buffer arrived, so the
        // empty state is only a formality.
        let state = self.state.unwrap_or_else(|| ScanState {
            sample_rate: fallback_rate,
            channels: 1,
            frames: 0,
            peaks: PeakAccumulator::new(1, fallback_rate),
            energies: EnergyAccumulator::new(1, fallback_rate),
            silence: Vec::new(),
        });
        // The decode may report fewer frames than were decoded (block padding); the rest is not
        // part of the call.
        let frames = state.frames.min(real_frames);
        let peaks = state.peaks.finish(frames);
        let analytics = state.energies.finish(state.sample_rate, frames);
        (peaks, analytics)
    }
}
