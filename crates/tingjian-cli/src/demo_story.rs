//! The demo's quarter as it unfolds over several weeks: the vault is made some days in the past on a
//! clock the demo moves forward step by step, so every event keeps its place in time and the board
//! looks mid-quarter — rectification cases in every state, one of them overdue and one waiting too
//! long for verification — without ever writing an event dated after another that follows it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{Timestamp, ToSpan};
use tingjian_core::QuarterId;
use tingjian_core::rectification::{CaseAction, Effectiveness, NewAction, ObservationPeriod, RootCause, Severity};
use tingjian_core::time::{Clock, branch_zone, in_branch_zone};
use tingjian_vault::{RectificationRequest, Vault, VaultError};

/// How many days before today a fresh demo vault begins.
const STORY_DAYS: i64 = 24;

/// A clock the demo moves forward as its story goes, never past the real now.
#[derive(Debug)]
pub struct StoryClock {
    start: Timestamp,
    current_second: AtomicI64,
}

impl StoryClock {
    /// A story starting `STORY_DAYS` before now, but within the current quarter (at 09:00 in the
    /// branch's zone on its first day at the earliest); starting now when `backdate` is false (an
    /// existing vault, whose log must not go back in time).
    pub fn new(backdate: bool) -> Arc<StoryClock> {
        let now = Timestamp::now();
        let start = if backdate {
            let quarter_opens = QuarterId::of_instant(now)
                .first_day()
                .at(9, 0, 0, 0)
                .to_zoned_datetime(branch_zone())
                .map(|zoned| zoned.timestamp())
                .unwrap_or(now);
            now.checked_sub((STORY_DAYS * 24).hours()).unwrap_or(now).max(quarter_opens).min(now)
        } else {
            now
        };
        Arc::new(StoryClock { start, current_second: AtomicI64::new(start.as_second()) })
    }

    /// Moves to `days` after the story's start (a quarter of an hour past, so steps of the same day
    /// keep their order), or to the real now if that comes first.
    pub fn day(&self, days: i64) -> jiff::civil::Date {
        let target = self.start.checked_add((days * 24 * 60 + 15).minutes()).unwrap_or(self.start);
        let target = target.min(Timestamp::now());
        let second = target.as_second().max(self.current_second.load(Ordering::Relaxed));
        self.current_second.store(second, Ordering::Relaxed);
        in_branch_zone(self.now()).date()
    }
}

impl StoryClock {
    /// Moves `seconds` on (not past the real now): the time a step of the story takes, such as
    /// listening to a call, whose heard time may not exceed the time it took (`verify` warns).
    pub fn pass(&self, seconds: u64) {
        let now = Timestamp::now().as_second();
        let current = self.current_second.load(Ordering::Relaxed);
        let target = current.saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX)).min(now).max(current);
        self.current_second.store(target, Ordering::Relaxed);
    }
}

impl Clock for StoryClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_second(self.current_second.load(Ordering::Relaxed)).unwrap_or(self.start)
    }
}

/// A complaint with a recording from each department, if the vault has one.
fn call_of(vault: &Vault, department: &str) -> Result<Option<String>, VaultError> {
    vault.first_recorded_complaint_of(department)
}

fn action(measure: &str, owner: &str, due_on: jiff::civil::Date, done: &str) -> NewAction {
    NewAction { measure: measure.to_owned(), owner: owner.to_owned(), due_on, done_criterion: done.to_owned() }
}

fn answer(reflection: &str, category: &str, cause: &str, actions: Vec<NewAction>) -> CaseAction {
    CaseAction::Answer {
        reflection: reflection.to_owned(),
        root_cause: RootCause { category: category.to_owned(), text: cause.to_owned(), similar_complaints: vec![] },
        actions,
    }
}

fn request(number: &str, department: &str, what: &str, severity: Severity) -> RectificationRequest {
    RectificationRequest {
        complaint_number: number.to_owned(),
        department: department.to_owned(),
        what_must_change: what.to_owned(),
        note_ids: vec![],
        severity,
        due_date: None,
    }
}

/// Small real files a department would attach as evidence.
fn evidence_file(dir: &Path, name: &str, text: &str) -> Result<PathBuf, VaultError> {
    std::fs::create_dir_all(dir).map_err(|source| VaultError::Io { path: dir.to_owned(), source })?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| VaultError::Io { path: path.clone(), source })?;
    Ok(path)
}

/// The vault as `id`, signed in with the demo passphrase when the demo vault has accounts.
pub fn open_as(root: &Path, id: &str, clock: &Arc<StoryClock>) -> Result<Vault, VaultError> {
    let mut vault = Vault::open_with_clock(root, id, clock.clone())?;
    if vault.has_accounts()? {
        vault.sign_in(id, tingjian_vault::DEMO_PASSPHRASE)?;
    }
    Ok(vault)
}

/// Rectification cases in every state, each step taken by the person whose step it is, on the day
/// it would have happened.
pub fn rectification_cases(root: &Path, clock: &Arc<StoryClock>) -> Result<(), VaultError> {
    let as_person = |id: &str| open_as(root, id, clock);
    let evidence_dir = std::env::temp_dir().join(format!("tingjian-demo-evidence-{}", std::process::id()));
    let [retail, cards, east] = {
        let vault = as_person("li.min")?;
        [call_of(&vault, "零售金融部")?, call_of(&vault, "信用卡中心")?, call_of(&vault, "城东支行")?]
    };

    // 城东支行: answered, verified not effective (reopened), resubmitted, verified effective: closed.
    if let Some(number) = &east {
        clock.day(1);
        let case = as_person("wang.jianguo")?.require_rectification(&request(
            number,
            "城东支行",
            "厅堂等候超时须有人主动引导并致歉",
            Severity::Normal,
        ))?;
        let id = case.id;
        let day = clock.day(2);
        let mut liu = as_person("liu.yang")?;
        liu.rectification_step(
            &id,
            answer(
                "高峰时段只有一个窗口，大堂经理未主动引导。",
                "人员配置",
                "排班未按客流高峰安排",
                vec![action("高峰时段增开窗口并安排大堂引导", "liu.yang", day.saturating_add(6.days()), "两周排班表")],
            ),
        )?;
        clock.day(3);
        let roster =
            evidence_file(&evidence_dir, "城东支行高峰排班表.csv", "日期,窗口数,大堂引导\n周一,3,1\n周五,3,2\n")?;
        liu.log_rectification_progress(&id, 0, "已按客流高峰排班", &[roster], true)?;
        liu.rectification_step(&id, CaseAction::SubmitForVerification)?;
        let from = clock.day(3);
        let verified_on = clock.day(4);
        let to = from.min(verified_on);
        as_person("li.min")?.rectification_step(
            &id,
            CaseAction::Verify {
                result: Effectiveness::NotEffective,
                criteria: "观察期内无同类投诉".to_owned(),
                observation: ObservationPeriod { from, to },
                finding: "周六仍有一起等候超时投诉：周末未排班".to_owned(),
                new_due_on: None,
            },
        )?;
        let day = clock.day(5);
        let mut liu = as_person("liu.yang")?;
        liu.rectification_step(
            &id,
            CaseAction::AddAction {
                action: action("周末同样按客流排班", "liu.yang", day.saturating_add(3.days()), "周末排班表"),
            },
        )?;
        liu.log_rectification_progress(&id, 1, "周末排班已调整", &[], true)?;
        liu.rectification_step(&id, CaseAction::SubmitForVerification)?;
        let from = clock.day(5);
        // Two days of observation when the story has them; on a vault whose story is squeezed
        // into today (made moments ago, or a quarter that has just begun) the period ends on the
        // day of the verification, since only a finished period can be verified.
        let verified_on = clock.day(8);
        let to = from.saturating_add(2.days()).min(verified_on);
        as_person("li.min")?.rectification_step(
            &id,
            CaseAction::Verify {
                result: Effectiveness::Effective,
                criteria: "观察期内无同类投诉".to_owned(),
                observation: ObservationPeriod { from, to },
                finding: "观察期内无等候超时投诉".to_owned(),
                new_due_on: None,
            },
        )?;
    }

    // 零售金融部: one case cancelled as a duplicate, another in progress and overdue.
    if let Some(number) = &retail {
        let day = clock.day(8);
        let mut li = as_person("li.min")?;
        let id = li
            .draft_rectification(&request(
                number,
                "零售金融部",
                "理财产品风险等级须当面讲解并录音留存",
                Severity::Critical,
            ))?
            .summary
            .id;
        li.rectification_step(&id, CaseAction::Open { due_on: Some(day.saturating_add(10.days())) })?;
        let day = clock.day(9);
        let mut zhang = as_person("zhang.wei")?;
        zhang.rectification_step(
            &id,
            answer(
                "销售时只强调收益，未讲清风险等级与客户风险承受能力不匹配。",
                "销售适当性",
                "考核只看销量，双录抽查流于形式",
                vec![
                    action(
                        "修订理财销售话术，风险等级必须逐条讲解",
                        "zhang.wei",
                        day.saturating_add(4.days()),
                        "新话术下发记录",
                    ),
                    action("双录抽查比例提高到 20%", "zhang.wei", day.saturating_add(7.days()), "抽查台账"),
                ],
            ),
        )?;
        clock.day(11);
        let script = evidence_file(
            &evidence_dir,
            "理财销售话术（修订版）.txt",
            "一、先评估风险承受能力；二、逐条讲解风险等级；三、客户确认后再办理。\n",
        )?;
        zhang.log_rectification_progress(&id, 0, "新话术已下发各网点", &[script], true)?;

        let id = li
            .draft_rectification(&request(number, "零售金融部", "同一问题已在另一案件中整改", Severity::Normal))?
            .summary
            .id;
        clock.day(11);
        li.rectification_step(&id, CaseAction::Cancel { reason: "与另一案件重复，合并处理".to_owned() })?;
    }

    // 信用卡中心: answered, done and submitted, then left waiting for verification too long; and a
    // fresh draft the coordinator has not issued yet.
    if let Some(number) = &cards {
        clock.day(11);
        let id = as_person("zhou.hong")?
            .require_rectification(&request(
                number,
                "信用卡中心",
                "分期手续费须在办理前以年化利率明示",
                Severity::Serious,
            ))?
            .id;
        let day = clock.day(12);
        let mut chen = as_person("chen.jing")?;
        chen.rectification_step(
            &id,
            answer(
                "分期营销只讲每期手续费，客户误以为利率很低。",
                "信息披露",
                "营销材料未按规定展示年化利率",
                vec![action("营销材料和短信模板加注年化利率", "chen.jing", day.saturating_add(3.days()), "新模板截图")],
            ),
        )?;
        clock.day(13);
        let template = evidence_file(
            &evidence_dir,
            "分期短信模板（含年化利率）.txt",
            "尊敬的客户：分期手续费折合年化利率约 13.5%……\n",
        )?;
        chen.log_rectification_progress(&id, 0, "模板已更新并上线", &[template], true)?;
        clock.day(14);
        chen.rectification_step(&id, CaseAction::SubmitForVerification)?;

        clock.day(20);
        as_person("li.min")?.draft_rectification(&request(
            number,
            "信用卡中心",
            "催收外包机构通话须全程录音并每月抽查",
            Severity::Serious,
        ))?;
    }
    let _ = std::fs::remove_dir_all(&evidence_dir);
    Ok(())
}
