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
    // 7: the review workspace: notes pinned to moments of a call, submitted reflections, reveals of
    // personal data, rectification cases opened from a review, reflection drafts (kept outside the
    // log: see below) and the full-text index the library searches.
    r#"
    CREATE TABLE notes (
        id               TEXT PRIMARY KEY,
        complaint_number TEXT NOT NULL,
        recording_hash   TEXT NOT NULL,
        person           TEXT NOT NULL,
        at_ms            INTEGER NOT NULL,
        text             TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        edited_at        TEXT,
        event_seq        INTEGER NOT NULL
    );
    CREATE INDEX notes_by_complaint ON notes(complaint_number, at_ms);
    CREATE TABLE reflections (
        id               TEXT PRIMARY KEY,
        complaint_number TEXT NOT NULL,
        person           TEXT NOT NULL,
        text             TEXT NOT NULL,
        submitted_at     TEXT NOT NULL,
        event_seq        INTEGER NOT NULL
    );
    CREATE INDEX reflections_by_complaint ON reflections(complaint_number);
    CREATE TABLE personal_data_reveals (
        event_seq        INTEGER PRIMARY KEY,
        complaint_number TEXT NOT NULL,
        person           TEXT NOT NULL,
        at               TEXT NOT NULL,
        reason           TEXT NOT NULL
    );
    CREATE TABLE rectification_cases (
        id               TEXT PRIMARY KEY,
        complaint_number TEXT NOT NULL,
        recording_hash   TEXT,
        department       TEXT NOT NULL,
        what_must_change TEXT NOT NULL,
        note_ids         TEXT NOT NULL,
        severity         TEXT NOT NULL,
        due_date         TEXT NOT NULL,
        state            TEXT NOT NULL,
        opened_by        TEXT NOT NULL,
        opened_at        TEXT NOT NULL,
        event_seq        INTEGER NOT NULL
    );
    CREATE INDEX rectification_cases_by_complaint ON rectification_cases(complaint_number);
    -- A draft is work in progress, not evidence: it is saved as the person types (so a crash or a
    -- power cut loses nothing), never goes through the log, and is not part of `verify`. Submitting
    -- it is the event.
    CREATE TABLE drafts (
        person    TEXT NOT NULL,
        key       TEXT NOT NULL,
        text      TEXT NOT NULL,
        saved_at  TEXT NOT NULL,
        PRIMARY KEY (person, key)
    );
    -- The library's full-text index over number, summary and notes, derived from the domain tables
    -- by triggers (so replaying the log rebuilds it too). Trigram tokens make substring search work
    -- for Chinese, which has no spaces between words.
    CREATE VIRTUAL TABLE complaint_search USING fts5(number, summary, notes, tokenize = 'trigram');
    -- Trigrams cannot find a two-character word (理财, 保险), the commonest Chinese search, and
    -- scanning for one takes ~100 ms on 100,000 complaints. So the same three columns are also kept
    -- cut into overlapping two-character tokens, the last character alone at the end ("理财产品" →
    -- "理财 财产 产品 品"), indexed without positions: a two-character search is one token lookup,
    -- a one-character search a prefix lookup. The cutting is plain SQL (json_each over as many
    -- positions as the text has characters), so the `sqlite3` command can still write these
    -- tables, e.g. when an auditor tests `verify`.
    CREATE VIRTUAL TABLE complaint_bigrams USING fts5(
        number, summary, notes, tokenize = 'unicode61 remove_diacritics 0', detail = none
    );
    INSERT INTO complaint_search (rowid, number, summary, notes) SELECT rowid, number, summary, '' FROM complaints;
    INSERT INTO complaint_bigrams (rowid, number, summary, notes)
    SELECT c.rowid,
        (SELECT group_concat(substr(c.number, j.key + 1, 2), ' ')
         FROM json_each('[' || replace(hex(zeroblob(max(length(c.number) - 1, 0))), '00', '0,') || '0]') j),
        (SELECT group_concat(substr(c.summary, j.key + 1, 2), ' ')
         FROM json_each('[' || replace(hex(zeroblob(max(length(c.summary) - 1, 0))), '00', '0,') || '0]') j),
        ''
    FROM complaints c;
    CREATE TRIGGER complaint_search_insert AFTER INSERT ON complaints BEGIN
        INSERT INTO complaint_search (rowid, number, summary, notes) VALUES (new.rowid, new.number, new.summary, '');
        INSERT INTO complaint_bigrams (rowid, number, summary, notes) VALUES (
            new.rowid,
            (SELECT group_concat(substr(new.number, j.key + 1, 2), ' ')
             FROM json_each('[' || replace(hex(zeroblob(max(length(new.number) - 1, 0))), '00', '0,') || '0]') j),
            (SELECT group_concat(substr(new.summary, j.key + 1, 2), ' ')
             FROM json_each('[' || replace(hex(zeroblob(max(length(new.summary) - 1, 0))), '00', '0,') || '0]') j),
            ''
        );
    END;
    CREATE TRIGGER complaint_search_update AFTER UPDATE OF summary ON complaints BEGIN
        UPDATE complaint_search SET summary = new.summary WHERE rowid = new.rowid;
        UPDATE complaint_bigrams
        SET summary = (SELECT group_concat(substr(new.summary, j.key + 1, 2), ' ')
            FROM json_each('[' || replace(hex(zeroblob(max(length(new.summary) - 1, 0))), '00', '0,') || '0]') j)
        WHERE rowid = new.rowid;
    END;
    CREATE TRIGGER complaint_search_note_insert AFTER INSERT ON notes BEGIN
        UPDATE complaint_search
        SET notes = (SELECT group_concat(text, char(10)) FROM notes WHERE complaint_number = new.complaint_number)
        WHERE rowid = (SELECT rowid FROM complaints WHERE number = new.complaint_number);
        UPDATE complaint_bigrams
        SET notes = (SELECT group_concat(substr(s.notes, j.key + 1, 2), ' ')
            FROM complaint_search s,
                 json_each('[' || replace(hex(zeroblob(max(length(s.notes) - 1, 0))), '00', '0,') || '0]') j
            WHERE s.rowid = (SELECT rowid FROM complaints WHERE number = new.complaint_number))
        WHERE rowid = (SELECT rowid FROM complaints WHERE number = new.complaint_number);
    END;
    CREATE TRIGGER complaint_search_note_update AFTER UPDATE OF text ON notes BEGIN
        UPDATE complaint_search
        SET notes = (SELECT group_concat(text, char(10)) FROM notes WHERE complaint_number = new.complaint_number)
        WHERE rowid = (SELECT rowid FROM complaints WHERE number = new.complaint_number);
        UPDATE complaint_bigrams
        SET notes = (SELECT group_concat(substr(s.notes, j.key + 1, 2), ' ')
            FROM complaint_search s,
                 json_each('[' || replace(hex(zeroblob(max(length(s.notes) - 1, 0))), '00', '0,') || '0]') j
            WHERE s.rowid = (SELECT rowid FROM complaints WHERE number = new.complaint_number))
        WHERE rowid = (SELECT rowid FROM complaints WHERE number = new.complaint_number);
    END;
    CREATE TRIGGER complaint_search_delete AFTER DELETE ON complaints BEGIN
        DELETE FROM complaint_search WHERE rowid = old.rowid;
        DELETE FROM complaint_bigrams WHERE rowid = old.rowid;
    END;
    -- The library's filters and sort orders: each column, then the acceptance time and the number
    -- (the order within a value), so that a filtered or sorted page is a walk along one index.
    DROP INDEX complaints_by_quarter;
    CREATE INDEX complaints_by_quarter ON complaints(quarter, accepted_at, number);
    CREATE INDEX complaints_by_accepted_at ON complaints(accepted_at, number);
    CREATE INDEX complaints_by_department ON complaints(department, accepted_at, number);
    CREATE INDEX complaints_by_business_line ON complaints(business_line, accepted_at, number);
    CREATE INDEX complaints_by_category ON complaints(category, accepted_at, number);
    CREATE INDEX complaints_by_channel ON complaints(channel, accepted_at, number);
    CREATE INDEX complaints_by_regulator_forwarded ON complaints(regulator_forwarded, accepted_at, number);
    CREATE INDEX complaints_by_recording ON complaints(recording_hash, accepted_at, number);
    CREATE INDEX recordings_by_duration ON recordings(duration_ms, hash);
    "#,
    // 8: rectification tracked to a verified close: each case's rules state (the core `Case` as
    // JSON, rebuilt by replaying its steps), people's departments (a department head answers for
    // one), and the evidence files attached to progress entries.
    r#"
    ALTER TABLE people ADD COLUMN department TEXT;
    ALTER TABLE rectification_cases ADD COLUMN rules TEXT NOT NULL DEFAULT '';
    CREATE INDEX rectification_cases_by_state ON rectification_cases(state, department);
    CREATE TABLE evidence_files (
        hash      TEXT PRIMARY KEY,
        name      TEXT NOT NULL,
        bytes     INTEGER NOT NULL,
        case_id   TEXT NOT NULL,
        event_seq INTEGER NOT NULL
    );
    "#,
    // 9: a demo vault is marked by the event that first filled it with demo data.
    r#"
    ALTER TABLE vault_info ADD COLUMN demo_since_seq INTEGER;
    "#,
    // 10: each event names the format its payload is written in (see `event::EVENT_FORMAT`); the
    // events written before were all format 1. The format is part of the chain hash's recipe
    // (`tingjian-event-v{format}`), so changing it breaks the chain like any other edit.
    r#"
    ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
    "#,
    // 11: accounts and per-person signatures (event format 2). An event's signature (base64, by
    // its actor's key over its hash) sits beside it, outside the hash it signs; events of format 1
    // have none. `person_keys` is the public record of every key introduced, which event
    // introduced it and which revoked it, rebuilt by replay like any domain table. `sealed_keys`
    // holds each key's secret sealed by its person's passphrase: it is not evidence (nothing is
    // proved by it, and a sealed key is useless without the passphrase), so `verify` does not
    // compare it, like `drafts`. `accounts_since_seq` marks the event from which every event
    // must be signed.
    r#"
    ALTER TABLE events ADD COLUMN signature TEXT;
    ALTER TABLE people ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
    ALTER TABLE vault_info ADD COLUMN accounts_since_seq INTEGER;
    CREATE TABLE person_keys (
        public_key     TEXT PRIMARY KEY,
        person_id      TEXT NOT NULL,
        fingerprint    TEXT NOT NULL,
        reason         TEXT NOT NULL,
        introduced_seq INTEGER NOT NULL,
        revoked_seq    INTEGER,
        event_seq      INTEGER NOT NULL
    );
    CREATE INDEX person_keys_in_force ON person_keys(person_id, revoked_seq);
    CREATE TABLE sealed_keys (
        public_key      TEXT PRIMARY KEY,
        person_id       TEXT NOT NULL,
        sealed          TEXT NOT NULL,
        must_change     INTEGER NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        last_failed_at  TEXT
    );
    "#,
    // 12: draws seeded by two people (event format 3), events found by kind (a case's steps, for
    // their "signed by" lines), when a complaint was passed to its unit (the response clock), and
    // the handling clock's extensions and pauses. `complaints_clocks` holds every column the
    // quarter's figures read, so they scan a narrow index instead of the wide complaint rows.
    // `draw_preparations` follows each preparation from its commitment to its witness and its draw.
    r#"
    ALTER TABLE sample_draws ADD COLUMN prepared_seq INTEGER;
    CREATE TABLE draw_preparations (
        prepared_seq           INTEGER PRIMARY KEY,
        quarter                TEXT NOT NULL,
        prepared_by            TEXT NOT NULL,
        prepared_at            TEXT NOT NULL,
        prepared_key           TEXT NOT NULL,
        prepared_hash          TEXT NOT NULL,
        nonce                  TEXT NOT NULL,
        commitment             TEXT NOT NULL,
        policy_seq             INTEGER NOT NULL,
        population_fingerprint TEXT NOT NULL,
        witnessed_seq          INTEGER,
        witnessed_by           TEXT,
        witnessed_at           TEXT,
        witness_share          TEXT,
        drawn_seq              INTEGER,
        event_seq              INTEGER NOT NULL
    );
    CREATE INDEX draw_preparations_by_quarter ON draw_preparations(quarter, prepared_seq);
    CREATE INDEX events_by_kind ON events(kind, seq);
    ALTER TABLE complaints ADD COLUMN dispatched_at TEXT;
    CREATE INDEX complaints_clocks ON complaints(quarter, department, accepted_at, dispatched_at, first_response_at,
        resolved_at, number, recording_hash);
    CREATE TABLE handling_extensions (
        complaint_number TEXT PRIMARY KEY,
        limit_days       INTEGER NOT NULL,
        approver         TEXT,
        reason           TEXT NOT NULL,
        extended_by      TEXT NOT NULL,
        extended_at      TEXT NOT NULL,
        event_seq        INTEGER NOT NULL
    );
    CREATE TABLE handling_pauses (
        complaint_number TEXT NOT NULL,
        from_at          TEXT NOT NULL,
        to_at            TEXT,
        reason           TEXT NOT NULL,
        event_seq        INTEGER NOT NULL,
        PRIMARY KEY (complaint_number, from_at)
    );
    "#,
    // 13: the quarter's handling figures without a clock per complaint. Each complaint keeps the
    // outcome of its two clocks where no later instant can change it (on time, late, contradictory)
    // and, while it is pending or undecided, the instant it turns late (`*_due`, microseconds since
    // 1970); `clock_month` is its month of acceptance in branch time (`year * 12 + month - 1`).
    // `clock_tallies` counts complaints by quarter, department, month, the two states and whether
    // a dispatch time is known, kept by triggers on every insert, update and delete, so the figures
    // read a few hundred rows and only pending or undecided complaints are judged at the moment
    // asked. The lists' indexes leave out on-time complaints (most of them): no list shows those.
    // The columns are written by `metrics::refresh_clock_columns` (the one place that calls
    // the clocks for them), then filled for complaints already stored (`migrate`).
    r#"
    DROP INDEX complaints_clocks;
    ALTER TABLE complaints ADD COLUMN clock_month INTEGER;
    ALTER TABLE complaints ADD COLUMN response_state INTEGER;
    ALTER TABLE complaints ADD COLUMN response_due INTEGER;
    ALTER TABLE complaints ADD COLUMN handling_state INTEGER;
    ALTER TABLE complaints ADD COLUMN handling_due INTEGER;
    CREATE TABLE clock_tallies (
        tally          TEXT PRIMARY KEY,
        quarter        TEXT NOT NULL,
        department     TEXT NOT NULL,
        clock_month    INTEGER NOT NULL,
        response_state INTEGER NOT NULL,
        handling_state INTEGER NOT NULL,
        dispatched     INTEGER NOT NULL,
        complaints     INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX complaints_pending_responses ON complaints(quarter, department, clock_month, response_due)
        WHERE response_state = 3;
    CREATE INDEX complaints_undecided ON complaints(quarter, department, clock_month, handling_due)
        WHERE handling_state = 3;
    CREATE INDEX complaints_undecided_by_due ON complaints(quarter, handling_due, number) WHERE handling_state = 3;
    CREATE INDEX complaints_by_response_state ON complaints(quarter, response_state, number, response_due)
        WHERE response_state > 0;
    CREATE INDEX complaints_by_handling_state ON complaints(quarter, handling_state, number, handling_due)
        WHERE handling_state > 0;
    CREATE TRIGGER clock_tally_insert AFTER INSERT ON complaints WHEN new.response_state IS NOT NULL BEGIN
        INSERT INTO clock_tallies VALUES (new.quarter || '/' || new.department || '/' || new.clock_month || '/' || new.response_state || '/' || new.handling_state || '/' || (new.dispatched_at IS NOT NULL),
            new.quarter, new.department, new.clock_month, new.response_state, new.handling_state,
            new.dispatched_at IS NOT NULL, 1)
        ON CONFLICT DO UPDATE SET complaints = complaints + 1;
    END;
    CREATE TRIGGER clock_tally_delete AFTER DELETE ON complaints WHEN old.response_state IS NOT NULL BEGIN
        UPDATE clock_tallies SET complaints = complaints - 1 WHERE tally = old.quarter || '/' || old.department || '/' || old.clock_month || '/' || old.response_state || '/' || old.handling_state || '/' || (old.dispatched_at IS NOT NULL);
        DELETE FROM clock_tallies WHERE tally = old.quarter || '/' || old.department || '/' || old.clock_month || '/' || old.response_state || '/' || old.handling_state || '/' || (old.dispatched_at IS NOT NULL) AND complaints = 0;
    END;
    CREATE TRIGGER clock_tally_update AFTER UPDATE OF quarter, department, dispatched_at, clock_month,
        response_state, handling_state ON complaints BEGIN
        UPDATE clock_tallies SET complaints = complaints - 1
            WHERE old.response_state IS NOT NULL AND tally = old.quarter || '/' || old.department || '/' || old.clock_month || '/' || old.response_state || '/' || old.handling_state || '/' || (old.dispatched_at IS NOT NULL);
        DELETE FROM clock_tallies WHERE tally = old.quarter || '/' || old.department || '/' || old.clock_month || '/' || old.response_state || '/' || old.handling_state || '/' || (old.dispatched_at IS NOT NULL) AND complaints = 0;
        INSERT INTO clock_tallies SELECT new.quarter || '/' || new.department || '/' || new.clock_month || '/' || new.response_state || '/' || new.handling_state || '/' || (new.dispatched_at IS NOT NULL),
            new.quarter, new.department, new.clock_month, new.response_state, new.handling_state,
            new.dispatched_at IS NOT NULL, 1 WHERE new.response_state IS NOT NULL
        ON CONFLICT DO UPDATE SET complaints = complaints + 1;
    END;
    "#,
];

/// The migration after which every complaint's clock columns are filled from its times
/// (`metrics::refresh_clock_columns`): SQL cannot run the clocks.
const CLOCK_COLUMNS_VERSION: usize = 13;

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
    ("notes", "id"),
    ("reflections", "id"),
    ("personal_data_reveals", "event_seq"),
    ("rectification_cases", "id"),
    ("evidence_files", "hash"),
    ("person_keys", "public_key"),
    ("draw_preparations", "prepared_seq"),
    ("handling_extensions", "complaint_number"),
    ("handling_pauses", "event_seq"),
];

pub fn user_version(conn: &rusqlite::Connection) -> Result<u32, VaultError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Applies every migration the database has not had yet, inside the caller's transaction.
pub fn migrate(tx: &Transaction<'_>) -> Result<(), VaultError> {
    let current = user_version(tx)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        if index + 1 == CLOCK_COLUMNS_VERSION {
            crate::metrics::refresh_all_clock_columns(tx)?;
        }
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    Ok(())
}
