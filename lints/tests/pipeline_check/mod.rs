//! Runs one document through the whole engine (split → parse → model → rules → fixes → the
//! editor's queries and line/column conversion) and checks what must hold for any input: no
//! panic, every range inside its document and on character boundaries, every fix's edits apply
//! cleanly, and an applied `missing-fk-index` fix removes its finding.
//!
//! Shared by the property tests (`tests/properties.rs`) and the fuzz target
//! (`fuzz/fuzz_targets/pipeline.rs`), so a crash found by one is checked by both.

use schemacast_lints::ide;
use schemacast_lints::syntax::outline;
use schemacast_lints::text::{ColumnUnit, FileId, TextRange};
use schemacast_lints::{analyze, analyze_cached, Analysis, AnalysisOptions, Dialect, Edit, RuleSelection, SourceFile};

/// The file name a document is analysed under: a migration, so fixes may add a new one.
pub const PATH: &str = "V1__fuzz.sql";

/// Analyses `before`, then `after` through the same parse cache (as the language server does
/// after an edit), and panics unless the result is the one a fresh analysis of `after` gives.
pub fn check_edit(before: &str, after: &str, dialect: Dialect) {
    let selection = RuleSelection::default();
    let sources = |text: &str| vec![SourceFile { path: PATH.into(), text: text.into() }];
    let mut cache = schemacast_lints::syntax::ParseCache::new();
    analyze_cached(sources(before), dialect, &selection, AnalysisOptions::default(), &mut cache);
    let cached = analyze_cached(sources(after), dialect, &selection, AnalysisOptions::default(), &mut cache);
    let fresh = analyze(sources(after), dialect, &selection);
    let summary = |analysis: &Analysis| {
        let file = &analysis.files[0];
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:#?}\n{:#?}",
            file.document,
            file.lines,
            file.skipped,
            analysis.schema.tables(),
            analysis.diagnostics,
            analysis.suppressions
        )
    };
    assert_eq!(summary(&cached), summary(&fresh), "after the edit {before:?} -> {after:?}");
}

/// Analyses `text` as `dialect` and checks every invariant; panics (with the reason) when one
/// fails.
pub fn check_document(text: &str, dialect: Dialect) {
    let selection = RuleSelection::default();
    let analysis = analyze(vec![SourceFile { path: PATH.into(), text: text.into() }], dialect, &selection);
    let file = FileId::from_index(0);
    check_ranges(&analysis, text);
    check_editor_queries(&analysis, file, text);
    for diagnostic in &analysis.diagnostics {
        for fix in &diagnostic.fixes {
            let fixed = apply(text, &fix.edits);
            let mut files = vec![SourceFile { path: PATH.into(), text: fixed }];
            files.extend(fix.new_files.iter().map(|f| SourceFile { path: f.path.clone(), text: f.text.clone() }));
            let after = analyze(files, dialect, &selection);
            if diagnostic.rule == "missing-fk-index" {
                // Two tables may end up with one name (a rename onto a taken one), and so two
                // findings with one message: the fix must remove one of them, its own.
                let alike =
                    |d: &&schemacast_lints::Diagnostic| d.rule == diagnostic.rule && d.message == diagnostic.message;
                let before = analysis.diagnostics.iter().filter(alike).count();
                let remaining = after.diagnostics.iter().filter(alike).count();
                assert!(
                    remaining < before,
                    "`{}` still reported {remaining} times (was {before}) after its fix `{}`",
                    diagnostic.message,
                    fix.title
                );
            }
        }
    }
    let all = ide::fix_all(&analysis, file);
    let _ = apply(text, &all);
}

fn check_range(range: TextRange, text: &str, what: &str) {
    assert!(range.start <= range.end, "{what}: reversed range {range:?}");
    assert!(range.end as usize <= text.len(), "{what}: {range:?} ends past the document's {} bytes", text.len());
    assert!(text.is_char_boundary(range.start as usize), "{what}: {range:?} starts inside a character");
    assert!(text.is_char_boundary(range.end as usize), "{what}: {range:?} ends inside a character");
}

fn check_ranges(analysis: &Analysis, text: &str) {
    let lines = &analysis.file(FileId::from_index(0)).lines;
    for diagnostic in &analysis.diagnostics {
        assert_eq!(diagnostic.location.file.index(), 0, "{} points at an unknown file", diagnostic.rule);
        let what = format!("{} `{}`", diagnostic.rule, diagnostic.message);
        check_range(diagnostic.location.range, text, &what);
        // What every renderer does with a finding: line and column, in each unit.
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            let (line, column) = lines.position(text, diagnostic.location.range.start as usize, unit);
            assert_eq!(
                lines.offset(text, line, column, unit),
                diagnostic.location.range.start as usize,
                "{what}: line/column {line}:{column} does not lead back to its offset"
            );
        }
        for fix in &diagnostic.fixes {
            for edit in &fix.edits {
                assert_eq!(edit.location.file.index(), 0, "fix `{}` edits an unknown file", fix.title);
                check_range(edit.location.range, text, &format!("fix `{}`", fix.title));
            }
        }
    }
    for skipped in &analysis.file(FileId::from_index(0)).skipped {
        check_range(skipped.range, text, "skipped statement");
    }
}

fn check_editor_queries(analysis: &Analysis, file: FileId, text: &str) {
    // A handful of offsets spread over the document, always on character boundaries.
    let mut offsets: Vec<usize> = (0..=8).map(|i| text.len() * i / 8).collect();
    offsets.iter_mut().for_each(|o| *o = schemacast_lints::text::floor_char_boundary(text, *o));
    for &offset in &offsets {
        if let Some(hover) = ide::hover(analysis, file, offset) {
            if let Some(range) = hover.range {
                check_range(range, text, "hover");
            }
        }
        if let Some(target) = ide::definition(analysis, file, offset) {
            let target_text = &analysis.file(target.file).text;
            check_range(target.range, target_text, "definition");
        }
        let _ = ide::completion(analysis, text, offset);
    }
    for hint in ide::capacity_hints(analysis, file, true) {
        assert!(hint.offset <= text.len() && text.is_char_boundary(hint.offset), "inlay hint at {}", hint.offset);
        if let Some(table) = &hint.table {
            let _ = ide::table_card(analysis, table);
        }
    }
    let _ = ide::workspace_symbols(analysis, "");
    let mut parser = outline::sql_parser();
    if let Some(tree) = outline::parse(&mut parser, text, None) {
        for symbol in outline::symbols(&tree, text) {
            check_range(symbol.range, text, "outline symbol");
            check_range(symbol.name_range, text, "outline name");
        }
        for fold in outline::folds(&tree, text) {
            check_range(fold.range, text, "fold");
        }
    }
}

/// `text` with `edits` applied; panics when two edits overlap.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.location.range.start, e.location.range.end));
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0].location.range, pair[1].location.range);
        assert!(a.end <= b.start || (a.is_empty() && b.is_empty()), "edits overlap: {a:?} and {b:?}");
    }
    let mut out = text.to_owned();
    for edit in sorted.iter().rev() {
        check_range(edit.location.range, &out, "edit");
        out.replace_range(edit.location.range.to_range(), &edit.text);
    }
    out
}
