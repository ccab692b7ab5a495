//! Vaults the vault's integration tests start from.
#![allow(dead_code)]

use std::sync::Arc;

use tingjian_core::model::{Complaint, Recording};
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

pub fn vault_with_a_call(dir: &std::path::Path, actor: &str) -> (Vault, String) {
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
