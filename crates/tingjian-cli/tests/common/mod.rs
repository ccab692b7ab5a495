//! What the command-line tests share: running the real `tingjian` binary, reading its JSON, and
//! changing a vault behind its back with the real `sqlite3` tool.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

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
