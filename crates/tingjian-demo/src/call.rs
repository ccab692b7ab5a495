//! One call from script to file: every turn is synthesised, the turns are laid out on a timeline as a
//! real call would have them (pauses, a hold with dead air, the customer cutting in), mixed into a
//! stereo recording with line noise and crosstalk, and encoded in the call's format.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::dialogues::{Cue, Party};
use crate::plan::{CallPlan, Format, spoken_digits};
use crate::prng::SplitMix;
use crate::speech::{Clip, synthesise, trim};
use crate::tools::{Toolbox, run};
use crate::{DemoCall, DemoError, SAMPLE_RATE};

const RATE: f64 = SAMPLE_RATE as f64;

/// Shortest and longest call the set promises, in samples; the bounds sit a little inside 30–120 s so
/// that encoders' rounding never pushes a call out of range.
const MIN_SAMPLES: usize = 30 * SAMPLE_RATE as usize + SAMPLE_RATE as usize / 2;
const MAX_SAMPLES: usize = 119 * SAMPLE_RATE as usize;

/// libmp3lame at 8 kHz writes ceil(N / 576) + 2 frames of 576 samples for N input samples, the
/// first 1105 of them encoder delay that ffprobe reports as the start time (measured with Debian
/// 12's ffmpeg). A call stored as MP3 is lengthened by under 72 ms of line noise to a whole number of
/// frames, so that ffprobe's duration less the start time is the call's length plus 47 samples (6 ms)
/// instead of up to 78 ms more.
const MP3_FRAME: usize = 576;

/// The other party's voice leaks into each channel 25 dB down, as on a real two-wire line.
const CROSSTALK_DB: f64 = -25.0;
/// Line hiss, as RMS in dBFS.
const NOISE_DB: f64 = -55.0;

/// Where the generator works on one call and where the finished file goes.
#[derive(Debug)]
pub(crate) struct CallPaths {
    pub scratch_dir: PathBuf,
    pub recordings_dir: PathBuf,
}

/// Makes the recording for one call and returns what is known about it, except the complaint
/// number, which the export assigns.
pub(crate) fn render(tools: &Toolbox, plan: &CallPlan, paths: &CallPaths) -> Result<DemoCall, DemoError> {
    let stem = plan.file_name.split('.').next().unwrap_or("call").to_owned();
    let staff_number = spoken_digits(&plan.agent_id);
    let mut turns: Vec<(Party, Cue, Clip)> = Vec::with_capacity(plan.scenario.turns.len());
    for (index, turn) in plan.scenario.turns.iter().enumerate() {
        let text = turn.text.replace("{工号}", &staff_number).replace("{姓}", plan.surname);
        let voice = match turn.party {
            Party::Agent => plan.agent_voice,
            Party::Customer => plan.customer_voice,
        };
        let scratch = paths.scratch_dir.join(format!("{stem}-{index:02}.wav"));
        let samples = synthesise(tools, voice, &text, &scratch)?;
        let _ = std::fs::remove_file(&scratch);
        let clip = trim(&samples)
            .filter(|clip| clip.len() >= SAMPLE_RATE as usize / 4 && clip.speech_level_db() > -40.0)
            .ok_or_else(|| DemoError::NoSpeech { text: text.clone() })?;
        turns.push((turn.party, turn.cue, clip));
    }

    let mut rng = SplitMix::new(plan.seed, 0);
    let timeline = lay_out(&turns, &mut rng, plan.format == Format::Mp3).ok_or_else(|| DemoError::CallLength {
        file_name: plan.file_name.clone(),
        scenario: plan.scenario.key.to_owned(),
    })?;
    let (left, right) = mix(&turns, &timeline, &mut rng);

    let target = paths.recordings_dir.join(&plan.file_name);
    match plan.format.ffmpeg_codec() {
        None => write_wav(&target, &left, &right)?,
        Some(codec) => {
            let pcm = paths.scratch_dir.join(format!("{stem}-mix.wav"));
            write_wav(&pcm, &left, &right)?;
            encode(tools, &pcm, codec, &target)?;
            let _ = std::fs::remove_file(&pcm);
        }
    }

    let to_ms = |samples: usize| (samples as u64 * 1000 + SAMPLE_RATE as u64 / 2) / SAMPLE_RATE as u64;
    let intervals = |party: Party| {
        let mut spans: Vec<(u64, u64)> = Vec::new();
        for ((who, _, clip), &start) in turns.iter().zip(&timeline.starts) {
            if *who == party {
                spans.extend(clip.segments.iter().map(|&(a, b)| (to_ms(start + a), to_ms(start + b))));
            }
        }
        merge(spans)
    };
    Ok(DemoCall {
        complaint_number: String::new(),
        file_name: plan.file_name.clone(),
        format: plan.format.label().to_owned(),
        duration_ms: to_ms(timeline.total),
        agent_speech: intervals(Party::Agent),
        customer_speech: intervals(Party::Customer),
    })
}

/// Where each turn starts, in samples, and how long the whole call is.
#[derive(Debug)]
pub(crate) struct Timeline {
    pub starts: Vec<usize>,
    pub total: usize,
}

/// The gap before each turn: positive is silence since the last speech ended, negative is overlap
/// with the turn before.
#[derive(Debug, Clone, Copy)]
enum Gap {
    Pause { seconds: f64, minimum: f64 },
    Overlap { seconds: f64 },
}

/// Lays the turns out in time. Pauses are 0.3–1.2 s, a hold is 4–10 s of dead air, a cut-in starts
/// 0.5–2 s before the interrupted turn ends. If the call would be too long, the pauses and the hold
/// are shortened towards their minimums; if it is too short, the line stays open longer at the end.
/// `None` means the turns alone do not fit in two minutes.
pub(crate) fn lay_out(turns: &[(Party, Cue, Clip)], rng: &mut SplitMix, align_for_mp3: bool) -> Option<Timeline> {
    let lead_in = rng.range_f64(0.5, 1.5);
    let mut tail = rng.range_f64(0.6, 1.6);
    let mut gaps = Vec::with_capacity(turns.len());
    for (i, (party, cue, _)) in turns.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| &turns[p]);
        let gap = match previous {
            None => Gap::Pause { seconds: lead_in, minimum: lead_in },
            Some((_, Cue::HoldAfter, _)) => Gap::Pause { seconds: rng.range_f64(4.0, 10.0), minimum: 4.0 },
            Some((Party::Agent, _, interrupted)) if *cue == Cue::CutsIn && *party == Party::Customer => {
                // Leave the agent at least 0.4 s of speech before the customer comes in.
                let room = (interrupted.len() as f64 / RATE - 0.4).max(0.0);
                Gap::Overlap { seconds: rng.range_f64(0.5, 2.0).min(room) }
            }
            Some(_) => Gap::Pause { seconds: rng.range_f64(0.3, 1.2), minimum: 0.3 },
        };
        gaps.push(gap);
    }

    let place = |squeeze: f64| {
        let mut starts = Vec::with_capacity(turns.len());
        let mut speech_end = 0usize;
        let mut previous_end = 0usize;
        for ((_, _, clip), gap) in turns.iter().zip(&gaps) {
            let start = match *gap {
                Gap::Pause { seconds, minimum } => {
                    speech_end + ((minimum + (seconds - minimum) * squeeze) * RATE).round() as usize
                }
                Gap::Overlap { seconds } => previous_end.saturating_sub((seconds * RATE).round() as usize),
            };
            starts.push(start);
            previous_end = start + clip.len();
            speech_end = speech_end.max(previous_end);
        }
        (starts, speech_end)
    };

    let (mut starts, mut speech_end) = place(1.0);
    let mut squeeze = 1.0;
    while speech_end + (tail * RATE) as usize > MAX_SAMPLES && squeeze > 0.0 {
        squeeze = (squeeze - 0.1f64).max(0.0);
        tail = 0.5;
        (starts, speech_end) = place(squeeze);
    }
    let mut total = (speech_end + (tail * RATE).round() as usize).max(MIN_SAMPLES);
    if align_for_mp3 {
        total = total.div_ceil(MP3_FRAME) * MP3_FRAME;
    }
    (total <= MAX_SAMPLES + MP3_FRAME).then_some(Timeline { starts, total })
}

/// Mixes the turns into two channels: each party at its own level on its own channel, 25 dB down on
/// the other, and independent line noise on both.
fn mix(turns: &[(Party, Cue, Clip)], timeline: &Timeline, rng: &mut SplitMix) -> (Vec<f32>, Vec<f32>) {
    let mut left = vec![0.0f32; timeline.total];
    let mut right = vec![0.0f32; timeline.total];
    // Peak levels per party in dBFS; the customer's handset is usually a little quieter.
    let agent_peak_db = rng.range_f64(-6.0, -3.0);
    let customer_peak_db = rng.range_f64(-9.0, -4.0);
    let crosstalk = 10f64.powf(CROSSTALK_DB / 20.0) as f32;
    for ((party, _, clip), &start) in turns.iter().zip(&timeline.starts) {
        let peak_db = match party {
            Party::Agent => agent_peak_db,
            Party::Customer => customer_peak_db,
        };
        // A turn-to-turn wobble of ±1 dB keeps the level from being unnaturally constant.
        let gain = (10f64.powf((peak_db + rng.range_f64(-1.0, 1.0)) / 20.0) / f64::from(clip.peak().max(1e-6))) as f32;
        let (own, other) = match party {
            Party::Agent => (&mut left, &mut right),
            Party::Customer => (&mut right, &mut left),
        };
        for (offset, &sample) in clip.samples.iter().enumerate() {
            let at = start + offset;
            if at < own.len() {
                own[at] += sample * gain;
                other[at] += sample * gain * crosstalk;
            }
        }
    }
    let noise = 10f64.powf(NOISE_DB / 20.0);
    for channel in [&mut left, &mut right] {
        for sample in channel.iter_mut() {
            *sample += (rng.noise() * noise) as f32;
        }
    }
    (left, right)
}

fn write_wav(path: &Path, left: &[f32], right: &[f32]) -> Result<(), DemoError> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let wav_error = |source| DemoError::Wav { path: path.to_owned(), source };
    let mut writer = hound::WavWriter::create(path, spec).map_err(wav_error)?;
    let to_i16 = |x: f32| (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
    for (&l, &r) in left.iter().zip(right) {
        writer.write_sample(to_i16(l)).map_err(wav_error)?;
        writer.write_sample(to_i16(r)).map_err(wav_error)?;
    }
    writer.finalize().map_err(wav_error)
}

/// Encodes with ffmpeg; the bitexact flags and dropped metadata keep ffmpeg's version string and
/// other run-dependent bytes out of the file, so the same input gives the same file.
fn encode(tools: &Toolbox, input: &Path, codec: &[&str], output: &Path) -> Result<(), DemoError> {
    run(
        "ffmpeg",
        Command::new(&tools.ffmpeg)
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"])
            .arg(input)
            .args(codec)
            .args(["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"])
            .arg(output),
    )?;
    Ok(())
}

/// Sorts intervals and joins those that touch or overlap.
pub(crate) fn merge(mut spans: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    spans.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(seconds: f64) -> Clip {
        let n = (seconds * RATE) as usize;
        Clip { samples: vec![0.5; n], segments: vec![(0, n)] }
    }

    #[test]
    fn holds_pauses_and_cut_ins_land_where_they_should() {
        let turns = vec![
            (Party::Agent, Cue::Plain, clip(3.0)),
            (Party::Customer, Cue::Plain, clip(4.0)),
            (Party::Agent, Cue::HoldAfter, clip(2.0)),
            (Party::Agent, Cue::Plain, clip(6.0)),
            (Party::Customer, Cue::CutsIn, clip(3.0)),
            (Party::Agent, Cue::Plain, clip(5.0)),
        ];
        for seed in 0..20 {
            let mut rng = SplitMix::new(seed, 0);
            let timeline = lay_out(&turns, &mut rng, false).expect("fits");
            let s = |i: usize| timeline.starts[i] as f64 / RATE;
            let end = |i: usize| s(i) + turns[i].2.len() as f64 / RATE;
            assert!((0.5..1.5).contains(&s(0)));
            assert!((0.3..1.2).contains(&(s(1) - end(0))));
            assert!((4.0..10.0).contains(&(s(3) - end(2))), "hold {}", s(3) - end(2));
            let overlap = end(3) - s(4);
            assert!((0.5..=2.0).contains(&overlap), "overlap {overlap}");
            assert!((0.3..1.2).contains(&(s(5) - end(4))));
            assert!(timeline.total >= MIN_SAMPLES);
        }
    }

    #[test]
    fn long_calls_are_squeezed_and_mp3_calls_fill_whole_frames() {
        let turns: Vec<_> =
            (0..12).map(|i| (if i % 2 == 0 { Party::Agent } else { Party::Customer }, Cue::Plain, clip(9.0))).collect();
        let mut rng = SplitMix::new(1, 0);
        let timeline = lay_out(&turns, &mut rng, true).expect("fits after squeezing");
        assert!(timeline.total <= MAX_SAMPLES + MP3_FRAME);
        assert_eq!(timeline.total % MP3_FRAME, 0);
        let too_long: Vec<_> = (0..14).map(|_| (Party::Agent, Cue::Plain, clip(9.0))).collect();
        assert!(lay_out(&too_long, &mut rng, false).is_none());
    }

    #[test]
    fn intervals_merge_when_they_touch() {
        assert_eq!(merge(vec![(5, 9), (0, 3), (3, 4), (8, 12)]), vec![(0, 4), (5, 12)]);
    }
}
