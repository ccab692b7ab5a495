//! The review workspace on the real app: a reviewer opens a complaint from the library, plays the
//! call into a real (private) PulseAudio sound server, sees the playhead move and the coverage
//! grow, and the vault keeps the listening session as evidence.

use std::time::Duration;

use fantoccini::Locator;
use tingjian_e2e::{App, Error, demo_vault, sound_env, sqlite, tingjian};
use tingjian_sound_setups::{AlsaConfig, PulseServer};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_plays_a_call_and_the_vault_records_what_was_heard() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let mut app = App::launch_with_env(&vault, &sound_env(Some(&pulse), &alsa)).await?;

    app.wait_for("[data-testid=nav-library]", WAIT).await?.click().await?;
    let listen = app.wait_for("[data-testid^=listen-]", WAIT).await?;
    let number = listen.attr("data-testid").await?.unwrap_or_default().trim_start_matches("listen-").to_owned();
    listen.click().await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    assert_eq!(app.text_of("#review-title").await?, number);
    assert_eq!(app.text_of("[data-testid=my-coverage]").await?, "0%");
    let play = app.wait_for("[data-testid=play-toggle]:not([disabled])", WAIT).await?;
    assert!(app.body_text().await?.contains("播放设备"), "the device in use is named");

    play.click().await?;
    let started = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let early = app.text_of("[data-testid=position]").await?;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let later = app.text_of("[data-testid=position]").await?;
    assert_ne!(early, later, "the playhead moves while playing");
    assert!(!later.starts_with("0:00 "), "{later}");
    app.screenshot("review-playing-zh").await?;

    // Space pauses (keyboard first); the heard spans are flushed at once and coverage shows them.
    app.client.find(Locator::Css("body")).await?.send_keys(" ").await?;
    let played_for = started.elapsed().as_millis() as u64;
    let coverage = app
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//*[@data-testid='my-coverage'][not(normalize-space(.)='0%')]"))
        .await?
        .text()
        .await?;
    assert!(coverage.ends_with('%'), "{coverage}");
    app.screenshot("review-zh").await?;

    // Going back ends the session; the vault has it, with the seconds that were really played.
    app.client.find(Locator::Css("[data-testid=review-back]")).await?.click().await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    let mut ended = String::new();
    for _ in 0..50 {
        ended = sqlite(&vault, "SELECT end_reason FROM listening_sessions WHERE person = 'e2e'");
        if !ended.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ended, "closed");
    assert_eq!(
        sqlite(&vault, "SELECT person || ' ' || complaint_number FROM listening_sessions WHERE person = 'e2e'"),
        format!("e2e {number}")
    );
    let heard_ms: u64 = sqlite(
        &vault,
        "SELECT SUM(p.end_ms - p.start_ms) FROM listening_spans p
         JOIN listening_sessions s ON s.id = p.session_id WHERE s.person = 'e2e'",
    )
    .parse()
    .unwrap_or(0);
    // The null sink plays in real time, so what was heard is the time between play and pause, less
    // the moment the device takes to start (WebDriver's own delays make the bounds loose).
    assert!(
        heard_ms + 1500 >= played_for && heard_ms <= played_for + 500,
        "{heard_ms} ms heard in {played_for} ms of playing"
    );
    let verify = tingjian(&vault, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    app.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_sound_device_the_review_screen_still_works_and_says_why() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let mut app = App::launch_with_env(&vault, &sound_env(None, &AlsaConfig::no_card())).await?;
    app.wait_for("[data-testid=nav-library]", WAIT).await?.click().await?;
    app.wait_for("[data-testid^=listen-]", WAIT).await?.click().await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    let problem = app.wait_for("[data-testid=player-problem]", WAIT).await?.text().await?;
    assert!(problem.contains("无法打开声音输出设备"), "{problem}");
    assert!(problem.contains("耳机"), "the advice says what to do: {problem}");
    let play = app.client.find(Locator::Css("[data-testid=play-toggle]")).await?;
    assert!(play.attr("disabled").await?.is_some(), "play is disabled without a device");
    app.screenshot("review-no-device-zh").await?;
    // Trying again without a device says the same, and still records nothing.
    app.client.find(Locator::Css("[data-testid=player-retry]")).await?.click().await?;
    app.wait_for("[data-testid=player-problem]", WAIT).await?;
    assert_eq!(sqlite(&vault, "SELECT COUNT(*) FROM listening_sessions WHERE person = 'e2e'"), "0");

    app.client.find(Locator::Css("[data-testid=lang-toggle]")).await?.click().await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    let problem = app.text_of("[data-testid=player-problem]").await?;
    assert!(problem.contains("sound output device"), "{problem}");
    app.screenshot("review-no-device-en").await?;
    app.close().await
}

/// Waits until `css`'s text satisfies `test`, and returns it.
async fn wait_for_text(app: &mut App, css: &str, test: impl Fn(&str) -> bool) -> Result<String, Error> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Ok(element) = app.client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && test(&text)
        {
            return Ok(text);
        }
        if std::time::Instant::now() > deadline {
            let body = app.body_text().await.unwrap_or_default();
            return Err(format!("{css} never showed the expected text; the window shows: {body}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the library and the review screen of the first complaint with a recording (or of
/// `number`); returns the complaint's number.
async fn open_review(app: &mut App, number: Option<&str>) -> Result<String, Error> {
    app.wait_for("[data-testid=nav-library]", WAIT).await?.click().await?;
    let css = number.map_or("[data-testid^=listen-]".to_owned(), |n| format!("[data-testid='listen-{n}']"));
    let listen = app.wait_for(&css, WAIT).await?;
    let number = listen.attr("data-testid").await?.unwrap_or_default().trim_start_matches("listen-").to_owned();
    listen.click().await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    Ok(number)
}

/// The jump button of the note this test writes (the demo's reviewers have notes of their own).
const MY_NOTE_JUMP: &str =
    "//li[@data-testid='note-item'][contains(., '坐席没有核实客户身份')]//button[@data-testid='note-jump']";

const REFLECTION: &str = "一、坐席未先核实客户身份；二、年费减免规则解释不清；三、应在办卡时书面告知。";

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_notes_a_moment_and_a_reflection_draft_survives_the_app_being_killed() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let env = sound_env(Some(&pulse), &alsa);
    let mut app = App::launch_with_env(&vault, &env).await?;
    let number = open_review(&mut app, None).await?;

    // Play: the playhead moves and coverage grows.
    app.wait_for("[data-testid=play-toggle]:not([disabled])", WAIT).await?.click().await?;
    let moved = wait_for_text(&mut app, "[data-testid=position]", |t| !t.starts_with("0:00 ")).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // N notes the moment at the playhead: the editor names the time it is pinned to.
    app.client.find(Locator::Css("body")).await?.send_keys("n").await?;
    let input = app.wait_for("[data-testid=note-input]", WAIT).await?;
    input.send_keys("坐席没有核实客户身份\u{E007}").await?;
    let jump = app.client.wait().at_most(WAIT).for_element(Locator::XPath(MY_NOTE_JUMP)).await?;
    let note_time = jump.text().await?;
    assert_ne!(note_time, "0:00", "the note is pinned where the playhead was ({moved} earlier)");

    // Space pauses; coverage shows what was heard.
    app.client.find(Locator::Css("body")).await?.send_keys(" ").await?;
    let coverage = wait_for_text(&mut app, "[data-testid=my-coverage]", |t| t != "0%" && t.ends_with('%')).await?;
    assert_ne!(coverage, "0%");

    // Move away, then jump back to the note: the playhead goes to the noted moment.
    app.client.find(Locator::Css("body")).await?.send_keys("\u{E014}\u{E014}\u{E014}").await?;
    wait_for_text(&mut app, "[data-testid=position]", |t| !t.starts_with(&format!("{note_time} "))).await?;
    app.client.find(Locator::XPath(MY_NOTE_JUMP)).await?.click().await?;
    wait_for_text(&mut app, "[data-testid=position]", |t| t.starts_with(&format!("{note_time} "))).await?;

    // The reflection's draft saves as it is typed.
    app.client.find(Locator::Css("[data-testid=reflection-editor]")).await?.send_keys(REFLECTION).await?;
    wait_for_text(&mut app, "[data-testid=draft-status]", |t| t.contains("草稿已保存")).await?;
    app.screenshot("review-notes-zh").await?;

    // The app is killed (a crash, a power cut): nothing gets to close or save.
    app.kill_app()?;
    assert_eq!(sqlite(&vault, "SELECT text FROM drafts WHERE person = 'e2e'"), REFLECTION);

    // Restarted, the review screen has the draft and the note back.
    let mut app = App::launch_with_env(&vault, &env).await?;
    open_review(&mut app, Some(&number)).await?;
    let editor = app.wait_for("[data-testid=reflection-editor]", WAIT).await?;
    assert_eq!(editor.prop("value").await?.as_deref(), Some(REFLECTION), "the draft is there after the crash");
    assert_eq!(app.client.find(Locator::XPath(MY_NOTE_JUMP)).await?.text().await?, note_time);

    // Submitting asks once, then records the reflection and clears the draft.
    app.client.find(Locator::Css("[data-testid=reflection-submit]")).await?.click().await?;
    app.wait_for("[data-testid=reflection-confirm]", WAIT).await?.click().await?;
    let submitted = app
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//*[@data-testid='reflection-item'][contains(., '一、坐席未先核实客户身份')]"))
        .await?
        .text()
        .await?;
    assert!(submitted.contains("e2e"), "{submitted}");
    assert_eq!(
        app.client.find(Locator::Css("[data-testid=reflection-editor]")).await?.prop("value").await?.as_deref(),
        Some("")
    );
    app.screenshot("review-reflection-zh").await?;

    assert_eq!(sqlite(&vault, "SELECT COUNT(*) FROM drafts"), "0");
    assert_eq!(
        sqlite(
            &vault,
            &format!(
                "SELECT person || '|' || text FROM reflections WHERE complaint_number = '{number}' AND person = 'e2e'"
            )
        ),
        format!("e2e|{REFLECTION}")
    );
    assert_eq!(
        sqlite(
            &vault,
            "SELECT group_concat(kind, ',') FROM (SELECT kind FROM events WHERE actor = 'e2e' AND kind IN ('note_added', 'reflection_submitted') ORDER BY seq)"
        ),
        "note_added,reflection_submitted"
    );
    let verify = tingjian(&vault, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    app.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn revealing_personal_data_and_requiring_rectification_are_recorded() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let mut app = App::launch_with_env(&vault, &sound_env(None, &AlsaConfig::no_card())).await?;
    let number = open_review(&mut app, None).await?;

    // The help overlay lists the keys; Esc closes it without leaving the screen.
    app.client.find(Locator::Css("body")).await?.send_keys("?").await?;
    let help = app.wait_for("[data-testid=help-overlay]", WAIT).await?.text().await?;
    assert!(help.contains("在当前位置记笔记") && help.contains("播放 / 暂停"), "{help}");
    app.client.find(Locator::Css("body")).await?.send_keys("\u{E00C}").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.client.find(Locator::Css("[data-testid=help-overlay]")).await.is_err());
    app.wait_for("[data-testid=waveform]", WAIT).await?;

    // Personal data is masked until revealed with a reason; the reveal is an audit event.
    let masked = app.text_of("[data-testid=phone]").await?;
    assert!(masked.contains("****"), "{masked}");
    app.client.find(Locator::Css("[data-testid=reveal-open]")).await?.click().await?;
    app.wait_for("[data-testid=reveal-reason]", WAIT).await?.send_keys("回访客户核实诉求").await?;
    app.client.find(Locator::Css("[data-testid=reveal-confirm]")).await?.click().await?;
    app.wait_for("[data-testid=reveal-logged]", WAIT).await?;
    let phone = sqlite(&vault, &format!("SELECT phone FROM complaints WHERE number = '{number}'"));
    assert_eq!(app.text_of("[data-testid=phone]").await?, phone);
    assert_eq!(
        sqlite(
            &vault,
            "SELECT person || '|' || complaint_number || '|' || reason FROM personal_data_reveals WHERE person = 'e2e'"
        ),
        format!("e2e|{number}|回访客户核实诉求")
    );

    // A note, then rectification required of the department with that note attached.
    app.client.find(Locator::Css("[data-testid=note-add]")).await?.click().await?;
    app.wait_for("[data-testid=note-input]", WAIT).await?.send_keys("承诺回电但没有回电\u{E007}").await?;
    app.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//li[@data-testid='note-item'][contains(., '承诺回电但没有回电')]"))
        .await?;
    app.client.find(Locator::Css("[data-testid=rectify-open]")).await?.click().await?;
    app.wait_for("[data-testid=rectify-what]", WAIT).await?.send_keys("回电承诺须登记并在 24 小时内回访").await?;
    app.client
        .find(Locator::XPath("//label[contains(., '承诺回电但没有回电')]/input[@data-testid='rectify-note']"))
        .await?
        .click()
        .await?;
    app.screenshot("review-rectify-zh").await?;
    app.client.find(Locator::Css("[data-testid=rectify-submit]")).await?.click().await?;
    let case = app
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath("//*[@data-testid='rectification-item'][contains(., '24 小时内回访')]"))
        .await?
        .text()
        .await?;
    let department = sqlite(&vault, &format!("SELECT department FROM complaints WHERE number = '{number}'"));
    assert!(case.contains(&department) && case.contains("已下发"), "{case}");
    let note_id = sqlite(&vault, "SELECT id FROM notes WHERE person = 'e2e'");
    assert_eq!(
        sqlite(
            &vault,
            "SELECT department || '|' || state || '|' || note_ids || '|' || opened_by FROM rectification_cases
             WHERE opened_by = 'e2e'"
        ),
        format!("{department}|open|[\"{note_id}\"]|e2e")
    );
    let verify = tingjian(&vault, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    app.close().await
}
