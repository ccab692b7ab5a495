//! The waveform command takes a hash from the UI, which becomes a path: only the hash of a stored
//! recording may be drawn, and nothing is written outside the vault's peaks cache.

mod common;

use common::{COMPLAINT, REVIEWER, vault_with_a_call};
use tingjian_core::{Coded, ErrorCode};
use tingjian_review::waveform;
use tingjian_vault::Vault;

#[test]
fn only_the_hash_of_a_stored_recording_is_accepted_and_nothing_is_written_elsewhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = Vault::open(&vault_with_a_call(dir.path(), 1), REVIEWER).expect("open");
    let hash = vault.find_recording(COMPLAINT).expect("the call").hash;
    // A file outside the vault that a hostile caller would have decoded, and the places it
    // would have written a peaks file to.
    let outside = dir.path().join("call.wav");
    let relative = format!("../../../{}", outside.display());
    let not_stored = "0".repeat(64);
    for bad in [
        "..",
        "../call.wav",
        relative.as_str(),
        outside.to_str().expect("utf-8 path"),
        "/etc/passwd",
        "",
        &hash[..12],
        &hash.to_uppercase(),
        &format!("{hash}/.."),
        &format!("{hash}\n"),
        not_stored.as_str(),
    ] {
        let error = waveform(&vault, bad, 0, 1000, 100).expect_err(bad);
        let expected = if bad == not_stored { ErrorCode::RecordingNotFound } else { ErrorCode::InvalidInput };
        assert_eq!(error.code(), expected, "{bad}: {error}");
        assert!(!error.message_en().contains("Some("), "{}", error.message_en());
    }
    // Nothing was written outside the peaks cache of the stored recording.
    let peaks_dir = vault.peaks_path(&hash).parent().expect("folder").to_owned();
    let cached: Vec<_> =
        std::fs::read_dir(&peaks_dir).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(cached.is_empty(), "{cached:?}");
    assert!(!dir.path().join("call.wav.tjpk").exists());

    // The stored recording's waveform is drawn, and its peaks cached where they belong.
    let drawn = waveform(&vault, &hash, 0, 1000, 100).expect("waveform");
    assert_eq!((drawn.channels, drawn.duration_ms), (2, 1000));
    assert!(!drawn.min[0].is_empty());
    assert!(vault.peaks_path(&hash).is_file());
}
