//! The commands the UI may invoke. Each is a one-liner over a library function; errors cross to the
//! UI as [`UiError`] with a stable code.

use std::path::Path;
use std::sync::Mutex;

use tauri::State;
use tingjian_core::{ErrorCode, UiError};
use tingjian_vault::{Vault, VaultError, VaultStatus, VerifyReport};

/// The vault this window works on, or why it could not be opened (shown on the home screen).
#[derive(Debug)]
pub struct AppState {
    vault: Mutex<Result<Vault, UiError>>,
}

impl AppState {
    pub fn open(dir: &Path, actor: &str) -> Self {
        let vault = Vault::open_or_create(dir, actor).map_err(|e| UiError::from(&e));
        Self { vault: Mutex::new(vault) }
    }

    /// Runs `f` on the open vault, turning both "no vault" and the function's error into a
    /// [`UiError`].
    fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> Result<T, VaultError>) -> Result<T, UiError> {
        let mut guard = self.vault.lock().map_err(|_| UiError {
            code: ErrorCode::Internal,
            message_zh: "内部错误：档案库锁已损坏，请重启程序".to_owned(),
            message_en: "internal error: the vault lock is poisoned; restart the app".to_owned(),
        })?;
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
