//! What the review screen shows about one recording when it opens.

use serde::{Deserialize, Serialize};
use tingjian_core::analytics::CallAnalytics;
use tingjian_core::listening::Coverage;
use tingjian_vault::{ComplaintQuery, ComplaintRow, RecordingTarget, Vault};
use ts_rs::TS;

use crate::ReviewError;

/// A recording opened for review: what it is, the complaint it belongs to, what import found in
/// it, and how much of it has been heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewView {
    pub hash: String,
    pub original_name: String,
    #[ts(type = "number")]
    pub duration_ms: u64,
    pub channels: u16,
    /// The complaint, personal data masked.
    pub complaint: Option<ComplaintRow>,
    pub analytics: Option<CallAnalytics>,
    /// What the current person has heard of it, over all their sessions.
    pub my_coverage: Coverage,
    /// What anyone has heard of it.
    pub all_coverage: Coverage,
}

/// Opens a recording for review by complaint number or hash prefix.
pub fn open_review(vault: &Vault, query: &str) -> Result<(ReviewView, RecordingTarget), ReviewError> {
    let target = vault.find_recording(query)?;
    let complaint = match &target.complaint_number {
        Some(number) => {
            vault.complaints(&ComplaintQuery { number: Some(number.clone()), ..Default::default() })?.into_iter().next()
        }
        None => None,
    };
    let analytics = vault.recording_analytics(&target.hash)?;
    let view = ReviewView {
        hash: target.hash.clone(),
        original_name: target.original_name.clone(),
        duration_ms: target.duration_ms,
        channels: target.channels,
        complaint,
        analytics,
        my_coverage: vault.listening_coverage(&target.hash, Some(vault.actor()))?,
        all_coverage: vault.listening_coverage(&target.hash, None)?,
    };
    Ok((view, target))
}
