//! Verifying many signatures at once, and naming the ones that fail. Why a passing batch is
//! trusted without checking each signature again is explained on [`verify_batch`], where the
//! integrator reads it.

use std::num::NonZeroUsize;
use std::thread;

use ed25519_dalek::VerifyingKey;

use crate::error::SigningError;
use crate::keys::{PublicKey, Signature};

/// One signature to check: the signed message, the signature and the key it claims.
pub type SignedItem<'a> = (&'a [u8], &'a Signature, &'a PublicKey);

/// The number of signatures checked together by default. A chunk of n signatures is one
/// multiscalar multiplication of 2n + 1 points, which curve25519-dalek computes with Pippenger's
/// algorithm from 190 points on (n ≥ 95); measured on the reference machine, 256 is within a few
/// per cent of chunks of 4,096, while a failing chunk of 256 stays cheap to re-check one by one.
pub const BATCH_CHUNK: usize = 256;

const BATCH_CHUNK_NONZERO: NonZeroUsize = match NonZeroUsize::new(BATCH_CHUNK) {
    Some(size) => size,
    None => panic!("BATCH_CHUNK must not be zero"),
};

/// How a batch is cut and spread: `chunk_size` signatures are checked together, and whole chunks
/// are shared among `threads` threads. The threads never change the chunks, so never the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPlan {
    pub chunk_size: NonZeroUsize,
    pub threads: NonZeroUsize,
}

impl BatchPlan {
    /// Chunks of [`BATCH_CHUNK`] on the calling thread.
    pub const SERIAL: BatchPlan = BatchPlan { chunk_size: BATCH_CHUNK_NONZERO, threads: NonZeroUsize::MIN };

    /// Chunks of [`BATCH_CHUNK`] on as many threads as the machine offers.
    pub fn all_cores() -> BatchPlan {
        let threads = thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
        BatchPlan { threads, ..BatchPlan::SERIAL }
    }
}

impl Default for BatchPlan {
    fn default() -> BatchPlan {
        BatchPlan::SERIAL
    }
}

/// Verifies every item on the calling thread, in chunks of [`BATCH_CHUNK`]. On failure the error
/// lists the index of every item that fails `verify_strict`, so the caller can name the event.
///
/// # Why a batch pass is accepted without checking each signature again
///
/// ed25519-dalek's `verify_batch` checks one random linear combination of the verification
/// equations of a whole chunk (the coefficients are 128-bit values hashed from every input of the
/// chunk). It is faster than checking each signature, but it is not `verify_strict`: its equation
/// is cofactorless and it does not refuse a signature whose point R has a small-order component.
/// A batch pass is still accepted as final, for these reasons:
///
/// * **No forgery passes.** Every key reaching a batch is a [`PublicKey`], which refuses
///   small-order keys and keys with a small-order component. With such keys a batch passes only if
///   each signature satisfies the cofactored ed25519 equation (except with probability about
///   2^-128, the coefficients being unpredictable), and making a signature that satisfies it for a
///   message needs the secret key, exactly as for `verify_strict`. S ≥ L is refused by the batch
///   as well.
/// * **The one difference is a signature its own key holder crafts.** A person who extracts their
///   own secret could sign with a nonce point R plus a small-order point. `verify_strict` always
///   refuses that; a batch accepts it with probability 1/2, 1/4 or 1/8 (by the order of the
///   small-order point), depending on the other signatures of its chunk. Our own signing never makes such a signature, and a third party
///   cannot turn a valid signature into one (R is hashed into the challenge, so altering R breaks
///   the equation). Such a signature, if accepted, still proves its holder signed the message.
/// * **The verdict is reproducible.** Chunks are cut at fixed positions ([`BatchPlan::chunk_size`]
///   items, from the start of the slice), whatever the number of threads, and the coefficients are
///   derived from the chunk's contents, not from fresh randomness, so the same slice and chunk size
///   give the same verdict on every machine.
///
/// When a chunk fails, every signature of that chunk is checked again with `verify_strict`, and
/// exactly those that fail it are reported.
pub fn verify_batch(items: &[SignedItem<'_>]) -> Result<(), SigningError> {
    verify_batch_with(items, BatchPlan::SERIAL)
}

/// Verifies every item following `plan`. The verdict depends on the chunk size, never on the
/// number of threads. On failure the error lists, in order, the index of every item that fails
/// `verify_strict`.
pub fn verify_batch_with(items: &[SignedItem<'_>], plan: BatchPlan) -> Result<(), SigningError> {
    let chunk_size = plan.chunk_size.get();
    let chunk_count = items.len().div_ceil(chunk_size);
    let threads = plan.threads.get().min(chunk_count.max(1));
    let failed = if threads == 1 {
        failing_indexes(items, chunk_size, 0)
    } else {
        // Each thread takes a run of whole chunks, so the chunks are the ones a serial run makes.
        let items_per_thread = chunk_count.div_ceil(threads) * chunk_size;
        thread::scope(|scope| {
            let workers: Vec<_> = items
                .chunks(items_per_thread)
                .enumerate()
                .map(|(part, run)| scope.spawn(move || failing_indexes(run, chunk_size, part * items_per_thread)))
                .collect();
            let mut failed = Vec::new();
            for worker in workers {
                match worker.join() {
                    Ok(indexes) => failed.extend(indexes),
                    // A panic inside ed25519-dalek is a bug there; pass it on unchanged rather than
                    // report it as a verdict on the signatures.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            failed
        })
    };
    if failed.is_empty() { Ok(()) } else { Err(SigningError::BadSignatures { indexes: failed }) }
}

/// The indexes (offset by `first_index`) of the items of `run` that fail, checking `chunk_size`
/// at a time and re-checking the items of a failed chunk one by one.
fn failing_indexes(run: &[SignedItem<'_>], chunk_size: usize, first_index: usize) -> Vec<usize> {
    let mut failed = Vec::new();
    // The buffers dalek's batch takes are reused from chunk to chunk.
    let mut messages: Vec<&[u8]> = Vec::with_capacity(chunk_size);
    let mut signatures: Vec<ed25519_dalek::Signature> = Vec::with_capacity(chunk_size);
    let mut keys: Vec<VerifyingKey> = Vec::with_capacity(chunk_size);
    for (chunk_number, chunk) in run.chunks(chunk_size).enumerate() {
        messages.clear();
        signatures.clear();
        keys.clear();
        for (message, signature, key) in chunk {
            messages.push(message);
            signatures.push(signature.to_dalek());
            keys.push(*key.verifying_key());
        }
        if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
            continue;
        }
        let chunk_start = first_index + chunk_number * chunk_size;
        for (offset, (message, signature, key)) in chunk.iter().enumerate() {
            if key.verify_strict(message, signature).is_err() {
                failed.push(chunk_start + offset);
            }
        }
    }
    failed
}
