//! `schemacast collect`: read-only sampling of a live database into one stats snapshot.
//!
//! Every query runs in a read-only transaction with a statement timeout; nothing is created,
//! altered or written in the database. The snapshot holds aggregates only (see
//! [`schemacast_lints::stats`]), never the URL, a password or row values other than a numeric
//! or temporal column's minimum and maximum. Value shapes (`shapes`) are computed by the server
//! as shares (`count(*) FILTER (WHERE value ~ pattern) / count(value)`): no text value is read.
//! Columns `--exclude-column` names are listed by name only: their catalogue statistics are
//! filtered out in the query itself and the sample never reads them, so none of their values
//! (nor any figure derived from them) leaves the database.

mod dependencies;
mod mysql;
mod postgres;
mod tls;

pub(crate) use dependencies::DEFAULT_PAIRS as DEFAULT_DEPENDENCY_PAIRS;
pub(crate) use postgres::connect as connect_postgres;

use std::time::Duration;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use schemacast_lints::stats::{Snapshot, StatValue, ValueShapes};
use schemacast_lints::text::glob_matches;

/// Which tables to read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// Only these schemas (MySQL: databases); empty means every non-system one.
    pub schemas: Vec<String>,
    /// Glob patterns (`*`, `?`) over `table` or, when they hold a dot, `schema.table`.
    pub exclude_tables: Vec<String>,
    /// Columns whose figures stay in the database (`--exclude-column`).
    pub exclude_columns: Vec<ColumnPattern>,
}

impl Scope {
    /// Whether an `--exclude-column` pattern names this column.
    pub fn excludes_column(&self, schema: &str, table: &str, column: &str) -> bool {
        self.exclude_columns.iter().any(|pattern| pattern.matches(schema, table, column))
    }

    /// The `--exclude-column` patterns that name no column of `snapshot`'s tables, as written.
    pub fn unmatched_column_patterns(&self, snapshot: &Snapshot) -> Vec<String> {
        self.exclude_columns
            .iter()
            .filter(|pattern| {
                !snapshot.tables.iter().any(|table| {
                    table.columns.iter().any(|column| pattern.matches(&table.schema, &table.name, &column.name))
                })
            })
            .map(|pattern| pattern.written.clone())
            .collect()
    }

    pub fn includes(&self, schema: &str, table: &str) -> bool {
        !self.exclude_tables.iter().any(|pattern| {
            if pattern.contains('.') {
                glob_matches(pattern, &format!("{schema}.{table}"))
            } else {
                glob_matches(pattern, table)
            }
        })
    }
}

/// One `--exclude-column` pattern: `column`, `table.column` or `schema.table.column`, each part
/// a glob (`*`, `?`) that never reaches across a dot, compared without regard to case. A part
/// left out matches anything, so `salary` is the column `salary` of every table in scope.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ColumnPattern {
    /// As the user wrote it, for messages.
    pub written: String,
    /// `[schema, table, column]`, lower-cased; `None` for a part the pattern leaves out.
    parts: [Option<String>; 3],
}

impl ColumnPattern {
    pub fn parse(written: &str) -> anyhow::Result<ColumnPattern> {
        let lowered = written.to_lowercase();
        let given: Vec<&str> = lowered.split('.').collect();
        if given.len() > 3 || given.iter().any(|part| part.is_empty()) {
            bail!(
                "--exclude-column '{written}' is not a column pattern: write COLUMN, TABLE.COLUMN or \
                 SCHEMA.TABLE.COLUMN, each part a name or a glob with * and ? (for example 'payroll.salary' or '*.*.ssn')"
            );
        }
        let mut parts: [Option<String>; 3] = [None, None, None];
        for (slot, part) in parts.iter_mut().skip(3 - given.len()).zip(given) {
            *slot = Some(part.to_owned());
        }
        Ok(ColumnPattern { written: written.to_owned(), parts })
    }

    /// Case is ignored: a pattern that misses a column because of case would leak its values,
    /// while one that catches a second column only withholds that column's figures too.
    pub fn matches(&self, schema: &str, table: &str, column: &str) -> bool {
        self.parts.iter().zip([schema, table, column]).all(|(part, name)| match part {
            Some(pattern) => glob_matches(pattern, &name.to_lowercase()),
            None => true,
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CollectOptions {
    pub scope: Scope,
    /// With `--sample`: at most this many rows read per table.
    pub sample_rows: Option<u64>,
    /// With `--sample`: at most this many column pairs per table in the functional-dependency
    /// probe; 0 leaves the probe out.
    pub dependency_pairs: usize,
    /// Longest any one statement may run.
    pub statement_timeout: Duration,
    pub connect_timeout: Duration,
}

/// A snapshot, and what could not be read but did not stop the collection.
pub(crate) struct Collected {
    pub snapshot: Snapshot,
    pub notes: Vec<String>,
    /// Tables in the schemas read that `--exclude-table` left out.
    pub excluded: usize,
    /// Columns whose figures `--exclude-column` withheld.
    pub withheld_columns: usize,
}

/// Connects to the database `url` names and reads one snapshot.
pub(crate) fn collect(url: &str, options: &CollectOptions, progress: &Progress) -> anyhow::Result<Collected> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase()).unwrap_or_default();
    let result = match scheme.as_str() {
        "postgres" | "postgresql" => postgres::collect(url, options, progress),
        "mysql" | "mariadb" => mysql::collect(url, options, progress),
        "" => bail!("`{}` is not a database URL; write postgres://user@host/db or mysql://user@host/db", redact(url)),
        other => bail!(
            "unsupported database `{other}://`; schemacast collects from postgres:// and mysql:// (MariaDB too) URLs"
        ),
    };
    // Driver messages do not echo URLs, but a password must not reach a terminal or CI log
    // even if one ever does.
    result.map_err(|error| anyhow::anyhow!(scrub(&format!("{error:#}"), url)))
}

/// The URL with its password replaced, for messages.
pub(crate) fn redact(url: &str) -> String {
    match password_span(url) {
        Some((start, end)) => format!("{}***{}", &url[..start], &url[end..]),
        None => url.to_owned(),
    }
}

fn scrub(message: &str, url: &str) -> String {
    match password_span(url) {
        Some((start, end)) if end > start => {
            let encoded = &url[start..end];
            message.replace(encoded, "***").replace(&percent_decode(encoded), "***")
        }
        _ => message.to_owned(),
    }
}

/// Byte range of the password in `scheme://user:password@host/...`.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let authority_start = url.find("://")? + 3;
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

/// Percent-decodes a URL component (user names and passwords may be encoded).
fn percent_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned()
}

fn snapshot_time() -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    // Millisecond precision keeps lines short and two quick collects distinct.
    jiff::Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
}

/// The value shapes `--sample` measures on text columns and, for each, a regular expression in
/// the subset PostgreSQL, MySQL (ICU) and MariaDB (PCRE) read alike: POSIX classes, no
/// backslashes. JSON has no pattern: each collector tests it its own way.
const SHAPE_PATTERNS: &[(&str, &str)] = &[
    ("uuid", "^[{]?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}[}]?$"),
    (
        "ip",
        "^(([0-9]{1,3}[.]){3}[0-9]{1,3}|([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|[0-9a-fA-F:]*::[0-9a-fA-F:.]*)(/[0-9]{1,3})?$",
    ),
    (
        "timestamp",
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?[ ]?(Z|[-+][0-9]{2}(:?[0-9]{2})?)?$",
    ),
    ("integer", "^[[:space:]]*[-+]?[0-9]+[[:space:]]*$"),
    (
        "decimal",
        "^[[:space:]]*[-+]?(([0-9]+[.][0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)[[:space:]]*$",
    ),
    ("url", "^[a-zA-Z][a-zA-Z0-9+.-]*://[^[:space:]]+$"),
    ("email", "^[^[:space:]@]+@[^[:space:]@]+[.][^[:space:]@]+$"),
    ("list", "^[^[:space:],;|]+([[:space:]]*[,;|][[:space:]]*[^[:space:],;|]+)+$"),
];

/// Every shape's name, JSON included, in the order the collectors select them.
fn shape_names() -> impl Iterator<Item = &'static str> {
    SHAPE_PATTERNS.iter().map(|(name, _)| *name).chain(["json"])
}

/// Stores one shape's share (a `NULL` share, from no non-null values, stays 0).
fn set_shape(shapes: &mut ValueShapes, name: &str, share: Option<f64>) {
    let share = share.filter(|s| s.is_finite()).unwrap_or(0.0).clamp(0.0, 1.0);
    let slot = match name {
        "uuid" => &mut shapes.uuid,
        "ip" => &mut shapes.ip,
        "timestamp" => &mut shapes.timestamp,
        "integer" => &mut shapes.integer,
        "decimal" => &mut shapes.decimal,
        "json" => &mut shapes.json,
        "url" => &mut shapes.url,
        "email" => &mut shapes.email,
        "list" => &mut shapes.list,
        _ => return,
    };
    *slot = share;
}

/// Puts the sample's `value` in `slot` (a column's minimum when `minimum`, else its maximum)
/// unless the catalogue's value already there is wider: a sample sees some rows, the
/// catalogue's statistics may have seen others, and the extremes are those of all of them.
fn keep_wider(slot: &mut Option<StatValue>, value: StatValue, minimum: bool, numeric: bool) {
    let keep_old = slot.as_ref().is_some_and(|old| {
        let order = compare(old, &value, numeric);
        if minimum {
            order.is_lt()
        } else {
            order.is_gt()
        }
    });
    if !keep_old {
        *slot = Some(value);
    }
}

/// Numbers by value; ISO dates and times (UTC, as the session prints them) as text.
fn compare(a: &StatValue, b: &StatValue, numeric: bool) -> std::cmp::Ordering {
    let as_f64 = |v: &StatValue| match v {
        StatValue::Integer(i) => *i as f64,
        StatValue::Float(f) => *f,
        StatValue::Text(_) => f64::NAN,
    };
    match (a, b) {
        (StatValue::Integer(x), StatValue::Integer(y)) => x.cmp(y),
        (StatValue::Text(x), StatValue::Text(y)) if !numeric => x.cmp(y),
        _ => as_f64(a).total_cmp(&as_f64(b)),
    }
}

/// Quotes an identifier the way both PostgreSQL (`"`) and MySQL (`` ` ``) want it.
fn quote_identifier(name: &str, quote: char) -> String {
    let doubled = name.replace(quote, &format!("{quote}{quote}"));
    format!("{quote}{doubled}{quote}")
}

/// Progress on a terminal for databases with many tables; nothing otherwise.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Below this many tables collection is quick and a bar would only flicker.
    const MIN_TABLES: usize = 20;

    pub fn new(enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    pub fn phase(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.to_owned());
        }
    }

    pub fn start_tables(&self, tables: usize, message: &str) {
        if let Some(bar) = &self.bar {
            if tables >= Self::MIN_TABLES {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} tables ({eta})")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_length(tables as u64);
                bar.set_position(0);
            }
            bar.set_message(message.to_owned());
        }
    }

    pub fn table_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_tables_and_qualified_names() {
        let scope =
            Scope { exclude_tables: vec!["tmp_*".into(), "audit.*".into(), "log_202?".into()], ..Scope::default() };
        assert!(!scope.includes("public", "tmp_import"));
        assert!(!scope.includes("audit", "events"));
        assert!(!scope.includes("public", "log_2024"));
        assert!(scope.includes("public", "log_20245"));
        assert!(scope.includes("public", "orders"));
        assert!(glob_matches("*_x*y", "a_xxy"));
        assert!(!glob_matches("a*b", "acbd"));
    }

    #[test]
    fn column_patterns_match_by_part_and_ignore_case() {
        let pattern = |text: &str| ColumnPattern::parse(text).unwrap();
        assert!(pattern("salary").matches("hr", "payroll", "salary"));
        assert!(pattern("salary").matches("public", "bonuses", "SALARY"), "every table, any case");
        assert!(!pattern("salary").matches("hr", "payroll", "salary_band"));
        assert!(pattern("payroll.salary").matches("hr", "payroll", "salary"));
        assert!(!pattern("payroll.salary").matches("hr", "staff", "salary"));
        assert!(pattern("Payroll.Sal*").matches("hr", "payroll", "salary_band"));
        assert!(pattern("hr.payroll.salary").matches("HR", "payroll", "salary"));
        assert!(!pattern("hr.payroll.salary").matches("public", "payroll", "salary"));
        assert!(pattern("*.*.ssn").matches("any", "people", "ssn"));
        assert!(pattern("*.salary").matches("public", "payroll", "salary"));
        assert!(pattern("*").matches("a", "b", "anything"), "a lone * withholds every column");
        assert!(!pattern("payroll*").matches("hr", "payroll", "x"), "a one-part pattern is a column name");
        assert!(!pattern("*.salary").matches("hr", "payroll", "old.salary"), "each part is matched on its own");
        assert!(pattern("payroll.sal?ry").matches("hr", "payroll", "salary"));
        for bad in ["a.b.c.d", "payroll.", ".salary", "", "a..b"] {
            let error = ColumnPattern::parse(bad).unwrap_err().to_string();
            assert!(error.contains(&format!("'{bad}'")) && error.contains("SCHEMA.TABLE.COLUMN"), "{error}");
        }
    }

    #[test]
    fn passwords_are_redacted_and_scrubbed() {
        assert_eq!(redact("postgres://app:s3cr%40t@127.0.0.1:5432/shop"), "postgres://app:***@127.0.0.1:5432/shop");
        assert_eq!(redact("mysql://root@localhost/test"), "mysql://root@localhost/test");
        assert_eq!(scrub("failed for s3cr%40t", "postgres://app:s3cr%40t@h/db"), "failed for ***");
        assert_eq!(percent_decode("s3cr%40t"), "s3cr@t");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("pass%40"), "pass@", "an escape at the very end is decoded too");
    }
}
