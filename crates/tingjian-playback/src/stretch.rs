//! Pitch-preserving speed change for speech: WSOLA (waveform-similarity overlap-add).
//!
//! The output is built from windowed frames of the input, half a frame apart. Playing at speed
//! `s` means the next frame is taken about `s` half-frames further on in the input; within a
//! small search range the exact place is chosen where the input looks most like the natural
//! continuation of the frame before, so the overlapping halves add up without phase
//! cancellation. Pitch stays, because every frame is copied at its own rate; only how far apart
//! frames are taken changes.
//!
//! It runs at the recording's own sample rate, before resampling to the device: a call is 8 kHz,
//! and the search costs grow with the square of the rate, so stretching first is about 36 times
//! cheaper than stretching at 48 kHz for the same result.
//!
//! Every output block is reported with the stretch of input it stands for, so the player can
//! map what the device plays back to the recording's timeline.

/// The analysis frame: 30 ms holds a few pitch periods of any voice.
const FRAME_SECONDS: f64 = 0.030;
/// How far from the nominal position a frame may be taken to match the waveform.
const SEARCH_SECONDS: f64 = 0.012;
/// The correlation search looks at every sample up to this rate, and at every n-th above it; a
/// second pass refines the best coarse match at full resolution.
const SEARCH_RATE: u32 = 8000;

/// A piece of output and the input it stands for, in input frame numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StretchPiece {
    pub frames: usize,
    pub source_start: f64,
    pub source_end: f64,
}

#[derive(Debug)]
pub(crate) struct TimeStretch {
    channels: usize,
    half: usize,
    search: i64,
    coarse_step: usize,
    rising: Vec<f32>,
    falling: Vec<f32>,
    speed: f64,
    /// Input frames kept, per channel; `input_start` is the frame number of the first.
    input: Vec<Vec<f32>>,
    /// The channels summed, which is what the waveform search compares.
    mix: Vec<f32>,
    input_start: u64,
    /// Where the input ends, once it is known.
    input_end: Option<u64>,
    /// The nominal input position of the next frame.
    nominal: f64,
    /// Where the previous frame was actually taken (it may be before the input's start, for the
    /// virtual frame that starts the stream).
    previous_start: i64,
    /// The second halves of the previous frame, windowed, waiting for the next frame's first.
    pending: Vec<Vec<f32>>,
    started: bool,
    drained: bool,
}

impl TimeStretch {
    pub(crate) fn new(sample_rate: u32, channels: usize) -> Self {
        let half = ((f64::from(sample_rate) * FRAME_SECONDS / 2.0).round() as usize).max(8);
        let frame = 2 * half;
        // A periodic Hann window: its two halves sum to exactly one, so frames taken from
        // consecutive places in the input rebuild the input unchanged.
        let window: Vec<f32> = (0..frame)
            .map(|n| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / frame as f64).cos()) as f32)
            .collect();
        TimeStretch {
            channels,
            half,
            search: (f64::from(sample_rate) * SEARCH_SECONDS).round() as i64,
            coarse_step: (sample_rate / SEARCH_RATE).max(1) as usize,
            rising: window[..half].to_vec(),
            falling: window[half..].to_vec(),
            speed: 1.0,
            input: vec![Vec::new(); channels],
            mix: Vec::new(),
            input_start: 0,
            input_end: None,
            nominal: 0.0,
            previous_start: 0,
            pending: vec![vec![0.0; half]; channels],
            started: false,
            drained: false,
        }
    }

    /// Starts afresh with input beginning at frame `start` (after a seek or a skip).
    pub(crate) fn reset(&mut self, start: u64) {
        for plane in &mut self.input {
            plane.clear();
        }
        self.mix.clear();
        self.input_start = start;
        self.input_end = None;
        self.nominal = start as f64;
        self.started = false;
        self.drained = false;
    }

    pub(crate) fn set_speed(&mut self, speed: f64) {
        self.speed = speed;
    }

    /// Appends input frames, one slice per channel of equal length.
    pub(crate) fn push(&mut self, planes: &[&[f32]]) {
        let frames = planes.first().map_or(0, |p| p.len());
        for (channel, plane) in self.input.iter_mut().enumerate() {
            plane.extend_from_slice(&planes[channel.min(planes.len() - 1)][..frames]);
        }
        let scale = 1.0 / planes.len() as f32;
        self.mix.extend((0..frames).map(|i| planes.iter().map(|p| p[i]).sum::<f32>() * scale));
    }

    /// No more input will come; what is left is played out.
    pub(crate) fn finish(&mut self) {
        self.input_end = Some(self.input_start + self.mix.len() as u64);
    }

    /// All input has been turned into output.
    pub(crate) fn drained(&self) -> bool {
        self.drained
    }

    /// Frames of input held beyond what the next frame needs: the caller feeds more input when
    /// this is low.
    pub(crate) fn needs_input(&self) -> bool {
        self.input_end.is_none() && !self.can_step()
    }

    fn available_end(&self) -> u64 {
        self.input_start + self.mix.len() as u64
    }

    fn can_step(&self) -> bool {
        let farthest = self.nominal.round() as i64 + self.search + 2 * self.half as i64;
        let natural_end = self.previous_start + 3 * self.half as i64;
        farthest.max(natural_end) <= self.available_end() as i64
    }

    /// One input sample, zero outside what is held (before the start and past the end).
    fn sample(&self, plane: &[f32], at: i64) -> f32 {
        let index = at - self.input_start as i64;
        if index < 0 { 0.0 } else { plane.get(index as usize).copied().unwrap_or(0.0) }
    }

    /// Produces as much output as the input allows, appending to `out` (one vector per channel)
    /// and describing it in `pieces`.
    pub(crate) fn process(&mut self, out: &mut [Vec<f32>], pieces: &mut Vec<StretchPiece>) {
        if self.drained {
            return;
        }
        if !self.started {
            if self.mix.len() < self.half && self.input_end.is_none() {
                return;
            }
            self.start();
        }
        loop {
            if let Some(end) = self.input_end {
                if self.nominal >= end as f64 {
                    self.drained = true;
                    return;
                }
            } else if !self.can_step() {
                return;
            }
            self.step(out, pieces);
            self.discard_used_input();
        }
    }

    /// The stream starts as if a frame had been taken half a frame earlier, so that the first
    /// output is the input itself rather than a fade-in.
    fn start(&mut self) {
        let start = self.nominal.round() as i64;
        self.previous_start = start - self.half as i64;
        for channel in 0..self.channels {
            for j in 0..self.half {
                let value = self.sample(&self.input[channel], start + j as i64);
                self.pending[channel][j] = self.falling[j] * value;
            }
        }
        self.started = true;
    }

    fn step(&mut self, out: &mut [Vec<f32>], pieces: &mut Vec<StretchPiece>) {
        let natural = self.previous_start + self.half as i64;
        // At normal speed the natural continuation is the input itself; searching could only
        // move away from it.
        let start = if self.speed == 1.0 {
            self.nominal = natural as f64;
            natural
        } else {
            self.best_match(self.nominal.round() as i64, natural)
        };
        let mut frames = self.half;
        let source_start = self.nominal;
        let mut source_end = self.nominal + self.half as f64 * self.speed;
        if let Some(end) = self.input_end
            && source_end > end as f64
        {
            // The last block only lasts as long as the input it stands for.
            frames = (((end as f64 - source_start) / self.speed).ceil() as usize).clamp(1, self.half);
            source_end = end as f64;
        }
        for (channel, target) in out.iter_mut().enumerate().take(self.channels) {
            let plane = &self.input[channel];
            for j in 0..frames {
                target.push(self.pending[channel][j] + self.rising[j] * self.sample(plane, start + j as i64));
            }
            for j in 0..self.half {
                self.pending[channel][j] = self.falling[j] * self.sample(plane, start + (self.half + j) as i64);
            }
        }
        pieces.push(StretchPiece { frames, source_start, source_end });
        self.previous_start = start;
        self.nominal += self.half as f64 * self.speed;
    }

    /// The frame start near `nominal` whose first half best matches the natural continuation of
    /// the previous frame (normalised cross-correlation of the summed channels).
    fn best_match(&self, nominal: i64, natural: i64) -> i64 {
        let length = self.half;
        let template = |j: usize| self.sample(&self.mix, natural + j as i64);
        let score = |start: i64, stride: usize| {
            let (mut dot, mut energy) = (0.0f32, 1e-9f32);
            let mut j = 0;
            while j < length {
                let x = self.sample(&self.mix, start + j as i64);
                dot += template(j) * x;
                energy += x * x;
                j += stride;
            }
            dot / energy.sqrt()
        };
        let lowest = (nominal - self.search).max(self.input_start as i64);
        let highest = (nominal + self.search).max(lowest);
        let step = self.coarse_step;
        let mut best = nominal.clamp(lowest, highest);
        let mut best_score = score(best, step);
        let mut candidate = lowest;
        while candidate <= highest {
            let value = score(candidate, step);
            if value > best_score {
                best_score = value;
                best = candidate;
            }
            candidate += step as i64;
        }
        if step > 1 {
            let around = best;
            best_score = score(around, 1);
            for candidate in (around - step as i64).max(lowest)..=(around + step as i64).min(highest) {
                let value = score(candidate, 1);
                if value > best_score {
                    best_score = value;
                    best = candidate;
                }
            }
        }
        best
    }

    /// Drops input that no later frame can reach, in batches so that the copying stays cheap.
    fn discard_used_input(&mut self) {
        let keep_from = (self.nominal.round() as i64 - self.search).min(self.previous_start + self.half as i64);
        let droppable = keep_from - self.input_start as i64;
        if droppable > 4096 {
            let count = droppable as usize;
            for plane in &mut self.input {
                plane.drain(..count);
            }
            self.mix.drain(..count);
            self.input_start += count as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(frequency: f64, rate: u32, frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|i| (0.5 * (2.0 * std::f64::consts::PI * frequency * i as f64 / f64::from(rate)).sin()) as f32)
            .collect()
    }

    fn run(stretch: &mut TimeStretch, input: &[f32]) -> (Vec<f32>, Vec<StretchPiece>) {
        let mut out = vec![Vec::new(), Vec::new()];
        let mut pieces = Vec::new();
        for chunk in input.chunks(300) {
            stretch.push(&[chunk, chunk]);
            stretch.process(&mut out, &mut pieces);
        }
        stretch.finish();
        stretch.process(&mut out, &mut pieces);
        (out.swap_remove(0), pieces)
    }

    /// The dominant frequency by counting upward zero crossings.
    fn frequency(samples: &[f32], rate: u32) -> f64 {
        let crossings = samples.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f64 * f64::from(rate) / samples.len() as f64
    }

    #[test]
    fn normal_speed_returns_the_input_unchanged() {
        let input = tone(440.0, 8000, 16_000);
        let mut stretch = TimeStretch::new(8000, 2);
        let (out, pieces) = run(&mut stretch, &input);
        assert_eq!(out.len(), input.len());
        let worst = out.iter().zip(&input).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "largest difference {worst}");
        assert_eq!(pieces.last().map(|p| p.source_end), Some(16_000.0));
    }

    #[test]
    fn other_speeds_keep_the_pitch_and_scale_the_duration() {
        for speed in [0.5, 0.75, 1.5, 2.0] {
            let input = tone(440.0, 8000, 40_000);
            let mut stretch = TimeStretch::new(8000, 2);
            stretch.set_speed(speed);
            let (out, pieces) = run(&mut stretch, &input);
            let expected = input.len() as f64 / speed;
            assert!((out.len() as f64 / expected - 1.0).abs() < 0.01, "speed {speed}: {} frames", out.len());
            let pitch = frequency(&out[800..out.len() - 800], 8000);
            assert!((pitch / 440.0 - 1.0).abs() < 0.02, "speed {speed}: pitch {pitch}");
            let covered: usize = pieces.iter().map(|p| p.frames).sum();
            assert_eq!(covered, out.len());
            assert_eq!(pieces.last().map(|p| p.source_end), Some(40_000.0));
        }
    }
}
