//! `verify` for an auditor: the vault is read, never written, so a write-protected copy can be
//! checked and checking it changes no byte of it.
//!
//! SQLite writes beside a database even to read it (WAL mode's shared-memory index, journal
//! recovery), and opening a [`Vault`](crate::Vault) migrates its schema and removes left-over
//! files. So this path opens the database in one of three ways, each chosen because it cannot
//! write to the vault's folder:
//! - the usual case, a vault closed cleanly (no `-wal` file, or an empty one): SQLite's
//!   `immutable` mode, which reads the file and nothing else, takes no lock and creates nothing;
//! - a vault with a write-ahead log still beside it (copied while the app had it open, or left
//!   by a crash): a read-only connection, which SQLite serves from a read-only shared-memory file
//!   without writing it, and which reads consistently beside a running app on a writable vault;
//! - when neither can be used (the log without its shared-memory file in a folder that cannot be
//!   written, or a vault from an older Tingjian whose tables must be brought up to date before
//!   the log's replay can be compared with them): a private copy of the database and its log in
//!   a temporary folder, migrated there; the stored files are still read in place.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::checkpoint::CheckpointFile;
use crate::verify::{Target, verify_target};
use crate::{DATABASE_FILE, VaultError, VerifyReport, schema};

/// Verifies the vault in `dir` as [`Vault::verify`](crate::Vault::verify) does, without
/// writing anything to its folder: no migration, no clean-up, no lock file, no journal.
pub fn verify_without_writing(dir: &Path) -> Result<VerifyReport, VaultError> {
    verify_without_writing_against(dir, &[])
}

/// As [`verify_without_writing`], and against checkpoints kept outside the vault: each one the log
/// no longer extends is a problem naming its file.
pub fn verify_without_writing_against(dir: &Path, checkpoints: &[CheckpointFile]) -> Result<VerifyReport, VaultError> {
    crate::reject_non_directory(dir)?;
    let db = dir.join(DATABASE_FILE);
    if !db.is_file() {
        return Err(VaultError::NotFound { path: dir.to_owned() });
    }
    let wal = sibling(&db, "-wal");
    let log_beside = std::fs::metadata(&wal).is_ok_and(|meta| meta.len() > 0);
    let opened = if log_beside { open_read_only(&db) } else { open_immutable(&db) };
    // A database SQLite cannot open read-only in place, or one that needs migrating, is checked
    // on a private copy.
    let (conn, _copy) = match opened {
        Ok(conn) if schema::user_version(&conn)? == schema::LATEST_VERSION => (conn, None),
        Ok(conn) => {
            check_not_newer(dir, &conn)?;
            drop(conn);
            private_copy(dir, &db, log_beside.then_some(wal.as_path()))?
        }
        Err(_) => private_copy(dir, &db, log_beside.then_some(wal.as_path()))?,
    };
    verify_target(Target { root: dir, db: &conn }, checkpoints)
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The database file read as it is: SQLite neither looks for a log nor takes a lock, so nothing
/// is created beside it. Used only when there is no log to miss.
fn open_immutable(db: &Path) -> Result<Connection, VaultError> {
    let uri = format!("file:{}?immutable=1", uri_path(db));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    // Reading the schema version is the first real read: a file that is not a database fails here.
    schema::user_version(&conn)?;
    Ok(conn)
}

fn open_read_only(db: &Path) -> Result<Connection, VaultError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(db, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    schema::user_version(&conn)?;
    Ok(conn)
}

/// A path as a `file:` URI writes it: every byte but letters, digits, `/` and `-._~` is
/// percent-encoded (UTF-8 names included), so `?`, `#` and `%` in a folder name stay in the path.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(byte) {
            out.push(char::from(*byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn check_not_newer(dir: &Path, conn: &Connection) -> Result<(), VaultError> {
    let found = schema::user_version(conn)?;
    if found > schema::LATEST_VERSION {
        return Err(VaultError::SchemaTooNew { path: dir.to_owned(), found, supported: schema::LATEST_VERSION });
    }
    Ok(())
}

/// The database (and its log, if any) copied into a temporary folder that lives as long as the
/// returned guard, opened there, and migrated to this version's schema.
fn private_copy(
    dir: &Path,
    db: &Path,
    wal: Option<&Path>,
) -> Result<(Connection, Option<tempfile::TempDir>), VaultError> {
    let temp = tempfile::Builder::new()
        .prefix("tingjian-verify-")
        .tempdir()
        .map_err(|source| VaultError::from_io(&std::env::temp_dir(), source))?;
    let copy = temp.path().join(DATABASE_FILE);
    std::fs::copy(db, &copy).map_err(|source| VaultError::from_io(db, source))?;
    if let Some(wal) = wal {
        std::fs::copy(wal, sibling(&copy, "-wal")).map_err(|source| VaultError::from_io(wal, source))?;
    }
    let mut conn = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    check_not_newer(dir, &conn)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    schema::migrate(&tx)?;
    tx.commit()?;
    Ok((conn, Some(temp)))
}
