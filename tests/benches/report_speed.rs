//! Times `schemacast report` on 1,000 tables with a year of daily snapshots (the bar:
//! under 5 seconds with a release build), with and without PNGs.
//!
//!     cargo bench -p schemacast-tests --bench report_speed

use std::time::Instant;

use schemacast_tests::history::{history, schema, GrowingTable};
use schemacast_tests::{project, run_in};

const TABLES: usize = 1_000;
const DAYS: usize = 365;

fn main() {
    // `cargo test --benches` runs this too; it only measures when asked to bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let tables: Vec<GrowingTable> = (0..TABLES)
        .map(|i| GrowingTable {
            name: format!("table_{i:04}"),
            rows: 1_000.0 * (1 + i % 97) as f64,
            rows_per_day: (5 + (i * 37) % 400) as f64,
            row_bytes: 60.0 + (i % 13) as f64 * 20.0,
        })
        .collect();
    // Built (when needed) before the clock starts.
    schemacast_tests::binary();
    let stats = history(&tables, DAYS);
    let dir = project(&[("schema.sql", &schema(&tables)), ("stats.jsonl", &stats)]);
    println!(
        "report on {TABLES} tables x {DAYS} daily snapshots ({:.1} MB of stats), release build",
        stats.len() as f64 / 1e6
    );
    for (label, extra) in [("HTML + SVG", &[][..]), ("HTML + SVG + PNG", &["--png"][..])] {
        let mut times = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            let mut args = vec!["report", "schema.sql", "--stats", "stats.jsonl", "-o", "out"];
            args.extend_from_slice(extra);
            let run = run_in(dir.path(), &args);
            times.push(start.elapsed().as_secs_f64());
            assert_eq!(run.status, 0, "{}", run.stderr);
            assert!(
                run.stdout.contains(" 22 charts "),
                "the top 10 tables' rows and size, the total and the breakdown: {}",
                run.stdout
            );
        }
        times.sort_by(f64::total_cmp);
        println!("  {label:<18} median {:.2} s (runs: {:.2?})", times[1], times);
    }
    let page = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap_or_default();
    println!(
        "  index.html {:.1} MB, {} rows in the table of all tables",
        page.len() as f64 / 1e6,
        page.matches("<tr><td data-sort=").count()
    );
}
