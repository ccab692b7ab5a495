//! What a reviewer writes about a complaint call: notes pinned to moments of the call, the
//! reflection (总结反思) with its draft, reveals of personal data, and the requirement that the
//! responsible department rectify (整改).
//!
//! Everything here except drafts is an event in the audit log. A draft is saved as the person
//! types, outside the log, because it is not yet anything the person has said; submitting it is.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tingjian_core::personal::mask_phone;
use tingjian_core::rectification::Severity;
use tingjian_core::time::in_branch_zone;
use ts_rs::TS;

use crate::{ComplaintQuery, ComplaintRow, Event, Vault, VaultError, column};

/// The longest note kept: a note is a pointer to a moment, not an essay.
pub const NOTE_MAX_CHARS: usize = 2_000;
/// The longest reflection or rectification text kept.
pub const TEXT_MAX_CHARS: usize = 20_000;

/// A note pinned to a moment of a complaint's call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Note {
    pub id: String,
    pub complaint_number: String,
    pub recording_hash: String,
    pub person: String,
    /// The author's display name, or their id when the vault does not know them.
    pub person_name: String,
    #[ts(type = "number")]
    pub at_ms: u64,
    pub text: String,
    pub created_at: String,
    /// When the author last changed it; earlier texts stay in the log.
    pub edited_at: Option<String>,
    /// The audit event that last wrote it (added or edited): its signature is the note's "signed
    /// by" line.
    #[ts(type = "number")]
    pub event_seq: u64,
}

/// A submitted reflection: never changed once submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reflection {
    pub id: String,
    pub complaint_number: String,
    pub person: String,
    /// The author's display name, or their id when the vault does not know them.
    pub person_name: String,
    pub text: String,
    pub submitted_at: String,
    /// The audit event that recorded it: its signature is the reflection's "signed by" line.
    #[ts(type = "number")]
    pub event_seq: u64,
}

/// Text saved while it is being written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Draft {
    pub text: String,
    pub saved_at: String,
}

/// A complaint's personal data, unmasked, as shown after a recorded reveal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PersonalData {
    pub complaint_number: String,
    pub customer_name: String,
    pub phone: String,
    /// The audit event that recorded the reveal.
    #[ts(type = "number")]
    pub event_seq: u64,
}

/// What a reviewer asks of the responsible department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RectificationRequest {
    pub complaint_number: String,
    pub department: String,
    pub what_must_change: String,
    /// Notes on the call that show the problem.
    pub note_ids: Vec<String>,
    pub severity: Severity,
    /// `YYYY-MM-DD`; `None` gives the policy's days from today in the branch's zone.
    #[ts(optional)]
    pub due_date: Option<String>,
}

/// A complaint as the review screen shows it beside the call: its library row (personal data
/// masked) and what only the review screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ComplaintDetails {
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: ComplaintRow,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    /// `138****1234`.
    pub phone_masked: String,
}

/// A rectification case as the review screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RectificationCase {
    pub id: String,
    pub complaint_number: String,
    pub recording_hash: Option<String>,
    pub department: String,
    pub what_must_change: String,
    pub note_ids: Vec<String>,
    pub severity: Severity,
    pub due_date: String,
    pub state: String,
    pub opened_by: String,
    pub opened_at: String,
}

/// The text trimmed, or a refusal naming what was empty or too long.
pub(crate) fn checked_text(text: &str, max: usize, what_zh: &str, what_en: &str) -> Result<String, VaultError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(VaultError::refused(format!("{what_zh}不能为空"), format!("the {what_en} is empty")));
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(VaultError::refused(
            format!("{what_zh}有 {chars} 个字，最多 {max} 个字"),
            format!("the {what_en} has {chars} characters; at most {max} are kept"),
        ));
    }
    Ok(text.to_owned())
}

/// A person's display name by id, falling back to the id, as an SQL expression over `column`.
fn display_name(column: &str) -> String {
    format!("COALESCE((SELECT display_name FROM people WHERE id = {column}), {column})")
}

fn note_columns() -> String {
    format!(
        "id, complaint_number, recording_hash, person, at_ms, text, created_at, edited_at, {}, event_seq",
        display_name("person")
    )
}

fn note_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: row.get(0)?,
        complaint_number: row.get(1)?,
        recording_hash: row.get(2)?,
        person: row.get(3)?,
        at_ms: row.get(4)?,
        text: row.get(5)?,
        created_at: row.get(6)?,
        edited_at: row.get(7)?,
        person_name: row.get(8)?,
        event_seq: row.get(9)?,
    })
}

/// The draft key of a person's reflection on a complaint.
fn reflection_draft_key(complaint_number: &str) -> String {
    format!("reflection/{complaint_number}")
}

impl Vault {
    /// An id for a new record: unique within the vault because it hashes the chain head, the
    /// person, the moment and what the record is about.
    pub(crate) fn fresh_id(&self, about: &str) -> Result<String, VaultError> {
        let head: String =
            self.db().query_row("SELECT hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(head.as_bytes());
        hasher.update(about.as_bytes());
        hasher.update(self.actor().as_bytes());
        hasher.update(self.clock().now().as_nanosecond().to_le_bytes().as_slice());
        hasher.update(&std::process::id().to_le_bytes());
        Ok(hasher.finalize().to_hex()[..20].to_owned())
    }

    /// The complaint's linked recording and its length, or why there is no such complaint.
    fn complaint_recording(&self, complaint_number: &str) -> Result<Option<(String, u64)>, VaultError> {
        let found: Option<(Option<String>, Option<u64>)> = self
            .db()
            .query_row(
                "SELECT c.recording_hash, r.duration_ms FROM complaints c
                 LEFT JOIN recordings r ON r.hash = c.recording_hash WHERE c.number = ?1",
                [complaint_number],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        match found {
            None => Err(VaultError::ComplaintNotFound { number: complaint_number.to_owned() }),
            Some((Some(hash), Some(duration))) => Ok(Some((hash, duration))),
            Some(_) => Ok(None),
        }
    }

    /// A complaint's details with personal data masked.
    pub fn complaint_details(&self, complaint_number: &str) -> Result<ComplaintDetails, VaultError> {
        let query = ComplaintQuery { number: Some(complaint_number.to_owned()), ..Default::default() };
        let row = self
            .complaints(&query)?
            .into_iter()
            .next()
            .ok_or_else(|| VaultError::ComplaintNotFound { number: complaint_number.to_owned() })?;
        let (first_response_at, resolved_at, phone) = self.db().query_row(
            "SELECT first_response_at, resolved_at, phone FROM complaints WHERE number = ?1",
            [complaint_number],
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)),
        )?;
        Ok(ComplaintDetails { row, first_response_at, resolved_at, phone_masked: mask_phone(&phone) })
    }

    /// Pins a note to the moment `at_ms` of a complaint's call, for the current person.
    pub fn add_note(&mut self, complaint_number: &str, at_ms: u64, text: &str) -> Result<Note, VaultError> {
        let text = checked_text(text, NOTE_MAX_CHARS, "笔记", "note")?;
        let Some((recording_hash, duration_ms)) = self.complaint_recording(complaint_number)? else {
            return Err(VaultError::refused(
                format!("投诉 {complaint_number} 没有录音，笔记要对应录音中的时刻"),
                format!("complaint {complaint_number} has no recording to pin a note to"),
            ));
        };
        let note_id = self.fresh_id(&format!("note/{complaint_number}/{at_ms}"))?;
        self.record(vec![Event::NoteAdded {
            note_id: note_id.clone(),
            complaint_number: complaint_number.to_owned(),
            recording_hash,
            at_ms: at_ms.min(duration_ms),
            text,
        }])?;
        self.note(&note_id)
    }

    /// Changes a note's text or moment; only its author may.
    pub fn edit_note(&mut self, note_id: &str, at_ms: u64, text: &str) -> Result<Note, VaultError> {
        let text = checked_text(text, NOTE_MAX_CHARS, "笔记", "note")?;
        let note = self.note(note_id)?;
        if note.person != self.actor() {
            return Err(VaultError::NotTheAuthor { id: note.id, author: note.person });
        }
        let duration_ms = self.complaint_recording(&note.complaint_number)?.map_or(at_ms, |(_, duration)| duration);
        let at_ms = at_ms.min(duration_ms);
        if note.text == text && note.at_ms == at_ms {
            return Ok(note);
        }
        self.record(vec![Event::NoteEdited { note_id: note_id.to_owned(), at_ms, text }])?;
        self.note(note_id)
    }

    pub fn note(&self, note_id: &str) -> Result<Note, VaultError> {
        self.db()
            .query_row(&format!("SELECT {} FROM notes WHERE id = ?1", note_columns()), [note_id], note_from_row)
            .optional()?
            .ok_or_else(|| VaultError::NoteNotFound { id: note_id.to_owned() })
    }

    /// Every note on a complaint's call, by everyone, in the order of the call.
    pub fn notes(&self, complaint_number: &str) -> Result<Vec<Note>, VaultError> {
        let mut statement = self.db().prepare(&format!(
            "SELECT {} FROM notes WHERE complaint_number = ?1 ORDER BY at_ms, created_at, id",
            note_columns()
        ))?;
        let notes = statement.query_map([complaint_number], note_from_row)?;
        // Identifying numbers in a note are masked for everyone but its author, who edits it.
        notes
            .map(|note| {
                let mut note = note?;
                if note.person != self.actor {
                    note.text = tingjian_core::personal::mask_identifiers(&note.text);
                }
                Ok(note)
            })
            .collect()
    }

    /// Saves the current person's reflection draft on a complaint; an empty text removes it.
    /// Written at once and synchronously (the vault runs with `synchronous = FULL`), so a crash or
    /// a power cut right after keeps it.
    pub fn save_reflection_draft(&mut self, complaint_number: &str, text: &str) -> Result<Draft, VaultError> {
        self.complaint_recording(complaint_number)?;
        let saved_at = crate::event::format_instant(self.clock().now());
        let key = reflection_draft_key(complaint_number);
        if text.trim().is_empty() {
            self.writer.drop_draft(&self.actor, &key)?;
        } else {
            self.writer.keep_draft(&self.actor, &key, text, &saved_at)?;
        }
        Ok(Draft { text: text.to_owned(), saved_at })
    }

    /// The current person's reflection draft on a complaint, if one is saved.
    pub fn reflection_draft(&self, complaint_number: &str) -> Result<Option<Draft>, VaultError> {
        Ok(self
            .db()
            .query_row(
                "SELECT text, saved_at FROM drafts WHERE person = ?1 AND key = ?2",
                params![self.actor(), reflection_draft_key(complaint_number)],
                |row| Ok(Draft { text: row.get(0)?, saved_at: row.get(1)? }),
            )
            .optional()?)
    }

    /// Submits the current person's reflection on a complaint as an event, and clears their draft.
    pub fn submit_reflection(&mut self, complaint_number: &str, text: &str) -> Result<Reflection, VaultError> {
        let text = checked_text(text, TEXT_MAX_CHARS, "总结反思", "reflection")?;
        self.complaint_recording(complaint_number)?;
        let reflection_id = self.fresh_id(&format!("reflection/{complaint_number}"))?;
        self.record(vec![Event::ReflectionSubmitted {
            reflection_id: reflection_id.clone(),
            complaint_number: complaint_number.to_owned(),
            text,
        }])?;
        // The draft goes only after the submission is committed: a crash in between leaves both,
        // never neither.
        self.writer.drop_draft(&self.actor, &reflection_draft_key(complaint_number))?;
        self.reflections(complaint_number)?
            .into_iter()
            .find(|r| r.id == reflection_id)
            .ok_or_else(|| VaultError::Corrupt { seq: 0, reason: "a submitted reflection was not kept".into() })
    }

    /// Every reflection submitted on a complaint, oldest first.
    pub fn reflections(&self, complaint_number: &str) -> Result<Vec<Reflection>, VaultError> {
        let mut statement = self.db().prepare(&format!(
            "SELECT id, complaint_number, person, text, submitted_at, {}, event_seq FROM reflections
             WHERE complaint_number = ?1 ORDER BY event_seq",
            display_name("person")
        ))?;
        let rows = statement.query_map([complaint_number], |row| {
            Ok(Reflection {
                id: row.get(0)?,
                complaint_number: row.get(1)?,
                person: row.get(2)?,
                text: row.get(3)?,
                submitted_at: row.get(4)?,
                person_name: row.get(5)?,
                event_seq: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Shows a complaint's personal data whole, after recording who asked, when and why.
    pub fn reveal_personal_data(&mut self, complaint_number: &str, reason: &str) -> Result<PersonalData, VaultError> {
        let reason = checked_text(reason, NOTE_MAX_CHARS, "查看原因", "reason")?;
        self.complaint_recording(complaint_number)?;
        let recorded =
            self.record(vec![Event::PersonalDataRevealed { complaint_number: complaint_number.to_owned(), reason }])?;
        let (customer_name, phone) = self.db().query_row(
            "SELECT customer_name, phone FROM complaints WHERE number = ?1",
            [complaint_number],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(PersonalData {
            complaint_number: complaint_number.to_owned(),
            customer_name,
            phone,
            event_seq: recorded.first().map_or(0, |e| e.seq),
        })
    }

    /// Opens a rectification case for the responsible department, from a review.
    pub fn require_rectification(&mut self, request: &RectificationRequest) -> Result<RectificationCase, VaultError> {
        let number = request.complaint_number.as_str();
        let recording_hash = self.complaint_recording(number)?.map(|(hash, _)| hash);
        let department = request.department.trim();
        if department.is_empty() {
            return Err(VaultError::refused(
                "请指定负责整改的部门",
                "name the department responsible for the rectification",
            ));
        }
        let what_must_change = checked_text(&request.what_must_change, TEXT_MAX_CHARS, "整改要求", "requirement")?;
        for note_id in &request.note_ids {
            let note = self.note(note_id)?;
            if note.complaint_number != number {
                return Err(VaultError::refused(
                    format!("笔记 {note_id} 属于投诉 {}，不是 {number}", note.complaint_number),
                    format!("note {note_id} is on complaint {}, not {number}", note.complaint_number),
                ));
            }
        }
        let today = in_branch_zone(self.clock().now()).date();
        let due_date = match request.due_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => crate::rectification::POLICY.default_due_on(today),
            Some(text) => {
                let date: jiff::civil::Date = text.parse().map_err(|_| {
                    VaultError::refused(
                        format!("整改期限“{text}”不是有效日期（格式 YYYY-MM-DD）"),
                        format!("due date \"{text}\" is not a date (YYYY-MM-DD)"),
                    )
                })?;
                if date < today {
                    return Err(VaultError::refused(
                        format!("整改期限 {date} 早于今天 {today}"),
                        format!("due date {date} is before today ({today})"),
                    ));
                }
                date
            }
        };
        let case_id = self.fresh_id(&format!("rectification/{number}"))?;
        self.record(vec![Event::RectificationRequired {
            case_id: case_id.clone(),
            complaint_number: number.to_owned(),
            recording_hash,
            department: department.to_owned(),
            what_must_change,
            note_ids: request.note_ids.clone(),
            severity: request.severity,
            due_date: due_date.to_string(),
        }])?;
        self.rectification_cases(number)?
            .into_iter()
            .find(|c| c.id == case_id)
            .ok_or_else(|| VaultError::Corrupt { seq: 0, reason: "an opened rectification case was not kept".into() })
    }

    /// The rectification cases opened for a complaint, oldest first.
    pub fn rectification_cases(&self, complaint_number: &str) -> Result<Vec<RectificationCase>, VaultError> {
        let mut statement = self.db().prepare(
            "SELECT id, complaint_number, recording_hash, department, what_must_change, note_ids, severity,
                    due_date, state, opened_by, opened_at
             FROM rectification_cases WHERE complaint_number = ?1 ORDER BY event_seq",
        )?;
        let rows = statement.query_map([complaint_number], |row| {
            let note_ids: String = row.get(5)?;
            Ok(RectificationCase {
                id: row.get(0)?,
                complaint_number: row.get(1)?,
                recording_hash: row.get(2)?,
                department: row.get(3)?,
                what_must_change: row.get(4)?,
                note_ids: serde_json::from_str(&note_ids).unwrap_or_default(),
                severity: column::named(row, 6, Severity::parse)?,
                due_date: row.get(7)?,
                state: row.get(8)?,
                opened_by: row.get(9)?,
                opened_at: row.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
