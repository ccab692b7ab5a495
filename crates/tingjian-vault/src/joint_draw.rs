//! A draw's seed fixed by two people, so nobody can search seeds for a sample that leaves a
//! complaint out (event format 3).
//!
//! 1. A coordinator **prepares** the quarter's draw: the policy and the population are fixed, and
//!    they commit to a secret share (the SHA-256 of their key's signature over a random nonce).
//! 2. The president or another coordinator **witnesses** it with a share of their own from the
//!    operating system. It is written after the commitment, so the preparer could not have chosen
//!    their share knowing it; and the witness does not know the preparer's share.
//! 3. The preparer **draws**: the draw reveals their share, and the seed is the SHA-256 of the
//!    preparation's event hash and both shares ([`event::joint_seed`]).
//!
//! Replay checks every step ([`crate::authorize`]), so a draw whose seed was chosen fails
//! `verify`. The preparer learns the sample once the witness's share is in the log, and could
//! walk away from it and prepare again: that needs a new witness, and every witnessed preparation
//! left undrawn is counted with the quarter's draw, for the president and auditors to see.
//! A chosen seed is allowed only on a demo vault (the demo's story needs a known sample).

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use tingjian_core::QuarterId;
use tingjian_sampling::Policy;
use ts_rs::TS;

use crate::event::{self, Event, JointSeed};
use crate::{Vault, VaultError};

/// The newest preparation of a quarter's draw, as the coordinator's screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DrawPreparation {
    /// The `draw_prepared` event.
    #[ts(type = "number")]
    pub prepared_seq: u64,
    pub prepared_by: String,
    pub prepared_at: String,
    pub witnessed_by: Option<String>,
    pub witnessed_at: Option<String>,
    /// The draw that used it, once drawn.
    #[ts(type = "number | null")]
    pub drawn_seq: Option<u64>,
}

/// What a quarter's draw needs, for the screens: whether two people must fix the seed, and how
/// far the newest preparation has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DrawReadiness {
    /// The vault has accounts, so a draw can be seeded by two people (the app always offers it).
    pub accounts: bool,
    /// The vault has accounts and is not a demo: a draw must be prepared and witnessed.
    pub joint_required: bool,
    pub preparation: Option<DrawPreparation>,
    /// Preparations witnessed and then left undrawn (a later one was drawn instead, or none).
    pub abandoned_preparations: u32,
}

/// A preparation's stored inputs, for the draw.
struct Inputs {
    prepared_seq: u64,
    prepared_hash: String,
    nonce: String,
    policy_seq: u64,
    population_fingerprint: String,
    witness_share: String,
}

impl Vault {
    /// Whether a draw on this vault must be seeded by two people: it has accounts and is not a
    /// demo vault.
    pub fn joint_draw_required(&self) -> Result<bool, VaultError> {
        Ok(self.accounts_since()?.is_some() && !self.vault_id_and_demo()?.1)
    }

    fn vault_id_and_demo(&self) -> Result<(String, bool), VaultError> {
        Ok(self
            .db()
            .query_row("SELECT vault_id, demo_since_seq IS NOT NULL FROM vault_info WHERE id = 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?
            .unwrap_or_default())
    }

    /// The quarter's draw readiness: the rule and the newest preparation.
    pub fn draw_readiness(&self, quarter: QuarterId) -> Result<DrawReadiness, VaultError> {
        let q = quarter.to_string();
        let preparation = self
            .db()
            .query_row(
                "SELECT prepared_seq, prepared_by, prepared_at, witnessed_by, witnessed_at, drawn_seq
                 FROM draw_preparations WHERE quarter = ?1 ORDER BY prepared_seq DESC LIMIT 1",
                [&q],
                |row| {
                    Ok(DrawPreparation {
                        prepared_seq: row.get(0)?,
                        prepared_by: row.get(1)?,
                        prepared_at: row.get(2)?,
                        witnessed_by: row.get(3)?,
                        witnessed_at: row.get(4)?,
                        drawn_seq: row.get(5)?,
                    })
                },
            )
            .optional()?;
        // Abandoned: witnessed, never drawn, and followed by a later preparation (the newest one
        // may simply be waiting for its draw).
        let abandoned: u32 = self.db().query_row(
            "SELECT count(*) FROM draw_preparations p WHERE p.quarter = ?1 AND p.witnessed_seq IS NOT NULL
             AND p.drawn_seq IS NULL
             AND p.prepared_seq < (SELECT MAX(prepared_seq) FROM draw_preparations WHERE quarter = ?1)",
            [&q],
            |row| row.get(0),
        )?;
        Ok(DrawReadiness {
            accounts: self.accounts_since()?.is_some(),
            joint_required: self.joint_draw_required()?,
            preparation,
            abandoned_preparations: abandoned,
        })
    }

    /// Step 1, by a coordinator: fixes the quarter's policy (storing `policy` first when given)
    /// and population, and commits to the signed-in person's share of the seed.
    pub fn prepare_draw(&mut self, quarter: QuarterId, policy: Option<Policy>) -> Result<DrawPreparation, VaultError> {
        self.refuse_unless_drawable(quarter)?;
        if self.signed_in().is_none() {
            return Err(self.sign_in_needed()?);
        }
        if let Some(policy) = policy {
            self.set_sampling_policy(quarter, policy)?;
        }
        let policy_seq: u64 = self
            .db()
            .query_row("SELECT event_seq FROM sampling_policies WHERE quarter = ?1", [quarter.to_string()], |row| {
                row.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                VaultError::refused(
                    format!("{quarter} 季度还没有抽样策略，请先设置策略"),
                    format!("quarter {quarter} has no sampling policy yet: set one first"),
                )
            })?;
        let population = self.sampling_population(quarter)?;
        let population_fingerprint = tingjian_sampling::population_fingerprint(&population)?;
        let nonce = event::hex(&tingjian_signing::random_bytes::<16>()?);
        let share = self.draw_share(quarter, &nonce)?;
        self.record(vec![Event::DrawPrepared {
            quarter,
            nonce,
            commitment: event::draw_commitment(&share),
            policy_seq,
            population_fingerprint,
        }])?;
        self.newest_preparation(quarter)
    }

    /// Step 2, by the president or another coordinator: adds a random share to the quarter's
    /// newest preparation.
    pub fn witness_draw(&mut self, quarter: QuarterId) -> Result<DrawPreparation, VaultError> {
        self.refuse_unless_drawable(quarter)?;
        let Some(me) = self.signed_in().map(str::to_owned) else {
            return Err(self.sign_in_needed()?);
        };
        let newest = self.draw_readiness(quarter)?.preparation;
        let prepared_seq = match newest {
            Some(p) if p.witnessed_by.is_none() && p.drawn_seq.is_none() => {
                if p.prepared_by == me {
                    return Err(VaultError::refused(
                        "抽样准备须由另一个人见证：请行长或另一位协调人登录后见证".to_owned(),
                        "a preparation must be witnessed by someone else: the president or another coordinator"
                            .to_owned(),
                    ));
                }
                p.prepared_seq
            }
            _ => {
                return Err(VaultError::refused(
                    format!("{quarter} 季度没有等待见证的抽样准备"),
                    format!("quarter {quarter} has no preparation waiting for a witness"),
                ));
            }
        };
        let share = event::hex(&tingjian_signing::random_bytes::<32>()?);
        self.record(vec![Event::DrawWitnessed { quarter, prepared_seq, share }])?;
        self.newest_preparation(quarter)
    }

    /// The seed and the reveal for a draw by the signed-in person from their witnessed, undrawn
    /// preparation of `quarter`; `None` when they have none. Refused when the policy or
    /// `population` (the quarter's, as the draw will use it) is no longer the one it fixed.
    pub(crate) fn joint_seed_for_draw(
        &self,
        quarter: QuarterId,
        population: &[tingjian_sampling::PopulationItem],
    ) -> Result<Option<(u64, JointSeed)>, VaultError> {
        let Some(me) = self.signed_in() else {
            return Ok(None);
        };
        let inputs = self
            .db()
            .query_row(
                "SELECT prepared_seq, prepared_hash, nonce, policy_seq, population_fingerprint, witness_share
                 FROM draw_preparations WHERE quarter = ?1 AND prepared_by = ?2
                 AND witnessed_seq IS NOT NULL AND drawn_seq IS NULL ORDER BY prepared_seq DESC LIMIT 1",
                rusqlite::params![quarter.to_string(), me],
                |row| {
                    Ok(Inputs {
                        prepared_seq: row.get(0)?,
                        prepared_hash: row.get(1)?,
                        nonce: row.get(2)?,
                        policy_seq: row.get(3)?,
                        population_fingerprint: row.get(4)?,
                        witness_share: row.get(5)?,
                    })
                },
            )
            .optional()?;
        let Some(inputs) = inputs else {
            return Ok(None);
        };
        let policy_seq: Option<u64> = self
            .db()
            .query_row("SELECT event_seq FROM sampling_policies WHERE quarter = ?1", [quarter.to_string()], |row| {
                row.get(0)
            })
            .optional()?;
        if policy_seq != Some(inputs.policy_seq)
            || tingjian_sampling::population_fingerprint(population)? != inputs.population_fingerprint
        {
            return Err(VaultError::refused(
                format!(
                    "准备抽样（第 {} 号事件）之后，抽样策略或本季度的投诉有了变化：请重新准备抽样",
                    inputs.prepared_seq
                ),
                format!(
                    "the policy or the quarter's complaints changed after the preparation (event {}): prepare the draw again",
                    inputs.prepared_seq
                ),
            ));
        }
        let share = self.draw_share(quarter, &inputs.nonce)?;
        let seed = event::joint_seed(&inputs.prepared_hash, &share, &inputs.witness_share);
        Ok(Some((seed, JointSeed { prepared_seq: inputs.prepared_seq, share })))
    }

    /// The signed-in person's share for a preparation: the SHA-256 of their key's (deterministic)
    /// signature over the vault, the quarter and the nonce.
    fn draw_share(&self, quarter: QuarterId, nonce: &str) -> Result<String, VaultError> {
        let Some(signer) = self.signer.as_ref() else {
            return Err(self.sign_in_needed()?);
        };
        let (vault_id, _) = self.vault_id_and_demo()?;
        let signature = signer.sign(&event::draw_share_message(&vault_id, quarter, nonce));
        Ok(event::sha256_hex(&signature.to_bytes()))
    }

    fn newest_preparation(&self, quarter: QuarterId) -> Result<DrawPreparation, VaultError> {
        self.draw_readiness(quarter)?.preparation.ok_or_else(|| VaultError::Corrupt {
            seq: 0,
            reason: "the preparation just recorded is not in draw_preparations".to_owned(),
        })
    }
}
