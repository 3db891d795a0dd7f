//! The functional-dependency probe of `collect --sample`: for candidate column pairs (X, Y) of a
//! table, the server counts over one sample how many distinct X and (X, Y) there are and how many
//! rows agree with their X's most common Y. Only those counts leave the database; the values stay
//! in the query.
//!
//! Which pairs are probed is decided here from the catalogue, before any row is read:
//!
//! - both columns are plain values the server can group (numbers, text, dates, booleans, enums)
//!   no wider than [`MAX_AVG_WIDTH`] bytes on average, and neither is withheld;
//! - X is not unique and not constant by the catalogue's estimate, and has at most
//!   [`MAX_DETERMINANT_SHARE`] distinct values per row (fewer repeats make a dependency in a
//!   sample unremarkable);
//! - neither is mostly null;
//! - Y's estimated distinct values are at most [`MAX_DEPENDENT_RATIO`] times X's: past that, X
//!   cannot determine Y;
//! - in column order of X then Y, at most `--dependency-pairs` pairs (default 200) per table.

use schemacast_lints::stats::{ColumnStats, DependencyCounts};

/// Columns wider than this on average (long text) are not probed: grouping them is costly and
/// they are rarely determined by another column.
const MAX_AVG_WIDTH: f64 = 100.0;
/// A determinant with more distinct values than this share of the rows repeats fewer than five
/// times per value.
const MAX_DETERMINANT_SHARE: f64 = 0.2;
/// Estimates are rough: a dependent is skipped only when it has clearly more values than X.
const MAX_DEPENDENT_RATIO: f64 = 1.5;
const MAX_NULL_FRAC: f64 = 0.5;

/// The default of `collect --dependency-pairs`.
pub(crate) const DEFAULT_PAIRS: usize = 200;

/// What the probe needs to know about a column before reading rows.
#[derive(Clone, Debug)]
pub(crate) struct ProbeColumn<'a> {
    /// Whether the server can group its values: a number, text, date, boolean or enum, not
    /// withheld.
    pub groupable: bool,
    pub stats: &'a ColumnStats,
}

/// Distinct values by the catalogue's estimate, when it has one.
fn estimated_distinct(stats: &ColumnStats, rows: Option<u64>) -> Option<f64> {
    match stats.n_distinct? {
        n if n < 0.0 => rows.map(|rows| -n * rows as f64),
        n => Some(n),
    }
}

/// The pairs (determinant, dependent) to probe, as column indexes, in column order.
pub(crate) fn candidate_pairs(columns: &[ProbeColumn<'_>], rows: Option<u64>, limit: usize) -> Vec<(usize, usize)> {
    let usable = |c: &ProbeColumn<'_>| {
        c.groupable
            && c.stats.avg_width.is_none_or(|w| w <= MAX_AVG_WIDTH)
            && c.stats.null_frac.is_none_or(|f| f <= MAX_NULL_FRAC)
            && c.stats.n_distinct != Some(1.0)
    };
    let determinant = |c: &ProbeColumn<'_>| {
        let share = match (c.stats.n_distinct, rows) {
            (Some(n), _) if n < 0.0 => Some(-n),
            (Some(n), Some(rows)) if rows > 0 => Some(n / rows as f64),
            _ => None,
        };
        usable(c) && share.is_none_or(|s| s <= MAX_DETERMINANT_SHARE)
    };
    let mut pairs = Vec::new();
    for (x, from) in columns.iter().enumerate().filter(|(_, c)| determinant(c)) {
        let x_distinct = estimated_distinct(from.stats, rows);
        for (y, to) in columns.iter().enumerate().filter(|(y, c)| *y != x && usable(c)) {
            let too_many = match (x_distinct, estimated_distinct(to.stats, rows)) {
                (Some(xs), Some(ys)) => ys > xs * MAX_DEPENDENT_RATIO,
                _ => false,
            };
            if !too_many {
                if pairs.len() == limit {
                    return pairs;
                }
                pairs.push((x, y));
            }
        }
    }
    pairs
}

/// How a dialect writes the probe query.
pub(crate) struct ProbeSql<'a> {
    /// The quote character of identifiers.
    pub quote: char,
    /// The sample as a query over the probed columns (`SELECT "a", "b" FROM t ... LIMIT n`).
    pub sample: &'a str,
    /// `MATERIALIZED ` where the server supports it, so every pair reads the same rows.
    pub materialized: &'a str,
    /// Wraps an integer expression into the type the client reads (`(e)::int8`).
    pub integer: fn(&str) -> String,
}

/// One query answering every pair: one row per pair, `(pair, sampled_rows, rows,
/// distinct_determinants, distinct_pairs, holding_rows, distinct_dependents, null_dependents)`.
pub(crate) fn probe_query(sql: &ProbeSql<'_>, names: &[&str], pairs: &[(usize, usize)]) -> String {
    let quote = |name: &str| super::quote_identifier(name, sql.quote);
    let int = sql.integer;
    let parts: Vec<String> = pairs
        .iter()
        .enumerate()
        .map(|(at, &(x, y))| {
            let (x, y) = (quote(names[x]), quote(names[y]));
            format!(
                "SELECT {pair} AS pair, {sampled}, {rows}, {determinants}, {pairs}, {holding}, {dependents}, {nulls} \
                 FROM (SELECT count(*) AS pairs, max(c) AS kept, sum(c) AS total \
                       FROM (SELECT {x} AS d, count(*) AS c FROM probe_sample WHERE {x} IS NOT NULL GROUP BY {x}, {y}) AS g \
                       GROUP BY d) AS h",
                pair = int(&at.to_string()),
                sampled = int("(SELECT count(*) FROM probe_sample)"),
                rows = int("coalesce(sum(total), 0)"),
                determinants = int("count(*)"),
                pairs = int("coalesce(sum(pairs), 0)"),
                holding = int("coalesce(sum(kept), 0)"),
                dependents = int(&format!("(SELECT count(DISTINCT {y}) FROM probe_sample WHERE {x} IS NOT NULL)")),
                nulls = int(&format!("(SELECT count(*) FROM probe_sample WHERE {x} IS NOT NULL AND {y} IS NULL)")),
            )
        })
        .collect();
    format!("WITH probe_sample AS {}({}) {}", sql.materialized, sql.sample, parts.join(" UNION ALL "))
}

/// One row of [`probe_query`]'s answer, as the eight counts in its order.
pub(crate) fn counts_of(names: &[&str], pairs: &[(usize, usize)], row: [Option<u64>; 8]) -> Option<DependencyCounts> {
    let [pair, sampled_rows, rows, distinct_determinants, distinct_pairs, holding_rows, distinct_dependents, null_dependents] =
        row;
    let &(x, y) = pairs.get(usize::try_from(pair?).ok()?)?;
    Some(DependencyCounts {
        determinant: names[x].to_owned(),
        dependent: names[y].to_owned(),
        sampled_rows: sampled_rows?,
        rows: rows?,
        distinct_determinants: distinct_determinants?,
        distinct_pairs: distinct_pairs?,
        distinct_dependents: distinct_dependents?,
        null_dependents: null_dependents?,
        holding_rows: holding_rows?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, n_distinct: Option<f64>) -> ColumnStats {
        ColumnStats { n_distinct, avg_width: Some(8.0), null_frac: Some(0.0), ..ColumnStats::named(name) }
    }

    fn probe(stats: &[ColumnStats]) -> Vec<ProbeColumn<'_>> {
        stats.iter().map(|stats| ProbeColumn { groupable: true, stats }).collect()
    }

    #[test]
    fn keys_and_constants_determine_nothing() {
        let stats = [
            column("id", Some(-1.0)),
            column("zip", Some(800.0)),
            column("city", Some(90.0)),
            column("one", Some(1.0)),
        ];
        let pairs = candidate_pairs(&probe(&stats), Some(10_000), 200);
        assert_eq!(pairs, vec![(1, 2)], "id is unique, `one` constant, and city has too few values to determine zip");
    }

    #[test]
    fn a_dependent_with_far_more_values_is_not_probed_and_unknown_estimates_are() {
        let stats = [column("status", Some(5.0)), column("email", Some(-0.9)), column("note", None)];
        let pairs = candidate_pairs(&probe(&stats), Some(10_000), 200);
        assert_eq!(pairs, vec![(0, 2), (2, 0), (2, 1)], "status cannot determine email; `note` has no estimate");
    }

    #[test]
    fn wide_null_withheld_columns_are_left_out_and_the_limit_holds() {
        let mut wide = column("body", Some(10.0));
        wide.avg_width = Some(900.0);
        let mut sparse = column("sparse", Some(10.0));
        sparse.null_frac = Some(0.8);
        let stats = [wide, sparse, column("a", Some(10.0)), column("b", Some(10.0)), column("c", Some(10.0))];
        let mut columns = probe(&stats);
        assert_eq!(candidate_pairs(&columns, Some(1_000), 200), vec![(2, 3), (2, 4), (3, 2), (3, 4), (4, 2), (4, 3)]);
        columns[4].groupable = false;
        assert_eq!(candidate_pairs(&columns, Some(1_000), 200), vec![(2, 3), (3, 2)]);
        assert_eq!(candidate_pairs(&columns, Some(1_000), 1), vec![(2, 3)]);
        assert!(candidate_pairs(&columns, Some(1_000), 0).is_empty());
    }

    #[test]
    fn the_query_names_columns_quoted_and_never_selects_values_out() {
        let sql = ProbeSql {
            quote: '"',
            sample: "SELECT \"zip code\", city FROM t LIMIT 10",
            materialized: "MATERIALIZED ",
            integer: |e| format!("({e})::int8"),
        };
        let query = probe_query(&sql, &["zip code", "city"], &[(0, 1)]);
        assert!(query.starts_with(
            "WITH probe_sample AS MATERIALIZED (SELECT \"zip code\", city FROM t LIMIT 10) SELECT (0)::int8 AS pair"
        ));
        assert!(query.contains("GROUP BY \"zip code\", \"city\""), "{query}");
        let outer = &query[query.find(") SELECT").unwrap_or(0)..];
        let top_level: String = outer.split("FROM (").next().unwrap_or("").to_owned();
        assert_eq!(top_level.matches("::int8").count(), 8, "every figure is a count: {top_level}");
    }

    #[test]
    fn rows_become_counts_of_the_pair_they_name() {
        let names = ["zip", "city"];
        let counts =
            counts_of(&names, &[(0, 1)], [Some(0), Some(10), Some(9), Some(3), Some(3), Some(9), Some(2), Some(0)]);
        let counts = counts.expect("a whole row");
        assert_eq!((counts.determinant.as_str(), counts.dependent.as_str()), ("zip", "city"));
        assert_eq!((counts.sampled_rows, counts.rows, counts.distinct_pairs, counts.holding_rows), (10, 9, 3, 9));
        assert!(counts_of(
            &names,
            &[(0, 1)],
            [Some(1), Some(10), Some(9), Some(3), Some(3), Some(9), Some(2), Some(0)]
        )
        .is_none());
    }
}
