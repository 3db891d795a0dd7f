//! `--format json`: the stable machine-readable contract (`"version": 1`).

use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::stats::AttachedStats;
use schemacast_lints::text::LineCol;
use schemacast_lints::Analysis;
use serde_json::{json, Value};

use super::span;

pub(crate) fn render(analysis: &Analysis, stats: Option<&AttachedStats>, dialect: Option<&DialectChoice>) -> String {
    let diagnostics: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let (start, end) = span(analysis, d.location);
            let fixes: Vec<Value> = d
                .fixes
                .iter()
                .map(|fix| {
                    let edits: Vec<Value> = fix
                        .edits
                        .iter()
                        .map(|edit| {
                            let (start, end) = span(analysis, edit.location);
                            json!({
                                "file": analysis.file(edit.location.file).path,
                                "start": position(start),
                                "end": position(end),
                                "text": edit.text,
                            })
                        })
                        .collect();
                    json!({
                        "title": fix.title,
                        "applicability": match fix.applicability {
                            schemacast_lints::Applicability::Safe => "safe",
                            schemacast_lints::Applicability::Unsafe => "unsafe",
                        },
                        "edits": edits,
                        "new_files": fix.new_files.iter().map(|f| json!({"path": f.path, "text": f.text})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "rule": d.rule,
                "severity": d.severity.name(),
                "file": analysis.file(d.location.file).path,
                "start": position(start),
                "end": position(end),
                "message": d.message,
                "help": d.help,
                "fixes": fixes,
            })
        })
        .collect();
    let mut document = json!({
        "version": 1,
        "files": analysis.files.len(),
        "statements": { "parsed": analysis.statements_parsed(), "skipped": analysis.statements_skipped() },
        "skipped": skipped(analysis),
        "diagnostics": diagnostics,
        "suppressions": suppressions(analysis),
    });
    if let Some(choice) = dialect {
        document["dialect"] = json!({
            "name": choice.dialect.name(),
            "source": choice.source.name(),
            "reason": choice.reason,
        });
    }
    if let Some(stats) = stats {
        document["stats"] = json!({
            "taken_at": stats.snapshot.taken_at.to_string(),
            "matched_tables": stats.matched_tables(),
            "only_in_database": stats.unmatched_in_stats.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "only_in_ddl": stats.unmatched_in_schema.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// Each statement the parser could not read, in file order, with the reason it groups under.
fn skipped(analysis: &Analysis) -> Vec<Value> {
    analysis
        .files
        .iter()
        .flat_map(|file| {
            file.skipped.iter().map(|skipped| {
                let start = file.lines.line_col(&file.text, skipped.range.start as usize);
                json!({ "file": file.path, "start": position(start), "reason": skipped.reason })
            })
        })
        .collect()
}

/// Each ignore comment: where, what it names, why, and how many findings it silenced.
fn suppressions(analysis: &Analysis) -> Vec<Value> {
    use schemacast_lints::suppression::SuppressionScope;
    analysis
        .suppressions
        .iter()
        .map(|s| {
            let (start, _) = span(analysis, schemacast_lints::text::Location::new(s.file, s.range));
            json!({
                "file": analysis.file(s.file).path,
                "line": start.line,
                "scope": match s.scope { SuppressionScope::File => "file", SuppressionScope::Statement(_) => "statement" },
                "rules": s.rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
                "unknown_rules": s.unknown.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
                "reason": s.reason,
                "silenced": s.silenced,
            })
        })
        .collect()
}

fn position(at: LineCol) -> Value {
    json!({ "line": at.line, "column": at.column })
}
