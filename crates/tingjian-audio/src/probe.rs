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

/// The most bytes a recording may have: 2 GiB, more than a day of 8 kHz stereo PCM or a week of
/// 64 kbit/s MP3. A larger file is not a phone call, and the importer holds a file's bytes in
/// memory while it hashes, decodes and stores them.
pub const MAX_RECORDING_BYTES: u64 = 2 << 30;
/// The lowest sample rate a recording may have (telephone audio is 8 kHz; narrowband codecs go
/// no lower than 4 kHz in practice).
pub const MIN_SAMPLE_RATE: u32 = 4_000;
/// The highest sample rate a recording may have.
pub const MAX_SAMPLE_RATE: u32 = 192_000;
/// The most channels a recording may have (a call is one or two; conference recorders write a
/// few more).
pub const MAX_CHANNELS: u16 = 8;
/// The longest a recording may last, by its header or by what decodes: a day. A header that
/// claims more is lying or broken, and is refused before anything is sized from it.
pub const MAX_DURATION_MS: u64 = 24 * 3_600_000;
/// The most samples (frames × channels) one recording may decode to: 12 hours of 48 kHz stereo.
/// The peaks and analytics grow with the decoded audio, so this bounds the memory an import takes
/// whatever a file's rate and channels are; telephone audio (8 kHz, one or two channels) reaches
/// [`MAX_DURATION_MS`] first.
pub const MAX_DECODED_SAMPLES: u64 = 12 * 3_600 * 48_000 * 2;

/// The longest a recording of `sample_rate` Hz with `channels` channels may last, in milliseconds.
pub fn max_duration_ms(sample_rate: u32, channels: u16) -> u64 {
    let per_second = u64::from(sample_rate.max(1)) * u64::from(channels.max(1));
    MAX_DURATION_MS.min(MAX_DECODED_SAMPLES * 1000 / per_second)
}

/// Why a file could not be used as a recording.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: cannot read the file: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{path}: the file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: the file is {}, more than the {} a recording may have", en_bytes(*.bytes), en_bytes(MAX_RECORDING_BYTES))]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("{path}: not a recognised audio file")]
    NotAudio { path: PathBuf },
    #[error("{path}: unsupported codec ({})", .codec.en())]
    UnsupportedCodec { path: PathBuf, codec: CodecProblem },
    #[error(
        "{path}: the header says the sample rate is {rate} Hz, outside the {}–{} Hz a recording may have",
        MIN_SAMPLE_RATE,
        MAX_SAMPLE_RATE
    )]
    SampleRate { path: PathBuf, rate: u64 },
    #[error("{path}: {}", channels_en(*.channels))]
    Channels { path: PathBuf, channels: u64 },
    #[error("{path}: {}", too_long_en(*.length_ms, *.limit_ms, *.claimed))]
    TooLong {
        path: PathBuf,
        /// What the header claims, or what has decoded when the limit was passed.
        length_ms: u64,
        limit_ms: u64,
        /// True when the header claimed it; false when it is what decoded.
        claimed: bool,
    },
    #[error("{path}: no audio could be decoded")]
    NothingDecoded { path: PathBuf },
}

/// Why a recording's codec cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecProblem {
    /// No decoder is registered for the codec the file names (its id as the container gives it).
    Unknown { id: String },
    /// The decoder refused the file's codec parameters or stopped on the stream, for this reason
    /// (the decoder's own words).
    Refused { reason: String },
}

impl CodecProblem {
    fn en(&self) -> String {
        match self {
            CodecProblem::Unknown { id } => format!("codec {id}, which Tingjian cannot decode"),
            CodecProblem::Refused { reason } => format!("the decoder refused it: {reason}"),
        }
    }

    fn zh(&self) -> String {
        match self {
            CodecProblem::Unknown { id } => format!("编码 {id}，听见无法解码"),
            CodecProblem::Refused { reason } => format!("解码器拒绝了该文件：{reason}"),
        }
    }
}

/// A byte count as people read it: 2 GiB, 700 MiB, 12 KiB.
pub fn en_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else if value.fract() < 0.05 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A byte count as Chinese readers read it (the same units; "字节" for bytes).
pub fn zh_bytes(bytes: u64) -> String {
    if bytes < 1024 { format!("{bytes} 字节") } else { en_bytes(bytes) }
}

/// A length of time in words: "3 days 2 hours" (from two days), "24 hours", "2 hours 40 minutes",
/// "3 minutes 5 seconds".
pub fn en_duration(ms: u64) -> String {
    let (days, hours, minutes, secs) = split_duration(ms);
    let unit = |n: u64, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    match (days, hours, minutes) {
        (0, 0, 0) => unit(secs, "second"),
        (0, 0, _) if secs == 0 => unit(minutes, "minute"),
        (0, 0, _) => format!("{} {}", unit(minutes, "minute"), unit(secs, "second")),
        (0, _, 0) => unit(hours, "hour"),
        (0, _, _) => format!("{} {}", unit(hours, "hour"), unit(minutes, "minute")),
        (_, 0, _) => unit(days, "day"),
        _ => format!("{} {}", unit(days, "day"), unit(hours, "hour")),
    }
}

/// A length of time in Chinese: "3 天 2 小时", "24 小时", "2 小时 40 分钟", "3 分 5 秒".
pub fn zh_duration(ms: u64) -> String {
    let (days, hours, minutes, secs) = split_duration(ms);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs} 秒"),
        (0, 0, _) if secs == 0 => format!("{minutes} 分钟"),
        (0, 0, _) => format!("{minutes} 分 {secs} 秒"),
        (0, _, 0) => format!("{hours} 小时"),
        (0, _, _) => format!("{hours} 小时 {minutes} 分钟"),
        (_, 0, _) => format!("{days} 天"),
        _ => format!("{days} 天 {hours} 小时"),
    }
}

/// Days, hours, minutes and seconds; under two days, the hours are not turned into days.
fn split_duration(ms: u64) -> (u64, u64, u64, u64) {
    let seconds = ms / 1000;
    let hours = seconds / 3600;
    let (days, hours) = if hours >= 48 { (hours / 24, hours % 24) } else { (0, hours) };
    (days, hours, seconds / 60 % 60, seconds % 60)
}

fn channels_en(channels: u64) -> String {
    if channels == 0 {
        "the header says the recording has 0 channels".to_owned()
    } else {
        format!("the header says {channels} channels, more than the {MAX_CHANNELS} a recording may have")
    }
}

fn too_long_en(length_ms: u64, limit_ms: u64, claimed: bool) -> String {
    if claimed {
        format!(
            "the header says it lasts {}, longer than the {} a recording may last",
            en_duration(length_ms),
            en_duration(limit_ms)
        )
    } else {
        format!(
            "it decodes to more than {}, the longest a recording of its rate and channels may last",
            en_duration(limit_ms)
        )
    }
}

fn too_long_zh(length_ms: u64, limit_ms: u64, claimed: bool) -> String {
    if claimed {
        format!("文件头声明时长 {}，超过录音时长上限 {}", zh_duration(length_ms), zh_duration(limit_ms))
    } else {
        format!("解码出的音频超过 {}，即此采样率和声道数下录音时长的上限", zh_duration(limit_ms))
    }
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
            AudioError::TooLarge { path, bytes } => format!(
                "{}：文件大小 {}，超过录音文件上限 {}",
                path.display(),
                zh_bytes(*bytes),
                zh_bytes(MAX_RECORDING_BYTES)
            ),
            AudioError::NotAudio { path } => format!("{}：不是可识别的音频文件", path.display()),
            AudioError::UnsupportedCodec { path, codec } => {
                format!("{}：不支持的音频编码（{}）", path.display(), codec.zh())
            }
            AudioError::SampleRate { path, rate } => format!(
                "{}：文件头声明采样率 {rate} Hz，不在录音允许的 {MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE} Hz 范围内",
                path.display()
            ),
            AudioError::Channels { path, channels: 0 } => format!("{}：文件头声明 0 个声道", path.display()),
            AudioError::Channels { path, channels } => {
                format!("{}：文件头声明 {channels} 个声道，录音最多 {MAX_CHANNELS} 个声道", path.display())
            }
            AudioError::TooLong { path, length_ms, limit_ms, claimed } => {
                format!("{}：{}", path.display(), too_long_zh(*length_ms, *limit_ms, *claimed))
            }
            AudioError::NothingDecoded { path } => format!("{}：没有可解码的音频", path.display()),
        }
    }
}

/// Checks what a header says about a recording against the limits above, before anything is
/// sized from it.
pub(crate) fn check_header(
    path: &Path,
    sample_rate: u32,
    channels: Option<u16>,
    claimed_frames: Option<u64>,
) -> Result<(), AudioError> {
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(AudioError::SampleRate { path: path.to_owned(), rate: u64::from(sample_rate) });
    }
    if let Some(channels) = channels
        && (channels == 0 || channels > MAX_CHANNELS)
    {
        return Err(AudioError::Channels { path: path.to_owned(), channels: u64::from(channels) });
    }
    if let Some(frames) = claimed_frames {
        let limit_ms = max_duration_ms(sample_rate, channels.unwrap_or(1));
        let length_ms = u64::try_from(u128::from(frames) * 1000 / u128::from(sample_rate)).unwrap_or(u64::MAX);
        if length_ms > limit_ms {
            return Err(AudioError::TooLong { path: path.to_owned(), length_ms, limit_ms, claimed: true });
        }
    }
    Ok(())
}

/// Decodes the whole file and describes it. Damaged packets are skipped and counted, the way a
/// player would play past them; only a file with nothing decodable is an error.
pub fn probe_file(path: &Path) -> Result<ProbeInfo, AudioError> {
    // Probing needs only the frame count, so the samples are never converted.
    decode(path, None)
}
