//! Sealing a key with a passphrase and opening it again; every kind of damage refused with the
//! variant that tells the person what happened.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tingjian_signing::{FormatProblem, PersonKey, SEALED_KEY_FORMAT, SealedKey, SealingParams, SigningError};

const PASSPHRASE: &str = "听见投诉录音复核口令";

fn sealed() -> (PersonKey, SealedKey) {
    let key = PersonKey::generate().expect("randomness");
    let sealed = SealedKey::seal(&key, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
    (key, sealed)
}

fn json_of(sealed: &SealedKey) -> Value {
    serde_json::from_str(&sealed.to_json().expect("json")).expect("a JSON object")
}

/// The record with `edit` applied to its JSON, read back, then unsealed with the right passphrase.
fn unseal_edited(sealed: &SealedKey, edit: impl FnOnce(&mut Value)) -> Result<PersonKey, SigningError> {
    let mut json = json_of(sealed);
    edit(&mut json);
    SealedKey::from_json(&json.to_string())?.unseal(PASSPHRASE)
}

fn flip_base64_byte(json: &mut Value, field: &str, index: usize) {
    let mut bytes = STANDARD.decode(json[field].as_str().expect("a base64 field")).expect("base64");
    bytes[index] ^= 0x01;
    json[field] = Value::String(STANDARD.encode(bytes));
}

const DAMAGED: SigningError = SigningError::DamagedSealedKey { problem: FormatProblem::ChecksumMismatch };

#[test]
fn seal_and_unseal_round_trip_through_json() {
    let (key, sealed) = sealed();
    let json = sealed.to_json().expect("json");
    let read = SealedKey::from_json(&json).expect("read back");
    assert_eq!(read, sealed);
    assert_eq!(read.public_key(), key.public_key());
    assert_eq!(read.params(), SealingParams::FOR_TESTS);
    assert_eq!(read.format(), SEALED_KEY_FORMAT);
    let opened = read.unseal(PASSPHRASE).expect("the right passphrase opens it");
    assert_eq!(opened.public_key(), key.public_key());
    assert_eq!(opened.sign(b"event"), key.sign(b"event"));
}

#[test]
fn the_record_has_the_documented_fields() {
    let (key, sealed) = sealed();
    let json = json_of(&sealed);
    let mut fields: Vec<&str> = json.as_object().expect("object").keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["checksum", "ciphertext", "format", "kdf", "nonce", "params", "public_key", "salt"]);
    assert_eq!(json["kdf"], "argon2id");
    assert_eq!(json["format"], 1);
    assert_eq!(json["public_key"], key.public_key().to_base64());
    assert_eq!(json["params"], serde_json::json!({"m_cost_kib": 64, "t_cost": 1, "p_cost": 1}));
    for (field, length) in [("salt", 16), ("nonce", 24), ("ciphertext", 48), ("checksum", 32)] {
        let bytes = STANDARD.decode(json[field].as_str().expect("base64")).expect("base64");
        assert_eq!(bytes.len(), length, "{field}");
    }
}

#[test]
fn sealing_twice_gives_different_salts_nonces_and_ciphertexts() {
    let (key, first) = sealed();
    let second = SealedKey::seal(&key, PASSPHRASE, SealingParams::FOR_TESTS).expect("seal");
    let (a, b) = (json_of(&first), json_of(&second));
    for field in ["salt", "nonce", "ciphertext"] {
        assert_ne!(a[field], b[field], "{field}");
    }
}

#[test]
fn a_wrong_passphrase_is_told_apart_from_damage() {
    let (_, sealed) = sealed();
    assert_eq!(sealed.unseal("听见投诉录音复核口今").expect_err("wrong"), SigningError::WrongPassphrase);
    assert_eq!(sealed.unseal("").expect_err("empty"), SigningError::WrongPassphrase);
}

#[test]
fn the_passphrase_opens_whatever_the_input_width() {
    let key = PersonKey::generate().expect("randomness");
    let sealed = SealedKey::seal(&key, "tingjian 2026 复核", SealingParams::FOR_TESTS).expect("seal");
    let opened = sealed.unseal("ｔｉｎｇｊｉａｎ　２０２６　复核").expect("full-width forms are the same passphrase");
    assert_eq!(opened.public_key(), key.public_key());
}

#[test]
fn a_tampered_ciphertext_is_damage() {
    let (_, sealed) = sealed();
    for index in [0, 31, 32, 47] {
        assert_eq!(
            unseal_edited(&sealed, |json| flip_base64_byte(json, "ciphertext", index)).expect_err("refused"),
            DAMAGED
        );
    }
}

#[test]
fn a_tampered_salt_or_nonce_is_damage() {
    let (_, sealed) = sealed();
    assert_eq!(unseal_edited(&sealed, |json| flip_base64_byte(json, "salt", 5)).expect_err("refused"), DAMAGED);
    assert_eq!(unseal_edited(&sealed, |json| flip_base64_byte(json, "nonce", 23)).expect_err("refused"), DAMAGED);
}

#[test]
fn tampered_params_are_damage() {
    let (_, sealed) = sealed();
    for (name, value) in [("m_cost_kib", 128), ("t_cost", 2), ("p_cost", 2)] {
        let error = unseal_edited(&sealed, |json| json["params"][name] = value.into()).expect_err("refused");
        assert_eq!(error, DAMAGED, "{name}");
    }
}

#[test]
fn a_public_key_swapped_for_another_is_damage() {
    let (_, sealed) = sealed();
    let other = PersonKey::generate().expect("randomness");
    let error = unseal_edited(&sealed, |json| json["public_key"] = other.public_key().to_base64().into());
    assert_eq!(error.expect_err("refused"), DAMAGED);
}

#[test]
fn a_public_key_that_is_no_key_is_damage() {
    let (_, sealed) = sealed();
    let error =
        unseal_edited(&sealed, |json| json["public_key"] = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into())
            .expect_err("refused");
    let SigningError::DamagedSealedKey { problem: FormatProblem::NotJson { detail } } = error else {
        panic!("expected a damaged record, got {error:?}");
    };
    assert!(detail.contains("small-order"), "{detail}");
}

#[test]
fn a_truncated_or_reshaped_record_is_damage() {
    let (_, sealed) = sealed();
    let json = sealed.to_json().expect("json");
    for broken in [&json[..json.len() / 2], "[]", "{}", "not json"] {
        let error = SealedKey::from_json(broken).expect_err("refused");
        assert!(
            matches!(error, SigningError::DamagedSealedKey { problem: FormatProblem::NotJson { .. } }),
            "{error:?}"
        );
    }
    let error = unseal_edited(&sealed, |json| json["extra"] = "field".into()).expect_err("unknown fields refused");
    assert!(matches!(error, SigningError::DamagedSealedKey { problem: FormatProblem::NotJson { .. } }), "{error:?}");
    let error = unseal_edited(&sealed, |json| json["salt"] = "not base64!".into()).expect_err("refused");
    assert!(matches!(error, SigningError::DamagedSealedKey { problem: FormatProblem::NotJson { .. } }), "{error:?}");
}

#[test]
fn another_format_or_kdf_is_named() {
    let (_, sealed) = sealed();
    let error = unseal_edited(&sealed, |json| {
        json["format"] = 2.into();
        json["fields_of_format_2"] = true.into();
    });
    assert_eq!(error.expect_err("refused"), SigningError::UnsupportedSealedKeyFormat { found: 2, supported: 1 });
    let error = unseal_edited(&sealed, |json| json["kdf"] = "scrypt".into());
    assert_eq!(error.expect_err("refused"), SigningError::UnsupportedKdf { found: "scrypt".to_owned() });
}

#[test]
fn params_outside_the_limits_are_refused_when_sealing() {
    let key = PersonKey::generate().expect("randomness");
    for params in [
        SealingParams { m_cost_kib: 4, t_cost: 1, p_cost: 1 },
        SealingParams { m_cost_kib: SealingParams::MAX_M_COST_KIB + 1, t_cost: 1, p_cost: 1 },
        SealingParams { m_cost_kib: 64, t_cost: 0, p_cost: 1 },
        SealingParams { m_cost_kib: 64, t_cost: 1, p_cost: 0 },
        SealingParams { m_cost_kib: 64, t_cost: 1, p_cost: 64 },
    ] {
        let error = SealedKey::seal(&key, PASSPHRASE, params).expect_err("refused");
        assert!(
            matches!(error, SigningError::InvalidSealingParams { problem: FormatProblem::OutOfRange { .. } }),
            "{params:?}: {error:?}"
        );
    }
    assert_eq!(SealingParams::DEFAULT.check(), Ok(()));
    assert_eq!(SealingParams::FOR_TESTS.check(), Ok(()));
    assert_eq!(SealingParams::default(), SealingParams::DEFAULT);
}
