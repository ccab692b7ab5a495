//! The import wizard and the library on the real app: a coordinator brings in the quarter's export
//! and recordings, then finds complaints in the library.

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::{Value, json};
use tingjian_e2e::{App, Error, WAIT, demo_data_dir, demo_vault, scripted_chooser, sqlite, tingjian};

/// The records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks),
/// without a leading byte-order mark and without blank lines.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (_, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records.retain(|r: &Vec<String>| r.iter().any(|f| !f.trim().is_empty()));
    records
}

/// The two rows this test adds to the demo's export, each of a kind the import must reject
/// (ARCHITECTURE.md, "Import rows"): no complaint number, and an acceptance time that cannot be
/// read. Both otherwise look like the demo's rows, without a recording.
const BAD_ROWS: &str = ",2026-10-09 10:00:00,电话,信用卡,收费争议,信用卡中心,张三,13800000000,,,处理中,,否,E2E 没有编号的行\n\
                        TSE2E0000001,上周三下午,电话,信用卡,收费争议,信用卡中心,李四,13900000000,,,处理中,,否,E2E 受理时间看不懂的行\n";

#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_imports_the_demo_export_and_the_library_lists_and_filters_it() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = temp.path().join("vault");
    assert!(tingjian(&vault, &["init"]).status.success());
    let data = demo_data_dir();
    let demo_export = data.join("complaints.csv");
    let recordings = data.join("recordings");
    assert!(demo_export.is_file(), "the demo calls exist (make builds them before the end-to-end tests)");

    // The test's export: the demo's, with two rows the import must reject at its end.
    let mut text = std::fs::read_to_string(&demo_export)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let demo_records = csv_records(&text);
    text.push_str(BAD_ROWS);
    let export = temp.path().join("complaints-e2e.csv");
    std::fs::write(&export, &text)?;
    let records = csv_records(&text);
    assert_eq!(records.len(), demo_records.len() + 2);
    assert_eq!(records[0].first().map(String::as_str), Some("投诉编号"), "the demo's export starts with its header");
    let data_rows = (records.len() - 1) as u64;
    // Rows as a spreadsheet numbers them (the header is row 1; no field of the demo's spans lines).
    assert_eq!(text.lines().count(), records.len(), "one line per row");
    let bad_rows = [demo_records.len() + 1, demo_records.len() + 2].map(|row| format!("complaints-e2e.csv:{row}"));

    // The file chooser answers the two Browse… buttons with the export and the folder, in turn.
    let (export_text, recordings_text) =
        (export.to_str().ok_or("utf-8 path")?.to_owned(), recordings.to_str().ok_or("utf-8 path")?.to_owned());
    let env = scripted_chooser(temp.path(), &[json!(export_text), json!(recordings_text)])?;
    let mut app = App::launch_with_env(&vault, &env).await?;
    app.click("[data-testid=nav-import]").await?;
    app.click("[data-testid=import-pick-manifest]").await?;
    app.wait_for_value("[data-testid=import-manifest]", &export_text, WAIT).await?;
    app.click("[data-testid=import-pick-recordings]").await?;
    app.wait_for_value("[data-testid=import-recordings]", &recordings_text, WAIT).await?;
    refuses_paths_not_chosen(&mut app, &vault, &export_text).await?;
    app.click("[data-testid=import-preview]").await?;
    let mapping = app.wait_for("[data-testid=import-mapping]", WAIT).await?.text().await?;
    assert!(
        mapping.contains(&format!("表头在第 1 行，共 {data_rows} 行数据")),
        "the preview counts the rows: {mapping}"
    );
    for (header, field) in [("投诉编号", "投诉编号"), ("录音文件", "录音文件"), ("责任机构", "责任机构")]
    {
        let select = app.find(&format!("[data-testid='mapping-{header}']")).await?;
        assert_eq!(select.prop("value").await?.as_deref(), Some(field), "{header} maps to {field}");
    }
    // The coordinator decides the summary column is not imported, and keeps that for next time.
    app.find("[data-testid='mapping-投诉摘要']").await?.select_by_value("").await?;
    app.wait_for("[data-testid=save-mapping]", WAIT).await?;
    app.screenshot("import-preview-zh").await?;

    app.click("[data-testid=import-start]").await?;
    app.wait_for("[data-testid=import-report]", WAIT).await?;

    // The report lists exactly the two bad rows as rejected, by file and row.
    let mut rejected = Vec::new();
    for row in app.client.find_all(Locator::Css("[data-testid=import-problems] tbody tr")).await? {
        let cells = row.find_all(Locator::Css("td")).await?;
        let mut texts = Vec::new();
        for cell in &cells {
            texts.push(cell.prop("textContent").await?.unwrap_or_default().trim().to_owned());
        }
        if texts.first().map(String::as_str) == Some("拒收") {
            rejected.push(texts.get(1).cloned().unwrap_or_default());
        }
    }
    assert_eq!(rejected, bad_rows, "the rows the report rejects");
    // Every other row of the export is a complaint in the vault, and the report says so.
    let expected = data_rows - rejected.len() as u64;
    let status: Value = serde_json::from_slice(&tingjian(&vault, &["status", "--json"]).stdout)?;
    assert_eq!(status["complaints_total"].as_u64(), Some(expected), "complaints in the vault");
    assert_eq!(sqlite(&vault, "SELECT rejected FROM imports"), rejected.len().to_string(), "the import's record");
    let complaints = app.text_of("[data-testid=import-summary-complaints]").await?;
    let recorded = app.text_of("[data-testid=import-summary-recordings]").await?;
    assert!(complaints.contains(&format!("新增 {expected}，")), "{complaints}");
    assert!(recorded.contains(&format!("新增 {}", status["recordings_total"])), "{recorded}");
    app.screenshot("import-report-zh").await?;

    app.click("[data-testid=import-to-library]").await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    wait_for_said(&mut app, &format!("共 {expected} 件")).await?;
    // The table draws only the rows in view (and a few more); End goes to the last complaint.
    let rows = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?;
    assert!(!rows.is_empty() && rows.len() as u64 <= expected, "{} rows drawn of {expected}", rows.len());
    app.screenshot("library-zh").await?;
    app.press(&Key::End.to_string()).await?;
    app.wait_for(&format!("[data-testid=library-row][aria-rowindex='{}'][aria-selected=true]", expected + 1), WAIT)
        .await?;

    // Filter to one department: the table shows exactly that department's complaints.
    let department = &status["departments"][0];
    let name = department["department"].as_str().unwrap_or("?").to_owned();
    app.find("[data-testid=filter-department]").await?.select_by_value(&name).await?;
    let in_department = department["complaints"].as_u64().unwrap_or(0);
    wait_for_rows(&mut app, in_department, &format!("共 {in_department} 件")).await?;
    for row in app.client.find_all(Locator::Css("[data-testid=library-row]")).await? {
        assert!(row.prop("textContent").await?.unwrap_or_default().contains(&name));
    }
    assert!(tingjian(&vault, &["verify"]).status.success(), "the import left a vault that verifies");
    assert_eq!(
        sqlite(&vault, "SELECT count(*) FROM complaints WHERE summary <> '';"),
        "0",
        "the summary column was not imported"
    );
    assert!(sqlite(&vault, "SELECT value FROM settings WHERE key = 'import_mapping';").contains("\"投诉摘要\":null"));
    app.close().await
}

/// What a compromised page could try once the export is chosen, calling the commands itself: every
/// path it was not given by the file chooser for that use is refused with `PATH_NOT_CHOSEN`, and
/// nothing is recorded.
async fn refuses_paths_not_chosen(app: &mut App, vault: &std::path::Path, export: &str) -> Result<(), Error> {
    let events = sqlite(vault, "SELECT count(*) FROM events");
    let import = |manifest: &str, recordings: &str| {
        json!({
            "request": { "manifest": manifest, "recordings": recordings, "link_pattern": null, "mapping": null,
                         "save_mapping": false },
            // A channel the page makes, as `Channel` in @tauri-apps/api does.
            "onProgress": "__CHANNEL__:0",
        })
    };
    let attempts: [(&str, &str, Value); 6] = [
        ("reading a file never chosen", "preview_export", json!({ "path": "/etc/passwd", "mapping": null })),
        (
            "reading a file next to the chosen one",
            "preview_export",
            json!({ "path": format!("{export}/../../../etc/passwd"), "mapping": null }),
        ),
        ("importing from a folder never chosen", "import_files", import(export, "/etc")),
        ("the chosen export as the recordings folder", "import_files", import(export, export)),
        ("a file never chosen as the export", "import_files", import("/etc/passwd", export)),
        (
            "the chosen export as evidence",
            "log_rectification_progress",
            json!({ "caseId": "RC-0001", "action": 0, "text": "", "files": [export], "marksDone": false }),
        ),
    ];
    for (what, command, args) in attempts {
        let answer = app.invoke_from_page(command, args).await?;
        let code = answer.as_ref().err().and_then(|error| error["code"].as_str());
        assert_eq!(code, Some("PATH_NOT_CHOSEN"), "{what} ({command}): {answer:?}");
    }
    // The chosen export itself is previewed: the check refuses only what was not chosen.
    let preview = app.invoke_from_page("preview_export", json!({ "path": export, "mapping": null })).await?;
    assert!(preview.is_ok_and(|preview| preview["total_rows"].as_u64() > Some(0)), "the chosen export is read");
    assert_eq!(sqlite(vault, "SELECT count(*) FROM events"), events, "a refused command records nothing");
    Ok(())
}

/// Waits until the library's count says `said`.
async fn wait_for_said(app: &mut App, said: &str) -> Result<(), Error> {
    app.wait_for_text("[data-testid=library-count]", &format!("the library to say {said}"), WAIT, |t| t == said)
        .await?;
    Ok(())
}

/// Waits until the library shows `count` rows and says so.
async fn wait_for_rows(app: &mut App, count: u64, said: &str) -> Result<(), Error> {
    app.wait_until(&format!("the library to show {count} rows and say {said}"), WAIT, async |app| {
        let shown = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?.len() as u64;
        let text = app.client.find(Locator::Css("[data-testid=library-count]")).await?.text().await?;
        if shown == count && text == said { Ok(Ok(())) } else { Ok(Err(format!("{shown} rows and {text:?}"))) }
    })
    .await
}

/// Cells of the library (and anything on the page) whose text does not fit, except the summary,
/// which is cut with an ellipsis on purpose (its whole text is the cell's tooltip).
async fn overflowing(app: &mut App) -> Result<Vec<String>, Error> {
    let found = app
        .client
        .execute(
            "const out = [];
             if (document.documentElement.scrollWidth > window.innerWidth) out.push('page is wider than the window');
             for (const el of document.querySelectorAll('[data-testid=library-table] th, [data-testid=library-row] td, .filters label, .actions > *')) {
               if (el.classList.contains('summary')) continue;
               if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) out.push(el.textContent.trim());
             }
             return out;",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// Presses and releases `key` wherever the focus is, as a person would.
async fn press(app: &App, key: char) -> Result<(), Error> {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let actions =
        KeyActions::new("keyboard".to_owned()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    app.client.perform_actions(actions).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_finds_a_two_character_chinese_word_and_opens_a_call_from_the_keyboard() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let all: u64 = sqlite(&vault, "SELECT count(*) FROM complaints").parse()?;
    let mut app = App::launch(&vault).await?;
    app.resize(1280, 800).await?;
    app.click("[data-testid=nav-library]").await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    wait_for_rows(&mut app, all, &format!("共 {all} 件")).await?;
    assert_eq!(overflowing(&mut app).await?, Vec::<String>::new(), "nothing overflows at 1280×800");
    app.screenshot("library-zh-1280").await?;

    // 理财 is two characters — too short for the trigram index; the library still finds it, in
    // exactly the complaints the vault holds it in.
    let word = "理财";
    let truth: u64 = sqlite(
        &vault,
        &format!(
            "SELECT count(*) FROM complaints c WHERE c.summary LIKE '%{word}%' OR c.number LIKE '%{word}%'
             OR c.number IN (SELECT complaint_number FROM notes WHERE text LIKE '%{word}%')"
        ),
    )
    .parse()?;
    assert!(truth > 0 && truth < all, "the demo has some complaints about {word}: {truth} of {all}");
    // `/` puts the cursor in the search box.
    press(&app, '/').await?;
    let active = app.client.active_element().await?;
    assert_eq!(active.attr("data-testid").await?.as_deref(), Some("library-search"));
    active.send_keys(word).await?;
    wait_for_rows(&mut app, truth, &format!("共 {truth} 件")).await?;
    for row in app.client.find_all(Locator::Css("[data-testid=library-row]")).await? {
        // The row's text, not WebDriver's "visible" text: cells cut with an ellipsis are left
        // out of that.
        let text = row.prop("textContent").await?.unwrap_or_default();
        assert!(text.contains(word), "a row without {word}: {text}");
    }
    app.screenshot("library-search-zh-1280").await?;

    // ↓ from the search box selects the first row; Enter opens it for review.
    let first = app.client.find(Locator::Css("[data-testid=library-row] th")).await?.prop("textContent").await?;
    press(&app, Key::Down.into()).await?;
    app.wait_for("[data-testid=library-row][aria-selected=true]", WAIT).await?;
    press(&app, Key::Enter.into()).await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    assert_eq!(Some(app.text_of("#review-title").await?), first);
    // Back in the library, the search is still there.
    app.click("[data-testid=review-back]").await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    wait_for_rows(&mut app, truth, &format!("共 {truth} 件")).await?;
    let search = app.client.find(Locator::Css("[data-testid=library-search]")).await?;
    assert_eq!(search.prop("value").await?.as_deref(), Some(word));

    // Escape clears it.
    search.click().await?;
    press(&app, Key::Escape.into()).await?;
    wait_for_rows(&mut app, all, &format!("共 {all} 件")).await?;

    // The desk screen size (the e2e run's Xvfb screen is 1920×1080), then English.
    app.resize(1920, 1080).await?;
    wait_for_rows(&mut app, all, &format!("共 {all} 件")).await?;
    assert_eq!(overflowing(&mut app).await?, Vec::<String>::new(), "nothing overflows at 1920×1080");
    app.screenshot("library-zh-1920").await?;
    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    app.resize(1280, 800).await?;
    wait_for_rows(&mut app, all, &format!("{all} in all")).await?;
    assert_eq!(overflowing(&mut app).await?, Vec::<String>::new(), "nothing overflows in English at 1280×800");
    app.screenshot("library-en-1280").await?;
    app.close().await
}
