//! Domain records as the vault stores them and the UI shows them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::analytics::CallAnalytics;

/// One complaint from the complaint system's export. Times are RFC 3339 instants (UTC); the
/// export's local times are converted at import in the branch's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Complaint {
    /// 投诉编号: the complaint system's number, unique within the vault.
    pub number: String,
    /// 受理时间
    pub accepted_at: String,
    /// 投诉渠道
    pub channel: String,
    /// 业务类别
    pub business_line: String,
    /// 投诉类别
    pub category: String,
    /// 责任机构: the responsible department or sub-branch.
    pub department: String,
    /// 客户姓名 (personal data: masked in anything that does not need it).
    pub customer_name: String,
    /// 联系电话 (personal data).
    pub phone: String,
    /// 首次响应时间
    pub first_response_at: Option<String>,
    /// 办结时间
    pub resolved_at: Option<String>,
    /// 处理状态
    pub status: String,
    /// 录音文件 as written in the export.
    pub recording_file: String,
    /// 是否监管转办
    pub regulator_forwarded: bool,
    /// 投诉摘要
    pub summary: String,
}

/// A recording in the vault's content-addressed store, described from its fully decoded audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Recording {
    /// BLAKE3 of the file's bytes, hex; also its name in the store.
    pub hash: String,
    /// The file name it was imported under.
    pub original_name: String,
    /// Container, e.g. `wav`, `mp3`, `m4a`, `flac`.
    pub container: String,
    /// Codec, e.g. `pcm_s16le`, `pcm_mulaw`, `mp3`, `aac`, `flac`, `opus`, `gsm_ms`, `amr_nb`.
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// Duration from the frames actually decoded, in milliseconds.
    #[ts(type = "number")]
    pub duration_ms: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Who spoke when, from the same decode. Absent for recordings stored before analytics existed.
    #[serde(default)]
    pub analytics: Option<CallAnalytics>,
}

/// A person who uses the vault. Accounts with passphrases come later; for now the vault records
/// who acted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Person {
    pub id: String,
    pub display_name: String,
    pub role: String,
    /// The department a department head answers for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub department: Option<String>,
}
