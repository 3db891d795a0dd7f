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
    let files = fixture_files(fixture);
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    check_files(rule, dialect, &files)
}

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
