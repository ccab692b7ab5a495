//! Stable error codes shared by the CLI and the desktop app.
//!
//! The UI decides what to do from [`ErrorCode`] alone; the two messages are for people. Codes are
//! part of the contract with the UI and with scripts that read `--json` output, so a code is never
//! renamed or reused for a different failure.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every failure that can reach a person, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The vault path exists but is a file, not a directory.
    VaultNotADirectory,
    /// The vault directory cannot be written to.
    VaultReadOnly,
    /// The vault was written by a newer version of Tingjian.
    VaultSchemaTooNew,
    /// The directory holds no vault (and the command does not create one).
    VaultNotFound,
    /// The directory already holds a vault (and the command would create one).
    VaultAlreadyExists,
    /// SQLite reported a failure that is not one of the cases above.
    VaultDatabase,
    /// A file could not be read or written.
    Io,
    /// An input file (export, recording) could not be used.
    InvalidInput,
    /// An external tool the command needs is not installed.
    ToolMissing,
    /// An external tool ran and failed.
    ToolFailed,
    /// The audit chain or the domain tables do not verify.
    VerifyFailed,
    /// No recording matches what was asked for (a complaint number or hash prefix), or more than
    /// one does.
    RecordingNotFound,
    /// A listening session was asked to record after it had ended, or does not exist.
    ListeningSessionClosed,
    /// No sound output device can be opened (none exists, or the one asked for is missing or busy).
    AudioDeviceUnavailable,
    /// The sound output device went away during playback; opening a player again may work.
    AudioDeviceLost,
    /// Part of a recording cannot be decoded: playback skips it and goes on.
    AudioDamaged,
    /// The quarter's state does not allow this (a draw once the quarter is open, anything once it
    /// is closed, a transition out of order).
    QuarterLocked,
    /// No complaint has the number asked for.
    ComplaintNotFound,
    /// No note has the id asked for.
    NoteNotFound,
    /// No rectification case (or evidence file) has the id asked for.
    CaseNotFound,
    /// The person may not do this (such as editing someone else's note).
    NotPermitted,
    /// A rectification case's state does not allow what was asked (submitting a closed case,
    /// verifying one still in progress, submitting while an action is not done).
    TransitionRefused,
    /// `tingjian demo` was asked to add synthetic data to a vault that holds real work.
    NotADemoVault,
    /// The webview named a file or folder that the person did not choose in the app's own file
    /// chooser for that purpose, so the app will not read or write it (the page may be
    /// compromised, or the path was typed in).
    PathNotChosen,
    /// The computer's clock is behind the newest event in the vault: recording would date a step
    /// before one already recorded, so nothing is recorded until the clock is set right.
    ClockBehind,
    /// The vault has accounts and nobody is signed in (or the command named nobody with `--as`).
    SignInRequired,
    /// No active account has the id given.
    AccountNotFound,
    /// The passphrase does not open the person's key.
    WrongPassphrase,
    /// Too many wrong passphrases in a row: the next attempt must wait.
    SignInDelayed,
    /// The person holds a one-time passphrase and must choose their own before anything else.
    PassphraseChangeRequired,
    /// A person's sealed key cannot be used (damaged, or from a newer version).
    KeyUnusable,
    /// A font the printed report is set in is not installed (or cannot be read).
    FontsMissing,
    /// A bug: something that should not happen did.
    Internal,
}

/// An error that knows its stable code and can explain itself in Chinese and English.
pub trait Coded: std::error::Error {
    /// The stable code the UI and scripts act on.
    fn code(&self) -> ErrorCode;
    /// The message for a person reading Chinese (the first UI language).
    fn message_zh(&self) -> String;
    /// The message for a person reading English.
    fn message_en(&self) -> String {
        self.to_string()
    }
}

/// The shape every error takes when it crosses to the UI or into `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UiError {
    pub code: ErrorCode,
    pub message_zh: String,
    pub message_en: String,
}

/// Any coded library error becomes the UI's form of it, so `?` converts at the app's edge.
impl<E: Coded> From<E> for UiError {
    fn from(error: E) -> Self {
        UiError { code: error.code(), message_zh: error.message_zh(), message_en: error.message_en() }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{:?}] {} / {}", self.code, self.message_zh, self.message_en)
    }
}

impl std::error::Error for UiError {}
