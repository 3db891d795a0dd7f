//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

use schemacast_lints::rules::all_rules;
use schemacast_lints::suppression::SuppressedDiagnostic;
use schemacast_lints::text::Location;
use schemacast_lints::{Analysis, Diagnostic, Fix, RuleInfo, Severity};
use serde_json::{json, Value};

use super::span;

pub(crate) fn render(analysis: &Analysis) -> String {
    let rules: Vec<_> = all_rules().collect();
    let rule_descriptors: Vec<Value> = rules.iter().map(rule_descriptor).collect();
    let mut results: Vec<Value> = analysis.diagnostics.iter().map(|d| result(analysis, &rules, d)).collect();
    results.extend(analysis.suppressed.iter().map(|s| suppressed_result(analysis, &rules, s)));
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "schemacast",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rule_descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// A rule as the driver lists it: its summary, its documentation and its default level.
fn rule_descriptor(rule: &RuleInfo) -> Value {
    json!({
        "id": rule.meta.name,
        "name": rule.meta.name,
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": rule.summary() },
        "help": { "text": rule.docs, "markdown": rule.docs },
        "defaultConfiguration": { "level": level(rule.meta.default_severity) },
        "properties": { "tags": [rule.meta.family.name()] },
    })
}

/// One finding, pointing at its rule by index, with its fixes when it has any.
fn result(analysis: &Analysis, rules: &[RuleInfo], d: &Diagnostic) -> Value {
    let rule_index = rules.iter().position(|r| r.meta.name == d.rule).unwrap_or(0);
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!(" (help: {help})"));
    }
    let mut result = json!({
        "ruleId": d.rule,
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&analysis.file(d.location.file).path) },
                "region": region(analysis, d.location),
            }
        }],
    });
    if !d.fixes.is_empty() {
        result["fixes"] = Value::Array(d.fixes.iter().map(|f| fix(analysis, f)).collect());
    }
    result
}

/// A finding an ignore comment silenced, marked suppressed in source, with the comment's reason
/// as its justification (so code scanning shows it dismissed, and why).
fn suppressed_result(analysis: &Analysis, rules: &[RuleInfo], suppressed: &SuppressedDiagnostic) -> Value {
    let mut value = result(analysis, rules, &suppressed.diagnostic);
    let mut suppression = json!({ "kind": "inSource", "status": "accepted" });
    if let Some(comment) = analysis.suppressions.get(suppressed.by) {
        if let Some(reason) = &comment.reason {
            suppression["justification"] = json!(reason);
        }
        suppression["location"] = json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&analysis.file(comment.file).path) },
                "region": region(analysis, Location::new(comment.file, comment.range)),
            }
        });
    }
    value["suppressions"] = json!([suppression]);
    value
}

/// A fix as artifact changes: a replacement per edit, and per new file its whole text inserted
/// at the start of an empty artifact.
fn fix(analysis: &Analysis, fix: &Fix) -> Value {
    let mut changes: Vec<Value> = fix
        .edits
        .iter()
        .map(|edit| {
            json!({
                "artifactLocation": { "uri": uri(&analysis.file(edit.location.file).path) },
                "replacements": [{
                    "deletedRegion": region(analysis, edit.location),
                    "insertedContent": { "text": edit.text },
                }],
            })
        })
        .collect();
    changes.extend(fix.new_files.iter().map(|file| {
        json!({
            "artifactLocation": { "uri": uri(&file.path) },
            "replacements": [{
                "deletedRegion": { "startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1 },
                "insertedContent": { "text": file.text },
            }],
        })
    }));
    json!({ "description": { "text": fix.title }, "artifactChanges": changes })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(analysis: &Analysis, location: schemacast_lints::text::Location) -> Value {
    let (start, end) = span(analysis, location);
    json!({ "startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column })
}

/// A relative URI reference with `/` separators and percent-encoding, as SARIF requires.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let encoded = percent_encoding::utf8_percent_encode(path, PATH_KEEPS).to_string();
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// Everything but unreserved characters and the path separator is escaped (RFC 3986).
const PATH_KEEPS: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(uri("./db/V1__init.sql"), "db/V1__init.sql");
        assert_eq!(uri("my dir/a.sql"), "my%20dir/a.sql");
        assert_eq!(uri("/abs/x.sql"), "file:///abs/x.sql");
    }
}
