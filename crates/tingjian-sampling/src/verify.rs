//! Re-running a recorded draw and saying how the record differs from what the rules give.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tingjian_core::error::UiError;
use ts_rs::TS;

use crate::draw::{ALGORITHM, Draw, SampledCall, draw, population_fingerprint};
use crate::error::SamplingError;
use crate::population::PopulationItem;

/// A call the record gives to another reviewer than the re-run does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reassignment {
    pub complaint_number: String,
    pub recorded_reviewer_id: String,
    pub expected_reviewer_id: String,
}

/// A call present in both, with a field that differs (recording hash, due date, reasons,
/// stratum, department).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Alteration {
    pub complaint_number: String,
    pub field: String,
    pub recorded: String,
    pub expected: String,
}

/// The outcome of [`verify_draw`]. `matches` is true only when nothing else is reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Verification {
    pub matches: bool,
    pub recorded_fingerprint: String,
    /// The fingerprint of the population given now; `None` when it could not be computed.
    pub current_fingerprint: Option<String>,
    pub fingerprint_matches: bool,
    /// Drawn by the re-run but absent from the record.
    pub missing: Vec<String>,
    /// In the record but not drawn by the re-run (calls added by hand are not counted here).
    pub extra: Vec<String>,
    pub reassigned: Vec<Reassignment>,
    pub altered: Vec<Alteration>,
    /// The recorded shortfalls differ from the re-run's (compared without their messages, whose
    /// wording may improve between versions).
    pub shortfalls_differ: bool,
    /// Calls the record says were added by hand; they are not the draw's to verify, only listed.
    pub added_by_hand: Vec<String>,
    /// Why the draw could not be re-run at all (an unknown rules version, a policy that no longer
    /// validates, a population with a repeated complaint number).
    pub rerun_error: Option<UiError>,
}

/// Re-runs `recorded` on `population` with its recorded policy, seed and moment, and lists every
/// difference: calls missing from or extra in the record, calls given to another reviewer, calls
/// whose recording, due date or reasons were changed, shortfalls that differ, and a population
/// whose fingerprint is no longer the recorded one.
pub fn verify_draw(recorded: &Draw, population: &[PopulationItem]) -> Verification {
    let mut verification = Verification {
        matches: false,
        recorded_fingerprint: recorded.population_fingerprint.clone(),
        current_fingerprint: None,
        fingerprint_matches: false,
        missing: Vec::new(),
        extra: Vec::new(),
        reassigned: Vec::new(),
        altered: Vec::new(),
        shortfalls_differ: false,
        added_by_hand: recorded
            .sample
            .iter()
            .filter(|call| call.added_by_hand.is_some())
            .map(|call| call.complaint_number.clone())
            .collect(),
        rerun_error: None,
    };
    if recorded.algorithm != ALGORITHM {
        let error = SamplingError::UnknownAlgorithm { recorded: recorded.algorithm, supported: ALGORITHM };
        verification.rerun_error = Some(UiError::from(error));
        verification.current_fingerprint = population_fingerprint(population).ok();
        verification.fingerprint_matches =
            verification.current_fingerprint.as_deref() == Some(recorded.population_fingerprint.as_str());
        return verification;
    }
    let rerun = match draw(&recorded.policy, population, recorded.seed, recorded.drawn_at) {
        Ok(rerun) => rerun,
        Err(error) => {
            verification.rerun_error = Some(UiError::from(error));
            return verification;
        }
    };
    verification.fingerprint_matches = rerun.population_fingerprint == recorded.population_fingerprint;
    verification.current_fingerprint = Some(rerun.population_fingerprint.clone());

    let drawn: BTreeMap<&str, &SampledCall> = recorded
        .sample
        .iter()
        .filter(|call| call.added_by_hand.is_none())
        .map(|call| (call.complaint_number.as_str(), call))
        .collect();
    let expected: BTreeMap<&str, &SampledCall> =
        rerun.sample.iter().map(|call| (call.complaint_number.as_str(), call)).collect();
    let by_hand: std::collections::BTreeSet<String> = verification.added_by_hand.iter().cloned().collect();
    for (number, want) in &expected {
        match drawn.get(number) {
            None if by_hand.contains(*number) => {}
            None => verification.missing.push((*number).to_owned()),
            Some(got) => compare(got, want, &mut verification),
        }
    }
    verification.extra = drawn.keys().filter(|n| !expected.contains_key(*n)).map(|n| (*n).to_owned()).collect();
    // Extra entries the record holds twice are an edit too: a draw never repeats a call.
    let mut seen = std::collections::BTreeSet::new();
    for call in &recorded.sample {
        if !seen.insert(call.complaint_number.as_str()) {
            verification.extra.push(call.complaint_number.clone());
        }
    }

    let strip =
        |draw: &Draw| draw.shortfalls.iter().map(|s| (s.kind.clone(), s.wanted, s.available)).collect::<Vec<_>>();
    verification.shortfalls_differ = strip(recorded) != strip(&rerun);
    verification.matches = verification.fingerprint_matches
        && verification.missing.is_empty()
        && verification.extra.is_empty()
        && verification.reassigned.is_empty()
        && verification.altered.is_empty()
        && !verification.shortfalls_differ;
    verification
}

fn compare(got: &SampledCall, want: &SampledCall, verification: &mut Verification) {
    let number = &got.complaint_number;
    if got.reviewer_id != want.reviewer_id {
        verification.reassigned.push(Reassignment {
            complaint_number: number.clone(),
            recorded_reviewer_id: got.reviewer_id.clone(),
            expected_reviewer_id: want.reviewer_id.clone(),
        });
    }
    let mut altered = |field: &str, recorded: String, expected: String| {
        if recorded != expected {
            verification.altered.push(Alteration {
                complaint_number: number.clone(),
                field: field.to_owned(),
                recorded,
                expected,
            });
        }
    };
    altered("recording_hash", got.recording_hash.clone(), want.recording_hash.clone());
    altered("due_date", got.due_date.to_string(), want.due_date.to_string());
    altered("selected_by", format!("{:?}", got.selected_by), format!("{:?}", want.selected_by));
    altered("mandatory", format!("{:?}", got.mandatory), format!("{:?}", want.mandatory));
    altered("stratum", got.stratum.label_en(), want.stratum.label_en());
    altered("department", got.department.clone(), want.department.clone());
}
