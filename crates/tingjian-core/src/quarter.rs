//! Quarters: the unit of the branch's review cycle, named like `2026Q4`.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::time::in_branch_zone;

/// A calendar quarter in the branch's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuarterId {
    year: i16,
    quarter: u8,
}

/// Why a quarter name was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a quarter: {0:?} (expected a name like 2026Q4)")]
pub struct QuarterParseError(pub String);

impl QuarterId {
    /// The quarter `quarter` (1–4) of `year`, or `None` when out of range.
    pub fn new(year: i16, quarter: u8) -> Option<Self> {
        ((1..=4).contains(&quarter) && (1900..=9999).contains(&year)).then_some(Self { year, quarter })
    }

    /// The quarter a civil date falls in.
    pub fn of_date(date: Date) -> Self {
        Self { year: date.year(), quarter: (date.month() as u8 - 1) / 3 + 1 }
    }

    /// The quarter an instant falls in, seen from the branch's time zone.
    pub fn of_instant(at: Timestamp) -> Self {
        Self::of_date(in_branch_zone(at).date())
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn number(self) -> u8 {
        self.quarter
    }

    /// The first day of the quarter.
    pub fn first_day(self) -> Date {
        // Months 1, 4, 7 and 10 always have a first day, so this cannot fail for a valid quarter.
        Date::new(self.year, (self.quarter as i8 - 1) * 3 + 1, 1).unwrap_or(Date::MIN)
    }

    /// The last day of the quarter.
    pub fn last_day(self) -> Date {
        let last_month_first = Date::new(self.year, self.quarter as i8 * 3, 1).unwrap_or(Date::MIN);
        last_month_first.last_of_month()
    }

    /// Whether a civil date lies in this quarter.
    pub fn contains(self, date: Date) -> bool {
        Self::of_date(date) == self
    }
}

impl std::fmt::Display for QuarterId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl std::str::FromStr for QuarterId {
    type Err = QuarterParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || QuarterParseError(s.to_owned());
        let (year, quarter) = s.trim().split_once(['Q', 'q']).ok_or_else(bad)?;
        let year: i16 = year.parse().map_err(|_| bad())?;
        let quarter: u8 = quarter.parse().map_err(|_| bad())?;
        Self::new(year, quarter).ok_or_else(bad)
    }
}

impl Serialize for QuarterId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QuarterId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Where a quarter is in its life. Later issues add the rules that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum QuarterState {
    Planning,
    Open,
    Closed,
}

impl QuarterState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuarterState::Planning => "planning",
            QuarterState::Open => "open",
            QuarterState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "planning" => Some(QuarterState::Planning),
            "open" => Some(QuarterState::Open),
            "closed" => Some(QuarterState::Closed),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            QuarterState::Planning => "筹备中",
            QuarterState::Open => "进行中",
            QuarterState::Closed => "已结束",
        }
    }

    pub fn label_en(self) -> &'static str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_boundaries_follow_the_calendar() {
        let q: QuarterId = "2026Q4".parse().expect("valid");
        assert_eq!(q.first_day(), Date::new(2026, 10, 1).expect("date"));
        assert_eq!(q.last_day(), Date::new(2026, 12, 31).expect("date"));
        let q1: QuarterId = "2027q1".parse().expect("valid");
        assert_eq!(q1.last_day(), Date::new(2027, 3, 31).expect("date"));
        assert_eq!(q1.to_string(), "2027Q1");
        assert!("2026Q5".parse::<QuarterId>().is_err());
        assert!("Q4".parse::<QuarterId>().is_err());
    }

    #[test]
    fn an_instant_belongs_to_the_quarter_of_shanghai_not_utc() {
        // 2026-09-30 17:00 UTC is already 1 October 01:00 in Shanghai.
        let at: Timestamp = "2026-09-30T17:00:00Z".parse().expect("ts");
        assert_eq!(QuarterId::of_instant(at).to_string(), "2026Q4");
    }

    /// Quarter states are in every vault's log (`quarter_set`) and `quarters` table: the names
    /// must never change.
    #[test]
    fn quarter_states_keep_the_names_the_log_holds() {
        let names =
            [(QuarterState::Planning, "planning"), (QuarterState::Open, "open"), (QuarterState::Closed, "closed")];
        for (state, name) in names {
            let json = format!("\"{name}\"");
            assert_eq!(serde_json::to_string(&state).expect("serialise"), json);
            assert_eq!(serde_json::from_str::<QuarterState>(&json).expect("deserialise"), state);
            assert_eq!(state.as_str(), name);
            assert_eq!(QuarterState::parse(name), Some(state));
        }
    }
}
