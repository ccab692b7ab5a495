//! Accounts through the real `tingjian` binary, as IT scripts them: the first coordinator, a
//! head enrolled with a one-time passphrase who chooses her own, a refused step, a wrong
//! passphrase, a checkpoint written outside the vault and cosigned, and `verify --checkpoint`
//! catching the newest events cut off.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{json, sqlite3, tingjian_as};

/// Cheap argon2id costs in this debug build (see `session::TEST_SEALING_ENV`).
fn env() -> Vec<(String, String)> {
    vec![("TINGJIAN_TEST_SEALING".to_owned(), "1".to_owned())]
}

fn run(vault: &Path, args: &[&str]) -> Output {
    tingjian_as(vault, "nobody", &env(), args)
}

fn ok(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "stdout={} stderr={}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    json(output)
}

fn error_code(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "stderr={}", String::from_utf8_lossy(&output.stderr));
    json(output)["error"]["code"].as_str().unwrap_or_default().to_owned()
}

fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{text}\n")).expect("write");
    path.display().to_string()
}

#[test]
fn it_scripts_accounts_signs_steps_and_checks_the_log_against_a_checkpoint_kept_outside() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("vault");
    let secrets = temp.path();
    ok(&run(&vault, &["--json", "init"]));
    let li_pass = file(secrets, "li.pass", "李敏的口令：消保中心2026");
    let started =
        ok(&run(&vault, &["--json", "people", "start", "li", "--name", "李敏", "--new-passphrase-file", &li_pass]));
    assert_eq!(started[0]["person"]["id"], "li");

    let li = |args: &[&str]| -> Output {
        let mut all = vec!["--json", "--as", "li", "--passphrase-file", li_pass.as_str()];
        all.extend_from_slice(args);
        run(&vault, &all)
    };
    let handed = ok(&li(&[
        "people",
        "add",
        "chen",
        "--name",
        "陈静",
        "--role",
        "department_head",
        "--department",
        "信用卡中心",
    ]));
    let one_time = handed["one_time_passphrase"].as_str().expect("a one-time passphrase").to_owned();
    assert_eq!(one_time.len(), 19, "{one_time}");
    let one_time_file = file(secrets, "chen.once", &one_time);

    // chen must choose her own passphrase before anything else.
    let refused = run(&vault, &["--json", "--as", "chen", "--passphrase-file", &one_time_file, "status"]);
    assert_eq!(error_code(&refused), "PASSPHRASE_CHANGE_REQUIRED");
    let chen_pass = file(secrets, "chen.pass", "陈静自己定的口令-信用卡");
    ok(&run(
        &vault,
        &[
            "--json",
            "--as",
            "chen",
            "--passphrase-file",
            &one_time_file,
            "passphrase",
            "--new-passphrase-file",
            &chen_pass,
        ],
    ));
    let chen = |args: &[&str]| -> Output {
        let mut all = vec!["--json", "--as", "chen", "--passphrase-file", chen_pass.as_str()];
        all.extend_from_slice(args);
        run(&vault, &all)
    };
    let promoted = chen(&["people", "role", "chen", "--role", "coordinator"]);
    assert_eq!(error_code(&promoted), "NOT_PERMITTED", "a head may not promote herself");

    // No passphrase and no terminal: the command is refused, not run as a typed name.
    let unsigned = run(&vault, &["--json", "--as", "li", "status"]);
    assert_eq!(error_code(&unsigned), "SIGN_IN_REQUIRED");
    let wrong = file(secrets, "wrong.pass", "not the passphrase");
    let wrong = run(&vault, &["--json", "--as", "li", "--passphrase-file", &wrong, "status"]);
    assert_eq!(error_code(&wrong), "WRONG_PASSPHRASE");

    let listed = ok(&li(&["people", "list"]));
    let states: Vec<(String, bool)> = listed
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (a["person"]["id"].as_str().unwrap_or_default().to_owned(), a["must_change"].as_bool().unwrap_or(true))
        })
        .collect();
    assert_eq!(states, [("chen".to_owned(), false), ("li".to_owned(), false)]);

    // A checkpoint on a "USB stick", cosigned by chen; the log then cut back by one event.
    let usb = temp.path().join("usb");
    let written = ok(&li(&["checkpoint", "--out", usb.to_str().expect("utf-8")]));
    let checkpoint = written["path"].as_str().expect("path").to_owned();
    let cosigned = ok(&chen(&["checkpoint", "--cosign", &checkpoint]));
    assert_eq!(cosigned["signed_by"], serde_json::json!(["li", "chen"]));
    let verified = ok(&run(&vault, &["--json", "verify", "--checkpoint", &checkpoint]));
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["unsigned_events"], 1, "only the vault's creation came before accounts");

    let head = written["size"].as_u64().expect("size");
    sqlite3(&vault, "DROP TRIGGER events_append_only_delete;");
    sqlite3(&vault, &format!("DELETE FROM events WHERE seq = {head};"));
    let contradicted = run(&vault, &["--json", "verify", "--checkpoint", &checkpoint]);
    assert_eq!(contradicted.status.code(), Some(2), "a failed check exits 2");
    let report = json(&contradicted);
    let kinds: Vec<&str> =
        report["problems"].as_array().expect("problems").iter().filter_map(|p| p["kind"].as_str()).collect();
    assert!(kinds.contains(&"checkpoint_contradicted"), "{report:#}");
    let text = run(&vault, &["verify", "--checkpoint", &checkpoint]);
    let printed = String::from_utf8_lossy(&text.stdout).to_string() + &String::from_utf8_lossy(&text.stderr);
    assert!(printed.contains("截去"), "the Chinese finding is printed: {printed}");
}

#[test]
fn a_demo_with_accounts_signs_every_step_of_its_story_and_its_people_sign_in_with_the_demo_passphrase() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("demo");
    let data = common::private_demo_calls(temp.path());
    let made = run(&vault, &["--json", "demo", "--accounts", "--data", data.to_str().expect("utf-8")]);
    let summary = ok(&made);
    assert!(summary["sampled"].as_u64().unwrap_or(0) > 0, "{summary:#}");

    let report = ok(&run(&vault, &["--json", "verify"]));
    assert_eq!(report["ok"], true, "{report:#}");
    assert_eq!(report["unsigned_events"], 1, "only the vault's creation came before its accounts");
    assert!(report["signed_events"].as_u64().unwrap_or(0) > 100, "{report:#}");

    let demo_pass = file(temp.path(), "demo.pass", tingjian_vault::DEMO_PASSPHRASE);
    let listed = ok(&run(&vault, &["--json", "--as", "chen.jing", "--passphrase-file", &demo_pass, "people", "list"]));
    let active = listed
        .as_array()
        .expect("accounts")
        .iter()
        .filter(|a| a["state"] == "active" && a["fingerprint"].is_string())
        .count();
    assert_eq!(active, 6, "every demo person has an account: {listed:#}");
    // Running the demo again changes nothing and needs no passphrase: it goes on as the coordinator.
    let again = ok(&run(&vault, &["--json", "demo", "--data", data.to_str().expect("utf-8")]));
    assert_eq!(again["people_added"], 0, "{again:#}");

    // Closing the quarter writes a checkpoint into the folder IT chose, signed by the coordinator.
    let usb = temp.path().join("usb");
    let quarter = summary["quarter"].as_str().expect("quarter").to_owned();
    let mut env = env();
    env.push(("TINGJIAN_CHECKPOINT_DIR".to_owned(), usb.display().to_string()));
    let closed =
        tingjian_as(&vault, "li.min", &env, &["--json", "--passphrase-file", &demo_pass, "quarter", "close", &quarter]);
    ok(&closed);
    let written: Vec<_> = std::fs::read_dir(&usb).expect("the checkpoint folder").collect();
    assert_eq!(written.len(), 1, "one checkpoint for the close");
    let checkpoint = written[0].as_ref().expect("entry").path();
    let text = std::fs::read_to_string(&checkpoint).expect("read");
    assert!(text.contains("\n\u{2014} li.min "), "signed by the coordinator who closed it: {text}");
    let verified = ok(&run(&vault, &["--json", "verify", "--checkpoint", checkpoint.to_str().expect("utf-8")]));
    assert_eq!(verified["ok"], true, "{verified:#}");
}

#[test]
fn a_draw_is_seeded_by_two_people_and_a_chosen_seed_is_refused_outside_a_demo() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("vault");
    let secrets = temp.path();
    // The vault and its first account in one command.
    let li_pass = file(secrets, "li.pass", "李敏的口令：消保中心2026");
    let started =
        ok(&run(&vault, &["--json", "init", "--first", "li", "--name", "李敏", "--new-passphrase-file", &li_pass]));
    assert_eq!(started[0]["person"]["id"], "li");
    let li = |args: &[&str]| -> Output {
        let mut all = vec!["--json", "--as", "li", "--passphrase-file", li_pass.as_str()];
        all.extend_from_slice(args);
        run(&vault, &all)
    };
    let handed = ok(&li(&["people", "add", "wang", "--name", "王建国", "--role", "president"]));
    let once = file(secrets, "wang.once", handed["one_time_passphrase"].as_str().expect("one-time"));
    let wang_pass = file(secrets, "wang.pass", "王建国自己的口令-行长室");
    ok(&run(
        &vault,
        &["--json", "--as", "wang", "--passphrase-file", &once, "passphrase", "--new-passphrase-file", &wang_pass],
    ));
    let wang = |args: &[&str]| -> Output {
        let mut all = vec!["--json", "--as", "wang", "--passphrase-file", wang_pass.as_str()];
        all.extend_from_slice(args);
        run(&vault, &all)
    };
    let policy = file(
        secrets,
        "policy.toml",
        "due = { days_after_draw = 30 }\n[[reviewers]]\nid = \"wang\"\ndisplay_name = \"王建国\"\nrole = \"president\"\nmin_calls = 1\n[strata]\nby = [\"department\"]\nallocation = \"proportional\"\ntotal = 1",
    );

    let chosen = li(&["sample", "draw", "--quarter", "2026Q4", "--policy", &policy, "--seed", "7"]);
    assert_eq!(error_code(&chosen), "INVALID_INPUT", "a chosen seed outside a demo vault");
    let prepared = ok(&li(&["sample", "prepare", "--quarter", "2026Q4", "--policy", &policy]));
    assert_eq!(prepared["readiness"]["preparation"]["prepared_by"], "li");
    assert_eq!(prepared["readiness"]["joint_required"], true);
    assert_eq!(error_code(&li(&["sample", "witness", "--quarter", "2026Q4"])), "INVALID_INPUT", "not her own");
    let witnessed = ok(&wang(&["sample", "witness", "--quarter", "2026Q4"]));
    assert_eq!(witnessed["readiness"]["preparation"]["witnessed_by"], "wang");
    let drawn = ok(&li(&["sample", "draw", "--quarter", "2026Q4"]));
    let draw_seq = drawn["draw"]["event_seq"].as_u64().expect("draw event");
    assert_eq!(drawn["readiness"]["preparation"]["drawn_seq"], draw_seq);
    let text = String::from_utf8_lossy(
        &run(&vault, &["--as", "li", "--passphrase-file", &li_pass, "sample", "show", "--quarter", "2026Q4"]).stdout,
    )
    .to_string();
    assert!(text.contains("见证 / witnessed by wang"), "{text}");

    let sample_check = ok(&li(&["sample", "verify", "--quarter", "2026Q4"]));
    assert_eq!(sample_check["matches"], true);
    assert_eq!(ok(&run(&vault, &["--json", "verify"]))["ok"], true);
}
