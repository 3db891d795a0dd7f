//! `schemacast collect` against a real MySQL or MariaDB server (`SCHEMACAST_TEST_MYSQL_URL`).

use mysql::prelude::Queryable;
use schemacast_tests::{project, run_in, snapshots, stats_text, TestDatabase};
use serde_json::Value;

/// `information_schema.TABLES`: name, rows, data and index length.
type TableRow = (String, Option<u64>, Option<u64>, Option<u64>);

const SCHEMA: [&str; 6] = [
    "CREATE TABLE customers (
        id int unsigned AUTO_INCREMENT PRIMARY KEY,
        email varchar(200) NOT NULL,
        nickname varchar(40) NULL,
        created_at datetime NOT NULL,
        score decimal(6,2) NOT NULL,
        KEY customers_created_at (created_at)
    ) ENGINE=InnoDB",
    "CREATE TABLE orders (
        id bigint AUTO_INCREMENT PRIMARY KEY,
        customer_id int unsigned NOT NULL,
        code varchar(20) NOT NULL,
        CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    ) ENGINE=InnoDB",
    "CREATE TABLE tmp_import (id int) ENGINE=InnoDB",
    "INSERT INTO customers (email, nickname, created_at, score)
     SELECT concat('user', seq, '@example.com'), IF(seq % 4 = 0, NULL, repeat('n', 1 + seq % 30)),
            '2024-01-01 00:00:00' + INTERVAL seq * 37 MINUTE, (seq % 997) - 100.25
     FROM seq_1_to_3000",
    "INSERT INTO orders (customer_id, code) SELECT 1 + seq % 3000, seq * 7 FROM seq_1_to_8000",
    "ANALYZE TABLE customers, orders PERSISTENT FOR ALL",
];

fn table<'a>(snapshot: &'a Value, name: &str) -> &'a Value {
    snapshot["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn column<'a>(table: &'a Value, name: &str) -> &'a Value {
    table["columns"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("column {name} missing"))
}

#[test]
#[cfg_attr(no_mysql_server, ignore = "SCHEMACAST_TEST_MYSQL_URL is not set")]
fn snapshot_matches_the_server() {
    let Some(db) = TestDatabase::mysql("snapshot_matches_the_server") else { return };
    let mut conn = db.mysql_conn();
    let version: String = conn.query_first("SELECT VERSION()").unwrap().unwrap();
    // MySQL proper has no seq_ tables and no PERSISTENT FOR: this fixture is MariaDB's.
    if !version.contains("MariaDB") {
        schemacast_tests::announce_skip("snapshot_matches_the_server", "the fixture needs MariaDB's sequence engine");
        return;
    }
    for statement in SCHEMA {
        conn.query_drop(statement).unwrap();
    }
    let checksum_before: Vec<(String, Option<u64>)> =
        conn.query("CHECKSUM TABLE customers, orders, tmp_import").unwrap();
    let tables_before: Vec<TableRow> = conn
        .exec("SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1", (&db.name,))
        .unwrap();

    let dir = project(&[]);
    let secret = "my-s3cret";
    let run = run_in(
        dir.path(),
        &["collect", "--url", &db.url_with_password(secret), "--sample", "--exclude-table", "tmp_*"],
    );
    // MariaDB's root has no password here, so a wrong one is refused: that is checked below;
    // collect for the figures without it.
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert!(
        !run.stderr.contains(secret) && run.stderr.contains("Access denied") && run.stderr.contains("***"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join(".schemacast/stats.db").exists(), "a failed collect wrote a stats file");
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--sample", "--exclude-table", "tmp_*"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);

    let checksum_after: Vec<(String, Option<u64>)> =
        conn.query("CHECKSUM TABLE customers, orders, tmp_import").unwrap();
    assert_eq!(checksum_before, checksum_after, "collect changed table contents");
    let path = dir.path().join(".schemacast/stats.db");
    let text = stats_text(&path);
    assert!(!text.contains("@example.com"), "a text value reached the stats file");
    let all = snapshots(&path);
    let snapshot = &all[0];
    assert_eq!(snapshot["dialect"], "mysql");
    assert_eq!(snapshot["database"], db.name.as_str());
    let names: Vec<&str> = snapshot["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["customers", "orders"]);

    for (name, rows, data, index) in &tables_before {
        if name == "tmp_import" {
            continue;
        }
        let t = table(snapshot, name);
        assert_eq!(t["schema"], db.name.as_str());
        assert_eq!(t["rows"].as_u64(), *rows, "rows of {name} as information_schema says");
        assert_eq!(t["table_bytes"].as_u64(), *data, "data of {name}");
        assert_eq!(t["index_bytes"].as_u64(), *index, "indexes of {name}");
        // InnoDB's TABLE_ROWS is an estimate; it must be close to the truth.
        let exact: u64 = conn.query_first(format!("SELECT COUNT(*) FROM {name}")).unwrap().unwrap();
        let estimate = t["rows"].as_u64().unwrap();
        assert!(estimate.abs_diff(exact) * 10 <= exact, "{name}: estimate {estimate} vs count(*) {exact}");
    }

    let customers = table(snapshot, "customers");
    let index_names: Vec<&str> =
        customers["indexes"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(index_names, ["PRIMARY", "customers_created_at"]);
    let page_size: u64 = conn.query_first("SELECT @@innodb_page_size").unwrap().unwrap();
    let pages: u64 = conn
        .exec_first(
            "SELECT stat_value FROM mysql.innodb_index_stats WHERE database_name = ? AND table_name = 'customers' AND index_name = 'customers_created_at' AND stat_name = 'size'",
            (&db.name,),
        )
        .unwrap()
        .unwrap();
    assert_eq!(customers["indexes"][1]["bytes"].as_u64().unwrap(), pages * page_size);

    // Engine-independent statistics, and the sample's exact extremes.
    let (nulls_ratio, avg_length): (f64, f64) = conn
        .exec_first("SELECT nulls_ratio, avg_length FROM mysql.column_stats WHERE db_name = ? AND table_name = 'customers' AND column_name = 'nickname'", (&db.name,))
        .unwrap()
        .unwrap();
    let nickname = column(customers, "nickname");
    assert!((nickname["null_frac"].as_f64().unwrap() - nulls_ratio).abs() < 1e-9 && (nulls_ratio - 0.25).abs() < 1e-3);
    assert!((nickname["avg_width"].as_f64().unwrap() - avg_length).abs() < 1e-9);
    let longest: u64 = conn.query_first("SELECT MAX(CHAR_LENGTH(nickname)) FROM customers").unwrap().unwrap();
    assert_eq!(nickname["max_length"].as_u64().unwrap(), longest);
    assert!(nickname.get("min").is_none(), "no text values in the file");
    assert_eq!(column(customers, "email")["n_distinct"].as_f64().unwrap(), -1.0);
    let score = column(customers, "score");
    assert_eq!((score["min"].as_f64().unwrap(), score["max"].as_f64().unwrap()), (-100.25, 895.75));
    let (first, last): (String, String) = conn
        .query_first("SELECT CAST(MIN(created_at) AS CHAR), CAST(MAX(created_at) AS CHAR) FROM customers")
        .unwrap()
        .unwrap();
    assert_eq!(column(customers, "created_at")["min"].as_str().unwrap(), first);
    assert_eq!(column(customers, "created_at")["max"].as_str().unwrap(), last);
    let orders = table(snapshot, "orders");
    assert_eq!(column(orders, "code")["numeric_frac"].as_f64().unwrap(), 1.0, "every code is digits");
    assert_eq!(column(customers, "email")["numeric_frac"].as_f64().unwrap(), 0.0);

    // AUTO_INCREMENT counters, with their column's limit.
    let sequences = snapshot["sequences"].as_array().unwrap();
    let customers_id =
        sequences.iter().find(|s| s["owned_by"] == format!("{}.customers.id", db.name)).expect("customers counter");
    let next: u64 = conn
        .exec_first(
            "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'customers'",
            (&db.name,),
        )
        .unwrap()
        .unwrap();
    assert_eq!(customers_id["last_value"].as_u64().unwrap(), next - 1);
    assert_eq!(customers_id["max_value"].as_i64().unwrap(), i64::from(u32::MAX));
    let orders_id =
        sequences.iter().find(|s| s["owned_by"] == format!("{}.orders.id", db.name)).expect("orders counter");
    assert_eq!(orders_id["max_value"].as_i64().unwrap(), i64::MAX);
}

#[test]
#[cfg_attr(no_mysql_server, ignore = "SCHEMACAST_TEST_MYSQL_URL is not set")]
fn unknown_database_is_one_line_exit_2() {
    let Some(db) = TestDatabase::mysql("unknown_database_is_one_line_exit_2") else { return };
    let dir = project(&[]);
    let url = schemacast_tests::with_database(&db.url, "sc_no_such_database");
    let run = run_in(dir.path(), &["collect", "--url", &url]);
    assert_eq!(run.status, 2);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("Unknown database"), "{}", run.stderr);
    assert!(!dir.path().join(".schemacast").exists());
}

/// MariaDB, or `None` (announced) on MySQL proper: the fixtures use MariaDB's sequence engine.
fn mariadb(test: &str) -> Option<(TestDatabase, mysql::Conn)> {
    let db = TestDatabase::mysql(test)?;
    let mut conn = db.mysql_conn();
    let version: String = conn.query_first("SELECT VERSION()").unwrap().unwrap();
    if !version.contains("MariaDB") {
        schemacast_tests::announce_skip(test, "the fixture needs MariaDB's sequence engine");
        return None;
    }
    Some((db, conn))
}

#[test]
#[cfg_attr(no_mysql_server, ignore = "SCHEMACAST_TEST_MYSQL_URL is not set")]
fn a_sample_never_narrows_the_catalogues_minimum_and_maximum() {
    let Some((db, mut conn)) = mariadb("a_sample_never_narrows") else { return };
    for statement in [
        "CREATE TABLE readings (id int PRIMARY KEY, up int NOT NULL, down int NOT NULL, at datetime NOT NULL) ENGINE=InnoDB",
        "INSERT INTO readings SELECT seq, seq, 20001 - seq, '2024-01-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_20000",
        "ANALYZE TABLE readings PERSISTENT FOR ALL",
    ] {
        conn.query_drop(statement).unwrap();
    }
    let dir = project(&[]);
    // The sample is the first 10,000 rows by primary key: up 1..10000, down 10001..20000.
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--sample", "--sample-rows", "10000"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let snapshot = &snapshots(&dir.path().join(".schemacast/stats.db"))[0];
    let readings = table(snapshot, "readings");
    assert_eq!(readings["sampled_rows"], 10000);
    for name in ["up", "down"] {
        let c = column(readings, name);
        assert_eq!((c["min"].as_i64(), c["max"].as_i64()), (Some(1), Some(20000)), "{name}: {c}");
    }
    let at = column(readings, "at");
    assert_eq!(at["min"], "2024-01-01 00:01:00", "{at}");
    assert_eq!(at["max"], "2024-01-14 21:20:00", "{at}");
}

#[test]
fn an_unreachable_server_is_one_plain_line() {
    // A port nobody listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = project(&[]);
    let url = format!("mysql://root:hunter2-pw@127.0.0.1:{port}/test");
    let run = run_in(dir.path(), &["collect", "--url", &url]);
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stderr.trim_end(),
        format!("error: cannot connect to MySQL at 127.0.0.1:{port}: connection refused; is the server running and listening there?")
    );
    assert!(!run.stderr.contains("hunter2") && !run.stderr.contains("DriverError"));
    assert!(!dir.path().join(".schemacast").exists());
}

#[test]
#[cfg_attr(no_mysql_server, ignore = "SCHEMACAST_TEST_MYSQL_URL is not set")]
fn excluding_every_table_is_an_error_and_leaves_the_file_alone() {
    let Some(db) = TestDatabase::mysql("excluding_every_table_mysql") else { return };
    let mut conn = db.mysql_conn();
    conn.query_drop("CREATE TABLE tmp_a (id int PRIMARY KEY) ENGINE=InnoDB").unwrap();
    conn.query_drop("CREATE TABLE tmp_b (id int PRIMARY KEY) ENGINE=InnoDB").unwrap();
    let dir = project(&[]);
    let path = dir.path().join(".schemacast/stats.db");
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--exclude-table", "tmp_*"]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert_eq!(
        run.stderr.trim_end(),
        "error: no tables left to collect: --exclude-table 'tmp_*' left out all 2 tables in scope; the stats file is unchanged (narrow the patterns)"
    );
    assert!(!path.exists(), "no stats file may be created");

    let run = run_in(dir.path(), &["collect", "--url", &db.url]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let before = std::fs::read(&path).unwrap();
    let run = run_in(dir.path(), &["collect", "--url", &db.url, "--exclude-table", "tmp_a", "--exclude-table", "*_b"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("no tables left to collect: --exclude-table 'tmp_a', '*_b' left out all 2 tables"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "the stats file changed");
}

/// A payroll table whose `salary` must stay in the database, beside another table's `salary`.
const PAYROLL: [&str; 5] = [
    "CREATE TABLE payroll (
        id int AUTO_INCREMENT PRIMARY KEY,
        name varchar(40) NOT NULL,
        salary decimal(10,2) NOT NULL,
        ssn varchar(11) NOT NULL,
        hired date NOT NULL
    ) ENGINE=InnoDB",
    "CREATE TABLE contractors (id int NOT NULL PRIMARY KEY, salary int NOT NULL) ENGINE=InnoDB",
    "INSERT INTO payroll (name, salary, ssn, hired)
     SELECT concat('person ', seq), 81234.57 + seq * 3.11, concat('900-55-', lpad(seq, 4, '0')),
            '2015-03-01' + INTERVAL seq DAY
     FROM seq_1_to_3000",
    "INSERT INTO contractors SELECT seq, 4000 + seq FROM seq_1_to_500",
    "ANALYZE TABLE payroll, contractors PERSISTENT FOR ALL",
];

/// `collect --sample` with `extra` arguments into a fresh stats file: the snapshot, the run and
/// the file's text.
fn collect_payroll(dir: &std::path::Path, url: &str, extra: &[&str]) -> (Value, schemacast_tests::Run, String) {
    let _ = std::fs::remove_file(dir.join("s.jsonl"));
    let mut args = vec!["collect", "--url", url, "--sample", "--stats", "s.jsonl"];
    args.extend_from_slice(extra);
    let run = run_in(dir, &args);
    assert_eq!(run.status, 0, "{extra:?}: {}{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(dir.join("s.jsonl")).unwrap_or_default();
    let snapshot = snapshots(&dir.join("s.jsonl")).pop().unwrap_or(Value::Null);
    (snapshot, run, text)
}

/// The column's entry, checked to hold its name and nothing else.
fn assert_withheld(snapshot: &Value, table_name: &str, name: &str) {
    let entry = column(table(snapshot, table_name), name);
    assert_eq!(entry, &serde_json::json!({ "name": name }), "{table_name}.{name} kept figures");
}

#[test]
#[cfg_attr(no_mysql_server, ignore = "SCHEMACAST_TEST_MYSQL_URL is not set")]
fn excluded_columns_keep_their_values_in_the_database() {
    let Some((db, mut conn)) = mariadb("excluded_columns_mysql") else { return };
    for statement in PAYROLL {
        conn.query_drop(statement).unwrap();
    }
    let dir = project(&[]);
    let (full, _, _) = collect_payroll(dir.path(), &db.url, &[]);
    let salary = column(table(&full, "payroll"), "salary");
    assert_eq!((salary["min"].as_f64(), salary["max"].as_f64()), (Some(81237.68), Some(90564.57)), "{salary}");
    assert!(salary["null_frac"].is_number(), "mysql.column_stats was read: {salary}");

    let (withheld, run, text) = collect_payroll(dir.path(), &db.url, &["--exclude-column", "payroll.salary"]);
    assert_withheld(&withheld, "payroll", "salary");
    for value in ["81237.68", "90564.57"] {
        assert!(!text.contains(value), "the stats file holds the salary figure {value}:\n{text}");
    }
    // No note: the filtered mysql.column_stats query ran, and every other figure is as before.
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(run.stdout.contains("withholding 1 column"), "{}", run.stdout);
    for name in ["payroll", "contractors"] {
        let (before, after) = (table(&full, name), table(&withheld, name));
        for entry in before["columns"].as_array().unwrap() {
            if (name, entry["name"].as_str()) != ("payroll", Some("salary")) {
                assert_eq!(column(after, entry["name"].as_str().unwrap()), entry, "{name}");
            }
        }
    }
    assert_eq!(column(table(&withheld, "contractors"), "salary")["max"], 4500);

    // Globs, an unqualified name in every table, case ignored; a withheld auto-increment
    // column's counter goes with it.
    let schema_glob = format!("{}.*.SSN", db.name);
    let (snapshot, run, _) = collect_payroll(
        dir.path(),
        &db.url,
        &["--exclude-column", &schema_glob, "--exclude-column", "salary", "--exclude-column", "pay*.id"],
    );
    assert!(run.stdout.contains("withholding 4 columns"), "{}", run.stdout);
    for (name, column_name) in [("payroll", "ssn"), ("payroll", "salary"), ("contractors", "salary"), ("payroll", "id")]
    {
        assert_withheld(&snapshot, name, column_name);
    }
    assert_eq!(column(table(&snapshot, "payroll"), "name")["max_length"], 11);
    assert!(snapshot["sequences"].as_array().unwrap().is_empty(), "{}", snapshot["sequences"]);
    assert!(!full["sequences"].as_array().unwrap().is_empty(), "the counter is there without the option");

    let (snapshot, run, _) = collect_payroll(dir.path(), &db.url, &["--quiet", "--exclude-column", "payrol.salary"]);
    assert_eq!(
        run.stderr.trim_end(),
        "warning: --exclude-column 'payrol.salary' matches no column in the tables collected, so it withheld \
         nothing; check its spelling (COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN)"
    );
    assert!(column(table(&snapshot, "payroll"), "salary")["max"].is_number());
}
