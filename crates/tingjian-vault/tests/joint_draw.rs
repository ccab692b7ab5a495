//! A draw's seed fixed by two people (event format 3): the coordinator prepares, the president
//! witnesses, the coordinator draws; `verify` re-derives the seed, and a seed of the drawer's
//! choosing, a forged reveal or an event in an older format is named.

use std::path::{Path, PathBuf};

use tingjian_core::QuarterId;
use tingjian_core::{Coded, ErrorCode};
use tingjian_sampling::Policy;
use tingjian_vault::event::{self, EVENT_FORMAT, JointSeed, signed_message};
use tingjian_vault::{Event, ProblemKind, Vault, VerifyProblem};

mod common;
use common::{
    as_person, forge_append_signed, key_of, start_accounts_for_everyone, test_passphrase, vault_with_a_call,
    verify_as_auditor as verify,
};

fn quarter() -> QuarterId {
    QuarterId::new(2026, 4).expect("quarter")
}

fn policy() -> Policy {
    Policy::from_toml(common::ONE_CALL_POLICY).expect("policy")
}

/// A vault with a call and everyone's accounts (li coordinator, wang president, chen and zhang
/// heads); li has set Q4's policy and prepared its draw.
fn prepared_vault(temp: &Path) -> PathBuf {
    let (vault, _) = vault_with_a_call(temp, "li");
    let dir = vault.root().to_owned();
    drop(vault);
    start_accounts_for_everyone(&dir, "2026-11-02T06:40:00Z");
    let mut li = as_person(&dir, "li", "2026-11-02T07:00:00Z");
    let prepared = li.prepare_draw(quarter(), Some(policy())).expect("prepare");
    assert_eq!((prepared.prepared_by.as_str(), prepared.witnessed_by.as_deref()), ("li", None));
    dir
}

fn of_kind(problems: &[VerifyProblem], kind: ProblemKind) -> Vec<&VerifyProblem> {
    problems.iter().filter(|p| p.kind == kind).collect()
}

fn event_at(vault: &Vault, seq: u64) -> tingjian_vault::RecordedEvent {
    vault.events().expect("events").into_iter().find(|e| e.seq == seq).expect("event")
}

#[test]
fn two_people_fix_the_seed_and_verify_re_derives_it() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = prepared_vault(temp.path());
    let mut li = as_person(&dir, "li", "2026-11-02T07:01:00Z");
    let chosen = li.draw_sample(quarter(), None, Some(7)).expect_err("a chosen seed");
    assert!(chosen.to_string().contains("demo"), "{chosen}");
    let unwitnessed = li.draw_sample(quarter(), None, None).expect_err("not witnessed yet");
    assert!(unwitnessed.to_string().contains("witnessed"), "{unwitnessed}");
    let own = li.witness_draw(quarter()).expect_err("the preparer cannot witness");
    assert!(own.to_string().contains("someone else"), "{own}");
    drop(li);
    let head = as_person(&dir, "chen", "2026-11-02T07:02:00Z").witness_draw(quarter()).expect_err("a head");
    assert_eq!(head.code(), ErrorCode::NotPermitted, "{head}");

    let witnessed = as_person(&dir, "wang", "2026-11-02T07:03:00Z").witness_draw(quarter()).expect("witness");
    assert_eq!(witnessed.witnessed_by.as_deref(), Some("wang"));
    let mut li = as_person(&dir, "li", "2026-11-02T07:04:00Z");
    let draw = li.draw_sample(quarter(), None, None).expect("draw");

    // The seed is the one both shares and the preparation's hash give, from the log alone.
    let events = li.events().expect("events");
    let drawn = events.last().expect("the draw");
    let Ok(Event::SampleDrawn { joint: Some(joint), .. }) = drawn.decode() else {
        panic!("a joint draw: {}", drawn.payload)
    };
    let prepared = event_at(&li, joint.prepared_seq);
    let Ok(Event::DrawPrepared { commitment, .. }) = prepared.decode() else { panic!("a preparation") };
    assert_eq!(event::draw_commitment(&joint.share), commitment, "the reveal opens the commitment");
    let witness = events.iter().find(|e| e.kind == "draw_witnessed").expect("witness event");
    let Ok(Event::DrawWitnessed { share, .. }) = witness.decode() else { panic!("a witness") };
    assert_eq!(draw.seed, event::joint_seed(&prepared.hash, &joint.share, &share));
    assert_eq!((drawn.format, witness.actor.as_str()), (EVENT_FORMAT, "wang"));

    let readiness = li.draw_readiness(quarter()).expect("readiness");
    assert!(readiness.joint_required);
    assert_eq!(readiness.preparation.and_then(|p| p.drawn_seq), Some(drawn.seq));
    assert!(li.verify_sample(quarter()).expect("sample verify").matches);
    // The quarter's report says who fixed the seed, and in which events.
    let derivation = li.quarter_report(quarter()).expect("report").seed_derivation.expect("drawn");
    assert!(derivation.joint);
    assert_eq!(
        (derivation.prepared_by.as_deref(), derivation.prepared_seq, derivation.witnessed_by.as_deref()),
        (Some("li"), Some(joint.prepared_seq), Some("wang"))
    );
    assert_eq!(derivation.witnessed_seq, Some(witness.seq));
    drop(li);
    assert_eq!(verify(&dir), Vec::new());
}

#[test]
fn a_draw_with_a_seed_of_the_drawers_choosing_is_named_even_when_signed_with_her_real_key() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = prepared_vault(temp.path());
    as_person(&dir, "wang", "2026-11-02T07:03:00Z").witness_draw(quarter()).expect("witness");
    let li = as_person(&dir, "li", "2026-11-02T07:04:00Z");
    let population = li.sampling_population(quarter()).expect("population");
    let prepared_seq = li.draw_readiness(quarter()).expect("readiness").preparation.expect("prepared").prepared_seq;
    drop(li);
    let key = key_of(&dir, "li", &test_passphrase("li"));
    let drawn_at = "2026-11-02T07:05:00Z".parse().expect("instant");
    let forge = |at: &str, seed: u64, joint: Option<JointSeed>| {
        let draw = tingjian_sampling::draw(&policy_bound(), &population, seed, drawn_at).expect("draw");
        let payload = serde_json::to_string(&Event::SampleDrawn { quarter: quarter(), draw, joint }).expect("json");
        forge_append_signed(&dir, EVENT_FORMAT, at, "li", "sample_drawn", &payload, |hash| {
            Some(key.sign(&signed_message(hash)).to_base64())
        })
    };
    // Searched offline for a convenient seed, recorded without a preparation's reveal...
    let chosen = forge("2026-11-02T07:05:00.000000Z", 7, None);
    // ...and with a made-up share claimed for the real preparation.
    let made_up = JointSeed { prepared_seq, share: "ab".repeat(32) };
    let forged_reveal = forge("2026-11-02T07:06:00.000000Z", 8, Some(made_up));

    let problems = verify(&dir);
    let refused = of_kind(&problems, ProblemKind::EventUnauthorized);
    assert_eq!(
        refused.iter().map(|p| p.event_seq).collect::<Vec<_>>(),
        vec![Some(chosen), Some(forged_reveal)],
        "{problems:#?}"
    );
    assert!(refused[0].message_en.contains("two people"), "{}", refused[0].message_en);
    assert!(refused[1].message_en.contains("commitment"), "{}", refused[1].message_en);
    assert!(of_kind(&problems, ProblemKind::SignatureInvalid).is_empty(), "her signatures are genuine");
}

/// The policy as the vault stores it (bound to the quarter), which a forger would copy.
fn policy_bound() -> Policy {
    let mut policy = policy();
    policy.quarter = Some(quarter().to_string());
    policy
}

#[test]
fn a_signed_event_in_an_older_format_after_a_newer_one_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = prepared_vault(temp.path());
    // chen signs a reveal in format 2, whose rules did not yet require joint draws: a way back
    // to the older rules, which the log's order forbids.
    let key = key_of(&dir, "chen", &test_passphrase("chen"));
    let payload = r#"{"kind":"personal_data_revealed","complaint_number":"TS-1","reason":"回电核实"}"#;
    let seq =
        forge_append_signed(&dir, 2, "2026-11-02T07:05:00.000000Z", "chen", "personal_data_revealed", payload, |h| {
            Some(key.sign(&signed_message(h)).to_base64())
        });
    let problems = verify(&dir);
    let refused = of_kind(&problems, ProblemKind::EventUnauthorized);
    assert_eq!(refused.len(), 1, "{problems:#?}");
    assert_eq!(refused[0].event_seq, Some(seq));
    assert!(refused[0].message_en.contains("format"), "{}", refused[0].message_en);
}

#[test]
fn a_policy_changed_after_the_preparation_stops_the_draw_and_an_abandoned_preparation_is_counted() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = prepared_vault(temp.path());
    as_person(&dir, "wang", "2026-11-02T07:03:00Z").witness_draw(quarter()).expect("witness");
    let mut li = as_person(&dir, "li", "2026-11-02T07:04:00Z");
    let mut wider = policy();
    wider.strata.total = 2;
    li.set_sampling_policy(quarter(), wider).expect("a new policy");
    let refused = li.draw_sample(quarter(), None, None).expect_err("the policy changed");
    assert!(refused.to_string().contains("prepare the draw again"), "{refused}");
    li.prepare_draw(quarter(), None).expect("prepared again");
    drop(li);
    as_person(&dir, "wang", "2026-11-02T07:05:00Z").witness_draw(quarter()).expect("witness again");
    let mut li = as_person(&dir, "li", "2026-11-02T07:06:00Z");
    li.draw_sample(quarter(), None, None).expect("draw");
    let readiness = li.draw_readiness(quarter()).expect("readiness");
    assert_eq!(readiness.abandoned_preparations, 1, "the first, witnessed and never drawn, is shown");
    drop(li);
    assert_eq!(verify(&dir), Vec::new());
}

#[test]
fn a_demo_vault_may_still_be_drawn_with_a_chosen_seed() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = prepared_vault(temp.path());
    let mut li = as_person(&dir, "li", "2026-11-02T07:04:00Z");
    li.record(vec![Event::DemoDataAdded { seed: 1 }]).expect("demo mark");
    assert!(!li.joint_draw_required().expect("rule"));
    let draw = li.draw_sample(quarter(), None, Some(7)).expect("a chosen seed on a demo vault");
    assert_eq!(draw.seed, 7);
    drop(li);
    assert_eq!(verify(&dir), Vec::new());
}
