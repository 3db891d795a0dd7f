use crate::rules::types::{informative, report_retype};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{BaseType, Column, Table};
use crate::Dialect;

declare_rule! {
    /// ## What it does
    /// Uses the longest sampled value (`collect --sample`) to flag `varchar(n)` columns declared at
    /// least four times longer than anything stored (and at least 32 characters longer). The
    /// sample must be informative: not every value empty, more than one distinct value.
    ///
    /// ## Why is this bad?
    /// In PostgreSQL `varchar(n)` costs no storage: the finding is about the constraint, which
    /// no longer guards the data, and about clients that allocate the declared width. In MySQL it
    /// costs: a declared width over 255 bytes (over 63 characters in utf8mb4) needs a 2-byte length
    /// prefix per value, an index key is limited to 3072 bytes (768 utf8mb4 characters), and
    /// in-memory temporary tables for sorts and GROUP BY allocate the full declared width per row.
    ///
    /// ## Example
    /// ```sql
    /// -- the longest sampled name is 38 characters
    /// CREATE TABLE users (id bigint PRIMARY KEY, name varchar(1000) NOT NULL);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE users (id bigint PRIMARY KEY, name varchar(128) NOT NULL);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: values longer than the new limit will be rejected; the sample may have missed the
    /// longest existing value. The suggested length is the next power of two at least twice the
    /// longest sampled value.
    pub(crate) struct OversizedVarchar {
        name: "oversized-varchar",
        family: Types,
        severity: Info,
        dialects: [Postgres, Mysql],
        needs_stats: true,
        finds: "`varchar(n)` far longer than the longest sampled value",
    }
}

impl Rule for OversizedVarchar {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if column.ty.base != BaseType::Varchar || column.ty.array_dims > 0 {
            return;
        }
        let Some(declared) = column.ty.declared_length() else {
            return;
        };
        let Some(stats) = ctx.column_stats(table, &column.name) else {
            return;
        };
        // All empty, or one distinct value (every row at a default), is not evidence.
        if !informative(stats, ctx.rows_now(table).map(|(rows, _)| rows)) {
            return;
        }
        let Some(longest) = stats.max_length else { return };
        if declared < longest.max(1) * 4 || declared - longest < 32 {
            return;
        }
        let suggested = (longest.max(8) * 2).next_power_of_two().min(declared - 1);
        let consequence = match ctx.dialect {
            Dialect::Mysql => {
                let mut costs = Vec::new();
                if declared > 63 && suggested <= 63 {
                    costs.push("a 2-byte length prefix per value where 1 would do".to_owned());
                }
                if declared > 768 {
                    costs.push("too wide to index in full (3072-byte key limit)".to_owned());
                }
                costs.push(format!("in-memory temporary tables reserve {} bytes per row for it", declared * 4));
                costs.join("; ")
            }
            _ => "in PostgreSQL this costs no storage; the limit no longer guards the data and clients that size buffers from it over-allocate".to_owned(),
        };
        let message = format!(
            "`{}` is `{}` but the longest sampled value is {longest} characters: {consequence}",
            column.name, column.ty
        );
        let new_type = format!("varchar({suggested})");
        report_retype(ctx, column, message, &new_type)
            .help(format!("declare `{new_type}`, or `text` with a CHECK if no limit is meant"));
    }
}
