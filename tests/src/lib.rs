//! A harness for end-to-end tests: the real `tingjian-app` binary, started by `tauri-driver` and
//! WebKitWebDriver under the X server the test runs in, driven with fantoccini.
//!
//! Each [`App`] owns a tauri-driver process group on free ports; dropping it ends the group, so
//! neither the app nor WebKitWebDriver outlives the test.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The workspace's target directory, where `make` put the binaries under test.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// A binary built by `make` (`cargo build` of the app and the CLI) in the debug profile.
pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join("debug").join(name);
    assert!(path.is_file(), "{} is missing: run `make test`, which builds it first", path.display());
    path
}

/// Runs the `tingjian` command on `vault`.
pub fn tingjian(vault: &Path, args: &[&str]) -> Output {
    Command::new(binary("tingjian"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env("TINGJIAN_USER", "e2e")
        .output()
        .expect("run tingjian")
}

/// Runs `sql` on the vault's database with the real `sqlite3` tool (as an auditor would) and returns
/// what it printed, trimmed.
pub fn sqlite(vault: &Path, sql: &str) -> String {
    let output = Command::new("sqlite3").arg(vault.join("vault.sqlite")).arg(sql).output().expect("sqlite3");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The generated demo calls, shared by every test (generated once, then cached on disk).
pub fn demo_data_dir() -> PathBuf {
    target_dir().join("demo-calls")
}

/// A fresh demo vault in `dir`, made by `tingjian demo` exactly as `make run` makes it.
pub fn demo_vault(dir: &Path) -> PathBuf {
    let vault = dir.join("vault");
    let data = demo_data_dir();
    let output = tingjian(&vault, &["demo", "--json", "--data", data.to_str().expect("utf-8 path")]);
    assert!(output.status.success(), "tingjian demo failed: {}", String::from_utf8_lossy(&output.stderr));
    vault
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// The app, running under tauri-driver, with a WebDriver session on its window.
#[derive(Debug)]
pub struct App {
    pub client: Client,
    driver: Child,
    _home: tempfile::TempDir,
}

impl App {
    /// Starts the app on `vault` with a private HOME and XDG directories, so nothing the app writes
    /// (WebKit caches, local storage) leaks between tests or into the user's home.
    pub async fn launch(vault: &Path) -> Result<App, Error> {
        Self::launch_with_env(vault, &[]).await
    }

    /// As [`App::launch`], with extra environment for the app, such as the sound set-up it plays
    /// into (`ALSA_CONFIG_PATH`, `PULSE_SERVER`).
    pub async fn launch_with_env(vault: &Path, env: &[(String, String)]) -> Result<App, Error> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err("no DISPLAY: run end-to-end tests through `make test` (it starts Xvfb)".into());
        }
        let home = tempfile::tempdir()?;
        for sub in ["data", "config", "cache", "runtime"] {
            std::fs::create_dir_all(home.path().join(sub))?;
        }
        let port = free_port();
        let native_port = free_port();
        let mut command = Command::new(tauri_driver());
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_RUNTIME_DIR", home.path().join("runtime"))
            .env("TINGJIAN_VAULT", vault)
            .env("TINGJIAN_USER", "e2e")
            .envs(env.iter().map(|(key, value)| (key.as_str(), value.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn()?;
        Ok(App { client: connect(port, vault).await?, driver, _home: home })
    }

    /// Waits until an element matching `css` exists, and returns it.
    pub async fn wait_for(&mut self, css: &str, timeout: Duration) -> Result<fantoccini::elements::Element, Error> {
        Ok(self.client.wait().at_most(timeout).for_element(Locator::Css(css)).await?)
    }

    /// Waits until `css` matches an element whose attribute `name` is `value`.
    pub async fn wait_for_attribute(
        &mut self,
        css: &str,
        name: &str,
        value: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && element.attr(name).await?.as_deref() == Some(value)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                let body = self.body_text().await.unwrap_or_default();
                return Err(format!("{css} never had {name}={value}; the window shows: {body}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn text_of(&mut self, css: &str) -> Result<String, Error> {
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    pub async fn body_text(&mut self) -> Result<String, Error> {
        self.text_of("body").await
    }

    /// Saves a screenshot of the window after the page has painted its latest state (WebKit can
    /// otherwise hand back the frame from before the last change).
    pub async fn screenshot(&mut self, name: &str) -> Result<PathBuf, Error> {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await?;
        let png = self.client.screenshot().await?;
        let dir = target_dir().join("e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Kills the app process with SIGKILL, as a crash or a power cut would end it: nothing in the
    /// app gets to run, save or close. The driver goes too; launch a new [`App`] to go on.
    pub fn kill_app(mut self) -> Result<(), Error> {
        let group = self.driver.id().to_string();
        let found = Command::new("pgrep").args(["-g", &group, "-x", "tingjian-app"]).output()?;
        let pids = String::from_utf8_lossy(&found.stdout).split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        if pids.is_empty() {
            return Err("no tingjian-app process to kill".into());
        }
        for pid in &pids {
            Command::new("kill").args(["-KILL", pid]).status()?;
        }
        // Wait until the process is really gone, so the next launch does not race it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|pid| Path::new("/proc").join(pid).exists()) {
            if Instant::now() > deadline {
                return Err("the killed app did not exit".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop_driver();
        Ok(())
    }

    /// Ends the session and the driver's whole process group.
    pub async fn close(mut self) -> Result<(), Error> {
        let _ = self.client.clone().close().await;
        self.stop_driver();
        Ok(())
    }

    fn stop_driver(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Ok(None) = self.driver.try_wait() {
            self.stop_driver();
        }
    }
}

/// The app's environment for playing into `alsa` (and through it, `pulse`).
pub fn sound_env(
    pulse: Option<&tingjian_sound_setups::PulseServer>,
    alsa: &tingjian_sound_setups::AlsaConfig,
) -> Vec<(String, String)> {
    let mut env = alsa.env();
    if let Some(pulse) = pulse {
        env.extend(pulse.env().into_iter().filter(|(key, _)| key == "PULSE_SERVER"));
    }
    env
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let installed = cargo_home.join("bin/tauri-driver");
    if installed.is_file() { installed } else { PathBuf::from("tauri-driver") }
}

async fn connect(port: u16, vault: &Path) -> Result<Client, Error> {
    let capabilities = json!({
        "tauri:options": {
            "application": binary("tingjian-app"),
            "args": ["--vault", vault],
        }
    });
    let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object literal") };
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::rustls()?.capabilities(capabilities.clone()).connect(&url).await {
            Ok(client) => return Ok(client),
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => return Err(format!("cannot start a WebDriver session on {url}: {error}").into()),
        }
    }
}
