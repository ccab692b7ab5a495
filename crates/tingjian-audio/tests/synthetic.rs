//! Recordings made in the test with hound, for the cases the demo calls do not cover: silence, mono,
//! a file shorter than one analysis frame, full-scale clipping, damaged float samples, a mono call
//! stored as stereo, and crosstalk against real talk-over.

use std::path::{Path, PathBuf};

use tingjian_audio::{Analysis, Interval, Peaks, analyse_file, probe_file};

const RATE: u32 = 8000;

/// A small deterministic generator (xorshift64*), so the noise is the same on every run.
struct Noise(u64);

impl Noise {
    /// Uniform in -1..1.
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn db(level: f64) -> f64 {
    10f64.powf(level / 20.0)
}

/// Line noise at -55 dBFS RMS (uniform noise has an RMS of 1/√3 of its peak).
fn line_noise(noise: &mut Noise, frames: usize) -> Vec<f64> {
    let peak = db(-55.0) * 3f64.sqrt();
    (0..frames).map(|_| noise.next() * peak).collect()
}

/// Adds speech-like sound over `start..end` seconds: a 300 Hz tone whose level rises and falls four
/// times a second like syllables, peaking at `level_db`.
fn add_speech(track: &mut [f64], start: f64, end: f64, level_db: f64) {
    let (a, b) = ((start * f64::from(RATE)) as usize, (end * f64::from(RATE)) as usize);
    for (i, sample) in track.iter_mut().enumerate().take(b).skip(a) {
        let t = (i - a) as f64 / f64::from(RATE);
        let syllables = 0.3 + 0.7 * (std::f64::consts::PI * 4.0 * t).sin().abs();
        *sample += db(level_db) * syllables * (2.0 * std::f64::consts::PI * 300.0 * t).sin();
    }
}

fn write_wav(dir: &Path, name: &str, channels: &[Vec<f64>]) -> PathBuf {
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).expect("create wav");
    let frames = channels.first().map_or(0, Vec::len);
    for frame in 0..frames {
        for channel in channels {
            let value = (channel[frame] * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
            writer.write_sample(value).expect("write sample");
        }
    }
    writer.finalize().expect("finish wav");
    path
}

fn analyse(path: &Path) -> Analysis {
    let analysis = analyse_file(path).expect("analyse");
    assert_eq!(analysis.info, probe_file(path).expect("probe"), "analyse and probe agree");
    let bytes = analysis.peaks.to_bytes();
    assert_eq!(Peaks::from_bytes(&bytes).as_ref(), Ok(&analysis.peaks), "peaks round-trip");
    analysis
}

fn seconds(interval: &Interval) -> (f64, f64) {
    (interval.start_ms as f64 / 1000.0, interval.end_ms as f64 / 1000.0)
}

fn near(actual: (f64, f64), expected: (f64, f64)) -> bool {
    (actual.0 - expected.0).abs() <= 0.1 && (actual.1 - expected.1).abs() <= 0.1
}

#[test]
fn digital_silence_and_line_noise_have_no_speech_and_no_dead_air() {
    let dir = tempfile::tempdir().expect("temp dir");
    let frames = 10 * RATE as usize;
    let zeros = write_wav(dir.path(), "zeros.wav", &[vec![0.0; frames], vec![0.0; frames]]);
    let mut noise = Noise(7);
    let hiss = write_wav(dir.path(), "hiss.wav", &[line_noise(&mut noise, frames), line_noise(&mut noise, frames)]);
    for path in [zeros, hiss] {
        let analysis = analyse(&path);
        let analytics = &analysis.analytics;
        assert_eq!(analytics.channels.len(), 2);
        assert!(analytics.channels.iter().all(|channel| channel.speech.is_empty() && channel.speech_ms == 0));
        // Dead air is silence between speech; a call without speech has none.
        assert!(analytics.dead_air.is_empty(), "{}: {:?}", path.display(), analytics.dead_air);
        assert!(analytics.talk_over.is_empty());
        assert_eq!(analytics.talk_ratio, None);
        assert_eq!(analysis.info.duration_ms(), 10_000);
    }
}

#[test]
fn a_mono_call_has_speech_and_dead_air_but_no_talk_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut track = line_noise(&mut Noise(11), 12 * RATE as usize);
    add_speech(&mut track, 1.0, 3.0, -12.0);
    add_speech(&mut track, 6.0, 8.5, -12.0);
    add_speech(&mut track, 8.8, 11.0, -18.0);
    let analysis = analyse(&write_wav(dir.path(), "mono.wav", &[track]));
    let analytics = &analysis.analytics;
    assert_eq!(analysis.info.channels, 1);
    assert_eq!(analysis.peaks.channels, 1);
    assert_eq!(analytics.channels.len(), 1);
    let speech: Vec<(f64, f64)> = analytics.channels[0].speech.iter().map(seconds).collect();
    // The 300 ms pause at 8.5-8.8 s is bridged; the syllable dips inside each burst are too.
    assert_eq!(speech.len(), 2, "{speech:?}");
    assert!(near(speech[0], (1.0, 3.0)), "{speech:?}");
    assert!(near(speech[1], (6.0, 11.0)), "{speech:?}");
    let dead_air: Vec<(f64, f64)> = analytics.dead_air.iter().map(seconds).collect();
    assert_eq!(dead_air.len(), 1, "{dead_air:?}");
    assert!(near(dead_air[0], (3.0, 6.0)), "{dead_air:?}");
    assert!(analytics.talk_over.is_empty());
    assert_eq!(analytics.talk_ratio, None);
    assert!(!analytics.channels_separated);
}

#[test]
fn crosstalk_is_not_speech_but_talking_over_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let frames = 14 * RATE as usize;
    let mut noise = Noise(3);
    let (mut agent, mut customer) = (vec![0.0; frames], vec![0.0; frames]);
    add_speech(&mut agent, 0.5, 4.0, -8.0);
    add_speech(&mut customer, 4.5, 7.0, -10.0);
    add_speech(&mut agent, 7.5, 11.0, -8.0);
    // The customer cuts in a second and a half before the agent has finished.
    add_speech(&mut customer, 9.5, 13.0, -10.0);
    // Each party leaks into the other's channel 25 dB down, as on a two-wire line.
    let leak = db(-25.0);
    let left: Vec<f64> = agent.iter().zip(&customer).map(|(a, c)| a + c * leak).collect();
    let right: Vec<f64> = customer.iter().zip(&agent).map(|(c, a)| c + a * leak).collect();
    let left: Vec<f64> = left.iter().zip(line_noise(&mut noise, frames)).map(|(s, n)| s + n).collect();
    let right: Vec<f64> = right.iter().zip(line_noise(&mut noise, frames)).map(|(s, n)| s + n).collect();
    let analysis = analyse(&write_wav(dir.path(), "stereo.wav", &[left, right]));
    let analytics = &analysis.analytics;
    assert!(analytics.channels_separated);
    let agent: Vec<(f64, f64)> = analytics.channels[0].speech.iter().map(seconds).collect();
    let customer: Vec<(f64, f64)> = analytics.channels[1].speech.iter().map(seconds).collect();
    assert_eq!(agent.len(), 2, "{agent:?}");
    assert!(near(agent[0], (0.5, 4.0)) && near(agent[1], (7.5, 11.0)), "{agent:?}");
    assert_eq!(customer.len(), 2, "{customer:?}");
    assert!(near(customer[0], (4.5, 7.0)) && near(customer[1], (9.5, 13.0)), "{customer:?}");
    let talk_over: Vec<(f64, f64)> = analytics.talk_over.iter().map(seconds).collect();
    assert_eq!(talk_over.len(), 1, "{talk_over:?}");
    assert!(near(talk_over[0], (9.5, 11.0)), "{talk_over:?}");
    let ratio = analytics.talk_ratio.expect("a talk ratio");
    assert!((ratio - 7.0 / 13.0).abs() < 0.02, "{ratio}");
}

#[test]
fn a_mono_call_stored_as_stereo_is_not_split_into_parties() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut track = line_noise(&mut Noise(5), 8 * RATE as usize);
    add_speech(&mut track, 1.0, 3.0, -10.0);
    add_speech(&mut track, 4.0, 7.0, -14.0);
    let analysis = analyse(&write_wav(dir.path(), "dual-mono.wav", &[track.clone(), track]));
    let analytics = &analysis.analytics;
    assert!(!analytics.channels_separated);
    assert_eq!(analytics.channels[0], analytics.channels[1]);
    assert_eq!(analytics.channels[0].speech.len(), 2, "{:?}", analytics.channels[0].speech);
    assert!(analytics.talk_over.is_empty());
    assert_eq!(analytics.talk_ratio, None);
}

#[test]
fn files_shorter_than_a_frame_or_a_bin_are_analysed() {
    let dir = tempfile::tempdir().expect("temp dir");
    for frames in [1usize, 63, 100] {
        let mut noise = Noise(frames as u64);
        let path = write_wav(
            dir.path(),
            &format!("short-{frames}.wav"),
            &[line_noise(&mut noise, frames), line_noise(&mut noise, frames)],
        );
        let analysis = analyse(&path);
        assert_eq!(analysis.info.frames, frames as u64);
        assert_eq!(analysis.peaks.frames, frames as u64);
        for level in &analysis.peaks.levels {
            assert_eq!(level.bins(), frames.div_ceil(level.frames_per_bin as usize));
        }
        assert!(analysis.analytics.channels.iter().all(|channel| channel.speech.is_empty()));
        assert!(analysis.analytics.dead_air.is_empty());
    }
}

#[test]
fn a_file_clipped_at_full_scale_is_analysed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let frames = 3 * RATE as usize;
    // A square wave between the two rails: every sample is clipped.
    let square: Vec<f64> = (0..frames).map(|i| if (i / 4) % 2 == 0 { 1.0 } else { -1.0 }).collect();
    let flat = vec![1.0; frames];
    let analysis = analyse(&write_wav(dir.path(), "clipped.wav", &[square, flat]));
    for level in &analysis.peaks.levels {
        assert!(level.max[0].iter().all(|&v| v == i16::MAX));
        assert!(level.min[0].iter().all(|&v| v == i16::MIN));
        assert!(level.min[1].iter().zip(&level.max[1]).all(|(&low, &high)| low == i16::MAX && high == low));
    }
    // A constant level is the noise floor, not speech; what matters is that nothing breaks.
    assert_eq!(analysis.analytics.channels.len(), 2);
}

#[test]
fn float_samples_that_are_not_numbers_do_not_break_the_analysis() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nan.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&path, spec).expect("create");
    for i in 0..RATE {
        let sample = match i % 500 {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            _ if i < 100 => f32::NAN,
            _ => 0.01 * ((i as f32) * 0.3).sin(),
        };
        writer.write_sample(sample).expect("write");
    }
    writer.finalize().expect("finish");
    let analysis = analyse(&path);
    assert_eq!(analysis.info.frames, u64::from(RATE));
    let finest = &analysis.peaks.levels[0];
    assert!(finest.min[0].iter().zip(&finest.max[0]).all(|(low, high)| low <= high));
}

#[test]
fn what_is_not_audio_fails_like_the_probe() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "这不是录音 / not a recording").expect("write");
    let missing = dir.path().join("missing.wav");
    for path in [empty, text, missing] {
        let analysed = analyse_file(&path).map(|_| ()).map_err(|error| error.to_string());
        let probed = probe_file(&path).map(|_| ()).map_err(|error| error.to_string());
        assert!(analysed.is_err(), "{}", path.display());
        assert_eq!(analysed, probed);
    }
}
