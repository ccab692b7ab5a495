//! What the vault's benchmarks share.

use std::path::{Path, PathBuf};

/// The workspace's target folder, where each benchmark caches the vault it builds.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}
