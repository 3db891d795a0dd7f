//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! Typed `Serialize` structs borrowing from the analysis (field order is key order), streamed to
//! the writer: no `serde_json::Value` tree, no whole-document `String`.

use std::collections::HashMap;
use std::io::{self, Write};

use schemacast_lints::rules::all_rules;
use schemacast_lints::suppression::SuppressedDiagnostic;
use schemacast_lints::text::Location;
use schemacast_lints::{Analysis, Diagnostic, Fix, RuleInfo, Severity};
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::span;

pub(crate) fn render(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<RuleInfo> = all_rules().collect();
    let rule_index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.meta.name, i)).collect();
    let summaries: Vec<String> = rules.iter().map(RuleInfo::summary).collect();
    let document = Document {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "schemacast",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: rules.iter().zip(&summaries).map(|(rule, summary)| rule_descriptor(rule, summary)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: Results { analysis, rule_index: &rule_index },
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Results<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'static str,
    name: &'static str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: [&'static str; 1],
}

/// A rule as the driver lists it: its summary, its documentation and its default level.
fn rule_descriptor<'a>(rule: &'a RuleInfo, summary: &'a str) -> RuleDescriptor<'a> {
    RuleDescriptor {
        id: rule.meta.name,
        name: rule.meta.name,
        short_description: Text { text: summary },
        full_description: Text { text: summary },
        help: Help { text: &rule.docs, markdown: &rule.docs },
        default_configuration: Configuration { level: level(rule.meta.default_severity) },
        properties: Properties { tags: [rule.meta.family.name()] },
    }
}

/// The findings, then the silenced findings, each built as it is written.
struct Results<'a> {
    analysis: &'a Analysis,
    rule_index: &'a HashMap<&'a str, usize>,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let analysis = self.analysis;
        let mut seq = serializer.serialize_seq(Some(analysis.diagnostics.len() + analysis.suppressed.len()))?;
        for d in &analysis.diagnostics {
            seq.serialize_element(&result(analysis, self.rule_index, d, None))?;
        }
        for s in &analysis.suppressed {
            seq.serialize_element(&result(analysis, self.rule_index, &s.diagnostic, Some(suppression(analysis, s))))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: MessageOut,
    locations: [LocationOut; 1],
    #[serde(skip_serializing_if = "Fixes::is_empty")]
    fixes: Fixes<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SuppressionOut<'a>; 1]>,
}

#[derive(Serialize)]
struct MessageOut {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// One finding, pointing at its rule by index, with its fixes when it has any (and, when an
/// ignore comment silenced it, that comment).
fn result<'a>(
    analysis: &'a Analysis,
    rule_index: &HashMap<&str, usize>,
    d: &'a Diagnostic,
    suppression: Option<SuppressionOut<'a>>,
) -> ResultOut<'a> {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!(" (help: {help})"));
    }
    ResultOut {
        rule_id: d.rule,
        rule_index: rule_index.get(d.rule).copied().unwrap_or(0),
        level: level(d.severity),
        message: MessageOut { text: message },
        locations: [physical_location(analysis, d.location)],
        fixes: Fixes(analysis, &d.fixes),
        suppressions: suppression.map(|s| [s]),
    }
}

fn physical_location(analysis: &Analysis, location: Location) -> LocationOut {
    LocationOut {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(&analysis.file(location.file).path) },
            region: region(analysis, location),
        },
    }
}

#[derive(Serialize)]
struct SuppressionOut<'a> {
    kind: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<LocationOut>,
}

/// A silenced finding is marked suppressed in source, with the comment's reason as its
/// justification (so code scanning shows it dismissed, and why).
fn suppression<'a>(analysis: &'a Analysis, suppressed: &SuppressedDiagnostic) -> SuppressionOut<'a> {
    let comment = analysis.suppressions.get(suppressed.by);
    SuppressionOut {
        kind: "inSource",
        status: "accepted",
        justification: comment.and_then(|c| c.reason.as_deref()),
        location: comment.map(|c| physical_location(analysis, Location::new(c.file, c.range))),
    }
}

struct Fixes<'a>(&'a Analysis, &'a [Fix]);

impl Fixes<'_> {
    fn is_empty(&self) -> bool {
        self.1.is_empty()
    }
}

impl Serialize for Fixes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Fixes(analysis, fixes) = *self;
        serializer.collect_seq(
            fixes.iter().map(|f| FixOut {
                description: Text { text: &f.title },
                artifact_changes: ArtifactChanges(analysis, f),
            }),
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FixOut<'a> {
    description: Text<'a>,
    artifact_changes: ArtifactChanges<'a>,
}

/// A fix as artifact changes: a replacement per edit, and per new file its whole text inserted
/// at the start of an empty artifact.
struct ArtifactChanges<'a>(&'a Analysis, &'a Fix);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: [Replacement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<'a>,
}

impl Serialize for ArtifactChanges<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ArtifactChanges(analysis, fix) = *self;
        let mut seq = serializer.serialize_seq(Some(fix.edits.len() + fix.new_files.len()))?;
        for edit in &fix.edits {
            seq.serialize_element(&ArtifactChange {
                artifact_location: ArtifactLocation { uri: uri(&analysis.file(edit.location.file).path) },
                replacements: [Replacement {
                    deleted_region: region(analysis, edit.location),
                    inserted_content: Text { text: &edit.text },
                }],
            })?;
        }
        for file in &fix.new_files {
            seq.serialize_element(&ArtifactChange {
                artifact_location: ArtifactLocation { uri: uri(&file.path) },
                replacements: [Replacement {
                    deleted_region: Region { start_line: 1, start_column: 1, end_line: 1, end_column: 1 },
                    inserted_content: Text { text: &file.text },
                }],
            })?;
        }
        seq.end()
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(analysis: &Analysis, location: Location) -> Region {
    let (start, end) = span(analysis, location);
    Region { start_line: start.line, start_column: start.column, end_line: end.line, end_column: end.column }
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
