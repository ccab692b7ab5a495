//! Accounts: who may sign in to a vault, with which key, and how keys come and go.
//!
//! A vault starts without accounts (every vault made before them did): its events are unsigned
//! and its actor is a typed id. [`Vault::start_accounts`] enrolls the first coordinator or
//! president with a key made on this machine, and from that event on every event is signed
//! (format 2) and nothing is recorded without a signed-in person.
//!
//! Keys are made here, never imported, and their secrets are kept only sealed by a passphrase
//! (`tingjian_signing::SealedKey`) in `sealed_keys`. A coordinator or president enrolls a person
//! (or resets a forgotten passphrase) with a one-time passphrase they hand over; the person's
//! first sign-in makes a new key under a passphrase only they know ([`Vault::choose_passphrase`]),
//! so whoever handed the one-time passphrase over can never sign as them afterwards, and every
//! event signed under the one-time key is visible as such in the log.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use tingjian_core::model::{Person, Role};
use tingjian_signing::{PersonKey, SealedKey, SealingParams, SigningError, check_new_passphrase};
use ts_rs::TS;

use crate::event::{Event, KeyReason};
use crate::people::checked_person;
use crate::write::NewSealedKey;
use crate::{Vault, VaultError, column};

/// Every person's passphrase in a demo vault made with accounts (`tingjian demo --accounts`),
/// printed in the README and on the sign-in screen of a demo vault only.
pub const DEMO_PASSPHRASE: &str = "tingjian-demo";

/// The argon2id costs of a demo vault's keys: cheap, since their passphrase is public anyway, so
/// making the demo's people does not take seconds each.
pub const DEMO_SEALING: SealingParams = SealingParams::FOR_TESTS;

/// Wrong passphrases in a row that are let through without a wait; from the next one on, each
/// doubles the wait (1 s, 2 s, 4 s, …) up to [`max_sign_in_delay`].
pub const FIRST_SIGN_IN_DELAY_AFTER: u32 = 3;

/// The longest wait between passphrase attempts.
pub fn max_sign_in_delay() -> Duration {
    Duration::from_secs(300)
}

/// The wait required after `failed` wrong passphrases in a row.
fn sign_in_delay(failed: u32) -> Duration {
    if failed < FIRST_SIGN_IN_DELAY_AFTER {
        return Duration::ZERO;
    }
    let doublings = (failed - FIRST_SIGN_IN_DELAY_AFTER).min(16);
    Duration::from_secs(1u64 << doublings).min(max_sign_in_delay())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    Active,
    Left,
}

/// A person of the vault as the people screen and `tingjian people list` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Account {
    pub person: Person,
    pub state: AccountState,
    /// The fingerprint of the key in force (`SHA256:…`), `None` for a person without one (left, or
    /// known only from before accounts).
    pub fingerprint: Option<String>,
    /// When the key in force was introduced.
    pub key_since: Option<String>,
    /// The person holds a one-time passphrase and must choose their own at their next sign-in.
    pub must_change: bool,
    /// Wrong passphrases in a row since the last right one.
    pub failed_attempts: u32,
}

/// What the sign-in screen and the header show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInState {
    /// The vault has accounts: nothing is recorded without signing in.
    pub has_accounts: bool,
    /// Who is signed in on this handle.
    pub signed_in: Option<Account>,
    /// Who may sign in: active people with a key.
    pub people: Vec<Account>,
    /// The passphrase every demo person signs in with, on a demo vault only.
    pub demo_passphrase: Option<String>,
}

/// The "signed by" line under a signed record: who signed the event that recorded it, with which
/// key, and whether the signature was checked and holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignedBy {
    #[ts(type = "number")]
    pub event_seq: u64,
    pub person_id: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub at: String,
    /// The fingerprint of the key that signed; `None` for an unsigned event (before accounts).
    pub fingerprint: Option<String>,
    /// The signature verifies with the key its signer had in force when the event was recorded.
    pub checked: bool,
}

/// A person's key in force and its sealed secret.
struct KeyOnFile {
    public_key: String,
    sealed: SealedKey,
    must_change: bool,
    failed_attempts: u32,
    last_failed_at: Option<String>,
}

impl Vault {
    /// Whether the vault has accounts, so every event must be signed.
    pub fn has_accounts(&self) -> Result<bool, VaultError> {
        Ok(self.accounts_since()?.is_some())
    }

    /// The event that started the vault's accounts, if it has them.
    pub fn accounts_since(&self) -> Result<Option<u64>, VaultError> {
        let since: Option<Option<u64>> = self
            .db()
            .query_row("SELECT accounts_since_seq FROM vault_info WHERE id = 1", [], |row| row.get(0))
            .optional()?;
        Ok(since.flatten())
    }

    /// The argon2id costs new keys are sealed with: the full costs, except in a demo vault, whose
    /// passphrases are public anyway.
    pub fn sealing_params(&self) -> Result<SealingParams, VaultError> {
        Ok(if self.status()?.demo { DEMO_SEALING } else { SealingParams::DEFAULT })
    }

    /// Who is signed in, and who may sign in.
    pub fn sign_in_state(&self) -> Result<SignInState, VaultError> {
        let has_accounts = self.has_accounts()?;
        let accounts = self.accounts()?;
        let signed_in = self.signed_in().and_then(|id| accounts.iter().find(|a| a.person.id == id).cloned());
        let people =
            accounts.into_iter().filter(|a| a.state == AccountState::Active && a.fingerprint.is_some()).collect();
        let demo_passphrase = (has_accounts && self.status()?.demo).then(|| DEMO_PASSPHRASE.to_owned());
        Ok(SignInState { has_accounts, signed_in, people, demo_passphrase })
    }

    /// The "signed by" lines of the events at `seqs`, each signature checked against the key its
    /// signer had in force at that point of the log.
    pub fn signed_by(&self, seqs: &[u64]) -> Result<Vec<SignedBy>, VaultError> {
        let mut lines = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let Some(event) = crate::event::read_at(self.db(), seq)? else { continue };
            let person: Option<(String, String)> = self
                .db()
                .query_row("SELECT display_name, role FROM people WHERE id = ?1", [&event.actor], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?;
            // The key in force: introduced before the event (or by it, for the first account) and
            // not revoked before it (a key revoked by this very event signed it).
            let key: Option<(String, String)> = self
                .db()
                .query_row(
                    "SELECT public_key, fingerprint FROM person_keys
                     WHERE person_id = ?1
                       AND (introduced_seq < ?2 OR (introduced_seq = ?2 AND reason = 'first_account'))
                       AND (revoked_seq IS NULL OR revoked_seq >= ?2)
                     ORDER BY introduced_seq DESC LIMIT 1",
                    rusqlite::params![event.actor, seq],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let checked = match (&event.signature, &key) {
                (Some(signature), Some((public_key, _))) => {
                    let message = crate::event::signed_message(&event.hash);
                    match (
                        tingjian_signing::PublicKey::from_base64(public_key),
                        tingjian_signing::Signature::from_base64(signature),
                    ) {
                        (Ok(key), Ok(signature)) => key.verify_strict(&message, &signature).is_ok(),
                        _ => false,
                    }
                }
                _ => false,
            };
            let (display_name, role) =
                person.map_or((event.actor.clone(), None), |(name, role)| (name, Role::parse(&role)));
            lines.push(SignedBy {
                event_seq: seq,
                person_id: event.actor.clone(),
                display_name,
                role,
                at: event.at.clone(),
                fingerprint: event.signature.as_ref().and(key.map(|(_, fingerprint)| fingerprint)),
                checked,
            });
        }
        Ok(lines)
    }

    /// The signed-in person's id, if someone is signed in.
    pub fn signed_in(&self) -> Option<&str> {
        self.signer.as_ref().map(|_| self.actor.as_str())
    }

    /// Everyone the vault knows, with their account's state, by id.
    pub fn accounts(&self) -> Result<Vec<Account>, VaultError> {
        let mut statement = self.db().prepare(
            "SELECT p.id, p.display_name, p.role, p.department, p.state, k.fingerprint, e.at,
                    coalesce(s.must_change, 0), coalesce(s.failed_attempts, 0)
             FROM people p
             LEFT JOIN person_keys k ON k.person_id = p.id AND k.revoked_seq IS NULL
             LEFT JOIN events e ON e.seq = k.introduced_seq
             LEFT JOIN sealed_keys s ON s.public_key = k.public_key
             ORDER BY p.id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(Account {
                person: Person {
                    id: row.get(0)?,
                    display_name: row.get(1)?,
                    role: column::named(row, 2, Role::parse)?,
                    department: row.get(3)?,
                },
                state: column::named(row, 4, |text| match text {
                    "active" => Some(AccountState::Active),
                    "left" => Some(AccountState::Left),
                    _ => None,
                })?,
                fingerprint: row.get(5)?,
                key_since: row.get(6)?,
                must_change: row.get(7)?,
                failed_attempts: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Gives a vault without accounts its first: `person` (a coordinator or president) enrolls
    /// themselves with a passphrase they choose, and is signed in. From here on every event is
    /// signed and nothing is recorded without a signed-in person.
    pub fn start_accounts(
        &mut self,
        person: Person,
        passphrase: &str,
        params: SealingParams,
    ) -> Result<(), VaultError> {
        let person = checked_person(person)?;
        check_new_passphrase(passphrase)?;
        let key = PersonKey::generate()?;
        let sealed = SealedKey::seal(&key, passphrase, params)?;
        let event = Event::AccountsStarted { person: person.clone(), public_key: key.public_key().to_base64() };
        let keep = NewSealedKey { person_id: &person.id, key: &sealed, must_change: false };
        self.writer.record_keeping(self.clock.now(), &person.id, Some(&key), vec![event], Some(&keep))?;
        self.actor = person.id;
        self.signer = Some(Arc::new(key));
        Ok(())
    }

    /// Signs `person_id` in with their passphrase: from now on this handle's events are theirs,
    /// signed with their key. A wrong passphrase is counted (and, after a few in a row, the next
    /// attempt must wait); a one-time passphrase is recognised but does not sign in: the person
    /// must choose their own first ([`VaultError::PassphraseChangeRequired`]).
    pub fn sign_in(&mut self, person_id: &str, passphrase: &str) -> Result<(), VaultError> {
        let (key, must_change) = self.open_key(person_id, passphrase)?;
        if must_change {
            return Err(VaultError::PassphraseChangeRequired { id: person_id.to_owned() });
        }
        self.actor = person_id.to_owned();
        self.signer = Some(Arc::new(key));
        Ok(())
    }

    /// Replaces `person_id`'s passphrase (a one-time one at their first sign-in, or their own) with
    /// `new_passphrase`: a new key is made and sealed by it, introduced by an event signed with the
    /// key it replaces, and the person is signed in with it.
    pub fn choose_passphrase(
        &mut self,
        person_id: &str,
        current: &str,
        new_passphrase: &str,
        params: SealingParams,
    ) -> Result<(), VaultError> {
        check_new_passphrase(new_passphrase)?;
        if new_passphrase == current {
            return Err(VaultError::refused(
                "新口令不能与当前口令相同",
                "the new passphrase must differ from the current one",
            ));
        }
        let (old_key, _) = self.open_key(person_id, current)?;
        let key = PersonKey::generate()?;
        let sealed = SealedKey::seal(&key, new_passphrase, params)?;
        let event = Event::KeyIntroduced {
            person_id: person_id.to_owned(),
            public_key: key.public_key().to_base64(),
            reason: KeyReason::Chosen,
        };
        let keep = NewSealedKey { person_id, key: &sealed, must_change: false };
        self.writer.record_keeping(self.clock.now(), person_id, Some(&old_key), vec![event], Some(&keep))?;
        self.actor = person_id.to_owned();
        self.signer = Some(Arc::new(key));
        Ok(())
    }

    /// Forgets the signed-in person's key in this handle (it is wiped once no handle holds it).
    pub fn sign_out(&mut self) {
        self.signer = None;
    }

    /// Enrolls `person` with a key sealed by `one_time_passphrase`, which the signed-in coordinator
    /// or president hands to them; they must replace it at their first sign-in.
    pub fn enroll(
        &mut self,
        person: Person,
        one_time_passphrase: &str,
        params: SealingParams,
    ) -> Result<Person, VaultError> {
        let person = checked_person(person)?;
        if self.accounts()?.iter().any(|a| a.person.id == person.id && a.fingerprint.is_some()) {
            return Err(VaultError::refused(
                format!("{} 已有账户：修改角色请用“角色”，忘记口令请用“重置口令”", person.id),
                format!("{} already has an account: change their role, or reset their passphrase", person.id),
            ));
        }
        let events = vec![Event::PersonAdded { person: person.clone() }];
        self.introduce_one_time_key(&person.id, events, KeyReason::Enrolled, one_time_passphrase, params)?;
        Ok(person)
    }

    /// Enrolls `person` with a one-time passphrase made from the system's randomness, which is
    /// returned to be handed to them (shown once, kept nowhere).
    pub fn enroll_with_one_time_passphrase(
        &mut self,
        person: Person,
        params: SealingParams,
    ) -> Result<(Person, String), VaultError> {
        let one_time = tingjian_signing::one_time_passphrase()?;
        let person = self.enroll(person, &one_time, params)?;
        Ok((person, one_time.to_string()))
    }

    /// Resets `person_id`'s passphrase to a one-time one made from the system's randomness, which
    /// is returned to be handed to them.
    pub fn reset_with_one_time_passphrase(
        &mut self,
        person_id: &str,
        params: SealingParams,
    ) -> Result<String, VaultError> {
        let one_time = tingjian_signing::one_time_passphrase()?;
        self.reset_passphrase(person_id, &one_time, params)?;
        Ok(one_time.to_string())
    }

    /// Why nothing can be signed on this handle: nobody is signed in, or the vault has no accounts.
    pub(crate) fn sign_in_needed(&self) -> Result<VaultError, VaultError> {
        Ok(match self.accounts_since()? {
            Some(since_seq) => VaultError::SignInRequired { since_seq },
            None => VaultError::refused(
                "本档案库尚未启用账户：请先由消保中心协调人或行长建立第一个账户（tingjian people start）",
                "this vault has no accounts yet: a coordinator or the president starts them first (tingjian people start)",
            ),
        })
    }

    /// Gives `person_id`, who forgot their passphrase, a new key under `one_time_passphrase`; their
    /// old key is revoked (what it signed stays valid).
    pub fn reset_passphrase(
        &mut self,
        person_id: &str,
        one_time_passphrase: &str,
        params: SealingParams,
    ) -> Result<(), VaultError> {
        self.introduce_one_time_key(person_id, Vec::new(), KeyReason::Reset, one_time_passphrase, params)
    }

    /// Marks `person_id` as having left: their key is revoked and they cannot sign in again.
    pub fn mark_left(&mut self, person_id: &str) -> Result<(), VaultError> {
        if self.signed_in() == Some(person_id) {
            return Err(VaultError::refused("不能为自己办理离职", "you cannot mark yourself as having left"));
        }
        self.record(vec![Event::PersonLeft { person_id: person_id.to_owned() }])?;
        Ok(())
    }

    fn introduce_one_time_key(
        &mut self,
        person_id: &str,
        mut events: Vec<Event>,
        reason: KeyReason,
        one_time_passphrase: &str,
        params: SealingParams,
    ) -> Result<(), VaultError> {
        let Some(signer) = self.signer.clone() else {
            return Err(self.sign_in_needed()?);
        };
        check_new_passphrase(one_time_passphrase)?;
        let key = PersonKey::generate()?;
        let sealed = SealedKey::seal(&key, one_time_passphrase, params)?;
        events.push(Event::KeyIntroduced {
            person_id: person_id.to_owned(),
            public_key: key.public_key().to_base64(),
            reason,
        });
        let keep = NewSealedKey { person_id, key: &sealed, must_change: true };
        self.writer.record_keeping(self.clock.now(), &self.actor, Some(&signer), events, Some(&keep))?;
        Ok(())
    }

    /// Opens `person_id`'s key in force with `passphrase`, counting a wrong one and enforcing the
    /// wait after several. Returns the key and whether its passphrase is one-time.
    fn open_key(&mut self, person_id: &str, passphrase: &str) -> Result<(PersonKey, bool), VaultError> {
        let file = self.key_on_file(person_id)?;
        let wait = sign_in_delay(file.failed_attempts);
        if let Some(last) = file.last_failed_at.as_deref().and_then(|at| at.parse::<jiff::Timestamp>().ok()) {
            let since = self.clock.now().duration_since(last);
            let wait = jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::MAX);
            if since < wait {
                let left = (wait - since).as_secs().max(0).unsigned_abs() + 1;
                return Err(VaultError::SignInDelayed { id: person_id.to_owned(), wait_seconds: left });
            }
        }
        match file.sealed.unseal(passphrase) {
            Ok(key) => {
                if file.failed_attempts > 0 {
                    self.writer.note_sign_in(&file.public_key, None)?;
                }
                Ok((key, file.must_change))
            }
            Err(SigningError::WrongPassphrase) => {
                let at = crate::event::format_instant(self.clock.now());
                self.writer.note_sign_in(&file.public_key, Some(&at))?;
                Err(VaultError::WrongPassphrase { id: person_id.to_owned(), failed_attempts: file.failed_attempts + 1 })
            }
            Err(other) => Err(other.into()),
        }
    }

    fn key_on_file(&self, person_id: &str) -> Result<KeyOnFile, VaultError> {
        let found: Option<(String, String, bool, u32, Option<String>)> = self
            .db()
            .query_row(
                "SELECT k.public_key, s.sealed, s.must_change, s.failed_attempts, s.last_failed_at
                 FROM people p
                 JOIN person_keys k ON k.person_id = p.id AND k.revoked_seq IS NULL
                 JOIN sealed_keys s ON s.public_key = k.public_key
                 WHERE p.id = ?1 AND p.state = 'active'",
                [person_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )
            .optional()?;
        let Some((public_key, sealed, must_change, failed_attempts, last_failed_at)) = found else {
            return Err(VaultError::AccountNotFound { id: person_id.to_owned() });
        };
        let sealed = SealedKey::from_json(&sealed)?;
        Ok(KeyOnFile { public_key, sealed, must_change, failed_attempts, last_failed_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_third_wrong_passphrase_and_is_capped() {
        let waits: Vec<u64> = (0..8).map(|n| sign_in_delay(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(sign_in_delay(40), max_sign_in_delay());
    }
}
