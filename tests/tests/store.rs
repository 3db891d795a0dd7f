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
fn an_unknown_name_is_refused_with_the_accepted_forms() {
    let dir = project(&[("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n")]);
    let other = run_in(dir.path(), &["stats", "show", "--stats", "stats.csv"]);
    assert_eq!(other.status, 2);
    assert!(other.stderr.contains("stats.csv: not a stats store name;"), "{}", other.stderr);
    assert!(other.stderr.contains(".db or .sqlite") && other.stderr.contains(".jsonl"), "{}", other.stderr);
    assert!(other.stderr.contains("postgres:// URL"), "{}", other.stderr);
}

/// Two databases' histories, as stats file lines: `shop` (growing orders) and `crm`.
fn two_databases() -> String {
    let mut history = String::new();
    for day in 1..=10u32 {
        history.push_str(&line(day, 1000 * u64::from(day)));
        history.push('\n');
        history.push_str(&line(day, 7).replace("\"shop\"", "\"crm\"").replace("T00:00:00Z", "T12:00:00Z"));
        history.push('\n');
    }
    history
}

/// `stats export` of every format from `store`, imported into every file store and exported
/// again, is the same; `stats show --database` and an unknown database.
fn export_round_trips(dir: &std::path::Path, store: &str) {
    let import = run_in(dir, &["stats", "import", "history.jsonl", "--stats", store]);
    assert_eq!(import.status, 0, "{}", import.stderr);
    let export = |store: &str, format: &str| {
        let run = run_in(dir, &["stats", "export", "--format", format, "--stats", store]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        run.stdout
    };
    let jsonl = export(store, "jsonl");
    assert_eq!(jsonl.lines().count(), 20);
    let csv = export(store, "csv");
    assert!(csv.starts_with("database,taken_at,table,rows,bytes,analyzed,"), "{csv}");
    assert!(csv.contains("\nshop,2026-01-02T00:00:00Z,public.orders,2000,200000,true,"), "{csv}");
    std::fs::write(dir.join("export.jsonl"), &jsonl).unwrap();
    for (n, other) in ["again.db", "again.jsonl"].into_iter().enumerate() {
        let other = format!("{n}-{store}-{other}").replace(['/', ':', '@'], "_");
        assert_eq!(run_in(dir, &["stats", "import", "export.jsonl", "--stats", &other]).status, 0);
        assert_eq!(export(&other, "jsonl"), jsonl, "{other}");
        assert_eq!(export(&other, "csv"), csv, "{other}");
    }
    // The CSV export imports back with every table-level figure and its databases.
    std::fs::write(dir.join("export.csv"), &csv).unwrap();
    let from_csv = format!("csv-{store}.db").replace(['/', ':', '@'], "_");
    let import = run_in(dir, &["stats", "import", "export.csv", "--stats", &from_csv]);
    assert_eq!(import.status, 0, "{}", import.stderr);
    assert_eq!(export(&from_csv, "csv"), csv, "CSV round trip through {from_csv}");
    let out = dir.join("shop-only.jsonl");
    let run = run_in(dir, &["stats", "export", "--stats", store, "--database", "shop", "-o", out.to_str().unwrap()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 10);
    let show = run_in(dir, &["stats", "show", "--stats", store, "--database", "crm", "--format", "json"]).json();
    assert_eq!(show["snapshots"], 10);
    let unknown = run_in(dir, &["stats", "show", "--stats", store, "--database", "billing"]);
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("no database `billing` in the store; it holds: shop, crm"), "{}", unknown.stderr);
    let forecast = |database: &str| {
        let run =
            run_in(dir, &["forecast", "schema.sql", "--stats", store, "--database", database, "--format", "json"]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        run.stdout
    };
    assert_ne!(forecast("shop"), forecast("crm"), "each database its own series");
    let unknown = run_in(dir, &["check", "schema.sql", "--stats", store, "--database", "billing"]);
    assert_eq!(unknown.status, 2, "{}", unknown.stderr);
}

#[test]
fn file_stores_export_import_and_export_again_alike_and_keep_databases_apart() {
    let dir = project(&[
        ("history.jsonl", &two_databases()),
        ("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n"),
    ]);
    export_round_trips(dir.path(), "s.db");
    export_round_trips(dir.path(), "s.jsonl");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn a_postgres_store_serves_import_export_show_check_and_forecast() {
    let Some(database) = TestDatabase::postgres("pgstore") else { return };
    let dir = project(&[
        ("history.jsonl", &two_databases()),
        ("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n"),
    ]);
    export_round_trips(dir.path(), &database.url);
    let mut client = database.postgres_client();
    let rows: i64 = client.query_one("SELECT count(*) FROM schemacast.table_history", &[]).unwrap().get(0);
    assert_eq!(rows, 20, "documented view over the snapshots");
    let version: String =
        client.query_one("SELECT value FROM schemacast.meta WHERE key = 'schema_version'", &[]).unwrap().get(0);
    assert_eq!(version, "1");
    let configured = project(&[
        ("schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n"),
        ("schemacast.toml", &format!("stats = \"{}\"\ndatabase = \"shop\"\n", database.url)),
    ]);
    let check = run_in(configured.path(), &["check", "schema.sql"]);
    assert!(check.status == 0 || check.status == 1, "{}", check.stderr);
    assert!(check.stdout.contains("with stats from"), "{}", check.stdout);
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

/// The hover card of `orders` in the open document, once it says `want`, or the last one.
fn hover_until(client: &mut schemacast_tests::lsp::LspClient, uri: &str, want: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let result = client.request(
            "textDocument/hover",
            serde_json::json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 14}}),
        );
        let text = result["contents"]["value"].as_str().unwrap_or("").to_owned();
        if text.contains(want) || std::time::Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn the_language_server_never_waits_on_a_locked_store_and_refreshes_hints_when_it_changes() {
    use schemacast_tests::lsp::LspClient;
    use serde_json::json;
    let snapshot = |at: &str, rows: u64| {
        format!(
            r#"{{"format":"schemacast.stats/v1","taken_at":"{at}","database":"shop","tables":[{{"schema":"public","name":"orders","rows":{rows},"total_bytes":{}}}]}}"#,
            rows * 100
        )
    };
    let orders = "CREATE TABLE orders (\n    id bigint PRIMARY KEY,\n    note text\n);\n";
    let dir = project(&[
        ("schemacast.toml", "schema = [\"db\"]\n"),
        ("db/V1__orders.sql", orders),
        ("first.jsonl", &(snapshot("2026-11-01T00:00:00Z", 2_000_000) + "\n")),
        ("second.jsonl", &(snapshot("2026-11-02T00:00:00Z", 5_000_000) + "\n")),
    ]);
    assert_eq!(run_in(dir.path(), &["stats", "import", "first.jsonl"]).status, 0);
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    let path = dir.path().join("db/V1__orders.sql");
    let uri = client.open(&path, orders);
    client.diagnostics(&uri, 1);
    assert!(hover_until(&mut client, &uri, "rows now: 2.0M").contains("rows now: 2.0M (stats)"));

    // A writer holds the store under an exclusive lock while the user types.
    let mut writer = rusqlite::Connection::open(dir.path().join(".schemacast/stats.db")).unwrap();
    let lock = writer.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive).unwrap();
    lock.execute("UPDATE snapshots SET source = 'locked'", []).unwrap();
    let edited = format!("{orders}-- typing\n");
    let started = std::time::Instant::now();
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    client.diagnostics(&uri, 2);
    let waited = started.elapsed();
    assert!(waited < std::time::Duration::from_secs(2), "diagnostics took {waited:?} with the store locked");
    lock.rollback().unwrap();
    drop(writer);

    // Released: a new snapshot is appended. Without any edit, the server notices, analyses
    // again and asks the editor to fetch its inlay hints, which show the new snapshot; so does
    // the hover.
    let hints = |client: &mut LspClient| {
        let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}});
        let hints = client.request("textDocument/inlayHint", json!({"textDocument": {"uri": uri}, "range": range}));
        hints[0]["label"].as_str().unwrap_or("").to_owned()
    };
    assert!(hints(&mut client).starts_with("2.0M rows"), "{}", hints(&mut client));
    client.notifications.clear();
    let import = run_in(dir.path(), &["stats", "import", "second.jsonl"]);
    assert_eq!(import.status, 0, "{}", import.stderr);
    let asked = client.wait_for("workspace/inlayHint/refresh", std::time::Duration::from_secs(10), |_| true);
    assert!(asked.is_some(), "no inlay hint refresh after the store changed: {:?}", client.notifications);
    assert!(hints(&mut client).starts_with("5.0M rows"), "{}", hints(&mut client));
    let card = hover_until(&mut client, &uri, "rows now: 5.0M");
    assert!(card.contains("rows now: 5.0M (stats)"), "{card}");
    assert_eq!(client.shutdown(), Some(0));
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn the_language_server_reads_a_postgres_store_and_sees_appends_made_elsewhere() {
    use schemacast_tests::lsp::LspClient;
    use serde_json::json;
    let Some(database) = TestDatabase::postgres("pglsp") else { return };
    let snapshot = |at: &str, rows: u64| {
        format!(
            r#"{{"format":"schemacast.stats/v1","taken_at":"{at}","database":"shop","tables":[{{"schema":"public","name":"orders","rows":{rows},"total_bytes":{}}}]}}"#,
            rows * 100
        ) + "\n"
    };
    let orders = "CREATE TABLE orders (\n    id bigint PRIMARY KEY,\n    note text\n);\n";
    let dir = project(&[
        ("schemacast.toml", &format!("schema = [\"db\"]\nstats = \"{}\"\n", database.url)),
        ("db/V1__orders.sql", orders),
        ("first.jsonl", &snapshot("2026-11-01T00:00:00Z", 3_000_000)),
        ("second.jsonl", &snapshot("2026-11-02T00:00:00Z", 7_000_000)),
    ]);
    let import = run_in(dir.path(), &["stats", "import", "first.jsonl"]);
    assert_eq!(import.status, 0, "{}", import.stderr);
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    let uri = client.open(&dir.path().join("db/V1__orders.sql"), orders);
    client.diagnostics(&uri, 1);
    assert!(hover_until(&mut client, &uri, "rows now: 3.0M").contains("rows now: 3.0M (stats)"));
    // Another machine appends to the shared store; the editor shows it without an edit.
    client.notifications.clear();
    let import = run_in(dir.path(), &["stats", "import", "second.jsonl"]);
    assert_eq!(import.status, 0, "{}", import.stderr);
    let asked = client.wait_for("workspace/inlayHint/refresh", std::time::Duration::from_secs(15), |_| true);
    assert!(asked.is_some(), "no refresh after the PostgreSQL store changed: {:?}", client.notifications);
    let card = hover_until(&mut client, &uri, "rows now: 7.0M");
    assert!(card.contains("rows now: 7.0M (stats)"), "{card}");
    assert_eq!(client.shutdown(), Some(0));
}
