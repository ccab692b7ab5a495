use std::path::{Path, PathBuf};

use tingjian_core::{Coded, ErrorCode};

use crate::decode::decode;

/// What a full decode of a recording found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeInfo {
    /// The container's short name, e.g. `wav`, `mp3`, `isomp4`, `flac`.
    pub container: String,
    /// The codec's short name, e.g. `pcm_s16le`, `pcm_mulaw`, `mp3`, `aac`, `flac`.
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// Frames (samples per channel) actually decoded.
    pub frames: u64,
    /// Frames the header promised, when it said.
    pub header_frames: Option<u64>,
    /// Packets that failed to decode and were skipped.
    pub damaged_packets: u64,
}

impl ProbeInfo {
    /// Duration from the decoded frames, in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        if self.sample_rate == 0 { 0 } else { self.frames * 1000 / u64::from(self.sample_rate) }
    }

    /// Fewer frames decoded than the header promised (by more than one packet's worth of padding).
    pub fn truncated(&self) -> bool {
        let slack = u64::from(self.sample_rate) / 10;
        self.header_frames.is_some_and(|promised| self.frames + slack < promised)
    }
}

/// Why a file could not be used as a recording.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: cannot read the file: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{path}: the file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: not a recognised audio file")]
    NotAudio { path: PathBuf },
    #[error("{path}: unsupported codec ({detail})")]
    UnsupportedCodec { path: PathBuf, detail: String },
    #[error("{path}: invalid audio header ({detail})")]
    InvalidHeader { path: PathBuf, detail: String },
    #[error("{path}: no audio could be decoded")]
    NothingDecoded { path: PathBuf },
}

impl Coded for AudioError {
    fn code(&self) -> ErrorCode {
        match self {
            AudioError::Unreadable { .. } => ErrorCode::Io,
            _ => ErrorCode::InvalidInput,
        }
    }

    fn message_zh(&self) -> String {
        match self {
            AudioError::Unreadable { path, source } => format!("{}：无法读取文件：{source}", path.display()),
            AudioError::Empty { path } => format!("{}：文件为空（0 字节）", path.display()),
            AudioError::NotAudio { path } => format!("{}：不是可识别的音频文件", path.display()),
            AudioError::UnsupportedCodec { path, detail } => {
                format!("{}：不支持的音频编码（{detail}）", path.display())
            }
            AudioError::InvalidHeader { path, detail } => format!("{}：音频文件头无效（{detail}）", path.display()),
            AudioError::NothingDecoded { path } => format!("{}：没有可解码的音频", path.display()),
        }
    }
}

/// Decodes the whole file and describes it. Damaged packets are skipped and counted, the way a
/// player would play past them; only a file with nothing decodable is an error.
pub fn probe_file(path: &Path) -> Result<ProbeInfo, AudioError> {
    // Probing needs only the frame count, so the samples are never converted.
    decode(path, None)
}
