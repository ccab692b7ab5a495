//! Listening sessions: the vault's proof of which stretches of a recording a person played.
//!
//! A session is three kinds of event: `listening_started`, then `listening_heard` every few
//! seconds with the spans played since the previous one, then `listening_ended`. A session that
//! never ends (the app crashed, the machine lost power) keeps every span flushed before that, and
//! shows as interrupted.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tingjian_core::analytics::{CallAnalytics, Interval};
use tingjian_core::listening::{ChannelMode, Coverage, HeardSpan, coverage};
use ts_rs::TS;

use crate::{Event, Vault, VaultError};

/// The shortest hash prefix accepted in place of a whole hash: long enough that a typo does not
/// silently pick some other call.
const MIN_HASH_PREFIX: usize = 6;

/// A recording found for playing, with what the player needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingTarget {
    pub hash: String,
    /// The complaint it was asked for by, or the one it is linked to.
    pub complaint_number: Option<String>,
    pub original_name: String,
    /// Where the bytes are in the vault's store.
    pub path: PathBuf,
    pub duration_ms: u64,
    pub channels: u16,
    /// Dead air found at import, for skip-silence.
    pub dead_air: Vec<Interval>,
}

/// One listening session as evidence: who, what, when, and exactly what was heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ListeningSessionReport {
    pub id: String,
    pub recording_hash: String,
    pub complaint_number: Option<String>,
    pub person: String,
    pub device: String,
    pub started_at: String,
    /// When the last spans were flushed: the end of what is known for an interrupted session.
    pub last_heard_at: String,
    /// `None` when the session was interrupted (crash, power loss).
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
    /// Every span played, in the order played; a span a flush cut in two is shown whole.
    pub spans: Vec<HeardSpan>,
    /// This session's coverage of the recording.
    pub coverage: Coverage,
}

impl Vault {
    /// Whether anyone has listened through the output device named `device` (the demo names its
    /// sessions' device so they are never mistaken for real ones).
    pub fn has_listened_on(&self, device: &str) -> Result<bool, VaultError> {
        Ok(self.db().query_row(
            "SELECT EXISTS (SELECT 1 FROM listening_sessions WHERE device = ?1)",
            [device],
            |row| row.get(0),
        )?)
    }

    /// Finds a recording by complaint number (its linked recording) or by hash (a unique prefix of
    /// at least six characters is enough).
    pub fn find_recording(&self, query: &str) -> Result<RecordingTarget, VaultError> {
        let query = query.trim();
        let linked: Option<String> = self
            .db()
            .query_row("SELECT recording_hash FROM complaints WHERE number = ?1", [query], |row| row.get(0))
            .optional()?
            .flatten();
        let (hash, complaint_number) = match linked {
            Some(hash) => (hash, Some(query.to_owned())),
            None => {
                let lower = query.to_ascii_lowercase();
                let is_hex = !lower.is_empty() && lower.bytes().all(|b| b.is_ascii_hexdigit());
                if !is_hex || lower.len() < MIN_HASH_PREFIX {
                    return Err(VaultError::RecordingNotFound { query: query.to_owned() });
                }
                let mut statement =
                    self.db().prepare("SELECT hash FROM recordings WHERE hash LIKE ?1 || '%' LIMIT 3")?;
                let matches: Vec<String> =
                    statement.query_map([&lower], |row| row.get(0))?.collect::<Result<_, _>>()?;
                match matches.as_slice() {
                    [] => return Err(VaultError::RecordingNotFound { query: query.to_owned() }),
                    [one] => {
                        let complaint: Option<String> = self
                            .db()
                            .query_row(
                                "SELECT number FROM complaints WHERE recording_hash = ?1 ORDER BY number LIMIT 1",
                                [one],
                                |row| row.get(0),
                            )
                            .optional()?;
                        (one.clone(), complaint)
                    }
                    _ => {
                        let count: usize = self.db().query_row(
                            "SELECT COUNT(*) FROM recordings WHERE hash LIKE ?1 || '%'",
                            [&lower],
                            |row| row.get(0),
                        )?;
                        return Err(VaultError::RecordingAmbiguous { query: query.to_owned(), count });
                    }
                }
            }
        };
        let (original_name, duration_ms, channels): (String, u64, u16) = self.db().query_row(
            "SELECT original_name, duration_ms, channels FROM recordings WHERE hash = ?1",
            [&hash],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let dead_air = self.recording_analytics(&hash)?.map(|a| a.dead_air).unwrap_or_default();
        Ok(RecordingTarget {
            path: self.audio().path_of(&hash),
            hash,
            complaint_number,
            original_name,
            duration_ms,
            channels,
            dead_air,
        })
    }

    /// The call analytics import stored with a recording. Analytics that do not parse (a tampered
    /// row, which verify reports) read as none: they cost the markers, never playback.
    pub fn recording_analytics(&self, hash: &str) -> Result<Option<CallAnalytics>, VaultError> {
        let json: Option<String> = self
            .db()
            .query_row("SELECT analytics FROM recordings WHERE hash = ?1", [hash], |row| row.get(0))
            .optional()?
            .flatten();
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Starts a listening session for the vault's current person; returns its id.
    pub fn start_listening(&mut self, target: &RecordingTarget, device: &str) -> Result<String, VaultError> {
        let session_id = self.fresh_id(&format!("listening/{}", target.hash))?;
        self.record(vec![Event::ListeningStarted {
            session_id: session_id.clone(),
            recording_hash: target.hash.clone(),
            complaint_number: target.complaint_number.clone(),
            device: device.to_owned(),
        }])?;
        Ok(session_id)
    }

    /// Records spans heard in an open session. Nothing is written when there is nothing new, so
    /// a paused player does not fill the log.
    pub fn record_heard(&mut self, session_id: &str, spans: Vec<HeardSpan>) -> Result<(), VaultError> {
        let spans: Vec<HeardSpan> = spans.into_iter().filter(|s| s.end_ms > s.start_ms).collect();
        if spans.is_empty() {
            return Ok(());
        }
        let duration_ms = self.open_session_duration(session_id)?;
        // A few milliseconds of slack: a device period can end just past the last decoded frame.
        if let Some(bad) = spans.iter().find(|s| s.end_ms > duration_ms + 50) {
            return Err(VaultError::SpanOutsideRecording { start_ms: bad.start_ms, end_ms: bad.end_ms, duration_ms });
        }
        self.record(vec![Event::ListeningHeard { session_id: session_id.to_owned(), spans }])?;
        Ok(())
    }

    /// Ends an open session, first recording any spans not yet flushed.
    pub fn end_listening(
        &mut self,
        session_id: &str,
        last_spans: Vec<HeardSpan>,
        reason: &str,
    ) -> Result<(), VaultError> {
        self.record_heard(session_id, last_spans)?;
        self.open_session_duration(session_id)?;
        self.record(vec![Event::ListeningEnded { session_id: session_id.to_owned(), reason: reason.to_owned() }])?;
        Ok(())
    }

    /// The duration of the recording an open session plays; an error if the session has ended.
    fn open_session_duration(&self, session_id: &str) -> Result<u64, VaultError> {
        self.db()
            .query_row(
                "SELECT r.duration_ms FROM listening_sessions s JOIN recordings r ON r.hash = s.recording_hash
                 WHERE s.id = ?1 AND s.ended_at IS NULL",
                [session_id],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| VaultError::ListeningSessionClosed { session_id: session_id.to_owned() })
    }

    /// One session as evidence.
    pub fn listening_session(&self, session_id: &str) -> Result<ListeningSessionReport, VaultError> {
        let mut sessions = self.sessions_where("s.id = ?1", params![session_id])?;
        sessions.pop().ok_or_else(|| VaultError::ListeningSessionClosed { session_id: session_id.to_owned() })
    }

    /// Every session on a recording, oldest first.
    pub fn listening_sessions(&self, recording_hash: &str) -> Result<Vec<ListeningSessionReport>, VaultError> {
        self.sessions_where("s.recording_hash = ?1", params![recording_hash])
    }

    /// How much of a recording has been heard, by everyone or by one person, over all sessions.
    pub fn listening_coverage(&self, recording_hash: &str, person: Option<&str>) -> Result<Coverage, VaultError> {
        let (duration_ms, channels): (u64, u16) = self
            .db()
            .query_row("SELECT duration_ms, channels FROM recordings WHERE hash = ?1", [recording_hash], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?
            .ok_or_else(|| VaultError::RecordingNotFound { query: recording_hash.to_owned() })?;
        let mut statement = self.db().prepare(
            "SELECT p.start_ms, p.end_ms, p.channel FROM listening_spans p
             JOIN listening_sessions s ON s.id = p.session_id
             WHERE s.recording_hash = ?1 AND (?2 IS NULL OR s.person = ?2) ORDER BY p.id",
        )?;
        let spans =
            statement.query_map(params![recording_hash, person], span_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(coverage(&spans, duration_ms, channels))
    }

    fn sessions_where(
        &self,
        condition: &str,
        arguments: impl rusqlite::Params,
    ) -> Result<Vec<ListeningSessionReport>, VaultError> {
        let mut statement = self.db().prepare(&format!(
            "SELECT s.id, s.recording_hash, s.complaint_number, s.person, s.device, s.started_at, s.last_heard_at,
             s.ended_at, s.end_reason, r.duration_ms, r.channels
             FROM listening_sessions s JOIN recordings r ON r.hash = s.recording_hash
             WHERE {condition} ORDER BY s.started_at, s.id"
        ))?;
        let heads = statement
            .query_map(arguments, |row| {
                Ok((
                    ListeningSessionReport {
                        id: row.get(0)?,
                        recording_hash: row.get(1)?,
                        complaint_number: row.get(2)?,
                        person: row.get(3)?,
                        device: row.get(4)?,
                        started_at: row.get(5)?,
                        last_heard_at: row.get(6)?,
                        ended_at: row.get(7)?,
                        end_reason: row.get(8)?,
                        spans: Vec::new(),
                        coverage: coverage(&[], 0, 2),
                    },
                    row.get::<_, u64>(9)?,
                    row.get::<_, u16>(10)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut spans_of = self
            .db()
            .prepare("SELECT start_ms, end_ms, channel FROM listening_spans WHERE session_id = ?1 ORDER BY id")?;
        heads
            .into_iter()
            .map(|(mut report, duration_ms, channels)| {
                let stored: Vec<HeardSpan> =
                    spans_of.query_map([&report.id], span_from_row)?.collect::<Result<_, _>>()?;
                report.spans = join_continuations(stored);
                report.coverage = coverage(&report.spans, duration_ms, channels);
                Ok(report)
            })
            .collect()
    }
}

/// Joins each span to the one before it when it carries straight on (same channel, starting where
/// the other ended): a flush cuts a stretch of listening in two, a person does not.
fn join_continuations(spans: Vec<HeardSpan>) -> Vec<HeardSpan> {
    let mut joined: Vec<HeardSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        match joined.last_mut() {
            Some(last) if last.channel == span.channel && last.end_ms == span.start_ms => last.end_ms = span.end_ms,
            _ => joined.push(span),
        }
    }
    joined
}

fn span_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<HeardSpan> {
    let channel: String = row.get(2)?;
    Ok(HeardSpan {
        start_ms: row.get(0)?,
        end_ms: row.get(1)?,
        // The column is only ever written from the enum, so anything else is a tampered row, which
        // verify reports; here it counts as both rather than failing the whole report.
        channel: ChannelMode::parse(&channel).unwrap_or_default(),
    })
}
