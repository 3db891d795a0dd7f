use crate::diagnostic::{Edit, Fix};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::{Index, IndexKey, IndexOrigin, Table};
use crate::text::{Location, TextRange};
use crate::Severity;

/// ## What it does
/// Flags an index whose key columns are a leading prefix of another index on the same table
/// with the same access method and no `WHERE` clause, when the shorter index is not a primary
/// key or unique. Two identical non-unique indexes flag the later one.
///
/// ## Why is this bad?
/// Every index is written on every insert and on updates of its columns, takes disk and cache,
/// and is vacuumed and backed up. A B-tree on `(a, b)` already answers every lookup that one on
/// `(a)` answers, so the shorter one costs all of that for nothing.
///
/// ## Example
/// ```sql
/// CREATE INDEX orders_customer_idx ON orders (customer_id);
/// CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);
/// ```
///
/// Use instead:
/// ```sql
/// CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at);
/// ```
///
/// ## Fix safety
/// Unsafe: dropping an index changes query plans, and the longer index is larger, so lookups on
/// the prefix read a few more pages. The fix removes the `CREATE INDEX` statement, and is only
/// offered when both indexes are defined in the same file; for an index an earlier migration
/// created, write a new migration with `DROP INDEX CONCURRENTLY`.
///
/// ## Known problems
/// A unique index is never reported, since it enforces a constraint. An index with `INCLUDE`
/// columns that the longer index lacks is kept, as it serves index-only scans the other cannot.
pub(crate) struct RedundantIndex;

impl Rule for RedundantIndex {
    const META: RuleMeta = RuleMeta::new("redundant-index", Family::Keys, Severity::Warning);

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for (position, index) in table.indexes.iter().enumerate() {
            if index.unique || index.predicate.is_some() {
                continue;
            }
            let Some(wider) = table
                .indexes
                .iter()
                .enumerate()
                .find(|(other_position, other)| *other_position != position && makes_redundant(other, *other_position, index, position))
                .map(|(_, other)| other)
            else {
                continue;
            };
            let message = if wider.keys.len() == index.keys.len() {
                format!("index `{}` duplicates `{}` on `{}`", index.name, wider.name, table.name.to_sql(ctx.dialect))
            } else {
                format!(
                    "index `{}` ({}) is a prefix of `{}` ({}); the wider index serves the same lookups",
                    index.name,
                    describe_keys(&index.keys),
                    wider.name,
                    describe_keys(&wider.keys)
                )
            };
            let diagnostic = ctx.report(index.loc, message);
            diagnostic.help(format!("drop `{}`", index.name));
            let same_file = index.statement.file == wider.statement.file;
            if index.origin == IndexOrigin::Index && same_file {
                let statement = index.statement;
                let edit = Edit {
                    location: Location::new(statement.file, TextRange::new(statement.range.start as usize, statement.end_with_terminator as usize)),
                    text: String::new(),
                };
                diagnostic.fix(Fix::unsafe_edit(format!("Remove index `{}`", index.name), vec![edit]));
            }
        }
    }
}

/// Whether `wider` (at `wider_position`) serves every lookup `index` serves.
fn makes_redundant(wider: &Index, wider_position: usize, index: &Index, position: usize) -> bool {
    if wider.predicate.is_some() || wider.method != index.method || wider.keys.len() < index.keys.len() {
        return false;
    }
    if wider.keys[..index.keys.len()] != index.keys[..] {
        return false;
    }
    // Only B-trees answer lookups on a prefix of their keys.
    if wider.keys.len() > index.keys.len() && index.method != "btree" {
        return false;
    }
    let included_elsewhere = index.include.iter().all(|c| {
        wider.include.contains(c) || wider.keys.iter().any(|k| k.column() == Some(c.as_str()))
    });
    if !included_elsewhere {
        return false;
    }
    // Of two identical non-unique indexes, the later one is the redundant one.
    let identical = wider.keys.len() == index.keys.len() && !wider.unique;
    !identical || wider_position < position
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
