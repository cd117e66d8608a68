//! Text forms of the temporal types, as Cassandra's serializers accept and print them:
//! `timestamp` (`TimestampSerializer`), `date` (`SimpleDateSerializer`), `time`
//! (`TimeSerializer`). Errors are the `MarshalException` messages, which Cassandra
//! returns verbatim as Invalid.
//!
//! Timestamps without a zone are read in UTC (Cassandra uses the JVM's default zone;
//! Sibyl nodes run in UTC). Dates are days with the epoch at 2^31.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cql3::{CqlError, CqlResult};

pub const MILLIS_PER_DAY: i64 = 86_400_000;
pub const NANOS_PER_DAY: i64 = 86_400_000_000_000;
pub const DATE_EPOCH_DAYS: i64 = 1 << 31;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

pub fn current_time_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// A cursor over ASCII text for the small hand-written grammars below.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.at;
        while self.at < self.text.len()
            && self.at - start < max
            && self.text[self.at].is_ascii_digit()
        {
            self.at += 1;
        }
        if self.at - start < min {
            return None;
        }
        std::str::from_utf8(&self.text[start..self.at])
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.text.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &[u8] {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn done(&self) -> bool {
        self.at >= self.text.len()
    }
}

fn checked_date(year: i64, month: i64, day: i64) -> Option<i64> {
    let month = u32::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
    let day = u32::try_from(day)
        .ok()
        .filter(|d| *d >= 1 && *d <= days_in_month(year, month))?;
    Some(days_from_civil(year, month, day))
}

/// A zone suffix: `Z`, `UTC`, `GMT`, `+HH`, `+HHmm`, `+HH:mm`, optionally after one
/// space. Returns the offset in milliseconds.
fn zone_offset_ms(cursor: &mut Cursor<'_>) -> Option<i64> {
    let spaced = cursor.eat(b' ');
    let rest = cursor.rest();
    for name in [&b"UTC"[..], b"GMT", b"Z"] {
        if rest == name {
            cursor.at += name.len();
            return Some(0);
        }
    }
    let negative = match rest.first()? {
        b'+' => false,
        b'-' => true,
        _ => return if spaced { None } else { Some(0) },
    };
    cursor.at += 1;
    let hours = cursor.digits(2, 2)?;
    let minutes = if cursor.eat(b':') {
        cursor.digits(2, 2)?
    } else if cursor.done() {
        0
    } else {
        cursor.digits(2, 2)?
    };
    if hours > 18 || minutes > 59 {
        return None;
    }
    let offset = (hours * 60 + minutes) * 60_000;
    Some(if negative { -offset } else { offset })
}

fn parse_date_time(source: &str) -> Option<i64> {
    let mut cursor = Cursor {
        text: source.as_bytes(),
        at: 0,
    };
    let year = cursor.digits(1, 9)?;
    let dash = cursor.eat(b'-');
    let month = cursor.digits(1, 2)?;
    let days = if dash && cursor.eat(b'-') {
        checked_date(year, month, cursor.digits(1, 2)?)?
    } else {
        return None;
    };
    let mut millis_of_day = 0;
    let has_time = match cursor.rest() {
        [b'T', ..] => true,
        [b' ', next, ..] if next.is_ascii_digit() => true,
        _ => false,
    };
    if has_time {
        cursor.at += 1;
        let hour = cursor.digits(1, 2)?;
        if !cursor.eat(b':') {
            return None;
        }
        let minute = cursor.digits(1, 2)?;
        let mut second = 0;
        let mut millis = 0;
        if cursor.eat(b':') {
            second = cursor.digits(1, 2)?;
            if cursor.eat(b'.') {
                let start = cursor.at;
                cursor.digits(1, 9)?;
                let fraction = &source[start..cursor.at];
                // Digits beyond milliseconds are dropped, as appendFraction does.
                let padded = format!("{fraction:0<3}");
                millis = padded.get(..3)?.parse::<i64>().ok()?;
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        millis_of_day = ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    }
    let offset = if cursor.done() {
        0
    } else {
        zone_offset_ms(&mut cursor)?
    };
    if !cursor.done() {
        return None;
    }
    Some(days * MILLIS_PER_DAY + millis_of_day - offset)
}

/// `TimestampSerializer.dateStringToTimestamp`.
pub fn parse_timestamp(source: &str) -> CqlResult<i64> {
    if source.eq_ignore_ascii_case("now") {
        return Ok(current_time_ms());
    }
    if is_integer_text(source) {
        return source.parse().map_err(|_| {
            CqlError::invalid(format!("Unable to make long (for date) from: '{source}'"))
        });
    }
    parse_date_time(source)
        .ok_or_else(|| CqlError::invalid(format!("Unable to parse a date/time from '{source}'")))
}

/// Matches `^-?\d+$`.
fn is_integer_text(source: &str) -> bool {
    let digits = source.strip_prefix('-').unwrap_or(source);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `SimpleDateSerializer.dateStringToDays`: a `yyyy-mm-dd` date or the raw unsigned
/// day number (epoch at 2^31). Returns the encoded `u32`.
pub fn parse_date(source: &str) -> CqlResult<u32> {
    if is_integer_text(source) {
        return source
            .parse::<i64>()
            .ok()
            .and_then(|days| u32::try_from(days).ok())
            .ok_or_else(|| {
                CqlError::invalid(format!(
                    "Unable to make unsigned int (for date) from: '{source}'"
                ))
            });
    }
    let coerce = || {
        CqlError::invalid(format!(
            "Unable to coerce '{source}' to a formatted date (long)"
        ))
    };
    let (negative, body) = match source.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, source.strip_prefix('+').unwrap_or(source)),
    };
    let mut cursor = Cursor {
        text: body.as_bytes(),
        at: 0,
    };
    let year = cursor.digits(4, 9).ok_or_else(coerce)?;
    let year = if negative { -year } else { year };
    let month = cursor
        .eat(b'-')
        .then(|| cursor.digits(2, 2))
        .flatten()
        .ok_or_else(coerce)?;
    let day = cursor
        .eat(b'-')
        .then(|| cursor.digits(2, 2))
        .flatten()
        .ok_or_else(coerce)?;
    if !cursor.done() {
        return Err(coerce());
    }
    let days = checked_date(year, month, day).ok_or_else(coerce)?;
    u32::try_from(days + DATE_EPOCH_DAYS).map_err(|_| {
        CqlError::invalid(format!(
            "Input date {source} is out of the supported date range"
        ))
    })
}

/// `TimeSerializer.timeStringToLong`: `hh:mm:ss[.fffffffff]` or raw nanoseconds.
pub fn parse_time(source: &str) -> CqlResult<i64> {
    if is_integer_text(source) {
        return source
            .parse::<i64>()
            .ok()
            .filter(|nanos| (0..NANOS_PER_DAY).contains(nanos))
            .ok_or_else(|| {
                CqlError::invalid(format!("Unable to make long (for time) from: '{source}'"))
            });
    }
    parse_time_strictly(source.trim()).ok_or_else(|| {
        CqlError::invalid(format!(
            "(TimeType) Unable to coerce '{source}' to a formatted time (long)"
        ))
    })
}

fn parse_time_strictly(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, ':');
    let hour: i64 = parts.next()?.parse().ok()?;
    let minute: i64 = parts.next()?.parse().ok()?;
    let seconds = parts.next()?;
    let (second, fraction) = match seconds.split_once('.') {
        Some((second, fraction)) => (second, Some(fraction)),
        None => (seconds, None),
    };
    let second: i64 = second.parse().ok()?;
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) || !(0..60).contains(&second) {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(fraction) => {
            if fraction.is_empty()
                || fraction.len() > 9
                || !fraction.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            format!("{fraction:0<9}").parse::<i64>().ok()?
        }
    };
    Some(((hour * 60 + minute) * 60 + second) * 1_000_000_000 + nanos)
}

/// `yyyy-MM-dd HH:mm:ss.SSS` in UTC, followed by `suffix`; `separator` is ' ' for
/// JSON and 'T' for text casts.
pub fn format_timestamp(millis: i64, separator: char, suffix: &str) -> String {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let millis_of_day = millis.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let seconds = millis_of_day / 1000;
    format!(
        "{}-{month:02}-{day:02}{separator}{:02}:{:02}:{:02}.{:03}{suffix}",
        format_year(year),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        millis_of_day % 1000
    )
}

fn format_year(year: i64) -> String {
    if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    }
}

/// `yyyy-mm-dd` of an encoded date; days outside the representable calendar print
/// as the raw number, as Cassandra does.
pub fn format_date(encoded: u32) -> String {
    let (year, month, day) = civil_from_days(i64::from(encoded) - DATE_EPOCH_DAYS);
    format!("{}-{month:02}-{day:02}", format_year(year))
}

/// `hh:mm:ss.nnnnnnnnn`.
pub fn format_time(nanos: i64) -> String {
    let seconds = nanos / 1_000_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:09}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        nanos % 1_000_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> i64 {
        parse_timestamp(text).unwrap()
    }

    #[test]
    fn timestamps_in_every_accepted_form() {
        let base = 1_709_294_400_000; // 2024-03-01 12:00:00 UTC
        assert_eq!(ts("2024-03-01 12:00"), base);
        assert_eq!(ts("2024-03-01 12:00:00"), base);
        assert_eq!(ts("2024-03-01T12:00:00"), base);
        assert_eq!(ts("2024-03-01 12:00:00.250"), base + 250);
        assert_eq!(ts("2024-03-01 12:00:00.2"), base + 200);
        assert_eq!(ts("2024-03-01 12:00:00.123456"), base + 123);
        assert_eq!(ts("2024-03-01 12:00:00Z"), base);
        assert_eq!(ts("2024-03-01 12:00:00+0000"), base);
        assert_eq!(ts("2024-03-01 13:00:00+01:00"), base);
        assert_eq!(ts("2024-03-01 13:00:00 +0100"), base);
        assert_eq!(ts("2024-03-01 07:00:00-05"), base);
        assert_eq!(ts("2024-03-01 12:00:00 UTC"), base);
        assert_eq!(ts("2024-03-01"), base - 12 * 3_600_000);
        assert_eq!(ts("2024-03-01+0000"), base - 12 * 3_600_000);
        assert_eq!(ts("-1000"), -1000);
        assert_eq!(ts("1709294400000"), base);
        assert!((ts("now") - current_time_ms()).abs() < 5000);
        assert_eq!(ts("1969-12-31 23:59:59.999"), -1);
    }

    #[test]
    fn bad_timestamps_have_cassandra_messages() {
        for bad in [
            "2024-13-01",
            "2024-02-30",
            "yesterday",
            "2024-03-01 25:00",
            "2024-03-01 12:00 +2500",
        ] {
            let error = parse_timestamp(bad).unwrap_err();
            assert_eq!(
                error,
                CqlError::invalid(format!("Unable to parse a date/time from '{bad}'"))
            );
        }
        assert_eq!(
            parse_timestamp("99999999999999999999").unwrap_err(),
            CqlError::invalid("Unable to make long (for date) from: '99999999999999999999'")
        );
    }

    #[test]
    fn dates_and_raw_days() {
        assert_eq!(parse_date("1970-01-01").unwrap(), 1 << 31);
        assert_eq!(parse_date("1969-12-31").unwrap(), (1 << 31) - 1);
        assert_eq!(parse_date("2147483648").unwrap(), 1 << 31);
        assert_eq!(parse_date("0").unwrap(), 0);
        assert_eq!(format_date(parse_date("2024-02-29").unwrap()), "2024-02-29");
        assert_eq!(
            format_date(parse_date("-0001-01-01").unwrap()),
            "-0001-01-01"
        );
        assert_eq!(
            parse_date("2024-1-1").unwrap_err(),
            CqlError::invalid("Unable to coerce '2024-1-1' to a formatted date (long)")
        );
        assert_eq!(
            parse_date("4294967296").unwrap_err(),
            CqlError::invalid("Unable to make unsigned int (for date) from: '4294967296'")
        );
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("00:00:01").unwrap(), 1_000_000_000);
        assert_eq!(parse_time("23:59:59.999999999").unwrap(), NANOS_PER_DAY - 1);
        assert_eq!(parse_time("12:34:56.1").unwrap(), 45_296_100_000_000);
        assert_eq!(parse_time("5").unwrap(), 5);
        assert_eq!(format_time(45_296_100_000_000), "12:34:56.100000000");
        for bad in ["24:00:00", "12:00", "12:00:00.", "12:00:00.1234567890"] {
            assert_eq!(
                parse_time(bad).unwrap_err(),
                CqlError::invalid(format!(
                    "(TimeType) Unable to coerce '{bad}' to a formatted time (long)"
                ))
            );
        }
        assert!(parse_time("86400000000000").is_err());
    }

    #[test]
    fn formatting_timestamps() {
        assert_eq!(format_timestamp(0, ' ', "Z"), "1970-01-01 00:00:00.000Z");
        assert_eq!(format_timestamp(-1, 'T', "Z"), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_timestamp(1_709_294_400_250, ' ', "Z"),
            "2024-03-01 12:00:00.250Z"
        );
    }
}
