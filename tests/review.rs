//! The review workspace on the real app: a reviewer opens a complaint from the library, plays the
//! call into a real (private) PulseAudio sound server, sees the playhead move and the coverage
//! grow, and the vault keeps the listening session as evidence.

use std::path::Path;
use std::time::Instant;

use tingjian_e2e::{App, Error, WAIT, clock_seconds, demo_vault, sound_env, sqlite, tingjian};
use tingjian_sound_setups::{AlsaConfig, PulseServer};

const PLAY: &str = "[data-testid=play-toggle]";
const POSITION: &str = "[data-testid=position]";
const MY_COVERAGE: &str = "[data-testid=my-coverage]";

/// The reviewer's coverage of a complaint's recording as the vault holds it, computed here from
/// the heard spans by the rule of ARCHITECTURE.md ("Proof of listening"): a moment of a
/// two-channel call counts when both parties were heard at it (played with both channels, or
/// once soloing each side); on a mono recording every span counts; the union over sessions, as a
/// share of the decoded duration.
#[derive(Debug, Clone, Copy, PartialEq)]
struct VaultCoverage {
    heard_ms: u64,
    duration_ms: u64,
    percent: f64,
}

fn vault_coverage(vault: &Path, number: &str, person: &str) -> VaultCoverage {
    let recording = sqlite(
        vault,
        &format!(
            "SELECT r.hash || '|' || r.duration_ms || '|' || r.channels FROM complaints c
             JOIN recordings r ON r.hash = c.recording_hash WHERE c.number = '{number}'"
        ),
    );
    let fields: Vec<&str> = recording.split('|').collect();
    let [hash, duration_ms, channels] = fields[..] else { panic!("{number} has no recording: {recording:?}") };
    let duration_ms: u64 = duration_ms.parse().expect("a duration");
    let channels: u32 = channels.parse().expect("a channel count");
    let rows = sqlite(
        vault,
        &format!(
            "SELECT p.start_ms || '|' || p.end_ms || '|' || p.channel FROM listening_spans p
             JOIN listening_sessions s ON s.id = p.session_id
             WHERE s.recording_hash = '{hash}' AND s.person = '{person}'"
        ),
    );
    let spans: Vec<(u64, u64, String)> = rows
        .lines()
        .map(|line| {
            let mut parts = line.split('|');
            let start: u64 = parts.next().and_then(|v| v.parse().ok()).expect("start_ms");
            let end: u64 = parts.next().and_then(|v| v.parse().ok()).expect("end_ms");
            let channel = parts.next().expect("channel").to_owned();
            (start.min(duration_ms), end.min(duration_ms), channel)
        })
        .collect();
    let heard = |sides: &[&str]| union(spans.iter().filter(|s| sides.contains(&s.2.as_str())).map(|s| (s.0, s.1)));
    let heard = if channels < 2 {
        heard(&["both", "agent", "customer"])
    } else {
        intersection(&heard(&["both", "agent"]), &heard(&["both", "customer"]))
    };
    let heard_ms: u64 = heard.iter().map(|(a, b)| b - a).sum();
    let percent = if duration_ms == 0 { 0.0 } else { heard_ms as f64 * 100.0 / duration_ms as f64 };
    VaultCoverage { heard_ms, duration_ms, percent }
}

/// The union of intervals, sorted and merged.
fn union(intervals: impl Iterator<Item = (u64, u64)>) -> Vec<(u64, u64)> {
    let mut sorted: Vec<(u64, u64)> = intervals.filter(|(a, b)| b > a).collect();
    sorted.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for (start, end) in sorted {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Where both sorted, merged interval lists cover.
fn intersection(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(a0, a1) in a {
        for &(b0, b1) in b {
            let (start, end) = (a0.max(b0), a1.min(b1));
            if end > start {
                out.push((start, end));
            }
        }
    }
    union(out.into_iter())
}

/// The text of `css` without the harness's failure report (for use inside a wait).
async fn read_text(app: &App, css: &str) -> Result<String, Error> {
    Ok(app.client.find(fantoccini::Locator::Css(css)).await?.text().await?)
}

/// Waits until the screen's coverage ("N%") is the reviewer's coverage in the vault, within the
/// screen's rounding to a whole percent, and something was heard; returns what the vault holds.
async fn coverage_matches_vault(app: &mut App, vault: &Path, number: &str) -> Result<VaultCoverage, Error> {
    app.wait_until("the coverage shown to be the heard spans' coverage in the vault", WAIT, async |app| {
        let shown = read_text(app, MY_COVERAGE).await?;
        let truth = vault_coverage(vault, number, "e2e");
        let percent = shown.strip_suffix('%').and_then(|n| n.trim().parse::<f64>().ok());
        match percent {
            Some(percent) if truth.heard_ms > 0 && (percent - truth.percent).abs() <= 0.5 + 1e-9 => Ok(Ok(truth)),
            _ => Ok(Err(format!("the screen shows {shown:?}, the vault holds {truth:?}"))),
        }
    })
    .await
}

/// Pauses with Space (the keyboard first) and waits until the player says it is paused. Space
/// toggles what the screen believes, so it is pressed once the screen says it is playing (the
/// button offers 暂停); a call that ended before never does, and fails here.
async fn pause_with_space(app: &mut App) -> Result<(), Error> {
    app.wait_for_text(PLAY, "the player to be playing before Space", WAIT, |t| t.contains("暂停")).await?;
    app.press(" ").await?;
    app.wait_for_text(PLAY, "the player to pause on Space", WAIT, |t| t.contains("播放")).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_plays_a_call_and_the_vault_records_what_was_heard() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let pulse = PulseServer::start();
    let alsa = AlsaConfig::pulse();
    let mut app = App::launch_with_env(&vault, &sound_env(Some(&pulse), &alsa)).await?;

    app.click("[data-testid=nav-library]").await?;
    let listen = app.wait_for("[data-testid^=listen-]", WAIT).await?;
    let number = listen.attr("data-testid").await?.unwrap_or_default().trim_start_matches("listen-").to_owned();
    app.click(&format!("[data-testid='listen-{number}']")).await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    assert_eq!(app.text_of("#review-title").await?, number);
    assert_eq!(app.text_of(MY_COVERAGE).await?, "0%");
    app.wait_for("[data-testid=play-toggle]:not([disabled])", WAIT).await?;
    assert!(app.body_text().await?.contains("播放设备"), "the device in use is named");

    app.click("[data-testid=play-toggle]:not([disabled])").await?;
    let started = Instant::now();
    // The playhead moves while playing: it leaves 0:00, then goes on to later moments.
    let early = app
        .wait_for_text(POSITION, "the playhead to leave 0:00", WAIT, |t| clock_seconds(t).is_some_and(|s| s >= 1))
        .await?;
    let moving_since = Instant::now();
    let early_s = clock_seconds(&early).unwrap_or(0);
    let later = app
        .wait_for_text(POSITION, &format!("the playhead to move on from {early} to 0:03 or later"), WAIT, |t| {
            clock_seconds(t).is_some_and(|s| s > early_s && s >= 3)
        })
        .await?;
    assert_ne!(early, later, "the playhead moves while playing");
    app.screenshot("review-playing-zh").await?;

    // Space pauses (keyboard first); the heard spans are flushed at once and coverage shows them:
    // the figure on screen is what the vault's spans make.
    let pausing_at = Instant::now();
    pause_with_space(&mut app).await?;
    let played_for = started.elapsed().as_millis() as u64;
    let moved_for = pausing_at.duration_since(moving_since).as_millis() as u64;
    let paused_at = app.text_of(POSITION).await?;
    let coverage = coverage_matches_vault(&mut app, &vault, &number).await?;
    assert_ne!(app.text_of(MY_COVERAGE).await?, "0%", "what was heard shows: {coverage:?}");
    app.screenshot("review-zh").await?;

    // Going back ends the session; the vault has it, with the seconds that were really played.
    app.click("[data-testid=review-back]").await?;
    app.wait_for("[data-testid=library-table]", WAIT).await?;
    let ended = app
        .wait_until("the listening session to end in the vault", WAIT, async |_| {
            let ended = sqlite(&vault, "SELECT end_reason FROM listening_sessions WHERE person = 'e2e'");
            Ok(if ended.is_empty() { Err("no end reason yet".to_owned()) } else { Ok(ended) })
        })
        .await?;
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
    // What was heard is the call from its start to where the playhead stopped (the clock shows
    // whole seconds; the pause takes a moment)...
    let paused_ms = clock_seconds(&paused_at).unwrap_or(0) * 1000;
    assert!(heard_ms.abs_diff(paused_ms) <= 1000, "{heard_ms} ms heard; the playhead stopped at {paused_at}");
    // ... and the null sink plays in real time: no more than the time between play and pause, and
    // at least the time the playhead was seen moving (WebDriver's own delays make the bounds loose;
    // the time the device takes to start is not counted, it varies with the machine's load).
    assert!(heard_ms <= played_for + 500, "{heard_ms} ms heard in {played_for} ms since play was pressed");
    assert!(
        heard_ms + 1500 >= 500 + moved_for,
        "{heard_ms} ms heard; the playhead was seen moving for {moved_for} ms after it passed 0:01"
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
    app.click("[data-testid=nav-library]").await?;
    app.click("[data-testid^=listen-]").await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    let shown = app.wait_for("[data-testid=player-problem]", WAIT).await?;
    let problem = shown.text().await?;
    assert!(problem.contains("无法打开声音输出设备"), "{problem}");
    assert!(problem.contains("耳机"), "the advice says what to do: {problem}");
    let play = app.find(PLAY).await?;
    assert!(play.attr("disabled").await?.is_some(), "play is disabled without a device");
    app.screenshot("review-no-device-zh").await?;
    // Trying again without a device says the same (a new message replaces the old one), and still
    // records nothing.
    app.click("[data-testid=player-retry]").await?;
    let again = app
        .wait_until("the problem to be shown anew after trying again", WAIT, async |app| {
            if shown.text().await.is_ok() {
                return Ok(Err("the first message is still the one shown".to_owned()));
            }
            match read_text(app, "[data-testid=player-problem]").await {
                Ok(text) => Ok(Ok(text)),
                Err(error) => Ok(Err(format!("no problem shown: {error}"))),
            }
        })
        .await?;
    assert_eq!(again, problem);
    assert!(app.find(PLAY).await?.attr("disabled").await?.is_some(), "play is still disabled");
    assert_eq!(sqlite(&vault, "SELECT COUNT(*) FROM listening_sessions WHERE person = 'e2e'"), "0");

    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    app.wait_for_text("[data-testid=player-problem]", "the problem to be told in English", WAIT, |t| {
        t.contains("sound output device")
    })
    .await?;
    app.screenshot("review-no-device-en").await?;
    app.close().await
}

/// Opens the library and the review screen of the first complaint with a recording (or of
/// `number`); returns the complaint's number.
async fn open_review(app: &mut App, number: Option<&str>) -> Result<String, Error> {
    app.click("[data-testid=nav-library]").await?;
    let css = number.map_or("[data-testid^=listen-]".to_owned(), |n| format!("[data-testid='listen-{n}']"));
    let listen = app.wait_for(&css, WAIT).await?;
    let number = listen.attr("data-testid").await?.unwrap_or_default().trim_start_matches("listen-").to_owned();
    app.click(&format!("[data-testid='listen-{number}']")).await?;
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

    // Play: the playhead moves to a moment past the start.
    app.click("[data-testid=play-toggle]:not([disabled])").await?;
    let moved = app
        .wait_for_text(POSITION, "the playhead to reach 0:02", WAIT, |t| clock_seconds(t).is_some_and(|s| s >= 2))
        .await?;
    let moved_s = clock_seconds(&moved).unwrap_or(0);

    // N notes the moment at the playhead: the note is pinned where the playhead was when N was
    // pressed, between what the clock showed before and after.
    app.press("n").await?;
    let input = app.wait_for("[data-testid=note-input]", WAIT).await?;
    input.send_keys("坐席没有核实客户身份\u{E007}").await?;
    let jump = app.wait_for_xpath(MY_NOTE_JUMP, WAIT).await?;
    let note_time = jump.text().await?;
    let after = clock_seconds(&app.text_of(POSITION).await?).unwrap_or(0);
    let note_s = clock_seconds(&note_time).unwrap_or(0);
    assert!(
        (moved_s..=after).contains(&note_s),
        "the note is pinned where the playhead was: {note_time}, the clock showed {moved} before and {after} s after"
    );

    // Space pauses; coverage shows what was heard, as the vault holds it.
    pause_with_space(&mut app).await?;
    coverage_matches_vault(&mut app, &vault, &number).await?;

    // Move away, then jump back to the note: the playhead goes to the noted moment.
    app.press("\u{E014}\u{E014}\u{E014}").await?;
    app.wait_for_text(POSITION, &format!("the playhead to leave {note_time}"), WAIT, |t| {
        !t.starts_with(&format!("{note_time} "))
    })
    .await?;
    app.click_xpath(MY_NOTE_JUMP).await?;
    app.wait_for_text(POSITION, &format!("the playhead to jump to the note at {note_time}"), WAIT, |t| {
        t.starts_with(&format!("{note_time} "))
    })
    .await?;

    // The reflection's draft saves as it is typed.
    app.type_into("[data-testid=reflection-editor]", REFLECTION).await?;
    app.wait_for_text("[data-testid=draft-status]", "the draft to be saved", WAIT, |t| t.contains("草稿已保存"))
        .await?;
    app.screenshot("review-notes-zh").await?;

    // The app is killed (a crash, a power cut): nothing gets to close or save. What the screen
    // said was saved is in the vault.
    app.kill_app()?;
    assert_eq!(sqlite(&vault, "SELECT text FROM drafts WHERE person = 'e2e'"), REFLECTION);

    // Restarted, the review screen has the draft and the note back.
    let mut app = App::launch_with_env(&vault, &env).await?;
    open_review(&mut app, Some(&number)).await?;
    let editor = app.wait_for("[data-testid=reflection-editor]", WAIT).await?;
    assert_eq!(editor.prop("value").await?.as_deref(), Some(REFLECTION), "the draft is there after the crash");
    assert_eq!(app.find_xpath(MY_NOTE_JUMP).await?.text().await?, note_time);

    // Submitting asks once, then records the reflection and clears the draft.
    app.click("[data-testid=reflection-submit]").await?;
    app.click("[data-testid=reflection-confirm]").await?;
    let submitted = app
        .wait_for_xpath("//*[@data-testid='reflection-item'][contains(., '一、坐席未先核实客户身份')]", WAIT)
        .await?
        .text()
        .await?;
    assert!(submitted.contains("e2e"), "{submitted}");
    assert_eq!(app.find("[data-testid=reflection-editor]").await?.prop("value").await?.as_deref(), Some(""));
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
    app.press("?").await?;
    let help = app.wait_for("[data-testid=help-overlay]", WAIT).await?.text().await?;
    assert!(help.contains("在当前位置记笔记") && help.contains("播放 / 暂停"), "{help}");
    app.press("\u{E00C}").await?;
    app.wait_for_absent("[data-testid=help-overlay]", WAIT).await?;
    // Esc was the overlay's: the review screen is still there.
    app.find("[data-testid=waveform]").await?;
    assert_eq!(app.text_of("#review-title").await?, number);

    // Personal data is masked until revealed with a reason; the reveal is an audit event.
    let masked = app.text_of("[data-testid=phone]").await?;
    assert!(masked.contains("****"), "{masked}");
    app.click("[data-testid=reveal-open]").await?;
    app.type_into("[data-testid=reveal-reason]", "回访客户核实诉求").await?;
    app.click("[data-testid=reveal-confirm]").await?;
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
    app.click("[data-testid=note-add]").await?;
    app.type_into("[data-testid=note-input]", "承诺回电但没有回电\u{E007}").await?;
    app.wait_for_xpath("//li[@data-testid='note-item'][contains(., '承诺回电但没有回电')]", WAIT).await?;
    app.click("[data-testid=rectify-open]").await?;
    app.type_into("[data-testid=rectify-what]", "回电承诺须登记并在 24 小时内回访").await?;
    app.click_xpath("//label[contains(., '承诺回电但没有回电')]/input[@data-testid='rectify-note']").await?;
    app.screenshot("review-rectify-zh").await?;
    app.click("[data-testid=rectify-submit]").await?;
    let case = app
        .wait_for_xpath("//*[@data-testid='rectification-item'][contains(., '24 小时内回访')]", WAIT)
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
