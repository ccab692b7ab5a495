//! How each event changes the domain tables. Deterministic: it reads only the event and its log
//! entry (never the clock), so replaying the log reproduces the tables exactly.

use rusqlite::{Params, Transaction, params};

use tingjian_core::rectification::Case;

use crate::event::{Event, RecordedEvent};
use crate::{VaultError, authorize, rectification};

/// Runs one statement of an event's effect through the connection's statement cache: a replay of
/// a million events runs the same few dozen statements over and over, and preparing each anew
/// would cost as much as running it.
fn run(tx: &Transaction<'_>, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
}

pub fn apply(tx: &Transaction<'_>, entry: &RecordedEvent, event: &Event) -> Result<(), VaultError> {
    authorize::authorize(tx, entry, event)?;
    let seq = entry.seq;
    match event {
        Event::VaultCreated { vault_id, created_by } => {
            run(
                tx,
                "INSERT INTO vault_info (id, vault_id, created_at, created_by, event_seq) VALUES (1, ?1, ?2, ?3, ?4)",
                params![vault_id, entry.at, created_by, seq],
            )?;
        }
        Event::PersonAdded { person } => {
            run(
                tx,
                "INSERT INTO people (id, display_name, role, department, event_seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
                 department = excluded.department, event_seq = excluded.event_seq",
                params![person.id, person.display_name, person.role.as_str(), person.department, seq],
            )?;
        }
        Event::QuarterSet { quarter, state } => {
            run(
                tx,
                "INSERT INTO quarters (id, starts_on, ends_on, state, event_seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET state = excluded.state, event_seq = excluded.event_seq",
                params![
                    quarter.to_string(),
                    quarter.first_day().to_string(),
                    quarter.last_day().to_string(),
                    state.as_str(),
                    seq
                ],
            )?;
        }
        Event::RecordingStored { recording: r } => {
            // Serialising the event's own value again gives the same text on replay, so verify's
            // comparison of this column is exact.
            let analytics = r
                .analytics
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|error| VaultError::Corrupt { seq, reason: error.to_string() })?;
            run(
                tx,
                "INSERT INTO recordings (hash, original_name, container, codec, sample_rate, channels, duration_ms,
                 bytes, event_seq, analytics) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    r.hash,
                    r.original_name,
                    r.container,
                    r.codec,
                    r.sample_rate,
                    r.channels,
                    r.duration_ms,
                    r.bytes,
                    seq,
                    analytics
                ],
            )?;
        }
        Event::ComplaintRecorded { complaint: c } => {
            let quarter = quarter_of(&c.accepted_at);
            let [month, response_state, response_due, handling_state, handling_due] = crate::metrics::clock_columns_of(
                tx,
                &c.number,
                &c.accepted_at,
                c.dispatched_at.as_deref(),
                c.first_response_at.as_deref(),
                c.resolved_at.as_deref(),
            )?;
            run(
                tx,
                "INSERT INTO complaints (number, accepted_at, quarter, channel, business_line, category, department,
                 customer_name, phone, first_response_at, resolved_at, status, recording_file, regulator_forwarded,
                 summary, event_seq, dispatched_at, clock_month, response_state, response_due, handling_state,
                 handling_due)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
                 ?21, ?22)
                 ON CONFLICT(number) DO UPDATE SET accepted_at = excluded.accepted_at, quarter = excluded.quarter,
                 channel = excluded.channel, business_line = excluded.business_line, category = excluded.category,
                 department = excluded.department, customer_name = excluded.customer_name, phone = excluded.phone,
                 first_response_at = excluded.first_response_at, resolved_at = excluded.resolved_at,
                 status = excluded.status, recording_file = excluded.recording_file,
                 regulator_forwarded = excluded.regulator_forwarded, summary = excluded.summary,
                 event_seq = excluded.event_seq, dispatched_at = excluded.dispatched_at,
                 clock_month = excluded.clock_month, response_state = excluded.response_state,
                 response_due = excluded.response_due, handling_state = excluded.handling_state,
                 handling_due = excluded.handling_due",
                params![
                    c.number,
                    c.accepted_at,
                    quarter,
                    c.channel,
                    c.business_line,
                    c.category,
                    c.department,
                    c.customer_name,
                    c.phone,
                    c.first_response_at,
                    c.resolved_at,
                    c.status,
                    c.recording_file,
                    c.regulator_forwarded,
                    c.summary,
                    seq,
                    c.dispatched_at,
                    month,
                    response_state,
                    response_due,
                    handling_state,
                    handling_due
                ],
            )?;
        }
        Event::RecordingLinked { complaint_number, recording_hash } => {
            run(
                tx,
                "UPDATE complaints SET recording_hash = ?1, event_seq = ?2 WHERE number = ?3",
                params![recording_hash, seq, complaint_number],
            )?;
        }
        Event::ImportMappingSaved { mapping } => {
            let value = serde_json::to_string(mapping)
                .map_err(|error| VaultError::Corrupt { seq, reason: error.to_string() })?;
            run(
                tx,
                "INSERT INTO settings (key, value, event_seq) VALUES ('import_mapping', ?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, event_seq = excluded.event_seq",
                params![value, seq],
            )?;
        }
        Event::ImportFinished {
            source,
            complaints_added,
            recordings_added,
            links_added,
            manifest_blake3,
            rejected,
            warnings,
        } => {
            run(
                tx,
                "INSERT INTO imports (event_seq, at, actor, source, complaints_added, recordings_added, links_added,
                 manifest_blake3, rejected, warnings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    seq,
                    entry.at,
                    entry.actor,
                    source,
                    complaints_added,
                    recordings_added,
                    links_added,
                    manifest_blake3,
                    rejected,
                    warnings
                ],
            )?;
        }
        Event::ListeningStarted { session_id, recording_hash, complaint_number, device } => {
            run(
                tx,
                "INSERT INTO listening_sessions (id, recording_hash, complaint_number, person, device, started_at,
                 last_heard_at, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                params![session_id, recording_hash, complaint_number, entry.actor, device, entry.at, seq],
            )?;
        }
        Event::ListeningHeard { session_id, spans } => {
            for span in spans {
                run(
                    tx,
                    "INSERT INTO listening_spans (session_id, start_ms, end_ms, channel, event_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![session_id, span.start_ms, span.end_ms, span.channel.as_str(), seq],
                )?;
            }
            run(
                tx,
                "UPDATE listening_sessions SET last_heard_at = ?1, event_seq = ?2 WHERE id = ?3",
                params![entry.at, seq, session_id],
            )?;
        }
        Event::ListeningEnded { session_id, reason } => {
            run(
                tx,
                "UPDATE listening_sessions SET ended_at = ?1, end_reason = ?2, event_seq = ?3 WHERE id = ?4",
                params![entry.at, reason, seq, session_id],
            )?;
        }
        Event::SamplingPolicySet { quarter, policy } => {
            run(
                tx,
                "INSERT INTO sampling_policies (quarter, policy, event_seq) VALUES (?1, ?2, ?3)
                 ON CONFLICT(quarter) DO UPDATE SET policy = excluded.policy, event_seq = excluded.event_seq",
                params![quarter.to_string(), json(seq, policy)?, seq],
            )?;
        }
        Event::SampleDrawn { quarter, draw, joint } => {
            let quarter = quarter.to_string();
            let prepared_seq = joint.as_ref().map(|joint| joint.prepared_seq);
            if let Some(prepared_seq) = prepared_seq {
                run(
                    tx,
                    "UPDATE draw_preparations SET drawn_seq = ?1, event_seq = ?1 WHERE prepared_seq = ?2",
                    params![seq, prepared_seq],
                )?;
            }
            run(
                tx,
                "INSERT INTO sample_draws (quarter, algorithm, seed, drawn_at, drawn_by, population_fingerprint,
                 population_size, shortfalls, event_seq, prepared_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(quarter) DO UPDATE SET algorithm = excluded.algorithm, seed = excluded.seed,
                 drawn_at = excluded.drawn_at, drawn_by = excluded.drawn_by,
                 population_fingerprint = excluded.population_fingerprint,
                 population_size = excluded.population_size, shortfalls = excluded.shortfalls,
                 event_seq = excluded.event_seq, prepared_seq = excluded.prepared_seq",
                params![
                    quarter,
                    draw.algorithm,
                    draw.seed.to_string(),
                    entry.at,
                    entry.actor,
                    draw.population_fingerprint,
                    draw.population_size,
                    json(seq, &draw.shortfalls)?,
                    seq,
                    prepared_seq
                ],
            )?;
            // A redraw replaces the whole sample, calls added by hand included: they were added to
            // the earlier draw, and the log keeps them with it.
            run(tx, "DELETE FROM assignments WHERE quarter = ?1", [&quarter])?;
            for call in &draw.sample {
                run(
                    tx,
                    "INSERT INTO assignments (id, quarter, complaint_number, recording_hash, department, stratum,
                     reviewer_id, due_date, selected_by, mandatory, added_by_hand, event_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![
                        assignment_id(&quarter, &call.complaint_number),
                        quarter,
                        call.complaint_number,
                        call.recording_hash,
                        call.department,
                        json(seq, &call.stratum)?,
                        call.reviewer_id,
                        call.due_date.to_string(),
                        json(seq, &call.selected_by)?,
                        json(seq, &call.mandatory)?,
                        call.added_by_hand,
                        seq
                    ],
                )?;
            }
        }
        Event::SampleAddedByHand {
            quarter,
            complaint_number,
            recording_hash,
            department,
            reviewer_id,
            reason,
            due_date,
        } => {
            let quarter = quarter.to_string();
            let stratum = tingjian_sampling::Stratum { department: Some(department.clone()), ..Default::default() };
            run(
                tx,
                "INSERT INTO assignments (id, quarter, complaint_number, recording_hash, department, stratum,
                 reviewer_id, due_date, selected_by, mandatory, added_by_hand, event_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '[]', ?10, ?11)",
                params![
                    assignment_id(&quarter, complaint_number),
                    quarter,
                    complaint_number,
                    recording_hash,
                    department,
                    json(seq, &stratum)?,
                    reviewer_id,
                    due_date,
                    json(seq, &tingjian_sampling::Selection::ByHand)?,
                    reason,
                    seq
                ],
            )?;
        }
        Event::NoteAdded { note_id, complaint_number, recording_hash, at_ms, text } => {
            run(
                tx,
                "INSERT INTO notes (id, complaint_number, recording_hash, person, at_ms, text, created_at, event_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![note_id, complaint_number, recording_hash, entry.actor, at_ms, text, entry.at, seq],
            )?;
        }
        Event::NoteEdited { note_id, at_ms, text } => {
            run(
                tx,
                "UPDATE notes SET at_ms = ?1, text = ?2, edited_at = ?3, event_seq = ?4 WHERE id = ?5",
                params![at_ms, text, entry.at, seq, note_id],
            )?;
        }
        Event::ReflectionSubmitted { reflection_id, complaint_number, text } => {
            run(
                tx,
                "INSERT INTO reflections (id, complaint_number, person, text, submitted_at, event_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![reflection_id, complaint_number, entry.actor, text, entry.at, seq],
            )?;
        }
        Event::PersonalDataRevealed { complaint_number, reason } => {
            run(
                tx,
                "INSERT INTO personal_data_reveals (event_seq, complaint_number, person, at, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![seq, complaint_number, entry.actor, entry.at, reason],
            )?;
        }
        Event::RectificationRequired {
            case_id,
            complaint_number,
            recording_hash,
            department,
            what_must_change,
            note_ids,
            severity,
            due_date,
        } => {
            let by = rectification::actor_in(tx, &entry.actor)?;
            let on = rectification::day_of(entry);
            let due_on = due_date
                .parse()
                .map_err(|_| VaultError::Corrupt { seq, reason: format!("due date {due_date:?} is not a date") })?;
            let case = Case::required(case_id, department, &by, on, Some(due_on), &rectification::POLICY)?;
            rectification::insert_case(
                tx,
                entry,
                &case,
                complaint_number,
                recording_hash.as_deref(),
                what_must_change,
                note_ids,
                *severity,
            )?;
        }
        Event::RectificationDrafted { case_id, complaint_number, department, what_must_change, note_ids, severity } => {
            let by = rectification::actor_in(tx, &entry.actor)?;
            let case = Case::draft(case_id, department, &by, rectification::day_of(entry))?;
            let recording_hash: Option<String> =
                tx.query_row("SELECT recording_hash FROM complaints WHERE number = ?1", [complaint_number], |row| {
                    row.get(0)
                })?;
            rectification::insert_case(
                tx,
                entry,
                &case,
                complaint_number,
                recording_hash.as_deref(),
                what_must_change,
                note_ids,
                *severity,
            )?;
        }
        Event::RectificationStep { case_id, step } => {
            let case = rectification::case_in(tx, case_id)?;
            let by = rectification::actor_in(tx, &entry.actor)?;
            let next = case.apply(step, &by, rectification::day_of(entry), &rectification::POLICY)?;
            rectification::update_case(tx, entry, &next)?;
        }
        Event::EvidenceStored { case_id, hash, name, bytes } => {
            run(
                tx,
                "INSERT INTO evidence_files (hash, name, bytes, case_id, event_seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(hash) DO NOTHING",
                params![hash, name, bytes, case_id, seq],
            )?;
        }
        Event::DemoDataAdded { .. } => {
            run(
                tx,
                "UPDATE vault_info SET demo_since_seq = coalesce(demo_since_seq, ?1), event_seq = ?1 WHERE id = 1",
                params![seq],
            )?;
        }
        Event::AccountsStarted { person, public_key } => {
            run(
                tx,
                "INSERT INTO people (id, display_name, role, department, state, event_seq)
                 VALUES (?1, ?2, ?3, ?4, 'active', ?5)
                 ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
                 department = excluded.department, state = 'active', event_seq = excluded.event_seq",
                params![person.id, person.display_name, person.role.as_str(), person.department, seq],
            )?;
            introduce_key(tx, seq, &person.id, public_key, "first_account")?;
            run(tx, "UPDATE vault_info SET accounts_since_seq = ?1, event_seq = ?1 WHERE id = 1", params![seq])?;
        }
        Event::KeyIntroduced { person_id, public_key, reason } => {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM people WHERE id = ?1 AND state = 'active')")?
                .query_row([person_id], |row| row.get(0))?;
            if !known {
                return Err(VaultError::AccountNotFound { id: person_id.clone() });
            }
            revoke_keys(tx, seq, person_id)?;
            introduce_key(tx, seq, person_id, public_key, reason.as_str())?;
        }
        Event::PersonLeft { person_id } => {
            let changed =
                run(tx, "UPDATE people SET state = 'left', event_seq = ?1 WHERE id = ?2", params![seq, person_id])?;
            if changed == 0 {
                return Err(VaultError::AccountNotFound { id: person_id.clone() });
            }
            revoke_keys(tx, seq, person_id)?;
        }
        Event::DrawPrepared { quarter, nonce, commitment, policy_seq, population_fingerprint } => {
            run(
                tx,
                "INSERT INTO draw_preparations (prepared_seq, quarter, prepared_by, prepared_at, prepared_key,
                 prepared_hash, nonce, commitment, policy_seq, population_fingerprint, event_seq)
                 VALUES (?1, ?2, ?3, ?4,
                         (SELECT public_key FROM person_keys WHERE person_id = ?3 AND revoked_seq IS NULL),
                         ?5, ?6, ?7, ?8, ?9, ?1)",
                params![
                    seq,
                    quarter.to_string(),
                    entry.actor,
                    entry.at,
                    entry.hash,
                    nonce,
                    commitment,
                    policy_seq,
                    population_fingerprint
                ],
            )?;
        }
        Event::HandlingExtended { complaint_number, limit_days, approver, reason } => {
            run(
                tx,
                "INSERT INTO handling_extensions (complaint_number, limit_days, approver, reason, extended_by,
                 extended_at, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(complaint_number) DO UPDATE SET limit_days = excluded.limit_days,
                 approver = excluded.approver, reason = excluded.reason, extended_by = excluded.extended_by,
                 extended_at = excluded.extended_at, event_seq = excluded.event_seq",
                params![complaint_number, limit_days, approver, reason, entry.actor, entry.at, seq],
            )?;
            crate::metrics::refresh_clock_columns(tx, complaint_number)?;
        }
        Event::HandlingPaused { complaint_number, from, to, reason } => {
            run(
                tx,
                "INSERT INTO handling_pauses (complaint_number, from_at, to_at, reason, event_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(complaint_number, from_at) DO UPDATE SET to_at = excluded.to_at,
                 reason = excluded.reason, event_seq = excluded.event_seq",
                params![complaint_number, from, to, reason, seq],
            )?;
            crate::metrics::refresh_clock_columns(tx, complaint_number)?;
        }
        // The log itself is the record of an export: no table holds more than it says.
        Event::PackExported { .. } => {}
        Event::DrawWitnessed { prepared_seq, share, .. } => {
            run(
                tx,
                "UPDATE draw_preparations SET witnessed_seq = ?1, witnessed_by = ?2, witnessed_at = ?3,
                 witness_share = ?4, event_seq = ?1 WHERE prepared_seq = ?5",
                params![seq, entry.actor, entry.at, share, prepared_seq],
            )?;
        }
    }
    Ok(())
}

fn introduce_key(
    tx: &Transaction<'_>,
    seq: u64,
    person_id: &str,
    public_key: &str,
    reason: &str,
) -> Result<(), VaultError> {
    let key = tingjian_signing::PublicKey::from_base64(public_key)
        .map_err(|error| VaultError::Corrupt { seq, reason: format!("the key introduced is not usable: {error}") })?;
    run(
        tx,
        "INSERT INTO person_keys (public_key, person_id, fingerprint, reason, introduced_seq, event_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![public_key, person_id, key.fingerprint(), reason, seq],
    )?;
    Ok(())
}

fn revoke_keys(tx: &Transaction<'_>, seq: u64, person_id: &str) -> Result<(), VaultError> {
    run(
        tx,
        "UPDATE person_keys SET revoked_seq = ?1, event_seq = ?1 WHERE person_id = ?2 AND revoked_seq IS NULL",
        params![seq, person_id],
    )?;
    Ok(())
}

/// The key of an assignment row: one call is assigned at most once per quarter.
pub fn assignment_id(quarter: &str, complaint_number: &str) -> String {
    format!("{quarter}/{complaint_number}")
}

/// A value as the JSON a column stores; serialising the event's own value gives the same text on
/// replay, so verify compares these columns exactly.
fn json<T: serde::Serialize>(seq: u64, value: &T) -> Result<String, VaultError> {
    serde_json::to_string(value).map_err(|error| VaultError::Corrupt { seq, reason: error.to_string() })
}

/// The quarter (in the branch's zone) of an RFC 3339 instant, or an empty string for an instant
/// that does not parse (the importer never stores one, and `verify` would show the row anyway).
fn quarter_of(instant: &str) -> String {
    instant
        .parse::<jiff::Timestamp>()
        .map(|at| tingjian_core::QuarterId::of_instant(at).to_string())
        .unwrap_or_default()
}
