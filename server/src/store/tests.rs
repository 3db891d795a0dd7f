//! One suite, run against every backend: what a command can count on whatever the store.

use std::path::PathBuf;

use anyhow::bail;
use schemacast_lints::stats::{read_stats, ColumnStats, SequenceStats, Snapshot, StatValue, TableStats, ValueShapes};

use super::{default_store_in, sqlite, store_path, Backend, Store};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("schemacast-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A snapshot with every kind of figure: tables with columns, a key column, indexes, a table
/// never analyzed, a sequence.
fn snapshot(at: &str, rows: u64) -> Snapshot {
    let mut snapshot = Snapshot::new(at.parse().unwrap());
    snapshot.dialect = Some("postgres".into());
    snapshot.database = Some("shop".into());
    snapshot.source = Some("collect".into());
    let mut orders = TableStats::named("public", "orders");
    orders.rows = Some(rows);
    orders.table_bytes = Some(rows * 100);
    orders.index_bytes = Some(rows * 20);
    orders.inserts = Some(rows);
    let mut id = ColumnStats::named("id");
    id.n_distinct = Some(-1.0);
    id.max = Some(StatValue::Integer(rows as i64 + 7));
    id.avg_width = Some(4.0);
    let mut email = ColumnStats::named("email");
    email.avg_width = Some(23.5);
    email.shapes = Some(ValueShapes { checked: 100, email: 0.98, ..ValueShapes::default() });
    orders.columns = vec![id, email];
    let mut fresh = TableStats::named("audit", "fresh");
    fresh.analyzed = false;
    snapshot.tables = vec![orders, fresh];
    snapshot.sequences = vec![SequenceStats {
        schema: "public".into(),
        name: "orders_id_seq".into(),
        last_value: Some(rows as i64 + 7),
        max_value: i64::from(i32::MAX),
        increment: 1,
        owned_by: Some("public.orders.id".into()),
    }];
    snapshot
}

fn each_backend(test: impl Fn(Store)) {
    for name in ["stats.jsonl", "stats.db"] {
        let dir = TempDir::new(&format!("{}-{name}", std::thread::current().name().unwrap_or("t").replace("::", "-")));
        let store = Store::at(&dir.0.join("nested").join(name)).unwrap();
        test(store);
    }
}

#[test]
fn names_pick_the_backend_and_others_are_refused_with_the_accepted_forms() {
    assert_eq!(Store::at("a/stats.db".as_ref()).unwrap().backend(), Backend::Sqlite);
    assert_eq!(Store::at("a/stats.SQLITE".as_ref()).unwrap().backend(), Backend::Sqlite);
    assert_eq!(Store::at("a/stats.jsonl".as_ref()).unwrap().backend(), Backend::JsonLines);
    let postgres = Store::at("postgres://ci@db/stats".as_ref()).unwrap_err().to_string();
    assert!(postgres.starts_with("a PostgreSQL stats store is not supported yet"), "{postgres}");
    let other = Store::at("stats.csv".as_ref()).unwrap_err().to_string();
    assert!(other.contains(".db or .sqlite") && other.contains(".jsonl"), "{other}");
}

#[test]
fn the_default_is_stats_db_unless_only_stats_jsonl_exists() {
    let dir = TempDir::new("default");
    assert_eq!(default_store_in(&dir.0), dir.0.join(".schemacast/stats.db"));
    std::fs::create_dir_all(dir.0.join(".schemacast")).unwrap();
    std::fs::write(dir.0.join(".schemacast/stats.jsonl"), "").unwrap();
    assert_eq!(default_store_in(&dir.0), dir.0.join(".schemacast/stats.jsonl"));
    std::fs::write(dir.0.join(".schemacast/stats.db"), "").unwrap();
    assert_eq!(default_store_in(&dir.0), dir.0.join(".schemacast/stats.db"));
    assert_eq!(store_path(Some("x.jsonl".as_ref()), None), PathBuf::from("x.jsonl"));
}

#[test]
fn appended_snapshots_read_back_equal_in_time_order() {
    each_backend(|store| {
        let (first, second) = (snapshot("2026-01-02T00:00:00Z", 200), snapshot("2026-01-01T00:00:00.5Z", 100));
        store.append(std::slice::from_ref(&first), |_| Ok(())).unwrap();
        store.append(std::slice::from_ref(&second), |_| Ok(())).unwrap();
        let history = store.read().unwrap();
        assert!(history.problems.is_empty(), "{:?}", history.problems);
        assert_eq!(history.snapshots, vec![second, first.clone()], "{:?}", store.path());
        let (latest, series) = store.read_for_forecast().unwrap();
        assert_eq!(latest, Some(first), "{:?}", store.path());
        let orders = series.table("public", "orders").unwrap();
        assert_eq!(orders.rows.iter().map(|p| p.value).collect::<Vec<_>>(), [100.0, 200.0]);
        assert_eq!(orders.bytes.iter().map(|p| p.value).collect::<Vec<_>>(), [12_000.0, 24_000.0]);
        assert_eq!(series.key_column("public", "orders", "id").unwrap().max.len(), 2);
        assert!(series.key_column("public", "orders", "email").is_none());
        assert!(series.table("audit", "fresh").unwrap().rows.is_empty(), "never analyzed is unknown");
        let sequence = series.sequence("public", "orders_id_seq").unwrap();
        assert_eq!(sequence.last_values.iter().map(|p| p.value).collect::<Vec<_>>(), [107.0, 207.0]);
        assert_eq!(sequence.owned_by.as_deref(), Some("public.orders.id"));
        assert_eq!(series.snapshot_days.len(), 2);
    });
}

#[test]
fn the_series_equal_the_stats_file_readers() {
    let dir = TempDir::new("series");
    let sqlite = Store::at(&dir.0.join("stats.db")).unwrap();
    let snapshots: Vec<Snapshot> =
        (1..=40).map(|d| snapshot(&format!("2026-03-{:02}T00:00:00Z", (d % 28) + 1), d * 10)).collect();
    sqlite.append(&snapshots, |_| Ok(())).unwrap();
    let text: String = snapshots.iter().map(Snapshot::to_line).collect();
    let (expected_latest, expected) = read_stats(text.as_bytes(), "s.jsonl");
    let (latest, series) = sqlite.read_for_forecast().unwrap();
    assert_eq!(latest, expected_latest);
    assert_eq!(series.snapshot_days, expected.snapshot_days);
    assert_eq!(series.problems.len(), expected.problems.len(), "the same duplicates are refused");
    for table in &expected.tables {
        let mine = series.table(&table.schema, &table.name).unwrap();
        assert_eq!((&mine.rows, &mine.bytes), (&table.rows, &table.bytes), "{}", table.name);
    }
    let sequence = series.sequence("public", "orders_id_seq").unwrap();
    assert_eq!(sequence.last_values, expected.sequence("public", "orders_id_seq").unwrap().last_values);
}

#[test]
fn a_refused_append_or_a_failing_one_leaves_the_store_as_it_was() {
    each_backend(|store| {
        store.append(&[snapshot("2026-01-01T00:00:00Z", 1)], |_| Ok(())).unwrap();
        let batch = [snapshot("2026-01-02T00:00:00Z", 2), snapshot("2026-01-03T00:00:00Z", 3)];
        let refused = store.append(&batch, |history| {
            assert_eq!(history().snapshots.len(), 1, "accept sees the history as it is");
            bail!("no thanks")
        });
        assert_eq!(refused.unwrap_err().to_string(), "no thanks");
        assert_eq!(store.read().unwrap().snapshots.len(), 1, "{:?}", store.path());
        store.append(&batch, |_| Ok(())).unwrap();
        assert_eq!(store.read().unwrap().snapshots.len(), 3);
    });
}

#[test]
fn of_two_snapshots_of_one_instant_the_first_is_kept_and_the_other_reported() {
    each_backend(|store| {
        store.append(&[snapshot("2026-01-01T00:00:00Z", 1)], |_| Ok(())).unwrap();
        store.append(&[snapshot("2026-01-01T00:00:00Z", 999)], |_| Ok(())).unwrap();
        let history = store.read().unwrap();
        assert_eq!(history.snapshots.len(), 1);
        assert_eq!(history.snapshots[0].tables[0].rows, Some(1));
        assert_eq!(history.problems.len(), 1, "{:?}", history.problems);
        assert!(history.problems[0].message.starts_with("duplicate taken_at 2026-01-01T00:00:00Z"));
        let (latest, series) = store.read_for_forecast().unwrap();
        assert_eq!(latest.unwrap().tables[0].rows, Some(1));
        assert_eq!(series.snapshot_days.len(), 1);
        assert_eq!(series.problems.len(), 1);
    });
}

#[test]
fn a_missing_store_is_an_error_naming_it() {
    each_backend(|store| {
        let message = format!("{:#}", store.read().unwrap_err());
        assert!(message.contains(&store.path().display().to_string()), "{message}");
        assert!(store.read_for_forecast().is_err());
        assert!(!store.exists(), "reading does not create the store");
    });
}

#[test]
fn old_snapshots_lose_column_detail_by_the_documented_rule_but_keep_their_figures() {
    let dir = TempDir::new("thin");
    let store = Store::at(&dir.0.join("stats.db")).unwrap();
    // 60 daily snapshots from 2026-01-01: January and February's firsts plus the newest 14
    // keep their detail.
    let days: Vec<Snapshot> = (0..60)
        .map(|d| {
            let at: jiff::Timestamp = "2026-01-01T06:00:00Z".parse().unwrap();
            let at = at.checked_add(jiff::SignedDuration::from_hours(24 * d)).unwrap();
            snapshot(&at.to_string(), 100 + d as u64)
        })
        .collect();
    for day in &days {
        store.append(std::slice::from_ref(day), |_| Ok(())).unwrap();
    }
    let history = store.read().unwrap();
    assert_eq!(history.snapshots.len(), 60);
    let detailed: Vec<usize> = (0..60).filter(|&i| !history.snapshots[i].tables[0].columns.is_empty()).collect();
    let mut expected = vec![0, 31];
    expected.extend(46..60);
    assert_eq!(detailed, expected);
    assert_eq!(history.snapshots[59], days[59], "the latest is complete");
    assert_eq!(history.snapshots[1].tables[0].rows, Some(101), "figures stay");
    assert_eq!(history.snapshots[1].sequences, days[1].sequences);
    assert_eq!(sqlite::schema_version(store.path()).unwrap(), Some(1));
}
