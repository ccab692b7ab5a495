//! Vaults the vault's integration tests start from.
#![allow(dead_code)]

use std::sync::Arc;

use std::path::Path;
use std::process::Command;

use tingjian_core::model::{Complaint, Person, Recording, Role};
use tingjian_core::rectification::{CaseAction, NewAction, RootCause};
use tingjian_core::time::FixedClock;
use tingjian_vault::event::{chain_hash, sha256_hex};
use tingjian_vault::{Event, Vault};

/// A vault holding one 60 s stereo recording linked to complaint TS-1.
/// A complaint of 信用卡中心 accepted on 2026-11-02 (Q4), without a recording file.
pub fn complaint(number: &str) -> Complaint {
    Complaint {
        number: number.to_owned(),
        accepted_at: "2026-11-02T01:05:00.000000Z".to_owned(),
        channel: "客服热线".to_owned(),
        business_line: "信用卡".to_owned(),
        category: "收费定价".to_owned(),
        department: "信用卡中心".to_owned(),
        customer_name: "张三".to_owned(),
        phone: "13800001111".to_owned(),
        first_response_at: None,
        resolved_at: None,
        status: "处理中".to_owned(),
        recording_file: String::new(),
        regulator_forwarded: false,
        dispatched_at: None,
        summary: "年费争议".to_owned(),
    }
}

pub fn vault_with_a_call(dir: &Path, actor: &str) -> (Vault, String) {
    let clock = Arc::new(FixedClock("2026-11-02T06:30:00Z".parse().expect("instant")));
    let mut vault = Vault::create_with_clock(&dir.join("v"), actor, clock).expect("create");
    // The bytes need not be audio here; verify checks them against their hash, not their content.
    let stored = vault.audio().put_bytes(b"sixty seconds of a call").expect("store");
    let recording = Recording {
        hash: stored.hash.clone(),
        original_name: "call.wav".to_owned(),
        container: "wav".to_owned(),
        codec: "pcm_s16le".to_owned(),
        sample_rate: 8000,
        channels: 2,
        duration_ms: 60_000,
        bytes: stored.bytes,
        analytics: None,
    };
    let complaint = Complaint { recording_file: "call.wav".to_owned(), ..complaint("TS-1") };
    vault
        .record(vec![
            Event::RecordingStored { recording },
            Event::ComplaintRecorded { complaint },
            Event::RecordingLinked { complaint_number: "TS-1".to_owned(), recording_hash: stored.hash.clone() },
        ])
        .expect("record");
    (vault, stored.hash)
}

/// A connection of the test's own to the vault's database file, as an auditor's `sqlite3` would
/// open it: the vault keeps its connections to itself.
pub fn sql(vault: &Vault) -> rusqlite::Connection {
    rusqlite::Connection::open(vault.root().join(tingjian_vault::DATABASE_FILE)).expect("open the vault's database")
}

/// The vault as `id` on a clock stopped at `at`: signed in with their test passphrase
/// ([`test_passphrase`]) when the vault has accounts, as the typed id when it has none.
pub fn as_person(dir: &Path, id: &str, at: &str) -> Vault {
    let mut vault = Vault::open_with_clock(dir, id, Arc::new(FixedClock(at.parse().expect("instant")))).expect("open");
    if vault.has_accounts().expect("has accounts") {
        vault.sign_in(id, &test_passphrase(id)).expect("sign in");
    }
    vault
}

/// The passphrase each person of the test vaults chose.
pub fn test_passphrase(id: &str) -> String {
    format!("{id} 的测试口令 2026")
}

/// Cheap argon2id costs for the keys of tests, which make and open many.
pub const TEST_SEALING: tingjian_signing::SealingParams = tingjian_signing::SealingParams::FOR_TESTS;

/// Starts the vault's accounts at `at`: li (coordinator) first, who enrolls wang (president), chen
/// (head of 信用卡中心) and zhang (head of 零售金融部) with one-time passphrases; each then chooses
/// their [`test_passphrase`].
pub fn start_accounts_for_everyone(dir: &Path, at: &str) {
    let clock = Arc::new(FixedClock(at.parse().expect("instant")));
    let mut li = Vault::open_with_clock(dir, "li", clock.clone()).expect("open");
    let person = |id: &str, name: &str, role: Role, department: Option<&str>| Person {
        id: id.to_owned(),
        display_name: name.to_owned(),
        role,
        department: department.map(str::to_owned),
    };
    li.start_accounts(person("li", "李敏（消保中心）", Role::Coordinator, None), &test_passphrase("li"), TEST_SEALING)
        .expect("first account");
    for (id, name, role, department) in [
        ("wang", "王建国（行长）", Role::President, None),
        ("chen", "陈静（信用卡中心）", Role::DepartmentHead, Some("信用卡中心")),
        ("zhang", "张伟（零售金融部）", Role::DepartmentHead, Some("零售金融部")),
    ] {
        let one_time = format!("{id}-ONE-TIME-PASS");
        li.enroll(person(id, name, role, department), &one_time, TEST_SEALING).expect("enroll");
        let mut them = Vault::open_with_clock(dir, id, clock.clone()).expect("open");
        them.choose_passphrase(id, &one_time, &test_passphrase(id), TEST_SEALING).expect("their own passphrase");
    }
}

pub fn date(text: &str) -> jiff::civil::Date {
    text.parse().expect("date")
}

/// The president (wang), the coordinator (li) and the heads of 信用卡中心 (chen) and 零售金融部
/// (zhang).
pub fn add_people(vault: &mut Vault) {
    let person = |id: &str, name: &str, role: Role, department: Option<&str>| Event::PersonAdded {
        person: Person {
            id: id.to_owned(),
            display_name: name.to_owned(),
            role,
            department: department.map(str::to_owned),
        },
    };
    vault
        .record(vec![
            person("wang", "王建国（行长）", Role::President, None),
            person("li", "李敏（消保中心）", Role::Coordinator, None),
            person("chen", "陈静（信用卡中心）", Role::DepartmentHead, Some("信用卡中心")),
            person("zhang", "张伟（零售金融部）", Role::DepartmentHead, Some("零售金融部")),
        ])
        .expect("people");
}

/// The head of 信用卡中心, on 3 November, answers `case` with one action, does it with an evidence
/// file (written in `scratch`) and submits the case for verification. Returns the evidence's hash.
pub fn answer_do_and_submit(dir: &Path, scratch: &Path, case: &str) -> String {
    let mut chen = as_person(dir, "chen", "2026-11-03T02:00:00Z");
    let answer = CaseAction::Answer {
        reflection: "办卡环节只讲权益不讲收费。".to_owned(),
        root_cause: RootCause {
            category: "告知不充分".to_owned(),
            text: "营销话术缺少收费告知".to_owned(),
            similar_complaints: vec![],
        },
        actions: vec![NewAction {
            measure: "修订办卡话术，加入年费告知".to_owned(),
            owner: "chen".to_owned(),
            due_on: date("2026-11-20"),
            done_criterion: "新话术下发记录".to_owned(),
        }],
    };
    chen.rectification_step(case, answer).expect("answer");
    let evidence = scratch.join("话术下发记录.csv");
    std::fs::write(&evidence, "网点,日期\n城东支行,2026-11-03\n").expect("write evidence");
    let view = chen
        .log_rectification_progress(case, 0, "话术已修订并下发", std::slice::from_ref(&evidence), true)
        .expect("progress");
    chen.rectification_step(case, CaseAction::SubmitForVerification).expect("submit");
    view.evidence[0].hash.clone()
}

/// Drops the append-only triggers, as someone set on editing the log would first.
pub const DROP_GUARDS: &str = "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;";

/// Runs `sql` on the vault's database with the `sqlite3` tool; returns what it printed.
pub fn sqlite3(vault: &Path, sql: &str) -> String {
    let output = Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg(sql)
        .output()
        .expect("the sqlite3 tool is installed (make installs it)");
    assert!(output.status.success(), "sqlite3 failed on {sql}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A text as an SQL string literal.
pub fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Appends an event at the head of the log with `sqlite3` in event format `format`, computing its
/// digest and chain hash the way the app does
/// (`tingjian-event-v{format}\n{seq}\n{prev_hash}\n{at}\n{actor}\n{kind}\n{payload_sha256}\n`), so
/// the chain stays unbroken, and with `signature` (base64) when given. Only INSERT is needed: the
/// guards refuse UPDATE and DELETE. Returns the new event's position.
pub fn forge_append_in_format(vault: &Path, format: u32, at: &str, actor: &str, kind: &str, payload: &str) -> u64 {
    forge_append_signed(vault, format, at, actor, kind, payload, |_| None)
}

/// As [`forge_append_in_format`], signed with what `sign` returns for the new event's hash.
pub fn forge_append_signed(
    vault: &Path,
    format: u32,
    at: &str,
    actor: &str,
    kind: &str,
    payload: &str,
    sign: impl FnOnce(&str) -> Option<String>,
) -> u64 {
    let head = sqlite3(vault, "SELECT seq || ' ' || hash FROM events ORDER BY seq DESC LIMIT 1;");
    let (seq, prev_hash) = head.split_once(' ').expect("a head event");
    let seq: u64 = seq.parse::<u64>().expect("seq") + 1;
    let payload_sha256 = sha256_hex(payload.as_bytes());
    let hash = chain_hash(format, seq, prev_hash, at, actor, kind, &payload_sha256);
    let signature = sign(&hash).map_or_else(|| "NULL".to_owned(), |s| quoted(&s));
    sqlite3(
        vault,
        &format!(
            "INSERT INTO events (seq, format, at, actor, kind, payload, payload_sha256, prev_hash, hash, signature) \
             VALUES ({seq}, {format}, {}, {}, {}, {}, {}, {}, {}, {signature});",
            quoted(at),
            quoted(actor),
            quoted(kind),
            quoted(payload),
            quoted(&payload_sha256),
            quoted(prev_hash),
            quoted(&hash)
        ),
    );
    seq
}

/// Opens the vault in `dir` again, as an auditor would, and verifies it: the problems found.
pub fn verify_as_auditor(dir: &Path) -> Vec<tingjian_vault::VerifyProblem> {
    let clock = Arc::new(FixedClock("2026-12-01T02:00:00Z".parse().expect("instant")));
    let vault = Vault::open_with_clock(dir, "auditor", clock).expect("open");
    let report = vault.verify().expect("verify");
    assert_eq!(report.ok, report.problems.is_empty());
    report.problems
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `id`'s key in force, opened with their passphrase from the sealed keys in the vault: a real
/// key, as a person who knows their own passphrase holds it.
pub fn key_of(dir: &Path, id: &str, passphrase: &str) -> tingjian_signing::PersonKey {
    let sealed = sqlite3(
        dir,
        &format!(
            "SELECT s.sealed FROM sealed_keys s JOIN person_keys k ON k.public_key = s.public_key
             WHERE k.person_id = {} AND k.revoked_seq IS NULL;",
            quoted(id)
        ),
    );
    tingjian_signing::SealedKey::from_json(&sealed).expect("sealed").unseal(passphrase).expect("unseal")
}

/// A sampling policy with one reviewer (wang, the president) and one call by department.
pub const ONE_CALL_POLICY: &str = r#"
due = { days_after_draw = 30 }

[[reviewers]]
id = "wang"
display_name = "王建国（行长）"
role = "president"
min_calls = 1

[strata]
by = ["department"]
allocation = "proportional"
total = 1
"#;
