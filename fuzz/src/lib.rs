//! What the fuzz targets share: the readers under test take paths, so each input is written to a
//! scratch file first, and the export targets read it the two ways the app does.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Once;

use tingjian_import::ColumnMapping;

thread_local! {
    /// The last panic's message and place, kept by the hook `run` installs.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs one input through `body`; a panic that escapes it is a finding and aborts the process,
/// which libFuzzer records with the input.
///
/// libfuzzer-sys installs a panic hook that aborts on every panic, even one the code under test
/// catches. tingjian-import and tingjian-audio deliberately contain panics inside the third-party
/// parsers they call (calamine, symphonia, the codec libraries' wrappers) and turn them into coded
/// errors, which is the behaviour under test, so the hook is replaced by one that only remembers
/// the message, and only a panic that reaches this function counts.
pub fn run(body: impl FnOnce()) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // TINGJIAN_FUZZ_SHOW_CAUGHT=1 prints every panic, caught or not, to list what the
        // third-party parsers still panic on (run the target over its corpus with -runs=0).
        let show = std::env::var_os("TINGJIAN_FUZZ_SHOW_CAUGHT").is_some();
        std::panic::set_hook(Box::new(move |info| {
            if show {
                eprintln!("panic: {}", info.to_string().replace('\n', " "));
            }
            LAST_PANIC.with(|last| *last.borrow_mut() = info.to_string());
        }));
    });
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).is_err() {
        eprintln!("{}", LAST_PANIC.with(|last| last.take()));
        std::process::abort();
    }
}

/// Writes `data` to `name` in a scratch directory and returns its path. The same path is
/// overwritten for every input, so a run leaves one small file behind, not millions. The directory
/// is `TINGJIAN_FUZZ_SCRATCH` (which fuzz/run.sh makes and removes), else one of this process's
/// own.
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::var_os("TINGJIAN_FUZZ_SCRATCH").map(PathBuf::from).unwrap_or_else(|| {
        // /dev/shm keeps the writes in memory where it exists, so the disk is not the bottleneck.
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() { base.to_owned() } else { std::env::temp_dir() };
        base.join(format!("tingjian-fuzz-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("the scratch directory can be made");
    let path = dir.join(name);
    std::fs::write(&path, data).expect("the scratch file can be written");
    path
}

/// Reads an export as the import screen does (the preview) and as the import does (every row),
/// with the automatic column mapping. Errors are the expected answer to most inputs; only a panic,
/// an abort, a hang or running out of memory is a finding.
pub fn read_export(path: &Path) {
    let mapping = ColumnMapping::new();
    let _ = tingjian_import::preview_manifest(path, 20, &mapping);
    let (mut rejected, mut warnings) = (Vec::new(), Vec::new());
    let _ = tingjian_import::read_manifest(path, &mapping, &mut rejected, &mut warnings);
}
