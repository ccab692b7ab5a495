//! `tingjian rectify list|show` on a real vault: the board as JSON for other systems, late cases
//! first, each filter, one case whole, and clear errors for what does not exist.

use std::path::Path;
use std::sync::Arc;

use jiff::{Timestamp, ToSpan};
use tingjian_core::model::{Complaint, Person};
use tingjian_core::rectification::CaseAction;
use tingjian_core::time::FixedClock;
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
        summary: "年费争议".to_owned(),
    }
}

/// Three cases made twenty days ago: one due ten days later (so late now), one due far ahead, one
/// cancelled. Returns their ids in that order.
fn vault_with_cases(dir: &Path) -> [String; 3] {
    let then = Timestamp::now().checked_sub((20 * 24).hours()).expect("then");
    let clock = Arc::new(FixedClock(then));
    let mut vault = Vault::create_with_clock(dir, "li.min", clock).expect("create");
    vault
        .record(vec![
            Event::PersonAdded {
                person: Person {
                    id: "li.min".to_owned(),
                    display_name: "李敏（消保中心）".to_owned(),
                    role: "coordinator".to_owned(),
                    department: None,
                },
            },
            Event::ComplaintRecorded { complaint: complaint("TS-1", "信用卡中心") },
            Event::ComplaintRecorded { complaint: complaint("TS-2", "零售金融部") },
        ])
        .expect("record");
    let today = tingjian_core::time::in_branch_zone(then).date();
    let mut request = |number: &str, department: &str, days: i64| {
        vault
            .require_rectification(&RectificationRequest {
                complaint_number: number.to_owned(),
                department: department.to_owned(),
                what_must_change: "整改".to_owned(),
                note_ids: vec![],
                severity: "normal".to_owned(),
                due_date: Some(today.saturating_add(days.days()).to_string()),
            })
            .expect("case")
            .id
    };
    let late = request("TS-1", "信用卡中心", 10);
    let ahead = request("TS-2", "零售金融部", 60);
    let cancelled = request("TS-2", "零售金融部", 30);
    vault.rectification_step(&cancelled, CaseAction::Cancel { reason: "重复".to_owned() }).expect("cancel");
    [late, ahead, cancelled]
}

#[test]
fn the_board_lists_late_cases_first_and_filters_like_the_app() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("v");
    let [late, ahead, cancelled] = vault_with_cases(&vault);
    let run = |args: &[&str]| tingjian_as(&vault, "it.feed", &[], args);

    let all = json(&run(&["rectify", "list", "--json"]));
    let ids: Vec<&str> = all.as_array().expect("array").iter().map(|c| c["id"].as_str().expect("id")).collect();
    assert_eq!(ids[0], late, "the late case comes first");
    assert_eq!(ids.len(), 3);
    assert_eq!(all[0]["overdue"][0]["kind"], "case_overdue");
    assert_eq!(all[0]["overdue"][0]["days_late"], 10);
    assert_eq!(all[0]["state"], "open");

    let overdue = json(&run(&["rectify", "list", "--overdue", "--json"]));
    assert_eq!(overdue.as_array().map(Vec::len), Some(1));
    let by_state = json(&run(&["rectify", "list", "--state", "cancelled", "--json"]));
    assert_eq!(by_state[0]["id"], cancelled.as_str());
    let by_department = json(&run(&["rectify", "list", "--department", "零售金融部", "--state", "open", "--json"]));
    assert_eq!(by_department.as_array().map(Vec::len), Some(1));
    assert_eq!(by_department[0]["id"], ahead.as_str());

    let text = run(&["rectify", "list"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("案件已逾期 10 天"), "{text}");

    let bad = run(&["rectify", "list", "--state", "finished"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("pending_verification"), "the states are listed");
}

#[test]
fn show_gives_one_case_whole_and_an_unknown_id_is_a_coded_error() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("v");
    let [_, _, cancelled] = vault_with_cases(&vault);
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
    let [late, _, _] = vault_with_cases(&vault);
    let it = |args: &[&str]| tingjian_as(&vault, "it.admin", &[], args);

    // Before chen is known, chen is a reviewer and may take no step.
    let shown = json(&tingjian_as(&vault, "chen.jing", &[], &["rectify", "show", &late, "--json"]));
    assert_eq!(shown["me"]["role"], "reviewer");
    assert_eq!(shown["available"], serde_json::json!([]));

    let bad_role = it(&["people", "set", "chen.jing", "--role", "boss", "--json"]);
    assert_eq!(bad_role.status.code(), Some(1));
    assert_eq!(json(&bad_role)["error"]["code"], "INVALID_INPUT");
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
        people.as_array().expect("people").iter().any(|p| p["id"] == "chen.jing" && p["department"] == "信用卡中心")
    );

    // Now the head of 信用卡中心 may answer that department's case.
    let shown = json(&tingjian_as(&vault, "chen.jing", &[], &["rectify", "show", &late, "--json"]));
    assert_eq!(shown["me"]["role"], "department_head");
    assert!(shown["available"].as_array().expect("steps").iter().any(|s| s == "answer"), "{}", shown["available"]);
    let verified = it(&["verify", "--json"]);
    assert!(verified.status.success(), "the person change is in the log and replays");
}
