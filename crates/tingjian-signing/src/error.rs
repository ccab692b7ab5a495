//! What can go wrong when making, sealing, unsealing or checking keys, signatures, notes and
//! checkpoints.
//!
//! Every variant carries what a person needs to act on it: the line of a note, the rule a
//! passphrase breaks, the indexes of the signatures that failed. The `Display` text is English;
//! [`SigningError::message_zh`] gives the same facts in Chinese, so the app and the CLI can show
//! either without parsing English. The crate does not depend on `tingjian-core`, so mapping these
//! errors to the app's `ErrorCode` is the caller's step.

use std::fmt;

/// Why something could not be done, with enough detail to find and fix the cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The operating system did not provide random bytes for a key, a salt or a nonce.
    #[error("the operating system did not provide randomness: {detail}")]
    Randomness { detail: String },
    /// Bytes or text that should hold an ed25519 public key do not hold one this crate accepts.
    #[error("not a usable ed25519 public key: {problem}")]
    InvalidPublicKey { problem: FormatProblem },
    /// Bytes or text that should hold a 64-byte signature are of the wrong shape.
    #[error("not an ed25519 signature: {problem}")]
    MalformedSignature { problem: FormatProblem },
    /// A signature does not verify for its message and public key.
    #[error("the signature does not match the message and the public key")]
    BadSignature,
    /// Some signatures of a batch do not verify; `indexes` lists every one of them, in order, as
    /// positions in the slice given to the batch check.
    #[error("{} signature(s) do not verify, the first at index {}", .indexes.len(), first_index(.indexes))]
    BadSignatures { indexes: Vec<usize> },
    /// A new passphrase breaks one of the rules of [`crate::check_new_passphrase`].
    #[error("the new passphrase is too weak: {rule}")]
    WeakPassphrase { rule: PassphraseRule },
    /// The passphrase does not open the sealed key. The record itself is intact (its checksum
    /// matches), so the passphrase is the likely cause.
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    /// The sealed key record is damaged or was altered: it cannot be opened with any passphrase.
    #[error("the sealed key record is damaged: {problem}")]
    DamagedSealedKey { problem: FormatProblem },
    /// The sealed key was written in a format this version does not know.
    #[error("the sealed key uses format {found}; this version reads format {supported}")]
    UnsupportedSealedKeyFormat { found: u32, supported: u32 },
    /// The sealed key names a key-derivation function this version does not know.
    #[error("the sealed key uses the key derivation {found:?}; this version knows only \"argon2id\"")]
    UnsupportedKdf { found: String },
    /// The secret inside a sealed key does not belong to the public key stored beside it.
    #[error("the sealed secret does not belong to the public key stored with it")]
    SealedKeyMismatch,
    /// Sealing parameters outside the range this crate accepts.
    #[error("the sealing parameters cannot be used: {problem}")]
    InvalidSealingParams { problem: FormatProblem },
    /// A signed-note key name that breaks the rules of c2sp.org/signed-note.
    #[error("{name:?} cannot be a key name: {problem}")]
    InvalidKeyName { name: String, problem: FormatProblem },
    /// A verifier key string (`name+keyid+base64`) that cannot be read.
    #[error("not a verifier key: {problem}")]
    InvalidVerifierKey { problem: FormatProblem },
    /// A signed note (or a text to be signed) that breaks the format; `line` counts from 1.
    #[error("the signed note is malformed at line {line}: {problem}")]
    MalformedNote { line: usize, problem: FormatProblem },
    /// A signature line of a note comes from a known key but does not verify. The whole note is
    /// refused, as c2sp.org/signed-note recommends.
    #[error("the note's signature by {key_name} (key ID {key_id:08x}) does not verify")]
    NoteSignatureInvalid { key_name: String, key_id: u32 },
    /// No signature line of the note comes from any of the known keys.
    #[error("the note carries no signature from any of the {known_keys} known key(s)")]
    NoteNotSigned { known_keys: usize },
    /// A checkpoint text that breaks c2sp.org/tlog-checkpoint; `line` counts from 1.
    #[error("the checkpoint is malformed at line {line}: {problem}")]
    MalformedCheckpoint { line: usize, problem: FormatProblem },
    /// Something that cannot happen with correct code did (for example the cipher refusing to
    /// encrypt 32 bytes). It is reported, never hidden behind a panic.
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

fn first_index(indexes: &[usize]) -> String {
    indexes.first().map_or_else(|| "?".to_owned(), ToString::to_string)
}

impl SigningError {
    /// The same facts as the English `Display` text, in Chinese, for people who read the app in
    /// Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            SigningError::Randomness { detail } => format!("操作系统未能提供随机数：{detail}"),
            SigningError::InvalidPublicKey { problem } => format!("不是可用的 ed25519 公钥：{}", problem.zh()),
            SigningError::MalformedSignature { problem } => format!("不是有效的 ed25519 签名：{}", problem.zh()),
            SigningError::BadSignature => "签名与消息或公钥不符".to_owned(),
            SigningError::BadSignatures { indexes } => {
                format!("有 {} 个签名验证失败，第一个位于序号 {}", indexes.len(), first_index(indexes))
            }
            SigningError::WeakPassphrase { rule } => format!("新口令强度不够：{}", rule.message_zh()),
            SigningError::WrongPassphrase => "口令错误".to_owned(),
            SigningError::DamagedSealedKey { problem } => format!("加密保存的密钥记录已损坏：{}", problem.zh()),
            SigningError::UnsupportedSealedKeyFormat { found, supported } => {
                format!("加密保存的密钥使用格式 {found}；本版本只能读取格式 {supported}")
            }
            SigningError::UnsupportedKdf { found } => {
                format!("加密保存的密钥使用密钥派生算法 {found:?}；本版本只支持 \"argon2id\"")
            }
            SigningError::SealedKeyMismatch => "加密保存的私钥与其旁边保存的公钥不匹配".to_owned(),
            SigningError::InvalidSealingParams { problem } => format!("加密参数不可用：{}", problem.zh()),
            SigningError::InvalidKeyName { name, problem } => format!("{name:?} 不能作为密钥名称：{}", problem.zh()),
            SigningError::InvalidVerifierKey { problem } => format!("不是有效的验证公钥：{}", problem.zh()),
            SigningError::MalformedNote { line, problem } => {
                format!("签名文本第 {line} 行格式错误：{}", problem.zh())
            }
            SigningError::NoteSignatureInvalid { key_name, key_id } => {
                format!("{key_name}（密钥 ID {key_id:08x}）的签名验证失败")
            }
            SigningError::NoteNotSigned { known_keys } => {
                format!("该文本没有任何已知密钥（共 {known_keys} 个）的签名")
            }
            SigningError::MalformedCheckpoint { line, problem } => {
                format!("检查点第 {line} 行格式错误：{}", problem.zh())
            }
            SigningError::Internal { detail } => format!("内部错误：{detail}"),
        }
    }
}

/// A rule that a new passphrase breaks. Each carries the numbers a person needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassphraseRule {
    /// Fewer characters than the minimum. Characters are counted as a person counts them: a
    /// Chinese character is one character, as is a Latin letter.
    TooShort { min_chars: usize, found_chars: usize },
    /// The passphrase is one character repeated (`aaaaaaaaaa`, `1111111111`).
    OneRepeatedCharacter,
    /// The passphrase is a straight run of consecutive characters (`0123456789`, `abcdefghij`,
    /// `9876543210`), the first thing anyone guesses after a repeated character.
    StraightRun,
    /// The passphrase contains a control character (a tab, a line break), which cannot be typed
    /// the same way in every input box.
    ControlCharacter,
    /// The passphrase begins or ends with a space, which is invisible and easily lost when a
    /// passphrase file is edited or copied.
    SpaceAtEnds,
}

impl PassphraseRule {
    /// The rule, in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            PassphraseRule::TooShort { min_chars, found_chars } => {
                format!("口令至少需要 {min_chars} 个字符（汉字按一个字符计），当前只有 {found_chars} 个")
            }
            PassphraseRule::OneRepeatedCharacter => "口令不能由同一个字符重复组成".to_owned(),
            PassphraseRule::StraightRun => "口令不能是连续的字符序列（如 0123456789、abcdefghij）".to_owned(),
            PassphraseRule::ControlCharacter => "口令不能包含制表符、换行等控制字符".to_owned(),
            PassphraseRule::SpaceAtEnds => "口令的开头和结尾不能是空格".to_owned(),
        }
    }
}

impl fmt::Display for PassphraseRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PassphraseRule::TooShort { min_chars, found_chars } => write!(
                f,
                "a passphrase needs at least {min_chars} characters (a Chinese character counts as one); \
                 this one has {found_chars}"
            ),
            PassphraseRule::OneRepeatedCharacter => f.write_str("a passphrase cannot be one character repeated"),
            PassphraseRule::StraightRun => {
                f.write_str("a passphrase cannot be a straight run of characters such as 0123456789 or abcdefghij")
            }
            PassphraseRule::ControlCharacter => {
                f.write_str("a passphrase cannot contain control characters such as a tab or a line break")
            }
            PassphraseRule::SpaceAtEnds => f.write_str("a passphrase cannot begin or end with a space"),
        }
    }
}

/// What exactly is wrong with a text, a field or a key. Shared by the variants of
/// [`SigningError`] so that each reason is written (in English and Chinese) once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatProblem {
    /// An ASCII control character other than the newline (U+000A). `code` is its code point; a
    /// carriage return (13) usually means the file passed through a Windows line-ending conversion.
    ControlCharacter { code: u32 },
    /// More bytes than this crate reads in one piece.
    TooLarge { limit_bytes: usize },
    /// The text does not end with a newline.
    MissingFinalNewline,
    /// No blank line followed by signature lines.
    MissingSignatures,
    /// A line of the signature block does not start with an em dash (U+2014) and a space.
    NotASignatureLine,
    /// A signature line has no space between the key name and the signature.
    MissingSignatureField,
    /// A key name or an origin is empty.
    EmptyName,
    /// A key name contains a Unicode space.
    SpaceInName,
    /// A key name contains a plus sign (U+002B).
    PlusInName,
    /// Text that should be standard, padded base64 (RFC 4648 section 4) is not.
    BadBase64,
    /// A decoded value has the wrong number of bytes.
    WrongLength { what: &'static str, expected: usize, found: usize },
    /// A signature line decodes to fewer than the 4 key-ID bytes and one signature byte.
    SignatureTooShort,
    /// More signature lines than a note may carry.
    TooManySignatures { limit: usize },
    /// A key ID that is not 8 lowercase hexadecimal digits.
    BadKeyId,
    /// A verifier key that is not three parts joined by plus signs.
    NotThreeParts,
    /// A signature type this crate does not verify (only 0x01, Ed25519, is supported).
    UnsupportedSignatureType { found: u8 },
    /// The key ID written in a verifier key is not the one computed from its name and public key.
    KeyIdMismatch { stated: u32, computed: u32 },
    /// Fewer lines than the format needs.
    TooFewLines { found: usize, needed: usize },
    /// A line that must not be empty is empty.
    EmptyLine,
    /// A tree size that is not a decimal number without leading zeroes that fits in 64 bits.
    BadTreeSize,
    /// 32 bytes that are not the encoding of a point on the curve.
    NotACurvePoint,
    /// A point encoded in a non-canonical way (there is exactly one canonical encoding).
    NonCanonicalPoint,
    /// A public key of small order, which would accept forged signatures.
    SmallOrderKey,
    /// A public key with a small-order component, which no key generated by ed25519 has.
    KeyWithTorsion,
    /// The record's checksum does not match its fields: it was damaged or edited.
    ChecksumMismatch,
    /// A number outside the range this crate accepts.
    OutOfRange { what: &'static str, value: u64, min: u64, max: u64 },
    /// A sealed key record that is not JSON of the expected shape.
    NotJson { detail: String },
}

impl FormatProblem {
    /// The problem, in Chinese.
    pub fn zh(&self) -> String {
        match self {
            FormatProblem::ControlCharacter { code: 13 } => {
                "含有回车符（U+000D），文件可能经过了 Windows 换行转换".to_owned()
            }
            FormatProblem::ControlCharacter { code } => format!("含有控制字符 U+{code:04X}"),
            FormatProblem::TooLarge { limit_bytes } => format!("超过 {limit_bytes} 字节的上限"),
            FormatProblem::MissingFinalNewline => "末尾缺少换行符".to_owned(),
            FormatProblem::MissingSignatures => "缺少空行及其后的签名行".to_owned(),
            FormatProblem::NotASignatureLine => "签名行必须以破折号（U+2014）和空格开头".to_owned(),
            FormatProblem::MissingSignatureField => "签名行中密钥名称与签名之间缺少空格".to_owned(),
            FormatProblem::EmptyName => "名称为空".to_owned(),
            FormatProblem::SpaceInName => "名称含有空白字符".to_owned(),
            FormatProblem::PlusInName => "名称含有加号（+）".to_owned(),
            FormatProblem::BadBase64 => "不是标准的 base64 编码（RFC 4648 第 4 节，含填充）".to_owned(),
            FormatProblem::WrongLength { what, expected, found } => {
                format!("{what} 应为 {expected} 字节，实际为 {found} 字节")
            }
            FormatProblem::SignatureTooShort => "签名解码后不足 5 字节（4 字节密钥 ID 加签名）".to_owned(),
            FormatProblem::TooManySignatures { limit } => format!("签名行超过 {limit} 行的上限"),
            FormatProblem::BadKeyId => "密钥 ID 必须是 8 位小写十六进制数".to_owned(),
            FormatProblem::NotThreeParts => "必须是以加号连接的三部分：名称+密钥ID+base64".to_owned(),
            FormatProblem::UnsupportedSignatureType { found } => {
                format!("不支持的签名类型 0x{found:02x}（只支持 0x01，即 Ed25519）")
            }
            FormatProblem::KeyIdMismatch { stated, computed } => {
                format!("写明的密钥 ID {stated:08x} 与由名称和公钥算出的 {computed:08x} 不符")
            }
            FormatProblem::TooFewLines { found, needed } => format!("至少需要 {needed} 行，实际只有 {found} 行"),
            FormatProblem::EmptyLine => "该行不能为空".to_owned(),
            FormatProblem::BadTreeSize => "树大小必须是不含前导零、不超过 64 位的十进制数".to_owned(),
            FormatProblem::NotACurvePoint => "不是曲线上的点".to_owned(),
            FormatProblem::NonCanonicalPoint => "点的编码不是规范形式".to_owned(),
            FormatProblem::SmallOrderKey => "公钥为小阶点，会接受伪造的签名".to_owned(),
            FormatProblem::KeyWithTorsion => "公钥含有小阶分量，不是正常生成的 ed25519 公钥".to_owned(),
            FormatProblem::ChecksumMismatch => "校验和与内容不符，记录已损坏或被改动".to_owned(),
            FormatProblem::OutOfRange { what, value, min, max } => {
                format!("{what} 为 {value}，超出允许范围 {min} 至 {max}")
            }
            FormatProblem::NotJson { detail } => format!("不是预期结构的 JSON：{detail}"),
        }
    }
}

impl fmt::Display for FormatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatProblem::ControlCharacter { code: 13 } => f.write_str(
                "contains a carriage return (U+000D); the file may have passed through a Windows line-ending conversion",
            ),
            FormatProblem::ControlCharacter { code } => write!(f, "contains the control character U+{code:04X}"),
            FormatProblem::TooLarge { limit_bytes } => write!(f, "longer than the limit of {limit_bytes} bytes"),
            FormatProblem::MissingFinalNewline => f.write_str("does not end with a newline"),
            FormatProblem::MissingSignatures => f.write_str("no blank line followed by signature lines"),
            FormatProblem::NotASignatureLine => {
                f.write_str("a signature line must start with an em dash (U+2014) and a space")
            }
            FormatProblem::MissingSignatureField => {
                f.write_str("no space between the key name and the signature")
            }
            FormatProblem::EmptyName => f.write_str("the name is empty"),
            FormatProblem::SpaceInName => f.write_str("the name contains a space"),
            FormatProblem::PlusInName => f.write_str("the name contains a plus sign (+)"),
            FormatProblem::BadBase64 => f.write_str("not standard padded base64 (RFC 4648 section 4)"),
            FormatProblem::WrongLength { what, expected, found } => {
                write!(f, "{what} should be {expected} bytes, found {found}")
            }
            FormatProblem::SignatureTooShort => {
                f.write_str("the signature decodes to fewer than 5 bytes (a 4-byte key ID and a signature)")
            }
            FormatProblem::TooManySignatures { limit } => write!(f, "more than {limit} signature lines"),
            FormatProblem::BadKeyId => f.write_str("the key ID must be 8 lowercase hexadecimal digits"),
            FormatProblem::NotThreeParts => f.write_str("expected three parts joined by plus signs: name+keyid+base64"),
            FormatProblem::UnsupportedSignatureType { found } => {
                write!(f, "unsupported signature type 0x{found:02x} (only 0x01, Ed25519, is supported)")
            }
            FormatProblem::KeyIdMismatch { stated, computed } => write!(
                f,
                "the stated key ID {stated:08x} is not {computed:08x}, the one computed from the name and the key"
            ),
            FormatProblem::TooFewLines { found, needed } => write!(f, "needs at least {needed} lines, found {found}"),
            FormatProblem::EmptyLine => f.write_str("the line must not be empty"),
            FormatProblem::BadTreeSize => {
                f.write_str("the tree size must be a decimal number without leading zeroes that fits in 64 bits")
            }
            FormatProblem::NotACurvePoint => f.write_str("not a point on the curve"),
            FormatProblem::NonCanonicalPoint => f.write_str("the point is not canonically encoded"),
            FormatProblem::SmallOrderKey => f.write_str("a small-order key, which would accept forged signatures"),
            FormatProblem::KeyWithTorsion => {
                f.write_str("the key has a small-order component, which no properly generated ed25519 key has")
            }
            FormatProblem::ChecksumMismatch => {
                f.write_str("the checksum does not match the fields: the record was damaged or edited")
            }
            FormatProblem::OutOfRange { what, value, min, max } => {
                write!(f, "{what} is {value}, outside the accepted range {min} to {max}")
            }
            FormatProblem::NotJson { detail } => write!(f, "not JSON of the expected shape: {detail}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant, so that a new variant without both texts is noticed here.
    fn every_error() -> Vec<SigningError> {
        vec![
            SigningError::Randomness { detail: "no entropy".to_owned() },
            SigningError::InvalidPublicKey { problem: FormatProblem::SmallOrderKey },
            SigningError::MalformedSignature { problem: FormatProblem::BadBase64 },
            SigningError::BadSignature,
            SigningError::BadSignatures { indexes: vec![3, 9] },
            SigningError::WeakPassphrase { rule: PassphraseRule::StraightRun },
            SigningError::WrongPassphrase,
            SigningError::DamagedSealedKey { problem: FormatProblem::ChecksumMismatch },
            SigningError::UnsupportedSealedKeyFormat { found: 2, supported: 1 },
            SigningError::UnsupportedKdf { found: "scrypt".to_owned() },
            SigningError::SealedKeyMismatch,
            SigningError::InvalidSealingParams {
                problem: FormatProblem::OutOfRange { what: "t_cost", value: 0, min: 1, max: 64 },
            },
            SigningError::InvalidKeyName { name: "a b".to_owned(), problem: FormatProblem::SpaceInName },
            SigningError::InvalidVerifierKey { problem: FormatProblem::NotThreeParts },
            SigningError::MalformedNote { line: 4, problem: FormatProblem::NotASignatureLine },
            SigningError::NoteSignatureInvalid { key_name: "tingjian/p-1".to_owned(), key_id: 0xc74f20a3 },
            SigningError::NoteNotSigned { known_keys: 2 },
            SigningError::MalformedCheckpoint { line: 2, problem: FormatProblem::BadTreeSize },
            SigningError::Internal { detail: "bug".to_owned() },
        ]
    }

    fn every_problem() -> Vec<FormatProblem> {
        vec![
            FormatProblem::ControlCharacter { code: 13 },
            FormatProblem::ControlCharacter { code: 9 },
            FormatProblem::TooLarge { limit_bytes: 1 << 20 },
            FormatProblem::MissingFinalNewline,
            FormatProblem::MissingSignatures,
            FormatProblem::NotASignatureLine,
            FormatProblem::MissingSignatureField,
            FormatProblem::EmptyName,
            FormatProblem::SpaceInName,
            FormatProblem::PlusInName,
            FormatProblem::BadBase64,
            FormatProblem::WrongLength { what: "the salt", expected: 16, found: 15 },
            FormatProblem::SignatureTooShort,
            FormatProblem::TooManySignatures { limit: 100 },
            FormatProblem::BadKeyId,
            FormatProblem::NotThreeParts,
            FormatProblem::UnsupportedSignatureType { found: 4 },
            FormatProblem::KeyIdMismatch { stated: 1, computed: 2 },
            FormatProblem::TooFewLines { found: 2, needed: 3 },
            FormatProblem::EmptyLine,
            FormatProblem::BadTreeSize,
            FormatProblem::NotACurvePoint,
            FormatProblem::NonCanonicalPoint,
            FormatProblem::SmallOrderKey,
            FormatProblem::KeyWithTorsion,
            FormatProblem::ChecksumMismatch,
            FormatProblem::OutOfRange { what: "p_cost", value: 0, min: 1, max: 16 },
            FormatProblem::NotJson { detail: "EOF".to_owned() },
        ]
    }

    #[test]
    fn every_error_has_an_english_and_a_chinese_message() {
        for error in every_error() {
            let (english, chinese) = (error.to_string(), error.message_zh());
            assert!(!english.is_empty() && !chinese.is_empty(), "{error:?}");
            assert!(chinese.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{error:?}: {chinese}");
        }
        for problem in every_problem() {
            assert!(!problem.to_string().is_empty(), "{problem:?}");
            assert!(problem.zh().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{problem:?}");
        }
    }

    #[test]
    fn messages_carry_the_facts() {
        let error = SigningError::MalformedNote { line: 4, problem: FormatProblem::NotASignatureLine };
        assert!(error.to_string().contains("line 4") && error.message_zh().contains("第 4 行"));
        let error = SigningError::BadSignatures { indexes: vec![3, 9] };
        assert_eq!(error.to_string(), "2 signature(s) do not verify, the first at index 3");
        let crlf = FormatProblem::ControlCharacter { code: 13 };
        assert!(crlf.to_string().contains("Windows") && crlf.zh().contains("Windows"));
    }
}
