//! The `tingjian` binary against real vaults on disk, tampered with by the real `sqlite3` tool.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

use common::{json, sqlite3};

fn tingjian(vault: &Path, args: &[&str]) -> Output {
    common::tingjian_as(vault, "tester", &[], args)
}

/// A two-channel 8 kHz tone call of `seconds`, different per `pitch` so hashes differ.
fn write_call(path: &Path, seconds: u32, pitch: f32) {
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    for n in 0..seconds * 8000 {
        let t = n as f32 / 8000.0;
        let agent = ((t * pitch * std::f32::consts::TAU).sin() * 8000.0) as i16;
        let customer = ((t * pitch * 1.5 * std::f32::consts::TAU).sin() * 6000.0) as i16;
        writer.write_sample(agent).expect("sample");
        writer.write_sample(customer).expect("sample");
    }
    writer.finalize().expect("finalize");
}

/// A vault holding three complaints (two with recordings), made through init and import.
fn populated_vault() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("vault");
    let input = temp.path().join("input");
    std::fs::create_dir_all(input.join("rec")).expect("mkdir");
    write_call(&input.join("rec/call-a.wav"), 3, 300.0);
    write_call(&input.join("rec/call-b.wav"), 2, 420.0);
    std::fs::write(
        input.join("export.csv"),
        "投诉编号,受理时间,投诉渠道,业务类别,投诉类别,责任机构,客户姓名,联系电话,首次响应时间,办结时间,处理状态,录音文件,是否监管转办,投诉摘要\n\
         TS001,2026-10-09 09:30:00,客服热线,信用卡,收费定价,信用卡中心,张三,13800001111,2026-10-09 09:50:00,2026-10-15 17:00:00,已办结,call-a.wav,否,年费争议\n\
         TS002,2026-11-02 14:05:00,监管转办,个人贷款,业务规则,个人信贷部,李四,13900002222,2026-11-02 15:30:00,,处理中,call-b.wav,是,\"提前还款违约金，客户不认可\"\n\
         TS003,2026-11-20 10:00:00,网点现场,储蓄存款,服务态度,城东支行,王五,13700003333,2026-11-20 10:20:00,2026-11-21 12:00:00,已办结,,否,排队时间长\n",
    )
    .expect("write csv");
    assert!(tingjian(&vault, &["init"]).status.success());
    let manifest = input.join("export.csv");
    let imported = tingjian(
        &vault,
        &[
            "import",
            "--json",
            "--manifest",
            manifest.to_str().expect("utf8"),
            "--recordings",
            input.join("rec").to_str().expect("utf8"),
        ],
    );
    assert!(imported.status.success(), "import failed: {}", String::from_utf8_lossy(&imported.stderr));
    let report = json(&imported);
    assert_eq!(report["complaints_added"], 3);
    assert_eq!(report["recordings_added"], 2);
    assert_eq!(report["links_added"], 2);
    (temp, vault)
}

fn verify(vault: &Path) -> (bool, Value, i32) {
    let output = tingjian(vault, &["verify", "--json"]);
    let report = json(&output);
    (report["ok"].as_bool().unwrap_or(false), report, output.status.code().unwrap_or(-1))
}

fn first_problem(report: &Value) -> (&str, u64) {
    let problem = &report["problems"][0];
    (problem["kind"].as_str().unwrap_or(""), problem["event_seq"].as_u64().unwrap_or(0))
}

/// Drops the append-only triggers, as someone set on tampering would before editing.
const DROP_GUARDS: &str = "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;";

#[test]
fn an_untouched_vault_verifies_and_status_counts_it() {
    let (_temp, vault) = populated_vault();
    let (ok, report, code) = verify(&vault);
    assert!(ok, "{report}");
    assert_eq!(code, 0);
    assert_eq!(report["recordings_checked"], 2);
    let status = json(&tingjian(&vault, &["status", "--json"]));
    assert_eq!(status["complaints_total"], 3);
    assert_eq!(status["recordings_total"], 2);
    assert!(status["events"].as_u64().unwrap_or(0) >= 4);
    let text = tingjian(&vault, &["verify"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("校验通过"));
}

#[test]
fn reimporting_the_same_data_changes_nothing() {
    let (temp, vault) = populated_vault();
    let before = json(&tingjian(&vault, &["status", "--json"]));
    let input = temp.path().join("input");
    let again = tingjian(
        &vault,
        &[
            "import",
            "--json",
            "--manifest",
            input.join("export.csv").to_str().expect("utf8"),
            "--recordings",
            input.join("rec").to_str().expect("utf8"),
        ],
    );
    let report = json(&again);
    assert_eq!(report["complaints_unchanged"], 3);
    assert_eq!(report["recordings_unchanged"], 2);
    assert_eq!(report["complaints_added"], 0);
    let after = json(&tingjian(&vault, &["status", "--json"]));
    assert_eq!(before["complaints_total"], after["complaints_total"]);
    assert_eq!(before["recordings_total"], after["recordings_total"]);
    // The import itself is one event, with nothing added.
    assert_eq!(after["events"].as_u64(), before["events"].as_u64().map(|n| n + 1));
    let last = Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg("SELECT complaints_added, recordings_added, links_added FROM imports ORDER BY event_seq DESC LIMIT 1;")
        .output()
        .expect("sqlite3");
    assert_eq!(String::from_utf8_lossy(&last.stdout).trim(), "0|0|0");
    assert!(verify(&vault).0);
}

#[test]
fn the_append_only_guard_refuses_a_plain_edit() {
    let (_temp, vault) = populated_vault();
    let edit = Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg("UPDATE events SET actor = 'mallory' WHERE seq = 2;")
        .output()
        .expect("sqlite3");
    // Both: the tool fails, and it fails because of the guard (not, say, a missing table).
    let stderr = String::from_utf8_lossy(&edit.stderr);
    assert!(!edit.status.success(), "the edit must fail: {stderr}");
    assert!(stderr.contains("audit events are append-only"), "the guard refused it: {stderr}");
    let (ok, report, code) = verify(&vault);
    assert!(ok, "nothing was changed: {report}");
    assert_eq!(code, 0);
}

#[test]
fn editing_an_event_payload_is_found_and_named() {
    let (_temp, vault) = populated_vault();
    sqlite3(
        &vault,
        &format!(
            "{DROP_GUARDS} UPDATE events SET payload = replace(payload, '张三', '赵六') WHERE kind = 'complaint_recorded' AND payload LIKE '%张三%';"
        ),
    );
    let (ok, report, code) = verify(&vault);
    assert!(!ok);
    assert_eq!(code, 2);
    let (kind, seq) = first_problem(&report);
    assert_eq!(kind, "event_edited");
    assert!(seq > 0);
    let plain = tingjian(&vault, &["verify"]);
    assert_eq!(plain.status.code(), Some(2), "a finding exits 2 without --json too");
    let text = String::from_utf8_lossy(&plain.stdout).to_string();
    assert!(text.contains(&format!("#{seq}")), "the text names the event: {text}");
}

#[test]
fn editing_an_event_actor_is_found() {
    let (_temp, vault) = populated_vault();
    sqlite3(&vault, &format!("{DROP_GUARDS} UPDATE events SET actor = 'mallory' WHERE seq = 3;"));
    let (ok, report, _) = verify(&vault);
    assert!(!ok);
    assert_eq!(first_problem(&report), ("event_edited", 3));
}

#[test]
fn deleting_an_event_is_found_and_named() {
    let (_temp, vault) = populated_vault();
    sqlite3(&vault, &format!("{DROP_GUARDS} DELETE FROM events WHERE seq = 2;"));
    let (ok, report, _) = verify(&vault);
    assert!(!ok);
    assert_eq!(first_problem(&report), ("event_missing", 2));
}

#[test]
fn reordering_events_is_found_and_named() {
    let (_temp, vault) = populated_vault();
    sqlite3(
        &vault,
        &format!(
            "{DROP_GUARDS} UPDATE events SET seq = -2 WHERE seq = 2; UPDATE events SET seq = 2 WHERE seq = 3; \
             UPDATE events SET seq = 3 WHERE seq = -2;"
        ),
    );
    let (ok, report, _) = verify(&vault);
    assert!(!ok);
    let (kind, seq) = first_problem(&report);
    assert_eq!(kind, "event_reordered");
    assert_eq!(seq, 2);
    assert!(report["problems"][0]["message_en"].as_str().unwrap_or("").contains("written as #3"));
}

#[test]
fn editing_a_domain_row_is_found_and_names_the_event_that_wrote_it() {
    let (_temp, vault) = populated_vault();
    let writer: u64 = {
        let out = Command::new("sqlite3")
            .arg(vault.join("vault.sqlite"))
            .arg("SELECT event_seq FROM complaints WHERE number = 'TS003';")
            .output()
            .expect("sqlite3");
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("event_seq")
    };
    sqlite3(&vault, "UPDATE complaints SET department = '零售金融部' WHERE number = 'TS003';");
    let (ok, report, _) = verify(&vault);
    assert!(!ok);
    let problem = &report["problems"][0];
    assert_eq!(problem["kind"], "row_changed");
    assert_eq!(problem["table"], "complaints");
    assert_eq!(problem["key"], "TS003");
    assert_eq!(problem["event_seq"].as_u64(), Some(writer));
    assert!(problem["message_en"].as_str().unwrap_or("").contains("department"));
}

#[test]
fn deleting_and_adding_domain_rows_are_found() {
    let (_temp, vault) = populated_vault();
    sqlite3(&vault, "DELETE FROM complaints WHERE number = 'TS003';");
    let (ok, report, _) = verify(&vault);
    assert!(!ok);
    assert_eq!(report["problems"][0]["kind"], "row_missing");
    assert_eq!(report["problems"][0]["key"], "TS003");

    let (_temp2, vault2) = populated_vault();
    sqlite3(&vault2, "INSERT INTO people (id, display_name, role, event_seq) VALUES ('ghost', '幽灵', 'reviewer', 2);");
    let (ok, report, _) = verify(&vault2);
    assert!(!ok);
    assert_eq!(report["problems"][0]["kind"], "row_added");
    assert_eq!(report["problems"][0]["key"], "ghost");
}

#[test]
fn altering_stored_audio_is_found() {
    let (_temp, vault) = populated_vault();
    let audio = vault.join("audio");
    let file = walk(&audio).into_iter().next().expect("a stored file");
    let mut bytes = std::fs::read(&file).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&file, bytes).expect("write");
    let (ok, report, _) = verify(&vault);
    assert!(!ok);
    assert_eq!(report["problems"][0]["kind"], "audio_altered");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out.sort();
    out
}

fn error_code(output: &Output) -> String {
    json(output)["error"]["code"].as_str().unwrap_or("").to_owned()
}

#[test]
fn a_vault_path_that_is_a_file_is_a_clear_error_and_the_file_is_untouched() {
    let temp = tempfile::tempdir().expect("tempdir");
    let file = temp.path().join("not-a-vault.txt");
    std::fs::write(&file, "keep me").expect("write");
    for command in ["init", "status", "verify"] {
        let output = tingjian(&file, &[command, "--json"]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(error_code(&output), "VAULT_NOT_A_DIRECTORY");
    }
    let text = tingjian(&file, &["status"]);
    assert_eq!(text.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(stderr.contains("是一个文件") && stderr.contains("is a file"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "keep me");
}

#[test]
fn a_vault_from_a_newer_schema_is_refused_and_left_unchanged() {
    let (_temp, vault) = populated_vault();
    sqlite3(&vault, "PRAGMA user_version = 999;");
    let db = vault.join("vault.sqlite");
    let before = std::fs::read(&db).expect("read");
    let output = tingjian(&vault, &["status", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(error_code(&output), "VAULT_SCHEMA_TOO_NEW");
    assert_eq!(std::fs::read(&db).expect("read"), before, "the vault file must not change");
    let text = tingjian(&vault, &["verify"]);
    assert_eq!(text.status.code(), Some(1), "an error, not a verify finding");
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("错误 [VAULT_SCHEMA_TOO_NEW]") && stderr.contains("error [VAULT_SCHEMA_TOO_NEW]"),
        "{stderr}"
    );
    assert!(stderr.contains("999"), "{stderr}");
}

#[test]
fn a_missing_vault_says_how_to_make_one() {
    let temp = tempfile::tempdir().expect("tempdir");
    let output = tingjian(&temp.path().join("nothing-here"), &["status", "--json"]);
    assert_eq!(error_code(&output), "VAULT_NOT_FOUND");
    assert!(!temp.path().join("nothing-here").exists(), "status must not create a vault");
}

/// A read-only directory, made read-only for real: root ignores permission bits, so when the test
/// runs as root the command runs as `nobody` through setpriv.
#[test]
fn a_read_only_vault_directory_is_a_clear_error_and_nothing_changes() {
    let (temp, vault) = populated_vault();
    let db = vault.join("vault.sqlite");
    // Checkpoint the WAL so the file on disk is the whole vault.
    sqlite3(&vault, "PRAGMA wal_checkpoint(TRUNCATE);");
    let before = std::fs::read(&db).expect("read");
    let empty = temp.path().join("fresh");
    std::fs::create_dir(&empty).expect("mkdir");
    use std::os::unix::fs::PermissionsExt;
    for dir in [temp.path(), vault.as_path(), empty.as_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    }
    let as_root = std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
    let run = |dir: &Path, command: &str| -> Output {
        let mut cmd = if as_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(env!("CARGO_BIN_EXE_tingjian"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_tingjian"))
        };
        cmd.arg("--vault").arg(dir).args([command, "--json"]).env("TINGJIAN_USER", "tester").output().expect("run")
    };
    let opened = run(&vault, "status");
    let created = run(&empty, "init");
    for dir in [temp.path(), vault.as_path(), empty.as_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
    }
    assert_eq!(error_code(&opened), "VAULT_READ_ONLY", "{}", String::from_utf8_lossy(&opened.stdout));
    assert_eq!(error_code(&created), "VAULT_READ_ONLY");
    assert_eq!(std::fs::read(&db).expect("read"), before);
    assert_eq!(std::fs::read_dir(&empty).expect("read_dir").count(), 0, "init must leave nothing behind");
}

#[test]
fn the_vault_is_found_from_the_option_before_or_after_the_command_or_the_environment() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("v");
    assert!(tingjian(&vault, &["init"]).status.success());
    let path = vault.to_str().expect("utf8");
    let run = |args: &[&str], env: Option<&str>| -> Value {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tingjian"));
        command.args(args).env_remove("TINGJIAN_VAULT").env("HOME", temp.path());
        if let Some(env) = env {
            command.env("TINGJIAN_VAULT", env);
        }
        json(&command.output().expect("run"))
    };
    let after = run(&["status", "--json", "--vault", path], None);
    let before = run(&["--vault", path, "--json", "status"], None);
    let from_env = run(&["status", "--json"], Some(path));
    for status in [&after, &before, &from_env] {
        assert_eq!(status["vault_path"], path, "{status}");
    }
    // The option wins over the environment.
    let other = temp.path().join("elsewhere");
    let overridden = run(&["status", "--json", "--vault", path], Some(other.to_str().expect("utf8")));
    assert_eq!(overridden["vault_path"], path);
}

/// An import killed half-way leaves a vault that verifies, and running it again completes it.
#[test]
fn an_import_killed_half_way_leaves_a_consistent_vault_and_resumes() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("vault");
    let recordings = temp.path().join("rec");
    std::fs::create_dir_all(&recordings).expect("mkdir");
    let total = 80;
    let mut csv = String::from("投诉编号,受理时间,责任机构,录音文件\n");
    for n in 0..total {
        write_call(&recordings.join(format!("call-{n:03}.wav")), 20, 200.0 + n as f32);
        csv.push_str(&format!("TS{n:03},2026-10-{:02} 10:00:00,城东支行,call-{n:03}.wav\n", 1 + n % 28));
    }
    let export = temp.path().join("export.csv");
    std::fs::write(&export, csv).expect("write");
    assert!(tingjian(&vault, &["init"]).status.success());

    let mut child = Command::new(env!("CARGO_BIN_EXE_tingjian"))
        .arg("--vault")
        .arg(&vault)
        .args(["import", "--json", "--manifest"])
        .arg(&export)
        .arg("--recordings")
        .arg(&recordings)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start import");
    let db = vault.join("vault.sqlite");
    let stored = || -> i64 {
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.query_row("SELECT count(*) FROM recordings", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while stored() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("kill the import");
    child.wait().expect("reap");
    let kept = stored();
    assert!(kept >= 3 && kept < total as i64, "the import was stopped part-way ({kept} of {total} stored)");

    let (ok, report, _) = verify(&vault);
    assert!(ok, "a killed import leaves a vault that verifies: {report}");
    let status = json(&tingjian(&vault, &["status", "--json"]));
    assert_eq!(status["complaints_total"], 0, "complaints are recorded after the recordings, all at once");

    let again = tingjian(
        &vault,
        &[
            "import",
            "--json",
            "--manifest",
            export.to_str().expect("utf8"),
            "--recordings",
            recordings.to_str().expect("utf8"),
        ],
    );
    let report = json(&again);
    assert_eq!(report["recordings_unchanged"].as_i64(), Some(kept));
    assert_eq!(report["recordings_added"].as_i64(), Some(total as i64 - kept));
    assert_eq!(report["links_added"], total);
    assert!(verify(&vault).0);
}
