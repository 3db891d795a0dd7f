use crate::rules::types::{informative, is_key_column, report_retype};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{BaseType, Column, SqlType, Table};
use crate::stats::StatValue;
use crate::storage::postgres_row_bytes;
use crate::Dialect;

declare_rule! {
    /// ## What it does
    /// Uses stats to flag `bigint` and `integer` columns whose sampled values fit a smaller type
    /// with room to grow (at most half its range), when the change saves bytes after alignment.
    /// It states both the nominal saving and the real one. Keys are never flagged: shrinking a key
    /// is what `int-key-exhaustion` warns against. A sample is evidence only when it is
    /// informative: its minimum and maximum differ and it has more than one distinct value (a
    /// column whose rows all sit at a default says nothing about its range).
    ///
    /// ## Why is this bad?
    /// An 8-byte column holding values that fit in 2 or 4 bytes costs the difference in every row
    /// and every index entry. PostgreSQL's alignment can swallow the saving, so the rule only
    /// speaks when the row really gets smaller.
    ///
    /// ## Example
    /// ```sql
    /// -- quantity never exceeds 500
    /// CREATE TABLE order_items (id bigint PRIMARY KEY, quantity bigint NOT NULL, unit_price int NOT NULL);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE order_items (id bigint PRIMARY KEY, unit_price int NOT NULL, quantity smallint NOT NULL);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the type change rewrites the table, and a value outside the smaller range would
    /// make it fail, now or in the future. The sample may also miss rare large values.
    pub(crate) struct OversizedInteger {
        name: "oversized-integer",
        family: Types,
        severity: Info,
        dialects: [Postgres, Mysql],
        needs_stats: true,
        finds: "`bigint`/`integer` whose sampled values fit a smaller type, when the row really shrinks",
    }
}

impl Rule for OversizedInteger {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        let current_bytes: f64 = match column.ty.base {
            BaseType::BigInt => 8.0,
            BaseType::Integer => 4.0,
            _ => return,
        };
        if column.ty.array_dims > 0 || is_key_column(table, column) || is_referenced(ctx, table, &column.name) {
            return;
        }
        let Some(stats) = ctx.column_stats(table, &column.name) else {
            return;
        };
        // Every row at one value (a default) says nothing about the range.
        if !informative(stats, ctx.rows_now(table).map(|(rows, _)| rows)) {
            return;
        }
        let (Some(StatValue::Integer(min)), Some(StatValue::Integer(max))) = (&stats.min, &stats.max) else {
            return;
        };
        let extreme = min.unsigned_abs().max(max.unsigned_abs());
        let (smaller, smaller_bytes) = if extreme <= i16::MAX as u64 / 2 {
            ("smallint", 2.0)
        } else if extreme <= i32::MAX as u64 / 2 && current_bytes > 4.0 {
            ("integer", 4.0)
        } else {
            return;
        };
        let nominal = current_bytes - smaller_bytes;
        let real = match ctx.dialect {
            Dialect::Postgres => {
                let Some(index) = table.columns.iter().position(|c| std::ptr::eq(c, column)) else {
                    return;
                };
                let order: Vec<usize> = (0..table.columns.len()).collect();
                let ty = SqlType::parse(smaller, ctx.dialect);
                let stats = ctx.table_stats(table);
                postgres_row_bytes(ctx.schema, table, stats, &order, None)
                    - postgres_row_bytes(ctx.schema, table, stats, &order, Some((index, &ty)))
            }
            _ => nominal,
        };
        if real < 0.5 {
            return;
        }
        let message = format!(
            "`{}` is `{}` but sampled values run from {min} to {max}: `{smaller}` holds them with room to double, saving {nominal:.0} B/row nominally and {} after alignment",
            column.name,
            column.ty,
            ctx.cost(table, real)
        );
        report_retype(ctx, column, message, smaller)
            .help(format!("declare it `{smaller}` if the domain guarantees the range"));
    }
}

/// Whether another table's foreign key points at this column.
fn is_referenced(ctx: &Ctx<'_>, table: &Table, column: &str) -> bool {
    ctx.schema.tables().iter().any(|other| {
        other.foreign_keys.iter().any(|fk| {
            fk.referenced_table == table.name
                && (0..fk.columns.len())
                    .any(|p| ctx.schema.referenced_column(fk, p).is_some_and(|(_, c)| c.name == column))
        })
    })
}
