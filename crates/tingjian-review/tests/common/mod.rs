//! What the `Listening` tests share: a vault holding a real two-party call (a WAV file stored and
//! recorded through the vault API), and running a scenario in a child process, because ALSA reads
//! its configuration once per process and each scenario needs its own sound set-up.

#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::Command;

use tingjian_core::listening::HeardSpan;
use tingjian_core::model::{Complaint, Recording};
use tingjian_review::{Listening, PlayerSettings};
use tingjian_vault::{Event, Vault};

pub use tingjian_sound_setups::{
    AlsaConfig, CAPTURE_RATE, PulseServer, child_command, in_child, print_result, result_of, run_child,
};

/// Who listens in these tests.
pub const REVIEWER: &str = "wang.hang";

/// The complaint the call belongs to.
pub const COMPLAINT: &str = "TS-7";

/// Creates a vault at `dir/vault` holding complaint TS-7 with a `seconds`-long 8 kHz two-party
/// call: a tone for the agent and another for the customer, both sounding the whole time, so
/// every moment played is audible in the capture. The recording's facts come from a full decode
/// (as import does), so the duration the vault knows is the one the player measures.
pub fn vault_with_a_call(dir: &Path, seconds: u32) -> PathBuf {
    let wav = dir.join("call.wav");
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(&wav, spec).expect("create wav");
    for n in 0..seconds * 8000 {
        let t = n as f32 / 8000.0;
        writer.write_sample(((t * 300.0 * std::f32::consts::TAU).sin() * 8000.0) as i16).expect("sample");
        writer.write_sample(((t * 450.0 * std::f32::consts::TAU).sin() * 6000.0) as i16).expect("sample");
    }
    writer.finalize().expect("finalize");

    let info = tingjian_audio::probe_file(&wav).expect("probe the call");
    let dir = dir.join("vault");
    let mut vault = Vault::create(&dir, REVIEWER).expect("create vault");
    let stored = vault.audio().put(&wav).expect("store the call");
    let recording = Recording {
        hash: stored.hash.clone(),
        original_name: "call.wav".to_owned(),
        container: info.container.clone(),
        codec: info.codec.clone(),
        sample_rate: info.sample_rate,
        channels: info.channels,
        duration_ms: info.duration_ms(),
        bytes: stored.bytes,
        analytics: None,
    };
    let complaint = Complaint {
        number: COMPLAINT.to_owned(),
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
        summary: "年费争议".to_owned(),
    };
    vault
        .record(vec![
            Event::RecordingStored { recording },
            Event::ComplaintRecorded { complaint },
            Event::RecordingLinked { complaint_number: COMPLAINT.to_owned(), recording_hash: stored.hash },
        ])
        .expect("record the call");
    dir
}

/// The vault of a child scenario (`TJ_VAULT`), opened as the reviewer.
pub fn child_vault() -> Vault {
    let dir = PathBuf::from(std::env::var("TJ_VAULT").expect("TJ_VAULT"));
    Vault::open(&dir, REVIEWER).expect("open vault")
}

/// Opens the call for listening on the default device with the app's default settings, except
/// that resuming does not rewind (a rewind would make the spans after a pause overlap).
pub fn open_call(vault: &mut Vault) -> Listening {
    let (listening, _) = Listening::open(vault, COMPLAINT, None).expect("open the call on the default device");
    listening.apply(&PlayerSettings { rewind_on_resume_ms: 0, ..PlayerSettings::default() });
    listening
}

/// The spans the vault holds for `session`, as the review screen would read them back.
pub fn spans_in_vault(vault: &Vault, session: &str) -> Vec<HeardSpan> {
    vault.listening_session(session).expect("session").spans
}

/// How many `listening_heard` events the vault's log holds.
pub fn heard_events(vault: &Vault) -> u64 {
    vault
        .db()
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'listening_heard'", [], |row| row.get(0))
        .expect("count listening_heard")
}

/// Spans as `(start_ms, end_ms)` pairs from a child's JSON.
pub fn pairs(value: &serde_json::Value) -> Vec<(u64, u64)> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list of spans: {value}"))
        .iter()
        .map(|s| (s["start_ms"].as_u64().expect("start_ms"), s["end_ms"].as_u64().expect("end_ms")))
        .collect()
}

/// Seconds of sound in the ALSA capture file.
pub fn seconds_of_sound(capture: &Path) -> f64 {
    tingjian_sound_setups::seconds_of_sound(capture, CAPTURE_RATE)
}
