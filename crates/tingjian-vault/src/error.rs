use std::path::PathBuf;

use tingjian_core::{Coded, ErrorCode};

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
}

impl VaultError {
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
        }
    }
}
