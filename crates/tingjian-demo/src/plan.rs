//! Everything about the set that depends on the seed alone: which file each call goes to, in which
//! format, who speaks it and how, and who complained. The dates are applied later (in the export),
//! so that moving the quarter never changes a recording.

use crate::dialogues::{SCENARIOS, Scenario};
use crate::prng::SplitMix;
use crate::speech::Voice;

/// Purposes that separate the random streams drawn from one seed.
pub(crate) const STREAM_PLAN: u64 = 1;
pub(crate) const STREAM_EXPORT: u64 = 2;
pub(crate) const STREAM_CALL: u64 = 0x100;

/// How a recording is stored. The extension always matches the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    WavPcm16,
    WavMulaw,
    Mp3,
    M4a,
    Flac,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::WavPcm16, Format::WavMulaw, Format::Mp3, Format::M4a, Format::Flac];

    pub fn label(self) -> &'static str {
        match self {
            Format::WavPcm16 => "wav-pcm16",
            Format::WavMulaw => "wav-mulaw",
            Format::Mp3 => "mp3",
            Format::M4a => "m4a",
            Format::Flac => "flac",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::WavPcm16 | Format::WavMulaw => "wav",
            Format::Mp3 => "mp3",
            Format::M4a => "m4a",
            Format::Flac => "flac",
        }
    }

    /// ffmpeg's codec arguments; `None` for PCM WAV, which the generator writes itself.
    pub fn ffmpeg_codec(self) -> Option<&'static [&'static str]> {
        match self {
            Format::WavPcm16 => None,
            Format::WavMulaw => Some(&["-c:a", "pcm_mulaw"]),
            // 32 kbit/s is a common rate for 8 kHz call recordings and one libmp3lame allows there.
            Format::Mp3 => Some(&["-c:a", "libmp3lame", "-b:a", "32k"]),
            Format::M4a => Some(&["-c:a", "aac", "-b:a", "32k"]),
            Format::Flac => Some(&["-c:a", "flac"]),
        }
    }
}

/// Common surnames whose reading does not depend on context, so the synthesiser says them right.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "董",
];

/// Given names; the customers' voice is a woman's, so the names are too.
const GIVEN_NAMES: &[&str] = &[
    "秀英", "桂兰", "丽娟", "海燕", "晓燕", "淑珍", "玉梅", "春华", "雪梅", "丽华", "红霞", "建英", "美玲", "思琪",
    "雨桐", "静", "敏", "芳", "婷", "莉", "颖", "慧",
];

/// Mobile prefixes of the three Chinese carriers.
const MOBILE_PREFIXES: &[&str] = &["138", "139", "137", "150", "151", "158", "159", "186", "187", "188", "133", "177"];

/// Agents of the call centre; a call is handled by one of a handful of people, as in a real team.
const AGENT_COUNT: usize = 5;

#[derive(Debug, Clone)]
pub(crate) struct Complainant {
    pub surname: &'static str,
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone)]
pub(crate) struct CallPlan {
    pub scenario: &'static Scenario,
    /// The complainant's surname, which the agent says in the call.
    pub surname: &'static str,
    pub file_name: String,
    pub format: Format,
    /// Four digits, as printed on the agent's badge.
    pub agent_id: String,
    pub agent_voice: Voice,
    pub customer_voice: Voice,
    /// Seed for this call's timeline and noise.
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// One complainant per scenario, in `SCENARIOS` order.
    pub complainants: Vec<Complainant>,
    /// For each scenario, the index into `calls` of its recording, if it has one.
    pub call_of_scenario: Vec<Option<usize>>,
    pub calls: Vec<CallPlan>,
}

impl Plan {
    pub fn new(seed: u64) -> Self {
        let mut rng = SplitMix::new(seed, STREAM_PLAN);

        let mut surnames: Vec<&'static str> = SURNAMES.to_vec();
        rng.shuffle(&mut surnames);
        let mut complainants = Vec::with_capacity(SCENARIOS.len());
        for (i, _) in SCENARIOS.iter().enumerate() {
            // There are more surnames than scenarios, so every complainant has a different one.
            let surname = surnames[i % surnames.len()];
            let given = GIVEN_NAMES[rng.index(GIVEN_NAMES.len())];
            let prefix = MOBILE_PREFIXES[rng.index(MOBILE_PREFIXES.len())];
            // The "0000" block makes the number visibly made up while keeping it eleven digits long,
            // unmasked, as the complaint system exports it.
            let phone = format!("{prefix}0000{:04}", 1000 + rng.range_u64(0, 8999));
            complainants.push(Complainant { surname, name: format!("{surname}{given}"), phone });
        }

        let agents: Vec<String> = (0..AGENT_COUNT).map(|_| format!("8{:03}", rng.range_u64(100, 999))).collect();

        let recorded: Vec<usize> = (0..SCENARIOS.len()).filter(|&i| !SCENARIOS[i].turns.is_empty()).collect();
        // Formats are dealt round-robin over a shuffled order, so each appears at least
        // floor(calls / 5) times and which call gets which varies with the seed.
        let mut order = recorded.clone();
        rng.shuffle(&mut order);
        let mut formats = Format::ALL;
        rng.shuffle(&mut formats);
        let mut format_of = vec![Format::WavPcm16; SCENARIOS.len()];
        for (k, &scenario) in order.iter().enumerate() {
            format_of[scenario] = formats[k % formats.len()];
        }

        let mut call_of_scenario = vec![None; SCENARIOS.len()];
        let mut calls = Vec::with_capacity(recorded.len());
        let mut used_ids: Vec<u64> = Vec::new();
        for &index in &recorded {
            let scenario = &SCENARIOS[index];
            let agent_id = agents[rng.index(agents.len())].clone();
            let mut call_id = rng.range_u64(100_000, 999_999);
            while used_ids.contains(&call_id) {
                call_id = rng.range_u64(100_000, 999_999);
            }
            used_ids.push(call_id);
            let format = format_of[index];
            let file_name = format!("{agent_id}_{call_id}.{}", format.extension());
            let agent_voice =
                Voice { variant: "m3", speed: rng.range_u64(190, 215) as u32, pitch: rng.range_u64(38, 55) as u32 };
            // Upset customers talk a little faster and higher.
            let customer_voice =
                Voice { variant: "f3", speed: rng.range_u64(200, 230) as u32, pitch: rng.range_u64(50, 70) as u32 };
            call_of_scenario[index] = Some(calls.len());
            calls.push(CallPlan {
                scenario,
                surname: complainants[index].surname,
                file_name,
                format,
                agent_id,
                agent_voice,
                customer_voice,
                seed: SplitMix::new(seed, STREAM_CALL + index as u64).next_u64(),
            });
        }
        Plan { complainants, call_of_scenario, calls }
    }
}

/// The agent's staff number as it is said on the phone, digit by digit, with 幺 for one.
pub(crate) fn spoken_digits(digits: &str) -> String {
    digits
        .chars()
        .filter_map(|d| match d {
            '0' => Some('零'),
            '1' => Some('幺'),
            '2' => Some('二'),
            '3' => Some('三'),
            '4' => Some('四'),
            '5' => Some('五'),
            '6' => Some('六'),
            '7' => Some('七'),
            '8' => Some('八'),
            '9' => Some('九'),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_appears_at_least_twice_for_any_seed() {
        for seed in 0..50 {
            let plan = Plan::new(seed);
            for format in Format::ALL {
                let count = plan.calls.iter().filter(|call| call.format == format).count();
                assert!(count >= 2, "seed {seed}: {} only {count} times", format.label());
            }
            let mut names: Vec<&str> = plan.calls.iter().map(|call| call.file_name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), plan.calls.len(), "file names are unique");
        }
    }

    #[test]
    fn complainants_have_distinct_surnames_and_full_fake_numbers() {
        let plan = Plan::new(2026);
        let mut surnames: Vec<&str> = plan.complainants.iter().map(|c| c.surname).collect();
        surnames.sort_unstable();
        surnames.dedup();
        assert_eq!(surnames.len(), plan.complainants.len());
        for person in &plan.complainants {
            assert_eq!(person.phone.len(), 11);
            assert!(person.phone.chars().all(|c| c.is_ascii_digit()), "{}", person.phone);
        }
    }

    #[test]
    fn staff_numbers_are_read_digit_by_digit() {
        assert_eq!(spoken_digits("8801"), "八八零幺");
    }
}
