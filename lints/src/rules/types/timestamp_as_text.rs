use crate::rules::types::{cast_evidence, name_only, name_words, report_retype, sampled_shape, share_of_sample, text_width, Sampled};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{Column, Table};
use crate::Dialect;

declare_rule! {
    /// ## What it does
    /// Flags timestamps and dates stored as text, graded by the evidence:
    ///
    /// | evidence | severity |
    /// |---|---|
    /// | `collect --sample`: at least 99% of at least 100 sampled values are ISO dates or timestamps | warning, with the share and sample size |
    /// | the sample says otherwise | none, whatever the name |
    /// | structure: a default or CHECK that makes or casts one (`DEFAULT now()::text`, `CHECK (d::date IS NOT NULL)`) | warning, naming the evidence |
    /// | the name alone (`created_at`, `updated_on`, `*_date`, `*_time`, `timestamp`, `expires`) | info, as a question |
    ///
    /// Names are read word by word: `on` counts only after a past participle (`created_on`, not
    /// `match_on`), `*_time` after a duration word is a duration (`response_time`, `run_time`), and
    /// `date_format`, `time_zone`, `*_type` name other things.
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
    pub(crate) struct TimestampAsText {
        name: "timestamp-as-text",
        family: Types,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: false,
        finds: "timestamps and dates stored as text (graded)",
    }
}

/// `2024-05-01 12:34:56+00` with its length byte, and as `timestamptz`.
const TEXT_BYTES: f64 = 23.0;
const TIMESTAMP_BYTES: f64 = 8.0;

/// Words before `time` that make it a duration.
const DURATION_WORDS: &[&str] = &[
    "response",
    "run",
    "runtime",
    "wait",
    "elapsed",
    "cpu",
    "exec",
    "execution",
    "processing",
    "load",
    "up",
    "down",
    "travel",
    "lead",
    "cook",
    "prep",
    "total",
    "avg",
    "average",
    "max",
    "min",
    "mean",
    "idle",
    "retry",
    "check",
    "round",
    "trip",
    "latency",
    "query",
    "render",
    "build",
    "play",
    "playing",
    "watch",
    "screen",
    "spent",
    "work",
    "service",
    "transit",
    "delivery",
];

impl Rule for TimestampAsText {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if !column.ty.is_text() {
            return;
        }
        let words = name_words(&column.name);
        let last = words.last().map(String::as_str).unwrap_or("");
        let before = words.len().checked_sub(2).and_then(|i| words.get(i)).map(String::as_str).unwrap_or("");
        let temporal = match last {
            "at" | "date" | "timestamp" | "datetime" | "ts" => true,
            "on" => before.ends_with("ed"),
            "time" => !DURATION_WORDS.contains(&before),
            _ => words.iter().any(|w| matches!(w.as_str(), "timestamp" | "datetime" | "expires" | "expiry")),
        };
        // `date_format`, `time_zone`, `timezone` and `*_type` name other things.
        let other = words.iter().any(|w| {
            matches!(
                w.as_str(),
                "format" | "zone" | "timezone" | "tz" | "type" | "unit" | "label" | "duration" | "elapsed"
            )
        });
        let named = temporal && !other;
        let sampled = sampled_shape(ctx, table, column, |s| s.timestamp);
        let cast = cast_evidence(
            table,
            column,
            &["timestamptz", "timestamp", "date", "datetime"],
            &["now()", "current_timestamp", "current_date", "localtimestamp", "to_char("],
        );
        if sampled == Sampled::Against || (sampled == Sampled::Unknown && cast.is_none() && !named) {
            return;
        }
        let date_only =
            last == "date" || last == "on" || (cast.is_none() && column.ty.declared_length() == Some(10));
        let new_type = match (ctx.dialect, date_only) {
            (_, true) => "date",
            (Dialect::Mysql, false) => "datetime",
            _ => "timestamptz",
        };
        let new_bytes = if date_only { 4.0 } else { TIMESTAMP_BYTES };
        let cost = ctx.cost(table, (text_width(ctx, table, column, TEXT_BYTES) - new_bytes).max(0.0));
        let what = if date_only { "dates" } else { "timestamps" };
        let (message, named_only) = match (sampled, cast) {
            (Sampled::For { share, checked }, _) => (
                format!(
                    "{} of `{}` are ISO {what}, stored as `{}`: {cost} more than `{new_type}`",
                    share_of_sample(share, checked),
                    column.name,
                    column.ty
                ),
                false,
            ),
            (_, Some(evidence)) => (
                format!(
                    "`{}` holds {what} as `{}` ({evidence}): {cost} more than `{new_type}`",
                    column.name, column.ty
                ),
                false,
            ),
            _ => (
                format!(
                    "`{}` may hold {what}; if it does, `{new_type}` takes {cost} less than `{}`",
                    column.name, column.ty
                ),
                true,
            ),
        };
        let diagnostic = report_retype(ctx, column, message, new_type)
            .help(format!("store it as `{new_type}` and convert with `USING {}::{new_type}`", column.name));
        if named_only {
            name_only(diagnostic);
        }
    }
}
