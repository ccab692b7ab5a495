//! Listening sessions as evidence: what is recorded, how coverage is derived, how a session that
//! was never ended reads back, and that a tampered span is found by verify. (A real crash — the
//! `tingjian play` process killed mid-call — is tested in crates/tingjian-cli/tests/realtime.rs.)

use tingjian_core::listening::{ChannelMode, HeardSpan};
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::Vault;

mod common;
use common::{sql, vault_with_a_call};

fn span(start_ms: u64, end_ms: u64) -> HeardSpan {
    HeardSpan { start_ms, end_ms, channel: ChannelMode::Both }
}

#[test]
fn a_session_records_who_heard_what_and_coverage_is_the_union() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, hash) = vault_with_a_call(temp.path(), "wang.hang");
    let target = vault.find_recording("TS-1").expect("by complaint number");
    assert_eq!(target.hash, hash);
    assert_eq!(vault.find_recording(&hash[..8]).expect("by hash prefix").complaint_number.as_deref(), Some("TS-1"));

    let session = vault.start_listening(&target, "default").expect("start");
    vault.record_heard(&session, vec![span(10_000, 15_000)]).expect("flush");
    vault.record_heard(&session, vec![]).expect("an empty flush writes nothing");
    vault.end_listening(&session, vec![span(15_000, 20_000), span(40_000, 50_000)], "stopped").expect("end");

    let report = vault.listening_session(&session).expect("report");
    assert_eq!(report.person, "wang.hang");
    assert_eq!(report.complaint_number.as_deref(), Some("TS-1"));
    assert_eq!(report.end_reason.as_deref(), Some("stopped"));
    // [10, 15) and [15, 20) were flushed apart but are one stretch of listening.
    assert_eq!(report.spans, vec![span(10_000, 20_000), span(40_000, 50_000)]);
    assert_eq!(report.coverage.heard_ms, 20_000);
    assert!((report.coverage.percent - 33.3).abs() < 1.0, "{}", report.coverage.percent);

    let kinds: Vec<String> = sql(&vault)
        .prepare("SELECT kind FROM events WHERE kind LIKE 'listening%' ORDER BY seq")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("kinds");
    assert_eq!(kinds, ["listening_started", "listening_heard", "listening_heard", "listening_ended"]);

    // A second session by someone else overlaps the first: per recording it counts once, per person
    // only their own spans count.
    let mut other = Vault::open(&temp.path().join("v"), "li.zhuren").expect("reopen as another person");
    let second = other.start_listening(&target, "default").expect("start");
    other.end_listening(&second, vec![span(0, 30_000)], "finished").expect("end");
    assert_eq!(other.listening_coverage(&hash, None).expect("all").heard_ms, 40_000);
    assert_eq!(other.listening_coverage(&hash, Some("wang.hang")).expect("one").heard_ms, 20_000);
    assert_eq!(other.listening_coverage(&hash, Some("li.zhuren")).expect("other").heard_ms, 30_000);
    assert_eq!(other.listening_sessions(&hash).expect("sessions").len(), 2);
    assert!(other.verify().expect("verify").ok);
}

#[test]
fn a_session_never_ended_reads_back_as_interrupted_with_its_flushed_spans() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "wang.hang");
    let target = vault.find_recording("TS-1").expect("target");
    let session = vault.start_listening(&target, "default").expect("start");
    vault.record_heard(&session, vec![span(0, 4_000)]).expect("flush");
    // The vault is closed without `end_listening` (a clean close, not a crash: the killed
    // process is tested with the real command in tingjian-cli/tests/realtime.rs).
    drop(vault);
    let vault = Vault::open(&temp.path().join("v"), "wang.hang").expect("reopen");
    let report = vault.listening_session(&session).expect("report");
    assert_eq!(report.ended_at, None, "an interrupted session shows as interrupted");
    assert_eq!(report.coverage.heard_ms, 4_000);
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn an_ended_session_accepts_nothing_more_and_bad_queries_are_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "wang.hang");
    let target = vault.find_recording("TS-1").expect("target");
    let session = vault.start_listening(&target, "default").expect("start");
    vault.end_listening(&session, vec![], "stopped").expect("end");
    let late = vault.record_heard(&session, vec![span(0, 1_000)]).expect_err("closed");
    assert_eq!(late.code(), ErrorCode::ListeningSessionClosed);

    let session = vault.start_listening(&target, "default").expect("start again");
    let outside = vault.record_heard(&session, vec![span(59_000, 70_000)]).expect_err("past the end");
    assert!(outside.to_string().contains("60000"), "{outside}");

    for query in ["TS-404", "abc", "zzzzzzzz", ""] {
        let error = vault.find_recording(query).expect_err(query);
        assert_eq!(error.code(), ErrorCode::RecordingNotFound, "{query}");
        assert!(error.message_zh().contains("录音"), "{query}: {}", error.message_zh());
    }
}

#[test]
fn a_span_edited_behind_the_apps_back_is_found_by_verify() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "wang.hang");
    let target = vault.find_recording("TS-1").expect("target");
    let session = vault.start_listening(&target, "default").expect("start");
    vault.end_listening(&session, vec![span(0, 5_000)], "stopped").expect("end");
    // Someone stretches the span to claim the whole call was heard.
    sql(&vault).execute("UPDATE listening_spans SET end_ms = 60000", []).expect("tamper");
    let report = vault.verify().expect("verify runs");
    assert!(!report.ok);
    assert!(report.problems.iter().any(|p| p.table.as_deref() == Some("listening_spans")), "{:?}", report.problems);
}

/// A clock the test moves by hand.
#[derive(Debug)]
struct HandClock(std::sync::Mutex<jiff::Timestamp>);

impl HandClock {
    fn advance_ms(&self, ms: i64) {
        let mut now = self.0.lock().expect("clock");
        *now = now.checked_add(jiff::SignedDuration::from_millis(ms)).expect("in range");
    }
}

impl tingjian_core::time::Clock for HandClock {
    fn now(&self) -> jiff::Timestamp {
        *self.0.lock().expect("clock")
    }
}

#[test]
fn listening_recorded_faster_than_it_can_be_heard_is_named_without_failing_the_check() {
    use std::sync::Arc;
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, _) = vault_with_a_call(temp.path(), "wang.hang");
    let dir = vault.root().to_owned();
    drop(vault);
    let clock = Arc::new(HandClock(std::sync::Mutex::new("2026-11-02T07:00:00Z".parse().expect("instant"))));
    let mut vault = Vault::open_with_clock(&dir, "wang.hang", clock.clone()).expect("open");
    let target = vault.find_recording("TS-1").expect("target");

    // A person at double speed: 8 s of the call in 4.2 s. Plausible, so no warning.
    let honest = vault.start_listening(&target, "headset").expect("start");
    clock.advance_ms(4_200);
    vault.record_heard(&honest, vec![span(0, 8_000)]).expect("flush");
    vault.end_listening(&honest, vec![], "stopped").expect("end");
    let report = vault.verify().expect("verify");
    assert!(report.ok && report.warnings.is_empty(), "{report:#?}");

    // An unpaced device: 10 s of the call reported as played 0.9 s after the session started.
    clock.advance_ms(60_000);
    let unpaced = vault.start_listening(&target, "file").expect("start");
    clock.advance_ms(900);
    vault.record_heard(&unpaced, vec![span(10_000, 20_000)]).expect("flush");
    let flush_seq = vault.events().expect("events").last().expect("an event").seq;
    let report = vault.verify().expect("verify");
    assert!(report.ok, "the log is intact: {report:#?}");
    assert_eq!(report.warnings.len(), 1, "{report:#?}");
    let warning = &report.warnings[0];
    assert_eq!(warning.kind, tingjian_vault::ProblemKind::ListeningImplausible);
    assert_eq!(warning.key.as_deref(), Some(unpaced.as_str()));
    assert_eq!(warning.event_seq, Some(flush_seq));
    assert!(
        warning.message_en.contains("records 10.0 s of the recording as heard only 0.9 s after it started"),
        "{}",
        warning.message_en
    );
    assert!(warning.message_zh.contains("已听 10.0 秒"), "{}", warning.message_zh);
}
