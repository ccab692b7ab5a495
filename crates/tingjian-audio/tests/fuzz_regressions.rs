//! Inputs the audio_decode fuzz target (fuzz/fuzz_targets/audio_decode.rs) found, each run through
//! the same readers the target uses: the import's analysis of the bytes, the probe and the player's
//! streaming decoder. None may panic; each gives the answer a broken file gets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tingjian_audio::{AudioError, StreamingDecoder, analyse_bytes, probe_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashes").join(name)
}

/// An MS ADPCM WAVE file whose samples drive the decoder's step size up until it overflows an
/// `i32` inside symphonia's decoder, which panics where overflow checks are on (this test's
/// build). The packet it panics on is damaged and nothing after it is decoded, so the recording
/// is refused as having no audio; a build that wraps instead decodes noise, as from any damaged
/// file. Either way every reader answers, and the same way.
#[test]
fn an_ms_adpcm_step_size_that_overflows_is_damage_not_a_panic() {
    let path = fixture("ms-adpcm-step-overflow.wav");
    let bytes: Arc<[u8]> = std::fs::read(&path).expect("read the fixture").into();
    let analysed = analyse_bytes(bytes, &path).map(|analysis| analysis.info);
    let probed = probe_file(&path);
    assert_eq!(format!("{analysed:?}"), format!("{probed:?}"), "the import and the probe agree");
    if cfg!(debug_assertions) {
        assert!(matches!(analysed, Err(AudioError::NothingDecoded { .. })), "{analysed:?}");
    }
    let mut decoder = StreamingDecoder::open(&path).expect("the header is readable");
    while decoder.next_block().is_some() {}
    decoder.seek(decoder.position() / 2).expect("seek");
    let _ = decoder.next_block();
    if cfg!(debug_assertions) {
        assert_eq!(decoder.position(), 0, "nothing decodes before the damaged packet");
        assert!(decoder.damaged_packets() >= 1);
    }
}
