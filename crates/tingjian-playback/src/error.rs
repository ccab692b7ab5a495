use tingjian_audio::AudioError;
use tingjian_core::{Coded, ErrorCode};

/// Why the player could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    /// No output device could be opened: the machine has none, the sound server is not running,
    /// or the device is busy.
    #[error("no sound output device can be opened ({detail})")]
    NoDevice { detail: String },
    /// A device was asked for by name and there is none of that name.
    #[error("there is no sound output device named \"{name}\" (available: {available})")]
    DeviceNotFound { name: String, available: String },
    /// The device went away during playback; a new player can be opened.
    #[error("the sound output device was lost ({detail})")]
    DeviceLost { detail: String },
    /// The recording could not be read at all.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The engine failed in a way that should not happen.
    #[error("playback engine failure: {detail}")]
    Internal { detail: String },
}

impl Coded for PlaybackError {
    fn code(&self) -> ErrorCode {
        match self {
            PlaybackError::NoDevice { .. } | PlaybackError::DeviceNotFound { .. } => ErrorCode::AudioDeviceUnavailable,
            PlaybackError::DeviceLost { .. } => ErrorCode::AudioDeviceLost,
            PlaybackError::Audio(error) => error.code(),
            PlaybackError::Internal { .. } => ErrorCode::Internal,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            PlaybackError::NoDevice { detail } => format!("无法打开声音输出设备（{detail}）"),
            PlaybackError::DeviceNotFound { name, available } => {
                format!("没有名为“{name}”的声音输出设备（可用：{available}）")
            }
            PlaybackError::DeviceLost { detail } => format!("声音输出设备已断开（{detail}）"),
            PlaybackError::Audio(error) => error.message_zh(),
            PlaybackError::Internal { detail } => format!("播放引擎内部错误：{detail}"),
        }
    }
}
