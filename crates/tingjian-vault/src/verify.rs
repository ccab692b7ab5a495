//! `verify`: recompute the chain, replay the log against the domain tables, rehash the audio.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use tingjian_core::Coded;
use ts_rs::TS;

use crate::checkpoint::{self, CheckpointFile};
use crate::event::{self, DecodeError, GENESIS_PREV_HASH, RecordedEvent, sha256_hex};
use crate::{ContentStore, Vault, VaultError, apply, schema};

mod signatures;

/// At most this many row problems are listed per table; the first ones are what a person needs.
const MAX_ROW_PROBLEMS_PER_TABLE: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// An event's stored fields or payload no longer match its hash.
    EventEdited,
    /// Positions in the log are empty: events were deleted.
    EventMissing,
    /// An intact event sits at a position other than the one it was written at.
    EventReordered,
    /// An event does not link to the one before it: the one before was replaced.
    EventChainBroken,
    /// An event's payload is not a Tingjian event, or replaying it fails: the rules refuse it
    /// (a rectification step they would not allow) or its effect cannot be applied.
    EventUnreadable,
    /// An event is dated before the event it follows (beyond the clock tolerance): backdated, or
    /// written by a computer whose clock was set back.
    EventBackdated,
    /// A listening session recorded more of the recording as heard than could be played in the
    /// time it lasted, even at the fastest speed: the sound went to a device that consumed it
    /// faster than a person hears (a file, a sink without a clock), or the spans were made up.
    ListeningImplausible,
    /// A file an interrupted process left in a store (a temporary `.partial` file of a process
    /// that is gone, or a stored file no event came to name): no evidence refers to it, and
    /// opening the vault to work in it removes it. A warning, not a problem.
    LeftOverFile,
    /// A signed event's signature does not verify with the key its actor had in force at that
    /// point: the event (or the whole chain) was rewritten by someone without the signer's key.
    SignatureInvalid,
    /// A signed event verifies only with a key its actor no longer had in force (revoked by a
    /// reset, a chosen passphrase or leaving): someone holding an old key signed after it ended.
    SignedWithRevokedKey,
    /// A signed event by a person whose role did not allow it at that point (or who had left).
    EventUnauthorized,
    /// An unsigned event after the vault's accounts started: written behind the app's back.
    EventUnsigned,
    /// A checkpoint kept outside the vault says the log had a head it no longer has: the newest
    /// events were cut off, or the history up to it was rewritten or replaced. The finding names
    /// the checkpoint's file (`key`).
    CheckpointContradicted,
    /// A domain row differs from what the log says.
    RowChanged,
    /// A domain row the log wrote is gone.
    RowMissing,
    /// A domain row exists that no event wrote.
    RowAdded,
    /// A stored recording's file is gone.
    AudioMissing,
    /// A stored recording's file no longer has the bytes it was stored with.
    AudioAltered,
    /// An evidence file attached to a rectification is gone.
    EvidenceMissing,
    /// An evidence file no longer has the bytes it was attached with.
    EvidenceAltered,
    /// A file in `audio/` or `evidence/` that is not a stored recording or evidence file: left by
    /// an interrupted process, or put there by hand. The finding names it (`key`).
    StrayFile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VerifyProblem {
    pub kind: ProblemKind,
    /// The event the problem is about (the one edited, missing, or that wrote the row).
    #[ts(type = "number | null")]
    pub event_seq: Option<u64>,
    pub table: Option<String>,
    pub key: Option<String>,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VerifyReport {
    pub ok: bool,
    #[ts(type = "number")]
    pub events_checked: u64,
    #[ts(type = "number")]
    pub recordings_checked: u64,
    pub head_hash: Option<String>,
    /// What was altered, missing or refused: any one makes `ok` false.
    pub problems: Vec<VerifyProblem>,
    /// Intact records that do not prove what they claim (listening no person could have heard in
    /// the time it took): named for the auditor, without failing the check, because the log and
    /// files are as they were written.
    #[serde(default)]
    pub warnings: Vec<VerifyProblem>,
    /// Events whose signature was checked and holds.
    #[serde(default)]
    #[ts(type = "number")]
    pub signed_events: u64,
    /// Events written before the vault had accounts, which carry no signature ("unsigned, before
    /// accounts"): their actor is the id that was typed.
    #[serde(default)]
    #[ts(type = "number")]
    pub unsigned_events: u64,
}

/// What `verify` reads: the vault's folder (for its stores) and a connection to its database.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub root: &'a Path,
    pub db: &'a Connection,
}

pub fn verify(vault: &Vault) -> Result<VerifyReport, VaultError> {
    verify_target(Target { root: vault.root(), db: vault.db() }, &[])
}

/// As [`verify`], and against checkpoints kept outside the vault.
pub fn verify_against(vault: &Vault, checkpoints: &[CheckpointFile]) -> Result<VerifyReport, VaultError> {
    verify_target(Target { root: vault.root(), db: vault.db() }, checkpoints)
}

pub(crate) fn verify_target(target: Target<'_>, checkpoints: &[CheckpointFile]) -> Result<VerifyReport, VaultError> {
    // One read transaction: the log, the tables and the stored files are read as of one moment,
    // even while another connection (the app's player, the command line) keeps writing.
    let _snapshot = target.db.unchecked_transaction()?;
    let walked = walk_log(target.db, true)?;
    let mut problems: Vec<VerifyProblem> = walked.chain_break.into_iter().collect();
    problems.extend(walked.backdated);
    problems.extend(walked.signatures.problems);
    problems.extend(walked.refused);
    problems.extend(checkpoint::check_all(target.db, checkpoints)?);
    problems.extend(compare_tables(target.db, walked.replay.conn())?);
    let (recordings_checked, audio_problems) = check_stored_files(target, StoredKind::Recording)?;
    problems.extend(audio_problems);
    let (_, evidence_problems) = check_stored_files(target, StoredKind::Evidence)?;
    problems.extend(evidence_problems);
    let mut warnings = walked.implausible;
    for kind in [StoredKind::Recording, StoredKind::Evidence] {
        let (strays, left_over) = stray_files(target, kind)?;
        problems.extend(strays);
        warnings.extend(left_over);
    }
    Ok(VerifyReport {
        ok: problems.is_empty(),
        events_checked: walked.events,
        recordings_checked,
        head_hash: walked.head_hash,
        problems,
        warnings,
        signed_events: walked.signatures.signed,
        unsigned_events: walked.signatures.unsigned,
    })
}

/// The domain rows that differ from the log's replay (step 2 of [`verify`] alone), for checks that
/// look at a few tables, such as `sample verify`.
pub(crate) fn projection_problems(vault: &Vault) -> Result<Vec<VerifyProblem>, VaultError> {
    let _snapshot = vault.db().unchecked_transaction()?;
    let walked = walk_log(vault.db(), false)?;
    let mut problems = walked.refused;
    problems.extend(compare_tables(vault.db(), walked.replay.conn())?);
    Ok(problems)
}

fn problem(kind: ProblemKind, event_seq: Option<u64>, zh: String, en: String) -> VerifyProblem {
    VerifyProblem { kind, event_seq, table: None, key: None, message_zh: zh, message_en: en }
}

/// What one pass over the log found, and the tables its replay rebuilt.
struct WalkedLog {
    events: u64,
    head_hash: Option<String>,
    chain_break: Option<VerifyProblem>,
    backdated: Vec<VerifyProblem>,
    /// Events whose replay failed: the rules refuse them, or their effect cannot be applied.
    refused: Vec<VerifyProblem>,
    implausible: Vec<VerifyProblem>,
    signatures: signatures::Findings,
    replay: Replay,
}

/// Reads the log once, in position order, one event at a time (a log of millions of events is
/// never held in memory): each event is checked against the chain, the time order and the
/// listening it claims (`checks`), and replayed into a fresh database.
fn walk_log(db: &Connection, checks: bool) -> Result<WalkedLog, VaultError> {
    let mut replay = Replay::start()?;
    let total: u64 = db.query_row("SELECT count(*) FROM events", [], |row| row.get(0))?;
    let mut chain = ChainCheck::new(total);
    let mut previous_at: Option<(jiff::Timestamp, String)> = None;
    let mut backdated = Vec::new();
    let mut listening = ListeningCheck::default();
    let mut refused = Vec::new();
    let mut events = 0u64;
    let mut head_hash = None;
    let mut signatures = signatures::SignatureCheck::start();
    // The newest signed format the log has reached: a signed event may not go back to an older
    // one (whose rules were laxer, e.g. draws before format 3).
    let mut newest_signed_format = 0;
    {
        let tx = replay.conn.transaction()?;
        event::for_each(db, |e| {
            events += 1;
            if checks && e.format >= event::FIRST_SIGNED_FORMAT {
                if e.format < newest_signed_format {
                    let error = VaultError::NotAuthorized {
                        actor: e.actor.clone(),
                        kind: e.kind.clone(),
                        message_zh: format!(
                            "日志已使用第 {newest_signed_format} 版事件格式，之后的事件不能退回较旧的第 {} 版",
                            e.format
                        ),
                        message_en: format!(
                            "the log has reached event format {newest_signed_format}; a later event cannot go back to format {}",
                            e.format
                        ),
                    };
                    refused.push(refused_problem(&e, &error));
                } else {
                    newest_signed_format = e.format;
                }
            }
            let decoded = e.decode();
            // Each event's moment is read once, for the time order and the listening check.
            let at = e.at.parse::<jiff::Timestamp>().ok();
            if checks {
                chain.visit(&e, &decoded);
                if let (Some((previous, previous_text)), Some(at)) = (&previous_at, at)
                    && !event::follows_instant(*previous, at)
                    && backdated.len() < MAX_ROW_PROBLEMS_PER_TABLE
                {
                    backdated.push(backdated_problem(&e, events.saturating_sub(1), previous_text));
                }
                previous_at = at.map(|at| (at, e.at.clone()));
            }
            // Where the log itself is damaged the chain check has said so; replaying what is
            // readable still shows which rows it touched.
            if let Ok(parsed) = &decoded {
                if checks && let Some(at) = at {
                    listening.visit(&e, at, parsed);
                }
                if checks {
                    signatures.visit(&e, parsed);
                }
                match apply::apply(&tx, &e, parsed) {
                    Ok(()) => signatures.applied(parsed),
                    Err(error) => refused.push(refused_problem(&e, &error)),
                }
            }
            head_hash = Some(e.hash);
            Ok(())
        })?;
        tx.commit()?;
    }
    Ok(WalkedLog {
        events,
        head_hash,
        chain_break: chain.found,
        backdated,
        refused,
        implausible: listening.found,
        signatures: signatures.finish(),
        replay,
    })
}

/// An event whose replay failed, named by why: a step its signer may not take, an unsigned step
/// in a vault with accounts, or an effect that cannot be applied.
fn refused_problem(e: &RecordedEvent, error: &VaultError) -> VerifyProblem {
    let seq = e.seq;
    let (kind, zh, en) = match error {
        VaultError::NotAuthorized { .. } | VaultError::NotTheAuthor { .. } => (
            ProblemKind::EventUnauthorized,
            format!("事件 #{seq}（{}）越权：{}", e.kind, error.message_zh()),
            format!("event #{seq} ({}) was not allowed: {error}", e.kind),
        ),
        VaultError::SignInRequired { since_seq } => (
            ProblemKind::EventUnsigned,
            format!("事件 #{seq}（{}）没有签名，而本档案库自第 {since_seq} 号事件起每个事件都须签名", e.kind),
            format!("event #{seq} ({}) is unsigned, but every event since #{since_seq} must be signed", e.kind),
        ),
        _ => (
            ProblemKind::EventUnreadable,
            format!("事件 #{seq}（{}）无法重放：{}", e.kind, error.message_zh()),
            format!("event #{seq} ({}) cannot be replayed: {error}", e.kind),
        ),
    };
    problem(kind, Some(seq), zh, en)
}

/// The database the log is replayed into: a file in a private temporary folder, so a log of
/// millions of events is rebuilt within a bounded page cache instead of in memory. Nothing in it
/// needs to survive a crash, so it is written without a journal or syncing.
struct Replay {
    _folder: tempfile::TempDir,
    conn: Connection,
}

impl Replay {
    fn start() -> Result<Replay, VaultError> {
        let folder = tempfile::Builder::new()
            .prefix("tingjian-replay-")
            .tempdir()
            .map_err(|source| VaultError::from_io(&std::env::temp_dir(), source))?;
        let mut conn = Connection::open(folder.path().join("replay.sqlite"))?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
             PRAGMA cache_size = -65536; PRAGMA temp_store = FILE;",
        )?;
        // A damaged log can hold an event whose effect refers to a row an earlier, deleted event
        // wrote; the replay must go on regardless, so constraints between tables are not enforced.
        conn.pragma_update(None, "foreign_keys", false)?;
        conn.set_prepared_statement_cache_capacity(128);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        schema::migrate(&tx)?;
        tx.commit()?;
        Ok(Replay { _folder: folder, conn })
    }

    fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// The first place where the log stops being an unbroken chain. Everything after a break is
/// suspect, so only the first is reported.
struct ChainCheck {
    total: u64,
    expected: u64,
    prev_hash: String,
    found: Option<VerifyProblem>,
}

impl ChainCheck {
    fn new(total: u64) -> ChainCheck {
        ChainCheck { total, expected: 1, prev_hash: GENESIS_PREV_HASH.to_owned(), found: None }
    }

    fn visit(&mut self, e: &RecordedEvent, decoded: &Result<event::Event, DecodeError>) {
        if self.found.is_none() {
            self.found = self.check(e, decoded);
            self.prev_hash.clone_from(&e.hash);
            self.expected += 1;
        }
    }

    fn check(&self, e: &RecordedEvent, decoded: &Result<event::Event, DecodeError>) -> Option<VerifyProblem> {
        let (expected, prev_hash) = (self.expected, &self.prev_hash);
        let seq = e.seq;
        if seq != expected {
            let last = seq - 1;
            let range = if last == expected { format!("#{expected}") } else { format!("#{expected}–#{last}") };
            return Some(problem(
                ProblemKind::EventMissing,
                Some(expected),
                format!("审计日志缺少事件 {range}（已被删除）"),
                format!("audit log is missing event {range} (deleted)"),
            ));
        }
        if sha256_hex(e.payload.as_bytes()) != e.payload_sha256 {
            return Some(problem(
                ProblemKind::EventEdited,
                Some(seq),
                format!("事件 #{seq}（{}）的内容被改动：内容摘要不符", e.kind),
                format!("event #{seq} ({}) was edited: its payload no longer matches its digest", e.kind),
            ));
        }
        if e.expected_hash_at(seq) != e.hash {
            let limit = self.total + 1;
            if let Some(written_as) = (1..=limit).find(|&k| k != seq && e.expected_hash_at(k) == e.hash) {
                return Some(problem(
                    ProblemKind::EventReordered,
                    Some(seq),
                    format!("事件顺序被调换：位置 #{seq} 上的事件原本是第 #{written_as} 号"),
                    format!("events were reordered: the event at position #{seq} was written as #{written_as}"),
                ));
            }
            return Some(problem(
                ProblemKind::EventEdited,
                Some(seq),
                format!("事件 #{seq}（{}）被改动：格式、时间、操作人、类型或链接与其哈希不符", e.kind),
                format!(
                    "event #{seq} ({}) was edited: its format, time, actor, kind or link no longer match its hash",
                    e.kind
                ),
            ));
        }
        if e.prev_hash != *prev_hash {
            let before = seq.saturating_sub(1);
            return Some(problem(
                ProblemKind::EventChainBroken,
                Some(before),
                format!("事件 #{seq} 与前一事件 #{before} 不相连：#{before} 被替换或重写"),
                format!("event #{seq} does not link to event #{before}: #{before} was replaced or rewritten"),
            ));
        }
        match decoded {
            Ok(_) => {}
            Err(DecodeError::NewerFormat(format)) => {
                return Some(problem(
                    ProblemKind::EventUnreadable,
                    Some(seq),
                    format!("事件 #{seq} 采用第 {format} 版事件格式，由更新版本的听见写入，请升级后再校验"),
                    format!(
                        "event #{seq} is in event format {format}, written by a newer Tingjian: upgrade to verify it"
                    ),
                ));
            }
            Err(_) => {
                return Some(problem(
                    ProblemKind::EventUnreadable,
                    Some(seq),
                    format!("事件 #{seq} 的内容无法识别"),
                    format!("event #{seq} has a payload that is not a Tingjian event"),
                ));
            }
        }
        None
    }
}

/// An event dated before the one it follows by more than the clock tolerance: the log's order is
/// its time order, so it is a record whose date cannot be trusted.
fn backdated_problem(e: &RecordedEvent, prev: u64, previous_at: &str) -> VerifyProblem {
    let seq = e.seq;
    problem(
        ProblemKind::EventBackdated,
        Some(seq),
        format!(
            "事件 #{seq}（{}）的时间 {} 早于它之前的事件 #{prev} 的时间 {previous_at}：时间被倒填，或写入时电脑时钟被调回",
            e.kind, e.at
        ),
        format!(
            "event #{seq} ({}) is dated {}, before event #{prev} at {previous_at}: backdated, or written while the computer's clock was set back",
            e.kind, e.at
        ),
    )
}

/// Listening sessions (the first [`MAX_ROW_PROBLEMS_PER_TABLE`]) that, at one of their flushes,
/// had recorded more of the recording as heard than the time since they started allows at the
/// fastest speed; each named at that flush.
#[derive(Default)]
struct ListeningCheck {
    /// Open sessions: when each started, by whom, and what it has recorded as heard so far.
    sessions: std::collections::HashMap<String, (jiff::Timestamp, String, u64)>,
    found: Vec<VerifyProblem>,
}

impl ListeningCheck {
    fn visit(&mut self, e: &RecordedEvent, at: jiff::Timestamp, parsed: &event::Event) {
        use tingjian_core::listening::{FASTEST_SPEED, heard_in_time};
        match parsed {
            event::Event::ListeningStarted { session_id, .. } => {
                self.sessions.insert(session_id.clone(), (at, e.actor.clone(), 0));
            }
            event::Event::ListeningEnded { session_id, .. } => {
                self.sessions.remove(session_id);
            }
            event::Event::ListeningHeard { session_id, spans } => {
                let Some((started, person, heard_ms)) = self.sessions.get_mut(session_id) else { return };
                *heard_ms += spans.iter().map(|span| span.end_ms.saturating_sub(span.start_ms)).sum::<u64>();
                let elapsed_ms = u64::try_from(at.duration_since(*started).as_millis()).unwrap_or(0);
                if heard_in_time(*heard_ms, elapsed_ms) || self.found.len() >= MAX_ROW_PROBLEMS_PER_TABLE {
                    return;
                }
                let seq = e.seq;
                let (heard, elapsed) = (*heard_ms as f64 / 1000.0, elapsed_ms as f64 / 1000.0);
                self.found.push(VerifyProblem {
                    kind: ProblemKind::ListeningImplausible,
                    event_seq: Some(seq),
                    table: Some("listening_sessions".to_owned()),
                    key: Some(session_id.clone()),
                    message_zh: format!(
                        "{person} 的听取记录 {session_id}：事件 #{seq} 记载已听 {heard:.1} 秒录音，但距开始播放仅过了 {elapsed:.1} 秒（最快 {FASTEST_SPEED} 倍速）：声音送到了不按真实时间播放的设备，或听取记录是编造的"
                    ),
                    message_en: format!(
                        "listening session {session_id} by {person}: event #{seq} records {heard:.1} s of the recording as heard only {elapsed:.1} s after it started (at most {FASTEST_SPEED}× speed): the sound went to a device that does not play in real time, or the spans were made up"
                    ),
                });
                // One warning per session: what follows its first implausible flush adds nothing.
                self.sessions.remove(session_id);
            }
            _ => {}
        }
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("<{} bytes>", b.len()),
    }
}

/// The table's name as a Chinese reader knows the thing it holds.
fn table_zh(table: &str) -> &'static str {
    match table {
        "vault_info" => "档案库信息",
        "people" => "人员",
        "quarters" => "季度",
        "recordings" => "录音",
        "notes" => "笔记",
        "reflections" => "总结反思",
        "personal_data_reveals" => "个人信息查看记录",
        "rectification_cases" => "整改案件",
        "evidence_files" => "证据文件",
        "complaints" => "投诉",
        "imports" => "导入记录",
        "settings" => "设置",
        "listening_sessions" => "听取记录",
        "listening_spans" => "听取片段",
        "sampling_policies" => "抽样策略",
        "sample_draws" => "抽样记录",
        "assignments" => "听取分配",
        "draw_preparations" => "抽样准备",
        "handling_extensions" => "办理延期",
        "handling_pauses" => "办理暂停",
        "clock_tallies" => "时效汇总",
        "person_keys" => "人员密钥",
        _ => "数据",
    }
}

/// A stored value as a message quotes it: long texts are cut, so one finding stays readable.
fn quote(value: &str) -> String {
    const LIMIT: usize = 40;
    if value.chars().count() > LIMIT {
        format!("{}…", value.chars().take(LIMIT).collect::<String>())
    } else {
        value.to_owned()
    }
}

fn event_seq_at(names: &[String], row: &[Value]) -> Option<u64> {
    names.iter().position(|name| name == "event_seq").and_then(|index| match row.get(index) {
        Some(Value::Integer(i)) if *i > 0 => Some(*i as u64),
        _ => None,
    })
}

/// How SQLite's `ORDER BY` ranks two values of a key column (the default `BINARY` collation):
/// NULL, then numbers by value, then text and blobs byte by byte. The two tables are read in that
/// order and walked side by side, so the comparison must be SQLite's.
fn sqlite_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn rank(value: &Value) -> u8 {
        match value {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Integer(x), Value::Real(y)) => (*x as f64).total_cmp(y),
        (Value::Real(x), Value::Integer(y)) => x.total_cmp(&(*y as f64)),
        (Value::Real(x), Value::Real(y)) => x.total_cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The problems of one table, keeping only the [`MAX_ROW_PROBLEMS_PER_TABLE`] with the earliest
/// events as it goes, so a table of a million tampered rows is reported in bounded memory.
#[derive(Default)]
struct TableFindings(Vec<VerifyProblem>);

impl TableFindings {
    fn push(&mut self, found: VerifyProblem) {
        self.0.push(found);
        if self.0.len() >= 10 * MAX_ROW_PROBLEMS_PER_TABLE {
            self.keep_earliest();
        }
    }

    fn keep_earliest(&mut self) {
        self.0.sort_by_key(|p| p.event_seq);
        self.0.truncate(MAX_ROW_PROBLEMS_PER_TABLE);
    }
}

/// Compares each domain table with the replay's, row by row, reading both in key order side by
/// side.
fn compare_tables(db: &Connection, replay: &Connection) -> Result<Vec<VerifyProblem>, VaultError> {
    let mut problems = Vec::new();
    for (table, key) in schema::DOMAIN_TABLES {
        let mut found = TableFindings::default();
        compare_table(db, replay, table, key, &mut found)?;
        found.keep_earliest();
        problems.extend(found.0);
    }
    problems.extend(check_clock_tallies(db)?);
    Ok(problems)
}

/// The tallies the handling figures read (`clock_tallies`, migration 13) are counts of the
/// complaints table, which is itself compared with the replay above: so they are checked against
/// the stored complaints, and an edited complaint is named once (as a complaint), an edited tally
/// as a tally. The key is the one the triggers write.
fn check_clock_tallies(db: &Connection) -> Result<Vec<VerifyProblem>, VaultError> {
    let read = |sql: &str| -> Result<std::collections::BTreeMap<String, i64>, VaultError> {
        let mut statement = db.prepare(sql)?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let stored = read("SELECT tally, complaints FROM clock_tallies")?;
    let counted = read(
        "SELECT quarter || '/' || department || '/' || clock_month || '/' || response_state || '/' || handling_state
                || '/' || (dispatched_at IS NOT NULL), count(*)
         FROM complaints WHERE response_state IS NOT NULL GROUP BY 1",
    )?;
    let mut problems = Vec::new();
    for key in stored.keys().chain(counted.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (have, want) = (stored.get(key).copied().unwrap_or(0), counted.get(key).copied().unwrap_or(0));
        if have != want && problems.len() < MAX_ROW_PROBLEMS_PER_TABLE {
            problems.push(VerifyProblem {
                kind: ProblemKind::RowChanged,
                event_seq: None,
                table: Some("clock_tallies".to_owned()),
                key: Some(key.clone()),
                message_zh: format!("时效汇总表（clock_tallies）中 {key} 记为 {have} 件，投诉表中为 {want} 件"),
                message_en: format!(
                    "table clock_tallies counts {have} complaints under {key}; the complaints table holds {want}"
                ),
            });
        }
    }
    Ok(problems)
}

fn next_row(rows: &mut rusqlite::Rows<'_>, width: usize) -> Result<Option<Vec<Value>>, VaultError> {
    let Some(row) = rows.next()? else { return Ok(None) };
    let mut values = Vec::with_capacity(width);
    for index in 0..width {
        values.push(row.get::<_, Value>(index)?);
    }
    Ok(Some(values))
}

fn compare_table(
    db: &Connection,
    replay: &Connection,
    table: &str,
    key: &str,
    found: &mut TableFindings,
) -> Result<(), VaultError> {
    let sql = format!("SELECT * FROM {table} ORDER BY {key}");
    let mut stored_statement = db.prepare(&sql)?;
    let mut expected_statement = replay.prepare(&sql)?;
    let names: Vec<String> = expected_statement.column_names().map(str::to_owned).collect();
    let stored_names: Vec<String> = stored_statement.column_names().map(str::to_owned).collect();
    if stored_names != names {
        found.push(VerifyProblem {
            kind: ProblemKind::RowChanged,
            event_seq: None,
            table: Some(table.to_owned()),
            key: None,
            message_zh: format!(
                "{}表（{table}）的结构被改动：现有字段 {}，应为 {}",
                table_zh(table),
                stored_names.join(", "),
                names.join(", ")
            ),
            message_en: format!(
                "table {table} was altered: its columns are {}, they should be {}",
                stored_names.join(", "),
                names.join(", ")
            ),
        });
        return Ok(());
    }
    let key_index = names.iter().position(|n| n == key).unwrap_or(0);
    let width = names.len();
    let mut stored_rows = stored_statement.query([])?;
    let mut expected_rows = expected_statement.query([])?;
    let mut stored = next_row(&mut stored_rows, width)?;
    let mut expected = next_row(&mut expected_rows, width)?;
    loop {
        let order = match (&stored, &expected) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(row), Some(wanted)) => sqlite_order(&row[key_index], &wanted[key_index]),
        };
        match order {
            std::cmp::Ordering::Less => {
                if let Some(row) = &stored {
                    found.push(row_added(table, &names, key_index, row));
                }
                stored = next_row(&mut stored_rows, width)?;
            }
            std::cmp::Ordering::Greater => {
                if let Some(wanted) = &expected {
                    found.push(row_missing(table, &names, key_index, wanted));
                }
                expected = next_row(&mut expected_rows, width)?;
            }
            std::cmp::Ordering::Equal => {
                if let (Some(row), Some(wanted)) = (&stored, &expected)
                    && row != wanted
                {
                    found.push(row_changed(table, &names, key_index, row, wanted));
                }
                stored = next_row(&mut stored_rows, width)?;
                expected = next_row(&mut expected_rows, width)?;
            }
        }
    }
    Ok(())
}

fn row_added(table: &str, names: &[String], key_index: usize, row: &[Value]) -> VerifyProblem {
    let row_key = show(&row[key_index]);
    let claimed = event_seq_at(names, row);
    let claim = claimed.map(|s| format!("#{s}")).unwrap_or_else(|| "?".to_owned());
    VerifyProblem {
        kind: ProblemKind::RowAdded,
        event_seq: claimed,
        table: Some(table.to_owned()),
        key: Some(row_key.clone()),
        message_zh: format!(
            "{}表（{table}）中的记录 {row_key} 不是由任何事件写入的（自称来自事件 {claim}）",
            table_zh(table)
        ),
        message_en: format!("row {row_key} in table {table} was not written by any event (it claims event {claim})"),
    }
}

fn row_missing(table: &str, names: &[String], key_index: usize, wanted: &[Value]) -> VerifyProblem {
    let row_key = show(&wanted[key_index]);
    let seq = event_seq_at(names, wanted);
    let by = seq.map(|s| format!("#{s}")).unwrap_or_else(|| "?".to_owned());
    VerifyProblem {
        kind: ProblemKind::RowMissing,
        event_seq: seq,
        table: Some(table.to_owned()),
        key: Some(row_key.clone()),
        message_zh: format!("{}表（{table}）中由事件 {by} 写入的记录 {row_key} 已被删除", table_zh(table)),
        message_en: format!("row {row_key} in table {table}, written by event {by}, was deleted"),
    }
}

fn row_changed(table: &str, names: &[String], key_index: usize, row: &[Value], wanted: &[Value]) -> VerifyProblem {
    let row_key = show(&wanted[key_index]);
    let seq = event_seq_at(names, wanted);
    let (column, have, want) = names
        .iter()
        .zip(row.iter().zip(wanted))
        .find(|(_, (a, b))| a != b)
        .map(|(name, (a, b))| (name.clone(), quote(&show(a)), quote(&show(b))))
        .unwrap_or_default();
    let by = seq.map(|s| format!("#{s}")).unwrap_or_else(|| "?".to_owned());
    VerifyProblem {
        kind: ProblemKind::RowChanged,
        event_seq: seq,
        table: Some(table.to_owned()),
        key: Some(row_key.clone()),
        message_zh: format!(
            "{}表（{table}）中的记录 {row_key} 与事件 {by} 写入的不一致：字段 {column} 现为“{have}”，日志记载为“{want}”",
            table_zh(table)
        ),
        message_en: format!(
            "row {row_key} in table {table} differs from what event {by} wrote: {column} is \"{have}\", the log says \"{want}\""
        ),
    }
}

/// The two kinds of content-addressed file the vault keeps.
#[derive(Debug, Clone, Copy)]
enum StoredKind {
    Recording,
    Evidence,
}

/// Rehashes every stored recording or evidence file; the store's promise is that a file's name is
/// its hash.
fn check_stored_files(target: Target<'_>, kind: StoredKind) -> Result<(u64, Vec<VerifyProblem>), VaultError> {
    let (folder, sql, table, what_zh, what_en, altered, missing) = match kind {
        StoredKind::Recording => (
            crate::AUDIO_DIR,
            "SELECT hash, original_name, event_seq FROM recordings ORDER BY hash",
            "recordings",
            "录音",
            "recording",
            ProblemKind::AudioAltered,
            ProblemKind::AudioMissing,
        ),
        StoredKind::Evidence => (
            crate::EVIDENCE_DIR,
            "SELECT hash, name, event_seq FROM evidence_files ORDER BY hash",
            "evidence_files",
            "证据文件",
            "evidence file",
            ProblemKind::EvidenceAltered,
            ProblemKind::EvidenceMissing,
        ),
    };
    let store = ContentStore::new(target.root.join(folder));
    let mut statement = target.db.prepare(sql)?;
    let rows: Vec<(String, String, u64)> =
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?.collect::<Result<_, _>>()?;
    let mut problems = Vec::new();
    for (hash, name, seq) in &rows {
        let path = store.path_of(hash);
        let (kind, zh, en) = match ContentStore::hash_file(&path) {
            Ok((actual, _)) if &actual == hash => continue,
            Ok(_) => (
                altered,
                format!("{what_zh} {name}（{hash:.12}…）的文件内容已被改动"),
                format!("the file of {what_en} {name} ({hash:.12}…) was altered"),
            ),
            Err(_) => (
                missing,
                format!("{what_zh} {name}（{hash:.12}…）的文件缺失"),
                format!("the file of {what_en} {name} ({hash:.12}…) is missing"),
            ),
        };
        problems.push(VerifyProblem {
            kind,
            event_seq: Some(*seq),
            table: Some(table.to_owned()),
            key: Some(hash.clone()),
            message_zh: zh,
            message_en: en,
        });
    }
    Ok((rows.len() as u64, problems))
}

/// Every file in the store's folder that is not the file of a stored recording (or evidence
/// file), named by its path inside the vault: leftovers of an interrupted process and anything put
/// there by hand. Links are reported, never followed. Temporary files a running process is still
/// writing are not strays.
fn stray_files(target: Target<'_>, kind: StoredKind) -> Result<(Vec<VerifyProblem>, Vec<VerifyProblem>), VaultError> {
    let (folder, sql, table, what_zh, what_en) = match kind {
        StoredKind::Recording => (crate::AUDIO_DIR, "SELECT hash FROM recordings", "recordings", "录音", "recording"),
        StoredKind::Evidence => {
            (crate::EVIDENCE_DIR, "SELECT hash FROM evidence_files", "evidence_files", "证据文件", "evidence file")
        }
    };
    let mut statement = target.db.prepare(sql)?;
    let stored: std::collections::HashSet<String> =
        statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
    let root = target.root;
    let mut strays = Vec::new();
    let mut left_over = Vec::new();
    let mut pending = vec![root.join(folder)];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else { continue };
            if file_type.is_dir() {
                pending.push(path);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let in_place = dir.file_name().is_some_and(|fan_out| name.get(..2) == fan_out.to_str())
                && dir.parent() == Some(root.join(folder).as_path());
            if file_type.is_file() && in_place && crate::is_content_hash(&name) {
                if stored.contains(&name) {
                    continue;
                }
                let recent = entry
                    .metadata()
                    .and_then(|meta| meta.modified())
                    .ok()
                    .and_then(|modified| modified.elapsed().ok())
                    .is_none_or(|age| age < crate::JUST_STORED);
                if !recent {
                    left_over.push(path);
                }
                continue;
            }
            if file_type.is_file() && crate::partial_pid(&name).is_some() {
                if crate::partial_left_over(&path) {
                    left_over.push(path);
                }
                continue;
            }
            strays.push(path);
        }
    }
    let shown = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let problems = listed(
        strays,
        table,
        |path| {
            let shown = shown(path);
            (
                ProblemKind::StrayFile,
                format!(
                    "档案库中的 {shown} 不是任何{what_zh}的存档文件（被人放进去的，或由其他程序写入）；核实后可移走"
                ),
                format!(
                    "{shown} in the vault is not the file of any stored {what_en} (put there by hand, or by another program); check it and move it out"
                ),
                shown,
            )
        },
        |more| {
            (
                ProblemKind::StrayFile,
                format!("{folder} 文件夹中另有 {more} 个不属于任何{what_zh}的文件"),
                format!("{more} more files in the {folder} folder are not the file of any stored {what_en}"),
            )
        },
    );
    let warnings = listed(
        left_over,
        table,
        |path| {
            let shown = shown(path);
            (
                ProblemKind::LeftOverFile,
                format!("{shown} 是中断的操作留下的文件，没有任何记录引用它；下次打开档案库工作时会自动清除"),
                format!(
                    "{shown} was left by an interrupted process and no record refers to it; it is removed the next time the vault is opened to work in"
                ),
                shown,
            )
        },
        |more| {
            (
                ProblemKind::LeftOverFile,
                format!("{folder} 文件夹中另有 {more} 个中断的操作留下的文件"),
                format!("{more} more files in the {folder} folder were left by interrupted processes"),
            )
        },
    );
    Ok((problems, warnings))
}

/// The first [`MAX_ROW_PROBLEMS_PER_TABLE`] files of `paths` (sorted) as findings, and one more
/// finding counting the rest.
fn listed(
    mut paths: Vec<std::path::PathBuf>,
    table: &str,
    each: impl Fn(&Path) -> (ProblemKind, String, String, String),
    rest: impl Fn(usize) -> (ProblemKind, String, String),
) -> Vec<VerifyProblem> {
    paths.sort();
    let mut found: Vec<VerifyProblem> = paths
        .iter()
        .take(MAX_ROW_PROBLEMS_PER_TABLE)
        .map(|path| {
            let (kind, zh, en, key) = each(path);
            VerifyProblem {
                kind,
                event_seq: None,
                table: Some(table.to_owned()),
                key: Some(key),
                message_zh: zh,
                message_en: en,
            }
        })
        .collect();
    if paths.len() > MAX_ROW_PROBLEMS_PER_TABLE {
        let (kind, zh, en) = rest(paths.len() - MAX_ROW_PROBLEMS_PER_TABLE);
        found.push(VerifyProblem {
            kind,
            event_seq: None,
            table: Some(table.to_owned()),
            key: None,
            message_zh: zh,
            message_en: en,
        });
    }
    found
}
