//! Reading what was written: the dialect detected from syntax, PostgreSQL forms the parser
//! rejects kept in the model, statements not understood named, and files not understood at all
//! refused.

use schemacast_tests::{project, run_in};

const MYSQL_SCHEMA: &str = "\
CREATE TABLE `hosts` (
  `hostid` bigint unsigned NOT NULL,
  `host` varchar(128) DEFAULT '' NOT NULL,
  PRIMARY KEY (`hostid`)
) ENGINE=InnoDB;
CREATE TABLE `items` (
  `itemid` bigint unsigned NOT NULL AUTO_INCREMENT,
  `hostid` bigint unsigned NOT NULL,
  `name` varchar(255) BINARY DEFAULT NULL,
  PRIMARY KEY (`itemid`)
) ENGINE=InnoDB;
ALTER TABLE `items` ADD CONSTRAINT `c_items_1` FOREIGN KEY (`hostid`) REFERENCES `hosts` (`hostid`) ON DELETE CASCADE;
";

#[test]
fn a_mysql_schema_is_read_as_mysql_without_being_told() {
    let dir = project(&[("schema.sql", MYSQL_SCHEMA)]);
    let json = run_in(dir.path(), &["forecast", "schema.sql", "--format", "json"]).json();
    assert_eq!(json["dialect"], "mysql");
    assert_eq!(json["dialect_source"], "detected");
    let reason = json["dialect_reason"].as_str().unwrap();
    assert!(reason.contains("backticks") && reason.contains("ENGINE="), "{reason}");
    let names: Vec<&str> = json["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");

    let check = run_in(dir.path(), &["check", "schema.sql", "--format", "json"]);
    let check = check.json();
    assert_eq!(check["statements"]["skipped"], 0, "{check}");
    assert_eq!(check["dialect"]["name"], "mysql");
    assert_eq!(check["dialect"]["source"], "detected");

    // The config (or --dialect) wins over what the syntax says.
    let told = run_in(dir.path(), &["forecast", "schema.sql", "--format", "json", "--dialect", "postgres"]);
    assert_eq!(told.json()["dialect_source"], "option");
}

#[test]
fn the_stats_store_names_the_dialect_when_nothing_else_does() {
    let stats = r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-01T00:00:00Z","dialect":"mysql","tables":[{"schema":"","name":"t","rows":10}]}"#;
    let dir =
        project(&[("schema.sql", "CREATE TABLE t (id int PRIMARY KEY);\n"), ("stats.jsonl", &format!("{stats}\n"))]);
    let json = run_in(dir.path(), &["forecast", "schema.sql", "--stats", "stats.jsonl", "--format", "json"]).json();
    assert_eq!((json["dialect"].as_str(), json["dialect_source"].as_str()), (Some("mysql"), Some("stats")));
}

const PG15_FORMS: &str = "\
CREATE TABLE parent (id bigint PRIMARY KEY, tenant int NOT NULL, UNIQUE (tenant, id));
CREATE TABLE c1 (id bigint PRIMARY KEY, tenant int, parent_id bigint,
  FOREIGN KEY (tenant, parent_id) REFERENCES parent (tenant, id) ON DELETE SET NULL (parent_id));
CREATE TABLE c2 (id bigint PRIMARY KEY) USING heap;
CREATE TABLE c3 (LIKE parent INCLUDING ALL, extra text);
CREATE TABLE c4 (id bigint PRIMARY KEY, body text COMPRESSION lz4, doc text STORAGE EXTERNAL);
CREATE TABLE c6 (id bigint PRIMARY KEY, p bigint REFERENCES parent (id) ON DELETE SET DEFAULT (p));
CREATE INDEX c6_p_idx ON c6 (p);
";

#[test]
fn valid_postgres_15_tables_the_parser_rejects_stay_in_the_model() {
    let dir = project(&[("schema.sql", PG15_FORMS)]);
    let check = run_in(dir.path(), &["check", "schema.sql", "--format", "json"]).json();
    assert_eq!(check["statements"]["skipped"], 0, "{check}");
    let rules: Vec<&str> =
        check["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    // c1's foreign key is found (and lacks an index); c3 has parent's primary key through LIKE.
    assert!(rules.contains(&"missing-fk-index"), "{rules:?}");
    assert!(!rules.contains(&"missing-primary-key"), "{rules:?}");
    assert!(!rules.contains(&"unparsed-ddl"), "{rules:?}");

    let forecast = run_in(dir.path(), &["forecast", "schema.sql", "--format", "json"]).json();
    let tables = forecast["tables"].as_array().unwrap();
    let columns = |name: &str| -> Vec<String> {
        let table = tables.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("{name} is not in the model"));
        table["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(columns("c3"), ["id", "tenant", "extra"]);
    assert_eq!(columns("c4"), ["id", "body", "doc"]);
    assert_eq!(columns("c2"), ["id"]);
    assert_eq!(columns("c1"), ["id", "tenant", "parent_id"]);
}

#[test]
fn a_table_statement_not_understood_is_a_warning_naming_the_table() {
    let dir = project(&[(
        "schema.sql",
        "CREATE TABLE ok (id bigint PRIMARY KEY);\nCREATE TABLE broken (id bigint PRIMARY KEY,, name text);\n\
         CREATE INDEX broken_name_idx ON broken (name) WITH WITH;\nCREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql IMMUTABLE STRICT WEIRD;\n",
    )]);
    let check = run_in(dir.path(), &["check", "schema.sql", "--format", "json"]);
    assert_eq!(check.status, 1, "a warning fails the default --fail-on");
    let json = check.json();
    let unparsed: Vec<(&str, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "unparsed-ddl")
        .map(|d| (d["message"].as_str().unwrap(), d["start"]["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(unparsed.len(), 2, "the function is not model DDL: {unparsed:?}");
    assert!(
        unparsed[0].0.starts_with("`broken` is not in the model: this statement was not understood ("),
        "{}",
        unparsed[0].0
    );
    assert!(unparsed[0].0.ends_with("findings involving `broken` may be missing"));
    assert_eq!(unparsed[0].1, 2);
    assert!(unparsed[1].0.starts_with("an index on `broken` is not in the model"), "{}", unparsed[1].0);

    // It can be silenced where the user knows better.
    let dir = project(&[(
        "schema.sql",
        "-- schemacast: ignore unparsed-ddl\nCREATE TABLE broken (id bigint PRIMARY KEY,, name text);\n",
    )]);
    let json = run_in(dir.path(), &["check", "schema.sql", "--format", "json"]).json();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 0, "{json}");
}

#[test]
fn a_file_of_garbage_is_an_error_naming_it() {
    let garbage: String = (0..2000).map(|i| format!("lorem ipsum dolor sit amet {i};\n")).collect();
    let dir = project(&[("notes.sql", &garbage), ("schema.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n")]);
    for command in ["check", "forecast"] {
        let run = run_in(dir.path(), &[command, "notes.sql"]);
        assert_eq!(run.status, 2, "{command}: {}", run.stderr);
        assert!(
            run.stderr.contains("error: notes.sql: none of its 2000 statements was understood"),
            "{command}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("--dialect"), "{}", run.stderr);
    }
    let fine = run_in(dir.path(), &["check", "schema.sql"]);
    assert_eq!(fine.status, 0, "{}", fine.stderr);
}

/// The language server reads a MySQL file as MySQL and says why in its log.
#[test]
fn the_language_server_detects_the_dialect_and_logs_why() {
    use schemacast_tests::lsp::LspClient;
    use serde_json::json;
    use std::time::Duration;
    let dir = project(&[("schema.sql", MYSQL_SCHEMA)]);
    let mut client = LspClient::start(dir.path());
    client.initialize(dir.path(), json!({}), json!({}));
    let uri = client.open(&dir.path().join("schema.sql"), MYSQL_SCHEMA);
    let diagnostics = client.diagnostics(&uri, 1);
    assert!(diagnostics.iter().all(|d| d["code"] != "unparsed-ddl"), "the file is read as MySQL: {diagnostics:?}");
    let logged = client
        .wait_for("window/logMessage", Duration::from_secs(10), |p| {
            p["message"].as_str().is_some_and(|m| m.contains("mysql SQL, detected from its syntax"))
        })
        .expect("the dialect and its reason are logged");
    assert!(logged["message"].as_str().unwrap().contains("backticks"), "{logged}");
    client.shutdown();
}
