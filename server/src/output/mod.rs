//! Renderers of a check's findings: text, JSON, SARIF, GitHub annotations.

mod gcc;
mod github;
mod json;
mod sarif;
mod text;

use std::io::{self, Write};

use clap::ValueEnum;
use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::stats::AttachedStats;
use schemacast_lints::text::{LineCol, Location};
use schemacast_lints::Analysis;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// rustc-style, with source snippets and fixes.
    Text,
    /// The stable JSON contract (`"version": 1`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// One line per finding, `FILE:LINE:COL: SEVERITY: MESSAGE [RULE]`, as compilers print.
    Gcc,
}

/// Writes the findings in `format` to `out`. `summary_note` is added to the text format's
/// summary line (where the stats came from).
pub(crate) fn render(
    analysis: &Analysis,
    stats: Option<&AttachedStats>,
    dialect: Option<&DialectChoice>,
    format: Format,
    colored: bool,
    summary_note: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(analysis, stats, colored, summary_note, out),
        Format::Json => json::render(analysis, stats, dialect, out),
        Format::Sarif => sarif::render(analysis, out),
        Format::Github => github::render(analysis, out),
        Format::Gcc => gcc::render(analysis, out),
    }
}

/// 1-based line and character column of a location's start and end.
pub(crate) fn span(analysis: &Analysis, location: Location) -> (LineCol, LineCol) {
    let file = analysis.file(location.file);
    let start = file.lines.line_col(&file.text, location.range.start as usize);
    let end = file.lines.line_col(&file.text, location.range.end as usize);
    (start, end)
}

/// "3 warnings, 1 error in 4 files (120 statements parsed, 2 skipped)".
pub(crate) fn summary(analysis: &Analysis) -> String {
    use schemacast_lints::Severity;
    let count = |s: Severity| analysis.diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let findings = if analysis.diagnostics.is_empty() {
        "no findings".to_owned()
    } else {
        [(Severity::Error, "error"), (Severity::Warning, "warning"), (Severity::Info, "info")]
            .iter()
            .filter(|(s, _)| count(*s) > 0)
            .map(|(s, word)| if *word == "info" { format!("{} info", count(*s)) } else { plural(count(*s), word) })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{findings} in {} ({} parsed, {} skipped)",
        plural(analysis.files.len(), "file"),
        plural(analysis.statements_parsed(), "statement"),
        analysis.statements_skipped()
    )
}

/// "stats: snapshot of 2026-11-25T08:00:00Z matched 40 of 42 tables; ...".
pub(crate) fn stats_summary(stats: &AttachedStats) -> String {
    let mut line = format!(
        "stats: snapshot of {} matched {} of the DDL's {} tables",
        stats.snapshot.taken_at,
        stats.matched_tables(),
        stats.matched_tables() + stats.unmatched_in_schema.len()
    );
    if !stats.unmatched_in_stats.is_empty() || !stats.unmatched_in_schema.is_empty() {
        line.push_str(&format!(
            "; {} only in the database, {} only in the DDL (`schemacast stats show --unmatched` lists them)",
            stats.unmatched_in_stats.len(),
            stats.unmatched_in_schema.len()
        ));
    }
    line
}
