//! `schemacast collect` against a real PostgreSQL server (`SCHEMACAST_TEST_PG_URL`): the
//! snapshot's figures against `count(*)` and the catalog, nothing written, no secret leaked,
//! errors, kills and concurrency.

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use schemacast_tests::{binary, project, report, run_in, snapshots, stats_text, TestDatabase};
use serde_json::Value;

/// The write-nothing check counts transaction ids cluster-wide: these tests take turns.
static SERVER: Mutex<()> = Mutex::new(());

const SCHEMA: &str = "
CREATE TABLE customers (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    nickname varchar(40),
    created_at timestamptz NOT NULL,
    score numeric(6, 2)
) WITH (autovacuum_enabled = false);
CREATE TABLE orders (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers,
    total numeric(12, 2) NOT NULL,
    note text
) WITH (autovacuum_enabled = false);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE events (id bigint NOT NULL, happened_on date NOT NULL) PARTITION BY RANGE (happened_on);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') WITH (autovacuum_enabled = false);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') WITH (autovacuum_enabled = false);
CREATE TABLE never_analyzed (id int) WITH (autovacuum_enabled = false);
CREATE TABLE tmp_import (id int) WITH (autovacuum_enabled = false);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount_cents int NOT NULL) WITH (autovacuum_enabled = false);

INSERT INTO customers (email, nickname, created_at, score)
SELECT 'user' || g || '@example.com', CASE WHEN g % 4 = 0 THEN NULL ELSE repeat('n', 1 + g % 30) END,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '37 minutes', (g % 997) - 100.25
FROM generate_series(1, 6000) g;
INSERT INTO orders (customer_id, total, note)
SELECT 1 + g % 6000, g * 1.25,
       CASE WHEN g % 10 = 0 THEN (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 150) i) END
FROM generate_series(1, 25000) g;
DELETE FROM orders WHERE id % 50 = 0;
INSERT INTO events SELECT g, date '2024-06-01' + (g % 400) FROM generate_series(1, 4000) g;
INSERT INTO never_analyzed SELECT generate_series(1, 100);
INSERT INTO tmp_import SELECT generate_series(1, 10);
INSERT INTO billing.invoices (amount_cents) SELECT g FROM generate_series(1, 300) g;
ANALYZE customers; ANALYZE orders; ANALYZE events; ANALYZE events_2024; ANALYZE events_2025; ANALYZE billing.invoices; ANALYZE tmp_import;
";

fn table<'a>(snapshot: &'a Value, schema: &str, name: &str) -> &'a Value {
    snapshot["tables"]
        .as_array()
        .and_then(|tables| tables.iter().find(|t| t["schema"] == schema && t["name"] == name))
        .unwrap_or_else(|| panic!("{schema}.{name} is not in the snapshot"))
}

fn column<'a>(table: &'a Value, name: &str) -> &'a Value {
    table["columns"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("column {name} missing"))
}

/// What collect must never change: relations, their storage, columns, sequences, and the count
/// of transaction ids handed out (any write needs one).
fn fingerprint(client: &mut postgres::Client) -> (String, i64) {
    let catalog: String = client
        .query_one(
            "SELECT string_agg(format('%s %s %s %s %s', c.oid, c.relname, c.relfilenode, c.relpages, c.reltuples), ';' ORDER BY c.oid)
                    || (SELECT string_agg(format('%s.%s', attrelid, attname), ';' ORDER BY attrelid, attnum) FROM pg_attribute WHERE attrelid >= 16384)
                    || (SELECT string_agg(format('%s=%s', sequencename, last_value), ';' ORDER BY sequencename) FROM pg_sequences)
             FROM pg_class c WHERE c.oid >= 16384",
            &[],
        )
        .unwrap()
        .get(0);
    let next_xid: i64 =
        client.query_one("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8", &[]).unwrap().get(0);
    (catalog, next_xid)
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn snapshot_matches_the_server_and_writes_nothing() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("snapshot_matches_the_server_and_writes_nothing") else { return };
    let mut loader = db.postgres_client();
    loader.batch_execute(SCHEMA).unwrap();
    // The server publishes a session's activity counters when it ends or goes idle; wait for
    // them so that the snapshot and this test read the same figures.
    drop(loader);
    let mut client = db.postgres_client();
    let published = Instant::now();
    while count(&mut client, "SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'orders'") != 500 {
        assert!(published.elapsed() < Duration::from_secs(15), "the server never published the loader's counters");
        std::thread::sleep(Duration::from_millis(100));
    }
    let inserts_before: i64 = count(&mut client, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'orders'");

    let dir = project(&[]);
    let secret = "s3cret-pa55word";
    let before = fingerprint(&mut client);
    let url = db.url_with_password(secret);
    let run = run_in(
        dir.path(),
        &["collect", "--url", &url, "--sample", "--sample-rows", "100000", "--exclude-table", "tmp_*"],
    );
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let after = fingerprint(&mut client);
    assert_eq!(before.0, after.0, "collect changed the catalog");
    assert_eq!(before.1, after.1, "collect consumed a transaction id, so it wrote something");

    let path = dir.path().join(".schemacast/stats.db");
    let text = stats_text(&path);
    assert!(
        !text.contains(secret) && !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the password leaked"
    );
    assert!(!text.contains("@example.com"), "a text value reached the stats file");
    let all = snapshots(&path);
    assert_eq!(all.len(), 1);
    let snapshot = &all[0];
    assert_eq!(snapshot["format"], "schemacast.stats/v1");
    assert_eq!(snapshot["dialect"], "postgres");
    assert_eq!(snapshot["database"], db.name.as_str());
    assert!(snapshot["taken_at"].as_str().unwrap().ends_with('Z'));

    // Every table in scope, none excluded; rows and sizes as the server reports them.
    let names: Vec<String> = snapshot["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("{}.{}", t["schema"].as_str().unwrap(), t["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            "billing.invoices",
            "public.customers",
            "public.events",
            "public.events_2024",
            "public.events_2025",
            "public.never_analyzed",
            "public.orders"
        ]
    );
    for (schema, name) in [
        ("public", "customers"),
        ("public", "orders"),
        ("public", "events_2024"),
        ("public", "events_2025"),
        ("billing", "invoices"),
    ] {
        let t = table(snapshot, schema, name);
        let qualified = format!("{schema}.{name}");
        assert_eq!(
            t["rows"].as_i64().unwrap(),
            count(&mut client, &format!("SELECT count(*) FROM {qualified}")),
            "rows of {qualified}"
        );
        for (field, function) in [
            ("table_bytes", "pg_relation_size"),
            ("index_bytes", "pg_indexes_size"),
            ("total_bytes", "pg_total_relation_size"),
        ] {
            let expected = count(&mut client, &format!("SELECT {function}('{qualified}')"));
            assert_eq!(t[field].as_i64().unwrap(), expected, "{field} of {qualified}");
        }
        let toast = count(&mut client, &format!("SELECT coalesce(pg_total_relation_size(reltoastrelid), 0) FROM pg_class WHERE oid = '{qualified}'::regclass"));
        assert_eq!(t["toast_bytes"].as_i64().unwrap(), toast, "toast_bytes of {qualified}");
        for index in t["indexes"].as_array().unwrap() {
            let expected =
                count(&mut client, &format!("SELECT pg_relation_size('{schema}.{}')", index["name"].as_str().unwrap()));
            assert_eq!(index["bytes"].as_i64().unwrap(), expected, "size of index {}", index["name"]);
        }
    }
    let orders = table(snapshot, "public", "orders");
    let index_names: Vec<&str> =
        orders["indexes"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(index_names, ["orders_customer_id_idx", "orders_pkey"]);
    assert!(orders["toast_bytes"].as_i64().unwrap() > 8192, "long notes are TOASTed");
    assert_eq!(orders["deletes"].as_i64().unwrap(), 500);
    let inserts_after = count(&mut client, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'orders'");
    let inserts = orders["inserts"].as_i64().unwrap();
    assert!((inserts_before..=inserts_after).contains(&inserts) && inserts == 25_000, "inserts {inserts}");
    assert_eq!(
        orders["dead_rows"].as_i64().unwrap(),
        count(&mut client, "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'orders'")
    );

    // A partitioned table is the sum of its partitions; a table never analyzed has no row count.
    let events = table(snapshot, "public", "events");
    assert_eq!(events["rows"].as_i64().unwrap(), 4000);
    assert_eq!(
        events["total_bytes"].as_i64().unwrap(),
        count(&mut client, "SELECT pg_total_relation_size('events_2024') + pg_total_relation_size('events_2025')")
    );
    let never = table(snapshot, "public", "never_analyzed");
    assert_eq!(never["analyzed"], false);
    assert!(never["rows"].is_null(), "a never-analyzed table must not claim 0 rows: {never}");

    // Column statistics are pg_stats' own; extremes and lengths are the data's.
    let customers = table(snapshot, "public", "customers");
    let stats_row = client
        .query_one("SELECT avg_width, null_frac::float8, n_distinct::float8 FROM pg_stats WHERE tablename = 'customers' AND attname = 'nickname'", &[])
        .unwrap();
    let nickname = column(customers, "nickname");
    assert_eq!(nickname["avg_width"].as_f64().unwrap(), f64::from(stats_row.get::<_, i32>(0)));
    assert_eq!(nickname["null_frac"].as_f64().unwrap(), stats_row.get::<_, f64>(1));
    assert!((nickname["null_frac"].as_f64().unwrap() - 0.25).abs() < 1e-6);
    assert_eq!(nickname["n_distinct"].as_f64().unwrap(), stats_row.get::<_, f64>(2));
    assert_eq!(
        nickname["max_length"].as_i64().unwrap(),
        count(&mut client, "SELECT max(char_length(nickname))::int8 FROM customers")
    );
    assert_eq!(column(customers, "email")["n_distinct"].as_f64().unwrap(), -1.0);
    assert_eq!(column(customers, "id")["min"], 1);
    assert_eq!(column(customers, "id")["max"], 6000);
    let score = column(customers, "score");
    assert_eq!(score["min"].as_f64().unwrap(), -100.25);
    assert_eq!(score["max"].as_f64().unwrap(), 895.75);
    let created = column(customers, "created_at");
    let (first, last): (String, String) = {
        let row = client.query_one("SELECT min(created_at) AT TIME ZONE 'UTC' || '', max(created_at) AT TIME ZONE 'UTC' || '' FROM customers", &[]).unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(created["min"].as_str().unwrap(), format!("{first}+00"));
    assert_eq!(created["max"].as_str().unwrap(), format!("{last}+00"));
    assert!(column(customers, "email").get("min").is_none(), "no text values in the file");

    // Sequences and identity columns, with what they feed.
    let sequences = snapshot["sequences"].as_array().unwrap();
    let orders_id =
        sequences.iter().find(|s| s["owned_by"] == "public.orders.id").expect("the identity column's sequence");
    assert_eq!(orders_id["last_value"].as_i64().unwrap(), 25_000);
    assert_eq!(orders_id["max_value"].as_i64().unwrap(), i64::from(i32::MAX));
    let customers_id =
        sequences.iter().find(|s| s["owned_by"] == "public.customers.id").expect("the bigserial's sequence");
    assert_eq!(customers_id["name"], "customers_id_seq");
    assert_eq!(customers_id["max_value"].as_i64().unwrap(), i64::MAX);
    assert!(sequences.iter().any(|s| s["owned_by"] == "billing.invoices.id"));
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn schema_option_narrows_and_an_unknown_schema_is_an_error() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("schema_option_narrows_and_an_unknown_schema_is_an_error") else { return };
    db.postgres_client().batch_execute(SCHEMA).unwrap();
    let dir = project(&[]);
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--schema", "billing", "--stats", "s.jsonl"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let all = snapshots(&dir.path().join("s.jsonl"));
    let names: Vec<&str> = all[0]["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["invoices"]);
    assert_eq!(all[0]["sequences"].as_array().unwrap().len(), 1);

    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--schema", "nope", "--stats", "s.jsonl"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("no tables in schema nope"), "{}", run.stderr);
    assert_eq!(snapshots(&dir.path().join("s.jsonl")).len(), 1, "the stats file is unchanged");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn failures_are_one_line_exit_2_and_leave_the_file_alone() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("failures_are_one_line_exit_2_and_leave_the_file_alone") else { return };
    let mut client = db.postgres_client();
    client.batch_execute("CREATE TABLE locked (id int); CREATE TABLE private_data (secret text); INSERT INTO private_data VALUES ('x');").unwrap();
    let dir = project(&[("s.jsonl", "{\"format\":\"schemacast.stats/v1\",\"taken_at\":\"2026-01-01T00:00:00Z\"}\n")]);
    let original = std::fs::read(dir.path().join("s.jsonl")).unwrap();
    let unchanged =
        || assert_eq!(std::fs::read(dir.path().join("s.jsonl")).unwrap(), original, "the stats file changed");
    let one_line = |stderr: &str| {
        assert_eq!(stderr.trim_end().lines().count(), 1, "expected one line: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    };

    let missing = schemacast_tests::with_database(&db.url_with_password("pw-123"), "sc_no_such_database");
    let run = run_in(dir.path(), &["collect", "--url", &missing, "--stats", "s.jsonl"]);
    assert_eq!(run.status, 2);
    one_line(&run.stderr);
    assert!(run.stderr.contains("does not exist") && !run.stderr.contains("pw-123"), "{}", run.stderr);
    assert!(run.stderr.contains("***"), "the URL is shown redacted: {}", run.stderr);
    unchanged();

    let run =
        run_in(dir.path(), &["collect", "--url", "postgres://postgres:pw-123@127.0.0.1:1/db", "--stats", "s.jsonl"]);
    assert_eq!(run.status, 2);
    one_line(&run.stderr);
    assert!(run.stderr.contains("cannot connect") && !run.stderr.contains("pw-123"), "{}", run.stderr);
    unchanged();

    // A role that may not read a table cannot sample it.
    let role = format!("{}_reader", db.name);
    client.batch_execute(&format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA public TO {role}; GRANT SELECT ON locked TO {role};")).unwrap();
    let as_role = db.url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(as_role, db.url, "SCHEMACAST_TEST_PG_URL names the user postgres");
    let run = run_in(dir.path(), &["collect", "--url", &as_role, "--sample", "--stats", "s.jsonl"]);
    assert_eq!(run.status, 2);
    one_line(&run.stderr);
    assert!(
        run.stderr.contains("permission denied for table private_data") && run.stderr.contains("--exclude-table"),
        "{}",
        run.stderr
    );
    unchanged();
    let run = run_in(
        dir.path(),
        &["collect", "--url", &as_role, "--sample", "--exclude-table", "private_*", "--stats", "s.jsonl"],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(snapshots(&dir.path().join("s.jsonl")).len(), 2);
    std::fs::write(dir.path().join("s.jsonl"), &original).unwrap();

    // A table locked by someone else: the query gives up at the timeout instead of waiting.
    let mut holder = db.postgres_client();
    let mut transaction = holder.transaction().unwrap();
    transaction.batch_execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE").unwrap();
    let started = Instant::now();
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--timeout", "1", "--stats", "s.jsonl"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    transaction.rollback().unwrap();
    assert_eq!(run.status, 2);
    one_line(&run.stderr);
    assert!(run.stderr.contains("timed out after 1 s") && run.stderr.contains("--timeout"), "{}", run.stderr);
    unchanged();
    client.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).unwrap();
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn a_killed_collect_keeps_every_whole_line() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("a_killed_collect_keeps_every_whole_line") else { return };
    db.postgres_client().batch_execute(SCHEMA).unwrap();
    let dir = project(&[]);
    let path = dir.path().join("s.jsonl");
    // A long history: appending must not depend on it (nor copy it).
    let mut history = String::new();
    for day in 0..4000 {
        let padding = "x".repeat(6000);
        history.push_str(&format!(
            "{{\"format\":\"schemacast.stats/v1\",\"taken_at\":\"{}\",\"note\":\"{padding}\"}}\n",
            jiff_like_day(day)
        ));
    }
    std::fs::write(&path, &history).unwrap();

    let (mut unchanged, mut appended, mut torn) = (0, 0, 0);
    for attempt in 0..24u64 {
        let before = std::fs::read(&path).unwrap();
        // What readers see: a torn last line (no line break) is not part of the history.
        let whole_before = &before[..before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)];
        let mut child = Command::new(binary())
            .current_dir(dir.path())
            .args(["collect", "--quiet", "--url", &db.url, "--stats", "s.jsonl"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(5 + attempt * 6));
        let _ = child.kill();
        let _ = child.wait();
        let after = std::fs::read(&path).unwrap();
        if after == before {
            unchanged += 1;
            continue;
        }
        assert!(after.starts_with(whole_before), "attempt {attempt}: the old history was not kept");
        let added = std::str::from_utf8(&after[whole_before.len()..]).unwrap();
        match added.strip_suffix('\n') {
            Some(line) => {
                assert!(!line.contains('\n'), "attempt {attempt}: added {added:.200}");
                let value: Value = serde_json::from_str(line).unwrap();
                assert_eq!(value["format"], "schemacast.stats/v1");
                appended += 1;
            }
            // Killed inside the write: allowed, since readers drop it and the next append cuts it off.
            None => torn += 1,
        }
    }
    report(&format!(
        "killed collect: {unchanged} runs left the file unchanged, {appended} appended a whole line, {torn} a torn one"
    ));
    let started = Instant::now();
    let run = run_in(dir.path(), &["collect", "--quiet", "--url", &db.url, "--stats", "s.jsonl"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    report(&format!("collect appending to a 24 MB history: {:.2} s", started.elapsed().as_secs_f64()));
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
    // Every line whole: the torn tails were cut off by the appends after them.
    assert_eq!(snapshots(&path).len(), 4000 + appended + 1);
}

fn jiff_like_day(day: u32) -> String {
    let (year, day) = (2000 + day / 360, day % 360);
    format!("{year}-{:02}-{:02}T00:00:00Z", day / 30 + 1, day % 30 + 1)
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn concurrent_collects_both_land() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("concurrent_collects_both_land") else { return };
    db.postgres_client().batch_execute(SCHEMA).unwrap();
    let dir = project(&[]);
    let spawn = || {
        Command::new(binary())
            .current_dir(dir.path())
            .args(["collect", "--quiet", "--url", &db.url, "--stats", "s.jsonl"])
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let all = snapshots(&dir.path().join("s.jsonl"));
    assert_eq!(all.len(), 4, "every concurrent collect's line is kept");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn five_hundred_tables() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("five_hundred_tables") else { return };
    let mut client = db.postgres_client();
    client
        .batch_execute(
            "DO $$ BEGIN FOR i IN 1..500 LOOP
                EXECUTE format('CREATE TABLE t%s (id bigserial PRIMARY KEY, name text, amount numeric(10,2), created_at timestamptz)', i);
                EXECUTE format('CREATE INDEX ON t%s (created_at)', i);
                EXECUTE format('INSERT INTO t%s (name, amount, created_at) SELECT ''n'' || g, g, now() FROM generate_series(1, 200) g', i);
             END LOOP; END $$; ANALYZE;",
        )
        .unwrap();
    let dir = project(&[]);
    for sample in [false, true] {
        let mut args = vec!["collect", "--url", &db.url, "--stats", "s.jsonl"];
        if sample {
            args.push("--sample");
        }
        let started = Instant::now();
        let run = run_in(dir.path(), &args);
        let elapsed = started.elapsed();
        assert_eq!(run.status, 0, "{}", run.stderr);
        let all = snapshots(&dir.path().join("s.jsonl"));
        let latest = all.last().unwrap();
        assert_eq!(latest["tables"].as_array().unwrap().len(), 500);
        assert!(latest["tables"].as_array().unwrap().iter().all(|t| t["rows"] == 200));
        report(&format!(
            "collect of 500 tables (4 columns, 2 indexes, 200 rows each){}: {:.2} s wall, {} bytes per snapshot line",
            if sample { " with --sample" } else { "" },
            elapsed.as_secs_f64(),
            std::fs::read_to_string(dir.path().join("s.jsonl")).unwrap().lines().last().unwrap().len()
        ));
    }
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn excluding_every_table_is_an_error_and_leaves_the_file_alone() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("excluding_every_table_postgres") else { return };
    db.postgres_client()
        .batch_execute("CREATE TABLE tmp_a (id int); CREATE SCHEMA staging; CREATE TABLE staging.rows (id int);")
        .unwrap();
    let dir = project(&[]);
    let path = dir.path().join(".schemacast/stats.db");
    let run =
        run_in(dir.path(), &["collect", "--url", &db.url, "--exclude-table", "tmp_*", "--exclude-table", "staging.*"]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert_eq!(
        run.stderr.trim_end(),
        "error: no tables left to collect: --exclude-table 'tmp_*', 'staging.*' left out all 2 tables in scope; the stats file is unchanged (narrow the patterns)"
    );
    assert!(!path.exists(), "no stats file may be created");

    let run = run_in(dir.path(), &["collect", "--url", &db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let before = std::fs::read(&path).unwrap();
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--exclude-table", "*"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("no tables left to collect: --exclude-table '*' left out all 2 tables"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "the stats file changed");
}

/// A payroll table whose `salary` must stay in the database, beside a table with a `salary` of
/// its own and an `ssn` in another schema, for `--exclude-column`.
const PAYROLL: &str = "
CREATE SCHEMA hr;
CREATE TABLE hr.payroll (
    id serial PRIMARY KEY,
    name text NOT NULL,
    salary numeric(10, 2) NOT NULL,
    ssn text NOT NULL,
    hired date NOT NULL
) WITH (autovacuum_enabled = false);
CREATE TABLE public.contractors (id int NOT NULL, salary int NOT NULL, ssn text) WITH (autovacuum_enabled = false);
INSERT INTO hr.payroll (name, salary, ssn, hired)
SELECT 'person ' || g, 81234.57 + g * 3.11, '900-55-' || lpad(g::text, 4, '0'), date '2015-03-01' + g
FROM generate_series(1, 3000) g;
INSERT INTO public.contractors SELECT g, 4000 + g, NULL FROM generate_series(1, 500) g;
ANALYZE hr.payroll; ANALYZE public.contractors;
";

/// `collect --sample` with `extra` arguments into a fresh stats file; the snapshot and the run.
fn collect_payroll(dir: &std::path::Path, url: &str, extra: &[&str]) -> (Value, schemacast_tests::Run, String) {
    let _ = std::fs::remove_file(dir.join("s.jsonl"));
    let mut args = vec!["collect", "--url", url, "--sample", "--sample-rows", "100000", "--stats", "s.jsonl"];
    args.extend_from_slice(extra);
    let run = run_in(dir, &args);
    assert_eq!(run.status, 0, "{extra:?}: {}{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(dir.join("s.jsonl")).unwrap_or_default();
    let snapshot = snapshots(&dir.join("s.jsonl")).pop().unwrap_or(Value::Null);
    (snapshot, run, text)
}

/// The column's entry, checked to hold its name and nothing else.
fn assert_withheld(snapshot: &Value, schema: &str, table_name: &str, name: &str) {
    let entry = column(table(snapshot, schema, table_name), name);
    assert_eq!(entry, &serde_json::json!({ "name": name }), "{schema}.{table_name}.{name} kept figures");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn excluded_columns_keep_their_values_in_the_database() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("excluded_columns_keep_their_values_in_the_database") else { return };
    let mut client = db.postgres_client();
    client.batch_execute(PAYROLL).unwrap();
    let dir = project(&[]);

    // Without the option the salary's extremes are there: what the option must take away.
    let (full, _, _) = collect_payroll(dir.path(), &db.url, &[]);
    let salary = column(table(&full, "hr", "payroll"), "salary");
    assert_eq!((salary["min"].as_f64(), salary["max"].as_f64()), (Some(81237.68), Some(90564.57)), "{salary}");
    assert!(column(table(&full, "hr", "payroll"), "ssn")["shapes"]["checked"] == 3000);

    let (withheld, run, text) = collect_payroll(dir.path(), &db.url, &["--exclude-column", "payroll.salary"]);
    assert_withheld(&withheld, "hr", "payroll", "salary");
    for value in ["81237.68", "90564.57", "81237.7", "90564.6"] {
        assert!(!text.contains(value), "the stats file holds the salary figure {value}:\n{text}");
    }
    assert!(run.stdout.contains("withholding 1 column"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // Every other column, and the other table's `salary`, exactly as without the option.
    for (schema, name) in [("hr", "payroll"), ("public", "contractors")] {
        let (before, after) = (table(&full, schema, name), table(&withheld, schema, name));
        for entry in before["columns"].as_array().unwrap() {
            if (schema, entry["name"].as_str()) != ("hr", Some("salary")) {
                assert_eq!(column(after, entry["name"].as_str().unwrap()), entry, "{schema}.{name}");
            }
        }
        assert_eq!(before["rows"], after["rows"]);
    }
    assert_eq!(column(table(&withheld, "public", "contractors"), "salary")["max"], 4500);

    // Not read at all: a role that may not read `salary` samples the table once it is excluded.
    let role = format!("{}_clerk", db.name);
    client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA hr TO {role};
             GRANT SELECT (id, name, ssn, hired) ON hr.payroll TO {role}; GRANT SELECT ON public.contractors TO {role};"
        ))
        .unwrap();
    let as_clerk = db.url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(as_clerk, db.url, "SCHEMACAST_TEST_PG_URL names the user postgres");
    let denied = run_in(dir.path(), &["collect", "--url", &as_clerk, "--sample", "--stats", "denied.jsonl"]);
    assert_eq!(denied.status, 2, "without the option the sample reads salary: {}", denied.stderr);
    assert!(denied.stderr.contains("permission denied for table payroll"), "{}", denied.stderr);
    let (as_clerk_snapshot, _, _) = collect_payroll(dir.path(), &as_clerk, &["--exclude-column", "hr.payroll.salary"]);
    assert_withheld(&as_clerk_snapshot, "hr", "payroll", "salary");
    assert_eq!(table(&as_clerk_snapshot, "hr", "payroll")["sampled_rows"], 3000);
    client.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).unwrap();
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn exclude_column_globs_and_the_unmatched_pattern_warning() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(db) = TestDatabase::postgres("exclude_column_globs_and_the_unmatched_pattern_warning") else { return };
    db.postgres_client().batch_execute(PAYROLL).unwrap();
    let dir = project(&[]);

    // An unqualified name is that column in every table; case is ignored; `*` and `?` per part.
    let (snapshot, run, _) = collect_payroll(
        dir.path(),
        &db.url,
        &["--exclude-column", "SALARY", "--exclude-column", "*.*.ssn", "--exclude-column", "hr.payroll.hire?"],
    );
    assert!(run.stdout.contains("withholding 5 columns"), "{}", run.stdout);
    for (schema, name, column_name) in [
        ("hr", "payroll", "salary"),
        ("hr", "payroll", "ssn"),
        ("hr", "payroll", "hired"),
        ("public", "contractors", "salary"),
        ("public", "contractors", "ssn"),
    ] {
        assert_withheld(&snapshot, schema, name, column_name);
    }
    assert_eq!(column(table(&snapshot, "hr", "payroll"), "name")["max_length"], 11);
    assert_eq!(column(table(&snapshot, "public", "contractors"), "id")["max"], 500);

    // A withheld column's sequence is its maximum: it goes too.
    let owners = |snapshot: &Value| -> Vec<String> {
        snapshot["sequences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["owned_by"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(owners(&snapshot), ["hr.payroll.id"]);
    let (snapshot, _, _) = collect_payroll(dir.path(), &db.url, &["--exclude-column", "payroll.id"]);
    assert!(owners(&snapshot).is_empty(), "{:?}", owners(&snapshot));
    assert_withheld(&snapshot, "hr", "payroll", "id");

    // A pattern that matches nothing is a warning naming it, even with --quiet; the rest applies.
    let (snapshot, run, _) = collect_payroll(
        dir.path(),
        &db.url,
        &["--quiet", "--exclude-column", "payroll.salry", "--exclude-column", "contractors.salary"],
    );
    assert_eq!(
        run.stderr.trim_end(),
        "warning: --exclude-column 'payroll.salry' matches no column in the tables collected, so it withheld \
         nothing; check its spelling (COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN)"
    );
    assert!(column(table(&snapshot, "hr", "payroll"), "salary")["max"].is_number(), "nothing else withheld");
    assert_withheld(&snapshot, "public", "contractors", "salary");

    // A pattern that cannot name a column is refused before connecting.
    let before = std::fs::read(dir.path().join("s.jsonl")).unwrap();
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--stats", "s.jsonl", "--exclude-column", "a.b.c.d"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.starts_with("error: --exclude-column 'a.b.c.d' is not a column pattern")
            && run.stderr.trim_end().lines().count() == 1,
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(dir.path().join("s.jsonl")).unwrap(), before, "the stats file changed");
}
