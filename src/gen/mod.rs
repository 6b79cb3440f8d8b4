//! Deterministic synthetic data for the example business (`examples/schema.toml`): a
//! retail web shop and a B2B software product, as events, profiles and accounts in NDJSON
//! and/or CSV.
//!
//! Users are generated one after another in blocks: a block is a shopper (`retail.rs`), a
//! lead without an account (`leads.rs`), or an account of 2-8 users (`accounts.rs`,
//! `product.rs`). Which kind of block comes next, and each shopper's and lead's archetype,
//! come from low-discrepancy sequences, and accounts take their scenario from a fixed
//! cycle, so the mix is even on a few hundred users; everything else comes from per-user
//! and per-account random streams (`rng.rs`), so a seed gives the same bytes everywhere.
//! Each user's events and profile history are built in memory, then written at once with
//! buffered writers (`record.rs`): memory stays bounded by one account's users, whatever
//! the number of users.
//!
//! Ids are zero-padded (`u000001`, `a00001`; wider for more than a million users), so
//! byte order is numeric order. Times are whole seconds, spread over the ~400 days before
//! `as_of` with a lean toward recent days; about 1% of events (and a few history rows) are
//! at or after `as_of`, which every evaluator must ignore. History rows (with `ts`) repeat
//! every attribute of the user or account as of that instant, so they read the same
//! whether a loader takes an empty cell in a history row as "unset" or "unchanged".

#![allow(
    // Counts, day offsets and prices are small; conversions between them are exact.
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod accounts;
mod clock;
mod leads;
mod product;
mod record;
mod retail;
mod rng;
mod user;
mod vocab;

use std::io;
use std::path::{Path, PathBuf};

use clock::Clock;
use record::{AccountAttr, Attr, Change, Prop, Table, Value};
use rng::{weyl, Rng};
use user::UserBuild;

/// An output format of [`generate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Csv,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenOptions {
    /// Number of users.
    pub users: usize,
    /// Average number of events per user (the actual count varies by persona).
    pub events_per_user: usize,
    pub seed: u64,
    /// The instant the data is generated for, in microseconds since the epoch (UTC).
    pub as_of: i64,
    /// Which files to write; each format gets events, profiles and accounts.
    pub formats: Vec<Format>,
}

/// The instant of the example data: `2026-11-15T12:00:00Z`, in microseconds.
pub const EXAMPLE_AS_OF: i64 = 1_794_744_000_000_000;

impl Default for GenOptions {
    /// The example data set: 300 users, about 30 events each, as of [`EXAMPLE_AS_OF`].
    fn default() -> GenOptions {
        GenOptions {
            users: 300,
            events_per_user: 30,
            seed: 1,
            as_of: EXAMPLE_AS_OF,
            formats: vec![Format::Ndjson, Format::Csv],
        }
    }
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenSummary {
    pub users: usize,
    pub accounts: usize,
    /// Event rows (per format).
    pub events: usize,
    pub files: Vec<PathBuf>,
}

/// Share of blocks that are accounts (about 38% of users, at 4.5 users an account), and
/// of the other blocks, leads without an account; the rest are shoppers.
const ACCOUNT_BLOCKS: f64 = 0.12;
const LEAD_BLOCKS: f64 = 0.11;

/// Salts that keep the streams of different things apart.
const ACCOUNT_STREAM: u64 = 0xA5A5_0000_0000_0000;
const PLAN_STREAM: u64 = u64::MAX;

/// Writes `events`, `profiles` and `accounts` files in each requested format to `out_dir`
/// (created if missing).
pub fn generate(options: &GenOptions, out_dir: &Path) -> io::Result<GenSummary> {
    let ndjson = options.formats.contains(&Format::Ndjson);
    let csv = options.formats.contains(&Format::Csv);
    if !ndjson && !csv {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no output format requested",
        ));
    }
    std::fs::create_dir_all(out_dir)?;
    let mut files = Vec::new();
    let props = Prop::ALL.iter().copied().map(Prop::name).collect();
    let attrs = Attr::ALL.iter().copied().map(Attr::name).collect();
    let account_attrs = AccountAttr::ALL
        .iter()
        .copied()
        .map(AccountAttr::name)
        .collect();
    let mut out = Output {
        events: Table::create(
            out_dir,
            "events",
            &["user_id", "event", "ts"],
            props,
            ndjson,
            csv,
            &mut files,
        )?,
        profiles: Table::create(
            out_dir,
            "profiles",
            &["user_id", "ts"],
            attrs,
            ndjson,
            csv,
            &mut files,
        )?,
        accounts: Table::create(
            out_dir,
            "accounts",
            &["account_id", "ts"],
            account_attrs,
            ndjson,
            csv,
            &mut files,
        )?,
    };
    let clock = Clock::new(options.as_of);
    let user_width = digits(options.users).max(6);
    let account_width = digits(options.users / 2).max(5);
    let mut plan = Rng::new(options.seed, PLAN_STREAM);
    let mut salt = options.seed;
    let salt = rng::splitmix64(&mut salt);
    let (mut next_user, mut block, mut account_count) = (0usize, 0u64, 0usize);
    let (mut shoppers, mut leads) = (0u64, 0u64);
    while next_user < options.users {
        let x = weyl(block, salt);
        block += 1;
        let remaining = options.users - next_user;
        if x < ACCOUNT_BLOCKS && remaining >= 2 {
            let scenario = accounts::scenario(account_count, options.seed);
            let size: usize =
                plan.weighted(&[(2, 3), (3, 4), (4, 4), (5, 3), (6, 2), (7, 1), (8, 1)]);
            // A drop of two weekly users needs a few users to drop.
            let size = size.max(scenario.min_users()).min(remaining);
            let number = account_count + 1;
            let id = format!("a{number:0account_width$}");
            let mut rng = Rng::new(options.seed ^ ACCOUNT_STREAM, account_count as u64);
            let mut acc = accounts::account(&mut rng, &clock, id, scenario, size);
            let changes = std::mem::take(&mut acc.changes);
            write_history(&mut out.accounts, &acc.id, &acc.base, changes)?;
            account_count += 1;
            for position in 0..size {
                let mut b = user_build(options, &clock, next_user);
                let budget = budget(&mut b, options);
                product::account_user(&mut b, &acc, position, budget);
                out.user(&mut b, next_user, user_width)?;
                next_user += 1;
            }
        } else {
            let mut b = user_build(options, &clock, next_user);
            let budget = budget(&mut b, options);
            if x < ACCOUNT_BLOCKS + LEAD_BLOCKS {
                leads::standalone_lead(&mut b, weyl(leads, salt ^ 1), budget);
                leads += 1;
            } else {
                retail::shopper(&mut b, weyl(shoppers, salt ^ 2), budget);
                shoppers += 1;
            }
            out.user(&mut b, next_user, user_width)?;
            next_user += 1;
        }
    }
    let summary = GenSummary {
        users: options.users,
        accounts: account_count,
        events: out.events.rows,
        files,
    };
    out.events.finish()?;
    out.profiles.finish()?;
    out.accounts.finish()?;
    Ok(summary)
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

fn user_build<'a>(options: &GenOptions, clock: &'a Clock, index: usize) -> UserBuild<'a> {
    UserBuild::new(Rng::new(options.seed, index as u64), clock)
}

/// About how many events this user should have: from 0.3 to 1.7 times the average.
fn budget(b: &mut UserBuild, options: &GenOptions) -> usize {
    let factor = 0.3 + 1.4 * b.rng.unit();
    (options.events_per_user as f64 * factor).round() as usize
}

struct Output {
    events: Table,
    profiles: Table,
    accounts: Table,
}

impl Output {
    /// Writes a finished user: profile rows, then events.
    fn user(&mut self, b: &mut UserBuild, index: usize, width: usize) -> io::Result<()> {
        b.finish();
        let number = index + 1;
        let id = format!("u{number:0width$}");
        let changes = std::mem::take(&mut b.changes);
        write_history(&mut self.profiles, &id, &b.base, changes)?;
        let mut cells: Vec<(usize, &Value)> = Vec::with_capacity(4);
        for e in &b.events {
            cells.clear();
            cells.extend(e.props.iter().map(|(p, v)| (p.column(), v)));
            cells.sort_unstable_by_key(|c| c.0);
            self.events
                .write(&[&id, e.kind.name()], Some(e.ts), &cells)?;
        }
        Ok(())
    }
}

/// The row without `ts`, then one full-state row per instant at which something changes.
fn write_history(
    table: &mut Table,
    key: &str,
    base: &[Option<Value>],
    mut changes: Vec<Change>,
) -> io::Result<()> {
    fn cells(state: &[Option<Value>]) -> Vec<(usize, &Value)> {
        state
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (i, v)))
            .collect()
    }
    table.write(&[key], None, &cells(base))?;
    changes.sort_by_key(|c| c.ts);
    let mut state = base.to_vec();
    let mut i = 0;
    while i < changes.len() {
        let ts = changes[i].ts;
        let mut changed = false;
        while i < changes.len() && changes[i].ts == ts {
            let c = &changes[i];
            if state[c.attr] != c.value {
                state[c.attr].clone_from(&c.value);
                changed = true;
            }
            i += 1;
        }
        if changed {
            table.write(&[key], Some(ts), &cells(&state))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
