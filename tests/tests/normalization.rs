//! Normalization evidence end to end on a real PostgreSQL server (`SCHEMACAST_TEST_PG_URL`): a
//! planted dependency (zip code → city) and a planted comma-separated column are found by
//! `collect --sample` and reported by `check --stats` with their counts, independent random
//! columns are not, and no sampled value reaches the stats store.

use schemacast_tests::{project, run_in, TempDir, TestDatabase};
use serde_json::Value;

const DDL: &str = "
CREATE TABLE addresses (
    id bigint PRIMARY KEY,
    street text NOT NULL,
    zip_code text NOT NULL,
    city text NOT NULL,
    labels text
);
CREATE TABLE readings (
    id bigint PRIMARY KEY,
    sensor integer NOT NULL,
    level integer NOT NULL,
    batch text NOT NULL
);
";

// 800 zip codes, each in one of 97 cities; labels cycle with g % 7, which 800 does not divide,
// so the zip code does not determine them. Readings are independent draws.
const DATA: &str = "
INSERT INTO addresses
SELECT g,
       'street-' || g,
       'zip-' || lpad((g % 800)::text, 5, '0'),
       'city-Springfield-' || ((g % 800) % 97),
       CASE g % 7 WHEN 0 THEN NULL WHEN 1 THEN 'gift' ELSE 'red,green' || repeat(',blue', g % 7) END
FROM generate_series(1, 20000) g;
INSERT INTO readings
SELECT g, floor(random() * 50)::int, floor(random() * 20)::int, substr(md5(random()::text), 1, 1)
FROM generate_series(1, 20000) g;
ANALYZE addresses; ANALYZE readings;
";

fn diagnostics<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["diagnostics"].as_array().map(|all| all.iter().filter(|d| d["rule"] == rule).collect()).unwrap_or_default()
}

/// A throwaway database with [`DDL`] and [`DATA`], and a project whose `s.jsonl` holds one
/// `collect --sample` of it; `None` when no server is configured.
fn loaded_and_collected(test: &str) -> Option<(TestDatabase, TempDir)> {
    let db = TestDatabase::postgres(test)?;
    let mut client = db.postgres_client();
    client.batch_execute(DDL).expect("the schema loads");
    client.batch_execute(DATA).expect("the data loads");
    let dir = project(&[("schema.sql", DDL)]);
    let collect = run_in(dir.path(), &["collect", "--url", &db.url, "--sample", "--stats", "s.jsonl"]);
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    Some((db, dir))
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn a_planted_dependency_and_list_are_found_with_their_counts_and_no_value_is_stored() {
    let test = "a_planted_dependency_and_list_are_found_with_their_counts_and_no_value_is_stored";
    let Some((_db, dir)) = loaded_and_collected(test) else {
        return;
    };
    let stats = std::fs::read_to_string(dir.path().join("s.jsonl")).expect("the stats file is written");
    for value in ["zip-0", "city-", "Springfield", "street-", "red,green", "gift", ",blue"] {
        assert!(!stats.contains(value), "a sampled value `{value}` reached the stats file: {stats}");
    }
    let snapshot: Value = serde_json::from_str(stats.trim()).expect("one snapshot");
    let addresses = snapshot["tables"].as_array().and_then(|t| t.iter().find(|t| t["name"] == "addresses"));
    let probed = addresses.map(|t| t["dependencies"].clone()).unwrap_or(Value::Null);
    let zip_city = probed
        .as_array()
        .and_then(|d| d.iter().find(|d| d["determinant"] == "zip_code" && d["dependent"] == "city"))
        .unwrap_or_else(|| panic!("zip_code → city was probed: {probed:#}"));
    assert_eq!(zip_city["distinct_determinants"], 800, "{zip_city}");
    assert_eq!(zip_city["distinct_pairs"], 800, "{zip_city}");
    assert_eq!(zip_city["distinct_dependents"], 97, "{zip_city}");
    assert_eq!(zip_city["holding_rows"], zip_city["rows"], "{zip_city}");

    let check =
        run_in(dir.path(), &["check", "--stats", "s.jsonl", "--format", "json", "--fail-on", "never", "schema.sql"]);
    let report = check.json();
    let dependencies = diagnostics(&report, "functional-dependency");
    assert_eq!(dependencies.len(), 1, "only zip_code → city: {dependencies:#?}");
    let message = dependencies[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("in 10,000 sampled rows, `zip_code` determines `city`: 800 distinct `zip_code`, 800 distinct (`zip_code`, `city`) pairs"),
        "{message}"
    );
    assert_eq!(dependencies[0]["severity"], "warning");
    let lists = diagnostics(&report, "multi-valued-column");
    assert_eq!(lists.len(), 1, "{lists:#?}");
    let message = lists[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("`labels`") && message.contains("delimited lists"), "{message}");
    assert_eq!(lists[0]["severity"], "warning", "the sample, not the name, is the evidence");
}

#[test]
#[cfg_attr(no_pg_server, ignore = "SCHEMACAST_TEST_PG_URL is not set")]
fn independent_random_columns_show_no_dependency_and_the_probe_can_be_turned_off() {
    let test = "independent_random_columns_show_no_dependency_and_the_probe_can_be_turned_off";
    let Some((db, dir)) = loaded_and_collected(test) else {
        return;
    };
    let snapshot: Value =
        serde_json::from_str(std::fs::read_to_string(dir.path().join("s.jsonl")).unwrap_or_default().trim())
            .expect("one snapshot");
    let readings = snapshot["tables"].as_array().and_then(|t| t.iter().find(|t| t["name"] == "readings"));
    let probed = readings.and_then(|t| t["dependencies"].as_array()).map(Vec::len).unwrap_or(0);
    assert!(probed >= 3, "sensor, level and batch were probed against each other: {readings:#?}");
    let report =
        run_in(dir.path(), &["check", "--stats", "s.jsonl", "--format", "json", "--fail-on", "never", "schema.sql"])
            .json();
    let on_readings: Vec<_> = diagnostics(&report, "functional-dependency")
        .into_iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("`sensor`") || m.contains("`level`") || m.contains("`batch`"))
        })
        .collect();
    assert!(on_readings.is_empty(), "random columns determine nothing: {on_readings:#?}");

    let off = run_in(
        dir.path(),
        &["collect", "--url", &db.url, "--sample", "--dependency-pairs", "0", "--stats", "off.jsonl"],
    );
    assert_eq!(off.status, 0, "{}", off.stderr);
    let text = std::fs::read_to_string(dir.path().join("off.jsonl")).unwrap_or_default();
    assert!(text.contains("\"sampled_rows\"") && !text.contains("\"dependencies\""), "{text}");
}

#[test]
#[cfg_attr(no_mysql_server, ignore = "SCHEMACAST_TEST_MYSQL_URL is not set")]
fn mariadb_finds_the_planted_dependency_too() {
    use mysql::prelude::Queryable;
    let Some(db) = TestDatabase::mysql("mariadb_finds_the_planted_dependency_too") else {
        return;
    };
    let ddl =
        "CREATE TABLE addresses (id bigint PRIMARY KEY, zip_code varchar(20) NOT NULL, city varchar(40) NOT NULL)";
    let mut conn = db.mysql_conn();
    conn.query_drop(ddl).expect("the table is created");
    conn.query_drop(
        "INSERT INTO addresses SELECT seq, CONCAT('zip-', seq % 800), CONCAT('city-', (seq % 800) % 97) FROM seq_1_to_20000",
    )
    .expect("the data loads");
    let dir = project(&[("schema.sql", &format!("{ddl};\n")), ("schemacast.toml", "dialect = \"mysql\"\n")]);
    let collect = run_in(dir.path(), &["collect", "--url", &db.url, "--sample", "--stats", "s.jsonl"]);
    assert_eq!(collect.status, 0, "{}", collect.stderr);
    let stats = std::fs::read_to_string(dir.path().join("s.jsonl")).unwrap_or_default();
    assert!(!stats.contains("zip-") && !stats.contains("city-"), "a sampled value reached the stats file: {stats}");
    let report =
        run_in(dir.path(), &["check", "--stats", "s.jsonl", "--format", "json", "--fail-on", "never", "schema.sql"])
            .json();
    let found = diagnostics(&report, "functional-dependency");
    assert_eq!(found.len(), 1, "{report:#}");
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("800 distinct `zip_code`, 800 distinct (`zip_code`, `city`) pairs")),
        "{found:#?}"
    );
}
