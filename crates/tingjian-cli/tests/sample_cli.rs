//! `tingjian sample` and `tingjian quarter` against real vaults on disk, with a sample edited behind
//! the app's back by the real `sqlite3` tool.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{json, sqlite3};

fn tingjian(vault: &Path, args: &[&str]) -> Output {
    common::tingjian_as(vault, "coordinator", &[], args)
}

/// A one-channel 8 kHz tone of `seconds`, different per `pitch` so the hashes differ.
fn write_call(path: &Path, seconds: u32, pitch: f32) {
    let spec =
        hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    for n in 0..seconds * 8000 {
        let t = n as f32 / 8000.0;
        writer.write_sample(((t * pitch * std::f32::consts::TAU).sin() * 8000.0) as i16).expect("sample");
    }
    writer.finalize().expect("finalize");
}

const POLICY: &str = r#"
due = { date = "2099-01-15" }

[[reviewers]]
id = "boss"
display_name = "张行长"
role = "president"
min_calls = 1

[[reviewers]]
id = "east-head"
display_name = "城东支行 王行长"
role = "department_head"
department = "城东支行"
min_calls = 1

[[reviewers]]
id = "vp"
display_name = "李副行长"
role = "reviewer"
min_calls = 1

[strata]
by = ["department"]
allocation = "proportional"
total = 4
"#;

/// A vault with six 2026Q4 complaints (all recorded, one regulator-forwarded) and a policy file.
fn vault_with_quarter() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("vault");
    let rec = temp.path().join("rec");
    std::fs::create_dir_all(&rec).expect("mkdir");
    let mut csv = String::from(
        "投诉编号,受理时间,投诉渠道,业务类别,投诉类别,责任机构,客户姓名,联系电话,首次响应时间,办结时间,处理状态,录音文件,是否监管转办,投诉摘要\n",
    );
    let departments = ["城东支行", "城东支行", "信用卡中心", "信用卡中心", "个人信贷部", "个人信贷部"];
    for (index, department) in departments.iter().enumerate() {
        let n = index + 1;
        write_call(&rec.join(format!("call-{n}.wav")), 2, 200.0 + 40.0 * n as f32);
        let forwarded = if n == 5 { "是" } else { "否" };
        csv.push_str(&format!(
            "TS00{n},2026-10-1{n} 09:30:00,客服热线,信用卡,收费定价,{department},客户{n},1380000111{n},2026-10-1{n} 09:50:00,2026-10-1{n} 17:00:00,已办结,call-{n}.wav,{forwarded},摘要\n"
        ));
    }
    std::fs::write(temp.path().join("export.csv"), csv).expect("write csv");
    assert!(tingjian(&vault, &["init"]).status.success());
    let manifest = temp.path().join("export.csv");
    let imported = tingjian(
        &vault,
        &["import", "--manifest", manifest.to_str().expect("utf8"), "--recordings", rec.to_str().expect("utf8")],
    );
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let policy = temp.path().join("policy.toml");
    std::fs::write(&policy, POLICY).expect("write policy");
    (temp, vault, policy)
}

fn sample_of(vault: &Path) -> Vec<(String, String)> {
    let shown = json(&tingjian(vault, &["sample", "show", "--quarter", "2026Q4", "--json"]));
    shown["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .map(|a| {
            (
                a["complaint_number"].as_str().unwrap_or("").to_owned(),
                a["reviewer_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_sample_and_verify_says_it_matches() {
    let (_temp, vault, policy) = vault_with_quarter();
    let policy = policy.to_str().expect("utf8");
    let drawn =
        tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--policy", policy, "--seed", "42", "--json"]);
    assert!(drawn.status.success(), "{}", String::from_utf8_lossy(&drawn.stderr));
    let first = json(&drawn);
    assert_eq!(first["draw"]["seed"], "42", "the seed is shown, as text");
    assert_eq!(first["draw"]["drawn_by"], "coordinator");
    let sample = sample_of(&vault);
    assert_eq!(sample.len(), 4, "{sample:?}");
    assert!(sample.iter().any(|(n, _)| n == "TS005"), "the regulator-forwarded call is always drawn: {sample:?}");

    // A redraw with the same seed (the quarter is still in planning) gives the same sample; the
    // earlier draw stays in the log.
    let again = tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--seed", "42", "--json"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(sample_of(&vault), sample);
    let verified = tingjian(&vault, &["sample", "verify", "--quarter", "2026Q4", "--json"]);
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));
    assert_eq!(json(&verified)["matches"], true);
    let text = tingjian(&vault, &["sample", "verify", "--quarter", "2026Q4"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("复核一致"));

    // The policy reads back as TOML, bound to the quarter.
    let got = tingjian(&vault, &["sample", "policy", "--quarter", "2026Q4", "--get"]);
    let toml = String::from_utf8_lossy(&got.stdout);
    assert!(toml.contains("quarter = \"2026Q4\"") && toml.contains("张行长"), "{toml}");
    assert!(tingjian(&vault, &["verify"]).status.success(), "the draws left a vault that verifies");
}

/// What the log holds for the quarter, oldest first: `sample_drawn` events with their seed,
/// `sample_added_by_hand` events with the complaint and the reason.
fn sampling_log(vault: &Path) -> Vec<String> {
    let out = std::process::Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg(
            "SELECT kind || ' ' || CASE kind
               WHEN 'sample_drawn' THEN json_extract(payload, '$.draw.seed')
               ELSE json_extract(payload, '$.complaint_number') || ' ' || json_extract(payload, '$.reason') END
             FROM events WHERE kind IN ('sample_drawn', 'sample_added_by_hand') ORDER BY seq;",
        )
        .output()
        .expect("the sqlite3 tool is installed (make installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn a_redraw_with_another_seed_replaces_the_sample_and_the_call_added_by_hand_while_the_log_keeps_both() {
    let (_temp, vault, policy) = vault_with_quarter();
    let policy = policy.to_str().expect("utf8");
    let add_ts002 = |reason: &str| {
        let added = tingjian(
            &vault,
            &["sample", "add", "--quarter", "2026Q4", "--complaint", "TS002", "--reviewer", "vp", "--reason", reason],
        );
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    };
    let redraw = |seed: &str| {
        let again = tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--seed", seed, "--json"]);
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        json(&again)
    };
    let drawn = tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--policy", policy, "--seed", "3"]);
    assert!(drawn.status.success(), "{}", String::from_utf8_lossy(&drawn.stderr));
    let first = sample_of(&vault);
    // TS002 is outside seed 3's sample; the coordinator adds it by hand.
    assert!(!first.iter().any(|(n, _)| n == "TS002"), "seed 3 leaves TS002 out: {first:?}");
    let reason = "客户第三次来电，消保中心要求加听";
    add_ts002(reason);
    assert_eq!(sample_of(&vault).len(), first.len() + 1);

    // Still in planning, the quarter is drawn again with another seed, which does not draw TS002.
    let redrawn = redraw("11");
    assert_eq!(redrawn["draw"]["seed"], "11");
    let second = sample_of(&vault);
    assert_eq!(second.len(), 4, "the policy's four calls, nothing kept from before: {second:?}");
    assert_ne!(second, first, "seed 11 draws another sample than seed 3");
    // The call added by hand is gone from the current sample, and no row is left marked as added
    // by hand.
    assert!(!second.iter().any(|(n, _)| n == "TS002"), "{second:?}");
    let rows = redrawn["assignments"].as_array().expect("assignments");
    assert!(rows.iter().all(|a| a["added_by_hand"].is_null() && a["selected_by"] != "by_hand"), "{redrawn}");
    assert!(rows.iter().any(|a| a["complaint_number"] == "TS005"), "the regulator-forwarded call is still drawn");

    // The log keeps the first draw and the addition, in order, before the redraw.
    assert_eq!(
        sampling_log(&vault),
        ["sample_drawn 3".to_owned(), format!("sample_added_by_hand TS002 {reason}"), "sample_drawn 11".to_owned()]
    );

    // `sample verify` re-runs the new draw (seed 11) and finds the sample equal to it: nothing
    // missing, nothing extra, no call listed as added by hand.
    let verified = tingjian(&vault, &["sample", "verify", "--quarter", "2026Q4", "--json"]);
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));
    let report = json(&verified);
    assert_eq!(report["matches"], true, "{report}");
    assert_eq!(report["seed"], "11");
    assert_eq!(report["draw_event_seq"], redrawn["draw"]["event_seq"]);
    for list in ["missing", "extra", "reassigned", "altered", "added_by_hand"] {
        assert_eq!(report["verification"][list], serde_json::json!([]), "{list}: {report}");
    }

    // Added by hand again, then a redraw whose seed does draw TS002: it stays, as drawn.
    add_ts002("再次加听");
    let redrawn = redraw("4");
    let rows = redrawn["assignments"].as_array().expect("assignments");
    let kept = rows.iter().find(|a| a["complaint_number"] == "TS002").expect("seed 4 draws TS002");
    assert!(kept["added_by_hand"].is_null() && kept["selected_by"] != "by_hand", "{kept}");
    assert_eq!(rows.len(), 4, "{redrawn}");
    assert_eq!(sampling_log(&vault).len(), 5, "every draw and addition stays in the log");
    let verified = tingjian(&vault, &["sample", "verify", "--quarter", "2026Q4", "--json"]);
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));
    assert!(tingjian(&vault, &["verify"]).status.success(), "the redraws left a vault that verifies");
}

#[test]
fn verify_finds_an_assignment_edited_with_sqlite3() {
    let (_temp, vault, policy) = vault_with_quarter();
    let drawn = tingjian(
        &vault,
        &["sample", "draw", "--quarter", "2026Q4", "--policy", policy.to_str().expect("utf8"), "--seed", "7"],
    );
    assert!(drawn.status.success(), "{}", String::from_utf8_lossy(&drawn.stderr));
    let (number, reviewer) = sample_of(&vault).into_iter().next().expect("a sampled call");
    let other = if reviewer == "vp" { "boss" } else { "vp" };
    sqlite3(&vault, &format!("UPDATE assignments SET reviewer_id = '{other}' WHERE complaint_number = '{number}';"));

    let verified = tingjian(&vault, &["sample", "verify", "--quarter", "2026Q4", "--json"]);
    assert_eq!(verified.status.code(), Some(2), "a mismatch exits 2");
    let report = json(&verified);
    assert_eq!(report["matches"], false);
    let reassigned = &report["verification"]["reassigned"][0];
    assert_eq!(reassigned["complaint_number"], number.as_str());
    assert_eq!(reassigned["recorded_reviewer_id"], other);
    assert_eq!(reassigned["expected_reviewer_id"], reviewer.as_str());
    assert!(report["table_problems"][0]["message_zh"].as_str().unwrap_or("").contains("听取分配"), "{report}");
    // The vault-wide verify sees the edited row too.
    assert_eq!(tingjian(&vault, &["verify"]).status.code(), Some(2));
}

#[test]
fn an_open_quarter_refuses_a_redraw_and_a_closed_one_refuses_everything() {
    let (_temp, vault, policy) = vault_with_quarter();
    let policy = policy.to_str().expect("utf8");
    let open_early = tingjian(&vault, &["quarter", "open", "2026Q4", "--json"]);
    assert_eq!(open_early.status.code(), Some(1), "a quarter without a draw does not open");
    assert!(tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--policy", policy]).status.success());
    assert!(tingjian(&vault, &["quarter", "open", "2026Q4"]).status.success());
    let redraw = tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--json"]);
    assert_eq!(redraw.status.code(), Some(1));
    assert_eq!(json(&redraw)["error"]["code"], "QUARTER_LOCKED");

    assert!(tingjian(&vault, &["quarter", "close", "2026Q4"]).status.success());
    let draw = tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4"]);
    assert_eq!(draw.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&draw.stderr);
    assert!(stderr.contains("已结束") && stderr.contains("closed"), "{stderr}");
    let add = tingjian(
        &vault,
        &[
            "sample",
            "add",
            "--quarter",
            "2026Q4",
            "--complaint",
            "TS001",
            "--reviewer",
            "vp",
            "--reason",
            "补充",
            "--json",
        ],
    );
    assert_eq!(json(&add)["error"]["code"], "QUARTER_LOCKED");
    assert!(tingjian(&vault, &["verify"]).status.success());
}

#[test]
fn a_call_added_by_hand_shows_as_added_by_hand_and_does_not_break_verify() {
    let (_temp, vault, policy) = vault_with_quarter();
    let policy = policy.to_str().expect("utf8");
    assert!(
        tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--policy", policy, "--seed", "3"])
            .status
            .success()
    );
    let sampled = sample_of(&vault);
    let outside = ["TS001", "TS002", "TS003", "TS004", "TS005", "TS006"]
        .into_iter()
        .find(|n| !sampled.iter().any(|(s, _)| s == n))
        .expect("a call outside the sample");
    let reason = "客户第三次来电，消保中心要求加听";
    let add = [
        "sample",
        "add",
        "--quarter",
        "2026Q4",
        "--complaint",
        outside,
        "--reviewer",
        "vp",
        "--reason",
        reason,
        "--json",
    ];
    let added = tingjian(&vault, &add);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stdout));
    assert_eq!(json(&added)["added_by_hand"], reason);
    let again = tingjian(&vault, &add);
    assert_eq!(again.status.code(), Some(1), "a call is in the sample once");

    let shown = json(&tingjian(&vault, &["sample", "show", "--quarter", "2026Q4", "--json"]));
    let row = shown["assignments"]
        .as_array()
        .and_then(|rows| rows.iter().find(|a| a["complaint_number"] == outside))
        .cloned()
        .expect("the added call is in the sample");
    assert_eq!(row["selected_by"], "by_hand");
    assert_eq!(row["added_by_hand"], reason);
    let text =
        String::from_utf8_lossy(&tingjian(&vault, &["sample", "show", "--quarter", "2026Q4"]).stdout).to_string();
    assert!(text.contains("手工添加 / added by hand"), "{text}");

    let verified = json(&tingjian(&vault, &["sample", "verify", "--quarter", "2026Q4", "--json"]));
    assert_eq!(verified["matches"], true, "{verified}");
    assert_eq!(verified["verification"]["added_by_hand"][0], outside);
}

#[test]
fn the_dashboard_counts_a_reviewers_submitted_reflections() {
    let (_temp, vault, policy) = vault_with_quarter();
    let policy = policy.to_str().expect("utf8");
    let drawn = tingjian(&vault, &["sample", "draw", "--quarter", "2026Q4", "--policy", policy, "--seed", "42"]);
    assert!(drawn.status.success(), "{}", String::from_utf8_lossy(&drawn.stderr));
    let (number, reviewer) = sample_of(&vault).into_iter().next().expect("a sampled call");
    let quarter: tingjian_core::QuarterId = "2026Q4".parse().expect("quarter");
    let reflected = |who: &str| {
        let vault = tingjian_vault::Vault::open(&vault, who).expect("open");
        let dashboard = vault.quarter_dashboard(quarter).expect("dashboard");
        dashboard.reviewers.iter().find(|r| r.reviewer_id == reviewer).map_or(0, |r| r.reflected)
    };
    assert_eq!(reflected(&reviewer), 0);
    // Someone else's reflection on the call does not count for the assigned reviewer; theirs does.
    let mut other = tingjian_vault::Vault::open(&vault, "someone.else").expect("open");
    other.submit_reflection(&number, "旁听者的反思").expect("reflection");
    assert_eq!(reflected(&reviewer), 0);
    let mut theirs = tingjian_vault::Vault::open(&vault, &reviewer).expect("open");
    theirs.submit_reflection(&number, "一、问题……二、原因……三、改进……").expect("reflection");
    assert_eq!(reflected(&reviewer), 1);
}
