//! Planning annotations: `-- schemacast: rows=2e6 growth=3%/month` before a `CREATE TABLE`
//! declares the size a table not yet in production is expected to have and how it grows.

use std::fmt;

/// A table's declared plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub rows: Option<f64>,
    pub growth: Option<Growth>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Growth {
    /// Compound growth: `3%/month`.
    Percent { percent: f64, per: Period },
    /// Linear growth: `+50000/day`.
    Rows { rows: f64, per: Period },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    pub fn days(self) -> f64 {
        match self {
            Period::Day => 1.0,
            Period::Week => 7.0,
            Period::Month => 365.25 / 12.0,
            Period::Year => 365.25,
        }
    }

    fn parse(text: &str) -> Option<Period> {
        match text {
            "day" | "d" => Some(Period::Day),
            "week" | "w" => Some(Period::Week),
            "month" | "mo" => Some(Period::Month),
            "year" | "y" | "yr" => Some(Period::Year),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Year => "year",
        }
    }
}

impl fmt::Display for Growth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Growth::Percent { percent, per } => write!(f, "{percent}%/{}", per.name()),
            Growth::Rows { rows, per } => write!(f, "+{rows}/{}", per.name()),
        }
    }
}

/// Reads a directive's text. `Ok(None)`: not a planning annotation (e.g. `ignore ...`).
pub fn parse_plan(text: &str) -> Result<Option<Plan>, String> {
    let first = text.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        return Ok(None);
    }
    let mut plan = Plan { rows: None, growth: None };
    for item in text.split_whitespace() {
        let Some((key, value)) = item.split_once('=') else {
            return Err(format!("`{item}` is not `key=value`; write e.g. `rows=2e6 growth=3%/month`"));
        };
        match key {
            "rows" => {
                if plan.rows.is_some() {
                    return Err("`rows` is given twice".to_owned());
                }
                plan.rows = Some(parse_count(value).ok_or_else(|| {
                    format!("`rows={value}` is not a row count; write a non-negative number such as 150000 or 2e6")
                })?);
            }
            "growth" => {
                if plan.growth.is_some() {
                    return Err("`growth` is given twice".to_owned());
                }
                plan.growth = Some(parse_growth(value)?);
            }
            other => {
                let hint = if other.starts_with("row") {
                    "; did you mean `rows`?"
                } else if other.starts_with("gro") {
                    "; did you mean `growth`?"
                } else {
                    ""
                };
                return Err(format!("unknown planning key `{other}`{hint} (known: rows, growth)"));
            }
        }
    }
    Ok(Some(plan))
}

fn parse_count(value: &str) -> Option<f64> {
    let cleaned: String = value.chars().filter(|c| *c != '_' && *c != ',').collect();
    let (number, multiplier) = match cleaned.chars().last()? {
        'k' | 'K' => (&cleaned[..cleaned.len() - 1], 1e3),
        'M' => (&cleaned[..cleaned.len() - 1], 1e6),
        'B' | 'G' => (&cleaned[..cleaned.len() - 1], 1e9),
        _ => (cleaned.as_str(), 1.0),
    };
    number.parse::<f64>().ok().map(|n| n * multiplier).filter(|n| n.is_finite() && *n >= 0.0)
}

fn parse_growth(value: &str) -> Result<Growth, String> {
    let bad = || {
        format!("`growth={value}` is not a growth rate; write `3%/month` (compound) or `+50000/day` (rows per period)")
    };
    let (amount, period) = value.split_once('/').ok_or_else(bad)?;
    let per = Period::parse(period.trim())
        .ok_or_else(|| format!("`growth={value}`: unknown period `{period}`; use day, week, month or year"))?;
    if let Some(percent) = amount.strip_suffix('%') {
        let percent: f64 = percent.trim_start_matches('+').parse().map_err(|_| bad())?;
        if !percent.is_finite() || percent <= -100.0 {
            return Err(bad());
        }
        return Ok(Growth::Percent { percent, per });
    }
    let rows = parse_count(amount.trim_start_matches('+')).ok_or_else(bad)?;
    Ok(Growth::Rows { rows, per })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_both_growth_forms() {
        let plan = parse_plan("rows=2e6 growth=3%/month").unwrap().unwrap();
        assert_eq!(plan.rows, Some(2e6));
        assert_eq!(plan.growth, Some(Growth::Percent { percent: 3.0, per: Period::Month }));
        let plan = parse_plan("growth=+50000/day rows=1.5M").unwrap().unwrap();
        assert_eq!(plan.growth, Some(Growth::Rows { rows: 50000.0, per: Period::Day }));
        assert_eq!(plan.rows, Some(1.5e6));
        assert_eq!(parse_plan("ignore missing-fk-index").unwrap(), None);
    }

    #[test]
    fn bad_values_say_what_to_write() {
        assert!(parse_plan("rows=lots").unwrap_err().contains("`rows=lots` is not a row count"));
        assert!(parse_plan("rows=-5").unwrap_err().contains("not a row count"));
        assert!(parse_plan("growth=3%/fortnight").unwrap_err().contains("unknown period `fortnight`"));
        assert!(parse_plan("growth=fast").unwrap_err().contains("is not a growth rate"));
        assert_eq!(
            parse_plan("rowz=5").unwrap_err(),
            "unknown planning key `rowz`; did you mean `rows`? (known: rows, growth)"
        );
    }
}
