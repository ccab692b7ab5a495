//! 处理时效 on the real app: the demo quarter's two rates coloured against their thresholds, bars by
//! department and a line by month, the late complaints listed; the coordinator extends an open
//! complaint's limit (60 days refused until the approver is named) and pauses another's clock, and
//! a listed complaint opens its call with the way back to the screen.

use tingjian_e2e::{App, Error, WAIT, demo_vault, sqlite, tingjian};

#[tokio::test(flavor = "multi_thread")]
async fn the_quarters_clocks_show_by_department_and_month_and_the_coordinator_extends_a_limit() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = demo_vault(temp.path());
    // One more complaint, accepted an hour ago and still open, whatever day the demo was made on.
    let accepted = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(1))?
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai")?)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    let extra = temp.path().join("extra.csv");
    std::fs::write(
        &extra,
        format!("投诉编号,受理时间,责任机构,投诉摘要\nTSE2E0001,{accepted},城东支行,客户要求说明年费\n"),
    )?;
    let empty = temp.path().join("no-recordings");
    std::fs::create_dir(&empty)?;
    let imported = tingjian(
        &vault,
        &["import", "--manifest", extra.to_str().ok_or("utf-8")?, "--recordings", empty.to_str().ok_or("utf-8")?],
    );
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let env = [("TINGJIAN_USER".to_owned(), "li.min".to_owned())];
    let mut app = App::launch_with_env(&vault, &env).await?;
    app.click("[data-testid=nav-timeliness]").await?;

    let response = app.wait_for("[data-testid=clock-response]", WAIT).await?;
    let figure = response.text().await?;
    assert!(figure.contains('%') && figure.contains("1 小时响应率"), "{figure}");
    let band = response.attr("data-band").await?.unwrap_or_default();
    assert!(["good", "fair", "poor"].contains(&band.as_str()), "{band}");
    let departments = sqlite(
        &vault,
        "SELECT count(DISTINCT department) FROM complaints WHERE quarter = (SELECT max(quarter) FROM complaints)",
    );
    assert_eq!(app.find_all("[data-testid=clock-department]").await?.len().to_string(), departments);
    assert!(!app.find_all("[data-testid=clock-months] polyline").await?.is_empty(), "the month line is drawn");
    let late = app.find_all("[data-testid=clock-late-responses] [data-testid=clock-row]").await?;
    assert!(!late.is_empty(), "the demo has late responses");
    // The demo's coordinator extended one open complaint to 30 days.
    let open = app.text_of("[data-testid=clock-open-list]").await?;
    assert!(open.contains("30 日"), "{open}");
    app.screenshot("timeliness-zh").await?;

    // Extend the new complaint to 60 days: refused until the approver is named.
    let row = "[data-testid=clock-open-list] [data-testid=clock-row][data-complaint='TSE2E0001']";
    app.click(&format!("{row} [data-testid=clock-extend]")).await?;
    let days = app.wait_for("[data-testid=clock-extend-days]", WAIT).await?;
    days.select_by_value("60").await?;
    app.type_into("[data-testid=clock-reason]", "涉及多家机构，需总行协调").await?;
    app.click("[data-testid=clock-adjust-save]").await?;
    app.wait_for_attribute("[data-testid=clock-adjust-error]", "data-code", "INVALID_INPUT", WAIT).await?;
    app.type_into("[data-testid=clock-extend-approver]", "总行消保部").await?;
    app.click("[data-testid=clock-adjust-save]").await?;
    app.wait_for_text(row, "the row to show 60 days", WAIT, |t| t.contains("60 日")).await?;
    assert_eq!(
        sqlite(
            &vault,
            "SELECT limit_days || '|' || approver FROM handling_extensions WHERE complaint_number = 'TSE2E0001'"
        ),
        "60|总行消保部"
    );

    // A pause for an external appraisal on the same complaint.
    app.click(&format!("{row} [data-testid=clock-pause]")).await?;
    app.wait_for("[data-testid=clock-pause-from]", WAIT).await?;
    app.type_into("[data-testid=clock-reason]", "委托外部机构鉴定签名真伪").await?;
    app.click("[data-testid=clock-adjust-save]").await?;
    app.wait_for_absent("[data-testid=clock-adjust]", WAIT).await?;
    assert_eq!(
        sqlite(
            &vault,
            "SELECT count(*) || '|' || (to_at IS NULL) FROM handling_pauses WHERE complaint_number = 'TSE2E0001'"
        ),
        "1|1",
        "an appraisal under way"
    );

    app.client
        .execute(
            "document.querySelector('[data-testid=clock-late-responses]').scrollIntoView({block: 'start'});",
            vec![],
        )
        .await?;
    app.screenshot("timeliness-lists-zh").await?;

    // A listed complaint opens its call; back returns to the screen.
    let first = late.first().ok_or("a late response")?.attr("data-complaint").await?.unwrap_or_default();
    app.click(&format!(
        "[data-testid=clock-late-responses] [data-testid=clock-row][data-complaint='{first}'] [data-testid=clock-open]"
    ))
    .await?;
    app.wait_for_text("#review-title", "the call to open", WAIT, |t| t == first).await?;
    // Beside the call, the complaint's clocks as the screen judged them.
    app.wait_for_text("[data-testid=clock-response-line]", "the response clock beside the call", WAIT, |t| {
        t.contains("分钟后响应") || t.contains("未响应")
    })
    .await?;
    app.click("[data-testid=review-back]").await?;
    app.wait_for("[data-testid=clock-response]", WAIT).await?;

    app.click("[data-testid=lang-toggle]").await?;
    app.wait_for_text("[data-testid=clock-response]", "the screen in English", WAIT, |t| {
        t.contains("1-hour response rate")
    })
    .await?;
    app.screenshot("timeliness-en").await?;
    app.close().await
}

/// A quarter with more late complaints than a screen shows: the list says how many there are and
/// which command lists them all, and shows the first 200 by complaint number. Its export had no
/// decision times, so the handling rate is shown as not computable, with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_list_shows_its_first_page_and_its_total() -> Result<(), Error> {
    let temp = tempfile::tempdir()?;
    let vault = temp.path().join("vault");
    let made = tingjian(&vault, &["init"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    // 230 complaints of 2026Q3, each answered two hours after acceptance.
    let mut manifest = String::from("投诉编号,受理时间,首次响应时间,责任机构,投诉摘要\n");
    for index in 0..230 {
        let day = 1 + index % 28;
        let hour = 8 + index % 9;
        manifest.push_str(&format!(
            "TSL{index:04},2026-08-{day:02} {hour:02}:00:00,2026-08-{day:02} {:02}:00:00,城西支行,客户反映转账延迟\n",
            hour + 2
        ));
    }
    let file = temp.path().join("late.csv");
    std::fs::write(&file, manifest)?;
    let empty = temp.path().join("no-recordings");
    std::fs::create_dir(&empty)?;
    let imported = tingjian(
        &vault,
        &["import", "--manifest", file.to_str().ok_or("utf-8")?, "--recordings", empty.to_str().ok_or("utf-8")?],
    );
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));

    let mut app = App::launch(&vault).await?;
    app.click("[data-testid=nav-timeliness]").await?;
    app.wait_for("[data-testid=clock-previous]", WAIT).await?;
    // Back from today's quarter to 2026Q3, whatever day this runs.
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai")?);
    let steps = i32::from(today.year()) * 4 + (i32::from(today.month()) - 1) / 3 - (2026 * 4 + 2);
    for _ in 0..steps {
        app.wait_until("the quarter to load", WAIT, async |app| {
            let ready = app.find("[data-testid=clock-previous]").await?.is_enabled().await?;
            Ok(if ready { Ok(()) } else { Err("still loading".to_owned()) })
        })
        .await?;
        app.click("[data-testid=clock-previous]").await?;
    }
    let partial = "[data-testid=clock-late-responses] [data-testid=clock-list-partial]";
    app.wait_for_text(partial, "the list to say it shows part", WAIT, |t| t.contains("显示前 200 件，共 230 件"))
        .await?;
    // The export had no decision times: the handling rate is not computed, and the screen says why.
    let notice = app.text_of("[data-testid=clock-unavailable][data-figure=handling]").await?;
    assert!(notice.contains("办结时间"), "{notice}");
    assert_eq!(app.text_of("[data-testid=clock-handling] .rate").await?, "—");
    assert!(app.find_all("[data-testid=clock-unavailable][data-figure=response]").await?.is_empty());
    app.screenshot("timeliness-unavailable-zh").await?;
    let rows = app.find_all("[data-testid=clock-late-responses] [data-testid=clock-row]").await?;
    assert_eq!(rows.len(), 200, "one page of the list");
    assert_eq!(rows[0].attr("data-complaint").await?.as_deref(), Some("TSL0000"), "by complaint number");
    app.client
        .execute(
            "document.querySelector('[data-testid=clock-late-responses]').scrollIntoView({block: 'start'});",
            vec![],
        )
        .await?;
    app.screenshot("timeliness-long-list-zh").await?;
    app.close().await
}
