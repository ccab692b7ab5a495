//! What the review screen and the player say to each other. The engine lives in
//! `tingjian-playback`; these are the shapes that cross to the UI.

use serde::{Deserialize, Serialize};
use tingjian_core::UiError;
use tingjian_core::listening::{ChannelMode, Coverage};
use ts_rs::TS;

/// Dead air shorter than this is played even in skip-silence mode: a pause of a second or two is
/// part of how a call sounds, while the analytics only mark silences of two seconds or more.
pub const SKIP_SILENCE_MIN_MS: u64 = 3000;

/// How the reviewer wants to hear the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlayerSettings {
    /// 0.5 to 2; pitch is preserved.
    pub speed: f32,
    /// 0 to 1; time played at volume 0 is not counted as heard.
    pub volume: f32,
    pub channel: ChannelMode,
    /// How far back playback resumes after a pause, so the reviewer hears the words again.
    #[ts(type = "number")]
    pub rewind_on_resume_ms: u64,
    /// Jump over dead air longer than [`SKIP_SILENCE_MIN_MS`].
    pub skip_silence: bool,
}

impl Default for PlayerSettings {
    fn default() -> Self {
        Self { speed: 1.0, volume: 1.0, channel: ChannelMode::Both, rewind_on_resume_ms: 2000, skip_silence: false }
    }
}

/// A recording loaded into the player, with its listening session started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlayerOpened {
    pub session_id: String,
    pub device: String,
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// Sent to the review screen at least 30 times a second while a recording is loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlayerUpdate {
    /// What the sound device has actually played, in ms of the recording.
    #[ts(type = "number")]
    pub position_ms: u64,
    pub playing: bool,
    /// Playback reached the end of the recording (or the stop point).
    pub ended: bool,
    /// The sound device is gone; reopening the recording opens it again.
    pub device_lost: bool,
    /// The reviewer's coverage, sent after each flush of heard spans to the vault.
    pub my_coverage: Option<Coverage>,
    /// Everyone's coverage of the recording, sent with `my_coverage`.
    pub all_coverage: Option<Coverage>,
    /// Playback stopped for a reason the reviewer must see (the device was lost, the file broke
    /// off); the session is ended and what was heard is kept.
    pub problem: Option<UiError>,
}
