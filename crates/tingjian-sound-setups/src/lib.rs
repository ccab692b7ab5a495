//! Sound output for tests on a machine without a sound card, started by the tests themselves:
//!
//! - [`AlsaConfig::capture`]: ALSA's default PCM is the `file` plugin over `null` (raw float stereo at
//!   [`CAPTURE_RATE`]), so a test reads back exactly what cpal played. It is not paced: audio is
//!   consumed faster than real time.
//! - [`PulseServer`]: a private PulseAudio daemon with a null sink, which plays in real time; with
//!   [`AlsaConfig::pulse`] ALSA clients (cpal) reach it through the pulse plugin ([`PulseOutput`]
//!   is the two together).
//! - [`AlsaConfig::no_card`]: a default device that cannot be opened, the "no sound card" case.
//!
//! ALSA reads its configuration once per process, so the environment these return is for a child
//! process: the app, `tingjian play`, or a test re-running itself ([`run_child`] in the test,
//! [`run_as_child`] in the child, and [`SignalledChild`] for a child the test acts on while it
//! runs). [`write_two_party_call`] makes a call for them to play.

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
        AlsaConfig::without_capture("nocard.conf", "hw\n  card 29")
    }

    /// Default PCM: the PulseAudio server named by the environment (`PULSE_SERVER`).
    pub fn pulse() -> AlsaConfig {
        AlsaConfig::without_capture("pulse.conf", "pulse")
    }

    /// A configuration file `name` whose default PCM and control are both `{ type <definition> }`.
    fn without_capture(name: &str, definition: &str) -> AlsaConfig {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        let text = format!("pcm.!default {{\n  type {definition}\n}}\nctl.!default {{\n  type {definition}\n}}\n");
        std::fs::write(&path, text).expect("write asound conf");
        let capture = dir.path().join("none");
        AlsaConfig { dir, path, capture }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![("ALSA_CONFIG_PATH".to_owned(), format!("/usr/share/alsa/alsa.conf:{}", self.path.display()))]
    }

    /// Seconds of sound in the capture file (see [`seconds_of_sound`]).
    pub fn seconds_captured(&self) -> f64 {
        seconds_of_sound(&self.capture, CAPTURE_RATE)
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

/// Real-time sound for a child: a private [`PulseServer`], and an ALSA configuration whose
/// default device is that server ([`AlsaConfig::pulse`]).
#[derive(Debug)]
pub struct PulseOutput {
    pub server: PulseServer,
    pub alsa: AlsaConfig,
}

impl PulseOutput {
    pub fn start() -> PulseOutput {
        PulseOutput { server: PulseServer::start(), alsa: AlsaConfig::pulse() }
    }

    /// Both set-ups' environment.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = self.server.env();
        env.extend(self.alsa.env());
        env
    }
}

/// Writes a `seconds`-long two-party call to `path`, 8 kHz 16-bit stereo: a 300 Hz tone for the
/// agent (left) and a 450 Hz one for the customer (right), both sounding the whole time, so every
/// moment played is audible in a capture.
pub fn write_two_party_call(path: &Path, seconds: u32) {
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).expect("create wav");
    for n in 0..seconds * 8000 {
        let t = n as f32 / 8000.0;
        writer.write_sample(((t * 300.0 * std::f32::consts::TAU).sin() * 8000.0) as i16).expect("sample");
        writer.write_sample(((t * 450.0 * std::f32::consts::TAU).sin() * 6000.0) as i16).expect("sample");
    }
    writer.finalize().expect("finalize");
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

/// Which of its scenarios the child is to run (see [`run_as_child`]).
pub const ACTION_ENV: &str = "TJ_ACTION";

/// The folder a [`SignalledChild`] and its parent signal each other through.
pub const SIGNALS_ENV: &str = "TJ_SIGNALS";

/// A child's environment: the sound set-up's (`setup`), `var` naming the file the child works on
/// (a recording, a vault), and the scenario it is to run ([`ACTION_ENV`]).
pub fn scenario_env(mut setup: Vec<(String, String)>, var: &str, file: &Path, action: &str) -> Vec<(String, String)> {
    setup.push((var.to_owned(), file.display().to_string()));
    setup.push((ACTION_ENV.to_owned(), action.to_owned()));
    setup
}

/// The body of a child test: in the child, runs the scenario of `scenarios` that the parent chose
/// ([`ACTION_ENV`]); in any other run, nothing.
pub fn run_as_child(scenarios: &[(&str, fn())]) {
    if !in_child() {
        return;
    }
    let action = std::env::var(ACTION_ENV).expect(ACTION_ENV);
    let (_, scenario) =
        scenarios.iter().find(|(name, _)| *name == action).unwrap_or_else(|| panic!("unknown action {action}"));
    scenario();
}

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

/// Polls every 10 ms until `path` exists or `limit` has passed; whether it exists.
pub fn wait_for_file(path: &Path, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// A child the test acts on while it runs: it takes the sound server away once the child plays,
/// say, and tells the child when it has. Each side signals the other by creating an empty file,
/// named for what happened, in a folder of their own ([`SIGNALS_ENV`]); the child uses
/// [`signal_parent`] and [`parent_signalled`].
#[derive(Debug)]
pub struct SignalledChild {
    scenario: String,
    signals: tempfile::TempDir,
    child: Child,
    /// The signals waited for in vain, and how long for.
    missed: Vec<(String, Duration)>,
}

impl SignalledChild {
    /// Starts the child test `scenario` with `env` (see [`child_command`]), its output piped.
    pub fn start(scenario: &str, env: &[(String, String)]) -> SignalledChild {
        let signals = tempfile::tempdir().expect("signals dir");
        let child = child_command(scenario, env)
            .env(SIGNALS_ENV, signals.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn child");
        SignalledChild { scenario: scenario.to_owned(), signals, child, missed: Vec::new() }
    }

    /// Waits up to `limit` for the child to signal `name`. A signal that does not come fails the
    /// test in [`SignalledChild::result`], once the test has done its part and the child ended.
    pub fn wait_for(&mut self, name: &str, limit: Duration) {
        if !wait_for_file(&self.signals.path().join(name), limit) {
            self.missed.push((name.to_owned(), limit));
        }
    }

    /// Tells the child `name` happened.
    pub fn signal(&self, name: &str) {
        std::fs::write(self.signals.path().join(name), "").expect("signal the child");
    }

    /// Waits for the child to end and returns the JSON it printed; a signal waited for in vain,
    /// or no result, fails the test with both of the child's streams.
    pub fn result(self) -> serde_json::Value {
        let output = self.child.wait_with_output().expect("child output");
        if let Some((name, limit)) = self.missed.first() {
            panic!(
                "child {} never signalled {name:?} (waited {limit:?})\nstdout:\n{}\nstderr:\n{}",
                self.scenario,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        result_of(&self.scenario, &output)
    }
}

/// The folder of a [`SignalledChild`], in the child.
fn signals_dir() -> PathBuf {
    PathBuf::from(std::env::var_os(SIGNALS_ENV).expect(SIGNALS_ENV))
}

/// In a [`SignalledChild`]: tells the parent `name` happened.
pub fn signal_parent(name: &str) {
    std::fs::write(signals_dir().join(name), "").expect("signal the parent");
}

/// In a [`SignalledChild`]: waits up to `limit` for the parent to signal `name`; whether it did.
pub fn parent_signalled(name: &str, limit: Duration) -> bool {
    wait_for_file(&signals_dir().join(name), limit)
}
