use crate::rules::types::{is_text, name_words, report_retype};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::Table;
use crate::{Dialect, Severity};

/// ## What it does
/// Flags text columns whose names say they hold a point in time: `created_at`, `updated_on`,
/// `*_date`, `*_time`, `timestamp`, `expires`.
///
/// ## Why is this bad?
/// An ISO timestamp as text takes 20 to 33 bytes instead of 8, sorts correctly only while
/// every writer uses the same format and zone, accepts "tomorrow" and "2024-02-30", and cannot
/// use date arithmetic or range partitioning.
///
/// ## Example
/// ```sql
/// CREATE TABLE events (id bigint PRIMARY KEY, created_at varchar(32) NOT NULL);
/// ```
///
/// Use instead:
/// ```sql
/// CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
/// ```
/// (`DATETIME` in MySQL, `date` for dates without a time.)
///
/// ## Fix safety
/// Unsafe: the type change rewrites the table and fails on values that do not parse
/// (`ALTER COLUMN ... TYPE timestamptz USING created_at::timestamptz`).
pub(crate) struct TimestampAsText;

/// `2024-05-01 12:34:56+00` with its length byte, and as `timestamptz`.
const TEXT_BYTES: f64 = 23.0;
const TIMESTAMP_BYTES: f64 = 8.0;

impl Rule for TimestampAsText {
    const META: RuleMeta = RuleMeta::new("timestamp-as-text", Family::Types, Severity::Warning).dialects(&[Dialect::Postgres, Dialect::Mysql]);

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for column in &table.columns {
            if !is_text(&column.ty) {
                continue;
            }
            let words = name_words(&column.name);
            let last = words.last().map(String::as_str).unwrap_or("");
            let temporal = matches!(last, "at" | "on" | "date" | "time" | "timestamp" | "datetime" | "ts")
                || words.iter().any(|w| matches!(w.as_str(), "timestamp" | "datetime" | "expires" | "expiry"));
            // `date_format`, `time_zone`, `timezone` and `*_type` name other things.
            let other = words.iter().any(|w| matches!(w.as_str(), "format" | "zone" | "timezone" | "tz" | "type" | "unit" | "label"));
            if !temporal || other {
                continue;
            }
            let date_only = last == "date" || last == "on";
            let new_type = match (ctx.dialect, date_only) {
                (_, true) => "date",
                (Dialect::Mysql, false) => "datetime",
                _ => "timestamptz",
            };
            let new_bytes = if date_only { 4.0 } else { TIMESTAMP_BYTES };
            let text_bytes = ctx.column_stats(table, &column.name).and_then(|s| s.avg_width).unwrap_or(TEXT_BYTES);
            let saving = (text_bytes - new_bytes).max(0.0);
            let message = format!("`{}` holds {} as `{}`: {} more than `{new_type}`", column.name, if date_only { "dates" } else { "timestamps" }, column.ty, ctx.cost(table, saving));
            report_retype(ctx, column, message, new_type).help(format!("store it as `{new_type}` and convert with `USING {}::{new_type}`", column.name));
        }
    }
}
