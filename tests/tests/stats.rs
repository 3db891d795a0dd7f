//! Stats files without a database: import, show, `check --stats`, and their errors.

use schemacast_tests::{project, run_in, run_with_env, snapshots};

const COLLECTED: &str = r#"{"format":"schemacast.stats/v1","taken_at":"2026-03-01T00:00:00Z","dialect":"postgres","database":"shop","source":"collect","tables":[{"schema":"public","name":"orders","rows":500,"total_bytes":65536,"columns":[{"name":"id","avg_width":4},{"name":"legacy_flag","avg_width":1}]},{"schema":"public","name":"flyway_schema_history","rows":5}],"sequences":[]}"#;

const DDL: &str =
    "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE TABLE refunds (id bigint PRIMARY KEY);\n";

#[test]
fn import_appends_snapshots_and_refuses_to_import_twice() {
    let dir = project(&[
        ("history.csv", "table,taken_at,rows,bytes,source\norders,2026-01-01,100,8192,grafana\norders,2026-02-01,300,40960,grafana\nbilling.invoices,2026-02-01,7,,grafana\n"),
        ("schemacast.toml", "stats = \"ops/stats.jsonl\"\n"),
    ]);
    let run = run_in(dir.path(), &["stats", "import", "history.csv"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stdout.contains("imported 3 rows as 2 snapshots"), "{}", run.stdout);
    let path = dir.path().join("ops/stats.jsonl");
    let all = snapshots(&path);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["taken_at"], "2026-02-01T00:00:00Z");
    assert_eq!(all[1]["source"], "import");
    assert_eq!(all[1]["tables"][0]["rows"], 300);
    assert_eq!(all[1]["tables"][0]["total_bytes"], 40960);
    assert_eq!(all[1]["tables"][1]["schema"], "billing");
    assert!(all[1]["tables"][1]["total_bytes"].is_null());

    let before = std::fs::read(&path).unwrap();
    let again = run_in(dir.path(), &["stats", "import", "history.csv"]);
    assert_eq!(again.status, 2);
    assert!(again.stderr.contains("already has snapshots taken at 2026-01-01T00:00:00Z"), "{}", again.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before, "a refused import changed the file");
}

#[test]
fn bad_csv_names_every_bad_line_and_imports_nothing() {
    let dir = project(&[
        ("bad.csv", "table,taken_at,rows,bytes\norders,2026-01-01,100,8192\norders,last tuesday,1,1\norders,2026-01-03,lots,1\n"),
        ("no-header.csv", "orders,2026-01-01,100,8192\n"),
    ]);
    let run = run_in(dir.path(), &["stats", "import", "bad.csv", "--stats", "s.jsonl"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("bad.csv:3: `taken_at`: `last tuesday` is not a date"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.csv:4: `rows`: `lots` is not a non-negative number"), "{}", run.stderr);
    assert!(!dir.path().join("s.jsonl").exists(), "nothing may be imported from a file with errors");
    let run = run_in(dir.path(), &["stats", "import", "no-header.csv", "--stats", "s.jsonl"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("no-header.csv:1: the header row must name the columns table,taken_at,rows,bytes"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_summarises_and_lists_unmatched_tables() {
    let history = format!(
        "{}\n{COLLECTED}\nnot json at all\n",
        r#"{"format":"schemacast.stats/v1","taken_at":"2026-01-01T00:00:00Z","source":"import","tables":[{"schema":"public","name":"orders","rows":100,"total_bytes":8192}]}"#
    );
    let dir = project(&[("stats.jsonl", &history), ("db/V1__init.sql", DDL)]);
    let run = run_in(dir.path(), &["stats", "show", "--stats", "stats.jsonl"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("stats.jsonl: 2 snapshots of 2 tables, 2026-01-01T00:00:00Z to 2026-03-01T00:00:00Z\n"),
        "{}",
        run.stdout
    );
    let orders = run.stdout.lines().find(|l| l.starts_with("public.orders ")).unwrap();
    assert!(orders.contains(" 2 ") && orders.contains("500") && orders.contains("64.0 KiB"), "{orders}");
    assert!(run.stderr.contains("warning: stats.jsonl:3: invalid snapshot"), "bad lines are named: {}", run.stderr);

    let run = run_in(dir.path(), &["stats", "show", "--stats", "stats.jsonl", "--unmatched", "db", "--format", "json"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let document = run.json();
    assert_eq!(document["snapshots"], 2);
    assert_eq!(document["unmatched"]["in_database"], serde_json::json!(["public.flyway_schema_history"]));
    assert_eq!(document["unmatched"]["in_ddl"], serde_json::json!(["public.refunds"]));
    let columns: Vec<String> = document["unmatched"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["column"], c["side"]))
        .collect();
    assert_eq!(columns, ["\"total\" \"ddl\"", "\"legacy_flag\" \"database\""]);
}

#[test]
fn check_attaches_the_latest_snapshot() {
    let dir = project(&[
        ("stats.jsonl", &format!("{COLLECTED}\n")),
        ("db/V1__init.sql", DDL),
        ("schemacast.toml", "schema = [\"db\"]\nstats = \"stats.jsonl\"\n"),
    ]);
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let stats = &run.json()["stats"];
    assert_eq!(stats["taken_at"], "2026-03-01T00:00:00Z");
    assert_eq!(stats["matched_tables"], 1);
    assert_eq!(stats["only_in_database"], serde_json::json!(["public.flyway_schema_history"]));
    let text = run_in(dir.path(), &["check"]);
    assert!(text.stdout.contains("stats: snapshot of 2026-03-01T00:00:00Z matched 1 of the DDL's 2 tables; 1 only in the database, 1 only in the DDL"), "{}", text.stdout);

    // A configured stats file that does not exist yet is no error; an explicit one is.
    std::fs::remove_file(dir.path().join("stats.jsonl")).unwrap();
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.json().get("stats").is_none());
    let run = run_in(dir.path(), &["check", "--stats", "missing.jsonl"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("missing.jsonl: no stats file here; run `schemacast collect"), "{}", run.stderr);
}

#[test]
fn collect_explains_a_missing_or_unsupported_url() {
    let dir = project(&[]);
    let run = run_in(dir.path(), &["collect"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("pass --url postgres://user@host/db or set DATABASE_URL"), "{}", run.stderr);
    let run = run_in(dir.path(), &["collect", "--url", "oracle://scott:tiger@127.0.0.1/orcl"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("unsupported database `oracle://`") && !run.stderr.contains("tiger"), "{}", run.stderr);
    // DATABASE_URL is used when --url is absent; nothing listens on port 1.
    let run = run_with_env(dir.path(), &["collect"], &[("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/shop")]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("cannot connect to postgres://app:***@127.0.0.1:1/shop"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"));
    assert!(!dir.path().join(".schemacast").exists(), "a failed collect creates nothing");
}
