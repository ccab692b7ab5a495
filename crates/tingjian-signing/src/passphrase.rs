//! The rules for a new passphrase, and the one normalization every passphrase goes through.
//!
//! A passphrase is normalized to Unicode NFKC before it is checked or fed to argon2id. Chinese
//! input methods switch between full-width and half-width forms (`ａｂｃ１２３` and `abc123`, the
//! ideographic space U+3000 and the ASCII space) with one key, and a person cannot see which mode
//! they typed in; NFKC folds those forms together, so the passphrase a person remembers opens their
//! key whatever the mode. The normalization is part of sealed-key format 1 and must never change
//! for that format, or sealed keys would stop opening.

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{PassphraseRule, SigningError};

/// The fewest characters a new passphrase may have. Characters are Unicode scalar values after
/// NFKC normalization, so a Chinese character counts as one, like a Latin letter: ten Chinese
/// characters carry far more guessing work than ten digits, but ten is a floor both can meet.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// The passphrase as argon2id receives it: NFKC-normalized, in a buffer wiped when dropped.
pub(crate) fn normalize_passphrase(passphrase: &str) -> Zeroizing<String> {
    let mut normalized = Zeroizing::new(String::with_capacity(passphrase.len()));
    normalized.extend(passphrase.nfkc());
    normalized
}

/// Checks a passphrase a person has chosen for their key, before it is used to seal it.
///
/// The rules are few and stated to the person (the error carries the rule broken): at least
/// [`MIN_PASSPHRASE_CHARS`] characters, not one character repeated, not a straight run such as
/// `0123456789`, no control characters, no space at either end. Sealing itself does not apply
/// them, so a one-time passphrase made by the program can be sealed too; a passphrase a person
/// types must go through this check first.
pub fn check_new_passphrase(passphrase: &str) -> Result<(), SigningError> {
    let weak = |rule| Err(SigningError::WeakPassphrase { rule });
    let normalized = normalize_passphrase(passphrase);
    let chars: Zeroizing<Vec<char>> = Zeroizing::new(normalized.chars().collect());
    if chars.iter().any(|c| c.is_control()) {
        return weak(PassphraseRule::ControlCharacter);
    }
    if chars.first().is_some_and(|c| c.is_whitespace()) || chars.last().is_some_and(|c| c.is_whitespace()) {
        return weak(PassphraseRule::SpaceAtEnds);
    }
    if chars.len() < MIN_PASSPHRASE_CHARS {
        return weak(PassphraseRule::TooShort { min_chars: MIN_PASSPHRASE_CHARS, found_chars: chars.len() });
    }
    if chars.iter().all(|&c| c == chars[0]) {
        return weak(PassphraseRule::OneRepeatedCharacter);
    }
    let steps =
        |step: i64| chars.windows(2).all(|pair| i64::from(u32::from(pair[1])) - i64::from(u32::from(pair[0])) == step);
    if steps(1) || steps(-1) {
        return weak(PassphraseRule::StraightRun);
    }
    Ok(())
}

/// The letters and digits a one-time passphrase is made of: upper case without the ones read
/// aloud or copied by hand wrongly (`I`/`1`, `O`/`0`, `L`).
const ONE_TIME_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A one-time passphrase for a person being enrolled or reset, from the operating system's
/// randomness: four groups of four characters (`K7PD-3MXR-9QWT-HC4N`, about 79 bits), easy to
/// read out or copy. The person must replace it at their first sign-in.
pub fn one_time_passphrase() -> Result<Zeroizing<String>, SigningError> {
    let mut out = Zeroizing::new(String::with_capacity(19));
    let mut chosen = 0;
    while chosen < 16 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|error| SigningError::Randomness { detail: error.to_string() })?;
        for &byte in bytes.iter() {
            // Rejection keeps every character equally likely: 248 is the largest multiple of the
            // alphabet's 31 letters that fits in a byte.
            if usize::from(byte) >= 248 || chosen == 16 {
                continue;
            }
            if chosen > 0 && chosen % 4 == 0 {
                out.push('-');
            }
            out.push(char::from(ONE_TIME_ALPHABET[usize::from(byte) % ONE_TIME_ALPHABET.len()]));
            chosen += 1;
        }
    }
    Ok(out)
}

/// `N` bytes from the operating system's random source (for a draw's nonce and a witness's share).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], SigningError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| SigningError::Randomness { detail: error.to_string() })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_time_passphrase_is_four_readable_groups_and_passes_the_rules() {
        let first = one_time_passphrase().expect("randomness");
        let second = one_time_passphrase().expect("randomness");
        assert_ne!(*first, *second);
        let groups: Vec<&str> = first.split('-').collect();
        assert_eq!(groups.len(), 4, "{}", *first);
        assert!(groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| ONE_TIME_ALPHABET.contains(&b))));
        check_new_passphrase(&first).expect("a one-time passphrase meets the rules for a chosen one");
    }

    fn rule_of(passphrase: &str) -> Option<PassphraseRule> {
        match check_new_passphrase(passphrase) {
            Ok(()) => None,
            Err(SigningError::WeakPassphrase { rule }) => Some(rule),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    #[test]
    fn chinese_characters_count_one_each() {
        assert_eq!(rule_of("听见投诉录音复核口令"), None);
        assert_eq!(rule_of("听见投诉录音复核"), Some(PassphraseRule::TooShort { min_chars: 10, found_chars: 8 }));
    }

    #[test]
    fn each_rule_is_named() {
        assert_eq!(rule_of("short"), Some(PassphraseRule::TooShort { min_chars: 10, found_chars: 5 }));
        assert_eq!(rule_of("aaaaaaaaaaaa"), Some(PassphraseRule::OneRepeatedCharacter));
        assert_eq!(rule_of("0123456789"), Some(PassphraseRule::StraightRun));
        assert_eq!(rule_of("zyxwvutsrqpo"), Some(PassphraseRule::StraightRun));
        assert_eq!(rule_of("line\nbreak passphrase"), Some(PassphraseRule::ControlCharacter));
        assert_eq!(rule_of(" leading space here"), Some(PassphraseRule::SpaceAtEnds));
        assert_eq!(rule_of("trailing space here\u{3000}"), Some(PassphraseRule::SpaceAtEnds));
        assert_eq!(rule_of("correct horse battery staple"), None);
        assert_eq!(rule_of("0123456780"), None);
    }

    #[test]
    fn full_width_and_half_width_are_one_passphrase() {
        assert_eq!(*normalize_passphrase("ｔｉｎｇｊｉａｎ　２０２６"), "tingjian 2026");
        assert_eq!(*normalize_passphrase("听见2026"), "听见2026");
    }

    #[test]
    fn every_rule_has_both_languages() {
        for rule in [
            PassphraseRule::TooShort { min_chars: 10, found_chars: 3 },
            PassphraseRule::OneRepeatedCharacter,
            PassphraseRule::StraightRun,
            PassphraseRule::ControlCharacter,
            PassphraseRule::SpaceAtEnds,
        ] {
            assert!(!rule.to_string().is_empty());
            assert!(!rule.message_zh().is_empty());
        }
    }
}
