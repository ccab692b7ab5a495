//! `tingjian rectify list|show` on a real vault: the board as JSON for other systems, late cases
//! first, each filter, one case whole, and clear errors for what does not exist.
//!
//! The cases are made through the library on a fixed clock, at noon (Asia/Shanghai) twenty days
//! before the test's day. The command has no clock but the real one, so lateness is asserted
//! against the branch day each command ran on ([`on_one_day`]), never against a second reading of
//! the clock that could fall on the other side of midnight.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use tingjian_core::model::{Complaint, Person, Role};
use tingjian_core::rectification::{CaseAction, Severity};
use tingjian_core::time::{FixedClock, branch_zone, in_branch_zone};
use tingjian_vault::{Event, RectificationRequest, Vault};

mod common;
use common::{json, tingjian_as};

fn complaint(number: &str, department: &str) -> Complaint {
    Complaint {
        number: number.to_owned(),
        accepted_at: "2026-10-08T01:05:00.000000Z".to_owned(),
        channel: "客服热线".to_owned(),
        business_line: "信用卡".to_owned(),
        category: "收费定价".to_owned(),
        department: department.to_owned(),
        customer_name: "张三".to_owned(),
        phone: "13800001111".to_owned(),
        first_response_at: None,
        resolved_at: None,
        status: "处理中".to_owned(),
        recording_file: String::new(),
        regulator_forwarded: false,
        dispatched_at: None,
        summary: "年费争议".to_owned(),
    }
}

/// The branch's day (Asia/Shanghai) by the real clock.
fn branch_today() -> Date {
    in_branch_zone(Timestamp::now()).date()
}

/// Runs a command and returns its output with the branch day it ran on: the day read before and
/// after it is the same. A run that straddles midnight is run again (the commands here only read),
/// so the day returned is the one the command judged lateness by.
fn on_one_day(run: impl Fn() -> Output) -> (Output, Date) {
    loop {
        let before = branch_today();
        let output = run();
        if branch_today() == before {
            return (output, before);
        }
    }
}

/// The cases [`vault_with_cases`] makes, and the late case's due date.
struct Cases {
    late: String,
    ahead: String,
    cancelled: String,
    late_due: Date,
}

/// Three cases made on a fixed clock at noon twenty days before today: one due ten days after
/// (so ten days late today), one due sixty days after, one cancelled.
fn vault_with_cases(dir: &Path) -> Cases {
    let made_on = branch_today().saturating_sub(20.days());
    let noon = made_on.at(12, 0, 0, 0).to_zoned_datetime(branch_zone()).expect("noon in Shanghai").timestamp();
    let mut vault = Vault::create_with_clock(dir, "li.min", Arc::new(FixedClock(noon))).expect("create");
    vault
        .record(vec![
            Event::PersonAdded {
                person: Person {
                    id: "li.min".to_owned(),
                    display_name: "李敏（消保中心）".to_owned(),
                    role: Role::Coordinator,
                    department: None,
                },
            },
            Event::ComplaintRecorded { complaint: complaint("TS-1", "信用卡中心") },
            Event::ComplaintRecorded { complaint: complaint("TS-2", "零售金融部") },
        ])
        .expect("record");
    let mut request = |number: &str, department: &str, due: Date| {
        vault
            .require_rectification(&RectificationRequest {
                complaint_number: number.to_owned(),
                department: department.to_owned(),
                what_must_change: "整改".to_owned(),
                note_ids: vec![],
                severity: Severity::Normal,
                due_date: Some(due.to_string()),
            })
            .expect("case")
            .id
    };
    let late_due = made_on.saturating_add(10.days());
    let late = request("TS-1", "信用卡中心", late_due);
    let ahead = request("TS-2", "零售金融部", made_on.saturating_add(60.days()));
    let cancelled = request("TS-2", "零售金融部", made_on.saturating_add(30.days()));
    vault.rectification_step(&cancelled, CaseAction::Cancel { reason: "重复".to_owned() }).expect("cancel");
    Cases { late, ahead, cancelled, late_due }
}

/// Whole days from `due` to `day`: how late a case due on `due` is on `day`.
fn days_late(due: Date, day: Date) -> i64 {
    i64::from(due.until(day).expect("span").get_days())
}

#[test]
fn the_board_lists_late_cases_first_and_filters_like_the_app() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("v");
    let Cases { late, ahead, cancelled, late_due } = vault_with_cases(&vault);
    let run = |args: &[&str]| tingjian_as(&vault, "it.feed", &[], args);

    let (listed, day) = on_one_day(|| run(&["rectify", "list", "--json"]));
    let all = json(&listed);
    let ids: Vec<&str> = all.as_array().expect("array").iter().map(|c| c["id"].as_str().expect("id")).collect();
    assert_eq!(ids[0], late, "the late case comes first");
    assert_eq!(ids.len(), 3);
    assert_eq!(all[0]["due_date"], late_due.to_string());
    assert_eq!(all[0]["overdue"][0]["kind"], "case_overdue");
    // Ten days late on the day the cases were made for; a day more if midnight passed since.
    assert_eq!(all[0]["overdue"][0]["days_late"], days_late(late_due, day));
    assert_eq!(all[0]["state"], "open");

    let overdue = json(&run(&["rectify", "list", "--overdue", "--json"]));
    assert_eq!(overdue.as_array().map(Vec::len), Some(1));
    let by_state = json(&run(&["rectify", "list", "--state", "cancelled", "--json"]));
    assert_eq!(by_state[0]["id"], cancelled.as_str());
    let by_department = json(&run(&["rectify", "list", "--department", "零售金融部", "--state", "open", "--json"]));
    assert_eq!(by_department.as_array().map(Vec::len), Some(1));
    assert_eq!(by_department[0]["id"], ahead.as_str());

    let (text, day) = on_one_day(|| run(&["rectify", "list"]));
    let text = String::from_utf8_lossy(&text.stdout);
    let label = format!("案件已逾期 {} 天", days_late(late_due, day));
    assert!(text.contains(&label), "{label:?} in {text}");

    let bad = run(&["rectify", "list", "--state", "finished"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("pending_verification"), "the states are listed");
}

#[test]
fn show_gives_one_case_whole_and_an_unknown_id_is_a_coded_error() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("v");
    let Cases { cancelled, .. } = vault_with_cases(&vault);
    let shown = json(&tingjian_as(&vault, "it.feed", &[], &["rectify", "show", &cancelled, "--json"]));
    assert_eq!(shown["summary"]["state"], "cancelled");
    assert_eq!(shown["case"]["cancellation"]["reason"], "重复");
    assert_eq!(shown["case"]["history"][0]["to"], "cancelled");
    assert_eq!(shown["names"]["li.min"], "李敏（消保中心）");

    let missing = tingjian_as(&vault, "it.feed", &[], &["rectify", "show", "nope", "--json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(json(&missing)["error"]["code"], "CASE_NOT_FOUND");
}

#[test]
fn people_set_with_a_role_decide_who_may_take_which_step() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("v");
    let Cases { late, .. } = vault_with_cases(&vault);
    let it = |args: &[&str]| tingjian_as(&vault, "it.admin", &[], args);

    // Before chen is known, chen is a reviewer and may take no step.
    let shown = json(&tingjian_as(&vault, "chen.jing", &[], &["rectify", "show", &late, "--json"]));
    assert_eq!(shown["me"]["role"], "reviewer");
    assert_eq!(shown["available"], serde_json::json!([]));

    let bad_role = it(&["people", "set", "chen.jing", "--role", "boss", "--json"]);
    assert_eq!(bad_role.status.code(), Some(1));
    assert_eq!(json(&bad_role)["error"]["code"], "INVALID_INPUT");
    // The legacy `owner` of old demo vaults is still read, but nobody can be given it.
    let legacy = it(&["people", "set", "chen.jing", "--role", "owner", "--json"]);
    assert_eq!(legacy.status.code(), Some(1));
    assert_eq!(json(&legacy)["error"]["code"], "INVALID_INPUT");
    let no_department = it(&["people", "set", "chen.jing", "--role", "department_head", "--json"]);
    assert!(json(&no_department)["error"]["message_zh"].as_str().unwrap_or("").contains("部门"));

    let set = it(&[
        "people",
        "set",
        "chen.jing",
        "--name",
        "陈静（信用卡中心）",
        "--role",
        "department_head",
        "--department",
        "信用卡中心",
        "--json",
    ]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stdout));
    let people = json(&it(&["people", "list", "--json"]));
    assert!(
        people
            .as_array()
            .expect("people")
            .iter()
            .any(|a| a["person"]["id"] == "chen.jing" && a["person"]["department"] == "信用卡中心")
    );

    // Now the head of 信用卡中心 may answer that department's case.
    let shown = json(&tingjian_as(&vault, "chen.jing", &[], &["rectify", "show", &late, "--json"]));
    assert_eq!(shown["me"]["role"], "department_head");
    assert!(shown["available"].as_array().expect("steps").iter().any(|s| s == "answer"), "{}", shown["available"]);
    let verified = it(&["verify", "--json"]);
    assert!(verified.status.success(), "the person change is in the log and replays");
}
