//! Checkpoints (c2sp.org/tlog-checkpoint): the specification's example, writing, signing,
//! cosigning, opening, and parse errors that name the line.

use tingjian_signing::{Checkpoint, FormatProblem, PersonKey, SignedNote, SigningError, VerifierKey};

/// The example of c2sp.org/tlog-checkpoint (its key is not published).
const SPEC_CHECKPOINT: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

const HASH_BASE64: &str = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: "tingjian.local/vault-7f3a".to_owned(),
        size: 257_535,
        hash: [0xab; 32],
        extensions: Vec::new(),
    }
}

fn malformed_at(text: &str) -> (usize, FormatProblem) {
    match Checkpoint::parse(text) {
        Err(SigningError::MalformedCheckpoint { line, problem }) => (line, problem),
        other => panic!("{text:?}: expected a malformed checkpoint, got {other:?}"),
    }
}

#[test]
fn the_specification_example_parses() {
    let note = SignedNote::parse(SPEC_CHECKPOINT).expect("a signed note");
    let parsed = Checkpoint::parse(note.text()).expect("a checkpoint");
    assert_eq!(parsed.origin, "example.com/behind-the-sofa");
    assert_eq!(parsed.size, 20_852_163);
    assert_eq!(parsed.hash[..4], [0x0a, 0xc5, 0x18, 0x6a]);
    assert!(parsed.extensions.is_empty());
    assert_eq!(parsed.to_note_text().expect("text"), note.text());
    // Nobody we know signed it.
    let stranger = VerifierKey::new("example.com/behind-the-sofa", *person().public_key()).expect("vkey");
    assert_eq!(
        Checkpoint::open(SPEC_CHECKPOINT, &[stranger]).expect_err("unknown signer"),
        SigningError::NoteNotSigned { known_keys: 1 }
    );
}

fn person() -> PersonKey {
    PersonKey::generate().expect("randomness")
}

#[test]
fn the_text_form_round_trips_with_extensions() {
    let mut with_extensions = checkpoint();
    with_extensions.extensions = vec!["quarter 2026-Q1 closed".to_owned(), "导出：季度报告".to_owned()];
    for value in [checkpoint(), with_extensions, Checkpoint { size: 0, ..checkpoint() }] {
        let text = value.to_note_text().expect("text");
        assert_eq!(Checkpoint::parse(&text).expect("parse"), value);
    }
    assert_eq!(
        checkpoint().to_note_text().expect("text"),
        "tingjian.local/vault-7f3a\n257535\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
    );
}

#[test]
fn a_signed_and_cosigned_checkpoint_opens_with_either_key() {
    let writer = person();
    let witness = person();
    let writer_vkey = VerifierKey::new("tingjian/p-0001", *writer.public_key()).expect("vkey");
    let witness_vkey = VerifierKey::new("tingjian/p-0002", *witness.public_key()).expect("vkey");
    let mut note = checkpoint().sign("tingjian/p-0001", &writer).expect("sign");
    note.cosign("tingjian/p-0002", &witness).expect("cosign");
    let file = note.to_string();

    let both = [writer_vkey.clone(), witness_vkey.clone()];
    let opened = Checkpoint::open(&file, &both).expect("open");
    assert_eq!(opened.checkpoint, checkpoint());
    assert_eq!(opened.signed_by.len(), 2);
    assert_eq!(opened.note, note);
    let opened = Checkpoint::open(&file, std::slice::from_ref(&witness_vkey)).expect("the witness alone");
    assert_eq!(opened.signed_by, vec![&witness_vkey]);

    // A size changed after signing is caught by the signatures, naming the first known signer.
    let rolled_back = file.replace("\n257535\n", "\n257534\n");
    assert_eq!(
        Checkpoint::open(&rolled_back, &[writer_vkey.clone(), witness_vkey]).expect_err("refused"),
        SigningError::NoteSignatureInvalid { key_name: "tingjian/p-0001".to_owned(), key_id: writer_vkey.key_id() }
    );
}

#[test]
fn a_signed_text_that_is_no_checkpoint_is_refused_after_its_signature() {
    let writer = person();
    let vkey = VerifierKey::new("tingjian/p-0001", *writer.public_key()).expect("vkey");
    let note = SignedNote::sign("tingjian.local/vault\n0012\nhash\n", "tingjian/p-0001", &writer).expect("sign");
    assert_eq!(
        Checkpoint::open(&note.to_string(), &[vkey]).expect_err("refused"),
        SigningError::MalformedCheckpoint { line: 2, problem: FormatProblem::BadTreeSize }
    );
}

#[test]
fn parse_errors_name_the_line() {
    let origin = "tingjian.local/vault";
    let h = HASH_BASE64;
    assert_eq!(malformed_at(&format!("{origin}\n12\n{h}")), (3, FormatProblem::MissingFinalNewline));
    assert_eq!(malformed_at(&format!("{origin}\n12\n")), (3, FormatProblem::TooFewLines { found: 2, needed: 3 }));
    assert_eq!(malformed_at("\n12\nx\n"), (1, FormatProblem::EmptyLine));
    assert_eq!(malformed_at(&format!("{origin}\n\n{h}\n")), (2, FormatProblem::EmptyLine));
    assert_eq!(malformed_at(&format!("{origin}\n12\n{h}\n\n")), (4, FormatProblem::EmptyLine));
    assert_eq!(malformed_at(&format!("{origin}\n12\n{h}\next\n\n")), (5, FormatProblem::EmptyLine));
    for size in ["012", "00", "-1", "+1", "1.0", "1e3", " 1", "18446744073709551616", "１２"] {
        assert_eq!(malformed_at(&format!("{origin}\n{size}\n{h}\n")), (2, FormatProblem::BadTreeSize), "{size}");
    }
    assert_eq!(Checkpoint::parse(&format!("{origin}\n18446744073709551615\n{h}\n")).expect("u64::MAX").size, u64::MAX);
    assert_eq!(malformed_at(&format!("{origin}\n12\nnot base64\n")), (3, FormatProblem::BadBase64));
    assert_eq!(
        malformed_at(&format!("{origin}\n12\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur\n")),
        (3, FormatProblem::WrongLength { what: "the root hash", expected: 32, found: 33 })
    );
    assert_eq!(malformed_at(&format!("{origin}\r\n12\n{h}\n")), (1, FormatProblem::ControlCharacter { code: 13 }));
    assert_eq!(
        malformed_at(&format!("{origin}\n12\n{h}\nok\nbad\x07\n")),
        (5, FormatProblem::ControlCharacter { code: 7 })
    );
}

#[test]
fn checkpoints_that_cannot_be_written_are_refused() {
    let refused = |value: Checkpoint| match value.to_note_text() {
        Err(SigningError::MalformedCheckpoint { line, problem }) => (line, problem),
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(refused(Checkpoint { origin: String::new(), ..checkpoint() }), (1, FormatProblem::EmptyName));
    assert_eq!(refused(Checkpoint { origin: "my vault".to_owned(), ..checkpoint() }), (1, FormatProblem::SpaceInName));
    assert_eq!(refused(Checkpoint { origin: "a+b".to_owned(), ..checkpoint() }), (1, FormatProblem::PlusInName));
    assert_eq!(
        refused(Checkpoint { origin: "a\nb".to_owned(), ..checkpoint() }),
        (1, FormatProblem::ControlCharacter { code: 10 })
    );
    assert_eq!(
        refused(Checkpoint { extensions: vec!["fine".to_owned(), String::new()], ..checkpoint() }),
        (5, FormatProblem::EmptyLine)
    );
    assert_eq!(
        refused(Checkpoint { extensions: vec!["two\nlines".to_owned()], ..checkpoint() }),
        (4, FormatProblem::ControlCharacter { code: 10 })
    );
}
