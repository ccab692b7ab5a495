//! The draw: a sample and its assignments, determined by (policy, population, seed, moment of the
//! draw) alone.
//!
//! # Order of the rules
//!
//! 1. **Exclusions and flags.** Every item gets an ordering key (see [`ordering_key`]), its
//!    mandatory kinds, its stratum and whether it is *eligible*: it has a recording, is not shorter
//!    than `exclusions.shorter_than_seconds` and (when switched on) was not reviewed before.
//! 2. **Mandatory inclusions.** Every item of a switched-on mandatory kind is drawn if it has a
//!    recording, even when it is short or was reviewed before: the rules that make a call
//!    mandatory outrank the ones that merely thin the population. A mandatory item *without* a
//!    recording cannot be heard; it is reported as a shortfall, never silently dropped.
//! 3. **Strata.** Each stratum's calls (quota, or proportional share) count the mandatory calls
//!    already drawn in it; the rest are drawn from its eligible items, those inside the preferred
//!    duration range first, then by ordering key. A stratum that cannot give its calls is a
//!    shortfall.
//! 4. **Presidents.** Each president (in policy order) takes `min_calls` of the drawn calls:
//!    mandatory ones first, then calls of departments without a head, then by ordering key. If
//!    the sample is too small, more eligible calls are drawn (departments without a head first).
//! 5. **Department heads.** Every other drawn call of a department with a head goes to that head;
//!    a head with fewer than `min_calls` gets more eligible calls of their department.
//! 6. **The rest.** Calls of departments without a head go to the reviewers (`role = "reviewer"`;
//!    the presidents when there are none), each call to whoever is furthest below their minimum,
//!    else to whoever has the fewest calls, ties to the earlier reviewer in the policy. A reviewer
//!    still below their minimum gets more eligible calls from departments without a head.
//! 7. **Due dates** follow `due`.
//!
//! So a department head hears every sampled call of their department except the ones a president
//! hears; the president's review still goes to that department for its reflection and
//! rectification.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use siphasher::sip::SipHasher13;
use tingjian_core::time::{branch_zone, in_branch_zone};
use ts_rs::TS;

use crate::error::SamplingError;
use crate::policy::{Allocation, Dimension, DueRule, Policy, Role};
use crate::population::{PopulationItem, Severity, derive_severity, is_overdue, phone_key};

/// The version of the drawing rules. A draw records it, and a verification under other rules
/// says so instead of reporting every call as different.
pub const ALGORITHM: u32 = 1;

/// One stratum: the values of the policy's `strata.by` dimensions; the others are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
pub struct Stratum {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub business_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub severity: Option<Severity>,
}

impl Stratum {
    fn parts(&self, severity: impl Fn(Severity) -> &'static str) -> Vec<&str> {
        let mut parts: Vec<&str> = [&self.department, &self.business_line, &self.category]
            .into_iter()
            .filter_map(|value| value.as_deref())
            .collect();
        parts.extend(self.severity.map(severity));
        parts
    }

    /// The stratum for a person reading Chinese, e.g. `城东支行 / 高`.
    pub fn label(&self) -> String {
        let parts = self.parts(Severity::label_zh);
        if parts.is_empty() { "全部投诉".to_owned() } else { parts.join(" / ") }
    }

    /// The stratum for a person reading English, e.g. `城东支行 / high`.
    pub fn label_en(&self) -> String {
        let parts = self.parts(Severity::label_en);
        if parts.is_empty() { "all complaints".to_owned() } else { parts.join(" / ") }
    }
}

/// Why a complaint had to be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MandatoryKind {
    /// 监管转办
    RegulatorForwarded,
    /// 升级投诉
    Escalated,
    /// 超过 15 日办结时限
    Overdue,
    /// 重复投诉: the customer's most recent complaint with a recording.
    RepeatComplainant,
}

impl MandatoryKind {
    fn flag(self) -> u8 {
        match self {
            MandatoryKind::RegulatorForwarded => F_REGULATOR,
            MandatoryKind::Escalated => F_ESCALATED,
            MandatoryKind::Overdue => F_OVERDUE,
            MandatoryKind::RepeatComplainant => F_REPEAT,
        }
    }

    const ALL: [MandatoryKind; 4] = [
        MandatoryKind::RegulatorForwarded,
        MandatoryKind::Escalated,
        MandatoryKind::Overdue,
        MandatoryKind::RepeatComplainant,
    ];
}

/// Which rule put a call into the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// A mandatory inclusion (the kinds are in `mandatory`).
    Mandatory,
    /// Its stratum's quota or proportional share.
    Stratum,
    /// Drawn so that its reviewer reaches their minimum.
    ReviewerMinimum,
    /// Added by a coordinator, with the reason in `added_by_hand`.
    ByHand,
}

/// One call in the sample and who hears it by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SampledCall {
    pub complaint_number: String,
    pub recording_hash: String,
    pub department: String,
    pub stratum: Stratum,
    /// Every switched-on mandatory kind the complaint has, even when another rule drew it.
    pub mandatory: Vec<MandatoryKind>,
    pub selected_by: Selection,
    pub reviewer_id: String,
    #[ts(type = "string")]
    pub due_date: Date,
    /// The coordinator's reason when the call was added by hand after the draw.
    #[serde(default)]
    pub added_by_hand: Option<String>,
}

/// What a shortfall is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShortfallKind {
    /// Proportional allocation asked for more calls than the population has.
    Total,
    /// A stratum has fewer eligible calls than its quota or share.
    Stratum { stratum: Stratum },
    /// A reviewer could not be given their minimum.
    Reviewer { reviewer_id: String },
    /// A complaint that had to be drawn has no recording to listen to.
    MandatoryWithoutRecording { complaint_number: String, mandatory: Vec<MandatoryKind> },
}

/// Something the policy asked for that the population could not give. The draw still completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Shortfall {
    #[serde(flatten)]
    #[ts(flatten)]
    pub kind: ShortfallKind,
    pub wanted: u32,
    pub available: u32,
    pub message_zh: String,
    pub message_en: String,
}

/// A recorded draw: its inputs (seed, policy, the moment, the population's fingerprint) and its
/// result. Re-running [`draw`] on the same inputs gives the same result; [`crate::verify_draw`]
/// does exactly that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Draw {
    /// The version of the drawing rules ([`ALGORITHM`]).
    pub algorithm: u32,
    /// Written as a decimal string, because JSON readers in JavaScript lose digits of large
    /// integers and a seed shown wrong cannot be re-run.
    #[serde(with = "seed_text")]
    #[ts(type = "string")]
    pub seed: u64,
    #[ts(type = "string")]
    pub drawn_at: Timestamp,
    pub policy: Policy,
    /// See [`population_fingerprint`].
    pub population_fingerprint: String,
    #[ts(type = "number")]
    pub population_size: u64,
    /// Sorted by complaint number.
    pub sample: Vec<SampledCall>,
    pub shortfalls: Vec<Shortfall>,
}

mod seed_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(seed: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&seed.to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Number(u64),
        Text(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        match Text::deserialize(deserializer)? {
            Text::Number(seed) => Ok(seed),
            Text::Text(text) => text.trim().parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A seed from the operating system's random source, for a new draw.
pub fn fresh_seed() -> Result<u64, SamplingError> {
    getrandom::u64().map_err(|e| SamplingError::Entropy(e.to_string()))
}

/// The key that orders complaints for a seed: SipHash-1-3 keyed with (`seed`, a fixed constant)
/// over the complaint number's UTF-8 bytes.
///
/// SipHash is a published, fully specified keyed function (Aumasson & Bernstein, 2012) with the
/// same output on every machine and in every version of the `siphasher` crate; unlike std's
/// `DefaultHasher`, whose algorithm may change between Rust releases. One key costs about 20 ns
/// for a typical complaint number, a quarter of BLAKE3's cost at that size, which is what keeps a
/// million-complaint draw inside its budget. Its job is to make the order unpredictable without
/// the seed, not to resist an attacker who knows the seed (the seed is published with the draw).
pub fn ordering_key(seed: u64, complaint_number: &str) -> u64 {
    SipHasher13::new_with_keys(seed, KEY_DOMAIN).hash(complaint_number.as_bytes())
}

/// The second SipHash key: "tjsample" in ASCII, so the keys of sampling never coincide with a
/// keyed hash used elsewhere with the same seed.
const KEY_DOMAIN: u64 = u64::from_be_bytes(*b"tjsample");

/// BLAKE3 (hex) over the population's lines `{complaint number}\t{recording hash or nothing}\n`,
/// sorted by complaint number (byte order). Anyone can recompute it from a listing: one line per
/// complaint, `LC_ALL=C sort`, then `b3sum` — the tab sorts before every printable character, so
/// sorting the lines sorts by number.
///
/// Fails when a complaint number appears twice, because the draw could not tell the two apart.
pub fn population_fingerprint(population: &[PopulationItem]) -> Result<String, SamplingError> {
    // The vault lists complaints by number, so the population usually arrives sorted: hash it in
    // the order given, checking on the way that every number is greater than the one before
    // (which also rules out repeats), and sort only when that fails.
    let mut previous: Option<&str> = None;
    let in_order = hash_lines(population.iter().map_while(|item| {
        let number = item.complaint_number.as_str();
        let ascending = previous.is_none_or(|previous| previous < number);
        previous = Some(number);
        ascending.then_some(item)
    }));
    if in_order.1 == population.len() {
        return Ok(in_order.0);
    }
    // Sorting by a 16-byte big-endian prefix first makes almost every comparison one integer
    // comparison; equal prefixes fall back to the full bytes, so the order is exactly byte order.
    let mut order: Vec<(u128, u32)> = population
        .iter()
        .enumerate()
        .map(|(index, item)| (prefix_u128(item.complaint_number.as_bytes()), index as u32))
        .collect();
    let number = |index: u32| population[index as usize].complaint_number.as_bytes();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| number(a.1).cmp(number(b.1))));
    for pair in order.windows(2) {
        if pair[0].0 == pair[1].0 && number(pair[0].1) == number(pair[1].1) {
            return Err(SamplingError::DuplicateComplaint {
                number: population[pair[0].1 as usize].complaint_number.clone(),
            });
        }
    }
    Ok(hash_lines(order.iter().map(|&(_, index)| &population[index as usize])).0)
}

/// The fingerprint of the lines of `items` in the order given, and how many items there were.
fn hash_lines<'a>(items: impl Iterator<Item = &'a PopulationItem>) -> (String, usize) {
    let mut hasher = blake3::Hasher::new();
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut count = 0;
    for item in items {
        count += 1;
        buffer.extend_from_slice(item.complaint_number.as_bytes());
        buffer.push(b'\t');
        buffer.extend_from_slice(item.recording_hash.as_deref().unwrap_or_default().as_bytes());
        buffer.push(b'\n');
        if buffer.len() > (1 << 16) - 512 {
            hasher.update(&buffer);
            buffer.clear();
        }
    }
    hasher.update(&buffer);
    (hasher.finalize().to_hex().to_string(), count)
}

fn prefix_u128(bytes: &[u8]) -> u128 {
    let mut prefix = [0u8; 16];
    let take = bytes.len().min(16);
    prefix[..take].copy_from_slice(&bytes[..take]);
    u128::from_be_bytes(prefix)
}

/// Splits `total` calls over strata of the given sizes in proportion to their size, by the
/// largest-remainder (Hamilton) method: each stratum first gets ⌊total × size / Σ sizes⌋, then the
/// calls still left go one each to the strata with the largest remainders, ties to the earlier
/// stratum (strata are in the order of their values). No stratum gets more calls than it has;
/// when `total` exceeds the population, every stratum gets all of its calls.
pub fn allocate_proportionally(total: u32, sizes: &[u32]) -> Vec<u32> {
    let population: u64 = sizes.iter().map(|&size| u64::from(size)).sum();
    if u64::from(total) >= population {
        return sizes.to_vec();
    }
    let mut shares: Vec<u32> = Vec::with_capacity(sizes.len());
    let mut remainders: Vec<(u64, usize)> = Vec::with_capacity(sizes.len());
    for (index, &size) in sizes.iter().enumerate() {
        let exact = u64::from(total) * u64::from(size);
        shares.push((exact / population) as u32);
        remainders.push((exact % population, index));
    }
    let given: u64 = shares.iter().map(|&share| u64::from(share)).sum();
    let left = u64::from(total) - given;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, index) in remainders.iter().take(left as usize) {
        shares[index] += 1;
    }
    shares
}

// Per-item flags, packed so that the per-item record stays small in the million-item pass.
const F_RECORDING: u8 = 1;
const F_ELIGIBLE: u8 = 2;
const F_REGULATOR: u8 = 4;
const F_ESCALATED: u8 = 8;
const F_OVERDUE: u8 = 16;
const F_REPEAT: u8 = 32;
const F_HEADED: u8 = 64;
const F_CHOSEN: u8 = 128;

/// What the draw keeps per item: the rank (preferred duration in the top bit, then the ordering
/// key), stratum and department ids, flags.
#[derive(Clone, Copy)]
struct Meta {
    rank: u64,
    stratum: u32,
    department: u32,
    flags: u8,
}

struct Pick {
    item: u32,
    selection: Selection,
    reviewer: Option<usize>,
}

/// Interns strings to dense ids without allocating per item.
struct Interner<'a> {
    ids: FxHashMap<&'a str, u32>,
    values: Vec<&'a str>,
}

impl<'a> Interner<'a> {
    fn new() -> Self {
        Interner { ids: FxHashMap::default(), values: Vec::new() }
    }

    fn id(&mut self, value: &'a str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.ids.insert(value, id);
        self.values.push(value);
        id
    }
}

/// Draws the quarter's sample. See the module documentation for the order of the rules.
///
/// The result depends only on the arguments — not on the order of `population` — and the same
/// arguments give the same draw on any machine. `drawn_at` decides the due dates and, for a
/// policy without a quarter, the moment at which unresolved complaints are judged overdue.
pub fn draw(
    policy: &Policy,
    population: &[PopulationItem],
    seed: u64,
    drawn_at: Timestamp,
) -> Result<Draw, SamplingError> {
    policy.validate()?;
    if population.len() >= u32::MAX as usize {
        return Err(SamplingError::PopulationTooLarge(population.len()));
    }
    let due_date = due_date(policy.due, drawn_at)?;
    // The fingerprint needs a sort of every complaint number; it runs on a second core while this
    // one draws, since neither needs the other until the end.
    let (fingerprint, result) = std::thread::scope(|scope| {
        let fingerprint = scope.spawn(|| population_fingerprint(population));
        let result = Drawer::new(policy, population, seed, drawn_at).run(due_date);
        (fingerprint.join(), result)
    });
    let fingerprint = match fingerprint {
        Ok(fingerprint) => fingerprint?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let (sample, shortfalls) = result;
    Ok(Draw {
        algorithm: ALGORITHM,
        seed,
        drawn_at,
        policy: policy.clone(),
        population_fingerprint: fingerprint,
        population_size: population.len() as u64,
        sample,
        shortfalls,
    })
}

fn due_date(rule: DueRule, drawn_at: Timestamp) -> Result<Date, SamplingError> {
    let drawn_on = in_branch_zone(drawn_at).date();
    match rule {
        DueRule::DaysAfterDraw(days) => drawn_on
            .checked_add(i64::from(days).days())
            .map_err(|_| SamplingError::DueBeforeDraw { due: format!("+{days}"), drawn_on: drawn_on.to_string() }),
        DueRule::Date(date) if date < drawn_on => {
            Err(SamplingError::DueBeforeDraw { due: date.to_string(), drawn_on: drawn_on.to_string() })
        }
        DueRule::Date(date) => Ok(date),
    }
}

/// The moment at which an unresolved complaint is judged: the end of the policy's quarter, or the
/// draw if that comes first (a complaint cannot be known to be late before it is).
fn judged_at(policy: &Policy, drawn_at: Timestamp) -> Timestamp {
    let Some(quarter) = policy.quarter_id() else { return drawn_at };
    let day_after = quarter.last_day().tomorrow().ok();
    let quarter_end =
        day_after.and_then(|day| day.to_zoned_datetime(branch_zone()).ok()).map(|zoned| zoned.timestamp());
    quarter_end.map_or(drawn_at, |end| end.min(drawn_at))
}

/// How many chunks the per-item pass is split into: one per core, at most four, and one for
/// populations small enough that starting threads would cost more than it saves.
fn chunk_count(items: usize) -> usize {
    if items < 50_000 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |cores| cores.get()).clamp(1, 4)
}

/// What the per-item pass needs from the policy, decided once.
struct ItemRules {
    seed: u64,
    judged_at: Timestamp,
    shortest_ms: u64,
    exclude_reviewed: bool,
    preferred: Option<crate::policy::DurationRange>,
    find_repeats: bool,
    by: Vec<Dimension>,
}

/// One chunk's numbering of departments and strata, to be replaced by the canonical one.
struct Chunk<'a> {
    len: usize,
    departments: Interner<'a>,
    business_lines: Interner<'a>,
    categories: Interner<'a>,
    stratum_tuples: Vec<[u32; 4]>,
}

const NO_VALUE: u32 = u32::MAX;
const SEVERITIES: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

impl ItemRules {
    fn new(policy: &Policy, seed: u64, drawn_at: Timestamp) -> Self {
        ItemRules {
            seed,
            judged_at: judged_at(policy, drawn_at),
            shortest_ms: policy.exclusions.shorter_than_seconds.map_or(0, |s| u64::from(s) * 1000),
            exclude_reviewed: policy.exclusions.reviewed_before,
            preferred: policy.preferred_duration,
            find_repeats: policy.mandatory.repeat_complainant,
            by: policy.strata.by.clone(),
        }
    }

    fn wants(&self, dimension: Dimension) -> bool {
        self.by.contains(&dimension)
    }

    /// Fills `meta` (and `phones`, when repeat complainants are looked for) for `items`, with
    /// department and stratum ids local to this chunk.
    fn describe<'a>(&self, items: &'a [PopulationItem], meta: &mut [Meta], phones: &mut [u64]) -> Chunk<'a> {
        let mut chunk = Chunk {
            len: items.len(),
            departments: Interner::new(),
            business_lines: Interner::new(),
            categories: Interner::new(),
            stratum_tuples: Vec::new(),
        };
        let mut stratum_ids: FxHashMap<[u32; 4], u32> = FxHashMap::default();
        let (want_department, want_business, want_category, want_severity) = (
            self.wants(Dimension::Department),
            self.wants(Dimension::BusinessLine),
            self.wants(Dimension::Category),
            self.wants(Dimension::Severity),
        );
        for (index, item) in items.iter().enumerate() {
            if self.find_repeats {
                // Zero stands for "no usable number": a real key always has its digit count in
                // the top bits.
                phones[index] = phone_key(&item.phone).unwrap_or(0);
            }
            let key = ordering_key(self.seed, &item.complaint_number);
            let has_recording = item.recording_hash.is_some();
            let short = self.shortest_ms > 0 && item.duration_ms.is_some_and(|ms| ms < self.shortest_ms);
            let eligible = has_recording && !short && !(self.exclude_reviewed && item.reviewed_before);
            let preferred = self.preferred.is_none_or(|range| range.contains_ms(item.duration_ms));
            let overdue = is_overdue(item.accepted_at, item.resolved_at, self.judged_at);
            let mut flags = 0;
            flags |= if has_recording { F_RECORDING } else { 0 };
            flags |= if eligible { F_ELIGIBLE } else { 0 };
            flags |= if item.regulator_forwarded { F_REGULATOR } else { 0 };
            flags |= if item.escalated { F_ESCALATED } else { 0 };
            flags |= if overdue { F_OVERDUE } else { 0 };
            let department = chunk.departments.id(&item.department);
            let tuple = [
                if want_department { department } else { NO_VALUE },
                if want_business { chunk.business_lines.id(&item.business_line) } else { NO_VALUE },
                if want_category { chunk.categories.id(&item.category) } else { NO_VALUE },
                if want_severity {
                    let severity = item
                        .severity
                        .unwrap_or_else(|| derive_severity(item.regulator_forwarded, item.escalated, overdue));
                    severity as u32
                } else {
                    NO_VALUE
                },
            ];
            // Stratifying by department alone is the common case; its stratum is the department.
            let stratum = if self.by.as_slice() == [Dimension::Department] {
                department
            } else {
                match stratum_ids.get(&tuple) {
                    Some(&id) => id,
                    None => {
                        let id = chunk.stratum_tuples.len() as u32;
                        stratum_ids.insert(tuple, id);
                        chunk.stratum_tuples.push(tuple);
                        id
                    }
                }
            };
            let rank = (u64::from(!preferred) << 63) | (key >> 1);
            meta[index] = Meta { rank, stratum, department, flags };
        }
        chunk
    }
}

impl Chunk<'_> {
    /// The chunk's strata by local id.
    fn strata(&self, rules: &ItemRules) -> Vec<Stratum> {
        if rules.by.as_slice() == [Dimension::Department] {
            return self
                .departments
                .values
                .iter()
                .map(|department| Stratum { department: Some((*department).to_owned()), ..Stratum::default() })
                .collect();
        }
        let value = |interner: &Interner, id: u32| (id != NO_VALUE).then(|| interner.values[id as usize].to_owned());
        self.stratum_tuples
            .iter()
            .map(|tuple| Stratum {
                department: value(&self.departments, tuple[0]),
                business_line: value(&self.business_lines, tuple[1]),
                category: value(&self.categories, tuple[2]),
                severity: (tuple[3] != NO_VALUE).then(|| SEVERITIES[tuple[3] as usize]),
            })
            .collect()
    }
}

struct Drawer<'a> {
    policy: &'a Policy,
    population: &'a [PopulationItem],
    meta: Vec<Meta>,
    strata: Vec<Stratum>,
    /// Every department head (by index in the policy) and their department's id, `None` when no
    /// complaint of the population belongs to it.
    heads: Vec<(usize, Option<u32>)>,
    picks: Vec<Pick>,
    counts: Vec<u32>,
    shortfalls: Vec<Shortfall>,
    mandatory_mask: u8,
}

impl<'a> Drawer<'a> {
    fn new(policy: &'a Policy, population: &'a [PopulationItem], seed: u64, drawn_at: Timestamp) -> Self {
        let rules = ItemRules::new(policy, seed, drawn_at);
        let find_repeats = policy.mandatory.repeat_complainant;
        let mut meta = vec![Meta { rank: 0, stratum: 0, department: 0, flags: 0 }; population.len()];
        let mut phones = vec![0u64; if find_repeats { population.len() } else { 0 }];

        // The per-item pass reads every complaint's strings and is bound by memory, so it runs on
        // every core in chunks. Each chunk numbers departments and strata its own way; the numbers
        // are then replaced by canonical ones (the order of the values), so the result does not
        // depend on how the population was chunked or ordered.
        let chunk_size = population.len().div_ceil(chunk_count(population.len())).max(1);
        let chunks: Vec<Chunk<'a>> = std::thread::scope(|scope| {
            let mut handles = Vec::new();
            let mut meta_rest = meta.as_mut_slice();
            let mut phones_rest = phones.as_mut_slice();
            for items in population.chunks(chunk_size) {
                let (meta_chunk, meta_tail) = meta_rest.split_at_mut(items.len());
                let phones_len = if find_repeats { items.len() } else { 0 };
                let (phones_chunk, phones_tail) = phones_rest.split_at_mut(phones_len);
                meta_rest = meta_tail;
                phones_rest = phones_tail;
                let rules = &rules;
                handles.push(scope.spawn(move || rules.describe(items, meta_chunk, phones_chunk)));
            }
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });

        let mut department_names: Vec<&str> =
            chunks.iter().flat_map(|c| c.departments.values.iter().copied()).collect();
        department_names.sort_unstable();
        department_names.dedup();
        let mut strata: Vec<Stratum> = chunks.iter().flat_map(|c| c.strata(&rules)).collect();
        strata.sort();
        strata.dedup();
        let department_id = |name: &str| department_names.binary_search(&name).ok().map(|id| id as u32);

        let mut heads: Vec<(usize, Option<u32>)> = Vec::new();
        let mut headed = vec![false; department_names.len()];
        for (index, reviewer) in policy.reviewers.iter().enumerate() {
            if reviewer.role == Role::DepartmentHead {
                let department = reviewer.department.as_deref().and_then(department_id);
                if let Some(id) = department {
                    headed[id as usize] = true;
                }
                heads.push((index, department));
            }
        }

        // Replace each chunk's local ids by the canonical ones, again on every core.
        std::thread::scope(|scope| {
            let mut rest = meta.as_mut_slice();
            for chunk in &chunks {
                let (entries, tail) = rest.split_at_mut(chunk.len);
                rest = tail;
                let departments: Vec<u32> =
                    chunk.departments.values.iter().map(|name| department_id(name).unwrap_or_default()).collect();
                let local_strata: Vec<u32> = chunk
                    .strata(&rules)
                    .iter()
                    .map(|stratum| strata.binary_search(stratum).map_or(0, |id| id as u32))
                    .collect();
                let headed = &headed;
                scope.spawn(move || {
                    for entry in entries {
                        entry.department = departments[entry.department as usize];
                        entry.stratum = local_strata[entry.stratum as usize];
                        if headed[entry.department as usize] {
                            entry.flags |= F_HEADED;
                        }
                    }
                });
            }
        });

        let mut drawer = Drawer {
            policy,
            population,
            meta,
            strata,
            heads,
            picks: Vec::new(),
            counts: vec![0; policy.reviewers.len()],
            shortfalls: Vec::new(),
            mandatory_mask: Self::mandatory_mask_of(policy),
        };
        if find_repeats {
            drawer.mark_repeat_complainants(&phones);
        }
        drop(chunks);
        drawer
    }

    /// Marks, for every phone number seen on more than one complaint, the most recent of those
    /// complaints that has a recording (or the most recent one, when none has, so that it is
    /// reported as a mandatory call without a recording). `phones` holds each item's
    /// [`phone_key`], 0 for none.
    fn mark_repeat_complainants(&mut self, phones: &[u64]) {
        // Two bitsets over a hash of the key find the few items that may share a number, so that
        // only those are sorted: `seen` has a bit for every key met, `again` for every key met
        // twice (or colliding in the hash). Items whose bit is in `again` are then compared exactly.
        let bits = (phones.len() * 16).next_power_of_two().max(1 << 10);
        let shift = 64 - bits.trailing_zeros();
        let slot = |key: u64| (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize;
        let mut seen = vec![0u64; bits / 64];
        let mut again = vec![0u64; bits / 64];
        for &key in phones.iter().filter(|&&key| key != 0) {
            let bit = slot(key);
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            if seen[word] & mask != 0 {
                again[word] |= mask;
            }
            seen[word] |= mask;
        }
        let mut candidates: Vec<(u64, u32)> = phones
            .iter()
            .enumerate()
            .filter(|&(_, &key)| {
                let bit = slot(key);
                key != 0 && again[bit / 64] & (1u64 << (bit % 64)) != 0
            })
            .map(|(index, &key)| (key, index as u32))
            .collect();
        candidates.sort_unstable();
        let phones = candidates;
        let population = self.population;
        let later = |a: u32, b: u32| {
            let (a, b) = (&population[a as usize], &population[b as usize]);
            (a.accepted_at, &a.complaint_number) > (b.accepted_at, &b.complaint_number)
        };
        for group in phones.chunk_by(|a, b| a.0 == b.0).filter(|group| group.len() > 1) {
            let mut best: Option<u32> = None;
            let mut best_with_recording: Option<u32> = None;
            for &(_, index) in group {
                if best.is_none_or(|b| later(index, b)) {
                    best = Some(index);
                }
                if self.meta[index as usize].flags & F_RECORDING != 0
                    && best_with_recording.is_none_or(|b| later(index, b))
                {
                    best_with_recording = Some(index);
                }
            }
            if let Some(index) = best_with_recording.or(best) {
                self.meta[index as usize].flags |= F_REPEAT;
            }
        }
    }

    fn mandatory_mask_of(policy: &Policy) -> u8 {
        let rules = &policy.mandatory;
        let mut mask = 0;
        mask |= if rules.regulator_forwarded { F_REGULATOR } else { 0 };
        mask |= if rules.escalated { F_ESCALATED } else { 0 };
        mask |= if rules.overdue { F_OVERDUE } else { 0 };
        mask |= if rules.repeat_complainant { F_REPEAT } else { 0 };
        mask
    }

    fn mandatory_kinds(&self, flags: u8) -> Vec<MandatoryKind> {
        let mask = self.mandatory_mask;
        MandatoryKind::ALL.into_iter().filter(|kind| flags & mask & kind.flag() != 0).collect()
    }

    /// Orders items by rank, then by complaint number: a total order that does not depend on
    /// where the items sit in the population.
    fn by_rank(&self, a: u32, b: u32) -> Ordering {
        let (ma, mb) = (&self.meta[a as usize], &self.meta[b as usize]);
        ma.rank.cmp(&mb.rank).then_with(|| {
            self.population[a as usize].complaint_number.cmp(&self.population[b as usize].complaint_number)
        })
    }

    fn choose(&mut self, item: u32, selection: Selection, reviewer: Option<usize>) {
        self.meta[item as usize].flags |= F_CHOSEN;
        if let Some(reviewer) = reviewer {
            self.counts[reviewer] += 1;
        }
        self.picks.push(Pick { item, selection, reviewer });
    }

    /// The `count` best of `candidates` under `order`, best first.
    fn best(&self, mut candidates: Vec<u32>, count: usize, order: impl Fn(u32, u32) -> Ordering) -> Vec<u32> {
        if count == 0 {
            return Vec::new();
        }
        if candidates.len() > count {
            candidates.select_nth_unstable_by(count - 1, |&a, &b| order(a, b));
            candidates.truncate(count);
        }
        candidates.sort_unstable_by(|&a, &b| order(a, b));
        candidates
    }

    fn run(mut self, due_date: Date) -> (Vec<SampledCall>, Vec<Shortfall>) {
        self.include_mandatory();
        self.fill_strata();
        self.assign_presidents();
        self.assign_heads();
        self.assign_the_rest();
        let population = self.population;
        self.picks.sort_unstable_by(|a, b| {
            population[a.item as usize].complaint_number.cmp(&population[b.item as usize].complaint_number)
        });
        // Building the sample copies a few strings per call; a large sample is built on every core.
        let per_thread = self.picks.len().div_ceil(chunk_count(self.picks.len() * 32)).max(1);
        let this = &self;
        let sample: Vec<SampledCall> = std::thread::scope(|scope| {
            let handles: Vec<_> = this
                .picks
                .chunks(per_thread)
                .map(|picks| {
                    scope.spawn(move || picks.iter().map(|pick| this.sampled_call(pick, due_date)).collect::<Vec<_>>())
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        (sample, self.shortfalls)
    }

    fn sampled_call(&self, pick: &Pick, due_date: Date) -> SampledCall {
        let item = &self.population[pick.item as usize];
        let meta = &self.meta[pick.item as usize];
        SampledCall {
            complaint_number: item.complaint_number.clone(),
            recording_hash: item.recording_hash.clone().unwrap_or_default(),
            department: item.department.clone(),
            stratum: self.strata.get(meta.stratum as usize).cloned().unwrap_or_default(),
            mandatory: self.mandatory_kinds(meta.flags),
            selected_by: pick.selection,
            reviewer_id: pick.reviewer.map(|r| self.policy.reviewers[r].id.clone()).unwrap_or_default(),
            due_date,
            added_by_hand: None,
        }
    }

    fn include_mandatory(&mut self) {
        let mask = self.mandatory_mask;
        let mut without_recording = Vec::new();
        for index in 0..self.meta.len() as u32 {
            let flags = self.meta[index as usize].flags;
            if flags & mask == 0 {
                continue;
            }
            if flags & F_RECORDING != 0 {
                self.choose(index, Selection::Mandatory, None);
            } else {
                without_recording.push(index);
            }
        }
        without_recording.sort_by(|&a, &b| {
            self.population[a as usize].complaint_number.cmp(&self.population[b as usize].complaint_number)
        });
        for index in without_recording {
            let number = self.population[index as usize].complaint_number.clone();
            let mandatory = self.mandatory_kinds(self.meta[index as usize].flags);
            let kinds_zh = mandatory.iter().map(|kind| kind_zh(*kind)).collect::<Vec<_>>().join("、");
            let kinds_en = mandatory.iter().map(|kind| kind_en(*kind)).collect::<Vec<_>>().join(", ");
            self.shortfalls.push(Shortfall {
                message_zh: format!("投诉 {number} 属于必抽（{kinds_zh}），但没有录音，无法听取"),
                message_en: format!("complaint {number} must be drawn ({kinds_en}) but has no recording to listen to"),
                kind: ShortfallKind::MandatoryWithoutRecording { complaint_number: number, mandatory },
                wanted: 1,
                available: 0,
            });
        }
    }

    fn fill_strata(&mut self) {
        let strata_count = self.strata.len();
        // Available: what a stratum can give (eligible, or already drawn as mandatory).
        let mut available = vec![0u32; strata_count];
        let mut already = vec![0u32; strata_count];
        for meta in &self.meta {
            if meta.flags & F_CHOSEN != 0 {
                already[meta.stratum as usize] += 1;
                available[meta.stratum as usize] += 1;
            } else if meta.flags & F_ELIGIBLE != 0 {
                available[meta.stratum as usize] += 1;
            }
        }
        let strata = &self.policy.strata;
        let wanted: Vec<u32> = match strata.allocation {
            Allocation::Proportional => {
                let total_available: u64 = available.iter().map(|&count| u64::from(count)).sum();
                if u64::from(strata.total) > total_available {
                    self.shortfalls.push(Shortfall {
                        kind: ShortfallKind::Total,
                        wanted: strata.total,
                        available: total_available as u32,
                        message_zh: format!("计划抽取 {} 通，但可抽取的录音只有 {total_available} 通", strata.total),
                        message_en: format!(
                            "the policy asks for {} calls but only {total_available} can be drawn",
                            strata.total
                        ),
                    });
                }
                allocate_proportionally(strata.total, &available)
            }
            Allocation::Quotas => {
                let quotas: BTreeMap<Stratum, u32> = strata.quotas.iter().map(|q| (q.stratum(), q.calls)).collect();
                // A quota for a stratum the population does not have is a shortfall of its own.
                for (stratum, &calls) in &quotas {
                    if calls > 0 && self.strata.binary_search(stratum).is_err() {
                        self.shortfalls.push(stratum_shortfall(stratum, calls, 0));
                    }
                }
                self.strata.iter().map(|s| quotas.get(s).copied().unwrap_or(strata.other_strata_calls)).collect()
            }
        };

        let need: Vec<u32> = wanted.iter().zip(&already).map(|(w, a)| w.saturating_sub(*a)).collect();
        // Bucket the candidates of strata that still need calls, in one pass and one allocation.
        let mut offsets = vec![0usize; strata_count + 1];
        for meta in &self.meta {
            if meta.flags & (F_ELIGIBLE | F_CHOSEN) == F_ELIGIBLE && need[meta.stratum as usize] > 0 {
                offsets[meta.stratum as usize + 1] += 1;
            }
        }
        for s in 0..strata_count {
            offsets[s + 1] += offsets[s];
        }
        let mut fill = offsets.clone();
        let mut buckets = vec![0u32; offsets[strata_count]];
        for (index, meta) in self.meta.iter().enumerate() {
            let s = meta.stratum as usize;
            if meta.flags & (F_ELIGIBLE | F_CHOSEN) == F_ELIGIBLE && need[s] > 0 {
                buckets[fill[s]] = index as u32;
                fill[s] += 1;
            }
        }
        for s in 0..strata_count {
            let candidates = &mut buckets[offsets[s]..offsets[s + 1]];
            let take = (need[s] as usize).min(candidates.len());
            if take > 0 && take < candidates.len() {
                candidates.select_nth_unstable_by(take - 1, |&a, &b| self.by_rank(a, b));
            }
            let chosen: Vec<u32> = candidates[..take].to_vec();
            for item in chosen {
                self.choose(item, Selection::Stratum, None);
            }
            if available[s] < wanted[s] {
                self.shortfalls.push(stratum_shortfall(&self.strata[s], wanted[s], available[s]));
            }
        }
    }

    /// The order in which presidents take calls: mandatory calls first, then calls of departments
    /// without a head (so that a head keeps their department's calls where possible), then rank.
    fn president_rank(&self, a: u32, b: u32) -> Ordering {
        let key = |i: u32| {
            let flags = self.meta[i as usize].flags;
            (flags & self.mandatory_mask == 0, flags & F_HEADED != 0)
        };
        key(a).cmp(&key(b)).then_with(|| self.by_rank(a, b))
    }

    fn assign_presidents(&mut self) {
        let presidents: Vec<usize> = self.reviewers_with(Role::President);
        let mut drawn: Vec<usize> = (0..self.picks.len()).collect();
        drawn.sort_by(|&a, &b| self.president_rank(self.picks[a].item, self.picks[b].item));
        let mut next = drawn.into_iter();
        for &president in &presidents {
            let wanted = self.policy.reviewers[president].min_calls;
            while self.counts[president] < wanted {
                let Some(pick) = next.next() else { break };
                self.picks[pick].reviewer = Some(president);
                self.counts[president] += 1;
            }
        }
        // The drawn calls ran out: draw more for the presidents still short.
        let short: u32 =
            presidents.iter().map(|&p| self.policy.reviewers[p].min_calls.saturating_sub(self.counts[p])).sum();
        if short > 0 {
            let candidates = self.undrawn_eligible(|_| true);
            let extra = self.best(candidates, short as usize, |a, b| self.president_rank(a, b));
            let mut extra = extra.into_iter();
            for &president in &presidents {
                while self.counts[president] < self.policy.reviewers[president].min_calls {
                    let Some(item) = extra.next() else { break };
                    self.choose(item, Selection::ReviewerMinimum, Some(president));
                }
            }
        }
        for &president in &presidents {
            self.report_reviewer_shortfall(president);
        }
    }

    fn assign_heads(&mut self) {
        let mut head_of_department: FxHashMap<u32, usize> = FxHashMap::default();
        for &(head, department) in &self.heads {
            if let Some(department) = department {
                head_of_department.insert(department, head);
            }
        }
        for pick in &mut self.picks {
            if pick.reviewer.is_none()
                && let Some(&head) = head_of_department.get(&self.meta[pick.item as usize].department)
            {
                pick.reviewer = Some(head);
                self.counts[head] += 1;
            }
        }
        for (head, department) in self.heads.clone() {
            let short = self.policy.reviewers[head].min_calls.saturating_sub(self.counts[head]);
            if short > 0
                && let Some(department) = department
            {
                let candidates = self.undrawn_eligible(|meta| meta.department == department);
                for item in self.best(candidates, short as usize, |a, b| self.by_rank(a, b)) {
                    self.choose(item, Selection::ReviewerMinimum, Some(head));
                }
            }
            self.report_reviewer_shortfall(head);
        }
    }

    fn assign_the_rest(&mut self) {
        let mut pool = self.reviewers_with(Role::Reviewer);
        if pool.is_empty() {
            pool = self.reviewers_with(Role::President);
        }
        let mut unassigned: Vec<usize> = (0..self.picks.len()).filter(|&p| self.picks[p].reviewer.is_none()).collect();
        unassigned.sort_by(|&a, &b| self.by_rank(self.picks[a].item, self.picks[b].item));
        for pick in unassigned {
            let reviewer = self.most_in_need(&pool);
            self.picks[pick].reviewer = Some(reviewer);
            self.counts[reviewer] += 1;
        }
        let short: u32 = pool.iter().map(|&r| self.policy.reviewers[r].min_calls.saturating_sub(self.counts[r])).sum();
        if short > 0 {
            let candidates = self.undrawn_eligible(|meta| meta.flags & F_HEADED == 0);
            for item in self.best(candidates, short as usize, |a, b| self.by_rank(a, b)) {
                let reviewer = self.most_in_need(&pool);
                self.choose(item, Selection::ReviewerMinimum, Some(reviewer));
            }
        }
        if pool.iter().any(|&r| self.policy.reviewers[r].role == Role::Reviewer) {
            for reviewer in pool {
                self.report_reviewer_shortfall(reviewer);
            }
        }
    }

    /// The reviewer furthest below their minimum, else the one with the fewest calls; ties go to
    /// the earlier reviewer in the policy.
    fn most_in_need(&self, pool: &[usize]) -> usize {
        let mut best = pool[0];
        let need = |r: usize| {
            let deficit = i64::from(self.policy.reviewers[r].min_calls) - i64::from(self.counts[r]);
            (deficit.max(0), -i64::from(self.counts[r]))
        };
        for &reviewer in &pool[1..] {
            if need(reviewer) > need(best) {
                best = reviewer;
            }
        }
        best
    }

    fn reviewers_with(&self, role: Role) -> Vec<usize> {
        (0..self.policy.reviewers.len()).filter(|&r| self.policy.reviewers[r].role == role).collect()
    }

    fn undrawn_eligible(&self, filter: impl Fn(&Meta) -> bool) -> Vec<u32> {
        (0..self.meta.len() as u32)
            .filter(|&i| {
                let meta = &self.meta[i as usize];
                meta.flags & (F_ELIGIBLE | F_CHOSEN) == F_ELIGIBLE && filter(meta)
            })
            .collect()
    }

    fn report_reviewer_shortfall(&mut self, reviewer: usize) {
        let person = &self.policy.reviewers[reviewer];
        let (wanted, got) = (person.min_calls, self.counts[reviewer]);
        if got >= wanted {
            return;
        }
        let scope_zh = match (person.role, person.department.as_deref()) {
            (Role::DepartmentHead, Some(department)) => format!("{department} 可抽取的录音"),
            (Role::Reviewer, _) => "未设负责人的部门可抽取的录音".to_owned(),
            _ => "可抽取的录音".to_owned(),
        };
        let scope_en = match (person.role, person.department.as_deref()) {
            (Role::DepartmentHead, Some(department)) => format!("calls of {department} that can be drawn"),
            (Role::Reviewer, _) => "calls of departments without a head that can be drawn".to_owned(),
            _ => "calls that can be drawn".to_owned(),
        };
        self.shortfalls.push(Shortfall {
            kind: ShortfallKind::Reviewer { reviewer_id: person.id.clone() },
            wanted,
            available: got,
            message_zh: format!("{} 至少应听取 {wanted} 通，但{scope_zh}只够分配 {got} 通", person.display_name),
            message_en: format!(
                "{} should hear at least {wanted} calls, but the {scope_en} give only {got}",
                person.display_name
            ),
        });
    }
}

fn stratum_shortfall(stratum: &Stratum, wanted: u32, available: u32) -> Shortfall {
    Shortfall {
        kind: ShortfallKind::Stratum { stratum: stratum.clone() },
        wanted,
        available,
        message_zh: format!("分层“{}”应抽取 {wanted} 通，但只有 {available} 通可抽取", stratum.label()),
        message_en: format!(
            "stratum {:?} should give {wanted} calls but has only {available} that can be drawn",
            stratum.label_en()
        ),
    }
}

fn kind_zh(kind: MandatoryKind) -> &'static str {
    match kind {
        MandatoryKind::RegulatorForwarded => "监管转办",
        MandatoryKind::Escalated => "升级投诉",
        MandatoryKind::Overdue => "超过 15 日办结时限",
        MandatoryKind::RepeatComplainant => "重复投诉",
    }
}

fn kind_en(kind: MandatoryKind) -> &'static str {
    match kind {
        MandatoryKind::RegulatorForwarded => "regulator-forwarded",
        MandatoryKind::Escalated => "escalated",
        MandatoryKind::Overdue => "past the 15-day limit",
        MandatoryKind::RepeatComplainant => "repeat complainant",
    }
}
