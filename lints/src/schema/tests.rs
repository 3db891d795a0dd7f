//! Snapshot tests of the schema model: fixtures run through `analyze` with no rules, and the
//! resulting `Schema` rendered as plain text.

use std::fmt::Write;

use crate::analysis::{analyze, Analysis, SourceFile};
use crate::dialect::Dialect;
use crate::rules::RuleSelection;
use crate::schema::{ForeignKey, Index, IndexKey, IndexOrigin, Schema, Table};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/", $name, ".sql"))
    };
}

/// Splits a fixture at `-- file: NAME` lines into the files of a migration set.
fn fixture_files(fixture: &str) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = Vec::new();
    for line in fixture.split_inclusive('\n') {
        if let Some(name) = line.trim().strip_prefix("-- file:") {
            files.push(SourceFile { path: name.trim().to_owned(), text: String::new() });
        } else {
            if files.is_empty() {
                files.push(SourceFile { path: "fixture.sql".to_owned(), text: String::new() });
            }
            files.last_mut().expect("a file").text.push_str(line);
        }
    }
    files
}

/// Analyzes a fixture with every rule off and renders the schema it builds.
fn schema_of(dialect: Dialect, fixture: &str) -> String {
    let mut none = RuleSelection::default();
    none.only(&[]).expect("no rules");
    let analysis = analyze(fixture_files(fixture), dialect, &none);
    // Only the engine's own `unparsed-ddl` (for the skipped statements rendered below) remains.
    assert!(analysis.diagnostics.iter().all(|d| d.rule == "unparsed-ddl"), "{:?}", analysis.diagnostics);
    render(&analysis)
}

fn render(analysis: &Analysis) -> String {
    let mut out = String::new();
    let schema = &analysis.schema;
    writeln!(out, "dialect: {:?}", schema.dialect).unwrap();
    for file in &analysis.files {
        writeln!(out, "file {}: {} parsed, {} skipped", file.path, file.parsed, file.skipped.len()).unwrap();
        for skipped in &file.skipped {
            let at = file.lines.line_col(&file.text, skipped.range.start as usize);
            let first_line = file.text[skipped.range.to_range()].lines().next().unwrap_or("");
            writeln!(out, "  skipped line {}: {}", at.line, first_line).unwrap();
            writeln!(out, "    error: {}", skipped.error).unwrap();
        }
    }
    if !schema.schemas.is_empty() {
        writeln!(out, "schemas: {}", schema.schemas.join(", ")).unwrap();
    }
    for table in schema.tables() {
        out.push('\n');
        render_table(&mut out, schema, table);
    }
    for e in &schema.enums {
        writeln!(
            out,
            "\nenum {}: {}",
            e.name,
            e.labels.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ")
        )
        .unwrap();
    }
    out
}

/// A qualified name with its schema shown even when it is empty (MySQL), so resolution is visible.
fn qualified(name: &crate::schema::QualifiedName) -> String {
    format!("{}.{}", if name.schema.is_empty() { "<none>" } else { &name.schema }, name.name)
}

fn render_table(out: &mut String, schema: &Schema, table: &Table) {
    let mut head = format!("table {}", qualified(&table.name));
    if table.temporary {
        head.push_str(" temporary");
    }
    if table.partitioned {
        head.push_str(" partitioned");
    }
    if let Some(parent) = &table.partition_of {
        write!(head, " partition-of {}", qualified(parent)).unwrap();
    }
    if !table.inherits.is_empty() {
        write!(head, " inherits {}", table.inherits.iter().map(qualified).collect::<Vec<_>>().join(", ")).unwrap();
    }
    if schema.table(&table.name).is_none_or(|t| !std::ptr::eq(t, table)) {
        head.push_str(" (NOT FOUND BY NAME)");
    }
    writeln!(out, "{head}").unwrap();
    for column in &table.columns {
        let mut line = format!("  column {} {}", column.name, column.ty);
        if column.not_null {
            line.push_str(" not-null");
        }
        match (&column.default, column.has_default) {
            (Some(default), _) => write!(line, " default {default}").unwrap(),
            (None, true) => line.push_str(" default (unknown)"),
            (None, false) => {}
        }
        if column.identity {
            line.push_str(" identity");
        }
        if column.generated {
            line.push_str(" generated");
        }
        if !column.declared_by_definition {
            line.push_str(" (not from a column definition)");
        }
        writeln!(out, "{line}").unwrap();
    }
    for index in &table.indexes {
        writeln!(out, "  {}", render_index(index)).unwrap();
    }
    for fk in &table.foreign_keys {
        writeln!(out, "  {}", render_fk(fk)).unwrap();
    }
    for check in &table.check_constraints {
        writeln!(out, "  check {check}").unwrap();
    }
}

fn render_index(index: &Index) -> String {
    let origin = match index.origin {
        IndexOrigin::PrimaryKey => "primary-key",
        IndexOrigin::UniqueConstraint => "unique-constraint",
        IndexOrigin::Index => "create-index",
        IndexOrigin::TableIndex => "table-index",
    };
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|k| match k {
            IndexKey::Column(c) => c.to_string(),
            IndexKey::Expression(e) => format!("expr {e}"),
        })
        .collect();
    let mut line = format!("index {} [{origin}]", if index.name.is_empty() { "<unnamed>" } else { &index.name });
    if index.unique {
        line.push_str(" unique");
    }
    write!(line, " {} ({})", index.method, keys.join(", ")).unwrap();
    if !index.include.is_empty() {
        write!(line, " include ({})", index.include.join(", ")).unwrap();
    }
    if let Some(predicate) = &index.predicate {
        write!(line, " where {predicate}").unwrap();
    }
    line
}

fn render_fk(fk: &ForeignKey) -> String {
    let referenced =
        if fk.referenced_columns.is_empty() { "<primary key>".to_owned() } else { fk.referenced_columns.join(", ") };
    format!(
        "foreign-key {} ({}) -> {} ({referenced})",
        if fk.name.is_empty() { "<unnamed>" } else { &fk.name },
        fk.columns.join(", "),
        qualified(&fk.referenced_table),
    )
}

#[test]
fn create_table() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("create_table")));
}

#[test]
fn constraint_names_per_dialect() {
    let fixture = fixture!("constraint_names");
    insta::assert_snapshot!("constraint_names_postgres", schema_of(Dialect::Postgres, fixture));
    insta::assert_snapshot!("constraint_names_mysql", schema_of(Dialect::Mysql, fixture));
    insta::assert_snapshot!("constraint_names_sqlite", schema_of(Dialect::Sqlite, fixture));
}

#[test]
fn alter_table() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("alter_table")));
}

#[test]
fn drop() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("drop")));
}

#[test]
fn rename_table() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("rename_table")));
}

#[test]
fn partitions_and_inheritance() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("partitions_and_inheritance")));
}

#[test]
fn search_path() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("search_path")));
}

#[test]
fn name_folding_per_dialect() {
    let fixture = fixture!("name_folding");
    insta::assert_snapshot!("name_folding_postgres", schema_of(Dialect::Postgres, fixture));
    insta::assert_snapshot!("name_folding_sqlite", schema_of(Dialect::Sqlite, fixture));
    insta::assert_snapshot!("name_folding_mysql", schema_of(Dialect::Mysql, fixture!("name_folding_mysql")));
}

#[test]
fn deferred() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("deferred")));
}

#[test]
fn like() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("like")));
}

#[test]
fn mysql_specific() {
    insta::assert_snapshot!(schema_of(Dialect::Mysql, fixture!("mysql_specific")));
}

#[test]
fn pg15_forms() {
    insta::assert_snapshot!(schema_of(Dialect::Postgres, fixture!("pg15_forms")));
}
