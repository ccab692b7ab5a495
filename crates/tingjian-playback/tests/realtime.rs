//! Timing checks through a private PulseAudio daemon with a null sink, which plays in real time:
//! positions advance with the clock, and heard spans match what was done.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tingjian_playback::{Interval, Player, PlayerEvent};

const SOURCE_RATE: u32 = 8000;

fn child_env(pulse: &PulseServer, alsa: &AlsaConfig, wav: &Path, action: &str) -> Vec<(String, String)> {
    let mut env = pulse.env();
    env.extend(alsa.env());
    env.push(("TJ_WAV".to_owned(), wav.display().to_string()));
    env.push(("TJ_ACTION".to_owned(), action.to_owned()));
    env
}

fn call_file(dir: &Path, seconds: f64) -> PathBuf {
    let path = dir.join("call.wav");
    write_stereo_wav(&path, SOURCE_RATE, seconds, tone(440.0, 0.5), noise(0.4));
    path
}

fn wait_for(path: &Path, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// Plays for `duration` of wall time, recording (wall ms since `origin`, position ms) events.
fn play_for(player: &Player, duration: Duration, origin: Instant, positions: &mut Vec<(u64, u64)>) {
    let events = player.events();
    let until = Instant::now() + duration;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(PlayerEvent::Position { ms }) = events.recv_timeout(left) {
            positions.push((origin.elapsed().as_millis() as u64, ms));
        }
    }
}

#[test]
#[ignore = "run by the tests below in a child process with a private PulseAudio daemon"]
fn child_realtime() {
    if !in_child() {
        return;
    }
    let path = PathBuf::from(std::env::var("TJ_WAV").expect("TJ_WAV"));
    let action = std::env::var("TJ_ACTION").expect("TJ_ACTION");
    match action.as_str() {
        "timing" => timing_child(&path),
        "skip" => skip_child(&path),
        "lost" => lost_child(&path),
        "recover" => recover_child(&path),
        "load" => load_child(&path),
        other => panic!("unknown action {other}"),
    }
}

fn timing_child(path: &Path) {
    let player = Player::open(None).expect("open the pulse device");
    player.load(path, Vec::new()).expect("load");
    let events = player.events();
    let origin = Instant::now();
    let mut positions = Vec::new();
    player.play();
    play_for(&player, Duration::from_millis(1000), origin, &mut positions);
    player.pause();
    std::thread::sleep(Duration::from_millis(50));
    let first = player.status().position_ms;
    player.seek(4000);
    player.play();
    play_for(&player, Duration::from_millis(600), origin, &mut positions);
    player.pause();
    std::thread::sleep(Duration::from_millis(50));
    let second = player.status().position_ms;
    // Resuming after a pause rewinds 2 s (the default).
    player.play();
    play_for(&player, Duration::from_millis(400), origin, &mut positions);
    player.pause();
    std::thread::sleep(Duration::from_millis(50));
    let third = player.status().position_ms;
    while events.try_recv().is_ok() {}
    print_result(&json!({
        "positions": positions,
        "first": first,
        "second": second,
        "third": third,
        "heard": player.take_played(),
        "diagnostics": player.diagnostics(),
        "status": player.status(),
    }));
}

fn skip_child(path: &Path) {
    let player = Player::open(None).expect("open the pulse device");
    let dead_air = vec![Interval { start_ms: 1000, end_ms: 2500 }, Interval { start_ms: 3000, end_ms: 3300 }];
    player.load(path, dead_air).expect("load");
    player.set_skip_silence(Some(1000));
    let events = player.events();
    let started = Instant::now();
    player.play();
    let mut ended = false;
    while started.elapsed() < Duration::from_secs(6) {
        if let Ok(PlayerEvent::Ended) = events.recv_timeout(Duration::from_millis(50)) {
            ended = true;
            break;
        }
    }
    let wall_ms = started.elapsed().as_millis() as u64;
    print_result(&json!({ "ended": ended, "wall_ms": wall_ms, "heard": player.take_played() }));
}

fn lost_child(path: &Path) {
    let signals = PathBuf::from(std::env::var("TJ_SIGNALS").expect("TJ_SIGNALS"));
    let player = Player::open(None).expect("open the pulse device");
    player.load(path, Vec::new()).expect("load");
    let events = player.events();
    player.play();
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(signals.join("playing"), "").expect("signal playing");
    // The engine tries to open the device again for about three seconds before it gives up.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut lost = None;
    while Instant::now() < deadline {
        if let Ok(PlayerEvent::DeviceLost { detail }) = events.recv_timeout(Duration::from_millis(50)) {
            lost = Some(detail);
            break;
        }
    }
    let status = player.status();
    let heard = player.take_played();
    let load_after_loss = player.load(path, Vec::new()).err().map(|e| e.to_string());
    drop(player);
    std::fs::write(signals.join("lost"), "").expect("signal lost");
    assert!(wait_for(&signals.join("restarted"), Duration::from_secs(10)), "the daemon was not restarted");
    // A new player in the same process works once there is a device again.
    let reopened = Player::open(None).map(|player| {
        player.load(path, Vec::new()).expect("load again");
        player.play();
        std::thread::sleep(Duration::from_millis(400));
        player.status().position_ms
    });
    print_result(&json!({
        "lost": lost,
        "playing_after_loss": status.playing,
        "heard": heard,
        "load_after_loss": load_after_loss,
        "reopened_position_ms": reopened.as_ref().ok(),
        "reopen_error": reopened.err().map(|e| e.to_string()),
    }));
}

/// Plays while the parent restarts the sound server under it (a server that goes away for a
/// moment, or a stream the server drops while starting): playback must carry on by itself.
fn recover_child(path: &Path) {
    let signals = PathBuf::from(std::env::var("TJ_SIGNALS").expect("TJ_SIGNALS"));
    let player = Player::open(None).expect("open the pulse device");
    player.load(path, Vec::new()).expect("load");
    let events = player.events();
    player.play();
    std::thread::sleep(Duration::from_millis(500));
    let before = player.status().position_ms;
    std::fs::write(signals.join("playing"), "").expect("signal playing");
    assert!(wait_for(&signals.join("restarted"), Duration::from_secs(20)), "the daemon was not restarted");
    // Wait (generously) until playback has moved well past where it was when the server went.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lost = None;
    while Instant::now() < deadline && player.status().position_ms < before + 2500 && lost.is_none() {
        if let Ok(PlayerEvent::DeviceLost { detail }) = events.recv_timeout(Duration::from_millis(50)) {
            lost = Some(detail);
        }
    }
    player.pause();
    std::thread::sleep(Duration::from_millis(100));
    let status = player.status();
    print_result(&json!({
        "before_ms": before,
        "after_ms": status.position_ms,
        "lost": lost.or(status.device_lost),
        "heard": player.take_played(),
    }));
}

/// Opens the device and plays while every core is busy with other work.
fn load_child(path: &Path) {
    let player = Player::open(None).expect("open the pulse device under load");
    player.load(path, Vec::new()).expect("load");
    player.play();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && player.status().position_ms < 2000 && player.status().device_lost.is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    player.pause();
    std::thread::sleep(Duration::from_millis(100));
    let status = player.status();
    print_result(
        &json!({ "position_ms": status.position_ms, "lost": status.device_lost, "heard": player.take_played() }),
    );
}

/// Busy processes, two per core, niced like nothing: a machine running a build or a virus scan.
struct CpuLoad(Vec<std::process::Child>);

impl CpuLoad {
    fn start() -> CpuLoad {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        CpuLoad(
            (0..cores * 2)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .spawn()
                        .expect("start a busy process")
                })
                .collect(),
        )
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spans(result: &serde_json::Value) -> Vec<(i64, i64)> {
    result["heard"]
        .as_array()
        .expect("heard")
        .iter()
        .map(|s| (s["start_ms"].as_i64().expect("start"), s["end_ms"].as_i64().expect("end")))
        .collect()
}

fn near(actual: i64, expected: i64, tolerance: i64) -> bool {
    (actual - expected).abs() <= tolerance
}

#[test]
fn position_advances_in_real_time_and_spans_follow_pause_seek_and_rewind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 6.0);
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let result = run_child("child_realtime", &child_env(&pulse, &alsa, &wav, "timing"));

    // Position events: at least 30 a second, advancing one recording second per wall second.
    let positions: Vec<(i64, i64)> = result["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| (p[0].as_i64().expect("wall"), p[1].as_i64().expect("ms")))
        .collect();
    let first_leg: Vec<&(i64, i64)> =
        positions.iter().filter(|(wall, ms)| *wall >= 200 && *wall <= 950 && *ms < 2000).collect();
    assert!(first_leg.len() >= 22, "only {} position events in 750 ms: {positions:?}", first_leg.len());
    let (w0, p0) = *first_leg[0];
    let (w1, p1) = *first_leg[first_leg.len() - 1];
    let rate = (p1 - p0) as f64 / (w1 - w0) as f64;
    assert!((rate - 1.0).abs() < 0.1, "position advanced {rate:.3} recording seconds per second");

    let first = result["first"].as_i64().expect("first");
    let second = result["second"].as_i64().expect("second");
    let third = result["third"].as_i64().expect("third");
    // The pauses are timed by the test's own clock, which a loaded machine delays by scheduling
    // and the device's period: a quarter of a second either way still tells real-time playback
    // (the call plays at its speed, not faster and not stalled) from anything else.
    assert!(near(first, 1000, 250), "paused at {first} ms after 1 s of play");
    assert!(near(second - 4000, 600, 250), "paused at {second} ms after 600 ms from 4 s");
    let resumed_from = second - 2000;
    assert!(near(third - resumed_from, 400, 250), "paused at {third} ms after 400 ms from {resumed_from}");
    let heard = spans(&result);
    assert_eq!(heard.len(), 3, "{result}");
    assert!(heard[0].0 == 0 && near(heard[0].1, first, 30), "{heard:?} vs {first}");
    assert!(heard[1].0 == 4000 && near(heard[1].1, second, 30), "{heard:?} vs {second}");
    assert!(near(heard[2].0, resumed_from, 30) && near(heard[2].1, third, 30), "{heard:?} vs {third}");
    let diagnostics = &result["diagnostics"];
    assert!(diagnostics["play_to_sound_ms"].is_number(), "{diagnostics}");
}

#[test]
fn skip_silence_jumps_dead_air_and_the_jump_is_not_counted_as_heard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 4.0);
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let result = run_child("child_realtime", &child_env(&pulse, &alsa, &wav, "skip"));
    assert_eq!(result["ended"], true, "{result}");
    // 4 s minus 1.5 s of skipped dead air (the 300 ms gap is below the threshold and plays).
    // Playing it all would take 4 s of wall time; with the dead air skipped it takes 2.5 s plus
    // the device's start. Anything clearly under 4 s shows the jump; the spans below show where.
    let wall = result["wall_ms"].as_i64().expect("wall");
    assert!((2400..=3500).contains(&wall), "took {wall} ms");
    let heard = spans(&result);
    assert_eq!(heard.len(), 2, "{result}");
    assert!(near(heard[0].0, 0, 5) && near(heard[0].1, 1000, 20), "{heard:?}");
    assert!(near(heard[1].0, 2500, 20) && near(heard[1].1, 4000, 5), "{heard:?}");
}

#[test]
fn a_lost_device_stops_cleanly_and_a_new_player_works_afterwards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 10.0);
    let signals = dir.path().join("signals");
    std::fs::create_dir_all(&signals).expect("signals dir");
    let mut pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let mut env = child_env(&pulse, &alsa, &wav, "lost");
    env.push(("TJ_SIGNALS".to_owned(), signals.display().to_string()));
    let child = child_command("child_realtime", &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    assert!(wait_for(&signals.join("playing"), Duration::from_secs(10)), "the child never played");
    pulse.kill();
    let lost_reported = wait_for(&signals.join("lost"), Duration::from_secs(10));
    pulse.restart();
    std::fs::write(signals.join("restarted"), "").expect("signal restarted");
    let output = child.wait_with_output().expect("child output");
    assert!(
        lost_reported,
        "child did not get past the loss: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let result = result_of("child_realtime", &output);
    assert!(result["lost"].is_string(), "no DeviceLost event: {result}");
    assert_eq!(result["playing_after_loss"], false, "{result}");
    assert!(result["load_after_loss"].is_string(), "{result}");
    let heard = spans(&result);
    assert_eq!(heard.len(), 1, "{result}");
    assert!(heard[0].1 >= 400 && heard[0].1 <= 1500, "heard until {} ms before the loss", heard[0].1);
    let reopened = result["reopened_position_ms"].as_i64().unwrap_or_else(|| panic!("reopen failed: {result}"));
    assert!(reopened >= 200, "the new player did not advance: {result}");
}

#[test]
fn a_sound_server_that_restarts_while_playing_is_opened_again_and_playback_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 10.0);
    let signals = dir.path().join("signals");
    std::fs::create_dir_all(&signals).expect("signals dir");
    let mut pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let mut env = child_env(&pulse, &alsa, &wav, "recover");
    env.push(("TJ_SIGNALS".to_owned(), signals.display().to_string()));
    let child = child_command("child_realtime", &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    assert!(wait_for(&signals.join("playing"), Duration::from_secs(20)), "the child never played");
    pulse.restart();
    std::fs::write(signals.join("restarted"), "").expect("signal restarted");
    let output = child.wait_with_output().expect("child output");
    let result = result_of("child_realtime", &output);
    assert!(result["lost"].is_null(), "the device was declared lost: {result}");
    let before = result["before_ms"].as_i64().expect("before");
    let after = result["after_ms"].as_i64().expect("after");
    assert!(after >= before + 2500, "playback did not go on after the restart: {result}");
    // What was heard runs from the start without a hole: the reopened stream carries on where
    // the old one stopped (what the old one had queued but not played is played again).
    let heard = spans(&result);
    assert_eq!(heard.first().map(|s| s.0), Some(0), "{result}");
    for pair in heard.windows(2) {
        assert!(pair[1].0 <= pair[0].1 + 30, "a hole in what was heard: {heard:?}");
    }
    assert!(near(heard.last().expect("spans").1, after, 60), "{heard:?} vs {after}");
}

#[test]
fn opening_and_playing_on_a_machine_busy_on_every_core_does_not_lose_the_device() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = call_file(dir.path(), 6.0);
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let load = CpuLoad::start();
    let result = run_child("child_realtime", &child_env(&pulse, &alsa, &wav, "load"));
    drop(load);
    assert!(result["lost"].is_null(), "the device was declared lost under load: {result}");
    assert!(result["position_ms"].as_i64().expect("position") >= 2000, "{result}");
    let heard = spans(&result);
    assert_eq!(heard.first().map(|s| s.0), Some(0), "{result}");
}
