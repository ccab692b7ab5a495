//! One spoken turn: Chinese text to tone-numbered pinyin, pinyin to telephone-band speech, and the
//! exact extent of that speech once the synthesiser's own leading and trailing silence is cut off.

use std::path::Path;
use std::process::Command;

use pinyin::ToPinyin as _;

use crate::tools::{Toolbox, run};
use crate::{DemoError, SAMPLE_RATE};

/// Words whose characters the pinyin crate, which reads one character at a time, would pronounce
/// with the wrong one of their readings in these dialogues. Longer entries come first so that they
/// win over shorter ones starting at the same character.
const READINGS: &[(&str, &str)] = &[
    ("一定还", "yi2 ding4 huan2"),
    ("还房贷", "huan2 fang2 dai4"),
    ("长时间", "chang2 shi2 jian1"),
    ("升级为", "sheng1 ji2 wei2"),
    ("标注为", "biao1 zhu4 wei2"),
    ("显示为", "xian3 shi4 wei2"),
    ("完整地", "wan2 zheng3 de5"),
    ("银行", "yin2 hang2"),
    ("支行", "zhi1 hang2"),
    ("还款", "huan2 kuan3"),
    ("晚还", "wan3 huan2"),
    ("就还", "jiu4 huan2"),
    ("处理", "chu3 li3"),
    ("供应", "gong1 ying4"),
    ("得对", "de5 dui4"),
    ("调整", "tiao2 zheng3"),
    ("下调", "xia4 tiao2"),
    ("请假", "qing3 jia4"),
    ("着急", "zhao2 ji2"),
    ("折腾", "zhe1 teng5"),
    ("高兴", "gao1 xing4"),
    ("会儿", "hui4 r5"),
    ("那儿", "na4 r5"),
];

/// Converts Chinese text to the pinyin that espeak-ng's `cmn-latn-pinyin` voice reads: one syllable
/// per word with its tone as a trailing digit (5 for the neutral tone, which espeak-ng needs: a bare
/// "a" is read as the English letter), `v` for ü, and ASCII punctuation where the text pauses.
pub(crate) fn to_pinyin(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((word, reading)) = READINGS.iter().find(|(word, _)| starts_with(&chars[i..], word)) {
            words.extend(reading.split(' ').map(str::to_owned));
            i += word.chars().count();
            continue;
        }
        let ch = chars[i];
        i += 1;
        if let Some(syllable) = ch.to_pinyin() {
            let mut word = syllable.with_tone_num_end().replace('ü', "v");
            if !word.ends_with(|c: char| c.is_ascii_digit()) {
                word.push('5');
            }
            words.push(word);
        } else if let Some(mark) = pause_mark(ch) {
            // Punctuation sticks to the syllable before it, which is how espeak-ng finds clause ends.
            match words.last_mut() {
                Some(last) if !last.ends_with([',', '.', '?', '!']) => last.push(mark),
                _ => {}
            }
        }
        // Anything else (quotes, spaces) is not spoken.
    }
    words.join(" ")
}

fn starts_with(chars: &[char], word: &str) -> bool {
    let mut rest = chars.iter();
    word.chars().all(|w| rest.next() == Some(&w))
}

fn pause_mark(ch: char) -> Option<char> {
    match ch {
        '，' | '、' | '；' | '：' | '…' | ',' | ';' | ':' => Some(','),
        '。' | '.' => Some('.'),
        '？' | '?' => Some('?'),
        '！' | '!' => Some('!'),
        _ => None,
    }
}

/// How one party sounds in one call; small differences between calls keep them from sounding cloned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Voice {
    /// The espeak-ng voice variant: `m3` for the agent, `f3` for the customer.
    pub variant: &'static str,
    /// Words (here: syllables) per minute.
    pub speed: u32,
    /// Pitch, 0 to 99.
    pub pitch: u32,
}

/// Speaks `text` with espeak-ng into `scratch_wav`, then band-limits it to the telephone band and
/// resamples it to 8 kHz with sox; the result is mono 16-bit samples.
pub(crate) fn synthesise(tools: &Toolbox, voice: Voice, text: &str, scratch_wav: &Path) -> Result<Vec<i16>, DemoError> {
    let pinyin = to_pinyin(text);
    run(
        "espeak-ng",
        Command::new(&tools.espeak)
            .arg("-v")
            .arg(format!("cmn-latn-pinyin+{}", voice.variant))
            .arg("-s")
            .arg(voice.speed.to_string())
            .arg("-p")
            .arg(voice.pitch.to_string())
            .arg("-w")
            .arg(scratch_wav)
            .arg(&pinyin),
    )?;
    // -D: no dither, because dither is random noise and would make the audio differ between runs.
    let output = run(
        "sox",
        Command::new(&tools.sox)
            .args(["-D", "-V1"])
            .arg(scratch_wav)
            .args(["-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-c", "1", "-r"])
            .arg(SAMPLE_RATE.to_string())
            .args(["-", "sinc", "300-3400"]),
    )?;
    Ok(output.stdout.chunks_exact(2).map(|pair| i16::from_le_bytes([pair[0], pair[1]])).collect())
}

/// Samples per analysis frame: 10 ms, fine enough for ground truth that voice-activity detection
/// with 20 ms frames is measured against.
const FRAME: usize = SAMPLE_RATE as usize / 100;

/// Pauses inside a turn at least this long split it into separate speech intervals; shorter ones
/// (between words, at most commas) count as speaking, as a listener would hear them.
const SPLIT_GAP_FRAMES: usize = 30;

/// A turn's speech with the synthesiser's silence cut off both ends.
#[derive(Debug, Clone)]
pub(crate) struct Clip {
    /// Samples scaled to ±1.0, starting at the first and ending at the last audible frame.
    pub samples: Vec<f32>,
    /// Sample ranges within `samples` where speech is, split at longer internal pauses.
    pub segments: Vec<(usize, usize)>,
}

/// Finds where the speech in a freshly synthesised turn is, by frame energy. The turn is clean (no
/// noise has been added yet), so a frame counts as speech when it is within 45 dB of the loudest
/// frame and above -55 dBFS. `None` means there was nothing audible.
pub(crate) fn trim(samples: &[i16]) -> Option<Clip> {
    let frame_db: Vec<f64> = samples
        .chunks(FRAME)
        .map(|frame| {
            let energy: f64 = frame.iter().map(|&s| (f64::from(s) / 32768.0).powi(2)).sum::<f64>();
            10.0 * (energy / frame.len() as f64 + 1e-12).log10()
        })
        .collect();
    let loudest = frame_db.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let threshold = (loudest - 45.0).max(-55.0);
    let loud: Vec<bool> = frame_db.iter().map(|&db| db > threshold).collect();

    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut frame = 0;
    while frame < loud.len() {
        if loud[frame] {
            let start = frame;
            while frame < loud.len() && loud[frame] {
                frame += 1;
            }
            match runs.last_mut() {
                Some(last) if start - last.1 < SPLIT_GAP_FRAMES => last.1 = frame,
                _ => runs.push((start, frame)),
            }
        } else {
            frame += 1;
        }
    }
    let first = runs.first()?.0 * FRAME;
    let last = (runs.last()?.1 * FRAME).min(samples.len());
    Some(Clip {
        samples: samples[first..last].iter().map(|&s| f32::from(s) / 32768.0).collect(),
        segments: runs.iter().map(|&(a, b)| (a * FRAME - first, (b * FRAME).min(samples.len()) - first)).collect(),
    })
}

impl Clip {
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// The loudest sample's magnitude.
    pub fn peak(&self) -> f32 {
        self.samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()))
    }

    /// Root mean square over the speech segments, in dBFS.
    pub fn speech_level_db(&self) -> f64 {
        let (energy, count) = self.segments.iter().fold((0.0f64, 0usize), |(energy, count), &(a, b)| {
            let part: f64 = self.samples[a..b].iter().map(|&s| f64::from(s).powi(2)).sum();
            (energy + part, count + (b - a))
        });
        if count == 0 { f64::NEG_INFINITY } else { 10.0 * (energy / count as f64 + 1e-12).log10() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_has_tone_digits_and_neutral_fives() {
        assert_eq!(to_pinyin("你好，我的卡。"), "ni3 hao3, wo3 de5 ka3.");
        assert_eq!(to_pinyin("卡呢？"), "ka3 ne5?");
    }

    #[test]
    fn pinyin_uses_the_right_reading_of_ambiguous_words() {
        assert_eq!(to_pinyin("银行"), "yin2 hang2");
        assert_eq!(to_pinyin("行吧"), "xing2 ba5");
        assert_eq!(to_pinyin("提前还款"), "ti2 qian2 huan2 kuan3");
        assert_eq!(to_pinyin("还有"), "hai2 you3");
        assert_eq!(to_pinyin("利率"), "li4 lv4");
        assert_eq!(to_pinyin("别着急，处理"), "bie2 zhao2 ji2, chu3 li3");
    }

    #[test]
    fn punctuation_does_not_pile_up_and_quotes_are_silent() {
        assert_eq!(to_pinyin("“零利息”！？"), "ling2 li4 xi1!");
        assert_eq!(to_pinyin("，好"), "hao3");
    }

    #[test]
    fn every_dialogue_is_speakable() {
        for scenario in crate::dialogues::SCENARIOS {
            for turn in scenario.turns {
                for ch in turn.text.chars() {
                    let fine = ch.to_pinyin().is_some() || pause_mark(ch).is_some() || "“”{}".contains(ch);
                    assert!(fine, "{} has {ch:?}, which the synthesiser would not read as Mandarin", scenario.key);
                }
            }
        }
    }

    #[test]
    fn trimming_finds_speech_and_splits_at_long_pauses() {
        let tone = |n: usize| (0..n).map(|i| ((i as f64 * 0.3).sin() * 8000.0) as i16);
        let mut samples = vec![0i16; 800];
        samples.extend(tone(4000));
        samples.extend(std::iter::repeat_n(0, 800)); // 100 ms: bridged
        samples.extend(tone(2000));
        samples.extend(std::iter::repeat_n(0, 4000)); // 500 ms: split
        samples.extend(tone(1600));
        samples.extend(std::iter::repeat_n(0, 1200));
        let clip = trim(&samples).expect("speech");
        assert_eq!(clip.len(), 4000 + 800 + 2000 + 4000 + 1600);
        assert_eq!(clip.segments, vec![(0, 6800), (10_800, 12_400)]);
        assert!(trim(&[0; 8000]).is_none());
    }
}
