//! Accounts with real keys: a vault's first account, enrolling with a one-time passphrase, the
//! person's own passphrase at first sign-in, roles checked when a step is recorded, wrong
//! passphrases counted with a growing wait, leavers, resets; and the secrets never written in
//! clear to the vault's files.

use std::path::Path;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use tingjian_core::model::{Person, Role};
use tingjian_core::time::Clock;
use tingjian_core::{Coded, ErrorCode, QuarterId, QuarterState};
use tingjian_signing::{SealedKey, SealingParams};
use tingjian_vault::{AccountState, Event, Vault, VaultError};

mod common;
use common::{sqlite3, vault_with_a_call};

/// Cheap argon2id costs: these tests make and open dozens of keys.
const PARAMS: SealingParams = SealingParams::FOR_TESTS;
const LI_PASSPHRASE: &str = "李敏的口令：消保中心2026";
const CHEN_ONE_TIME: &str = "K7PD-3MXR-9QWT-HC4N";
const CHEN_PASSPHRASE: &str = "陈静自己定的口令-信用卡";

/// A clock the test moves on by hand.
#[derive(Debug)]
struct StepClock(Mutex<Timestamp>);

impl StepClock {
    fn at(text: &str) -> Arc<StepClock> {
        Arc::new(StepClock(Mutex::new(text.parse().expect("instant"))))
    }

    fn advance(&self, seconds: i64) {
        let mut now = self.0.lock().expect("clock");
        *now = now.checked_add(jiff::SignedDuration::from_secs(seconds)).expect("instant");
    }
}

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock")
    }
}

fn person(id: &str, role: Role, department: Option<&str>) -> Person {
    Person { id: id.to_owned(), display_name: id.to_owned(), role, department: department.map(str::to_owned) }
}

/// A vault holding a call of 信用卡中心 (four unsigned events), whose accounts were then started by
/// the coordinator li, who enrolled chen (head of 信用卡中心) with a one-time passphrase. Returns
/// li's signed-in handle and the clock.
fn vault_with_accounts(temp: &Path) -> (Vault, Arc<StepClock>) {
    let (vault, _) = vault_with_a_call(temp, "li");
    let dir = vault.root().to_owned();
    drop(vault);
    let clock = StepClock::at("2026-11-02T07:00:00Z");
    let mut li = Vault::open_with_clock(&dir, "li", clock.clone()).expect("open");
    li.start_accounts(person("li", Role::Coordinator, None), LI_PASSPHRASE, PARAMS).expect("first account");
    li.enroll(person("chen", Role::DepartmentHead, Some("信用卡中心")), CHEN_ONE_TIME, PARAMS).expect("enroll chen");
    (li, clock)
}

fn another(vault: &Vault, clock: &Arc<StepClock>) -> Vault {
    Vault::open_with_clock(vault.root(), "nobody.yet", clock.clone()).expect("open")
}

fn event_count(vault: &Vault) -> usize {
    vault.events().expect("events").len()
}

#[test]
fn a_person_enrolled_with_a_one_time_passphrase_chooses_their_own_and_then_signs_their_steps() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (li, clock) = vault_with_accounts(temp.path());
    let mut chen = another(&li, &clock);

    let refused = chen.sign_in("chen", CHEN_ONE_TIME).expect_err("a one-time passphrase does not sign in");
    assert_eq!(refused.code(), ErrorCode::PassphraseChangeRequired, "{refused}");
    assert_eq!(chen.signed_in(), None);
    let weak = chen.choose_passphrase("chen", CHEN_ONE_TIME, "123456789", PARAMS).expect_err("too short");
    assert_eq!(weak.code(), ErrorCode::InvalidInput, "{weak}");
    chen.choose_passphrase("chen", CHEN_ONE_TIME, CHEN_PASSPHRASE, PARAMS).expect("her own passphrase");
    assert_eq!(chen.signed_in(), Some("chen"));

    chen.reveal_personal_data("TS-1", "核实客户身份后回电").expect("the head of the complaint's department may");
    let events = chen.events().expect("events");
    let head = events.last().expect("an event");
    assert_eq!(
        (head.kind.as_str(), head.actor.as_str(), head.format),
        ("personal_data_revealed", "chen", tingjian_vault::event::EVENT_FORMAT)
    );
    assert!(head.signature.is_some(), "a signed event carries its signature");
    assert!(
        events.iter().take(4).all(|e| e.format == 1 && e.signature.is_none()),
        "the events before accounts stay unsigned"
    );

    // The one-time key was replaced: it can no longer open, and only chen's own key is in force.
    let again = chen.sign_in("chen", CHEN_ONE_TIME).expect_err("the one-time passphrase is spent");
    assert_eq!(again.code(), ErrorCode::WrongPassphrase, "{again}");
    let keys = sqlite3(
        li.root(),
        "SELECT reason || ':' || (revoked_seq IS NULL) FROM person_keys WHERE person_id = 'chen' ORDER BY introduced_seq;",
    );
    assert_eq!(keys, "enrolled:0\nchosen:1");
    let account = li.accounts().expect("accounts").into_iter().find(|a| a.person.id == "chen").expect("chen");
    assert_eq!((account.state, account.must_change), (AccountState::Active, false));
    assert!(account.fingerprint.as_deref().is_some_and(|f| f.starts_with("SHA256:")), "{account:?}");

    let lines = li.signed_by(&[head.seq, 2]).expect("signed by");
    assert_eq!(lines[0].person_id, "chen");
    assert!(lines[0].checked, "her signature holds under the key she chose: {:?}", lines[0]);
    assert_eq!(lines[0].fingerprint, account.fingerprint, "and names that key");
    assert_eq!(
        (lines[1].checked, lines[1].fingerprint.as_deref()),
        (false, None),
        "an event from before accounts is unsigned"
    );
    let chosen_key =
        sqlite3(li.root(), "SELECT introduced_seq FROM person_keys WHERE person_id = 'chen' AND reason = 'chosen';");
    let chosen_key: u64 = chosen_key.parse().expect("seq");
    let line = &li.signed_by(&[chosen_key]).expect("signed by")[0];
    assert!(line.checked, "the event introducing her key is signed by the one-time key it replaces: {line:?}");

    let report = li.verify().expect("verify");
    assert!(report.ok, "{:#?}", report.problems);
    assert_eq!(report.unsigned_events, 4, "vault, recording, complaint, link were written before accounts");
    assert_eq!(report.signed_events, report.events_checked - 4);
}

#[test]
fn nothing_is_recorded_without_a_signed_in_person_once_the_vault_has_accounts() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (li, clock) = vault_with_accounts(temp.path());
    let before = event_count(&li);
    let mut typed_name = Vault::open_with_clock(li.root(), "li", clock).expect("open as a typed name");
    let refused = typed_name
        .record(vec![Event::QuarterSet { quarter: QuarterId::new(2026, 4).expect("q"), state: QuarterState::Planning }])
        .expect_err("not signed in");
    assert_eq!(refused.code(), ErrorCode::SignInRequired, "{refused}");
    assert!(refused.message_zh().contains("登录"), "{}", refused.message_zh());
    assert_eq!(event_count(&li), before, "nothing was recorded");
    assert!(li.verify().expect("verify").ok);
}

#[test]
fn a_step_the_signers_role_does_not_allow_is_refused_when_recorded_and_nothing_is_stored() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut li, clock) = vault_with_accounts(temp.path());
    li.enroll(person("zhao", Role::Reviewer, None), "ZHAO-ONE-TIME-2026", PARAMS).expect("enroll a reviewer");
    let mut chen = another(&li, &clock);
    chen.choose_passphrase("chen", CHEN_ONE_TIME, CHEN_PASSPHRASE, PARAMS).expect("sign in");
    let before = event_count(&li);

    let quarter = QuarterId::new(2026, 4).expect("q");
    let not_hers = chen
        .record(vec![Event::QuarterSet { quarter, state: QuarterState::Planning }])
        .expect_err("a department head does not set up quarters");
    assert_eq!(not_hers.code(), ErrorCode::NotPermitted, "{not_hers}");
    let promotion = chen.set_person(person("chen", Role::Coordinator, None)).expect_err("nor promote herself");
    assert!(matches!(promotion, VaultError::NotAuthorized { .. }), "{promotion}");

    let mut zhao = another(&li, &clock);
    zhao.choose_passphrase("zhao", "ZHAO-ONE-TIME-2026", "赵六自己定的口令很长", PARAMS).expect("sign in");
    let count_after_zhao = event_count(&li);
    let reveal = zhao.reveal_personal_data("TS-1", "想看看").expect_err("not assigned to TS-1");
    assert_eq!(reveal.code(), ErrorCode::NotPermitted, "{reveal}");
    assert_eq!(event_count(&li), count_after_zhao, "nothing was recorded");
    assert_eq!(count_after_zhao, before + 1, "only zhao's chosen key was recorded meanwhile");

    li.record(vec![Event::QuarterSet { quarter, state: QuarterState::Planning }]).expect("the coordinator may");
    assert!(li.verify().expect("verify").ok);
}

#[test]
fn wrong_passphrases_are_counted_and_each_one_past_the_third_makes_the_next_attempt_wait_longer() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (li, clock) = vault_with_accounts(temp.path());
    let mut someone = another(&li, &clock);
    for attempt in 1..=3u32 {
        match someone.sign_in("li", "not the passphrase") {
            Err(VaultError::WrongPassphrase { failed_attempts, .. }) => assert_eq!(failed_attempts, attempt),
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    let waiting = someone.sign_in("li", LI_PASSPHRASE).expect_err("the fourth attempt comes too soon");
    assert_eq!(waiting.code(), ErrorCode::SignInDelayed, "{waiting}");
    let failed =
        li.accounts().expect("accounts").into_iter().find(|a| a.person.id == "li").expect("li").failed_attempts;
    assert_eq!(failed, 3, "the failures are on record");

    clock.advance(2);
    someone.sign_in("li", "still not it").expect_err("wrong again");
    clock.advance(1);
    let longer = someone.sign_in("li", LI_PASSPHRASE).expect_err("after the fourth failure the wait is 2 s");
    assert_eq!(longer.code(), ErrorCode::SignInDelayed, "{longer}");
    clock.advance(2);
    someone.sign_in("li", LI_PASSPHRASE).expect("the right passphrase, after the wait");
    assert_eq!(someone.signed_in(), Some("li"));
    let failed =
        li.accounts().expect("accounts").into_iter().find(|a| a.person.id == "li").expect("li").failed_attempts;
    assert_eq!(failed, 0, "a right passphrase clears the count");
}

#[test]
fn a_leaver_cannot_sign_in_and_what_they_signed_stays_valid() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut li, clock) = vault_with_accounts(temp.path());
    let mut chen = another(&li, &clock);
    chen.choose_passphrase("chen", CHEN_ONE_TIME, CHEN_PASSPHRASE, PARAMS).expect("sign in");
    chen.reveal_personal_data("TS-1", "回电核实").expect("reveal");
    drop(chen);

    li.mark_left("chen").expect("chen leaves");
    let refused = another(&li, &clock).sign_in("chen", CHEN_PASSPHRASE).expect_err("a leaver cannot sign in");
    assert_eq!(refused.code(), ErrorCode::AccountNotFound, "{refused}");
    let account = li.accounts().expect("accounts").into_iter().find(|a| a.person.id == "chen").expect("chen");
    assert_eq!((account.state, account.fingerprint), (AccountState::Left, None));
    let report = li.verify().expect("verify");
    assert!(report.ok, "her signed reveal still verifies: {:#?}", report.problems);
    assert_eq!(li.mark_left("li").expect_err("not oneself").code(), ErrorCode::InvalidInput);
}

#[test]
fn a_reset_gives_a_new_key_under_a_one_time_passphrase_and_the_forgotten_one_opens_nothing() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut li, clock) = vault_with_accounts(temp.path());
    let mut chen = another(&li, &clock);
    chen.choose_passphrase("chen", CHEN_ONE_TIME, CHEN_PASSPHRASE, PARAMS).expect("sign in");
    drop(chen);

    li.reset_passphrase("chen", "RESET-ONCE-7QWT", PARAMS).expect("reset");
    let mut chen = another(&li, &clock);
    assert_eq!(chen.sign_in("chen", CHEN_PASSPHRASE).expect_err("old").code(), ErrorCode::WrongPassphrase);
    assert_eq!(
        chen.sign_in("chen", "RESET-ONCE-7QWT").expect_err("one-time").code(),
        ErrorCode::PassphraseChangeRequired
    );
    chen.choose_passphrase("chen", "RESET-ONCE-7QWT", "陈静的新口令-2026冬", PARAMS).expect("a new passphrase");
    let reasons = sqlite3(
        li.root(),
        "SELECT group_concat(reason, ',') FROM (SELECT reason FROM person_keys WHERE person_id = 'chen' ORDER BY introduced_seq);",
    );
    assert_eq!(reasons, "enrolled,chosen,reset,chosen");
    assert!(li.verify().expect("verify").ok);
}

#[test]
fn accounts_start_once_and_only_with_a_coordinator_or_president() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, _) = vault_with_a_call(temp.path(), "li");
    let clock = StepClock::at("2026-11-02T07:00:00Z");
    let mut head = Vault::open_with_clock(vault.root(), "chen", clock.clone()).expect("open");
    let refused = head
        .start_accounts(person("chen", Role::DepartmentHead, Some("信用卡中心")), CHEN_PASSPHRASE, PARAMS)
        .expect_err("a head cannot start the accounts");
    assert_eq!(refused.code(), ErrorCode::NotPermitted, "{refused}");
    assert!(!head.has_accounts().expect("has accounts"));
    let enroll =
        head.enroll(person("zhao", Role::Reviewer, None), "ZHAO-ONE-TIME-2026", PARAMS).expect_err("no accounts yet");
    assert!(enroll.message_en().contains("no accounts yet"), "{enroll}");

    let mut li = Vault::open_with_clock(vault.root(), "li", clock.clone()).expect("open");
    li.start_accounts(person("li", Role::Coordinator, None), LI_PASSPHRASE, PARAMS).expect("first account");
    let mut wang = Vault::open_with_clock(vault.root(), "wang", clock).expect("open");
    let twice =
        wang.start_accounts(person("wang", Role::President, None), "王建国的口令很长很长", PARAMS).expect_err("once");
    assert_eq!(twice.code(), ErrorCode::NotPermitted, "{twice}");
    assert!(li.verify().expect("verify").ok);
}

#[test]
fn a_vault_without_accounts_goes_on_writing_unsigned_events_that_verify() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (mut vault, _) = vault_with_a_call(temp.path(), "li.min");
    vault.record(vec![Event::DemoDataAdded { seed: 7 }]).expect("record unsigned");
    let report = vault.verify().expect("verify");
    assert!(report.ok, "{:#?}", report.problems);
    assert_eq!((report.signed_events, report.unsigned_events), (0, 5));
}

/// Every file of the vault's folder, read whole (the database, its WAL and shared memory).
fn every_file(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                found.push((path, bytes));
            }
        }
    }
    found
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn no_secret_key_or_passphrase_is_ever_written_in_clear_to_the_vault_or_its_wal() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (li, clock) = vault_with_accounts(temp.path());
    let mut chen = another(&li, &clock);
    chen.choose_passphrase("chen", CHEN_ONE_TIME, CHEN_PASSPHRASE, PARAMS).expect("sign in");
    chen.reveal_personal_data("TS-1", "回电核实").expect("a signed step");

    // The handles stay open, so the write-ahead log still holds the newest pages.
    let files = every_file(li.root());
    assert!(files.iter().any(|(path, _)| path.to_string_lossy().ends_with("-wal")), "the WAL is scanned too");
    let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
    for (id, passphrase) in [("li", LI_PASSPHRASE), ("chen", CHEN_PASSPHRASE), ("chen", CHEN_ONE_TIME)] {
        secrets.push((format!("{id}'s passphrase"), passphrase.as_bytes().to_vec()));
    }
    for sealed in sqlite3(li.root(), "SELECT sealed FROM sealed_keys;").lines() {
        let sealed = SealedKey::from_json(sealed).expect("a sealed key");
        for passphrase in [LI_PASSPHRASE, CHEN_PASSPHRASE, CHEN_ONE_TIME] {
            if let Ok(key) = sealed.unseal(passphrase) {
                secrets.push((format!("the secret of {}", key.fingerprint()), key.secret_for_tests().to_vec()));
            }
        }
    }
    assert_eq!(secrets.len(), 6, "three passphrases and the three keys they open");
    for (path, bytes) in &files {
        for (what, secret) in &secrets {
            assert!(!holds(bytes, secret), "{what} is in clear in {}", path.display());
        }
    }
}
