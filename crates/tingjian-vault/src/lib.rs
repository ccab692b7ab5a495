//! The vault: a directory holding `vault.sqlite` and `audio/`, the content-addressed store.
//!
//! Every state change is an [`Event`] appended to a hash-chained log by [`Vault::record`], which
//! applies the event to the domain tables inside the same SQLite transaction. The domain tables are
//! a projection of the log: [`Vault::verify`] replays the log into a fresh database and compares, so
//! an edit to either the log or a domain table is found and named.

mod accounts;
mod apply;
mod authorize;
pub mod checkpoint;
mod column;
mod error;
pub mod event;
mod joint_draw;
mod library;
mod listening;
mod location;
mod metrics;
mod people;
mod private;
mod read_only;
mod rectification;
mod report;
mod review;
mod sampling;
mod schema;
mod status;
pub mod store;
mod verify;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;
use tingjian_core::time::{Clock, SystemClock};

pub use accounts::{
    Account, AccountState, DEMO_PASSPHRASE, DEMO_SEALING, FIRST_SIGN_IN_DELAY_AFTER, SignInState, SignedBy,
    max_sign_in_delay,
};
pub use checkpoint::{CheckpointFile, WrittenCheckpoint};
pub use error::{QuarterAction, VaultError};
pub use event::{Event, RecordedEvent};
pub use joint_draw::{DrawPreparation, DrawReadiness};
pub use library::{
    ComplaintPage, ComplaintQuery, ComplaintRow, ComplaintSort, LibraryFacets, MAX_PAGE_ROWS, MAX_SEARCH_CHARS,
};
pub use listening::{ListeningSessionReport, RecordingTarget};
pub use location::{ACTOR_ENV, VAULT_ENV, default_actor, default_vault_dir, resolve_vault_dir};
pub use metrics::{
    ClockFigures, ClockFinding, ComplaintClocks, FindingList, GroupFigures, HandlingExtension, HandlingMetrics,
    HandlingPause, LISTED_ON_SCREEN, UnavailableFigure, refresh_all_clock_columns,
};
pub use people::{IdUse, PERSON_ID_MAX_CHARS, assignable_role, check_person_id};
pub use read_only::{verify_without_writing, verify_without_writing_against};
pub use rectification::{
    EVIDENCE_MAX_BYTES, EvidenceFile, POLICY as RECTIFICATION_POLICY, RectificationFilter, RectificationSummary,
    RectificationView,
};
pub use report::{QuarterReport, REPORT_LISTED, ReportCall, ReportCase, ReportSummary, SeedDerivation};
pub use review::{
    ComplaintDetails, Draft, NOTE_MAX_CHARS, Note, PersonalData, RectificationCase, RectificationRequest, Reflection,
    TEXT_MAX_CHARS,
};
pub use sampling::{
    Assignment, DepartmentProgress, DrawSummary, LISTENED_PERCENT, MyAssignments, QuarterDashboard, QuarterSample,
    ReviewerProgress, SampleVerification,
};
pub use status::{DepartmentCount, VaultStatus};
pub use store::ContentStore;
pub use verify::{ProblemKind, VerifyProblem, VerifyReport};

/// The database file inside a vault directory.
pub const DATABASE_FILE: &str = "vault.sqlite";
/// The content-addressed audio folder inside a vault directory.
pub const AUDIO_DIR: &str = "audio";
/// Evidence files (documents, images, spreadsheets) attached to rectification progress, stored
/// like the audio: once, named by their BLAKE3 hash.
pub const EVIDENCE_DIR: &str = "evidence";
/// Data derived from the audio (waveform peaks): a cache, recomputable from the stored audio, so it
/// is not evidence and `verify` does not check it.
pub const DERIVED_DIR: &str = "derived";

/// An open vault. One per process and directory; not shared between threads without a lock.
///
/// It holds two connections to the database: a read-only one for every query, and the
/// [`write::Writer`], the only one that can change anything (see that module for why).
#[derive(Debug)]
pub struct Vault {
    root: PathBuf,
    read: Connection,
    writer: write::Writer,
    actor: String,
    /// The signed-in person's key, once they have signed in ([`Vault::sign_in`]); every event is
    /// then signed with it. Shared by the handles made from this one, so the secret exists once
    /// in memory, and wiped when the last handle signs out or is dropped.
    signer: Option<Arc<tingjian_signing::PersonKey>>,
    clock: Arc<dyn Clock>,
}

impl Vault {
    /// Creates a new vault in `dir` (made if missing), recording its creation as the first event.
    pub fn create(dir: &Path, actor: &str) -> Result<Self, VaultError> {
        Self::create_with_clock(dir, actor, Arc::new(SystemClock))
    }

    /// As [`Vault::create`], with the clock the events are stamped from.
    pub fn create_with_clock(dir: &Path, actor: &str, clock: Arc<dyn Clock>) -> Result<Self, VaultError> {
        let actor = check_person_id(actor, IdUse::Actor)?;
        reject_non_directory(dir)?;
        if dir.join(DATABASE_FILE).exists() {
            return Err(VaultError::AlreadyExists { path: dir.to_owned() });
        }
        private::create_dir(dir)
            .and_then(|()| private::restrict_dir(dir))
            .map_err(|source| VaultError::from_io(dir, source))?;
        probe_writable(dir)?;
        let db = dir.join(DATABASE_FILE);
        // An empty file is a new database to SQLite; made private first, it gives its write-ahead
        // log and shared-memory files its own permissions.
        private::create_file(&db).map_err(|source| VaultError::from_io(&db, source))?;
        let writer = write::Writer::open(&db, true)?;
        let read = write::open_read_only(&db)?;
        private::create_dir(&dir.join(AUDIO_DIR)).map_err(|source| VaultError::from_io(dir, source))?;
        let mut vault = Vault { root: dir.to_owned(), read, writer, actor: actor.to_owned(), signer: None, clock };
        let vault_id = new_vault_id(dir, vault.clock.now());
        vault.record(vec![Event::VaultCreated { vault_id, created_by: actor.to_owned() }])?;
        Ok(vault)
    }

    /// Opens an existing vault, bringing its schema up to date. Nothing is changed when the vault
    /// cannot be used (newer schema, read-only directory).
    pub fn open(dir: &Path, actor: &str) -> Result<Self, VaultError> {
        Self::open_with_clock(dir, actor, Arc::new(SystemClock))
    }

    /// As [`Vault::open`], with the clock the events are stamped from.
    pub fn open_with_clock(dir: &Path, actor: &str, clock: Arc<dyn Clock>) -> Result<Self, VaultError> {
        let actor = check_person_id(actor, IdUse::Actor)?;
        reject_non_directory(dir)?;
        let db = dir.join(DATABASE_FILE);
        if !db.is_file() {
            return Err(VaultError::NotFound { path: dir.to_owned() });
        }
        // SQLite cannot even read a WAL database from a directory it cannot write (it needs the
        // shared-memory file), so writability is checked first, with a clear error.
        probe_writable(dir)?;
        // The version check comes before anything that could write (journal mode, migrations), so a
        // vault from a newer Tingjian is left exactly as it was.
        let found = {
            let conn = write::open_read_write(&db, false)?;
            schema::user_version(&conn)?
        };
        if found > schema::LATEST_VERSION {
            return Err(VaultError::SchemaTooNew { path: dir.to_owned(), found, supported: schema::LATEST_VERSION });
        }
        let writer = write::Writer::open(&db, false)?;
        let read = write::open_read_only(&db)?;
        private::create_dir(&dir.join(AUDIO_DIR)).map_err(|source| VaultError::from_io(dir, source))?;
        let vault = Vault { root: dir.to_owned(), read, writer, actor: actor.to_owned(), signer: None, clock };
        // What a process killed while storing a file left behind; failing to remove it costs
        // nothing now, and `verify` names what stays.
        vault.clean_left_over_files();
        Ok(vault)
    }

    /// A second handle on this vault, for the same person and clock: its own read-only and
    /// writable connections, so one can read while the other writes (SQLite's WAL). The vault is
    /// already open, migrated and cleaned, so none of that is done again.
    pub fn another_handle(&self) -> Result<Self, VaultError> {
        let db = self.root.join(DATABASE_FILE);
        Ok(Vault {
            root: self.root.clone(),
            read: write::open_read_only(&db)?,
            writer: write::Writer::open(&db, false)?,
            actor: self.actor.clone(),
            signer: self.signer.clone(),
            clock: self.clock.clone(),
        })
    }

    /// Opens the vault in `dir`, creating it first when the directory holds none.
    pub fn open_or_create(dir: &Path, actor: &str) -> Result<Self, VaultError> {
        reject_non_directory(dir)?;
        if dir.join(DATABASE_FILE).is_file() { Self::open(dir, actor) } else { Self::create(dir, actor) }
    }

    /// The vault's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Who the events recorded through this handle are attributed to.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The clock events are stamped from.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The content-addressed store of evidence files attached to rectification progress.
    pub fn evidence(&self) -> ContentStore {
        ContentStore::new(self.root.join(EVIDENCE_DIR))
    }

    /// The content-addressed audio store.
    pub fn audio(&self) -> ContentStore {
        ContentStore::new(self.root.join(AUDIO_DIR))
    }

    /// Where the waveform peaks of the recording with this hash are cached.
    pub fn peaks_path(&self, hash: &str) -> PathBuf {
        self.root.join(DERIVED_DIR).join("peaks").join(format!("{hash}.tjpk"))
    }

    /// Removes what an interrupted process left in the stores, and returns the files removed.
    /// Opening a vault does this, and so does every import.
    ///
    /// - Temporary files (`.<hash>.<pid>.partial`) that the stores and the peaks cache write before
    ///   renaming, when no running process will finish them: their process no longer runs, or
    ///   (process ids are reused, and not every system says which run) they are over an hour old.
    /// - A stored file no event names, over a minute old. A file is stored a moment before the
    ///   event that names it is recorded, in the same call, so one a minute old without its event
    ///   was left by a process killed in between. No event names it, so it is not evidence; left
    ///   there, `verify` would report it as a stray file after every such kill.
    pub fn clean_left_over_files(&self) -> Vec<PathBuf> {
        let mut removed = Vec::new();
        for folder in self.temporary_folders() {
            for path in files_in(&folder) {
                if partial_left_over(&path) && std::fs::remove_file(&path).is_ok() {
                    removed.push(path);
                }
            }
        }
        for (store, named) in [(AUDIO_DIR, self.recording_hashes()), (EVIDENCE_DIR, self.evidence_hashes())] {
            // A vault that cannot be read now loses nothing: its files stay for the next open.
            let Ok(named) = named else { continue };
            let store = ContentStore::new(self.root.join(store));
            for path in store.unnamed_files(&named, JUST_STORED) {
                if std::fs::remove_file(&path).is_ok() {
                    removed.push(path);
                }
            }
        }
        removed
    }

    /// The folders the stores and the peaks cache write temporary files in.
    fn temporary_folders(&self) -> Vec<PathBuf> {
        let mut folders = vec![self.root.join(DERIVED_DIR).join("peaks")];
        for store in [AUDIO_DIR, EVIDENCE_DIR] {
            let dir = self.root.join(store);
            folders.push(dir.clone());
            // The two-character fan-out folders, not links to elsewhere.
            folders.extend(
                std::fs::read_dir(&dir)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|entry| entry.path()),
            );
        }
        folders
    }

    /// Caches the waveform peaks of a recording (written to a temporary name and renamed, so a
    /// reader never sees half a file).
    pub fn store_peaks(&self, hash: &str, bytes: &[u8]) -> Result<(), VaultError> {
        let path = self.peaks_path(hash);
        let folder = path.parent().unwrap_or(&self.root).to_owned();
        private::create_dir(&folder).map_err(|source| VaultError::from_io(&folder, source))?;
        let temporary = folder.join(format!(".{hash}.{}.partial", std::process::id()));
        private::write_file(&temporary, bytes)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .map_err(|source| VaultError::from_io(&path, source))
    }

    /// A setting kept through the log (e.g. `import_mapping`), as the JSON its event stored.
    pub fn setting(&self, key: &str) -> Result<Option<String>, VaultError> {
        use rusqlite::OptionalExtension;
        Ok(self.read.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0)).optional()?)
    }

    /// When the vault was created (its first event's moment).
    pub fn created_at(&self) -> Result<jiff::Timestamp, VaultError> {
        let text: String =
            self.read.query_row("SELECT created_at FROM vault_info WHERE id = 1", [], |row| row.get(0))?;
        text.parse().map_err(|error| VaultError::Corrupt { seq: 1, reason: format!("creation time {text:?}: {error}") })
    }

    /// The read-only connection every query of the crate goes through.
    pub(crate) fn db(&self) -> &Connection {
        &self.read
    }

    /// Appends `events` to the audit chain and applies each to the domain tables, all in one
    /// transaction: either every event and its effect is stored, or none is.
    pub fn record(&mut self, events: Vec<Event>) -> Result<Vec<RecordedEvent>, VaultError> {
        self.writer.record(self.clock.now(), &self.actor, self.signer.as_deref(), events)
    }

    /// The whole audit log in position order, as stored.
    pub fn events(&self) -> Result<Vec<RecordedEvent>, VaultError> {
        event::read_all(&self.read)
    }

    /// The event at `seq`, if the log has one there.
    pub fn event_at(&self, seq: u64) -> Result<Option<RecordedEvent>, VaultError> {
        event::read_at(&self.read, seq)
    }

    /// The vault at a glance: current quarter, counts, chain head.
    pub fn status(&self) -> Result<VaultStatus, VaultError> {
        status::status(self)
    }

    /// Recomputes the audit chain, replays it against the domain tables and rehashes the audio.
    pub fn verify(&self) -> Result<VerifyReport, VaultError> {
        verify::verify(self)
    }

    /// As [`Vault::verify`], and against checkpoints kept outside the vault.
    pub fn verify_against(&self, checkpoints: &[CheckpointFile]) -> Result<VerifyReport, VaultError> {
        verify::verify_against(self, checkpoints)
    }
}

/// True when `text` has the shape of a stored file's name: 64 lowercase hexadecimal characters
/// (a BLAKE3 hash). Anything else (`..`, a path, a prefix) names no stored file.
pub fn is_content_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The regular files directly in `folder` (none when it cannot be read).
fn files_in(folder: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .map(|entry| entry.path())
        .collect()
}

/// The process id in a temporary file's name (`.<hash>.<pid>.partial`), if it is one.
pub(crate) fn partial_pid(name: &str) -> Option<u32> {
    let (_, pid) = name.strip_prefix('.')?.strip_suffix(".partial")?.rsplit_once('.')?;
    pid.parse().ok()
}

/// How long a stored file may wait for the event that names it: it is stored a moment before
/// the event is recorded (possibly by another process), so a younger one is never judged.
pub(crate) const JUST_STORED: std::time::Duration = std::time::Duration::from_secs(60);

/// How old a temporary file must be to count as left over even when a process with its id runs.
const LEFT_OVER_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether the process `pid` runs, where the system can tell (Linux's `/proc`).
fn process_runs(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
}

/// A temporary file of the stores that no running process will finish.
pub(crate) fn partial_left_over(path: &Path) -> bool {
    let Some(pid) = path.file_name().and_then(|n| n.to_str()).and_then(partial_pid) else { return false };
    let old = std::fs::symlink_metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age > LEFT_OVER_AFTER);
    old || process_runs(pid) == Some(false)
}

pub(crate) fn reject_non_directory(dir: &Path) -> Result<(), VaultError> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(VaultError::NotADirectory { path: dir.to_owned() }),
        _ => Ok(()),
    }
}

/// Proves the directory can be written by writing to it, because permission bits do not tell
/// (read-only mounts, ACLs, and root ignoring the bits).
fn probe_writable(dir: &Path) -> Result<(), VaultError> {
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(source) => Err(VaultError::from_io(dir, source)),
    }
}

fn new_vault_id(dir: &Path, now: jiff::Timestamp) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(dir.as_os_str().as_encoded_bytes());
    hasher.update(now.to_string().as_bytes());
    hasher.update(&std::process::id().to_le_bytes());
    hasher.finalize().to_hex()[..20].to_owned()
}
