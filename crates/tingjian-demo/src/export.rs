//! The complaint system's export: one row per complaint, in the column layout and value style of a
//! Chinese bank's complaint-management system, with times spread over the working days between the
//! start of the quarter and the export date.

use jiff::Span;
use jiff::civil::{Date, DateTime, Time, Weekday};

use crate::dialogues::SCENARIOS;
use crate::plan::{Plan, STREAM_EXPORT};
use crate::prng::SplitMix;
use crate::{DemoError, DemoOptions};

pub(crate) const HEADERS: [&str; 14] = [
    "投诉编号",
    "受理时间",
    "投诉渠道",
    "业务类别",
    "投诉类别",
    "责任机构",
    "客户姓名",
    "联系电话",
    "首次响应时间",
    "办结时间",
    "处理状态",
    "录音文件",
    "是否监管转办",
    "投诉摘要",
];

/// Longest period the export spreads complaints over; a longer one is surely a mistake in the dates.
const MAX_DAYS: i64 = 3660;

#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub scenario: usize,
    pub complaint_number: String,
    pub accepted: DateTime,
    pub first_response: DateTime,
    pub resolved: Option<DateTime>,
    /// The recording's file name, empty for a complaint that came without one.
    pub recording: String,
}

/// The rows in order of acceptance. Only the dates of `opts` and the export's own random stream
/// decide the times, so the rows do not depend on how the audio came out.
pub(crate) fn rows(plan: &Plan, opts: &DemoOptions) -> Result<Vec<Row>, DemoError> {
    let days = working_days(opts)?;
    let mut rng = SplitMix::new(opts.seed, STREAM_EXPORT);
    let count = SCENARIOS.len();

    // Complaints are dealt out evenly over the period in a shuffled order, each at a random moment
    // of its share, so every month that has passed gets its part.
    let mut order: Vec<usize> = (0..count).collect();
    rng.shuffle(&mut order);
    let mut accepted: Vec<(DateTime, usize)> = Vec::with_capacity(count);
    for (k, &scenario) in order.iter().enumerate() {
        let position = (k as f64 + rng.unit()) * days.len() as f64 / count as f64;
        let day = days[(position as usize).min(days.len() - 1)];
        // Counters and hotline agents accept complaints between 08:30 and 17:15.
        let minute_of_day = 8 * 60 + 30 + rng.range_u64(0, 9 * 60 - 45);
        let at = clock(day, minute_of_day, rng.range_u64(0, 59))?;
        accepted.push((at, scenario));
    }
    accepted.sort_unstable();

    // Two regulator-forwarded complaints miss the one-hour first-response rule, so the app has
    // something to flag; the others are answered well within it.
    let mut forwarded: Vec<usize> = (0..count).filter(|&k| SCENARIOS[accepted[k].1].regulator).collect();
    rng.shuffle(&mut forwarded);
    let late: Vec<usize> = forwarded.iter().take(2).copied().collect();

    // The most recent one or two complaints are still being handled.
    let still_open = 1 + rng.index(2);
    let mut rows = Vec::with_capacity(count);
    let mut sequence = 0u32;
    let mut previous_day: Option<Date> = None;
    for (k, &(at, scenario)) in accepted.iter().enumerate() {
        sequence = if previous_day == Some(at.date()) { sequence + 1 } else { 1 };
        previous_day = Some(at.date());
        let complaint_number = format!("TS{}{sequence:02}", at.date().strftime("%Y%m%d"));

        // Drawn in seconds so that the response does not share the acceptance's second.
        let response_seconds = if late.contains(&k) {
            rng.range_u64(61 * 60, 69 * 60 + 59)
        } else if SCENARIOS[scenario].regulator {
            rng.range_u64(15 * 60, 55 * 60)
        } else {
            rng.range_u64(5 * 60, 45 * 60)
        };
        let first_response = add(at, Span::new().seconds(response_seconds as i64))?;

        // The others were closed 1–20 days after acceptance, but never after the export date.
        let resolution_days = rng.range_u64(1, 20) as i64;
        let resolution_minute = rng.range_u64(9 * 60, 17 * 60 + 30);
        let resolution_second = rng.range_u64(0, 59);
        let resolved = if k + still_open >= count {
            None
        } else {
            let mut day = add_days(at.date(), resolution_days)?.min(opts.until);
            while is_weekend(day) && day > add_days(at.date(), 1)? {
                day = day.yesterday().map_err(|e| date_error(&e))?;
            }
            if day > at.date() { Some(clock(day, resolution_minute, resolution_second)?) } else { None }
        };

        let recording = plan.call_of_scenario[scenario].map(|i| plan.calls[i].file_name.clone()).unwrap_or_default();
        rows.push(Row { scenario, complaint_number, accepted: at, first_response, resolved, recording });
    }
    Ok(rows)
}

/// The export as bytes: UTF-8 without a byte-order mark, comma-separated, quoted where needed.
pub(crate) fn render_csv(plan: &Plan, rows: &[Row]) -> Result<Vec<u8>, DemoError> {
    let csv_error = |source: csv::Error| DemoError::Csv { source };
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(HEADERS).map_err(csv_error)?;
    let stamp = |at: &DateTime| at.strftime("%Y-%m-%d %H:%M:%S").to_string();
    for row in rows {
        let scenario = &SCENARIOS[row.scenario];
        let person = &plan.complainants[row.scenario];
        let resolved = row.resolved.as_ref().map(stamp).unwrap_or_default();
        let state = if row.resolved.is_some() { "已办结" } else { "处理中" };
        let forwarded = if scenario.regulator { "是" } else { "否" };
        writer
            .write_record([
                row.complaint_number.as_str(),
                &stamp(&row.accepted),
                scenario.channel,
                scenario.business,
                scenario.category,
                scenario.department,
                &person.name,
                &person.phone,
                &stamp(&row.first_response),
                &resolved,
                state,
                &row.recording,
                forwarded,
                scenario.summary,
            ])
            .map_err(csv_error)?;
    }
    writer.into_inner().map_err(|error| DemoError::Csv { source: csv::Error::from(error.into_error()) })
}

/// Monday to Friday between the two dates, both included; all days if the period has no working
/// day (a weekend-only period still gets its complaints).
fn working_days(opts: &DemoOptions) -> Result<Vec<Date>, DemoError> {
    if opts.until < opts.quarter_start {
        return Err(DemoError::InvalidOptions {
            reason: format!("until {} is before quarter_start {}", opts.until, opts.quarter_start),
        });
    }
    let span_days = opts.quarter_start.duration_until(opts.until).as_hours() / 24;
    if span_days > MAX_DAYS {
        return Err(DemoError::InvalidOptions {
            reason: format!("{span_days} days from quarter_start to until; at most {MAX_DAYS} are supported"),
        });
    }
    let mut all = Vec::new();
    let mut day = opts.quarter_start;
    while day <= opts.until {
        all.push(day);
        if day == opts.until {
            break;
        }
        day = day.tomorrow().map_err(|e| date_error(&e))?;
    }
    let working: Vec<Date> = all.iter().copied().filter(|d| !is_weekend(*d)).collect();
    Ok(if working.is_empty() { all } else { working })
}

fn is_weekend(day: Date) -> bool {
    matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn clock(day: Date, minute_of_day: u64, second: u64) -> Result<DateTime, DemoError> {
    let time = Time::new((minute_of_day / 60) as i8, (minute_of_day % 60) as i8, second as i8, 0)
        .map_err(|e| date_error(&e))?;
    Ok(day.to_datetime(time))
}

fn add(at: DateTime, span: Span) -> Result<DateTime, DemoError> {
    at.checked_add(span).map_err(|e| date_error(&e))
}

fn add_days(day: Date, days: i64) -> Result<Date, DemoError> {
    day.checked_add(Span::new().days(days)).map_err(|e| date_error(&e))
}

fn date_error(error: &jiff::Error) -> DemoError {
    DemoError::InvalidOptions { reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn options(seed: u64) -> DemoOptions {
        DemoOptions { quarter_start: date(2026, 10, 1), until: date(2026, 12, 18), seed }
    }

    fn parse(bytes: &[u8]) -> Vec<csv::StringRecord> {
        let mut reader = csv::Reader::from_reader(bytes);
        let headers = reader.headers().expect("headers").clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), HEADERS);
        reader.records().collect::<Result<Vec<_>, _>>().expect("records")
    }

    #[test]
    fn the_export_is_deterministic_and_changes_with_the_dates() {
        let plan = Plan::new(11);
        let first = render_csv(&plan, &rows(&plan, &options(11)).expect("rows")).expect("csv");
        let again = render_csv(&plan, &rows(&plan, &options(11)).expect("rows")).expect("csv");
        assert_eq!(first, again);
        let later = DemoOptions { until: date(2026, 12, 31), ..options(11) };
        let moved = render_csv(&plan, &rows(&plan, &later).expect("rows")).expect("csv");
        assert_ne!(first, moved);
    }

    #[test]
    fn rows_look_like_a_real_quarter() {
        for seed in [1, 2, 2026, 99] {
            let plan = Plan::new(seed);
            let opts = options(seed);
            let records = parse(&render_csv(&plan, &rows(&plan, &opts).expect("rows")).expect("csv"));
            assert_eq!(records.len(), SCENARIOS.len());
            let parse_time = |s: &str| DateTime::strptime("%Y-%m-%d %H:%M:%S", s).expect("time");
            let mut months = std::collections::BTreeSet::new();
            let mut departments = std::collections::BTreeSet::new();
            let mut late_forwarded = 0;
            let mut open = 0;
            let mut numbers = std::collections::BTreeSet::new();
            for record in &records {
                let number = &record[0];
                assert!(number.starts_with("TS") && number.len() == 12, "{number}");
                numbers.insert(number.to_owned());
                let accepted = parse_time(&record[1]);
                assert_eq!(&number[2..10], accepted.date().strftime("%Y%m%d").to_string());
                assert!(accepted.date() >= opts.quarter_start && accepted.date() <= opts.until);
                assert!(!is_weekend(accepted.date()));
                assert!(accepted.time() >= Time::new(8, 30, 0, 0).expect("time"));
                months.insert(accepted.date().month());
                departments.insert(record[5].to_owned());
                let response = parse_time(&record[8]);
                let minutes = accepted.duration_until(response).as_secs() / 60;
                assert!((5..=70).contains(&minutes), "{minutes}");
                if minutes > 60 {
                    assert_eq!(&record[12], "是");
                    late_forwarded += 1;
                }
                if record[9].is_empty() {
                    assert_eq!(&record[10], "处理中");
                    open += 1;
                } else {
                    assert_eq!(&record[10], "已办结");
                    let days = accepted.date().duration_until(parse_time(&record[9]).date()).as_hours() / 24;
                    assert!((1..=20).contains(&days), "{days}");
                }
                assert_eq!(record[7].len(), 11);
            }
            assert_eq!(numbers.len(), records.len(), "complaint numbers are unique");
            assert_eq!(months.len(), 3, "spread over the three months");
            assert!(departments.len() >= 5);
            assert_eq!(late_forwarded, 2);
            assert!((1..=2).contains(&open), "{open} open");
            let forwarded = records.iter().filter(|r| &r[12] == "是").count();
            assert!((2..=3).contains(&forwarded));
            assert_eq!(records.iter().filter(|r| r[11].is_empty()).count(), 1);
        }
    }

    #[test]
    fn a_one_day_period_and_reversed_dates() {
        let plan = Plan::new(5);
        let day = DemoOptions { quarter_start: date(2026, 10, 1), until: date(2026, 10, 1), seed: 5 };
        let same_day = rows(&plan, &day).expect("rows");
        assert!(same_day.iter().all(|row| row.accepted.date() == day.until && row.resolved.is_none()));
        let reversed = DemoOptions { quarter_start: date(2026, 10, 2), until: date(2026, 10, 1), seed: 5 };
        assert!(matches!(rows(&plan, &reversed), Err(DemoError::InvalidOptions { .. })));
    }
}
