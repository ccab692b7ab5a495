//! The library's filters, sort orders, pages and full-text search on real vault files.

use tingjian_core::model::{Complaint, Recording};
use tingjian_core::{Coded, ErrorCode};
use tingjian_vault::{ComplaintPage, ComplaintQuery, ComplaintRow, ComplaintSort, Event, MAX_PAGE_ROWS, Vault};

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
        dispatched_at: None,
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

fn numbers(rows: &[ComplaintRow]) -> Vec<&str> {
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

/// A complaint with everything the library filters on.
struct Spec {
    number: &'static str,
    accepted_at: &'static str,
    department: &'static str,
    business_line: &'static str,
    category: &'static str,
    channel: &'static str,
    forwarded: bool,
    summary: &'static str,
}

impl Spec {
    fn complaint(&self) -> Complaint {
        Complaint {
            business_line: self.business_line.to_owned(),
            category: self.category.to_owned(),
            regulator_forwarded: self.forwarded,
            dispatched_at: None,
            summary: self.summary.to_owned(),
            ..complaint(self.number, self.accepted_at, self.department, self.channel)
        }
    }
}

const SPECS: &[Spec] = &[
    Spec {
        number: "TS2026100101",
        accepted_at: "2026-10-08T01:00:00.000000Z",
        department: "城东支行",
        business_line: "财富管理",
        category: "产品销售",
        channel: "监管转办",
        forwarded: true,
        summary: "客户称理财经理承诺保本，购买净值型理财产品后亏损八千余元，要求赔偿。",
    },
    Spec {
        number: "TS2026100102",
        accepted_at: "2026-10-09T02:00:00.000000Z",
        department: "城西支行",
        business_line: "代理保险",
        category: "产品销售",
        channel: "客服热线",
        forwarded: false,
        summary: "客户到网点存款时被推荐购买分红型保险，误以为是存款，要求全额退保。",
    },
    Spec {
        number: "TS2026100103",
        accepted_at: "2026-11-02T03:00:00.000000Z",
        department: "城东支行",
        business_line: "个人贷款",
        category: "收费定价",
        channel: "客服热线",
        forwarded: false,
        summary: "客户申请提前还款，被告知须支付违约金，称签约时未获提示。",
    },
    Spec {
        number: "TS2026100104",
        accepted_at: "2026-12-20T04:00:00.000000Z",
        department: "信用卡中心",
        business_line: "信用卡",
        category: "收费定价",
        channel: "网络渠道",
        forwarded: false,
        summary: "Customer says the \"VIP OR Gold*\" card fee (100% of 年费) was charged twice.",
    },
    Spec {
        number: "TS2025070105",
        accepted_at: "2025-07-15T05:00:00.000000Z",
        department: "城西支行",
        business_line: "信用卡",
        category: "债务催收",
        channel: "监管转办",
        forwarded: true,
        summary: "催收机构夜间多次来电，联系其工作单位，要求停止骚扰。",
    },
];

/// A vault with [`SPECS`]: the first two have recordings (the first the longer one).
fn library_vault(dir: &std::path::Path) -> Vault {
    let mut vault = Vault::create(&dir.join("v"), "li.min").expect("create");
    let mut events = vec![
        Event::RecordingStored { recording: recording("aa", 300_000) },
        Event::RecordingStored { recording: recording("bb", 60_000) },
    ];
    events.extend(SPECS.iter().map(|spec| Event::ComplaintRecorded { complaint: spec.complaint() }));
    events
        .push(Event::RecordingLinked { complaint_number: "TS2026100101".to_owned(), recording_hash: "aa".to_owned() });
    events
        .push(Event::RecordingLinked { complaint_number: "TS2026100102".to_owned(), recording_hash: "bb".to_owned() });
    vault.record(events).expect("record");
    vault
}

fn page(vault: &Vault, query: &ComplaintQuery) -> ComplaintPage {
    vault.complaint_page(query, 0, 50).expect("page")
}

fn found(vault: &Vault, query: &ComplaintQuery) -> Vec<String> {
    let page = page(vault, query);
    assert_eq!(page.total, page.rows.len() as u64, "{query:?}: the total counts the rows");
    page.rows.into_iter().map(|r| r.number).collect()
}

fn search(vault: &Vault, text: &str) -> Vec<String> {
    found(vault, &ComplaintQuery { text: Some(text.to_owned()), ..Default::default() })
}

fn some(value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// The log and the tables agree (the recordings here have no audio files, so those findings are
/// left out).
fn log_and_tables_agree(vault: &Vault) {
    let report = vault.verify().expect("verify");
    let problems: Vec<_> =
        report.problems.iter().filter(|p| p.kind != tingjian_vault::ProblemKind::AudioMissing).collect();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn each_filter_narrows_the_library_to_what_it_names() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = library_vault(temp.path());
    let all = found(&vault, &ComplaintQuery::default());
    assert_eq!(all, ["TS2025070105", "TS2026100101", "TS2026100102", "TS2026100103", "TS2026100104"]);

    let cases: Vec<(ComplaintQuery, Vec<&str>)> = vec![
        (ComplaintQuery { quarter: some("2025Q3"), ..Default::default() }, vec!["TS2025070105"]),
        (ComplaintQuery { department: some("城东支行"), ..Default::default() }, vec!["TS2026100101", "TS2026100103"]),
        (ComplaintQuery { business_line: some("信用卡"), ..Default::default() }, vec!["TS2025070105", "TS2026100104"]),
        (ComplaintQuery { category: some("产品销售"), ..Default::default() }, vec!["TS2026100101", "TS2026100102"]),
        (ComplaintQuery { channel: some("网络渠道"), ..Default::default() }, vec!["TS2026100104"]),
        (ComplaintQuery { month: some("2026-11"), ..Default::default() }, vec!["TS2026100103"]),
        (
            ComplaintQuery { regulator_forwarded: Some(true), ..Default::default() },
            vec!["TS2025070105", "TS2026100101"],
        ),
        (
            ComplaintQuery { regulator_forwarded: Some(false), ..Default::default() },
            vec!["TS2026100102", "TS2026100103", "TS2026100104"],
        ),
        (ComplaintQuery { has_recording: Some(true), ..Default::default() }, vec!["TS2026100101", "TS2026100102"]),
        (ComplaintQuery { number: some("TS2026100103"), ..Default::default() }, vec!["TS2026100103"]),
        // An empty value is no filter.
        (
            ComplaintQuery { department: some(""), text: some("  "), ..Default::default() },
            all.iter().map(String::as_str).collect(),
        ),
        // Filters combine.
        (
            ComplaintQuery {
                department: some("城东支行"),
                quarter: some("2026Q4"),
                category: some("收费定价"),
                ..Default::default()
            },
            vec!["TS2026100103"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&vault, &query), expected, "{query:?}");
    }

    let facets = vault.library_facets().expect("facets");
    assert_eq!(facets.business_lines, ["个人贷款", "代理保险", "信用卡", "财富管理"]);
    assert_eq!(facets.quarters, ["2025Q3", "2026Q4"]);
    assert_eq!(facets.months, ["2025-07", "2026-10", "2026-11", "2026-12"]);
}

#[test]
fn the_reviewed_filter_follows_submitted_reflections() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = library_vault(temp.path());
    let reviewed = ComplaintQuery { reviewed: Some(true), ..Default::default() };
    let not_reviewed = ComplaintQuery { reviewed: Some(false), ..Default::default() };
    assert!(found(&vault, &reviewed).is_empty());
    assert_eq!(found(&vault, &not_reviewed).len(), SPECS.len());

    vault
        .record(vec![
            Event::ReflectionSubmitted {
                reflection_id: "r1".to_owned(),
                complaint_number: "TS2026100102".to_owned(),
                text: "销售环节风险揭示不到位。".to_owned(),
            },
            // A second reflection on the same call does not count it twice.
            Event::ReflectionSubmitted {
                reflection_id: "r2".to_owned(),
                complaint_number: "TS2026100102".to_owned(),
                text: "补充：双录抽查。".to_owned(),
            },
        ])
        .expect("reflect");
    assert_eq!(found(&vault, &reviewed), ["TS2026100102"]);
    assert_eq!(found(&vault, &not_reviewed), ["TS2025070105", "TS2026100101", "TS2026100103", "TS2026100104"]);
    let both = ComplaintQuery { reviewed: Some(false), category: some("产品销售"), ..Default::default() };
    assert_eq!(found(&vault, &both), ["TS2026100101"]);

    let rows = page(&vault, &ComplaintQuery::default()).rows;
    let marked: Vec<&str> = rows.iter().filter(|r| r.reviewed).map(|r| r.number.as_str()).collect();
    assert_eq!(marked, ["TS2026100102"], "each row says whether it was reviewed");
    log_and_tables_agree(&vault);
}

#[test]
fn chinese_search_finds_two_character_words_longer_phrases_and_single_characters() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = library_vault(temp.path());
    // Two characters: the commonest searches, which trigrams alone cannot find.
    assert_eq!(search(&vault, "理财"), ["TS2026100101"]);
    assert_eq!(search(&vault, "保险"), ["TS2026100102"]);
    assert_eq!(search(&vault, "存款"), ["TS2026100102"]);
    assert_eq!(search(&vault, "要求"), ["TS2025070105", "TS2026100101", "TS2026100102"]);
    // At the very end of a summary, and across a punctuation mark (never a word).
    assert_eq!(search(&vault, "骚扰"), ["TS2025070105"]);
    assert!(search(&vault, "赔偿客").is_empty());
    // Three or more characters.
    assert_eq!(search(&vault, "提前还款"), ["TS2026100103"]);
    assert_eq!(search(&vault, "净值型理财产品"), ["TS2026100101"]);
    assert_eq!(search(&vault, "  违约金 "), ["TS2026100103"], "surrounding spaces are ignored");
    assert!(search(&vault, "理财保险").is_empty());
    // One character.
    assert_eq!(search(&vault, "保"), ["TS2026100101", "TS2026100102"]);
    assert_eq!(search(&vault, "骚"), ["TS2025070105"]);
    // The complaint number, whole or in part; Latin letters in any case.
    assert_eq!(search(&vault, "TS2025070105"), ["TS2025070105"]);
    assert_eq!(search(&vault, "0104"), ["TS2026100104"]);
    assert_eq!(search(&vault, "ts20251"), Vec::<String>::new());
    assert_eq!(search(&vault, "ts2025"), ["TS2025070105"]);
    assert_eq!(search(&vault, "vip"), ["TS2026100104"]);
    assert_eq!(search(&vault, "Vi"), ["TS2026100104"]);
    // With other filters.
    let query = ComplaintQuery { department: some("城东支行"), text: some("要求"), ..Default::default() };
    assert_eq!(found(&vault, &query), ["TS2026100101"]);
}

#[test]
fn search_text_is_literal_never_query_syntax() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = library_vault(temp.path());
    for text in ["\"VIP", "VIP OR Gold*", "Gold*", "\"VIP OR Gold*\"", "100%", "%", "*", "\"", "OR", "(100"] {
        assert_eq!(search(&vault, text), ["TS2026100104"], "{text:?} is found as written");
    }
    for text in [
        "VIP OR 理财",
        "理财 OR 保险",
        "NOT 理财",
        "理财*",
        "\"理财\"",
        "number:TS2026100101",
        "_",
        "%%",
        "理_",
        "OR \"",
    ] {
        assert!(search(&vault, text).is_empty(), "{text:?} is not query syntax");
    }
}

#[test]
fn search_finds_a_note_once_added_and_its_new_text_once_edited() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = library_vault(temp.path());
    assert!(search(&vault, "身份").is_empty());
    vault
        .record(vec![Event::NoteAdded {
            note_id: "n1".to_owned(),
            complaint_number: "TS2026100102".to_owned(),
            recording_hash: "bb".to_owned(),
            at_ms: 12_000,
            text: "坐席未核实客户身份".to_owned(),
        }])
        .expect("note");
    assert_eq!(search(&vault, "身份"), ["TS2026100102"]);
    assert_eq!(search(&vault, "未核实客户"), ["TS2026100102"]);
    assert_eq!(search(&vault, "核"), ["TS2026100102"]);

    vault
        .record(vec![
            Event::NoteEdited {
                note_id: "n1".to_owned(), at_ms: 12_500, text: "坐席未安抚客户情绪".to_owned()
            },
            Event::NoteAdded {
                note_id: "n2".to_owned(),
                complaint_number: "TS2026100102".to_owned(),
                recording_hash: "bb".to_owned(),
                at_ms: 30_000,
                text: "此处客户明确提出退保".to_owned(),
            },
        ])
        .expect("edit");
    assert!(search(&vault, "身份").is_empty(), "the old text is no longer found");
    assert!(search(&vault, "核实客户").is_empty());
    assert_eq!(search(&vault, "安抚"), ["TS2026100102"]);
    assert_eq!(search(&vault, "情绪"), ["TS2026100102"]);
    assert_eq!(search(&vault, "明确提出"), ["TS2026100102"], "every note of the call is searched");
    let row = &page(&vault, &ComplaintQuery { number: some("TS2026100102"), ..Default::default() }).rows[0];
    assert_eq!(row.note_count, 2);
    // The search tables are derived, not evidence: the log still replays to the same tables.
    log_and_tables_agree(&vault);
}

#[test]
fn pages_cut_the_order_and_carry_the_total() {
    let temp = tempfile::tempdir().expect("tempdir");
    let vault = library_vault(temp.path());
    let all = found(&vault, &ComplaintQuery::default());
    let query = ComplaintQuery::default();
    for offset in 0..=6 {
        for limit in 1..=3 {
            let page = vault.complaint_page(&query, offset, limit).expect("page");
            assert_eq!(page.total, 5);
            assert_eq!(page.offset, offset);
            let expected: Vec<&String> = all.iter().skip(offset as usize).take(limit as usize).collect();
            assert_eq!(page.rows.iter().map(|r| &r.number).collect::<Vec<_>>(), expected, "{offset}+{limit}");
        }
    }
    let newest_first = ComplaintQuery { descending: true, ..Default::default() };
    let page = vault.complaint_page(&newest_first, 1, 2).expect("page");
    assert_eq!(page.rows.iter().map(|r| r.number.as_str()).collect::<Vec<_>>(), ["TS2026100103", "TS2026100102"]);

    for limit in [0, MAX_PAGE_ROWS + 1] {
        let error = vault.complaint_page(&query, 0, limit).expect_err("refused");
        assert_eq!(error.code(), ErrorCode::InvalidInput);
        assert!(error.message_zh().contains("每页"), "{}", error.message_zh());
    }
    let error = vault
        .complaint_page(&ComplaintQuery { month: some("2026/11"), ..Default::default() }, 0, 10)
        .expect_err("refused");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    let error = vault
        .complaint_page(&ComplaintQuery { text: Some("理".repeat(201)), ..Default::default() }, 0, 10)
        .expect_err("refused");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
}

/// Enough complaints (3,000) that pages are found by walking indexes, read from the far end past
/// the middle, and the duration order is read in two parts; every page must still be exactly the
/// slice of the whole ordered list.
#[test]
fn every_page_of_a_large_library_is_the_slice_of_the_whole_order() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut vault = Vault::create(&temp.path().join("v"), "li.min").expect("create");
    let departments = ["城东支行", "城西支行", "信用卡中心"];
    let words = ["理财", "保险", "年费", "催收", "转账"];
    let mut events = Vec::new();
    for i in 0..3_000u32 {
        let number = format!("TS{:06}", (i * 7_919) % 3_000);
        let mut complaint = complaint(
            &number,
            &format!("2026-{:02}-{:02}T{:02}:00:00.000000Z", 1 + i % 12, 1 + i % 28, i % 24),
            departments[(i % 3) as usize],
            if i % 4 == 0 { "监管转办" } else { "客服热线" },
        );
        complaint.summary = format!("客户反映{}问题，第{i}号", words[(i % 5) as usize]);
        complaint.regulator_forwarded = i % 4 == 0;
        events.push(Event::ComplaintRecorded { complaint });
        if i % 3 != 1 {
            let hash = format!("h{i}");
            events.push(Event::RecordingStored { recording: recording(&hash, u64::from((i * 37) % 500) * 1_000) });
            events.push(Event::RecordingLinked { complaint_number: number.clone(), recording_hash: hash });
        }
        if i % 10 == 0 {
            events.push(Event::ReflectionSubmitted {
                reflection_id: format!("r{i}"),
                complaint_number: number.clone(),
                text: "已复盘".to_owned(),
            });
        }
    }
    vault.record(events).expect("record");

    let sorts = [
        ComplaintSort::AcceptedAt,
        ComplaintSort::Number,
        ComplaintSort::Department,
        ComplaintSort::Channel,
        ComplaintSort::Duration,
    ];
    let mut queries = Vec::new();
    for sort in sorts {
        for descending in [false, true] {
            queries.push(ComplaintQuery { sort, descending, ..Default::default() });
            queries.push(ComplaintQuery { sort, descending, text: some("理财"), ..Default::default() });
            queries.push(ComplaintQuery { sort, descending, reviewed: Some(false), ..Default::default() });
        }
    }
    queries.push(ComplaintQuery { department: some("城东支行"), text: some("客户反映"), ..Default::default() });
    queries.push(ComplaintQuery {
        department: some("城东支行"),
        text: some("客户反映"),
        sort: ComplaintSort::Duration,
        descending: true,
        ..Default::default()
    });
    queries.push(ComplaintQuery {
        channel: some("客服热线"),
        text: some("客户"),
        sort: ComplaintSort::Number,
        descending: true,
        ..Default::default()
    });
    queries.push(ComplaintQuery { regulator_forwarded: Some(false), reviewed: Some(true), ..Default::default() });
    queries.push(ComplaintQuery { has_recording: Some(false), sort: ComplaintSort::Duration, ..Default::default() });
    queries.push(ComplaintQuery {
        text: some("保"),
        sort: ComplaintSort::Duration,
        descending: true,
        ..Default::default()
    });
    for query in &queries {
        let whole: Vec<String> = vault.complaints(query).expect("all").into_iter().map(|r| r.number).collect();
        assert!(!whole.is_empty(), "{query:?}");
        let mut offset = 0;
        while offset < whole.len() + 200 {
            let page = vault.complaint_page(query, offset as u32, 200).expect("page");
            assert_eq!(page.total, whole.len() as u64, "{query:?}");
            let numbers: Vec<&String> = page.rows.iter().map(|r: &ComplaintRow| &r.number).collect();
            let expected: Vec<&String> = whole.iter().skip(offset).take(200).collect();
            assert_eq!(numbers, expected, "{query:?} at {offset}");
            offset += 373;
        }
    }
}
