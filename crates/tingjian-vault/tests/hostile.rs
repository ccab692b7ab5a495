//! What a killed import leaves in the stores, files put there by hand, and ids no one should act
//! as: each is cleaned, named by `verify`, or refused with its reason.

use std::path::Path;
use std::process::{Command, Stdio};

use tingjian_core::model::{Person, Role};
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{ProblemKind, Vault};

mod common;
use common::{sql, vault_with_a_call};

/// The id of a process that was killed with SIGKILL (`kill -9`) and has been reaped, so that no
/// process runs under it any more.
fn pid_of_a_killed_process() -> u32 {
    let mut child = Command::new("sleep").arg("60").stdout(Stdio::null()).spawn().expect("sleep");
    let pid = child.id();
    let status = Command::new("kill").args(["-9", &pid.to_string()]).status().expect("kill");
    assert!(status.success());
    child.wait().expect("reaped");
    pid
}

fn stray_keys(vault: &Vault) -> Vec<String> {
    let report = vault.verify().expect("verify");
    report.problems.iter().filter(|p| p.kind == ProblemKind::StrayFile).filter_map(|p| p.key.clone()).collect()
}

/// What an interrupted process left, which `verify` names as warnings (the check still passes).
fn left_over_keys(vault: &Vault) -> Vec<String> {
    let report = vault.verify().expect("verify");
    assert!(report.ok, "left-over files are not problems: {report:#?}");
    report.warnings.iter().filter(|p| p.kind == ProblemKind::LeftOverFile).filter_map(|p| p.key.clone()).collect()
}

/// Sets a file's last-written time `ago` into the past.
fn written_ago(path: &Path, ago: std::time::Duration) {
    let file = std::fs::File::options().write(true).open(path).expect("open");
    file.set_modified(std::time::SystemTime::now() - ago).expect("set mtime");
}

#[test]
fn a_stored_file_whose_event_a_kill_prevented_is_removed_at_open_once_a_minute_old() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, hash) = vault_with_a_call(temp.path(), "tester");
    // Killed between storing a recording and recording its event, two minutes ago; and another
    // process storing one this very moment.
    let orphan = vault.audio().put_bytes(b"a call whose event was never written").expect("store").hash;
    let storing = vault.evidence().put_bytes(b"evidence being attached now").expect("store").hash;
    written_ago(&vault.audio().path_of(&orphan), std::time::Duration::from_secs(120));
    written_ago(&vault.audio().path_of(&hash), std::time::Duration::from_secs(120));
    assert_eq!(left_over_keys(&vault), [format!("audio/{}/{orphan}", &orphan[..2])], "verify names it");
    drop(vault);

    let vault = Vault::open(&temp.path().join("v"), "tester").expect("open");
    assert!(!vault.audio().path_of(&orphan).exists(), "the file no event names is gone");
    assert!(vault.evidence().path_of(&storing).is_file(), "a file stored a moment ago waits for its event");
    assert!(vault.audio().path_of(&hash).is_file(), "a stored recording stays, however old");
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn what_a_killed_import_left_is_named_by_verify_and_cleaned_when_the_vault_is_opened() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, hash) = vault_with_a_call(temp.path(), "tester");
    assert!(vault.verify().expect("verify").ok);
    let fan_out = vault.root().join("audio").join(&hash[..2]);

    // An import killed with kill -9 while writing a recording: its temporary file stays.
    let dead = pid_of_a_killed_process();
    let left = fan_out.join(format!(".{hash}.{dead}.partial"));
    std::fs::write(&left, b"half a recording").expect("write");
    // An import still running (this process) is writing one: that is not a stray.
    let running = fan_out.join(format!(".{}.{}.partial", "e".repeat(64), std::process::id()));
    std::fs::write(&running, b"being written").expect("write");
    // A file put in the store by hand, and one in the evidence store.
    std::fs::write(vault.root().join("audio").join("notes.txt"), "mine").expect("write");
    std::fs::create_dir_all(vault.root().join("evidence/ab")).expect("mkdir");
    std::fs::write(vault.root().join("evidence/ab/photo.jpg"), "jpeg").expect("write");

    let report = vault.verify().expect("verify");
    assert!(!report.ok);
    let strays: Vec<_> = report.problems.iter().filter(|p| p.kind == ProblemKind::StrayFile).collect();
    let keys: Vec<&str> = strays.iter().filter_map(|p| p.key.as_deref()).collect();
    assert_eq!(keys, ["audio/notes.txt", "evidence/ab/photo.jpg"]);
    // The killed import's temporary file is named as left over: a warning, removed at the next open.
    let left_key = format!("audio/{}/.{hash}.{dead}.partial", &hash[..2]);
    let left_over: Vec<&str> = report
        .warnings
        .iter()
        .filter(|p| p.kind == ProblemKind::LeftOverFile)
        .filter_map(|p| p.key.as_deref())
        .collect();
    assert_eq!(left_over, [left_key.as_str()]);
    assert!(report.warnings[0].message_en.contains("was left by an interrupted process and no record refers to it"));
    let notes = strays.iter().find(|p| p.key.as_deref() == Some("audio/notes.txt")).expect("named");
    assert!(notes.message_en.contains("audio/notes.txt in the vault is not the file of any stored recording"));
    assert!(notes.message_zh.contains("档案库中的 audio/notes.txt 不是任何录音的存档文件"));
    assert!(
        strays.iter().any(|p| p.message_en.contains("evidence/ab/photo.jpg") && p.message_en.contains("evidence file"))
    );
    drop(vault);

    // Opening the vault again removes what the killed process left, and only that.
    let vault = Vault::open(&temp.path().join("v"), "tester").expect("open");
    assert!(!left.exists());
    assert!(running.exists(), "a running process's file is left alone");
    assert_eq!(stray_keys(&vault), ["audio/notes.txt", "evidence/ab/photo.jpg"]);
    // Nothing stored was touched.
    assert!(vault.audio().path_of(&hash).is_file());

    std::fs::remove_file(vault.root().join("audio/notes.txt")).expect("remove");
    std::fs::remove_file(vault.root().join("evidence/ab/photo.jpg")).expect("remove");
    std::fs::remove_file(&running).expect("remove");
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn a_hash_named_file_no_recording_refers_to_is_left_over_once_it_is_not_new() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, _) = vault_with_a_call(temp.path(), "tester");
    // The bytes of a recording stored by an import that was killed before recording its event.
    let orphan = vault.audio().put_bytes(b"a call never recorded in the log").expect("store");
    let path = vault.audio().path_of(&orphan.hash);
    // Just stored: an import in another process may be about to record it.
    assert_eq!(left_over_keys(&vault), Vec::<String>::new());
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&path).expect("open").set_modified(an_hour_ago).expect("mtime");
    let key = format!("audio/{}/{}", &orphan.hash[..2], orphan.hash);
    assert_eq!(left_over_keys(&vault), [key]);
}

fn refused_message(result: Result<impl std::fmt::Debug, tingjian_vault::VaultError>) -> (String, String) {
    let error = result.expect_err("refused");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    (error.message_zh(), error.message_en())
}

#[test]
fn actor_ids_are_checked_before_anything_is_written() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    for bad in ["", "   ", "ali\nce", "bob\u{7}", "\u{202E}ecila", &"长".repeat(65)] {
        let (zh, en) = refused_message(Vault::create(&dir, bad));
        assert!(en.starts_with("the acting person's id (from --as, TINGJIAN_USER or the OS account name)"), "{en}");
        assert!(zh.starts_with("操作人标识"), "{zh}");
        assert!(!dir.join("vault.sqlite").exists(), "nothing was created for {bad:?}");
    }
    let (zh, en) = refused_message(Vault::create(&dir, "ali\nce"));
    assert!(en.contains("\"aliU+000Ace\" is not valid: it holds the control or invisible character U+000A"), "{en}");
    assert!(zh.contains("含有控制字符或不可见字符 U+000A"), "{zh}");
    let (_, en) = refused_message(Vault::create(&dir, &"长".repeat(65)));
    assert!(en.contains("it has 65 characters, at most 64 are allowed"), "{en}");

    // A real account name, with a space (Windows allows one), and surrounding space trimmed.
    let vault = Vault::create(&dir, "  Li Na ").expect("create");
    assert_eq!(vault.actor(), "Li Na");
    drop(vault);
    let events_before = count_events(&dir);
    let (_, en) = refused_message(Vault::open(&dir, "\u{200B}"));
    assert!(en.contains("U+200B"), "{en}");
    assert_eq!(count_events(&dir), events_before);
}

fn count_events(dir: &Path) -> i64 {
    let vault = Vault::open(dir, "auditor").expect("open");
    sql(&vault).query_row("SELECT count(*) FROM events", [], |row| row.get(0)).expect("count")
}

#[test]
fn person_ids_are_checked_when_a_person_is_added() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "coordinator");
    let person = |id: &str| Person {
        id: id.to_owned(),
        display_name: "王芳".to_owned(),
        role: Role::Reviewer,
        department: None,
    };
    for bad in ["", "wang fang", "wang\tfang", "wang\u{2066}fang", &"w".repeat(65)] {
        let (zh, en) = refused_message(vault.set_person(person(bad)));
        assert!(en.starts_with("person id"), "{en}");
        assert!(zh.starts_with("人员标识"), "{zh}");
    }
    assert!(vault.people().expect("people").is_empty(), "no one was added");
    let added = vault.set_person(person(" wangfang ")).expect("added");
    assert_eq!(added.id, "wangfang");
    assert!(vault.set_person(person(&"w".repeat(64))).is_ok());
    assert!(vault.verify().expect("verify").ok);
}
