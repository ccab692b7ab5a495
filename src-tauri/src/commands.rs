//! The commands the UI may invoke. Each is a one-liner over a library function; errors cross to the
//! UI as [`UiError`] with a stable code.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tingjian_core::rectification::{Actor, CaseAction};
use tingjian_core::{ErrorCode, UiError};
use tingjian_import::{ColumnMapping, ExportPreview, ImportOptions, ImportProgress, ImportReport};
use tingjian_review::{Listening, PlayerOpened, PlayerSettings, PlayerUpdate, ReviewView, Waveform};
use tingjian_vault::{
    ComplaintPage, ComplaintQuery, Draft, LibraryFacets, Note, PersonalData, RectificationCase, RectificationFilter,
    RectificationRequest, RectificationSummary, RectificationView, Reflection, Vault, VaultError, VaultStatus,
    VerifyReport,
};
use ts_rs::TS;

/// The vault this window works on, or why it could not be opened (shown on the home screen).
#[derive(Debug)]
pub struct AppState {
    vault: Mutex<Result<Vault, UiError>>,
    /// The cancel flag of the import in progress, if one is running.
    import_cancel: Mutex<Option<Arc<AtomicBool>>>,
    /// The recording in the player, if one is loaded.
    player: Mutex<Option<OpenPlayer>>,
}

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
    pub fn open(dir: &Path, actor: &str) -> Self {
        let vault = Vault::open_or_create(dir, actor).map_err(|e| UiError::from(&e));
        Self { vault: Mutex::new(vault), import_cancel: Mutex::new(None), player: Mutex::new(None) }
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

    /// Runs `f` on the open vault, turning both "no vault" and the function's error into a
    /// [`UiError`].
    fn with_vault<T, E>(&self, f: impl FnOnce(&mut Vault) -> Result<T, E>) -> Result<T, UiError>
    where
        E: tingjian_core::Coded,
    {
        let mut guard = self.vault.lock().map_err(|_| internal("the vault lock is poisoned"))?;
        match guard.as_mut() {
            Ok(vault) => f(vault).map_err(|e| UiError::from(&e)),
            Err(error) => Err(error.clone()),
        }
    }
}

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Result<VaultStatus, UiError> {
    state.with_vault(|vault| vault.status())
}

/// Verifies on a connection of its own, on a worker thread: on a large vault it reads for a while,
/// and the rest of the app (the library, the player) must not wait for it.
#[tauri::command]
pub async fn verify_vault(state: State<'_, AppState>) -> Result<VerifyReport, UiError> {
    let (root, actor) =
        state.with_vault(|vault| Ok::<_, VaultError>((vault.root().to_owned(), vault.actor().to_owned())))?;
    tauri::async_runtime::spawn_blocking(move || Vault::open(&root, &actor).and_then(|vault| vault.verify()))
        .await
        .map_err(|_| internal("the verify thread stopped"))?
        .map_err(|e| UiError::from(&e))
}

/// One page of the library: `limit` rows from `offset`, and the total.
#[tauri::command]
pub async fn complaint_page(
    state: State<'_, AppState>,
    query: ComplaintQuery,
    offset: u32,
    limit: u32,
) -> Result<ComplaintPage, UiError> {
    state.with_vault(|vault| vault.complaint_page(&query, offset, limit))
}

#[tauri::command]
pub async fn library_facets(state: State<'_, AppState>) -> Result<LibraryFacets, UiError> {
    state.with_vault(|vault| vault.library_facets())
}

/// The export's header and first rows under `mapping`, or under the vault's saved mapping.
#[tauri::command]
pub async fn preview_export(
    state: State<'_, AppState>,
    path: PathBuf,
    mapping: Option<ColumnMapping>,
) -> Result<ExportPreview, UiError> {
    let mapping = match mapping {
        Some(mapping) => mapping,
        None => state.with_vault(|vault| tingjian_import::saved_mapping(vault))?,
    };
    tingjian_import::preview_manifest(&path, 8, &mapping).map_err(|e| UiError::from(&e))
}

/// What the import wizard asks for.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportRequest {
    pub manifest: String,
    pub recordings: String,
    pub link_pattern: Option<String>,
    /// The mapping as corrected in the preview; `None` uses the saved one.
    pub mapping: Option<ColumnMapping>,
    /// Keep the corrected mapping for next time.
    pub save_mapping: bool,
}

/// Runs an import on a worker thread, reporting progress over `on_progress`; `cancel_import`
/// stops it after the recording in hand.
#[tauri::command]
pub async fn import_files(
    app: AppHandle,
    request: ImportRequest,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, UiError> {
    let mut options =
        ImportOptions::with_link_pattern(request.link_pattern.as_deref()).map_err(|e| UiError::from(&e))?;
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

/// Writes the import's rejected inputs and warnings as CSV where the person chose to save them.
#[tauri::command]
pub async fn save_import_problems(path: PathBuf, report: ImportReport) -> Result<(), UiError> {
    std::fs::write(&path, report.problems_csv()).map_err(|source| UiError::from(&VaultError::Io { path, source }))
}

/// A recording opened for review: what it is, its complaint, analytics and coverage so far.
#[tauri::command]
pub async fn open_review(state: State<'_, AppState>, query: String) -> Result<ReviewView, UiError> {
    state.with_vault(|vault| tingjian_review::open_review(vault, &query).map(|(view, _)| view))
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
    state.with_vault(|vault| tingjian_review::waveform(vault, &hash, start_ms, end_ms, width))
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
    state.with_vault(|vault| vault.rectification_board(&filter))
}

#[tauri::command]
pub async fn rectification_view(state: State<'_, AppState>, case_id: String) -> Result<RectificationView, UiError> {
    state.with_vault(|vault| vault.rectification_view(&case_id))
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

/// A progress entry with evidence files, which are hashed and copied into the vault.
#[tauri::command]
pub async fn log_rectification_progress(
    state: State<'_, AppState>,
    case_id: String,
    action: u32,
    text: String,
    files: Vec<PathBuf>,
    marks_done: bool,
) -> Result<RectificationView, UiError> {
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
    state.with_vault(|vault| vault.rectification_actor())
}

/// Opens a copy of an evidence file (checked against its hash) with the system's program for it.
#[tauri::command]
pub async fn open_evidence(state: State<'_, AppState>, hash: String) -> Result<(), UiError> {
    let dir = std::env::temp_dir().join("tingjian-evidence");
    let copy = state.with_vault(|vault| vault.evidence_copy(&hash, &dir))?;
    open_with_system(&copy)
}

/// Hands a file to the desktop's default program for its type.
fn open_with_system(path: &Path) -> Result<(), UiError> {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    std::process::Command::new(opener)
        .arg(path)
        .spawn()
        .map(|_| ())
        .map_err(|source| UiError::from(&VaultError::Io { path: path.to_owned(), source }))
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
    let target = state.with_vault(|vault| vault.find_recording(&query))?;
    let loaded = Listening::load(target, None).map_err(|e| UiError::from(&e))?;
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
    state.with_vault(|vault| vault.sampling_policy(quarter))
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

/// Draws with the stored policy and a fresh seed from the OS; returns the dashboard after it.
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
    state.with_vault(|vault| vault.verify_sample(quarter))
}

#[tauri::command]
pub async fn quarter_dashboard(
    state: State<'_, AppState>,
    quarter: String,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.with_vault(|vault| vault.quarter_dashboard(quarter))
}

/// Opens (`open = true`) or closes the quarter; returns the dashboard after it.
#[tauri::command]
pub async fn set_quarter_open(
    state: State<'_, AppState>,
    quarter: String,
    open: bool,
) -> Result<tingjian_vault::QuarterDashboard, UiError> {
    let quarter = quarter_id(&quarter)?;
    state.with_vault(|vault| {
        if open { vault.open_quarter(quarter) } else { vault.close_quarter(quarter) }
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
    state.with_vault(|vault| {
        let person = vault.actor().to_owned();
        vault.my_assignments(quarter, &person)
    })
}
