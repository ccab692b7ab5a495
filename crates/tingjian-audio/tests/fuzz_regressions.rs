//! Inputs the audio_decode fuzz target (fuzz/fuzz_targets/audio_decode.rs) found, each run through
//! the same readers the target uses: the import's analysis of the bytes, the probe and the player's
//! streaming decoder. None may panic; each gives the answer a broken file gets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tingjian_audio::{AudioError, ProbeInfo, StreamingDecoder, analyse_bytes, probe_file};

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

/// What every reader makes of a file: the import's analysis and the probe (which must agree), and
/// how far the player's streaming decoder gets, reading to the end, seeking back to the middle
/// and reading on. Panics inside symphonia are contained by all three.
fn outcome(path: &Path) -> (Result<ProbeInfo, String>, Option<u64>) {
    let bytes: Arc<[u8]> = std::fs::read(path).expect("read the fixture").into();
    let analysed = analyse_bytes(bytes, path).map(|analysis| analysis.info).map_err(|error| error.to_string());
    let probed = probe_file(path).map_err(|error| error.to_string());
    assert_eq!(analysed, probed, "{}: the import and the probe agree", path.display());
    let streamed = StreamingDecoder::open(path).ok().map(|mut decoder| {
        while decoder.next_block().is_some() {}
        let end = decoder.position();
        decoder.seek(end / 2).expect("seek");
        while decoder.next_block().is_some() {}
        end
    });
    (analysed, streamed)
}

/// Headers whose numbers overflow symphonia's arithmetic while the file is probed: a WAVE `fmt `
/// chunk whose channels times bits overflow a `u16` (block align), and a CAF description whose
/// bytes per packet times 8 overflows a `u32`. Where overflow checks are on (this test's build) the
/// reader panics and the file is not audio; a build that wraps reads on, and every reader still
/// answers.
#[test]
fn headers_that_overflow_the_readers_arithmetic_are_refused_not_a_panic() {
    for name in ["wave-block-align-overflow.wav", "caf-coded-bits-overflow.caf"] {
        let (analysed, streamed) = outcome(&fixture(name));
        if cfg!(debug_assertions) {
            let error = analysed.expect_err(name);
            assert!(error.ends_with("not a recognised audio file"), "{name}: {error}");
            assert_eq!(streamed, None, "{name}: the player refuses it too");
        }
    }
}

/// FLAC streams whose seek index or frame offsets make symphonia's binary search overflow while
/// the player seeks (each reaches a different line of it). Under `--cfg fuzzing` symphonia skips the
/// frame headers' CRC-8, so the fixtures carry the fuzzer's inputs with that checksum set right, as
/// a real file would have it. No audio decodes from them, so the import refuses them; the player
/// opens them, and its seek falls back to decoding from the start instead of panicking.
#[test]
fn flac_offsets_that_overflow_the_seek_search_are_contained() {
    for name in
        ["flac-seek-offset-overflow-1.flac", "flac-seek-offset-overflow-2.flac", "flac-seek-offset-overflow-3.flac"]
    {
        let (analysed, streamed) = outcome(&fixture(name));
        let error = analysed.expect_err(name);
        assert!(error.ends_with("no audio could be decoded"), "{name}: {error}");
        assert_eq!(streamed, Some(0), "{name}: the player opens it and finds nothing to play");
    }
}
