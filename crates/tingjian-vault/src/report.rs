//! The quarter's report (季度投诉录音听取与整改报告) as data: every figure and list the printed
//! report shows, gathered from the same vault methods the screens call, so the report cannot say
//! something the app does not. `tingjian report quarter Q --json` prints it; the typeset report
//! and the evidence pack are built from it.

use std::collections::{BTreeMap, HashSet};

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use tingjian_core::QuarterId;
use tingjian_core::analytics::Interval;

use tingjian_core::rectification::{ProgressEntry, RectificationAction, Verification};

use crate::rectification::{EvidenceFile, RectificationFilter, RectificationSummary};
use crate::review::{Note, Reflection};
use crate::sampling::{DepartmentProgress, QuarterSample, ReviewerProgress};
use crate::{HandlingMetrics, Vault, VaultError};

/// How many late, overdue or contradictory complaints each of the report's clock lists names; the
/// totals are always whole.
pub const REPORT_LISTED: usize = 50;

/// The report's first page of figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    pub complaints: u64,
    pub sampled: u32,
    /// Sampled calls whose reviewer heard at least 90 % of them.
    pub listened: u32,
    /// `listened / sampled`, in percent.
    pub listened_percent: f64,
    /// Sampled calls with at least one submitted reflection.
    pub reflected: u32,
    /// Rectification cases of the quarter's complaints, by state (`open`, `verified`, …).
    pub cases_by_state: BTreeMap<String, u32>,
    /// Cases with a late answer, action or verification.
    pub cases_overdue: u32,
    /// Whether a president heard at least one of the quarter's calls.
    pub president_heard: bool,
}

/// One sampled call: who heard how much of it, and what they wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCall {
    pub complaint_number: String,
    pub department: String,
    pub category: String,
    /// The complaint's summary, customers' identifiers masked.
    pub summary: String,
    pub reviewer_name: String,
    pub due_date: String,
    pub duration_ms: u64,
    pub coverage_percent: f64,
    pub listened: bool,
    /// The stretches the reviewer heard (both parties), sorted and disjoint: the bar along the call.
    pub heard: Vec<Interval>,
    pub notes: Vec<Note>,
    pub reflections: Vec<Reflection>,
    /// Each reflection's event as signed: who, with which key, and whether it verifies.
    pub reflection_signatures: Vec<crate::SignedBy>,
}

/// How the draw's seed was fixed, from the draw's own event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedDerivation {
    /// Two people fixed it: the preparer committed to a random share, a witness added one of
    /// their own, and the draw revealed the first (seed = the first 8 bytes of SHA-256 over the
    /// preparation's event hash and both shares).
    pub joint: bool,
    pub prepared_by: Option<String>,
    pub prepared_seq: Option<u64>,
    pub witnessed_by: Option<String>,
    pub witnessed_seq: Option<u64>,
}

/// One rectification case as the report prints it: its board line, then what was done about it,
/// the files that prove it, and the audit events that signed each step. The complaint's personal
/// data is left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCase {
    #[serde(flatten)]
    pub summary: RectificationSummary,
    pub actions: Vec<RectificationAction>,
    pub progress: Vec<ProgressEntry>,
    pub verifications: Vec<Verification>,
    pub evidence: Vec<EvidenceFile>,
    /// Display names of everyone the case mentions, by id.
    pub names: BTreeMap<String, String>,
    /// The signed audit events of the case's steps, in order.
    pub step_events: Vec<u64>,
}

/// The quarter's report as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarterReport {
    pub quarter: String,
    pub first_day: String,
    pub last_day: String,
    pub vault_id: String,
    pub generated_by: String,
    pub generated_at: String,
    /// The audit log's head when the report was made: the evidence it rests on.
    pub head_seq: u64,
    pub head_hash: Option<String>,
    /// The head as a checkpoint signed by the person who made the report (the signed-note text),
    /// or `None` when they have no signing key (a vault without accounts).
    pub signed_checkpoint: Option<String>,
    /// The vault holds the demo's synthetic data, not a real quarter: the report says so on
    /// every page.
    pub demo: bool,
    pub summary: ReportSummary,
    /// The policy, the draw (seed, population fingerprint, shortfalls) and every assignment.
    pub sample: QuarterSample,
    /// How the seed was fixed, when the quarter has been drawn.
    pub seed_derivation: Option<SeedDerivation>,
    /// The command that re-runs the draw from the log and compares it with the assignments.
    pub verify_sample_command: String,
    pub reviewers: Vec<ReviewerProgress>,
    pub departments: Vec<DepartmentProgress>,
    pub calls: Vec<ReportCall>,
    pub rectification: Vec<ReportCase>,
    /// The one-hour response and handling figures, each list's first [`REPORT_LISTED`].
    pub handling: HandlingMetrics,
}

impl Vault {
    /// Writes a consistent copy of the database (as of one moment, even beside a writer) to
    /// `path`, which must not exist, for handing out as an evidence pack's copy of the log and its
    /// tables: without what is nobody else's to have and is not part of the log (each person's
    /// sealed private key, which a recipient could attack offline, and unsent drafts), so the
    /// copy still verifies.
    pub fn write_shareable_copy(&self, path: &std::path::Path) -> Result<(), VaultError> {
        let text = path.to_str().ok_or_else(|| VaultError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not UTF-8"),
        })?;
        self.db().execute("VACUUM INTO ?1", [text])?;
        let copy = rusqlite::Connection::open(path)?;
        // VACUUM again so the deleted pages are not left in the file.
        copy.execute_batch("DELETE FROM sealed_keys; DELETE FROM drafts; VACUUM;")?;
        Ok(())
    }

    /// How the seed of the draw recorded at `draw_seq` was fixed: jointly (with the preparation and
    /// the witness that fixed it), or by the drawer alone (an earlier format, or a demo vault).
    fn seed_derivation(&self, draw_seq: u64) -> Result<SeedDerivation, VaultError> {
        let alone = SeedDerivation {
            joint: false,
            prepared_by: None,
            prepared_seq: None,
            witnessed_by: None,
            witnessed_seq: None,
        };
        let Some(recorded) = self.event_at(draw_seq)? else { return Ok(alone) };
        let Ok(crate::Event::SampleDrawn { joint: Some(joint), .. }) =
            crate::event::decode(recorded.format, &recorded.kind, &recorded.payload)
        else {
            return Ok(alone);
        };
        let prepared_by = self.event_at(joint.prepared_seq)?.map(|e| e.actor);
        let witness: Option<(u64, String)> = self
            .db()
            .query_row(
                "SELECT seq, actor FROM events WHERE kind = 'draw_witnessed'
                 AND json_extract(payload, '$.prepared_seq') = ?1 ORDER BY seq LIMIT 1",
                [joint.prepared_seq],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(SeedDerivation {
            joint: true,
            prepared_by,
            prepared_seq: Some(joint.prepared_seq),
            witnessed_seq: witness.as_ref().map(|w| w.0),
            witnessed_by: witness.map(|w| w.1),
        })
    }

    /// Gathers the quarter's report from the vault as it stands now.
    pub fn quarter_report(&self, quarter: QuarterId) -> Result<QuarterReport, VaultError> {
        let status = self.status()?;
        let dashboard = self.quarter_dashboard(quarter)?;
        let quarter_text = quarter.to_string();
        // The dashboard already counted the quarter's complaints, department by department.
        let complaints: u64 = dashboard.departments.iter().map(|d| u64::from(d.complaints)).sum();
        let mut calls = Vec::with_capacity(dashboard.sample.assignments.len());
        for assignment in &dashboard.sample.assignments {
            let details = self.complaint_details(&assignment.complaint_number)?;
            let coverage = self.listening_coverage(&assignment.recording_hash, Some(&assignment.reviewer_id))?;
            let reflections = self.reflections(&assignment.complaint_number)?;
            calls.push(ReportCall {
                complaint_number: assignment.complaint_number.clone(),
                department: assignment.department.clone(),
                category: details.row.category.clone(),
                summary: details.row.summary.clone(),
                reviewer_name: assignment.reviewer_name.clone(),
                due_date: assignment.due_date.clone(),
                duration_ms: coverage.duration_ms,
                coverage_percent: assignment.coverage_percent,
                listened: assignment.listened,
                heard: coverage.heard,
                notes: self.notes(&assignment.complaint_number)?,
                reflection_signatures: {
                    let seqs: Vec<u64> = reflections.iter().map(|r| r.event_seq).collect();
                    self.signed_by(&seqs)?
                },
                reflections,
            });
        }
        let in_quarter: HashSet<String> = {
            let mut statement = self.db().prepare(
                "SELECT DISTINCT c.number FROM rectification_cases r JOIN complaints c ON c.number = r.complaint_number
                 WHERE c.quarter = ?1",
            )?;
            statement.query_map([&quarter_text], |row| row.get(0))?.collect::<Result<_, _>>()?
        };
        let mut rectification = Vec::with_capacity(in_quarter.len());
        for line in self.rectification_board(&RectificationFilter::default())? {
            if !in_quarter.contains(&line.complaint_number) {
                continue;
            }
            let view = self.rectification_view(&line.id)?;
            rectification.push(ReportCase {
                summary: line,
                actions: view.case.actions,
                progress: view.case.progress,
                verifications: view.case.verifications,
                evidence: view.evidence,
                names: view.names,
                step_events: view.step_events,
            });
        }
        let mut cases_by_state: BTreeMap<String, u32> = BTreeMap::new();
        for case in &rectification {
            *cases_by_state.entry(case.summary.state.as_str().to_owned()).or_default() += 1;
        }
        let president_heard: bool = self.db().query_row(
            "SELECT EXISTS (SELECT 1 FROM listening_spans p JOIN listening_sessions s ON s.id = p.session_id
             JOIN complaints c ON c.number = s.complaint_number JOIN people pe ON pe.id = s.person
             WHERE c.quarter = ?1 AND pe.role = 'president' AND p.end_ms > p.start_ms)",
            [&quarter_text],
            |row| row.get(0),
        )?;
        let sampled = dashboard.sample.assignments.len() as u32;
        let summary = ReportSummary {
            complaints,
            sampled,
            listened: calls.iter().filter(|c| c.listened).count() as u32,
            listened_percent: dashboard.listened_percent,
            reflected: calls.iter().filter(|c| !c.reflections.is_empty()).count() as u32,
            cases_by_state,
            cases_overdue: rectification.iter().filter(|c| !c.summary.overdue.is_empty()).count() as u32,
            president_heard,
        };
        Ok(QuarterReport {
            quarter: quarter_text.clone(),
            first_day: quarter.first_day().to_string(),
            last_day: quarter.last_day().to_string(),
            vault_id: status.vault_id,
            generated_by: self.actor().to_owned(),
            generated_at: crate::event::format_instant(self.clock().now()),
            head_seq: status.events,
            head_hash: status.head_hash,
            signed_checkpoint: match self.signer {
                Some(_) => Some(self.checkpoint_note()?.1.to_string()),
                None => None,
            },
            demo: status.demo,
            summary,
            seed_derivation: match &dashboard.sample.draw {
                Some(draw) => Some(self.seed_derivation(draw.event_seq)?),
                None => None,
            },
            sample: dashboard.sample,
            verify_sample_command: format!("tingjian sample verify --quarter {quarter_text}"),
            reviewers: dashboard.reviewers,
            departments: dashboard.departments,
            calls,
            rectification,
            handling: self.handling_metrics(quarter, REPORT_LISTED)?,
        })
    }
}
