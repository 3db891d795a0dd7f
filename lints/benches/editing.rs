//! `cargo bench -p schemacast-lints --bench editing`: the language server's analysis of one
//! keystroke, without the server: the 5,005-line, 715-table schema of `tests/benches/
//! lsp_latency.rs`, a character typed into a column name 200 times, each analysed through one
//! `ParseCache` (as the server does) and from scratch, with the phases' medians and how many
//! tables the rules ran on.

use std::time::{Duration, Instant};

use schemacast_lints::syntax::ParseCache;
use schemacast_lints::{analyze_cached, analyze_with, AnalysisOptions, Dialect, RuleSelection, SourceFile, Timings};

const EDITS: usize = 200;

fn schema() -> (String, usize) {
    let mut text = String::new();
    let mut tables = 0;
    while text.lines().count() < 5_000 {
        let t: usize = tables;
        text.push_str(&format!(
            "CREATE TABLE t{t} (\n    id bigint PRIMARY KEY,\n    parent_id bigint REFERENCES t{} (id),\n    label text NOT NULL,\n    amount numeric(12, 2),\n    created_at timestamptz NOT NULL\n);\n",
            t.saturating_sub(1)
        ));
        tables += 1;
    }
    (text, tables)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, runs: &[(Duration, Timings)]) {
    let phase = |f: fn(&Timings) -> Duration| ms(median(runs.iter().map(|(_, t)| f(t)).collect()));
    println!(
        "{label:<22} total {:6.2} ms   split {:.2}  parse {:.2}  model {:.2}  capacity {:.2}  rules {:.2} (medians, ms)",
        ms(median(runs.iter().map(|(d, _)| *d).collect())),
        phase(|t| t.split),
        phase(|t| t.parse + t.lower),
        phase(|t| t.model),
        phase(|t| t.capacity),
        phase(|t| t.rules),
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (mut text, tables) = schema();
    let selection = RuleSelection::default();
    let options = AnalysisOptions { timings: true, today: Some(20_500.0), ..AnalysisOptions::default() };
    let sources = |text: &str| vec![SourceFile { path: "schema.sql".to_owned(), text: text.to_owned() }];
    let mut cache = ParseCache::new();
    let first = analyze_cached(sources(&text), Dialect::Postgres, &selection, options.clone(), &mut cache);
    println!(
        "input: {} lines, {tables} tables, {} bytes, {} findings\n",
        text.lines().count(),
        text.len(),
        first.diagnostics.len()
    );
    let (mut cached, mut fresh, mut ran) = (Vec::new(), Vec::new(), Vec::new());
    for edit in 0..EDITS {
        // The same keystrokes as the LSP benchmark: into a label column's name.
        let line = ((edit * 37) % tables) * 7 + 3;
        let at = text.split_inclusive('\n').take(line).map(str::len).sum::<usize>() + 9;
        text.insert(at, 'x');
        let started = Instant::now();
        let analysis = analyze_cached(sources(&text), Dialect::Postgres, &selection, options.clone(), &mut cache);
        cached.push((started.elapsed(), analysis.timings.unwrap_or_default()));
        ran.push(cache.rules_last_run().0);
        let started = Instant::now();
        let analysis = analyze_with(sources(&text), Dialect::Postgres, &selection, options.clone());
        fresh.push((started.elapsed(), analysis.timings.unwrap_or_default()));
    }
    report("incremental (cache)", &cached);
    report("from scratch", &fresh);
    ran.sort_unstable();
    println!("\nrules ran on {} of {tables} tables per edit (median; most {})", ran[ran.len() / 2], ran[ran.len() - 1]);
}
