//! rustc-style terminal output through annotate-snippets.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Patch, Renderer, Snippet};
use schemacast_lints::stats::AttachedStats;
use schemacast_lints::text::TextRange;
use schemacast_lints::{Analysis, AnalyzedFile, Applicability, Diagnostic, Severity};

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
    let render_all = |diagnostics: &[Diagnostic]| {
        let mut text = String::new();
        for diagnostic in diagnostics {
            text.push_str(&render_one(analysis, &renderer, diagnostic));
            text.push_str("\n\n");
        }
        text
    };
    // Rendering a finding costs more than finding it: a large schema's thousands are rendered on
    // both cores, a chunk at a time (each half of a chunk on its own thread, then written in
    // order), so output still streams and memory holds one chunk.
    for chunk in analysis.diagnostics.chunks(RENDER_CHUNK) {
        if chunk.len() < PARALLEL_FROM {
            out.write_all(render_all(chunk).as_bytes())?;
            continue;
        }
        let (first, second) = chunk.split_at(chunk.len() / 2);
        let (first, second) = std::thread::scope(|scope| {
            let other = scope.spawn(|| render_all(second));
            let first = render_all(first);
            (first, other.join().unwrap_or_else(|_| render_all(second)))
        });
        out.write_all(first.as_bytes())?;
        out.write_all(second.as_bytes())?;
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

/// Findings rendered (and held) at a time.
const RENDER_CHUNK: usize = 1024;

/// Fewer findings than this are rendered on one thread: a thread costs more than they do.
const PARALLEL_FROM: usize = 128;

/// One finding, rustc-style: its message at its excerpt, its help and its fixes' edits.
fn render_one(analysis: &Analysis, renderer: &Renderer, diagnostic: &Diagnostic) -> String {
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
    renderer.render(&groups)
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
