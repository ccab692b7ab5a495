//! Real exports and recordings, in the shapes complaint systems and call recorders produce them,
//! imported into real vaults.

mod common;
use common::sql;

use std::path::{Path, PathBuf};

use tingjian_import::{ImportReport, import, read_manifest};
use tingjian_vault::Vault;

fn read(path: &Path) -> (Vec<tingjian_core::model::Complaint>, Vec<String>, Vec<String>) {
    let mut rejected = Vec::new();
    let mut warnings = Vec::new();
    let rows = read_manifest(path, &Default::default(), &mut rejected, &mut warnings).expect("the export is readable");
    let show = |list: Vec<tingjian_import::Rejected>| {
        list.into_iter().map(|r| format!("{} {}", r.source, r.reason_en)).collect::<Vec<_>>()
    };
    (rows, show(rejected), show(warnings))
}

const TITLE_AND_HEADER: &str = "某某银行分行投诉工单导出\n导出时间：2026-11-28 17:00,,,\n\
投诉单号,受理时间,投诉渠道,业务类型,投诉类型,责任部门,投诉人,联系方式,首次响应时间,结案时间,状态,录音文件名,是否监管转办,投诉内容\n";

#[test]
fn a_gbk_export_with_a_title_row_and_variant_headers_is_read() {
    let temp = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "{TITLE_AND_HEADER}\
TS001,2026/10/9 9:30,客服热线,信用卡,收费定价,信用卡中心,张三,13800001111,2026/10/9 9:50,2026/10/15 17:00,已办结,a.wav,否,\"年费争议，客户称\n未被告知\"\n\
TS002,2026-11-02 14:05:00,监管转办,个人贷款,业务规则,个人信贷部,李四,13900002222,2026-11-02 15:30:00,,处理中,b.mp3,是,提前还款违约金\n"
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let path = temp.path().join("投诉导出.csv");
    std::fs::write(&path, &gbk).expect("write");
    let (rows, rejected, warnings) = read(&path);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].number, "TS001");
    assert_eq!(rows[0].accepted_at, "2026-10-09T01:30:00.000000Z");
    assert_eq!(rows[0].department, "信用卡中心");
    assert_eq!(rows[0].customer_name, "张三");
    assert_eq!(rows[0].summary, "年费争议，客户称\n未被告知");
    assert_eq!(rows[1].resolved_at, None);
    assert!(rows[1].regulator_forwarded);
    assert!(!rows[0].regulator_forwarded);
}

#[test]
fn bad_rows_are_listed_with_their_row_number_and_reason() {
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.csv");
    std::fs::write(
        &path,
        format!(
            "\u{feff}{TITLE_AND_HEADER}\
TS001,2026-10-09 09:30,客服热线,信用卡,收费定价,信用卡中心,张三,138,2026-10-09 09:50,,处理中,,否,甲\n\
,2026-10-09 09:30,客服热线,信用卡,收费定价,信用卡中心,张三,138,,,处理中,,否,没有编号\n\
TS003,上周三,客服热线,信用卡,收费定价,信用卡中心,张三,138,,,处理中,,否,日期不对\n\
TS001,2026-10-09 09:30,客服热线,信用卡,收费定价,信用卡中心,张三,138,2026-10-09 09:50,,处理中,,否,甲\n\
TS001,2026-10-09 09:30,客服热线,信用卡,收费定价,城东支行,张三,138,2026-10-09 09:50,,处理中,,否,甲\n\
TS006,2026-10-09 09:30,客服热线,信用卡,收费定价,信用卡中心,张三,138,2026-10-09 08:50,,处理中,,否,早于受理\n\
,,,,,,,,,,,,,\n"
        ),
    )
    .expect("write");
    let (rows, rejected, warnings) = read(&path);
    assert_eq!(rows.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(), ["TS001", "TS006"]);
    // Rows as a spreadsheet numbers them: title (1), export date (2), header (3), data from 4.
    assert_eq!(
        rejected,
        [
            "export.csv:5 no complaint number",
            "export.csv:6 acceptance time \"上周三\" cannot be read",
            "export.csv:8 complaint number TS001 repeats row 4 with different content",
        ]
    );
    assert_eq!(
        warnings,
        [
            "export.csv:7 repeats row 4 with the same content; imported once",
            "export.csv:9 the first response is before the acceptance",
        ]
    );
}

#[test]
fn an_xlsx_export_with_date_cells_is_read() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let date_format = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    sheet.write_string(0, 0, "2026年第四季度投诉明细").expect("cell");
    let headers = ["投诉编号", "受理时间", "责任机构", "首次响应时间", "录音文件", "是否监管转办", "投诉摘要"];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(2, column as u16, *header).expect("cell");
    }
    let accepted = ExcelDateTime::parse_from_str("2026-10-09 13:30:00").expect("date");
    let responded = ExcelDateTime::parse_from_str("2026-10-09 14:05:00").expect("date");
    sheet.write_number(3, 0, 2026100901.0).expect("cell");
    sheet.write_datetime_with_format(3, 1, &accepted, &date_format).expect("cell");
    sheet.write_string(3, 2, "城西支行").expect("cell");
    sheet.write_datetime_with_format(3, 3, &responded, &date_format).expect("cell");
    sheet.write_string(3, 4, "call.flac").expect("cell");
    sheet.write_boolean(3, 5, true).expect("cell");
    sheet.write_string(3, 6, "客户反映网点拒收零钞").expect("cell");
    workbook.save(&path).expect("save xlsx");

    let (rows, rejected, _) = read(&path);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].number, "2026100901");
    assert_eq!(rows[0].accepted_at, "2026-10-09T05:30:00.000000Z");
    assert_eq!(rows[0].first_response_at.as_deref(), Some("2026-10-09T06:05:00.000000Z"));
    assert_eq!(rows[0].department, "城西支行");
    assert!(rows[0].regulator_forwarded);
}

fn write_tone(path: &Path, seconds: f32) {
    let spec =
        hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut writer = hound::WavWriter::create(path, spec).expect("wav");
    for n in 0..(seconds * 8000.0) as u32 {
        let v = ((n as f32 / 8000.0 * 440.0 * std::f32::consts::TAU).sin() * 9000.0) as i16;
        writer.write_sample(v).expect("sample");
        writer.write_sample(v / 2).expect("sample");
    }
    writer.finalize().expect("finalize");
}

fn import_into(vault: &mut Vault, export: &Path, recordings: &Path) -> ImportReport {
    import(vault, export, recordings, &Default::default(), &mut |_| {}).expect("the import runs")
}

#[test]
fn broken_recordings_are_rejected_with_reasons_and_good_ones_still_import() {
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings: PathBuf = temp.path().join("rec");
    std::fs::create_dir_all(recordings.join("sub")).expect("mkdir");
    write_tone(&recordings.join("good.wav"), 1.5);
    write_tone(&recordings.join("sub/nested.wav"), 0.5);
    std::fs::write(recordings.join("empty.wav"), b"").expect("write");
    std::fs::write(recordings.join("notes.txt.wav"), "这不是录音 / not audio").expect("write");
    // A WAV header that claims a sample rate of 0: probes "OK" in symphonia, must be rejected.
    let mut zero_rate = std::fs::read(recordings.join("good.wav")).expect("read");
    zero_rate[24..28].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(recordings.join("zero-rate.wav"), zero_rate).expect("write");
    // Half of a WAV file: the data chunk promises more frames than there are.
    let whole = std::fs::read(recordings.join("good.wav")).expect("read");
    std::fs::write(recordings.join("cut.wav"), &whole[..whole.len() / 2]).expect("write");

    let export = temp.path().join("export.csv");
    std::fs::write(
        &export,
        "投诉编号,受理时间,责任机构,录音文件\nTS1,2026-10-09 09:30,信用卡中心,good.wav\nTS2,2026-10-10 10:00,城东支行,sub/nested.wav\nTS3,2026-10-11 10:00,城西支行,missing.wav\n",
    )
    .expect("write");
    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let report = import_into(&mut vault, &export, &recordings);

    let reasons: Vec<(String, String)> =
        report.rejected.iter().map(|r| (r.source.clone(), r.reason_en.clone())).collect();
    let reason_of = |name: &str| reasons.iter().find(|(s, _)| s == name).map(|(_, r)| r.clone()).unwrap_or_default();
    assert!(reason_of("empty.wav").contains("empty"), "{reasons:?}");
    assert!(reason_of("notes.txt.wav").contains("not a recognised audio file"), "{reasons:?}");
    assert!(reason_of("zero-rate.wav").contains("the sample rate is 0 Hz"), "{reasons:?}");
    assert_eq!(report.rejected.len(), 3, "{reasons:?}");
    assert!(
        report.warnings.iter().any(|w| w.source == "cut.wav" && w.reason_en.contains("truncated")),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.recordings_added, 3, "good, nested and the truncated one");
    assert_eq!(report.links_added, 2);
    assert_eq!(report.complaints_without_recording, ["TS3"]);
    assert_eq!(report.recordings_without_complaint, ["cut.wav"]);
    let duration: i64 = sql(&vault)
        .query_row("SELECT duration_ms FROM recordings WHERE original_name = 'good.wav'", [], |r| r.get(0))
        .expect("stored");
    assert_eq!(duration, 1500);
    // The same decode left call analytics with the recording and its waveform peaks in the cache.
    let (hash, analytics): (String, String) = sql(&vault)
        .query_row("SELECT hash, analytics FROM recordings WHERE original_name = 'good.wav'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("stored");
    let analytics: tingjian_core::analytics::CallAnalytics = serde_json::from_str(&analytics).expect("analytics JSON");
    assert_eq!(analytics.channels.len(), 2);
    let peaks = tingjian_audio::Peaks::from_bytes(&std::fs::read(vault.peaks_path(&hash)).expect("peaks cached"))
        .expect("peaks parse");
    assert_eq!((peaks.channels, peaks.frames), (2, 12_000));
    assert!(vault.verify().expect("verify").ok);

    let again = import_into(&mut vault, &export, &recordings);
    assert!(again.changed_nothing());
    assert_eq!(again.recordings_unchanged, 3);
}

#[test]
fn a_file_name_pattern_links_recordings_the_export_does_not_name() {
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings = temp.path().join("rec");
    std::fs::create_dir_all(&recordings).expect("mkdir");
    write_tone(&recordings.join("TS2026100301_0932.wav"), 0.5);
    write_tone(&recordings.join("TS2026100302_1410.wav"), 0.7);
    let export = temp.path().join("export.csv");
    std::fs::write(
        &export,
        "投诉编号,受理时间,录音文件\nTS2026100301,2026-10-03 09:30,\nTS2026100302,2026-10-03 14:10,\nTS2026100303,2026-10-03 16:00,\n",
    )
    .expect("write");

    let mut plain = Vault::create(&temp.path().join("plain"), "tester").expect("vault");
    let report = import_into(&mut plain, &export, &recordings);
    assert_eq!(report.links_added, 0);
    assert_eq!(report.recordings_without_complaint.len(), 2);

    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let options = tingjian_import::ImportOptions {
        link_pattern: Some(regex::Regex::new(r"(TS\d{10})_").expect("regex")),
        ..Default::default()
    };
    let report = import(&mut vault, &export, &recordings, &options, &mut |_| {}).expect("import");
    assert_eq!(report.links_added, 2);
    assert_eq!(report.complaints_without_recording, ["TS2026100303"]);
    assert!(report.recordings_without_complaint.is_empty(), "{:?}", report.recordings_without_complaint);
    let linked: String = sql(&vault)
        .query_row(
            "SELECT r.original_name FROM complaints c JOIN recordings r ON r.hash = c.recording_hash WHERE c.number = 'TS2026100302'",
            [],
            |row| row.get(0),
        )
        .expect("linked");
    assert_eq!(linked, "TS2026100302_1410.wav");
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn the_preview_shows_the_header_found_below_the_title_and_how_columns_map() {
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.csv");
    std::fs::write(
        &path,
        format!("{TITLE_AND_HEADER}TS1,2026-10-09 09:30,客服热线,信用卡,收费定价,信用卡中心,张三,138,,,处理中,,否,甲\n,,,,,,,,,,,,,\n"),
    )
    .expect("write");
    let preview = tingjian_import::preview_manifest(&path, 5, &Default::default()).expect("preview");
    assert_eq!(preview.header_row, 3);
    assert_eq!(preview.total_rows, 1);
    assert_eq!(preview.columns[0].header, "投诉单号");
    assert_eq!(preview.columns[0].field.as_deref(), Some("投诉编号"));
    assert_eq!(preview.columns[5].field.as_deref(), Some("责任机构"));
    assert_eq!(preview.rows[0][0], "TS1");
}

#[test]
fn the_preview_masks_customers_names_phones_and_numbers_in_summaries() {
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.csv");
    std::fs::write(
        &path,
        format!(
            "{TITLE_AND_HEADER}TS1,2026-10-09 09:30,客服热线,信用卡,收费定价,信用卡中心,张三丰,13800001234,,,处理中,,否,客户留了卡号6222021234567894\n"
        ),
    )
    .expect("write");
    let preview = tingjian_import::preview_manifest(&path, 5, &Default::default()).expect("preview");
    let row = &preview.rows[0];
    assert_eq!((row[0].as_str(), row[1].as_str()), ("TS1", "2026-10-09 09:30"), "numbers and dates stay");
    assert_eq!(row[6], "张**");
    assert_eq!(row[7], "138****1234");
    assert_eq!(row[13], "客户留了卡号622202******7894");
    // The import itself reads the real values: only what is shown is masked.
    let (mut rejected, mut warnings) = (Vec::new(), Vec::new());
    let read = read_manifest(&path, &Default::default(), &mut rejected, &mut warnings).expect("read");
    assert_eq!((read[0].customer_name.as_str(), read[0].phone.as_str()), ("张三丰", "13800001234"));
}

#[test]
fn a_corrected_mapping_is_used_saved_through_the_log_and_reused_next_time() {
    let temp = tempfile::tempdir().expect("tempdir");
    let recordings = temp.path().join("rec");
    std::fs::create_dir_all(&recordings).expect("mkdir");
    let export = temp.path().join("export.csv");
    // A system that calls the number 单据号 and the department 处理网点: neither is known.
    std::fs::write(&export, "单据号,受理时间,处理网点,备注\nD-001,2026-10-09 09:30,城南支行,客户来电\n")
        .expect("write");

    let unknown = tingjian_import::preview_manifest(&export, 5, &Default::default());
    assert!(unknown.is_err(), "without a mapping there is no complaint-number column");

    let mut mapping = tingjian_import::ColumnMapping::new();
    mapping.insert("单据号".to_owned(), Some("投诉编号".to_owned()));
    mapping.insert("处理网点".to_owned(), Some("责任机构".to_owned()));
    mapping.insert("备注".to_owned(), None);
    let preview = tingjian_import::preview_manifest(&export, 5, &mapping).expect("preview");
    let fields: Vec<Option<&str>> = preview.columns.iter().map(|c| c.field.as_deref()).collect();
    assert_eq!(fields, [Some("投诉编号"), Some("受理时间"), Some("责任机构"), None]);
    assert!(preview.fields.contains(&"投诉摘要".to_owned()));

    let mut vault = Vault::create(&temp.path().join("vault"), "tester").expect("vault");
    let options =
        tingjian_import::ImportOptions { mapping: Some(mapping.clone()), save_mapping: true, ..Default::default() };
    let report = import(&mut vault, &export, &recordings, &options, &mut |_| {}).expect("import");
    assert_eq!(report.complaints_added, 1);
    assert_eq!(tingjian_import::saved_mapping(&vault).expect("saved"), mapping);
    let department: String = sql(&vault)
        .query_row("SELECT department FROM complaints WHERE number = 'D-001'", [], |r| r.get(0))
        .expect("row");
    assert_eq!(department, "城南支行");

    // Next time the saved mapping applies by itself.
    std::fs::write(&export, "单据号,受理时间,处理网点,备注\nD-002,2026-10-10 10:00,城北支行,\n").expect("write");
    let report = import_into(&mut vault, &export, &recordings);
    assert_eq!(report.complaints_added, 1);
    let saved_events: i64 = sql(&vault)
        .query_row("SELECT count(*) FROM events WHERE kind = 'import_mapping_saved'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(saved_events, 1);
    assert!(vault.verify().expect("verify").ok);
}

#[test]
fn a_dispatch_time_column_starts_the_response_clock_and_one_before_acceptance_is_warned() {
    let temp = tempfile::tempdir().expect("tempdir");
    let path = temp.path().join("export.csv");
    std::fs::write(
        &path,
        "投诉编号,受理时间,派单时间,首次响应时间,责任机构,投诉摘要\n\
         TS1,2026-10-09 09:00,2026-10-09 09:10,2026-10-09 10:10,信用卡中心,甲\n\
         TS2,2026-10-09 09:00,2026-10-09 08:00,,信用卡中心,乙\n",
    )
    .expect("write");
    let (mut rejected, mut warnings) = (Vec::new(), Vec::new());
    let read = read_manifest(&path, &Default::default(), &mut rejected, &mut warnings).expect("read");
    assert_eq!(read[0].dispatched_at.as_deref(), Some("2026-10-09T01:10:00.000000Z"), "branch time, stored in UTC");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].reason_zh.contains("转办时间早于受理时间"), "{warnings:?}");
}

/// The handling limits an export records (办理时限, 是否延期, 延期原因, 延期审批人) become extensions:
/// 30 days; "是否延期 = 是" as 30; 60 with its approver; 60 without one as 30 with a warning; a
/// limit the rule does not allow left at 15 with a warning. A second import of the same export
/// records nothing again, and the vault verifies.
#[test]
fn an_exports_handling_limits_are_recorded_as_extensions() {
    let temp = tempfile::tempdir().expect("tempdir");
    let export = temp.path().join("limits.csv");
    std::fs::write(
        &export,
        "投诉编号,受理时间,责任机构,办理时限,是否延期,延期原因,延期审批人\n\
L1,2026-10-09 09:00,信用卡中心,30日,是,需调取多个网点的监控录像,\n\
L2,2026-10-09 10:00,信用卡中心,,是,,\n\
L3,2026-10-09 11:00,城东支行,60,是,涉及总行系统改造,总行消保部 王某\n\
L4,2026-10-09 12:00,城东支行,60,是,情况特别复杂,\n\
L5,2026-10-09 13:00,城西支行,45,是,,\n\
L6,2026-10-09 14:00,城西支行,15,否,,\n",
    )
    .expect("write");
    let recordings = temp.path().join("recordings");
    std::fs::create_dir(&recordings).expect("folder");
    let mut vault = Vault::create(&temp.path().join("v"), "li").expect("create");
    let report = import_into(&mut vault, &export, &recordings);
    assert_eq!(report.extensions_recorded, 4, "{report:#?}");
    let warned: Vec<&str> = report.warnings.iter().map(|w| w.source.as_str()).collect();
    assert_eq!(warned, ["limits.csv:5", "limits.csv:6"], "{:#?}", report.warnings);
    assert!(report.warnings[0].reason_en.contains("imported as 30 days"), "{:?}", report.warnings[0]);
    assert!(report.warnings[1].reason_en.contains("45 days"), "{:?}", report.warnings[1]);

    let limit = |number: &str| {
        let clocks = vault.complaint_clocks(number).expect("clocks");
        (clocks.limit_days, clocks.extension.map(|e| (e.reason, e.approver)))
    };
    assert_eq!(limit("L1"), (30, Some(("需调取多个网点的监控录像".to_owned(), None))));
    assert_eq!(limit("L2"), (30, Some(("导出文件记载办理时限 30 日".to_owned(), None))));
    assert_eq!(limit("L3"), (60, Some(("涉及总行系统改造".to_owned(), Some("总行消保部 王某".to_owned())))));
    assert_eq!(limit("L4"), (30, Some(("情况特别复杂".to_owned(), None))));
    assert_eq!(limit("L5"), (15, None));
    assert_eq!(limit("L6"), (15, None));

    let again = import_into(&mut vault, &export, &recordings);
    assert_eq!(again.extensions_recorded, 0, "the vault already holds these limits");
    assert!(vault.verify().expect("verify").ok, "the extensions replay");
}
