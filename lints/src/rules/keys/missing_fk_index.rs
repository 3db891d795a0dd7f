use crate::diagnostic::{Edit, Fix, NewFile};
use crate::dialect::Dialect;
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{ForeignKey, Index, Table};
use crate::text::{Location, TextRange};

declare_rule! {
    /// ## What it does
    /// Flags foreign keys whose columns are not the leading columns of any index on the
    /// referencing table.
    ///
    /// A foreign key on `(c1, ..., ck)` is covered when some index of the table (a primary key and
    /// a unique constraint count) has no `WHERE` clause and its first k key columns are plain
    /// columns forming exactly the set {c1, ..., ck}, in any order. Expression and partial indexes
    /// do not cover. An index created later, in another file, covers. A partition is covered by an
    /// index on its partitioned parent.
    ///
    /// Applies to PostgreSQL and SQLite. MySQL's InnoDB creates such an index by itself.
    ///
    /// ## Why is this bad?
    /// Every `DELETE` or key `UPDATE` on the referenced table must find the referencing rows, and
    /// without an index that is a sequential scan of the referencing table, under lock, once per
    /// row. Joins from parent to children are slow for the same reason.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE orders (
    ///     id bigint PRIMARY KEY,
    ///     customer_id bigint NOT NULL REFERENCES customers (id)
    /// );
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE orders (
    ///     id bigint PRIMARY KEY,
    ///     customer_id bigint NOT NULL REFERENCES customers (id)
    /// );
    /// CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix adds a `CREATE INDEX` statement after the one that declared the foreign key
    /// and changes nothing else; the table's name is written as its `CREATE TABLE` wrote it (a
    /// `pg_dump` empties the search path, so `public.` must stay). A table created in the same file
    /// is new and empty, and gets a plain `CREATE INDEX`.
    ///
    /// When the table was created by an earlier file (so it may already hold rows), the PostgreSQL
    /// fix uses `CREATE INDEX CONCURRENTLY`, which does not block writes but cannot run inside the
    /// transaction migration tools wrap a file in. So in a migration set it is a new migration of
    /// its own, after the last one and named by the set's convention (the next Flyway version, the
    /// next number or timestamp), with the tool's directive where it has one (goose
    /// `-- +goose NO TRANSACTION`, dbmate `-- migrate:up transaction:false`). Flyway runs a file
    /// holding only non-transactional statements outside a transaction by itself.
    ///
    /// When the table or a referencing column was renamed after the foreign key was declared, the
    /// index goes in a new migration after the set's last file, where the final names hold; for
    /// a lone file (no migration convention) no fix is offered.
    ///
    /// ## Known problems
    /// An index whose leading columns cover the foreign key but in a different order from the
    /// referenced key still counts as covering, as PostgreSQL can use it for the lookup.
    pub(crate) struct MissingFkIndex {
        name: "missing-fk-index",
        family: Keys,
        severity: Warning,
        dialects: [Postgres, Sqlite],
        needs_stats: false,
        finds: "foreign key columns no index leads with (InnoDB indexes them itself)",
    }
}

impl Rule for MissingFkIndex {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let parent = table.partition_of.as_ref().and_then(|p| ctx.schema.table(p));
        let parent_indexes = parent.into_iter().flat_map(|p| p.indexes.iter());
        let indexes: Vec<&Index> = table.indexes.iter().chain(parent_indexes).collect();
        for fk in &table.foreign_keys {
            if fk.columns.is_empty() || indexes.iter().any(|index| covers(index, &fk.columns)) {
                continue;
            }
            let columns = fk.columns.iter().map(|c| ctx.dialect.quote_ident(c)).collect::<Vec<_>>().join(", ");
            let table_sql = table.name.to_sql(ctx.dialect);
            let message = format!(
                "`{table_sql}({columns})` references `{}` but no index leads with it; each delete or key update there scans `{table_sql}`",
                fk.referenced_table.to_sql(ctx.dialect),
            );
            let help = format!("add an index on `{table_sql}({columns})`");
            let fix = index_fix(ctx, table, fk);
            let diagnostic = ctx.report(fk.columns_loc(), message).help(help);
            if let Some(fix) = fix {
                diagnostic.fix(fix);
            }
        }
    }
}

fn covers(index: &Index, fk_columns: &[compact_str::CompactString]) -> bool {
    if index.predicate.is_some() || index.keys.len() < fk_columns.len() {
        return false;
    }
    let leading = &index.keys[..fk_columns.len()];
    leading.iter().all(|key| key.column().is_some_and(|c| fk_columns.iter().any(|f| f == c)))
        && fk_columns.iter().all(|f| leading.iter().any(|key| key.column() == Some(f.as_str())))
}

fn index_fix(ctx: &Ctx<'_>, table: &Table, fk: &ForeignKey) -> Option<Fix> {
    let dialect = ctx.dialect;
    let base = format!("{}_{}_idx", table.name.name, fk.columns.join("_"));
    let index_name = ctx.schema.unused_index_name(&table.name.schema, &base);
    let columns = fk.columns.iter().map(|c| dialect.quote_ident(c)).collect::<Vec<_>>().join(", ");
    let table_may_hold_rows = table.statement.file != fk.statement.file;
    let concurrently = dialect == Dialect::Postgres && table_may_hold_rows && !table.partitioned;
    // After a rename the names are the final ones only after the last statement of the set: the
    // statement goes in a migration of its own there, never beside the foreign key.
    let renamed = table_renamed(ctx, table) || columns_renamed(ctx, fk);
    let statement = format!(
        "CREATE INDEX {}{} ON {} ({columns});",
        if concurrently { "CONCURRENTLY " } else { "" },
        dialect.quote_ident(&index_name),
        written_name(ctx, table),
    );
    let title = format!("Add index `{index_name}` on `{}({columns})`", table.name.to_sql(dialect));
    if concurrently || renamed {
        // CONCURRENTLY cannot run inside the transaction migration tools wrap each file in:
        // it goes in a migration of its own.
        let undo = format!(
            "DROP INDEX {}IF EXISTS {};",
            if concurrently { "CONCURRENTLY " } else { "" },
            dialect.quote_ident(&index_name)
        );
        if let Some(migration) = ctx.next_migration(&format!("add_{index_name}"), &statement, &undo) {
            let file = NewFile { path: migration.path.clone(), text: migration.text };
            return Some(Fix::safe_new_file(format!("{title} in a new migration, {}", migration.path), file));
        }
        if renamed {
            return None;
        }
    }
    let after = fk.statement.end_with_terminator as usize;
    let terminator = if fk.statement.terminator_missing() { ";" } else { "" };
    let edit = Edit {
        location: Location::new(fk.statement.file, TextRange::empty(after)),
        text: format!("{terminator}\n{statement}"),
    };
    Some(Fix::safe(title, vec![edit]))
}

/// Whether a referencing column was renamed after the foreign key named it: its declaration
/// does not spell the column's final name.
fn columns_renamed(ctx: &Ctx<'_>, fk: &ForeignKey) -> bool {
    let Some(text) = ctx.text(fk.statement.file) else { return true };
    if fk.column_locs.len() != fk.columns.len() {
        return false;
    }
    fk.column_locs.iter().zip(&fk.columns).any(|(loc, column)| {
        let written = text.get(loc.range.to_range()).unwrap_or("");
        !written.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']').eq_ignore_ascii_case(column)
    })
}

/// The table's name as its `CREATE TABLE` wrote it, so that `public.t` in a `pg_dump` (which
/// empties the search path) stays qualified; the canonical spelling when the name moved since.
fn written_name(ctx: &Ctx<'_>, table: &Table) -> String {
    match written_table_name(ctx, table) {
        Some(w) if unquoted_last_part(w) == table.name.name.as_str().to_lowercase() => w.to_owned(),
        _ => table.name.to_sql(ctx.dialect),
    }
}

/// Whether the table is called otherwise than its `CREATE TABLE` wrote it (`ALTER TABLE ...
/// RENAME TO` since).
fn table_renamed(ctx: &Ctx<'_>, table: &Table) -> bool {
    written_table_name(ctx, table).is_some_and(|w| unquoted_last_part(w) != table.name.name.as_str().to_lowercase())
}

fn written_table_name<'t>(ctx: &'t Ctx<'_>, table: &Table) -> Option<&'t str> {
    ctx.text(table.name_loc.file)
        .and_then(|text| text.get(table.name_loc.range.to_range()))
        .filter(|w| !w.is_empty() && !w.contains('\n'))
}

fn unquoted_last_part(written: &str) -> String {
    let last = written.rsplit('.').next().unwrap_or(written);
    last.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']').to_lowercase()
}
