//! Time zone rules: instants are stored in UTC, and shown and bucketed in the branch's zone.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// The branch's zone. Quarters, due dates and displayed times are all in this zone unless a later
/// setting says otherwise.
pub const BRANCH_ZONE: &str = "Asia/Shanghai";

/// The branch's time zone, from the tz database bundled into the binary so that a machine without
/// `/usr/share/zoneinfo` still gets it right.
pub fn branch_zone() -> TimeZone {
    // The bundled database always has Asia/Shanghai; the fixed +08:00 fallback is the same offset
    // (China has no daylight saving time), so no caller ever sees a failure here.
    TimeZone::get(BRANCH_ZONE).unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)))
}

/// An instant seen in the branch's zone.
pub fn in_branch_zone(at: Timestamp) -> ZonedDateTime {
    at.to_zoned_datetime(branch_zone())
}

/// The source of "now", so that tests can control it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that always reads the same instant, for tests and reproducible demos.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}
