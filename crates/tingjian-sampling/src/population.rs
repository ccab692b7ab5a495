//! The population a sample is drawn from: one item per complaint, with what the rules look at.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tingjian_core::model::{Complaint, Recording};
use ts_rs::TS;

use crate::error::SamplingError;

/// The 15-day limit for a decision on a complaint (银行业保险业消费投诉处理管理办法, 2020), counted as
/// 15 × 24 hours from acceptance. Complex cases may take up to 30 or 60 days with approval, but
/// the export does not say which cases were approved, so every case past 15 days is one to hear.
pub const HANDLING_LIMIT: SignedDuration = SignedDuration::from_hours(15 * 24);

/// How serious a complaint is, for stratifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 高
    High,
    /// 中
    Medium,
    /// 低
    Low,
}

impl Severity {
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::High => "高",
            Severity::Medium => "中",
            Severity::Low => "低",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// The severity of a complaint when the complaint system gives none: regulator-forwarded or
/// escalated complaints are high, complaints handled past the 15-day limit are medium, the rest
/// are low. A complaint the system already rates keeps that rating.
pub fn derive_severity(regulator_forwarded: bool, escalated: bool, overdue: bool) -> Severity {
    if regulator_forwarded || escalated {
        Severity::High
    } else if overdue {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Whether a complaint was handled past the 15-day limit as seen at `as_of`: resolved more than 15
/// days after acceptance, or still unresolved more than 15 days after acceptance. The one handling
/// clock ([`tingjian_core::clocks::past_handling_limit`]), so the draw and the metrics agree.
pub fn is_overdue(accepted_at: Timestamp, resolved_at: Option<Timestamp>, as_of: Timestamp) -> bool {
    tingjian_core::clocks::past_handling_limit(accepted_at, resolved_at, as_of)
}

/// Words around 升级 that mean a technical upgrade, not an escalation: the demo's 征信 complaint
/// blames "系统升级" for a failed debit, and that complaint was never escalated.
const TECHNICAL_UPGRADES: &[&str] =
    &["系统升级", "版本升级", "软件升级", "程序升级", "升级改造", "设备升级", "客户端升级"];

/// Whether a complaint was escalated: its status (处理状态) contains 升级, or its summary (投诉摘要)
/// says it went up (升级, 上级) other than as a technical upgrade (系统升级 and the like). The
/// complaint system has no escalation flag, so this reads the words people write when it happens.
pub fn is_escalated(complaint: &Complaint) -> bool {
    if complaint.status.contains("升级") {
        return true;
    }
    let mut summary = complaint.summary.clone();
    for phrase in TECHNICAL_UPGRADES {
        summary = summary.replace(phrase, "");
    }
    summary.contains("升级") || summary.contains("上级")
}

/// One complaint as the draw sees it.
///
/// `phone` is used only to find repeat complainants and is never part of a draw's output; the
/// `Debug` form masks it.
#[derive(Clone, PartialEq, Eq)]
pub struct PopulationItem {
    /// 投诉编号, unique within the population.
    pub complaint_number: String,
    /// BLAKE3 of the recording, hex; `None` when the complaint has no recording.
    pub recording_hash: Option<String>,
    /// The recording's decoded length; `None` when unknown.
    pub duration_ms: Option<u64>,
    pub department: String,
    pub business_line: String,
    pub category: String,
    /// The complaint system's severity; `None` (today's export has none) lets the draw derive it
    /// with [`derive_severity`].
    pub severity: Option<Severity>,
    pub accepted_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// 联系电话, compared by its digits (see [`phone_key`]).
    pub phone: String,
    pub regulator_forwarded: bool,
    pub escalated: bool,
    /// Reviewed in an earlier quarter.
    pub reviewed_before: bool,
}

impl std::fmt::Debug for PopulationItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PopulationItem")
            .field("complaint_number", &self.complaint_number)
            .field("recording_hash", &self.recording_hash)
            .field("duration_ms", &self.duration_ms)
            .field("department", &self.department)
            .field("business_line", &self.business_line)
            .field("category", &self.category)
            .field("severity", &self.severity)
            .field("accepted_at", &self.accepted_at)
            .field("resolved_at", &self.resolved_at)
            .field("phone", &tingjian_core::personal::mask_phone(&self.phone))
            .field("regulator_forwarded", &self.regulator_forwarded)
            .field("escalated", &self.escalated)
            .field("reviewed_before", &self.reviewed_before)
            .finish()
    }
}

impl PopulationItem {
    /// The item for a complaint from the vault and its recording, if it has one.
    pub fn from_complaint(
        complaint: &Complaint,
        recording: Option<&Recording>,
        reviewed_before: bool,
    ) -> Result<PopulationItem, SamplingError> {
        let invalid = |field: &'static str, value: &str, reason: String| SamplingError::InvalidComplaint {
            number: complaint.number.clone(),
            field,
            value: value.to_owned(),
            reason,
        };
        if complaint.number.trim().is_empty() {
            return Err(invalid("number", &complaint.number, "empty".to_owned()));
        }
        let accepted_at: Timestamp = complaint
            .accepted_at
            .parse()
            .map_err(|e| invalid("accepted_at", &complaint.accepted_at, format!("{e}")))?;
        let resolved_at = match complaint.resolved_at.as_deref() {
            None | Some("") => None,
            Some(text) => Some(text.parse().map_err(|e| invalid("resolved_at", text, format!("{e}")))?),
        };
        Ok(PopulationItem {
            complaint_number: complaint.number.clone(),
            recording_hash: recording.map(|r| r.hash.clone()),
            duration_ms: recording.map(|r| r.duration_ms),
            department: complaint.department.clone(),
            business_line: complaint.business_line.clone(),
            category: complaint.category.clone(),
            severity: None,
            accepted_at,
            resolved_at,
            phone: complaint.phone.clone(),
            regulator_forwarded: complaint.regulator_forwarded,
            escalated: is_escalated(complaint),
            reviewed_before,
        })
    }
}

/// A phone number reduced to a key that is equal exactly when two numbers have the same digits,
/// after dropping separators and a leading China country code (`+86`, `0086`, `86` before an
/// 11-digit mobile number). The key packs the digit count and the digits' value into 64 bits, so
/// no hashing (and no collision) is involved; `None` for numbers with no digits or more than 17.
pub fn phone_key(phone: &str) -> Option<u64> {
    let mut digits = [0u8; 24];
    let mut count = 0;
    for byte in phone.bytes() {
        if byte.is_ascii_digit() {
            if count == digits.len() {
                return None;
            }
            digits[count] = byte - b'0';
            count += 1;
        }
    }
    let digits = &digits[..count];
    // A leading country code is dropped only when what remains has a mainland mobile number's
    // length, so that a landline is not mangled by accident.
    let digits = match digits {
        [8, 6, rest @ ..] if rest.len() == 11 => rest,
        [0, 0, 8, 6, rest @ ..] if rest.len() == 11 => rest,
        _ => digits,
    };
    if digits.is_empty() || digits.len() > 17 {
        return None;
    }
    let value = digits.iter().fold(0u64, |value, &digit| value * 10 + u64::from(digit));
    Some(((digits.len() as u64) << 59) | value)
}
