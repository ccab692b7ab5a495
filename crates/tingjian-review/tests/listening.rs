//! `Listening` against real cpal output into ALSA's file plugin, with a real vault. The file sink
//! is not paced (it takes audio as fast as the engine makes it), so only what does not depend on
//! the wall clock is tested here: a call played to its end is in the vault at the tick that
//! reports the end, and without a sound device no session is recorded. Each scenario runs in a
//! child process with its own ALSA configuration (ALSA reads it once per process); flushing while
//! playing, pausing, a busy or locked vault and a lost device are in `realtime.rs`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tingjian_core::{Coded, ErrorCode};
use tingjian_review::Listening;

#[test]
#[ignore = "run by the tests below in a child process with a private ALSA configuration"]
fn child_capture() {
    run_as_child(&[("end", end_child), ("no_card", no_card_child)]);
}

/// Plays the call to its end, ticking as `tingjian play` does, and reads the vault at the tick
/// that reports the end, before the session is closed.
fn end_child() {
    let (mut vault, mut listening, session) = open_child_call();
    let duration_ms = listening.target().duration_ms;
    listening.play();
    let deadline = Instant::now() + Duration::from_secs(60);
    let ended = loop {
        std::thread::sleep(TICK);
        let update = listening.tick(Some(&mut vault));
        if update.ended || Instant::now() > deadline {
            break update;
        }
    };
    let at_end = spans_in_vault(&vault, &session);
    listening.close(&mut vault, "finished").expect("close");
    let result = json!({
        "duration_ms": duration_ms,
        "ended": ended.ended,
        "playing_at_end": ended.playing,
        "at_end": at_end,
    });
    print_result(&with_session(result, &vault, &session));
}

/// Tries to open the call on a machine whose default sound device does not exist.
fn no_card_child() {
    let mut vault = child_vault();
    let error = Listening::open(&mut vault, COMPLAINT, None).expect_err("there is no sound device");
    let sessions: u64 =
        sql(&vault).query_row("SELECT COUNT(*) FROM listening_sessions", [], |row| row.get(0)).expect("count");
    print_result(&json!({ "code": error.code(), "message_zh": error.message_zh(), "sessions": sessions }));
}

#[test]
fn reaching_the_end_writes_the_whole_call_before_the_session_is_closed() {
    let alsa = AlsaConfig::capture();
    let result = run_on_a_call("child_capture", 8, alsa.env(), "end");

    assert_eq!(result["ended"], true, "the call never ended: {result}");
    assert_eq!(result["playing_at_end"], false, "{result}");
    let duration = result["duration_ms"].as_u64().expect("duration");
    assert_eq!(duration, 8_000);
    assert_eq!(pairs(&result["at_end"]), [(0, duration)], "the tick that saw the end wrote all of it: {result}");
    assert_eq!(pairs(&result["final"]), [(0, duration)], "{result}");
    assert_eq!(result["end_reason"], "finished");
    assert_eq!(result["coverage_percent"], 100.0, "{result}");
    let sound_s = alsa.seconds_captured();
    assert!((sound_s - 8.0).abs() < 0.2, "the device played {sound_s:.3} s of an 8 s call");
}

#[test]
fn without_a_sound_device_no_session_is_recorded() {
    let alsa = AlsaConfig::no_card();
    let result = run_on_a_call("child_capture", 8, alsa.env(), "no_card");
    assert_eq!(result["code"], serde_json::to_value(ErrorCode::AudioDeviceUnavailable).expect("code"), "{result}");
    assert!(result["message_zh"].as_str().is_some_and(|m| m.contains("声音输出设备")), "{result}");
    assert_eq!(result["sessions"], 0, "a session that could not have been heard: {result}");
}
