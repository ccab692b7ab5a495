//! A rectification case through the vault, on real files: required from a review, answered by the
//! department head, progress logged with an evidence file, submitted, verified not effective
//! (reopened) and then effective (closed). The rules refuse what they must, refusals record
//! nothing, the evidence file's hash is in the log, and `verify` replays every step.

use tingjian_core::rectification::{
    CaseAction, CaseState, Effectiveness, NewAction, ObservationPeriod, OverdueFlag, RootCause, Severity,
};
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{ProblemKind, RectificationFilter, RectificationRequest, Vault};

mod common;
use common::{add_people as people, as_person, date, sql, vault_with_a_call};

fn action(measure: &str, due_on: &str) -> NewAction {
    NewAction {
        measure: measure.to_owned(),
        owner: "chen".to_owned(),
        due_on: date(due_on),
        done_criterion: "培训签到表和抽查记录".to_owned(),
    }
}

fn answer() -> CaseAction {
    CaseAction::Answer {
        reflection: "办卡环节只讲权益不讲收费，客户不知年费规则。".to_owned(),
        root_cause: RootCause {
            category: "告知不充分".to_owned(),
            text: "营销话术缺少收费告知".to_owned(),
            similar_complaints: vec![],
        },
        actions: vec![action("修订办卡话术，加入年费告知", "2026-11-20"), action("全员培训并抽查", "2026-11-25")],
    }
}

fn verify_step(result: Effectiveness) -> CaseAction {
    CaseAction::Verify {
        result,
        criteria: "一个月内无同类投诉".to_owned(),
        observation: ObservationPeriod { from: date("2026-11-03"), to: date("2026-11-10") },
        finding: "观察期内仍有一起同类投诉".to_owned(),
        new_due_on: None,
    }
}

fn events(vault: &Vault) -> u64 {
    sql(vault).query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count")
}

#[test]
fn a_case_goes_from_a_review_to_a_verified_close_and_every_step_is_evidence() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    let (mut setup, _) = vault_with_a_call(temp.path(), "setup");
    people(&mut setup);
    drop(setup);

    // The president hears the call and requires rectification of the department.
    let mut wang = as_person(&dir, "wang", "2026-11-02T06:30:00Z");
    let note = wang.add_note("TS-1", 12_000, "坐席承诺减免年费但未落实").expect("note");
    let case = wang
        .require_rectification(&RectificationRequest {
            complaint_number: "TS-1".to_owned(),
            department: "信用卡中心".to_owned(),
            what_must_change: "办卡时讲清年费规则".to_owned(),
            note_ids: vec![note.id],
            severity: Severity::Serious,
            due_date: None,
        })
        .expect("require");
    let id = case.id;
    let view = wang.rectification_view(&id).expect("view");
    assert_eq!(view.summary.state, CaseState::Open);
    assert_eq!(view.case.due_on, Some(date("2026-12-02")));
    assert_eq!(view.notes.len(), 1, "the note that shows the problem comes with the case");
    assert!(view.available.is_empty(), "the president takes no department step");
    drop(wang);

    // Another department's head, and the coordinator, cannot answer; nothing is recorded.
    let mut zhang = as_person(&dir, "zhang", "2026-11-03T02:00:00Z");
    let before = events(&zhang);
    assert_eq!(zhang.rectification_step(&id, answer()).expect_err("not theirs").code(), ErrorCode::NotPermitted);
    let mut li = as_person(&dir, "li", "2026-11-03T02:00:00Z");
    let refused = li.rectification_step(&id, answer()).expect_err("not the coordinator's step");
    assert_eq!(refused.code(), ErrorCode::NotPermitted);
    assert_eq!(events(&li), before);
    drop((zhang, li));

    // The head answers: reflection, root cause, two actions; then logs progress with a file.
    let mut chen = as_person(&dir, "chen", "2026-11-03T02:00:00Z");
    let view = chen.rectification_step(&id, answer()).expect("answer");
    assert_eq!(view.summary.state, CaseState::InProgress);
    assert_eq!(view.summary.actions_total, 2);
    let refused = chen.rectification_step(&id, CaseAction::SubmitForVerification).expect_err("actions not done");
    assert_eq!(refused.code(), ErrorCode::TransitionRefused);
    assert!(refused.message_zh().contains("修订办卡话术"), "{}", refused.message_zh());

    let evidence = temp.path().join("培训签到表.csv");
    std::fs::write(&evidence, "姓名,日期\n陈静,2026-11-03\n").expect("write");
    let view = chen
        .log_rectification_progress(&id, 0, "话术已修订并下发", std::slice::from_ref(&evidence), true)
        .expect("progress");
    assert_eq!(view.evidence.len(), 1);
    let hash = view.evidence[0].hash.clone();
    assert_eq!(view.evidence[0].name, "培训签到表.csv");
    assert_eq!(std::fs::read(chen.evidence().path_of(&hash)).expect("stored"), std::fs::read(&evidence).expect("read"));
    chen.log_rectification_progress(&id, 1, "培训完成", &[], true).expect("progress");
    let view = chen.rectification_step(&id, CaseAction::SubmitForVerification).expect("submit");
    assert_eq!(view.summary.state, CaseState::PendingVerification);
    drop(chen);

    // The coordinator checks: not effective reopens; then effective closes.
    let mut li = as_person(&dir, "li", "2026-11-12T02:00:00Z");
    assert_eq!(li.rectification_view(&id).expect("view").available.len(), 2, "verify and cancel");
    let view = li.rectification_step(&id, verify_step(Effectiveness::NotEffective)).expect("verify");
    assert_eq!(view.summary.state, CaseState::InProgress, "not effective reopens");
    assert_eq!(view.case.verifications.len(), 1);
    drop(li);
    let mut chen = as_person(&dir, "chen", "2026-11-13T02:00:00Z");
    chen.rectification_step(&id, CaseAction::SubmitForVerification).expect("resubmit");
    drop(chen);
    let mut li = as_person(&dir, "li", "2026-11-14T02:00:00Z");
    let view = li.rectification_step(&id, verify_step(Effectiveness::Effective)).expect("verify");
    assert_eq!(view.summary.state, CaseState::Closed);
    let refused = li.rectification_step(&id, CaseAction::Cancel { reason: "重复".to_owned() }).expect_err("final");
    assert_eq!(refused.code(), ErrorCode::TransitionRefused);

    // The log has every step, the evidence hash among them, and replays to the same tables.
    let kinds: Vec<String> = sql(&li)
        .prepare("SELECT kind FROM events WHERE kind LIKE 'rectification_%' OR kind = 'evidence_stored' ORDER BY seq")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("kinds");
    assert_eq!(
        kinds,
        [
            "rectification_required",
            "rectification_step",
            "evidence_stored",
            "rectification_step",
            "rectification_step",
            "rectification_step",
            "rectification_step",
            "rectification_step",
            "rectification_step"
        ]
    );
    let with_hash: u64 = sql(&li)
        .query_row("SELECT count(*) FROM events WHERE payload LIKE '%' || ?1 || '%'", [&hash], |r| r.get(0))
        .expect("count");
    assert_eq!(with_hash, 2, "the stored file and the progress entry both name its hash");
    assert!(li.verify().expect("verify").ok);

    // Changing the evidence file, or the case's row, is found.
    std::fs::write(li.evidence().path_of(&hash), "改过的").expect("tamper");
    let report = li.verify().expect("verify");
    assert!(report.problems.iter().any(|p| p.kind == ProblemKind::EvidenceAltered), "{:?}", report.problems);
}

#[test]
fn the_board_puts_late_cases_first_and_filters_by_state_department_and_overdue() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    let (mut setup, _) = vault_with_a_call(temp.path(), "setup");
    people(&mut setup);
    drop(setup);
    let request = |department: &str, due: &str| RectificationRequest {
        complaint_number: "TS-1".to_owned(),
        department: department.to_owned(),
        what_must_change: "整改".to_owned(),
        note_ids: vec![],
        severity: Severity::Normal,
        due_date: Some(due.to_owned()),
    };
    let mut wang = as_person(&dir, "wang", "2026-11-02T06:30:00Z");
    let soon = wang.require_rectification(&request("信用卡中心", "2026-11-05")).expect("case").id;
    let later = wang.require_rectification(&request("零售金融部", "2026-11-30")).expect("case").id;
    drop(wang);

    // Ten days on, the first case is five days late; the board shows it first.
    let chen = as_person(&dir, "chen", "2026-11-10T02:00:00Z");
    let board = chen.rectification_board(&RectificationFilter::default()).expect("board");
    assert_eq!(board.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [soon.as_str(), later.as_str()]);
    assert!(matches!(board[0].overdue.as_slice(), [OverdueFlag::CaseOverdue { days_late: 5, .. }]));
    assert!(board[1].overdue.is_empty());
    let late = chen.rectification_board(&RectificationFilter { overdue: true, ..Default::default() }).expect("late");
    assert_eq!(late.len(), 1);
    let mine = chen.rectification_board(&RectificationFilter { mine: true, ..Default::default() }).expect("mine");
    assert_eq!(mine.iter().map(|s| s.department.as_str()).collect::<Vec<_>>(), ["信用卡中心"]);
    let filter = RectificationFilter { department: Some("零售金融部".to_owned()), ..Default::default() };
    assert_eq!(chen.rectification_board(&filter).expect("dept").len(), 1);
    let filter = RectificationFilter { state: Some(CaseState::Closed), ..Default::default() };
    assert!(chen.rectification_board(&filter).expect("closed").is_empty());
}

#[test]
fn the_coordinator_drafts_a_case_by_hand_and_opens_it_and_cancelling_needs_a_reason() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    let (mut setup, _) = vault_with_a_call(temp.path(), "setup");
    people(&mut setup);
    drop(setup);
    let request = RectificationRequest {
        complaint_number: "TS-1".to_owned(),
        department: "信用卡中心".to_owned(),
        what_must_change: "复核全部同类投诉".to_owned(),
        note_ids: vec![],
        severity: Severity::Critical,
        due_date: None,
    };
    let mut chen = as_person(&dir, "chen", "2026-11-02T06:30:00Z");
    assert_eq!(chen.draft_rectification(&request).expect_err("heads do not draft").code(), ErrorCode::NotPermitted);
    let mut li = as_person(&dir, "li", "2026-11-02T06:30:00Z");
    let view = li.draft_rectification(&request).expect("draft");
    assert_eq!(view.summary.state, CaseState::Draft);
    assert_eq!(view.summary.due_date, "");
    let id = view.summary.id;
    let heads_board = chen.rectification_board(&RectificationFilter::default()).expect("board");
    assert!(heads_board.is_empty(), "the department sees a case once it is issued, not its draft");
    let view = li.rectification_step(&id, CaseAction::Open { due_on: None }).expect("open");
    assert_eq!(chen.rectification_board(&RectificationFilter::default()).expect("board").len(), 1);
    assert_eq!((view.summary.state, view.summary.due_date.as_str()), (CaseState::Open, "2026-12-02"));
    let empty = li.rectification_step(&id, CaseAction::Cancel { reason: " ".to_owned() }).expect_err("no reason");
    assert_eq!(empty.code(), ErrorCode::InvalidInput);
    let view = li.rectification_step(&id, CaseAction::Cancel { reason: "与另一案件重复".to_owned() }).expect("cancel");
    assert_eq!(view.summary.state, CaseState::Cancelled);
    assert_eq!(view.case.history.len(), 2, "opened, then cancelled; nothing removed");
    assert!(li.verify().expect("verify").ok);
}
