//! Rectification (整改) cases in the vault: each case's rules state is the core `Case`, kept as JSON
//! beside the columns the board filters on. Every step is a `rectification_step` event whose effect
//! is decided by `tingjian_core::rectification` when it is recorded and again when `verify` replays
//! it, so a step the rules refuse can neither be recorded nor smuggled into the log.

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tingjian_core::rectification::{
    ActionKind, Actor, Case, CaseAction, CaseState, Evidence, OverdueFlag, RectificationPolicy, Role, Severity, overdue,
};
use tingjian_core::time::in_branch_zone;
use ts_rs::TS;

use crate::event::RecordedEvent;
use crate::review::{ComplaintDetails, Note};
use crate::{Event, Vault, VaultError, column};

/// The rectification policy of this version. A policy a branch could change would be recorded in
/// the log (as the sampling policy is), so replaying old steps keeps using the values they had.
pub const POLICY: RectificationPolicy = RectificationPolicy { case_due_days: 30, verification_wait_days: 7 };

/// The largest evidence file accepted: scans and spreadsheets, not videos.
pub const EVIDENCE_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// The person with id `id` as the rules see them: their role (from the vault's people) and the
/// department a head answers for. Someone the vault does not know is a reviewer. The role is the
/// one they act as, so the screens, which compare it, see a legacy owner as a department head.
pub(crate) fn actor_in(conn: &Connection, id: &str) -> Result<Actor, VaultError> {
    let found: Option<(Role, Option<String>)> = conn
        .query_row("SELECT role, department FROM people WHERE id = ?1", [id], |row| {
            Ok((column::named(row, 0, Role::parse)?, row.get(1)?))
        })
        .optional()?;
    let (role, department) = found.unwrap_or((Role::Reviewer, None));
    Ok(Actor { id: id.to_owned(), role: role.acting_as(), department })
}

/// The branch's civil date of a log entry.
pub(crate) fn day_of(entry: &RecordedEvent) -> Date {
    entry.at.parse::<jiff::Timestamp>().map(|at| in_branch_zone(at).date()).unwrap_or(Date::MIN)
}

fn rules_json(seq: u64, case: &Case) -> Result<String, VaultError> {
    serde_json::to_string(case).map_err(|error| VaultError::Corrupt { seq, reason: error.to_string() })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_case(
    conn: &Connection,
    entry: &RecordedEvent,
    case: &Case,
    complaint_number: &str,
    recording_hash: Option<&str>,
    what_must_change: &str,
    note_ids: &[String],
    severity: Severity,
) -> Result<(), VaultError> {
    let note_ids = serde_json::to_string(note_ids)
        .map_err(|error| VaultError::Corrupt { seq: entry.seq, reason: error.to_string() })?;
    conn.execute(
        "INSERT INTO rectification_cases (id, complaint_number, recording_hash, department, what_must_change,
         note_ids, severity, due_date, state, opened_by, opened_at, rules, event_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            case.id,
            complaint_number,
            recording_hash,
            case.department,
            what_must_change,
            note_ids,
            severity.as_str(),
            case.due_on.map(|d| d.to_string()).unwrap_or_default(),
            case.state.as_str(),
            entry.actor,
            entry.at,
            rules_json(entry.seq, case)?,
            entry.seq
        ],
    )?;
    Ok(())
}

pub(crate) fn update_case(conn: &Connection, entry: &RecordedEvent, case: &Case) -> Result<(), VaultError> {
    conn.execute(
        "UPDATE rectification_cases SET state = ?1, due_date = ?2, rules = ?3, event_seq = ?4 WHERE id = ?5",
        params![
            case.state.as_str(),
            case.due_on.map(|d| d.to_string()).unwrap_or_default(),
            rules_json(entry.seq, case)?,
            entry.seq,
            case.id
        ],
    )?;
    Ok(())
}

pub(crate) fn case_in(conn: &Connection, case_id: &str) -> Result<Case, VaultError> {
    let rules: String = conn
        .query_row("SELECT rules FROM rectification_cases WHERE id = ?1", [case_id], |row| row.get(0))
        .optional()?
        .ok_or_else(|| VaultError::CaseNotFound { id: case_id.to_owned() })?;
    serde_json::from_str(&rules)
        .map_err(|error| VaultError::Corrupt { seq: 0, reason: format!("case {case_id} cannot be read: {error}") })
}

/// Which cases the board shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RectificationFilter {
    pub state: Option<CaseState>,
    pub department: Option<String>,
    /// Only cases with something late.
    pub overdue: bool,
    /// Only the cases of the current person's department (a department head's list).
    pub mine: bool,
}

/// One line of the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RectificationSummary {
    pub id: String,
    pub complaint_number: String,
    pub department: String,
    pub what_must_change: String,
    pub severity: Severity,
    pub state: CaseState,
    /// `YYYY-MM-DD`, empty for a draft.
    pub due_date: String,
    pub opened_at: String,
    pub opened_by: String,
    pub opened_by_name: String,
    pub actions_total: u32,
    pub actions_done: u32,
    pub overdue: Vec<OverdueFlag>,
}

/// A file attached to a case, with where the app can open a copy of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EvidenceFile {
    pub hash: String,
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A case whole, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RectificationView {
    pub summary: RectificationSummary,
    pub case: Case,
    pub complaint: Option<ComplaintDetails>,
    pub recording_hash: Option<String>,
    /// The notes on the call that show the problem.
    pub notes: Vec<Note>,
    pub evidence: Vec<EvidenceFile>,
    /// The current person as the rules see them, and the steps they may take now.
    pub me: Actor,
    pub available: Vec<ActionKind>,
    /// Display names of everyone the case mentions, by id.
    pub names: std::collections::BTreeMap<String, String>,
    /// The audit events of the case in order: the one that required or drafted it, then one per
    /// line of `case.history`. Their signatures are the "signed by" lines of the history.
    #[ts(type = "Array<number>")]
    pub step_events: Vec<u64>,
}

const SUMMARY_COLUMNS: &str = "c.id, c.complaint_number, c.department, c.what_must_change, c.severity, c.due_date,
     c.opened_at, c.opened_by, COALESCE(p.display_name, c.opened_by), c.rules";

impl Vault {
    /// Today in the branch's zone, by the vault's clock.
    fn today(&self) -> Date {
        in_branch_zone(self.clock().now()).date()
    }

    /// The current person as the rectification rules see them.
    pub fn rectification_actor(&self) -> Result<Actor, VaultError> {
        actor_in(self.db(), self.actor())
    }

    fn summary_from_row(&self, row: &rusqlite::Row<'_>, today: Date) -> rusqlite::Result<(RectificationSummary, Case)> {
        let rules: String = row.get(9)?;
        let case: Case = serde_json::from_str(&rules).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(error))
        })?;
        let summary = RectificationSummary {
            id: row.get(0)?,
            complaint_number: row.get(1)?,
            department: row.get(2)?,
            what_must_change: row.get(3)?,
            severity: column::named(row, 4, Severity::parse)?,
            state: case.state,
            due_date: row.get(5)?,
            opened_at: row.get(6)?,
            opened_by: row.get(7)?,
            opened_by_name: row.get(8)?,
            actions_total: case.actions.len() as u32,
            actions_done: case.actions.iter().filter(|a| a.is_done()).count() as u32,
            overdue: overdue(&case, today, &POLICY),
        };
        Ok((summary, case))
    }

    /// The cases matching `filter`: late ones first (the latest first), then by due date.
    pub fn rectification_board(&self, filter: &RectificationFilter) -> Result<Vec<RectificationSummary>, VaultError> {
        let today = self.today();
        let me = self.rectification_actor()?;
        let mut statement = self.db().prepare(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM rectification_cases c LEFT JOIN people p ON p.id = c.opened_by
             ORDER BY c.due_date, c.opened_at, c.id"
        ))?;
        let rows = statement.query_map([], |row| self.summary_from_row(row, today))?;
        // A draft is the coordinator's work in progress: the department sees the case once issued.
        let sees_drafts = me.role != Role::DepartmentHead;
        let mut found = Vec::new();
        for row in rows {
            let (summary, _) = row?;
            let keep = (sees_drafts || summary.state != CaseState::Draft)
                && filter.state.is_none_or(|state| summary.state == state)
                && filter.department.as_deref().is_none_or(|d| d.is_empty() || summary.department == d)
                && (!filter.overdue || !summary.overdue.is_empty())
                && (!filter.mine || me.department.as_deref() == Some(summary.department.as_str()));
            if keep {
                found.push(summary);
            }
        }
        let lateness = |s: &RectificationSummary| {
            s.overdue
                .iter()
                .map(|flag| match flag {
                    OverdueFlag::ActionOverdue { days_late, .. } | OverdueFlag::CaseOverdue { days_late, .. } => {
                        *days_late
                    }
                    OverdueFlag::AwaitingVerification { days_waiting, .. } => *days_waiting,
                })
                .max()
        };
        // Stable: within "not late", the SQL order (due date) stays.
        found.sort_by_key(|s| std::cmp::Reverse(lateness(s)));
        Ok(found)
    }

    /// One case whole.
    pub fn rectification_view(&self, case_id: &str) -> Result<RectificationView, VaultError> {
        let today = self.today();
        let (summary, case, recording_hash, note_ids) = self
            .db()
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, c.recording_hash, c.note_ids FROM rectification_cases c
                     LEFT JOIN people p ON p.id = c.opened_by WHERE c.id = ?1"
                ),
                [case_id],
                |row| {
                    let (summary, case) = self.summary_from_row(row, today)?;
                    Ok((summary, case, row.get::<_, Option<String>>(10)?, row.get::<_, String>(11)?))
                },
            )
            .optional()?
            .ok_or_else(|| VaultError::CaseNotFound { id: case_id.to_owned() })?;
        let note_ids: Vec<String> = serde_json::from_str(&note_ids).unwrap_or_default();
        let notes = self.notes(&summary.complaint_number)?.into_iter().filter(|n| note_ids.contains(&n.id)).collect();
        let complaint = self.complaint_details(&summary.complaint_number).ok();
        let mut statement =
            self.db().prepare("SELECT hash, name, bytes FROM evidence_files WHERE case_id = ?1 ORDER BY event_seq")?;
        let evidence = statement
            .query_map([case_id], |row| Ok(EvidenceFile { hash: row.get(0)?, name: row.get(1)?, bytes: row.get(2)? }))?
            .collect::<Result<_, _>>()?;
        let me = self.rectification_actor()?;
        let available = case.available_to(&me);
        let mut statement = self.db().prepare("SELECT id, display_name FROM people")?;
        let names = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut statement = self.db().prepare_cached(
            "SELECT seq FROM events
             WHERE kind IN ('rectification_required', 'rectification_drafted', 'rectification_step')
             AND json_extract(payload, '$.case_id') = ?1 ORDER BY seq",
        )?;
        let step_events = statement.query_map([case_id], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(RectificationView {
            summary,
            case,
            complaint,
            recording_hash,
            notes,
            evidence,
            me,
            available,
            names,
            step_events,
        })
    }

    /// Prepares a case by hand (coordinator or president): a draft, issued by an `open` step.
    pub fn draft_rectification(
        &mut self,
        request: &crate::RectificationRequest,
    ) -> Result<RectificationView, VaultError> {
        let number = request.complaint_number.as_str();
        self.complaint_details(number)?;
        let case_id = self.fresh_id(&format!("rectification/{number}"))?;
        self.record(vec![Event::RectificationDrafted {
            case_id: case_id.clone(),
            complaint_number: number.to_owned(),
            department: request.department.trim().to_owned(),
            what_must_change: request.what_must_change.trim().to_owned(),
            note_ids: request.note_ids.clone(),
            severity: request.severity,
        }])?;
        self.rectification_view(&case_id)
    }

    /// Takes a step on a case as the current person; refused (and nothing recorded) when the
    /// rules do not allow it.
    pub fn rectification_step(&mut self, case_id: &str, step: CaseAction) -> Result<RectificationView, VaultError> {
        self.record(vec![Event::RectificationStep { case_id: case_id.to_owned(), step }])?;
        self.rectification_view(case_id)
    }

    /// Logs progress on action `action` (numbered from 0) with evidence files, which are hashed and
    /// copied into the vault first; the files and the entry are recorded together or not at all.
    pub fn log_rectification_progress(
        &mut self,
        case_id: &str,
        action: u32,
        text: &str,
        files: &[PathBuf],
        marks_done: bool,
    ) -> Result<RectificationView, VaultError> {
        let mut events = Vec::new();
        let mut evidence = Vec::new();
        let mut copied = Vec::new();
        for path in files {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let size = std::fs::metadata(path).map_err(|source| VaultError::Io { path: path.clone(), source })?.len();
            if !path.is_file() || size > EVIDENCE_MAX_BYTES {
                return Err(VaultError::Refused {
                    message_zh: format!(
                        "{}：不是文件，或超过 {} MB，不能作为证据",
                        path.display(),
                        EVIDENCE_MAX_BYTES >> 20
                    ),
                    message_en: format!(
                        "{}: not a file, or larger than {} MB; it cannot be attached as evidence",
                        path.display(),
                        EVIDENCE_MAX_BYTES >> 20
                    ),
                });
            }
            let stored = self.evidence().put(path)?;
            if stored.newly_stored {
                copied.push(stored.hash.clone());
            }
            events.push(Event::EvidenceStored {
                case_id: case_id.to_owned(),
                hash: stored.hash.clone(),
                name: name.clone(),
                bytes: stored.bytes,
            });
            evidence.push(Evidence { hash: stored.hash, name });
        }
        events.push(Event::RectificationStep {
            case_id: case_id.to_owned(),
            step: CaseAction::LogProgress { action, text: text.to_owned(), evidence, marks_done },
        });
        if let Err(error) = self.record(events) {
            // The step was refused, so no event refers to the files copied for it: they go again,
            // rather than stay in the store as files nobody recorded (which `verify` reports).
            for hash in copied {
                let _ = std::fs::remove_file(self.evidence().path_of(&hash));
            }
            return Err(error);
        }
        self.rectification_view(case_id)
    }

    /// A read-only copy of an evidence file under its own name in `dir` (so the system opens it
    /// with the right program). The stored file's hash is checked before copying and the copy's
    /// after, so what the viewer opens is what was attached. `dir` should be private to the person
    /// (the app makes one per run, 0700, and removes it at exit).
    pub fn evidence_copy(&self, hash: &str, dir: &Path) -> Result<PathBuf, VaultError> {
        let name: String = self
            .db()
            .query_row("SELECT name FROM evidence_files WHERE hash = ?1", [hash], |row| row.get(0))
            .optional()?
            .ok_or_else(|| VaultError::CaseNotFound { id: hash.to_owned() })?;
        let source = self.evidence().path_of(hash);
        let altered = || VaultError::Corrupt { seq: 0, reason: format!("evidence file {name} was altered") };
        if crate::ContentStore::hash_file(&source)?.0 != hash {
            return Err(altered());
        }
        let folder = dir.join(&hash[..hash.len().min(12)]);
        crate::private::create_dir(&folder).map_err(|source| VaultError::from_io(&folder, source))?;
        let target = folder.join(Path::new(&name).file_name().unwrap_or(std::ffi::OsStr::new("evidence")));
        // A copy left read-only by an earlier opening is replaced, not written through.
        if target.exists() {
            std::fs::remove_file(&target).map_err(|source| VaultError::Io { path: target.clone(), source })?;
        }
        std::fs::copy(&source, &target).map_err(|source| VaultError::Io { path: target.clone(), source })?;
        crate::private::make_read_only(&target).map_err(|source| VaultError::Io { path: target.clone(), source })?;
        if crate::ContentStore::hash_file(&target)?.0 != hash {
            let _ = std::fs::remove_file(&target);
            return Err(altered());
        }
        Ok(target)
    }
}
