//! Inputs the export fuzz targets (fuzz/fuzz_targets/{csv_export,xlsx_export}.rs) found, each read
//! through the same entry points the targets use: the import's preview and the import's reading
//! of every row. None may panic; each is refused with a coded error naming the file.

use std::path::{Path, PathBuf};

use tingjian_core::{Coded, ErrorCode};
use tingjian_import::{ManifestError, preview_manifest, read_manifest};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashes").join(name)
}

/// The preview's and the import's errors for the export, which must be the same.
fn refusal(path: &Path) -> ManifestError {
    let previewed = preview_manifest(path, 20, &Default::default()).expect_err("the preview refuses it");
    let read =
        read_manifest(path, &Default::default(), &mut Vec::new(), &mut Vec::new()).expect_err("the import refuses it");
    assert_eq!(previewed.to_string(), read.to_string());
    assert_eq!(read.code(), ErrorCode::InvalidInput);
    assert!(read.message_zh().contains(&path.display().to_string()), "{}", read.message_zh());
    read
}

/// A worksheet cell whose reference is `dStrings+xml`: eight column letters make a column number
/// past `u32`, which overflows inside calamine and panics where overflow checks are on (this
/// test's build). The spreadsheet is refused as unreadable, naming the reader's failure; a build
/// that wraps instead gets a column beyond IV or no header, and refuses it for that.
#[test]
fn a_cell_reference_that_overflows_the_column_number_is_refused_not_a_panic() {
    let path = fixture("column-letters-overflow.xlsx");
    let error = refusal(&path);
    if cfg!(debug_assertions) {
        let ManifestError::Spreadsheet { reason, .. } = &error else { panic!("{error:?}") };
        assert!(reason.contains("the spreadsheet reader failed on its contents"), "{reason}");
        assert!(reason.contains("overflow"), "{reason}");
    }
}

/// The other places where the fuzzer's corpus reaches unchecked arithmetic in calamine's reading of
/// a worksheet, made by hand from a seed of the xlsx_export target: a row number past `u32`
/// (`A99999999999`) and a `<dimension>` whose end comes before its start (`E4:A1`). Both are
/// refused like the column above.
#[test]
fn a_row_number_past_u32_and_a_reversed_dimension_are_refused_not_a_panic() {
    for name in ["row-number-overflow.xlsx", "reversed-dimension.xlsx"] {
        let error = refusal(&fixture(name));
        if cfg!(debug_assertions) {
            let ManifestError::Spreadsheet { reason, .. } = &error else { panic!("{name}: {error:?}") };
            assert!(reason.contains("overflow"), "{name}: {reason}");
        }
    }
}
