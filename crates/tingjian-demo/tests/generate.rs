//! Generates a whole set once and checks it the way its users will rely on it: files ffprobe agrees
//! with, an export that parses, ground-truth speech intervals that match the audio, and a second
//! run that reuses the set: no file of it is written again.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use jiff::civil::date;
use tingjian_demo::{DemoCall, DemoOptions, DemoSet, generate};

const HEADERS: [&str; 14] = [
    "投诉编号",
    "受理时间",
    "投诉渠道",
    "业务类别",
    "投诉类别",
    "责任机构",
    "客户姓名",
    "联系电话",
    "首次响应时间",
    "办结时间",
    "处理状态",
    "录音文件",
    "是否监管转办",
    "投诉摘要",
];

fn options() -> DemoOptions {
    DemoOptions { quarter_start: date(2026, 10, 1), until: date(2026, 12, 18), seed: 20_261_001 }
}

#[derive(Debug)]
struct Probe {
    channels: u64,
    sample_rate: u64,
    /// Seconds of audio: the container's duration less its start time, which for MP3 is the encoder
    /// delay that decoders skip.
    seconds: f64,
}

fn probe(path: &Path) -> Probe {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=channels,sample_rate:format=duration,start_time", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(output.status.success(), "ffprobe {}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("ffprobe json");
    let number = |value: &serde_json::Value| -> f64 {
        value.as_str().and_then(|s| s.parse().ok()).or_else(|| value.as_f64()).unwrap_or(f64::NAN)
    };
    let stream = &json["streams"][0];
    let duration = number(&json["format"]["duration"]);
    let start = json["format"].get("start_time").map_or(0.0, number);
    Probe {
        channels: stream["channels"].as_u64().unwrap_or(0),
        sample_rate: stream["sample_rate"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
        seconds: duration - start,
    }
}

fn read_export(path: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(path).expect("open export");
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(headers.iter().collect::<Vec<_>>(), HEADERS);
    reader.records().collect::<Result<Vec<_>, _>>().expect("rows parse")
}

/// Which file a path is: its inode and modification time. A file written again gets a new inode
/// (the generator writes through a temporary file and a rename), and a new directory of
/// recordings is renamed into place, so a run that made anything again changes these.
fn identity(path: &Path) -> (u64, SystemTime) {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (meta.ino(), meta.modified().expect("mtime"))
}

/// The identity of every recording and of the recordings directory.
fn recordings(set: &DemoSet) -> BTreeMap<String, (u64, SystemTime)> {
    let mut files: BTreeMap<String, (u64, SystemTime)> = set
        .calls
        .iter()
        .map(|call| (call.file_name.clone(), identity(&set.recordings_dir.join(&call.file_name))))
        .collect();
    files.insert("recordings/".to_owned(), identity(&set.recordings_dir));
    files
}

/// RMS in dBFS of one channel of an interleaved stereo WAV over the given millisecond ranges.
fn level_db(samples: &[i16], channel: usize, ranges: &[(u64, u64)]) -> f64 {
    let mut energy = 0.0f64;
    let mut count = 0usize;
    for &(start, end) in ranges {
        let (a, b) = (start as usize * 8, (end as usize * 8).min(samples.len() / 2));
        for frame in a..b {
            energy += (f64::from(samples[frame * 2 + channel]) / 32768.0).powi(2);
            count += 1;
        }
    }
    10.0 * (energy / count.max(1) as f64 + 1e-12).log10()
}

/// The parts of `0..duration` that neither party speaks in, kept 100 ms away from any speech.
fn silence(call: &DemoCall) -> Vec<(u64, u64)> {
    let mut speech: Vec<(u64, u64)> = call.agent_speech.iter().chain(&call.customer_speech).copied().collect();
    speech.sort_unstable();
    let mut gaps = Vec::new();
    let mut cursor = 0u64;
    for (start, end) in speech {
        if start > cursor + 200 {
            gaps.push((cursor + 100, start - 100));
        }
        cursor = cursor.max(end);
    }
    if call.duration_ms > cursor + 200 {
        gaps.push((cursor + 100, call.duration_ms - 100));
    }
    gaps
}

fn check_call(set: &DemoSet, call: &DemoCall) {
    let path = set.recordings_dir.join(&call.file_name);
    assert!(path.is_file(), "{} exists", path.display());
    let probed = probe(&path);
    assert_eq!(probed.channels, 2, "{}", call.file_name);
    assert_eq!(probed.sample_rate, 8000, "{}", call.file_name);
    assert!((30.0..=120.0).contains(&probed.seconds), "{}: {} s", call.file_name, probed.seconds);
    let expected = call.duration_ms as f64 / 1000.0;
    assert!(
        (probed.seconds - expected).abs() <= 0.1,
        "{}: ffprobe {} s, set {} s",
        call.file_name,
        probed.seconds,
        expected
    );

    for intervals in [&call.agent_speech, &call.customer_speech] {
        assert!(!intervals.is_empty(), "{} has speech on both channels", call.file_name);
        assert!(intervals.windows(2).all(|w| w[0].1 < w[1].0), "{}: sorted and disjoint", call.file_name);
        assert!(intervals.iter().all(|&(a, b)| a < b && b <= call.duration_ms), "{}: inside the call", call.file_name);
    }
}

#[test]
fn a_generated_set_is_complete_consistent_and_reused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = options();

    let set = generate(dir.path(), &opts).expect("generate");

    // The calls and their files.
    assert!(set.calls.len() >= 14, "{} calls", set.calls.len());
    for call in &set.calls {
        check_call(&set, call);
    }
    let formats: BTreeSet<&str> = set.calls.iter().map(|call| call.format.as_str()).collect();
    assert_eq!(formats, BTreeSet::from(["flac", "m4a", "mp3", "wav-mulaw", "wav-pcm16"]));
    for format in &formats {
        assert!(set.calls.iter().filter(|call| call.format == *format).count() >= 2, "{format} at least twice");
    }

    // Dead air (a hold) in most calls and talk-over in several.
    let with_hold = set.calls.iter().filter(|call| silence(call).iter().any(|&(a, b)| b - a >= 3800)).count();
    assert!(with_hold * 2 > set.calls.len(), "{with_hold} calls with a hold");
    let with_overlap = set
        .calls
        .iter()
        .filter(|call| {
            call.agent_speech
                .iter()
                .any(|&(a0, a1)| call.customer_speech.iter().any(|&(c0, c1)| a0.max(c0) + 400 <= a1.min(c1)))
        })
        .count();
    assert!(with_overlap >= 4, "{with_overlap} calls with talk-over");

    // The ground truth matches the audio: where a party speaks, its channel is far louder than
    // during silence, and louder than the other party's crosstalk on the same channel.
    for call in set.calls.iter().filter(|call| call.format == "wav-pcm16") {
        let mut reader = hound::WavReader::open(set.recordings_dir.join(&call.file_name)).expect("wav");
        let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>().expect("samples");
        let quiet = silence(call);
        for (channel, own, other) in
            [(0, &call.agent_speech, &call.customer_speech), (1, &call.customer_speech, &call.agent_speech)]
        {
            let speech = level_db(&samples, channel, own);
            let floor = level_db(&samples, channel, &quiet);
            let alone: Vec<(u64, u64)> =
                own.iter().copied().filter(|&(a, b)| other.iter().all(|&(c, d)| d <= a || b <= c)).collect();
            let leak = level_db(&samples, 1 - channel, &alone);
            assert!(
                speech - floor > 25.0,
                "{} ch{channel}: speech {speech:.1} dB, floor {floor:.1} dB",
                call.file_name
            );
            assert!((-60.0..-48.0).contains(&floor), "{} ch{channel}: noise floor {floor:.1} dB", call.file_name);
            assert!(
                speech - leak > 15.0,
                "{} ch{channel}: speech {speech:.1} dB, crosstalk {leak:.1} dB",
                call.file_name
            );
        }
    }

    // The export.
    assert_eq!(set.export_csv, dir.path().join("complaints.csv"));
    let rows = read_export(&set.export_csv);
    assert!(rows.len() > set.calls.len(), "one complaint has no recording");
    for row in &rows {
        if !row[11].is_empty() {
            assert!(set.recordings_dir.join(&row[11]).is_file(), "{} exists", &row[11]);
        }
    }
    for call in &set.calls {
        let row = rows.iter().find(|row| row[0] == *call.complaint_number).expect("complaint in export");
        assert_eq!(&row[11], call.file_name);
    }
    let first_csv = std::fs::read(&set.export_csv).expect("csv bytes");

    // A second run reuses everything: not one file, not the recordings directory, not the export
    // nor the manifest is written again.
    let manifest = dir.path().join("demo-set.json");
    let before = recordings(&set);
    let (export_before, manifest_before) = (identity(&set.export_csv), identity(&manifest));
    let again = generate(dir.path(), &opts).expect("generate again");
    assert_eq!(again, set);
    assert_eq!(recordings(&again), before, "recordings untouched");
    assert_eq!(identity(&again.export_csv), export_before, "the export is not rewritten");
    assert_eq!(identity(&manifest), manifest_before, "the manifest is not rewritten");
    assert_eq!(std::fs::read(&again.export_csv).expect("csv"), first_csv);
    let litter: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list out dir")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".demo-work") || name.ends_with(".partial"))
        .collect();
    assert!(litter.is_empty(), "left behind: {litter:?}");

    // New dates rewrite the export only, and going back gives the same bytes as before.
    let later = DemoOptions { until: date(2026, 12, 31), ..opts };
    let moved = generate(dir.path(), &later).expect("generate with new dates");
    assert_eq!(recordings(&moved), before, "recordings untouched");
    assert_ne!(identity(&moved.export_csv), export_before, "the export is written again");
    let moved_csv = std::fs::read(&moved.export_csv).expect("csv");
    assert_ne!(moved_csv, first_csv);
    let moved_rows = read_export(&moved.export_csv);
    for call in &moved.calls {
        let row = moved_rows.iter().find(|row| row[0] == *call.complaint_number).expect("complaint in export");
        assert_eq!(&row[11], call.file_name);
    }
    let names = |s: &DemoSet| s.calls.iter().map(|c| c.file_name.clone()).collect::<BTreeSet<_>>();
    assert_eq!(names(&moved), names(&set));
    let back = generate(dir.path(), &opts).expect("generate with the first dates");
    assert_eq!(std::fs::read(&back.export_csv).expect("csv"), first_csv, "same options, same export");
    assert_eq!(back, set);
    assert_eq!(recordings(&back), before, "recordings untouched");

    // A damaged recording makes the set incomplete: it is made again, identical to the first time.
    let contents = |s: &DemoSet| -> BTreeMap<String, Vec<u8>> {
        s.calls
            .iter()
            .map(|c| (c.file_name.clone(), std::fs::read(s.recordings_dir.join(&c.file_name)).expect("read")))
            .collect()
    };
    let original = contents(&set);
    let victim = set.recordings_dir.join(&set.calls[0].file_name);
    std::fs::write(&victim, b"RIFF").expect("damage a recording");
    let remade = generate(dir.path(), &opts).expect("generate after damage");
    assert_eq!(remade, set);
    assert_ne!(
        identity(&remade.recordings_dir),
        before["recordings/"],
        "the recordings were made again, into a new directory"
    );
    assert!(contents(&remade) == original, "the audio is deterministic");
    assert_eq!(std::fs::read(&remade.export_csv).expect("csv"), first_csv);
}
