//! How full PostgreSQL leaves B-tree leaf pages, from the order keys arrive in.
//!
//! `CREATE INDEX` packs leaves 90% full (the default `fillfactor`), and keys that only ever grow
//! keep them so: the rightmost page splits at 90%. Keys arriving in random order split pages in
//! the middle wherever they land and settle about 70% full (measured 65.6–74.8% from 60,000 to
//! 240,000 rows; ln 2 in theory). Descending keys split the leftmost page in the middle and never
//! touch the right half again: 50%. A composite key whose leading column cycles through a few
//! values grows one ascending run per value: PostgreSQL 12+ splits right after the new key when
//! the tuples are narrow (at most two `int8`s) and the previous key's row sits in a nearby heap
//! page, so leaves stay about 90% full; otherwise the runs split in the middle (about 53%); with
//! more values than fit a page the runs interleave like random inserts.
//!
//! The order comes from the leading key column's `pg_stats.correlation` when the snapshot has it,
//! else from the DDL: identity and serial keys and `now()`-like defaults ascend,
//! `gen_random_uuid()`-like defaults are random, anything else is sized as built.

use crate::schema::{Column, Index, IndexKey, Table};
use crate::stats::{ColumnStats, TableStats};

use super::IndexFill;

/// `CREATE INDEX`'s leaf fill (fillfactor 90), which rightmost splits of ascending keys keep.
pub(crate) const BUILD_FILL: f64 = 0.90;
/// Random inserts' steady state (measured on PostgreSQL 15: 69.9% at 120,000 uuid keys).
pub(crate) const RANDOM_FILL: f64 = 0.70;
/// Descending inserts: every split is a 50/50 split of the leftmost page (measured 50.3%).
pub(crate) const DESCENDING_FILL: f64 = 0.50;
/// Ascending runs per leading value that split in the middle (measured 51.6–53.6%).
pub(crate) const RUNS_MIDPOINT_FILL: f64 = 0.53;
/// `|correlation|` at least this is an ordered insert; at most `WEAK` is a random one; between
/// the two the fill is interpolated linearly (not measured).
const STRONG: f64 = 0.9;
const WEAK: f64 = 0.2;
/// PostgreSQL splits after the new key (`_bt_afternewitemoff`) only for tuples, line pointer
/// included, no wider than two `int8` keys: MAXALIGN(8 + 16) + 4.
const SPLIT_AFTER_NEW_MAX_ITEM: u32 = 28;

pub(crate) struct FillInputs<'a> {
    pub table: &'a Table,
    pub index: &'a Index,
    pub stats: Option<&'a TableStats>,
    /// Equal keys are merged into posting lists (sized as a build packs them).
    pub deduplicated: bool,
    /// The leaf tuple's bytes with its line pointer when every tuple has one size.
    pub leaf_item_fixed: Option<u32>,
    /// Leaf entries a built page holds.
    pub leaf_entries_per_page: f64,
    /// Heap rows a page holds.
    pub heap_rows_per_page: f64,
}

pub(crate) fn leaf_fill(inputs: &FillInputs) -> IndexFill {
    let (leaf_fill, reason) = infer(inputs);
    IndexFill { name: inputs.index.name.to_string(), leaf_fill, reason }
}

fn infer(inputs: &FillInputs) -> (f64, String) {
    let index = inputs.index;
    if index.method != "btree" {
        return (BUILD_FILL, format!("{} index: sized as built", index.method));
    }
    if inputs.deduplicated {
        return (BUILD_FILL, "equal keys in posting lists: sized as built".into());
    }
    let Some(leading) = index.keys.first().and_then(IndexKey::column) else {
        return (BUILD_FILL, "expression key: order unknown, sized as built".into());
    };
    let column_stats = |name: &str| inputs.stats.and_then(|s| s.columns.iter().find(|c| c.name == name));
    if let Some(correlation) = column_stats(leading).and_then(|c| c.correlation).filter(|c| c.is_finite()) {
        if correlation.abs() < WEAK {
            if let Some(runs) = interleaved_runs(inputs, leading, column_stats(leading)) {
                return runs;
            }
        }
        return from_correlation(leading, correlation);
    }
    let column = inputs.table.columns.iter().find(|c| c.name == leading);
    match column.map(insert_order_from_ddl) {
        Some(DdlOrder::Ascending(why)) => (BUILD_FILL, format!("ascending inserts: {why}")),
        Some(DdlOrder::Random(why)) => (RANDOM_FILL, format!("random inserts: {why}")),
        Some(DdlOrder::Unknown) | None => (BUILD_FILL, "insert order unknown: sized as built".into()),
    }
}

fn from_correlation(column: &str, correlation: f64) -> (f64, String) {
    let stated = format!("correlation {correlation:+.2} on {column}");
    let magnitude = correlation.abs().min(1.0);
    let ordered = if correlation > 0.0 { BUILD_FILL } else { DESCENDING_FILL };
    if magnitude >= STRONG {
        let order = if correlation > 0.0 { "ascending" } else { "descending" };
        (ordered, format!("{order} inserts: {stated}"))
    } else if magnitude <= WEAK {
        (RANDOM_FILL, format!("random inserts: {stated}"))
    } else {
        let t = (magnitude - WEAK) / (STRONG - WEAK);
        (RANDOM_FILL + t * (ordered - RANDOM_FILL), format!("partly ordered inserts: {stated}"))
    }
}

/// A composite key whose leading column is uncorrelated with insert order but whose next
/// column follows it: one run per leading value.
fn interleaved_runs(inputs: &FillInputs, leading: &str, leading_stats: Option<&ColumnStats>) -> Option<(f64, String)> {
    let next = inputs.index.keys.get(1)?.column()?;
    let next_correlation = inputs.stats?.columns.iter().find(|c| c.name == next)?.correlation?;
    if next_correlation.abs() < STRONG {
        return None;
    }
    let n_distinct = leading_stats?.n_distinct?;
    let values = if n_distinct >= 0.0 { n_distinct } else { -n_distinct * inputs.stats?.rows? as f64 };
    if values < 1.0 {
        return None;
    }
    let runs = format!("{} {leading} values", values.round());
    let narrow = inputs.leaf_item_fixed.is_some_and(|item| item <= SPLIT_AFTER_NEW_MAX_ITEM);
    if next_correlation > 0.0 && narrow && values <= inputs.heap_rows_per_page / 4.0 {
        Some((BUILD_FILL, format!("ascending {next} per leading value ({runs}): split after the new key")))
    } else if (next_correlation < 0.0 || !narrow) && values <= inputs.leaf_entries_per_page / 2.0 {
        let order = if next_correlation > 0.0 { "ascending" } else { "descending" };
        Some((RUNS_MIDPOINT_FILL, format!("{order} {next} per leading value ({runs}): pages split in the middle")))
    } else {
        Some((RANDOM_FILL, format!("runs of {next} per leading value ({runs}) interleave like random inserts")))
    }
}

#[derive(Debug, PartialEq)]
enum DdlOrder {
    Ascending(String),
    Random(String),
    Unknown,
}

/// The order a column's values arrive in, as its declaration tells.
fn insert_order_from_ddl(column: &Column) -> DdlOrder {
    if column.identity {
        return DdlOrder::Ascending("identity key".into());
    }
    if column.ty.is_serial() {
        return DdlOrder::Ascending(format!("{} key", column.ty.base));
    }
    let Some(default) = column.default.as_deref() else {
        return DdlOrder::Unknown;
    };
    let folded = default.trim().to_ascii_lowercase();
    // `now()`, `pg_catalog.now()`, `now()::timestamp(0)`: the function that starts the text.
    let head = folded.trim_start_matches('(').rsplit_once("pg_catalog.").map_or(folded.as_str(), |(_, rest)| rest);
    let function = head.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
    const ASCENDING: &[&str] = &[
        "nextval",
        "now",
        "clock_timestamp",
        "statement_timestamp",
        "transaction_timestamp",
        "current_timestamp",
        "localtimestamp",
        "current_date",
        "uuidv7",
        "uuid_generate_v7",
        "uuid_generate_v1",
    ];
    const RANDOM: &[&str] = &["gen_random_uuid", "uuid_generate_v4", "uuidv4", "random"];
    let shown = default.trim();
    if ASCENDING.contains(&function) {
        DdlOrder::Ascending(format!("{shown} default"))
    } else if RANDOM.contains(&function) {
        DdlOrder::Random(format!("{shown} default"))
    } else {
        DdlOrder::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, SourceFile};
    use crate::dialect::Dialect;
    use crate::rules::RuleSelection;
    use crate::storage::estimate_table;

    fn schema(sql: &str) -> crate::schema::Schema {
        analyze(
            vec![SourceFile { path: "t.sql".into(), text: sql.into() }],
            Dialect::Postgres,
            &RuleSelection::default(),
        )
        .schema
    }

    fn fills(sql: &str, stats: Option<&TableStats>) -> Vec<(String, f64, String)> {
        let schema = schema(sql);
        let estimate = estimate_table(&schema, &schema.tables()[0], Some(1e5), stats);
        estimate.index_fills.into_iter().map(|f| (f.name, f.leaf_fill, f.reason)).collect()
    }

    fn column(name: &str, correlation: f64, n_distinct: f64) -> ColumnStats {
        ColumnStats { correlation: Some(correlation), n_distinct: Some(n_distinct), ..ColumnStats::named(name) }
    }

    fn table_stats(columns: Vec<ColumnStats>) -> TableStats {
        TableStats { rows: Some(120_000), columns, ..TableStats::named("public", "t") }
    }

    #[test]
    fn defaults_tell_the_insert_order_without_stats() {
        let found = fills(
            "CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), at timestamptz NOT NULL DEFAULT now(), \
             seen timestamptz DEFAULT CURRENT_TIMESTAMP, v4 uuid DEFAULT uuid_generate_v4(), n int);
             CREATE INDEX t_at ON t (at); CREATE INDEX t_seen ON t (seen); CREATE INDEX t_v4 ON t (v4);
             CREATE INDEX t_n ON t (n); CREATE INDEX t_expr ON t ((n + 1));",
            None,
        );
        let fill = |name: &str| found.iter().find(|f| f.0 == name).map(|f| (f.1, f.2.clone())).expect(name);
        assert_eq!(fill("t_pkey"), (RANDOM_FILL, "random inserts: gen_random_uuid() default".into()));
        assert_eq!(fill("t_at"), (BUILD_FILL, "ascending inserts: now() default".into()));
        assert_eq!(fill("t_seen").0, BUILD_FILL);
        assert_eq!(fill("t_v4").0, RANDOM_FILL);
        assert_eq!(fill("t_n"), (BUILD_FILL, "insert order unknown: sized as built".into()));
        assert_eq!(fill("t_expr").0, BUILD_FILL);
    }

    #[test]
    fn identity_and_serial_keys_ascend() {
        for sql in [
            "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
            "CREATE TABLE t (id bigserial PRIMARY KEY);",
            "CREATE TABLE t (id int PRIMARY KEY DEFAULT nextval('t_id_seq'::regclass));",
            "CREATE TABLE t (id timestamptz PRIMARY KEY DEFAULT clock_timestamp());",
        ] {
            let found = fills(sql, None);
            assert_eq!(found[0].1, BUILD_FILL, "{sql}");
            assert!(found[0].2.starts_with("ascending inserts: "), "{sql}: {}", found[0].2);
        }
    }

    #[test]
    fn correlation_overrides_the_ddl() {
        let sql = "CREATE TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), at timestamptz NOT NULL, \
                   mid bigint NOT NULL);
                   CREATE INDEX t_at ON t (at); CREATE INDEX t_mid ON t (mid);";
        let stats = table_stats(vec![column("id", 1.0, -1.0), column("at", -0.99, -1.0), column("mid", 0.55, -1.0)]);
        let found = fills(sql, Some(&stats));
        assert_eq!((found[0].1, found[0].2.as_str()), (BUILD_FILL, "ascending inserts: correlation +1.00 on id"));
        assert_eq!((found[1].1, found[1].2.as_str()), (DESCENDING_FILL, "descending inserts: correlation -0.99 on at"));
        // Halfway between random and ascending.
        assert!((found[2].1 - (RANDOM_FILL + BUILD_FILL) / 2.0).abs() < 1e-9, "{found:?}");
        assert!(found[2].2.starts_with("partly ordered inserts"));
    }

    #[test]
    fn cycling_leading_columns_grow_runs() {
        let stats = |tenants: f64| {
            table_stats(vec![
                column("tenant_id", 0.01, tenants),
                column("created_at", 1.0, -1.0),
                column("id", 1.0, -1.0),
            ])
        };
        let narrow = "CREATE TABLE t (tenant_id int NOT NULL, created_at timestamptz NOT NULL, id bigint NOT NULL);
                      CREATE INDEX t_idx ON t (tenant_id, created_at);";
        let wide = "CREATE TABLE t (tenant_id int NOT NULL, created_at timestamptz NOT NULL, id bigint NOT NULL);
                    CREATE INDEX t_idx ON t (tenant_id, created_at, id);";
        // Measured leaf densities: narrow 89.6% (10 tenants), 66.0% (300); wide 52.8% (10), 53.6%
        // (100), 71.5% (1,000).
        assert_eq!(fills(narrow, Some(&stats(10.0)))[0].1, BUILD_FILL);
        assert_eq!(fills(narrow, Some(&stats(300.0)))[0].1, RANDOM_FILL);
        assert_eq!(fills(wide, Some(&stats(10.0)))[0].1, RUNS_MIDPOINT_FILL);
        assert_eq!(fills(wide, Some(&stats(100.0)))[0].1, RUNS_MIDPOINT_FILL);
        assert_eq!(fills(wide, Some(&stats(1000.0)))[0].1, RANDOM_FILL);
        // Unknown distinct counts fall back to the leading column's own correlation.
        let mut unknown = stats(10.0);
        unknown.columns[0].n_distinct = None;
        assert_eq!(fills(wide, Some(&unknown))[0].1, RANDOM_FILL);
    }

    #[test]
    fn deduplicated_indexes_keep_the_build_fill() {
        let stats = table_stats(vec![column("status", 0.0, 5.0)]);
        let found = fills("CREATE TABLE t (status int NOT NULL); CREATE INDEX t_status ON t (status);", Some(&stats));
        assert_eq!((found[0].1, found[0].2.as_str()), (BUILD_FILL, "equal keys in posting lists: sized as built"));
    }

    #[test]
    fn a_random_fill_sizes_the_index_larger() {
        let schema = schema("CREATE TABLE a (id uuid PRIMARY KEY DEFAULT gen_random_uuid());");
        let random = estimate_table(&schema, &schema.tables()[0], Some(120_000.0), None);
        let schema = schema_of_plain();
        let built = estimate_table(&schema, &schema.tables()[0], Some(120_000.0), None);
        let bytes = |e: &crate::storage::TableEstimate| e.at_rows.as_ref().map(|s| s.indexes[0].1).unwrap_or(0);
        // Measured on PostgreSQL 15: 4,898,816 bytes for 120,000 random uuids (69.9% leaves).
        let measured = 4_898_816.0;
        assert!((bytes(&random) as f64 / measured - 1.0).abs() < 0.05, "{}", bytes(&random));
        assert!(bytes(&built) < bytes(&random));
    }

    fn schema_of_plain() -> crate::schema::Schema {
        schema("CREATE TABLE a (id uuid PRIMARY KEY);")
    }
}
