//! `Listening` against a private PulseAudio daemon with a null sink, which plays in real time, and
//! a real vault: while a call plays, what was heard reaches the vault at least every
//! `FLUSH_EVERY`, and at once on a pause; spans wait, and are not lost, while the vault is busy
//! (another thread holds it) or locked (another program holds its write lock); when the daemon
//! dies under it (a lost device), the session is told at once, keeps what was heard, and ends as
//! `device_lost` the way the app and `tingjian play` end it.
//!
//! These tests are paced by the wall clock: run them one at a time (the real-time test group).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tingjian_review::FLUSH_EVERY;

/// How long the cadence scenario plays: several flush intervals.
const PLAY_FOR: Duration = Duration::from_millis(7_000);

#[test]
#[ignore = "run by the tests below in a child process with a private PulseAudio daemon"]
fn child_realtime() {
    run_as_child(&[
        ("cadence", cadence_child),
        ("lost", lost_child),
        ("busy", busy_child),
        ("pause", pause_child),
        ("locked", locked_child),
    ]);
}

/// Runs the child's `action` on a `seconds`-long call, through a private PulseAudio daemon.
fn run_scenario(action: &str, seconds: u32) -> serde_json::Value {
    let sound = PulseOutput::start();
    run_on_a_call("child_realtime", seconds, sound.env(), action)
}

/// Plays for [`PLAY_FOR`], ticking as `tingjian play` does, and after every tick notes how far
/// the player has got and how much of it the vault holds.
fn cadence_child() {
    let (mut vault, mut listening, session) = open_child_call();
    listening.play();
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut flushes = Vec::new();
    let mut events = 0;
    while started.elapsed() < PLAY_FOR {
        std::thread::sleep(TICK);
        let update = listening.tick(Some(&mut vault));
        let wall_ms = started.elapsed().as_millis() as u64;
        let in_vault: u64 = spans_in_vault(&vault, &session).iter().map(|s| s.end_ms - s.start_ms).sum();
        let now_events = heard_events(&vault);
        if now_events > events {
            events = now_events;
            flushes.push(json!({ "wall_ms": wall_ms, "in_vault_ms": in_vault }));
        }
        samples.push(json!({
            "wall_ms": wall_ms,
            "playing": update.playing,
            "position_ms": update.position_ms,
            "in_vault_ms": in_vault,
        }));
    }
    let events_while_playing = heard_events(&vault);
    let spans_while_playing = spans_in_vault(&vault, &session);
    listening.close(&mut vault, "stopped").expect("close");
    let result = json!({
        "samples": samples,
        "flushes": flushes,
        "events_while_playing": events_while_playing,
        "spans_while_playing": spans_while_playing,
    });
    print_result(&with_session(result, &vault, &session));
}

/// Plays, tells the parent it is playing, and ticks until the session reports the device lost;
/// then ends the session as the app and `tingjian play` do on that report.
fn lost_child() {
    let (mut vault, mut listening, session) = open_child_call();
    listening.play();
    let started = Instant::now();
    let mut signalled = false;
    let mut heard_before_signal = 0;
    let mut problems = Vec::new();
    let lost = loop {
        std::thread::sleep(TICK);
        let update = listening.tick(Some(&mut vault));
        if let Some(problem) = &update.problem {
            problems.push(json!({ "code": problem.code, "message_en": problem.message_en }));
        }
        if update.device_lost {
            break Some(update);
        }
        if !signalled && update.position_ms >= 1000 {
            // A second of the call has been heard: the parent may take the device away.
            heard_before_signal = update.position_ms;
            signal_parent("playing");
            signalled = true;
        }
        if started.elapsed() > Duration::from_secs(30) {
            break None;
        }
    };
    let wall_ms_at_loss = started.elapsed().as_millis() as u64;
    let at_loss = spans_in_vault(&vault, &session);
    // Later ticks (the app's pump may run once more) change nothing and report nothing new.
    std::thread::sleep(Duration::from_millis(300));
    let after = listening.tick(Some(&mut vault));
    let close_error = listening.close(&mut vault, "device_lost").err().map(|e| e.to_string());
    let result = json!({
        "lost": lost.as_ref().map(|u| json!({ "playing": u.playing, "position_ms": u.position_ms, "problem": u.problem.as_ref().map(|p| p.code) })),
        "problems": problems,
        "heard_before_signal": heard_before_signal,
        "wall_ms_at_loss": wall_ms_at_loss,
        "at_loss": at_loss,
        "after": { "playing": after.playing, "position_ms": after.position_ms, "device_lost": after.device_lost },
        "close_error": close_error,
    });
    print_result(&with_session(result, &vault, &session));
}

/// Plays while the vault is busy (the app's pump ticks with `None` while an import holds the
/// vault) for longer than a flush interval, then ticks once with the vault, then closes.
fn busy_child() {
    let (mut vault, mut listening, session) = open_child_call();
    listening.play();
    let busy: Vec<_> = ticks_for(&mut listening, None, FLUSH_EVERY + Duration::from_millis(500))
        .iter()
        .map(|update| json!({ "playing": update.playing, "position_ms": update.position_ms }))
        .collect();
    let written_while_busy = spans_in_vault(&vault, &session);
    let free = listening.tick(Some(&mut vault));
    let after_free_tick = spans_in_vault(&vault, &session);
    let events_after_free_tick = heard_events(&vault);
    listening.close(&mut vault, "stopped").expect("close");
    let result = json!({
        "busy": busy,
        "written_while_busy": written_while_busy,
        "free_tick": { "playing": free.playing, "position_ms": free.position_ms, "coverage_sent": free.my_coverage.is_some() },
        "after_free_tick": after_free_tick,
        "events_after_free_tick": events_after_free_tick,
    });
    print_result(&with_session(result, &vault, &session));
}

/// Plays a moment, pauses, and ticks on a little as the app and `tingjian play` do; then does it
/// once more from where it stopped. Each play and the ticks after its pause take well under a
/// flush interval, so what the vault holds after a pause was written because of the pause.
fn pause_child() {
    let (mut vault, mut listening, session) = open_child_call();
    let opened = Instant::now();
    let mut pauses = Vec::new();
    for _ in 0..2 {
        listening.play();
        let playing = ticks_for(&mut listening, Some(&mut vault), Duration::from_millis(300));
        let was_playing = playing.iter().any(|update| update.playing);
        let events_before_pause = heard_events(&vault);
        listening.pause();
        // The first tick that sees the player stopped comes as soon as it can (a caller may tick
        // at any moment: the app's pump, a command from the screen), then ticks go on as usual.
        let stopped_tick = loop {
            let update = listening.tick(Some(&mut vault));
            if !update.playing {
                break update.position_ms;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let paused = ticks_for(&mut listening, Some(&mut vault), Duration::from_millis(150));
        let last = paused.last().expect("ticked");
        pauses.push(json!({
            "stopped_tick_position_ms": stopped_tick,
            "was_playing": was_playing,
            "events_before_pause": events_before_pause,
            "playing_after_pause": last.playing,
            "position_ms": last.position_ms,
            "in_vault": spans_in_vault(&vault, &session),
        }));
    }
    let scenario_ms = opened.elapsed().as_millis() as u64;
    listening.close(&mut vault, "stopped").expect("close");
    print_result(&with_session(json!({ "pauses": pauses, "scenario_ms": scenario_ms }), &vault, &session));
}

/// Plays while another program holds the vault's write lock longer than the vault waits for it
/// (its busy timeout), so a flush fails; then the lock is released and the session goes on.
fn locked_child() {
    let (mut vault, mut listening, session) = open_child_call();
    listening.play();
    std::thread::sleep(Duration::from_millis(300));
    let other = child_vault();
    let lock = sql(&other);
    lock.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    let started = Instant::now();
    let mut problems = Vec::new();
    // Tick until a flush has been tried and failed against the lock.
    while problems.is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(TICK);
        if let Some(problem) = listening.tick(Some(&mut vault)).problem {
            problems.push(json!({ "code": problem.code, "message_en": problem.message_en }));
        }
    }
    let written_while_locked = spans_in_vault(&vault, &session);
    lock.execute_batch("COMMIT").expect("release the write lock");
    // Pausing writes at once: what the failed flush held and everything since.
    listening.pause();
    let paused = ticks_for(&mut listening, Some(&mut vault), Duration::from_millis(150));
    let last = paused.last().expect("ticked");
    let after_unlock = spans_in_vault(&vault, &session);
    listening.close(&mut vault, "stopped").expect("close");
    let result = json!({
        "problems": problems,
        "written_while_locked": written_while_locked,
        "position_ms": last.position_ms,
        "after_unlock": after_unlock,
    });
    print_result(&with_session(result, &vault, &session));
}

#[test]
fn while_playing_what_was_heard_reaches_the_vault_at_least_every_flush_interval() {
    let result = run_scenario("cadence", 20);

    let samples = result["samples"].as_array().expect("samples");
    let playing: Vec<&serde_json::Value> = samples.iter().filter(|s| s["playing"] == true).collect();
    assert!(!playing.is_empty(), "never played: {result}");
    // The claim is a bound: at any tick, the vault is behind what the device played by at most
    // the flush interval, plus one tick and the scheduling of this busy machine.
    let allowed = FLUSH_EVERY.as_millis() as u64 + 400;
    let (mut worst, mut worst_at) = (0, 0);
    for sample in &playing {
        let position = sample["position_ms"].as_u64().expect("position");
        let in_vault = sample["in_vault_ms"].as_u64().expect("in vault");
        let behind = position.saturating_sub(in_vault);
        if behind > worst {
            (worst, worst_at) = (behind, sample["wall_ms"].as_u64().expect("wall"));
        }
    }
    let flushes = result["flushes"].as_array().expect("flushes");
    let times: Vec<u64> = flushes.iter().map(|f| f["wall_ms"].as_u64().expect("wall")).collect();
    println!(
        "flushes at {times:?} ms of wall time; the vault was at most {worst} ms behind the player (at {worst_at} ms)"
    );
    assert!(worst <= allowed, "the vault fell {worst} ms behind what was played (at {worst_at} ms): {result}");
    // Seven seconds of playing: flushed at least three times while playing, not only at the end.
    let events = result["events_while_playing"].as_u64().expect("events");
    assert!(events >= 3, "only {events} flushes in {} ms of playing: {result}", PLAY_FOR.as_millis());
    // What was flushed piecewise is one stretch from the start, and closing completes it.
    let while_playing = pairs(&result["spans_while_playing"]);
    assert_eq!(while_playing.len(), 1, "{result}");
    assert_eq!(while_playing[0].0, 0, "{result}");
    let last = pairs(&result["final"]);
    assert_eq!(last.len(), 1, "{result}");
    assert!(last[0].0 == 0 && last[0].1 >= while_playing[0].1, "{result}");
    let last_position = playing.last().and_then(|s| s["position_ms"].as_u64()).expect("position");
    assert!(last[0].1 >= last_position, "closing wrote {} ms, the player had played {last_position}", last[0].1);
}

#[test]
fn a_session_whose_device_is_lost_keeps_what_was_heard_and_ends_as_device_lost() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = vault_with_a_call(temp.path(), 20);
    let mut sound = PulseOutput::start();
    let mut child = SignalledChild::start("child_realtime", &call_env(sound.env(), &vault, "lost"));
    child.wait_for("playing", Duration::from_secs(30));
    // The sound server dies under the player: the device is gone.
    sound.server.kill();
    let result = child.result();

    let lost = &result["lost"];
    assert!(lost.is_object(), "the session never reported the device lost: {result}");
    assert_eq!(lost["playing"], false, "{result}");
    assert_eq!(lost["problem"], "AUDIO_DEVICE_LOST", "the reviewer is told why: {result}");
    // At the tick that reported the loss, what was heard before it was already in the vault.
    let at_loss = pairs(&result["at_loss"]);
    assert_eq!(at_loss.len(), 1, "{result}");
    let heard = at_loss[0].1;
    let before = result["heard_before_signal"].as_u64().expect("heard before the signal");
    let wall = result["wall_ms_at_loss"].as_u64().expect("wall");
    println!("device lost after {wall} ms of playing; {before} ms heard when the server was killed, {heard} ms kept");
    assert!(at_loss[0].0 == 0 && heard >= before, "the {before} ms heard before the loss are not kept: {result}");
    assert!(heard <= wall, "{heard} ms counted as heard in {wall} ms: {result}");
    assert_eq!(result["after"]["device_lost"], true, "{result}");
    assert_eq!(result["after"]["playing"], false, "{result}");
    // Ending the session after the loss works and adds nothing that was not heard.
    assert_eq!(result["close_error"], serde_json::Value::Null, "{result}");
    assert!(result["ended_at"].is_string(), "{result}");
    assert_eq!(result["end_reason"], "device_lost", "{result}");
    assert_eq!(pairs(&result["final"]), at_loss, "{result}");
    assert_eq!(result["verified"], true, "{result}");
}

#[test]
fn spans_heard_while_the_vault_is_busy_wait_and_are_all_written_when_it_is_free() {
    let result = run_scenario("busy", 20);

    let busy = result["busy"].as_array().expect("busy ticks");
    assert!(busy.len() >= 5, "{result}");
    let last_busy = &busy[busy.len() - 1];
    assert_eq!(last_busy["playing"], true, "the call was still playing when the vault came back: {result}");
    let heard_while_busy = last_busy["position_ms"].as_u64().expect("position");
    assert!(heard_while_busy > 0, "{result}");
    assert_eq!(pairs(&result["written_while_busy"]), [], "nothing can be written without the vault: {result}");

    // The first tick with the vault writes everything held, as one stretch from the start.
    let written = pairs(&result["after_free_tick"]);
    assert_eq!(written.len(), 1, "one contiguous stretch: {result}");
    assert_eq!(written[0].0, 0, "{result}");
    let free_position = result["free_tick"]["position_ms"].as_u64().expect("position");
    assert!(
        written[0].1 >= heard_while_busy.max(free_position),
        "written up to {} ms, but {} ms had been heard: {result}",
        written[0].1,
        heard_while_busy.max(free_position)
    );
    assert_eq!(result["events_after_free_tick"], 1, "held spans go in one flush: {result}");
    assert_eq!(result["free_tick"]["coverage_sent"], true, "the screen is told the new coverage: {result}");

    // Closed: still one stretch from the start, up to where the player stopped.
    let last = pairs(&result["final"]);
    println!("busy for {} ticks with {heard_while_busy} ms heard meanwhile; closed with {last:?}", busy.len());
    assert_eq!(last.len(), 1, "{result}");
    assert!(last[0].0 == 0 && last[0].1 >= written[0].1, "{result}");
    assert_eq!(result["end_reason"], "stopped", "{result}");
    assert_eq!(result["verified"], true, "{result}");
}

#[test]
fn pausing_writes_what_was_heard_at_once() {
    let result = run_scenario("pause", 20);
    println!(
        "two plays and pauses in {} ms (a flush interval is {} ms)",
        result["scenario_ms"],
        FLUSH_EVERY.as_millis()
    );

    let pauses = result["pauses"].as_array().expect("pauses");
    let mut heard_until = 0;
    for (n, pause) in pauses.iter().enumerate() {
        assert_eq!(pause["was_playing"], true, "pause {n}: {result}");
        assert_eq!(pause["playing_after_pause"], false, "pause {n}: the player never stopped: {result}");
        // A few ticks after the pause, the vault holds everything the player had played.
        let written = pairs(&pause["in_vault"]);
        let position = pause["position_ms"].as_u64().expect("position");
        println!(
            "pause {n}: stopped at {position} ms (the tick that saw the pause had {} ms); the vault holds {written:?}",
            pause["stopped_tick_position_ms"]
        );
        assert_eq!(written.len(), 1, "pause {n}: one stretch from the start: {result}");
        assert_eq!(written[0].0, 0, "pause {n}: {result}");
        assert!(position > heard_until, "pause {n}: nothing new was played: {result}");
        // (The position is rounded down to the millisecond, span ends to the nearest one.)
        assert!(written[0].1.abs_diff(position) <= 1, "pause {n}: the vault is behind what was played: {result}");
        heard_until = position;
    }
    let last = pairs(&result["final"]);
    assert!(last.len() == 1 && last[0].1.abs_diff(heard_until) <= 1, "closing adds nothing after the pause: {result}");
}

#[test]
fn a_flush_that_fails_on_a_locked_vault_loses_nothing() {
    let result = run_scenario("locked", 40);

    // The reviewer is told the write failed …
    let problems = result["problems"].as_array().expect("problems");
    assert!(!problems.is_empty(), "no flush failed while the vault was locked: {result}");
    assert_eq!(pairs(&result["written_while_locked"]), [], "{result}");
    // … and once the lock is gone, what the failed flush held is written with the rest: one
    // stretch from the start to where the player stopped, nothing missing in between.
    // (The position is rounded down to the millisecond, span ends to the nearest one.)
    let position = result["position_ms"].as_u64().expect("position");
    let after_unlock = pairs(&result["after_unlock"]);
    assert!(
        after_unlock.len() == 1 && after_unlock[0].0 == 0 && after_unlock[0].1.abs_diff(position) <= 1,
        "the vault should hold [0, {position}] ms: {result}"
    );
    assert_eq!(pairs(&result["final"]), after_unlock, "{result}");
    println!("{} failed flush(es): {}; then {position} ms heard and kept", problems.len(), problems[0]);
    assert_eq!(result["verified"], true, "{result}");
}
