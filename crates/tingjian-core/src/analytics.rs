//! What voice activity detection found in a call: who spoke when, talk-over and dead air.
//!
//! The types live here, free of any audio code, because the vault stores them with each recording
//! and the UI draws them; `tingjian-audio` computes them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A stretch of the call, in milliseconds from the first decoded frame; `end_ms` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct Interval {
    pub start_ms: u64,
    pub end_ms: u64,
}

impl Interval {
    pub fn duration_ms(&self) -> u64 {
        self.end_ms.saturating_sub(self.start_ms)
    }
}

/// What voice activity detection found on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChannelAnalytics {
    /// Sorted, disjoint stretches where this channel's party speaks.
    pub speech: Vec<Interval>,
    /// The total length of `speech`.
    pub speech_ms: u64,
}

/// Who spoke when in one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CallAnalytics {
    /// One entry per channel, in the file's channel order (in the usual wiring 0 is the agent and
    /// 1 the customer).
    pub channels: Vec<ChannelAnalytics>,
    /// Stretches of at least `TALK_OVER_MIN_MS` (in `tingjian-audio`) where both channels speak at once. Empty for a
    /// mono file and when the channels are not separated.
    pub talk_over: Vec<Interval>,
    /// Silences of every channel lasting at least `DEAD_AIR_MIN_MS` (in `tingjian-audio`), counted only between the
    /// first and the last speech of the call: the time before the first word (ringing, the
    /// recorder starting) and after the last (hanging up) is not a silence in the conversation.
    /// A recording without any speech therefore has no dead air.
    pub dead_air: Vec<Interval>,
    /// Channel 0's share of all speech, from 0 to 1: the agent's share in the usual wiring. Only for
    /// a separated two-channel recording with some speech.
    pub talk_ratio: Option<f32>,
    /// True for a two-channel recording with one party per channel. False for one channel, for two
    /// channels carrying the same mix (a mono call stored as stereo) and for more than two
    /// channels: then the parties cannot be told apart by channel, every channel is analysed on its
    /// own without the crosstalk rule, and there is no talk-over or talk ratio.
    pub channels_separated: bool,
}
