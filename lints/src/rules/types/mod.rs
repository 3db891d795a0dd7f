//! Type sizing: columns whose type wastes space or cannot hold what they will hold.

crate::rules::rule_family! {
    column_padding::ColumnPadding,
    char_padding::CharPadding,
    uuid_as_text::UuidAsText,
    inet_as_text::InetAsText,
    timestamp_as_text::TimestampAsText,
    float_for_money::FloatForMoney,
    int_key_exhaustion::IntKeyExhaustion,
    oversized_integer::OversizedInteger,
    oversized_varchar::OversizedVarchar,
    number_as_text::NumberAsText,
}

use crate::diagnostic::Diagnostic;
pub(crate) use crate::rules::report_retype;
use crate::rules::Ctx;
use crate::schema::{BaseType, Column, Table};
use crate::stats::{ColumnStats, ValueShapes};
use crate::Severity;

/// The words of a column name: `createdAt` and `created_at` both give `created`, `at`.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == ' ' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether the column is a key or feeds one: a primary key column, a foreign key column, an
/// identity or serial column.
pub(crate) fn is_key_column(table: &Table, column: &Column) -> bool {
    column.identity
        || column.ty.is_serial()
        || table.primary_key().is_some_and(|pk| pk.keys.iter().any(|k| k.column() == Some(column.name.as_str())))
        || table.foreign_keys.iter().any(|fk| fk.columns.contains(&column.name))
}

/// Fewer checked values than this say nothing either way about a column's shape.
pub(crate) const MIN_SHAPE_SAMPLE: u64 = 100;
/// The share of checked values that must have the shape for the sample to count as evidence for.
pub(crate) const SHAPE_SHARE: f64 = 0.99;
/// A sample with no more distinct values than this (every row at its default) is not evidence.
const DISTINCT_FLOOR: f64 = 1.0;

/// What a column's sample says about a shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Sampled {
    /// At least [`SHAPE_SHARE`] of at least [`MIN_SHAPE_SAMPLE`] informative values.
    For { share: f64, checked: u64 },
    /// An informative sample in which fewer values have the shape.
    Against,
    /// No sample, too small a sample, or one whose values all sit at a default.
    Unknown,
}

/// Whether a column's sample can be evidence at all: more than one distinct value, minimum
/// and maximum apart, and not every text empty.
pub(crate) fn informative(stats: &ColumnStats, rows: Option<f64>) -> bool {
    if stats.max_length == Some(0) || stats.null_frac == Some(1.0) {
        return false;
    }
    if stats.min.is_some() && stats.min == stats.max {
        return false;
    }
    match stats.n_distinct {
        Some(n) if n >= 0.0 => n > DISTINCT_FLOOR,
        Some(n) => rows.is_none_or(|rows| -n * rows > DISTINCT_FLOOR),
        None => true,
    }
}

/// Grades a column's sampled shapes with `share`, which picks the shape's share.
pub(crate) fn sampled_shape(
    ctx: &Ctx<'_>,
    table: &Table,
    column: &Column,
    share: impl Fn(&ValueShapes) -> f64,
) -> Sampled {
    let Some(stats) = ctx.column_stats(table, &column.name) else {
        return Sampled::Unknown;
    };
    let Some(shapes) = &stats.shapes else {
        return Sampled::Unknown;
    };
    if shapes.checked < MIN_SHAPE_SAMPLE || !informative(stats, ctx.rows_now(table).map(|(rows, _)| rows)) {
        return Sampled::Unknown;
    }
    let share = share(shapes);
    if share >= SHAPE_SHARE {
        Sampled::For { share, checked: shapes.checked }
    } else {
        Sampled::Against
    }
}

/// "100% of 10,000 sampled values": the share rounded down, so 99.96% never reads as 100%.
pub(crate) fn share_of_sample(share: f64, checked: u64) -> String {
    let percent = (share * 1000.0).floor() / 10.0;
    let percent = if percent.fract() == 0.0 { format!("{percent:.0}%") } else { format!("{percent:.1}%") };
    format!("{percent} of {} sampled values", crate::text::thousands(checked))
}

/// The column's stored width per value: the sampled average, else the declared length of
/// `char(n)`/`varchar(n)` with its length byte, else `typical` (the shape's own text width).
pub(crate) fn text_width(ctx: &Ctx<'_>, table: &Table, column: &Column, typical: f64) -> f64 {
    let rows = ctx.rows_now(table).map(|(rows, _)| rows);
    let sampled = ctx
        .column_stats(table, &column.name)
        .filter(|s| informative(s, rows))
        .and_then(|s| s.avg_width)
        .filter(|w| *w > 0.0);
    let declared = column.ty.declared_length().map(|n| match column.ty.base {
        BaseType::Char => n as f64 + 1.0,
        _ => (n as f64 + 1.0).min(typical),
    });
    sampled.or(declared).unwrap_or(typical)
}

/// A `DEFAULT` or CHECK of the column that produces or casts to one of `types`, or a default
/// calling one of `generators`, described for a message.
pub(crate) fn cast_evidence(table: &Table, column: &Column, types: &[&str], generators: &[&str]) -> Option<String> {
    let name = column.name.as_str().to_lowercase();
    if let Some(default) = &column.default {
        let lower = default.to_lowercase();
        if generators.iter().any(|g| lower.contains(g)) || types.iter().any(|t| casts_to(&lower, t)) {
            return Some(format!("its default `{default}` produces one"));
        }
    }
    table.check_constraints.iter().find_map(|check| {
        let lower = check.to_lowercase();
        (lower.contains(name.as_str()) && types.iter().any(|t| casts_to(&lower, t)))
            .then(|| format!("a CHECK casts it (`{check}`)"))
    })
}

fn casts_to(expression: &str, ty: &str) -> bool {
    expression.contains(&format!("::{ty}")) || expression.contains(&format!(" as {ty})"))
}

/// Marks a finding that rests on the column's name alone: a question, at most `info`.
pub(crate) fn name_only(diagnostic: &mut Diagnostic) {
    diagnostic.severity = diagnostic.severity.min(Severity::Info);
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod name_tests {
    use super::name_words;

    #[test]
    fn splits_snake_and_camel_case() {
        assert_eq!(name_words("created_at"), ["created", "at"]);
        assert_eq!(name_words("createdAt"), ["created", "at"]);
        assert_eq!(name_words("IPAddress"), ["ipaddress"]);
        assert_eq!(name_words("client_IP"), ["client", "ip"]);
    }
}
