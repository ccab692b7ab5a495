//! Rectification (整改) on the real app, person by person: the president requires it from a call
//! he reviewed; the department head answers with a root cause and two actions, logs progress with
//! an evidence file and submits; the consumer-protection center verifies it as not effective (the
//! case goes back to the department), the head submits again, and the center closes it. Every
//! step is an audit event, the chain verifies, and the evidence file's BLAKE3 hash is in the log.

use std::path::Path;
use std::process::Command;

use fantoccini::Locator;
use serde_json::json;
use tingjian_e2e::{App, Error, WAIT, demo_vault, scripted_chooser, sound_env, sqlite, tingjian};
use tingjian_sound_setups::AlsaConfig;

/// The departments of the demo that have a head, and who the head is.
const HEADS: [(&str, &str); 3] = [("信用卡中心", "chen.jing"), ("零售金融部", "zhang.wei"), ("城东支行", "liu.yang")];

const WHAT: &str = "E2E：办卡时须讲清年费减免条件，并留存告知记录";
const NOTE: &str = "坐席没有说明年费减免条件";

/// The app as `person`, without a sound card (this test plays nothing; the review screen still
/// shows the call and where a note is).
async fn launch_as(vault: &Path, alsa: &AlsaConfig, person: &str) -> Result<App, Error> {
    launch_choosing(vault, alsa, person, Vec::new()).await
}

/// As [`launch_as`], with more environment: `chooser`, the answers the file chooser gives
/// (`scripted_chooser`), since a test cannot click through a GTK dialog.
async fn launch_choosing(
    vault: &Path,
    alsa: &AlsaConfig,
    person: &str,
    chooser: Vec<(String, String)>,
) -> Result<App, Error> {
    let mut env = sound_env(None, alsa);
    env.push(("TINGJIAN_USER".to_owned(), person.to_owned()));
    env.extend(chooser);
    App::launch_with_env(vault, &env).await
}

/// Waits until `css`'s text satisfies `test` (`what` says what that means), and returns it.
async fn wait_for_text(app: &mut App, css: &str, what: &str, test: impl Fn(&str) -> bool) -> Result<String, Error> {
    app.wait_for_text(css, what, WAIT, test).await
}

/// Whether nothing matches `css` (the page has no such part).
async fn absent(app: &App, css: &str) -> Result<bool, Error> {
    Ok(app.client.find_all(Locator::Css(css)).await?.is_empty())
}

/// The number a figure or a count chip shows first ("1 待验证超期" → 1).
fn leading_number(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

/// Waits until the case page shows `state` (its JSON name) and returns the label it shows.
async fn wait_for_state(app: &mut App, state: &str) -> Result<String, Error> {
    app.wait_for_attribute("[data-testid=case-state]", "data-state", state, WAIT).await?;
    app.text_of("[data-testid=case-state]").await
}

/// Opens the case from the board (the 整改 tab), as anyone finds it there.
async fn open_from_board(app: &mut App, case_id: &str) -> Result<(), Error> {
    app.click("[data-testid=nav-rectification]").await?;
    app.click(&format!("[data-testid=rect-row][data-case='{case_id}'] td")).await?;
    app.wait_for("[data-testid=case-header]", WAIT).await?;
    Ok(())
}

/// Scrolls `css` to the top of the window, for a screenshot of that part of a long page.
async fn scroll_to(app: &mut App, css: &str) -> Result<(), Error> {
    app.client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); window.scrollBy(0, -12);",
            vec![serde_json::Value::from(css)],
        )
        .await?;
    Ok(())
}

/// Text cut off by its box, and whether the page scrolls sideways (as tests/screens.rs checks the
/// library and the review screen).
const OVERFLOW_PROBE: &str = r#"
    const clipped = [];
    for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        if (el.closest('.table-wrap, canvas, select, textarea, input')) continue;
        const hides = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
        if (hides && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim() !== '') {
            clipped.push(el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40));
        }
    }
    return { clipped, page: document.documentElement.scrollWidth > window.innerWidth + 1 };
"#;

async fn check_layout(app: &mut App, what: &str) -> Result<(), Error> {
    let probe = app.client.execute(OVERFLOW_PROBE, vec![]).await?;
    assert_eq!(probe["page"], serde_json::Value::Bool(false), "{what}: the page scrolls sideways");
    assert_eq!(probe["clipped"], serde_json::json!([]), "{what}: text is cut off");
    Ok(())
}

fn b3sum(path: &Path) -> String {
    let output = Command::new("b3sum").arg("--no-names").arg(path).output().expect("b3sum (make installs it)");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_goes_from_a_reviewed_call_to_a_verified_close() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let alsa = AlsaConfig::no_card();

    // A recorded complaint of a department that has a head in the demo.
    let departments = HEADS.iter().map(|(d, _)| format!("'{d}'")).collect::<Vec<_>>().join(",");
    let found = sqlite(
        &vault,
        &format!(
            "SELECT number || '|' || department FROM complaints
             WHERE recording_hash IS NOT NULL AND department IN ({departments}) ORDER BY number LIMIT 1"
        ),
    );
    let (number, department) =
        found.split_once('|').ok_or("the demo has a recorded call of a department with a head")?;
    let (number, department) = (number.to_owned(), department.to_owned());
    let head = HEADS.iter().find(|(d, _)| *d == department).map(|(_, h)| *h).ok_or("a head")?;

    // The president reviews the call: a note at a moment of it, then rectification required of
    // the department with that note attached.
    let mut app = launch_as(&vault, &alsa, "wang.jianguo").await?;
    app.click("[data-testid=nav-library]").await?;
    app.search_library_for(&number).await?;
    app.click(&format!("[data-testid='listen-{number}']")).await?;
    // Clicking the middle of the waveform moves the playhead there (no sound card: nothing plays).
    app.click("[data-testid=waveform]").await?;
    wait_for_text(&mut app, "[data-testid=position]", "the playhead to move where the waveform was clicked", |t| {
        !t.starts_with("0:00 ")
    })
    .await?;
    app.click("[data-testid=note-add]").await?;
    app.type_into("[data-testid=note-input]", &format!("{NOTE}\u{E007}")).await?;
    let jump = format!("//li[@data-testid='note-item'][contains(., '{NOTE}')]//button[@data-testid='note-jump']");
    let note_time = app.wait_for_xpath(&jump, WAIT).await?.text().await?;
    assert_ne!(note_time, "0:00");
    app.click("[data-testid=rectify-open]").await?;
    let chosen = app.wait_for("[data-testid=rectify-department]", WAIT).await?.prop("value").await?;
    assert_eq!(chosen.as_deref(), Some(department.as_str()), "the complaint's department is proposed");
    app.type_into("[data-testid=rectify-what]", WHAT).await?;
    app.click_xpath(&format!("//label[contains(., '{NOTE}')]/input[@data-testid='rectify-note']")).await?;
    app.click("[data-testid=rectify-submit]").await?;
    app.wait_for_xpath(&format!("//*[@data-testid='rectification-item'][contains(., '{WHAT}')]"), WAIT).await?;
    app.close().await?;
    let case_id = sqlite(&vault, &format!("SELECT id FROM rectification_cases WHERE what_must_change = '{WHAT}'"));
    assert!(!case_id.is_empty(), "the case is in the vault");
    assert_eq!(sqlite(&vault, &format!("SELECT state FROM rectification_cases WHERE id = '{case_id}'")), "open");

    // The department head: the home card lists the case; it opens the case page. The evidence
    // file the head will choose is the file chooser's one answer.
    let evidence = temp.path().join("年费告知话术-签到表.csv");
    std::fs::write(&evidence, "姓名,日期,培训内容\n陈静,2026-11-03,年费告知话术\n张伟,2026-11-03,年费告知话术\n")?;
    let evidence_text = evidence.to_str().ok_or("utf-8 path")?.to_owned();
    let chooser = scripted_chooser(temp.path(), &[json!([evidence_text])])?;
    let mut app = launch_choosing(&vault, &alsa, head, chooser).await?;
    let card =
        wait_for_text(&mut app, "[data-testid=rect-home]", "the home card to list the case", |t| t.contains(&number))
            .await?;
    assert!(card.contains("我的整改") && card.contains(&department), "{card}");
    scroll_to(&mut app, "[data-testid=rect-home]").await?;
    app.screenshot("rectification-home-head-zh").await?;
    app.click(&format!("[data-testid=rect-home-case][data-case='{case_id}'] [data-testid=rect-home-open]")).await?;
    assert_eq!(wait_for_state(&mut app, "open").await?, "已下发");
    let next = app.text_of("[data-testid=case-next]").await?;
    assert!(next.contains("总结反思") && next.contains("整改措施"), "the page says what to do: {next}");
    assert_eq!(app.text_of("[data-testid=case-department]").await?, department);
    check_layout(&mut app, "the case page").await?;
    app.screenshot("rectification-case-open-zh").await?;

    // "Listen here" opens the call at the noted moment; back returns to the case.
    let note = app.wait_for("[data-testid=case-note]", WAIT).await?.text().await?;
    assert!(note.contains(NOTE) && note.contains(&note_time), "{note}");
    app.click("[data-testid=case-note-listen]").await?;
    app.wait_for("[data-testid=waveform]", WAIT).await?;
    assert_eq!(app.text_of("#review-title").await?, number);
    wait_for_text(&mut app, "[data-testid=position]", &format!("the playhead to be at the note's {note_time}"), |t| {
        t.starts_with(&format!("{note_time} "))
    })
    .await?;
    app.click("[data-testid=review-back]").await?;
    wait_for_state(&mut app, "open").await?;

    // The answer: reflection, root cause, two actions (the owner and due date come filled in).
    app.type_into("[data-testid=answer-reflection]", "办卡环节只讲权益不讲收费，客户不知道年费规则。").await?;
    app.type_into("[data-testid=answer-category]", "告知不充分").await?;
    app.type_into("[data-testid=answer-root-cause]", "营销话术缺少年费告知，培训也没有覆盖").await?;
    app.click("[data-testid=answer-add-row]").await?;
    let measures = app.client.find_all(Locator::Css("[data-testid=action-measure]")).await?;
    let criteria = app.client.find_all(Locator::Css("[data-testid=action-criterion]")).await?;
    assert_eq!((measures.len(), criteria.len()), (2, 2));
    measures[0].send_keys("修订办卡话术，加入年费告知").await?;
    criteria[0].send_keys("新话术下发通知").await?;
    measures[1].send_keys("全员培训并抽查录音").await?;
    criteria[1].send_keys("培训签到表和抽查记录").await?;
    app.screenshot("rectification-answer-zh").await?;
    app.click("[data-testid=answer-submit]").await?;
    assert_eq!(wait_for_state(&mut app, "in_progress").await?, "整改中");
    assert_eq!(app.client.find_all(Locator::Css("[data-testid=case-action]")).await?.len(), 2);
    let answer = app.text_of("[data-testid=case-answer]").await?;
    assert!(answer.contains("告知不充分") && answer.contains("营销话术缺少年费告知"), "{answer}");

    // Submitting before the actions are done is refused, with the rules' own message; nothing changes.
    let events_before = sqlite(&vault, "SELECT count(*) FROM events");
    app.click("[data-testid=submit-verification]").await?;
    app.wait_for_attribute("[data-testid=step-error]", "data-code", "TRANSITION_REFUSED", WAIT).await?;
    let refused = app.text_of("[data-testid=step-error]").await?;
    assert!(refused.contains("未完成") && refused.contains("修订办卡话术"), "{refused}");
    assert_eq!(app.text_of("[data-testid=case-state]").await?, "整改中");
    assert_eq!(sqlite(&vault, &format!("SELECT state FROM rectification_cases WHERE id = '{case_id}'")), "in_progress");
    assert_eq!(sqlite(&vault, "SELECT count(*) FROM events"), events_before, "a refusal records nothing");

    // A compromised page cannot log as evidence a file the head never chose: calling the command
    // itself with another path is refused with its code, and nothing is recorded.
    let refused = app
        .invoke_from_page(
            "log_rectification_progress",
            json!({ "caseId": case_id, "action": 0, "text": "E2E", "files": ["/etc/passwd"], "marksDone": false }),
        )
        .await?;
    assert_eq!(refused.as_ref().err().and_then(|e| e["code"].as_str()), Some("PATH_NOT_CHOSEN"), "{refused:?}");
    assert_eq!(sqlite(&vault, "SELECT count(*) FROM events"), events_before, "a refusal records nothing");

    // Progress on each action, the first with an evidence file (chosen with the file chooser), each
    // marked done.
    app.type_into("[data-testid=progress-text]", "新话术已修订并下发全部网点").await?;
    app.click("[data-testid=progress-pick]").await?;
    app.wait_for_value("[data-testid=progress-files]", &evidence_text, WAIT).await?;
    app.click("[data-testid=progress-done]").await?;
    app.click("[data-testid=progress-submit]").await?;
    let file = wait_for_text(&mut app, "[data-testid=case-evidence]", "the evidence file to be listed", |t| {
        t.contains("年费告知话术-签到表.csv")
    })
    .await?;
    assert!(file.contains("打开"), "{file}");
    wait_for_text(&mut app, "[data-testid=case-actions]", "one action of two to be done", |t| t.contains("1/2"))
        .await?;
    check_layout(&mut app, "the case page with progress").await?;
    scroll_to(&mut app, "[data-testid=case-answer]").await?;
    app.screenshot("rectification-case-zh").await?;
    // The form now proposes the action still open.
    let proposed = app.find("[data-testid=progress-action]").await?.prop("value").await?;
    assert_eq!(proposed.as_deref(), Some("1"), "the next undone action is proposed");
    app.type_into("[data-testid=progress-text]", "全员培训完成，抽查 20 笔录音均已告知").await?;
    app.click("[data-testid=progress-done]").await?;
    app.click("[data-testid=progress-submit]").await?;
    wait_for_text(&mut app, "[data-testid=case-actions]", "both actions to be done", |t| t.contains("2/2")).await?;
    app.click("[data-testid=submit-verification]").await?;
    assert_eq!(wait_for_state(&mut app, "pending_verification").await?, "待验证");
    app.close().await?;

    // The consumer-protection center: the board (the screenshot), then the case, verified as
    // not effective: it goes back to the department.
    let mut app = launch_as(&vault, &alsa, "li.min").await?;
    // The home card counts the cases waiting for verification longer than allowed: pending
    // verification since day D, flagged from D + 7 + 1 (ARCHITECTURE.md, "Rectification rules"),
    // counted here from the vault on the branch's date (Asia/Shanghai, UTC+8 all year).
    let waiting_too_long: u64 = sqlite(
        &vault,
        "SELECT count(*) FROM rectification_cases WHERE state = 'pending_verification'
         AND date(json_extract(rules, '$.submitted_on'), '+8 days') <= date('now', '+8 hours')",
    )
    .parse()?;
    let awaiting = app.wait_for("[data-testid=rect-home-awaiting]", WAIT).await?.text().await?;
    assert!(awaiting.contains("待验证超期"), "{awaiting}");
    assert_eq!(leading_number(&awaiting), Some(waiting_too_long), "the home card's 待验证超期: {awaiting}");
    scroll_to(&mut app, "[data-testid=rect-home]").await?;
    app.screenshot("rectification-home-coordinator-zh").await?;
    app.click("[data-testid=nav-rectification]").await?;
    let row = format!("[data-testid=rect-row][data-case='{case_id}']");
    let line = wait_for_text(&mut app, &row, "the case's row to say 待验证", |t| t.contains("待验证")).await?;
    assert!(line.contains(&number) && line.contains("2/2"), "{line}");
    // The board's count of a state is the vault's number of cases in it.
    let pending_in_vault: u64 =
        sqlite(&vault, "SELECT count(*) FROM rectification_cases WHERE state = 'pending_verification'").parse()?;
    let pending = app.text_of("[data-testid=rect-count-pending_verification]").await?;
    assert_eq!(leading_number(&pending), Some(pending_in_vault), "the board's 待验证 count: {pending}");
    check_layout(&mut app, "the board").await?;
    app.screenshot("rectification-board-zh").await?;
    // The count of a state filters the board to it: its rows, and only those.
    app.click("[data-testid=rect-count-pending_verification]").await?;
    app.wait_until("the board to show only the cases pending verification", WAIT, async |app| {
        let others =
            app.client.find_all(Locator::Css("[data-testid=rect-row]:not([data-state=pending_verification])")).await?;
        let rows = app.client.find_all(Locator::Css("[data-testid=rect-row]")).await?;
        if others.is_empty() && rows.len() as u64 == pending_in_vault {
            Ok(Ok(()))
        } else {
            Ok(Err(format!("{} rows, {} of them in other states", rows.len(), others.len())))
        }
    })
    .await?;
    app.wait_for(&row, WAIT).await?;
    app.click("[data-testid=rect-count-all]").await?;
    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    wait_for_text(&mut app, "[data-testid=rect-board]", "the board in English", |t| t.contains("Pending verification"))
        .await?;
    app.screenshot("rectification-board-en").await?;
    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_attribute("html", "lang", "zh-CN", WAIT).await?;

    app.click(&format!("{row} td")).await?;
    wait_for_state(&mut app, "pending_verification").await?;
    app.click("[data-testid=verify-not_effective]").await?;
    app.type_into("[data-testid=verify-criteria]", "观察期内无同类投诉").await?;
    app.type_into("[data-testid=verify-finding]", "观察期内仍有一起同类投诉，话术执行不到位").await?;
    app.click("[data-testid=verify-submit]").await?;
    assert_eq!(wait_for_state(&mut app, "in_progress").await?, "整改中", "not effective reopens the case");
    let checks = app.text_of("[data-testid=case-verifications]").await?;
    assert!(checks.contains("无效") && checks.contains("仍有一起同类投诉"), "{checks}");
    app.close().await?;

    // The head submits again; the center verifies it as effective: closed.
    let mut app = launch_as(&vault, &alsa, head).await?;
    open_from_board(&mut app, &case_id).await?;
    assert_eq!(wait_for_state(&mut app, "in_progress").await?, "整改中");
    app.click("[data-testid=submit-verification]").await?;
    wait_for_state(&mut app, "pending_verification").await?;
    app.close().await?;
    let mut app = launch_as(&vault, &alsa, "li.min").await?;
    open_from_board(&mut app, &case_id).await?;
    app.click("[data-testid=verify-effective]").await?;
    app.type_into("[data-testid=verify-criteria]", "复查观察期内无同类投诉，抽查录音均已告知年费").await?;
    app.click("[data-testid=verify-submit]").await?;
    assert_eq!(wait_for_state(&mut app, "closed").await?, "已关闭");
    assert!(absent(&app, "[data-testid=case-forms]").await?, "a closed case offers no step");
    let history = app.text_of("[data-testid=case-history]").await?;
    assert!(history.contains("待验证 → 已关闭") && history.contains("李敏"), "{history}");
    app.client.execute("window.scrollTo(0, 0)", vec![]).await?;
    app.screenshot("rectification-closed-zh").await?;
    app.close().await?;

    // The log holds every step; the chain verifies; the evidence file's hash is in it.
    assert_eq!(sqlite(&vault, &format!("SELECT state FROM rectification_cases WHERE id = '{case_id}'")), "closed");
    let verify = tingjian(&vault, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let hash = b3sum(&evidence);
    assert_eq!(hash.len(), 64, "{hash}");
    assert_eq!(sqlite(&vault, &format!("SELECT hash FROM evidence_files WHERE case_id = '{case_id}'")), hash);
    let in_log: u64 = sqlite(&vault, &format!("SELECT count(*) FROM events WHERE payload LIKE '%{hash}%'")).parse()?;
    assert!(in_log >= 1, "the evidence hash is in the audit log");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_center_drafts_a_case_by_hand_issues_it_and_cancels_it_only_with_a_reason() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    let alsa = AlsaConfig::no_card();
    let number =
        sqlite(&vault, "SELECT number FROM complaints WHERE department = '零售金融部' ORDER BY number LIMIT 1");
    assert!(!number.is_empty(), "the demo has a complaint of 零售金融部");
    const WHAT_BY_HAND: &str = "E2E：理财双录抽查发现漏录，须补录并复核同期业务";

    let mut app = launch_as(&vault, &alsa, "li.min").await?;
    app.click("[data-testid=nav-rectification]").await?;
    app.click("[data-testid=rect-new]").await?;
    // A number the vault does not know is refused with its code and advice.
    app.type_into("[data-testid=rect-new-number]", "TS0000000000").await?;
    app.click("[data-testid=rect-new-department] option[value='零售金融部']").await?;
    app.type_into("[data-testid=rect-new-what]", WHAT_BY_HAND).await?;
    app.click("[data-testid=rect-new-submit]").await?;
    app.wait_for_attribute("[data-testid=rect-new-error]", "data-code", "COMPLAINT_NOT_FOUND", WAIT).await?;
    app.find("[data-testid=rect-new-number]").await?.clear().await?;
    app.type_into("[data-testid=rect-new-number]", &number).await?;
    app.click_xpath("//*[@data-testid='rect-new-form']//button[normalize-space(.)='严重']").await?;
    app.click("[data-testid=rect-new-submit]").await?;

    // The draft's page: the center issues it (the due date defaults to 30 days on).
    assert_eq!(wait_for_state(&mut app, "draft").await?, "草稿");
    assert_eq!(app.text_of("[data-testid=case-what]").await?, WHAT_BY_HAND);
    app.click("[data-testid=open-submit]").await?;
    assert_eq!(wait_for_state(&mut app, "open").await?, "已下发");
    let due = app.text_of("[data-testid=case-due]").await?;
    assert_eq!(due.len(), 10, "a due date is set when issued: {due}");

    // Cancelling needs a reason: the button waits for one; then the case is cancelled, kept whole.
    app.click("[data-testid=cancel-show]").await?;
    let cancel = app.wait_for("[data-testid=cancel-submit]", WAIT).await?;
    assert!(cancel.attr("disabled").await?.is_some(), "no reason, no cancel");
    app.type_into("[data-testid=cancel-reason]", "与另一案件重复，合并处理").await?;
    app.click("[data-testid=cancel-submit]").await?;
    assert_eq!(wait_for_state(&mut app, "cancelled").await?, "已撤销");
    let cancelled = app.text_of("[data-testid=case-cancellation]").await?;
    assert!(cancelled.contains("与另一案件重复") && cancelled.contains("李敏"), "{cancelled}");
    assert!(absent(&app, "[data-testid=case-forms]").await?, "a cancelled case offers no step");

    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_attribute("html", "lang", "en", WAIT).await?;
    assert_eq!(app.text_of("[data-testid=case-state]").await?, "Cancelled");
    check_layout(&mut app, "the cancelled case in English").await?;
    app.client.execute("window.scrollTo(0, 0)", vec![]).await?;
    app.screenshot("rectification-case-cancelled-en").await?;

    // Back on the board, the keyboard opens a case too: a row has the focus, Enter opens it.
    app.click("[data-testid=case-back]").await?;
    let id = sqlite(&vault, &format!("SELECT id FROM rectification_cases WHERE what_must_change = '{WHAT_BY_HAND}'"));
    let row = format!("[data-testid=rect-row][data-case='{id}']");
    app.wait_for(&row, WAIT).await?;
    app.client.execute("document.querySelector(arguments[0]).focus()", vec![serde_json::Value::from(row)]).await?;
    app.client.active_element().await?.send_keys("\u{E007}").await?;
    assert_eq!(wait_for_state(&mut app, "cancelled").await?, "Cancelled");
    app.close().await?;

    let case = sqlite(
        &vault,
        &format!(
            "SELECT state || '|' || severity || '|' || department FROM rectification_cases WHERE what_must_change = '{WHAT_BY_HAND}'"
        ),
    );
    assert_eq!(case, "cancelled|critical|零售金融部");
    let verify = tingjian(&vault, &["verify", "--json"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    Ok(())
}
