//! Exports and recordings folders made to break the import, and the real-world shapes of the
//! 录音文件 column: each is refused or reported with its reason, and nothing stored is lost.

mod common;
use common::{bytes_read_so_far, peak_resident_bytes, sql};

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use tingjian_core::{Coded, ErrorCode};
use tingjian_import::{ExportLimit, ImportReport, ManifestError, import, preview_manifest, read_manifest};
use tingjian_vault::Vault;

fn write_tone(path: &Path, seconds: f32, pitch: f32) {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).expect("mkdir");
    }
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).expect("wav");
    for n in 0..(seconds * 8000.0) as u32 {
        let v = ((n as f32 / 8000.0 * pitch * std::f32::consts::TAU).sin() * 9000.0) as i16;
        writer.write_sample(v).expect("sample");
        writer.write_sample(v / 2).expect("sample");
    }
    writer.finalize().expect("finalize");
}

fn read_error(path: &Path) -> ManifestError {
    read_manifest(path, &Default::default(), &mut Vec::new(), &mut Vec::new()).expect_err("the export is refused")
}

fn events(vault: &Vault) -> i64 {
    sql(vault).query_row("SELECT count(*) FROM events", [], |row| row.get(0)).expect("count")
}

/// Runs the import on another thread and fails the test, instead of hanging it, if it does not
/// finish within a minute.
fn import_within_a_minute(vault_dir: &Path, export: &Path, recordings: &Path) -> ImportReport {
    let (sender, receiver) = mpsc::channel();
    let (vault_dir, export, recordings) = (vault_dir.to_owned(), export.to_owned(), recordings.to_owned());
    std::thread::spawn(move || {
        let mut vault = Vault::open_or_create(&vault_dir, "tester").expect("vault");
        let report = import(&mut vault, &export, &recordings, &Default::default(), &mut |_| {});
        let _ = sender.send(report.map_err(|e| e.to_string()));
    });
    receiver.recv_timeout(Duration::from_secs(60)).expect("the import finishes within a minute").expect("import")
}

#[test]
fn an_xlsx_with_data_in_xfd1048576_is_refused_by_name_instead_of_sized() {
    use rust_xlsxwriter::Workbook;
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "投诉编号").expect("cell");
    sheet.write_string(1_048_575, 16_383, "x").expect("cell");
    workbook.save(&path).expect("save");
    let size = std::fs::metadata(&path).expect("size").len();
    assert!(size < 8 * 1024, "a small file: {size} bytes");

    // Before, calamine made a range of 1,048,576 × 16,384 cells (~550 GB) and the process aborted.
    let error = read_error(&path);
    // Sizing that range would have taken far more memory than the whole test process holds.
    let peak = peak_resident_bytes();
    assert!(peak < 512 << 20, "the refusal held {} MiB", peak >> 20);
    assert!(matches!(&error, ManifestError::TooLarge { limit: ExportLimit::Cell(cell), .. } if cell == "XFD1048576"));
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.to_string().contains("has data in cell XFD1048576, beyond the 256 columns (A to IV)"), "{error}");
    assert!(error.message_zh().contains("单元格 XFD1048576 有数据，超出上限 256 列"), "{}", error.message_zh());
    assert!(preview_manifest(&path, 5, &Default::default()).is_err());

    // Through the import, nothing is recorded.
    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let before = events(&vault);
    let recordings = temp.path().join("rec");
    std::fs::create_dir_all(&recordings).expect("mkdir");
    let refused = import(&mut vault, &path, &recordings, &Default::default(), &mut |_| {}).expect_err("refused");
    assert_eq!(refused.code(), ErrorCode::InvalidInput);
    assert_eq!(events(&vault), before);
}

#[test]
fn formatting_far_from_the_data_is_not_data() {
    use rust_xlsxwriter::{Format, Workbook};
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["投诉编号", "受理时间", "录音文件"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).expect("cell");
    }
    sheet.write_string(1, 0, "TS1").expect("cell");
    sheet.write_string(1, 1, "2026-10-09 09:30").expect("cell");
    // A cell with a format and no value at the far corner, as a sheet someone scrolled and
    // formatted has: the declared dimension is A1:XFD1048576.
    sheet.write_blank(1_048_575, 16_383, &Format::new().set_bold()).expect("blank");
    workbook.save(&path).expect("save");
    let rows = read_manifest(&path, &Default::default(), &mut Vec::new(), &mut Vec::new()).expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].number, "TS1");
    let preview = preview_manifest(&path, 5, &Default::default()).expect("preview");
    assert_eq!(preview.rows, [["TS1", "2026-10-09 09:30", ""]]);
}

#[test]
fn an_xlsx_that_claims_to_unpack_to_gigabytes_is_refused_before_unpacking() {
    use rust_xlsxwriter::Workbook;
    let temp = tempfile::tempdir().expect("tempdir");
    let honest = temp.path().join("honest.xlsx");
    let mut workbook = Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "投诉编号").expect("cell");
    workbook.save(&honest).expect("save");
    // The central directory entry of the worksheet now declares 4 GiB unpacked, as a ZIP bomb's
    // does (the ZIP reader holds each part to its declared size, so the declaration is the bound).
    let mut bytes = std::fs::read(&honest).expect("read");
    let name = b"xl/worksheets/sheet1.xml";
    let entry = (0..bytes.len() - 46)
        .find(|&at| bytes[at..at + 4] == [0x50, 0x4b, 0x01, 0x02] && bytes[at + 46..].starts_with(name))
        .expect("the worksheet's directory entry");
    bytes[entry + 24..entry + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let bomb = temp.path().join("bomb.xlsx");
    std::fs::write(&bomb, bytes).expect("write");
    let error = read_error(&bomb);
    assert!(matches!(error, ManifestError::TooLarge { limit: ExportLimit::Unpacked(_), .. }), "{error}");
    assert!(error.to_string().contains("unpacks to 4 GiB, more than the 1 GiB Tingjian reads"), "{error}");
    assert!(error.message_zh().contains("解压后为 4 GiB，超过上限 1 GiB"), "{}", error.message_zh());
}

#[test]
fn an_old_binary_xls_is_refused_with_what_to_do() {
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.xls");
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(1536, 0);
    std::fs::write(&path, bytes).expect("write");
    let error = read_error(&path);
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.to_string().contains("Excel 97–2003 workbook (.xls)"), "{error}");
    assert!(error.to_string().contains("save it as .xlsx or .csv"), "{error}");
    assert!(error.message_zh().contains("请另存为 .xlsx 或 .csv 后再导入"), "{}", error.message_zh());
}

#[test]
fn csv_exports_past_the_row_column_and_size_limits_are_refused_with_the_place_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    // A row of 300 filled fields.
    let wide = temp.path().join("wide.csv");
    let many = vec!["x"; 300].join(",");
    std::fs::write(&wide, format!("投诉编号,受理时间\n{many}\n")).expect("write");
    let error = read_error(&wide);
    assert!(
        matches!(error, ManifestError::TooLarge { limit: ExportLimit::Columns { row: 2, columns: 300 }, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("row 2 of the complaint export"), "{error}");
    assert!(error.message_zh().contains("第 2 行有 300 列，超过上限 256 列"), "{}", error.message_zh());

    // Fields padded with thousands of empty ones (a sheet saved as CSV with a formatted far
    // column) are read: only filled cells count.
    let padded = temp.path().join("padded.csv");
    let pad = ",".repeat(20_000);
    std::fs::write(&padded, format!("投诉编号,受理时间{pad}\nTS1,2026-10-09 09:30{pad}\n")).expect("write");
    let rows = read_manifest(&padded, &Default::default(), &mut Vec::new(), &mut Vec::new()).expect("read");
    assert_eq!(rows.len(), 1);

    // One row past what Excel allows (the header and 1,048,576 rows of data).
    let long = temp.path().join("long.csv");
    let mut text = String::from("投诉编号,受理时间\n");
    text.push_str(&"x\n".repeat(1_048_576));
    std::fs::write(&long, text).expect("write");
    let error = read_error(&long);
    assert!(matches!(error, ManifestError::TooLarge { limit: ExportLimit::Row(1_048_577), .. }), "{error}");
    assert!(error.to_string().contains("has data in row 1048577, beyond the 1048576 rows"), "{error}");

    // A 600 MiB file is refused from its size (a sparse file: nothing is written or read).
    let huge = temp.path().join("huge.csv");
    std::fs::File::create(&huge).expect("create").set_len(600 << 20).expect("sparse");
    let read_before = bytes_read_so_far();
    let error = read_error(&huge);
    let read = bytes_read_so_far() - read_before;
    assert!(read < 1 << 20, "{read} bytes were read to refuse a 600 MiB export");
    assert!(error.to_string().contains("is 600 MiB, more than the 512 MiB Tingjian reads"), "{error}");
    assert!(error.message_zh().contains("大小为 600 MiB，超过上限 512 MiB"), "{}", error.message_zh());
}

#[cfg(unix)]
#[test]
fn folder_links_are_not_followed_so_two_links_to_dot_do_not_loop() {
    use std::os::unix::fs::symlink;
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings = temp.path().join("rec");
    write_tone(&recordings.join("call.wav"), 0.5, 440.0);
    symlink(".", recordings.join("a")).expect("link");
    symlink(".", recordings.join("b")).expect("link");
    // A folder elsewhere, linked in, and a file elsewhere, linked in.
    let elsewhere = temp.path().join("elsewhere");
    write_tone(&elsewhere.join("far.wav"), 0.7, 330.0);
    symlink(&elsewhere, recordings.join("linked-folder")).expect("link");
    symlink(elsewhere.join("far.wav"), recordings.join("far-link.wav")).expect("link");
    // A link to a device is not a recording, and is never read.
    symlink("/dev/zero", recordings.join("zero.wav")).expect("link");
    let export = temp.path().join("export.csv");
    std::fs::write(&export, "投诉编号,受理时间,录音文件\nTS1,2026-10-09 09:30,call.wav\n").expect("write");

    let report = import_within_a_minute(&temp.path().join("vault"), &export, &recordings);
    assert_eq!(report.recordings_added, 2, "call.wav and the file the link points to");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let skipped: Vec<&str> = report
        .warnings
        .iter()
        .filter(|w| w.reason_en.starts_with("a link to a folder, not followed"))
        .map(|w| w.source.as_str())
        .collect();
    assert_eq!(skipped, ["a", "b", "linked-folder"]);
    assert!(report.warnings.iter().all(|w| !w.reason_zh.is_empty()));
    assert_eq!(report.recordings_without_complaint, ["far-link.wav"]);
}

#[test]
fn a_recording_over_2_gib_is_rejected_from_its_size_and_the_rest_imports() {
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings = temp.path().join("rec");
    write_tone(&recordings.join("good.wav"), 0.5, 440.0);
    let huge = recordings.join("huge.wav");
    std::fs::copy(recordings.join("good.wav"), &huge).expect("copy");
    std::fs::OpenOptions::new().write(true).open(&huge).expect("open").set_len(3 << 30).expect("sparse");
    let export = temp.path().join("export.csv");
    std::fs::write(&export, "投诉编号,受理时间,录音文件\nTS1,2026-10-09 09:30,good.wav\n").expect("write");
    let read_before = bytes_read_so_far();
    let report = import_within_a_minute(&temp.path().join("vault"), &export, &recordings);
    let read = bytes_read_so_far() - read_before;
    // The import reads the export, the small call (twice: hash and decode) and the vault's files.
    assert!(read < 64 << 20, "{read} bytes were read: the 3 GiB file was read");
    assert_eq!(report.recordings_added, 1);
    assert_eq!(report.rejected.len(), 1, "{:?}", report.rejected);
    assert_eq!(report.rejected[0].source, "huge.wav");
    assert!(report.rejected[0].reason_en.contains("the file is 3 GiB, more than the 2 GiB a recording may have"));
    assert!(report.rejected[0].reason_zh.contains("文件大小 3 GiB，超过录音文件上限 2 GiB"));
}

/// The recording each complaint is linked to, by its name in the folder.
fn linked(vault: &Vault, number: &str) -> Option<String> {
    sql(vault)
        .query_row(
            "SELECT r.original_name FROM complaints c LEFT JOIN recordings r ON r.hash = c.recording_hash WHERE c.number = ?1",
            [number],
            |row| row.get(0),
        )
        .expect("complaint")
}

#[test]
fn the_recording_column_links_as_recorders_write_it_and_reports_what_it_cannot() {
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings = temp.path().join("rec");
    let mut pitch = 200.0;
    let mut tone = |relative: &str| {
        pitch += 37.0;
        write_tone(&recordings.join(relative), 0.4, pitch);
    };
    tone("2026Q4/aac.m4a");
    tone("录音/alaw_8k.wav");
    tone("44k_stereo.mp3");
    tone("gsm_call.wav");
    tone("2026Q3/same.wav");
    tone("2026Q4/same.wav");
    tone("a/twice.wav");
    tone("b/twice.wav");
    tone("call.wav");
    tone("call.mp3");
    std::fs::write(recordings.join("broken.wav"), "这不是录音").expect("write");
    // The same bytes under two names are one recording, not an ambiguity.
    tone("copy/one.wav");
    std::fs::create_dir_all(recordings.join("copy2")).expect("mkdir");
    std::fs::copy(recordings.join("copy/one.wav"), recordings.join("copy2/one.wav")).expect("copy");

    let export = temp.path().join("export.csv");
    std::fs::write(
        &export,
        "投诉编号,受理时间,录音文件\n\
TS01,2026-10-09 09:30,D:\\录音\\2026Q4\\aac.m4a\n\
TS02,2026-10-09 09:30,录音/alaw_8k.wav\n\
TS03,2026-10-09 09:30,44K_STEREO.MP3\n\
TS04,2026-10-09 09:30,gsm_call\n\
TS05,2026-10-09 09:30,\\\\recorder\\share\\2026Q3\\same.wav\n\
TS06,2026-10-09 09:30,twice.wav\n\
TS07,2026-10-09 09:30,CALL\n\
TS08,2026-10-09 09:30,D:\\录音\\lost.wav\n\
TS09,2026-10-09 09:30,broken.wav\n\
TS10,2026-10-09 09:30,one.wav\n\
TS11,2026-10-09 09:30,\n",
    )
    .expect("write");
    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let report = import(&mut vault, &export, &recordings, &Default::default(), &mut |_| {}).expect("import");

    assert_eq!(linked(&vault, "TS01").as_deref(), Some("2026Q4/aac.m4a"), "a Windows path, by its last part");
    assert_eq!(linked(&vault, "TS02").as_deref(), Some("录音/alaw_8k.wav"), "a relative path");
    assert_eq!(linked(&vault, "TS03").as_deref(), Some("44k_stereo.mp3"), "another letter case");
    assert_eq!(linked(&vault, "TS04").as_deref(), Some("gsm_call.wav"), "no extension, one file");
    assert_eq!(linked(&vault, "TS05").as_deref(), Some("2026Q3/same.wav"), "the folder in the path decides");
    assert_eq!(linked(&vault, "TS06"), None, "two different twice.wav: not guessed");
    assert_eq!(linked(&vault, "TS07"), None, "call.wav and call.mp3: not guessed");
    assert_eq!(linked(&vault, "TS08"), None);
    assert_eq!(linked(&vault, "TS09"), None);
    assert!(linked(&vault, "TS10").is_some_and(|name| name.ends_with("one.wav")), "same bytes, one recording");
    assert_eq!(report.complaints_without_recording, ["TS06", "TS07", "TS08", "TS09", "TS11"]);

    let warning = |source: &str| {
        report.warnings.iter().find(|w| w.source == source).unwrap_or_else(|| panic!("{source}: {:?}", report.warnings))
    };
    // Row numbers as a spreadsheet shows them: the header is row 1, TS06 is row 7.
    let twice = warning("export.csv:7");
    assert!(
        twice
            .reason_en
            .contains("\"twice.wav\" of complaint TS06 matches several different files (a/twice.wav, b/twice.wav)"),
        "{}",
        twice.reason_en
    );
    assert!(twice.reason_zh.contains("对应多个不同的文件（a/twice.wav、b/twice.wav）"), "{}", twice.reason_zh);
    let call = warning("export.csv:8");
    assert!(call.reason_en.contains("(call.mp3, call.wav)"), "{}", call.reason_en);
    let lost = warning("export.csv:9");
    assert_eq!(
        lost.reason_en,
        "recording file \"D:\\录音\\lost.wav\" of complaint TS08 is not in the recordings folder; find it and import again"
    );
    assert!(lost.reason_zh.contains("投诉 TS08 的录音文件“D:\\录音\\lost.wav”不在录音文件夹中"), "{}", lost.reason_zh);
    let broken = warning("export.csv:10");
    assert!(
        broken.reason_en.contains("(broken.wav) was not imported; the rejected files say why"),
        "{}",
        broken.reason_en
    );
    assert!(report.rejected.iter().any(|r| r.source == "broken.wav"));
    // A complaint that names no file has nothing to find, and no warning.
    assert!(report.warnings.iter().all(|w| w.source != "export.csv:12"));
    // Every message is written for a person.
    for item in report.warnings.iter().chain(&report.rejected) {
        for text in [&item.reason_zh, &item.reason_en] {
            assert!(!text.contains("Some(") && !text.contains("None"), "{text}");
        }
    }
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn a_truncated_recording_is_described_in_seconds_not_in_debug_form() {
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings = temp.path().join("rec");
    write_tone(&recordings.join("whole.wav"), 1.5, 440.0);
    let whole = std::fs::read(recordings.join("whole.wav")).expect("read");
    std::fs::write(recordings.join("cut.wav"), &whole[..whole.len() / 2]).expect("write");
    std::fs::remove_file(recordings.join("whole.wav")).expect("remove");
    let export = temp.path().join("export.csv");
    std::fs::write(&export, "投诉编号,受理时间,录音文件\nTS1,2026-10-09 09:30,cut.wav\n").expect("write");
    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let report = import(&mut vault, &export, &recordings, &Default::default(), &mut |_| {}).expect("import");
    let warning = report.warnings.iter().find(|w| w.source == "cut.wav").expect("a warning");
    assert_eq!(
        warning.reason_en,
        "recording may be truncated: the header says it lasts 1.5 seconds, only 0.7 seconds decode"
    );
    assert_eq!(warning.reason_zh, "录音可能被截断：文件头声明时长 1.5 秒，实际只能解码出 0.7 秒");
}

#[test]
fn error_cells_read_as_excel_shows_them() {
    use rust_xlsxwriter::{Formula, Workbook};
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, header) in ["投诉编号", "受理时间", "投诉摘要"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).expect("cell");
    }
    sheet.write_string(1, 0, "TS1").expect("cell");
    sheet.write_string(1, 1, "2026-10-09 09:30").expect("cell");
    sheet.write_formula(1, 2, Formula::new("=1/0").set_result("#DIV/0!")).expect("cell");
    workbook.save(&path).expect("save");
    let rows = read_manifest(&path, &Default::default(), &mut Vec::new(), &mut Vec::new()).expect("read");
    assert_eq!(rows[0].summary, "#DIV/0!");
}
