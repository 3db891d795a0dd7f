//! Prints, for every table shape, the storage estimate, PostgreSQL's actual size and the error.
//!
//!     SCHEMACAST_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!         cargo bench -p schemacast-tests --bench storage_accuracy

use schemacast_tests::storage_shapes::{measure, render, ROWS};
use schemacast_tests::{project, TestDatabase};

fn main() {
    // `cargo test --benches` runs this too; it only measures when asked to bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(db) = TestDatabase::postgres("storage_accuracy_bench") else {
        eprintln!("set SCHEMACAST_TEST_PG_URL to a PostgreSQL server to measure");
        std::process::exit(2);
    };
    let work = project(&[]);
    let comparisons = measure(&db, work.path());
    println!(
        "storage estimate vs pg_relation_size, {ROWS} rows per shape, after VACUUM ANALYZE and collect --sample;\n\
              insert-ordered shapes also without stats (rows from a planning annotation)\n"
    );
    print!("{}", render(&comparisons));
    let worst = |heap: bool| {
        comparisons.iter().filter(|c| c.asserted && c.is_heap == heap).map(|c| c.error().abs()).fold(0.0, f64::max)
            * 100.0
    };
    println!("\nworst heap error {:.1}% (bound 5%), worst index error {:.1}% (bound 10%)", worst(true), worst(false));
}
