//! Stats stores end to end: the name picks the backend, both backends take concurrent writers,
//! a `.jsonl` history imports into an SQLite store, and a fresh project's first `collect`
//! writes `.schemacast/stats.db`, which `check`, `forecast` and `stats show` then read.

use std::process::Command;

use schemacast_tests::{binary, project, run_in, snapshots, workspace_root, TestDatabase};

/// A day's snapshot of one table, as a stats file line.
fn line(day: u32, rows: u64) -> String {
    format!(
        r#"{{"format":"schemacast.stats/v1","taken_at":"2026-01-{day:02}T00:00:00Z","database":"shop","source":"import","tables":[{{"schema":"public","name":"orders","rows":{rows},"total_bytes":{}}}]}}"#,
        rows * 100
    )
}

#[test]
fn a_postgres_url_or_an_unknown_name_is_refused_with_the_accepted_forms() {
    let dir = project(&[("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n")]);
    let postgres = run_in(dir.path(), &["check", "schema.sql", "--stats", "postgres://ci@db.example/stats"]);
    assert_eq!(postgres.status, 2);
    assert!(
        postgres.stderr.starts_with("error: a PostgreSQL stats store is not supported yet; name a file ending in .db"),
        "{}",
        postgres.stderr
    );
    let configured = project(&[
        ("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n"),
        ("schemacast.toml", "stats = \"postgresql://ci@db.example/stats\"\n"),
    ]);
    let run = run_in(configured.path(), &["forecast", "schema.sql"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("a PostgreSQL stats store is not supported yet"), "{}", run.stderr);
    let other = run_in(dir.path(), &["stats", "show", "--stats", "stats.csv"]);
    assert_eq!(other.status, 2);
    assert!(other.stderr.contains("stats.csv: not a stats store name;"), "{}", other.stderr);
    assert!(other.stderr.contains(".db or .sqlite") && other.stderr.contains(".jsonl"), "{}", other.stderr);
}

#[test]
fn a_jsonl_history_imports_into_an_sqlite_store_and_reads_back_alike() {
    let history: String = (1..=14).map(|d| line(d, 1000 + u64::from(d) * 50) + "\n").collect();
    let dir = project(&[("history.jsonl", &history), ("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n")]);
    let import = run_in(dir.path(), &["stats", "import", "history.jsonl", "--stats", "x.db"]);
    assert_eq!(import.status, 0, "{}", import.stderr);
    assert!(import.stdout.starts_with("imported 14 rows as 14 snapshots"), "{}", import.stdout);
    assert_eq!(snapshots(&dir.path().join("x.db")).len(), 14, "all 14 kept whole: the newest 14 keep their detail");
    let again = run_in(dir.path(), &["stats", "import", "history.jsonl", "--stats", "x.db"]);
    assert_eq!(again.status, 2);
    assert!(again.stderr.contains("x.db already has snapshots taken at 2026-01-01T00:00:00Z"), "{}", again.stderr);

    let from_db = run_in(dir.path(), &["stats", "show", "--stats", "x.db", "--format", "json"]).json();
    let from_jsonl = run_in(dir.path(), &["stats", "show", "--stats", "history.jsonl", "--format", "json"]).json();
    assert_eq!(from_db["snapshots"], 14);
    assert_eq!(from_db["tables"], from_jsonl["tables"], "stats show reads both stores alike");
    let forecast = |stats: &str| run_in(dir.path(), &["forecast", "schema.sql", "--stats", stats, "--format", "json"]);
    let (db, jsonl) = (forecast("x.db"), forecast("history.jsonl"));
    assert_eq!(db.status, 0, "{}", db.stderr);
    assert_eq!(db.stdout, jsonl.stdout, "forecasts from both stores agree");
}

#[test]
fn concurrent_appends_from_two_processes_both_land_in_either_store() {
    let dir = project(&[
        ("a.jsonl", &((1..=7).map(|d| line(d, 100) + "\n").collect::<String>())),
        ("b.jsonl", &((8..=14).map(|d| line(d, 200) + "\n").collect::<String>())),
    ]);
    for store in ["s.db", "s.jsonl"] {
        let spawn = |file: &str| {
            Command::new(binary())
                .current_dir(dir.path())
                .args(["stats", "import", file, "--stats", store])
                .output()
                .unwrap()
        };
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| spawn("a.jsonl"));
            let b = scope.spawn(|| spawn("b.jsonl"));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
        let all = snapshots(&dir.path().join(store));
        assert_eq!(all.len(), 14, "{store}: both imports landed whole");
    }
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn a_fresh_projects_first_collect_writes_stats_db_which_every_reader_finds() {
    let Some(db) = TestDatabase::postgres("a_fresh_projects_first_collect_writes_stats_db") else { return };
    db.postgres_client()
        .batch_execute(
            "CREATE TABLE orders (id serial PRIMARY KEY, note text);
             INSERT INTO orders (note) SELECT 'n' FROM generate_series(1, 300);
             ANALYZE orders;",
        )
        .unwrap();
    let dir = project(&[("schema.sql", "CREATE TABLE orders (id serial PRIMARY KEY, note text);\n")]);
    let collect = run_in(dir.path(), &["collect", "--url", &db.url]);
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    assert!(collect.stdout.contains("appended to .schemacast/stats.db"), "{}", collect.stdout);
    assert!(!dir.path().join(".schemacast/stats.jsonl").exists());
    assert_eq!(snapshots(&dir.path().join(".schemacast/stats.db")).len(), 1);

    let check = run_in(dir.path(), &["check", "schema.sql"]);
    assert!(check.stdout.contains("with stats from .schemacast/stats.db taken"), "{}", check.stdout);
    let forecast = run_in(dir.path(), &["forecast", "schema.sql", "--format", "json"]).json();
    assert_eq!(forecast["snapshots"], 1);
    let show = run_in(dir.path(), &["stats", "show", "--format", "json"]);
    assert_eq!(show.status, 0, "{}", show.stderr);
    assert_eq!(show.json()["snapshots"], 1);
    assert!(workspace_root().join("docs/stats-store.md").is_file(), "the store's schema is documented");
}
