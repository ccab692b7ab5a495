//! What the `Listening` tests share: a vault holding a real two-party call (a WAV file stored and
//! recorded through the vault API), and running a scenario in a child process, because ALSA reads
//! its configuration once per process and each scenario needs its own sound set-up.

#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tingjian_core::listening::HeardSpan;
use tingjian_core::model::{Complaint, Recording};
use tingjian_review::{Listening, PlayerSettings, PlayerUpdate};
use tingjian_vault::{Event, Vault};

pub use tingjian_sound_setups::{
    AlsaConfig, PulseOutput, SignalledChild, print_result, run_as_child, run_child, scenario_env, signal_parent,
};

/// How often the scenarios tick the session: what `tingjian play` does.
pub const TICK: Duration = Duration::from_millis(30);

/// The variable naming a child scenario's vault.
const VAULT_ENV: &str = "TJ_VAULT";

/// Who listens in these tests.
pub const REVIEWER: &str = "wang.hang";

/// The complaint the call belongs to.
pub const COMPLAINT: &str = "TS-7";

/// Creates a vault at `dir/vault` holding complaint TS-7 with a `seconds`-long 8 kHz two-party
/// call: a tone for the agent and another for the customer, both sounding the whole time, so
/// every moment played is audible in the capture. The recording's facts come from a full decode
/// (as import does), so the duration the vault knows is the one the player measures.
pub fn vault_with_a_call(dir: &Path, seconds: u32) -> PathBuf {
    let wav = dir.join("call.wav");
    tingjian_sound_setups::write_two_party_call(&wav, seconds);
    let info = tingjian_audio::probe_file(&wav).expect("probe the call");
    let dir = dir.join("vault");
    let mut vault = Vault::create(&dir, REVIEWER).expect("create vault");
    let stored = vault.audio().put(&wav).expect("store the call");
    let recording = Recording {
        hash: stored.hash.clone(),
        original_name: "call.wav".to_owned(),
        container: info.container.clone(),
        codec: info.codec.clone(),
        sample_rate: info.sample_rate,
        channels: info.channels,
        duration_ms: info.duration_ms(),
        bytes: stored.bytes,
        analytics: None,
    };
    let complaint = Complaint {
        number: COMPLAINT.to_owned(),
        accepted_at: "2026-11-02T01:05:00.000000Z".to_owned(),
        channel: "客服热线".to_owned(),
        business_line: "信用卡".to_owned(),
        category: "收费定价".to_owned(),
        department: "信用卡中心".to_owned(),
        customer_name: "张三".to_owned(),
        phone: "13800001111".to_owned(),
        first_response_at: None,
        resolved_at: None,
        status: "处理中".to_owned(),
        recording_file: "call.wav".to_owned(),
        regulator_forwarded: false,
        dispatched_at: None,
        summary: "年费争议".to_owned(),
    };
    vault
        .record(vec![
            Event::RecordingStored { recording },
            Event::ComplaintRecorded { complaint },
            Event::RecordingLinked { complaint_number: COMPLAINT.to_owned(), recording_hash: stored.hash },
        ])
        .expect("record the call");
    dir
}

/// Runs the child test `scenario` doing `action` on a vault holding a `seconds`-long call (see
/// [`vault_with_a_call`]), with the sound set-up's environment `setup`; returns its result.
pub fn run_on_a_call(scenario: &str, seconds: u32, setup: Vec<(String, String)>, action: &str) -> Value {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_call(temp.path(), seconds);
    run_child(scenario, &call_env(setup, &vault, action))
}

/// The environment of a child scenario doing `action` on `vault`, with the sound set-up's `setup`.
pub fn call_env(setup: Vec<(String, String)>, vault: &Path, action: &str) -> Vec<(String, String)> {
    scenario_env(setup, VAULT_ENV, vault, action)
}

/// The vault of a child scenario, opened as the reviewer.
pub fn child_vault() -> Vault {
    let dir = PathBuf::from(std::env::var(VAULT_ENV).expect(VAULT_ENV));
    Vault::open(&dir, REVIEWER).expect("open vault")
}

/// A child scenario's start: its vault, and the call in it opened for listening (see
/// [`open_call`]), with the listening session's id.
pub fn open_child_call() -> (Vault, Listening, String) {
    let mut vault = child_vault();
    let listening = open_call(&mut vault);
    let session = listening.session_id().to_owned();
    (vault, listening, session)
}

/// Opens the call for listening on the default device with the app's default settings, except
/// that resuming does not rewind (a rewind would make the spans after a pause overlap).
pub fn open_call(vault: &mut Vault) -> Listening {
    let (listening, _) = Listening::open(vault, COMPLAINT, None).expect("open the call on the default device");
    listening.apply(&PlayerSettings { rewind_on_resume_ms: 0, ..PlayerSettings::default() });
    listening
}

/// The spans the vault holds for `session`, as the review screen would read them back.
pub fn spans_in_vault(vault: &Vault, session: &str) -> Vec<HeardSpan> {
    vault.listening_session(session).expect("session").spans
}

/// Ticks the session every [`TICK`] for `how_long`, with the vault while it is free (`Some`), as
/// the app's pump does; the update of every tick.
pub fn ticks_for(listening: &mut Listening, mut vault: Option<&mut Vault>, how_long: Duration) -> Vec<PlayerUpdate> {
    let started = Instant::now();
    let mut updates = Vec::new();
    while started.elapsed() < how_long {
        std::thread::sleep(TICK);
        updates.push(listening.tick(vault.as_deref_mut()));
    }
    updates
}

/// A child scenario's `result`, with what the vault holds of its `session` once closed:
/// `ended_at`, `end_reason`, `final` (the spans heard), `coverage_percent`, and `verified` (whether
/// the whole vault verifies; null if verifying failed).
pub fn with_session(mut result: Value, vault: &Vault, session: &str) -> Value {
    let report = vault.listening_session(session).expect("session");
    result["ended_at"] = json!(report.ended_at);
    result["end_reason"] = json!(report.end_reason);
    result["final"] = json!(report.spans);
    result["coverage_percent"] = json!(report.coverage.percent);
    result["verified"] = json!(vault.verify().ok().map(|verified| verified.ok));
    result
}

/// How many `listening_heard` events the vault's log holds.
pub fn heard_events(vault: &Vault) -> u64 {
    sql(vault)
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'listening_heard'", [], |row| row.get(0))
        .expect("count listening_heard")
}

/// Spans as `(start_ms, end_ms)` pairs from a child's JSON.
pub fn pairs(value: &Value) -> Vec<(u64, u64)> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list of spans: {value}"))
        .iter()
        .map(|s| (s["start_ms"].as_u64().expect("start_ms"), s["end_ms"].as_u64().expect("end_ms")))
        .collect()
}

/// A connection of the test's own to the vault's database file, as an auditor's `sqlite3` would
/// open it: the vault keeps its connections to itself.
pub fn sql(vault: &Vault) -> rusqlite::Connection {
    rusqlite::Connection::open(vault.root().join(tingjian_vault::DATABASE_FILE)).expect("open the vault's database")
}
