//! The rectification rules as a state machine: every (state, action, role) combination, the
//! content checks, the case-level guards and the overdue rules at their boundary days.

use jiff::ToSpan;
use jiff::civil::Date;
use proptest::prelude::*;
use tingjian_core::rectification::{
    ActionKind, Actor, Case, CaseAction, CaseState, Effectiveness, Evidence, NewAction, ObservationPeriod, OverdueFlag,
    RectificationError, RectificationPolicy, Role, RootCause, Severity, available_actions, overdue, transition,
};
use tingjian_core::{Coded, ErrorCode, UiError};

const DEPARTMENT: &str = "城东支行";

/// Day `n` of the test calendar: day 0 is 2026-10-01.
fn day(n: i64) -> Date {
    Date::new(2026, 10, 1).expect("date").checked_add(n.days()).expect("in range")
}

fn actor(role: Role) -> Actor {
    let department = (role == Role::DepartmentHead).then(|| DEPARTMENT.to_owned());
    Actor { id: format!("{role:?}").to_lowercase(), role, department }
}

fn policy() -> RectificationPolicy {
    RectificationPolicy::default()
}

fn new_action(measure: &str, due_on: Date) -> NewAction {
    NewAction {
        measure: measure.to_owned(),
        owner: "王经理".to_owned(),
        due_on,
        done_criterion: "全员培训签到表".to_owned(),
    }
}

fn answer(actions: Vec<NewAction>) -> CaseAction {
    CaseAction::Answer {
        reflection: "柜员解释不清，未主动安抚客户".to_owned(),
        root_cause: RootCause {
            category: "培训".to_owned(),
            text: "新员工未接受投诉处理培训".to_owned(),
            similar_complaints: vec!["TS2026100002".to_owned()],
        },
        actions,
    }
}

fn progress(action: u32, marks_done: bool) -> CaseAction {
    CaseAction::LogProgress {
        action,
        text: "已完成培训".to_owned(),
        evidence: vec![Evidence { hash: "ab".repeat(32), name: "签到表.xlsx".to_owned() }],
        marks_done,
    }
}

fn verify(result: Effectiveness, observed_to: Date) -> CaseAction {
    CaseAction::Verify {
        result,
        criteria: "观察期内无同类投诉".to_owned(),
        observation: ObservationPeriod { from: day(0), to: observed_to },
        finding: "仍有一起同类投诉".to_owned(),
        new_due_on: None,
    }
}

fn cancel(reason: &str) -> CaseAction {
    CaseAction::Cancel { reason: reason.to_owned() }
}

/// One action of every kind (three verifications), with complete content, named for the table.
fn sample_actions() -> Vec<(&'static str, CaseAction)> {
    vec![
        ("open", CaseAction::Open { due_on: None }),
        ("answer", answer(vec![new_action("开展投诉处理培训", day(20))])),
        ("add_action", CaseAction::AddAction { action: new_action("修订服务流程", day(25)) }),
        ("log_progress", progress(0, false)),
        ("submit", CaseAction::SubmitForVerification),
        ("verify_effective", verify(Effectiveness::Effective, day(3))),
        ("verify_partly", verify(Effectiveness::PartlyEffective, day(3))),
        ("verify_not", verify(Effectiveness::NotEffective, day(3))),
        ("cancel", cancel("投诉人撤回投诉，经核实不属于服务问题")),
    ]
}

/// The rules as the issue states them, written out independently of the code: every allowed
/// (state, action) with the roles that may take it and the state it leads to.
const ALLOWED: &[(CaseState, &str, &[Role], CaseState)] = &[
    (CaseState::Draft, "open", &[Role::President, Role::Coordinator], CaseState::Open),
    (CaseState::Draft, "cancel", &[Role::Coordinator], CaseState::Cancelled),
    (CaseState::Open, "answer", &[Role::DepartmentHead], CaseState::InProgress),
    (CaseState::Open, "cancel", &[Role::Coordinator], CaseState::Cancelled),
    (CaseState::InProgress, "add_action", &[Role::DepartmentHead], CaseState::InProgress),
    (CaseState::InProgress, "log_progress", &[Role::DepartmentHead], CaseState::InProgress),
    (CaseState::InProgress, "submit", &[Role::DepartmentHead], CaseState::PendingVerification),
    (CaseState::InProgress, "cancel", &[Role::Coordinator], CaseState::Cancelled),
    (CaseState::PendingVerification, "verify_effective", &[Role::Coordinator], CaseState::Closed),
    (CaseState::PendingVerification, "verify_partly", &[Role::Coordinator], CaseState::InProgress),
    (CaseState::PendingVerification, "verify_not", &[Role::Coordinator], CaseState::InProgress),
    (CaseState::PendingVerification, "cancel", &[Role::Coordinator], CaseState::Cancelled),
];

/// What the table says about one combination: `Ok(next)` or the code of the refusal.
fn expected(state: CaseState, name: &str, role: Role) -> Result<CaseState, ErrorCode> {
    match ALLOWED.iter().find(|(s, n, _, _)| *s == state && *n == name) {
        None => Err(ErrorCode::TransitionRefused),
        Some((_, _, roles, next)) if roles.contains(&role) => Ok(*next),
        Some(_) => Err(ErrorCode::NotPermitted),
    }
}

/// A case in `state`, reached through the rules. An in-progress case has all its actions done,
/// so that submitting it is allowed.
fn case_in(state: CaseState) -> Case {
    let p = policy();
    let coordinator = actor(Role::Coordinator);
    let head = actor(Role::DepartmentHead);
    let draft = Case::draft("R-1", DEPARTMENT, &coordinator, day(0)).expect("draft");
    let step = |case: &Case, action: CaseAction, by: &Actor| case.apply(&action, by, day(0), &p).expect("step");
    if state == CaseState::Draft {
        return draft;
    }
    let open = step(&draft, CaseAction::Open { due_on: None }, &coordinator);
    let case = match state {
        CaseState::Open => open,
        CaseState::Cancelled => step(&open, cancel("重复立案"), &coordinator),
        _ => {
            let answered = step(&open, answer(vec![new_action("开展投诉处理培训", day(20))]), &head);
            let worked = step(&answered, progress(0, true), &head);
            match state {
                CaseState::InProgress => worked,
                _ => {
                    let pending = step(&worked, CaseAction::SubmitForVerification, &head);
                    match state {
                        CaseState::PendingVerification => pending,
                        _ => step(&pending, verify(Effectiveness::Effective, day(0)), &coordinator),
                    }
                }
            }
        }
    };
    assert_eq!(case.state, state);
    case
}

#[test]
fn every_state_action_role_combination_follows_the_table() {
    let mut allowed = 0;
    for state in CaseState::ALL {
        for (name, action) in sample_actions() {
            for role in Role::ASSIGNABLE {
                let got = transition(state, &action, role);
                let want = expected(state, name, role);
                match (&got, want) {
                    (Ok(next), Ok(want)) => {
                        assert_eq!(*next, want, "{state:?} {name} {role:?}");
                        allowed += 1;
                    }
                    (Err(error), Err(code)) => assert_eq!(error.code(), code, "{state:?} {name} {role:?}: {error}"),
                    _ => panic!("{state:?} {name} {role:?}: got {got:?}, the table says {want:?}"),
                }
                if let Err(RectificationError::Refused { state: s, action: a }) = &got {
                    assert_eq!((*s, *a), (state, action.kind()));
                }
            }
        }
    }
    assert_eq!(allowed, 13, "allowed (state, action, role) combinations");
}

#[test]
fn every_combination_through_a_real_case_agrees_with_the_state_machine() {
    for state in CaseState::ALL {
        let case = case_in(state);
        for (name, action) in sample_actions() {
            for role in Role::ASSIGNABLE {
                let got = case.apply(&action, &actor(role), day(5), &policy());
                match (got, expected(state, name, role)) {
                    (Ok(next), Ok(want)) => {
                        assert_eq!(next.state, want, "{state:?} {name} {role:?}");
                        assert_eq!(next.history.len(), case.history.len() + 1);
                        let last = next.history.last().expect("history");
                        assert_eq!((last.from, last.to, last.action, last.on), (state, want, action.kind(), day(5)));
                        assert_eq!(last.by, actor(role).id);
                    }
                    (Err(error), Err(code)) => assert_eq!(error.code(), code, "{state:?} {name} {role:?}: {error}"),
                    (got, want) => panic!("{state:?} {name} {role:?}: got {got:?}, the table says {want:?}"),
                }
            }
        }
    }
}

#[test]
fn available_actions_are_the_table() {
    for state in CaseState::ALL {
        for role in Role::ASSIGNABLE {
            let mut want: Vec<ActionKind> = Vec::new();
            for (name, action) in sample_actions() {
                if expected(state, name, role).is_ok() && !want.contains(&action.kind()) {
                    want.push(action.kind());
                }
            }
            assert_eq!(available_actions(state, role), want, "{state:?} {role:?}");
        }
    }
    assert!(available_actions(CaseState::Closed, Role::Coordinator).is_empty());
    assert!(available_actions(CaseState::Cancelled, Role::Coordinator).is_empty());
    assert!(Role::ASSIGNABLE.iter().all(|&role| available_actions(CaseState::Closed, role).is_empty()));
}

#[test]
fn a_refusal_names_the_state_and_the_action_in_both_languages() {
    let error = transition(CaseState::Closed, &CaseAction::SubmitForVerification, Role::DepartmentHead)
        .expect_err("closed is final");
    assert_eq!(error.code(), ErrorCode::TransitionRefused);
    assert_eq!(error.message_zh(), "案件处于“已关闭”状态，不能提交验证");
    assert_eq!(error.message_en(), "the case is closed: it cannot be submitted for verification");

    let error = transition(CaseState::InProgress, &verify(Effectiveness::Effective, day(1)), Role::Coordinator)
        .expect_err("not submitted");
    assert_eq!(error.message_zh(), "案件处于“整改中”状态，不能验证");
    assert_eq!(error.message_en(), "the case is in progress: it cannot be verified");

    let error =
        transition(CaseState::PendingVerification, &verify(Effectiveness::Effective, day(1)), Role::DepartmentHead)
            .expect_err("only the center verifies");
    assert_eq!(error.code(), ErrorCode::NotPermitted);
    assert_eq!(error.message_zh(), "部门负责人无权验证整改效果：只有消保中心可以");
    assert_eq!(error.message_en(), "a department head cannot verify a case: only the consumer-protection center can");

    let error = transition(CaseState::Draft, &CaseAction::Open { due_on: None }, Role::Reviewer).expect_err("reviewer");
    assert_eq!(
        error.message_en(),
        "a reviewer cannot open a case: only the president or the consumer-protection center can"
    );
    assert_eq!(error.message_zh(), "听取人无权下发整改案件：只有行长或消保中心可以");

    // Every refusal of the table names its state and action in both languages.
    for state in CaseState::ALL {
        for (_, action) in sample_actions() {
            if let Err(error @ RectificationError::Refused { .. }) = transition(state, &action, Role::Coordinator) {
                assert!(error.message_zh().contains(state.label_zh()), "{error}");
                assert!(error.message_zh().contains(action.kind().label_zh()), "{error}");
                assert!(error.message_en().contains(state.label_en()), "{error}");
            }
        }
    }

    let ui = UiError::from(RectificationError::Refused { state: CaseState::Closed, action: ActionKind::Verify });
    let json = serde_json::to_value(&ui).expect("json");
    assert_eq!(json["code"], "TRANSITION_REFUSED");
}

#[test]
fn cancel_needs_a_reason() {
    for state in [CaseState::Draft, CaseState::Open, CaseState::InProgress, CaseState::PendingVerification] {
        let case = case_in(state);
        let coordinator = actor(Role::Coordinator);
        for reason in ["", "   ", "\n\t"] {
            let error = case.apply(&cancel(reason), &coordinator, day(2), &policy()).expect_err("no reason");
            assert_eq!(error.code(), ErrorCode::InvalidInput);
            assert!(matches!(&error, RectificationError::Invalid { field, .. } if field == "reason"));
            assert_eq!(error.message_zh(), "撤销案件必须说明原因");
        }
        let cancelled = case.apply(&cancel("误立案"), &coordinator, day(2), &policy()).expect("cancel");
        assert_eq!(cancelled.state, CaseState::Cancelled);
        let cancellation = cancelled.cancellation.as_ref().expect("recorded");
        assert_eq!(
            (cancellation.reason.as_str(), cancellation.on, cancellation.by.as_str()),
            ("误立案", day(2), "coordinator")
        );
        // Nothing is removed by cancelling.
        assert_eq!(cancelled.actions, case.actions);
        assert_eq!(cancelled.progress, case.progress);
        assert_eq!(cancelled.answer, case.answer);
        // And a cancelled case is final.
        let again = cancelled.apply(&cancel("再次撤销"), &coordinator, day(3), &policy()).expect_err("final");
        assert_eq!(again.message_zh(), "案件处于“已撤销”状态，不能撤销");
    }
}

#[test]
fn not_effective_and_partly_effective_reopen_the_case_and_keep_it() {
    let coordinator = actor(Role::Coordinator);
    let head = actor(Role::DepartmentHead);
    for result in [Effectiveness::NotEffective, Effectiveness::PartlyEffective] {
        let pending = case_in(CaseState::PendingVerification);
        let reopened = pending.apply(&verify(result, day(9)), &coordinator, day(10), &policy()).expect("verify");
        assert_eq!(reopened.state, CaseState::InProgress);
        assert_eq!(reopened.due_on, Some(day(40)), "reopened: due the verification day + 30");
        assert_eq!(reopened.actions, pending.actions);
        assert_eq!(reopened.answer, pending.answer);
        assert_eq!(reopened.progress, pending.progress);
        let check = reopened.verifications.last().expect("recorded");
        assert_eq!((check.result, check.verified_on, check.reopened_due_on), (result, day(10), Some(day(40))));

        // The department adds an action, does it, submits again; the center closes it.
        let added = reopened
            .apply(&CaseAction::AddAction { action: new_action("每周抽查录音", day(20)) }, &head, day(11), &policy())
            .expect("add");
        assert_eq!(
            added.apply(&CaseAction::SubmitForVerification, &head, day(11), &policy()).expect_err("new action").code(),
            ErrorCode::TransitionRefused
        );
        let done = added.apply(&progress(1, true), &head, day(12), &policy()).expect("done");
        let pending = done.apply(&CaseAction::SubmitForVerification, &head, day(12), &policy()).expect("submit");
        assert_eq!(pending.submitted_on, Some(day(12)));
        let closed =
            pending.apply(&verify(Effectiveness::Effective, day(20)), &coordinator, day(20), &policy()).expect("close");
        assert_eq!(closed.state, CaseState::Closed);
        assert_eq!(closed.verifications.len(), 2);
        assert_eq!(closed.verifications[0].result, result);
        assert_eq!(closed.verifications[1].reopened_due_on, None);
        assert_eq!(
            closed.history.iter().map(|t| t.to).collect::<Vec<_>>(),
            [
                CaseState::Open,
                CaseState::InProgress,
                CaseState::InProgress,
                CaseState::PendingVerification,
                CaseState::InProgress,
                CaseState::InProgress,
                CaseState::InProgress,
                CaseState::PendingVerification,
                CaseState::Closed,
            ]
        );
    }
}

#[test]
fn a_reopening_verification_takes_a_given_due_date_and_needs_a_finding() {
    let pending = case_in(CaseState::PendingVerification);
    let coordinator = actor(Role::Coordinator);
    let mut action = verify(Effectiveness::NotEffective, day(5));
    if let CaseAction::Verify { new_due_on, .. } = &mut action {
        *new_due_on = Some(day(15));
    }
    let reopened = pending.apply(&action, &coordinator, day(5), &policy()).expect("verify");
    assert_eq!(reopened.due_on, Some(day(15)));

    if let CaseAction::Verify { finding, .. } = &mut action {
        finding.clear();
    }
    let error = pending.apply(&action, &coordinator, day(5), &policy()).expect_err("no finding");
    assert!(matches!(&error, RectificationError::Invalid { field, .. } if field == "finding"), "{error}");

    // An effective result closes without a finding, and takes no new due date.
    let mut effective = verify(Effectiveness::Effective, day(5));
    if let CaseAction::Verify { finding, new_due_on, .. } = &mut effective {
        finding.clear();
        *new_due_on = Some(day(15));
    }
    let error = pending.apply(&effective, &coordinator, day(5), &policy()).expect_err("closing takes no due date");
    assert!(matches!(&error, RectificationError::Invalid { field, .. } if field == "new_due_on"), "{error}");
}

#[test]
fn verification_waits_for_the_end_of_the_observation_period() {
    let pending = case_in(CaseState::PendingVerification);
    let coordinator = actor(Role::Coordinator);
    let error = pending
        .apply(&verify(Effectiveness::Effective, day(6)), &coordinator, day(5), &policy())
        .expect_err("still observing");
    assert!(matches!(&error, RectificationError::Invalid { field, .. } if field == "observation"), "{error}");
    assert!(pending.apply(&verify(Effectiveness::Effective, day(5)), &coordinator, day(5), &policy()).is_ok());

    let backwards = CaseAction::Verify {
        result: Effectiveness::Effective,
        criteria: "无同类投诉".to_owned(),
        observation: ObservationPeriod { from: day(3), to: day(2) },
        finding: String::new(),
        new_due_on: None,
    };
    let error = transition(CaseState::PendingVerification, &backwards, Role::Coordinator).expect_err("backwards");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
}

#[test]
fn submit_is_refused_while_an_action_is_not_done() {
    let head = actor(Role::DepartmentHead);
    let open = case_in(CaseState::Open);
    let answered = open
        .apply(
            &answer(vec![new_action("开展投诉处理培训", day(20)), new_action("修订服务流程", day(25))]),
            &head,
            day(1),
            &policy(),
        )
        .expect("answer");
    let error = answered.apply(&CaseAction::SubmitForVerification, &head, day(2), &policy()).expect_err("undone");
    assert_eq!(error.code(), ErrorCode::TransitionRefused);
    assert_eq!(
        error,
        RectificationError::ActionsNotDone {
            undone: vec![(0, "开展投诉处理培训".to_owned()), (1, "修订服务流程".to_owned())]
        }
    );
    assert_eq!(
        error.message_zh(),
        "还有 2 项整改措施未完成（措施 1「开展投诉处理培训」、措施 2「修订服务流程」），不能提交验证"
    );

    let one_done = answered.apply(&progress(0, true), &head, day(3), &policy()).expect("progress");
    let error = one_done.apply(&CaseAction::SubmitForVerification, &head, day(3), &policy()).expect_err("one left");
    assert_eq!(
        error.message_en(),
        "1 action is not done yet (action 2 “修订服务流程”): the case cannot be submitted for verification"
    );

    // Progress that does not report the action done does not count.
    let still = one_done.apply(&progress(1, false), &head, day(4), &policy()).expect("progress");
    assert!(still.apply(&CaseAction::SubmitForVerification, &head, day(4), &policy()).is_err());
    let done = still.apply(&progress(1, true), &head, day(5), &policy()).expect("progress");
    let pending = done.apply(&CaseAction::SubmitForVerification, &head, day(5), &policy()).expect("submit");
    assert_eq!(pending.state, CaseState::PendingVerification);
    assert_eq!(pending.pending_since(), Some(day(5)));
    assert_eq!(pending.actions[0].done_on, Some(day(3)));
    assert_eq!(pending.actions[1].done_on, Some(day(5)));
    assert_eq!(pending.progress.len(), 3);
}

#[test]
fn an_action_is_reported_done_once_and_must_exist() {
    let head = actor(Role::DepartmentHead);
    let case = case_in(CaseState::InProgress);
    let error = case.apply(&progress(0, true), &head, day(3), &policy()).expect_err("done already");
    assert_eq!(error, RectificationError::ActionAlreadyDone { action: 0, done_on: day(0) });
    assert_eq!(error.code(), ErrorCode::TransitionRefused);
    assert_eq!(error.message_zh(), "措施 1 已于 2026-10-01 完成");
    // More progress on a done action is fine.
    assert!(case.apply(&progress(0, false), &head, day(3), &policy()).is_ok());

    let error = case.apply(&progress(7, false), &head, day(3), &policy()).expect_err("no such action");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert_eq!(error.message_en(), "there is no action 8 (the case has 1)");
}

#[test]
fn a_department_head_acts_only_for_their_own_department() {
    let open = case_in(CaseState::Open);
    let action = answer(vec![new_action("开展投诉处理培训", day(20))]);
    let other = Actor { id: "li".to_owned(), role: Role::DepartmentHead, department: Some("城西支行".to_owned()) };
    let error = open.apply(&action, &other, day(1), &policy()).expect_err("other department");
    assert_eq!(error.code(), ErrorCode::NotPermitted);
    assert_eq!(error.message_zh(), "此案件由“城东支行”负责，只有该部门的负责人可以答复");
    let nowhere = Actor { department: None, ..other };
    assert_eq!(
        open.apply(&action, &nowhere, day(1), &policy()).expect_err("no department").code(),
        ErrorCode::NotPermitted
    );
    assert!(open.apply(&action, &actor(Role::DepartmentHead), day(1), &policy()).is_ok());
    // What a screen offers agrees: nothing to the other department's head, the answer to the own.
    assert!(open.available_to(&nowhere).is_empty());
    assert_eq!(open.available_to(&actor(Role::DepartmentHead)), [ActionKind::Answer]);
    assert_eq!(open.available_to(&actor(Role::Coordinator)), [ActionKind::Cancel]);
}

#[test]
fn an_answer_needs_a_reflection_a_root_cause_and_an_action() {
    let head = actor(Role::DepartmentHead);
    let open = case_in(CaseState::Open);
    let field_of = |action: &CaseAction| match open.apply(action, &head, day(1), &policy()) {
        Err(RectificationError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid answer, got {other:?}"),
    };
    assert_eq!(field_of(&answer(Vec::new())), "actions");
    let mut action = answer(vec![new_action("开展投诉处理培训", day(20))]);
    if let CaseAction::Answer { reflection, .. } = &mut action {
        reflection.clear();
    }
    assert_eq!(field_of(&action), "reflection");
    let mut action = answer(vec![new_action("开展投诉处理培训", day(20))]);
    if let CaseAction::Answer { root_cause, .. } = &mut action {
        root_cause.text = " ".to_owned();
    }
    assert_eq!(field_of(&action), "root_cause.text");
    let mut bad = new_action("开展投诉处理培训", day(20));
    bad.done_criterion.clear();
    assert_eq!(field_of(&answer(vec![new_action("修订服务流程", day(20)), bad])), "actions[1].done_criterion");
    let mut bad = new_action("开展投诉处理培训", day(20));
    bad.owner.clear();
    assert_eq!(field_of(&answer(vec![bad])), "actions[0].owner");
    // An action due before the day of the answer.
    assert_eq!(field_of(&answer(vec![new_action("开展投诉处理培训", day(0))])), "actions[0].due_on");
    // Due on the day itself is fine.
    assert!(open.apply(&answer(vec![new_action("开展投诉处理培训", day(1))]), &head, day(1), &policy()).is_ok());
}

#[test]
fn due_dates_default_from_the_policy() {
    let coordinator = actor(Role::Coordinator);
    let draft = Case::draft("R-2", DEPARTMENT, &coordinator, day(0)).expect("draft");
    assert_eq!((draft.opened_on, draft.due_on), (None, None));
    let open = draft.apply(&CaseAction::Open { due_on: None }, &coordinator, day(2), &policy()).expect("open");
    assert_eq!((open.opened_on, open.due_on), (Some(day(2)), Some(day(32))));
    let short = RectificationPolicy { case_due_days: 10, ..RectificationPolicy::default() };
    let open = draft.apply(&CaseAction::Open { due_on: None }, &coordinator, day(2), &short).expect("open");
    assert_eq!(open.due_on, Some(day(12)));
    let open = draft.apply(&CaseAction::Open { due_on: Some(day(5)) }, &coordinator, day(2), &policy()).expect("open");
    assert_eq!(open.due_on, Some(day(5)));
    let error = draft.apply(&CaseAction::Open { due_on: Some(day(1)) }, &coordinator, day(2), &policy());
    assert_eq!(error.expect_err("in the past").code(), ErrorCode::InvalidInput);

    // Required from a review: open at once, by whoever reviewed the call.
    for role in Role::ASSIGNABLE {
        let case = Case::required("R-3", DEPARTMENT, &actor(role), day(4), None, &policy()).expect("required");
        assert_eq!((case.state, case.opened_on, case.due_on), (CaseState::Open, Some(day(4)), Some(day(34))));
        assert!(case.history.is_empty());
    }
    // Drafting is for the president and the coordinator.
    assert_eq!(
        Case::draft("R-4", DEPARTMENT, &actor(Role::DepartmentHead), day(0)).expect_err("head").code(),
        ErrorCode::NotPermitted
    );
    assert!(Case::draft("R-4", DEPARTMENT, &actor(Role::President), day(0)).is_ok());
    assert_eq!(Case::draft("R-4", " ", &coordinator, day(0)).expect_err("department").code(), ErrorCode::InvalidInput);
}

#[test]
fn an_action_due_today_is_not_overdue_due_yesterday_is() {
    let head = actor(Role::DepartmentHead);
    let open = case_in(CaseState::Open); // due day 30
    let case = open
        .apply(
            &answer(vec![new_action("开展投诉处理培训", day(10)), new_action("修订服务流程", day(12))]),
            &head,
            day(1),
            &policy(),
        )
        .expect("answer");
    assert_eq!(overdue(&case, day(9), &policy()), []);
    assert_eq!(overdue(&case, day(10), &policy()), [], "due today is not overdue");
    assert_eq!(
        overdue(&case, day(11), &policy()),
        [OverdueFlag::ActionOverdue { action: 0, due_on: day(10), days_late: 1 }],
        "due yesterday is"
    );
    assert_eq!(
        overdue(&case, day(13), &policy()),
        [
            OverdueFlag::ActionOverdue { action: 0, due_on: day(10), days_late: 3 },
            OverdueFlag::ActionOverdue { action: 1, due_on: day(12), days_late: 1 },
        ]
    );
    // Done actions are not overdue, even when done late.
    let done = case.apply(&progress(0, true), &head, day(13), &policy()).expect("done");
    assert_eq!(
        overdue(&done, day(13), &policy()),
        [OverdueFlag::ActionOverdue { action: 1, due_on: day(12), days_late: 1 }]
    );
    let flag = &overdue(&done, day(13), &policy())[0];
    assert_eq!(flag.label_zh(), "措施 2 已逾期 1 天");
    assert_eq!(flag.label_en(), "action 2 is 1 day(s) overdue");
}

#[test]
fn a_case_past_its_due_date_is_overdue_until_it_is_submitted() {
    let open = case_in(CaseState::Open); // opened day 0, due day 30
    assert_eq!(open.due_on, Some(day(30)));
    assert_eq!(overdue(&open, day(30), &policy()), []);
    assert_eq!(overdue(&open, day(31), &policy()), [OverdueFlag::CaseOverdue { due_on: day(30), days_late: 1 }]);
    let in_progress = case_in(CaseState::InProgress);
    assert_eq!(overdue(&in_progress, day(32), &policy()), [OverdueFlag::CaseOverdue { due_on: day(30), days_late: 2 }]);
}

#[test]
fn awaiting_verification_is_flagged_after_n_days() {
    let pending = case_in(CaseState::PendingVerification); // submitted day 0
    assert_eq!(pending.pending_since(), Some(day(0)));
    for (wait, p) in [(7, policy()), (3, RectificationPolicy { verification_wait_days: 3, ..policy() })] {
        assert_eq!(overdue(&pending, day(wait - 1), &p), [], "N-1 days");
        assert_eq!(overdue(&pending, day(wait), &p), [], "N days is still within N days");
        assert_eq!(
            overdue(&pending, day(wait + 1), &p),
            [OverdueFlag::AwaitingVerification {
                since: day(0),
                days_waiting: i32::try_from(wait + 1).expect("small")
            }],
            "N+1 days"
        );
    }
    // A case pending verification is not flagged for its case due date: the department is done.
    assert_eq!(overdue(&pending, day(31), &RectificationPolicy { verification_wait_days: 60, ..policy() }), []);
}

#[test]
fn drafts_closed_and_cancelled_cases_are_never_overdue() {
    for state in [CaseState::Draft, CaseState::Closed, CaseState::Cancelled] {
        assert_eq!(overdue(&case_in(state), day(400), &policy()), [], "{state:?}");
    }
}

#[test]
fn states_actions_and_codes_serialise_as_the_ui_expects() {
    for state in CaseState::ALL {
        let json = serde_json::to_value(state).expect("json");
        assert_eq!(json, state.as_str());
        assert_eq!(CaseState::parse(state.as_str()), Some(state));
        assert!(!state.label_zh().is_empty() && !state.label_en().is_empty());
    }
    assert_eq!(serde_json::to_value(CaseState::PendingVerification).expect("json"), "pending_verification");
    assert_eq!(serde_json::to_value(Effectiveness::PartlyEffective).expect("json"), "partly_effective");
    assert_eq!(serde_json::to_value(Role::DepartmentHead).expect("json"), "department_head");
    assert_eq!(serde_json::to_value(ErrorCode::TransitionRefused).expect("json"), "TRANSITION_REFUSED");
    assert_eq!(CaseState::parse("reopened"), None);

    for (_, action) in sample_actions() {
        let json = serde_json::to_string(&action).expect("json");
        let back: CaseAction = serde_json::from_str(&json).expect("back");
        assert_eq!(back, action);
    }
    let json = serde_json::to_value(cancel("误立案")).expect("json");
    assert_eq!(json, serde_json::json!({"kind": "cancel", "reason": "误立案"}));

    let case = case_in(CaseState::Closed);
    let back: Case = serde_json::from_str(&serde_json::to_string(&case).expect("json")).expect("back");
    assert_eq!(back, case);

    let policy: RectificationPolicy = serde_json::from_str(r#"{"verification_wait_days": 5}"#).expect("partial");
    assert_eq!(policy, RectificationPolicy { case_due_days: 30, verification_wait_days: 5 });
}

/// Severities are in every vault's log and `rectification_cases` table: the names must never change.
#[test]
fn severities_keep_the_names_the_log_holds() {
    let names = [(Severity::Normal, "normal"), (Severity::Serious, "serious"), (Severity::Critical, "critical")];
    assert_eq!(Severity::ALL.len(), names.len());
    for (severity, name) in names {
        let json = format!("\"{name}\"");
        assert_eq!(serde_json::to_string(&severity).expect("serialise"), json);
        assert_eq!(serde_json::from_str::<Severity>(&json).expect("deserialise"), severity);
        assert_eq!(severity.as_str(), name);
        assert_eq!(Severity::parse(name), Some(severity));
    }
    assert_eq!(Severity::parse("urgent"), None);
    assert!(serde_json::from_str::<Severity>("\"Critical\"").is_err());
}

/// A legacy owner (old demo vaults' department head) takes a department head's steps.
#[test]
fn a_legacy_owner_acts_as_a_department_head() {
    for state in CaseState::ALL {
        assert_eq!(
            available_actions(state, Role::LegacyOwner),
            available_actions(state, Role::DepartmentHead),
            "{state:?}"
        );
    }
    let owner = Actor { role: Role::LegacyOwner, ..actor(Role::DepartmentHead) };
    let answered = case_in(CaseState::Open).apply(&sample_actions()[1].1, &owner, day(1), &policy());
    assert!(answered.is_ok(), "{answered:?}");
}

/// One step of a random sequence: which action (0–9: open, answer, add, progress, progress
/// reporting done, submit, three verifications, cancel; 10–19: one that moves the case on), which role (4 and 5: one the action
/// allows), whether a department head is of the case's department, whether the content is left empty,
/// which action a progress entry is about, and how many days pass before it.
type Step = (usize, usize, bool, bool, u32, i64);

fn random_action(index: usize, empty: bool, target: u32, today: Date) -> CaseAction {
    let text = |s: &str| if empty { String::new() } else { s.to_owned() };
    match index {
        0 => CaseAction::Open { due_on: None },
        1 => answer(if empty { Vec::new() } else { vec![new_action("开展投诉处理培训", today)] }),
        2 => CaseAction::AddAction { action: new_action(&text("修订服务流程"), today) },
        3 | 4 => CaseAction::LogProgress {
            action: target,
            text: "进展".to_owned(),
            evidence: Vec::new(),
            marks_done: index == 4,
        },
        5 => CaseAction::SubmitForVerification,
        6..=8 => CaseAction::Verify {
            result: Effectiveness::ALL[index - 6],
            criteria: text("无同类投诉"),
            observation: ObservationPeriod { from: today, to: today },
            finding: "仍有同类投诉".to_owned(),
            new_due_on: None,
        },
        _ => cancel(&text("误立案")),
    }
}

/// An action (as `random_action` numbers them) that moves the case on from its state, so that
/// random sequences also reach verification and closing; cancelling is left to chance.
fn forward(case: &Case, pick: u32) -> (usize, u32) {
    match case.state {
        CaseState::Draft => (0, pick),
        CaseState::Open => (1, pick),
        CaseState::InProgress => match case.undone_actions().next() {
            Some((undone, _)) => (4, undone),
            None if pick == 0 => (2, pick),
            None => (5, pick),
        },
        _ => (6 + pick as usize % 3, pick),
    }
}

fn check_invariants(case: &Case) {
    assert_eq!(CaseState::parse(case.state.as_str()), Some(case.state));
    if let Some(last) = case.history.last() {
        assert_eq!(last.to, case.state);
    }
    for pair in case.history.windows(2) {
        assert_eq!(pair[0].to, pair[1].from, "history chains");
    }
    match case.state {
        CaseState::Draft => assert!(case.opened_on.is_none() && case.actions.is_empty()),
        CaseState::Open => assert!(case.opened_on.is_some() && case.due_on.is_some() && case.answer.is_none()),
        CaseState::InProgress => assert!(case.answer.is_some() && !case.actions.is_empty()),
        CaseState::PendingVerification => {
            assert!(!case.actions.is_empty() && case.actions.iter().all(|a| a.is_done()));
            assert!(case.pending_since().is_some());
        }
        CaseState::Closed => {
            assert!(case.verifications.last().is_some_and(|v| v.result == Effectiveness::Effective));
            assert!(case.actions.iter().all(|a| a.is_done()));
        }
        CaseState::Cancelled => {
            assert!(case.cancellation.as_ref().is_some_and(|c| !c.reason.trim().is_empty()));
        }
    }
    assert_eq!(case.cancellation.is_some(), case.state == CaseState::Cancelled);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random sequences of actions by random people never leave the defined states, never remove
    /// anything, agree with the state machine, and leave closed and cancelled cases as they are.
    #[test]
    fn random_action_sequences_keep_the_rules(
        start_required in any::<bool>(),
        steps in prop::collection::vec(
            (0usize..20, 0usize..6, prop::bool::weighted(0.9), prop::bool::weighted(0.1), 0u32..3, 0i64..6),
            0..60,
        ),
    ) {
        let p = policy();
        let coordinator = actor(Role::Coordinator);
        let mut today = day(0);
        let mut case = if start_required {
            Case::required("R-P", DEPARTMENT, &actor(Role::President), today, None, &p).expect("required")
        } else {
            Case::draft("R-P", DEPARTMENT, &coordinator, today).expect("draft")
        };
        let steps: Vec<Step> = steps;
        for (index, role, own_department, empty, target, days) in steps {
            today = today.checked_add(days.days()).expect("in range");
            let (index, target) = if index >= 10 { forward(&case, target) } else { (index, target) };
            let action = random_action(index, empty, target, today);
            // Roles 4 and 5 stand for one the action allows, so that sequences get far.
            let role = Role::ASSIGNABLE.get(role).copied().unwrap_or(action.kind().allowed_roles()[0]);
            let by = if own_department { actor(role) } else { Actor { department: Some("城西支行".to_owned()), ..actor(role) } };
            let by_state = transition(case.state, &action, role);
            match case.apply(&action, &by, today, &p) {
                Ok(next) => {
                    prop_assert!(!case.state.is_terminal(), "{:?} accepted {:?}", case.state, action.kind());
                    prop_assert_eq!(Ok(next.state), by_state);
                    prop_assert_eq!(next.history.len(), case.history.len() + 1);
                    // Nothing is removed or rewritten: the old case is a prefix of the new one.
                    prop_assert_eq!(&next.history[..case.history.len()], &case.history[..]);
                    prop_assert_eq!(&next.progress[..case.progress.len()], &case.progress[..]);
                    prop_assert_eq!(&next.verifications[..case.verifications.len()], &case.verifications[..]);
                    prop_assert!(next.actions.len() >= case.actions.len());
                    for (old, new) in case.actions.iter().zip(&next.actions) {
                        prop_assert_eq!(&old.measure, &new.measure);
                        prop_assert!(old.done_on.is_none() || old.done_on == new.done_on, "a done date never changes");
                    }
                    if case.answer.is_some() {
                        prop_assert_eq!(&next.answer, &case.answer);
                    }
                    check_invariants(&next);
                    case = next;
                }
                Err(error) => {
                    // The state machine's own refusals are the same through the case.
                    if let Err(first) = by_state {
                        prop_assert_eq!(error.code(), first.code());
                    }
                    prop_assert!(!error.message_zh().is_empty() && !error.message_en().is_empty());
                }
            }
            check_invariants(&case);
        }
        if case.state.is_terminal() {
            for (_, action) in sample_actions() {
                for role in Role::ASSIGNABLE {
                    let error = case.apply(&action, &actor(role), today, &p).expect_err("final");
                    prop_assert_eq!(error.code(), ErrorCode::TransitionRefused);
                }
            }
        }
    }
}
