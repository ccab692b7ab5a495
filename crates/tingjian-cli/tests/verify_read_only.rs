//! `tingjian verify` as an auditor runs it: on a copy of the vault made write-protected with
//! `chmod -R a-w`, by a user who cannot write to it (tests running as root drop to `nobody`, for
//! whom the permission bits hold), needing no account in the vault. Every file of the copy, the
//! database, its write-ahead log and SQLite's shared-memory file included, must have the same bytes
//! and permissions afterwards, and no file may appear or go.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tingjian_core::model::{Person, Role};
use tingjian_vault::event::sha256_hex;
use tingjian_vault::{Event, Vault};

mod common;

use common::{json, sqlite3, vault_with_a_call};

/// Every file and folder under `dir`: its permission bits and, for a file, the SHA-256 of its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u32, String)> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("read a folder of the copy") {
            let path = entry.expect("an entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let mode = meta.permissions().mode();
            let digest = if meta.is_dir() {
                pending.push(path.clone());
                String::new()
            } else {
                sha256_hex(&std::fs::read(&path).expect("read a file of the copy"))
            };
            found.insert(path.strip_prefix(dir).expect("inside").to_owned(), (mode, digest));
        }
    }
    found
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

/// A copy of `vault` in a folder of its own, every file and folder of it write-protected. It is
/// the auditor's (a vault's files are readable by their owner only), as a copy they made would be.
fn protected_copy(vault: &Path, into: &Path) -> PathBuf {
    let copy = into.join("copy");
    run("cp", &["-a", &vault.display().to_string(), &copy.display().to_string()]);
    hand_to_auditor(&copy);
    copy
}

/// Makes `copy` the auditor's (when the tests run as root) and write-protects it.
fn hand_to_auditor(copy: &Path) {
    if running_as_root() {
        run("chown", &["-R", "65534:65534", &copy.display().to_string()]);
    }
    run("chmod", &["-R", "a-w", &copy.display().to_string()]);
}

fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .is_some_and(|ids| ids.split_whitespace().nth(1) == Some("0"))
}

/// `tingjian --json --vault COPY verify` run by a user the write protection holds for.
fn verify_as_auditor(copy: &Path) -> Output {
    let binary = env!("CARGO_BIN_EXE_tingjian");
    let mut command = if running_as_root() {
        // Root ignores permission bits; `nobody` does not.
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(binary);
        command
    } else {
        Command::new(binary)
    };
    command
        .args(["--json", "--vault"])
        .arg(copy)
        .arg("verify")
        // No person is named: checking a vault needs no account in it.
        .env_remove("TINGJIAN_USER")
        .env("HOME", copy)
        .output()
        .expect("run tingjian verify")
}

/// A folder the auditor (`nobody`) can enter and read, as a share or a USB stick would be.
fn readable_temp_dir() -> tempfile::TempDir {
    let temp = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod the test folder");
    temp
}

fn events_in(vault: &Path) -> u64 {
    let conn = rusqlite::Connection::open(vault.join(tingjian_vault::DATABASE_FILE)).expect("open");
    conn.query_row("SELECT count(*) FROM events", [], |row| row.get(0)).expect("count")
}

/// Verifies `copy` as the auditor and checks that nothing in it changed; returns the report.
fn verify_and_compare(copy: &Path) -> (Output, serde_json::Value) {
    let before = snapshot(copy);
    let output = verify_as_auditor(copy);
    let after = snapshot(copy);
    assert_eq!(after, before, "verify changed the write-protected copy: {}", String::from_utf8_lossy(&output.stderr));
    let report = json(&output);
    (output, report)
}

#[test]
fn a_closed_vault_copied_and_write_protected_verifies_and_keeps_every_byte() {
    let temp = readable_temp_dir();
    let vault = vault_with_a_call(temp.path(), "li.min", "TS-7", 7);
    assert!(!vault.join("vault.sqlite-wal").exists(), "a closed vault has no write-ahead log beside it");
    let copy = protected_copy(&vault, temp.path());
    let (output, report) = verify_and_compare(&copy);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["events_checked"].as_u64(), Some(events_in(&vault)));
    assert_eq!(report["recordings_checked"], 1, "the stored call was rehashed in place");
}

#[test]
fn a_vault_copied_while_open_is_verified_with_its_log_and_keeps_every_byte() {
    let temp = readable_temp_dir();
    let vault = vault_with_a_call(temp.path(), "li.min", "TS-7", 7);
    // The app has the vault open and has just recorded an event: it sits in the write-ahead log,
    // not yet in the database file, when the vault is copied.
    let mut open = Vault::open(&vault, "li.min").expect("open");
    let person =
        Person {
            id: "zhou.ming".to_owned(), display_name: "周明".to_owned(), role: Role::Reviewer, department: None
        };
    open.record(vec![Event::PersonAdded { person }]).expect("record");
    let with_log = temp.path().join("with-log");
    std::fs::create_dir(&with_log).expect("mkdir");
    let copy = protected_copy(&vault, &with_log);
    // The same copy without SQLite's shared-memory file, which a copy by hand may leave behind.
    let without_index = temp.path().join("without-index");
    std::fs::create_dir(&without_index).expect("mkdir");
    run("cp", &["-a", &vault.display().to_string(), &without_index.join("copy").display().to_string()]);
    std::fs::remove_file(without_index.join("copy/vault.sqlite-shm")).expect("remove the shared-memory file");
    hand_to_auditor(&without_index.join("copy"));
    let expected_events = events_in(&vault);
    drop(open);

    for copy in [copy, without_index.join("copy")] {
        assert!(
            std::fs::metadata(copy.join("vault.sqlite-wal")).is_ok_and(|meta| meta.len() > 0),
            "the copy holds a write-ahead log"
        );
        let (output, report) = verify_and_compare(&copy);
        assert_eq!(output.status.code(), Some(0), "{report}");
        assert_eq!(report["ok"], true, "{report}");
        assert_eq!(
            report["events_checked"].as_u64(),
            Some(expected_events),
            "the event still in the log was read: {}",
            copy.display()
        );
    }
}

#[test]
fn a_tampered_write_protected_copy_is_named_and_keeps_every_byte() {
    let temp = readable_temp_dir();
    let vault = vault_with_a_call(temp.path(), "li.min", "TS-7", 7);
    sqlite3(&vault, "UPDATE complaints SET department = '零售金融部' WHERE number = 'TS-7';");
    let copy = protected_copy(&vault, temp.path());
    let (output, report) = verify_and_compare(&copy);
    assert_eq!(output.status.code(), Some(2), "a finding exits 2: {report}");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0]["kind"], "row_changed");
    assert_eq!(problems[0]["table"], "complaints");
    assert_eq!(problems[0]["key"], "TS-7");
}
