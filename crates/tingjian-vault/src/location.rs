//! Where the vault lives: `--vault`, then `TINGJIAN_VAULT`, then the OS data directory.

use std::path::PathBuf;

/// The environment variable that names the vault directory.
pub const VAULT_ENV: &str = "TINGJIAN_VAULT";

/// The vault in the OS data directory (`~/.local/share/tingjian/vault` on Linux).
pub fn default_vault_dir() -> PathBuf {
    directories::ProjectDirs::from("cn", "Tingjian", "tingjian")
        .map(|dirs| dirs.data_dir().join("vault"))
        .unwrap_or_else(|| PathBuf::from("tingjian-vault"))
}

/// The vault directory to use: the explicit path if given, else `TINGJIAN_VAULT`, else the default.
/// The CLI and the desktop app both resolve it here so they always agree.
pub fn resolve_vault_dir(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| std::env::var_os(VAULT_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(default_vault_dir)
}

/// The environment variable that names who is acting, until accounts with passphrases exist.
pub const ACTOR_ENV: &str = "TINGJIAN_USER";

/// Who the events of this process are attributed to: `TINGJIAN_USER`, else the OS account name.
pub fn default_actor() -> String {
    [ACTOR_ENV, "USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}
