use tingjian_core::{Coded, ErrorCode};

/// Why something in the review workspace failed.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Vault(#[from] tingjian_vault::VaultError),
    #[error(transparent)]
    Audio(#[from] tingjian_audio::AudioError),
    #[error(transparent)]
    Playback(#[from] tingjian_playback::PlaybackError),
    #[error("{name}: part of the recording cannot be decoded and was skipped ({detail})")]
    DamagedAudio { name: String, detail: String },
}

impl Coded for ReviewError {
    fn code(&self) -> ErrorCode {
        match self {
            ReviewError::Vault(error) => error.code(),
            ReviewError::Audio(error) => error.code(),
            ReviewError::Playback(error) => error.code(),
            ReviewError::DamagedAudio { .. } => ErrorCode::AudioDamaged,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            ReviewError::Vault(error) => error.message_zh(),
            ReviewError::Audio(error) => error.message_zh(),
            ReviewError::Playback(error) => error.message_zh(),
            ReviewError::DamagedAudio { name, detail } => format!("{name}：录音有一部分无法解码，已跳过（{detail}）"),
        }
    }

    fn message_en(&self) -> String {
        match self {
            ReviewError::Vault(error) => error.message_en(),
            ReviewError::Audio(error) => error.message_en(),
            ReviewError::Playback(error) => error.message_en(),
            ReviewError::DamagedAudio { .. } => self.to_string(),
        }
    }
}
