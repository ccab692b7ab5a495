//! The demo works on every day of the year: `tingjian demo` run with the clock set (by
//! `faketime`, for the real binary and the tools it starts) to each boundary of a year's quarters,
//! both on a fresh path and on a vault that `init` made moments earlier; each run completes, the
//! vault is marked as a demo vault, and `verify` passes on the same day. And `demo` refuses a vault
//! that holds real work, changing nothing in it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::json;

/// The calls the demo generates, shared with `make run` and the end-to-end tests (made once).
fn shared_demo_data() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("demo-calls")
}

/// A private copy of the demo's calls in `dir` (hard links: nothing is copied). The demo writes
/// its export for the day it runs on into the data directory, so tests running at different
/// dates at once must not share one.
fn demo_data_in(dir: &Path) -> PathBuf {
    let shared = shared_demo_data();
    if !shared.join("demo-set.json").is_file() {
        // The first test to get here makes the shared set; later ones find it.
        let made = Command::new(env!("CARGO_BIN_EXE_tingjian"))
            .args(["--vault"])
            .arg(dir.join("maker"))
            .args(["demo", "--data"])
            .arg(&shared)
            .output()
            .expect("run tingjian demo");
        assert!(made.status.success(), "making the demo calls: {}", describe(&made));
    }
    let private = dir.join("demo-calls");
    link_tree(&shared, &private);
    private
}

fn link_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read demo data") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            link_tree(&entry.path(), &target);
        } else if entry.file_name() == "demo-set.json" || entry.file_name() == "complaints.csv" {
            // Rewritten by the demo for its day: a copy, so the shared one stays as it was.
            std::fs::copy(entry.path(), &target).expect("copy");
        } else {
            std::fs::hard_link(entry.path(), &target).expect("link");
        }
    }
}

/// Runs `tingjian --vault VAULT ARGS…` with the clock at `at` in Asia/Shanghai.
fn tingjian_at(at: &str, vault: &Path, args: &[&str]) -> Output {
    Command::new("faketime")
        .arg(at)
        .arg(env!("CARGO_BIN_EXE_tingjian"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TZ", "Asia/Shanghai")
        // Only the calendar clock moves; timers and timeouts keep the real monotonic clock.
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("TINGJIAN_USER", "li.min")
        .output()
        .expect("faketime is installed (make installs it)")
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn demo_on(at: &str, after_init: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault");
    if after_init {
        let init = tingjian_at(at, &vault, &["init"]);
        assert!(init.status.success(), "init at {at}: {}", describe(&init));
    }
    let data = demo_data_in(dir.path());
    let demo = tingjian_at(at, &vault, &["demo", "--json", "--data", data.to_str().expect("utf-8 path")]);
    assert!(demo.status.success(), "demo at {at} (after init: {after_init}): {}", describe(&demo));
    let summary = json(&demo);
    let date = &at[..10];
    let expected_quarter = format!("{}Q{}", &date[..4], (date[5..7].parse::<u32>().expect("month") - 1) / 3 + 1);
    assert_eq!(summary["quarter"], expected_quarter.as_str(), "{summary}");
    assert!(summary["sampled"].as_u64().expect("sampled") > 0, "nothing sampled at {at}: {summary}");

    let status = json(&tingjian_at(at, &vault, &["status", "--json"]));
    assert_eq!(status["demo"], true, "the vault is marked as a demo vault: {status}");
    assert_eq!(status["current_quarter"], expected_quarter.as_str(), "{status}");
    assert!(status["complaints_in_quarter"].as_u64().expect("complaints") > 0, "{status}");

    let verify = tingjian_at(at, &vault, &["verify", "--json"]);
    assert!(verify.status.success(), "verify at {at} (after init: {after_init}): {}", describe(&verify));

    // Running it again the same day changes no complaint, case or session.
    let cases = |vault: &Path| json(&tingjian_at(at, vault, &["rectify", "list", "--json"]));
    let before = cases(&vault);
    let again = tingjian_at(at, &vault, &["demo", "--json", "--data", data.to_str().expect("utf-8 path")]);
    assert!(again.status.success(), "demo again at {at}: {}", describe(&again));
    assert_eq!(cases(&vault), before, "a second demo run changed the cases");
}

/// One test per moment, each on a fresh path and after `init`: the first and last moments of each
/// quarter, a leap day, before the demo's 09:00 "opening" on a quarter's first day, and
/// mid-quarter.
macro_rules! demo_days {
    ($($name:ident => $at:literal,)*) => {$(
        #[test]
        fn $name() {
            demo_on($at, false);
            demo_on($at, true);
        }
    )*};
}

demo_days! {
    demo_on_new_years_day_just_after_midnight => "2028-01-01 00:05:00",
    demo_on_the_first_morning_of_q1 => "2028-01-01 10:00:00",
    demo_on_leap_day => "2028-02-29 12:00:00",
    demo_on_the_last_minutes_of_q1 => "2028-03-31 23:55:00",
    demo_on_the_first_night_of_q2 => "2028-04-01 00:30:00",
    demo_in_the_middle_of_q2 => "2028-05-16 09:00:00",
    demo_on_the_last_evening_of_q2 => "2028-06-30 23:30:00",
    demo_on_the_first_day_of_q3_before_nine => "2028-07-01 08:00:00",
    demo_on_the_last_day_of_q3 => "2028-09-30 18:00:00",
    demo_on_the_first_minute_of_q4 => "2028-10-01 00:01:00",
    demo_in_the_middle_of_q4 => "2028-11-15 14:00:00",
    demo_on_new_years_eve => "2028-12-31 23:50:00",
}

#[test]
fn demo_refuses_a_vault_with_real_work_and_changes_nothing_in_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault");
    let at = "2028-05-16 09:00:00";
    assert!(tingjian_at(at, &vault, &["init"]).status.success());
    let person =
        tingjian_at(at, &vault, &["people", "set", "zhao.lei", "--name", "赵磊", "--role", "coordinator", "--json"]);
    assert!(person.status.success(), "{}", describe(&person));
    let events_before = json(&tingjian_at(at, &vault, &["status", "--json"]))["events"].clone();

    let data = demo_data_in(dir.path());
    let demo = tingjian_at(at, &vault, &["demo", "--json", "--data", data.to_str().expect("utf-8 path")]);
    assert_eq!(demo.status.code(), Some(1), "{}", describe(&demo));
    let error = json(&demo)["error"].clone();
    assert_eq!(error["code"], "NOT_A_DEMO_VAULT", "{error}");
    assert!(error["message_zh"].as_str().expect("zh").contains("不是演示档案库"), "{error}");
    let status = json(&tingjian_at(at, &vault, &["status", "--json"]));
    assert_eq!(status["events"], events_before, "the refused demo recorded something: {status}");
    assert_eq!(status["demo"], false, "{status}");
}
