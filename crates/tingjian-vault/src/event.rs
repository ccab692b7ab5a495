//! Events and the hash chain that links them.
//!
//! An event's hash is SHA-256 over a fixed text form of its fields (see [`chain_hash`]), so an
//! auditor can recompute it with nothing but `sqlite3` and `sha256sum`:
//!
//! ```text
//! tingjian-event-v{format}\n{seq}\n{prev_hash}\n{at}\n{actor}\n{kind}\n{payload_sha256}\n
//! ```
//!
//! `format` is the event's `format` column: 1 for the unsigned events of a vault without accounts,
//! 2 for the signed events written once its accounts have started, whose signature (in the
//! `signature` column, outside the hash) is over [`signed_message`] of the hash.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tingjian_core::listening::HeardSpan;
use tingjian_core::model::{Complaint, Person, Recording};
use tingjian_core::{QuarterId, QuarterState};
use tingjian_sampling::{Draw, Policy};
use tingjian_signing::PersonKey;

use crate::VaultError;

/// The `prev_hash` of the first event.
pub const GENESIS_PREV_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A state change. The payload stored in the log is this value as JSON, and applying it to the
/// domain tables is deterministic, so replaying the log rebuilds the tables exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    VaultCreated {
        vault_id: String,
        created_by: String,
    },
    PersonAdded {
        person: Person,
    },
    QuarterSet {
        quarter: QuarterId,
        state: QuarterState,
    },
    RecordingStored {
        recording: Recording,
    },
    /// A complaint seen for the first time, or seen again with different content.
    ComplaintRecorded {
        complaint: Complaint,
    },
    RecordingLinked {
        complaint_number: String,
        recording_hash: String,
    },
    /// A person corrected how the export's columns map to fields and kept it for next time:
    /// header → standard field name, or `None` for a column not imported.
    ImportMappingSaved {
        mapping: std::collections::BTreeMap<String, Option<String>>,
    },
    /// Every import run, even one that found nothing new, so the log shows who imported what and
    /// when.
    ImportFinished {
        source: String,
        complaints_added: u64,
        recordings_added: u64,
        links_added: u64,
        /// BLAKE3 of the export file's bytes, so the exact export can be matched later.
        #[serde(default)]
        manifest_blake3: String,
        #[serde(default)]
        rejected: u64,
        #[serde(default)]
        warnings: u64,
    },
    /// A person (the event's actor) began listening to a recording.
    ListeningStarted {
        session_id: String,
        recording_hash: String,
        /// The complaint the recording was opened for, when it was opened through one.
        complaint_number: Option<String>,
        /// The output device, so an auditor can tell a headset from a loudspeaker.
        device: String,
    },
    /// Stretches of the recording played out audibly since the session's previous flush. A
    /// session is flushed every few seconds, so a crash loses at most that much.
    ListeningHeard {
        session_id: String,
        spans: Vec<HeardSpan>,
    },
    /// The session ended: `reason` is `stopped`, `finished`, `device_lost` or `closed`.
    ListeningEnded {
        session_id: String,
        reason: String,
    },
    /// The sampling policy a quarter is drawn with (the whole policy, replacing the previous one).
    SamplingPolicySet {
        quarter: QuarterId,
        policy: Policy,
    },
    /// A draw, whole: its inputs (seed, policy, moment, population fingerprint) and its sample with
    /// the assignments. Who drew it is the event's actor. A later draw of the same quarter
    /// supersedes this one in the tables; this event stays in the log.
    SampleDrawn {
        quarter: QuarterId,
        draw: Draw,
        /// How the seed was fixed when two people drew it (event format 3 on a vault that is not
        /// a demo): the preparation it reveals the share of. Absent on earlier draws, whose seed
        /// came from the drawer's computer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        joint: Option<JointSeed>,
    },
    /// A coordinator put a complaint into the quarter's sample by hand, with a reason.
    SampleAddedByHand {
        quarter: QuarterId,
        complaint_number: String,
        recording_hash: String,
        department: String,
        reviewer_id: String,
        reason: String,
        due_date: String,
    },
    /// A reviewer (the actor) pinned a note to a moment of a complaint's call.
    NoteAdded {
        note_id: String,
        complaint_number: String,
        recording_hash: String,
        at_ms: u64,
        text: String,
    },
    /// The note's author changed its text or moment. The earlier text stays in the log.
    NoteEdited {
        note_id: String,
        at_ms: u64,
        text: String,
    },
    /// A reviewer submitted their reflection (总结反思) on a complaint. It never changes: a later
    /// submission is a new reflection.
    ReflectionSubmitted {
        reflection_id: String,
        complaint_number: String,
        text: String,
    },
    /// A person was shown a complaint's personal data unmasked.
    PersonalDataRevealed {
        complaint_number: String,
        reason: String,
    },
    /// A reviewer required rectification (整改) of a complaint: a case is opened for the
    /// responsible department.
    RectificationRequired {
        case_id: String,
        complaint_number: String,
        recording_hash: Option<String>,
        department: String,
        what_must_change: String,
        /// The notes that show the problem in the call.
        note_ids: Vec<String>,
        severity: tingjian_core::rectification::Severity,
        due_date: String,
    },
    /// The coordinator or the president prepared a rectification case by hand (a draft, issued
    /// to the department by an `open` step).
    RectificationDrafted {
        case_id: String,
        complaint_number: String,
        department: String,
        what_must_change: String,
        note_ids: Vec<String>,
        severity: tingjian_core::rectification::Severity,
    },
    /// A step of a rectification case, by the event's actor on the day of the event: the rules
    /// in `tingjian_core::rectification` decide whether it is allowed and what it changes, both
    /// when it is recorded and when `verify` replays it.
    RectificationStep {
        case_id: String,
        step: tingjian_core::rectification::CaseAction,
    },
    /// A file attached to a case's progress log, copied into the vault's evidence store.
    EvidenceStored {
        case_id: String,
        hash: String,
        name: String,
        bytes: u64,
    },
    /// `tingjian demo` filled this vault with synthetic people and calls: from this event on it is
    /// a demo vault, which the app shows and which no real quarter should be kept in. It is in
    /// the chain so the mark cannot be removed without `verify` noticing.
    DemoDataAdded {
        /// The seed the synthetic calls were generated with.
        seed: u64,
    },
    /// The vault's first account: a coordinator or president enrolled themselves with a key made
    /// on this machine. Allowed once, while the vault has no key, and signed by the key it
    /// introduces (which proves the enroller holds it). From this event on every event must be
    /// signed (event format 2).
    AccountsStarted {
        person: Person,
        /// The ed25519 public key, standard base64.
        public_key: String,
    },
    /// A key for a person, which replaces (revokes) the one they had: made when a coordinator or
    /// president enrolled them or reset a forgotten passphrase (sealed by a one-time passphrase),
    /// or made when the person chose their own passphrase (signed by the key it replaces).
    /// Signatures made with a revoked key before it was revoked stay valid.
    KeyIntroduced {
        person_id: String,
        /// The ed25519 public key, standard base64.
        public_key: String,
        reason: KeyReason,
    },
    /// A person left: their key is revoked and they can no longer sign in; what they signed stays.
    PersonLeft {
        person_id: String,
    },
    /// A coordinator (the actor) prepared a quarter's draw by committing to a secret share of its
    /// seed: the SHA-256 of the share ([`draw_commitment`]). The share is derived from their key
    /// and the `nonce` ([`draw_share_message`]), so it needs no storage and only they can make it.
    DrawPrepared {
        quarter: QuarterId,
        /// 16 random bytes, hex.
        nonce: String,
        /// [`draw_commitment`] of the preparer's share, hex.
        commitment: String,
        /// The sampling policy the draw will use: the event that set it. Fixed here, before the
        /// seed can be known, so nobody can tune the policy to a seed.
        policy_seq: u64,
        /// The fingerprint of the population the draw will be made from, fixed for the same reason.
        population_fingerprint: String,
    },
    /// A coordinator (the actor) extended a complaint's handling limit: to 30 days for a complex
    /// case, or to 60 with the approval of a superior (named). The newest extension counts.
    HandlingExtended {
        complaint_number: String,
        limit_days: u32,
        /// Who approved an extension to 60 days (上级机构或总行高级管理人员).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approver: Option<String>,
        reason: String,
    },
    /// A coordinator (the actor) recorded a pause of a complaint's handling clock (an external
    /// appraisal, whose time is not counted) from `from`, until `to` when it is over. Recorded
    /// again with the same `from` and a `to`, it closes the pause.
    HandlingPaused {
        complaint_number: String,
        /// The instant the pause began (the log's form of instants).
        from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        reason: String,
    },
    /// A coordinator or the president (the actor) exported the quarter's evidence pack (证据包)
    /// for the head office or an examiner: what it holds, and why personal data went with it. It
    /// is recorded before the pack is written, so the pack's own log shows its export.
    PackExported {
        quarter: QuarterId,
        with_audio: bool,
        with_personal_data: bool,
        /// Why personal data went out (required with it), as the exporter wrote it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A second person (the president or another coordinator, the actor) witnessed a
    /// preparation with a share of their own from the operating system. It is fixed after the
    /// preparer's commitment and unknown to them before, so neither can steer the seed alone.
    DrawWitnessed {
        quarter: QuarterId,
        prepared_seq: u64,
        /// 32 random bytes, hex.
        share: String,
    },
}

/// The inputs of a draw's seed when two people fixed it: the preparation (whose event hash and
/// witness share the log holds) and the preparer's share, revealed by the draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointSeed {
    pub prepared_seq: u64,
    /// The preparer's share, hex: its [`draw_commitment`] is the one the preparation recorded.
    pub share: String,
}

/// What a preparer signs to derive their share (the share is the SHA-256 of the signature).
/// Ed25519 signing is deterministic, so the same key and nonce give the same share again at the
/// draw without the share being kept anywhere.
pub fn draw_share_message(vault_id: &str, quarter: QuarterId, nonce: &str) -> Vec<u8> {
    format!("tingjian-draw-share-v1\n{vault_id}\n{quarter}\n{nonce}\n").into_bytes()
}

/// The commitment a preparation records for a share.
pub fn draw_commitment(share: &str) -> String {
    sha256_hex(format!("tingjian-draw-commitment-v1\n{share}\n").as_bytes())
}

/// A jointly fixed seed: the first 8 bytes (little-endian) of SHA-256 over the preparation's
/// event hash and both shares. Mixing in the preparation's hash ties the seed to this vault and
/// this point of its log.
pub fn joint_seed(prepared_hash: &str, preparer_share: &str, witness_share: &str) -> u64 {
    let digest = Sha256::digest(
        format!("tingjian-draw-seed-v1\n{prepared_hash}\n{preparer_share}\n{witness_share}\n").as_bytes(),
    );
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// Why a key was introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyReason {
    /// A coordinator or president enrolled the person; the key is sealed by a one-time passphrase
    /// they handed over, which the person must change at their first sign-in.
    Enrolled,
    /// A coordinator or president reset the person's forgotten passphrase: a new key under a
    /// one-time passphrase.
    Reset,
    /// The person chose their passphrase: a new key made and sealed by it, which only they know.
    Chosen,
}

impl KeyReason {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyReason::Enrolled => "enrolled",
            KeyReason::Reset => "reset",
            KeyReason::Chosen => "chosen",
        }
    }
}

impl Event {
    /// Every kind, in the order they were introduced. Each has a golden payload in
    /// `tests/golden/format-N/events/`, which a test checks.
    pub const KINDS: &'static [&'static str] = &[
        "vault_created",
        "person_added",
        "quarter_set",
        "recording_stored",
        "complaint_recorded",
        "recording_linked",
        "import_finished",
        "import_mapping_saved",
        "listening_started",
        "listening_heard",
        "listening_ended",
        "sampling_policy_set",
        "sample_drawn",
        "sample_added_by_hand",
        "note_added",
        "note_edited",
        "reflection_submitted",
        "personal_data_revealed",
        "rectification_required",
        "rectification_drafted",
        "rectification_step",
        "evidence_stored",
        "demo_data_added",
        "accounts_started",
        "key_introduced",
        "person_left",
        "draw_prepared",
        "draw_witnessed",
        "handling_extended",
        "handling_paused",
        "pack_exported",
    ];

    /// The first event format each kind can be read from: kinds introduced later than a format
    /// have no golden payload in that format's folder.
    pub fn first_format(kind: &str) -> u32 {
        match kind {
            "accounts_started" | "key_introduced" | "person_left" => 2,
            "draw_prepared" | "draw_witnessed" | "handling_extended" | "handling_paused" => 3,
            "pack_exported" => 4,
            _ => 1,
        }
    }

    /// The `kind` column: the same name as the JSON tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::VaultCreated { .. } => "vault_created",
            Event::PersonAdded { .. } => "person_added",
            Event::QuarterSet { .. } => "quarter_set",
            Event::RecordingStored { .. } => "recording_stored",
            Event::ComplaintRecorded { .. } => "complaint_recorded",
            Event::RecordingLinked { .. } => "recording_linked",
            Event::ImportFinished { .. } => "import_finished",
            Event::ImportMappingSaved { .. } => "import_mapping_saved",
            Event::ListeningStarted { .. } => "listening_started",
            Event::ListeningHeard { .. } => "listening_heard",
            Event::ListeningEnded { .. } => "listening_ended",
            Event::SamplingPolicySet { .. } => "sampling_policy_set",
            Event::SampleDrawn { .. } => "sample_drawn",
            Event::SampleAddedByHand { .. } => "sample_added_by_hand",
            Event::NoteAdded { .. } => "note_added",
            Event::NoteEdited { .. } => "note_edited",
            Event::ReflectionSubmitted { .. } => "reflection_submitted",
            Event::PersonalDataRevealed { .. } => "personal_data_revealed",
            Event::RectificationRequired { .. } => "rectification_required",
            Event::RectificationDrafted { .. } => "rectification_drafted",
            Event::RectificationStep { .. } => "rectification_step",
            Event::EvidenceStored { .. } => "evidence_stored",
            Event::DemoDataAdded { .. } => "demo_data_added",
            Event::AccountsStarted { .. } => "accounts_started",
            Event::KeyIntroduced { .. } => "key_introduced",
            Event::PersonLeft { .. } => "person_left",
            Event::DrawPrepared { .. } => "draw_prepared",
            Event::DrawWitnessed { .. } => "draw_witnessed",
            Event::HandlingExtended { .. } => "handling_extended",
            Event::HandlingPaused { .. } => "handling_paused",
            Event::PackExported { .. } => "pack_exported",
        }
    }
}

/// The newest event format this build writes. Format 1 is the payload as the JSON form of
/// [`Event`] with its `kind` tag, chained with the `tingjian-event-v1` recipe, unsigned: the
/// actor is whatever id the writer gave. Format 2 is the same payload and recipe
/// (`tingjian-event-v2`), signed by the actor's key over the hash ([`signed_message`]); a vault
/// writes format 1 until its first account ([`Event::AccountsStarted`]) and signed formats from
/// then on. Format 3 is format 2 with one rule more: a draw on a vault that is not a demo must be
/// seeded by two people ([`Event::DrawPrepared`], [`Event::DrawWitnessed`], [`JointSeed`]); a
/// chosen seed is refused. The format is what dates the rule, so a draw signed in format 2 (before
/// the rule) still verifies, and a signed event can never be written in an older format than the
/// one before it. Format 4 adds [`Event::PackExported`]: a Tingjian that reads up to format 3
/// then says plainly that the vault is newer than it, rather than failing on an unknown kind.
pub const EVENT_FORMAT: u32 = 4;

/// The first signed format.
pub const FIRST_SIGNED_FORMAT: u32 = 2;

/// The format of events written before accounts: unsigned.
pub const UNSIGNED_FORMAT: u32 = 1;

/// The bytes an event's signature is made over: its hash, with a label so that a signature made
/// for anything else (a checkpoint, a note) can never pass for an event's.
pub fn signed_message(hash: &str) -> Vec<u8> {
    format!("tingjian-event-signature-v1\n{hash}\n").into_bytes()
}

/// Why a stored payload could not be read as an event.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("event format {0} is newer than this Tingjian reads (up to {EVENT_FORMAT})")]
    NewerFormat(u32),
    #[error("the payload is not a Tingjian event: {0}")]
    NotAnEvent(#[from] serde_json::Error),
    #[error("the payload is a {found} event, but the log says {kind}")]
    KindMismatch { kind: String, found: &'static str },
}

/// Reads a stored payload of `format` as today's [`Event`]: the one way stored events are read.
/// An older format is upcast here (its frozen shape converted to today's), never rewritten in the
/// log, because the stored text is what the chain's digests cover.
pub fn decode(format: u32, kind: &str, payload: &str) -> Result<Event, DecodeError> {
    let event: Event = match format {
        1..=4 => serde_json::from_str(payload)?,
        newer => return Err(DecodeError::NewerFormat(newer)),
    };
    if event.kind() != kind {
        return Err(DecodeError::KindMismatch { kind: kind.to_owned(), found: event.kind() });
    }
    Ok(event)
}

/// An event as stored in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    pub seq: u64,
    /// The format the payload is written in; see [`EVENT_FORMAT`].
    pub format: u32,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub payload: String,
    pub payload_sha256: String,
    pub prev_hash: String,
    pub hash: String,
    /// The actor's signature over [`signed_message`] of the hash, standard base64: `None` for an
    /// unsigned (format 1) event.
    pub signature: Option<String>,
}

impl RecordedEvent {
    /// The payload read as today's [`Event`] (see [`decode`]).
    pub fn decode(&self) -> Result<Event, DecodeError> {
        decode(self.format, &self.kind, &self.payload)
    }

    /// The hash these fields should have when the event sits at position `seq`.
    pub fn expected_hash_at(&self, seq: u64) -> String {
        chain_hash(self.format, seq, &self.prev_hash, &self.at, &self.actor, &self.kind, &self.payload_sha256)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    // By table rather than `format!` per byte: `verify` hexes two digests of every event, and the
    // formatting machinery cost as much as the hashing.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The chain hash of one event written in `format`.
pub fn chain_hash(
    format: u32,
    seq: u64,
    prev_hash: &str,
    at: &str,
    actor: &str,
    kind: &str,
    payload_sha256: &str,
) -> String {
    let text = format!("tingjian-event-v{format}\n{seq}\n{prev_hash}\n{at}\n{actor}\n{kind}\n{payload_sha256}\n");
    sha256_hex(text.as_bytes())
}

/// Formats an instant the way the log stores it: UTC, whole microseconds, so that the text (which
/// is hashed) never depends on the platform's clock precision.
pub fn format_instant(at: Timestamp) -> String {
    let micros = at.as_microsecond();
    Timestamp::from_microsecond(micros).unwrap_or(at).strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Appends one event after the current head, inside the caller's transaction.
/// An event is refused (and named by `verify`) when it is dated more than this before the event
/// it follows. Two processes on one computer read the same clock, but the clock itself may be
/// stepped back a little by time synchronisation; a clock set back by hand, or a record backdated
/// on purpose, goes further.
pub const CLOCK_TOLERANCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether an event dated `at` may follow one dated `previous`: not more than [`CLOCK_TOLERANCE`]
/// before it. Dates that cannot be read are the chain check's business, not this one's.
pub fn follows_in_time(previous: &str, at: &str) -> bool {
    match (previous.parse::<Timestamp>(), at.parse::<Timestamp>()) {
        (Ok(previous), Ok(at)) => follows_instant(previous, at),
        _ => true,
    }
}

/// As [`follows_in_time`], on instants already read.
pub(crate) fn follows_instant(previous: Timestamp, at: Timestamp) -> bool {
    previous.checked_sub(CLOCK_TOLERANCE).is_ok_and(|earliest| at >= earliest)
}

/// Appends one event after the current head, inside the caller's transaction. An event dated
/// before the head (beyond [`CLOCK_TOLERANCE`]) is refused: the log's order is its time order.
/// With a `signer` the event is written in [`EVENT_FORMAT`] and signed; without, it is an
/// unsigned [`UNSIGNED_FORMAT`] event, which applying refuses once the vault has accounts.
pub fn append(
    tx: &Transaction<'_>,
    at: Timestamp,
    actor: &str,
    signer: Option<&PersonKey>,
    event: &Event,
) -> Result<RecordedEvent, VaultError> {
    let head: Option<(u64, String, String)> = tx
        .query_row("SELECT seq, hash, at FROM events ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let at = format_instant(at);
    let (seq, prev_hash) = match head {
        Some((head_seq, _, head_at)) if !follows_in_time(&head_at, &at) => {
            return Err(VaultError::ClockBehind { head_seq, head_at, now: at });
        }
        Some((seq, hash, _)) => (seq + 1, hash),
        None => (1, GENESIS_PREV_HASH.to_owned()),
    };
    let payload = serde_json::to_string(event)
        .map_err(|error| VaultError::Corrupt { seq, reason: format!("cannot serialise event: {error}") })?;
    let payload_sha256 = sha256_hex(payload.as_bytes());
    let kind = event.kind().to_owned();
    let format = if signer.is_some() { EVENT_FORMAT } else { UNSIGNED_FORMAT };
    let hash = chain_hash(format, seq, &prev_hash, &at, actor, &kind, &payload_sha256);
    let signature = signer.map(|key| key.sign(&signed_message(&hash)).to_base64());
    tx.execute(
        "INSERT INTO events (seq, format, at, actor, kind, payload, payload_sha256, prev_hash, hash, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![seq, format, at, actor, kind, payload, payload_sha256, prev_hash, hash, signature],
    )?;
    Ok(RecordedEvent {
        seq,
        format,
        at,
        actor: actor.to_owned(),
        kind,
        payload,
        payload_sha256,
        prev_hash,
        hash,
        signature,
    })
}

/// The event at `seq`, if there is one.
pub(crate) fn read_at(conn: &rusqlite::Connection, seq: u64) -> Result<Option<RecordedEvent>, VaultError> {
    Ok(read_where(conn, "WHERE seq = ?1", [seq])?.pop())
}

/// The columns of an event row, in the order [`event_from_row`] reads them.
const EVENT_COLUMNS: &str = "seq, format, at, actor, kind, payload, payload_sha256, prev_hash, hash, signature";

fn event_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
    Ok(RecordedEvent {
        seq: row.get(0)?,
        format: row.get(1)?,
        at: row.get(2)?,
        actor: row.get(3)?,
        kind: row.get(4)?,
        payload: row.get(5)?,
        payload_sha256: row.get(6)?,
        prev_hash: row.get(7)?,
        hash: row.get(8)?,
        signature: row.get(9)?,
    })
}

/// Calls `visit` with each event of the log in position order, reading one at a time, so a log
/// of millions of events is never held in memory.
pub(crate) fn for_each(
    conn: &rusqlite::Connection,
    mut visit: impl FnMut(RecordedEvent) -> Result<(), VaultError>,
) -> Result<(), VaultError> {
    let mut statement = conn.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        visit(event_from_row(row)?)?;
    }
    Ok(())
}

/// Reads the whole log in position order.
pub fn read_all(conn: &rusqlite::Connection) -> Result<Vec<RecordedEvent>, VaultError> {
    read_where(conn, "", [])
}

fn read_where(
    conn: &rusqlite::Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<RecordedEvent>, VaultError> {
    let mut statement = conn.prepare(&format!("SELECT {EVENT_COLUMNS} FROM events {condition} ORDER BY seq"))?;
    let rows = statement.query_map(params, event_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
