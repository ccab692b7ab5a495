#![allow(
    unsafe_code,
    reason = "implementing a global allocator is unsafe; this one only passes each call on to the system allocator"
)]

//! The invariant that the audio callback never allocates, checked on the real output path: a
//! child process with a counting global allocator plays a call through cpal into an ALSA file
//! sink while the test seeks, changes speed, solos a channel, pauses and resumes, and counts every
//! allocation and reallocation made inside the callback's own code.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tingjian_playback::{ChannelMode, OpenOptions, Player, PlayerEvent, in_audio_callback};

/// Counts allocations made while the current thread is inside the audio callback.
struct CountingAllocator;

static IN_CALLBACK: AtomicU64 = AtomicU64::new(0);
static ANYWHERE: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed straight to the system allocator; counting touches only atomics
// and a const-initialised thread-local, neither of which allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Freeing in the callback would be as bad: it takes the allocator's locks too.
        count();
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count() {
    ANYWHERE.fetch_add(1, Ordering::Relaxed);
    if in_audio_callback() {
        IN_CALLBACK.fetch_add(1, Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const SOURCE_RATE: u32 = 8000;

#[test]
#[ignore = "run by the test below in a child process with a private ALSA configuration"]
fn child_controls() {
    if !in_child() {
        return;
    }
    let path = std::env::var("TJ_WAV").expect("TJ_WAV");
    // A small ring against a sink that takes audio as fast as it comes: the callback runs all
    // the while the controls below are used, and underruns (silence) do not matter here.
    let options = OpenOptions { buffer_ms: 200, ..OpenOptions::default() };
    let player = Player::open_with(&options).expect("open the capture device");
    let events = player.events();
    player.load(Path::new(&path), Vec::new()).expect("load");
    let before = IN_CALLBACK.load(Ordering::Relaxed);
    let started = Instant::now();
    player.play();
    // Every control the review screen has, while the callback runs.
    let controls: [&dyn Fn(&Player); 8] = [
        &|p| p.seek(2500),
        &|p| p.set_speed(1.5),
        &|p| p.set_channel_mode(ChannelMode::Customer),
        &|p| p.set_channel_gains(0.5, 2.0),
        &|p| p.set_volume(0.3),
        &|p| p.pause(),
        &|p| p.play(),
        &|p| p.set_channel_mode(ChannelMode::Both),
    ];
    for control in controls {
        control(&player);
        std::thread::sleep(Duration::from_millis(30));
    }
    let mut ended = false;
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(PlayerEvent::Ended) = events.recv_timeout(Duration::from_millis(50)) {
            ended = true;
            break;
        }
    }
    let heard = player.take_played();
    drop(player);
    print_result(&json!({
        "ended": ended,
        "heard_spans": heard.len(),
        "allocations_in_callback": IN_CALLBACK.load(Ordering::Relaxed) - before,
        "allocations_anywhere": ANYWHERE.load(Ordering::Relaxed),
    }));
}

#[test]
fn the_audio_callback_never_allocates_or_frees_while_every_control_is_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("call.wav");
    write_stereo_wav(&wav, SOURCE_RATE, 60.0, tone(440.0, 0.5), noise(0.4));
    let alsa = AlsaConfig::capture();
    let mut env = alsa.env();
    env.push(("TJ_WAV".to_owned(), wav.display().to_string()));
    let result = run_child("child_controls", &env);
    assert_eq!(result["ended"], true, "the call did not play to its end: {result}");
    assert!(result["heard_spans"].as_u64().expect("spans") >= 2, "the controls were not exercised: {result}");
    // The counter works (the process allocates all the time)…
    assert!(result["allocations_anywhere"].as_u64().expect("anywhere") > 100, "{result}");
    // …and none of it happened inside the callback.
    assert_eq!(result["allocations_in_callback"], 0, "{result}");
}
