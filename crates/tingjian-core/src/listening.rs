//! Proof of listening: which stretches of a recording were played out audibly, and how much of the
//! call that covers.
//!
//! The player reports what the sound device actually consumed, as spans of the recording's own
//! timeline; the vault keeps them as evidence. Coverage is derived here, in one place, so that the
//! CLI, the app and a report can never disagree about what "listened to 90%" means.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::analytics::Interval;

/// Which parties of a two-channel call were heard. Channel 0 is the agent, channel 1 the customer
/// (the recorders' convention and the demo's); a mono recording carries both parties on its one
/// channel, so every mode hears both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChannelMode {
    #[default]
    Both,
    Agent,
    Customer,
}

impl ChannelMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelMode::Both => "both",
            ChannelMode::Agent => "agent",
            ChannelMode::Customer => "customer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "both" => Some(ChannelMode::Both),
            "agent" => Some(ChannelMode::Agent),
            "customer" => Some(ChannelMode::Customer),
            _ => None,
        }
    }
}

/// A stretch of the recording that was played out at audible volume, in milliseconds of the
/// recording's timeline (not of wall-clock time: at 2× a 10 s span takes 5 s to hear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct HeardSpan {
    #[ts(type = "number")]
    pub start_ms: u64,
    #[ts(type = "number")]
    pub end_ms: u64,
    pub channel: ChannelMode,
}

/// How much of a call was heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Coverage {
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Time at which both parties have been heard (see [`coverage`]).
    #[ts(type = "number")]
    pub heard_ms: u64,
    /// `heard_ms` as a percentage of the duration, 0–100.
    pub percent: f64,
    /// The heard stretches of the call (both parties), sorted and disjoint.
    pub heard: Vec<Interval>,
}

/// Sorts and merges intervals, joining those that touch or overlap.
pub fn union(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| i.end_ms > i.start_ms);
    intervals.sort_by_key(|i| (i.start_ms, i.end_ms));
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start_ms <= last.end_ms => last.end_ms = last.end_ms.max(interval.end_ms),
            _ => merged.push(interval),
        }
    }
    merged
}

/// The parts two sorted, disjoint interval lists have in common.
fn intersection(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].start_ms.max(b[j].start_ms);
        let end = a[i].end_ms.min(b[j].end_ms);
        if start < end {
            out.push(Interval { start_ms: start, end_ms: end });
        }
        if a[i].end_ms < b[j].end_ms {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The coverage of a call of `duration_ms` with `channels` channels by `spans`.
///
/// A moment counts as heard when both parties have been heard at it: played with both channels,
/// or once with the agent solo and once with the customer solo. Listening to one side only is not
/// hearing the call, and a reviewer who soloes each side in turn has heard all of it. On a mono
/// recording both parties share the channel, so every span counts. Spans are clipped to the call.
pub fn coverage(spans: &[HeardSpan], duration_ms: u64, channels: u16) -> Coverage {
    let clipped =
        |span: &HeardSpan| Interval { start_ms: span.start_ms.min(duration_ms), end_ms: span.end_ms.min(duration_ms) };
    let heard = if channels < 2 {
        union(spans.iter().map(clipped).collect())
    } else {
        let side = |solo: ChannelMode| {
            union(spans.iter().filter(|s| s.channel == ChannelMode::Both || s.channel == solo).map(clipped).collect())
        };
        intersection(&side(ChannelMode::Agent), &side(ChannelMode::Customer))
    };
    let heard_ms: u64 = heard.iter().map(Interval::duration_ms).sum();
    let percent = if duration_ms == 0 { 0.0 } else { heard_ms as f64 * 100.0 / duration_ms as f64 };
    Coverage { duration_ms, heard_ms, percent, heard }
}

/// The slowest and fastest speeds a recording can be played at.
pub const SLOWEST_SPEED: f32 = 0.5;
pub const FASTEST_SPEED: f32 = 2.0;

/// How much of a recording's timeline, beyond what the fastest speed allows, a session may record
/// as heard: the rounding of flush times, and a device that reports a buffer's worth as played a
/// moment before the speaker sounds it.
pub const HEARD_TOLERANCE_MS: u64 = 1_000;

/// Whether `heard_ms` of a recording's timeline could have been heard in `elapsed_ms` of wall-clock
/// time at the fastest speed, within [`HEARD_TOLERANCE_MS`]. A device that consumes audio faster
/// than it plays it (a file, a sink without a clock) records spans no person could have heard.
pub fn heard_in_time(heard_ms: u64, elapsed_ms: u64) -> bool {
    let possible = (elapsed_ms as f64 * f64::from(FASTEST_SPEED)) as u64;
    heard_ms <= possible.saturating_add(HEARD_TOLERANCE_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start_ms: u64, end_ms: u64, channel: ChannelMode) -> HeardSpan {
        HeardSpan { start_ms, end_ms, channel }
    }

    #[test]
    fn two_stretches_of_a_minute_long_call_cover_a_third() {
        let spans = [span(10_000, 20_000, ChannelMode::Both), span(40_000, 50_000, ChannelMode::Both)];
        let c = coverage(&spans, 60_000, 2);
        assert_eq!(c.heard_ms, 20_000);
        assert!((c.percent - 33.33).abs() < 0.01, "{}", c.percent);
    }

    #[test]
    fn listening_twice_counts_once() {
        let spans = [span(0, 10_000, ChannelMode::Both), span(5_000, 15_000, ChannelMode::Both)];
        let c = coverage(&spans, 20_000, 2);
        assert_eq!(c.heard, vec![Interval { start_ms: 0, end_ms: 15_000 }]);
        assert_eq!(c.heard_ms, 15_000);
    }

    #[test]
    fn one_side_alone_is_not_the_call_but_both_sides_in_turn_are() {
        let agent_only = [span(0, 10_000, ChannelMode::Agent)];
        assert_eq!(coverage(&agent_only, 10_000, 2).heard_ms, 0);
        let both_in_turn = [span(0, 10_000, ChannelMode::Agent), span(2_000, 6_000, ChannelMode::Customer)];
        assert_eq!(coverage(&both_in_turn, 10_000, 2).heard, vec![Interval { start_ms: 2_000, end_ms: 6_000 }]);
        assert_eq!(coverage(&agent_only, 10_000, 1).heard_ms, 10_000, "mono: one channel holds both parties");
    }

    #[test]
    fn spans_past_the_end_are_clipped() {
        let c = coverage(&[span(9_000, 12_000, ChannelMode::Both)], 10_000, 2);
        assert_eq!(c.heard_ms, 1_000);
        assert!((c.percent - 10.0).abs() < 1e-9);
    }
}
