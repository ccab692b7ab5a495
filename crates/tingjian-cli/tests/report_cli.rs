//! `tingjian report quarter` through the real binary on a demo vault: the report's figures are the
//! ones the other commands give (status, sample, metrics, the rectification cases in the vault),
//! every sampled call carries its heard stretches, notes and reflections, no customer's phone
//! number appears anywhere in it, and the text names its figures in Chinese and English.

use serde_json::Value;

mod common;
use common::{demo_vault_and_quarter, json, tingjian_as};

#[test]
fn the_quarters_report_holds_the_figures_every_other_command_gives() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, quarter) = demo_vault_and_quarter(temp.path());
    let run = |args: &[&str]| {
        let output = tingjian_as(&vault, "li.min", &[], args);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        output
    };

    let output = run(&["--json", "report", "quarter", &quarter]);
    let raw = String::from_utf8_lossy(&output.stdout).to_string();
    let report = json(&output);
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("a count: {v}"));
    let summary = &report["summary"];

    let sample = json(&run(&["--json", "sample", "show", "--quarter", &quarter]));
    let assignments = sample["assignments"].as_array().expect("assignments");
    assert_eq!(n(&summary["sampled"]), assignments.len() as u64);
    let listened = assignments.iter().filter(|a| a["listened"] == true).count() as u64;
    assert_eq!(n(&summary["listened"]), listened);
    assert_eq!(report["sample"]["draw"]["seed"], sample["draw"]["seed"], "the seed is the draw's");

    let db = rusqlite::Connection::open_with_flags(
        vault.join(tingjian_vault::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("db");
    let count = |sql: &str| -> u64 { db.query_row(sql, [&quarter], |row| row.get(0)).expect(sql) };
    assert_eq!(n(&summary["complaints"]), count("SELECT count(*) FROM complaints WHERE quarter = ?1"));
    let cases = count(
        "SELECT count(*) FROM rectification_cases r JOIN complaints c ON c.number = r.complaint_number
         WHERE c.quarter = ?1",
    );
    assert!(cases > 0, "the demo has rectification cases");
    let by_state: u64 = summary["cases_by_state"].as_object().expect("states").values().map(n).sum();
    assert_eq!(by_state, cases);
    assert_eq!(report["rectification"].as_array().expect("cases").len() as u64, cases);
    assert_eq!(summary["president_heard"], true, "the demo's president heard a call");
    let (head, hash): (u64, String) = db
        .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("head");
    assert_eq!((n(&report["head_seq"]), report["head_hash"].as_str()), (head, Some(hash.as_str())));

    // The clocks: the settled counts are the same whenever they are judged.
    let metrics = json(&run(&["--json", "metrics", "--quarter", &quarter]));
    for key in ["complaints", "decided", "decided_on_time", "response_on_time"] {
        assert_eq!(report["handling"]["branch"][key], metrics["branch"][key], "{key}");
    }

    // Every sampled call: its reviewer's heard stretches lie within the call, and what was written.
    let calls = report["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), assignments.len());
    let mut notes = 0;
    for call in calls {
        let duration = n(&call["duration_ms"]);
        for span in call["heard"].as_array().expect("heard") {
            assert!(n(&span["start_ms"]) < n(&span["end_ms"]) && n(&span["end_ms"]) <= duration, "{span}");
        }
        notes += call["notes"].as_array().expect("notes").len();
    }
    assert!(notes > 0, "the demo's notes are in the report");
    assert!(calls.iter().any(|c| !c["heard"].as_array().expect("heard").is_empty()), "someone listened");

    // Customers' phone numbers stay out of it.
    let mut statement =
        db.prepare("SELECT phone FROM complaints WHERE quarter = ?1 AND length(phone) >= 7").expect("sql");
    let phones: Vec<String> =
        statement.query_map([&quarter], |row| row.get(0)).expect("phones").collect::<Result<_, _>>().expect("rows");
    assert!(!phones.is_empty());
    for phone in phones {
        assert!(!raw.contains(&phone), "phone {phone} appears in the report");
    }

    let text = String::from_utf8_lossy(&run(&["report", "quarter", &quarter]).stdout).to_string();
    assert!(text.contains("季度投诉录音听取与整改报告") && text.contains("1小时响应率 / one-hour response"), "{text}");
    assert!(text.contains(&format!("tingjian sample verify --quarter {quarter}")), "{text}");
}
