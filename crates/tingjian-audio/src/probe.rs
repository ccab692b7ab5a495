use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as DecodeFailure;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use tingjian_core::{Coded, ErrorCode};

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
    let file = std::fs::File::open(path).map_err(|source| AudioError::Unreadable { path: path.to_owned(), source })?;
    let length = file.metadata().map(|m| m.len()).unwrap_or(0);
    if length == 0 {
        return Err(AudioError::Empty { path: path.to_owned() });
    }
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    // No extension hint: the content decides the format, so a mislabelled file still works.
    let mut format = symphonia::default::get_probe()
        .probe(&Hint::new(), stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|_| AudioError::NotAudio { path: path.to_owned() })?;
    let container = format.format_info().short_name.to_owned();
    let track = format.default_track(TrackType::Audio).ok_or_else(|| AudioError::NotAudio { path: path.to_owned() })?;
    let track_id = track.id;
    let header_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .cloned()
        .ok_or_else(|| AudioError::NotAudio { path: path.to_owned() })?;
    let header_rate = params.sample_rate.unwrap_or(0);
    if header_rate == 0 {
        return Err(AudioError::InvalidHeader { path: path.to_owned(), detail: "sample rate 0".to_owned() });
    }
    let codecs = symphonia::default::get_codecs();
    let codec = codecs
        .get_audio_decoder(params.codec)
        .map(|registered| registered.codec.info.short_name.to_owned())
        .ok_or_else(|| AudioError::UnsupportedCodec { path: path.to_owned(), detail: format!("{:?}", params.codec) })?;
    let mut decoder = codecs
        .make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(true))
        .map_err(|error| AudioError::UnsupportedCodec { path: path.to_owned(), detail: error.to_string() })?;

    let mut frames = 0u64;
    let mut damaged_packets = 0u64;
    let mut sample_rate = header_rate;
    let mut channels = params.channels.as_ref().map(|c| c.count() as u16).unwrap_or(0);
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A read error mid-file is a truncated or damaged file: keep what decoded so far.
            Err(DecodeFailure::IoError(_)) => break,
            Err(DecodeFailure::ResetRequired) => break,
            Err(_) => {
                damaged_packets += 1;
                if damaged_packets > 1000 {
                    break;
                }
                continue;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buffer) => {
                frames += buffer.frames() as u64;
                let spec = buffer.spec();
                if spec.rate() > 0 {
                    sample_rate = spec.rate();
                }
                channels = spec.channels().count() as u16;
            }
            Err(DecodeFailure::DecodeError(_)) | Err(DecodeFailure::IoError(_)) => damaged_packets += 1,
            Err(error) => {
                return Err(AudioError::UnsupportedCodec { path: path.to_owned(), detail: error.to_string() });
            }
        }
    }
    if frames == 0 {
        return Err(AudioError::NothingDecoded { path: path.to_owned() });
    }
    Ok(ProbeInfo { container, codec, sample_rate, channels, frames, header_frames, damaged_packets })
}
