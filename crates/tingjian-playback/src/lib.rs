//! The playback engine of Tingjian, free of any GUI: the app and `tingjian play` both drive it.
//!
//! ```text
//! caller ──commands──▶ engine thread: decode (shared registries) → speed (WSOLA) → resample to
//!                      the device rate → stereo frames + markers ──two lock-free rings──▶
//!                      cpal callback: drop frames of older seeks, channel solo, gains, volume
//!                      ──▶ device;  callback ──reports of what it consumed──▶ engine thread
//!                      → position events (50 Hz), heard spans (proof of listening)
//! ```
//!
//! Design decisions:
//! - **Position and proof come from the device side.** Every run of frames in the ring carries a
//!   marker saying which stretch of the recording it stands for; the callback reports each run
//!   it hands to the device. Nothing decoded but never played (queued at a seek, a pause, a lost
//!   device) is ever reported as heard.
//! - **Seeks flush by generation.** A seek bumps a counter; the callback drops queued frames of
//!   older generations, so a seek while playing is heard within one device period.
//! - **Speed before resampling.** WSOLA runs at the recording's rate (8 kHz for calls), which is
//!   ~36× cheaper than at 48 kHz; speed 1.0 passes samples through unchanged.
//! - **Channel stage in the callback.** Solo, per-channel gain and volume are applied to the
//!   frames as they leave, so a change is heard at once and "audible" in the proof is exactly
//!   what was sent.
//! - The cpal stream starts at the first `play` after the ring has been filled (a file sink takes
//!   audio faster than real time), then keeps running: a pause plays silence without consuming.
//! - **A failing device is opened again** (a sound server starting a stream on a loaded machine,
//!   or restarting) a few times over about three seconds before it is declared lost; playback
//!   goes on from the last frame the old stream reported as played.

mod callback_scope;
mod device;
mod engine;
mod error;
mod player;
mod render;
mod resample;
mod stretch;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use callback_scope::in_audio_callback;
pub use device::OutputDeviceInfo;
pub use error::PlaybackError;
pub use player::{OpenOptions, PlayRange, Player, RangeOutcome};
pub use render::AUDIBLE_GAIN;
pub use tingjian_core::analytics::Interval;
pub use tingjian_core::listening::{ChannelMode, HeardSpan};

/// A stretch of the recording that was played out at audible volume (see [`HeardSpan`]).
pub type PlayedSpan = HeardSpan;

/// The slowest and fastest playback speeds.
pub const MIN_SPEED: f32 = tingjian_core::listening::SLOWEST_SPEED;
pub const MAX_SPEED: f32 = tingjian_core::listening::FASTEST_SPEED;
/// How far back playback resumes after a pause, unless set otherwise.
pub const DEFAULT_REWIND_ON_RESUME_MS: u64 = 2000;

/// What was loaded, as the player will play it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LoadedRecording {
    /// From the frames actually decoded, as import measures it.
    #[ts(type = "number")]
    pub duration_ms: u64,
    pub sample_rate: u32,
    pub channels: u16,
    /// The rate the device plays at (the recording is resampled to it).
    pub device_rate: u32,
    pub codec: String,
    /// Packets that could not be decoded and are skipped.
    #[ts(type = "number")]
    pub damaged_packets: u64,
    /// The file holds fewer frames than its header promises; what decodes is played.
    pub truncated: bool,
}

/// What the player reports while it plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlayerEvent {
    /// The position in the recording of what the device has consumed, at least 30 times a
    /// second while playing, and after every pause or seek.
    Position {
        #[ts(type = "number")]
        ms: u64,
    },
    /// Playback reached the end of the recording (or the stop point).
    Ended,
    /// The device failed; playback has stopped. Open a new player to go on.
    DeviceLost { detail: String },
    /// Part of the recording could not be decoded and is skipped.
    DecodeProblem { detail: String },
}

/// The player's state, for a display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlayerStatus {
    pub loaded: bool,
    /// Position of what the device has consumed, in the recording's milliseconds.
    #[ts(type = "number")]
    pub position_ms: u64,
    #[ts(type = "number")]
    pub duration_ms: u64,
    pub playing: bool,
    pub ended: bool,
    pub speed: f32,
    pub volume: f32,
    pub channel_mode: ChannelMode,
    pub agent_gain: f32,
    pub customer_gain: f32,
    #[ts(type = "number")]
    pub rewind_on_resume_ms: u64,
    #[ts(type = "number | null")]
    pub skip_silence_min_ms: Option<u64>,
    #[ts(type = "number | null")]
    pub stop_at_ms: Option<u64>,
    /// Set when the device was lost; the player can no longer play.
    pub device_lost: Option<String>,
}

/// Figures about the output, for the benchmark and for support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Diagnostics {
    pub device_name: String,
    pub device_rate: u32,
    pub device_channels: u16,
    /// From the last `play` call to the moment its first frame reaches the device's output,
    /// by the stream's own clock (the callback's playback timestamp).
    pub play_to_sound_ms: Option<f64>,
    /// The same for the last seek made while playing.
    pub seek_to_sound_ms: Option<f64>,
    /// Device callbacks that found the ring empty, plus device underruns.
    #[ts(type = "number")]
    pub underruns: u64,
}
