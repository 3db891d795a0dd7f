use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::Table;

declare_rule! {
    /// ## What it does
    /// Flags tables without a primary key. A partition is not flagged when its parent has one (the
    /// partition inherits it) and not twice when its parent lacks one (the parent is flagged).
    /// Temporary tables are not flagged.
    ///
    /// ## Why is this bad?
    /// Without a primary key, rows cannot be addressed reliably: duplicates creep in, logical
    /// replication cannot `UPDATE` or `DELETE` (PostgreSQL needs a replica identity), ORMs and
    /// admin tools misbehave, and other tables cannot reference the rows. InnoDB silently adds a
    /// hidden 6-byte row id that nothing can use.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE audit_log (happened_at timestamptz NOT NULL, message text NOT NULL);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE audit_log (
    ///     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ///     happened_at timestamptz NOT NULL,
    ///     message text NOT NULL
    /// );
    /// ```
    ///
    /// ## Fix safety
    /// No fix is offered: which columns identify a row is a design decision.
    pub(crate) struct MissingPrimaryKey {
        name: "missing-primary-key",
        family: Keys,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "a table without a primary key",
    }
}

impl Rule for MissingPrimaryKey {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        if table.temporary || table.primary_key().is_some() || table.partition_of.is_some() {
            return;
        }
        let message = format!("table `{}` has no primary key", table.name.to_sql(ctx.dialect));
        let unique_not_null = table.indexes.iter().find(|index| {
            index.unique
                && index.predicate.is_none()
                && index.keys.iter().all(|k| k.column().and_then(|c| table.column(c)).is_some_and(|c| c.not_null))
        });
        let help = match unique_not_null {
            Some(index) => format!("promote the unique key `{}` to the primary key", index.name),
            None => "add a primary key, e.g. `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`".to_owned(),
        };
        ctx.report(table.name_loc, message).help(help);
    }
}
