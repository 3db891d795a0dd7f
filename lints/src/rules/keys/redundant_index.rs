use std::cmp::Reverse;

use crate::diagnostic::{Edit, Fix};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{Index, IndexKey, IndexOrigin, QualifiedName, Table};
use crate::text::{Location, TextRange};
use crate::Dialect;

declare_rule! {
    /// ## What it does
    /// Flags an index identical to the primary key or to another index of the same table (the same
    /// key columns and expressions in the same order, the same `INCLUDE` columns, access method and
    /// `WHERE` clause), unique or not, and a non-unique index whose key columns are a leading prefix
    /// of another index with the same access method and no `WHERE` clause. Of two identical
    /// indexes it keeps the primary key, then a unique constraint, then a unique index, then the
    /// one declared first, and flags the other.
    ///
    /// ## Why is this bad?
    /// Every index is written on every insert and on updates of its columns, takes disk and cache,
    /// and is vacuumed and backed up. A B-tree on `(a, b)` already answers every lookup that one on
    /// `(a)` answers, so the shorter one costs all of that for nothing; a second unique index on
    /// the same keys enforces nothing the first does not.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_customer_idx ON orders (customer_id);
    /// CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);
    /// CREATE TABLE gifi (accno text PRIMARY KEY, description text);
    /// CREATE UNIQUE INDEX gifi_accno_key ON gifi (accno);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);
    /// CREATE TABLE gifi (accno text PRIMARY KEY, description text);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: dropping an index changes query plans, and the longer index is larger, so lookups on
    /// the prefix read a few more pages. The fix removes the `CREATE INDEX` statement, and is only
    /// offered when both indexes are defined in the same file; for an index an earlier migration
    /// created, write a new migration with `DROP INDEX CONCURRENTLY`.
    ///
    /// ## Known problems
    /// A unique index that is a strict prefix of a wider index is never reported, since it
    /// enforces a constraint the wider one does not. An index with `INCLUDE` columns that the
    /// longer index lacks is kept, as it serves index-only scans the other cannot. Operator
    /// classes, sort orders and `NULLS NOT DISTINCT` are not compared: two indexes on the same
    /// columns that differ only there are reported as identical.
    pub(crate) struct RedundantIndex {
        name: "redundant-index",
        family: Keys,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "an index identical to the primary key or another index (unique or not), or a non-unique leading prefix of another with the same method",
    }
}

impl Rule for RedundantIndex {
    fn check_index(&self, ctx: &mut Ctx<'_>, table: &Table, index: &Index) {
        // The position tells apart identical indexes (the first of two is kept).
        let Some(position) = table.indexes.iter().position(|other| std::ptr::eq(other, index)) else {
            return;
        };
        let Some(kept) = table
            .indexes
            .iter()
            .enumerate()
            .find(|(other_position, other)| {
                *other_position != position && makes_redundant(other, *other_position, index, position)
            })
            .map(|(_, other)| other)
        else {
            return;
        };
        let message = if kept.keys.len() == index.keys.len() {
            let kept = describe_index(kept, ctx.dialect);
            format!("index `{}` duplicates {kept} on `{}`", index.name, table.name.to_sql(ctx.dialect))
        } else {
            format!(
                "index `{}` ({}) is a prefix of `{}` ({}); the wider index serves the same lookups",
                index.name,
                describe_keys(&index.keys),
                kept.name,
                describe_keys(&kept.keys)
            )
        };
        let help = format!("drop `{}`", index_sql_name(table, index, ctx.dialect));
        let diagnostic = ctx.report(index.loc, message);
        diagnostic.help(help);
        let same_file = index.statement.file == kept.statement.file;
        if index.origin == IndexOrigin::Index && same_file {
            let statement = index.statement;
            let edit = Edit {
                location: Location::new(
                    statement.file,
                    TextRange::new(statement.range.start as usize, statement.end_with_terminator as usize),
                ),
                text: String::new(),
            };
            diagnostic.fix(Fix::unsafe_edit(format!("Remove index `{}`", index.name), vec![edit]));
        }
    }
}

/// Whether `other` (at `other_position`) makes `index` (at `position`) redundant: it is
/// identical and kept before it, or, for a non-unique `index`, it serves every lookup `index`
/// serves.
fn makes_redundant(other: &Index, other_position: usize, index: &Index, position: usize) -> bool {
    if identical(other, index) {
        return (rank(other), Reverse(other_position)) > (rank(index), Reverse(position));
    }
    let width = index.keys.len();
    if index.unique || index.predicate.is_some() || other.predicate.is_some() || other.method != index.method {
        return false;
    }
    if other.keys.len() < width || other.keys[..width] != index.keys[..] {
        return false;
    }
    // Only B-trees answer lookups on a prefix of their keys.
    if other.keys.len() > width && index.method != "btree" {
        return false;
    }
    includes_covered(other, index)
}

/// The same keys in the same order, access method, predicate and `INCLUDE` columns that cover
/// each other's.
fn identical(a: &Index, b: &Index) -> bool {
    a.keys == b.keys
        && a.method == b.method
        && a.predicate == b.predicate
        && includes_covered(a, b)
        && includes_covered(b, a)
}

/// Whether every `INCLUDE` column of `index` is in `other`, as a key or included.
fn includes_covered(other: &Index, index: &Index) -> bool {
    index.include.iter().all(|c| other.include.contains(c) || other.keys.iter().any(|k| k.column() == Some(c.as_str())))
}

/// Which of two identical indexes to keep: the primary key, then a unique constraint, then a
/// unique index.
fn rank(index: &Index) -> u8 {
    match (index.origin, index.unique) {
        (IndexOrigin::PrimaryKey, _) => 3,
        (IndexOrigin::UniqueConstraint, _) => 2,
        (_, true) => 1,
        (_, false) => 0,
    }
}

/// "the primary key `gifi_pkey`", "the unique constraint `...`", "`orders_created_idx`".
fn describe_index(index: &Index, dialect: Dialect) -> String {
    match index.origin {
        // MySQL's is always `PRIMARY`.
        IndexOrigin::PrimaryKey if dialect == Dialect::Mysql => "the primary key".to_owned(),
        IndexOrigin::PrimaryKey => format!("the primary key `{}`", index.name),
        IndexOrigin::UniqueConstraint => format!("the unique constraint `{}`", index.name),
        _ => format!("`{}`", index.name),
    }
}

/// The index's name for `DROP INDEX`: PostgreSQL's index lives in its table's schema, so one
/// outside the default schema keeps it; MySQL's and SQLite's are named alone.
fn index_sql_name(table: &Table, index: &Index, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => {
            QualifiedName { schema: table.name.schema.clone(), name: index.name.clone() }.to_sql(dialect)
        }
        _ => index.name.to_string(),
    }
}

fn describe_keys(keys: &[IndexKey]) -> String {
    keys.iter()
        .map(|k| match k {
            IndexKey::Column(c) => c.as_str(),
            IndexKey::Expression(e) => e.as_str(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
