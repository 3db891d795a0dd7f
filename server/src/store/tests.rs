//! One suite, run against every backend: what a command can count on whatever the store.

use std::path::PathBuf;

use anyhow::bail;
use schemacast_lints::stats::{read_stats, ColumnStats, SequenceStats, Snapshot, StatValue, TableStats, ValueShapes};

use super::{default_store_in, postgres, sqlite, store_path, Backend, Store};

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

/// A throwaway PostgreSQL database on the loopback test server (`SCHEMACAST_TEST_PG_URL`),
/// created for one test and dropped after it.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn new(test: &str) -> PgDatabase {
        let admin_url = std::env::var("SCHEMACAST_TEST_PG_URL").expect("SCHEMACAST_TEST_PG_URL is set");
        let host = admin_url.split_once('@').map_or("", |(_, rest)| rest).split(['/', ':', '?']).next().unwrap_or("");
        assert!(
            ["127.0.0.1", "localhost", "[", "::1"].iter().any(|loopback| host.starts_with(loopback)),
            "the store tests connect only to a loopback server, not `{host}`"
        );
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let serial = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("sc_store_{}_{}_{serial}", test.chars().take(20).collect::<String>(), std::process::id())
            .to_lowercase();
        let (base, query) = admin_url.split_once('?').map_or((admin_url.as_str(), ""), |(b, q)| (b, q));
        let (server, _) =
            base.rsplit_once('/').filter(|(s, _)| s.contains("//") && !s.ends_with('/')).unwrap_or((base, ""));
        let url = if query.is_empty() { format!("{server}/{name}") } else { format!("{server}/{name}?{query}") };
        let database = PgDatabase { admin_url, name, url };
        let mut admin = database.admin();
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", database.name)).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {}", database.name)).unwrap();
        database
    }

    fn admin(&self) -> ::postgres::Client {
        ::postgres::Client::connect(&self.admin_url, ::postgres::NoTls).unwrap()
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = ::postgres::Client::connect(&self.admin_url, ::postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// Runs a shared test against a PostgreSQL store in a throwaway database.
fn on_postgres(test: &str, body: impl Fn(Store)) {
    let database = PgDatabase::new(test);
    body(Store::at(database.url.as_ref()).unwrap());
}

/// A shared test: `NAME` runs it on the JSON Lines and SQLite stores, `NAME_postgres` on a
/// PostgreSQL store, ignored (and counted so) when `SCHEMACAST_TEST_PG_URL` is not set.
macro_rules! on_every_backend {
    ($name:ident, $postgres:ident, $body:expr) => {
        #[test]
        fn $name() {
            each_backend($body);
        }

        #[test]
        #[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
        fn $postgres() {
            on_postgres(stringify!($name), $body);
        }
    };
}

#[test]
fn names_pick_the_backend_and_others_are_refused_with_the_accepted_forms() {
    assert_eq!(Store::at("a/stats.db".as_ref()).unwrap().backend(), Backend::Sqlite);
    assert_eq!(Store::at("a/stats.SQLITE".as_ref()).unwrap().backend(), Backend::Sqlite);
    assert_eq!(Store::at("a/stats.jsonl".as_ref()).unwrap().backend(), Backend::JsonLines);
    assert_eq!(Store::at("postgres://ci@db/stats".as_ref()).unwrap().backend(), Backend::Postgres);
    assert_eq!(Store::at("postgresql://ci:secret@db/stats".as_ref()).unwrap().shown(), "postgresql://ci:***@db/stats");
    let other = Store::at("stats.csv".as_ref()).unwrap_err().to_string();
    assert!(other.contains(".db or .sqlite") && other.contains(".jsonl") && other.contains("postgres://"), "{other}");
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

on_every_backend!(
    appended_snapshots_read_back_equal_in_time_order,
    appended_snapshots_read_back_equal_in_time_order_postgres,
    |store: Store| {
        let (first, second) = (snapshot("2026-01-02T00:00:00Z", 200), snapshot("2026-01-01T00:00:00.5Z", 100));
        store.append(std::slice::from_ref(&first), |_| Ok(())).unwrap();
        store.append(std::slice::from_ref(&second), |_| Ok(())).unwrap();
        let history = store.read(None).unwrap();
        assert!(history.problems.is_empty(), "{:?}", history.problems);
        assert_eq!(history.snapshots, vec![second, first.clone()], "{:?}", store.path());
        let (latest, series) = store.read_for_forecast(None).unwrap();
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
    }
);

#[test]
fn the_series_equal_the_stats_file_readers() {
    let dir = TempDir::new("series");
    let sqlite = Store::at(&dir.0.join("stats.db")).unwrap();
    let snapshots: Vec<Snapshot> =
        (1..=40).map(|d| snapshot(&format!("2026-03-{:02}T00:00:00Z", (d % 28) + 1), d * 10)).collect();
    sqlite.append(&snapshots, |_| Ok(())).unwrap();
    let text: String = snapshots.iter().map(Snapshot::to_line).collect();
    let (expected_latest, expected) = read_stats(text.as_bytes(), "s.jsonl");
    let (latest, series) = sqlite.read_for_forecast(None).unwrap();
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

on_every_backend!(
    a_refused_append_or_a_failing_one_leaves_the_store_as_it_was,
    a_refused_append_or_a_failing_one_leaves_the_store_as_it_was_postgres,
    |store: Store| {
        store.append(&[snapshot("2026-01-01T00:00:00Z", 1)], |_| Ok(())).unwrap();
        let batch = [snapshot("2026-01-02T00:00:00Z", 2), snapshot("2026-01-03T00:00:00Z", 3)];
        let refused = store.append(&batch, |history| {
            assert_eq!(history().snapshots.len(), 1, "accept sees the history as it is");
            bail!("no thanks")
        });
        assert_eq!(refused.unwrap_err().to_string(), "no thanks");
        assert_eq!(store.read(None).unwrap().snapshots.len(), 1, "{:?}", store.path());
        store.append(&batch, |_| Ok(())).unwrap();
        assert_eq!(store.read(None).unwrap().snapshots.len(), 3);
    }
);

on_every_backend!(
    of_two_snapshots_of_one_instant_the_first_is_kept_and_the_other_reported,
    of_two_snapshots_of_one_instant_the_first_is_kept_and_the_other_reported_postgres,
    |store: Store| {
        store.append(&[snapshot("2026-01-01T00:00:00Z", 1)], |_| Ok(())).unwrap();
        store.append(&[snapshot("2026-01-01T00:00:00Z", 999)], |_| Ok(())).unwrap();
        let history = store.read(None).unwrap();
        assert_eq!(history.snapshots.len(), 1);
        assert_eq!(history.snapshots[0].tables[0].rows, Some(1));
        assert_eq!(history.problems.len(), 1, "{:?}", history.problems);
        assert!(history.problems[0].message.starts_with("duplicate taken_at 2026-01-01T00:00:00Z"));
        let (latest, series) = store.read_for_forecast(None).unwrap();
        assert_eq!(latest.unwrap().tables[0].rows, Some(1));
        assert_eq!(series.snapshot_days.len(), 1);
        assert_eq!(series.problems.len(), 1);
    }
);

on_every_backend!(
    a_missing_store_is_an_error_naming_it,
    a_missing_store_is_an_error_naming_it_postgres,
    |store: Store| {
        let message = format!("{:#}", store.read(None).unwrap_err());
        assert!(message.contains(&store.path().display().to_string()), "{message}");
        assert!(store.read_for_forecast(None).is_err());
        assert!(!store.exists(), "reading does not create the store");
    }
);

fn thinning_keeps_the_documented_snapshots(store: Store) {
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
    let history = store.read(None).unwrap();
    assert_eq!(history.snapshots.len(), 60);
    let detailed: Vec<usize> = (0..60).filter(|&i| !history.snapshots[i].tables[0].columns.is_empty()).collect();
    let mut expected = vec![0, 31];
    expected.extend(46..60);
    assert_eq!(detailed, expected);
    assert_eq!(history.snapshots[59], days[59], "the latest is complete");
    assert_eq!(history.snapshots[1].tables[0].rows, Some(101), "figures stay");
    assert_eq!(history.snapshots[1].sequences, days[1].sequences);
}

#[test]
fn old_snapshots_lose_column_detail_by_the_documented_rule_but_keep_their_figures() {
    let dir = TempDir::new("thin");
    let store = Store::at(&dir.0.join("stats.db")).unwrap();
    thinning_keeps_the_documented_snapshots(store.clone());
    assert_eq!(sqlite::schema_version(store.path()).unwrap(), Some(1));
}

#[test]
fn a_new_sqlite_store_gives_thinned_detail_back_to_the_file_system() {
    let dir = TempDir::new("vacuum");
    let store = Store::at(&dir.0.join("stats.db")).unwrap();
    // 40 daily snapshots of 300 tables: each detail spans many overflow pages, and all but
    // 15 (the newest 14 and the first of the month) are thinned in the same append.
    let days: Vec<Snapshot> = (0..40)
        .map(|d| {
            let at: jiff::Timestamp = "2026-01-01T06:00:00Z".parse().unwrap();
            let at = at.checked_add(jiff::SignedDuration::from_hours(24 * d)).unwrap();
            let mut day = snapshot(&at.to_string(), 100 + d as u64);
            let table = day.tables[0].clone();
            day.tables = (0..300).map(|i| TableStats { name: format!("t{i}"), ..table.clone() }).collect();
            day
        })
        .collect();
    store.append(&days, |_| Ok(())).unwrap();
    let connection = rusqlite::Connection::open(store.path()).unwrap();
    let pragma = |name: &str| connection.pragma_query_value(None, name, |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(pragma("auto_vacuum"), 2, "incremental");
    let (free, pages) = (pragma("freelist_count"), pragma("page_count"));
    assert!(free * 20 < pages, "{free} of {pages} pages free after thinning");
    let detailed: i64 =
        connection.query_row("SELECT count(*) FROM snapshots WHERE detail IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(detailed, 15);
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn postgres_thins_by_the_same_rule_and_keeps_its_version_in_its_own_schema() {
    let database = PgDatabase::new("thin");
    let store = Store::at(database.url.as_ref()).unwrap();
    thinning_keeps_the_documented_snapshots(store.clone());
    assert_eq!(postgres::schema_version(&database.url).unwrap(), Some(1));
    let mut client = ::postgres::Client::connect(&database.url, ::postgres::NoTls).unwrap();
    let public: i64 = client
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", &[])
        .unwrap()
        .get(0);
    assert_eq!(public, 0, "everything lives in the schemacast schema");
    let rows: i64 =
        client.query_one("SELECT count(*) FROM schemacast.table_history WHERE name = 'orders'", &[]).unwrap().get(0);
    assert_eq!(rows, 60, "the documented view");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn postgres_refuses_a_newer_schema_and_names_the_store_without_its_password() {
    let database = PgDatabase::new("newer");
    let store = Store::at(database.url.as_ref()).unwrap();
    store.append(&[snapshot("2026-01-01T00:00:00Z", 1)], |_| Ok(())).unwrap();
    postgres::set_schema_version(&database.url, 2).unwrap();
    let message = format!("{:#}", store.read(None).unwrap_err());
    assert!(message.contains("schema version 2, newer than this schemacast's 1; upgrade schemacast"), "{message}");
    let with_password =
        Store::at(database.url.replacen("://", "://postgres:hunter2@", 1).replacen("postgres@", "", 1).as_ref())
            .unwrap();
    assert!(!with_password.shown().contains("hunter2"), "{}", with_password.shown());
}

fn in_database(at: &str, rows: u64, database: &str) -> Snapshot {
    let mut snapshot = snapshot(at, rows);
    snapshot.database = Some(database.into());
    snapshot
}

on_every_backend!(snapshots_are_keyed_by_database, snapshots_are_keyed_by_database_postgres, |store: Store| {
    store
        .append(
            &[
                in_database("2026-01-01T00:00:00Z", 10, "shop"),
                in_database("2026-01-02T00:00:00Z", 1000, "billing"),
                in_database("2026-01-03T00:00:00Z", 20, "shop"),
                in_database("2026-01-04T00:00:00Z", 2000, "billing"),
            ],
            |_| Ok(()),
        )
        .unwrap();
    assert_eq!(store.databases().unwrap(), ["shop", "billing"], "the latest snapshot's database last");
    let (latest, series) = store.read_for_forecast(None).unwrap();
    assert_eq!(latest.unwrap().database.as_deref(), Some("billing"), "default: the latest snapshot's database");
    assert_eq!(series.snapshot_days.len(), 2);
    let (latest, series) = store.read_for_forecast(Some("shop")).unwrap();
    assert_eq!(latest.unwrap().tables[0].rows, Some(20));
    let rows: Vec<f64> = series.table("public", "orders").unwrap().rows.iter().map(|p| p.value).collect();
    assert_eq!(rows, [10.0, 20.0]);
    assert_eq!(store.read(Some("billing")).unwrap().snapshots.len(), 2);
    let unknown = format!("{:#}", store.read_for_forecast(Some("crm")).unwrap_err());
    assert!(unknown.contains("no database `crm`") && unknown.contains("shop, billing"), "{unknown}");
});

on_every_backend!(concurrent_writers_both_land, concurrent_writers_both_land_postgres, |store: Store| {
    store.append(&[snapshot("2026-01-01T00:00:00Z", 1)], |_| Ok(())).unwrap();
    std::thread::scope(|scope| {
        for writer in 0..4u64 {
            let store = store.clone();
            scope.spawn(move || {
                let batch: Vec<Snapshot> =
                    (0..3).map(|i| snapshot(&format!("2026-02-{:02}T00:00:00Z", writer * 3 + i + 1), i)).collect();
                store.append(&batch, |_| Ok(())).unwrap();
            });
        }
    });
    let history = store.read(None).unwrap();
    assert_eq!(history.snapshots.len(), 13, "{:?}", history.problems);
    assert!(history.problems.is_empty());
});

on_every_backend!(
    an_export_imports_into_every_other_store_alike,
    an_export_imports_into_every_other_store_alike_postgres,
    |store: Store| {
        let snapshots: Vec<Snapshot> = (1..=20)
            .map(|d| in_database(&format!("2026-03-{d:02}T00:00:00Z"), d * 10, if d % 2 == 0 { "shop" } else { "crm" }))
            .collect();
        store.append(&snapshots, |_| Ok(())).unwrap();
        let export =
            |store: &Store| store.read(None).unwrap().snapshots.iter().map(Snapshot::to_line).collect::<String>();
        let first = export(&store);
        let dir = TempDir::new(&format!(
            "roundtrip-{}",
            store.path().extension().map_or("pg".into(), |e| e.to_string_lossy().into_owned())
        ));
        for name in ["again.jsonl", "again.db"] {
            let other = Store::at(&dir.0.join(name)).unwrap();
            let imported = schemacast_lints::stats::read_history(&first, "export.jsonl");
            assert!(imported.problems.is_empty());
            other.append(&imported.snapshots, |_| Ok(())).unwrap();
            assert_eq!(export(&other), first, "{name}");
        }
    }
);
