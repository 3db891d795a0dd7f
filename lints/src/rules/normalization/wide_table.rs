use crate::rules::{declare_rule, Ctx, Rule};
use crate::schema::{Column, Table};

declare_rule! {
    /// ## What it does
    /// Flags a table with more than `wide-table-columns` columns (default 40), and suggests
    /// where to split it: the nullable columns, and with `collect` statistics the groups of
    /// columns that are mostly null together (each group a candidate for a table of its own in a
    /// one-to-zero-or-one relation).
    ///
    /// ## Why is this bad?
    /// A very wide table usually holds several entities, or optional facets of one, in a single
    /// row. Every row pays for the columns it does not use (the null bitmap and, in InnoDB and
    /// SQLite, per-column overhead), every update rewrites the whole row (PostgreSQL writes a
    /// new version of it), and the facets cannot have their own keys and constraints. It often
    /// hides missing normalization (repeated groups, copies of other tables' columns).
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE customers (
    ///     id bigint PRIMARY KEY, name text, email text,
    ///     billing_street text, billing_city text, billing_zip text,   -- often null together
    ///     shipping_street text, shipping_city text, shipping_zip text,
    ///     ... -- 40 more
    /// );
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text);
    /// CREATE TABLE customer_addresses (
    ///     customer_id bigint REFERENCES customers (id), kind text, street text, city text, zip text,
    ///     PRIMARY KEY (customer_id, kind)
    /// );
    /// ```
    ///
    /// ## Fix safety
    /// No fix: splitting a table needs a data migration and changes every query.
    pub(crate) struct WideTable {
        name: "wide-table",
        family: Normalization,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "tables with more than `wide-table-columns` columns (default 40)",
        thresholds: {
            MAX_COLUMNS: "wide-table-columns" = 40.0, columns, minimum 2.0,
                "the number of columns a table may have before it is flagged";
        },
    }
}

/// Columns null in at least this share of rows are candidates for a split.
const MOSTLY_NULL: f64 = 0.5;
/// Columns whose null fractions differ by no more than this are "null together".
const TOGETHER: f64 = 0.05;

impl Rule for WideTable {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let limit = ctx.threshold(&Self::MAX_COLUMNS);
        let count = table.columns.len();
        if (count as f64) <= limit {
            return;
        }
        let nullable: Vec<&str> =
            table.columns.iter().filter(|c| nullable(table, c)).map(|c| c.name.as_str()).collect();
        let groups = null_groups(ctx, table);
        let split = match groups.first() {
            Some((share, columns)) => format!(
                "; with the latest statistics, {} columns are null in about {:.0}% of rows together ({}): a table of their own, one row per {} that has them",
                columns.len(),
                share * 100.0,
                listed(columns),
                table.name.name.trim_end_matches('s')
            ),
            None if !nullable.is_empty() => format!(
                "; {} of them are nullable ({}): optional facets are candidates for tables of their own",
                nullable.len(),
                listed(&nullable)
            ),
            None => String::new(),
        };
        let message = format!("`{}` has {count} columns, more than {limit}{split}", table.name.name);
        ctx.report(table.name_loc, message)
            .help("split it by facet: columns used together go to one table, keyed by this table's key");
    }
}

/// A column that may be null: not `NOT NULL` and not in the primary key.
fn nullable(table: &Table, column: &Column) -> bool {
    !column.not_null
        && !table.primary_key().is_some_and(|pk| pk.keys.iter().any(|k| k.column() == Some(column.name.as_str())))
}

/// Groups of at least three nullable columns with similar null fractions of at least
/// [`MOSTLY_NULL`], largest first, each with its average null fraction.
fn null_groups<'t>(ctx: &Ctx<'_>, table: &'t Table) -> Vec<(f64, Vec<&'t str>)> {
    let mut fractions: Vec<(f64, &str)> = table
        .columns
        .iter()
        .filter(|c| nullable(table, c))
        .filter_map(|c| ctx.column_stats(table, &c.name).and_then(|s| s.null_frac).map(|f| (f, c.name.as_str())))
        .filter(|(fraction, _)| *fraction >= MOSTLY_NULL)
        .collect();
    fractions.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut groups: Vec<(f64, Vec<&str>)> = Vec::new();
    let mut current: Vec<(f64, &str)> = Vec::new();
    for (fraction, name) in fractions {
        if current.first().is_some_and(|(first, _)| fraction - first > TOGETHER) {
            groups.push(average(&current));
            current.clear();
        }
        current.push((fraction, name));
    }
    if !current.is_empty() {
        groups.push(average(&current));
    }
    groups.retain(|(_, columns)| columns.len() >= 3);
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(b.0.total_cmp(&a.0)));
    groups
}

fn average<'t>(group: &[(f64, &'t str)]) -> (f64, Vec<&'t str>) {
    let mean = group.iter().map(|(f, _)| f).sum::<f64>() / group.len() as f64;
    (mean, group.iter().map(|(_, n)| *n).collect())
}

/// "`a`, `b`, `c` and 4 more".
fn listed(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        format!("{} and {} more", shown.join(", "), names.len() - SHOWN)
    } else {
        shown.join(", ")
    }
}
