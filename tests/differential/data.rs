//! A generator of random users, as NDJSON text for the loaders: up to a few dozen users whose
//! events cluster on window edges (exactly `now - 7d`, day starts, yesterday's start, `now`,
//! just after `now`), with equal timestamps for one user, missing and `null` properties, events
//! in no particular load order, users with no events (profile only), profile and account rows
//! with and without history (`ts`, some at or after `now`), users moving between accounts
//! (including one with no account rows), and accounts without users.

use std::fmt::Write as _;

use seg::time::{format_timestamp, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_SECOND};

use super::model::{
    anchors, now_at, number_json, numbers, quote, strings, Ty, ACCOUNT, ACCOUNT_IDS, EVENTS, NOWS,
    PROFILE,
};
use super::tape::Tape;

/// One case's data, as the files hold it.
pub struct Data {
    pub now: i64,
    pub events: String,
    pub profiles: String,
    pub accounts: String,
}

struct DataGen<'t> {
    tape: Tape<'t>,
    now: i64,
    anchors: Vec<i64>,
}

/// Generates the data of a case from the tape.
pub fn data(choices: &[u32]) -> Data {
    let mut tape = Tape::new(choices);
    let now = now_at(tape.below(NOWS.len()));
    let mut g = DataGen {
        tape,
        now,
        anchors: anchors(now),
    };
    let users = g.tape.below(31);
    let accounts = g.tape.below(5);

    let mut events = String::new();
    if users > 0 {
        let n = g.tape.below(users * 12 + 1);
        let mut last: Vec<Option<i64>> = vec![None; users];
        for _ in 0..n {
            let user = g.tape.below(users);
            let event = &EVENTS[g.tape.below(EVENTS.len())];
            let ts = match last[user] {
                Some(previous) if g.tape.flip(20) => previous,
                _ => g.instant(),
            };
            last[user] = Some(ts);
            let mut line = format!(
                "{{\"user_id\":\"u{user}\",\"event\":\"{}\",\"ts\":{}",
                event.name,
                g.ts_json(ts)
            );
            for (prop, ty) in event.props {
                g.field(&mut line, prop, *ty);
            }
            line.push_str("}\n");
            events.push_str(&line);
        }
    }

    let mut profiles = String::new();
    for user in 0..users {
        // Most users have a profile; some have history rows (some at or after now).
        let rows = g.tape.weighted(&[2, 5, 2, 1]);
        for row in 0..rows {
            let mut line = format!("{{\"user_id\":\"u{user}\"");
            if row > 0 || g.tape.flip(30) {
                let ts = g.instant();
                let ts = g.ts_json(ts);
                let _ = write!(line, ",\"ts\":{ts}");
            }
            for (attr, ty) in PROFILE {
                g.field(&mut line, attr, *ty);
            }
            line.push_str("}\n");
            profiles.push_str(&line);
        }
    }

    let mut account_rows = String::new();
    for account in &ACCOUNT_IDS[..accounts] {
        let rows = g.tape.weighted(&[1, 4, 2, 1]);
        for row in 0..rows {
            let mut line = format!("{{\"account_id\":\"{account}\"");
            if row > 0 || g.tape.flip(25) {
                let ts = g.instant();
                let ts = g.ts_json(ts);
                let _ = write!(line, ",\"ts\":{ts}");
            }
            for (attr, ty) in ACCOUNT {
                g.field(&mut line, attr, *ty);
            }
            line.push_str("}\n");
            account_rows.push_str(&line);
        }
    }

    Data {
        now,
        events,
        profiles,
        accounts: account_rows,
    }
}

impl DataGen<'_> {
    /// An instant: mostly on a window edge, else anywhere from 20 days back to 2 days ahead.
    fn instant(&mut self) -> i64 {
        match self.tape.weighted(&[6, 3, 1]) {
            0 => *self.tape.pick(&self.anchors),
            1 => {
                let span = usize::try_from(22 * MICROS_PER_DAY / MICROS_PER_SECOND).expect("small");
                let seconds = i64::try_from(self.tape.below(span)).expect("small");
                self.now - 20 * MICROS_PER_DAY + seconds * MICROS_PER_SECOND
            }
            _ => {
                let hours = i64::try_from(self.tape.below(24 * 20)).expect("small");
                (self.now / MICROS_PER_HOUR - hours) * MICROS_PER_HOUR
            }
        }
    }

    /// An instant as a JSON string, in one of the forms the loaders accept.
    fn ts_json(&mut self, t: i64) -> String {
        let text = format_timestamp(t);
        let text = match self.tape.weighted(&[6, 1, 1, 1]) {
            1 => text.replacen('T', " ", 1).trim_end_matches('Z').to_string(),
            2 if t.rem_euclid(MICROS_PER_DAY) == 0 => text[..10].to_string(),
            3 => {
                let local = format_timestamp(t - 5 * MICROS_PER_HOUR);
                format!("{}-05:00", local.trim_end_matches('Z'))
            }
            _ => text,
        };
        quote(&text)
    }

    /// `,"name":value`, `,"name":null` or nothing (a missing value).
    fn field(&mut self, line: &mut String, name: &str, ty: Ty) {
        match self.tape.weighted(&[1, 1, 6]) {
            0 => {}
            1 => {
                let _ = write!(line, ",\"{name}\":null");
            }
            _ => {
                let value = match ty {
                    Ty::Num => number_json(*self.tape.pick(numbers(name))),
                    Ty::Str => quote(self.tape.pick_str(strings(name))),
                    Ty::Bool => (*self.tape.pick(&["true", "false"])).to_string(),
                    Ty::Ts => {
                        let t = self.instant();
                        self.ts_json(t)
                    }
                    Ty::Dur => unreachable!("no duration fields"),
                };
                let _ = write!(line, ",\"{name}\":{value}");
            }
        }
    }
}
