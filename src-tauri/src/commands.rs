//! The commands the UI may invoke. Each is a one-liner over a library function; errors cross to the
//! UI as [`UiError`] with a stable code.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tingjian_core::{ErrorCode, UiError};
use tingjian_import::{ColumnMapping, ExportPreview, ImportOptions, ImportProgress, ImportReport};
use tingjian_vault::{ComplaintQuery, ComplaintRow, LibraryFacets, Vault, VaultError, VaultStatus, VerifyReport};
use ts_rs::TS;

/// The vault this window works on, or why it could not be opened (shown on the home screen).
#[derive(Debug)]
pub struct AppState {
    vault: Mutex<Result<Vault, UiError>>,
    /// The cancel flag of the import in progress, if one is running.
    import_cancel: Mutex<Option<Arc<AtomicBool>>>,
}

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
        Self { vault: Mutex::new(vault), import_cancel: Mutex::new(None) }
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

#[tauri::command]
pub async fn verify_vault(state: State<'_, AppState>) -> Result<VerifyReport, UiError> {
    state.with_vault(|vault| vault.verify())
}

#[tauri::command]
pub async fn list_complaints(state: State<'_, AppState>, query: ComplaintQuery) -> Result<Vec<ComplaintRow>, UiError> {
    state.with_vault(|vault| vault.complaints(&query))
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
