use crate::diagnostic::{Edit, Fix};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::{Column, Table};
use crate::{Dialect, Severity};

/// ## What it does
/// Flags keys that can run out of values: a 32-bit or 16-bit primary key, `serial`,
/// `smallserial`, identity or `AUTO_INCREMENT` column. With stats it says how much of the
/// range the sequence has used.
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
        let primary_key = table.primary_key().filter(|pk| pk.keys.len() == 1).and_then(|pk| pk.keys[0].column());
        for column in &table.columns {
            let is_key = primary_key == Some(column.name.as_str()) || column.identity || column.ty.is_serial();
            let Some((bits, limit, wide)) = narrow_integer(ctx.dialect, column) else { continue };
            if !is_key {
                continue;
            }
            let referencing = referencing_columns(ctx, table, column);
            let mut message = format!("`{}.{}` is a {bits}-bit key (`{}`): inserts fail after id {}", table.name.name, column.name, column.ty, group(limit));
            if let Some(sequence) = ctx.stats.and_then(|s| s.sequence_for(&table.name, &column.name, ctx.dialect)) {
                if let Some(last) = sequence.last_value {
                    let used = last as f64 / sequence.max_value.max(1) as f64 * 100.0;
                    message.push_str(&format!("; its sequence is already at {} ({used:.1}% used)", group(last as u64)));
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
            diagnostic.help(format!("declare it `{wide}` now, while widening it is free"));
            if !edits.is_empty() {
                diagnostic.fix(Fix::unsafe_edit(format!("Widen `{}` to `{wide}`", column.name), edits));
            }
        }
    }
}

/// Bits, largest value and the 64-bit type to use instead, for a narrow integer column.
fn narrow_integer(dialect: Dialect, column: &Column) -> Option<(u32, u64, String)> {
    let unsigned = column.ty.unsigned;
    let (bits, wide) = match column.ty.base.as_str() {
        "smallserial" => (16, "bigserial"),
        "serial" => (32, "bigserial"),
        "smallint" => (16, "bigint"),
        "integer" => (32, "bigint"),
        "tinyint" if dialect == Dialect::Mysql => (8, "bigint"),
        _ => return None,
    };
    let limit = if unsigned { (1u64 << bits) - 1 } else { (1u64 << (bits - 1)) - 1 };
    let wide = if unsigned && dialect == Dialect::Mysql { format!("{wide} unsigned") } else { wide.to_owned() };
    Some((bits, limit, wide))
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
