//! Timing checks through a private PulseAudio daemon with a null sink, which plays in real time:
//! positions advance with the clock, and heard spans match what was done.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tingjian_playback::{Interval, Player, PlayerEvent, PlayerStatus};
use tingjian_sound_setups::{PulseOutput, SignalledChild, parent_signalled, run_as_child, scenario_env, signal_parent};

const SOURCE_RATE: u32 = 8000;

/// A call-like file (a tone for the agent, noise for the customer) and a private PulseAudio
/// daemon to play it through, for one test.
struct Setup {
    _dir: tempfile::TempDir,
    wav: PathBuf,
    sound: PulseOutput,
}

impl Setup {
    fn new(seconds: f64) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let wav = dir.path().join("call.wav");
        write_stereo_wav(&wav, SOURCE_RATE, seconds, tone(440.0, 0.5), noise(0.4));
        Setup { _dir: dir, wav, sound: PulseOutput::start() }
    }

    /// The environment of the child playing the call as `action` says.
    fn env(&self, action: &str) -> Vec<(String, String)> {
        scenario_env(self.sound.env(), "TJ_WAV", &self.wav, action)
    }

    /// Runs the child's `action` to its end and returns its result.
    fn run(&self, action: &str) -> serde_json::Value {
        run_child("child_realtime", &self.env(action))
    }

    /// Starts the child's `action`, and waits up to `limit` for it to signal that it plays.
    fn start_playing(&self, action: &str, limit: Duration) -> SignalledChild {
        let mut child = SignalledChild::start("child_realtime", &self.env(action));
        child.wait_for("playing", limit);
        child
    }
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

/// Plays until the device reports the call's position at `target_ms` or past it (or 5 s pass),
/// recording position events on the way. The target is absolute, so an event left from before a
/// seek cannot end the leg early, and a seek or rewind that did not happen shows in where it ends.
fn play_until_position(player: &Player, target_ms: u64, origin: Instant, positions: &mut Vec<(u64, u64)>) {
    let events = player.events();
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok(PlayerEvent::Position { ms }) = events.recv_timeout(left) {
            positions.push((origin.elapsed().as_millis() as u64, ms));
            if ms >= target_ms {
                return;
            }
        }
    }
}

#[test]
#[ignore = "run by the tests below in a child process with a private PulseAudio daemon"]
fn child_realtime() {
    run_as_child(&[
        ("timing", timing_child),
        ("skip", skip_child),
        ("lost", lost_child),
        ("recover", recover_child),
        ("load", load_child),
    ]);
}

/// The call the child plays (`TJ_WAV`).
fn wav() -> PathBuf {
    PathBuf::from(std::env::var("TJ_WAV").expect("TJ_WAV"))
}

/// The child's player: the default device (the PulseAudio daemon) opened, the call loaded.
fn open_and_load(dead_air: Vec<Interval>) -> Player {
    let player = Player::open(None).expect("open the pulse device");
    player.load(&wav(), dead_air).expect("load");
    player
}

/// Pauses, and after `settle` the status the player stopped with.
fn pause_and_settle(player: &Player, settle: Duration) -> PlayerStatus {
    player.pause();
    std::thread::sleep(settle);
    player.status()
}

fn timing_child() {
    let player = open_and_load(Vec::new());
    let events = player.events();
    let origin = Instant::now();
    let mut positions = Vec::new();
    let settle = Duration::from_millis(50);
    player.play();
    play_for(&player, Duration::from_millis(1000), origin, &mut positions);
    let first = pause_and_settle(&player, settle).position_ms;
    // The first leg is timed by the wall clock: it shows the call plays in real time. The next two
    // are about where the heard spans go after a seek and a rewind, so they are timed by the
    // device's own position: on a loaded machine restarting a stream has stalled for 340 ms of a
    // 400 ms wall-clock leg (a full `make test`), which says nothing about the spans.
    // Position events of a leg that ended are still queued: they must not end the next one.
    let drain = || while events.try_recv().is_ok() {};
    drain();
    player.seek(4000);
    player.play();
    play_until_position(&player, 4600, origin, &mut positions);
    let second = pause_and_settle(&player, settle).position_ms;
    drain();
    // Resuming after a pause rewinds 2 s (the default).
    player.play();
    play_until_position(&player, second.saturating_sub(2000) + 400, origin, &mut positions);
    let third = pause_and_settle(&player, settle).position_ms;
    drain();
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

fn skip_child() {
    let player =
        open_and_load(vec![Interval { start_ms: 1000, end_ms: 2500 }, Interval { start_ms: 3000, end_ms: 3300 }]);
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

fn lost_child() {
    let player = open_and_load(Vec::new());
    let events = player.events();
    player.play();
    // Half a second of the call played (by the device's own count, not by the wall clock: on a
    // loaded machine the stream can take a few hundred milliseconds to start).
    let started = Instant::now() + Duration::from_secs(10);
    while Instant::now() < started {
        if let Ok(PlayerEvent::Position { ms }) = events.recv_timeout(Duration::from_millis(50))
            && ms >= 500
        {
            break;
        }
    }
    signal_parent("playing");
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
    let load_after_loss = player.load(&wav(), Vec::new()).err().map(|e| e.to_string());
    drop(player);
    signal_parent("lost");
    assert!(parent_signalled("restarted", Duration::from_secs(10)), "the daemon was not restarted");
    // A new player in the same process works once there is a device again.
    let reopened = Player::open(None).map(|player| {
        player.load(&wav(), Vec::new()).expect("load again");
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
fn recover_child() {
    let player = open_and_load(Vec::new());
    let events = player.events();
    player.play();
    std::thread::sleep(Duration::from_millis(500));
    let before = player.status().position_ms;
    signal_parent("playing");
    assert!(parent_signalled("restarted", Duration::from_secs(20)), "the daemon was not restarted");
    // Wait (generously) until playback has moved well past where it was when the server went.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lost = None;
    while Instant::now() < deadline && player.status().position_ms < before + 2500 && lost.is_none() {
        if let Ok(PlayerEvent::DeviceLost { detail }) = events.recv_timeout(Duration::from_millis(50)) {
            lost = Some(detail);
        }
    }
    let status = pause_and_settle(&player, Duration::from_millis(100));
    print_result(&json!({
        "before_ms": before,
        "after_ms": status.position_ms,
        "lost": lost.or(status.device_lost),
        "heard": player.take_played(),
    }));
}

/// Opens the device and plays while every core is busy with other work.
fn load_child() {
    let player = open_and_load(Vec::new());
    player.play();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && player.status().position_ms < 2000 && player.status().device_lost.is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = pause_and_settle(&player, Duration::from_millis(100));
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
    let result = Setup::new(6.0).run("timing");

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
    // The first pause is timed by the test's own clock, which a loaded machine delays by
    // scheduling and the device's period: a quarter of a second either way still tells real-time
    // playback (the call plays at its speed, not faster and not stalled) from anything else. The
    // other two legs stop once the device has played their length.
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
    let result = Setup::new(4.0).run("skip");
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
    let mut setup = Setup::new(10.0);
    let mut child = setup.start_playing("lost", Duration::from_secs(10));
    setup.sound.server.kill();
    // The child gets past the loss …
    child.wait_for("lost", Duration::from_secs(10));
    setup.sound.server.restart();
    child.signal("restarted");
    let result = child.result();
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
    let mut setup = Setup::new(10.0);
    let child = setup.start_playing("recover", Duration::from_secs(20));
    setup.sound.server.restart();
    child.signal("restarted");
    let result = child.result();
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
    let setup = Setup::new(6.0);
    let load = CpuLoad::start();
    let result = setup.run("load");
    drop(load);
    assert!(result["lost"].is_null(), "the device was declared lost under load: {result}");
    assert!(result["position_ms"].as_i64().expect("position") >= 2000, "{result}");
    let heard = spans(&result);
    assert_eq!(heard.first().map(|s| s.0), Some(0), "{result}");
}
