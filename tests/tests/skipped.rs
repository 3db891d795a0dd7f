//! What `check` says about statements it could not read: where each is and why, in JSON, in the
//! text summary (grouped by reason) and with `--verbose`; and `--timings`.

use schemacast_tests::{project, run_in};

/// A table, a dollar-quoted comment on it (understood, not skipped), two statements rejected
/// alike and one rejected otherwise.
const SCHEMA: &str = "CREATE TABLE orders (id bigint PRIMARY KEY);\n\
                      COMMENT ON TABLE orders IS $$ What was bought. $$;\n\
                      CREATE VIEW v AS SELECT FROM WHERE;\n  \
                      CREATE VIEW w AS SELECT FROM WHERE;\n\
                      FROBNICATE the widgets;\n";

const VIEW_REASON: &str = "CREATE VIEW: expected table name";
const FROBNICATE_REASON: &str = "FROBNICATE: expected an SQL statement";

#[test]
fn json_lists_each_skipped_statement_with_its_place_and_reason() {
    let dir = project(&[("schema.sql", SCHEMA)]);
    let json = run_in(dir.path(), &["check", "--format", "json", "--fail-on", "never", "schema.sql"]).json();
    assert_eq!(json["statements"]["parsed"], 2, "{json}");
    assert_eq!(
        json["skipped"],
        serde_json::json!([
            { "file": "schema.sql", "start": { "line": 3, "column": 1 }, "reason": VIEW_REASON },
            { "file": "schema.sql", "start": { "line": 4, "column": 3 }, "reason": VIEW_REASON },
            { "file": "schema.sql", "start": { "line": 5, "column": 1 }, "reason": FROBNICATE_REASON },
        ]),
        "{json}"
    );
    assert_eq!(json["statements"]["skipped"], 3);
}

#[test]
fn json_skipped_is_an_empty_list_when_everything_was_read() {
    let dir = project(&[("schema.sql", "CREATE TABLE t (id bigint PRIMARY KEY);\n")]);
    let json = run_in(dir.path(), &["check", "--format", "json", "schema.sql"]).json();
    assert_eq!(json["skipped"], serde_json::json!([]), "{json}");
}

#[test]
fn the_text_summary_counts_skipped_statements_by_reason_most_common_first() {
    let dir = project(&[("schema.sql", SCHEMA)]);
    let result = run_in(dir.path(), &["check", "--fail-on", "never", "schema.sql"]);
    let expected = format!(
        "no findings in 1 file (2 statements parsed, 3 skipped)\n2 skipped: {VIEW_REASON}\n1 skipped: {FROBNICATE_REASON}\n"
    );
    assert!(result.stdout.ends_with(&expected), "{}", result.stdout);
    // Without --verbose, statements are not listed one by one.
    assert!(!result.stderr.contains("skipped:"), "{}", result.stderr);
}

#[test]
fn verbose_lists_each_skipped_statement_on_stderr() {
    let dir = project(&[("schema.sql", SCHEMA)]);
    let result = run_in(dir.path(), &["check", "--verbose", "--format", "json", "--fail-on", "never", "schema.sql"]);
    let listed: Vec<&str> = result.stderr.lines().filter(|l| l.starts_with("skipped: ")).collect();
    assert_eq!(
        listed,
        [
            format!("skipped: schema.sql:3:1: {VIEW_REASON}"),
            format!("skipped: schema.sql:4:3: {VIEW_REASON}"),
            format!("skipped: schema.sql:5:1: {FROBNICATE_REASON}"),
        ],
        "{}",
        result.stderr
    );
    // stdout stays the JSON document.
    assert_eq!(result.json()["statements"]["skipped"], 3);
}

#[test]
fn timings_prints_every_phase_on_stderr_only_when_asked() {
    let dir = project(&[("schema.sql", SCHEMA)]);
    let timed = run_in(dir.path(), &["check", "--timings", "--format", "json", "--fail-on", "never", "schema.sql"]);
    let lines: Vec<&str> = timed.stderr.lines().collect();
    let start = lines.iter().position(|l| *l == "timings (wall clock):").unwrap_or_else(|| panic!("{}", timed.stderr));
    let phases: Vec<&str> = lines[start + 1..].iter().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(phases, ["read", "split", "parse", "lower", "model", "capacity", "rules", "render", "total"]);
    for line in &lines[start + 1..] {
        let figures: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(figures.len(), 3, "{line}");
        assert!(figures[1].parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{line}");
        assert_eq!(figures[2], "ms", "{line}");
    }
    assert_eq!(timed.json()["statements"]["parsed"], 2);
    let untimed = run_in(dir.path(), &["check", "--format", "json", "--fail-on", "never", "schema.sql"]);
    assert!(!untimed.stderr.contains("timings"), "{}", untimed.stderr);
}
