//! Renders a rule's findings on a fixture the way the terminal shows them, for snapshots.

use crate::analysis::{analyze_with, AnalysisOptions, SourceFile};
use crate::config::Config;
use crate::dialect::Dialect;
use crate::rules::RuleSelection;
use crate::stats::{day_of, read_history, read_series};

/// The fixtures' "today": horizons of tables without a history start here.
const FIXTURE_TODAY: &str = "2026-12-01T00:00:00Z";

/// Runs one rule over fixture files (applied in order) and renders every finding with its line,
/// the source line, a caret line and its fixes, followed by the re-lint after applying the fixes.
pub(crate) fn check(rule: &str, dialect: Dialect, fixture: &str) -> String {
    let files = fixture_files(without_snapshot_headers(fixture));
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    check_files(rule, dialect, &files)
}

/// The header line that names a snapshot of a fixture: `-- snapshot NAME: RULE, DIALECT`.
const SNAPSHOT_HEADER: &str = "-- snapshot ";

/// One snapshot a fixture's header asks for.
#[derive(Debug)]
pub(crate) struct SnapshotCase {
    /// The fixture's file name, for messages.
    pub(crate) fixture: String,
    /// The snapshot's name: its file is `<module>__NAME.snap` in the family's `snapshots/`.
    pub(crate) name: String,
    pub(crate) rule: String,
    pub(crate) dialect: Dialect,
    pub(crate) text: String,
}

/// The fixture without its leading snapshot headers, so line numbers are those of the SQL below.
fn without_snapshot_headers(fixture: &str) -> &str {
    let mut rest = fixture;
    while rest.starts_with(SNAPSHOT_HEADER) {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// Every snapshot the fixtures of `rules/<family>/fixtures/` name in their headers, by fixture
/// file name. A fixture without a header is an error: it would never be checked.
pub(crate) fn snapshot_cases(family: &str) -> Vec<SnapshotCase> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules").join(family).join("fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("fixture directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let fixture = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let headers: Vec<&str> = text.lines().map_while(|line| line.strip_prefix(SNAPSHOT_HEADER)).collect();
        assert!(!headers.is_empty(), "{fixture}: start it with `{SNAPSHOT_HEADER}NAME: RULE, DIALECT`");
        for header in headers {
            let parsed = header.split_once(':').and_then(|(name, rest)| {
                let (rule, dialect) = rest.split_once(',')?;
                Some((name.trim(), rule.trim(), dialect.trim().parse::<Dialect>().ok()?))
            });
            let Some((name, rule, dialect)) = parsed else {
                panic!("{fixture}: `{SNAPSHOT_HEADER}{header}` is not `NAME: RULE, DIALECT`");
            };
            cases.push(SnapshotCase {
                fixture: fixture.clone(),
                name: name.to_owned(),
                rule: rule.to_owned(),
                dialect,
                text: text.clone(),
            });
        }
    }
    cases
}

/// The family's snapshot test: every fixture's every header, and at least one per rule of the
/// family. Expanded in the family's `tests` module, so snapshot files keep that module's prefix.
macro_rules! family_snapshot_tests {
    ($family:literal) => {
        #[test]
        fn every_fixture_matches_its_snapshots() {
            let cases = crate::rules::test_support::snapshot_cases($family);
            for rule in super::RULES {
                assert!(
                    cases.iter().any(|case| case.rule == rule.meta.name),
                    "{} has no fixture naming it in a `-- snapshot` header",
                    rule.meta.name
                );
            }
            let mut failed = Vec::new();
            for case in &cases {
                assert!(
                    super::RULES.iter().any(|rule| rule.meta.name == case.rule),
                    "{}: `{}` is not a rule of the {} family",
                    case.fixture,
                    case.rule,
                    $family
                );
                let output = crate::rules::test_support::check(&case.rule, case.dialect, &case.text);
                let matched = std::panic::catch_unwind(|| insta::assert_snapshot!(case.name.as_str(), output));
                if matched.is_err() {
                    failed.push(format!("{} ({})", case.name, case.fixture));
                }
            }
            assert!(failed.is_empty(), "snapshots that differ: {}", failed.join(", "));
        }
    };
}
pub(crate) use family_snapshot_tests;

/// Splits a fixture at `-- file: NAME` lines into the files of a migration set. A file named
/// `*.jsonl` is a stats file: its latest snapshot is attached to the schema and its history
/// forecast; a file named `schemacast.toml` gives thresholds and capacity settings.
fn fixture_files(fixture: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in fixture.split_inclusive('\n') {
        if let Some(name) = line.trim().strip_prefix("-- file:") {
            files.push((name.trim().to_owned(), String::new()));
        } else {
            if files.is_empty() {
                files.push(("fixture.sql".to_owned(), String::new()));
            }
            if let Some((_, text)) = files.last_mut() {
                text.push_str(line);
            }
        }
    }
    files
}

pub(crate) fn check_files(rule: &str, dialect: Dialect, files: &[(&str, &str)]) -> String {
    let mut selection = RuleSelection::default();
    selection.only(&[rule.to_owned()]).expect("fixture names a known rule");
    let mut options = AnalysisOptions { today: FIXTURE_TODAY.parse().ok().map(day_of), ..AnalysisOptions::default() };
    let mut sources = Vec::new();
    for (path, text) in files {
        if path.ends_with(".jsonl") {
            let history = read_history(text, path);
            assert!(history.problems.is_empty(), "fixture stats: {:?}", history.problems);
            options.stats = history.latest().cloned();
            options.series = Some(std::sync::Arc::new(read_series(text, path)));
        } else if path.ends_with("schemacast.toml") {
            let config = Config::parse(text, path).expect("fixture config parses");
            // Rules the fixture turns on run beside the one under test (unused-suppression
            // needs findings to silence).
            for (name, level) in &config.rules {
                selection.set(name, *level).expect("fixture config names known rules");
            }
            options.settings = config.settings;
            options.capacity = config.capacity;
        } else {
            sources.push(SourceFile { path: path.to_string(), text: text.to_string() });
        }
    }
    let analysis = analyze_with(sources.clone(), dialect, &selection, options.clone());
    let mut out = String::new();
    for diagnostic in &analysis.diagnostics {
        let file = analysis.file(diagnostic.location.file);
        let start = file.lines.line_col(&file.text, diagnostic.location.range.start as usize);
        let line_start = file.lines.line_start(start.line as usize - 1);
        let line_end = file.text[line_start..].find('\n').map_or(file.text.len(), |i| line_start + i);
        let width = file.text[diagnostic.location.range.to_range()].chars().count().max(1);
        let end_col = if (diagnostic.location.range.end as usize) > line_end { line_end - line_start } else { width };
        out.push_str(&format!(
            "{}[{}] {}:{}:{}: {}\n",
            diagnostic.severity, diagnostic.rule, file.path, start.line, start.column, diagnostic.message
        ));
        out.push_str(&format!(
            "  | {}\n  | {}{}\n",
            &file.text[line_start..line_end],
            " ".repeat(start.column as usize - 1),
            "^".repeat(end_col.min(width).max(1))
        ));
        if let Some(help) = &diagnostic.help {
            out.push_str(&format!("  = help: {help}\n"));
        }
        for fix in &diagnostic.fixes {
            out.push_str(&format!("  = fix ({:?}): {}\n", fix.applicability, fix.title));
            for edit in &fix.edits {
                let at = analysis.file(edit.location.file);
                let pos = at.lines.line_col(&at.text, edit.location.range.start as usize);
                out.push_str(&format!("    {}:{}:{} {:?}\n", at.path, pos.line, pos.column, edit.text));
            }
            for file in &fix.new_files {
                out.push_str(&format!("    new file {} {:?}\n", file.path, file.text));
            }
        }
    }
    if analysis.diagnostics.is_empty() {
        out.push_str("(no findings)\n");
    }
    let skipped = analysis.statements_skipped();
    if skipped > 0 {
        out.push_str(&format!("(statements skipped: {skipped})\n"));
    }
    out.push_str(&fix_round_trip(rule, dialect, &selection, &options, &sources, &analysis));
    out
}

/// Applies every fix, then re-parses and re-lints: the fixed text must parse as well as before
/// and the rule must be silent on it.
fn fix_round_trip(
    rule: &str,
    dialect: Dialect,
    selection: &RuleSelection,
    options: &AnalysisOptions,
    sources: &[SourceFile],
    analysis: &crate::Analysis,
) -> String {
    let mut fixed: Vec<SourceFile> = sources.to_vec();
    let mut edits: Vec<&crate::Edit> =
        analysis.diagnostics.iter().flat_map(|d| d.fixes.iter().flat_map(|f| &f.edits)).collect();
    let new_files: Vec<&crate::diagnostic::NewFile> =
        analysis.diagnostics.iter().flat_map(|d| d.fixes.iter().flat_map(|f| &f.new_files)).collect();
    if edits.is_empty() && new_files.is_empty() {
        return String::new();
    }
    // Apply from the end so earlier offsets stay valid.
    edits.sort_by_key(|e| std::cmp::Reverse(e.location));
    for edit in edits {
        let text = &mut fixed[edit.location.file.0 as usize].text;
        text.replace_range(edit.location.range.to_range(), &edit.text);
    }
    // New migrations run after the set's files, in the order the fixes name them.
    let mut added: Vec<&crate::diagnostic::NewFile> = new_files;
    added.sort_by(|a, b| a.path.cmp(&b.path));
    added.dedup_by(|a, b| a.path == b.path);
    fixed.extend(added.iter().map(|f| SourceFile { path: f.path.clone(), text: f.text.clone() }));
    let after = analyze_with(fixed, dialect, selection, options.clone());
    assert_eq!(after.statements_skipped(), analysis.statements_skipped(), "fixes for {rule} broke parsing");
    let remaining: Vec<String> =
        after.diagnostics.iter().filter(|d| d.rule == rule && !d.fixes.is_empty()).map(|d| d.message.clone()).collect();
    assert!(remaining.is_empty(), "{rule} still fires after its fixes: {remaining:?}");
    "(fixes applied: re-parsed cleanly, rule silent)\n".to_owned()
}
