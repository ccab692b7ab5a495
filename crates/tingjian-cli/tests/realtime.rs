//! `tingjian play` into a private PulseAudio null sink, which plays in real time, with the process
//! or the device taken away mid-call: what survives in the vault is what the product promises
//! (ARCHITECTURE.md, "Proof of listening").
//!
//! - killed with SIGKILL (a crash): the session shows as interrupted and keeps every flushed span,
//!   so at most the flush interval of listening is lost;
//! - the sound server dies (a lost device): the command fails with a code and the session ends as
//!   `device_lost`, keeping what was heard.
//!
//! These tests are paced by the wall clock: run them one at a time (the real-time test group).

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tingjian_sound_setups::{AlsaConfig, PulseOutput, PulseServer, write_two_party_call};
use tingjian_vault::Vault;

mod common;
use common::sql;

const REVIEWER: &str = "wang.hang";

/// The interval `tingjian_review::Listening` promises to flush heard spans at while playing.
const FLUSH_EVERY_S: f64 = 2.0;

/// Allowed on top of the flush interval: the command's tick (30 ms) and the scheduling of a
/// loaded machine between a flush falling due and the tick that writes it.
const TICK_SLACK_S: f64 = 0.25;

/// The rate `parec` records the null sink's monitor at.
const MONITOR_RATE: u32 = 48_000;

/// A vault holding complaint TS-20 with a `seconds`-long two-party call (a tone per party,
/// sounding the whole time), made with `tingjian init` and `tingjian import`.
fn vault_with_a_call(dir: &Path, seconds: u32) -> PathBuf {
    let input = dir.join("input");
    std::fs::create_dir_all(&input).expect("mkdir");
    write_two_party_call(&input.join("call.wav"), seconds);
    std::fs::write(
        input.join("export.csv"),
        "投诉编号,受理时间,责任机构,录音文件\nTS-20,2026-11-02 09:30:00,信用卡中心,call.wav\n",
    )
    .expect("write csv");
    let vault = dir.join("vault");
    let none = AlsaConfig::no_card().env();
    assert!(common::tingjian_as(&vault, REVIEWER, &none, &["init"]).status.success());
    let manifest = input.join("export.csv");
    let imported = common::tingjian_as(
        &vault,
        REVIEWER,
        &none,
        &["import", "--manifest", manifest.to_str().expect("utf8"), "--recordings", input.to_str().expect("utf8")],
    );
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    vault
}

/// Starts `tingjian play TS-20 --json` on the PulseAudio server, its output going to files in
/// `dir` (so a killed or stuck command cannot block the test on a pipe).
fn start_play(dir: &Path, vault: &Path, sound: &PulseOutput) -> Child {
    common::tingjian_command(vault, REVIEWER, &sound.env(), &["play", "TS-20", "--json"])
        .stdin(Stdio::null())
        .stdout(File::create(dir.join("play.out")).expect("stdout file"))
        .stderr(File::create(dir.join("play.err")).expect("stderr file"))
        .spawn()
        .expect("start tingjian play")
}

fn output_of(dir: &Path) -> String {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    format!("stdout:\n{}\nstderr:\n{}", read("play.out"), read("play.err"))
}

/// Waits until the command has recorded `listening_started` (it does so once the device is open
/// and the call loaded, just before it starts playing) and returns the session's id and start.
fn wait_for_session(vault: &Path, play: &mut Child, dir: &Path) -> (String, jiff::Timestamp) {
    let db =
        rusqlite::Connection::open_with_flags(vault.join("vault.sqlite"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the vault read-only");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row: Option<(String, String)> = db
            .query_row("SELECT id, started_at FROM listening_sessions", [], |row| Ok((row.get(0)?, row.get(1)?)))
            .ok();
        if let Some((id, started_at)) = row {
            return (id, started_at.parse().expect("started_at is RFC 3339"));
        }
        if let Some(status) = play.try_wait().expect("try_wait") {
            panic!("tingjian play ended ({status}) before starting a session\n{}", output_of(dir));
        }
        assert!(Instant::now() < deadline, "no listening session after 30 s\n{}", output_of(dir));
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_with_limit(play: &mut Child, limit: Duration, dir: &Path) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = play.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = play.kill();
            let _ = play.wait();
            panic!("tingjian play did not stop within {limit:?}\n{}", output_of(dir));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Records what the null sink plays (its monitor) into `path`, raw stereo float at
/// [`MONITOR_RATE`]: what was really played, measured outside `tingjian`.
fn record_sink(pulse: &PulseServer, path: &Path) -> Child {
    let child = Command::new("parec")
        .args(["-d", "tjnull.monitor", "--raw", "--format=float32le", "--channels=2", "--latency-msec=20"])
        .arg(format!("--rate={MONITOR_RATE}"))
        .envs(pulse.env())
        .stdin(Stdio::null())
        .stdout(File::create(path).expect("monitor file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start parec (package pulseaudio-utils)");
    // parec connects before anything plays.
    std::thread::sleep(Duration::from_millis(300));
    child
}

/// Stops `parec` (SIGINT, so it writes out what it has) and returns the seconds of sound it
/// recorded (either channel above a small threshold).
fn stop_recording(mut parec: Child, path: &Path) -> f64 {
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill").args(["-INT", &parec.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while parec.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = parec.kill();
            let _ = parec.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    tingjian_sound_setups::seconds_of_sound(path, MONITOR_RATE)
}

/// The spans the vault holds for `session` after the `listening_heard` events, read-only.
fn flushed_ms(vault: &Path, session: &str) -> u64 {
    let db =
        rusqlite::Connection::open_with_flags(vault.join("vault.sqlite"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the vault read-only");
    db.query_row(
        "SELECT COALESCE(SUM(end_ms - start_ms), 0) FROM listening_spans WHERE session_id = ?1",
        [session],
        |row| row.get(0),
    )
    .expect("sum of spans")
}

fn seconds_since(start: jiff::Timestamp, end: jiff::Timestamp) -> f64 {
    end.duration_since(start).as_secs_f64()
}

#[test]
fn a_play_killed_mid_call_leaves_an_interrupted_session_that_lost_at_most_the_flush_interval() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_call(temp.path(), 20);
    let sound = PulseOutput::start();
    let monitor = temp.path().join("monitor.raw");
    let parec = record_sink(&sound.server, &monitor);

    let mut play = start_play(temp.path(), &vault, &sound);
    let (session, started_at) = wait_for_session(&vault, &mut play, temp.path());
    std::thread::sleep(Duration::from_secs(5));
    // A crash: SIGKILL, nothing in the process runs after it.
    play.kill().expect("SIGKILL tingjian play");
    let killed_at = jiff::Timestamp::now();
    let status = play.wait().expect("wait");
    assert_eq!(status.signal(), Some(9), "the command was killed, not ended: {status}\n{}", output_of(temp.path()));
    let played = stop_recording(parec, &monitor);

    let vault = Vault::open(&vault, REVIEWER).expect("the vault opens after the crash");
    let report = vault.listening_session(&session).expect("the session is there");
    assert_eq!(report.ended_at, None, "an interrupted session has no end: {report:?}");
    assert_eq!(report.end_reason, None, "{report:?}");
    assert!(vault.verify().expect("verify").ok, "the log is intact after the crash");
    let flushes: u64 = sql(&vault)
        .query_row(
            "SELECT COUNT(*) FROM events WHERE kind = 'listening_heard' AND json_extract(payload, '$.session_id') = ?1",
            [&session],
            |row| row.get(0),
        )
        .expect("count flushes");

    // Every flush kept, one stretch from the start: [0, heard).
    let spans: Vec<(u64, u64)> = report.spans.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    assert_eq!(spans.len(), 1, "one contiguous stretch: {spans:?}");
    assert_eq!(spans[0].0, 0, "{spans:?}");
    let heard = spans[0].1 as f64 / 1000.0;
    // The wall clock from the session's start (just before the first sound) to the kill.
    let wall = seconds_since(started_at, killed_at);
    let lost = played - heard;
    println!(
        "killed {wall:.3} s after the session started; the sink played {played:.3} s of the call; \
         {heard:.3} s of listening survived in {flushes} flush(es): {lost:.3} s lost \
         (promise: at most the {FLUSH_EVERY_S} s flush interval); {:.3} s short of the wall clock",
        wall - heard
    );
    assert!(played >= 3.0, "the sink played only {played:.3} s in {wall:.3} s: no real-time playback to test");
    assert!(heard <= wall, "{heard:.3} s counted as heard in {wall:.3} s of wall time");
    assert!(
        heard >= played - FLUSH_EVERY_S - TICK_SLACK_S,
        "only {heard:.3} s of the {played:.3} s played survived the crash ({lost:.3} s lost)"
    );
    assert!(flushes >= 1, "{played:.3} s of playing were never flushed");
}

#[test]
fn a_play_whose_sound_server_dies_fails_with_a_code_and_ends_the_session_as_device_lost() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_call(temp.path(), 20);
    let mut sound = PulseOutput::start();

    let mut play = start_play(temp.path(), &vault, &sound);
    let (session, started_at) = wait_for_session(&vault, &mut play, temp.path());
    // Until the first flush is in the vault: the device goes after something was heard and kept.
    let deadline = Instant::now() + Duration::from_secs(30);
    let flushed = loop {
        let flushed = flushed_ms(&vault, &session);
        if flushed > 0 {
            break flushed;
        }
        assert!(play.try_wait().expect("try_wait").is_none(), "tingjian play ended early\n{}", output_of(temp.path()));
        assert!(Instant::now() < deadline, "nothing flushed in 30 s\n{}", output_of(temp.path()));
        std::thread::sleep(Duration::from_millis(20));
    };
    sound.server.kill();
    let lost_at = jiff::Timestamp::now();
    let status = wait_with_limit(&mut play, Duration::from_secs(20), temp.path());
    assert_eq!(status.code(), Some(1), "{status}\n{}", output_of(temp.path()));
    let stdout = std::fs::read(temp.path().join("play.out")).expect("stdout");
    let json: serde_json::Value = serde_json::from_slice(&stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error})\n{}", output_of(temp.path())));
    assert_eq!(json["error"]["code"], "AUDIO_DEVICE_LOST", "{json}");

    let vault = Vault::open(&vault, REVIEWER).expect("open the vault");
    let report = vault.listening_session(&session).expect("the session is there");
    assert!(report.ended_at.is_some(), "the session was ended: {report:?}");
    assert_eq!(report.end_reason.as_deref(), Some("device_lost"), "{report:?}");
    let spans: Vec<(u64, u64)> = report.spans.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let heard = spans[0].1 as f64 / 1000.0;
    let played = seconds_since(started_at, lost_at);
    println!(
        "sound server killed {played:.3} s after the session started, with {flushed} ms flushed; {heard:.3} s kept"
    );
    assert!(spans[0].0 == 0 && spans[0].1 >= flushed, "what was heard before the loss is not kept: {spans:?}");
    assert!(heard <= played, "{heard:.3} s counted as heard in {played:.3} s of wall time");
    assert!(vault.verify().expect("verify").ok);
}
