//! The review workspace's logic, shared by the desktop app and the `tingjian` command: opening a
//! recording for review, its waveform at any zoom, and listening sessions recorded as evidence.
//!
//! Nothing here draws or plays: the app draws, `tingjian-playback` plays. What is here decides what
//! is shown and what is kept.

mod error;
mod player;
mod session;
mod view;
mod waveform;

pub use error::ReviewError;
pub use player::{PlayerOpened, PlayerSettings, PlayerUpdate, SKIP_SILENCE_MIN_MS};
pub use session::{FLUSH_EVERY, Listening, LoadedRecording};
pub use view::{ReviewView, open_review};
pub use waveform::{Waveform, waveform};
