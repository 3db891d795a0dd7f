//! `cargo bench -p schemacast-lints --bench forecast_speed`: reading a year of daily stats of a
//! large database and forecasting every table.
//!
//! Generates in memory a stats history of 10,000 tables (each with eight columns, three indexes
//! and a sequence) × 365 daily snapshots in the `schemacast.stats/v1` JSON Lines format, then
//! times (a) `read_series` of the whole text and (b) `Forecast::from_history` of every table's
//! rows and bytes series, on one thread and split over two. Prints the best of three runs. Row
//! counts are running sums of daily inserts (busy spells, now and then a bulk load or a purge)
//! read with a little estimate noise, as a real history's are. A table entry is about 1.1 KB,
//! so the text is about 4.6 GB (a history of 400 MB at this size holds about 36 days).
//!
//! `SCHEMACAST_BENCH_TABLES`, `SCHEMACAST_BENCH_DAYS` change the size; `SCHEMACAST_BENCH_LEAN=1`
//! writes table entries with only the fields the series reader needs (about 80 bytes each; the
//! sequences stay), `SCHEMACAST_BENCH_SERIES_ONLY=1` skips the text and times (b) on the same
//! series generated directly.

use std::fmt::Write;
use std::time::{Duration, Instant};

use schemacast_lints::forecast::{Forecast, Point};
use schemacast_lints::stats::read_series;

const TABLES: usize = 10_000;
const DAYS: usize = 365;
const RUNS: usize = 3;
const SEED: u64 = 0x5EED_F0CA_5720_2026;
/// 2025-01-01T02:00:00Z, when the first snapshot is taken (seconds since the epoch).
const FIRST_SNAPSHOT: i64 = 1_735_696_800;

/// splitmix64 of a key: every (table, day) gets its own reproducible noise, so days can be
/// generated in any order and on any thread.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn uniform(key: u64) -> f64 {
    (mix(key) >> 11) as f64 / (1u64 << 53) as f64
}

/// Roughly normal (sum of four uniforms, scaled to unit variance): cheap and good enough for noise.
fn noise(key: u64) -> f64 {
    let sum: f64 = (0..4).map(|i| uniform(key ^ (i << 56))).sum();
    (sum - 2.0) * 3f64.sqrt()
}

/// How one table grows: its row count day by day (a running sum of daily inserts less deletes,
/// with busy spells, and now and then a bulk load or a purge), and its bytes per row.
struct Table {
    rows: Vec<f64>,
    row_bytes: f64,
    index_share: f64,
}

impl Table {
    fn new(index: usize, days: usize) -> Table {
        let key = SEED ^ (index as u64) << 20;
        let base = (10f64).powf(3.0 + 5.0 * uniform(key ^ 1)).round();
        // Inserts per day as a share of the starting size, and how that rate evolves: steady,
        // compounding, slowing down, or balanced by deletes.
        let rate = base * uniform(key ^ 2) * 0.004;
        let kind = mix(key ^ 4) % 4;
        let half_life = 30.0 + uniform(key ^ 3) * 300.0;
        let compounding = uniform(key ^ 5) * 0.002;
        let event_day = (uniform(key ^ 6) * days as f64) as usize;
        let event = match mix(key ^ 7) % 20 {
            0 => base * 0.3,
            1 => -base * 0.2,
            _ => 0.0,
        };
        let mut rows = Vec::with_capacity(days);
        let (mut count, mut busy) = (base, 0.0);
        for day in 0..days {
            let d = day as f64;
            let today = match kind {
                0 => 0.0,
                1 => rate,
                2 => rate * (compounding * d).exp(),
                _ => rate * (-d * std::f64::consts::LN_2 / half_life).exp(),
            };
            busy = 0.5 * busy + 0.26 * noise(key ^ (day as u64) << 32);
            // A table that does not grow still churns: inserts and deletes never quite balance.
            count += today * (1.0 + busy) + base * 0.0005 * busy;
            if day == event_day {
                count += event;
            }
            count = count.max(0.0);
            // What the server's estimate (reltuples) reads: within a few tenths of a percent.
            rows.push((count * (1.0 + 0.003 * noise(key ^ (day as u64) << 40 ^ 0xE5))).round());
        }
        Table { rows, row_bytes: 40.0 + uniform(key ^ 8) * 400.0, index_share: 0.2 + uniform(key ^ 9) * 0.8 }
    }

    fn rows(&self, day: usize) -> f64 {
        self.rows[day]
    }
}

/// The fixed part of a snapshot line's header.
const HEADER: &str = r#""dialect":"postgres","server_version":"16.4","database":"app","source":"collect","tables":["#;

/// One snapshot line: every table with its columns and indexes, and a sequence per table.
fn snapshot_line(tables: &[Table], day: usize, lean: bool) -> String {
    let mut line = String::with_capacity(tables.len() * if lean { 240 } else { 1_300 });
    let taken_at = jiff::Timestamp::from_second(FIRST_SNAPSHOT + day as i64 * 86_400).expect("a valid instant");
    write!(line, r#"{{"format":"schemacast.stats/v1","taken_at":"{taken_at}",{HEADER}"#).unwrap();
    for (index, table) in tables.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        let name = format!("table_{index:05}");
        let rows = table.rows(day);
        let heap = (rows * table.row_bytes / 8192.0).ceil() * 8192.0;
        let indexes = (heap * table.index_share / 8192.0).ceil() * 8192.0;
        let toast = if index % 5 == 0 { (heap * 0.3 / 8192.0).ceil() * 8192.0 } else { 0.0 };
        let total = heap + indexes + toast;
        write!(line, r#"{{"schema":"public","name":"{name}","rows":{rows},"total_bytes":{total}"#).unwrap();
        if lean {
            line.push('}');
            continue;
        }
        let (inserts, updates, deletes, dead) =
            ((rows * 1.05).round(), (rows * 0.4).round(), (rows * 0.05).round(), (rows * 0.02).round());
        write!(line, r#","table_bytes":{heap},"index_bytes":{indexes},"toast_bytes":{toast},"inserts":{inserts}"#)
            .unwrap();
        write!(line, r#","updates":{updates},"deletes":{deletes},"dead_rows":{dead},"columns":["#).unwrap();
        let (accounts, max_account) = ((rows / 40.0).round().max(1.0), (rows / 20.0).round().max(1.0));
        let since = "2023-03-14T09:26:53Z";
        let columns = [
            format!(r#""id","avg_width":8,"null_frac":0,"n_distinct":-1,"min":1,"max":{}"#, rows.max(1.0)),
            format!(r#""account_id","avg_width":8,"null_frac":0,"n_distinct":{accounts},"min":1,"max":{max_account}"#),
            r#""status","avg_width":7,"null_frac":0,"n_distinct":4"#.to_owned(),
            format!(
                r#""created_at","avg_width":8,"null_frac":0,"n_distinct":-0.97,"min":"{since}","max":"{taken_at}""#
            ),
            format!(
                r#""updated_at","avg_width":8,"null_frac":0.12,"n_distinct":-0.64,"min":"{since}","max":"{taken_at}""#
            ),
            r#""amount","avg_width":6,"null_frac":0.02,"n_distinct":-0.41,"min":0.5,"max":99999.99"#.to_owned(),
            r#""reference","avg_width":17,"null_frac":0,"n_distinct":-1,"max_length":24"#.to_owned(),
            r#""note","avg_width":41,"null_frac":0.61,"n_distinct":-0.2,"max_length":512"#.to_owned(),
        ];
        for (i, column) in columns.iter().enumerate() {
            write!(line, r#"{}{{"name":{column}}}"#, if i > 0 { "," } else { "" }).unwrap();
        }
        let (primary, secondary) = ((indexes * 0.4).round(), (indexes * 0.3).round());
        write!(line, r#"],"indexes":[{{"name":"{name}_pkey","bytes":{primary}}}"#).unwrap();
        write!(line, r#",{{"name":"{name}_account_id_idx","bytes":{secondary}}}"#).unwrap();
        write!(line, r#",{{"name":"{name}_created_at_idx","bytes":{secondary}}}]}}"#).unwrap();
    }
    line.push_str(r#"],"sequences":["#);
    for (index, table) in tables.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        let last = table.rows(day).max(1.0) as i64 + 17;
        write!(line, r#"{{"schema":"public","name":"table_{index:05}_id_seq","last_value":{last}"#).unwrap();
        write!(line, r#","max_value":2147483647,"increment":1,"owned_by":"public.table_{index:05}.id"}}"#).unwrap();
    }
    line.push_str("]}\n");
    line
}

/// The whole history, days generated on two threads.
fn history(tables: &[Table], days: usize, lean: bool) -> String {
    let half = days / 2;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| (half..days).map(|day| snapshot_line(tables, day, lean)).collect::<Vec<String>>());
        let first: Vec<String> = (0..half).map(|day| snapshot_line(tables, day, lean)).collect();
        (first, second.join().expect("the generator thread does not panic"))
    });
    let total = first.iter().chain(&second).map(String::len).sum();
    let mut text = String::with_capacity(total);
    for line in first.into_iter().chain(second) {
        text.push_str(&line);
    }
    text
}

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn forecast_all(series: &[(&[Point], &[Point])]) -> usize {
    series
        .iter()
        .map(|(rows, bytes)| {
            let rows = Forecast::from_history(rows).map_or(0, |f| usize::from(f.has_enough_history()));
            let bytes = Forecast::from_history(bytes).map_or(0, |f| usize::from(f.has_enough_history()));
            rows + bytes
        })
        .sum()
}

/// Forecasts on two threads, half the tables each.
fn forecast_split(series: &[(&[Point], &[Point])]) -> usize {
    let (first, second) = series.split_at(series.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| forecast_all(second));
        forecast_all(first) + other.join().expect("the forecast thread does not panic")
    })
}

fn time_forecasts(series: &[(&[Point], &[Point])]) {
    let points: usize = series.iter().map(|(r, b)| r.len() + b.len()).sum();
    let fitted = forecast_all(series);
    println!("(b) forecasts: {} series ({fitted} fitted), {points} points", 2 * series.len());
    let one = best(RUNS, || {
        std::hint::black_box(forecast_all(series));
    });
    let two = best(RUNS, || {
        std::hint::black_box(forecast_split(series));
    });
    let per_series = one.as_secs_f64() / (2 * series.len()) as f64 * 1e6;
    println!("    1 thread:    {:>8.1} ms ({per_series:.1} µs per series)", one.as_secs_f64() * 1e3);
    println!("    2 threads:   {:>8.1} ms (budget 1000 ms)", two.as_secs_f64() * 1e3);
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let tables_count = setting("SCHEMACAST_BENCH_TABLES", TABLES);
    let days = setting("SCHEMACAST_BENCH_DAYS", DAYS);
    let lean = std::env::var_os("SCHEMACAST_BENCH_LEAN").is_some();
    let tables: Vec<Table> = (0..tables_count).map(|index| Table::new(index, days)).collect();
    println!("forecast speed: {tables_count} tables x {days} daily snapshots, best of {RUNS}");
    if std::env::var_os("SCHEMACAST_BENCH_SERIES_ONLY").is_some() {
        let series: Vec<(Vec<Point>, Vec<Point>)> = tables
            .iter()
            .map(|table| {
                let rows: Vec<Point> = (0..days)
                    .map(|day| Point { day: FIRST_SNAPSHOT as f64 / 86_400.0 + day as f64, value: table.rows(day) })
                    .collect();
                let bytes = rows
                    .iter()
                    .map(|p| Point { day: p.day, value: p.value * table.row_bytes * (1.0 + table.index_share) })
                    .collect();
                (rows, bytes)
            })
            .collect();
        let borrowed: Vec<(&[Point], &[Point])> = series.iter().map(|(r, b)| (r.as_slice(), b.as_slice())).collect();
        time_forecasts(&borrowed);
        return;
    }
    let started = Instant::now();
    let text = history(&tables, days, lean);
    let entry = (text.len() as f64 / (tables_count * days) as f64).round();
    println!(
        "input: {:.1} MB of JSON Lines ({} entries, ~{entry} bytes per table entry with its sequence{}), \
         generated in {:.1} s",
        text.len() as f64 / 1e6,
        tables_count * days,
        if lean { ", lean entries" } else { "" },
        started.elapsed().as_secs_f64()
    );
    let series = read_series(&text, "bench.jsonl");
    assert!(series.problems.is_empty(), "the generated history reads cleanly: {:?}", series.problems.first());
    let read = best(RUNS, || {
        std::hint::black_box(read_series(&text, "bench.jsonl"));
    });
    println!(
        "(a) read_series: {:>8.1} ms ({:.0} MB/s; {} tables, {} sequences, {} key columns)",
        read.as_secs_f64() * 1e3,
        text.len() as f64 / 1e6 / read.as_secs_f64(),
        series.tables.len(),
        series.sequences.len(),
        series.tables.iter().map(|t| t.key_columns.len()).sum::<usize>()
    );
    drop(text);
    let borrowed: Vec<(&[Point], &[Point])> =
        series.tables.iter().map(|t| (t.rows.as_slice(), t.bytes.as_slice())).collect();
    time_forecasts(&borrowed);
}
