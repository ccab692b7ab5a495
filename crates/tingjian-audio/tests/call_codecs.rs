//! The codecs call recorders use beyond symphonia's own (Opus, GSM 6.10 in WAVE, AMR-NB), made in
//! the test from synthetic speech and analysed through the same pipeline as every other recording.

use std::path::Path;
use std::process::Command;

use tingjian_audio::analyse_file;

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|error| panic!("{program} could not run ({error}); the test needs espeak-ng, sox and ffmpeg"));
    assert!(status.success(), "{program} {args:?} failed: {status}");
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn opus_gsm_and_amr_recordings_are_analysed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let spoken = dir.path().join("spoken.wav");
    let source = dir.path().join("source.wav");
    run(
        "espeak-ng",
        &["-v", "cmn-latn-pinyin+f3", "-w", arg(&spoken), "ni3 hao3, wo3 yao4 tou2 su4 ni3 men5 de5 ke4 fu2."],
    );
    run("sox", &[arg(&spoken), "-r", "8000", "-c", "1", "-b", "16", arg(&source)]);
    // Extensions that lie: the content, not the name, decides the format.
    let opus = dir.path().join("call-opus.wav");
    let gsm = dir.path().join("call-gsm.wav");
    let amr = dir.path().join("call-amr.bin");
    run("ffmpeg", &["-v", "error", "-y", "-i", arg(&source), "-c:a", "libopus", "-f", "ogg", arg(&opus)]);
    run("ffmpeg", &["-v", "error", "-y", "-i", arg(&source), "-c:a", "libgsm_ms", arg(&gsm)]);
    run("sox", &[arg(&source), "-t", "amr-nb", arg(&amr)]);

    let source_ms = analyse_file(&source).expect("source analysed").info.duration_ms();
    for (path, container, codec, rate) in
        [(&opus, "ogg", "opus", 48_000), (&gsm, "wave", "gsm_ms", 8000), (&amr, "amr", "amr_nb", 8000)]
    {
        let analysis = analyse_file(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let info = &analysis.info;
        assert_eq!((info.container.as_str(), info.codec.as_str()), (container, codec));
        assert_eq!((info.sample_rate, info.channels, info.damaged_packets), (rate, 1, 0));
        assert!(!info.truncated(), "{info:?}");
        // GSM rounds up to a 40 ms block and AMR to a 20 ms frame; Opus is exact.
        assert!(
            info.duration_ms().abs_diff(source_ms) <= 40,
            "{codec}: {} ms against {source_ms} ms",
            info.duration_ms()
        );
        let speech_ms = analysis.analytics.channels.first().map_or(0, |channel| channel.speech_ms);
        assert!(speech_ms > source_ms / 2, "{codec}: only {speech_ms} ms of speech found in {source_ms} ms");
    }
}
