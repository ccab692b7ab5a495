//! `verify`'s signature check: every signed event against the key its actor had in force at that
//! point of the log.
//!
//! Which key was in force is known only by walking the log in order (keys are introduced and
//! revoked by events), so the walk collects each signed event with the key it must verify under
//! and hands them, a few thousand at a time, to a thread that checks them in batches. The walk
//! goes on replaying meanwhile, so on two cores the signatures cost little more than the replay.
//! A batch that fails is checked one by one to name the events; those are then looked at against
//! every key their actor ever had, to tell a revoked key from a forgery.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;

use tingjian_signing::{BatchPlan, PublicKey, Signature, SignedItem, SigningError, verify_batch_with};

use super::{ProblemKind, VerifyProblem, problem};
use crate::event::{Event, RecordedEvent, UNSIGNED_FORMAT, signed_message};

/// Signed events handed to the checking thread at a time.
const CHUNK: usize = 4096;

/// At most this many signature problems are listed; the first ones are what a person needs.
const MAX_LISTED: usize = 20;

/// A signed event waiting to be checked.
struct Pending {
    seq: u64,
    actor: String,
    kind: String,
    message: Vec<u8>,
    signature: Signature,
    key: PublicKey,
}

/// A signed event whose signature did not verify under the key in force.
struct Failed {
    seq: u64,
    actor: String,
    kind: String,
    message: Vec<u8>,
    signature: Signature,
}

/// What the check found.
#[derive(Default)]
pub(super) struct Findings {
    pub signed: u64,
    pub unsigned: u64,
    pub problems: Vec<VerifyProblem>,
}

pub(super) struct SignatureCheck {
    chunk: Vec<Pending>,
    to_checker: Option<mpsc::SyncSender<Vec<Pending>>>,
    checker: Option<thread::JoinHandle<Vec<Failed>>>,
    /// Each person's key in force, after the events applied so far.
    in_force: HashMap<String, PublicKey>,
    /// Every key each person ever had, for telling a revoked key from a forgery.
    ever: HashMap<String, Vec<PublicKey>>,
    /// Signed events checked or handed on to be checked.
    signed: u64,
    unsigned: u64,
    /// Problems found while walking (a signature that cannot even be read, a signer without key).
    found: Vec<VerifyProblem>,
}

impl SignatureCheck {
    pub(super) fn start() -> SignatureCheck {
        // Two chunks in flight at most, so a log of millions of events never piles up in memory
        // when checking is slower than the walk.
        let (to_checker, chunks) = mpsc::sync_channel::<Vec<Pending>>(2);
        let checker = thread::Builder::new()
            .name("verify-signatures".to_owned())
            .spawn(move || {
                let mut failed = Vec::new();
                for chunk in chunks {
                    failed.extend(check_chunk(chunk));
                }
                failed
            })
            .ok();
        SignatureCheck {
            chunk: Vec::with_capacity(CHUNK),
            to_checker: checker.as_ref().map(|_| to_checker),
            checker,
            in_force: HashMap::new(),
            ever: HashMap::new(),
            signed: 0,
            unsigned: 0,
            found: Vec::new(),
        }
    }

    /// Queues `e`'s signature for checking against the key its actor has in force before it (the
    /// first account's event, against the key it introduces).
    pub(super) fn visit(&mut self, e: &RecordedEvent, event: &Event) {
        if e.format == UNSIGNED_FORMAT {
            // An unsigned event after accounts is refused by the replay, which names it.
            self.unsigned += 1;
            return;
        }
        let key = match event {
            Event::AccountsStarted { public_key, .. } => PublicKey::from_base64(public_key).ok(),
            _ => self.in_force.get(&e.actor).copied(),
        };
        let Some(key) = key else {
            // No key in force: the replay refuses the event (a stranger, or someone who left).
            return;
        };
        let signature = match e.signature.as_deref().map(Signature::from_base64) {
            Some(Ok(signature)) => signature,
            Some(Err(error)) => return self.note(unreadable(e, &error)),
            None => {
                let seq = e.seq;
                return self.note(problem(
                    ProblemKind::SignatureInvalid,
                    Some(seq),
                    format!("事件 #{seq}（{}）应有 {} 的签名，但签名缺失", e.kind, e.actor),
                    format!("event #{seq} ({}) should be signed by {} but carries no signature", e.kind, e.actor),
                ));
            }
        };
        self.signed += 1;
        self.chunk.push(Pending {
            seq: e.seq,
            actor: e.actor.clone(),
            kind: e.kind.clone(),
            message: signed_message(&e.hash),
            signature,
            key,
        });
        if self.chunk.len() == CHUNK {
            self.hand_on();
        }
    }

    /// Follows the keys an applied event introduced or revoked.
    pub(super) fn applied(&mut self, event: &Event) {
        let (person, key) = match event {
            Event::AccountsStarted { person, public_key } => (&person.id, PublicKey::from_base64(public_key).ok()),
            Event::KeyIntroduced { person_id, public_key, .. } => (person_id, PublicKey::from_base64(public_key).ok()),
            Event::PersonLeft { person_id } => (person_id, None),
            _ => return,
        };
        self.in_force.remove(person);
        if let Some(key) = key {
            self.in_force.insert(person.clone(), key);
            self.ever.entry(person.clone()).or_default().push(key);
        }
    }

    fn note(&mut self, found: VerifyProblem) {
        if self.found.len() < MAX_LISTED {
            self.found.push(found);
        }
    }

    fn hand_on(&mut self) {
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        match &self.to_checker {
            Some(sender) => {
                if let Err(mpsc::SendError(chunk)) = sender.send(chunk) {
                    // The checking thread is gone (it cannot panic on its own; only if the
                    // process is being torn down): check here instead of losing the chunk.
                    self.checked_here(chunk);
                }
            }
            None => self.checked_here(chunk),
        }
    }

    fn checked_here(&mut self, chunk: Vec<Pending>) {
        let failed = check_chunk(chunk);
        self.name_failures(failed);
    }

    pub(super) fn finish(mut self) -> Findings {
        if !self.chunk.is_empty() {
            self.hand_on();
        }
        self.to_checker = None;
        let failed = self.checker.take().map(|handle| handle.join().unwrap_or_default()).unwrap_or_default();
        self.name_failures(failed);
        self.found.sort_by_key(|found| found.event_seq);
        self.found.truncate(MAX_LISTED);
        Findings { signed: self.signed, unsigned: self.unsigned, problems: self.found }
    }

    fn name_failures(&mut self, failed: Vec<Failed>) {
        for failure in failed {
            self.signed = self.signed.saturating_sub(1);
            let seq = failure.seq;
            let Failed { actor, kind, .. } = &failure;
            let revoked = self.ever.get(actor).is_some_and(|keys| {
                keys.iter().any(|key| key.verify_strict(&failure.message, &failure.signature).is_ok())
            });
            let found = if revoked {
                problem(
                    ProblemKind::SignedWithRevokedKey,
                    Some(seq),
                    format!("事件 #{seq}（{kind}）用 {actor} 已被吊销的密钥签名：签名时该密钥已失效"),
                    format!("event #{seq} ({kind}) is signed with a key of {actor} that had been revoked"),
                )
            } else {
                problem(
                    ProblemKind::SignatureInvalid,
                    Some(seq),
                    format!("事件 #{seq}（{kind}）的签名与 {actor} 当时有效的密钥不符：事件或整条日志被改写"),
                    format!(
                        "event #{seq} ({kind}) does not carry a valid signature by {actor}'s key in force: the event or the chain was rewritten"
                    ),
                )
            };
            if self.found.len() < MAX_LISTED * 2 {
                self.found.push(found);
            }
        }
    }
}

/// The events of `chunk` whose signature does not verify: one batch check, and the failing ones
/// named by re-checking one by one when it fails.
fn check_chunk(chunk: Vec<Pending>) -> Vec<Failed> {
    let items: Vec<SignedItem<'_>> = chunk.iter().map(|p| (p.message.as_slice(), &p.signature, &p.key)).collect();
    let failing = match verify_batch_with(&items, BatchPlan::SERIAL) {
        Ok(()) => return Vec::new(),
        Err(SigningError::BadSignatures { indexes }) => indexes,
        // Any other refusal of the batch: judge every signature on its own.
        Err(_) => (0..chunk.len())
            .filter(|&i| chunk[i].key.verify_strict(&chunk[i].message, &chunk[i].signature).is_err())
            .collect(),
    };
    drop(items);
    let mut chunk: Vec<Option<Pending>> = chunk.into_iter().map(Some).collect();
    failing
        .into_iter()
        .filter_map(|index| chunk.get_mut(index).and_then(Option::take))
        .map(|p| Failed { seq: p.seq, actor: p.actor, kind: p.kind, message: p.message, signature: p.signature })
        .collect()
}

fn unreadable(e: &RecordedEvent, error: &SigningError) -> VerifyProblem {
    let seq = e.seq;
    problem(
        ProblemKind::SignatureInvalid,
        Some(seq),
        format!("事件 #{seq}（{}）的签名无法读取：{}", e.kind, error.message_zh()),
        format!("event #{seq} ({}) has a signature that cannot be read: {error}", e.kind),
    )
}
