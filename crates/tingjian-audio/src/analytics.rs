//! Call analytics: who speaks when, where both speak at once (talk-over), where nobody speaks (dead
//! air) and how the talking is shared, found by energy-based voice activity detection per channel.
//!
//! The decode pass only measures the energy of every 20 ms frame of every channel; the decisions
//! are taken afterwards over those energies (50 numbers per second per channel), which lets the
//! noise floor be tracked in both directions and the crosstalk between the channels be measured on
//! the whole call before it is used.

use crate::peaks::LANES;

/// Length of an analysis frame: short enough to follow syllables, long enough (160 samples at
/// 8 kHz) for a stable energy.
pub const FRAME_MS: u64 = 20;

/// How long a channel stays in speech after its energy last met the sustain threshold: a frame in
/// that time that meets the (lower) sustain threshold carries the speech on, so the quiet syllable
/// after a dip does not have to clear the onset threshold again. The hangover decides whether
/// speech goes on; it does not lengthen it: a stretch of speech ends at its last frame that met
/// the threshold, otherwise every turn would be reported a quarter second too long (5–7% too much
/// speech on the demo calls).
pub const HANGOVER_MS: u64 = 250;

/// Silences shorter than this between two stretches of speech on a channel are part of the speech:
/// a listener hears a pause between words, not the end of a turn.
pub const GAP_BRIDGE_MS: u64 = 400;

/// How far a channel's frame energy must rise above the crosstalk the other channel leaks into it
/// for the channel to count as speaking. On a two-wire line each party is also heard on the
/// other's channel, typically 20–30 dB down; without this rule every loud turn of one party would
/// also be speech of the other, and talk-over would be everywhere. The leak itself is measured per
/// call, over the frames where the other party is surely speaking, so the rule is "at least 10 dB
/// above what crosstalk alone would give" rather than "10 dB louder than the other channel": the
/// latter would also reject real talk-over, where both channels are loud at once.
pub const CROSSTALK_MARGIN_DB: f32 = 10.0;

/// Shortest silence of both parties that counts as dead air. Pauses between turns are well under a
/// second; two seconds of nothing is a hold or someone not answering.
pub const DEAD_AIR_MIN_MS: u64 = 2000;

/// Shortest overlap of the two parties that counts as talk-over. A quick turn change where one
/// party's last syllable meets the other's first, or a one-syllable 嗯 over the other's speech, is
/// shorter than this and is not what a reviewer means by talking over someone.
pub const TALK_OVER_MIN_MS: u64 = 300;

/// A frame must be this far above the channel's noise floor to start speech...
const ONSET_DB: f32 = 9.0;
/// ...and this far to keep it going (hysteresis: speech does not flicker at the threshold).
const SUSTAIN_DB: f32 = 5.0;
/// Speech starts only after this many consecutive frames above the onset threshold, so a click
/// or a single noisy frame is not a word.
const ONSET_FRAMES: usize = 2;

/// How fast the noise floor may climb while the energy stays above it. It follows a line getting
/// noisier within a few seconds but rises only 5 dB in a 10-second turn, and because it is tracked
/// both forwards and backwards, the middle of a long turn is at most half the turn away from a
/// pause that anchors it.
const FLOOR_RISE_DB_PER_S: f32 = 1.0;
/// The share of the distance the floor moves down towards a quieter frame in one frame: a time
/// constant of about 200 ms, quick enough to settle within the first pause, slow enough that a
/// few near-silent frames (an AAC decoder's priming, a dropout) do not drag the floor down and
/// make the ordinary line noise after them look like speech.
const FLOOR_FALL: f32 = 0.1;
/// The noise floor never goes below this, so that in digital silence a faint hiss or rounding
/// noise is not taken for speech.
const FLOOR_MIN_DB: f32 = -70.0;
/// Frames quieter than this are digital silence (a muted line, a file padded with zeros); no
/// analogue line is this quiet, so such frames tell nothing about the noise and do not move the floor.
const DIGITAL_SILENCE_DB: f32 = -90.0;
/// The starting point of the floor tracker: this quantile of the channel's (non-silent) energies.
const FLOOR_START_QUANTILE: f32 = 0.1;
/// The floor never goes more than [`FLOOR_BELOW_QUIETEST_DB`] below this quantile of the channel's
/// (non-silent) energies. A handful of unusually quiet frames (an AAC decoder's first frames, a
/// dropout) are far fewer than 5% of a call and cannot pull the floor below the real line noise,
/// where the noise itself would then pass for speech until the floor climbs back.
const FLOOR_BOUND_QUANTILE: f32 = 0.05;
const FLOOR_BELOW_QUIETEST_DB: f32 = 3.0;

/// Frames where a channel is at least this far above its own floor are surely speech, and the
/// other channel's energy in them measures the leak between the channels.
const LOUD_DB: f32 = 20.0;
/// The leak is this quantile of (this channel − the other) over the other channel's loud frames:
/// a low one, because in most of those frames this channel carries only the leak, and in the rest
/// it carries speech on top, which is louder.
const LEAK_QUANTILE: f32 = 0.2;
/// Fewer loud frames than this (half a second) say too little to measure a leak.
const LEAK_MIN_FRAMES: usize = 25;
/// When each channel carries the other at least this loud, the two channels hold the same mix (a
/// mono call stored as stereo) and cannot tell the parties apart.
const SAME_SIGNAL_DB: f32 = -6.0;

pub use tingjian_core::analytics::{CallAnalytics, ChannelAnalytics, Interval};

/// Measures the energy of every 20 ms frame of every channel as the samples decode.
#[derive(Debug)]
pub(crate) struct EnergyAccumulator {
    frame_len: usize,
    /// Sum of squares and sample count of the frame being filled, per channel.
    open: Vec<(f32, usize)>,
    /// Energy in dBFS of every finished frame, per channel.
    db: Vec<Vec<f32>>,
}

impl EnergyAccumulator {
    pub(crate) fn new(channels: usize, sample_rate: u32) -> Self {
        let frame_len = (u64::from(sample_rate) * FRAME_MS / 1000).max(1) as usize;
        EnergyAccumulator { frame_len, open: vec![(0.0, 0); channels], db: vec![Vec::new(); channels] }
    }

    /// Takes the next samples of one channel.
    pub(crate) fn push(&mut self, channel: usize, samples: &[f32]) {
        let (Some(open), Some(db)) = (self.open.get_mut(channel), self.db.get_mut(channel)) else {
            return;
        };
        let mut rest = samples;
        while !rest.is_empty() {
            let (head, tail) = rest.split_at((self.frame_len - open.1).min(rest.len()));
            open.0 += sum_of_squares(head);
            open.1 += head.len();
            if open.1 == self.frame_len {
                db.push(to_db(open.0, open.1));
                *open = (0.0, 0);
            }
            rest = tail;
        }
    }

    /// Closes the last, partial frame and decides who spoke when.
    pub(crate) fn finish(mut self, sample_rate: u32, frames: u64) -> CallAnalytics {
        for (open, db) in self.open.iter().zip(&mut self.db) {
            if open.1 > 0 {
                db.push(to_db(open.0, open.1));
            }
        }
        let timeline =
            Timeline { frame_len: self.frame_len as u64, sample_rate: u64::from(sample_rate.max(1)), frames };
        analyse_energies(&self.db, &timeline)
    }
}

/// The sum of the squares of `samples`, over [`LANES`] independent partial sums (see there why).
fn sum_of_squares(samples: &[f32]) -> f32 {
    let mut sums = [0.0f32; LANES];
    let (chunks, remainder) = samples.as_chunks::<LANES>();
    for chunk in chunks {
        for (sum, &sample) in sums.iter_mut().zip(chunk) {
            *sum += sample * sample;
        }
    }
    for (sum, &sample) in sums.iter_mut().zip(remainder) {
        *sum += sample * sample;
    }
    sums.iter().sum()
}

/// Mean square to dBFS. A frame whose energy is not finite (a damaged float file) counts as full
/// scale rather than poisoning the noise floor.
fn to_db(sum_of_squares: f32, count: usize) -> f32 {
    let mean = sum_of_squares / count.max(1) as f32;
    let mean = if mean.is_finite() { mean } else { 1.0 };
    10.0 * mean.max(1e-12).log10()
}

/// Converts frame indices to milliseconds.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    frame_len: u64,
    sample_rate: u64,
    frames: u64,
}

impl Timeline {
    fn ms_of_frame(&self, frame: usize) -> u64 {
        (frame as u64 * self.frame_len).min(self.frames) * 1000 / self.sample_rate
    }

    fn frames_in(&self, ms: u64) -> usize {
        let samples = ms * self.sample_rate / 1000;
        samples.div_ceil(self.frame_len) as usize
    }
}

/// Decides who spoke when from the frame energies of every channel.
fn analyse_energies(db: &[Vec<f32>], timeline: &Timeline) -> CallAnalytics {
    let floors: Vec<Vec<f32>> = db.iter().map(|channel| noise_floor(channel)).collect();
    let pair = match (db, floors.as_slice()) {
        ([a, b], [floor_a, floor_b]) => Some((leak_db(a, b, floor_b), leak_db(b, a, floor_a))),
        _ => None,
    };
    // Dual mono: both leaks at least SAME_SIGNAL_DB, i.e. each channel carries the other almost whole.
    let separated = pair.is_some_and(|(into_a, into_b)| {
        !(into_a.is_some_and(|leak| leak >= SAME_SIGNAL_DB) && into_b.is_some_and(|leak| leak >= SAME_SIGNAL_DB))
    });

    let mut channels = Vec::with_capacity(db.len());
    for (index, (energy, floor)) in db.iter().zip(&floors).enumerate() {
        // The other channel and the leak from it, when the crosstalk rule applies.
        let crosstalk = match pair {
            Some((into_a, into_b)) if separated => {
                let (other, leak) = if index == 0 { (db.get(1), into_a) } else { (db.first(), into_b) };
                other.zip(leak)
            }
            _ => None,
        };
        let crosstalk = crosstalk.map(|(other, leak)| (other.as_slice(), leak));
        let runs = active_runs(energy, floor, crosstalk, timeline.frames_in(HANGOVER_MS));
        let runs = bridge_gaps(runs, timeline.frames_in(GAP_BRIDGE_MS));
        let speech: Vec<Interval> = runs
            .iter()
            .map(|&(start, end)| Interval { start_ms: timeline.ms_of_frame(start), end_ms: timeline.ms_of_frame(end) })
            .filter(|interval| interval.duration_ms() > 0)
            .collect();
        let speech_ms = speech.iter().map(Interval::duration_ms).sum();
        channels.push(ChannelAnalytics { speech, speech_ms });
    }

    let talk_over = match channels.as_slice() {
        [a, b] if separated => intersect(&a.speech, &b.speech)
            .into_iter()
            .filter(|interval| interval.duration_ms() >= TALK_OVER_MIN_MS)
            .collect(),
        _ => Vec::new(),
    };
    let dead_air = silences_between_speech(&channels)
        .into_iter()
        .filter(|interval| interval.duration_ms() >= DEAD_AIR_MIN_MS)
        .collect();
    let talk_ratio = match channels.as_slice() {
        [a, b] if separated && a.speech_ms + b.speech_ms > 0 => {
            Some(a.speech_ms as f32 / (a.speech_ms + b.speech_ms) as f32)
        }
        _ => None,
    };
    CallAnalytics { channels, talk_over, dead_air, talk_ratio, channels_separated: separated }
}

/// The channel's noise floor at every frame: an asymmetric tracker that settles on a pause within
/// a few hundred milliseconds and climbs only slowly through louder frames, run forwards and
/// backwards with the lower of the two taken, so that every frame is judged against the nearest
/// pause on either side.
fn noise_floor(db: &[f32]) -> Vec<f32> {
    let mut audible: Vec<f32> = db.iter().copied().filter(|&e| e > DIGITAL_SILENCE_DB).collect();
    let lowest = quantile(&mut audible, FLOOR_BOUND_QUANTILE)
        .map_or(FLOOR_MIN_DB, |quiet| quiet - FLOOR_BELOW_QUIETEST_DB)
        .max(FLOOR_MIN_DB);
    let start = quantile(&mut audible, FLOOR_START_QUANTILE).unwrap_or(lowest).max(lowest);
    let rise = FLOOR_RISE_DB_PER_S * FRAME_MS as f32 / 1000.0;
    let track = |floor: &mut f32, e: f32| {
        if e > DIGITAL_SILENCE_DB {
            if e < *floor {
                *floor += (e - *floor) * FLOOR_FALL;
            } else {
                *floor = (*floor + rise).min(e);
            }
            *floor = floor.max(lowest);
        }
        *floor
    };
    let mut floor = start;
    let mut forward: Vec<f32> = db.iter().map(|&e| track(&mut floor, e)).collect();
    let mut floor = start;
    for (slot, &e) in forward.iter_mut().zip(db).rev() {
        *slot = slot.min(track(&mut floor, e));
    }
    forward
}

/// How loud `from`'s speech comes through on `into`, in dB relative to `from`: measured over the
/// frames where `from` is surely speaking. `None` when `from` is loud too rarely to tell.
fn leak_db(into: &[f32], from: &[f32], from_floor: &[f32]) -> Option<f32> {
    let mut differences: Vec<f32> = into
        .iter()
        .zip(from)
        .zip(from_floor)
        .filter(|&((_, &loud), &floor)| loud > floor + LOUD_DB)
        .map(|((&quiet, &loud), _)| quiet - loud)
        .collect();
    if differences.len() < LEAK_MIN_FRAMES {
        return None;
    }
    quantile(&mut differences, LEAK_QUANTILE)
}

/// The value below which `share` of the values lie.
fn quantile(values: &mut [f32], share: f32) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    let rank = ((values.len() - 1) as f32 * share) as usize;
    let (_, value, _) = values.select_nth_unstable_by(rank, f32::total_cmp);
    Some(*value)
}

/// Runs of frames `[start, end)` where the channel speaks: speech starts after [`ONSET_FRAMES`]
/// frames above the onset threshold and goes on while frames meet the lower sustain threshold.
/// When they stop meeting it, the channel stays in speech for [`HANGOVER_MS`], and a frame that
/// meets the sustain threshold in that time carries the speech on, so a quieter syllable after a
/// short dip does not have to clear the onset threshold again. The run ends at the last frame that
/// met the threshold, not at the end of the hangover: the hangover decides whether speech goes on,
/// it does not lengthen it, and so speech time is not inflated by a quarter second per turn.
///
/// When `crosstalk` is given (the other channel's energies and its leak into this one), every
/// frame must also be [`CROSSTALK_MARGIN_DB`] above the leak.
fn active_runs(db: &[f32], floor: &[f32], crosstalk: Option<(&[f32], f32)>, hangover: usize) -> Vec<(usize, usize)> {
    let clear_of_leak = |frame: usize, e: f32| match crosstalk {
        Some((other, leak)) => other.get(frame).is_none_or(|&o| e > o + leak + CROSSTALK_MARGIN_DB),
        None => true,
    };
    let mut runs = Vec::new();
    // While speaking: where the run started and the last frame that met the sustain threshold.
    let mut speaking: Option<(usize, usize)> = None;
    let mut onset = 0usize;
    for (frame, (&e, &f)) in db.iter().zip(floor).enumerate() {
        let clear = clear_of_leak(frame, e);
        if let Some((start, last)) = speaking {
            if e > f + SUSTAIN_DB && clear {
                speaking = Some((start, frame));
                continue;
            }
            if frame - last <= hangover {
                continue;
            }
            runs.push((start, last + 1));
            speaking = None;
            onset = 0;
        }
        onset = if e > f + ONSET_DB && clear { onset + 1 } else { 0 };
        if onset >= ONSET_FRAMES {
            speaking = Some((frame + 1 - onset, frame));
        }
    }
    if let Some((start, last)) = speaking {
        runs.push((start, last + 1));
    }
    runs
}

/// Joins runs separated by less than `bridge` frames.
fn bridge_gaps(runs: Vec<(usize, usize)>, bridge: usize) -> Vec<(usize, usize)> {
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
    for (start, end) in runs {
        match merged.last_mut() {
            Some(last) if start < last.1 + bridge => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Where both sorted, disjoint interval lists cover the call.
fn intersect(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        let start = x.start_ms.max(y.start_ms);
        let end = x.end_ms.min(y.end_ms);
        if start < end {
            out.push(Interval { start_ms: start, end_ms: end });
        }
        if x.end_ms < y.end_ms {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The gaps between the speech of all channels together, from the first speech to the last.
fn silences_between_speech(channels: &[ChannelAnalytics]) -> Vec<Interval> {
    let mut all: Vec<Interval> = channels.iter().flat_map(|channel| channel.speech.iter().copied()).collect();
    all.sort_unstable_by_key(|interval| interval.start_ms);
    let mut gaps = Vec::new();
    let mut covered_until: Option<u64> = None;
    for interval in all {
        if let Some(until) = covered_until
            && interval.start_ms > until
        {
            gaps.push(Interval { start_ms: until, end_ms: interval.start_ms });
        }
        covered_until = Some(covered_until.map_or(interval.end_ms, |until| until.max(interval.end_ms)));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(list: &[(u64, u64)]) -> Vec<Interval> {
        list.iter().map(|&(start_ms, end_ms)| Interval { start_ms, end_ms }).collect()
    }

    #[test]
    fn intersections_of_interval_lists() {
        let a = spans(&[(0, 100), (200, 300), (400, 1000)]);
        let b = spans(&[(50, 250), (290, 450), (900, 950), (990, 2000)]);
        assert_eq!(intersect(&a, &b), spans(&[(50, 100), (200, 250), (290, 300), (400, 450), (900, 950), (990, 1000)]));
        assert_eq!(intersect(&a, &[]), Vec::new());
    }

    #[test]
    fn silences_lie_between_the_first_and_last_speech() {
        let channel = |list: &[(u64, u64)]| ChannelAnalytics { speech: spans(list), speech_ms: 0 };
        let channels = [channel(&[(1000, 2000), (6000, 7000)]), channel(&[(1500, 3000), (9000, 9500)])];
        assert_eq!(silences_between_speech(&channels), spans(&[(3000, 6000), (7000, 9000)]));
        assert_eq!(silences_between_speech(&[channel(&[])]), Vec::new());
    }

    #[test]
    fn short_gaps_are_bridged() {
        assert_eq!(bridge_gaps(vec![(0, 10), (29, 40), (60, 70), (200, 201)], 20), vec![(0, 40), (60, 70), (200, 201)]);
    }

    #[test]
    fn hangover_carries_speech_through_a_dip_on_the_sustain_threshold() {
        let floor = vec![-55.0; 40];
        // Loud, then four quiet frames, then frames between the sustain and onset thresholds.
        let mut db = vec![-55.0; 40];
        db[5..15].fill(-30.0);
        db[15..19].fill(-55.0);
        db[19..25].fill(-48.0);
        assert_eq!(active_runs(&db, &floor, None, 12), vec![(5, 25)]);
        // Without the hangover the quieter frames after the dip do not start speech again.
        assert_eq!(active_runs(&db, &floor, None, 0), vec![(5, 15)]);
        // A single loud frame is a click, not speech.
        let mut click = vec![-55.0; 40];
        click[10] = -20.0;
        assert_eq!(active_runs(&click, &floor, None, 12), Vec::new());
    }

    #[test]
    fn crosstalk_below_the_margin_is_not_speech() {
        let floor = vec![-55.0; 20];
        let other = vec![-10.0; 20];
        // 25 dB below the other channel, with a measured leak of -25 dB: crosstalk only.
        let leak_only = vec![-35.0; 20];
        assert_eq!(active_runs(&leak_only, &floor, Some((&other, -25.0)), 12), Vec::new());
        // 12 dB above the leak: this party is speaking too.
        let talking = vec![-23.0; 20];
        assert_eq!(active_runs(&talking, &floor, Some((&other, -25.0)), 12), vec![(0, 20)]);
    }

    #[test]
    fn a_dropout_does_not_drag_the_floor_below_the_line_noise() {
        // Ten seconds of line noise with three near-silent frames at the start, as an AAC decoder's
        // priming gives.
        let mut db: Vec<f32> = (0..500).map(|i| -55.0 + if i % 2 == 0 { 0.5 } else { -0.5 }).collect();
        db[0] = -85.0;
        db[1] = -78.0;
        db[2] = -70.0;
        let floor = noise_floor(&db);
        assert!(floor.iter().all(|&f| f > -59.0), "{:?}", &floor[..10]);
        assert_eq!(active_runs(&db, &floor, None, 12), Vec::new());
    }

    #[test]
    fn the_floor_follows_the_noise_and_not_the_speech() {
        // Noise at -55 dB, then a 10-second turn at -20 dB, then noise again.
        let mut db = vec![-55.0f32; 1500];
        db[250..750].fill(-20.0);
        let floor = noise_floor(&db);
        // In the middle of the turn the floor has risen by at most 5 dB (1 dB/s for 5 s).
        assert!(floor[500] < -49.0, "{}", floor[500]);
        assert!((floor[1400] + 55.0).abs() < 0.5, "{}", floor[1400]);
    }

    #[test]
    fn leaks_are_measured_over_the_loud_frames_of_the_other_channel() {
        let mut from = vec![-55.0f32; 200];
        from[50..150].fill(-15.0);
        let into: Vec<f32> = from.iter().map(|&e| if e > -20.0 { e - 25.0 } else { -55.0 }).collect();
        let floor = vec![-55.0f32; 200];
        assert_eq!(leak_db(&into, &from, &floor), Some(-25.0));
        assert_eq!(leak_db(&into, &from[..0], &floor), None, "too few loud frames");
    }
}
