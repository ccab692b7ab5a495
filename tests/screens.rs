//! The library and the review screen as a person sees them, in Chinese and English, at the two
//! window sizes the branch's desks have (1280×800 laptops, 1920×1080 monitors): nothing may stick
//! out sideways or be cut off, and a screenshot of each is kept for the docs.

use serde_json::Value;
use tingjian_e2e::{App, Error, WAIT, demo_vault, sound_env, sqlite};
use tingjian_sound_setups::AlsaConfig;

const SIZES: [(u32, u32); 2] = [(1280, 800), (1920, 1080)];

/// Elements whose content is wider than their box while hiding the overflow (clipped text, unless
/// the whole text is in a tooltip), and whether the page itself scrolls sideways.
const OVERFLOW_PROBE: &str = r#"
    const clipped = [];
    for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        if (el.closest('canvas, select, textarea, input')) continue;
        // Text cut short on purpose (a fixed-height row) must carry the whole text as a tooltip.
        if (el.closest('[title]') && el.closest('[title]').title.trim() !== '') continue;
        const hides = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
        if (hides && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim() !== '') {
            clipped.push(el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40));
        }
    }
    const page = document.documentElement.scrollWidth > window.innerWidth + 1;
    return { clipped, page, width: window.innerWidth };
"#;

async fn check_layout(app: &mut App, what: &str) -> Result<(), Error> {
    let probe = app.client.execute(OVERFLOW_PROBE, vec![]).await?;
    let page = probe.get("page").and_then(Value::as_bool).unwrap_or(true);
    let clipped = probe.get("clipped").cloned().unwrap_or(Value::Null);
    assert!(!page, "{what}: the page scrolls sideways ({probe})");
    assert_eq!(clipped, Value::Array(vec![]), "{what}: text is cut off");
    Ok(())
}

/// The complaint the demo's reviewer has written notes, a reflection and a rectification on.
fn reviewed_complaint(vault: &std::path::Path) -> String {
    sqlite(vault, "SELECT complaint_number FROM reflections ORDER BY event_seq LIMIT 1")
}

#[tokio::test(flavor = "multi_thread")]
async fn library_and_review_fit_both_window_sizes_in_both_languages() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let number = reviewed_complaint(&vault);
    assert!(!number.is_empty(), "the demo has a reviewed call");
    // A sound device that opens (ALSA's file plugin; nothing is played here), so the review screen
    // shows a working player as a reviewer sees it, without a second PulseAudio daemon competing
    // with the real-time sound tests' one.
    let alsa = AlsaConfig::capture();
    let mut app = App::launch_with_env(&vault, &sound_env(None, &alsa)).await?;
    app.wait_for("[data-testid=nav-library]", WAIT).await?;
    for lang in ["zh", "en"] {
        if lang == "en" {
            app.click("[data-testid=lang-toggle]").await?;
            app.wait_for_attribute("html", "lang", "en", WAIT).await?;
        }
        for (width, height) in SIZES {
            app.resize(width, height).await?;
            app.click("[data-testid=nav-library]").await?;
            app.wait_for("[data-testid=library-row]", WAIT).await?;
            check_layout(&mut app, &format!("library {lang} {width}×{height}")).await?;
            app.screenshot(&format!("library-{lang}-{width}x{height}")).await?;

            app.click(&format!("[data-testid='listen-{number}']")).await?;
            app.wait_for("[data-testid=waveform]", WAIT).await?;
            app.wait_for("[data-testid=note-item]", WAIT).await?;
            app.wait_for("[data-testid=reflection-item]", WAIT).await?;
            app.wait_for("[data-testid=play-toggle]:not([disabled])", WAIT).await?;
            check_layout(&mut app, &format!("review {lang} {width}×{height}")).await?;
            app.screenshot(&format!("review-{lang}-{width}x{height}")).await?;

            app.press("?").await?;
            app.wait_for("[data-testid=help-overlay]", WAIT).await?;
            check_layout(&mut app, &format!("help {lang} {width}×{height}")).await?;
            if width == 1280 {
                app.screenshot(&format!("review-help-{lang}")).await?;
            }
            // Esc closes the help, a second Esc leaves the review screen.
            app.press("\u{E00C}").await?;
            app.wait_for_absent("[data-testid=help-overlay]", WAIT).await?;
            app.press("\u{E00C}").await?;
            app.wait_for("[data-testid=library-table]", WAIT).await?;
        }
    }
    app.close().await
}
