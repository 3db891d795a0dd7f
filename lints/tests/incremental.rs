//! Incremental analysis equals analysis from scratch: random edit scripts over a realistic
//! migration set, one `ParseCache` kept across the whole script (as the language server keeps
//! one per project), and after every edit `analyze_cached` must give exactly what
//! `analyze_with` gives on the same text.

use proptest::prelude::*;
use schemacast_lints::{analyze_cached, analyze_with, Analysis, AnalysisOptions, Dialect, RuleSelection, SourceFile};

const BASE: &str = "\
-- schemacast: rows=2e6 growth=3%/month
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(255) NOT NULL,
    balance double precision,
    created_at timestamp
);

CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total float,
    status text
);
-- schemacast: ignore missing-fk-index -- checked by hand
CREATE TABLE order_items (
    order_id int REFERENCES orders (id),
    sku text,
    qty smallint
);
COMMENT ON TABLE orders IS 'what people bought';
CREATE INDEX orders_status ON orders (status);
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.x := now(); RETURN NEW; END; $$ LANGUAGE plpgsql;
FROBNICATE the widgets;
CREATE TABLE audit (at timestamptz, what text);
";

const LATER: &str = "\
ALTER TABLE orders ADD COLUMN note text;
CREATE INDEX orders_status ON orders (status);
ALTER TABLE order_items ADD CONSTRAINT items_pk PRIMARY KEY (order_id, sku);
-- schemacast: ignore missing-primary-key, no-such-rule
CREATE TABLE audit_copy (LIKE audit INCLUDING ALL);
ALTER TABLE customers RENAME COLUMN balance TO credit;
DROP TABLE IF EXISTS audit;
CREATE TABLE audit (at timestamptz, what text);
";

/// Pieces an edit inserts: single keystrokes, statement boundaries, whole statements (some
/// equal to ones already there, so that one cached outcome is used in two places), comments.
const INSERTS: &[&str] = &[
    "x",
    " ",
    ";",
    "\n",
    "(",
    "'",
    "$$",
    "--",
    "CREATE TABLE audit (at timestamptz, what text);\n",
    "CREATE INDEX orders_status ON orders (status);\n",
    "ALTER TABLE orders ADD COLUMN extra bigint REFERENCES customers;\n",
    "-- schemacast: ignore missing-primary-key\n",
    "-- schemacast: rows=1e5\n",
    "CREATE TABLE t (id int PRIMARY KEY, c_id bigint REFERENCES customers (id));\n",
    "DROP TABLE orders;\n",
    "ünï",
];

#[derive(Clone, Debug)]
struct Edit {
    /// Which file, and where in it, as fractions of its length.
    file: usize,
    at: f64,
    delete: usize,
    insert: usize,
}

fn edit() -> impl Strategy<Value = Edit> {
    (0..2usize, 0.0..=1.0f64, prop_oneof![3 => Just(0usize), 1 => 0..40usize], 0..INSERTS.len() + 1)
        .prop_map(|(file, at, delete, insert)| Edit { file, at, delete, insert })
}

fn apply(text: &mut String, edit: &Edit) {
    let mut start = (text.len() as f64 * edit.at) as usize;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + edit.delete).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let inserted = INSERTS.get(edit.insert).copied().unwrap_or("");
    text.replace_range(start..end, inserted);
}

fn sources(texts: &[String]) -> Vec<SourceFile> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| SourceFile { path: format!("migrations/V{}__step.sql", i + 1), text: text.clone() })
        .collect()
}

/// Everything an analysis says, in a form that compares (the schema has no `PartialEq`).
fn summary(analysis: &Analysis) -> String {
    let files: Vec<_> =
        analysis.files.iter().map(|f| (&f.path, &f.document, f.parsed, &f.skipped, f.lines.clone())).collect();
    format!(
        "files: {files:#?}\ntables: {:#?}\nenums: {:#?}\nschemas: {:?}\ndiagnostics: {:#?}\nsuppressions: {:#?}\nsuppressed: {:#?}",
        analysis.schema.tables(),
        analysis.schema.enums,
        analysis.schema.schemas,
        analysis.diagnostics,
        analysis.suppressions,
        analysis.suppressed,
    )
}

/// Stats for one table, a growth plan for another (`customers`), and a budget and table size the projections pass, so that the
/// rules that read stats and projections (`table-growth`, `storage-budget`, the keys' pace) run.
fn with_stats() -> AnalysisOptions {
    let snapshot = r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-01T00:00:00Z","dialect":"postgres",
        "tables":[{"schema":"public","name":"orders","rows":5000000,"total_bytes":900000000,
                   "columns":[{"name":"status","avg_width":7,"null_frac":0.1,"n_distinct":4.0}]}]}"#;
    AnalysisOptions {
        stats: Some(serde_json::from_str(snapshot).expect("the test's snapshot reads")),
        capacity: schemacast_lints::capacity::CapacitySettings {
            budget_gib: Some(0.01),
            table_size_gib: 0.1,
            ..Default::default()
        },
        ..AnalysisOptions::default()
    }
}

fn check_script(dialect: Dialect, options: AnalysisOptions, edits: &[Edit]) -> Result<(), TestCaseError> {
    let selection = RuleSelection::default();
    let mut texts = vec![BASE.to_owned(), LATER.to_owned()];
    let mut cache = schemacast_lints::syntax::ParseCache::new();
    let cached = analyze_cached(sources(&texts), dialect, &selection, options.clone(), &mut cache);
    let fresh = analyze_with(sources(&texts), dialect, &selection, options.clone());
    prop_assert_eq!(summary(&cached), summary(&fresh));
    for (step, edit) in edits.iter().enumerate() {
        apply(&mut texts[edit.file], edit);
        let cached = analyze_cached(sources(&texts), dialect, &selection, options.clone(), &mut cache);
        let fresh = analyze_with(sources(&texts), dialect, &selection, options.clone());
        prop_assert_eq!(summary(&cached), summary(&fresh), "after edit {} ({:?}) of {:?}", step, edit, texts);
        // The cache keeps only what the latest analysis used: at most one entry per statement.
        let statements: usize = cached.files.iter().map(|f| f.document.statements.len()).sum();
        prop_assert!(cache.len() <= statements, "{} cached for {} statements", cache.len(), statements);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn cached_analysis_equals_fresh_after_every_edit_postgres(edits in prop::collection::vec(edit(), 1..25)) {
        check_script(Dialect::Postgres, AnalysisOptions::default(), &edits)?;
    }

    #[test]
    fn cached_analysis_equals_fresh_after_every_edit_with_stats_and_projections(edits in prop::collection::vec(edit(), 1..25)) {
        check_script(Dialect::Postgres, with_stats(), &edits)?;
    }

    #[test]
    fn cached_analysis_equals_fresh_after_every_edit_mysql(edits in prop::collection::vec(edit(), 1..12)) {
        check_script(Dialect::Mysql, AnalysisOptions::default(), &edits)?;
    }
}

#[test]
fn an_unchanged_set_is_not_parsed_again_and_a_keystroke_parses_one_statement() {
    let selection = RuleSelection::default();
    let mut texts = vec![BASE.to_owned(), LATER.to_owned()];
    let mut cache = schemacast_lints::syntax::ParseCache::new();
    let first = analyze_cached(sources(&texts), Dialect::Postgres, &selection, AnalysisOptions::default(), &mut cache);
    let statements: usize = first.files.iter().map(|f| f.document.statements.len()).sum();
    assert_eq!(cache.last_run(), (0, statements));
    analyze_cached(sources(&texts), Dialect::Postgres, &selection, AnalysisOptions::default(), &mut cache);
    assert_eq!(cache.last_run(), (statements, 0));
    // A character typed into the first table's column: that statement alone is parsed; the
    // ones after it moved by a byte and come from the cache.
    let at = texts[0].find("email").expect("the base text names email");
    texts[0].insert(at, 'x');
    let edited = analyze_cached(sources(&texts), Dialect::Postgres, &selection, AnalysisOptions::default(), &mut cache);
    assert_eq!(cache.last_run(), (statements - 1, 1));
    assert_eq!(cache.last_splits(), (1, 0), "the edited file is split again around the edit only");
    assert!(edited.schema.tables().iter().any(|t| t.column("xemail").is_some()));
    // A stateful word typed (a goose section marker): that file is split whole.
    let at = texts[1].find("CREATE INDEX").expect("the later text creates an index");
    texts[1].insert_str(at, "-- +goose Up\n");
    analyze_cached(sources(&texts), Dialect::Postgres, &selection, AnalysisOptions::default(), &mut cache);
    assert_eq!(cache.last_splits(), (0, 1));
}

#[test]
fn a_keystroke_reruns_the_rules_only_on_its_table_and_the_tables_that_reference_it() {
    let selection = RuleSelection::default();
    let mut texts = vec![BASE.to_owned(), LATER.to_owned()];
    let mut cache = schemacast_lints::syntax::ParseCache::new();
    let analyze = |texts: &[String], cache: &mut schemacast_lints::syntax::ParseCache| {
        analyze_cached(sources(texts), Dialect::Postgres, &selection, with_stats(), cache)
    };
    let first = analyze(&texts, &mut cache);
    let tables = first.schema.tables().len();
    assert_eq!(cache.rules_last_run(), (tables, tables));
    analyze(&texts, &mut cache);
    assert_eq!(cache.rules_last_run(), (0, tables), "nothing changed: every finding carried over");
    // `customers` is edited; `orders` references it. `order_items` references `orders` only,
    // and the audit tables nothing: their findings carry over, moved by the byte typed.
    let at = texts[0].find("email").expect("the base text names email");
    texts[0].insert(at, 'x');
    let edited = analyze(&texts, &mut cache);
    assert_eq!(cache.rules_last_run(), (2, tables));
    let fresh = analyze_with(sources(&texts), Dialect::Postgres, &selection, with_stats());
    assert_eq!(summary(&edited), summary(&fresh));
    // The stats and projections reach the rules that read them (so the property test above
    // compares their findings too).
    let rules: Vec<&str> = fresh.diagnostics.iter().map(|d| d.rule).collect();
    for rule in ["table-growth", "storage-budget", "int-key-exhaustion", "missing-fk-index"] {
        assert!(rules.contains(&rule), "{rule} reports nothing: {rules:?}");
    }
    // A column of `orders` renamed in the second file: `orders`, the table it references
    // (`customers`) and the one that references it (`order_items`) run again; the audit
    // tables keep their findings.
    let at = texts[1].find("note text").expect("the later text adds a note");
    texts[1].insert(at + 4, 's');
    let edited = analyze(&texts, &mut cache);
    assert_eq!(cache.rules_last_run(), (3, tables));
    let fresh = analyze_with(sources(&texts), Dialect::Postgres, &selection, with_stats());
    assert_eq!(summary(&edited), summary(&fresh));
}
