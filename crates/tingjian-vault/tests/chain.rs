//! The vault's audit chain through its library API.

use std::sync::Arc;

use tingjian_core::model::{Person, Role};
use tingjian_core::time::FixedClock;
use tingjian_core::{QuarterId, QuarterState};
use tingjian_vault::event::{GENESIS_PREV_HASH, chain_hash, sha256_hex};
use tingjian_vault::{Event, Vault};

mod common;
use common::{complaint, sql};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock("2026-11-02T06:30:00Z".parse().expect("instant")))
}

#[test]
fn the_first_event_records_the_vault_and_links_to_the_genesis_hash() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = Vault::create_with_clock(&temp.path().join("v"), "li.min", clock()).expect("create");
    let (seq, prev, hash, actor, kind, at, digest): (u64, String, String, String, String, String, String) = sql(&vault)
        .query_row("SELECT seq, prev_hash, hash, actor, kind, at, payload_sha256 FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .expect("one event");
    assert_eq!((seq, prev.as_str(), actor.as_str(), kind.as_str()), (1, GENESIS_PREV_HASH, "li.min", "vault_created"));
    assert_eq!(at, "2026-11-02T06:30:00.000000Z");
    // The documented text form, hashed the way `sha256sum` would.
    let text = format!("tingjian-event-v1\n1\n{GENESIS_PREV_HASH}\n{at}\nli.min\nvault_created\n{digest}\n");
    assert_eq!(hash, sha256_hex(text.as_bytes()));
    assert_eq!(hash, chain_hash(1, 1, GENESIS_PREV_HASH, &at, "li.min", "vault_created", &digest));
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn status_counts_the_current_quarter_in_shanghai_time() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = Vault::create_with_clock(&temp.path().join("v"), "li.min", clock()).expect("create");
    let quarter: QuarterId = "2026Q4".parse().expect("quarter");
    let mut older = complaint("TS-OLD");
    // 30 September 16:30 UTC is 1 October 00:30 in Shanghai: the fourth quarter, not the third.
    older.accepted_at = "2026-09-30T16:30:00.000000Z".to_owned();
    let mut q3 = complaint("TS-Q3");
    q3.accepted_at = "2026-09-30T15:30:00.000000Z".to_owned();
    vault
        .record(vec![
            Event::QuarterSet { quarter, state: QuarterState::Open },
            Event::PersonAdded {
                person: Person {
                    id: "wang".to_owned(),
                    display_name: "王建国".to_owned(),
                    role: Role::Reviewer,
                    department: None,
                },
            },
            Event::ComplaintRecorded { complaint: complaint("TS1") },
            Event::ComplaintRecorded { complaint: older },
            Event::ComplaintRecorded { complaint: q3 },
        ])
        .expect("record");
    let status = vault.status().expect("status");
    assert_eq!(status.current_quarter, "2026Q4");
    assert_eq!(status.quarter_state, Some(QuarterState::Open));
    assert_eq!(status.complaints_in_quarter, 2);
    assert_eq!(status.complaints_total, 3);
    assert_eq!(status.events, 6);
    assert_eq!(status.departments.len(), 1);
    assert_eq!(status.departments[0].department, "信用卡中心");
    assert_eq!(status.departments[0].complaints, 2);
    assert_eq!(status.departments[0].with_recording, 0);
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn a_batch_whose_effect_fails_stores_no_event_at_all() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = Vault::create_with_clock(&temp.path().join("v"), "li.min", clock()).expect("create");
    let before = vault.status().expect("status").events;
    // Linking to a recording that is not stored violates the foreign key, so the whole batch,
    // including the complaint before it, must roll back.
    let result = vault.record(vec![
        Event::ComplaintRecorded { complaint: complaint("TS9") },
        Event::RecordingLinked { complaint_number: "TS9".to_owned(), recording_hash: "feed".to_owned() },
    ]);
    assert!(result.is_err());
    let after = vault.status().expect("status");
    assert_eq!(after.events, before);
    assert_eq!(after.complaints_total, 0);
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn reopening_keeps_the_chain_and_continues_it() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    let head = {
        let vault = Vault::create_with_clock(&dir, "li.min", clock()).expect("create");
        vault.status().expect("status").head_hash
    };
    let mut vault = Vault::open_with_clock(&dir, "wang", clock()).expect("open");
    let recorded = vault.record(vec![Event::ComplaintRecorded { complaint: complaint("TS1") }]).expect("record");
    assert_eq!(Some(recorded[0].prev_hash.clone()), head);
    assert_eq!(recorded[0].seq, 2);
    assert_eq!(recorded[0].actor, "wang");
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn a_vault_from_an_older_schema_is_migrated_on_open_and_still_verifies() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    {
        let mut vault = Vault::create_with_clock(&dir, "li.min", clock()).expect("create");
        vault.record(vec![Event::ComplaintRecorded { complaint: complaint("TS1") }]).expect("record");
    }
    // Turn it back into a version-1 vault, as an older Tingjian left it.
    {
        let conn = rusqlite::Connection::open(dir.join("vault.sqlite")).expect("open");
        conn.execute_batch(
            "ALTER TABLE recordings DROP COLUMN analytics;
             ALTER TABLE imports DROP COLUMN manifest_blake3;
             ALTER TABLE imports DROP COLUMN rejected;
             ALTER TABLE imports DROP COLUMN warnings;
             ALTER TABLE people DROP COLUMN department;
             ALTER TABLE vault_info DROP COLUMN demo_since_seq;
             ALTER TABLE events DROP COLUMN format;
             ALTER TABLE events DROP COLUMN signature;
             ALTER TABLE people DROP COLUMN state;
             DROP TRIGGER clock_tally_insert;
             DROP TRIGGER clock_tally_update;
             DROP TRIGGER clock_tally_delete;
             DROP INDEX complaints_pending_responses;
             DROP INDEX complaints_undecided;
             DROP INDEX complaints_undecided_by_due;
             DROP INDEX complaints_by_response_state;
             DROP INDEX complaints_by_handling_state;
             ALTER TABLE complaints DROP COLUMN clock_month;
             ALTER TABLE complaints DROP COLUMN response_state;
             ALTER TABLE complaints DROP COLUMN response_due;
             ALTER TABLE complaints DROP COLUMN handling_state;
             ALTER TABLE complaints DROP COLUMN handling_due;
             ALTER TABLE complaints DROP COLUMN dispatched_at;
             ALTER TABLE vault_info DROP COLUMN accounts_since_seq;
             PRAGMA user_version = 1;",
        )
        .expect("downgrade");
        // Every table later migrations created goes: virtual tables first (their shadow tables go
        // with them), then the rest.
        const VERSION_1: &str = "('events', 'vault_info', 'people', 'quarters', 'recordings', 'complaints', 'imports')";
        for virtual_first in [true, false] {
            let later: Vec<String> = conn
                .prepare(&format!(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                     AND name NOT IN {VERSION_1} AND (sql LIKE 'CREATE VIRTUAL%') = ?1"
                ))
                .expect("prepare")
                .query_map([virtual_first], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("names");
            for name in later {
                conn.execute_batch(&format!("DROP TABLE IF EXISTS {name};")).expect("drop");
            }
        }
        // Later migrations also added triggers and indexes to version-1 tables; drop those too.
        let later: Vec<(String, String)> = conn
            .prepare(
                "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL
                 AND name NOT IN ('complaints_by_quarter', 'events_append_only_update', 'events_append_only_delete')",
            )
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("names");
        for (kind, name) in later {
            conn.execute_batch(&format!("DROP {kind} {name};")).expect("drop");
        }
    }
    let vault = Vault::open_with_clock(&dir, "wang", clock()).expect("open migrates");
    let version: u32 = sql(&vault).pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, vault.status().expect("status").schema_version);
    assert!(version >= 2);
    let has_column: bool = sql(&vault)
        .query_row("SELECT count(*) FROM pragma_table_info('recordings') WHERE name = 'analytics'", [], |r| r.get(0))
        .expect("pragma");
    assert!(has_column);
    // The search index is built for the complaints already there.
    let indexed: String = sql(&vault)
        .query_row("SELECT number FROM complaint_search WHERE complaint_search MATCH 'TS1'", [], |r| r.get(0))
        .expect("indexed");
    assert_eq!(indexed, "TS1");
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn a_clock_set_back_beyond_a_minute_records_nothing_and_says_which_event_is_later() {
    use tingjian_core::{Coded, ErrorCode};
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("v");
    drop(Vault::create_with_clock(&dir, "li.min", clock()).expect("create"));
    let at = |instant: &str| Arc::new(FixedClock(instant.parse().expect("instant")));

    // The computer's clock was set back half an hour: the step would be dated before event #1.
    let mut behind = Vault::open_with_clock(&dir, "li.min", at("2026-11-02T06:00:00Z")).expect("open");
    let refused = behind.record(vec![Event::DemoDataAdded { seed: 7 }]).expect_err("a clock behind the log");
    assert_eq!(refused.code(), ErrorCode::ClockBehind);
    assert!(refused.to_string().contains("earlier than event #1 at 2026-11-02T06:30:00.000000Z"), "{refused}");
    assert!(refused.message_zh().contains("早于第 1 号事件"), "{}", refused.message_zh());
    assert_eq!(behind.events().expect("events").len(), 1, "nothing was recorded");
    assert!(!behind.status().expect("status").demo, "the refused event had no effect");
    drop(behind);

    // Thirty seconds behind is within what time synchronisation does to a clock: recorded.
    let mut slightly = Vault::open_with_clock(&dir, "li.min", at("2026-11-02T06:29:30Z")).expect("open");
    slightly.record(vec![Event::DemoDataAdded { seed: 7 }]).expect("within the tolerance");
    assert_eq!(slightly.events().expect("events").len(), 2);
    assert!(slightly.verify().expect("verify").ok, "a step within the tolerance is not a finding");
}
