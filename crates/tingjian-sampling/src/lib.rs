//! Quarterly sampling of complaint calls: the policy, and a draw that anyone can re-run.
//!
//! Auditors distrust samples that could have been hand-picked, so a draw is a pure function of
//! its recorded inputs — the [`Policy`], the population, a seed from the operating system
//! ([`fresh_seed`]) and the moment of the draw — and [`verify_draw`] re-runs it and lists every
//! difference from what was recorded. The population's order never matters: every choice is made
//! in the order of a keyed hash of the complaint number ([`ordering_key`]), ties broken by the
//! number itself.
//!
//! The crate knows nothing of the vault or the GUI: the caller builds the population (see
//! [`PopulationItem::from_complaint`]), records the [`Draw`] as an audit event and shows it.

mod draw;
mod error;
mod policy;
mod population;
mod verify;

pub use draw::{
    ALGORITHM, Draw, MandatoryKind, SampledCall, Selection, Shortfall, ShortfallKind, Stratum, allocate_proportionally,
    draw, fresh_seed, ordering_key, population_fingerprint,
};
pub use error::{PolicyProblem, SamplingError};
pub use policy::{
    Allocation, Dimension, DueRule, DurationRange, Exclusions, MandatoryRules, Policy, Quota, Reviewer, Role, Strata,
};
pub use population::{HANDLING_LIMIT, PopulationItem, Severity, derive_severity, is_escalated, is_overdue, phone_key};
pub use verify::{Alteration, Reassignment, Verification, verify_draw};
