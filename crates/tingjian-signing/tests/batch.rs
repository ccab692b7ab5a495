//! Batch verification names every failing signature, whatever the chunking and threads.

use std::num::NonZeroUsize;

use tingjian_signing::{
    BatchPlan, FormatProblem, PersonKey, PublicKey, Signature, SignedItem, SigningError, verify_batch,
    verify_batch_with,
};

const COUNT: usize = 1_000;
const CORRUPTED: usize = 417;
const SIGNED_BY_ANOTHER: usize = 733;

struct Events {
    messages: Vec<[u8; 32]>,
    signatures: Vec<Signature>,
    claimed_keys: Vec<PublicKey>,
}

impl Events {
    /// `COUNT` 32-byte messages signed by five people in turn, with one signature corrupted and one
    /// made by a sixth person while claiming to be by the usual signer.
    fn with_two_bad() -> Events {
        let people: Vec<PersonKey> = (0..5).map(|_| PersonKey::generate().expect("randomness")).collect();
        let intruder = PersonKey::generate().expect("randomness");
        let mut events = Events { messages: Vec::new(), signatures: Vec::new(), claimed_keys: Vec::new() };
        for index in 0..COUNT {
            let mut message = [0u8; 32];
            message[..8].copy_from_slice(&(index as u64).to_le_bytes());
            let signer = &people[index % people.len()];
            let signature = if index == SIGNED_BY_ANOTHER { intruder.sign(&message) } else { signer.sign(&message) };
            events.messages.push(message);
            events.signatures.push(signature);
            events.claimed_keys.push(*signer.public_key());
        }
        let mut corrupted = events.signatures[CORRUPTED].to_bytes();
        corrupted[40] ^= 0x10;
        events.signatures[CORRUPTED] = Signature::from_bytes(corrupted);
        events
    }

    fn items(&self) -> Vec<SignedItem<'_>> {
        (0..self.messages.len())
            .map(|index| (self.messages[index].as_slice(), &self.signatures[index], &self.claimed_keys[index]))
            .collect()
    }
}

fn plan(chunk_size: usize, threads: usize) -> BatchPlan {
    BatchPlan {
        chunk_size: NonZeroUsize::new(chunk_size).expect("non-zero"),
        threads: NonZeroUsize::new(threads).expect("non-zero"),
    }
}

#[test]
fn the_two_bad_signatures_among_a_thousand_are_named() {
    let events = Events::with_two_bad();
    let expected = Err(SigningError::BadSignatures { indexes: vec![CORRUPTED, SIGNED_BY_ANOTHER] });
    assert_eq!(verify_batch(&events.items()), expected);
    assert_eq!(verify_batch_with(&events.items(), BatchPlan::all_cores()), expected);
    for (chunk_size, threads) in [(1, 1), (7, 3), (64, 2), (256, 4), (1_000, 2), (5_000, 8)] {
        assert_eq!(verify_batch_with(&events.items(), plan(chunk_size, threads)), expected, "{chunk_size} × {threads}");
    }
}

#[test]
fn the_error_says_how_many_failed_and_where() {
    let events = Events::with_two_bad();
    let error = verify_batch(&events.items()).expect_err("two bad");
    assert_eq!(error.to_string(), "2 signature(s) do not verify, the first at index 417");
    assert!(error.message_zh().contains("417"));
}

#[test]
fn good_signatures_pass_in_any_plan() {
    let events = Events::with_two_bad();
    let mut items = events.items();
    items.remove(SIGNED_BY_ANOTHER);
    items.remove(CORRUPTED);
    assert_eq!(verify_batch(&items), Ok(()));
    for (chunk_size, threads) in [(1, 2), (64, 2), (300, 3)] {
        assert_eq!(verify_batch_with(&items, plan(chunk_size, threads)), Ok(()));
    }
    assert_eq!(verify_batch(&[]), Ok(()));
    assert_eq!(verify_batch_with(&[], BatchPlan::all_cores()), Ok(()));
}

#[test]
fn a_signature_whose_r_is_no_point_is_named() {
    let alice = PersonKey::generate().expect("randomness");
    let messages: Vec<[u8; 32]> = (0..10u8).map(|n| [n; 32]).collect();
    let mut signatures: Vec<Signature> = messages.iter().map(|m| alice.sign(m)).collect();
    // About half of all y-coordinates belong to no curve point; take the first such small one.
    let not_a_point = (2u8..)
        .map(|y| {
            let mut encoding = [0u8; 32];
            encoding[0] = y;
            encoding
        })
        .find(|encoding| {
            PublicKey::from_bytes(encoding)
                == Err(SigningError::InvalidPublicKey { problem: FormatProblem::NotACurvePoint })
        })
        .expect("some small y is off the curve");
    let mut bytes = signatures[6].to_bytes();
    bytes[..32].copy_from_slice(&not_a_point);
    signatures[6] = Signature::from_bytes(bytes);
    let items: Vec<SignedItem<'_>> =
        messages.iter().zip(&signatures).map(|(m, s)| (m.as_slice(), s, alice.public_key())).collect();
    assert_eq!(verify_batch(&items), Err(SigningError::BadSignatures { indexes: vec![6] }));
}

#[test]
fn a_message_changed_after_signing_is_named() {
    let alice = PersonKey::generate().expect("randomness");
    let messages: Vec<Vec<u8>> = (0..300u32).map(|n| n.to_be_bytes().to_vec()).collect();
    let signatures: Vec<Signature> = messages.iter().map(|m| alice.sign(m)).collect();
    let mut changed = messages;
    changed[299].push(0);
    let items: Vec<SignedItem<'_>> =
        changed.iter().zip(&signatures).map(|(m, s)| (m.as_slice(), s, alice.public_key())).collect();
    assert_eq!(verify_batch(&items), Err(SigningError::BadSignatures { indexes: vec![299] }));
}
