//! The storage estimator against real PostgreSQL (`SCHEMACAST_TEST_PG_URL`): eleven table shapes
//! of 120,000 rows each, three of them grown by inserts in a known order (sized with stats and,
//! from the DDL alone, without); heap estimates within 5% of `pg_relation_size`, every index
//! within 10% wherever the insert order can be known.

use schemacast_tests::storage_shapes::{measure, render};
use schemacast_tests::{project, report, TestDatabase};

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn estimates_match_postgres_within_bounds() {
    let Some(db) = TestDatabase::postgres("estimates_match_postgres_within_bounds") else {
        return;
    };
    let work = project(&[]);
    let comparisons = measure(&db, work.path());
    report(&render(&comparisons));
    let outside: Vec<String> = comparisons
        .iter()
        .filter(|c| c.asserted && c.error().abs() > if c.is_heap { 0.05 } else { 0.10 })
        .map(|c| {
            let stats = if c.with_stats { "with stats" } else { "without stats" };
            let fill = c.fill.as_ref().map(|(f, why)| format!(", leaves {:.0}%: {why}", f * 100.0)).unwrap_or_default();
            format!(
                "{} {} ({stats}): estimate {} vs actual {} ({:+.1}%){fill}",
                c.shape,
                c.relation,
                c.estimated,
                c.actual,
                c.error() * 100.0
            )
        })
        .collect();
    assert!(outside.is_empty(), "estimates outside bounds:\n{}", outside.join("\n"));
    let with_stats = |heap: bool| comparisons.iter().filter(|c| c.with_stats && c.is_heap == heap).count();
    assert!(with_stats(true) == 11 && with_stats(false) >= 20);
    assert_eq!(comparisons.iter().filter(|c| !c.with_stats && c.is_heap).count(), 3);
    // The fills the insert-ordered indexes were sized with, as `forecast` states them.
    let fill_of = |relation: &str, with_stats: bool| {
        comparisons
            .iter()
            .find(|c| c.relation == relation && c.with_stats == with_stats)
            .and_then(|c| c.fill.clone())
            .unwrap_or_else(|| panic!("{relation}: no fill"))
    };
    assert!(fill_of("uuid_inserted_pkey", false).1.contains("gen_random_uuid()"));
    assert!(fill_of("uuid_inserted_pkey", true).1.starts_with("random inserts"));
    assert!(fill_of("desc_timestamps_happened_at_idx", true).1.starts_with("descending inserts"));
    assert!(fill_of("desc_timestamps_happened_at_idx", false).1.starts_with("insert order unknown"));
}
