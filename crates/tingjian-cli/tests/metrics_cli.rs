//! `tingjian metrics` through the real binary on a demo vault: the figures add up, the late lists
//! agree with them, and the text names both clocks in Chinese and English.

use serde_json::Value;

mod common;
use common::{demo_vault_and_quarter, json, tingjian_as};

#[test]
fn the_demo_quarters_clocks_add_up_and_their_late_complaints_are_listed() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, quarter) = demo_vault_and_quarter(temp.path());

    let output = tingjian_as(&vault, "li.min", &[], &["--json", "metrics", "--quarter", &quarter, "--all"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let m = json(&output);
    let n = |v: &Value| v.as_u64().expect("a count");
    let branch = &m["branch"];
    assert!(n(&branch["complaints"]) > 0, "{m:#}");
    let sum = |key: &str| {
        m["by_department"].as_array().expect("departments").iter().map(|g| n(&g["figures"][key])).sum::<u64>()
    };
    for key in ["complaints", "response_due", "response_on_time", "decided", "decided_on_time", "overdue"] {
        assert_eq!(sum(key), n(&branch[key]), "departments add up to the branch: {key}");
    }
    let late = m["late_responses"]["listed"].as_array().expect("late").len() as u64;
    assert_eq!(late, n(&branch["response_due"]) - n(&branch["response_on_time"]), "every late response is listed");
    assert_eq!(late, n(&m["late_responses"]["total"]), "--all lists the whole total");
    let overdue = m["late_handling"]["listed"]
        .as_array()
        .expect("late")
        .iter()
        .filter(|f| f["handling"]["outcome"] == "overdue")
        .count();
    assert_eq!(overdue as u64, n(&branch["overdue"]));

    let text = tingjian_as(&vault, "li.min", &[], &["metrics", "--quarter", &quarter, "--by", "month"]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("1小时响应/response") && text.contains("按受理月份 / by month"), "{text}");
    assert!(!text.contains("按责任机构"), "--by month shows only the months: {text}");
}
