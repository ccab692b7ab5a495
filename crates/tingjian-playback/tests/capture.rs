//! Content checks through a real ALSA output whose default device is a file sink: what cpal
//! played is captured sample by sample (faster than real time) and compared with the source.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tingjian_core::Coded;
use tingjian_playback::{ChannelMode, OpenOptions, Player, PlayerEvent};

const SOURCE_RATE: u32 = 8000;

/// The child side: plays the file in `TJ_WAV` as `TJ_ACTION` says, through the default device.
#[test]
#[ignore = "run by the tests below in a child process with a private ALSA configuration"]
fn child_capture() {
    if !in_child() {
        return;
    }
    let path = std::env::var("TJ_WAV").expect("TJ_WAV");
    let action = std::env::var("TJ_ACTION").expect("TJ_ACTION");
    // The file sink takes audio faster than real time: the ring holds the whole clip, and the
    // engine fills it before the device starts.
    let options = OpenOptions { buffer_ms: 30_000, ..OpenOptions::default() };
    let player = match Player::open_with(&options) {
        Ok(player) => player,
        Err(error) => {
            print_result(&json!({ "open_error": format!("{:?}", error.code()), "message": error.to_string() }));
            return;
        }
    };
    let events = player.events();
    let loaded = match player.load(Path::new(&path), Vec::new()) {
        Ok(loaded) => loaded,
        Err(error) => {
            print_result(&json!({ "load_error": format!("{:?}", error.code()), "message": error.to_string() }));
            return;
        }
    };
    match action.as_str() {
        "seek" => player.seek(1500),
        "customer" => player.set_channel_mode(ChannelMode::Customer),
        "agent" => player.set_channel_mode(ChannelMode::Agent),
        "speed" => player.set_speed(1.5),
        _ => {}
    }
    player.play();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut problems = Vec::new();
    let mut ended = false;
    while Instant::now() < deadline {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(PlayerEvent::Ended) => {
                ended = true;
                break;
            }
            Ok(PlayerEvent::DecodeProblem { detail }) => problems.push(detail),
            _ => {}
        }
    }
    let heard = player.take_played();
    let status = player.status();
    drop(player);
    print_result(&json!({
        "ended": ended,
        "duration_ms": loaded.duration_ms,
        "truncated": loaded.truncated,
        "position_ms": status.position_ms,
        "problems": problems,
        "heard": heard,
    }));
}

fn capture(action: &str, wav: &Path) -> (serde_json::Value, Vec<Vec<f64>>) {
    let alsa = AlsaConfig::capture();
    let mut env = alsa.env();
    env.push(("TJ_WAV".to_owned(), wav.display().to_string()));
    env.push(("TJ_ACTION".to_owned(), action.to_owned()));
    let result = run_child("child_capture", &env);
    let captured = read_capture(&alsa.capture);
    (result, captured)
}

/// A call-like stereo file: a tone for the agent, noise for the customer.
fn call_file(dir: &Path, seconds: f64) -> std::path::PathBuf {
    let path = dir.join("call.wav");
    write_stereo_wav(&path, SOURCE_RATE, seconds, tone(440.0, 0.5), noise(0.4));
    path
}

/// The source channels at the capture rate, from `start_ms`.
fn reference(path: &Path, start_ms: u64) -> Vec<Vec<f64>> {
    let (rate, planes) = read_wav(path);
    let skip = (start_ms * u64::from(rate) / 1000) as usize;
    planes.iter().map(|p| upsample(&p[skip..], rate, CAPTURE_RATE)).collect()
}

/// The captured audio from its first sound, the same length as `reference`'s shorter channel.
fn aligned(captured: &[Vec<f64>], length: usize) -> Vec<Vec<f64>> {
    // The customer's noise is loud from its first frame, and the device gets exact zeros before
    // playback starts, so its first sound is the first frame played.
    let (start, _) =
        sounding(&captured[1], 1e-4).or_else(|| sounding(&captured[0], 1e-4)).expect("the capture holds sound");
    captured.iter().map(|p| p[start..(start + length).min(p.len())].to_vec()).collect()
}

fn heard(result: &serde_json::Value) -> Vec<(u64, u64, String)> {
    result["heard"]
        .as_array()
        .expect("heard array")
        .iter()
        .map(|s| {
            (
                s["start_ms"].as_u64().expect("start"),
                s["end_ms"].as_u64().expect("end"),
                s["channel"].as_str().expect("channel").to_owned(),
            )
        })
        .collect()
}

#[test]
fn plain_play_captures_the_source_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 3.0);
    let (result, captured) = capture("plain", &wav);
    assert_eq!(result["ended"], true, "{result}");
    let reference = reference(&wav, 0);
    let length = reference[0].len();
    let got = aligned(&captured, length);
    for channel in 0..2 {
        let r = correlation(&got[channel], &reference[channel]);
        assert!(r >= 0.99, "channel {channel}: correlation {r}");
    }
    assert_eq!(heard(&result), vec![(0, 3000, "both".to_owned())], "{result}");
}

#[test]
fn a_seek_lands_on_the_exact_sample() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 3.0);
    let (result, captured) = capture("seek", &wav);
    assert_eq!(result["ended"], true, "{result}");
    let reference = reference(&wav, 1500);
    let length = reference[0].len();
    let first = sounding(&captured[1], 1e-4).expect("sound").0;
    // No search for the best lag: the capture must match the source from 1.5 s at lag zero.
    for channel in 0..2 {
        let got = &captured[channel][first..(first + length).min(captured[channel].len())];
        let r = correlation(got, &reference[channel]);
        assert!(r >= 0.99, "channel {channel}: correlation {r} at lag 0");
    }
    assert_eq!(heard(&result), vec![(1500, 3000, "both".to_owned())], "{result}");
}

#[test]
fn a_solo_channel_plays_in_both_ears_and_the_other_is_gone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 2.0);
    let (result, captured) = capture("customer", &wav);
    let reference = reference(&wav, 0);
    let length = reference[1].len();
    let got = aligned(&captured, length);
    for (ear, plane) in got.iter().enumerate() {
        let customer = correlation(plane, &reference[1]);
        let agent = correlation(plane, &reference[0]);
        assert!(customer >= 0.99, "ear {ear}: customer correlation {customer}");
        assert!(agent.abs() < 0.05, "ear {ear}: agent correlation {agent}");
    }
    assert_eq!(heard(&result), vec![(0, 2000, "customer".to_owned())], "{result}");
}

#[test]
fn one_and_a_half_times_speed_keeps_the_pitch_and_shortens_by_a_third() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("tones.wav");
    write_stereo_wav(&wav, SOURCE_RATE, 3.0, tone(440.0, 0.5), tone(440.0, 0.5));
    let (result, captured) = capture("speed", &wav);
    assert_eq!(result["ended"], true, "{result}");
    let (start, end) = sounding(&captured[0], 1e-3).expect("sound");
    let played = (end - start) as f64 / f64::from(CAPTURE_RATE);
    let expected = 3.0 / 1.5;
    assert!((played / expected - 1.0).abs() < 0.02, "played {played:.3} s, expected {expected:.3} s");
    let middle = &captured[0][start + 4800..end - 4800];
    let pitch = zero_crossing_frequency(middle, CAPTURE_RATE);
    assert!((pitch / 440.0 - 1.0).abs() < 0.02, "pitch {pitch:.1} Hz");
    let spans = heard(&result);
    assert_eq!(spans.len(), 1, "{result}");
    assert!(spans[0].0 == 0 && spans[0].1 == 3000, "{result}");
}

#[test]
fn a_truncated_file_plays_what_decodes_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = call_file(dir.path(), 3.0);
    let bytes = std::fs::read(&whole).expect("read");
    // Cut the file at about 1.25 s of its 3 s; the header still promises 3 s.
    let cut = 44 + 4 * 10_000;
    let wav = dir.path().join("truncated.wav");
    std::fs::write(&wav, &bytes[..cut]).expect("write truncated");
    let (result, captured) = capture("plain", &wav);
    assert_eq!(result["ended"], true, "{result}");
    assert_eq!(result["truncated"], true, "{result}");
    assert!(!result["problems"].as_array().expect("problems").is_empty(), "{result}");
    let (start, end) = sounding(&captured[1], 1e-4).expect("sound");
    let played_ms = (end - start) as u64 * 1000 / u64::from(CAPTURE_RATE);
    assert!((1240..=1260).contains(&played_ms), "played {played_ms} ms");
    assert_eq!(heard(&result), vec![(0, 1250, "both".to_owned())], "{result}");
}

#[test]
fn a_file_that_is_not_audio_is_a_coded_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunkjunk not audio at all").expect("write junk");
    let (result, _) = capture("plain", &junk);
    assert_eq!(result["load_error"], "InvalidInput", "{result}");
}

#[test]
fn no_sound_card_is_a_coded_error() {
    let alsa = AlsaConfig::no_card();
    let mut env = alsa.env();
    env.push(("TJ_WAV".to_owned(), "/nonexistent.wav".to_owned()));
    env.push(("TJ_ACTION".to_owned(), "plain".to_owned()));
    let result = run_child("child_capture", &env);
    assert_eq!(result["open_error"], "AudioDeviceUnavailable", "{result}");
}
