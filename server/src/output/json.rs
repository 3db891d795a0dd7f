//! `--format json`: the stable machine-readable contract (`"version": 1`).
//!
//! The document is typed `Serialize` structs borrowing from the analysis (field order is key
//! order), streamed to the writer: no `serde_json::Value` tree and no whole-document `String`,
//! whose size grows with the findings (100k findings made a tree of gigabytes).

use std::io::{self, Write};

use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::stats::AttachedStats;
use schemacast_lints::suppression::SuppressionScope;
use schemacast_lints::text::{LineCol, Location};
use schemacast_lints::{Analysis, Applicability, Diagnostic, Fix};
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use super::span;

pub(crate) fn render(
    analysis: &Analysis,
    stats: Option<&AttachedStats>,
    dialect: Option<&DialectChoice>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let document = Document {
        version: 1,
        files: analysis.files.len(),
        statements: Statements { parsed: analysis.statements_parsed(), skipped: analysis.statements_skipped() },
        skipped: Skipped(analysis),
        diagnostics: Diagnostics(analysis),
        suppressions: Suppressions(analysis),
        dialect: dialect.map(|choice| DialectOut {
            name: choice.dialect.name(),
            source: choice.source.name(),
            reason: &choice.reason,
        }),
        stats: stats.map(|stats| StatsOut {
            taken_at: stats.snapshot.taken_at.to_string(),
            matched_tables: stats.matched_tables(),
            only_in_database: stats.unmatched_in_stats.iter().map(ToString::to_string).collect(),
            only_in_ddl: stats.unmatched_in_schema.iter().map(ToString::to_string).collect(),
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files: usize,
    statements: Statements,
    skipped: Skipped<'a>,
    diagnostics: Diagnostics<'a>,
    suppressions: Suppressions<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dialect: Option<DialectOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<StatsOut>,
}

#[derive(Serialize)]
struct Statements {
    parsed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct DialectOut<'a> {
    name: &'static str,
    source: &'static str,
    reason: &'a str,
}

#[derive(Serialize)]
struct StatsOut {
    taken_at: String,
    matched_tables: usize,
    only_in_database: Vec<String>,
    only_in_ddl: Vec<String>,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

impl From<LineCol> for Position {
    fn from(at: LineCol) -> Self {
        Self { line: at.line, column: at.column }
    }
}

/// Each statement the parser could not read, in file order, with the reason it groups under.
struct Skipped<'a>(&'a Analysis);

#[derive(Serialize)]
struct SkippedOut<'a> {
    file: &'a str,
    start: Position,
    reason: &'a str,
}

impl Serialize for Skipped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for file in &self.0.files {
            for skipped in &file.skipped {
                let start = file.lines.line_col(&file.text, skipped.range.start as usize);
                seq.serialize_element(&SkippedOut { file: &file.path, start: start.into(), reason: &skipped.reason })?;
            }
        }
        seq.end()
    }
}

/// The findings, each built as it is written.
struct Diagnostics<'a>(&'a Analysis);

impl Serialize for Diagnostics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let analysis = self.0;
        let mut seq = serializer.serialize_seq(Some(analysis.diagnostics.len()))?;
        for d in &analysis.diagnostics {
            seq.serialize_element(&DiagnosticOut::new(analysis, d))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct DiagnosticOut<'a> {
    rule: &'static str,
    severity: &'static str,
    file: &'a str,
    start: Position,
    end: Position,
    message: &'a str,
    help: Option<&'a str>,
    fixes: Fixes<'a>,
}

impl<'a> DiagnosticOut<'a> {
    fn new(analysis: &'a Analysis, d: &'a Diagnostic) -> Self {
        let (start, end) = span(analysis, d.location);
        Self {
            rule: d.rule,
            severity: d.severity.name(),
            file: &analysis.file(d.location.file).path,
            start: start.into(),
            end: end.into(),
            message: &d.message,
            help: d.help.as_deref(),
            fixes: Fixes(analysis, &d.fixes),
        }
    }
}

struct Fixes<'a>(&'a Analysis, &'a [Fix]);

impl Serialize for Fixes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Fixes(analysis, fixes) = *self;
        let mut seq = serializer.serialize_seq(Some(fixes.len()))?;
        for fix in fixes {
            seq.serialize_element(&FixOut {
                title: &fix.title,
                applicability: match fix.applicability {
                    Applicability::Safe => "safe",
                    Applicability::Unsafe => "unsafe",
                },
                edits: Edits(analysis, fix),
                new_files: NewFiles(fix),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct FixOut<'a> {
    title: &'a str,
    applicability: &'static str,
    edits: Edits<'a>,
    new_files: NewFiles<'a>,
}

struct Edits<'a>(&'a Analysis, &'a Fix);

#[derive(Serialize)]
struct EditOut<'a> {
    file: &'a str,
    start: Position,
    end: Position,
    text: &'a str,
}

impl Serialize for Edits<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Edits(analysis, fix) = *self;
        let mut seq = serializer.serialize_seq(Some(fix.edits.len()))?;
        for edit in &fix.edits {
            let (start, end) = span(analysis, edit.location);
            seq.serialize_element(&EditOut {
                file: &analysis.file(edit.location.file).path,
                start: start.into(),
                end: end.into(),
                text: &edit.text,
            })?;
        }
        seq.end()
    }
}

struct NewFiles<'a>(&'a Fix);

#[derive(Serialize)]
struct NewFileOut<'a> {
    path: &'a str,
    text: &'a str,
}

impl Serialize for NewFiles<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.new_files.iter().map(|f| NewFileOut { path: &f.path, text: &f.text }))
    }
}

/// Each ignore comment: where, what it names, why, and how many findings it silenced.
struct Suppressions<'a>(&'a Analysis);

#[derive(Serialize)]
struct SuppressionOut<'a> {
    file: &'a str,
    line: u32,
    scope: &'static str,
    rules: Vec<&'a str>,
    unknown_rules: Vec<&'a str>,
    reason: Option<&'a str>,
    silenced: usize,
}

impl Serialize for Suppressions<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let analysis = self.0;
        serializer.collect_seq(analysis.suppressions.iter().map(|s| {
            let (start, _) = span(analysis, Location::new(s.file, s.range));
            SuppressionOut {
                file: &analysis.file(s.file).path,
                line: start.line,
                scope: match s.scope {
                    SuppressionScope::File => "file",
                    SuppressionScope::Statement(_) => "statement",
                },
                rules: s.rules.iter().map(|r| r.name.as_str()).collect(),
                unknown_rules: s.unknown.iter().map(|r| r.name.as_str()).collect(),
                reason: s.reason.as_deref(),
                silenced: s.silenced,
            }
        }))
    }
}
