use crate::capacity::{describe_crossing, narrow_integer_key, KeyExhaustion, KeySource};
use crate::diagnostic::{Edit, Fix};
use crate::forecast::Forecast;
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{BaseType, Column, Table};
use crate::stats::StatValue;
use crate::storage::human_count;
use crate::Severity;

declare_rule! {
    /// ## What it does
    /// Flags keys that can run out of values: a 32-bit or 16-bit primary key, `serial`,
    /// `smallserial`, identity or `AUTO_INCREMENT` column. A generated column (`GENERATED ALWAYS
    /// AS (...) STORED`, MySQL's `VIRTUAL`) is computed, not numbered, and is never flagged; MySQL's
    /// `SERIAL` is a `BIGINT UNSIGNED` and is not narrow.
    ///
    /// With stats it says how much of the range the key uses (its sequence's position, else its
    /// largest value, else its row count); with a stats history it forecasts the sequence's
    /// position (or the column's maximum) and gives the date the range runs out with its 80%
    /// interval, at error severity when that date falls inside the last forecast horizon. A table
    /// of a handful of rows that does not grow (under 1% of the range used, and a history that adds
    /// less than one id a month, or a single snapshot of at most 1,000 rows) is reported at info
    /// severity.
    ///
    /// ## Why is this bad?
    /// An `integer` key stops at 2,147,483,647. Deleted rows, rolled-back inserts and sequence
    /// caching burn ids faster than rows grow, and when the range is gone every insert fails.
    /// Widening it later rewrites the table and every referencing foreign key under exclusive
    /// locks, on the day the table is largest. `bigint` costs 4 bytes more per row, often nothing
    /// after alignment.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (id serial PRIMARY KEY, placed_at timestamptz NOT NULL);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE orders (id bigserial PRIMARY KEY, placed_at timestamptz NOT NULL);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: on an existing table the type change rewrites it and every referencing table. The
    /// fix widens the key and, where they are declared, the 8-, 16- and 32-bit foreign key columns
    /// that reference it (MySQL refuses a foreign key whose type differs from the key's); it is not
    /// offered when one of those columns' declarations cannot be found.
    ///
    /// ## Known problems
    /// With only row counts, a table that deletes as fast as it inserts looks flat while its ids
    /// run on; a sequence or the column's maximum in the stats shows the ids' own pace.
    pub(crate) struct IntKeyExhaustion {
        name: "int-key-exhaustion",
        family: Types,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: false,
        finds: "16/32-bit keys, serials and identities; with stats, how much of the range is used; with a history, the date it runs out (an error inside the horizon)",
    }
}

/// Below this share of the range a key that does not grow is far from its limit.
const FAR_FROM_LIMIT: f64 = 0.01;
/// A history adding fewer ids (or rows) a day than this is flat: under one a month.
const FLAT_IDS_PER_DAY: f64 = 1.0 / 30.0;
/// Without a history, a table this small counts as a handful of rows.
const HANDFUL_OF_ROWS: f64 = 1_000.0;

impl Rule for IntKeyExhaustion {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if column.generated {
            return;
        }
        let Some(key) = narrow_integer_key(ctx.dialect, table, column) else {
            return;
        };
        let (bits, limit, wide) = (key.bits, key.limit, key.wide);
        let mut message = format!(
            "`{}.{}` is a {bits}-bit key (`{}`): inserts fail after id {}",
            table.name.name,
            column.name,
            column.ty,
            group(limit)
        );
        let usage = usage(ctx, table, column, limit);
        if let Some(usage) = &usage {
            message.push_str(&usage.describe(column));
        }
        let exhaustion = ctx.table_capacity().and_then(|c| c.exhaustion.iter().find(|e| e.column == column.name));
        let mut inside_horizon = false;
        if let Some(exhaustion) = exhaustion {
            let pace = describe_pace(exhaustion);
            match describe_crossing(&exhaustion.crossing) {
                Some(when) => {
                    message.push_str(&format!(
                        "; at {pace} it passes {} around {when}",
                        group(exhaustion.limit as u64)
                    ));
                    let window_end = ctx.capacity.last_horizon_day();
                    inside_horizon = exhaustion.crossing.at.zip(window_end).is_some_and(|(at, end)| at <= end);
                }
                None => message.push_str(&format!("; at {pace} it does not run out within 100 years")),
            }
        }
        let far_and_flat =
            usage.as_ref().is_some_and(|u| u.share < FAR_FROM_LIMIT) && !grows(ctx, exhaustion, usage.as_ref());
        let referencing = narrow_referencing_columns(ctx, table, column);
        let widening = Widening::new(&column.name, &wide, &referencing);
        message.push_str(&widening.clause());
        let fix =
            widening_edits(ctx, column, &wide, &referencing).map(|edits| Fix::unsafe_edit(widening.title(), edits));
        let location = ctx.column_type_loc(column).unwrap_or(column.name_loc);
        let diagnostic = ctx.report(location, message);
        if inside_horizon {
            diagnostic.severity = Severity::Error;
        } else if far_and_flat {
            diagnostic.severity = diagnostic.severity.min(Severity::Info);
        }
        diagnostic.help(widening.help());
        if let Some(fix) = fix {
            diagnostic.fix(fix);
        }
    }
}

/// What widening the key takes: its type, and the foreign key columns that must follow it.
struct Widening {
    column: String,
    wide: String,
    /// The type the foreign key columns take (`bigint` for a `bigserial` key).
    fk_type: String,
    /// `table.column` of each narrow referencing column, in backticks.
    names: Vec<String>,
}

impl Widening {
    fn new(column: &str, wide: &str, referencing: &[(&Table, &Column)]) -> Widening {
        Widening {
            column: column.to_owned(),
            wide: wide.to_owned(),
            fk_type: fk_referenced_type(wide),
            names: referencing.iter().map(|(t, c)| format!("`{}.{}`", t.name.name, c.name)).collect(),
        }
    }

    /// "; `orders.customer_id` references it and must be widened with it", or nothing.
    fn clause(&self) -> String {
        match self.names.len() {
            0 => String::new(),
            1 => format!("; {} references it and must be widened with it", self.names[0]),
            _ => format!("; {} reference it and must be widened with it", list(&self.names)),
        }
    }

    fn help(&self) -> String {
        let Widening { wide, fk_type, names, .. } = self;
        match names.len() {
            0 => format!("declare it `{wide}` now, while widening it is free"),
            1 => format!(
                "declare it `{wide}` and the foreign key column {} `{fk_type}` now, while widening them is free",
                names[0]
            ),
            n => format!(
                "declare it `{wide}` and its {n} foreign key columns `{fk_type}` now, while widening them is free"
            ),
        }
    }

    fn title(&self) -> String {
        let Widening { column, wide, fk_type, names } = self;
        match names.len() {
            0 => format!("Widen `{column}` to `{wide}`"),
            1 => format!("Widen `{column}` to `{wide}` and {} to `{fk_type}`", names[0]),
            n => format!("Widen `{column}` to `{wide}` and its {n} foreign key columns to `{fk_type}`"),
        }
    }
}

/// How far along its range a key is, by the best position the stats give.
struct Usage {
    position: u64,
    /// The largest value the key can take: the type's, or its sequence's `MAXVALUE` when lower.
    limit: u64,
    type_limit: u64,
    share: f64,
    source: PositionSource,
}

#[derive(Clone, Copy, PartialEq)]
enum PositionSource {
    Sequence,
    ColumnMax,
    /// The row count: ids used are at least as many.
    Rows,
}

impl Usage {
    /// "; its sequence is at 3,850: it uses 0.0002% of the integer range".
    fn describe(&self, column: &Column) -> String {
        let range = if self.limit < self.type_limit {
            "its sequence's range".to_owned()
        } else {
            format!("the {} range", column.ty.as_referenced())
        };
        let share = percent(self.share);
        match self.source {
            PositionSource::Sequence => {
                format!("; its sequence is at {}: it uses {share} of {range}", group(self.position))
            }
            PositionSource::ColumnMax => {
                format!("; its largest id is {}: it uses {share} of {range}", group(self.position))
            }
            PositionSource::Rows => format!("; with {} rows it uses at least {share} of {range}", group(self.position)),
        }
    }
}

/// The key's position from stats: its sequence's last value, the column's maximum, the row
/// count, whichever is largest (the first of them on a tie).
fn usage(ctx: &Ctx<'_>, table: &Table, column: &Column, type_limit: u64) -> Option<Usage> {
    let stats = ctx.stats?;
    let mut limit = type_limit;
    let mut candidates = Vec::new();
    if let Some(sequence) = stats.sequence_for(&table.name, &column.name, ctx.dialect) {
        if sequence.max_value > 0 {
            limit = limit.min(sequence.max_value as u64);
        }
        if let Some(last) = sequence.last_value {
            candidates.push((last, PositionSource::Sequence));
        }
    }
    if let Some(StatValue::Integer(max)) = ctx.column_stats(table, &column.name).and_then(|c| c.max.as_ref()) {
        candidates.push((*max, PositionSource::ColumnMax));
    }
    if let Some(rows) = ctx.table_stats(table).and_then(|t| t.rows) {
        candidates.push((i64::try_from(rows).unwrap_or(i64::MAX), PositionSource::Rows));
    }
    let (position, source) = candidates.into_iter().reduce(|best, next| if next.0 > best.0 { next } else { best })?;
    let position = position.max(0) as u64;
    Some(Usage { position, limit, type_limit, share: position as f64 / limit.max(1) as f64, source })
}

/// Whether the key's ids grow: at the pace of its own history (sequence or maximum), else of
/// the table's row history; without a history, unless the table holds a handful of rows.
fn grows(ctx: &Ctx<'_>, exhaustion: Option<&KeyExhaustion>, usage: Option<&Usage>) -> bool {
    let rows = ctx.table_capacity().and_then(|c| c.rows.as_deref()).filter(|f| f.has_enough_history());
    match exhaustion.map(|e| &e.forecast).or(rows) {
        Some(forecast) => forecast_grows(forecast),
        None => usage.is_none_or(|u| u.position as f64 > HANDFUL_OF_ROWS),
    }
}

fn forecast_grows(forecast: &Forecast) -> bool {
    forecast.growth_per_day >= FLAT_IDS_PER_DAY
}

/// "+12.0M ids/day (linear fit of `events_id_seq`'s history)".
fn describe_pace(exhaustion: &KeyExhaustion) -> String {
    format!(
        "+{} ids/day ({} fit of {})",
        human_count(exhaustion.forecast.growth_per_day.max(0.0)),
        exhaustion.forecast.model_name(),
        match &exhaustion.source {
            KeySource::Sequence(name) => format!("`{name}`'s history"),
            KeySource::ColumnMax => "the column maximum's history".to_owned(),
        }
    )
}

/// The key's type and each referencing column's, where they are declared; `None` when a
/// referencing column's declaration cannot be found, since widening the key alone leaves its
/// foreign keys narrower than it.
fn widening_edits(ctx: &Ctx<'_>, column: &Column, wide: &str, referencing: &[(&Table, &Column)]) -> Option<Vec<Edit>> {
    let key_location = ctx.column_type_loc(column)?;
    let mut edits = vec![Edit { location: key_location, text: wide.to_owned() }];
    for (_, fk_column) in referencing {
        let location = ctx.column_type_loc(fk_column)?;
        if edits.iter().all(|e| e.location != location) {
            edits.push(Edit { location, text: fk_referenced_type(wide) });
        }
    }
    Some(edits)
}

fn fk_referenced_type(wide: &str) -> String {
    match wide {
        "bigserial" => "bigint".to_owned(),
        other => other.to_owned(),
    }
}

/// Every foreign key column narrower than 64 bits that references `column` of `table`, once
/// each.
fn narrow_referencing_columns<'s>(ctx: &Ctx<'s>, table: &Table, column: &Column) -> Vec<(&'s Table, &'s Column)> {
    let mut found: Vec<(&Table, &Column)> = Vec::new();
    for other in ctx.schema.tables() {
        for fk in &other.foreign_keys {
            if fk.referenced_table != table.name {
                continue;
            }
            for (position, fk_column) in fk.columns.iter().enumerate() {
                let Some((_, referenced)) = ctx.schema.referenced_column(fk, position) else {
                    continue;
                };
                let Some(fk_column) = other.column(fk_column) else {
                    continue;
                };
                let already = found.iter().any(|(t, c)| t.name == other.name && c.name == fk_column.name);
                if referenced.name == column.name && is_narrow_integer(fk_column) && !already {
                    found.push((other, fk_column));
                }
            }
        }
    }
    found
}

fn is_narrow_integer(column: &Column) -> bool {
    matches!(column.ty.as_referenced().base, BaseType::TinyInt | BaseType::SmallInt | BaseType::Integer)
}

/// "`a.x`", "`a.x` and `b.y`", "`a.x`, `b.y`, `c.z` and 2 more".
fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] if names.len() <= 3 => format!("{} and {last}", first.join(", ")),
        _ => format!("{} and {} more", names[..3].join(", "), names.len() - 3),
    }
}

/// A share as a percentage with one significant digit once it is small: 0.698 → "69.8%",
/// 0.0000000042 → "0.0000004%".
fn percent(share: f64) -> String {
    let percent = share * 100.0;
    if !percent.is_finite() || percent <= 0.0 {
        return "0%".to_owned();
    }
    if percent >= 0.1 {
        return format!("{percent:.1}%");
    }
    // Round to one significant digit first, so that 0.0000097 reads 0.00001, not 0.000010.
    let scale = 10f64.powf(percent.log10().floor());
    let rounded = (percent / scale).round() * scale;
    let decimals = (-(rounded.log10() + 1e-9).floor()).clamp(1.0, 15.0) as usize;
    format!("{rounded:.decimals$}%")
}

/// 2147483647 → "2,147,483,647".
fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_shares_keep_one_significant_digit() {
        assert_eq!(percent(1_500_000_000.0 / 2_147_483_647.0), "69.8%");
        assert_eq!(percent(9.0 / 2_147_483_647.0), "0.0000004%");
        assert_eq!(percent(3_850.0 / 2_147_483_647.0), "0.0002%");
        assert_eq!(percent(209.0 / 2_147_483_647.0), "0.00001%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn lists_stay_short() {
        let names: Vec<String> = ["`a.x`", "`b.y`", "`c.z`", "`d.w`"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list(&names[..1]), "`a.x`");
        assert_eq!(list(&names[..2]), "`a.x` and `b.y`");
        assert_eq!(list(&names[..3]), "`a.x`, `b.y` and `c.z`");
        assert_eq!(list(&names), "`a.x`, `b.y`, `c.z` and 1 more");
    }
}
