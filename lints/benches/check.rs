//! `cargo bench -p schemacast-lints`: the engine on a generated 1.5 MB schema.
//!
//! Prints the median of several runs for splitting alone and for the whole analysis (split,
//! parallel parse, schema build, every rule). `SCHEMACAST_BENCH_WRITE=PATH` also writes the
//! generated schema, to time the CLI on it (`hyperfine 'schemacast check PATH'`);
//! `SCHEMACAST_BENCH_BYTES=N` sets its size, and `SCHEMACAST_BENCH_WRITE_ONLY=1` writes it and
//! stops (`benches/peers.sh` makes its inputs so). `SCHEMACAST_BENCH_SHAPE=findings` generates
//! the many-findings schema instead (`generate::many_findings`: nearly every column a finding).

mod generate;

use std::time::{Duration, Instant};

use schemacast_lints::{analyze, Dialect, RuleSelection, SourceFile};

const TARGET_BYTES: usize = 1_500_000;
const RUNS: usize = 15;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let bytes = std::env::var("SCHEMACAST_BENCH_BYTES").ok().and_then(|b| b.parse().ok()).unwrap_or(TARGET_BYTES);
    // `findings`: the many-findings schema, for the output side; otherwise the realistic one.
    let sql = match std::env::var("SCHEMACAST_BENCH_SHAPE").as_deref() {
        Ok("findings") => generate::many_findings(bytes),
        _ => generate::schema(bytes),
    };
    if let Some(path) = std::env::var_os("SCHEMACAST_BENCH_WRITE") {
        std::fs::write(&path, &sql).expect("the benchmark schema can be written");
        if std::env::var_os("SCHEMACAST_BENCH_WRITE_ONLY").is_some() {
            return;
        }
    }
    let lines = sql.lines().count();
    let selection = RuleSelection::default();
    let sample =
        analyze(vec![SourceFile { path: "bench.sql".into(), text: sql.clone() }], Dialect::Postgres, &selection);
    println!(
        "input: generated PostgreSQL schema, {} bytes, {lines} lines, {} statements ({} skipped), {} findings",
        sql.len(),
        sample.statements_parsed() + sample.statements_skipped(),
        sample.statements_skipped(),
        sample.diagnostics.len()
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let split = time(RUNS, || {
        std::hint::black_box(schemacast_lints::syntax::split(&sql, Dialect::Postgres));
    });
    let full = time(RUNS, || {
        let files = vec![SourceFile { path: "bench.sql".into(), text: sql.clone() }];
        std::hint::black_box(analyze(files, Dialect::Postgres, &selection));
    });
    println!("split:             {:>8.1} ms (median of {RUNS})", split.as_secs_f64() * 1e3);
    println!(
        "analyze (all):     {:>8.1} ms (median of {RUNS}, {threads} threads; budget 150 ms)",
        full.as_secs_f64() * 1e3
    );
}
