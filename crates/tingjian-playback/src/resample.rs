//! Resampling to the device's rate with rubato, trimming the resampler's delay so that output
//! frame `n` stands for input frame `n × in/out`, exactly.

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use crate::error::PlaybackError;

/// Input frames per resampler call: 32 ms of an 8 kHz call, small enough that a seek is heard
/// quickly, large enough that the FFT work per frame stays low.
const CHUNK_FRAMES: usize = 256;

pub(crate) struct RateConverter {
    /// `None` when the rates are equal and samples pass through untouched.
    resampler: Option<Fft<f32>>,
    channels: usize,
    ratio: f64,
    queued: Vec<Vec<f32>>,
    scratch: Vec<Vec<f32>>,
    delay_left: usize,
    input_total: u64,
    output_total: u64,
    finishing: bool,
}

impl std::fmt::Debug for RateConverter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateConverter").field("ratio", &self.ratio).field("channels", &self.channels).finish()
    }
}

impl RateConverter {
    pub(crate) fn new(input_rate: u32, output_rate: u32, channels: usize) -> Result<Self, PlaybackError> {
        let resampler = if input_rate == output_rate {
            None
        } else {
            let fft =
                Fft::<f32>::new(input_rate as usize, output_rate as usize, CHUNK_FRAMES, channels, FixedSync::Input)
                    .map_err(|error| PlaybackError::Internal { detail: format!("resampler: {error}") })?;
            Some(fft)
        };
        let scratch_frames = resampler.as_ref().map_or(0, |r| r.output_frames_max());
        let delay = resampler.as_ref().map_or(0, |r| r.output_delay());
        Ok(RateConverter {
            resampler,
            channels,
            ratio: f64::from(output_rate) / f64::from(input_rate),
            queued: vec![Vec::new(); channels],
            scratch: vec![vec![0.0; scratch_frames]; channels],
            delay_left: delay,
            input_total: 0,
            output_total: 0,
            finishing: false,
        })
    }

    /// Starts afresh: nothing queued, the delay to trim again.
    pub(crate) fn reset(&mut self) {
        if let Some(resampler) = &mut self.resampler {
            resampler.reset();
            self.delay_left = resampler.output_delay();
        }
        for plane in &mut self.queued {
            plane.clear();
        }
        self.input_total = 0;
        self.output_total = 0;
        self.finishing = false;
    }

    /// Queues input: `planes` holds one vector per channel; frames `range` of each are taken.
    pub(crate) fn push(&mut self, planes: &[Vec<f32>], range: std::ops::Range<usize>) {
        self.input_total += range.len() as u64;
        for (queued, plane) in self.queued.iter_mut().zip(planes) {
            queued.extend_from_slice(&plane[range.clone()]);
        }
    }

    /// No more input: the next [`Self::process`] calls flush what the resampler still holds.
    pub(crate) fn finish(&mut self) {
        self.finishing = true;
    }

    /// Everything pushed has come out.
    pub(crate) fn drained(&self) -> bool {
        self.finishing && self.output_total >= self.expected_output() && self.queued[0].is_empty()
    }

    fn expected_output(&self) -> u64 {
        (self.input_total as f64 * self.ratio).round() as u64
    }

    /// Appends all output the queued input allows to `out` (one vector per channel).
    pub(crate) fn process(&mut self, out: &mut [Vec<f32>]) -> Result<(), PlaybackError> {
        let expected = self.expected_output();
        let Some(resampler) = &mut self.resampler else {
            for (target, queued) in out.iter_mut().zip(&mut self.queued) {
                target.append(queued);
            }
            self.output_total = self.input_total;
            return Ok(());
        };
        loop {
            let needed = resampler.input_frames_next();
            let available = self.queued[0].len();
            let partial = if available >= needed {
                None
            } else if self.finishing && self.output_total < expected {
                Some(available)
            } else {
                return Ok(());
            };
            let input = SequentialSliceOfVecs::new(&self.queued, self.channels, available.max(needed).min(available))
                .map_err(|error| PlaybackError::Internal { detail: format!("resampler input: {error}") })?;
            let scratch_frames = self.scratch[0].len();
            let mut output = SequentialSliceOfVecs::new_mut(&mut self.scratch, self.channels, scratch_frames)
                .map_err(|error| PlaybackError::Internal { detail: format!("resampler output: {error}") })?;
            let indexing = partial.map(|frames| Indexing::new().partial_len(frames));
            let (consumed, produced) = resampler
                .process_into_buffer(&input, &mut output, indexing.as_ref())
                .map_err(|error| PlaybackError::Internal { detail: format!("resampling: {error}") })?;
            let consumed = consumed.min(available);
            for plane in &mut self.queued {
                plane.drain(..consumed);
            }
            let trimmed = self.delay_left.min(produced);
            self.delay_left -= trimmed;
            let mut keep = produced - trimmed;
            if self.finishing {
                // The flush produces whole chunks; only what the input stands for is kept.
                let room = expected.saturating_sub(self.output_total);
                keep = keep.min(room as usize);
            }
            for (target, plane) in out.iter_mut().zip(&self.scratch) {
                target.extend_from_slice(&plane[trimmed..trimmed + keep]);
            }
            self.output_total += keep as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lines_up_with_the_input_and_has_the_right_length() {
        let input: Vec<f32> =
            (0..8000).map(|i| (2.0 * std::f32::consts::PI * 300.0 * i as f32 / 8000.0).sin()).collect();
        let mut converter = RateConverter::new(8000, 48000, 1).expect("converter");
        let mut out = vec![Vec::new()];
        for start in (0..input.len()).step_by(1000) {
            converter.push(std::slice::from_ref(&input), start..start + 1000);
            converter.process(&mut out).expect("process");
        }
        converter.finish();
        converter.process(&mut out).expect("flush");
        assert!(converter.drained());
        assert_eq!(out[0].len(), 48_000);
        // With the delay trimmed, output frame 6n is input frame n.
        for n in [100usize, 2000, 7000] {
            assert!((out[0][6 * n] - input[n]).abs() < 0.02, "frame {n}: {} vs {}", out[0][6 * n], input[n]);
        }
    }
}
