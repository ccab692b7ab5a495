//! Domain types and rules of Tingjian, free of storage and GUI concerns.
//!
//! Everything here is plain data plus the rules that decide on it (which quarter a moment belongs
//! to, which error code a failure carries). Storage lives in `tingjian-vault`, audio in
//! `tingjian-audio`; both depend on this crate, never the other way round.

pub mod analytics;
pub mod clocks;
pub mod error;
pub mod listening;
pub mod model;
pub mod personal;
pub mod quarter;
pub mod rectification;
pub mod time;

pub use error::{Coded, ErrorCode, UiError};
pub use quarter::{QuarterId, QuarterState};
