//! `tingjian play` through real cpal output into the test sound set-ups: what it plays is captured
//! by ALSA's file plugin, and the listening session it records is read back from the vault.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tingjian_sound_setups::AlsaConfig;

mod common;

use common::json;

fn tingjian(vault: &Path, alsa: &AlsaConfig, args: &[&str]) -> Output {
    common::tingjian_as(vault, "wang.hang", &alsa.env(), args)
}

/// A vault holding complaint TS-60 with a 60-second two-party call: a tone for the agent and a
/// different one for the customer, both sounding the whole time.
fn vault_with_a_minute_long_call(dir: &Path) -> PathBuf {
    common::vault_with_a_call(dir, "wang.hang", "TS-60", 60)
}

#[test]
fn playing_two_stretches_of_a_minute_long_call_covers_a_third_of_it() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_minute_long_call(temp.path());

    let alsa = AlsaConfig::capture();
    let first = tingjian(&vault, &alsa, &["play", "TS-60", "--start", "10", "--end", "20", "--json"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first = json(&first);
    let spans = first["session"]["spans"].as_array().expect("spans");
    assert_eq!(spans.len(), 1, "{first}");
    assert_eq!((spans[0]["start_ms"].as_u64(), spans[0]["end_ms"].as_u64()), (Some(10_000), Some(20_000)), "{first}");
    assert_eq!(first["session"]["person"], "wang.hang");
    assert_eq!(first["session"]["end_reason"], "finished");
    // What reached the sound device is ten seconds of the call, not more and not less.
    let heard = alsa.seconds_captured();
    assert!((heard - 10.0).abs() < 0.2, "{heard} s of sound captured");

    let alsa = AlsaConfig::capture();
    let second = json(&tingjian(&vault, &alsa, &["play", "TS-60", "--start", "40", "--end", "50", "--json"]));
    let percent = second["my_coverage"]["percent"].as_f64().expect("percent");
    assert!((percent - 33.33).abs() <= 1.0, "coverage {percent}%");
    assert_eq!(second["my_coverage"]["heard_ms"], 20_000);

    let verify = tingjian(&vault, &alsa, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn a_solo_channel_at_double_speed_is_recorded_as_such() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_minute_long_call(temp.path());
    let alsa = AlsaConfig::capture();
    let output = tingjian(
        &vault,
        &alsa,
        &["play", "TS-60", "--start", "0", "--end", "10", "--speed", "2", "--channel", "customer", "--json"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json(&output);
    let spans = report["session"]["spans"].as_array().expect("spans");
    assert!(spans.iter().all(|s| s["channel"] == "customer"), "{spans:?}");
    assert_eq!(spans.last().and_then(|s| s["end_ms"].as_u64()), Some(10_000), "{report}");
    // Ten seconds of the call at twice the speed take five seconds to hear.
    let heard = alsa.seconds_captured();
    assert!((heard - 5.0).abs() < 0.2, "{heard} s of sound captured");
    // Hearing the customer alone is not hearing the call (see tingjian_core::listening::coverage).
    assert_eq!(report["my_coverage"]["heard_ms"], 0);
}

#[test]
fn without_a_sound_card_play_fails_with_a_code_and_records_nothing() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_minute_long_call(temp.path());
    let none = AlsaConfig::no_card();
    let output = tingjian(&vault, &none, &["play", "TS-60", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["error"]["code"], "AUDIO_DEVICE_UNAVAILABLE");
    let text = tingjian(&vault, &none, &["play", "TS-60"]);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(stderr.contains("声音输出设备") && stderr.contains("sound output device"), "{stderr}");

    let unknown = tingjian(&vault, &none, &["play", "TS-404", "--json"]);
    assert_eq!(json(&unknown)["error"]["code"], "RECORDING_NOT_FOUND");

    let verify = tingjian(&vault, &none, &["verify", "--json"]);
    assert!(verify.status.success());
    let sessions = Command::new("sqlite3")
        .arg(vault.join("vault.sqlite"))
        .arg("SELECT COUNT(*) FROM listening_sessions")
        .output()
        .expect("sqlite3");
    assert_eq!(String::from_utf8_lossy(&sessions.stdout).trim(), "0", "no session without a device");
}
