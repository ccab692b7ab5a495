//! The audit log's format, frozen. `tests/golden/format-1/` was written once by the Tingjian that
//! introduced event format 1 and is never regenerated: one payload per event kind exactly as that
//! version stored it (`events/<kind>.json`), and a small vault holding each kind at least once
//! (`vault/`). These tests prove today's code still reads every stored payload and still verifies
//! that vault, so a change to a type that events carry (a field renamed for the UI, a variant
//! dropped) fails here instead of making an auditor's old evidence look tampered with.
//!
//! When a persisted shape has to change, the format number goes up, the old shape is kept as a
//! frozen type that `RecordedEvent::decode` upcasts from, and a new `format-N` folder is added
//! beside this one; the old folders stay.
//!
//! `write_golden_files` (ignored) is how the folder was made; it refuses to overwrite it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tingjian_core::listening::{ChannelMode, HeardSpan};
use tingjian_core::rectification::{CaseAction, Effectiveness, ObservationPeriod, Severity};
use tingjian_core::time::FixedClock;
use tingjian_core::{QuarterId, QuarterState};
use tingjian_vault::event::{self, EVENT_FORMAT};
use tingjian_vault::{Event, RectificationRequest, Vault};

mod common;
use common::{answer_do_and_submit, as_person, copy_dir, date};

fn golden_dir(format: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("format-{format}"))
}

/// Every format this code has ever written; each has its folder of fixtures.
const FORMATS: &[u32] = &[1, 2, 3, 4];

#[test]
fn the_current_format_has_golden_files() {
    assert!(FORMATS.contains(&EVENT_FORMAT), "add tests/golden/format-{EVENT_FORMAT} and list it in FORMATS");
}

#[test]
fn every_kind_has_a_stored_payload_that_todays_code_reads() {
    for &format in FORMATS {
        let dir = golden_dir(format).join("events");
        for kind in Event::KINDS.iter().filter(|kind| Event::first_format(kind) <= format) {
            let path = dir.join(format!("{kind}.json"));
            let payload = std::fs::read_to_string(&path).unwrap_or_else(|error| {
                panic!("{}: {error} (every event kind needs a golden payload)", path.display())
            });
            let payload = payload.trim_end_matches('\n');
            let event = event::decode(format, kind, payload)
                .unwrap_or_else(|error| panic!("{}: today's code cannot read it: {error}", path.display()));
            assert_eq!(event.kind(), *kind, "{}", path.display());
            if format == EVENT_FORMAT {
                // The current format is also still written byte for byte as it was: the payload's
                // digest is part of the chain, so the writer must not drift either.
                let written = serde_json::to_string(&event).expect("serialise");
                assert_eq!(written, payload, "{}: today's code writes this kind differently", path.display());
            }
        }
    }
}

#[test]
fn every_golden_vault_opens_and_verifies_with_todays_code() {
    for &format in FORMATS {
        let temp = tempfile::tempdir().expect("tempdir");
        let copy = temp.path().join("vault");
        copy_dir(&golden_dir(format).join("vault"), &copy);
        // Opening brings the schema up to date (on the copy): old vaults are opened, not rebuilt.
        let vault = Vault::open_with_clock(&copy, "auditor", clock("2027-03-01T02:00:00Z")).expect("open");
        let report = vault.verify().expect("verify");
        assert!(report.ok, "format-{format} vault: {:#?}", report.problems);
        let kinds: std::collections::BTreeSet<String> =
            vault.events().expect("events").into_iter().map(|e| e.kind).collect();
        for kind in Event::KINDS.iter().filter(|kind| Event::first_format(kind) <= format) {
            assert!(kinds.contains(*kind), "format-{format} vault holds a {kind} event");
        }
        // From format 2 on, the golden vault has accounts: every event after the first account
        // is signed, and its signature verifies.
        assert_eq!(report.signed_events > 0, format >= 2, "format-{format}: {} signed", report.signed_events);
        let quarter = QuarterId::new(2026, 4).expect("quarter");
        assert_eq!(vault.quarter_state(quarter).expect("state"), Some(QuarterState::Open));
        assert_eq!(vault.notes("TS-1").expect("notes").len(), 1, "the note survives");
        assert_eq!(vault.reflections("TS-1").expect("reflections").len(), 1);
        assert!(vault.status().expect("status").demo, "the demo mark is read from the old event");
        // Migration 13 filled the clock columns of complaints stored before it: the figures count
        // the quarter's call, and TS-1, never answered, is past its hour.
        let figures = vault.handling_metrics(quarter, usize::MAX).expect("metrics");
        assert!(figures.branch.complaints >= 1, "format-{format}: {:?}", figures.branch);
        assert_eq!(figures.branch.complaints, figures.branch.response_due + figures.data_problems.total);
    }
}

fn clock(at: &str) -> Arc<FixedClock> {
    Arc::new(FixedClock(at.parse().expect("instant")))
}

/// Writes `tests/golden/format-{EVENT_FORMAT}` with today's code. Run once, when a format is
/// introduced: `cargo test -p tingjian-vault --test golden -- --ignored`.
#[test]
#[ignore = "writes the golden files; run by hand once per event format"]
fn write_golden_files() {
    let out = golden_dir(EVENT_FORMAT);
    assert!(!out.exists(), "{} exists: golden files are never regenerated", out.display());
    let temp = tempfile::tempdir().expect("tempdir");
    // Before accounts: the vault and a first call, unsigned; then everyone's accounts.
    let (setup, _) = common::vault_with_a_call(temp.path(), "li");
    let dir = setup.root().to_owned();
    drop(setup);
    common::start_accounts_for_everyone(&dir, "2026-11-02T06:40:00Z");
    let mut setup = as_person(&dir, "li", "2026-11-02T06:50:00Z");
    let mut complaint_2 = common::complaint("TS-2");
    complaint_2.recording_file = "second.wav".to_owned();
    let second = setup.audio().put_bytes(b"a second call").expect("store");
    let recording_2 = tingjian_core::model::Recording {
        hash: second.hash.clone(),
        original_name: "second.wav".to_owned(),
        container: "wav".to_owned(),
        codec: "pcm_s16le".to_owned(),
        sample_rate: 8000,
        channels: 1,
        duration_ms: 30_000,
        bytes: second.bytes,
        analytics: None,
    };
    setup
        .record(vec![
            Event::RecordingStored { recording: recording_2 },
            Event::ComplaintRecorded { complaint: complaint_2 },
            Event::RecordingLinked { complaint_number: "TS-2".to_owned(), recording_hash: second.hash },
            Event::ImportMappingSaved {
                mapping: [("投诉编号".to_owned(), Some("number".to_owned())), ("备注".to_owned(), None)]
                    .into_iter()
                    .collect(),
            },
            Event::ImportFinished {
                source: "投诉导出.csv".to_owned(),
                complaints_added: 2,
                recordings_added: 1,
                links_added: 1,
                manifest_blake3: "0".repeat(64),
                rejected: 1,
                warnings: 1,
            },
        ])
        .expect("an import");
    drop(setup);

    // The coordinator sets the policy and prepares Q4's draw, the president witnesses it, and the
    // coordinator draws, adds TS-2 by hand and opens the quarter.
    let quarter = QuarterId::new(2026, 4).expect("quarter");
    let mut li = as_person(&dir, "li", "2026-11-02T07:00:00Z");
    let policy = tingjian_sampling::Policy::from_toml(common::ONE_CALL_POLICY).expect("policy");
    li.set_sampling_policy(quarter, policy).expect("policy set");
    li.prepare_draw(quarter, None).expect("prepare");
    drop(li);
    as_person(&dir, "wang", "2026-11-02T07:05:00Z").witness_draw(quarter).expect("witness");
    let mut li = as_person(&dir, "li", "2026-11-02T07:10:00Z");
    li.draw_sample(quarter, None, None).expect("draw");
    // TS-2's handling limit is extended with approval, and its clock paused for an appraisal.
    li.extend_handling("TS-2", 60, Some("总行消保部"), "涉及多家机构，需总行协调").expect("extend");
    let (from, to) = ("2026-11-02T07:00:00Z".parse().expect("from"), "2026-11-02T07:05:00Z".parse().expect("to"));
    li.pause_handling("TS-2", from, Some(to), "委托外部机构鉴定").expect("pause");
    let drawn = li.quarter_sample(quarter).expect("sample").assignments;
    let left_out = if drawn.iter().any(|a| a.complaint_number == "TS-1") { "TS-2" } else { "TS-1" };
    li.add_to_sample(quarter, left_out, "wang", "客户三次来电", None).expect("by hand");
    li.open_quarter(quarter).expect("open quarter");
    drop(li);

    // The president listens, notes, reflects, reveals and requires rectification.
    let mut wang = as_person(&dir, "wang", "2026-11-02T08:00:00Z");
    let target = wang.find_recording("TS-1").expect("recording");
    let session = wang.start_listening(&target, "耳机 headset").expect("listen");
    wang.record_heard(&session, vec![HeardSpan { start_ms: 0, end_ms: 20_000, channel: ChannelMode::Both }])
        .expect("heard");
    wang.end_listening(&session, vec![], "stopped").expect("end");
    let note = wang.add_note("TS-1", 12_000, "坐席未告知年费").expect("note");
    wang.edit_note(&note.id, 12_500, "坐席未告知年费规则").expect("edit");
    wang.submit_reflection("TS-1", "办卡环节只讲权益不讲收费。").expect("reflection");
    wang.reveal_personal_data("TS-1", "核实客户是否重复投诉").expect("reveal");
    let case = wang
        .require_rectification(&RectificationRequest {
            complaint_number: "TS-1".to_owned(),
            department: "信用卡中心".to_owned(),
            what_must_change: "办卡时讲清年费规则".to_owned(),
            note_ids: vec![note.id.clone()],
            severity: Severity::Serious,
            due_date: None,
        })
        .expect("require")
        .id;
    drop(wang);

    // The coordinator drafts a second case and cancels it.
    let mut li = as_person(&dir, "li", "2026-11-02T09:00:00Z");
    let draft = li
        .draft_rectification(&RectificationRequest {
            complaint_number: "TS-2".to_owned(),
            department: "信用卡中心".to_owned(),
            what_must_change: "同一问题已在另一案件中整改".to_owned(),
            note_ids: vec![],
            severity: Severity::Normal,
            due_date: None,
        })
        .expect("draft")
        .summary
        .id;
    li.rectification_step(&draft, CaseAction::Open { due_on: Some(date("2026-12-01")) }).expect("issue");
    li.rectification_step(&draft, CaseAction::Cancel { reason: "与另一案件重复".to_owned() }).expect("cancel");
    drop(li);

    // The head answers, does the work with evidence and submits; the coordinator verifies.
    answer_do_and_submit(&dir, temp.path(), &case);
    let mut li = as_person(&dir, "li", "2026-11-12T02:00:00Z");
    let verify = CaseAction::Verify {
        result: Effectiveness::Effective,
        criteria: "一个月内无同类投诉".to_owned(),
        observation: ObservationPeriod { from: date("2026-11-03"), to: date("2026-11-10") },
        finding: "观察期内无同类投诉".to_owned(),
        new_due_on: None,
    };
    li.rectification_step(&case, verify).expect("verify");
    li.record(vec![Event::DemoDataAdded { seed: 7 }]).expect("demo mark");
    // zhang forgets his passphrase (a reset), then leaves.
    li.reset_passphrase("zhang", "ZHANG-RESET-PASS", common::TEST_SEALING).expect("reset");
    li.mark_left("zhang").expect("zhang leaves");
    // The quarter's evidence pack is exported with personal data, for an examiner (format 4).
    li.record(vec![Event::PackExported {
        quarter,
        with_audio: true,
        with_personal_data: true,
        reason: Some("监管检查调阅".to_owned()),
    }])
    .expect("pack exported");
    let report = li.verify().expect("verify");
    assert!(report.ok, "the golden vault verifies when written: {:#?}", report.problems);
    assert!(report.signed_events > 0);

    // One stored payload per kind (the first of each), exactly as stored.
    let events = li.events().expect("events");
    drop(li);
    let events_dir = out.join("events");
    std::fs::create_dir_all(&events_dir).expect("mkdir");
    for kind in Event::KINDS.iter().filter(|kind| Event::first_format(kind) <= EVENT_FORMAT) {
        let first = events.iter().find(|e| e.kind == *kind).unwrap_or_else(|| panic!("no {kind} event written"));
        std::fs::write(events_dir.join(format!("{kind}.json")), format!("{}\n", first.payload)).expect("write");
    }
    // The vault itself, closed (so its write-ahead log is folded into vault.sqlite).
    copy_dir(&dir, &out.join("vault"));
    for leftover in ["vault.sqlite-wal", "vault.sqlite-shm"] {
        assert!(!out.join("vault").join(leftover).exists(), "{leftover} left behind");
    }
}
