//! What the review screen shows about one recording when it opens.

use serde::{Deserialize, Serialize};
use tingjian_core::analytics::CallAnalytics;
use tingjian_core::listening::Coverage;
use tingjian_vault::{ComplaintDetails, Draft, Note, RecordingTarget, RectificationCase, Reflection, Vault};
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
    pub complaint: Option<ComplaintDetails>,
    pub analytics: Option<CallAnalytics>,
    /// What the current person has heard of it, over all their sessions.
    pub my_coverage: Coverage,
    /// What anyone has heard of it.
    pub all_coverage: Coverage,
    /// The person reviewing (the vault's actor): their own notes can be edited.
    pub person: String,
    /// Everyone's notes on the call, in the order of the call.
    pub notes: Vec<Note>,
    /// Reflections submitted on the complaint, oldest first.
    pub reflections: Vec<Reflection>,
    /// The current person's unsubmitted reflection, as last saved.
    pub draft: Option<Draft>,
    /// Rectification cases opened for the complaint.
    pub rectifications: Vec<RectificationCase>,
    /// The departments a rectification can be required of (those the vault knows).
    pub departments: Vec<String>,
}

/// Opens a recording for review by complaint number or hash prefix.
pub fn open_review(vault: &Vault, query: &str) -> Result<(ReviewView, RecordingTarget), ReviewError> {
    let target = vault.find_recording(query)?;
    let number = target.complaint_number.as_deref();
    let complaint = number.map(|n| vault.complaint_details(n)).transpose()?;
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
        person: vault.actor().to_owned(),
        notes: number.map(|n| vault.notes(n)).transpose()?.unwrap_or_default(),
        reflections: number.map(|n| vault.reflections(n)).transpose()?.unwrap_or_default(),
        draft: number.map(|n| vault.reflection_draft(n)).transpose()?.flatten(),
        rectifications: number.map(|n| vault.rectification_cases(n)).transpose()?.unwrap_or_default(),
        departments: vault.library_facets()?.departments,
    };
    Ok((view, target))
}
