use crate::rules::{Ctx, Rule, declare_rule, report_retype};
use crate::schema::Table;

declare_rule! {
    /// ## What it does
    /// Flags a foreign key column whose type differs from the column it references, such as
    /// `integer` referencing `bigint` or `varchar(50)` referencing `varchar(100)`. A serial
    /// column is compared as the integer it stores.
    ///
    /// ## Why is this bad?
    /// A narrower referencing column fails once the referenced key outgrows it (an `integer`
    /// pointing at a `bigint` key breaks at 2,147,483,648), and a wider one wastes space and hides
    /// the mistake. Mismatched types also make the planner cast in joins, which can keep it from
    /// using an index. MySQL refuses some mismatches outright.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE customers (id bigint PRIMARY KEY);
    /// CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer REFERENCES customers (id));
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE customers (id bigint PRIMARY KEY);
    /// CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: changing a column's type rewrites the table under an exclusive lock, and narrowing
    /// it can fail on existing values. The fix edits the type where it was declared.
    pub(crate) struct FkTypeMismatch {
        name: "fk-type-mismatch",
        family: Keys,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "a foreign key column whose type differs from the referenced column",
    }
}

impl Rule for FkTypeMismatch {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for fk in &table.foreign_keys {
            for (position, column_name) in fk.columns.iter().enumerate() {
                let Some(column) = table.column(column_name) else { continue };
                let Some((referenced_table, referenced)) = ctx.schema.referenced_column(fk, position) else { continue };
                let expected = referenced.ty.as_referenced();
                if column.ty.as_referenced() == expected {
                    continue;
                }
                let message = format!(
                    "`{}.{}` is `{}` but references `{}.{}` of type `{}`",
                    table.name.name, column.name, column.ty, referenced_table.name.name, referenced.name, expected
                );
                report_retype(ctx, column, message, &expected.to_string())
                    .help(format!("declare `{}` as `{expected}`", column.name));
            }
        }
    }
}
