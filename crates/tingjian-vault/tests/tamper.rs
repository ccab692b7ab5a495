//! Tampering the way an attacker would, and `verify` naming what was done: the real `sqlite3` tool
//! on the vault file (the append-only triggers dropped first where the edit needs it, hashes
//! recomputed with the documented recipe so the chain itself stays intact), or files deleted from
//! the vault directory. Every test closes the app's handle first, tampers, then opens the vault
//! again and verifies, as an auditor would.
//!
//! Each test asserts the one finding that tampering leaves, its kind and the event or file it
//! names; none of them can pass on a vault that was not touched.

use std::path::{Path, PathBuf};

use tingjian_core::rectification::{CaseAction, Effectiveness, ObservationPeriod, Severity};
use tingjian_vault::event::{chain_hash, sha256_hex};
use tingjian_vault::{Event, ProblemKind, RectificationRequest, VerifyProblem};

mod common;
use common::{
    DROP_GUARDS, add_people, answer_do_and_submit, as_person, date, forge_append_in_format, quoted, sqlite3,
    vault_with_a_call, verify_as_auditor as verify,
};

/// Appends an unsigned (format 1) event at the head of the log; see [`forge_append_in_format`].
fn forge_append(vault: &Path, at: &str, actor: &str, kind: &str, payload: &str) -> u64 {
    forge_append_in_format(vault, 1, at, actor, kind, payload)
}

/// The one problem `verify` found; fails, listing them, when there is not exactly one.
fn the_only(problems: Vec<VerifyProblem>) -> VerifyProblem {
    assert_eq!(problems.len(), 1, "exactly one finding expected: {problems:#?}");
    problems.into_iter().next().expect("one")
}

/// A vault holding a call (events 1–4: vault, recording, complaint TS-1, link), closed again.
fn closed_vault_with_a_call(temp: &Path) -> (PathBuf, String) {
    let (vault, hash) = vault_with_a_call(temp, "li.min");
    let dir = vault.root().to_owned();
    assert!(vault.verify().expect("verify").ok, "the untouched vault verifies");
    drop(vault);
    (dir, hash)
}

#[test]
fn an_event_rewritten_with_its_own_hashes_recomputed_breaks_the_next_link_and_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = closed_vault_with_a_call(temp.path());
    // Event #3 recorded complaint TS-1 for 张三. The attacker rewrites it for 赵六: a new payload,
    // its digest and its own hash recomputed, so #3 alone is a perfect event; and the complaint's
    // row changed to match, so the tables agree with the rewritten log. Only event #4 still links
    // to the hash #3 had.
    let (kind, at, actor, prev_hash, payload) = {
        let conn =
            rusqlite::Connection::open_with_flags(dir.join("vault.sqlite"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open read-only");
        conn.query_row("SELECT kind, at, actor, prev_hash, payload FROM events WHERE seq = 3", [], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .expect("event 3")
    };
    assert_eq!(kind, "complaint_recorded");
    assert!(payload.contains("张三"), "{payload}");
    let rewritten = payload.replace("张三", "赵六");
    let digest = sha256_hex(rewritten.as_bytes());
    let hash = chain_hash(1, 3, &prev_hash, &at, &actor, &kind, &digest);
    sqlite3(
        &dir,
        &format!(
            "{DROP_GUARDS} UPDATE events SET payload = {}, payload_sha256 = {}, hash = {} WHERE seq = 3; \
             UPDATE complaints SET customer_name = '赵六' WHERE number = 'TS-1';",
            quoted(&rewritten),
            quoted(&digest),
            quoted(&hash)
        ),
    );

    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::EventChainBroken, "{problem:#?}");
    assert_eq!(problem.event_seq, Some(3), "the replaced event is the one named");
    assert!(problem.message_en.contains("event #4 does not link to event #3"), "{}", problem.message_en);
    assert!(problem.message_zh.contains("#3"), "{}", problem.message_zh);
}

#[test]
fn an_event_backdated_before_the_one_it_follows_with_a_valid_chain_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = closed_vault_with_a_call(temp.path());
    // Events #1–#4 were written at 2026-11-02 06:30 UTC. The forger appends an event dated the day
    // before, hashed and linked correctly: only its date gives it away.
    let seq = forge_append(
        &dir,
        "2026-11-01T06:30:00.000000Z",
        "li.min",
        "demo_data_added",
        r#"{"kind":"demo_data_added","seed":7}"#,
    );
    assert_eq!(seq, 5);
    // Its effect written too, as the app would have, so the tables agree with the log.
    sqlite3(&dir, "UPDATE vault_info SET demo_since_seq = 5, event_seq = 5 WHERE id = 1;");
    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::EventBackdated, "{problem:#?}");
    assert_eq!(problem.event_seq, Some(5));
    assert!(
        problem.message_en.contains("event #5 (demo_data_added) is dated 2026-11-01T06:30:00.000000Z, before event #4"),
        "{}",
        problem.message_en
    );
    assert!(problem.message_zh.contains("#5") && problem.message_zh.contains("#4"), "{}", problem.message_zh);
}

#[test]
fn an_event_dated_half_a_minute_before_the_one_it_follows_is_within_the_clock_tolerance() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = closed_vault_with_a_call(temp.path());
    forge_append(
        &dir,
        "2026-11-02T06:29:30.000000Z",
        "li.min",
        "demo_data_added",
        r#"{"kind":"demo_data_added","seed":7}"#,
    );
    sqlite3(&dir, "UPDATE vault_info SET demo_since_seq = 5, event_seq = 5 WHERE id = 1;");
    assert_eq!(verify(&dir), vec![], "a clock stepped back by time synchronisation is not a finding");
}

#[test]
fn an_event_appended_with_a_valid_chain_but_no_tingjian_payload_is_unreadable_and_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = closed_vault_with_a_call(temp.path());
    // A `complaint_recorded` entry whose payload is not a complaint: linked and hashed correctly,
    // so only reading it shows what it is.
    let seq = forge_append(
        &dir,
        "2026-11-02T07:00:00.000000Z",
        "li.min",
        "complaint_recorded",
        r#"{"kind":"complaint_recorded","complaint":{"number":"TS-9"}}"#,
    );
    assert_eq!(seq, 5);

    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::EventUnreadable, "{problem:#?}");
    assert_eq!(problem.event_seq, Some(5));
    assert!(problem.message_en.contains("event #5"), "{}", problem.message_en);
    assert!(problem.message_zh.contains("#5"), "{}", problem.message_zh);
}

#[test]
fn an_events_format_number_changed_breaks_its_hash_and_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = closed_vault_with_a_call(temp.path());
    // Claiming event #3 is in another format would have it read by other rules; the format is
    // part of the hash's recipe, so the change shows.
    sqlite3(&dir, &format!("{DROP_GUARDS} UPDATE events SET format = 2 WHERE seq = 3;"));

    // The first finding is the edited event; the complaint it recorded is then also reported as
    // written by no readable event.
    let problems = verify(&dir);
    let first = &problems[0];
    assert_eq!(first.kind, ProblemKind::EventEdited, "{problems:#?}");
    assert_eq!(first.event_seq, Some(3));
    assert!(first.message_en.contains("format"), "{}", first.message_en);
}

#[test]
fn an_event_in_a_newer_format_asks_for_a_newer_tingjian_instead_of_calling_it_forged() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = closed_vault_with_a_call(temp.path());
    // What a later Tingjian would write: a format after today's, chained with its own recipe.
    let seq = forge_append_in_format(
        &dir,
        tingjian_vault::event::EVENT_FORMAT + 1,
        "2026-11-02T07:00:00.000000Z",
        "li.min",
        "note_added",
        r#"{"kind":"note_added","version_2_shape":true}"#,
    );

    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::EventUnreadable, "{problem:#?}");
    assert_eq!(problem.event_seq, Some(seq));
    assert!(problem.message_en.contains("newer Tingjian"), "{}", problem.message_en);
    assert!(problem.message_zh.contains("更新版本"), "{}", problem.message_zh);
}

#[test]
fn a_recording_deleted_from_the_vault_directory_is_missing_and_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, hash) = closed_vault_with_a_call(temp.path());
    let file = dir.join("audio").join(&hash[..2]).join(&hash);
    assert!(file.is_file(), "the recording is stored under its hash: {}", file.display());
    std::fs::remove_file(&file).expect("delete the recording");

    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::AudioMissing, "{problem:#?}");
    assert_eq!(problem.key.as_deref(), Some(hash.as_str()), "the file is named by its hash");
    assert_eq!(problem.table.as_deref(), Some("recordings"));
    assert_eq!(problem.event_seq, Some(2), "the recording_stored event");
    assert!(
        problem.message_en.contains("call.wav") && problem.message_en.contains("missing"),
        "{}",
        problem.message_en
    );
    assert!(problem.message_zh.contains("call.wav"), "{}", problem.message_zh);
}

// ---------------------------------------------------------------------------------------------
// Rectification: a case with evidence, then tampering with its file or its log.

fn verify_step(result: Effectiveness) -> CaseAction {
    CaseAction::Verify {
        result,
        criteria: "一个月内无同类投诉".to_owned(),
        observation: ObservationPeriod { from: date("2026-11-03"), to: date("2026-11-10") },
        finding: "观察期内无同类投诉".to_owned(),
        new_due_on: None,
    }
}

/// A case required by the president on 2 November, answered by the head of 信用卡中心 on 3
/// November with one action, done with an evidence file, and submitted: pending verification.
/// Returns the vault directory, the case id and the evidence file's hash.
fn vault_with_a_case_pending_verification(temp: &Path) -> (PathBuf, String, String) {
    let (mut setup, _) = vault_with_a_call(temp, "setup");
    let dir = setup.root().to_owned();
    add_people(&mut setup);
    drop(setup);

    let mut wang = as_person(&dir, "wang", "2026-11-02T06:30:00Z");
    let id = wang
        .require_rectification(&RectificationRequest {
            complaint_number: "TS-1".to_owned(),
            department: "信用卡中心".to_owned(),
            what_must_change: "办卡时讲清年费规则".to_owned(),
            note_ids: vec![],
            severity: Severity::Serious,
            due_date: None,
        })
        .expect("require")
        .id;
    drop(wang);
    let hash = answer_do_and_submit(&dir, temp, &id);
    assert!(as_person(&dir, "li", "2026-11-03T03:00:00Z").verify().expect("verify").ok, "the untouched vault verifies");
    (dir, id, hash)
}

fn seq_of(dir: &Path, condition: &str) -> u64 {
    sqlite3(dir, &format!("SELECT seq FROM events WHERE {condition};")).parse().expect("one event")
}

#[test]
fn an_evidence_file_deleted_from_the_vault_directory_is_missing_and_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, _, hash) = vault_with_a_case_pending_verification(temp.path());
    let stored_by = seq_of(&dir, "kind = 'evidence_stored'");
    let file = dir.join("evidence").join(&hash[..2]).join(&hash);
    assert!(file.is_file(), "the evidence is stored under its hash: {}", file.display());
    std::fs::remove_file(&file).expect("delete the evidence");

    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::EvidenceMissing, "{problem:#?}");
    assert_eq!(problem.key.as_deref(), Some(hash.as_str()), "the file is named by its hash");
    assert_eq!(problem.table.as_deref(), Some("evidence_files"));
    assert_eq!(problem.event_seq, Some(stored_by), "the evidence_stored event");
    assert!(problem.message_en.contains("话术下发记录.csv"), "{}", problem.message_en);
    assert!(
        problem.message_zh.contains("话术下发记录.csv") && problem.message_zh.contains("缺失"),
        "{}",
        problem.message_zh
    );
}

/// A `rectification_step` the rules refuse, appended behind the app's back with an intact chain:
/// the department head verifies their own department's work and closes the case, and the board's
/// row is changed to match. Replay runs the rules and refuses the step, naming it.
#[test]
fn a_department_head_verifying_slipped_into_the_log_is_refused_by_replay_and_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, id, _) = vault_with_a_case_pending_verification(temp.path());
    let step = Event::RectificationStep { case_id: id.clone(), step: verify_step(Effectiveness::Effective) };
    let payload = serde_json::to_string(&step).expect("payload");
    let forged = forge_append(&dir, "2026-11-12T02:00:00.000000Z", "chen", "rectification_step", &payload);
    sqlite3(
        &dir,
        &format!("UPDATE rectification_cases SET state = 'closed', event_seq = {forged} WHERE id = {};", quoted(&id)),
    );

    let problems = verify(&dir);
    assert!(
        !problems.iter().any(|p| matches!(
            p.kind,
            ProblemKind::EventEdited
                | ProblemKind::EventMissing
                | ProblemKind::EventReordered
                | ProblemKind::EventChainBroken
        )),
        "the chain itself is intact: {problems:#?}"
    );
    let refused = &problems[0];
    assert_eq!(refused.kind, ProblemKind::EventUnreadable, "{problems:#?}");
    assert_eq!(refused.event_seq, Some(forged), "the slipped-in step is named");
    assert!(
        refused.message_en.contains(&format!("event #{forged} (rectification_step) cannot be replayed")),
        "{}",
        refused.message_en
    );
    // Each language gives the rules' own reason: a department head may not verify.
    assert!(refused.message_en.contains("department head cannot verify"), "{}", refused.message_en);
    assert!(
        refused.message_zh.contains(&format!("事件 #{forged}")) && refused.message_zh.contains("无权"),
        "{}",
        refused.message_zh
    );
    // The edited row shows too: the log (without the refused step) leaves the case pending.
    let row = problems.iter().find(|p| p.table.as_deref() == Some("rectification_cases")).expect("the case row");
    assert_eq!((row.kind, row.key.as_deref()), (ProblemKind::RowChanged, Some(id.as_str())), "{problems:#?}");
    assert!(row.message_en.contains("pending_verification"), "{}", row.message_en);
    assert_eq!(problems.len(), 2, "{problems:#?}");
}

/// A step on a closed case, appended with an intact chain and nothing else changed: replay refuses
/// it, naming the event, though no table differs.
#[test]
fn a_step_on_a_closed_case_slipped_into_the_log_is_refused_by_replay_and_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (dir, id, _) = vault_with_a_case_pending_verification(temp.path());
    let mut li = as_person(&dir, "li", "2026-11-12T02:00:00Z");
    li.rectification_step(&id, verify_step(Effectiveness::Effective)).expect("the coordinator closes it");
    assert!(li.verify().expect("verify").ok);
    drop(li);

    let step =
        Event::RectificationStep { case_id: id, step: CaseAction::Cancel { reason: "撤销以免考核".to_owned() } };
    let payload = serde_json::to_string(&step).expect("payload");
    let forged = forge_append(&dir, "2026-11-13T02:00:00.000000Z", "li", "rectification_step", &payload);

    let problem = the_only(verify(&dir));
    assert_eq!(problem.kind, ProblemKind::EventUnreadable, "{problem:#?}");
    assert_eq!(problem.event_seq, Some(forged), "the slipped-in step is named");
    assert!(
        problem.message_en.contains(&format!("event #{forged} (rectification_step) cannot be replayed")),
        "{}",
        problem.message_en
    );
    assert!(problem.message_zh.contains("已关闭"), "the state that refuses it: {}", problem.message_zh);
}
