//! `make bench-playback`: play-to-first-sample and seek-to-sound latency, measured from the
//! device callback's timestamps, and the CPU the player uses at 2× speed.
//!
//! It starts its own PulseAudio daemon with a null sink (real time, like a desktop's sound
//! server), points ALSA at it in a child process of itself, and prints the figures. Goals: play
//! ≤ 50 ms, seek ≤ 30 ms.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tingjian_playback::{Player, PlayerEvent};

const RUNS: usize = 8;

fn main() {
    if std::env::var_os("TINGJIAN_BENCH_CHILD").is_some() {
        measure(Path::new(&std::env::var("TINGJIAN_BENCH_WAV").unwrap_or_default()));
        return;
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
    let wav = dir.path().join("call.wav");
    write_call(&wav, 120.0);
    let mut pulse = start_pulse(dir.path());
    let conf = dir.path().join("asound.conf");
    std::fs::write(&conf, "pcm.!default {\n  type pulse\n}\nctl.!default {\n  type pulse\n}\n")
        .unwrap_or_else(|e| fail(&format!("asound.conf: {e}")));
    let status = Command::new(std::env::current_exe().unwrap_or_else(|e| fail(&format!("exe: {e}"))))
        .envs(pulse_env(dir.path()))
        .env("ALSA_CONFIG_PATH", format!("/usr/share/alsa/alsa.conf:{}", conf.display()))
        .env("TINGJIAN_BENCH_CHILD", "1")
        .env("TINGJIAN_BENCH_WAV", &wav)
        .status();
    let _ = pulse.kill();
    let _ = pulse.wait();
    match status {
        Ok(status) if status.success() => {}
        other => fail(&format!("the measuring process failed: {other:?}")),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("bench-playback: {message}");
    std::process::exit(1);
}

/// A two-minute stereo 8 kHz call: a voice-like tone sweep for the agent, noise for the customer.
fn write_call(path: &Path, seconds: f64) {
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).unwrap_or_else(|e| fail(&format!("wav: {e}")));
    let mut seed = 1u64;
    for i in 0..(seconds * 8000.0) as u64 {
        let t = i as f64 / 8000.0;
        let agent = 0.4 * (2.0 * std::f64::consts::PI * (180.0 + 60.0 * (t * 0.7).sin()) * t).sin();
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let customer = 0.2 * (((seed >> 33) as f64 / (1u64 << 31) as f64) - 1.0);
        for value in [agent, customer] {
            writer.write_sample((value * 32767.0) as i16).unwrap_or_else(|e| fail(&format!("wav: {e}")));
        }
    }
    writer.finalize().unwrap_or_else(|e| fail(&format!("wav: {e}")));
}

fn pulse_env(root: &Path) -> Vec<(String, String)> {
    vec![
        ("HOME".to_owned(), root.join("home").display().to_string()),
        ("XDG_RUNTIME_DIR".to_owned(), root.join("runtime").display().to_string()),
        ("PULSE_RUNTIME_PATH".to_owned(), root.join("runtime").display().to_string()),
        ("PULSE_STATE_PATH".to_owned(), root.join("state").display().to_string()),
        ("PULSE_SERVER".to_owned(), format!("unix:{}", root.join("native").display())),
    ]
}

fn start_pulse(root: &Path) -> Child {
    for sub in ["home", "runtime", "state"] {
        std::fs::create_dir_all(root.join(sub)).unwrap_or_else(|e| fail(&format!("pulse dirs: {e}")));
    }
    let socket: PathBuf = root.join("native");
    let script = root.join("default.pa");
    std::fs::write(
        &script,
        format!(
            "load-module module-null-sink sink_name=benchnull rate=48000 channels=2\nset-default-sink benchnull\n\
             load-module module-native-protocol-unix socket={} auth-anonymous=1\n",
            socket.display()
        ),
    )
    .unwrap_or_else(|e| fail(&format!("pulse script: {e}")));
    let child = Command::new("pulseaudio")
        .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=no", "-F"])
        .arg(&script)
        .envs(pulse_env(root))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("cannot start pulseaudio (make deps installs it): {e}")));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        if Instant::now() > deadline {
            fail("pulseaudio did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// Process CPU time (user + system) in seconds, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the stat line: 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn stats(values: &[f64]) -> String {
    if values.is_empty() {
        return "no measurement".to_owned();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    format!(
        "median {median:.1} ms, min {:.1} ms, max {:.1} ms ({} runs)",
        sorted[0],
        sorted[sorted.len() - 1],
        sorted.len()
    )
}

fn measure(wav: &Path) {
    let player = Player::open(None).unwrap_or_else(|e| fail(&e.to_string()));
    let loaded = player.load(wav, Vec::new()).unwrap_or_else(|e| fail(&e.to_string()));
    let events = player.events();
    let diagnostics = player.diagnostics();
    println!(
        "device: {} at {} Hz, {} channels; recording {} Hz, {} ms",
        diagnostics.device_name,
        diagnostics.device_rate,
        diagnostics.device_channels,
        loaded.sample_rate,
        loaded.duration_ms
    );
    player.set_rewind_on_resume(0);

    let mut play_latencies = Vec::new();
    for run in 0..RUNS {
        player.seek((run as u64) * 7_000);
        std::thread::sleep(Duration::from_millis(150));
        player.play();
        std::thread::sleep(Duration::from_millis(250));
        if let Some(ms) = player.diagnostics().play_to_sound_ms {
            play_latencies.push(ms);
        }
        player.pause();
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut seek_latencies = Vec::new();
    player.play();
    std::thread::sleep(Duration::from_millis(300));
    for run in 0..RUNS {
        let before = player.diagnostics().seek_to_sound_ms;
        player.seek(60_000 + (run as u64) * 5_321);
        std::thread::sleep(Duration::from_millis(250));
        let after = player.diagnostics().seek_to_sound_ms;
        if let Some(ms) = after
            && after != before
        {
            seek_latencies.push(ms);
        }
    }

    let mut cpu = Vec::new();
    for speed in [1.0f32, 2.0] {
        player.set_speed(speed);
        player.seek(0);
        std::thread::sleep(Duration::from_millis(300));
        while events.try_recv().is_ok() {}
        let (wall, cpu_before) = (Instant::now(), cpu_seconds());
        std::thread::sleep(Duration::from_secs(5));
        let share = (cpu_seconds() - cpu_before) / wall.elapsed().as_secs_f64();
        let played = events.try_iter().filter(|e| matches!(e, PlayerEvent::Position { .. })).count();
        cpu.push((speed, share, played));
    }
    player.pause();
    let underruns = player.diagnostics().underruns;

    println!("play → first sample at the device: {} (goal ≤ 50 ms)", stats(&play_latencies));
    println!("seek → sound at the device:        {} (goal ≤ 30 ms)", stats(&seek_latencies));
    for (speed, share, positions) in cpu {
        println!(
            "CPU while playing at {speed}×: {:.1}% of one core (process time / wall time over 5 s; {positions} position events)",
            share * 100.0
        );
    }
    println!("callbacks that found the ring empty or device underruns: {underruns}");
}
