//! The key rules on what new users met: generated columns, MySQL's SERIAL, unique duplicates.

use schemacast_tests::{project, run_in};

fn findings(dir: &std::path::Path, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    run_in(dir, &all).json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap().to_owned(), d["message"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn generated_columns_and_mysql_serial_are_not_narrow_keys() {
    let dir = project(&[
        ("pg.sql", "CREATE TABLE shapes (id bigint PRIMARY KEY, a int NOT NULL, b int GENERATED ALWAYS AS (a * 2) STORED UNIQUE);\n"),
        ("my.sql", "CREATE TABLE t (id SERIAL PRIMARY KEY, name varchar(20)) ENGINE=InnoDB;\n"),
    ]);
    let pg = findings(dir.path(), &["pg.sql", "--select", "int-key-exhaustion"]);
    assert!(pg.is_empty(), "{pg:?}");
    let my = findings(dir.path(), &["my.sql", "--select", "int-key-exhaustion"]);
    assert!(my.is_empty(), "MySQL's SERIAL is BIGINT UNSIGNED: {my:?}");
}

#[test]
fn an_index_identical_to_the_primary_key_or_another_is_redundant_even_when_unique() {
    let dir = project(&[(
        "schema.sql",
        "CREATE TABLE gifi (accno text PRIMARY KEY, description text);\n\
         CREATE UNIQUE INDEX gifi_accno_key ON gifi (accno);\n\
         CREATE TABLE note_class (id int PRIMARY KEY, class text NOT NULL);\n\
         CREATE UNIQUE INDEX note_class_idx ON note_class (lower(class));\n\
         CREATE UNIQUE INDEX note_class_idx_2 ON note_class (lower(class));\n\
         CREATE UNIQUE INDEX note_class_idx_3 ON note_class (lower(class));\n\
         CREATE UNIQUE INDEX gifi_accno_description_key ON gifi (accno, description);\n",
    )]);
    let redundant: Vec<String> = findings(dir.path(), &["schema.sql", "--select", "redundant-index"])
        .into_iter()
        .map(|(_, message)| message)
        .collect();
    assert_eq!(redundant.len(), 3, "{redundant:?}");
    assert!(redundant[0].contains("gifi_accno_key"), "{redundant:?}");
    assert!(
        redundant.iter().any(|m| m.contains("note_class_idx_2"))
            && redundant.iter().any(|m| m.contains("note_class_idx_3"))
    );
    assert!(
        !redundant.iter().any(|m| m.contains("gifi_accno_description_key")),
        "a wider unique index enforces its own constraint"
    );
}
