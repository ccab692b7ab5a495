//! Finding and running the external programs that synthesise, filter and encode the audio.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::DemoError;

/// The programs the generator runs, in the order a newcomer would install them.
pub(crate) const REQUIRED: &[&str] = &["espeak-ng", "sox", "ffmpeg"];

/// Absolute paths of the programs, resolved once so that every call runs the same binary.
#[derive(Debug, Clone)]
pub(crate) struct Toolbox {
    pub espeak: PathBuf,
    pub sox: PathBuf,
    pub ffmpeg: PathBuf,
}

impl Toolbox {
    /// Looks every required program up on `PATH` before any work starts, so that a missing one is
    /// reported by name instead of as a failure halfway through a call.
    pub fn locate() -> Result<Self, DemoError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        Self::locate_in(&path)
    }

    pub fn locate_in(path: &OsStr) -> Result<Self, DemoError> {
        let find =
            |tool: &str| find_on_path(tool, path).ok_or_else(|| DemoError::ToolMissing { tool: tool.to_owned() });
        Ok(Self { espeak: find("espeak-ng")?, sox: find("sox")?, ffmpeg: find("ffmpeg")? })
    }
}

/// The first executable file called `tool` in the directories of a `PATH`-style list.
pub(crate) fn find_on_path(tool: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| candidates(&dir, tool))
        .find(|candidate| is_executable(candidate))
}

fn candidates(dir: &Path, tool: &str) -> Vec<PathBuf> {
    if cfg!(windows) { vec![dir.join(format!("{tool}.exe")), dir.join(tool)] } else { vec![dir.join(tool)] }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs a program to completion and returns its output, turning a non-zero exit into an error that
/// carries the program's own explanation from stderr.
pub(crate) fn run(tool: &str, command: &mut Command) -> Result<Output, DemoError> {
    let output = command.stdin(std::process::Stdio::null()).output().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            DemoError::ToolMissing { tool: tool.to_owned() }
        } else {
            DemoError::ToolFailed {
                tool: tool.to_owned(),
                status: "not started".to_owned(),
                stderr: source.to_string(),
            }
        }
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(DemoError::ToolFailed {
            tool: tool.to_owned(),
            status: output.status.to_string(),
            stderr: tail_of(&String::from_utf8_lossy(&output.stderr), 2000),
        })
    }
}

/// The end of a long stderr, where tools put the line that says what went wrong.
fn tail_of(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    let count = trimmed.chars().count();
    if count <= max_chars { trimmed.to_owned() } else { trimmed.chars().skip(count - max_chars).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_path_names_the_first_missing_tool() {
        let error = Toolbox::locate_in(OsStr::new("")).err();
        assert!(matches!(error, Some(DemoError::ToolMissing { ref tool }) if tool == "espeak-ng"), "{error:?}");
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("缺少工具 espeak-ng / missing tool espeak-ng"), "{message}");
    }

    #[test]
    fn a_path_with_only_some_tools_names_the_missing_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let fake = dir.path().join("espeak-ng");
            std::fs::write(&fake, "#!/bin/sh\n").expect("write fake tool");
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let error = Toolbox::locate_in(dir.path().as_os_str()).err();
            assert!(matches!(error, Some(DemoError::ToolMissing { ref tool }) if tool == "sox"), "{error:?}");
        }
    }

    #[test]
    fn a_failing_tool_reports_its_stderr() {
        let result = run("sh", Command::new("sh").args(["-c", "echo broken codec >&2; exit 3"]));
        match result {
            Err(DemoError::ToolFailed { tool, stderr, .. }) => {
                assert_eq!(tool, "sh");
                assert_eq!(stderr, "broken codec");
            }
            other => panic!("expected ToolFailed, got {other:?}"),
        }
    }

    #[test]
    fn a_long_stderr_keeps_its_end() {
        assert_eq!(tail_of("abcdef", 3), "def");
        assert_eq!(tail_of("  ab \n", 3), "ab");
    }
}
