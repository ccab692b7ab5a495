//! Forgeries against a vault with accounts, each done the way someone holding the vault's files
//! would (the `sqlite3` tool, the public hash recipe, even a person's real key), and each named by
//! `verify`: the whole chain rewritten with its hashes recomputed, signature bytes changed, a step
//! signed by a person whose role does not allow it, a step signed with a revoked key, an unsigned
//! step slipped in after accounts started.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tingjian_core::time::FixedClock;
use tingjian_signing::PersonKey;
use tingjian_vault::event::{EVENT_FORMAT, chain_hash, signed_message};
use tingjian_vault::{CheckpointFile, ProblemKind, Vault, VerifyProblem};

mod common;
use common::{
    DROP_GUARDS, TEST_SEALING, as_person, copy_dir, forge_append_in_format, forge_append_signed, key_of, quoted,
    sqlite3, start_accounts_for_everyone, test_passphrase, vault_with_a_call, verify_as_auditor as verify,
};

/// A vault with a call (events 1–4, unsigned), everyone's accounts, and chen's signed reveal of
/// TS-1's personal data at its head. Closed.
fn signed_vault(temp: &Path) -> PathBuf {
    let (vault, _) = vault_with_a_call(temp, "li");
    let dir = vault.root().to_owned();
    drop(vault);
    start_accounts_for_everyone(&dir, "2026-11-02T06:40:00Z");
    let mut chen = as_person(&dir, "chen", "2026-11-02T07:00:00Z");
    chen.reveal_personal_data("TS-1", "回电核实").expect("reveal");
    let report = chen.verify().expect("verify");
    assert!(report.ok, "the untouched vault verifies: {:#?}", report.problems);
    dir
}

fn of_kind(problems: &[VerifyProblem], kind: ProblemKind) -> Vec<&VerifyProblem> {
    problems.iter().filter(|p| p.kind == kind).collect()
}

/// Appends `payload` as `person`'s step at `at`, signed with their real key behind the app's back,
/// and verifies: the one `event_unauthorized` finding, which names that event.
fn signed_behind_the_apps_back(dir: &Path, person: &str, at: &str, payload: &str) -> VerifyProblem {
    let key = key_of(dir, person, &test_passphrase(person));
    let kind: serde_json::Value = serde_json::from_str(payload).expect("a payload");
    let kind = kind["kind"].as_str().expect("its kind").to_owned();
    let seq = forge_append_signed(dir, EVENT_FORMAT, at, person, &kind, payload, |hash| {
        Some(key.sign(&signed_message(hash)).to_base64())
    });
    let problems = verify(dir);
    assert!(of_kind(&problems, ProblemKind::SignatureInvalid).is_empty(), "the signature is genuine: {problems:#?}");
    let refused: Vec<VerifyProblem> = of_kind(&problems, ProblemKind::EventUnauthorized).into_iter().cloned().collect();
    assert_eq!(refused.len(), 1, "{problems:#?}");
    assert_eq!(refused[0].event_seq, Some(seq));
    refused[0].clone()
}

fn head_seq(dir: &Path) -> u64 {
    sqlite3(dir, "SELECT max(seq) FROM events;").parse().expect("seq")
}

#[test]
fn the_whole_chain_rewritten_with_recomputed_hashes_fails_at_the_first_signature_it_touched() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let reveal = head_seq(&dir);
    // The 20-line script of the issue: the reveal is made to look like li's, and every hash from
    // there on recomputed by the public recipe, so the chain itself is unbroken.
    sqlite3(&dir, DROP_GUARDS);
    let rows = sqlite3(
        &dir,
        &format!("SELECT seq, format, at, kind, payload_sha256 FROM events WHERE seq >= {reveal} ORDER BY seq;"),
    );
    let mut prev_hash = sqlite3(&dir, &format!("SELECT hash FROM events WHERE seq = {};", reveal - 1));
    for row in rows.lines() {
        let fields: Vec<&str> = row.split('|').collect();
        let (seq, format) = (fields[0].parse::<u64>().expect("seq"), fields[1].parse::<u32>().expect("format"));
        let hash = chain_hash(format, seq, &prev_hash, fields[2], "li", fields[3], fields[4]);
        sqlite3(
            &dir,
            &format!(
                "UPDATE events SET actor = 'li', prev_hash = {}, hash = {} WHERE seq = {seq};",
                quoted(&prev_hash),
                quoted(&hash)
            ),
        );
        sqlite3(&dir, &format!("UPDATE personal_data_reveals SET person = 'li' WHERE event_seq = {seq};"));
        prev_hash = hash;
    }

    let problems = verify(&dir);
    let forged = of_kind(&problems, ProblemKind::SignatureInvalid);
    assert_eq!(forged.len(), 1, "{problems:#?}");
    assert_eq!(forged[0].event_seq, Some(reveal));
    assert!(forged[0].message_en.contains("li"), "{}", forged[0].message_en);
    assert!(of_kind(&problems, ProblemKind::EventEdited).is_empty(), "the chain itself is whole: {problems:#?}");
}

#[test]
fn signature_bytes_changed_on_one_event_are_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let target = 9;
    let signature = sqlite3(&dir, &format!("SELECT signature FROM events WHERE seq = {target};"));
    // One bit of the signature's first byte flipped, still valid base64 of 64 bytes.
    let mut bytes = base64_decode(&signature);
    bytes[0] ^= 0x01;
    sqlite3(&dir, DROP_GUARDS);
    sqlite3(&dir, &format!("UPDATE events SET signature = {} WHERE seq = {target};", quoted(&base64_encode(&bytes))));

    let problems = verify(&dir);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!((problems[0].kind, problems[0].event_seq), (ProblemKind::SignatureInvalid, Some(target)));
    assert!(problems[0].message_zh.contains("签名"), "{}", problems[0].message_zh);
}

#[test]
fn a_step_signed_with_a_real_key_by_a_person_without_the_role_is_named_as_unauthorized() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    // chen, a department head, opens the quarter herself with her own key, behind the app's back.
    let payload = r#"{"kind":"quarter_set","quarter":"2026Q4","state":"open"}"#;
    let refused = signed_behind_the_apps_back(&dir, "chen", "2026-11-02T07:05:00.000000Z", payload);
    assert!(refused.message_en.contains("only a coordinator"), "{}", refused.message_en);
}

#[test]
fn a_step_signed_with_a_key_revoked_before_it_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    // chen's key as it was before li reset her passphrase (someone kept it unlocked, or learnt
    // her old passphrase).
    let old_key = key_of(&dir, "chen", &test_passphrase("chen"));
    let mut li = as_person(&dir, "li", "2026-11-02T07:10:00Z");
    li.reset_passphrase("chen", "CHEN-RESET-PASS", TEST_SEALING).expect("reset");
    drop(li);
    let payload = r#"{"kind":"personal_data_revealed","complaint_number":"TS-1","reason":"再看一次"}"#;
    let seq = forge_append_signed(
        &dir,
        EVENT_FORMAT,
        "2026-11-02T07:15:00.000000Z",
        "chen",
        "personal_data_revealed",
        payload,
        |hash| Some(old_key.sign(&signed_message(hash)).to_base64()),
    );

    let problems = verify(&dir);
    let revoked = of_kind(&problems, ProblemKind::SignedWithRevokedKey);
    assert_eq!(revoked.len(), 1, "{problems:#?}");
    assert_eq!(revoked[0].event_seq, Some(seq));
    assert!(of_kind(&problems, ProblemKind::SignatureInvalid).is_empty(), "{problems:#?}");
}

#[test]
fn an_unsigned_step_slipped_in_after_accounts_started_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let payload = r#"{"kind":"demo_data_added","seed":1}"#;
    let seq = forge_append_in_format(&dir, 1, "2026-11-02T07:05:00.000000Z", "li", "demo_data_added", payload);

    let problems = verify(&dir);
    let unsigned = of_kind(&problems, ProblemKind::EventUnsigned);
    assert_eq!(unsigned.len(), 1, "{problems:#?}");
    assert_eq!(unsigned[0].event_seq, Some(seq));
}

#[test]
fn a_key_introduced_by_someone_without_the_role_installs_nothing() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    // chen makes a key of her own for wang, signs it with her real key, and then signs as "wang"
    // with it: the introduction is refused, so the key never came into force.
    let chen = key_of(&dir, "chen", &test_passphrase("chen"));
    let made = PersonKey::generate().expect("key");
    let payload = format!(
        r#"{{"kind":"key_introduced","person_id":"wang","public_key":"{}","reason":"reset"}}"#,
        made.public_key().to_base64()
    );
    let introduced = forge_append_signed(
        &dir,
        EVENT_FORMAT,
        "2026-11-02T07:05:00.000000Z",
        "chen",
        "key_introduced",
        &payload,
        |hash| Some(chen.sign(&signed_message(hash)).to_base64()),
    );
    let as_wang = r#"{"kind":"personal_data_revealed","complaint_number":"TS-1","reason":"冒名"}"#;
    let forged = forge_append_signed(
        &dir,
        EVENT_FORMAT,
        "2026-11-02T07:06:00.000000Z",
        "wang",
        "personal_data_revealed",
        as_wang,
        |hash| Some(made.sign(&signed_message(hash)).to_base64()),
    );

    let problems = verify(&dir);
    let refused = of_kind(&problems, ProblemKind::EventUnauthorized);
    assert!(refused.iter().any(|p| p.event_seq == Some(introduced)), "{problems:#?}");
    let bad = of_kind(&problems, ProblemKind::SignatureInvalid);
    assert_eq!(bad.len(), 1, "{problems:#?}");
    assert_eq!(bad[0].event_seq, Some(forged));
}

fn base64_decode(text: &str) -> Vec<u8> {
    tingjian_signing::Signature::from_base64(text).expect("signature").to_bytes().to_vec()
}

fn base64_encode(bytes: &[u8]) -> String {
    tingjian_signing::Signature::from_slice(bytes).expect("64 bytes").to_base64()
}

fn checkpoint_problems(dir: &Path, files: &[PathBuf]) -> Vec<VerifyProblem> {
    let files: Vec<CheckpointFile> = files.iter().map(|f| CheckpointFile::read(f).expect("read")).collect();
    let report = tingjian_vault::verify_without_writing_against(dir, &files).expect("verify");
    report.problems
}

#[test]
fn a_checkpoint_signed_and_cosigned_outside_the_vault_holds_while_the_log_extends_it() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let share = temp.path().join("share");
    let li = as_person(&dir, "li", "2026-11-02T07:30:00Z");
    let written = li.write_checkpoint(&share).expect("checkpoint");
    let wang = as_person(&dir, "wang", "2026-11-02T07:31:00Z");
    let cosigned = wang.cosign_checkpoint(Path::new(&written.path)).expect("cosign");
    assert_eq!(cosigned.signed_by, ["li", "wang"]);
    let text = std::fs::read_to_string(&written.path).expect("read");
    assert!(text.starts_with("tingjian/"), "{text}");
    assert!(text.contains("\n\u{2014} li ") && text.contains("\n\u{2014} wang "), "{text}");
    // The log goes on after the checkpoint: it still extends it.
    let mut chen = as_person(&dir, "chen", "2026-11-02T08:00:00Z");
    chen.reveal_personal_data("TS-1", "再次回电").expect("a later step");
    drop((li, wang, chen));
    assert_eq!(checkpoint_problems(&dir, &[PathBuf::from(&written.path)]), vec![]);
}

#[test]
fn the_newest_events_cut_off_with_their_rows_contradict_a_checkpoint() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let li = as_person(&dir, "li", "2026-11-02T07:30:00Z");
    let written = li.write_checkpoint(&temp.path().join("usb")).expect("checkpoint");
    drop(li);
    // The reveal (the head) and its row deleted: inside the vault nothing is missing.
    let head = head_seq(&dir);
    sqlite3(&dir, DROP_GUARDS);
    sqlite3(
        &dir,
        &format!("DELETE FROM personal_data_reveals WHERE event_seq = {head}; DELETE FROM events WHERE seq = {head};"),
    );
    let clock = Arc::new(FixedClock("2026-12-01T02:00:00Z".parse().expect("instant")));
    let without = Vault::open_with_clock(&dir, "auditor", clock).expect("open").verify().expect("verify");
    assert!(without.ok, "without a checkpoint the truncation is invisible: {:#?}", without.problems);

    let problems = checkpoint_problems(&dir, &[PathBuf::from(&written.path)]);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].kind, ProblemKind::CheckpointContradicted);
    assert_eq!(problems[0].key.as_deref(), Some(written.path.as_str()));
    assert!(problems[0].message_en.contains("cut off"), "{}", problems[0].message_en);
}

#[test]
fn a_forked_history_contradicts_a_checkpoint_of_the_other_branch() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let fork = temp.path().join("fork");
    copy_dir(&dir, &fork);
    // The same next step position holds different events in the two copies.
    let mut chen = as_person(&dir, "chen", "2026-11-02T08:00:00Z");
    chen.reveal_personal_data("TS-1", "原件中的回电").expect("step");
    let written =
        as_person(&dir, "li", "2026-11-02T08:01:00Z").write_checkpoint(&temp.path().join("usb")).expect("checkpoint");
    drop(chen);
    let mut other = as_person(&fork, "chen", "2026-11-02T08:00:00Z");
    other.reveal_personal_data("TS-1", "副本中的另一条").expect("step");
    other.reveal_personal_data("TS-1", "副本更长").expect("step");
    assert!(other.verify().expect("verify").ok, "each copy is whole on its own");
    drop(other);

    let problems = checkpoint_problems(&fork, &[PathBuf::from(&written.path)]);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].kind, ProblemKind::CheckpointContradicted);
    assert!(problems[0].message_en.contains("fork"), "{}", problems[0].message_en);
    assert_eq!(checkpoint_problems(&dir, &[PathBuf::from(&written.path)]), vec![], "the original extends it");
}

#[test]
fn an_altered_checkpoint_or_one_of_another_vault_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let li = as_person(&dir, "li", "2026-11-02T07:30:00Z");
    let written = li.write_checkpoint(&temp.path().join("usb")).expect("checkpoint");
    drop(li);
    let text = std::fs::read_to_string(&written.path).expect("read");
    let size = head_seq(&dir);
    // A smaller size, so a truncated log would seem to extend it: the signature no longer holds.
    let altered = temp.path().join("altered.checkpoint");
    std::fs::write(&altered, text.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 1), 1)).expect("write");
    let problems = checkpoint_problems(&dir, &[altered]);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message_en.contains("does not verify"), "{}", problems[0].message_en);

    let other_temp = tempfile::tempdir().expect("tempdir");
    let other = signed_vault(other_temp.path());
    let problems = checkpoint_problems(&other, &[PathBuf::from(&written.path)]);
    assert_eq!(problems.len(), 1, "another vault's keys do not verify it: {problems:#?}");
}

#[test]
fn a_head_of_another_department_cannot_see_a_customers_data_on_write_or_on_replay() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    // zhang heads 零售金融部; TS-1 is 信用卡中心's, not assigned to him.
    let mut zhang = as_person(&dir, "zhang", "2026-11-02T07:05:00Z");
    let refused = zhang.reveal_personal_data("TS-1", "想核实一下").expect_err("not his department's");
    assert_eq!(tingjian_core::Coded::code(&refused), tingjian_core::ErrorCode::NotPermitted, "{refused}");
    drop(zhang);
    // The same reveal signed with his real key behind the app's back is named on replay.
    let payload = r#"{"kind":"personal_data_revealed","complaint_number":"TS-1","reason":"想核实一下"}"#;
    let refused = signed_behind_the_apps_back(&dir, "zhang", "2026-11-02T07:06:00.000000Z", payload);
    assert!(refused.message_en.contains("department"), "{}", refused.message_en);
}

#[test]
fn a_handling_extension_is_the_coordinators_and_one_to_60_days_names_its_approver_even_on_replay() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let mut chen = as_person(&dir, "chen", "2026-11-02T07:05:00Z");
    let refused = chen.extend_handling("TS-1", 30, None, "情况复杂").expect_err("a head may not");
    assert_eq!(tingjian_core::Coded::code(&refused), tingjian_core::ErrorCode::NotPermitted, "{refused}");
    drop(chen);
    as_person(&dir, "li", "2026-11-02T07:06:00Z").extend_handling("TS-1", 30, None, "情况复杂").expect("li may");
    // li's real key on a 60-day extension nobody approved, written behind the app's back.
    let payload = r#"{"kind":"handling_extended","complaint_number":"TS-1","limit_days":60,"reason":"拖一拖"}"#;
    let refused = signed_behind_the_apps_back(&dir, "li", "2026-11-02T07:07:00.000000Z", payload);
    assert!(refused.message_en.contains("approved"), "{}", refused.message_en);
}

#[test]
fn a_pause_that_ends_before_it_begins_is_named_on_replay() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = signed_vault(temp.path());
    let payload = r#"{"kind":"handling_paused","complaint_number":"TS-1","from":"2026-11-02T06:00:00.000000Z","to":"2026-11-01T06:00:00.000000Z","reason":"倒填"}"#;
    let refused = signed_behind_the_apps_back(&dir, "li", "2026-11-02T07:06:00.000000Z", payload);
    assert!(refused.message_en.contains("end after"), "{}", refused.message_en);
}
