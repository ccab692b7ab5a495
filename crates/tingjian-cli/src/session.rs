//! Who a command acts as, and signing them in.
//!
//! In a vault with accounts every command that records anything needs a signed-in person: `--as
//! ID` names them and their passphrase is asked on the terminal without echo, or read from the
//! file `--passphrase-file` / `TINGJIAN_PASSPHRASE_FILE` names (for IT's scripts; the file should
//! be readable by its owner only). A vault without accounts (made before them) still takes the
//! typed id, as it always did.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use tingjian_core::{ErrorCode, UiError};
use tingjian_signing::SealingParams;
use tingjian_vault::Vault;
use zeroize::Zeroizing;

/// The environment variable naming a file that holds the passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "TINGJIAN_PASSPHRASE_FILE";

/// The folder IT chose, outside the vault, where checkpoints are written: by `tingjian checkpoint`
/// (unless `--out` names another) and whenever a quarter closes.
pub const CHECKPOINT_DIR_ENV: &str = "TINGJIAN_CHECKPOINT_DIR";

/// Set to `1` in a debug build, keys are sealed with argon2id costs cheap enough for tests that
/// make and open dozens of keys. A release build ignores it: a real person's key always gets the
/// full costs.
pub const TEST_SEALING_ENV: &str = "TINGJIAN_TEST_SEALING";

#[derive(Debug, Clone)]
pub struct Identity {
    pub actor: String,
    pub passphrase_file: Option<PathBuf>,
    pub new_passphrase_file: Option<PathBuf>,
}

impl Identity {
    /// Opens the vault in `dir` as this person: signed in when the vault has accounts.
    pub fn open(&self, dir: &Path) -> Result<Vault, UiError> {
        let mut vault = Vault::open(dir, &self.actor)?;
        if vault.has_accounts()? {
            let passphrase = self.passphrase("口令 / passphrase")?;
            vault.sign_in(&self.actor, &passphrase)?;
        }
        Ok(vault)
    }

    /// The person's current passphrase: from the file, else asked on the terminal.
    pub fn passphrase(&self, prompt: &str) -> Result<Zeroizing<String>, UiError> {
        match &self.passphrase_file {
            Some(file) => read_passphrase_file(file),
            None => ask(&format!("{} — {prompt}: ", self.actor)),
        }
    }

    /// A new passphrase the person chooses: from `--new-passphrase-file`, else asked twice.
    pub fn new_passphrase(&self) -> Result<Zeroizing<String>, UiError> {
        if let Some(file) = &self.new_passphrase_file {
            return read_passphrase_file(file);
        }
        let first = ask(&format!("{} — 新口令 / new passphrase: ", self.actor))?;
        let again = ask(&format!("{} — 再输入一次 / once more: ", self.actor))?;
        if *first != *again {
            return Err(UiError {
                code: ErrorCode::InvalidInput,
                message_zh: "两次输入的口令不一致".to_owned(),
                message_en: "the two passphrases differ".to_owned(),
            });
        }
        Ok(first)
    }
}

/// The argon2id costs keys are sealed with: the vault's own choice (`Vault::sealing_params`, cheap
/// for a demo vault), or the cheap costs for tests; see [`TEST_SEALING_ENV`].
pub fn sealing_params(vault: &Vault) -> Result<SealingParams, UiError> {
    if cfg!(debug_assertions) && std::env::var(TEST_SEALING_ENV).is_ok_and(|v| v == "1") {
        Ok(SealingParams::FOR_TESTS)
    } else {
        Ok(vault.sealing_params()?)
    }
}

fn read_passphrase_file(path: &Path) -> Result<Zeroizing<String>, UiError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|error| UiError {
        code: ErrorCode::Io,
        message_zh: format!("无法读取口令文件 {}：{error}", path.display()),
        message_en: format!("cannot read the passphrase file {}: {error}", path.display()),
    })?);
    // One line: the passphrase, without the line break an editor or `echo` adds.
    let line = text.lines().next().unwrap_or_default();
    Ok(Zeroizing::new(line.to_owned()))
}

fn ask(prompt: &str) -> Result<Zeroizing<String>, UiError> {
    if !std::io::stdin().is_terminal() {
        return Err(UiError {
            code: ErrorCode::SignInRequired,
            message_zh: format!(
                "需要口令，但没有终端可询问：请用 --passphrase-file 或 {PASSPHRASE_FILE_ENV} 指定口令文件"
            ),
            message_en: format!(
                "a passphrase is needed and there is no terminal to ask on: give --passphrase-file or {PASSPHRASE_FILE_ENV}"
            ),
        });
    }
    rpassword::prompt_password(prompt).map(Zeroizing::new).map_err(|error| UiError {
        code: ErrorCode::Io,
        message_zh: format!("无法从终端读取口令：{error}"),
        message_en: format!("cannot read the passphrase from the terminal: {error}"),
    })
}
