//! Value-shape evidence end to end on a real PostgreSQL server (`SCHEMACAST_TEST_PG_URL`):
//! `collect --sample` measures what text columns hold, `check --stats` grades the type rules by
//! it, and no sampled value reaches the stats file.

use schemacast_tests::{project, run_in, TestDatabase};
use serde_json::Value;

const DDL: &str = "
CREATE TABLE devices (
    id bigint PRIMARY KEY,
    device_uuid text NOT NULL,
    client_ip text NOT NULL,
    happened text NOT NULL,
    amount text NOT NULL,
    code text NOT NULL
);
CREATE TABLE links (
    id bigint PRIMARY KEY,
    guid text NOT NULL,
    match_on text NOT NULL
);
";

const DATA: &str = "
INSERT INTO devices
SELECT g,
       gen_random_uuid()::text,
       CASE WHEN g % 3 = 0 THEN '2001:db8::' || to_hex(g) ELSE '10.' || (g % 250) || '.' || (g % 7) || '.' || (g % 199) END,
       to_char(timestamptz '2024-01-01 00:00:00+00' + g * interval '17 minutes', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
       (g * 1.25)::text,
       CASE WHEN g % 2 = 0 THEN g::text ELSE 'K-' || g END
FROM generate_series(1, 3000) g;
INSERT INTO links
SELECT g, 'https://example.org/item/' || g, '[\"team-' || (g % 40) || '\", \"league-' || (g % 9) || '\"]'
FROM generate_series(1, 3000) g;
ANALYZE devices; ANALYZE links;
";

fn findings<'a>(report: &'a Value, rule: &str, column: &str) -> Vec<&'a Value> {
    let needle = format!("`{column}`");
    report["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|d| d["rule"] == rule && d["message"].as_str().is_some_and(|m| m.contains(&needle)))
                .collect()
        })
        .unwrap_or_default()
}

fn the_one<'a>(report: &'a Value, rule: &str, column: &str) -> &'a Value {
    let found = findings(report, rule, column);
    assert_eq!(found.len(), 1, "{rule} on `{column}`: {found:#?}\n{report:#}");
    found[0]
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn sampled_shapes_grade_the_type_rules_and_no_value_is_stored() {
    let Some(db) = TestDatabase::postgres("sampled_shapes_grade_the_type_rules_and_no_value_is_stored") else {
        return;
    };
    let mut client = db.postgres_client();
    client.batch_execute(DDL).expect("the schema loads");
    client.batch_execute(DATA).expect("the data loads");
    let uuid: String = client.query_one("SELECT device_uuid FROM devices WHERE id = 1", &[]).expect("a uuid").get(0);

    let dir = project(&[("schema.sql", DDL)]);
    let collect =
        run_in(dir.path(), &["collect", "--url", &db.url, "--sample", "--sample-rows", "100000", "--stats", "s.jsonl"]);
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    let stats = std::fs::read_to_string(dir.path().join("s.jsonl")).expect("the stats file is written");

    // Aggregates only: no loaded value, nor a recognisable piece of one, is in the file.
    for value in [
        uuid.as_str(),
        "10.1.1.1",
        "2001:db8",
        "2024-01-0",
        "3750.00",
        "K-1",
        "https://",
        "example.org",
        "team-",
        "league-",
    ] {
        assert!(!stats.contains(value), "the stats file holds `{value}`:\n{stats}");
    }
    let snapshot: Value = serde_json::from_str(stats.lines().last().unwrap_or("")).expect("the snapshot is JSON");
    let column = |table: &str, name: &str| -> Value {
        snapshot["tables"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| t["name"] == table))
            .and_then(|t| t["columns"].as_array())
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("{table}.{name} is not in the snapshot:\n{stats}"))
    };
    let shapes = column("devices", "device_uuid")["shapes"].clone();
    assert_eq!(shapes["checked"], 3000, "{shapes}");
    assert_eq!(shapes["uuid"], 1.0, "{shapes}");
    assert_eq!(column("devices", "client_ip")["shapes"]["ip"], 1.0);
    assert_eq!(column("devices", "happened")["shapes"]["timestamp"], 1.0);
    assert_eq!(column("devices", "amount")["shapes"]["decimal"], 1.0);
    assert_eq!(column("links", "guid")["shapes"]["url"], 1.0);
    assert_eq!(column("links", "match_on")["shapes"]["json"], 1.0);
    assert_eq!(column("links", "guid")["shapes"].get("uuid"), None, "a zero share is left out");
    let code = column("devices", "code")["shapes"].clone();
    assert_eq!(code["integer"], 0.5, "{code}");

    let check =
        run_in(dir.path(), &["check", "--stats", "s.jsonl", "--format", "json", "--fail-on", "never", "schema.sql"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    let report = check.json();

    let uuid = the_one(&report, "uuid-as-text", "device_uuid");
    assert_eq!(uuid["severity"], "warning");
    let message = uuid["message"].as_str().unwrap_or("");
    assert!(message.starts_with("100% of 3,000 sampled values of `device_uuid` are UUIDs"), "{message}");
    let inet = the_one(&report, "inet-as-text", "client_ip");
    assert_eq!(inet["severity"], "warning");
    assert!(inet["message"].as_str().unwrap_or("").contains("100% of 3,000 sampled values"), "{inet}");
    let timestamp = the_one(&report, "timestamp-as-text", "happened");
    assert_eq!(timestamp["severity"], "warning");
    let number = the_one(&report, "number-as-text", "amount");
    assert_eq!(number["severity"], "warning");

    // Evidence against: URLs named `guid`, JSON lists named `match_on`, mixed codes.
    assert!(findings(&report, "uuid-as-text", "guid").is_empty(), "{report:#}");
    assert!(findings(&report, "timestamp-as-text", "match_on").is_empty(), "{report:#}");
    assert!(findings(&report, "number-as-text", "code").is_empty(), "{report:#}");

    // Without the stats the names alone speak, as questions.
    let bare = run_in(dir.path(), &["check", "--format", "json", "--fail-on", "never", "schema.sql"]).json();
    let guess = the_one(&bare, "uuid-as-text", "guid");
    assert_eq!(guess["severity"], "info");
    assert!(guess["message"].as_str().unwrap_or("").contains("may hold UUIDs; if it does"), "{guess}");
    assert!(findings(&bare, "timestamp-as-text", "match_on").is_empty(), "{bare:#}");
    assert!(findings(&bare, "uuid-as-text", "device_uuid").len() == 1, "{bare:#}");
}

/// A text column `--exclude-column` withholds keeps its sampled shapes and lengths in the
/// database, so the type rules judge it by its name alone, as without stats.
#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn an_excluded_column_is_judged_by_its_name_alone() {
    let Some(db) = TestDatabase::postgres("an_excluded_column_is_judged_by_its_name_alone") else {
        return;
    };
    let mut client = db.postgres_client();
    client.batch_execute(DDL).expect("the schema loads");
    client.batch_execute(DATA).expect("the data loads");
    let dir = project(&[("schema.sql", DDL)]);
    let collect = run_in(
        dir.path(),
        &["collect", "--url", &db.url, "--sample", "--stats", "s.jsonl", "--exclude-column", "devices.device_uuid"],
    );
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    let stats = std::fs::read_to_string(dir.path().join("s.jsonl")).expect("the stats file is written");
    let snapshot: Value = serde_json::from_str(stats.lines().last().unwrap_or("")).expect("the snapshot is JSON");
    let device_uuid = snapshot["tables"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["name"] == "devices"))
        .and_then(|t| t["columns"].as_array())
        .and_then(|cs| cs.iter().find(|c| c["name"] == "device_uuid"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(device_uuid, serde_json::json!({ "name": "device_uuid" }), "{stats}");

    let check =
        run_in(dir.path(), &["check", "--stats", "s.jsonl", "--format", "json", "--fail-on", "never", "schema.sql"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    let report = check.json();
    let guess = the_one(&report, "uuid-as-text", "device_uuid");
    assert_eq!(guess["severity"], "info", "{guess}");
    assert!(guess["message"].as_str().unwrap_or("").contains("may hold UUIDs; if it does"), "{guess}");
    // The columns not excluded are still graded by their samples.
    assert_eq!(the_one(&report, "inet-as-text", "client_ip")["severity"], "warning");
}
