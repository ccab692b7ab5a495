//! What a reviewer writes, on real vault files: notes pinned to moments, the reflection draft that
//! survives the app going away, the submitted reflection, reveals of personal data and required
//! rectifications — each an audit event that `verify` replays, refused clearly when it is wrong.

use tingjian_core::rectification::Severity;
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{RectificationRequest, Vault};

mod common;
use common::{sql, vault_with_a_call};

fn event_count(vault: &Vault) -> u64 {
    sql(vault).query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count")
}

fn request(note_ids: Vec<String>) -> RectificationRequest {
    RectificationRequest {
        complaint_number: "TS-1".to_owned(),
        department: "信用卡中心".to_owned(),
        what_must_change: "年费减免规则须在办卡时讲清楚".to_owned(),
        note_ids,
        severity: Severity::Serious,
        due_date: None,
    }
}

#[test]
fn notes_are_pinned_to_moments_listed_in_call_order_and_edited_only_by_their_author() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, hash) = vault_with_a_call(temp.path(), "president.li");
    let late = vault.add_note("TS-1", 42_000, "  客户第三次要求减免年费  ").expect("note");
    let early = vault.add_note("TS-1", 7_500, "坐席没有核实身份").expect("note");
    assert_eq!(late.text, "客户第三次要求减免年费", "the text is kept trimmed");
    assert_eq!(late.recording_hash, hash);
    assert_eq!(late.person, "president.li");
    let listed: Vec<u64> = vault.notes("TS-1").expect("notes").iter().map(|n| n.at_ms).collect();
    assert_eq!(listed, vec![7_500, 42_000]);

    // A moment past the end of the call is pinned to its end.
    let past = vault.add_note("TS-1", 99_000, "挂断").expect("note");
    assert_eq!(past.at_ms, 60_000);

    let edited = vault.edit_note(&early.id, 8_000, "坐席没有核实客户身份").expect("edit");
    assert_eq!((edited.at_ms, edited.text.as_str()), (8_000, "坐席没有核实客户身份"));
    assert!(edited.edited_at.is_some());
    let kinds: Vec<String> = sql(&vault)
        .prepare("SELECT kind FROM events WHERE kind LIKE 'note_%' ORDER BY seq")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("kinds");
    assert_eq!(kinds, ["note_added", "note_added", "note_added", "note_edited"]);
    // The earlier text is still in the log.
    let first_payload: String = sql(&vault)
        .query_row("SELECT payload FROM events WHERE kind = 'note_added' AND payload LIKE '%坐席%'", [], |r| r.get(0))
        .expect("payload");
    assert!(first_payload.contains("坐席没有核实身份"));
    drop(vault);

    // Someone else opens the same vault: they see the notes and cannot change them.
    let mut other = Vault::open(&temp.path().join("v"), "head.wang").expect("open");
    let before = event_count(&other);
    let refused = other.edit_note(&late.id, 1_000, "改掉").expect_err("not the author");
    assert_eq!(refused.code(), ErrorCode::NotPermitted);
    assert!(refused.message_zh().contains("president.li"), "{}", refused.message_zh());
    assert_eq!(event_count(&other), before, "a refused edit records nothing");
    assert!(other.verify().expect("verify").ok);
}

#[test]
fn bad_notes_are_refused_with_a_reason_and_nothing_is_recorded() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "president.li");
    let before = event_count(&vault);
    let empty = vault.add_note("TS-1", 1_000, "   ").expect_err("empty");
    assert_eq!(empty.code(), ErrorCode::InvalidInput);
    assert!(empty.message_zh().contains("笔记不能为空"));
    let long = vault.add_note("TS-1", 1_000, &"很".repeat(2_001)).expect_err("too long");
    assert!(long.message_en().contains("2001 characters"), "{}", long.message_en());
    let unknown = vault.add_note("TS-404", 1_000, "?").expect_err("no such complaint");
    assert_eq!(unknown.code(), ErrorCode::ComplaintNotFound);
    assert!(unknown.message_zh().contains("TS-404"));
    let missing = vault.edit_note("nope", 0, "x").expect_err("no such note");
    assert_eq!(missing.code(), ErrorCode::NoteNotFound);
    assert_eq!(event_count(&vault), before);
}

#[test]
fn a_reflection_draft_survives_reopening_and_submitting_makes_it_an_event() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    let (mut vault, _) = vault_with_a_call(temp.path(), "president.li");
    let before = event_count(&vault);
    vault.save_reflection_draft("TS-1", "一、办卡环节").expect("save");
    vault.save_reflection_draft("TS-1", "一、办卡环节未讲清年费规则；").expect("save");
    assert_eq!(event_count(&vault), before, "typing writes no events");
    // The process goes away without closing anything (the connection is leaked, as in a crash).
    std::mem::forget(vault);

    let mut vault = Vault::open(&dir, "president.li").expect("reopen");
    let draft = vault.reflection_draft("TS-1").expect("draft").expect("the draft is there");
    assert_eq!(draft.text, "一、办卡环节未讲清年费规则；");
    // A draft is the writer's own.
    assert_eq!(Vault::open(&dir, "head.wang").expect("open").reflection_draft("TS-1").expect("draft"), None);

    let reflection = vault.submit_reflection("TS-1", &draft.text).expect("submit");
    assert_eq!(reflection.person, "president.li");
    assert_eq!(vault.reflection_draft("TS-1").expect("draft"), None, "submitting clears the draft");
    assert_eq!(vault.reflections("TS-1").expect("reflections"), vec![reflection]);
    let kind: String =
        sql(&vault).query_row("SELECT kind FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).expect("kind");
    assert_eq!(kind, "reflection_submitted");
    assert!(vault.verify().expect("verify").ok);

    // An empty draft removes it; an empty submission is refused.
    vault.save_reflection_draft("TS-1", "x").expect("save");
    vault.save_reflection_draft("TS-1", "  ").expect("clear");
    assert_eq!(vault.reflection_draft("TS-1").expect("draft"), None);
    assert_eq!(vault.submit_reflection("TS-1", "").expect_err("empty").code(), ErrorCode::InvalidInput);

    // A submitted reflection is evidence: changing it behind the app's back is found.
    sql(&vault).execute("UPDATE reflections SET text = '改过的'", []).expect("tamper");
    let report = vault.verify().expect("verify");
    assert!(!report.ok);
    assert!(report.problems.iter().any(|p| format!("{p:?}").contains("reflections")), "{:?}", report.problems);
}

#[test]
fn revealing_personal_data_is_recorded_with_who_and_why() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "president.li");
    let details = vault.complaint_details("TS-1").expect("details");
    assert_eq!((details.row.customer_masked.as_str(), details.phone_masked.as_str()), ("张*", "138****1111"));
    assert_eq!(vault.reveal_personal_data("TS-1", " ").expect_err("no reason").code(), ErrorCode::InvalidInput);

    let shown = vault.reveal_personal_data("TS-1", "回访客户核实诉求").expect("reveal");
    assert_eq!((shown.customer_name.as_str(), shown.phone.as_str()), ("张三", "13800001111"));
    let (kind, actor, payload): (String, String, String) = sql(&vault)
        .query_row("SELECT kind, actor, payload FROM events WHERE seq = ?1", [shown.event_seq], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("event");
    assert_eq!((kind.as_str(), actor.as_str()), ("personal_data_revealed", "president.li"));
    assert!(payload.contains("回访客户核实诉求") && payload.contains("TS-1"));
    assert!(!payload.contains("13800001111"), "the log records the reveal, not the data");
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn requiring_rectification_opens_a_case_for_the_department_with_the_notes_that_show_the_problem() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, hash) = vault_with_a_call(temp.path(), "president.li");
    let note = vault.add_note("TS-1", 12_000, "坐席承诺减免但未落实").expect("note");
    let case = vault.require_rectification(&request(vec![note.id.clone()])).expect("require");
    assert_eq!(case.state, "open");
    assert_eq!(case.department, "信用卡中心");
    assert_eq!(case.recording_hash.as_deref(), Some(hash.as_str()));
    assert_eq!(case.note_ids, vec![note.id]);
    assert_eq!(case.opened_by, "president.li");
    // The test clock is 2026-11-02 in Shanghai; the default is 30 days.
    assert_eq!(case.due_date, "2026-12-02");
    assert_eq!(vault.rectification_cases("TS-1").expect("cases"), vec![case]);

    let before = event_count(&vault);
    let mut bad = request(vec![]);
    bad.department = " ".to_owned();
    assert!(vault.require_rectification(&bad).expect_err("no department").message_zh().contains("部门"));
    // A severity that does not exist cannot be asked for: such a request does not deserialise.
    let mut unknown = serde_json::to_value(request(vec![])).expect("json");
    unknown["severity"] = "urgent".into();
    assert!(serde_json::from_value::<RectificationRequest>(unknown).is_err());
    let mut bad = request(vec![]);
    bad.due_date = Some("2026-10-01".to_owned());
    assert!(vault.require_rectification(&bad).expect_err("past").message_zh().contains("早于今天"));
    let mut bad = request(vec![]);
    bad.due_date = Some("下个月".to_owned());
    assert_eq!(vault.require_rectification(&bad).expect_err("date").code(), ErrorCode::InvalidInput);
    assert_eq!(
        vault.require_rectification(&request(vec!["missing".to_owned()])).expect_err("note").code(),
        ErrorCode::NoteNotFound
    );
    assert_eq!(event_count(&vault), before, "refusals record nothing");

    let mut dated = request(vec![]);
    dated.due_date = Some("2026-11-20".to_owned());
    assert_eq!(vault.require_rectification(&dated).expect("dated").due_date, "2026-11-20");
    assert!(vault.verify().expect("verify").ok);
}
