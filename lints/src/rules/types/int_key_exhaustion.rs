use crate::capacity::{describe_crossing, narrow_integer_key, KeySource};
use crate::diagnostic::{Edit, Fix};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::{Column, Table};
use crate::storage::human_count;
use crate::{Dialect, Severity};

/// ## What it does
/// Flags keys that can run out of values: a 32-bit or 16-bit primary key, `serial`,
/// `smallserial`, identity or `AUTO_INCREMENT` column. With stats it says how much of the
/// range the sequence has used; with a stats history it forecasts the sequence's position (or
/// the column's maximum) and gives the date the range runs out with its 80% interval, at error
/// severity when that date falls inside the last forecast horizon.
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
/// fix widens the key and the foreign key columns that reference it, where they are declared.
pub(crate) struct IntKeyExhaustion;

impl Rule for IntKeyExhaustion {
    const META: RuleMeta = RuleMeta::new("int-key-exhaustion", Family::Types, Severity::Warning).dialects(&[Dialect::Postgres, Dialect::Mysql]);

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for column in &table.columns {
            let Some(key) = narrow_integer_key(ctx.dialect, table, column) else { continue };
            let (bits, limit, wide) = (key.bits, key.limit, key.wide);
            let referencing = referencing_columns(ctx, table, column);
            let mut message = format!("`{}.{}` is a {bits}-bit key (`{}`): inserts fail after id {}", table.name.name, column.name, column.ty, group(limit));
            if let Some(sequence) = ctx.stats.and_then(|s| s.sequence_for(&table.name, &column.name, ctx.dialect)) {
                if let Some(last) = sequence.last_value {
                    let used = last as f64 / sequence.max_value.max(1) as f64 * 100.0;
                    message.push_str(&format!("; its sequence is already at {} ({used:.1}% used)", group(last as u64)));
                }
            }
            let exhaustion = ctx.table_capacity().and_then(|c| c.exhaustion.iter().find(|e| e.column == column.name));
            let mut inside_horizon = false;
            if let Some(exhaustion) = exhaustion {
                let pace = format!(
                    "+{} ids/day ({} fit of {})",
                    human_count(exhaustion.forecast.growth_per_day.max(0.0)),
                    exhaustion.forecast.model_name(),
                    match &exhaustion.source {
                        KeySource::Sequence(name) => format!("`{name}`'s history"),
                        KeySource::ColumnMax => "the column maximum's history".to_owned(),
                    }
                );
                match describe_crossing(&exhaustion.crossing) {
                    Some(when) => {
                        message.push_str(&format!("; at {pace} it passes {} around {when}", group(exhaustion.limit as u64)));
                        let window_end = ctx.capacity.last_horizon_day();
                        inside_horizon = exhaustion.crossing.at.zip(window_end).is_some_and(|(at, end)| at <= end);
                    }
                    None => message.push_str(&format!("; at {pace} it does not run out within 100 years")),
                }
            }
            if !referencing.is_empty() {
                message.push_str(&format!(
                    "; {} foreign key column{} reference{} it",
                    referencing.len(),
                    if referencing.len() == 1 { "" } else { "s" },
                    if referencing.len() == 1 { "s" } else { "" }
                ));
            }
            let mut edits = Vec::new();
            if let Some(location) = ctx.column_type_loc(column) {
                edits.push(Edit { location, text: wide.clone() });
                for (fk_table, fk_column) in &referencing {
                    let Some(fk) = ctx.schema.table(fk_table).and_then(|t| t.column(fk_column)) else { continue };
                    if let Some(location) = ctx.column_type_loc(fk) {
                        if location.range != column.declared_in.range || location.file != column.declared_in.file {
                            edits.push(Edit { location, text: fk_referenced_type(ctx.dialect, &wide) });
                        }
                    }
                }
            }
            let location = ctx.column_type_loc(column).unwrap_or(column.name_loc);
            let diagnostic = ctx.report(location, message);
            if inside_horizon {
                diagnostic.severity = Severity::Error;
            }
            diagnostic.help(format!("declare it `{wide}` now, while widening it is free"));
            if !edits.is_empty() {
                diagnostic.fix(Fix::unsafe_edit(format!("Widen `{}` to `{wide}`", column.name), edits));
            }
        }
    }
}

fn fk_referenced_type(dialect: Dialect, wide: &str) -> String {
    match (dialect, wide) {
        (_, "bigserial") => "bigint".to_owned(),
        (_, other) => other.to_owned(),
    }
}

/// Every `(table, column)` whose foreign key references `column` of `table`.
fn referencing_columns(ctx: &Ctx<'_>, table: &Table, column: &Column) -> Vec<(crate::schema::QualifiedName, String)> {
    let mut found = Vec::new();
    for other in ctx.schema.tables() {
        for fk in &other.foreign_keys {
            if fk.referenced_table != table.name {
                continue;
            }
            for (position, fk_column) in fk.columns.iter().enumerate() {
                if let Some((_, referenced)) = ctx.schema.referenced_column(fk, position) {
                    if referenced.name == column.name {
                        found.push((other.name.clone(), fk_column.clone()));
                    }
                }
            }
        }
    }
    found
}

/// 2147483647 → "2,147,483,647".
fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
