//! Real sound output for the tests, on a machine without a sound card: an ALSA file sink that
//! captures exactly what cpal played (faster than real time), and a private PulseAudio daemon
//! with a null sink (real time). Each scenario runs in a child process, because ALSA reads its
//! configuration from the environment once per process; the child is this test binary itself,
//! re-run on one ignored test that acts on the environment it is given.

#![allow(dead_code, unused_imports)]

pub use tingjian_sound_setups::{
    AlsaConfig, CAPTURE_RATE, PulseServer, child_command, in_child, print_result, result_of, run_child,
};

use std::path::Path;
use std::process::Command;

/// Writes a stereo 16-bit WAV whose channels are made by `left` and `right` (time in seconds).
pub fn write_stereo_wav(path: &Path, rate: u32, seconds: f64, left: impl Fn(f64) -> f64, right: impl Fn(f64) -> f64) {
    let spec =
        hound::WavSpec { channels: 2, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    let frames = (seconds * f64::from(rate)).round() as u64;
    for i in 0..frames {
        let t = i as f64 / f64::from(rate);
        for value in [left(t), right(t)] {
            writer.write_sample((value.clamp(-1.0, 1.0) * 32767.0).round() as i16).expect("write sample");
        }
    }
    writer.finalize().expect("finalize wav");
}

pub fn tone(frequency: f64, amplitude: f64) -> impl Fn(f64) -> f64 {
    move |t| amplitude * (2.0 * std::f64::consts::PI * frequency * t).sin()
}

/// Deterministic noise, different from any tone: a simple LCG keyed by the sample time.
pub fn noise(amplitude: f64) -> impl Fn(f64) -> f64 {
    move |t| {
        let n = (t * 1e6).round() as u64;
        let x = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        amplitude * (((x >> 33) as f64 / (1u64 << 31) as f64) - 1.0)
    }
}

/// Reads a WAV into planar f64 channels.
pub fn read_wav(path: &Path) -> (u32, Vec<Vec<f64>>) {
    let mut reader = hound::WavReader::open(path).expect("open wav");
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let mut planes = vec![Vec::new(); channels];
    for (i, sample) in reader.samples::<i16>().enumerate() {
        planes[i % channels].push(f64::from(sample.expect("sample")) / 32768.0);
    }
    (spec.sample_rate, planes)
}

/// Resamples one channel with rubato's FFT resampler, the player's own, delay trimmed.
pub fn upsample(plane: &[f64], from: u32, to: u32) -> Vec<f64> {
    use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
    use rubato::{Fft, FixedSync, Resampler};
    if from == to {
        return plane.to_vec();
    }
    let input = vec![plane.iter().map(|&x| x as f32).collect::<Vec<f32>>()];
    let adapter = SequentialSliceOfVecs::new(&input, 1, plane.len()).expect("adapter");
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, 256, 1, FixedSync::Input).expect("resampler");
    let out = resampler.process_all(&adapter, plane.len(), None).expect("resample");
    out.take_data().into_iter().map(f64::from).collect()
}

/// Pearson correlation of two equally long slices.
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mean_a = a.iter().sum::<f64>() / n as f64;
    let mean_b = b.iter().sum::<f64>() / n as f64;
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (x, y) = (a[i] - mean_a, b[i] - mean_b);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa.sqrt() * bb.sqrt()).max(1e-12)
}

/// The captured raw stereo float frames, split into channels, without the silence the running
/// device wrote before playback started and after it ended (the file sink is not paced, so that
/// can be a lot).
pub fn read_capture(path: &Path) -> Vec<Vec<f64>> {
    let bytes = std::fs::read(path).expect("read capture");
    let frames: Vec<&[u8]> = bytes.chunks_exact(8).collect();
    let silent = |frame: &&[u8]| frame.iter().all(|&b| b == 0);
    let first = frames.iter().position(|f| !silent(f)).unwrap_or(frames.len());
    let last = frames.iter().rposition(|f| !silent(f)).map_or(first, |i| i + 1);
    let mut planes = vec![Vec::new(), Vec::new()];
    for frame in &frames[first..last] {
        for (channel, sample) in frame.chunks_exact(4).enumerate() {
            planes[channel].push(f64::from(f32::from_le_bytes([sample[0], sample[1], sample[2], sample[3]])));
        }
    }
    planes
}

/// The first and one-past-last frame louder than `threshold`.
pub fn sounding(plane: &[f64], threshold: f64) -> Option<(usize, usize)> {
    let first = plane.iter().position(|x| x.abs() > threshold)?;
    let last = plane.iter().rposition(|x| x.abs() > threshold)?;
    Some((first, last + 1))
}

/// The dominant frequency by upward zero crossings.
pub fn zero_crossing_frequency(plane: &[f64], rate: u32) -> f64 {
    let crossings = plane.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    crossings as f64 * f64::from(rate) / plane.len() as f64
}
