//! Horizons (`90d`, `12w`, `6mo`, `1y`) and the calendar dates they land on.

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// How far ahead to project, counted from the last snapshot. Months and years are calendar
/// months (2026-01-31 + 1 month is 2026-02-28), as people read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Horizon {
    Days(u32),
    Months(u32),
}

impl Horizon {
    /// The day (since the epoch) this horizon lands on after `origin`.
    pub fn day_after(self, origin: f64) -> f64 {
        match self {
            Horizon::Days(days) => origin + f64::from(days),
            Horizon::Months(months) => {
                let Some(start) = timestamp_of(origin) else {
                    return origin + f64::from(months) * 365.25 / 12.0;
                };
                let zoned = start.to_zoned_datetime(TimeZone::UTC);
                match zoned.checked_add(Span::new().months(i64::from(months))) {
                    Ok(later) => crate::stats::day_of(later.timestamp()),
                    Err(_) => origin + f64::from(months) * 365.25 / 12.0,
                }
            }
        }
    }
}

impl fmt::Display for Horizon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Horizon::Days(days) => write!(f, "{days}d"),
            Horizon::Months(months) if months % 12 == 0 => write!(f, "{}y", months / 12),
            Horizon::Months(months) => write!(f, "{months}mo"),
        }
    }
}

impl FromStr for Horizon {
    type Err = String;

    /// `90d`, `12w`, `6mo` (or `6m`), `1y`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let bad = || format!("`{text}` is not a horizon; write a whole number and a unit: `90d`, `12w`, `6mo` or `1y`");
        let count: u32 = number.parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("`{text}`: a horizon must be after the last snapshot, not at it"));
        }
        let horizon = match unit.trim().to_ascii_lowercase().as_str() {
            "d" | "day" | "days" => Horizon::Days(count),
            "w" | "week" | "weeks" => Horizon::Days(count.saturating_mul(7)),
            "m" | "mo" | "month" | "months" => Horizon::Months(count),
            "y" | "yr" | "year" | "years" => Horizon::Months(count.saturating_mul(12)),
            _ => return Err(bad()),
        };
        let too_far = match horizon {
            Horizon::Days(d) => d > 36_525,
            Horizon::Months(m) => m > 1_200,
        };
        if too_far {
            return Err(format!("`{text}`: horizons stop at 100 years"));
        }
        Ok(horizon)
    }
}

fn timestamp_of(day: f64) -> Option<Timestamp> {
    let seconds = (day * 86_400.0).round();
    if !seconds.is_finite() {
        return None;
    }
    Timestamp::from_second(seconds as i64).ok()
}

/// `2027-03-02` for a day since the epoch.
pub fn date_of(day: f64) -> String {
    match timestamp_of(day) {
        Some(t) => t.to_zoned_datetime(TimeZone::UTC).date().to_string(),
        None => "?".to_owned(),
    }
}

/// `2027-03` for a day since the epoch.
pub fn month_of(day: f64) -> String {
    let date = date_of(day);
    date.get(..7).map(str::to_owned).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_says_what_to_write() {
        assert_eq!("90d".parse::<Horizon>(), Ok(Horizon::Days(90)));
        assert_eq!("12w".parse::<Horizon>(), Ok(Horizon::Days(84)));
        assert_eq!("6mo".parse::<Horizon>(), Ok(Horizon::Months(6)));
        assert_eq!("1y".parse::<Horizon>(), Ok(Horizon::Months(12)));
        assert!("soon".parse::<Horizon>().unwrap_err().contains("`90d`, `12w`, `6mo` or `1y`"));
        assert!("0d".parse::<Horizon>().is_err());
        assert_eq!(Horizon::Months(12).to_string(), "1y");
        assert_eq!(Horizon::Months(3).to_string(), "3mo");
    }

    #[test]
    fn calendar_months_from_the_origin() {
        let origin = crate::stats::day_of("2026-01-31T00:00:00Z".parse().unwrap());
        assert_eq!(date_of(Horizon::Months(1).day_after(origin)), "2026-02-28");
        assert_eq!(date_of(Horizon::Months(12).day_after(origin)), "2027-01-31");
        assert_eq!(date_of(Horizon::Days(90).day_after(origin)), "2026-05-01");
        assert_eq!(month_of(origin), "2026-01");
    }
}
