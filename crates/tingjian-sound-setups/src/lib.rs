//! Sound output for tests on a machine without a sound card, started by the tests themselves:
//!
//! - [`AlsaConfig::capture`]: ALSA's default PCM is the `file` plugin over `null` (raw float stereo at
//!   [`CAPTURE_RATE`]), so a test reads back exactly what cpal played. It is not paced: audio is
//!   consumed faster than real time.
//! - [`PulseServer`]: a private PulseAudio daemon with a null sink, which plays in real time; with
//!   [`AlsaConfig::pulse`] ALSA clients (cpal) reach it through the pulse plugin.
//! - [`AlsaConfig::no_card`]: a default device that cannot be opened, the "no sound card" case.
//!
//! ALSA reads its configuration once per process, so the environment these return is for a child
//! process (the app, `tingjian play`, or a test re-running itself).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The capture sink's fixed format: what `plug` converts cpal's output to.
pub const CAPTURE_RATE: u32 = 48_000;

/// A private ALSA configuration; the child gets `ALSA_CONFIG_PATH` pointing at it.
#[derive(Debug)]
pub struct AlsaConfig {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub capture: PathBuf,
}

impl AlsaConfig {
    /// Default PCM: `plug` → `file` (raw, float stereo 48 kHz) → `null`.
    pub fn capture() -> AlsaConfig {
        let dir = tempfile::tempdir().expect("tempdir");
        let capture = dir.path().join("capture.raw");
        let text = format!(
            "pcm.!default {{\n  type plug\n  slave {{\n    pcm \"tjcapture\"\n    format FLOAT_LE\n    rate {CAPTURE_RATE}\n    channels 2\n  }}\n}}\n\
             pcm.tjcapture {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  format \"raw\"\n}}\n",
            capture.display()
        );
        let path = dir.path().join("capture.conf");
        std::fs::write(&path, text).expect("write asound conf");
        AlsaConfig { dir, path, capture }
    }

    /// Default PCM: a sound card that does not exist.
    pub fn no_card() -> AlsaConfig {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nocard.conf");
        std::fs::write(&path, "pcm.!default {\n  type hw\n  card 29\n}\nctl.!default {\n  type hw\n  card 29\n}\n")
            .expect("write asound conf");
        let capture = dir.path().join("none");
        AlsaConfig { dir, path, capture }
    }

    /// Default PCM: the PulseAudio server of `pulse`.
    pub fn pulse() -> AlsaConfig {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pulse.conf");
        std::fs::write(&path, "pcm.!default {\n  type pulse\n}\nctl.!default {\n  type pulse\n}\n")
            .expect("write asound conf");
        let capture = dir.path().join("none");
        AlsaConfig { dir, path, capture }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![("ALSA_CONFIG_PATH".to_owned(), format!("/usr/share/alsa/alsa.conf:{}", self.path.display()))]
    }
}

/// A private PulseAudio daemon with a null sink, killed when dropped.
#[derive(Debug)]
pub struct PulseServer {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    child: Option<Child>,
}

impl PulseServer {
    pub fn start() -> PulseServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("native");
        let mut server = PulseServer { dir, socket, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let root = self.dir.path();
        let script = root.join("default.pa");
        std::fs::write(
            &script,
            format!(
                "load-module module-null-sink sink_name=tjnull rate=48000 channels=2\n\
                 set-default-sink tjnull\n\
                 load-module module-native-protocol-unix socket={} auth-anonymous=1\n",
                self.socket.display()
            ),
        )
        .expect("write pulse script");
        let _ = std::fs::remove_file(&self.socket);
        for sub in ["home", "runtime", "state"] {
            std::fs::create_dir_all(root.join(sub)).expect("pulse dirs");
        }
        let child = Command::new("pulseaudio")
            .args([
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--use-pid-file=no",
                "--system=false",
            ])
            .arg("-F")
            .arg(&script)
            .envs(self.env())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pulseaudio");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.socket.exists() {
            assert!(Instant::now() < deadline, "pulseaudio did not create its socket");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the daemon (a lost device for its clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the daemon again at the same socket.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let root = self.dir.path();
        vec![
            ("HOME".to_owned(), root.join("home").display().to_string()),
            ("XDG_RUNTIME_DIR".to_owned(), root.join("runtime").display().to_string()),
            ("PULSE_RUNTIME_PATH".to_owned(), root.join("runtime").display().to_string()),
            ("PULSE_STATE_PATH".to_owned(), root.join("state").display().to_string()),
            ("PULSE_SERVER".to_owned(), format!("unix:{}", self.socket.display())),
        ]
    }
}

impl Drop for PulseServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Seconds of sound in a raw stereo float recording at `rate` (the capture file, or `parec`'s
/// recording of a null sink's monitor): frames where either channel is above a small threshold.
pub fn seconds_of_sound(raw: &Path, rate: u32) -> f64 {
    let bytes = std::fs::read(raw).expect("read the raw recording");
    let loud = bytes
        .chunks_exact(8)
        .filter(|frame| {
            let left = f32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]);
            let right = f32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
            left.abs() > 0.01 || right.abs() > 0.01
        })
        .count();
    loud as f64 / f64::from(rate)
}

/// Sound tests run their scenario in a child process, because ALSA reads its configuration once
/// per process: the test binary runs itself with one ignored test selected, the sound set-up's
/// environment, and this variable set, and reads the JSON the child prints on a `RESULT ` line.
pub const CHILD_ENV: &str = "TINGJIAN_SOUND_TEST_CHILD";

/// The command that runs the ignored test `scenario` of the current test binary as a child.
pub fn child_command(scenario: &str, env: &[(String, String)]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("current exe"));
    command
        .args([scenario, "--exact", "--ignored", "--nocapture", "--test-threads", "1"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env(CHILD_ENV, "1");
    command
}

/// Runs `scenario` in a child process with `env` and returns the JSON it printed.
pub fn run_child(scenario: &str, env: &[(String, String)]) -> serde_json::Value {
    let output = child_command(scenario, env).output().expect("run child");
    result_of(scenario, &output)
}

/// The JSON a finished child printed on its `RESULT ` line; a child that printed none fails the
/// test with both of its streams.
pub fn result_of(scenario: &str, output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stdout.lines().find_map(|l| l.split_once("RESULT ").map(|(_, json)| json)).unwrap_or_else(|| {
        panic!("child {scenario} printed no result (status {:?})\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status)
    });
    serde_json::from_str(line).expect("child result json")
}

/// True in the child process; the scenario tests return at once otherwise.
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// What the child prints for its parent.
pub fn print_result(value: &serde_json::Value) {
    println!("RESULT {value}");
}
