//! `duration` text, as Cassandra's `Duration.from` reads it: the unit form
//! (`1y2mo3w4d5h6m7s8ms9us10ns`, units in decreasing order, case-insensitive), ISO 8601
//! (`P1Y2M3DT4H5M6S`, `P2W`) and the ISO alternative form (`P0001-02-03T04:05:06`),
//! each with an optional leading `-` that negates all three components.

use crate::cql3::{CqlError, CqlResult};

const NANOS_PER_MICRO: i64 = 1_000;
const NANOS_PER_MILLI: i64 = 1_000_000;
const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_MINUTE: i64 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MINUTE;

/// Months, days and nanoseconds, all of the same sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Duration {
    pub months: i32,
    pub days: i32,
    pub nanoseconds: i64,
}

/// Accumulates components in the order Cassandra's `Duration.Builder` requires.
struct Builder<'a> {
    input: &'a str,
    months: i64,
    days: i64,
    nanoseconds: i64,
    last_unit: Option<usize>,
}

/// Units from largest to smallest; the index enforces ordering.
const UNIT_NAMES: [&str; 10] = [
    "years",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
    "microseconds",
    "nanoseconds",
];

impl Builder<'_> {
    fn add(&mut self, unit: usize, amount: i64) -> CqlResult<()> {
        if let Some(last) = self.last_unit
            && unit <= last
        {
            let message = if unit == last {
                format!(
                    "Invalid duration. The {} are specified multiple times",
                    UNIT_NAMES[unit]
                )
            } else {
                format!(
                    "Invalid duration. The {} should be after {}",
                    UNIT_NAMES[last], UNIT_NAMES[unit]
                )
            };
            return Err(CqlError::invalid(message));
        }
        self.last_unit = Some(unit);
        let overflow = |what: &str, max: i64| {
            CqlError::invalid(format!(
                "Invalid duration. The total number of {what} must be less or equal to {max}"
            ))
        };
        let max_int = i64::from(i32::MAX);
        match unit {
            0 | 1 => {
                let months = if unit == 0 {
                    amount.checked_mul(12)
                } else {
                    Some(amount)
                };
                self.months = months
                    .and_then(|m| self.months.checked_add(m))
                    .filter(|m| *m <= max_int)
                    .ok_or_else(|| overflow("months", max_int))?;
            }
            2 | 3 => {
                let days = if unit == 2 {
                    amount.checked_mul(7)
                } else {
                    Some(amount)
                };
                self.days = days
                    .and_then(|d| self.days.checked_add(d))
                    .filter(|d| *d <= max_int)
                    .ok_or_else(|| overflow("days", max_int))?;
            }
            _ => {
                let scale = [
                    NANOS_PER_HOUR,
                    NANOS_PER_MINUTE,
                    NANOS_PER_SECOND,
                    NANOS_PER_MILLI,
                    NANOS_PER_MICRO,
                    1,
                ][unit - 4];
                self.nanoseconds = amount
                    .checked_mul(scale)
                    .and_then(|n| self.nanoseconds.checked_add(n))
                    .ok_or_else(|| overflow("nanoseconds", i64::MAX))?;
            }
        }
        Ok(())
    }

    fn build(self, negative: bool) -> Duration {
        let sign = if negative { -1 } else { 1 };
        Duration {
            months: (self.months * sign) as i32,
            days: (self.days * sign) as i32,
            nanoseconds: self.nanoseconds * sign,
        }
    }

    fn unable(&self) -> CqlError {
        CqlError::invalid(format!("Unable to convert '{}' to a duration", self.input))
    }
}

/// Parses any of the three duration syntaxes.
pub fn parse_duration(input: &str) -> CqlResult<Duration> {
    let (negative, source) = match input.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    let mut builder = Builder {
        input,
        months: 0,
        days: 0,
        nanoseconds: 0,
        last_unit: None,
    };
    if let Some(iso) = source.strip_prefix('P') {
        parse_iso(&mut builder, iso)?;
    } else {
        parse_units(&mut builder, source)?;
    }
    Ok(builder.build(negative))
}

fn split_number(text: &str) -> Option<(i64, &str)> {
    let end = text
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    if end == 0 {
        return None;
    }
    Some((text.get(..end)?.parse().ok()?, text.get(end..)?))
}

fn parse_units(builder: &mut Builder<'_>, mut text: &str) -> CqlResult<()> {
    if text.is_empty() {
        return Err(builder.unable());
    }
    while !text.is_empty() {
        let (amount, rest) = split_number(text).ok_or_else(|| builder.unable())?;
        let unit_length = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
            .map_or(rest.len(), |(at, _)| at);
        let unit_text = rest.get(..unit_length).unwrap_or_default().to_lowercase();
        let unit = match unit_text.as_str() {
            "y" => 0,
            "mo" => 1,
            "w" => 2,
            "d" => 3,
            "h" => 4,
            "m" => 5,
            "s" => 6,
            "ms" => 7,
            "us" | "µs" => 8,
            "ns" => 9,
            _ => return Err(builder.unable()),
        };
        builder.add(unit, amount)?;
        text = rest.get(unit_length..).unwrap_or_default();
    }
    Ok(())
}

fn parse_iso(builder: &mut Builder<'_>, text: &str) -> CqlResult<()> {
    if let Some(weeks) = text.strip_suffix('W') {
        let amount = weeks.parse::<i64>().map_err(|_| builder.unable())?;
        return builder.add(2, amount);
    }
    if text.contains('-') {
        // P[YYYY]-[MM]-[DD]T[hh]:[mm]:[ss]
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 19
            && bytes.iter().enumerate().all(|(index, b)| match index {
                4 | 7 => *b == b'-',
                10 => *b == b'T',
                13 | 16 => *b == b':',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(builder.unable());
        }
        let field = |range: std::ops::Range<usize>| {
            text.get(range)
                .and_then(|t| t.parse::<i64>().ok())
                .unwrap_or(0)
        };
        for (unit, range) in [
            (0, 0..4),
            (1, 5..7),
            (3, 8..10),
            (4, 11..13),
            (5, 14..16),
            (6, 17..19),
        ] {
            builder.add(unit, field(range))?;
        }
        return Ok(());
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return Err(builder.unable()),
        None => (text, None),
    };
    if date.is_empty() && time.is_none() {
        return Err(builder.unable());
    }
    let mut rest = date;
    while !rest.is_empty() {
        let (amount, after) = split_number(rest).ok_or_else(|| builder.unable())?;
        let unit = match after.as_bytes().first() {
            Some(b'Y') => 0,
            Some(b'M') => 1,
            Some(b'D') => 3,
            _ => return Err(builder.unable()),
        };
        builder.add(unit, amount)?;
        rest = after.get(1..).unwrap_or_default();
    }
    let mut rest = time.unwrap_or_default();
    while !rest.is_empty() {
        let (amount, after) = split_number(rest).ok_or_else(|| builder.unable())?;
        let unit = match after.as_bytes().first() {
            Some(b'H') => 4,
            Some(b'M') => 5,
            Some(b'S') => 6,
            _ => return Err(builder.unable()),
        };
        builder.add(unit, amount)?;
        rest = after.get(1..).unwrap_or_default();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(months: i32, days: i32, nanoseconds: i64) -> Duration {
        Duration {
            months,
            days,
            nanoseconds,
        }
    }

    #[test]
    fn unit_form() {
        assert_eq!(
            parse_duration("1h30m").unwrap(),
            d(0, 0, 90 * NANOS_PER_MINUTE)
        );
        assert_eq!(parse_duration("1y2mo3w4d").unwrap(), d(14, 25, 0));
        assert_eq!(parse_duration("1MS2us3NS").unwrap(), d(0, 0, 1_002_003));
        assert_eq!(parse_duration("2µs").unwrap(), d(0, 0, 2_000));
        assert_eq!(
            parse_duration("-1d5s").unwrap(),
            d(0, -1, -5 * NANOS_PER_SECOND)
        );
    }

    #[test]
    fn iso_forms() {
        assert_eq!(
            parse_duration("P1Y2M3DT4H5M6S").unwrap(),
            d(
                14,
                3,
                4 * NANOS_PER_HOUR + 5 * NANOS_PER_MINUTE + 6 * NANOS_PER_SECOND
            )
        );
        assert_eq!(parse_duration("P2W").unwrap(), d(0, 14, 0));
        assert_eq!(parse_duration("PT1M").unwrap(), d(0, 0, NANOS_PER_MINUTE));
        assert_eq!(
            parse_duration("P0001-02-03T04:05:06").unwrap(),
            d(
                14,
                3,
                4 * NANOS_PER_HOUR + 5 * NANOS_PER_MINUTE + 6 * NANOS_PER_SECOND
            )
        );
        assert_eq!(parse_duration("-P1D").unwrap(), d(0, -1, 0));
    }

    #[test]
    fn rejections() {
        for bad in ["", "5", "1x", "P", "PT", "P1H", "abc"] {
            assert_eq!(
                parse_duration(bad).unwrap_err(),
                CqlError::invalid(format!("Unable to convert '{bad}' to a duration")),
                "{bad}"
            );
        }
        assert_eq!(
            parse_duration("1m1h").unwrap_err(),
            CqlError::invalid("Invalid duration. The minutes should be after hours")
        );
        assert_eq!(
            parse_duration("1d1d").unwrap_err(),
            CqlError::invalid("Invalid duration. The days are specified multiple times")
        );
    }
}
