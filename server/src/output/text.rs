//! rustc-style terminal output through annotate-snippets.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet};
use schemacast_lints::stats::AttachedStats;
use schemacast_lints::text::TextRange;
use schemacast_lints::{Analysis, AnalyzedFile, Applicability, Severity};

/// Writes each finding as it is rendered, then the summary line (with `summary_note` added),
/// the skipped statements by reason and the stats line.
pub(crate) fn render(
    analysis: &Analysis,
    stats: Option<&AttachedStats>,
    colored: bool,
    summary_note: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer = if colored { Renderer::styled() } else { Renderer::plain() };
    for diagnostic in &analysis.diagnostics {
        let file = analysis.file(diagnostic.location.file);
        let level = match diagnostic.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Info => Level::INFO,
        };
        let (source, line_start, range) = excerpt(file, diagnostic.location.range);
        let mut groups: Vec<Group<'_>> =
            vec![level.primary_title(diagnostic.message.as_str()).id(diagnostic.rule).element(
                Snippet::source(source)
                    .line_start(line_start)
                    .path(file.path.as_str())
                    .annotation(AnnotationKind::Primary.span(range)),
            )];
        if let Some(help) = &diagnostic.help {
            groups.push(Group::with_level(Level::HELP).element(Level::HELP.message(help.as_str())));
        }
        for fix in &diagnostic.fixes {
            let title = match fix.applicability {
                Applicability::Safe => format!("fix: {}", fix.title),
                Applicability::Unsafe => format!("fix (unsafe): {}", fix.title),
            };
            let mut group = Group::with_title(Level::HELP.secondary_title(title));
            for edit in &fix.edits {
                let target = analysis.file(edit.location.file);
                let (source, line_start, range) = excerpt(target, edit.location.range);
                group = group.element(
                    Snippet::source(source)
                        .line_start(line_start)
                        .path(target.path.as_str())
                        .patch(Patch::new(range, edit.text.as_str())),
                );
            }
            for file in &fix.new_files {
                let text = format!("new file {}:\n{}", file.path, file.text.trim_end());
                group = group.element(Level::NOTE.message(text));
            }
            groups.push(group);
        }
        write!(out, "{}\n\n", renderer.render(&groups))?;
    }
    writeln!(out, "{}{}", super::summary(analysis), summary_note.unwrap_or(""))?;
    for (reason, count) in analysis.skipped_by_reason() {
        writeln!(out, "{count} skipped: {reason}")?;
    }
    if let Some(stats) = stats {
        writeln!(out, "{}", super::stats_summary(stats))?;
    }
    Ok(())
}

/// The whole lines around `range`, the 1-based number of the first, and `range` within them:
/// annotate-snippets then works on a few lines, not the whole file.
fn excerpt(file: &AnalyzedFile, range: TextRange) -> (&str, usize, std::ops::Range<usize>) {
    let first_line = file.lines.line_of(range.start as usize);
    let last_line = file.lines.line_of(range.end as usize);
    let start = file.lines.line_start(first_line);
    let end =
        if last_line + 1 < file.lines.line_count() { file.lines.line_start(last_line + 1) } else { file.text.len() };
    let excerpt = file.text[start..end].trim_end_matches(['\n', '\r']);
    let local_start = (range.start as usize - start).min(excerpt.len());
    let local_end = (range.end as usize - start).min(excerpt.len()).max(local_start);
    (excerpt, first_line + 1, local_start..local_end)
}
