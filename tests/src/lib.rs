//! A harness for end-to-end tests: the real `tingjian-app` binary, started by `tauri-driver` and
//! WebKitWebDriver under the X server the test runs in, driven with fantoccini.
//!
//! Each [`App`] owns a tauri-driver process group on free ports; dropping it ends the group, so
//! neither the app nor WebKitWebDriver outlives the test.
//!
//! Waiting is always for a condition, never for a fixed time: every `wait_*` method polls until
//! what it waits for is true or [`WAIT`] (or the given timeout) has passed. When a wait fails, its
//! error says what never happened and carries the context to find out why: the window's visible
//! text and the last lines the app (and tauri-driver and WebKitWebDriver) wrote to stderr, which
//! are kept in a file in the test's private HOME. A test that ends without closing the app (an
//! error, or an assertion that panicked) prints the same context when the [`App`] is dropped.

use std::fmt;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a test waits for something the app should do. Generous: a cold run shares two cores
/// with builds, and a wait returns as soon as its condition holds, so only a failure waits this
/// long.
pub const WAIT: Duration = Duration::from_secs(60);

/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);

/// Lines of the app's stderr shown with a failure.
const STDERR_LINES: usize = 60;

/// Characters of the window's text shown with a failure (a long page is cut in the middle).
const VISIBLE_TEXT_CHARS: usize = 6000;

/// A failure with its context. Its `Debug` is its text as written, so the multi-line report
/// reads well where the test harness prints a returned error (`Error: {:?}`).
pub struct Failure(String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

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

/// Runs the `tingjian` command on `vault` with more environment (a passphrase file, cheap
/// sealing costs for a test vault).
pub fn tingjian_with(vault: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(binary("tingjian"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run tingjian")
}

/// Runs `sql` on the vault's database with the real `sqlite3` tool (as an auditor would) and returns
/// what it printed, trimmed. It waits up to 10 s for a lock the running app holds, as the app's
/// own connection does.
pub fn sqlite(vault: &Path, sql: &str) -> String {
    let output = Command::new("sqlite3")
        .args(["-cmd", ".timeout 10000"])
        .arg(vault.join("vault.sqlite"))
        .arg(sql)
        .output()
        .expect("sqlite3");
    assert!(output.status.success(), "sqlite3 failed on {sql}: {}", String::from_utf8_lossy(&output.stderr).trim());
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

/// As [`demo_vault`], with accounts (`tingjian demo --accounts`): every demo person signs in with
/// the demo passphrase.
pub fn demo_vault_with_accounts(dir: &Path) -> PathBuf {
    let vault = dir.join("vault");
    let data = demo_data_dir();
    let output = tingjian(&vault, &["demo", "--accounts", "--json", "--data", data.to_str().expect("utf-8 path")]);
    assert!(output.status.success(), "tingjian demo --accounts failed: {}", String::from_utf8_lossy(&output.stderr));
    vault
}

/// The seconds of a clock the app shows ("1:05" or "1:02:03", as `formatDuration` writes them), or
/// `None` when `text` does not start with one.
pub fn clock_seconds(text: &str) -> Option<u64> {
    let clock = text.split_whitespace().next()?;
    clock.split(':').try_fold(0u64, |total, part| Some(total * 60 + part.parse::<u64>().ok()?))
}

/// A duration in milliseconds as the app shows it (`formatDuration`: rounded to the second).
pub fn format_clock(ms: u64) -> String {
    let total = (ms + 500) / 1000;
    let (hours, minutes, seconds) = (total / 3600, total % 3600 / 60, total % 60);
    if hours > 0 { format!("{hours}:{minutes:02}:{seconds:02}") } else { format!("{minutes}:{seconds:02}") }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Launches so far in this test process, so that the logs kept of a failure do not overwrite each
/// other when a test restarts the app.
static LAUNCHES: AtomicUsize = AtomicUsize::new(0);

/// The app, running under tauri-driver, with a WebDriver session on its window.
#[derive(Debug)]
pub struct App {
    pub client: Client,
    driver: Child,
    /// tauri-driver's stdout and stderr, and so WebKitWebDriver's and the app's.
    log: PathBuf,
    /// The test and launch this is, for the name of a kept log.
    label: String,
    /// Closed or killed on purpose: nothing to report when dropped.
    finished: bool,
    /// A failure with the window's text was already returned to the test.
    reported: bool,
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
        Self::launch_binary(&binary("tingjian-app"), vault, env).await
    }

    /// As [`App::launch_with_env`], with another build of the app (such as the one a package
    /// installed).
    pub async fn launch_binary(application: &Path, vault: &Path, env: &[(String, String)]) -> Result<App, Error> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err("no DISPLAY: run end-to-end tests through `make test` (it starts Xvfb)".into());
        }
        let home = tempfile::tempdir()?;
        for sub in ["data", "config", "cache", "runtime"] {
            std::fs::create_dir_all(home.path().join(sub))?;
        }
        let log = home.path().join("tauri-driver.log");
        let output = File::create(&log)?;
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
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut driver = command.spawn()?;
        let test = std::thread::current().name().unwrap_or("test").replace("::", "-");
        let label = format!("{test}-{}-{}", std::process::id(), LAUNCHES.fetch_add(1, Ordering::Relaxed) + 1);
        match connect(application, port, native_port, vault).await {
            Ok(client) => Ok(App { client, driver, log, label, finished: false, reported: false, _home: home }),
            Err(error) => {
                let report = format!("{error}\n{}", stderr_report(&log, &label));
                kill_group(&mut driver);
                Err(Failure(report).into())
            }
        }
    }

    /// Waits until an element matching `css` exists, and returns it.
    pub async fn wait_for(&mut self, css: &str, timeout: Duration) -> Result<Element, Error> {
        self.wait_for_element(Locator::Css(css), &format!("an element matching {css} to appear"), timeout).await
    }

    /// Waits until an element matching `xpath` exists, and returns it.
    pub async fn wait_for_xpath(&mut self, xpath: &str, timeout: Duration) -> Result<Element, Error> {
        self.wait_for_element(Locator::XPath(xpath), &format!("an element matching {xpath} to appear"), timeout).await
    }

    async fn wait_for_element(
        &mut self,
        locator: Locator<'_>,
        what: &str,
        timeout: Duration,
    ) -> Result<Element, Error> {
        self.wait_until(what, timeout, async |app| match app.client.find(locator).await {
            Ok(element) => Ok(Ok(element)),
            Err(error) if error.is_no_such_element() => Ok(Err("nothing matches yet".to_owned())),
            Err(error) => Err(error.into()),
        })
        .await
    }

    /// Clicks the element matching `css` once it exists. An element the page redraws between
    /// being found and being clicked (a list re-filtered as a person types) is looked up again,
    /// as a person would simply click the row they now see.
    pub async fn click(&mut self, css: &str) -> Result<(), Error> {
        self.act_on(Locator::Css(css), &format!("{css} to be clicked"), async |element| element.click().await).await
    }

    /// Clicks the element matching `xpath` once it exists, looking it up again if it is redrawn.
    pub async fn click_xpath(&mut self, xpath: &str) -> Result<(), Error> {
        self.act_on(Locator::XPath(xpath), &format!("{xpath} to be clicked"), async |element| element.click().await)
            .await
    }

    /// Types `text` into the element matching `css` once it exists, looking it up again if it is
    /// redrawn before it takes the keys.
    pub async fn type_into(&mut self, css: &str, text: &str) -> Result<(), Error> {
        self.act_on(Locator::Css(css), &format!("{css} to take {text:?}"), async |element| {
            element.send_keys(text).await
        })
        .await
    }

    async fn act_on(
        &mut self,
        locator: Locator<'_>,
        what: &str,
        action: impl AsyncFn(Element) -> Result<(), fantoccini::error::CmdError>,
    ) -> Result<(), Error> {
        self.wait_until(what, WAIT, async |app| {
            let element = match app.client.find(locator).await {
                Ok(element) => element,
                Err(error) if error.is_no_such_element() => return Ok(Err("nothing matches it yet".to_owned())),
                Err(error) => return Err(error.into()),
            };
            match action(element).await {
                Ok(()) => Ok(Ok(())),
                Err(error) if error.is_stale_element_reference() => Ok(Err("it was redrawn".to_owned())),
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// Searches the library for one complaint and waits until the list shows that complaint alone.
    /// A click before the search has filtered the list lands where the row *was*: the rows move
    /// up as the others go, and WebDriver clicks at the position it measured.
    pub async fn search_library_for(&mut self, number: &str) -> Result<(), Error> {
        self.type_into("[data-testid=library-search]", number).await?;
        let wanted = format!("[data-testid=library-row] [data-testid='listen-{number}']");
        self.wait_until(&format!("the library to show {number} alone"), WAIT, async |app| {
            let rows = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?.len();
            let ours = app.client.find_all(Locator::Css(&wanted)).await?.len();
            Ok(if rows == 1 && ours == 1 { Ok(()) } else { Err(format!("{rows} rows shown")) })
        })
        .await
    }

    /// Waits until nothing matches `css` any more.
    pub async fn wait_for_absent(&mut self, css: &str, timeout: Duration) -> Result<(), Error> {
        self.wait_until(&format!("{css} to go away"), timeout, async |app| {
            match app.client.find_all(Locator::Css(css)).await?.len() {
                0 => Ok(Ok(())),
                n => Ok(Err(format!("{n} element(s) still match"))),
            }
        })
        .await
    }

    /// Waits until `css` matches an element whose text satisfies `test`, and returns the text.
    /// `what` names the condition for the failure ("the playhead to move").
    pub async fn wait_for_text(
        &mut self,
        css: &str,
        what: &str,
        timeout: Duration,
        test: impl Fn(&str) -> bool,
    ) -> Result<String, Error> {
        self.wait_until(&format!("{what} ({css})"), timeout, async |app| {
            let element = match app.client.find(Locator::Css(css)).await {
                Ok(element) => element,
                Err(error) if error.is_no_such_element() => return Ok(Err("nothing matches it".to_owned())),
                Err(error) => return Err(error.into()),
            };
            match element.text().await {
                Ok(text) if test(&text) => Ok(Ok(text)),
                Ok(text) => Ok(Err(format!("its text is {text:?}"))),
                Err(error) if error.is_stale_element_reference() => Ok(Err("it was redrawn".to_owned())),
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// Waits until `css` matches an element whose attribute `name` is `value`.
    pub async fn wait_for_attribute(
        &mut self,
        css: &str,
        name: &str,
        value: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.wait_until(&format!("{css} to have {name}={value:?}"), timeout, async |app| {
            let element = match app.client.find(Locator::Css(css)).await {
                Ok(element) => element,
                Err(error) if error.is_no_such_element() => return Ok(Err("nothing matches it".to_owned())),
                Err(error) => return Err(error.into()),
            };
            match element.attr(name).await {
                Ok(found) if found.as_deref() == Some(value) => Ok(Ok(())),
                Ok(found) => Ok(Err(format!("{name} is {found:?}"))),
                Err(error) if error.is_stale_element_reference() => Ok(Err("it was redrawn".to_owned())),
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// Waits until `css` matches a form field (input, textarea, select) whose value is `value`, such
    /// as a read-only path field once the file chooser has answered.
    pub async fn wait_for_value(&mut self, css: &str, value: &str, timeout: Duration) -> Result<(), Error> {
        self.wait_until(&format!("{css} to hold {value:?}"), timeout, async |app| {
            let element = match app.client.find(Locator::Css(css)).await {
                Ok(element) => element,
                Err(error) if error.is_no_such_element() => return Ok(Err("nothing matches it".to_owned())),
                Err(error) => return Err(error.into()),
            };
            match element.prop("value").await {
                Ok(found) if found.as_deref() == Some(value) => Ok(Ok(())),
                Ok(found) => Ok(Err(format!("it holds {found:?}"))),
                Err(error) if error.is_stale_element_reference() => Ok(Err("it was redrawn".to_owned())),
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// Polls `probe` until it gives `Ok(Ok(value))`, and returns the value. `Ok(Err(state))` means
    /// "not yet" and describes what it found instead; an `Err` (a WebDriver command that failed) is
    /// tried again, unless the app is gone. After `timeout`, fails saying that `what` never
    /// happened, with the last state seen, the window's text and the app's stderr.
    pub async fn wait_until<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut probe: impl AsyncFnMut(&mut App) -> Result<Result<T, String>, Error>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let deadline = started + timeout;
        loop {
            // A command the window never answers (a hung app) ends the wait too.
            let patience = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(10));
            let answer = tokio::time::timeout(patience, probe(&mut *self)).await;
            let last = match answer {
                Err(_) => {
                    let message = format!("waiting for {what}, the window did not answer in {patience:.1?}");
                    return Err(self.failure(&message).await);
                }
                Ok(Ok(Ok(value))) => return Ok(value),
                Ok(Ok(Err(state))) => state,
                Ok(Err(error)) => {
                    if let Some(gone) = self.gone() {
                        let message = format!("waiting for {what}, {gone} (the last command said: {error})");
                        return Err(self.failure(&message).await);
                    }
                    format!("the last command failed: {error}")
                }
            };
            if Instant::now() >= deadline {
                let waited = started.elapsed().as_secs_f32();
                let message = format!("waited {waited:.1} s for {what}, which never happened; last seen: {last}");
                return Err(self.failure(&message).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `script` (a function body that may `return` a value) in the page and gives its value.
    pub async fn script(&mut self, script: &str) -> Result<Value, Error> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// The element matching `css`, or a failure with the window's text and the app's stderr.
    pub async fn find(&mut self, css: &str) -> Result<Element, Error> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => Ok(element),
            Err(error) => Err(self.failure(&format!("finding {css}: {error}")).await),
        }
    }

    /// The element matching `xpath`, or a failure with the window's text and the app's stderr.
    pub async fn find_xpath(&mut self, xpath: &str) -> Result<Element, Error> {
        match self.client.find(Locator::XPath(xpath)).await {
            Ok(element) => Ok(element),
            Err(error) => Err(self.failure(&format!("finding {xpath}: {error}")).await),
        }
    }

    /// Every element matching `css` (none is no failure).
    pub async fn find_all(&mut self, css: &str) -> Result<Vec<Element>, Error> {
        match self.client.find_all(Locator::Css(css)).await {
            Ok(elements) => Ok(elements),
            Err(error) => Err(self.failure(&format!("finding {css}: {error}")).await),
        }
    }

    /// The text of the element matching `css`.
    pub async fn text_of(&mut self, css: &str) -> Result<String, Error> {
        let element = self.find(css).await?;
        match element.text().await {
            Ok(text) => Ok(text),
            Err(error) => Err(self.failure(&format!("reading the text of {css}: {error}")).await),
        }
    }

    /// The window's visible text.
    pub async fn body_text(&mut self) -> Result<String, Error> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// Presses `keys` with the focus on the page (`body`), as a person at the keyboard would.
    pub async fn press(&mut self, keys: &str) -> Result<(), Error> {
        let body = self.find("body").await?;
        match body.send_keys(keys).await {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failure(&format!("pressing {keys:?}: {error}")).await),
        }
    }

    /// An error saying `what` went wrong, with the window's visible text and the last lines of
    /// the app's stderr.
    pub async fn failure(&mut self, what: &str) -> Error {
        self.reported = true;
        let visible = match tokio::time::timeout(Duration::from_secs(10), self.body_text()).await {
            Ok(Ok(text)) => text,
            Ok(Err(error)) => format!("(the window's text could not be read: {error})"),
            Err(_) => "(the window's text could not be read in 10 s)".to_owned(),
        };
        Failure(format!("{what}\n{}", self.context_with(&visible))).into()
    }

    /// The context of a failure: the window's visible text (as given) and the app's stderr.
    fn context_with(&self, visible: &str) -> String {
        format!(
            "──── the window shows ────\n{}\n{}",
            cut_middle(visible.trim(), VISIBLE_TEXT_CHARS),
            stderr_report(&self.log, &self.label)
        )
    }

    /// Why the app cannot answer any more, if it is gone.
    fn gone(&mut self) -> Option<String> {
        if let Ok(Some(status)) = self.driver.try_wait() {
            return Some(format!("tauri-driver exited ({status})"));
        }
        if app_pids(self.driver.id()).is_empty() {
            return Some("the app is no longer running".to_owned());
        }
        None
    }

    /// Sets the window's size and waits until the window and the page have taken it: WebDriver's
    /// window rect is the size asked for, the page's viewport is that size (the window has no
    /// decorations under Xvfb), and the layout follows it: the main area is as wide as the page,
    /// which does not scroll sideways.
    pub async fn resize(&mut self, width: u32, height: u32) -> Result<(), Error> {
        self.client.set_window_rect(0, 0, width, height).await?;
        self.wait_until(&format!("the window and its page to be {width}×{height}"), WAIT, async |app| {
            let (_, _, w, h) = app.client.get_window_rect().await?;
            let page = app
                .client
                .execute(
                    "const root = document.documentElement;
                     return [window.innerWidth, window.innerHeight, root.clientWidth, root.scrollWidth,
                             Math.round(document.querySelector('main').getBoundingClientRect().width)];",
                    vec![],
                )
                .await?;
            let n = |i: usize| page[i].as_u64().unwrap_or(0);
            let (inner_w, inner_h, client_w, scroll_w, main_w) = (n(0), n(1), n(2), n(3), n(4));
            let fits = (w, h) == (u64::from(width), u64::from(height))
                && (inner_w, inner_h) == (u64::from(width), u64::from(height))
                && scroll_w <= inner_w
                && main_w == client_w;
            Ok(if fits {
                Ok(())
            } else {
                Err(format!(
                    "window rect {w}×{h}, viewport {inner_w}×{inner_h}, page {client_w} wide \
                     (scrolls to {scroll_w}), main area {main_w} wide"
                ))
            })
        })
        .await
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
        let pids = app_pids(self.driver.id());
        if pids.is_empty() {
            return Err(Failure(format!("no tingjian-app process to kill\n{}", self.context_with("(not read)"))).into());
        }
        for pid in &pids {
            Command::new("kill").args(["-KILL", &pid.to_string()]).status()?;
        }
        // Wait until the process is really gone (exited, even if not yet reaped), so the next
        // launch does not race it.
        let deadline = Instant::now() + WAIT;
        while pids.iter().any(|&pid| running(pid)) {
            if Instant::now() > deadline {
                return Err(Failure(format!("the killed app did not exit\n{}", self.context_with("(not read)"))).into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.finished = true;
        self.stop_driver();
        Ok(())
    }

    /// Calls the app's `command` with `args` straight through Tauri's IPC from the page, as a
    /// compromised page could (not through the UI), and returns what it answered: `Ok` with its
    /// value, or `Err` with the error (a `UiError`'s JSON).
    pub async fn invoke_from_page(&mut self, command: &str, args: Value) -> Result<Result<Value, Value>, Error> {
        let answer = self
            .client
            .execute_async(
                "const [command, args, done] = arguments;
                 window.__TAURI_INTERNALS__.invoke(command, args).then(
                   (value) => done({ ok: value === undefined ? null : value }),
                   (error) => done({ err: error }));",
                vec![json!(command), args],
            )
            .await?;
        match (answer.get("ok"), answer.get("err")) {
            (Some(value), _) => Ok(Ok(value.clone())),
            (None, Some(error)) => Ok(Err(error.clone())),
            (None, None) => {
                Err(self.failure(&format!("{command} answered neither a value nor an error: {answer}")).await)
            }
        }
    }

    /// Ends the session and the driver's whole process group.
    pub async fn close(mut self) -> Result<(), Error> {
        self.finished = true;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        self.stop_driver();
        Ok(())
    }

    fn stop_driver(&mut self) {
        kill_group(&mut self.driver);
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A test that returned one of the harness's failures has the context in it already.
        let returned_with_context = self.reported && !std::thread::panicking();
        if !self.finished && !returned_with_context {
            // The test ended without closing the app: an assertion failed or an error was returned.
            let visible = visible_text_blocking(&self.client);
            eprintln!("\nthe test ended without closing the app.\n{}", self.context_with(&visible));
        }
        if let Ok(None) = self.driver.try_wait() {
            self.stop_driver();
        }
    }
}

/// Ends tauri-driver's process group (it, WebKitWebDriver and the app) and reaps tauri-driver.
fn kill_group(driver: &mut Child) {
    let group = format!("-{}", driver.id());
    let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
    let _ = driver.wait();
}

/// The app's processes in tauri-driver's process group.
fn app_pids(group: u32) -> Vec<u32> {
    let found = Command::new("pgrep").args(["-g", &group.to_string(), "-x", "tingjian-app"]).output();
    let Ok(found) = found else { return Vec::new() };
    String::from_utf8_lossy(&found.stdout).split_whitespace().filter_map(|pid| pid.parse().ok()).collect()
}

/// Whether `pid` is a process that has not exited (a zombie has: it only waits to be reaped).
fn running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X"))
}

/// The window's visible text, read from a destructor (no async context there): on a thread of
/// its own with a runtime of its own, given a few seconds.
fn visible_text_blocking(client: &Client) -> String {
    let client = client.clone();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let text = tokio::runtime::Builder::new_current_thread().enable_all().build().map(|runtime| {
            runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), async {
                    client.find(Locator::Css("body")).await?.text().await
                })
                .await
            })
        });
        let _ = sender.send(match text {
            Ok(Ok(Ok(text))) => text,
            Ok(Ok(Err(error))) => format!("(the window's text could not be read: {error})"),
            Ok(Err(_)) => "(the window's text could not be read in 5 s)".to_owned(),
            Err(error) => format!("(no runtime to read the window's text: {error})"),
        });
    });
    receiver
        .recv_timeout(Duration::from_secs(8))
        .unwrap_or_else(|_| "(the window's text could not be read in 8 s)".to_owned())
}

/// The last lines of the driver's log (tauri-driver, WebKitWebDriver and the app write their
/// stderr there); the whole log is kept under `target/e2e-logs` for a closer look.
fn stderr_report(log: &Path, label: &str) -> String {
    let text = match std::fs::read(log) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => return format!("──── the app's stderr could not be read ({}: {error}) ────", log.display()),
    };
    let kept = target_dir().join("e2e-logs").join(format!("{label}.log"));
    let kept = std::fs::create_dir_all(kept.parent().unwrap_or(Path::new(".")))
        .and_then(|()| std::fs::write(&kept, &text))
        .map_or_else(|error| format!("not kept: {error}"), |()| format!("all of it in {}", kept.display()));
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(STDERR_LINES)..];
    format!(
        "──── the app's stderr (with tauri-driver's and WebKitWebDriver's): last {} of {} lines; {kept} ────\n{}\n────",
        tail.len(),
        lines.len(),
        tail.join("\n")
    )
}

/// `text`, with its middle left out when it is longer than `limit` characters.
fn cut_middle(text: &str, limit: usize) -> String {
    let count = text.chars().count();
    if count <= limit {
        return text.to_owned();
    }
    let head: String = text.chars().take(limit / 2).collect();
    let tail: String = text.chars().skip(count - limit / 2).collect();
    format!("{head}\n[… {} characters left out …]\n{tail}", count - limit)
}

/// The app's environment for a file chooser that gives `answers` in turn instead of showing a GTK
/// dialog, which WebDriver cannot click through: each answer is a path, an array of paths or `null`
/// (cancelled). The answers are written to `dir` (ARCHITECTURE.md, "Hostile input").
pub fn scripted_chooser(dir: &Path, answers: &[Value]) -> Result<Vec<(String, String)>, Error> {
    let file = dir.join("scripted-chooser.json");
    std::fs::write(&file, serde_json::to_vec(answers)?)?;
    let file = file.to_str().ok_or("the scripted chooser's path is not UTF-8")?.to_owned();
    Ok(vec![("TINGJIAN_SCRIPTED_CHOOSER".to_owned(), file)])
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

async fn connect(application: &Path, port: u16, native_port: u16, vault: &Path) -> Result<Client, Error> {
    let capabilities = json!({
        "tauri:options": {
            "application": application,
            "args": ["--vault", vault],
        }
    });
    let Value::Object(capabilities) = capabilities else { unreachable!("a JSON object literal") };
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + WAIT;
    // tauri-driver passes a new session on to WebKitWebDriver, which it starts on the native port;
    // until that listens, tauri-driver only logs refused connections.
    let native = std::net::SocketAddr::from(([127, 0, 0, 1], native_port));
    while std::net::TcpStream::connect_timeout(&native, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            return Err(format!("WebKitWebDriver never listened on port {native_port}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    loop {
        // A new session waits for the app's window. An app that dies while starting (GTK cannot
        // open the display) leaves WebKitWebDriver waiting for ever, so the request is bounded by
        // the deadline, and the failure then shows the app's stderr.
        let patience = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1));
        let mut builder = ClientBuilder::rustls()?;
        builder.capabilities(capabilities.clone());
        match tokio::time::timeout(patience, builder.connect(&url)).await {
            Ok(Ok(client)) => return Ok(client),
            Ok(Err(_)) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(200)).await,
            Ok(Err(error)) => return Err(format!("cannot start a WebDriver session on {url}: {error}").into()),
            Err(_) => {
                let waited = WAIT.as_secs();
                return Err(format!("the app's window never answered a new WebDriver session ({waited} s)").into());
            }
        }
    }
}
