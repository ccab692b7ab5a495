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

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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
