//! `schemacast check` end to end: exit codes, formats, fixes, suppression, config.

use schemacast_tests::{project, run, run_in};

#[test]
fn shop_example_reports_the_planted_defects_at_their_lines() {
    let result = run(&["check", "examples/shop"]);
    assert_eq!(result.status, 1, "{}", result.stderr);
    for expected in [
        "warning[fk-type-mismatch]",
        "--> examples/shop/V2__orders.sql:3:17",
        "--> examples/shop/V2__orders.sql:10:5",
        "--> examples/shop/V3__order_indexes.sql:2:14",
        "--> examples/shop/V4__shipping_and_audit.sql:9:14",
        "--> examples/shop/V5__coupons.sql:8:65",
        "CREATE INDEX CONCURRENTLY orders_coupon_id_idx ON orders (coupon_id);",
        "--> examples/shop/V6__payments.sql:4:14",
        "info[column-padding]: column order of `payments` wastes",
        "at 5.0M rows, from the planning annotation",
        "warning[int-key-exhaustion]: `payments.id` is a 32-bit key (`serial`)",
        "7 warnings, 2 info in 6 files (15 statements parsed, 0 skipped)",
    ] {
        assert!(result.stdout.contains(expected), "missing `{expected}` in:\n{}", result.stdout);
    }
    assert!(!result.stdout.contains("import_staging"), "the suppressed table was reported");
    assert!(!result.stdout.contains('\u{1b}'), "colour escapes without a terminal");
}

#[test]
fn json_output_follows_the_contract() {
    let result = run(&["check", "--format", "json", "examples/shop"]);
    assert_eq!(result.status, 1);
    let json = result.json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["files"], 6);
    assert_eq!(json["statements"]["parsed"], 15);
    assert_eq!(json["statements"]["skipped"], 0);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let found: Vec<(String, String, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["start"]["line"].as_u64().unwrap(),
                d["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let expect = |rule: &str, file: &str, line: u64, column: u64| {
        (rule.to_owned(), format!("examples/shop/{file}"), line, column)
    };
    assert_eq!(
        found,
        [
            expect("fk-type-mismatch", "V2__orders.sql", 3, 17),
            expect("missing-fk-index", "V2__orders.sql", 10, 5),
            expect("redundant-index", "V3__order_indexes.sql", 2, 14),
            expect("missing-primary-key", "V4__shipping_and_audit.sql", 9, 14),
            expect("missing-fk-index", "V5__coupons.sql", 8, 65),
            expect("column-padding", "V6__payments.sql", 4, 14),
            expect("int-key-exhaustion", "V6__payments.sql", 6, 8),
            expect("float-for-money", "V6__payments.sql", 8, 12),
            expect("inet-as-text", "V6__payments.sql", 11, 15),
        ]
    );
    let type_mismatch = &diagnostics[0];
    assert_eq!(type_mismatch["severity"], "warning");
    assert_eq!(type_mismatch["end"]["column"], 24);
    let edit = &type_mismatch["fixes"][0]["edits"][0];
    assert_eq!(edit["text"], "bigint");
    assert_eq!((edit["start"]["line"].as_u64(), edit["start"]["column"].as_u64()), (Some(3), Some(17)));
}

/// An edit as JSON gives it: file, start and end (line, column), new text.
type JsonEdit = (String, (u64, u64), (u64, u64), String);

/// Applies the JSON edits (1-based lines, character columns) to the files they name.
fn apply_fixes(root: &std::path::Path, diagnostics: &[serde_json::Value]) {
    let mut edits: Vec<JsonEdit> = diagnostics
        .iter()
        .flat_map(|d| d["fixes"].as_array().unwrap().iter().flat_map(|f| f["edits"].as_array().unwrap().clone()))
        .map(|e| {
            let pos = |p: &serde_json::Value| (p["line"].as_u64().unwrap(), p["column"].as_u64().unwrap());
            (
                e["file"].as_str().unwrap().to_owned(),
                pos(&e["start"]),
                pos(&e["end"]),
                e["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for file in diagnostics
        .iter()
        .flat_map(|d| d["fixes"].as_array().unwrap().iter().flat_map(|f| f["new_files"].as_array().unwrap().clone()))
    {
        std::fs::write(root.join(file["path"].as_str().unwrap()), file["text"].as_str().unwrap()).unwrap();
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.1));
    for (file, start, end, text) in edits {
        let path = root.join(&file);
        let mut content = std::fs::read_to_string(&path).unwrap();
        let offset = |(line, column): (u64, u64)| {
            let line_start: usize = content.split_inclusive('\n').take(line as usize - 1).map(str::len).sum();
            line_start + content[line_start..].chars().take(column as usize - 1).map(char::len_utf8).sum::<usize>()
        };
        let (from, to) = (offset(start), offset(end));
        content.replace_range(from..to, &text);
        std::fs::write(&path, content).unwrap();
    }
}

#[test]
fn applying_the_printed_index_fixes_clears_those_findings() {
    let dir = schemacast_tests::shop_copy();

    let before = run_in(dir.path(), &["check", "--format", "json", "--select", "missing-fk-index", "shop"]).json();
    let diagnostics = before["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diagnostics.len(), 2);
    apply_fixes(dir.path(), &diagnostics);
    // orders exists before V5: its index is built CONCURRENTLY in a migration of its own.
    let fixed = std::fs::read_to_string(dir.path().join("shop/V7__add_orders_coupon_id_idx.sql")).unwrap();
    assert_eq!(fixed, "CREATE INDEX CONCURRENTLY orders_coupon_id_idx ON orders (coupon_id);\n");

    let after = run_in(dir.path(), &["check", "--format", "json", "shop"]);
    let json = after.json();
    assert_eq!(json["statements"]["skipped"], 0, "the fix broke parsing");
    let rules: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert!(!rules.contains(&"missing-fk-index"), "{rules:?}");
    assert_eq!(rules.len(), 7, "the other findings stay: {rules:?}");
}

#[test]
fn sarif_output_is_valid_for_code_scanning() {
    let result = run(&["check", "--format", "sarif", "examples/shop"]);
    assert_eq!(result.status, 1);
    let sarif = result.json();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "schemacast");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    // The staging table's finding is silenced by an ignore comment: listed, marked suppressed.
    let suppressed: Vec<&serde_json::Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!((results.len(), suppressed.len()), (10, 1));
    assert_eq!(suppressed[0]["ruleId"], "missing-primary-key");
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(matches!(result["level"].as_str(), Some("error" | "warning" | "note")));
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("examples/shop/V") && !uri.contains('\\'), "{uri}");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
    }
    let with_fix = results.iter().find(|r| r["ruleId"] == "missing-fk-index").unwrap();
    let replacement = &with_fix["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert!(replacement["insertedContent"]["text"].as_str().unwrap().contains("CREATE INDEX"));
}

#[test]
fn github_format_prints_workflow_annotations() {
    let result = run(&["check", "--format", "github", "examples/shop"]);
    assert_eq!(result.status, 1);
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{}", result.stdout);
    assert!(lines[0].starts_with("::warning file=examples/shop/V2__orders.sql,line=3,col=17,endLine=3,endColumn=24,title=schemacast fk-type-mismatch::"), "{}", lines[0]);
    assert!(lines.iter().all(|l| !l[2..].contains('\n')));
}

#[test]
fn fail_on_and_rule_selection_decide_the_exit_status() {
    assert_eq!(run(&["check", "--fail-on", "error", "examples/shop"]).status, 0);
    assert_eq!(run(&["check", "--fail-on", "never", "examples/shop"]).status, 0);
    assert_eq!(run(&["check", "--fail-on", "info", "examples/shop"]).status, 1);
    let selected =
        run(&["check", "--format", "json", "--select", "redundant-index,missing-primary-key", "examples/shop"]).json();
    assert_eq!(selected["diagnostics"].as_array().unwrap().len(), 2);
    let ignored = run(&["check", "--format", "json", "--ignore", "missing-fk-index", "examples/shop"]).json();
    assert_eq!(ignored["diagnostics"].as_array().unwrap().len(), 7);

    let unknown = run(&["check", "--select", "missing-fk-idx", "examples/shop"]);
    assert_eq!(unknown.status, 2);
    assert!(
        unknown.stderr.contains("unknown rule `missing-fk-idx`; did you mean `missing-fk-index`?"),
        "{}",
        unknown.stderr
    );
    let bad_flag = run(&["check", "--format", "xml", "examples/shop"]);
    assert_eq!(bad_flag.status, 2);
}

#[test]
fn a_clean_schema_exits_zero() {
    let dir = project(&[("schema.sql", "CREATE TABLE t (id bigint PRIMARY KEY, name text);\n")]);
    let result = run_in(dir.path(), &["check", "schema.sql"]);
    assert_eq!(result.status, 0, "{}{}", result.stdout, result.stderr);
    assert!(result.stdout.contains("no findings in 1 file (1 statement parsed, 0 skipped)"), "{}", result.stdout);
}

#[test]
fn suppression_comments_silence_one_statement_or_a_file() {
    let dir = project(&[
        ("inline.sql", "CREATE TABLE a (x int); -- schemacast: ignore missing-primary-key\nCREATE TABLE b (x int);\n"),
        ("before.sql", "-- schemacast: ignore missing-primary-key, redundant-index\nCREATE TABLE c (x int);\n"),
        ("inside.sql", "CREATE TABLE d (\n  -- schemacast: ignore missing-primary-key\n  x int\n);\n"),
        ("wrong_rule.sql", "-- schemacast: ignore redundant-index\nCREATE TABLE e (x int);\n"),
        ("whole.sql", "-- schemacast: ignore-file\nCREATE TABLE f (x int);\n"),
    ]);
    let json = run_in(
        dir.path(),
        &["check", "--format", "json", "inline.sql", "before.sql", "inside.sql", "wrong_rule.sql", "whole.sql"],
    )
    .json();
    // The comments naming redundant-index silence nothing: unused-suppression says so (ci.rs).
    let messages: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "missing-primary-key")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["table `b` has no primary key", "table `e` has no primary key"]);
}

#[test]
fn config_sets_dialect_paths_and_severities() {
    let dir = project(&[
        ("schemacast.toml", "dialect = \"postgres\"\nschema = [\"db\"]\n\n[rules]\nmissing-primary-key = \"error\"\nredundant-index = \"off\"\n"),
        ("db/001_init.sql", "CREATE TABLE t (a int, b int);\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_ab ON t (a, b);\n"),
    ]);
    let result = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(result.status, 1, "{}", result.stderr);
    let json = result.json();
    let found: Vec<(&str, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("missing-primary-key", "error")]);
    assert_eq!(run_in(dir.path(), &["check", "--fail-on", "error", "db"]).status, 1);
}

#[test]
fn config_errors_name_the_file_and_line() {
    let dir = project(&[
        ("schemacast.toml", "dialect = \"postgres\"\n\n[rules]\nmissing-fk-idx = \"error\"\n"),
        ("schema.sql", "CREATE TABLE t (id int PRIMARY KEY);\n"),
    ]);
    let result = run_in(dir.path(), &["check", "schema.sql"]);
    assert_eq!(result.status, 2);
    assert!(
        result
            .stderr
            .contains("schemacast.toml:4: unknown rule `missing-fk-idx` in [rules]; did you mean `missing-fk-index`?"),
        "{}",
        result.stderr
    );

    let explicit = run_in(dir.path(), &["check", "--config", "missing.toml", "schema.sql"]);
    assert_eq!(explicit.status, 2);
    assert!(explicit.stderr.contains("missing.toml"), "{}", explicit.stderr);
}

#[test]
fn dialect_flag_changes_which_rules_apply() {
    let dir = project(&[(
        "schema.sql",
        "CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE c (id bigint PRIMARY KEY, p_id bigint, FOREIGN KEY (p_id) REFERENCES p (id));\n",
    )]);
    let pg = run_in(dir.path(), &["check", "--format", "json", "schema.sql"]).json();
    assert_eq!(pg["diagnostics"][0]["rule"], "missing-fk-index");
    let mysql = run_in(dir.path(), &["check", "--format", "json", "--dialect", "mysql", "schema.sql"]);
    assert_eq!(mysql.status, 0, "InnoDB indexes foreign keys itself: {}", mysql.stdout);
    assert_eq!(run_in(dir.path(), &["check", "--dialect", "oracle", "schema.sql"]).status, 2);
}

#[test]
fn migration_directories_apply_in_version_order_and_skip_down_parts() {
    let dir = project(&[
        ("m/V10__index.sql", "CREATE INDEX c_p ON c (p_id);\n"),
        ("m/V2__tables.sql", "CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE c (id bigint PRIMARY KEY, p_id bigint REFERENCES p (id));\n"),
        ("m/V11__drop.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP INDEX c_p;\n"),
        ("m/V12__undo.down.sql", "DROP INDEX c_p;\n"),
    ]);
    let result = run_in(dir.path(), &["check", "--format", "json", "m"]);
    assert_eq!(result.status, 0, "{}", result.stdout);
    assert_eq!(result.json()["files"], 3);
}

/// Runs `schemacast ARGS` in `dir` with `input` on standard input.
fn run_with_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> schemacast_tests::Run {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(schemacast_tests::binary())
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the schemacast binary can be started");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("schemacast runs");
    writer.join().expect("stdin is written");
    let run = schemacast_tests::Run::from(output);
    assert!(!run.stderr.contains("panicked"), "schemacast panicked:\n{}", run.stderr);
    run
}

#[test]
fn dash_reads_standard_input_named_by_stdin_filename() {
    let dir = project(&[("db/schemacast.toml", "[rules]\nmissing-primary-key = \"error\"\n")]);
    let schema = "CREATE TABLE audit_log (\n    happened_at timestamptz NOT NULL\n);\n";

    // The name is used in messages, and the config is found from it, as for a file there.
    let run = run_with_stdin(dir.path(), &["check", "-", "--stdin-filename", "db/V9__audit.sql"], schema);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error[missing-primary-key]"), "{}", run.stdout);
    assert!(run.stdout.contains("--> db/V9__audit.sql:1:14"), "{}", run.stdout);
    assert!(run.stdout.contains("1 error in 1 file (1 statement parsed, 0 skipped)"), "{}", run.stdout);
    let json =
        run_with_stdin(dir.path(), &["check", "-", "--stdin-filename", "db/V9__audit.sql", "--format", "json"], schema)
            .json();
    assert_eq!(json["diagnostics"][0]["file"], "db/V9__audit.sql");

    // Without a name it is `-`, and no config applies (none above the current directory).
    let run = run_with_stdin(dir.path(), &["check", "-"], schema);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stdout.contains("warning[missing-primary-key]") && run.stdout.contains("--> -:1:14"), "{}", run.stdout);
    // --stdin-filename alone reads standard input too, as in ruff.
    let run = run_with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "db/V9__audit.sql"],
        "CREATE TABLE t (id bigint PRIMARY KEY);\n",
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stdout.contains("no findings in 1 file"), "{}", run.stdout);

    // `-` among other paths, or a name for files that are not standard input: usage errors.
    let run = run_with_stdin(dir.path(), &["check", "-", "db"], schema);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("`-` reads standard input and must be the only path"), "{}", run.stderr);
    let run = run_with_stdin(dir.path(), &["check", "db", "--stdin-filename", "x.sql"], schema);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--stdin-filename") && run.stderr.contains("`-`"), "{}", run.stderr);
    let run = run_with_stdin(dir.path(), &["check", "-"], "CREATE TABLE \u{0}");
    assert_eq!(run.status, 2);
    assert!(run.stderr.starts_with("error: -: binary file"), "{}", run.stderr);
}
