//! The import wizard and the library on the real app: a coordinator brings in the quarter's export
//! and recordings, then finds complaints in the library.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::key::Key;
use tingjian_e2e::{App, Error, demo_data_dir, demo_vault, sqlite, tingjian};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_imports_the_demo_export_and_the_library_lists_and_filters_it() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = temp.path().join("vault");
    assert!(tingjian(&vault, &["init"]).status.success());
    let data = demo_data_dir();
    let export = data.join("complaints.csv");
    let recordings = data.join("recordings");
    assert!(export.is_file(), "the demo calls exist (make builds them before the end-to-end tests)");

    let mut app = App::launch(&vault).await?;
    app.wait_for("[data-testid=nav-import]", WAIT).await?.click().await?;
    app.wait_for("[data-testid=import-manifest]", WAIT).await?.send_keys(export.to_str().unwrap_or("")).await?;
    app.client
        .find(Locator::Css("[data-testid=import-recordings]"))
        .await?
        .send_keys(recordings.to_str().unwrap_or(""))
        .await?;
    app.client.find(Locator::Css("[data-testid=import-preview]")).await?.click().await?;
    app.wait_for("[data-testid=import-mapping]", WAIT).await?;
    for (header, field) in [("投诉编号", "投诉编号"), ("录音文件", "录音文件"), ("责任机构", "责任机构")]
    {
        let select = app.client.find(Locator::Css(&format!("[data-testid='mapping-{header}']"))).await?;
        assert_eq!(select.prop("value").await?.as_deref(), Some(field), "{header} maps to {field}");
    }
    // The coordinator decides the summary column is not imported, and keeps that for next time.
    app.client.find(Locator::Css("[data-testid='mapping-投诉摘要']")).await?.select_by_value("").await?;
    app.wait_for("[data-testid=save-mapping]", WAIT).await?;
    app.screenshot("import-preview-zh").await?;

    app.client.find(Locator::Css("[data-testid=import-start]")).await?.click().await?;
    app.wait_for("[data-testid=import-report]", WAIT).await?;
    let complaints = app.text_of("[data-testid=import-summary-complaints]").await?;
    let recorded = app.text_of("[data-testid=import-summary-recordings]").await?;
    let status: serde_json::Value = serde_json::from_slice(&tingjian(&vault, &["status", "--json"]).stdout)?;
    let total = status["complaints_total"].as_u64().unwrap_or(0);
    assert!(total >= 12);
    assert!(complaints.contains(&format!("新增 {total}")), "{complaints}");
    assert!(recorded.contains(&format!("新增 {}", status["recordings_total"])), "{recorded}");
    app.screenshot("import-report-zh").await?;

    app.client.find(Locator::Css("[data-testid=import-to-library]")).await?.click().await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    assert_eq!(app.text_of("[data-testid=library-count]").await?, format!("共 {total} 件"));
    // The table draws only the rows in view (and a few more); End goes to the last complaint.
    let rows = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?;
    assert!(!rows.is_empty() && rows.len() as u64 <= total, "{} rows drawn of {total}", rows.len());
    app.screenshot("library-zh").await?;
    app.client.find(Locator::Css("body")).await?.send_keys(&Key::End.to_string()).await?;
    app.wait_for(&format!("[data-testid=library-row][aria-rowindex='{}'][aria-selected=true]", total + 1), WAIT)
        .await?;

    // Filter to one department: the table shows exactly that department's complaints.
    let department = &status["departments"][0];
    let name = department["department"].as_str().unwrap_or("?").to_owned();
    let select = app.client.find(Locator::Css("[data-testid=filter-department]")).await?;
    select.select_by_value(&name).await?;
    let expected = department["complaints"].as_u64().unwrap_or(0);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?.len() as u64;
        if shown == expected {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{name}: {shown} rows shown, {expected} expected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for row in app.client.find_all(Locator::Css("[data-testid=library-row]")).await? {
        assert!(row.prop("textContent").await?.unwrap_or_default().contains(&name));
    }
    assert!(tingjian(&vault, &["verify"]).status.success(), "the import left a vault that verifies");
    let sqlite = |sql: &str| -> String {
        let out = std::process::Command::new("sqlite3").arg(vault.join("vault.sqlite")).arg(sql).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default()
    };
    assert_eq!(
        sqlite("SELECT count(*) FROM complaints WHERE summary <> '';"),
        "0",
        "the summary column was not imported"
    );
    assert!(sqlite("SELECT value FROM settings WHERE key = 'import_mapping';").contains("\"投诉摘要\":null"));
    app.close().await
}

/// Waits until the library shows `count` rows and says so.
async fn wait_for_rows(app: &mut App, count: u64, said: &str) -> Result<(), Error> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = app.client.find_all(Locator::Css("[data-testid=library-row]")).await?.len() as u64;
        let text = app.text_of("[data-testid=library-count]").await.unwrap_or_default();
        if shown == count && text == said {
            return Ok(());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{shown} rows and \"{text}\"; {count} rows and \"{said}\" expected"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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

/// Sets the window's size and waits until the page has it.
async fn resize(app: &mut App, width: u32, height: u32) -> Result<bool, Error> {
    app.client.set_window_rect(0, 0, width, height).await?;
    for _ in 0..30 {
        let size = app.client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await?;
        if size == serde_json::json!([width, height]) {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_finds_a_two_character_chinese_word_and_opens_a_call_from_the_keyboard() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let all: u64 = sqlite(&vault, "SELECT count(*) FROM complaints").parse()?;
    let mut app = App::launch(&vault).await?;
    assert!(resize(&mut app, 1280, 800).await?, "the window is 1280×800");
    app.wait_for("[data-testid=nav-library]", WAIT).await?.click().await?;
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
    app.client.find(Locator::Css("[data-testid=review-back]")).await?.click().await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    wait_for_rows(&mut app, truth, &format!("共 {truth} 件")).await?;
    let search = app.client.find(Locator::Css("[data-testid=library-search]")).await?;
    assert_eq!(search.prop("value").await?.as_deref(), Some(word));

    // Escape clears it.
    search.click().await?;
    press(&app, Key::Escape.into()).await?;
    wait_for_rows(&mut app, all, &format!("共 {all} 件")).await?;

    // The desk screen size, then English.
    if resize(&mut app, 1920, 1080).await? {
        assert_eq!(overflowing(&mut app).await?, Vec::<String>::new(), "nothing overflows at 1920×1080");
        app.screenshot("library-zh-1920").await?;
    } else {
        eprintln!("the screen is smaller than 1920×1080: no screenshot at that size");
    }
    app.client.find(Locator::Css("[data-testid=lang-toggle]")).await?.click().await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    assert!(resize(&mut app, 1280, 800).await?);
    wait_for_rows(&mut app, all, &format!("{all} in all")).await?;
    assert_eq!(overflowing(&mut app).await?, Vec::<String>::new(), "nothing overflows in English at 1280×800");
    app.screenshot("library-en-1280").await?;
    app.close().await
}
