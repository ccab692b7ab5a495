//! What the command-line tests share: running the real `tingjian` binary, reading its JSON, and
//! changing a vault behind its back with the real `sqlite3` tool.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tingjian_vault::Vault;

/// Runs `tingjian --vault VAULT ARGS…` as `user`, with `env` added (a sound set-up, for example).
pub fn tingjian_as(vault: &Path, user: &str, env: &[(String, String)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tingjian"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TINGJIAN_USER", user)
        .envs(env.iter().map(|(key, value)| (key.as_str(), value.as_str())))
        .output()
        .expect("run tingjian")
}

/// The command's standard output as JSON; a failure shows both streams.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): stdout={} stderr={}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Runs `sql` on the vault's database with the `sqlite3` tool, as someone tampering would.
pub fn sqlite3(vault: &Path, sql: &str) {
    let status = Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg(sql)
        .status()
        .expect("the sqlite3 tool is installed (make installs it)");
    assert!(status.success(), "sqlite3 failed on: {sql}");
}

/// A connection of the test's own to the vault's database file, as an auditor's `sqlite3` would
/// open it: the vault keeps its connections to itself.
pub fn sql(vault: &Vault) -> rusqlite::Connection {
    rusqlite::Connection::open(vault.root().join(tingjian_vault::DATABASE_FILE)).expect("open the vault's database")
}

/// `tingjian --vault VAULT ARGS…` as `user`, with `env` added, not yet started: for a test that
/// watches or kills the process while it runs.
pub fn tingjian_command(vault: &Path, user: &str, env: &[(String, String)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tingjian"));
    command
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TINGJIAN_USER", user)
        .envs(env.iter().map(|(key, value)| (key.as_str(), value.as_str())));
    command
}

/// The calls the demo generates, shared with `make run` and the end-to-end tests (made once).
pub fn shared_demo_calls() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("demo-calls")
}

/// A private copy of the demo's calls in `dir/demo-calls`, made of hard links, except for the two
/// files the demo rewrites for the day it runs on (so the shared set stays as it was). The shared
/// set is generated first when `make` has not made it yet.
pub fn private_demo_calls(dir: &Path) -> std::path::PathBuf {
    let shared = shared_demo_calls();
    if !shared.join("demo-set.json").is_file() {
        let made = Command::new(env!("CARGO_BIN_EXE_tingjian"))
            .arg("--vault")
            .arg(dir.join("demo-calls-maker"))
            .args(["demo", "--data"])
            .arg(&shared)
            .output()
            .expect("run tingjian demo");
        assert!(made.status.success(), "making the demo calls: {}", String::from_utf8_lossy(&made.stderr));
    }
    let private = dir.join("demo-calls");
    link_demo_calls(&shared, &private);
    private
}

fn link_demo_calls(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read demo calls") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            link_demo_calls(&entry.path(), &target);
        } else if entry.file_name() == "demo-set.json" || entry.file_name() == "complaints.csv" {
            std::fs::copy(entry.path(), &target).expect("copy");
        } else {
            std::fs::hard_link(entry.path(), &target).expect("link");
        }
    }
}

/// A vault in `dir/vault` holding complaint `number` with a `seconds`-long two-party call (a tone
/// per party, both sounding the whole time), made by the real `init` and `import` as `user`, with
/// no sound card: the commands end, so the vault is closed.
pub fn vault_with_a_call(dir: &Path, user: &str, number: &str, seconds: u32) -> std::path::PathBuf {
    let input = dir.join("input");
    std::fs::create_dir_all(&input).expect("mkdir");
    tingjian_sound_setups::write_two_party_call(&input.join("call.wav"), seconds);
    std::fs::write(
        input.join("export.csv"),
        format!("投诉编号,受理时间,责任机构,录音文件\n{number},2026-11-02 09:30:00,信用卡中心,call.wav\n"),
    )
    .expect("write csv");
    let vault = dir.join("vault");
    let no_card = tingjian_sound_setups::AlsaConfig::no_card().env();
    let init = tingjian_as(&vault, user, &no_card, &["init"]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let manifest = input.join("export.csv");
    let imported = tingjian_as(
        &vault,
        user,
        &no_card,
        &["import", "--manifest", manifest.to_str().expect("utf8"), "--recordings", input.to_str().expect("utf8")],
    );
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    vault
}

/// A demo vault made by `tingjian demo` as li.min in `dir`, and the quarter it is in.
pub fn demo_vault_and_quarter(dir: &Path) -> (std::path::PathBuf, String) {
    let vault = dir.join("demo");
    let data = shared_demo_calls();
    let made = tingjian_as(&vault, "li.min", &[], &["--json", "demo", "--data", data.to_str().expect("utf-8")]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let quarter = json(&made)["quarter"].as_str().expect("quarter").to_owned();
    (vault, quarter)
}
