//! Schema migrations, applied in order inside one transaction and tracked by `user_version`.
//!
//! A migration is never edited once released; a change is a new migration at the end.

use rusqlite::Transaction;

use crate::VaultError;

const MIGRATIONS: &[&str] = &[
    // 1: the audit log and the first domain tables.
    r#"
    CREATE TABLE events (
        seq            INTEGER PRIMARY KEY,
        at             TEXT NOT NULL,
        actor          TEXT NOT NULL,
        kind           TEXT NOT NULL,
        payload        TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        prev_hash      TEXT NOT NULL,
        hash           TEXT NOT NULL UNIQUE
    );
    -- The application never updates or deletes an event. These triggers stop an accidental
    -- write; a deliberate one (dropping them first) is caught by `verify`.
    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

    CREATE TABLE vault_info (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        vault_id   TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        event_seq  INTEGER NOT NULL
    );
    CREATE TABLE people (
        id           TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role         TEXT NOT NULL,
        event_seq    INTEGER NOT NULL
    );
    CREATE TABLE quarters (
        id        TEXT PRIMARY KEY,
        starts_on TEXT NOT NULL,
        ends_on   TEXT NOT NULL,
        state     TEXT NOT NULL CHECK (state IN ('planning', 'open', 'closed')),
        event_seq INTEGER NOT NULL
    );
    CREATE TABLE recordings (
        hash          TEXT PRIMARY KEY,
        original_name TEXT NOT NULL,
        container     TEXT NOT NULL,
        codec         TEXT NOT NULL,
        sample_rate   INTEGER NOT NULL,
        channels      INTEGER NOT NULL,
        duration_ms   INTEGER NOT NULL,
        bytes         INTEGER NOT NULL,
        event_seq     INTEGER NOT NULL
    );
    CREATE TABLE complaints (
        number              TEXT PRIMARY KEY,
        accepted_at         TEXT NOT NULL,
        quarter             TEXT NOT NULL,
        channel             TEXT NOT NULL,
        business_line       TEXT NOT NULL,
        category            TEXT NOT NULL,
        department          TEXT NOT NULL,
        customer_name       TEXT NOT NULL,
        phone               TEXT NOT NULL,
        first_response_at   TEXT,
        resolved_at         TEXT,
        status              TEXT NOT NULL,
        recording_file      TEXT NOT NULL,
        regulator_forwarded INTEGER NOT NULL,
        summary             TEXT NOT NULL,
        recording_hash      TEXT REFERENCES recordings(hash),
        event_seq           INTEGER NOT NULL
    );
    CREATE INDEX complaints_by_quarter ON complaints(quarter);
    CREATE TABLE imports (
        event_seq          INTEGER PRIMARY KEY,
        at                 TEXT NOT NULL,
        actor              TEXT NOT NULL,
        source             TEXT NOT NULL,
        complaints_added   INTEGER NOT NULL,
        recordings_added   INTEGER NOT NULL,
        links_added        INTEGER NOT NULL
    );
    "#,
    // 2: call analytics (who spoke when) with each recording, as the import's decode found them.
    r#"
    ALTER TABLE recordings ADD COLUMN analytics TEXT;
    "#,
    // 3: what each import saw: the export's digest and how much it rejected or warned about.
    r#"
    ALTER TABLE imports ADD COLUMN manifest_blake3 TEXT NOT NULL DEFAULT '';
    ALTER TABLE imports ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE imports ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;
    "#,
    // 4: settings kept through the log, such as the import's column mapping.
    r#"
    CREATE TABLE settings (
        key       TEXT PRIMARY KEY,
        value     TEXT NOT NULL,
        event_seq INTEGER NOT NULL
    );
    "#,
    // 5: listening sessions and the stretches of each recording they played (proof of listening).
    r#"
    CREATE TABLE listening_sessions (
        id               TEXT PRIMARY KEY,
        recording_hash   TEXT NOT NULL REFERENCES recordings(hash),
        complaint_number TEXT,
        person           TEXT NOT NULL,
        device           TEXT NOT NULL,
        started_at       TEXT NOT NULL,
        last_heard_at    TEXT NOT NULL,
        ended_at         TEXT,
        end_reason       TEXT,
        event_seq        INTEGER NOT NULL
    );
    CREATE INDEX listening_sessions_by_recording ON listening_sessions(recording_hash);
    CREATE TABLE listening_spans (
        id         INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES listening_sessions(id),
        start_ms   INTEGER NOT NULL,
        end_ms     INTEGER NOT NULL,
        channel    TEXT NOT NULL,
        event_seq  INTEGER NOT NULL
    );
    CREATE INDEX listening_spans_by_session ON listening_spans(session_id);
    "#,
    // 6: quarterly sampling: the policy per quarter, the current draw per quarter and its
    // assignments (who hears which call by when). The draw itself (inputs and result) is the
    // `sample_drawn` event; these tables are what the app queries.
    r#"
    CREATE TABLE sampling_policies (
        quarter   TEXT PRIMARY KEY,
        policy    TEXT NOT NULL,
        event_seq INTEGER NOT NULL
    );
    CREATE TABLE sample_draws (
        quarter                TEXT PRIMARY KEY,
        algorithm              INTEGER NOT NULL,
        seed                   TEXT NOT NULL,
        drawn_at               TEXT NOT NULL,
        drawn_by               TEXT NOT NULL,
        population_fingerprint TEXT NOT NULL,
        population_size        INTEGER NOT NULL,
        shortfalls             TEXT NOT NULL,
        event_seq              INTEGER NOT NULL
    );
    CREATE TABLE assignments (
        id               TEXT PRIMARY KEY,
        quarter          TEXT NOT NULL,
        complaint_number TEXT NOT NULL,
        recording_hash   TEXT NOT NULL,
        department       TEXT NOT NULL,
        stratum          TEXT NOT NULL,
        reviewer_id      TEXT NOT NULL,
        due_date         TEXT NOT NULL,
        selected_by      TEXT NOT NULL,
        mandatory        TEXT NOT NULL,
        added_by_hand    TEXT,
        event_seq        INTEGER NOT NULL
    );
    CREATE INDEX assignments_by_quarter ON assignments(quarter, reviewer_id);
    CREATE INDEX assignments_by_complaint ON assignments(complaint_number);
    "#,
];

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// The domain tables `verify` rebuilds from the log, with the key that orders their rows.
pub const DOMAIN_TABLES: &[(&str, &str)] = &[
    ("vault_info", "id"),
    ("people", "id"),
    ("quarters", "id"),
    ("recordings", "hash"),
    ("complaints", "number"),
    ("imports", "event_seq"),
    ("settings", "key"),
    ("listening_sessions", "id"),
    ("listening_spans", "id"),
    ("sampling_policies", "quarter"),
    ("sample_draws", "quarter"),
    ("assignments", "id"),
];

pub fn user_version(conn: &rusqlite::Connection) -> Result<u32, VaultError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Applies every migration the database has not had yet, inside the caller's transaction.
pub fn migrate(tx: &Transaction<'_>) -> Result<(), VaultError> {
    let current = user_version(tx)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    Ok(())
}
