//! When things happen: instants relative to the evaluation instant `as_of`.
//!
//! All instants are whole seconds. A session's start is drawn between two instants with a
//! bias toward the later one (`to - span * u^k`), which puts many sessions in the last
//! days before `as_of` (so `today`, `yesterday`, `within 7d` and `within 30d` all have
//! hits) and fewer the further back; its day is kept and its time of day is redrawn from
//! the persona's hours. A session never starts at or after `to` (for `to == as_of` it
//! starts at least half an hour before, so a session rarely spills past `as_of`).

use super::rng::Rng;

pub(crate) const DAY: i64 = 86_400;
pub(crate) const HOUR: i64 = 3_600;
pub(crate) const MINUTE: i64 = 60;

/// Hours of the day a persona is active (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hours {
    /// Shoppers: evenings, some lunch breaks and mornings, a few nights.
    Evening,
    /// Office workers: mostly 08:00-18:00.
    Office,
    /// Strictly 09:00-16:59 (`reads_at_work`).
    Work,
}

/// How strongly session starts lean toward the end of their range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lean {
    Flat,
    Recent,
    VeryRecent,
}

impl Lean {
    fn apply(self, u: f64) -> f64 {
        match self {
            Lean::Flat => u,
            Lean::Recent => u * u,
            Lean::VeryRecent => u * u * u,
        }
    }
}

/// The evaluation instant and calendar helpers around it.
pub(crate) struct Clock {
    /// `as_of` in whole seconds (floored).
    pub now: i64,
}

impl Clock {
    pub(crate) fn new(as_of_micros: i64) -> Clock {
        Clock {
            now: as_of_micros.div_euclid(crate::time::MICROS_PER_SECOND),
        }
    }

    /// The instant `days` (fractional) before now.
    pub(crate) fn ago(&self, days: f64) -> i64 {
        self.now - (days * DAY as f64) as i64
    }

    /// Start of the UTC day of `t`.
    pub(crate) fn day_of(t: i64) -> i64 {
        t.div_euclid(DAY) * DAY
    }

    /// ISO weekday of `t`: 1 is Monday, 7 Sunday.
    pub(crate) fn weekday(t: i64) -> i64 {
        (t.div_euclid(DAY) + 3).rem_euclid(7) + 1
    }

    /// A session start in [from, to), leaning toward `to`, at the persona's hours.
    pub(crate) fn session(
        &self,
        rng: &mut Rng,
        from: i64,
        to: i64,
        lean: Lean,
        hours: Hours,
    ) -> i64 {
        let span = to - from;
        if span <= HOUR {
            return from + rng.range(0, span.max(1));
        }
        let back = (span as f64 * lean.apply(rng.unit())) as i64;
        let t = Clock::day_of(to - back) + time_of_day(rng, hours);
        self.clamp(rng, t, from, to)
    }

    /// Keeps a session start inside [from, to), and half an hour before now.
    pub(crate) fn clamp(&self, rng: &mut Rng, t: i64, from: i64, to: i64) -> i64 {
        let to = if to >= self.now {
            self.now - 30 * MINUTE
        } else {
            to
        };
        let span = to - from;
        if span <= 0 {
            return from;
        }
        if t >= to {
            to - rng.range(MINUTE, span.clamp(MINUTE + 1, 3 * HOUR))
        } else if t < from {
            from + rng.range(0, span.clamp(1, HOUR))
        } else {
            t
        }
    }

    /// The Saturday or Sunday at or before `t`, same time of day.
    pub(crate) fn to_weekend(rng: &mut Rng, t: i64) -> i64 {
        let wd = Clock::weekday(t);
        if wd >= 6 {
            return t;
        }
        // Back to the Sunday before (wd days), or the Saturday before it.
        t - (wd + rng.range(0, 2)) * DAY
    }
}

/// Seconds into the day for a persona's hours.
pub(crate) fn time_of_day(rng: &mut Rng, hours: Hours) -> i64 {
    let hour = match hours {
        Hours::Evening => {
            let x = rng.unit();
            if x < 0.55 {
                rng.range(17, 24)
            } else if x < 0.8 {
                rng.range(11, 17)
            } else if x < 0.95 {
                rng.range(7, 11)
            } else {
                rng.range(0, 7)
            }
        }
        Hours::Office => {
            if rng.chance(0.85) {
                rng.range(8, 18)
            } else {
                rng.range(0, 24)
            }
        }
        Hours::Work => rng.range(9, 17),
    };
    hour * HOUR + rng.range(0, HOUR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays() {
        // 2026-11-15 is a Sunday, 2026-11-16 a Monday.
        let sunday = 1_794_744_000;
        assert_eq!(Clock::weekday(sunday), 7);
        assert_eq!(Clock::weekday(sunday + DAY), 1);
        let mut rng = Rng::new(3, 3);
        for d in 0..14 {
            let t = Clock::to_weekend(&mut rng, sunday + d * DAY);
            assert!(Clock::weekday(t) >= 6 && t <= sunday + d * DAY);
        }
    }

    #[test]
    fn sessions_stay_in_range_and_before_now() {
        let clock = Clock::new(1_794_744_000_000_000);
        let mut rng = Rng::new(1, 1);
        for lean in [Lean::Flat, Lean::Recent, Lean::VeryRecent] {
            for hours in [Hours::Evening, Hours::Office, Hours::Work] {
                for _ in 0..2000 {
                    let from = clock.ago(400.0);
                    let t = clock.session(&mut rng, from, clock.now, lean, hours);
                    assert!(t >= from && t < clock.now, "{t}");
                }
            }
        }
    }
}
