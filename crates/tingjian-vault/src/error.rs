use std::path::PathBuf;

use tingjian_core::{Coded, ErrorCode, QuarterState};

/// Why a vault operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("vault path {path} is a file, not a directory")]
    NotADirectory { path: PathBuf },
    #[error("vault directory {path} is read-only: {source}")]
    ReadOnly { path: PathBuf, source: std::io::Error },
    #[error(
        "vault {path} has schema version {found}, this Tingjian supports up to {supported}: update Tingjian; the vault was not changed"
    )]
    SchemaTooNew { path: PathBuf, found: u32, supported: u32 },
    #[error("no vault in {path} (run `tingjian init` to create one)")]
    NotFound { path: PathBuf },
    #[error("a vault already exists in {path}")]
    AlreadyExists { path: PathBuf },
    #[error("file error at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("event #{seq} cannot be read: {reason}")]
    Corrupt { seq: u64, reason: String },
    #[error("no recording matches \"{query}\" (give a complaint number or the start of a recording's hash)")]
    RecordingNotFound { query: String },
    #[error("\"{query}\" matches {count} recordings; give more of the hash")]
    RecordingAmbiguous { query: String, count: usize },
    #[error("listening session {session_id} has ended or does not exist; start a new one")]
    ListeningSessionClosed { session_id: String },
    #[error("played span {start_ms}–{end_ms} ms is not within the recording ({duration_ms} ms)")]
    SpanOutsideRecording { start_ms: u64, end_ms: u64, duration_ms: u64 },
    #[error("{0}")]
    Sampling(#[from] tingjian_sampling::SamplingError),
    /// `state` is `None` for a quarter that was never set up.
    #[error("quarter {quarter} is {}: cannot {}", state_en(*.state), .action.en())]
    QuarterLocked { quarter: String, state: Option<QuarterState>, action: QuarterAction },
    #[error("quarter {quarter} has no draw yet: draw its sample first")]
    NoDraw { quarter: String },
    /// A request that cannot be met as it is: an unknown complaint or reviewer for the sample, an
    /// empty or too long note, a past due date, a page size out of range, a role that does not
    /// exist. The messages say which, in both languages.
    #[error("{message_en}")]
    Refused { message_zh: String, message_en: String },
    #[error("no complaint numbered \"{number}\" is in the vault")]
    ComplaintNotFound { number: String },
    #[error("no note {id} exists")]
    NoteNotFound { id: String },
    #[error("no rectification case or evidence file {id} exists")]
    CaseNotFound { id: String },
    #[error(transparent)]
    Rectification(#[from] tingjian_core::rectification::RectificationError),
    #[error("note {id} was written by {author}: only its author can change it")]
    NotTheAuthor { id: String, author: String },
    #[error(
        "the clock says {now}, earlier than event #{head_seq} at {head_at}: set the computer's clock right; nothing was recorded"
    )]
    ClockBehind { head_seq: u64, head_at: String, now: String },
    /// The vault has accounts (since event `since_seq`): nothing is recorded without a signed-in
    /// person.
    #[error("this vault has accounts (since event #{since_seq}): sign in to record anything")]
    SignInRequired { since_seq: u64 },
    /// A signed step by someone whose role does not allow it, refused when recorded and named by
    /// `verify` when a log holds one.
    #[error("{actor} may not record {kind}: {message_en}")]
    NotAuthorized { actor: String, kind: String, message_zh: String, message_en: String },
    /// No active person of the vault has this id, or the person has no key to sign in with.
    #[error("no active account \"{id}\" is in this vault")]
    AccountNotFound { id: String },
    /// The passphrase does not open the person's key; `failed_attempts` in a row so far.
    #[error("wrong passphrase for {id} ({failed_attempts} failed attempt(s) in a row)")]
    WrongPassphrase { id: String, failed_attempts: u32 },
    /// Too many wrong passphrases in a row: the next attempt is accepted after `wait_seconds`.
    #[error("too many wrong passphrases for {id}: try again in {wait_seconds} s")]
    SignInDelayed { id: String, wait_seconds: u64 },
    /// The person's passphrase is one-time (set at enrollment or a reset): they must choose their
    /// own before doing anything.
    #[error("{id} signs in with a one-time passphrase and must choose their own first")]
    PassphraseChangeRequired { id: String },
    /// Keys, sealing or signatures: a weak new passphrase, a damaged sealed key.
    #[error(transparent)]
    Signing(#[from] tingjian_signing::SigningError),
}

/// What was attempted on a quarter whose state does not allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarterAction {
    SetPolicy,
    Draw,
    AddByHand,
    Open,
    Close,
}

impl QuarterAction {
    fn en(self) -> &'static str {
        match self {
            QuarterAction::SetPolicy => "change its sampling policy",
            QuarterAction::Draw => "draw (only a quarter in planning can be drawn or redrawn)",
            QuarterAction::AddByHand => "add a call to its sample",
            QuarterAction::Open => "open it (a quarter in planning with a drawn sample can be opened)",
            QuarterAction::Close => "close it (only an open quarter can be closed)",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            QuarterAction::SetPolicy => "修改抽样策略",
            QuarterAction::Draw => "抽样（只有筹备中的季度可以抽样或重新抽样）",
            QuarterAction::AddByHand => "向样本中添加录音",
            QuarterAction::Open => "开始（筹备中且已抽样的季度才能开始）",
            QuarterAction::Close => "结束（只有进行中的季度才能结束）",
        }
    }
}

fn state_zh(state: Option<QuarterState>) -> &'static str {
    state.map_or("未设置", QuarterState::label_zh)
}

fn state_en(state: Option<QuarterState>) -> &'static str {
    state.map_or("not set up", QuarterState::label_en)
}

impl VaultError {
    /// A [`VaultError::Refused`] with its reason in Chinese and English.
    pub fn refused(message_zh: impl Into<String>, message_en: impl Into<String>) -> Self {
        VaultError::Refused { message_zh: message_zh.into(), message_en: message_en.into() }
    }

    /// Classifies an I/O failure: permission and read-only-filesystem failures mean the vault
    /// directory cannot be written, anything else is reported as it is.
    pub fn from_io(path: &std::path::Path, source: std::io::Error) -> Self {
        use std::io::ErrorKind;
        match source.kind() {
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
                VaultError::ReadOnly { path: path.to_owned(), source }
            }
            _ => VaultError::Io { path: path.to_owned(), source },
        }
    }
}

impl Coded for VaultError {
    fn code(&self) -> ErrorCode {
        match self {
            VaultError::NotADirectory { .. } => ErrorCode::VaultNotADirectory,
            VaultError::ReadOnly { .. } => ErrorCode::VaultReadOnly,
            VaultError::SchemaTooNew { .. } => ErrorCode::VaultSchemaTooNew,
            VaultError::NotFound { .. } => ErrorCode::VaultNotFound,
            VaultError::AlreadyExists { .. } => ErrorCode::VaultAlreadyExists,
            VaultError::Io { .. } => ErrorCode::Io,
            VaultError::Database(_) => ErrorCode::VaultDatabase,
            VaultError::Corrupt { .. } => ErrorCode::VerifyFailed,
            VaultError::RecordingNotFound { .. } | VaultError::RecordingAmbiguous { .. } => {
                ErrorCode::RecordingNotFound
            }
            VaultError::ListeningSessionClosed { .. } => ErrorCode::ListeningSessionClosed,
            VaultError::SpanOutsideRecording { .. } => ErrorCode::Internal,
            VaultError::Sampling(inner) => inner.code(),
            VaultError::QuarterLocked { .. } => ErrorCode::QuarterLocked,
            VaultError::NoDraw { .. } | VaultError::Refused { .. } => ErrorCode::InvalidInput,
            VaultError::ComplaintNotFound { .. } => ErrorCode::ComplaintNotFound,
            VaultError::NoteNotFound { .. } => ErrorCode::NoteNotFound,
            VaultError::CaseNotFound { .. } => ErrorCode::CaseNotFound,
            VaultError::Rectification(inner) => inner.code(),
            VaultError::NotTheAuthor { .. } => ErrorCode::NotPermitted,
            VaultError::ClockBehind { .. } => ErrorCode::ClockBehind,
            VaultError::SignInRequired { .. } => ErrorCode::SignInRequired,
            VaultError::NotAuthorized { .. } => ErrorCode::NotPermitted,
            VaultError::AccountNotFound { .. } => ErrorCode::AccountNotFound,
            VaultError::WrongPassphrase { .. } => ErrorCode::WrongPassphrase,
            VaultError::SignInDelayed { .. } => ErrorCode::SignInDelayed,
            VaultError::PassphraseChangeRequired { .. } => ErrorCode::PassphraseChangeRequired,
            VaultError::Signing(inner) => match inner {
                tingjian_signing::SigningError::WeakPassphrase { .. } => ErrorCode::InvalidInput,
                tingjian_signing::SigningError::WrongPassphrase => ErrorCode::WrongPassphrase,
                _ => ErrorCode::KeyUnusable,
            },
        }
    }

    fn message_zh(&self) -> String {
        match self {
            VaultError::NotADirectory { path } => format!("档案库路径 {} 是一个文件，不是文件夹", path.display()),
            VaultError::ReadOnly { path, .. } => format!("档案库文件夹 {} 不可写（只读或无权限）", path.display()),
            VaultError::SchemaTooNew { path, found, supported } => format!(
                "档案库 {} 的结构版本为 {found}，本程序最高支持 {supported}：请升级听见；档案库未作任何改动",
                path.display()
            ),
            VaultError::NotFound { path } => {
                format!("{} 中没有档案库（可运行 `tingjian init` 新建）", path.display())
            }
            VaultError::AlreadyExists { path } => format!("{} 中已有档案库", path.display()),
            VaultError::Io { path, source } => format!("读写文件 {} 失败：{source}", path.display()),
            VaultError::Database(error) => format!("数据库错误：{error}"),
            VaultError::Corrupt { seq, reason } => format!("无法读取第 {seq} 号事件：{reason}"),
            VaultError::RecordingNotFound { query } => {
                format!("没有与“{query}”对应的录音（请输入投诉编号，或录音哈希的开头几位）")
            }
            VaultError::RecordingAmbiguous { query, count } => {
                format!("“{query}”对应 {count} 条录音，请输入更长的哈希")
            }
            VaultError::ListeningSessionClosed { session_id } => {
                format!("听取记录 {session_id} 已结束或不存在，请重新开始播放")
            }
            VaultError::SpanOutsideRecording { start_ms, end_ms, duration_ms } => {
                format!("播放片段 {start_ms}–{end_ms} 毫秒超出录音长度（{duration_ms} 毫秒）")
            }
            VaultError::Sampling(inner) => inner.message_zh(),
            VaultError::QuarterLocked { quarter, state, action } => {
                format!("{quarter} 季度{}，不能{}", state_zh(*state), action.zh())
            }
            VaultError::NoDraw { quarter } => format!("{quarter} 季度尚未抽样，请先抽样"),
            VaultError::Refused { message_zh, .. } => message_zh.clone(),
            VaultError::ComplaintNotFound { number } => format!("档案库中没有编号为“{number}”的投诉"),
            VaultError::NoteNotFound { id } => format!("找不到笔记 {id}"),
            VaultError::CaseNotFound { id } => format!("找不到整改案件或证据文件 {id}"),
            VaultError::Rectification(inner) => inner.message_zh(),
            VaultError::NotTheAuthor { id, author } => format!("笔记 {id} 由 {author} 所写，只有作者本人可以修改"),
            VaultError::ClockBehind { head_seq, head_at, now } => format!(
                "本机时钟为 {now}，早于第 {head_seq} 号事件的时间 {head_at}：请校正系统时间；本次未记录任何内容"
            ),
            VaultError::SignInRequired { since_seq } => {
                format!("本档案库自第 {since_seq} 号事件起已启用账户：请先登录再操作")
            }
            VaultError::NotAuthorized { actor, kind, message_zh, .. } => {
                format!("{actor} 无权记录 {kind}：{message_zh}")
            }
            VaultError::AccountNotFound { id } => format!("本档案库中没有在职账户“{id}”"),
            VaultError::WrongPassphrase { id, failed_attempts } => {
                format!("{id} 的口令不正确（已连续错误 {failed_attempts} 次）")
            }
            VaultError::SignInDelayed { id, wait_seconds } => {
                format!("{id} 的口令连续错误次数过多，请 {wait_seconds} 秒后再试")
            }
            VaultError::PassphraseChangeRequired { id } => {
                format!("{id} 使用的是一次性口令，须先设置自己的口令")
            }
            VaultError::Signing(inner) => inner.message_zh(),
        }
    }
}
