//! The storage estimator against real PostgreSQL (`SCHEMACAST_TEST_PG_URL`): eight table shapes
//! of 120,000 rows each; heap estimates within 5% of `pg_relation_size`, every index within 10%.

use schemacast_tests::storage_shapes::{measure, render};
use schemacast_tests::{project, report, TestDatabase};

#[test]
fn estimates_match_postgres_within_bounds() {
    let Some(db) = TestDatabase::postgres("estimates_match_postgres_within_bounds") else { return };
    let work = project(&[]);
    let comparisons = measure(&db, work.path());
    report(&render(&comparisons));
    let outside: Vec<String> = comparisons
        .iter()
        .filter(|c| c.error().abs() > if c.is_heap { 0.05 } else { 0.10 })
        .map(|c| format!("{} {}: estimate {} vs actual {} ({:+.1}%)", c.shape, c.relation, c.estimated, c.actual, c.error() * 100.0))
        .collect();
    assert!(outside.is_empty(), "estimates outside bounds:\n{}", outside.join("\n"));
    assert!(comparisons.iter().filter(|c| c.is_heap).count() == 8 && comparisons.iter().filter(|c| !c.is_heap).count() >= 14);
}
