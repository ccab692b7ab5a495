//! WAVE files with hand-made headers that lie: absurd sample rates, channel counts and lengths.
//! Each must be refused with its reason named, by every reader of recordings (the probe, the
//! import's analysis of bytes in memory, the player's streaming decoder), before anything is sized
//! from the header, while honest files at the limits still decode.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tingjian_audio::{AudioError, StreamingDecoder, analyse_bytes, analyse_file, probe_file};
use tingjian_core::Coded;

/// A PCM WAVE file whose `fmt ` chunk says `channels`, `rate` and `bits`, whose `data` chunk claims
/// `claimed_len` bytes (or its true length), and which holds `data` as its samples.
fn wave(channels: u16, rate: u32, bits: u16, claimed_len: Option<u32>, data: &[u8]) -> Vec<u8> {
    let block_align = channels.wrapping_mul(bits / 8);
    let byte_rate = rate.wrapping_mul(u32::from(block_align));
    let data_len = claimed_len.unwrap_or(data.len() as u32);
    // A length the RIFF chunk cannot hold is written as "unknown", as ffmpeg does when streaming.
    let riff_len = if claimed_len.is_some() { u32::MAX } else { 36 + data.len() as u32 };
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// `seconds` of a quiet 16-bit tone with `channels` channels at `rate`.
fn tone(channels: u16, rate: u32, seconds: f64) -> Vec<u8> {
    let frames = (f64::from(rate) * seconds) as usize;
    let mut out = Vec::with_capacity(frames * usize::from(channels) * 2);
    for n in 0..frames {
        let value = ((n as f64 * 440.0 / f64::from(rate) * std::f64::consts::TAU).sin() * 3000.0) as i16;
        for _ in 0..channels {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// What every reader of recordings says about the file: the probe, the analysis of the bytes in
/// memory (the import's path) and the player's streaming decoder must all refuse it the same way.
fn refusals(path: &Path) -> Vec<AudioError> {
    let bytes: Arc<[u8]> = std::fs::read(path).expect("read").into();
    let probed = probe_file(path).expect_err("the probe refuses it");
    let analysed = analyse_bytes(bytes, path).expect_err("the import's analysis refuses it");
    let streamed = StreamingDecoder::open(path).expect_err("the player refuses it");
    assert_eq!(probed.to_string(), analysed.to_string());
    assert_eq!(probed.to_string(), streamed.to_string());
    vec![probed, analysed, streamed]
}

#[test]
fn sample_rates_outside_4_to_192_khz_are_refused_with_the_rate_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    for rate in [0u32, 1_000, 3_999, 192_001, 384_000, 4_000_000_000] {
        let path = write(dir.path(), &format!("rate-{rate}.wav"), &wave(1, rate, 16, None, &tone(1, 8000, 0.5)));
        for error in refusals(&path) {
            assert!(matches!(error, AudioError::SampleRate { rate: r, .. } if r == u64::from(rate)), "{error}");
            assert_eq!(error.code(), tingjian_core::ErrorCode::InvalidInput);
            assert!(error.to_string().contains(&format!("sample rate is {rate} Hz")), "{error}");
            assert!(error.to_string().contains("4000–192000 Hz"), "{error}");
            assert!(error.message_zh().contains(&format!("采样率 {rate} Hz")), "{}", error.message_zh());
        }
    }
    // The limits themselves are honest rates.
    for rate in [4_000u32, 192_000] {
        let path = write(dir.path(), &format!("ok-{rate}.wav"), &wave(1, rate, 16, None, &tone(1, rate, 0.25)));
        let info = probe_file(&path).expect("an honest rate decodes");
        assert_eq!((info.sample_rate, info.duration_ms()), (rate, 250));
        assert!(StreamingDecoder::open(&path).is_ok());
    }
}

#[test]
fn more_than_eight_channels_or_none_are_refused_with_the_count_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 26 channels is the most symphonia itself accepts; 65535 it refuses only as "not audio".
    for channels in [0u16, 9, 26, 65_535] {
        let path =
            write(dir.path(), &format!("ch-{channels}.wav"), &wave(channels, 8000, 16, None, &tone(2, 8000, 0.5)));
        for error in refusals(&path) {
            assert!(matches!(error, AudioError::Channels { channels: c, .. } if c == u64::from(channels)), "{error}");
            assert!(error.to_string().contains(&format!("{channels} channels")), "{error}");
            assert!(error.message_zh().contains(&format!("{channels} 个声道")), "{}", error.message_zh());
        }
    }
    let path = write(dir.path(), "eight.wav", &wave(8, 8000, 16, None, &tone(8, 8000, 0.5)));
    let analysis = analyse_file(&path).expect("eight channels decode");
    assert_eq!((analysis.info.channels, analysis.info.duration_ms()), (8, 500));
}

#[test]
fn a_header_claiming_days_is_refused_but_an_unknown_length_is_decoded() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 0xFFFF_FFF0 bytes of 8 kHz mono 16-bit would be 3 days 2 hours; the file holds one second.
    let liar = write(dir.path(), "days.wav", &wave(1, 8000, 16, Some(0xFFFF_FFF0), &tone(1, 8000, 1.0)));
    for error in refusals(&liar) {
        assert!(matches!(error, AudioError::TooLong { claimed: true, .. }), "{error}");
        assert!(error.to_string().contains("the header says it lasts 3 days 2 hours"), "{error}");
        assert!(error.to_string().contains("24 hours"), "{error}");
        assert!(error.message_zh().contains("文件头声明时长 3 天 2 小时"), "{}", error.message_zh());
    }
    // A recorder that streamed the file never went back to write the length (0xFFFFFFFF means
    // "unknown"): that is not a claim, and the file decodes to what it holds.
    let streamed = write(dir.path(), "streamed.wav", &wave(1, 8000, 16, Some(u32::MAX), &tone(1, 8000, 1.0)));
    assert_eq!(probe_file(&streamed).expect("decodes").duration_ms(), 1000);
}

#[test]
fn a_file_over_2_gib_is_refused_without_being_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.wav");
    let file = std::fs::File::create(&path).expect("create");
    // A sparse file: an honest header, then 3 GiB of holes the file system does not store.
    std::io::Write::write_all(&mut &file, &wave(1, 8000, 16, None, &tone(1, 8000, 0.1))).expect("header");
    file.set_len(3u64 << 30).expect("sparse length");
    let read_before = bytes_read_so_far();
    let probed = probe_file(&path).expect_err("too large");
    let streamed = StreamingDecoder::open(&path).expect_err("too large");
    let read = bytes_read_so_far() - read_before;
    assert!(read < 1 << 20, "{read} bytes were read to refuse a 3 GiB recording");
    for error in [probed, streamed] {
        assert!(matches!(error, AudioError::TooLarge { .. }), "{error}");
        assert!(error.to_string().contains("the file is 3 GiB, more than the 2 GiB a recording may have"), "{error}");
        assert!(error.message_zh().contains("超过录音文件上限 2 GiB"), "{}", error.message_zh());
    }
}

/// Bytes this test process has read through `read` calls so far (Linux's `rchar`, holes of a
/// sparse file included): "refused without reading" is checked by what was read, not by how long
/// the refusal took, which depends on the machine.
fn bytes_read_so_far() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").expect("read /proc/self/io");
    io.lines()
        .find_map(|line| line.strip_prefix("rchar:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("an rchar line in /proc/self/io")
}
