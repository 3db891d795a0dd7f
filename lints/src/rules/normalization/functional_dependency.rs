use crate::rules::{declare_rule, Ctx, Rule};
use crate::schema::{Column, Table};
use crate::stats::DependencyCounts;
use crate::text::thousands;

declare_rule! {
    /// ## What it does
    /// Flags a column whose value follows from another column that is not a key, as the data
    /// shows: in the sample `collect --sample` read, every row (or at least
    /// `dependency-holds`, default 99% of rows) with the same X has the same Y. That is a
    /// functional dependency X → Y on a non-key X, against third normal form (or Boyce-Codd
    /// normal form when Y is part of a key).
    ///
    /// The sample holds only counts (distinct X, distinct (X, Y) pairs, rows holding), never a
    /// value. A dependency found in a sample can be an accident of that sample, so none is
    /// reported unless:
    ///
    /// - the sample has at least `dependency-min-sample` rows (default 1,000);
    /// - X values repeat: at least `dependency-rows-per-value` sampled rows (default 5) per
    ///   distinct X on average, and X is neither unique in the sample nor a key in the DDL;
    /// - Y is not constant, neither X nor Y is mostly null, and Y has clearly fewer distinct
    ///   values than X (under 90%): a Y with as many values as X is unremarkable.
    ///
    /// ## Why is this bad?
    /// The city of a zip code is stored again in every row with that zip code. An update that
    /// misses one row leaves two cities for one zip code, and nothing in the database stops
    /// it; every copy also costs its bytes in the row and in every index that holds it.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE addresses (id bigint PRIMARY KEY, street text, zip_code text, city text);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE zip_codes (zip_code text PRIMARY KEY, city text NOT NULL);
    /// CREATE TABLE addresses (id bigint PRIMARY KEY, street text, zip_code text REFERENCES zip_codes);
    /// ```
    ///
    /// ## Fix safety
    /// No fix: moving the column needs a data migration, and a sample cannot prove a rule of
    /// the business.
    pub(crate) struct FunctionalDependency {
        name: "functional-dependency",
        family: Normalization,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: true,
        finds: "columns determined by a non-key column in the sampled data (zip code → city): a 3NF violation, with the counts as evidence",
        thresholds: {
            HOLDS: "dependency-holds" = 0.99, fraction, minimum 0.5, maximum 1.0,
                "the share of sampled rows in which X → Y must hold";
            MIN_SAMPLE: "dependency-min-sample" = 1000.0, rows, minimum 10.0,
                "the fewest sampled rows a dependency is judged on";
            ROWS_PER_VALUE: "dependency-rows-per-value" = 5.0, rows, minimum 1.0,
                "the fewest sampled rows per distinct X, on average";
        },
    }
}

/// Over this share null, a column says little about the others.
const MOSTLY_NULL: f64 = 0.5;
/// A dependent with at least this share of the determinant's distinct values maps almost one
/// to one: renaming, not redundancy worth a table.
const NEARLY_AS_MANY: f64 = 0.9;

/// Whether a unique index or constraint (not partial) has exactly this one column as its key.
fn is_key(table: &Table, column: &Column) -> bool {
    table.indexes.iter().any(|index| {
        index.unique
            && index.predicate.is_none()
            && index.keys.len() == 1
            && index.keys[0].column().is_some_and(|key| key.eq_ignore_ascii_case(&column.name))
    })
}

/// The guards of the doc comment, with the thresholds read.
struct Guards {
    holds: f64,
    min_sample: f64,
    rows_per_value: f64,
}

impl Guards {
    fn pass(&self, counts: &DependencyCounts) -> bool {
        let rows = counts.rows as f64;
        let determinants = counts.distinct_determinants as f64;
        counts.sampled_rows as f64 >= self.min_sample
            && rows >= self.min_sample * (1.0 - MOSTLY_NULL)
            && rows > counts.sampled_rows as f64 * (1.0 - MOSTLY_NULL)
            && counts.null_dependents as f64 <= rows * MOSTLY_NULL
            && counts.distinct_determinants < counts.rows
            && determinants > 0.0
            && rows / determinants >= self.rows_per_value
            && counts.distinct_dependents > 1
            && (counts.distinct_dependents as f64) < determinants * NEARLY_AS_MANY
            && counts.holding_share() >= self.holds
    }
}

fn evidence(counts: &DependencyCounts) -> String {
    let (x, y) = (&counts.determinant, &counts.dependent);
    let holds = if counts.holding_rows == counts.rows {
        String::new()
    } else {
        format!(", holding in {:.1}% of them", 100.0 * counts.holding_share())
    };
    format!(
        "in {} sampled rows, `{x}` determines `{y}`: {} distinct `{x}`, {} distinct (`{x}`, `{y}`) pairs{holds}",
        thousands(counts.rows),
        thousands(counts.distinct_determinants),
        thousands(counts.distinct_pairs),
    )
}

impl Rule for FunctionalDependency {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let guards = Guards {
            holds: ctx.threshold(&Self::HOLDS),
            min_sample: ctx.threshold(&Self::MIN_SAMPLE),
            rows_per_value: ctx.threshold(&Self::ROWS_PER_VALUE),
        };
        let Some(stats) = ctx.table_stats(table) else { return };
        let found: Vec<(DependencyCounts, &Column)> = stats
            .dependencies
            .iter()
            .filter(|counts| guards.pass(counts))
            .filter_map(|counts| {
                let find = |name: &str| table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name));
                let (x, y) = (find(&counts.determinant)?, find(&counts.dependent)?);
                (!is_key(table, x)).then(|| (counts.clone(), y))
            })
            .collect();
        for (counts, dependent) in found {
            let message = format!("{}; `{}` is not a key, so this breaks third normal form", evidence(&counts), counts.determinant);
            let help = format!(
                "move `{y}` to a table keyed by `{x}` (`{x}` PRIMARY KEY, `{y}`) that `{}` references; if `{y}` may differ for one `{x}` some day, say so with `-- schemacast: ignore functional-dependency`",
                table.name.name,
                x = counts.determinant,
                y = counts.dependent,
            );
            ctx.report(dependent.name_loc, message).help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(rows: u64, determinants: u64, pairs: u64, dependents: u64, holding: u64) -> DependencyCounts {
        DependencyCounts {
            determinant: "zip_code".into(),
            dependent: "city".into(),
            sampled_rows: rows,
            rows,
            distinct_determinants: determinants,
            distinct_pairs: pairs,
            distinct_dependents: dependents,
            null_dependents: 0,
            holding_rows: holding,
        }
    }

    const DEFAULTS: Guards = Guards { holds: 0.99, min_sample: 1000.0, rows_per_value: 5.0 };

    #[test]
    fn the_guards_pass_a_planted_dependency_and_stop_each_accident() {
        assert!(DEFAULTS.pass(&counts(10_000, 812, 812, 300, 10_000)));
        assert!(DEFAULTS.pass(&counts(10_000, 812, 830, 300, 9_950)), "holds in 99.5%");
        assert!(!DEFAULTS.pass(&counts(10_000, 812, 1_500, 300, 9_000)), "holds in 90% only");
        assert!(!DEFAULTS.pass(&counts(84, 10, 10, 3, 84)), "an 84-row sample proves nothing");
        assert!(!DEFAULTS.pass(&counts(10_000, 4_000, 4_000, 300, 10_000)), "2.5 rows per value");
        assert!(!DEFAULTS.pass(&counts(10_000, 10_000, 10_000, 300, 10_000)), "unique in the sample");
        assert!(!DEFAULTS.pass(&counts(10_000, 812, 812, 1, 10_000)), "a constant dependent");
        assert!(!DEFAULTS.pass(&counts(10_000, 812, 812, 800, 10_000)), "nearly one to one");
        let mut sparse = counts(10_000, 812, 812, 300, 10_000);
        sparse.null_dependents = 6_000;
        assert!(!DEFAULTS.pass(&sparse), "dependent mostly null");
        let mut sparse = counts(4_000, 100, 100, 30, 4_000);
        sparse.sampled_rows = 10_000;
        assert!(!DEFAULTS.pass(&sparse), "determinant mostly null");
    }

    #[test]
    fn the_evidence_names_the_counts() {
        assert_eq!(
            evidence(&counts(10_000, 812, 812, 300, 10_000)),
            "in 10,000 sampled rows, `zip_code` determines `city`: 812 distinct `zip_code`, 812 distinct (`zip_code`, `city`) pairs"
        );
        assert!(evidence(&counts(10_000, 812, 830, 300, 9_950)).ends_with("holding in 99.5% of them"));
    }
}
