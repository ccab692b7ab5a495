//! The content-addressed stores (recordings in `audio/`, evidence files in `evidence/`): each file
//! is kept once, named by the BLAKE3 hash of its bytes, under a two-character fan-out folder
//! (`audio/ab/abcdef…`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::VaultError;

#[derive(Debug, Clone)]
pub struct ContentStore {
    dir: PathBuf,
}

/// A file put into the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub hash: String,
    pub bytes: u64,
    /// False when the store already held these bytes.
    pub newly_stored: bool,
}

impl ContentStore {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The files stored under a hash that is not in `named`, last written over `older_than` ago:
    /// what a process killed between storing a file and recording its event leaves. Only
    /// hash-named files in their own fan-out folder count; links and anything else are left to
    /// `verify`'s stray-file check.
    pub fn unnamed_files(
        &self,
        named: &std::collections::HashSet<String>,
        older_than: std::time::Duration,
    ) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let Ok(fan_outs) = std::fs::read_dir(&self.dir) else { return found };
        for fan_out in fan_outs.flatten() {
            if !fan_out.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let Ok(files) = std::fs::read_dir(fan_out.path()) else { continue };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let in_place = crate::is_content_hash(&name) && name.get(..2) == fan_out.file_name().to_str();
                let old = file
                    .metadata()
                    .ok()
                    .filter(std::fs::Metadata::is_file)
                    .and_then(|meta| meta.modified().ok())
                    .and_then(|modified| modified.elapsed().ok())
                    .is_some_and(|age| age >= older_than);
                if in_place && old && !named.contains(&name) {
                    found.push(file.path());
                }
            }
        }
        found
    }

    /// Where the file with this hash lives (whether or not it is there).
    pub fn path_of(&self, hash: &str) -> PathBuf {
        let fan_out = hash.get(..2).unwrap_or("__");
        self.dir.join(fan_out).join(hash)
    }

    /// Hashes a file without storing it.
    pub fn hash_file(path: &Path) -> Result<(String, u64), VaultError> {
        let mut file = std::fs::File::open(path).map_err(|source| VaultError::Io { path: path.to_owned(), source })?;
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let read = file.read(&mut buffer).map_err(|source| VaultError::Io { path: path.to_owned(), source })?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            total += read as u64;
        }
        Ok((hasher.finalize().to_hex().to_string(), total))
    }

    /// Copies `source` into the store unless the same bytes are already there. The copy is written
    /// to a temporary name, synced, and renamed, so a crash never leaves a partial file under a
    /// hash name.
    pub fn put(&self, source: &Path) -> Result<StoredFile, VaultError> {
        let bytes = std::fs::read(source).map_err(|error| VaultError::Io { path: source.to_owned(), source: error })?;
        self.put_bytes(&bytes)
    }

    /// As [`ContentStore::put`], for bytes already in memory.
    pub fn put_bytes(&self, bytes: &[u8]) -> Result<StoredFile, VaultError> {
        let hash = blake3::hash(bytes).to_hex().to_string();
        self.put_hashed(&hash, bytes)
    }

    /// As [`ContentStore::put_bytes`], for bytes whose BLAKE3 hash the caller computed already (the
    /// importer hashes on its worker threads). The caller vouches for `hash`; `verify` rehashes
    /// every stored file, so a wrong one could not go unnoticed.
    pub fn put_hashed(&self, hash: &str, bytes: &[u8]) -> Result<StoredFile, VaultError> {
        let hash = hash.to_owned();
        let target = self.path_of(&hash);
        let size = bytes.len() as u64;
        if target.is_file() {
            return Ok(StoredFile { hash, bytes: size, newly_stored: false });
        }
        let folder = target.parent().unwrap_or(&self.dir).to_owned();
        crate::private::create_dir(&folder).map_err(|source| VaultError::from_io(&folder, source))?;
        let temporary = folder.join(format!(".{hash}.{}.partial", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = crate::private::create_file(&temporary)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &target)
        };
        write().map_err(|source| {
            let _ = std::fs::remove_file(&temporary);
            VaultError::from_io(&target, source)
        })?;
        Ok(StoredFile { hash, bytes: size, newly_stored: true })
    }
}
