//! Vaults the vault's integration tests start from.
#![allow(dead_code)]

use std::sync::Arc;

use std::path::Path;

use tingjian_core::model::{Complaint, Person, Recording, Role};
use tingjian_core::rectification::{CaseAction, NewAction, RootCause};
use tingjian_core::time::FixedClock;
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

/// The vault as `id` on a clock stopped at `at`.
pub fn as_person(dir: &Path, id: &str, at: &str) -> Vault {
    Vault::open_with_clock(dir, id, Arc::new(FixedClock(at.parse().expect("instant")))).expect("open")
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
