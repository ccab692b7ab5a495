//! `verify`: recompute the chain, replay the log against the domain tables, rehash the audio.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use tingjian_core::Coded;
use ts_rs::TS;

use crate::event::{self, DecodeError, GENESIS_PREV_HASH, RecordedEvent, sha256_hex};
use crate::{ContentStore, Vault, VaultError, apply, schema};

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
}

/// What `verify` reads: the vault's folder (for its stores) and a connection to its database.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub root: &'a Path,
    pub db: &'a Connection,
}

pub fn verify(vault: &Vault) -> Result<VerifyReport, VaultError> {
    verify_target(Target { root: vault.root(), db: vault.db() })
}

pub(crate) fn verify_target(target: Target<'_>) -> Result<VerifyReport, VaultError> {
    // One read transaction: the log, the tables and the stored files are read as of one moment,
    // even while another connection (the app's player, the command line) keeps writing.
    let _snapshot = target.db.unchecked_transaction()?;
    let events = event::read_all(target.db)?;
    let mut problems = Vec::new();
    if let Some(problem) = first_chain_break(&events) {
        problems.push(problem);
    }
    problems.extend(backdated_events(&events));
    problems.extend(compare_projection(target.db, &events)?);
    let (recordings_checked, audio_problems) = check_stored_files(target, StoredKind::Recording)?;
    problems.extend(audio_problems);
    let (_, evidence_problems) = check_stored_files(target, StoredKind::Evidence)?;
    problems.extend(evidence_problems);
    problems.extend(stray_files(target, StoredKind::Recording)?);
    problems.extend(stray_files(target, StoredKind::Evidence)?);
    Ok(VerifyReport {
        ok: problems.is_empty(),
        events_checked: events.len() as u64,
        recordings_checked,
        head_hash: events.last().map(|e| e.hash.clone()),
        problems,
        warnings: implausible_listening(&events),
    })
}

/// The domain rows that differ from the log's replay (step 2 of [`verify`] alone), for checks that
/// look at a few tables, such as `sample verify`.
pub(crate) fn projection_problems(vault: &Vault) -> Result<Vec<VerifyProblem>, VaultError> {
    let events = event::read_all(vault.db())?;
    compare_projection(vault.db(), &events)
}

fn problem(kind: ProblemKind, event_seq: Option<u64>, zh: String, en: String) -> VerifyProblem {
    VerifyProblem { kind, event_seq, table: None, key: None, message_zh: zh, message_en: en }
}

/// Walks the log in position order and reports the first place where it stops being an unbroken
/// chain. Everything after a break is suspect, so only the first is reported.
fn first_chain_break(events: &[RecordedEvent]) -> Option<VerifyProblem> {
    let mut prev_hash = GENESIS_PREV_HASH.to_owned();
    for (expected, e) in (1u64..).zip(events) {
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
            let limit = events.len() as u64 + 1;
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
        if e.prev_hash != prev_hash {
            let before = seq.saturating_sub(1);
            return Some(problem(
                ProblemKind::EventChainBroken,
                Some(before),
                format!("事件 #{seq} 与前一事件 #{before} 不相连：#{before} 被替换或重写"),
                format!("event #{seq} does not link to event #{before}: #{before} was replaced or rewritten"),
            ));
        }
        match e.decode() {
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
        prev_hash = e.hash.clone();
    }
    None
}

/// Every event dated before the one it follows by more than the clock tolerance (the first
/// [`MAX_ROW_PROBLEMS_PER_TABLE`]): the log's order is its time order, so each is a record whose
/// date cannot be trusted.
fn backdated_events(events: &[RecordedEvent]) -> Vec<VerifyProblem> {
    events
        .windows(2)
        .filter(|pair| !event::follows_in_time(&pair[0].at, &pair[1].at))
        .take(MAX_ROW_PROBLEMS_PER_TABLE)
        .map(|pair| {
            let (before, e) = (&pair[0], &pair[1]);
            let (seq, prev) = (e.seq, before.seq);
            problem(
                ProblemKind::EventBackdated,
                Some(seq),
                format!("事件 #{seq}（{}）的时间 {} 早于它之前的事件 #{prev} 的时间 {}：时间被倒填，或写入时电脑时钟被调回", e.kind, e.at, before.at),
                format!(
                    "event #{seq} ({}) is dated {}, before event #{prev} at {}: backdated, or written while the computer's clock was set back",
                    e.kind, e.at, before.at
                ),
            )
        })
        .collect()
}

/// Every listening session (the first [`MAX_ROW_PROBLEMS_PER_TABLE`]) that, at one of its
/// flushes, had recorded more of the recording as heard than the time since it started allows at
/// the fastest speed; named at that flush.
fn implausible_listening(events: &[RecordedEvent]) -> Vec<VerifyProblem> {
    use tingjian_core::listening::{FASTEST_SPEED, heard_in_time};
    /// A session's start and what it has recorded as heard so far, and whether it was reported.
    struct Session {
        started: jiff::Timestamp,
        person: String,
        heard_ms: u64,
        reported: bool,
    }
    let mut sessions: BTreeMap<String, Session> = BTreeMap::new();
    let mut problems = Vec::new();
    for e in events {
        let Ok(at) = e.at.parse::<jiff::Timestamp>() else { continue };
        match e.decode() {
            Ok(event::Event::ListeningStarted { session_id, .. }) => {
                sessions
                    .insert(session_id, Session { started: at, person: e.actor.clone(), heard_ms: 0, reported: false });
            }
            Ok(event::Event::ListeningHeard { session_id, spans }) => {
                let Some(session) = sessions.get_mut(&session_id) else { continue };
                session.heard_ms += spans.iter().map(|span| span.end_ms.saturating_sub(span.start_ms)).sum::<u64>();
                let elapsed_ms = u64::try_from(at.duration_since(session.started).as_millis()).unwrap_or(0);
                if session.reported || heard_in_time(session.heard_ms, elapsed_ms) {
                    continue;
                }
                session.reported = true;
                let seq = e.seq;
                let (heard, elapsed) = (session.heard_ms as f64 / 1000.0, elapsed_ms as f64 / 1000.0);
                let person = &session.person;
                problems.push(VerifyProblem {
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
                if problems.len() == MAX_ROW_PROBLEMS_PER_TABLE {
                    break;
                }
            }
            _ => {}
        }
    }
    problems
}

type Rows = BTreeMap<String, Vec<(String, Value)>>;

fn read_table(conn: &Connection, table: &str, key: &str) -> Result<Rows, VaultError> {
    let mut statement = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {key}"))?;
    let names: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let key_index = names.iter().position(|n| n == key).unwrap_or(0);
    let mut rows = statement.query([])?;
    let mut out = Rows::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            values.push((name.clone(), row.get::<_, Value>(index)?));
        }
        out.insert(show(&values[key_index].1), values);
    }
    Ok(out)
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

fn event_seq_of(row: &[(String, Value)]) -> Option<u64> {
    row.iter().find(|(name, _)| name == "event_seq").and_then(|(_, value)| match value {
        Value::Integer(i) if *i > 0 => Some(*i as u64),
        _ => None,
    })
}

/// Replays every readable event into a fresh in-memory database and compares each domain table
/// with the vault's, row by row.
fn compare_projection(db: &Connection, events: &[RecordedEvent]) -> Result<Vec<VerifyProblem>, VaultError> {
    let mut replay = Connection::open_in_memory()?;
    // A damaged log can hold an event whose effect refers to a row an earlier, deleted event
    // wrote; the replay must go on regardless, so constraints between tables are not enforced.
    replay.pragma_update(None, "foreign_keys", false)?;
    let tx = replay.transaction_with_behavior(TransactionBehavior::Immediate)?;
    schema::migrate(&tx)?;
    let mut problems = Vec::new();
    // Replay in the order the events were written. Where the log itself is damaged the chain
    // check has already said so; replaying what is readable still shows which rows it touched.
    for e in events {
        let Ok(parsed) = e.decode() else { continue };
        if let Err(error) = apply::apply(&tx, e, &parsed) {
            let seq = e.seq;
            problems.push(problem(
                ProblemKind::EventUnreadable,
                Some(seq),
                format!("事件 #{seq}（{}）无法重放：{}", e.kind, error.message_zh()),
                format!("event #{seq} ({}) cannot be replayed: {error}", e.kind),
            ));
        }
    }
    tx.commit()?;

    for (table, key) in schema::DOMAIN_TABLES {
        let stored = read_table(db, table, key)?;
        let expected = read_table(&replay, table, key)?;
        let mut found = Vec::new();
        for (row_key, row) in &stored {
            match expected.get(row_key) {
                None => {
                    let claimed = event_seq_of(row);
                    let claim = claimed.map(|s| format!("#{s}")).unwrap_or_else(|| "?".to_owned());
                    found.push(VerifyProblem {
                        kind: ProblemKind::RowAdded,
                        event_seq: claimed,
                        table: Some((*table).to_owned()),
                        key: Some(row_key.clone()),
                        message_zh: format!(
                            "{}表（{table}）中的记录 {row_key} 不是由任何事件写入的（自称来自事件 {claim}）",
                            table_zh(table)
                        ),
                        message_en: format!(
                            "row {row_key} in table {table} was not written by any event (it claims event {claim})"
                        ),
                    });
                }
                Some(wanted) if wanted != row => {
                    let seq = event_seq_of(wanted);
                    let (column, have, want) = row
                        .iter()
                        .zip(wanted)
                        .find(|(a, b)| a != b)
                        .map(|((name, a), (_, b))| (name.clone(), quote(&show(a)), quote(&show(b))))
                        .unwrap_or_default();
                    let by = seq.map(|s| format!("#{s}")).unwrap_or_else(|| "?".to_owned());
                    found.push(VerifyProblem {
                        kind: ProblemKind::RowChanged,
                        event_seq: seq,
                        table: Some((*table).to_owned()),
                        key: Some(row_key.clone()),
                        message_zh: format!(
                            "{}表（{table}）中的记录 {row_key} 与事件 {by} 写入的不一致：字段 {column} 现为“{have}”，日志记载为“{want}”",
                            table_zh(table)
                        ),
                        message_en: format!(
                            "row {row_key} in table {table} differs from what event {by} wrote: {column} is \"{have}\", the log says \"{want}\""
                        ),
                    });
                }
                Some(_) => {}
            }
        }
        for (row_key, row) in &expected {
            if !stored.contains_key(row_key) {
                let seq = event_seq_of(row);
                let by = seq.map(|s| format!("#{s}")).unwrap_or_else(|| "?".to_owned());
                found.push(VerifyProblem {
                    kind: ProblemKind::RowMissing,
                    event_seq: seq,
                    table: Some((*table).to_owned()),
                    key: Some(row_key.clone()),
                    message_zh: format!("{}表（{table}）中由事件 {by} 写入的记录 {row_key} 已被删除", table_zh(table)),
                    message_en: format!("row {row_key} in table {table}, written by event {by}, was deleted"),
                });
            }
        }
        found.sort_by_key(|p| p.event_seq);
        found.truncate(MAX_ROW_PROBLEMS_PER_TABLE);
        problems.extend(found);
    }
    Ok(problems)
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
fn stray_files(target: Target<'_>, kind: StoredKind) -> Result<Vec<VerifyProblem>, VaultError> {
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
                if recent {
                    continue;
                }
            }
            if file_type.is_file() && crate::partial_pid(&name).is_some() && !crate::partial_left_over(&path) {
                continue;
            }
            strays.push(path);
        }
    }
    strays.sort();
    let total = strays.len();
    let mut problems: Vec<VerifyProblem> = strays
        .iter()
        .take(MAX_ROW_PROBLEMS_PER_TABLE)
        .map(|path| {
            let shown = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
            VerifyProblem {
                kind: ProblemKind::StrayFile,
                event_seq: None,
                table: Some(table.to_owned()),
                key: Some(shown.clone()),
                message_zh: format!(
                    "档案库中的 {shown} 不是任何{what_zh}的存档文件（中断的操作留下的，或被人放进去的）；核实后可移走"
                ),
                message_en: format!(
                    "{shown} in the vault is not the file of any stored {what_en} (left by an interrupted process, or put there by hand); check it and move it out"
                ),
            }
        })
        .collect();
    if total > MAX_ROW_PROBLEMS_PER_TABLE {
        let more = total - MAX_ROW_PROBLEMS_PER_TABLE;
        problems.push(VerifyProblem {
            kind: ProblemKind::StrayFile,
            event_seq: None,
            table: Some(table.to_owned()),
            key: None,
            message_zh: format!("{folder} 文件夹中另有 {more} 个不属于任何{what_zh}的文件"),
            message_en: format!("{more} more files in the {folder} folder are not the file of any stored {what_en}"),
        });
    }
    Ok(problems)
}
