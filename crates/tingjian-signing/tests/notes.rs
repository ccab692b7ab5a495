//! Signed notes (c2sp.org/signed-note): the specification's vectors, signing, cosigning,
//! verification against known keys, and strict parsing that names the line.

use tingjian_signing::{
    FormatProblem, MAX_NOTE_SIGNATURES, PersonKey, SignedNote, SigningError, VerifierKey, check_key_name, key_id,
};

/// The example of c2sp.org/signed-note, "Verifier keys".
const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

/// The example of golang.org/x/mod/sumdb/note (its signing is reproduced byte for byte by a unit
/// test inside the crate, where the published secret can be loaded).
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
    then you don't know what your problem is.\n\
    \n\
    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

/// The opening example of c2sp.org/signed-note, whose key is not published: it parses, and is
/// ignored by any set of known keys.
const QUASIMODO_NOTE: &str = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n\u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

fn vkey(text: &str) -> VerifierKey {
    VerifierKey::parse(text).expect("a valid vkey")
}

fn person() -> PersonKey {
    PersonKey::generate().expect("randomness")
}

fn malformed_at(note: &str) -> (usize, FormatProblem) {
    match SignedNote::parse(note) {
        Err(SigningError::MalformedNote { line, problem }) => (line, problem),
        other => panic!("expected a malformed note, got {other:?}"),
    }
}

#[test]
fn the_specification_examples_verify() {
    for (key, note, text) in [
        (SPEC_VKEY, SPEC_NOTE, "This is an example message.\n"),
        (
            PETER_VKEY,
            PETER_NOTE,
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
        ),
    ] {
        let known = [vkey(key)];
        let parsed = SignedNote::parse(note).expect("parse");
        assert_eq!(parsed.text(), text);
        assert_eq!(parsed.verify(&known).expect("verifies"), vec![&known[0]]);
        assert_eq!(parsed.to_string(), note, "parsing and writing back is byte for byte");
        assert_eq!(known[0].to_string(), key);
    }
}

#[test]
fn the_specification_examples_refuse_a_changed_text() {
    let known = [vkey(PETER_VKEY)];
    let changed = PETER_NOTE.replace("cryptography", "cryptographY");
    let error = SignedNote::parse(&changed).expect("parse").verify(&known).expect_err("refused");
    assert_eq!(error, SigningError::NoteSignatureInvalid { key_name: "PeterNeumann".to_owned(), key_id: 0xc74f20a3 });
}

#[test]
fn a_note_from_an_unknown_key_is_not_signed_for_us() {
    let parsed = SignedNote::parse(QUASIMODO_NOTE).expect("parse");
    assert_eq!(
        parsed.text(),
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    );
    assert_eq!(parsed.signatures().len(), 1);
    assert_eq!(parsed.signatures()[0].name(), "quasimodo.example/salvatore");
    let known = [vkey(SPEC_VKEY), vkey(PETER_VKEY)];
    assert_eq!(parsed.verify(&known), Err(SigningError::NoteNotSigned { known_keys: 2 }));
}

#[test]
fn verifier_keys_round_trip_and_are_checked() {
    // A vkey whose base64 holds a plus sign (from transparency-dev/formats' tests).
    let plus = vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6");
    assert_eq!(plus.name(), "TEST");
    assert_eq!(plus.to_string(), "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6");

    let alice = person();
    let made = VerifierKey::new("tingjian.local/vault-1/p-0001", *alice.public_key()).expect("vkey");
    assert_eq!(made.key_id(), key_id("tingjian.local/vault-1/p-0001", alice.public_key()));
    assert_eq!(vkey(&made.to_string()), made);

    let invalid = |text: &str| match VerifierKey::parse(text) {
        Err(SigningError::InvalidVerifierKey { problem }) => problem,
        other => panic!("{text}: expected an invalid vkey, got {other:?}"),
    };
    assert_eq!(invalid("example.com/foo"), FormatProblem::NotThreeParts);
    assert_eq!(invalid("example.com/foo+530d903a"), FormatProblem::NotThreeParts);
    assert_eq!(
        invalid("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
        FormatProblem::BadKeyId
    );
    assert_eq!(
        invalid("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
        FormatProblem::BadKeyId
    );
    assert_eq!(
        invalid("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
        FormatProblem::KeyIdMismatch { stated: 0x530d903b, computed: 0x530d903a }
    );
    assert_eq!(
        invalid("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
        FormatProblem::KeyIdMismatch {
            stated: 0x530d903a,
            computed: key_id("example.com/bar", vkey(SPEC_VKEY).public_key())
        }
    );
    assert_eq!(
        invalid("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"),
        FormatProblem::UnsupportedSignatureType { found: 0x04 }
    );
    assert_eq!(
        invalid("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2"),
        FormatProblem::BadBase64
    );
    assert_eq!(
        invalid("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3Q=="),
        FormatProblem::WrongLength { what: "the key material", expected: 33, found: 31 }
    );
    assert_eq!(invalid("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), FormatProblem::EmptyName);
    assert_eq!(invalid("a b+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), FormatProblem::SpaceInName);
}

#[test]
fn key_names_follow_the_rules() {
    assert_eq!(check_key_name("tingjian.local/branch-01/p-0001"), Ok(()));
    assert_eq!(check_key_name("听见/城东支行/张三"), Ok(()));
    for (name, problem) in [
        ("", FormatProblem::EmptyName),
        ("a b", FormatProblem::SpaceInName),
        ("a\u{3000}b", FormatProblem::SpaceInName),
        ("a\u{a0}b", FormatProblem::SpaceInName),
        ("a+b", FormatProblem::PlusInName),
        ("a\nb", FormatProblem::ControlCharacter { code: 10 }),
    ] {
        assert_eq!(check_key_name(name), Err(SigningError::InvalidKeyName { name: name.to_owned(), problem }));
    }
}

#[test]
fn a_signed_note_round_trips_and_verifies() {
    let alice = person();
    let alice_vkey = VerifierKey::new("tingjian/alice", *alice.public_key()).expect("vkey");
    let text = "第一行\n\n空行之后的第三行\n";
    let note = SignedNote::sign(text, "tingjian/alice", &alice).expect("sign");
    let written = note.to_string();
    assert!(written.starts_with("第一行\n\n空行之后的第三行\n\n\u{2014} tingjian/alice "));
    let parsed = SignedNote::parse(&written).expect("parse");
    assert_eq!(parsed, note);
    assert_eq!(parsed.text(), text);
    assert_eq!(parsed.verify(std::slice::from_ref(&alice_vkey)).expect("verifies"), vec![&alice_vkey]);
}

#[test]
fn a_cosignature_is_appended_and_either_key_suffices() {
    let alice = person();
    let bob = person();
    let alice_vkey = VerifierKey::new("tingjian/alice", *alice.public_key()).expect("vkey");
    let bob_vkey = VerifierKey::new("tingjian/bob", *bob.public_key()).expect("vkey");
    let mut note = SignedNote::sign("checkpoint text\n", "tingjian/alice", &alice).expect("sign");
    note.cosign("tingjian/bob", &bob).expect("cosign");
    let names: Vec<&str> = note.signatures().iter().map(|line| line.name()).collect();
    assert_eq!(names, ["tingjian/alice", "tingjian/bob"], "new signatures follow the existing ones");

    let parsed = SignedNote::parse(&note.to_string()).expect("parse");
    assert_eq!(parsed.verify(std::slice::from_ref(&bob_vkey)).expect("bob alone"), vec![&bob_vkey]);
    let both = [bob_vkey, alice_vkey];
    assert_eq!(parsed.verify(&both).expect("both"), vec![&both[1], &both[0]], "in the order of the note's lines");

    // Signing again with the same key replaces its line rather than adding a second one.
    note.cosign("tingjian/alice", &alice).expect("again");
    let names: Vec<&str> = note.signatures().iter().map(|line| line.name()).collect();
    assert_eq!(names, ["tingjian/bob", "tingjian/alice"]);
    assert_eq!(note.verify(&both).expect("both").len(), 2);
}

#[test]
fn lines_of_unknown_keys_are_ignored_even_when_they_share_a_name_or_an_id() {
    let alice = person();
    let alice_vkey = VerifierKey::new("tingjian/alice", *alice.public_key()).expect("vkey");
    let mut note = SignedNote::sign("text\n", "tingjian/alice", &alice).expect("sign");
    let written = note.to_string();
    let id = alice_vkey.key_id();
    let garbage = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let same_name_other_id = format!("\u{2014} tingjian/alice {}\n", blob(id.wrapping_add(1), garbage));
    let same_id_other_name = format!("\u{2014} tingjian/mallory {}\n", blob(id, garbage));
    let with_strangers = format!("{written}{same_name_other_id}{same_id_other_name}");
    let parsed = SignedNote::parse(&with_strangers).expect("parse");
    assert_eq!(parsed.signatures().len(), 3);
    assert_eq!(parsed.verify(std::slice::from_ref(&alice_vkey)).expect("alice's line verifies"), vec![&alice_vkey]);

    // A second person's cosignature is ignored by a verifier who does not know them.
    let bob = person();
    note.cosign("tingjian/bob", &bob).expect("cosign");
    assert_eq!(note.verify(std::slice::from_ref(&alice_vkey)).expect("alice suffices"), vec![&alice_vkey]);
}

/// Base64 of a key ID followed by the bytes `base64_tail` decodes to.
fn blob(key_id: u32, base64_tail: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let mut bytes = key_id.to_be_bytes().to_vec();
    bytes.extend(STANDARD.decode(base64_tail).expect("base64"));
    STANDARD.encode(bytes)
}

#[test]
fn a_bad_line_from_a_known_key_refuses_the_whole_note() {
    let alice = person();
    let bob = person();
    let alice_vkey = VerifierKey::new("tingjian/alice", *alice.public_key()).expect("vkey");
    let bob_vkey = VerifierKey::new("tingjian/bob", *bob.public_key()).expect("vkey");
    let mut note = SignedNote::sign("text\n", "tingjian/alice", &alice).expect("sign");
    note.cosign("tingjian/bob", &bob).expect("cosign");
    // Bob's line is replaced by his signature over another text: well formed, but wrong.
    let other = SignedNote::sign("other text\n", "tingjian/bob", &bob).expect("sign");
    let bob_line_over_other = other.signatures()[0].to_string();
    let good = note.to_string();
    let bob_line = note.signatures()[1].to_string();
    let forged = good.replace(&bob_line, &bob_line_over_other);
    let parsed = SignedNote::parse(&forged).expect("parse");
    let error = parsed.verify(&[alice_vkey.clone(), bob_vkey.clone()]).expect_err("refused");
    assert_eq!(
        error,
        SigningError::NoteSignatureInvalid { key_name: "tingjian/bob".to_owned(), key_id: bob_vkey.key_id() }
    );
    assert!(error.to_string().contains("tingjian/bob"));
    assert!(error.message_zh().contains("tingjian/bob"));
    // A verifier who knows only Alice ignores Bob's line.
    assert_eq!(parsed.verify(std::slice::from_ref(&alice_vkey)).expect("alice"), vec![&alice_vkey]);

    // A known key's line of the wrong length is refused the same way.
    let short = format!("{good}\u{2014} tingjian/alice {}\n", blob(alice_vkey.key_id(), "AAAA"));
    let error =
        SignedNote::parse(&short).expect("parse").verify(std::slice::from_ref(&alice_vkey)).expect_err("refused");
    assert_eq!(
        error,
        SigningError::NoteSignatureInvalid { key_name: "tingjian/alice".to_owned(), key_id: alice_vkey.key_id() }
    );
}

#[test]
fn texts_that_cannot_be_signed_are_refused() {
    let alice = person();
    assert_eq!(
        SignedNote::sign("no final newline", "tingjian/alice", &alice),
        Err(SigningError::MalformedNote { line: 1, problem: FormatProblem::MissingFinalNewline })
    );
    assert_eq!(
        SignedNote::sign("one\r\ntwo\n", "tingjian/alice", &alice),
        Err(SigningError::MalformedNote { line: 1, problem: FormatProblem::ControlCharacter { code: 13 } })
    );
    assert_eq!(
        SignedNote::sign("text\n", "alice smith", &alice),
        Err(SigningError::InvalidKeyName { name: "alice smith".to_owned(), problem: FormatProblem::SpaceInName })
    );
}

#[test]
fn parse_errors_name_the_line() {
    let sig = "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=";
    assert_eq!(malformed_at("just text\n"), (1, FormatProblem::MissingSignatures));
    assert_eq!(malformed_at("text\n\n"), (2, FormatProblem::MissingSignatures));
    assert_eq!(malformed_at(&format!("text\n\n\u{2014} a {sig}")), (3, FormatProblem::MissingFinalNewline));
    assert_eq!(
        malformed_at(&format!("text\r\n\n\u{2014} a {sig}\n")),
        (1, FormatProblem::ControlCharacter { code: 13 })
    );
    assert_eq!(
        malformed_at(&format!("one\ntwo\tx\n\n\u{2014} a {sig}\n")),
        (2, FormatProblem::ControlCharacter { code: 9 })
    );
    assert_eq!(malformed_at(&format!("text\n\n- a {sig}\n")), (3, FormatProblem::NotASignatureLine));
    assert_eq!(
        malformed_at(&format!("text\n\n\u{2014} a {sig}\n\u{2014} b\n")),
        (4, FormatProblem::MissingSignatureField)
    );
    assert_eq!(malformed_at(&format!("a\nb\n\n\u{2014} a+b {sig}\n")), (4, FormatProblem::PlusInName));
    assert_eq!(malformed_at(&format!("text\n\n\u{2014}  {sig}\n")), (3, FormatProblem::EmptyName));
    assert_eq!(malformed_at("text\n\n\u{2014} a not-base64\n"), (3, FormatProblem::BadBase64));
    assert_eq!(malformed_at("text\n\n\u{2014} a AAAA\n"), (3, FormatProblem::SignatureTooShort));
    assert_eq!(malformed_at(&format!("text\n\n\u{2014} a {sig} trailing\n")), (3, FormatProblem::BadBase64));
    // Unpadded base64 is not the standard encoding.
    assert_eq!(
        malformed_at(&format!("text\n\n\u{2014} a {}\n", sig.trim_end_matches('='))),
        (3, FormatProblem::BadBase64)
    );

    let many: String = (0..=MAX_NOTE_SIGNATURES).map(|n| format!("\u{2014} k{n} {sig}\n")).collect();
    assert_eq!(
        malformed_at(&format!("text\n\n{many}")),
        (3 + MAX_NOTE_SIGNATURES, FormatProblem::TooManySignatures { limit: MAX_NOTE_SIGNATURES })
    );
    let sixteen: String = (0..16).map(|n| format!("\u{2014} k{n} {sig}\n")).collect();
    assert_eq!(SignedNote::parse(&format!("text\n\n{sixteen}")).expect("16 must be accepted").signatures().len(), 16);
}

#[test]
fn the_text_ends_at_the_last_blank_line() {
    let sig = "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=";
    let note = format!("a\n\n\u{2014} x {sig}\n\n\u{2014} y {sig}\n");
    let parsed = SignedNote::parse(&note).expect("parse");
    assert_eq!(parsed.text(), format!("a\n\n\u{2014} x {sig}\n"));
    assert_eq!(parsed.signatures().len(), 1);
    assert_eq!(parsed.signatures()[0].name(), "y");
}
