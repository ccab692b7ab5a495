//! Every format a call centre's recorder produces, made by ffmpeg from one source and imported:
//! each must be stored with a duration within 30 ms of the source, with analytics per channel.

mod common;
use common::sql;

use std::path::Path;
use std::process::Command;

use tingjian_import::import;
use tingjian_vault::Vault;

/// (file name, ffmpeg output arguments)
const FORMATS: &[(&str, &[&str])] = &[
    ("pcm-u8.wav", &["-c:a", "pcm_u8"]),
    ("pcm-s16.wav", &["-c:a", "pcm_s16le"]),
    ("pcm-s24.wav", &["-c:a", "pcm_s24le"]),
    ("pcm-s32.wav", &["-c:a", "pcm_s32le"]),
    ("pcm-f32.wav", &["-c:a", "pcm_f32le"]),
    ("mulaw.wav", &["-c:a", "pcm_mulaw"]),
    ("alaw.wav", &["-c:a", "pcm_alaw"]),
    ("ima-adpcm.wav", &["-c:a", "adpcm_ima_wav"]),
    ("ms-adpcm.wav", &["-c:a", "adpcm_ms"]),
    ("cbr.mp3", &["-c:a", "libmp3lame", "-b:a", "32k"]),
    ("vbr.mp3", &["-c:a", "libmp3lame", "-q:a", "6"]),
    ("aac.m4a", &["-c:a", "aac", "-b:a", "32k"]),
    ("lossless.flac", &["-c:a", "flac"]),
    ("vorbis.ogg", &["-c:a", "libvorbis", "-q:a", "2"]),
    ("opus.ogg", &["-c:a", "libopus", "-b:a", "24k"]),
    // libgsm only encodes mono 8 kHz, as the recorders that use it do.
    ("gsm.wav", &["-ac", "1", "-c:a", "libgsm_ms"]),
];

/// AMR-NB, which ffmpeg cannot encode on Debian; sox can (mono 8 kHz, like the handsets that use it).
const AMR_NAME: &str = "handset.amr";

/// How far each format may be from the source. Two are longer by what their encoder adds: AAC keeps
/// its priming and the rest of its last frame (symphonia does not apply the M4A edit list; see
/// ARCHITECTURE.md), and ffmpeg's ADPCM encoders pad the last block with silence and count it in
/// the WAV `fact` chunk, so the file itself is up to one block (127 ms here) longer. Every other
/// format must be within 30 ms.
fn tolerance_ms(name: &str) -> u64 {
    if name.ends_with(".m4a") {
        260
    } else if name.contains("adpcm") {
        130
    } else {
        30
    }
}

/// The mono formats are made by down-mixing the two-party source.
fn expected_channels(name: &str) -> u16 {
    if name == "gsm.wav" || name == AMR_NAME { 1 } else { 2 }
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program} is installed: {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn make_source(path: &Path) {
    // Two parties: a 300 Hz voice on the left that speaks for 4 s, pauses 2 s and speaks again,
    // and a 450 Hz voice on the right in the pause; 9.5 s in all.
    let p = path.to_str().expect("utf8");
    run(
        "sox",
        &[
            "-n", "-r", "8000", "-b", "16", "-c", "2", p, "synth", "9.5", "sine", "300", "sine", "450", "remix",
            "1v0.5", "2v0.5", "gain", "-3",
        ],
    );
}

#[test]
fn every_recorder_format_imports_with_its_true_duration() {
    let temp = tempfile::tempdir().expect("tempdir");
    let source = temp.path().join("source.wav");
    make_source(&source);
    let recordings = temp.path().join("rec");
    std::fs::create_dir_all(&recordings).expect("mkdir");
    for (name, codec) in FORMATS {
        let target = recordings.join(name);
        let mut args = vec!["-nostdin", "-v", "error", "-y", "-i", source.to_str().expect("utf8")];
        args.extend_from_slice(codec);
        args.push(target.to_str().expect("utf8"));
        run("ffmpeg", &args);
    }
    run(
        "sox",
        &[source.to_str().expect("utf8"), "-c", "1", "-t", "amr-nb", recordings.join(AMR_NAME).to_str().expect("utf8")],
    );
    // A mislabelled file: FLAC content under a .wav name. Content decides, not the extension.
    std::fs::copy(recordings.join("lossless.flac"), recordings.join("actually-flac.wav")).expect("copy");

    let export = temp.path().join("export.csv");
    std::fs::write(&export, "投诉编号,受理时间,录音文件\n").expect("write");
    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let report = import(&mut vault, &export, &recordings, &Default::default(), &mut |_| {}).expect("import");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    let db = sql(&vault);
    let mut statement = db
        .prepare("SELECT original_name, duration_ms, codec, channels, analytics, hash FROM recordings ORDER BY original_name")
        .expect("query");
    let rows: Vec<(String, u64, String, u16, Option<String>, String)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    // The mislabelled copy has the same bytes as the FLAC, so it is stored once.
    assert_eq!(rows.len(), FORMATS.len() + 1, "{rows:?}");
    for (name, duration, codec, channels, analytics, hash) in &rows {
        let peaks = tingjian_audio::Peaks::from_bytes(&std::fs::read(vault.peaks_path(hash)).expect("peaks cached"))
            .unwrap_or_else(|e| panic!("{name}: peaks: {e}"));
        assert_eq!(peaks.frames * 1000 / u64::from(peaks.sample_rate), *duration, "{name}: peaks cover the call");
        let off = duration.abs_diff(9500);
        assert!(off <= tolerance_ms(name), "{name} ({codec}): {duration} ms, source 9500 ms");
        assert_eq!(*channels, expected_channels(name), "{name}");
        let analytics: tingjian_core::analytics::CallAnalytics =
            serde_json::from_str(analytics.as_deref().expect("analytics stored")).expect("analytics JSON");
        assert_eq!(analytics.channels.len(), usize::from(expected_channels(name)), "{name}");
    }
    assert!(report.recordings_unchanged >= 1 || report.recordings_added == FORMATS.len() as u64 + 1);
    assert!(vault.verify().expect("verify").ok);
}
