//! Instants and durations as microseconds since the Unix epoch (UTC).
//!
//! Parsing is written by hand because the loaders parse one timestamp per event on their hot
//! path: the accepted forms are few and fixed (SPEC section 1). Calendar arithmetic uses the
//! days-from-civil algorithm on the proleptic Gregorian calendar.

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;
pub const MICROS_PER_WEEK: i64 = 7 * MICROS_PER_DAY;

/// The earliest instant data may hold: 0000-01-01T00:00:00Z (the text forms have four-digit
/// years, and Parquet timestamps are held to the same range).
pub const MIN_INSTANT: i64 = -719_528 * MICROS_PER_DAY;
/// The latest instant data may hold: 9999-12-31T23:59:59.999999Z.
pub const MAX_INSTANT: i64 = 2_932_897 * MICROS_PER_DAY - 1;

/// Why a timestamp did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("expected a date `YYYY-MM-DD` or a timestamp `YYYY-MM-DDTHH:MM:SSZ`")]
    Shape,
    #[error("{0} is not a day of the calendar")]
    NoSuchDay(String),
    #[error("the time of day {0} is out of range")]
    BadTime(String),
    #[error("the offset {0} is out of range")]
    BadOffset(String),
}

/// The current instant (the default evaluation instant).
#[must_use]
pub fn current() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 of a civil date, or `None` if the date does not exist.
#[must_use]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The civil date (year, month, day) of a day number.
#[must_use]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

/// Parses every timestamp form of SPEC section 1: RFC 3339 (`T` or a space between date and
/// time, `Z` or an offset), `YYYY-MM-DD HH:MM:SS[.ffffff]` and `YYYY-MM-DD` (both UTC).
/// Fractions beyond microseconds are truncated.
pub fn parse_timestamp(text: &str) -> Result<i64, TimeError> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(TimeError::Shape);
    }
    let year = digits(&b[0..4]).ok_or(TimeError::Shape)?;
    let month = digits(&b[5..7]).ok_or(TimeError::Shape)?;
    let day = digits(&b[8..10]).ok_or(TimeError::Shape)?;
    let days = days_from_civil(i64::from(year), month, day)
        .ok_or_else(|| TimeError::NoSuchDay(text[..10].to_string()))?;
    let mut micros = days * MICROS_PER_DAY;
    if b.len() == 10 {
        return Ok(micros);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return Err(TimeError::Shape);
    }
    let hour = digits(&b[11..13]).ok_or(TimeError::Shape)?;
    let minute = digits(&b[14..16]).ok_or(TimeError::Shape)?;
    let second = digits(&b[17..19]).ok_or(TimeError::Shape)?;
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimeError::BadTime(text[11..19].to_string()));
    }
    micros += i64::from(hour) * MICROS_PER_HOUR
        + i64::from(minute) * MICROS_PER_MINUTE
        + i64::from(second) * MICROS_PER_SECOND;
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(TimeError::Shape);
        }
        let mut value = 0i64;
        for (i, c) in frac[..n].iter().enumerate().take(6) {
            value += i64::from(c - b'0') * 10i64.pow(5 - u32::try_from(i).unwrap_or(5));
        }
        micros += value;
        rest = &frac[n..];
    }
    match rest {
        [] | [b'Z' | b'z'] => Ok(micros),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2]).ok_or(TimeError::Shape)?;
            let minutes = digits(&[*m1, *m2]).ok_or(TimeError::Shape)?;
            if hours > 23 || minutes > 59 {
                return Err(TimeError::BadOffset(text[19..].to_string()));
            }
            let offset =
                i64::from(hours) * MICROS_PER_HOUR + i64::from(minutes) * MICROS_PER_MINUTE;
            Ok(if *sign == b'+' {
                micros - offset
            } else {
                micros + offset
            })
        }
        _ => Err(TimeError::Shape),
    }
}

/// RFC 3339 in UTC with as many fraction digits as needed (none, 3 or 6).
#[must_use]
pub fn format_timestamp(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rem = micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, us) = (
        rem / MICROS_PER_HOUR,
        rem % MICROS_PER_HOUR / MICROS_PER_MINUTE,
        rem % MICROS_PER_MINUTE / MICROS_PER_SECOND,
        rem % MICROS_PER_SECOND,
    );
    let frac = match us {
        0 => String::new(),
        us if us % 1000 == 0 => format!(".{:03}", us / 1000),
        us => format!(".{us:06}"),
    };
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z")
}

/// `YYYY-MM-DD` of an instant's UTC day.
#[must_use]
pub fn format_date(micros: i64) -> String {
    let (y, m, d) = civil_from_days(micros.div_euclid(MICROS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// A duration in the largest unit that divides it exactly (`7d`, `90m`, `2w`).
#[must_use]
pub fn format_duration(micros: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (MICROS_PER_WEEK, "w"),
        (MICROS_PER_DAY, "d"),
        (MICROS_PER_HOUR, "h"),
        (MICROS_PER_MINUTE, "m"),
        (MICROS_PER_SECOND, "s"),
    ];
    for (unit, suffix) in UNITS {
        if micros % unit == 0 {
            return format!("{}{suffix}", micros / unit);
        }
    }
    // Sub-second durations only come from arithmetic on instants; show them in seconds.
    #[allow(clippy::cast_precision_loss)]
    let seconds = micros as f64 / MICROS_PER_SECOND as f64;
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
    }

    #[test]
    fn parses_every_form() {
        let base = parse_timestamp("2024-03-13T10:21:14Z").unwrap();
        assert_eq!(base, 1_710_325_274 * MICROS_PER_SECOND);
        assert_eq!(parse_timestamp("2024-03-13 10:21:14").unwrap(), base);
        assert_eq!(parse_timestamp("2024-03-13T12:21:14+02:00").unwrap(), base);
        assert_eq!(
            parse_timestamp("2024-03-13T10:21:14.5Z").unwrap(),
            base + 500_000
        );
        assert_eq!(
            parse_timestamp("2024-03-13 10:21:14.000001").unwrap(),
            base + 1
        );
        assert_eq!(parse_timestamp("2024-03-13").unwrap() % MICROS_PER_DAY, 0);
        assert!(matches!(
            parse_timestamp("2024-02-30"),
            Err(TimeError::NoSuchDay(_))
        ));
        assert!(matches!(
            parse_timestamp("2024-02-03T25:00:00Z"),
            Err(TimeError::BadTime(_))
        ));
        assert_eq!(parse_timestamp("2024-2-3"), Err(TimeError::Shape));
        assert_eq!(
            parse_timestamp("2024-02-03T10:00:00Q"),
            Err(TimeError::Shape)
        );
    }

    #[test]
    fn the_instant_range_is_what_four_digit_years_write() {
        assert_eq!(parse_timestamp("0000-01-01"), Ok(MIN_INSTANT));
        assert_eq!(
            parse_timestamp("9999-12-31T23:59:59.999999Z"),
            Ok(MAX_INSTANT)
        );
    }

    #[test]
    fn formats() {
        let t = parse_timestamp("2024-03-13T10:21:14.25Z").unwrap();
        assert_eq!(format_timestamp(t), "2024-03-13T10:21:14.250Z");
        assert_eq!(format_date(t), "2024-03-13");
        assert_eq!(format_duration(14 * MICROS_PER_DAY), "2w");
        assert_eq!(format_duration(90 * MICROS_PER_MINUTE), "90m");
    }
}
