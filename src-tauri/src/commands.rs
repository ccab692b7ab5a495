//! The commands the UI may invoke. Each is a one-liner over a library function; errors cross to the
//! UI as [`UiError`] with a stable code.
//!
//! Files and folders come only from the app's own file chooser. The `pick_…` commands show the
//! native dialog from Rust and record each chosen path as granted for one purpose (see [`Grants`]);
//! the commands that read or write a path the webview sends back refuse any path not granted for
//! their purpose with `PATH_NOT_CHOSEN`. A compromised page can therefore name only files the person
//! chose for that very use, never `/etc/passwd` or `~/.ssh`. For the end-to-end tests, which cannot
//! click through a GTK dialog, `TINGJIAN_SCRIPTED_CHOOSER` in the process's environment makes the
//! chooser give listed answers instead (see [`Chooser`]); only whoever starts the process can set it.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State, WebviewWindow};
use tauri_plugin_dialog::DialogExt;
use tingjian_core::model::Person;
use tingjian_core::rectification::{Actor, CaseAction};
use tingjian_core::{ErrorCode, UiError};
use tingjian_import::{ColumnMapping, ExportPreview, ImportOptions, ImportProgress, ImportReport};
use tingjian_pack::{ExportOptions, ExportedPack, PackProgress};
use tingjian_report::{Edition, PrintedReport, ReportFonts, WrittenReport};
use tingjian_review::{Listening, PlayerOpened, PlayerSettings, PlayerUpdate, ReviewView, Waveform};
use tingjian_vault::{
    Account, ComplaintPage, ComplaintQuery, Draft, LibraryFacets, Note, PersonalData, RectificationCase,
    RectificationFilter, RectificationRequest, RectificationSummary, RectificationView, Reflection, SignInState,
    SignedBy, Vault, VaultError, VaultStatus, VerifyReport,
};
use ts_rs::TS;

/// The vault this window works on, or why it could not be opened (shown on the home screen).
#[derive(Debug)]
pub struct AppState {
    /// The handle every change goes through; an import holds it for its whole run.
    vault: Mutex<Result<Vault, UiError>>,
    /// A second handle on the same vault, for the commands that only read: SQLite's WAL lets it
    /// read while the first one writes, so the library and the review screen never wait for an
    /// import. Those commands get it as `&Vault`, which cannot record an event.
    reader: Mutex<Result<Vault, UiError>>,
    /// The cancel flag of the import in progress, if one is running.
    import_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// The recording in the player, if one is loaded.
    player: Mutex<Option<OpenPlayer>>,
    /// The private folder of this run's evidence copies (made at the first opening, 0700,
    /// removed at exit), so no other account reads what a viewer was handed.
    evidence_dir: Mutex<Option<tempfile::TempDir>>,
    /// The paths the person chose in the app's file chooser, and what for.
    grants: Grants,
    /// What answers the file chooser: the desktop's dialog, or a test's script.
    chooser: Chooser,
    /// How long the window may sit idle before it signs the person out (in a vault with accounts).
    lock_after_seconds: u32,
    /// The report's fonts, read at the first report (~40 MB) and kept.
    report_fonts: Mutex<Option<Arc<ReportFonts>>>,
    /// The report last shown in the Reports screen's preview: saving writes these very bytes.
    printed: Mutex<Option<PrintedReport>>,
}

/// The folder IT chose, outside the vault, where a checkpoint is written whenever a quarter closes.
pub const CHECKPOINT_DIR_ENV: &str = "TINGJIAN_CHECKPOINT_DIR";

/// The environment variable that sets [`AppState::lock_after_seconds`] (10 minutes when unset).
pub const LOCK_AFTER_ENV: &str = "TINGJIAN_LOCK_AFTER_SECONDS";

/// A loaded recording and the flag that stops the thread forwarding its updates to the UI.
#[derive(Debug)]
struct OpenPlayer {
    listening: Listening,
    stop: Arc<AtomicBool>,
}

/// How often the player's position goes to the review screen: above the 30 Hz a moving playhead
/// needs to look smooth.
const PLAYER_UPDATE_EVERY: std::time::Duration = std::time::Duration::from_millis(25);

fn internal(what: &str) -> UiError {
    UiError {
        code: ErrorCode::Internal,
        message_zh: format!("内部错误：{what}，请重启程序"),
        message_en: format!("internal error: {what}; restart the app"),
    }
}

impl AppState {
    /// This run's private folder for evidence copies, made at the first call.
    fn evidence_dir(&self) -> Result<PathBuf, UiError> {
        let mut guard = self.evidence_dir.lock().map_err(|_| internal("the evidence folder lock is poisoned"))?;
        if guard.is_none() {
            let made = tempfile::Builder::new()
                .prefix("tingjian-evidence-")
                .tempdir()
                .map_err(|source| UiError::from(VaultError::from_io(&std::env::temp_dir(), source)))?;
            *guard = Some(made);
        }
        Ok(guard.as_ref().map(|dir| dir.path().to_owned()).unwrap_or_default())
    }

    /// The report's fonts, found and read at the first call.
    fn report_fonts(&self) -> Result<Arc<ReportFonts>, UiError> {
        let mut guard = self.report_fonts.lock().map_err(|_| internal("the report fonts' lock is poisoned"))?;
        if let Some(fonts) = guard.as_ref() {
            return Ok(fonts.clone());
        }
        let fonts = Arc::new(ReportFonts::find()?);
        *guard = Some(fonts.clone());
        Ok(fonts)
    }

    /// Removes this run's evidence copies (at exit).
    pub fn remove_evidence_copies(&self) {
        if let Ok(mut guard) = self.evidence_dir.lock() {
            guard.take();
        }
    }

    pub fn open(dir: &Path, actor: &str) -> Self {
        let vault = Vault::open_or_create(dir, actor).map_err(UiError::from);
        // A second handle on the vault the first one opened (and created or migrated).
        let reader = match &vault {
            Ok(vault) => vault.another_handle().map_err(UiError::from),
            Err(error) => Err(error.clone()),
        };
        Self {
            vault: Mutex::new(vault),
            reader: Mutex::new(reader),
            import_cancel: Mutex::new(None),
            player: Mutex::new(None),
            evidence_dir: Mutex::new(None),
            report_fonts: Mutex::new(None),
            printed: Mutex::new(None),
            grants: Grants::default(),
            chooser: Chooser::from_env(),
            lock_after_seconds: std::env::var(LOCK_AFTER_ENV)
                .ok()
                .and_then(|text| text.parse().ok())
                .filter(|&seconds| seconds > 0)
                .unwrap_or(600),
        }
    }

    /// Runs `f` (a sign-in, a sign-out) on the writing handle, then gives the reading handle the
    /// same person (a new handle sharing the signed-in key), and returns who is signed in now.
    fn sign_in_with<E>(&self, f: impl FnOnce(&mut Vault) -> Result<(), E>) -> Result<SignInState, UiError>
    where
        E: tingjian_core::Coded,
    {
        let reader = {
            let mut guard = self.vault.lock().map_err(|_| internal("the vault lock is poisoned"))?;
            let vault = guard.as_mut().map_err(|error| error.clone())?;
            f(vault).map_err(UiError::from)?;
            vault.another_handle().map_err(UiError::from)?
        };
        let state = reader.sign_in_state().map_err(UiError::from)?;
        *self.reader.lock().map_err(|_| internal("the vault lock is poisoned"))? = Ok(reader);
        Ok(state)
    }

    fn with_player(&self, f: impl FnOnce(&mut Listening)) -> Result<(), UiError> {
        let mut guard = self.player.lock().map_err(|_| internal("the player lock is poisoned"))?;
        match guard.as_mut() {
            Some(open) => {
                f(&mut open.listening);
                Ok(())
            }
            None => Err(UiError {
                code: ErrorCode::ListeningSessionClosed,
                message_zh: "没有正在播放的录音，请重新打开".to_owned(),
                message_en: "no recording is loaded; open it again".to_owned(),
            }),
        }
    }

    /// Ends the loaded recording's session, if any. The player lock is always taken before the
    /// vault lock, here and in the pump, so the two never deadlock.
    pub fn close_player(&self, reason: &str) -> Result<(), UiError> {
        let open = self.player.lock().map_err(|_| internal("the player lock is poisoned"))?.take();
        if let Some(open) = open {
            open.stop.store(true, Ordering::Relaxed);
            self.with_vault(|vault| open.listening.close(vault, reason))?;
        }
        Ok(())
    }

    /// Forwards the player's state to the UI until `stop` is set, flushing heard spans to the vault
    /// as they come. A busy vault (an import running) only delays the flush.
    fn pump_player(&self, stop: &AtomicBool, on_update: &Channel<PlayerUpdate>) {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(PLAYER_UPDATE_EVERY);
            let update = {
                let Ok(mut player) = self.player.lock() else { return };
                let Some(open) = player.as_mut() else { return };
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let mut vault = self.vault.try_lock().ok();
                let vault = vault.as_mut().and_then(|guard| guard.as_mut().ok());
                open.listening.tick(vault)
            };
            let device_lost = update.device_lost;
            if on_update.send(update).is_err() {
                // The window is gone; the session is ended when the app closes the player.
                return;
            }
            if device_lost {
                // The tick flushed what was heard; the session ends saying why, and opening the
                // recording again opens the device again.
                let _ = self.close_player("device_lost");
                return;
            }
        }
    }

    /// Runs `f` on the reading handle of the vault (see [`AppState::reader`]).
    fn read<T, E>(&self, f: impl FnOnce(&Vault) -> Result<T, E>) -> Result<T, UiError>
    where
        E: tingjian_core::Coded,
    {
        let guard = self.reader.lock().map_err(|_| internal("the vault lock is poisoned"))?;
        match guard.as_ref() {
            Ok(vault) => f(vault).map_err(UiError::from),
            Err(error) => Err(error.clone()),
        }
    }

    /// Runs `f` on the open vault, turning both "no vault" and the function's error into a
    /// [`UiError`].
    fn with_vault<T, E>(&self, f: impl FnOnce(&mut Vault) -> Result<T, E>) -> Result<T, UiError>
    where
        E: tingjian_core::Coded,
    {
        let mut guard = self.vault.lock().map_err(|_| internal("the vault lock is poisoned"))?;
        match guard.as_mut() {
            Ok(vault) => f(vault).map_err(UiError::from),
            Err(error) => Err(error.clone()),
        }
    }
}

// ---- the file chooser and what it grants ----

/// What a path chosen in the app's file chooser may be used for. A path is granted for one
/// purpose only, so a file chosen as the export cannot be passed off as evidence, nor a folder
/// chosen for the recordings as the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Purpose {
    /// Read as the complaint export (preview and import).
    Export,
    /// Walked as the folder of recordings to import.
    Recordings,
    /// Hashed and copied into the vault as a rectification's evidence.
    Evidence,
}

impl Purpose {
    /// What the path was chosen as, in Chinese and English, for the refusal's message.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Purpose::Export => ("投诉导出文件", "the complaint export"),
            Purpose::Recordings => ("录音文件夹", "the recordings folder"),
            Purpose::Evidence => ("证据文件", "an evidence file"),
        }
    }
}

/// The paths the person chose in the app's file chooser, each with the purpose it was chosen for.
///
/// The webview sends a chosen path back as the text it was given (it shows that text anyway), and
/// the check is exact membership: the page can name only what is in this set, which is all an
/// opaque token would allow as well. Paths are compared as paths (`a//b` is `a/b`), never resolved,
/// so `chosen/../elsewhere` is not the chosen path. Grants last as long as the app runs: the
/// wizard previews the export again after each change of mapping, then imports it.
#[derive(Debug, Default)]
struct Grants(Mutex<HashSet<(Purpose, PathBuf)>>);

impl Grants {
    fn grant(&self, purpose: Purpose, paths: &[PathBuf]) -> Result<(), UiError> {
        let mut granted = self.0.lock().map_err(|_| internal("the chosen paths' lock is poisoned"))?;
        granted.extend(paths.iter().map(|path| (purpose, path.clone())));
        Ok(())
    }

    /// `Ok` when `path` was chosen for `purpose`, else `PATH_NOT_CHOSEN`.
    fn check(&self, purpose: Purpose, path: &Path) -> Result<(), UiError> {
        let granted = self.0.lock().map_err(|_| internal("the chosen paths' lock is poisoned"))?;
        if granted.contains(&(purpose, path.to_path_buf())) {
            return Ok(());
        }
        let (zh, en) = purpose.names();
        Err(UiError {
            code: ErrorCode::PathNotChosen,
            message_zh: format!("“{}”不是在本程序的选择窗口中选定的{zh}，程序不会读写它", path.display()),
            message_en: format!(
                "{} was not chosen as {en} in the app's file chooser, so the app will not use it",
                path.display()
            ),
        })
    }
}

/// Which native dialog a pick shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialog {
    /// One existing file.
    File,
    /// One or more existing files.
    Files,
    /// One folder.
    Folder,
    /// A file to write, existing or new.
    Save,
}

/// One question to the file chooser.
#[derive(Debug)]
struct Pick {
    dialog: Dialog,
    /// The dialog's title, in the UI's language (the UI knows the language; Rust does not).
    title: String,
    /// The extensions offered, under the title as the filter's name; empty offers every file.
    extensions: &'static [&'static str],
    /// The name a save dialog proposes.
    file_name: Option<&'static str>,
}

/// An answer of the chooser: the chosen paths, or `None` when the person cancelled.
type Chosen = Option<Vec<PathBuf>>;

/// What answers the app's file chooser.
///
/// `TINGJIAN_SCRIPTED_CHOOSER=<file>` in the app's environment makes it answer from `<file>`, a
/// JSON array with one answer per dialog, in the order the dialogs are opened: a path (string),
/// several paths (an array of strings, for a dialog that takes several files), or `null` (the
/// person cancelled). The end-to-end tests use it because WebDriver cannot click through a GTK
/// dialog. It does not weaken the check on paths from the webview: the page cannot set the
/// process's environment, and whoever can start the app with it can read those files anyway.
#[derive(Debug)]
enum Chooser {
    /// The desktop's own dialog (GTK on Linux).
    Native,
    /// A test's listed answers.
    Scripted(Script),
}

/// The environment variable naming a scripted chooser's answers.
const SCRIPTED_CHOOSER: &str = "TINGJIAN_SCRIPTED_CHOOSER";

impl Chooser {
    fn from_env() -> Self {
        match std::env::var_os(SCRIPTED_CHOOSER) {
            Some(file) if !file.is_empty() => {
                let file = PathBuf::from(file);
                // Said once at start, so a machine that has the variable set by mistake shows it.
                eprintln!("{SCRIPTED_CHOOSER} is set: the file chooser answers from {}", file.display());
                Chooser::Scripted(Script::read(file))
            }
            _ => Chooser::Native,
        }
    }

    /// Shows `pick` and waits for the answer. It blocks, so it runs on a worker thread: the native
    /// dialog itself runs on the main thread, which must stay free to show it.
    fn choose(&self, window: &WebviewWindow, pick: &Pick) -> Result<Chosen, UiError> {
        match self {
            Chooser::Native => native_pick(window, pick),
            Chooser::Scripted(script) => script.next(pick.dialog),
        }
    }
}

/// A scripted chooser's answers still to be given, from `file` (or why it could not be read).
#[derive(Debug)]
struct Script {
    file: PathBuf,
    answers: Mutex<Result<VecDeque<Chosen>, UiError>>,
}

impl Script {
    /// The answers in `file`. A file that cannot be read makes every pick fail with the reason,
    /// rather than the app refusing to start.
    fn read(file: PathBuf) -> Self {
        let answers = std::fs::read(&file)
            .map_err(|error| error.to_string())
            .and_then(|bytes| serde_json::from_slice::<Vec<ScriptedAnswer>>(&bytes).map_err(|error| error.to_string()))
            .map(|answers| answers.into_iter().map(ScriptedAnswer::into_chosen).collect())
            .map_err(|reason| internal(&format!("the scripted chooser {} cannot be read ({reason})", file.display())));
        Script { file, answers: Mutex::new(answers) }
    }

    /// The next answer, for a dialog of kind `dialog`. Running out of answers, or several paths
    /// for a dialog that takes one, is the test's mistake, and says so.
    fn next(&self, dialog: Dialog) -> Result<Chosen, UiError> {
        let mut answers = self.answers.lock().map_err(|_| internal("the scripted chooser's lock is poisoned"))?;
        let answers = answers.as_mut().map_err(|error| error.clone())?;
        let Some(chosen) = answers.pop_front() else {
            return Err(internal(&format!("the scripted chooser {} has no answer left", self.file.display())));
        };
        match &chosen {
            Some(paths) if paths.len() != 1 && dialog != Dialog::Files => Err(internal(&format!(
                "the scripted chooser {} gives {} paths to a dialog that takes one",
                self.file.display(),
                paths.len()
            ))),
            _ => Ok(chosen),
        }
    }
}

/// One answer in a scripted chooser's file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScriptedAnswer {
    One(PathBuf),
    Several(Vec<PathBuf>),
    Cancelled,
}

impl ScriptedAnswer {
    fn into_chosen(self) -> Chosen {
        match self {
            ScriptedAnswer::One(path) => Some(vec![path]),
            ScriptedAnswer::Several(paths) => Some(paths),
            ScriptedAnswer::Cancelled => None,
        }
    }
}

/// The desktop's dialog for `pick`, in front of `window`.
fn native_pick(window: &WebviewWindow, pick: &Pick) -> Result<Chosen, UiError> {
    let mut dialog = window.dialog().file().set_parent(window).set_title(&pick.title);
    if !pick.extensions.is_empty() {
        dialog = dialog.add_filter(&pick.title, pick.extensions);
    }
    if let Some(name) = pick.file_name {
        dialog = dialog.set_file_name(name);
    }
    let chosen = match pick.dialog {
        Dialog::File => dialog.blocking_pick_file().map(|path| vec![path]),
        Dialog::Files => dialog.blocking_pick_files(),
        Dialog::Folder => dialog.blocking_pick_folder().map(|path| vec![path]),
        Dialog::Save => dialog.blocking_save_file().map(|path| vec![path]),
    };
    chosen
        .map(|paths| {
            paths
                .into_iter()
                .map(|path| {
                    path.into_path().map_err(|error| internal(&format!("the dialog gave no file path ({error})")))
                })
                .collect()
        })
        .transpose()
}

/// Asks the chooser on a worker thread.
async fn choose(window: WebviewWindow, pick: Pick) -> Result<Chosen, UiError> {
    tauri::async_runtime::spawn_blocking(move || window.state::<AppState>().chooser.choose(&window, &pick))
        .await
        .map_err(|_| internal("the file chooser's thread stopped"))?
}

/// Asks the chooser, grants what was chosen for `purpose`, and returns it as the UI shows it and
/// sends it back. A path that is not UTF-8 cannot make that round trip, so it is refused here, with
/// its name, rather than refused later as a path never chosen.
async fn choose_for(window: WebviewWindow, purpose: Purpose, pick: Pick) -> Result<Option<Vec<String>>, UiError> {
    let Some(paths) = choose(window.clone(), pick).await? else { return Ok(None) };
    let shown = paths
        .iter()
        .map(|path| {
            path.to_str().map(str::to_owned).ok_or_else(|| UiError {
                code: ErrorCode::InvalidInput,
                message_zh: format!("路径“{}”含有无法识别的字符，请把它改成正常的名字后再选择", path.display()),
                message_en: format!("the path {} is not valid UTF-8; rename it, then choose it again", path.display()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    window.state::<AppState>().grants.grant(purpose, &paths)?;
    Ok(Some(shown))
}

/// The one path of a single-path answer.
fn single(chosen: Option<Vec<String>>) -> Option<String> {
    chosen.and_then(|paths| paths.into_iter().next())
}

/// Shows the file chooser for the complaint export; the file chosen may then be previewed and
/// imported. `None` when the person cancels.
#[tauri::command]
pub async fn pick_export(window: WebviewWindow, title: String) -> Result<Option<String>, UiError> {
    let pick = Pick { dialog: Dialog::File, title, extensions: &["csv", "xlsx", "txt"], file_name: None };
    choose_for(window, Purpose::Export, pick).await.map(single)
}

/// Shows the folder chooser for the recordings; the folder chosen may then be imported from.
#[tauri::command]
pub async fn pick_recordings_folder(window: WebviewWindow, title: String) -> Result<Option<String>, UiError> {
    let pick = Pick { dialog: Dialog::Folder, title, extensions: &[], file_name: None };
    choose_for(window, Purpose::Recordings, pick).await.map(single)
}

/// Shows the file chooser for evidence (any type, several at once); the files chosen may then be
/// logged with a rectification's progress. An empty list when the person cancels.
#[tauri::command]
pub async fn pick_evidence_files(window: WebviewWindow, title: String) -> Result<Vec<String>, UiError> {
    let pick = Pick { dialog: Dialog::Files, title, extensions: &[], file_name: None };
    Ok(choose_for(window, Purpose::Evidence, pick).await?.unwrap_or_default())
}

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Result<VaultStatus, UiError> {
    state.read(|vault| vault.status())
}

/// Verifies on a connection of its own, on a worker thread: on a large vault it reads for a while,
/// and the rest of the app (the library, the player) must not wait for it.
#[tauri::command]
pub async fn verify_vault(state: State<'_, AppState>) -> Result<VerifyReport, UiError> {
    let (root, actor) = state.read(|vault| Ok::<_, VaultError>((vault.root().to_owned(), vault.actor().to_owned())))?;
    tauri::async_runtime::spawn_blocking(move || Vault::open(&root, &actor).and_then(|vault| vault.verify()))
        .await
        .map_err(|_| internal("the verify thread stopped"))?
        .map_err(UiError::from)
}

/// One page of the library: `limit` rows from `offset`, and the total.
#[tauri::command]
pub async fn complaint_page(
    state: State<'_, AppState>,
    query: ComplaintQuery,
    offset: u32,
    limit: u32,
) -> Result<ComplaintPage, UiError> {
    state.read(|vault| vault.complaint_page(&query, offset, limit))
}

#[tauri::command]
pub async fn library_facets(state: State<'_, AppState>) -> Result<LibraryFacets, UiError> {
    state.read(|vault| vault.library_facets())
}

/// The export's header and first rows under `mapping`, or under the vault's saved mapping. `path`
/// must have been chosen with `pick_export`.
#[tauri::command]
pub async fn preview_export(
    state: State<'_, AppState>,
    path: PathBuf,
    mapping: Option<ColumnMapping>,
) -> Result<ExportPreview, UiError> {
    state.grants.check(Purpose::Export, &path)?;
    let mapping = match mapping {
        Some(mapping) => mapping,
        None => state.read(tingjian_import::saved_mapping)?,
    };
    tingjian_import::preview_manifest(&path, 8, &mapping).map_err(UiError::from)
}

/// What the import wizard asks for.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportRequest {
    /// The export, as `pick_export` returned it.
    pub manifest: String,
    /// The recordings folder, as `pick_recordings_folder` returned it.
    pub recordings: String,
    pub link_pattern: Option<String>,
    /// The mapping as corrected in the preview; `None` uses the saved one.
    pub mapping: Option<ColumnMapping>,
    /// Keep the corrected mapping for next time.
    pub save_mapping: bool,
}

/// Runs an import on a worker thread, reporting progress over `on_progress`; `cancel_import`
/// stops it after the recording in hand. The export and the folder must have been chosen with
/// `pick_export` and `pick_recordings_folder`.
#[tauri::command]
pub async fn import_files(
    app: AppHandle,
    request: ImportRequest,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, UiError> {
    let grants = &app.state::<AppState>().grants;
    grants.check(Purpose::Export, Path::new(&request.manifest))?;
    grants.check(Purpose::Recordings, Path::new(&request.recordings))?;
    let mut options = ImportOptions::with_link_pattern(request.link_pattern.as_deref())?;
    let cancel = Arc::new(AtomicBool::new(false));
    options.cancel = Some(cancel.clone());
    options.mapping = request.mapping;
    options.save_mapping = request.save_mapping;
    *app.state::<AppState>().import_cancel.lock().map_err(|_| internal("the import lock is poisoned"))? = Some(cancel);
    let worker = app.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        let (manifest, recordings) = (PathBuf::from(request.manifest), PathBuf::from(request.recordings));
        worker.state::<AppState>().with_vault(|vault| {
            tingjian_import::import(vault, &manifest, &recordings, &options, &mut |p| {
                let _ = on_progress.send(p);
            })
        })
    })
    .await
    .map_err(|_| internal("the import thread stopped"))?;
    if let Ok(mut slot) = app.state::<AppState>().import_cancel.lock() {
        *slot = None;
    }
    result
}

#[tauri::command]
pub async fn cancel_import(state: State<'_, AppState>) -> Result<(), UiError> {
    let slot = state.import_cancel.lock().map_err(|_| internal("the import lock is poisoned"))?;
    if let Some(flag) = slot.as_ref() {
        flag.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// Asks where to save the import's rejected inputs and warnings, writes them there as CSV, and
/// returns the path written (`None` when the person cancels). The save dialog and the write are one
/// command, so no path to write ever comes from the webview.
#[tauri::command]
pub async fn save_import_problems(
    window: WebviewWindow,
    title: String,
    report: ImportReport,
) -> Result<Option<String>, UiError> {
    let pick = Pick { dialog: Dialog::Save, title, extensions: &["csv"], file_name: Some("import-problems.csv") };
    let Some(path) = choose(window, pick).await?.and_then(|paths| paths.into_iter().next()) else { return Ok(None) };
    std::fs::write(&path, report.problems_csv())
        .map_err(|source| UiError::from(VaultError::Io { path: path.clone(), source }))?;
    Ok(Some(path.display().to_string()))
}

/// A recording opened for review: what it is, its complaint, analytics and coverage so far.
#[tauri::command]
pub async fn open_review(state: State<'_, AppState>, query: String) -> Result<ReviewView, UiError> {
    state.read(|vault| tingjian_review::open_review(vault, &query).map(|(view, _)| view))
}

/// The waveform of `[start_ms, end_ms)` for a view `width` pixels wide.
#[tauri::command]
pub async fn review_waveform(
    state: State<'_, AppState>,
    hash: String,
    start_ms: u64,
    end_ms: u64,
    width: u32,
) -> Result<Waveform, UiError> {
    state.read(|vault| tingjian_review::waveform(vault, &hash, start_ms, end_ms, width))
}

/// Pins a note to a moment of the complaint's call, as the current person.
#[tauri::command]
pub async fn add_note(
    state: State<'_, AppState>,
    complaint: String,
    at_ms: u64,
    text: String,
) -> Result<Note, UiError> {
    state.with_vault(|vault| vault.add_note(&complaint, at_ms, &text))
}

#[tauri::command]
pub async fn edit_note(state: State<'_, AppState>, note_id: String, at_ms: u64, text: String) -> Result<Note, UiError> {
    state.with_vault(|vault| vault.edit_note(&note_id, at_ms, &text))
}

/// Saves the reflection draft as it is typed (outside the audit log; submitting is the event).
#[tauri::command]
pub async fn save_reflection_draft(
    state: State<'_, AppState>,
    complaint: String,
    text: String,
) -> Result<Draft, UiError> {
    state.with_vault(|vault| vault.save_reflection_draft(&complaint, &text))
}

#[tauri::command]
pub async fn submit_reflection(
    state: State<'_, AppState>,
    complaint: String,
    text: String,
) -> Result<Reflection, UiError> {
    state.with_vault(|vault| vault.submit_reflection(&complaint, &text))
}

/// The quarter's one-hour response and handling figures, by department and month, with the
/// late, overdue and open complaints.
#[tauri::command]
pub async fn handling_metrics(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::HandlingMetrics, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.read(|vault| vault.handling_metrics(quarter, tingjian_vault::LISTED_ON_SCREEN))
}

/// The quarter's report gathered now and typeset in `lang` (`zh` or `en`), for the Reports screen's
/// preview; the PDF's bytes cross as a raw response, not as JSON. It is kept, so saving writes
/// what was previewed. Gathered on the signed-in handle, which signs the cover's checkpoint.
#[tauri::command]
pub async fn preview_quarter_report(
    state: State<'_, AppState>,
    quarter: String,
    lang: String,
) -> Result<tauri::ipc::Response, UiError> {
    let quarter = quarter_id(&quarter)?;
    let edition = Edition::parse(&lang)?;
    let fonts = state.report_fonts()?;
    let printed = state.with_vault(|vault| PrintedReport::gather(vault, quarter, edition, &fonts))?;
    let pdf = printed.typeset.pdf.clone();
    *state.printed.lock().map_err(|_| internal("the report's lock is poisoned"))? = Some(printed);
    Ok(tauri::ipc::Response::new(pdf))
}

/// Asks where to save the previewed report and writes it there (the dialog and the write are one
/// command, so no path to write comes from the webview). `None` when the person cancels.
#[tauri::command]
pub async fn save_quarter_report(
    window: WebviewWindow,
    state: State<'_, AppState>,
    title: String,
) -> Result<Option<WrittenReport>, UiError> {
    let printed = state.printed.lock().map_err(|_| internal("the report's lock is poisoned"))?.clone();
    let Some(printed) = printed else {
        return Err(UiError {
            code: ErrorCode::InvalidInput,
            message_zh: "请先生成报告预览，再导出".to_owned(),
            message_en: "preview the report before saving it".to_owned(),
        });
    };
    let pick = Pick {
        dialog: Dialog::Save,
        title,
        extensions: &["pdf"],
        file_name: Some(match printed.edition {
            Edition::Chinese => "季度投诉录音听取与整改报告.pdf",
            Edition::English => "quarterly-report.pdf",
        }),
    };
    let Some(path) = choose(window, pick).await?.and_then(|paths| paths.into_iter().next()) else { return Ok(None) };
    Ok(Some(printed.write(&path)?))
}

/// Asks where to save the quarter's evidence pack, then exports it there on a worker thread,
/// reporting progress over `on_progress`: the report gathered and typeset now (Chinese), the
/// export recorded in the log, the files streamed in. `None` when the person cancels.
#[tauri::command]
pub async fn export_evidence_pack(
    window: WebviewWindow,
    title: String,
    quarter: String,
    with_audio: bool,
    reason: String,
    on_progress: Channel<PackProgress>,
) -> Result<Option<ExportedPack>, UiError> {
    let quarter = quarter_id(&quarter)?;
    let options = ExportOptions { quarter, with_audio, with_personal_data: true, reason: Some(reason) };
    options.check()?;
    let pick = Pick { dialog: Dialog::Save, title, extensions: &["zip"], file_name: Some("证据包.zip") };
    let Some(path) = choose(window.clone(), pick).await?.and_then(|paths| paths.into_iter().next()) else {
        return Ok(None);
    };
    tauri::async_runtime::spawn_blocking(move || {
        let state = window.state::<AppState>();
        let fonts = state.report_fonts()?;
        state
            .with_vault(|vault| {
                let printed = PrintedReport::gather(vault, quarter, Edition::Chinese, &fonts)?;
                tingjian_pack::export_pack(vault, &options, &printed.report, &printed.typeset.pdf, &path, |p| {
                    // A closed window stops listening; the export goes on regardless.
                    let _ = on_progress.send(p);
                })
                .map_err(PackOrReport::Pack)
            })
            .map(Some)
    })
    .await
    .map_err(|_| internal("the export's thread stopped"))?
}

/// The two ways an export from the app can fail: typesetting its report, or writing the pack.
#[derive(Debug, thiserror::Error)]
enum PackOrReport {
    #[error(transparent)]
    Report(#[from] tingjian_report::ReportError),
    #[error(transparent)]
    Pack(tingjian_pack::PackError),
}

impl tingjian_core::Coded for PackOrReport {
    fn code(&self) -> ErrorCode {
        match self {
            PackOrReport::Report(error) => error.code(),
            PackOrReport::Pack(error) => error.code(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            PackOrReport::Report(error) => error.message_zh(),
            PackOrReport::Pack(error) => error.message_zh(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            PackOrReport::Report(error) => error.message_en(),
            PackOrReport::Pack(error) => error.message_en(),
        }
    }
}

/// One complaint's clocks, its extension and pauses.
#[tauri::command]
pub async fn complaint_clocks(
    state: State<'_, AppState>,
    complaint: String,
) -> Result<tingjian_vault::ComplaintClocks, UiError> {
    state.read(|vault| vault.complaint_clocks(&complaint))
}

/// Extends a complaint's handling limit to 30 days, or to 60 with the approver named.
#[tauri::command]
pub async fn extend_handling(
    state: State<'_, AppState>,
    complaint: String,
    limit_days: u32,
    approver: Option<String>,
    reason: String,
) -> Result<tingjian_vault::ComplaintClocks, UiError> {
    state.with_vault(|vault| vault.extend_handling(&complaint, limit_days, approver.as_deref(), &reason))
}

/// Records a pause of a complaint's handling clock; `from` and `to` are branch times as the
/// screen's date-time fields give them (2026-11-03T09:00).
#[tauri::command]
pub async fn pause_handling(
    state: State<'_, AppState>,
    complaint: String,
    from: String,
    to: Option<String>,
    reason: String,
) -> Result<tingjian_vault::ComplaintClocks, UiError> {
    let from = tingjian_import::typed_branch_time(&from)?;
    let to = to.as_deref().filter(|t| !t.trim().is_empty()).map(tingjian_import::typed_branch_time).transpose()?;
    state.with_vault(|vault| vault.pause_handling(&complaint, from, to, &reason))
}

/// Shows the complaint's personal data whole; the reveal is an audit event.
#[tauri::command]
pub async fn reveal_personal_data(
    state: State<'_, AppState>,
    complaint: String,
    reason: String,
) -> Result<PersonalData, UiError> {
    state.with_vault(|vault| vault.reveal_personal_data(&complaint, &reason))
}

#[tauri::command]
pub async fn require_rectification(
    state: State<'_, AppState>,
    request: RectificationRequest,
) -> Result<RectificationCase, UiError> {
    state.with_vault(|vault| vault.require_rectification(&request))
}

// ---- rectification (整改): one-liners over the vault's rectification methods ----

/// The board: cases matching `filter`, late ones first.
#[tauri::command]
pub async fn rectification_board(
    state: State<'_, AppState>,
    filter: RectificationFilter,
) -> Result<Vec<RectificationSummary>, UiError> {
    state.read(|vault| vault.rectification_board(&filter))
}

#[tauri::command]
pub async fn rectification_view(state: State<'_, AppState>, case_id: String) -> Result<RectificationView, UiError> {
    state.read(|vault| vault.rectification_view(&case_id))
}

/// A step on a case by the current person; the core rules decide whether it is allowed.
#[tauri::command]
pub async fn rectification_step(
    state: State<'_, AppState>,
    case_id: String,
    step: CaseAction,
) -> Result<RectificationView, UiError> {
    state.with_vault(|vault| vault.rectification_step(&case_id, step))
}

/// A progress entry with evidence files, which are hashed and copied into the vault. Each file must
/// have been chosen with `pick_evidence_files`.
#[tauri::command]
pub async fn log_rectification_progress(
    state: State<'_, AppState>,
    case_id: String,
    action: u32,
    text: String,
    files: Vec<PathBuf>,
    marks_done: bool,
) -> Result<RectificationView, UiError> {
    for file in &files {
        state.grants.check(Purpose::Evidence, file)?;
    }
    state.with_vault(|vault| vault.log_rectification_progress(&case_id, action, &text, &files, marks_done))
}

#[tauri::command]
pub async fn draft_rectification(
    state: State<'_, AppState>,
    request: RectificationRequest,
) -> Result<RectificationView, UiError> {
    state.with_vault(|vault| vault.draft_rectification(&request))
}

/// The person using the app as the rectification rules see them (role, department).
#[tauri::command]
pub async fn rectification_actor(state: State<'_, AppState>) -> Result<Actor, UiError> {
    state.read(|vault| vault.rectification_actor())
}

/// Opens a copy of an evidence file (checked against its hash) with the system's program for it.
///
/// The webview sends only the hash; the path opened is the copy the vault has just written and
/// checked, so the window can never have the system open a path of its choosing. That is also why
/// the window holds no opener permission: the opening happens here, in Rust.
#[tauri::command]
pub async fn open_evidence(state: State<'_, AppState>, hash: String) -> Result<(), UiError> {
    let dir = state.evidence_dir()?;
    let copy = state.read(|vault| vault.evidence_copy(&hash, &dir))?;
    // Detached: the viewer may outlive the app and leaves no zombie process behind. A launcher that
    // fails at once (xdg-open with no program for the type) makes the next one be tried, and the
    // last failure is reported.
    open::that_detached(&copy).map_err(|source| UiError::from(VaultError::Io { path: copy, source }))
}

/// Loads a recording into the player and starts its listening session; the player's position,
/// state and the reviewer's coverage then arrive on `on_update` until the player is closed.
#[tauri::command]
pub async fn player_open(
    app: AppHandle,
    query: String,
    on_update: Channel<PlayerUpdate>,
) -> Result<PlayerOpened, UiError> {
    let state = app.state::<AppState>();
    state.close_player("closed")?;
    // The device is opened without holding the vault: it can take seconds, and the review screen's
    // other requests (notes, the draft, the waveform) must not wait for it.
    let target = state.read(|vault| vault.find_recording(&query))?;
    let loaded = Listening::load(target, None)?;
    let (listening, opened) = state.with_vault(|vault| loaded.start(vault))?;
    let stop = Arc::new(AtomicBool::new(false));
    *state.player.lock().map_err(|_| internal("the player lock is poisoned"))? =
        Some(OpenPlayer { listening, stop: stop.clone() });
    let pump = app.clone();
    std::thread::spawn(move || pump.state::<AppState>().pump_player(&stop, &on_update));
    Ok(opened)
}

#[tauri::command]
pub async fn player_play(state: State<'_, AppState>) -> Result<(), UiError> {
    state.with_player(|listening| listening.play())
}

#[tauri::command]
pub async fn player_pause(state: State<'_, AppState>) -> Result<(), UiError> {
    state.with_player(|listening| listening.pause())
}

#[tauri::command]
pub async fn player_seek(state: State<'_, AppState>, position_ms: u64) -> Result<(), UiError> {
    state.with_player(|listening| listening.seek(position_ms))
}

#[tauri::command]
pub async fn player_settings(state: State<'_, AppState>, settings: PlayerSettings) -> Result<(), UiError> {
    state.with_player(|listening| listening.apply(&settings))
}

/// Ends the listening session, recording what was heard, and releases the sound device.
#[tauri::command]
pub async fn player_close(state: State<'_, AppState>) -> Result<(), UiError> {
    state.close_player("closed")
}

// ---- quarterly sampling: one-liners over the vault's sampling methods ----

fn quarter_id(text: &str) -> Result<tingjian_core::QuarterId, UiError> {
    text.parse().map_err(|_| UiError {
        code: ErrorCode::InvalidInput,
        message_zh: format!("“{text}”不是季度，应写作 2026Q4 这样的形式"),
        message_en: format!("{text:?} is not a quarter; write it like 2026Q4"),
    })
}

#[tauri::command]
pub async fn sampling_policy(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<Option<tingjian_sampling::Policy>, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.read(|vault| vault.sampling_policy(quarter))
}

#[tauri::command]
pub async fn set_sampling_policy(
    state: State<'_, AppState>,
    quarter: String,
    policy: tingjian_sampling::Policy,
) -> Result<tingjian_sampling::Policy, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.with_vault(|vault| vault.set_sampling_policy(quarter, policy))
}

/// Step 1 of a draw by two people: fixes the stored policy and the population and commits to the
/// signed-in coordinator's share of the seed; returns the dashboard after it.
#[tauri::command]
pub async fn prepare_draw(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.with_vault(|vault| vault.prepare_draw(quarter, None).and_then(|_| vault.quarter_dashboard(quarter)))
}

/// Step 2: the president or another coordinator adds their random share to the preparation.
#[tauri::command]
pub async fn witness_draw(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.with_vault(|vault| vault.witness_draw(quarter).and_then(|_| vault.quarter_dashboard(quarter)))
}

/// Draws with the stored policy: the seed two people fixed when the vault has accounts, else a
/// fresh one from the OS; returns the dashboard after it.
#[tauri::command]
pub async fn draw_sample(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.with_vault(|vault| vault.draw_sample(quarter, None, None).and_then(|_| vault.quarter_dashboard(quarter)))
}

#[tauri::command]
pub async fn verify_sample(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::SampleVerification, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.read(|vault| vault.verify_sample(quarter))
}

#[tauri::command]
pub async fn quarter_dashboard(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.read(|vault| vault.quarter_dashboard(quarter))
}

/// Opens (`open = true`) or closes the quarter; returns the dashboard after it.
#[tauri::command]
pub async fn set_quarter_open(
    state: State<'_, AppState>,
    quarter: String,
    open: bool,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    let checkpoints = std::env::var_os(CHECKPOINT_DIR_ENV).map(PathBuf::from);
    state.with_vault(|vault| {
        if open {
            vault.open_quarter(quarter)
        } else {
            vault.close_quarter_and_checkpoint(quarter, checkpoints.as_deref())
        }
        .and_then(|_| vault.quarter_dashboard(quarter))
    })
}

/// The calls assigned to the person using the app (the vault's actor) this quarter.
#[tauri::command]
pub async fn my_assignments(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::MyAssignments, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.read(|vault| {
        let person = vault.actor().to_owned();
        vault.my_assignments(quarter, &person)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `grants` refuses `path` for `purpose` with the code the UI acts on.
    fn refused(grants: &Grants, purpose: Purpose, path: &Path) -> bool {
        matches!(grants.check(purpose, path), Err(UiError { code: ErrorCode::PathNotChosen, .. }))
    }

    #[test]
    fn a_path_is_used_only_as_what_it_was_chosen_for() {
        let grants = Grants::default();
        let export = PathBuf::from("/home/coordinator/2026Q4/complaints.csv");
        let folder = PathBuf::from("/home/coordinator/2026Q4/recordings");
        grants.grant(Purpose::Export, std::slice::from_ref(&export)).expect("granted");
        grants.grant(Purpose::Recordings, std::slice::from_ref(&folder)).expect("granted");

        assert_eq!(grants.check(Purpose::Export, &export), Ok(()));
        assert_eq!(grants.check(Purpose::Recordings, &folder), Ok(()));
        // The same path written another way is the same path.
        assert_eq!(grants.check(Purpose::Export, Path::new("/home/coordinator//2026Q4/./complaints.csv")), Ok(()));

        // What a compromised page might ask for: files never chosen, a chosen path for another use,
        // a way out of a chosen folder, a file inside it (the folder is granted to be walked, by
        // the import, not for its files to be read one by one).
        assert!(refused(&grants, Purpose::Export, Path::new("/etc/passwd")));
        assert!(refused(&grants, Purpose::Evidence, Path::new("/home/coordinator/.ssh/id_ed25519")));
        assert!(refused(&grants, Purpose::Evidence, &export));
        assert!(refused(&grants, Purpose::Export, &folder));
        assert!(refused(&grants, Purpose::Recordings, Path::new("/home/coordinator/2026Q4/recordings/../..")));
        assert!(refused(&grants, Purpose::Export, &folder.join("call.wav")));
        assert!(refused(&grants, Purpose::Export, Path::new("complaints.csv")));
        assert!(refused(&grants, Purpose::Export, Path::new("")));

        let error = grants.check(Purpose::Export, Path::new("/etc/passwd")).expect_err("refused");
        assert!(error.message_zh.contains("/etc/passwd") && error.message_zh.contains("投诉导出文件"), "{error}");
        assert!(error.message_en.contains("/etc/passwd") && error.message_en.contains("complaint export"), "{error}");
    }

    #[test]
    fn a_scripted_chooser_gives_its_answers_in_order() {
        let file = std::env::temp_dir().join(format!("tingjian-chooser-{}.json", std::process::id()));
        std::fs::write(&file, r#"["/data/export.csv", null, ["/data/a.pdf", "/data/b.png"], ["/x", "/y"]]"#)
            .expect("write the script");
        let script = Script::read(file.clone());
        assert_eq!(script.next(Dialog::File), Ok(Some(vec![PathBuf::from("/data/export.csv")])));
        assert_eq!(script.next(Dialog::Folder), Ok(None), "null is a cancelled dialog");
        assert_eq!(
            script.next(Dialog::Files),
            Ok(Some(vec![PathBuf::from("/data/a.pdf"), PathBuf::from("/data/b.png")]))
        );
        let several = script.next(Dialog::Save).expect_err("two paths for a save dialog");
        assert_eq!(several.code, ErrorCode::Internal);
        let none_left = script.next(Dialog::File).expect_err("no answer left");
        assert!(none_left.message_en.contains("no answer left"), "{none_left}");
        std::fs::remove_file(&file).expect("remove the script");

        let missing = Script::read(file);
        assert_eq!(missing.next(Dialog::File).map_err(|error| error.code), Err(ErrorCode::Internal));
    }
}

// ---- accounts: signing in and out, the people screen, "signed by" lines ----

/// Who is signed in, who may sign in, and (on a demo vault) the demo passphrase.
#[tauri::command]
pub async fn sign_in_state(state: State<'_, AppState>) -> Result<SignInState, UiError> {
    state.read(|vault| vault.sign_in_state())
}

/// Seconds of no input after which the window signs the person out.
#[tauri::command]
pub async fn lock_after_seconds(state: State<'_, AppState>) -> Result<u32, UiError> {
    Ok(state.lock_after_seconds)
}

/// Signs a person in with their passphrase (about half a second of key derivation). A wrong one is
/// counted, and after several the next attempt must wait (`SIGN_IN_DELAYED`).
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    person_id: String,
    passphrase: String,
) -> Result<SignInState, UiError> {
    state.sign_in_with(|vault| vault.sign_in(&person_id, &passphrase))
}

/// Gives a vault without accounts its first: a coordinator or the president enrolls themselves
/// with a passphrase they choose, and is signed in. Every step after it is signed.
#[tauri::command]
pub async fn start_accounts(
    state: State<'_, AppState>,
    person: Person,
    passphrase: String,
) -> Result<SignInState, UiError> {
    state.sign_in_with(|vault| {
        let params = vault.sealing_params()?;
        vault.start_accounts(person, &passphrase, params)
    })
}

/// Replaces the person's passphrase (the one-time one at the first sign-in) by a new key under
/// `new_passphrase`, and signs them in with it.
#[tauri::command]
pub async fn choose_passphrase(
    state: State<'_, AppState>,
    person_id: String,
    current: String,
    new_passphrase: String,
) -> Result<SignInState, UiError> {
    state.sign_in_with(|vault| {
        let params = vault.sealing_params()?;
        vault.choose_passphrase(&person_id, &current, &new_passphrase, params)
    })
}

/// Signs the person out (the lock after idle, the header's button, switching person): the player
/// is closed first, so their listening ends as theirs.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<SignInState, UiError> {
    state.close_player("closed")?;
    state.sign_in_with(|vault| {
        vault.sign_out();
        Ok::<_, VaultError>(())
    })
}

/// Everyone the vault knows, with their account.
#[tauri::command]
pub async fn accounts(state: State<'_, AppState>) -> Result<Vec<Account>, UiError> {
    state.read(|vault| vault.accounts())
}

/// Enrolls a person; returns the one-time passphrase to hand to them (shown once).
#[tauri::command]
pub async fn enroll_person(state: State<'_, AppState>, person: Person) -> Result<String, UiError> {
    state.with_vault(|vault| {
        let params = vault.sealing_params()?;
        vault.enroll_with_one_time_passphrase(person, params).map(|(_, one_time)| one_time)
    })
}

/// Resets a forgotten passphrase; returns the new one-time passphrase (shown once).
#[tauri::command]
pub async fn reset_passphrase(state: State<'_, AppState>, person_id: String) -> Result<String, UiError> {
    state.with_vault(|vault| {
        let params = vault.sealing_params()?;
        vault.reset_with_one_time_passphrase(&person_id, params)
    })
}

/// Marks a person as having left.
#[tauri::command]
pub async fn mark_left(state: State<'_, AppState>, person_id: String) -> Result<(), UiError> {
    state.with_vault(|vault| vault.mark_left(&person_id))
}

/// Changes a person's name, role or department.
#[tauri::command]
pub async fn set_person(state: State<'_, AppState>, person: Person) -> Result<Person, UiError> {
    state.with_vault(|vault| vault.set_person(person))
}

/// The "signed by" lines of the events at `seqs`.
#[tauri::command]
pub async fn signed_by(state: State<'_, AppState>, seqs: Vec<u64>) -> Result<Vec<SignedBy>, UiError> {
    state.read(|vault| vault.signed_by(&seqs))
}
