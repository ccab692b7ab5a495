//! The one writable connection to a vault's database.
//!
//! Its connection is private to this module, so no other code in the crate (let alone outside
//! it) can reach a handle that writes: the domain tables change only by an event appended to the
//! chain and applied in the same transaction ([`Writer::record`]), and the only other writes are a
//! person's unsubmitted draft, which is their scratch space and not evidence. Every query goes
//! through the vault's separate read-only connection, where a stray `INSERT` fails.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use tingjian_signing::{PersonKey, SealedKey};

use crate::event::{self, Event, RecordedEvent};
use crate::{VaultError, apply, schema};

/// A key's sealed secret to keep beside the event introducing it.
pub(crate) struct NewSealedKey<'a> {
    pub person_id: &'a str,
    pub key: &'a SealedKey,
    /// A one-time passphrase seals it: its person must choose their own at first sign-in.
    pub must_change: bool,
}

#[derive(Debug)]
pub(crate) struct Writer {
    conn: Connection,
}

impl Writer {
    /// Opens (or, with `create`, makes) the database read-write, configured, with every migration
    /// applied.
    pub(crate) fn open(db: &Path, create: bool) -> Result<Self, VaultError> {
        let mut conn = open_read_write(db, create)?;
        // WAL lets the app read while an import writes; FULL sync because evidence that vanishes
        // in a power cut is worse than a slower write.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Deleted content (a superseded draft, a shredded value) is overwritten, not left in free
        // pages for anyone with the file to read.
        conn.pragma_update(None, "secure_delete", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if schema::user_version(&conn)? < schema::LATEST_VERSION {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            schema::migrate(&tx)?;
            tx.commit()?;
        }
        Ok(Writer { conn })
    }

    /// Appends `events` to the audit chain and applies each to the domain tables, all in one
    /// transaction: either every event and its effect is stored, or none is.
    pub(crate) fn record(
        &mut self,
        at: Timestamp,
        actor: &str,
        signer: Option<&PersonKey>,
        events: Vec<Event>,
    ) -> Result<Vec<RecordedEvent>, VaultError> {
        self.record_keeping(at, actor, signer, events, None)
    }

    /// As [`Writer::record`], also keeping a newly made key's sealed secret in the same
    /// transaction, so a key is never introduced without the sealed secret its person opens it
    /// with, nor kept without the event that introduced it.
    pub(crate) fn record_keeping(
        &mut self,
        at: Timestamp,
        actor: &str,
        signer: Option<&PersonKey>,
        events: Vec<Event>,
        sealed: Option<&NewSealedKey<'_>>,
    ) -> Result<Vec<RecordedEvent>, VaultError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut recorded = Vec::with_capacity(events.len());
        for event in events {
            let entry = event::append(&tx, at, actor, signer, &event)?;
            apply::apply(&tx, &entry, &event)?;
            recorded.push(entry);
        }
        if let Some(sealed) = sealed {
            tx.execute(
                "INSERT INTO sealed_keys (public_key, person_id, sealed, must_change) VALUES (?1, ?2, ?3, ?4)",
                params![
                    sealed.key.public_key().to_base64(),
                    sealed.person_id,
                    sealed.key.to_json()?,
                    sealed.must_change
                ],
            )?;
        }
        tx.commit()?;
        Ok(recorded)
    }

    /// Counts a wrong passphrase against the key (`failed_at` is when), or clears the count after
    /// a right one (`None`). The count is what sign-in's growing delay is worked out from.
    pub(crate) fn note_sign_in(&self, public_key: &str, failed_at: Option<&str>) -> Result<(), VaultError> {
        match failed_at {
            Some(at) => self.conn.execute(
                "UPDATE sealed_keys SET failed_attempts = failed_attempts + 1, last_failed_at = ?2 WHERE public_key = ?1",
                params![public_key, at],
            )?,
            None => self.conn.execute(
                "UPDATE sealed_keys SET failed_attempts = 0, last_failed_at = NULL WHERE public_key = ?1",
                params![public_key],
            )?,
        };
        Ok(())
    }

    /// Keeps `person`'s draft under `key`, replacing an earlier one.
    pub(crate) fn keep_draft(&self, person: &str, key: &str, text: &str, saved_at: &str) -> Result<(), VaultError> {
        self.conn.execute(
            "INSERT INTO drafts (person, key, text, saved_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(person, key) DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at",
            params![person, key, text, saved_at],
        )?;
        Ok(())
    }

    /// Drops `person`'s draft under `key`, if there is one.
    pub(crate) fn drop_draft(&self, person: &str, key: &str) -> Result<(), VaultError> {
        self.conn.execute("DELETE FROM drafts WHERE person = ?1 AND key = ?2", params![person, key])?;
        Ok(())
    }
}

pub(crate) fn open_read_write(db: &Path, create: bool) -> Result<Connection, VaultError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    Ok(Connection::open_with_flags(db, flags)?)
}

/// A read-only connection for queries. It is opened after the [`Writer`], which has put the
/// database in WAL mode and brought its schema up to date, so it reads a consistent snapshot per
/// statement while the writer commits, and it cannot write at all.
pub(crate) fn open_read_only(db: &Path) -> Result<Connection, VaultError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(db, flags)?;
    // 64 MiB of page cache (SQLite's default is 2 MiB): the library's tables and indexes on
    // 100,000 complaints stay in memory, so paging and searching do not go back to the file.
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use crate::Vault;

    #[test]
    fn the_connection_queries_go_through_cannot_write() {
        let temp = tempfile::tempdir().expect("tempdir");
        let vault = Vault::create(&temp.path().join("v"), "li.min").expect("create");
        let refused = vault.db().execute("DELETE FROM vault_info", []).expect_err("a read-only connection");
        assert!(refused.to_string().contains("readonly"), "{refused}");
        assert!(vault.verify().expect("verify").ok, "nothing was changed");
    }

    #[test]
    fn another_handle_reads_what_the_first_one_records() {
        let temp = tempfile::tempdir().expect("tempdir");
        let mut vault = Vault::create(&temp.path().join("v"), "li.min").expect("create");
        let reader = vault.another_handle().expect("a second handle");
        vault.record(vec![crate::Event::DemoDataAdded { seed: 1 }]).expect("record");
        assert_eq!(reader.events().expect("events").len(), 2, "the reader sees the commit at once");
        assert!(reader.status().expect("status").demo);
    }
}
