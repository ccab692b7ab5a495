//! The typeset quarterly report through the real binary, read back with poppler's tools as a
//! reader's PDF viewer would: its text holds the figures `report quarter --json` gives, its fonts
//! are embedded subsets of Noto Sans CJK, the same report typesets to the same bytes, and the QR
//! code on its cover is a signed checkpoint that `tingjian verify --checkpoint` accepts.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{demo_vault_and_quarter, json, private_demo_calls, tingjian_as};

fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The PDF's text with every whitespace run removed: pdftotext puts spaces and line breaks where
/// the layout put words, which is not what the test is about.
fn pdf_text(pdf: &Path) -> String {
    tool("pdftotext", &["-layout", pdf.to_str().expect("utf-8"), "-"]).split_whitespace().collect()
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn the_printed_report_holds_the_figures_of_the_report_as_data() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, quarter) = demo_vault_and_quarter(temp.path());
    let run = |args: &[&str]| {
        let output = tingjian_as(&vault, "li.min", &[], args);
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        output
    };
    let pdf = temp.path().join("季度报告.pdf");
    let written = json(&run(&["--json", "report", "quarter", &quarter, "--out", pdf.to_str().expect("utf-8")]));
    let report = json(&run(&["--json", "report", "quarter", &quarter]));
    let bytes = std::fs::read(&pdf).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert_eq!(written["bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(written["blake3"].as_str(), Some(blake3::hash(&bytes).to_hex().as_str()));
    let pages: u64 = tool("pdfinfo", &[pdf.to_str().expect("utf-8")])
        .lines()
        .find_map(|line| line.strip_prefix("Pages:").map(|n| n.trim().parse().expect("a page count")))
        .expect("pdfinfo names the pages");
    assert_eq!(written["pages"].as_u64(), Some(pages));
    assert!(pages >= 6, "cover, figures, sample, calls, rectification, clocks, sign-off: {pages} pages");

    let text = pdf_text(&pdf);
    let has = |what: &str, label: &str| {
        assert!(text.contains(&squeeze(what)), "the PDF's text lacks {label}: {what:?}");
    };
    let summary = &report["summary"];
    has("季度投诉录音听取与整改报告", "the title");
    has(&format!("本季度投诉{}", summary["complaints"]), "the complaints");
    has(&format!("抽样录音{}", summary["sampled"]), "the sampled calls");
    has(
        &format!("{} · {:.1}%", summary["listened"], summary["listened_percent"].as_f64().expect("percent")),
        "the calls listened to and coverage",
    );
    has(&format!("已写心得{}", summary["reflected"]), "the reflections");
    has(&format!("逾期整改案件{}", summary["cases_overdue"]), "the overdue cases");
    has(&format!("{}条事件", report["head_seq"]), "the audit log's head");
    has(report["head_hash"].as_str().expect("head hash"), "the head's hash");
    let draw = &report["sample"]["draw"];
    has(draw["seed"].as_str().expect("seed"), "the seed");
    has(draw["population_fingerprint"].as_str().expect("fingerprint"), "the population fingerprint");
    has(report["verify_sample_command"].as_str().expect("command"), "the command that re-checks the draw");
    for call in report["calls"].as_array().expect("calls") {
        has(call["complaint_number"].as_str().expect("number"), "a sampled call");
        for reflection in call["reflections"].as_array().expect("reflections") {
            has(reflection["text"].as_str().expect("text"), "a reflection");
        }
        for note in call["notes"].as_array().expect("notes") {
            has(note["text"].as_str().expect("text"), "a note");
        }
    }
    for reviewer in report["reviewers"].as_array().expect("reviewers") {
        has(reviewer["display_name"].as_str().expect("name"), "a reviewer");
    }
    for case in report["rectification"].as_array().expect("cases") {
        has(case["what_must_change"].as_str().expect("what"), "a rectification case");
        for file in case["evidence"].as_array().expect("evidence") {
            has(file["hash"].as_str().expect("hash"), "an evidence file's hash");
        }
    }
    let rate = |v: &Value| v.as_f64().map_or_else(|| "无法计算".to_owned(), |v| format!("{v:.1}%"));
    has(&format!("1小时响应率{}", rate(&report["handling"]["branch"]["response_rate"])), "the one-hour rate");
    has(&format!("按期办结率{}", rate(&report["handling"]["branch"]["handling_rate"])), "the handling rate");
    for department in report["handling"]["by_department"].as_array().expect("departments") {
        let key = department["key"].as_str().expect("key");
        has(&format!("{key}{}", department["figures"]["complaints"]), "a department's complaints");
    }
    has(&format!("第1页/共{pages}页"), "the page numbers");
    has("演示数据", "the demo's mark");
    has("签字", "the sign-off");

    // The fonts are embedded, as subsets, and are the CJK family the report is set in.
    let fonts = tool("pdffonts", &[pdf.to_str().expect("utf-8")]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "regular and bold: {fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let name = columns[0];
        assert!(name.contains("NotoSansCJKsc"), "{fonts}");
        assert!(name.as_bytes()[6] == b'+' && name[..6].chars().all(|c| c.is_ascii_uppercase()), "a subset: {name}");
        // emb, sub, uni: the three columns before the object number.
        assert_eq!(&columns[columns.len() - 5..columns.len() - 2], &["yes", "yes", "yes"], "{fonts}");
    }

    // The English edition says the same in English.
    let english = temp.path().join("report-en.pdf");
    run(&["report", "quarter", &quarter, "--out", english.to_str().expect("utf-8"), "--lang", "en"]);
    let text = pdf_text(&english);
    assert!(text.contains(&squeeze("Quarterly report on complaint-call reviews")), "the English title");
    assert!(text.contains(&squeeze(&format!("Complaints this quarter {}", summary["complaints"]))));
}

#[test]
fn the_same_report_typesets_to_the_same_bytes_and_bad_input_is_named() {
    let temp = tempfile::tempdir().expect("tempdir");
    let (vault, quarter) = demo_vault_and_quarter(temp.path());
    let data = temp.path().join("report.json");
    let output = tingjian_as(&vault, "li.min", &[], &["--json", "report", "quarter", &quarter]);
    assert!(output.status.success());
    std::fs::write(&data, &output.stdout).expect("save the report");
    let typeset = |out: &Path, lang: &str| {
        let output = tingjian_as(
            &vault,
            "li.min",
            &[],
            &[
                "report",
                "typeset",
                data.to_str().expect("utf-8"),
                "--out",
                out.to_str().expect("utf-8"),
                "--lang",
                lang,
            ],
        );
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        std::fs::read(out).expect("written")
    };
    let first = typeset(&temp.path().join("a.pdf"), "zh");
    let second = typeset(&temp.path().join("b.pdf"), "zh");
    assert!(first == second, "two typesettings of one report differ");
    let english = typeset(&temp.path().join("c.pdf"), "en");
    assert!(english != first, "the editions differ");

    // Not a report: the error names the file, and no PDF is left behind.
    let junk = temp.path().join("junk.json");
    std::fs::write(&junk, br#"{"quarter": "2026Q4"}"#).expect("write");
    let out = temp.path().join("junk.pdf");
    let output = tingjian_as(
        &vault,
        "li.min",
        &[],
        &["--json", "report", "typeset", junk.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")],
    );
    assert!(!output.status.success());
    let error = json(&output);
    assert_eq!(error["error"]["code"], "INVALID_INPUT");
    assert!(error["error"]["message_zh"].as_str().expect("message").contains("junk.json"), "{error}");
    assert!(!out.exists());

    let output = tingjian_as(
        &vault,
        "li.min",
        &[],
        &["--json", "report", "quarter", &quarter, "--out", "x.pdf", "--lang", "fr"],
    );
    assert_eq!(json(&output)["error"]["code"], "INVALID_INPUT");

    // A folder that does not exist: the error names it, in both languages.
    let output = tingjian_as(
        &vault,
        "li.min",
        &[],
        &[
            "--json",
            "report",
            "quarter",
            &quarter,
            "--out",
            temp.path().join("no/such/dir/r.pdf").to_str().expect("utf-8"),
        ],
    );
    let error = json(&output);
    assert_eq!(error["error"]["code"], "IO", "{error}");
    assert!(error["error"]["message_en"].as_str().expect("message").contains("no/such/dir/r.pdf"), "{error}");
}

#[test]
fn the_covers_qr_code_is_a_signed_checkpoint_that_verifies() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = temp.path().join("demo");
    let data = private_demo_calls(temp.path());
    let made =
        tingjian_as(&vault, "li.min", &[], &["--json", "demo", "--accounts", "--data", data.to_str().expect("utf-8")]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let quarter = json(&made)["quarter"].as_str().expect("quarter").to_owned();
    let passphrase = temp.path().join("passphrase");
    std::fs::write(&passphrase, tingjian_vault::DEMO_PASSPHRASE).expect("write");
    let env = [("TINGJIAN_PASSPHRASE_FILE".to_owned(), passphrase.display().to_string())];
    let pdf = temp.path().join("report.pdf");
    let output =
        tingjian_as(&vault, "li.min", &env, &["report", "quarter", &quarter, "--out", pdf.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // The cover's QR code, read from the rendered page as a phone would read it from paper.
    let prefix = temp.path().join("cover");
    tool(
        "pdftoppm",
        &["-r", "200", "-png", "-f", "1", "-l", "1", pdf.to_str().expect("utf-8"), prefix.to_str().expect("utf-8")],
    );
    let image = std::fs::read_dir(temp.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("cover")))
        .expect("the cover rendered");
    let decoded =
        tool("zbarimg", &["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", image.to_str().expect("utf-8")]);
    // zbarimg ends what it read with a newline of its own.
    let note = decoded.strip_suffix('\n').unwrap_or(&decoded);
    assert!(note.starts_with("tingjian/"), "a checkpoint: {note}");
    assert!(note.contains("— li.min "), "signed by the report's maker: {note}");
    let checkpoint = temp.path().join("from-the-cover.checkpoint");
    std::fs::write(&checkpoint, note).expect("write");
    let verified =
        tingjian_as(&vault, "li.min", &env, &["verify", "--checkpoint", checkpoint.to_str().expect("utf-8")]);
    assert!(
        verified.status.success(),
        "the cover's checkpoint verifies: {}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // A checkpoint whose hash was altered by one character does not.
    let mut lines: Vec<String> = note.lines().map(str::to_owned).collect();
    let hash = &mut lines[2];
    let altered = if hash.starts_with('A') { "B" } else { "A" };
    hash.replace_range(0..1, altered);
    std::fs::write(&checkpoint, lines.join("\n") + "\n").expect("write");
    let refused = tingjian_as(&vault, "li.min", &env, &["verify", "--checkpoint", checkpoint.to_str().expect("utf-8")]);
    assert!(!refused.status.success(), "an altered checkpoint must not verify");
}
