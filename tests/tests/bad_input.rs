//! Inputs that must never panic or hang: a clear message and exit 2, or lints.

use std::time::{Duration, Instant};

use schemacast_tests::{project, run, run_in};

#[test]
fn missing_path_names_it() {
    let result = run(&["check", "no/such/file.sql"]);
    assert_eq!(result.status, 2);
    assert!(result.stderr.contains("no/such/file.sql: cannot read"), "{}", result.stderr);
}

#[test]
fn directory_without_sql_names_it() {
    let dir = project(&[("empty/readme.txt", "nothing here")]);
    let result = run_in(dir.path(), &["check", "empty"]);
    assert_eq!(result.status, 2);
    assert!(result.stderr.contains("empty: no SQL files in this directory"), "{}", result.stderr);
}

#[test]
fn binary_and_non_utf8_files_are_refused_with_the_reason() {
    let dir = project(&[]);
    std::fs::write(dir.path().join("blob.sql"), [0x7f, b'E', b'L', b'F', 0, 0, 1]).unwrap();
    std::fs::write(dir.path().join("latin1.sql"), b"CREATE TABLE t (id int);\n-- caf\xe9\n").unwrap();
    let binary = run_in(dir.path(), &["check", "blob.sql"]);
    assert_eq!(binary.status, 2);
    assert!(binary.stderr.contains("blob.sql: binary file"), "{}", binary.stderr);
    let latin1 = run_in(dir.path(), &["check", "latin1.sql"]);
    assert_eq!(latin1.status, 2);
    assert!(latin1.stderr.contains("latin1.sql:2: not valid UTF-8"), "{}", latin1.stderr);
}

#[test]
fn empty_file_is_clean() {
    let dir = project(&[("empty.sql", "")]);
    let result = run_in(dir.path(), &["check", "--format", "json", "empty.sql"]);
    assert_eq!(result.status, 0);
    assert_eq!(result.json()["statements"]["parsed"], 0);
}

#[test]
fn an_unterminated_quote_does_not_hide_later_statements() {
    let dir = project(&[(
        "broken.sql",
        "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'oops);\nCREATE TABLE b (x int);\n/* never closed\nCREATE TABLE c (y int);\n",
    )]);
    let json = run_in(dir.path(), &["check", "--format", "json", "broken.sql"]).json();
    let messages: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert!(messages.contains(&"table `b` has no primary key"), "{messages:?}");
    assert!(messages.contains(&"table `c` has no primary key"), "{messages:?}");
    assert!(json["statements"]["skipped"].as_u64().unwrap() >= 1);
}

#[test]
fn deeply_nested_parentheses_are_skipped_not_fatal() {
    let nested = format!("SELECT {}1{};\nCREATE TABLE after_it (x int);\n", "(".repeat(50_000), ")".repeat(50_000));
    let dir = project(&[("deep.sql", nested.as_str())]);
    let json = run_in(dir.path(), &["check", "--format", "json", "deep.sql"]).json();
    assert_eq!(json["statements"]["skipped"], 1);
    assert_eq!(json["diagnostics"][0]["message"], "table `after_it` has no primary key");
}

#[test]
fn a_20_mb_file_is_checked_in_reasonable_time() {
    let mut sql = String::with_capacity(21 << 20);
    let mut n = 0;
    let mut unindexed_fks = 0;
    while sql.len() < 20 << 20 {
        // A finding every thousand tables: the file's size, not the report's, is under test.
        let parent = if n % 1000 == 0 {
            unindexed_fks += 1;
            format!("parent_id bigint REFERENCES t{n} (id)")
        } else {
            "parent_id bigint".to_owned()
        };
        sql.push_str(&format!(
            "CREATE TABLE t{n} (id bigint PRIMARY KEY, {parent}, label varchar(200) NOT NULL, created_at timestamptz DEFAULT now());\n"
        ));
        n += 1;
    }
    let dir = project(&[("big.sql", sql.as_str())]);
    let started = Instant::now();
    let json = run_in(dir.path(), &["check", "--format", "json", "--select", "missing-fk-index", "big.sql"]).json();
    assert_eq!(json["statements"]["parsed"], n);
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), unindexed_fks);
    // Generous: a hang or quadratic blow-up takes far longer even in a debug build.
    assert!(started.elapsed() < Duration::from_secs(120), "took {:?}", started.elapsed());
}

#[test]
fn pg_dump_output_keeps_statements_after_copy_blocks_and_meta_commands() {
    let dump = "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\\connect shop\nCREATE TABLE public.a (id integer NOT NULL);\nCOPY public.a (id) FROM stdin;\n1\n2;CREATE TABLE nope (x int);\n\\.\n\nCREATE TABLE public.b (id integer);\nALTER TABLE ONLY public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);\n";
    let dir = project(&[("dump.sql", dump)]);
    let json = run_in(dir.path(), &["check", "--format", "json", "--select", "missing-primary-key", "dump.sql"]).json();
    let messages: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["table `b` has no primary key"]);
    assert_eq!(json["statements"]["skipped"], 0);
}
