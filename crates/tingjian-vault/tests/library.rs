//! The library's filters and sort orders on a real vault.

use tingjian_core::model::{Complaint, Recording};
use tingjian_vault::{ComplaintQuery, ComplaintSort, Event, Vault};

fn complaint(number: &str, accepted_at: &str, department: &str, channel: &str) -> Complaint {
    Complaint {
        number: number.to_owned(),
        accepted_at: accepted_at.to_owned(),
        channel: channel.to_owned(),
        business_line: "信用卡".to_owned(),
        category: "收费定价".to_owned(),
        department: department.to_owned(),
        customer_name: "张三丰".to_owned(),
        phone: "13800001234".to_owned(),
        first_response_at: None,
        resolved_at: None,
        status: "处理中".to_owned(),
        recording_file: String::new(),
        regulator_forwarded: false,
        summary: String::new(),
    }
}

fn recording(hash: &str, duration_ms: u64) -> Recording {
    Recording {
        hash: hash.to_owned(),
        original_name: format!("{hash}.wav"),
        container: "wav".to_owned(),
        codec: "pcm_s16le".to_owned(),
        sample_rate: 8000,
        channels: 2,
        duration_ms,
        bytes: 1,
        analytics: None,
    }
}

fn numbers(rows: &[tingjian_vault::ComplaintRow]) -> Vec<&str> {
    rows.iter().map(|r| r.number.as_str()).collect()
}

#[test]
fn filters_and_sorting_follow_the_branch_calendar_and_mask_names() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = Vault::create(&temp.path().join("v"), "li.min").expect("create");
    vault
        .record(vec![
            Event::RecordingStored { recording: recording("aa", 90_000) },
            Event::RecordingStored { recording: recording("bb", 45_000) },
            // 31 October 17:00 UTC is already 1 November in Shanghai.
            Event::ComplaintRecorded {
                complaint: complaint("TS1", "2026-10-31T17:00:00.000000Z", "城东支行", "客服热线"),
            },
            Event::ComplaintRecorded {
                complaint: complaint("TS2", "2026-10-09T01:30:00.000000Z", "城西支行", "监管转办"),
            },
            Event::ComplaintRecorded {
                complaint: complaint("TS3", "2026-11-20T02:00:00.000000Z", "城东支行", "客服热线"),
            },
            Event::RecordingLinked { complaint_number: "TS1".to_owned(), recording_hash: "aa".to_owned() },
            Event::RecordingLinked { complaint_number: "TS2".to_owned(), recording_hash: "bb".to_owned() },
        ])
        .expect("record");

    let all = vault.complaints(&ComplaintQuery::default()).expect("list");
    assert_eq!(numbers(&all), ["TS2", "TS1", "TS3"], "by acceptance, oldest first");
    assert_eq!(all[0].customer_masked, "张**");
    assert_eq!(all[0].duration_ms, Some(45_000));

    let november = ComplaintQuery { month: Some("2026-11".to_owned()), ..Default::default() };
    assert_eq!(numbers(&vault.complaints(&november).expect("list")), ["TS1", "TS3"]);

    let east_recorded =
        ComplaintQuery { department: Some("城东支行".to_owned()), has_recording: Some(true), ..Default::default() };
    assert_eq!(numbers(&vault.complaints(&east_recorded).expect("list")), ["TS1"]);

    let longest_first = ComplaintQuery { sort: ComplaintSort::Duration, descending: true, ..Default::default() };
    assert_eq!(numbers(&vault.complaints(&longest_first).expect("list")), ["TS1", "TS2", "TS3"], "no recording last");

    let facets = vault.library_facets().expect("facets");
    assert_eq!(facets.months, ["2026-10", "2026-11"]);
    assert_eq!(facets.departments, ["城东支行", "城西支行"]);
    assert_eq!(facets.channels, ["客服热线", "监管转办"]);
}
