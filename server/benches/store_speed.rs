//! The stats stores at the scale: 2,000 tables x 730 daily snapshots (each table with
//! five columns' statistics, two indexes and a sequence, as `collect` writes them). Times
//! appending one snapshot to the full store and to an empty one, reading for forecasting (the
//! latest snapshot in full and every series), and the store's size on disk, for the SQLite
//! store and the JSON Lines file. Targets: append under 1 s, forecast read under 2 s, store
//! under 250 MB.
//!
//!     cargo bench -p schemacast --bench store_speed
//!     STORE_BENCH_TABLES=10000 STORE_BENCH_DAYS=1095 cargo bench -p schemacast --bench store_speed
//!
//! With `SCHEMACAST_TEST_PG_URL` set (a loopback server), the PostgreSQL store is measured too,
//! in throwaway databases `schemacast_bench_full` and `schemacast_bench_empty`;
//! `STORE_BENCH_ONLY=postgres` (or `stats.db`, `stats.jsonl`) measures one store;
//! `STORE_BENCH_KEEP=1` keeps the files for inspection (`sqlite3 stats.db` and its `dbstat`).

use std::path::Path;
use std::time::Instant;

use schemacast_lints::stats::{ColumnStats, IndexStats, SequenceStats, Snapshot, StatValue, TableStats};

// The store module of the binary, compiled into the bench as it is.
#[allow(dead_code, unused_imports)]
#[path = "../src/store/mod.rs"]
mod store;

use store::Store;

/// What the store needs of `collect`: the bench connects to a loopback PostgreSQL without TLS.
mod collect {
    pub(crate) fn redact(url: &str) -> String {
        url.to_owned()
    }

    pub(crate) fn connect_postgres(
        url: &str,
        _application_name: &str,
        _timeout: std::time::Duration,
    ) -> anyhow::Result<postgres::Client> {
        Ok(postgres::Client::connect(url, postgres::NoTls)?)
    }
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Day `day`'s snapshot of `tables` tables, growing steadily.
fn snapshot(tables: usize, day: usize) -> Snapshot {
    let start: jiff::Timestamp = "2024-01-01T02:00:00Z".parse().unwrap_or_default();
    let taken_at = start.checked_add(jiff::SignedDuration::from_hours(24 * day as i64)).unwrap_or(start);
    let mut snapshot = Snapshot::new(taken_at);
    snapshot.dialect = Some("postgres".into());
    snapshot.database = Some("bench".into());
    snapshot.source = Some("collect".into());
    for i in 0..tables {
        let rows = 1_000 * (1 + i as u64 % 97) + (5 + (i as u64 * 37) % 400) * day as u64;
        let mut table = TableStats::named("public", format!("table_{i:05}"));
        table.rows = Some(rows);
        table.table_bytes = Some(rows * 120);
        table.index_bytes = Some(rows * 40);
        table.toast_bytes = Some(8192);
        table.total_bytes = Some(rows * 160 + 8192);
        table.inserts = Some(rows + 100);
        table.updates = Some(rows / 10);
        table.deletes = Some(100);
        table.dead_rows = Some(rows / 100);
        table.columns = columns(rows, day);
        table.indexes = vec![
            IndexStats { name: format!("table_{i:05}_pkey"), bytes: Some(rows * 24) },
            IndexStats { name: format!("table_{i:05}_created_at_idx"), bytes: Some(rows * 16) },
        ];
        snapshot.tables.push(table);
        snapshot.sequences.push(SequenceStats {
            schema: "public".into(),
            name: format!("table_{i:05}_id_seq"),
            last_value: Some(rows as i64 + 100),
            max_value: i64::MAX,
            increment: 1,
            owned_by: Some(format!("public.table_{i:05}.id")),
        });
    }
    snapshot
}

fn columns(rows: u64, day: usize) -> Vec<ColumnStats> {
    let mut id = ColumnStats::named("id");
    (id.avg_width, id.null_frac, id.n_distinct, id.correlation) = (Some(8.0), Some(0.0), Some(-1.0), Some(1.0));
    (id.min, id.max) = (Some(StatValue::Integer(1)), Some(StatValue::Integer(rows as i64 + 100)));
    let mut created = ColumnStats::named("created_at");
    (created.avg_width, created.null_frac, created.n_distinct) = (Some(8.0), Some(0.0), Some(-0.9));
    created.min = Some(StatValue::Text("2023-01-01 00:00:00+00".into()));
    created.max = Some(StatValue::Text(format!("2025-{:02}-01 00:00:00+00", 1 + day % 12)));
    let mut body = ColumnStats::named("body");
    (body.avg_width, body.null_frac, body.n_distinct, body.max_length) =
        (Some(120.5), Some(0.1), Some(-0.8), Some(400));
    let mut status = ColumnStats::named("status");
    (status.avg_width, status.null_frac, status.n_distinct) = (Some(6.0), Some(0.0), Some(5.0));
    let mut amount = ColumnStats::named("amount");
    (amount.avg_width, amount.null_frac, amount.n_distinct) = (Some(7.0), Some(0.02), Some(-0.3));
    (amount.min, amount.max) = (Some(StatValue::Float(0.5)), Some(StatValue::Float(9_999.99)));
    vec![id, created, body, status, amount]
}

/// Bytes on disk of a store and its sidecar files (SQLite's log, the lock file).
fn size_on_disk(path: &Path) -> u64 {
    let Some(dir) = path.parent() else { return 0 };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(&name))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let result = work();
    (result, start.elapsed().as_secs_f64())
}

/// A throwaway database on the PostgreSQL server `admin_url` names, dropped by the caller.
fn pg_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut admin = postgres::Client::connect(admin_url, postgres::NoTls)?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
    admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    Ok(format!("{}/{name}", base.rsplit_once('/').map_or(base, |(server, _)| server)))
}

fn pg_size(url: &str) -> u64 {
    postgres::Client::connect(url, postgres::NoTls)
        .and_then(|mut c| c.query_one("SELECT pg_database_size(current_database())", &[]))
        .map_or(0, |row| row.get::<_, i64>(0) as u64)
}

fn measure(dir: &Path, name: &str, tables: usize, days: usize) -> anyhow::Result<()> {
    let (store, empty) = if name == "postgres" {
        let admin = std::env::var("SCHEMACAST_TEST_PG_URL")?;
        let full = pg_database(&admin, "schemacast_bench_full")?;
        let empty = pg_database(&admin, "schemacast_bench_empty")?;
        (Store::at(full.as_ref())?, Store::at(empty.as_ref())?)
    } else {
        (Store::at(&dir.join(name))?, Store::at(&dir.join(format!("empty-{name}")))?)
    };
    let (_, filled) = timed(|| -> anyhow::Result<()> {
        let batch = 73;
        for first in (0..days).step_by(batch) {
            let snapshots: Vec<Snapshot> = (first..(first + batch).min(days)).map(|d| snapshot(tables, d)).collect();
            store.append(&snapshots, |_| Ok(()))?;
        }
        Ok(())
    });
    let mut appends = Vec::new();
    for extra in 0..3 {
        let next = snapshot(tables, days + extra);
        let (result, seconds) = timed(|| store.append(std::slice::from_ref(&next), |_| Ok(())));
        result?;
        appends.push(seconds);
    }
    let first = snapshot(tables, 0);
    let (result, empty_append) = timed(|| empty.append(std::slice::from_ref(&first), |_| Ok(())));
    result?;
    let mut reads = Vec::new();
    let mut counted = (0, 0);
    for _ in 0..3 {
        let (result, seconds) = timed(|| store.read_for_forecast(None));
        let (latest, series) = result?;
        counted = (series.tables.len(), series.snapshot_days.len());
        assert!(latest.is_some_and(|l| l.tables.len() == tables && !l.tables[0].columns.is_empty()));
        reads.push(seconds);
    }
    assert_eq!(counted, (tables, days + 3), "every table's series over every snapshot");
    let size = if name == "postgres" { pg_size(&store.path().to_string_lossy()) } else { size_on_disk(store.path()) };
    println!(
        "  {name:<12} append one: {:.3} s (empty store: {:.3} s)   latest + forecast series read: {:.2} s   size: {:.0} MB   (filled in {:.0} s)",
        median(appends),
        empty_append,
        median(reads),
        size as f64 / 1e6,
        filled
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // `cargo test --benches` runs this too; it only measures when asked to bench.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let tables = setting("STORE_BENCH_TABLES", 2_000);
    let days = setting("STORE_BENCH_DAYS", 730);
    let dir = std::env::temp_dir().join(format!("schemacast-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let one = serde_json::to_string(&snapshot(tables, 0))?.len();
    println!(
        "stats stores: {tables} tables x {days} daily snapshots ({:.2} MB per snapshot as JSON), {} cores",
        one as f64 / 1e6,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let stores: Vec<String> = match std::env::var("STORE_BENCH_ONLY") {
        Ok(only) => vec![only],
        Err(_) if std::env::var_os("SCHEMACAST_TEST_PG_URL").is_some() => {
            vec!["stats.db".into(), "stats.jsonl".into(), "postgres".into()]
        }
        Err(_) => vec!["stats.db".into(), "stats.jsonl".into()],
    };
    let outcome = stores.iter().try_for_each(|name| measure(&dir, name, tables, days));
    if std::env::var_os("STORE_BENCH_KEEP").is_some() {
        println!("stores kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if let Some(mut admin) = std::env::var("SCHEMACAST_TEST_PG_URL")
        .ok()
        .and_then(|url| postgres::Client::connect(&url, postgres::NoTls).ok())
    {
        let _ = admin.batch_execute("DROP DATABASE IF EXISTS schemacast_bench_full WITH (FORCE)");
        let _ = admin.batch_execute("DROP DATABASE IF EXISTS schemacast_bench_empty WITH (FORCE)");
    }
    outcome
}
