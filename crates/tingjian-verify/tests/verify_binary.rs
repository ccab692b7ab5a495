//! The separate `tingjian-verify` binary on a pack exported from a small vault without accounts
//! (an unsigned pack): it holds, exit 0; a figure of its report changed, exit 2 naming the figure;
//! a path that is not there, exit 1.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use tingjian_core::QuarterId;
use tingjian_core::model::{Complaint, Recording};
use tingjian_core::time::FixedClock;
use tingjian_vault::{Event, Vault};

fn verify(pack: &Path) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tingjian-verify")).arg(pack).output().expect("run");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_verifier_alone_accepts_a_pack_and_names_a_changed_figure() {
    let temp = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(FixedClock("2026-11-20T02:00:00Z".parse().expect("instant")));
    let mut vault = Vault::create_with_clock(&temp.path().join("v"), "li", clock).expect("create");
    let stored = vault.audio().put_bytes(b"the bytes of a call").expect("store");
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
    let complaint = Complaint {
        number: "TS-1".to_owned(),
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
        recording_file: "call.wav".to_owned(),
        regulator_forwarded: false,
        dispatched_at: None,
        summary: "年费争议".to_owned(),
    };
    vault
        .record(vec![
            Event::RecordingStored { recording },
            Event::ComplaintRecorded { complaint },
            Event::RecordingLinked { complaint_number: "TS-1".to_owned(), recording_hash: stored.hash },
        ])
        .expect("record");
    let quarter = QuarterId::new(2026, 4).expect("quarter");
    let report = vault.quarter_report(quarter).expect("report");
    let options = tingjian_pack::ExportOptions {
        quarter,
        with_audio: true,
        with_personal_data: true,
        reason: Some("总行审计".to_owned()),
    };
    let pack = temp.path().join("pack.zip");
    // The printed report is not typeset here (no fonts in this crate's tests): the verifier checks
    // the PDF's bytes against the manifest, whatever they are.
    let printed = b"%PDF-1.7 the printed report's bytes".to_vec();
    tingjian_pack::export_pack(&mut vault, &options, &report, &printed, &pack, |_| {}).expect("export");

    let (code, text) = verify(&pack);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("通过 / OK"), "{text}");

    // The report's complaints count raised by one, the manifest left as it was.
    let changed = temp.path().join("changed.zip");
    let mut reader = zip::ZipArchive::new(std::fs::File::open(&pack).expect("open")).expect("zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&changed).expect("create"));
    for i in 0..reader.len() {
        let mut file = reader.by_index(i).expect("entry");
        let name = file.name().expect("name").into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).expect("read");
        if name == tingjian_pack::REPORT_JSON {
            let mut value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            value["summary"]["complaints"] = serde_json::Value::from(2);
            bytes = serde_json::to_vec_pretty(&value).expect("json");
        }
        writer.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
        std::io::Write::write_all(&mut writer, &bytes).expect("write");
    }
    writer.finish().expect("finish");
    let (code, text) = verify(&changed);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("summary.complaints") && text.contains("report/report.json"), "{text}");

    let (code, _) = verify(&temp.path().join("no-such-pack.zip"));
    assert_eq!(code, 1);
}
