//! Problems found while gathering a project's inputs (a broken config or stats file, an
//! unreadable SQL file) as diagnostics: on the file at fault, and for a broken config also on
//! every open SQL buffer of the project, since its rules and settings fall back to defaults.

use std::collections::HashMap;
use std::str::FromStr;

use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, Position, Range, Uri};

use crate::lsp::diagnostics::{uri_of, OpenBuffer};
use crate::lsp::state::ProjectState;
use crate::lsp::workspace::{Input, InputProblems};

fn error_at_line(line: u32, message: String) -> Diagnostic {
    Diagnostic {
        range: Range { start: Position { line, character: 0 }, end: Position { line, character: 1000 } },
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some("schemacast".to_owned()),
        message,
        ..Default::default()
    }
}

/// The config file's problems as diagnostics for line 1 of each open SQL buffer.
pub(crate) fn config_problems(problems: &InputProblems) -> Vec<Diagnostic> {
    problems
        .items
        .iter()
        .filter(|problem| problem.input == Input::Config)
        .map(|problem| error_at_line(0, format!("{problem}; the defaults apply until it is fixed")))
        .collect()
}

/// Diagnostics to publish on the files at fault, and empty lists for files that had problems
/// last time and have none now; open buffers get theirs with their own diagnostics.
pub(crate) fn file_updates(
    project: &mut ProjectState,
    problems: &InputProblems,
    open: &[OpenBuffer],
) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
    let mut by_file: HashMap<String, Vec<Diagnostic>> = HashMap::new();
    for problem in &problems.items {
        let Some(uri) = uri_of(&problem.path.display().to_string()) else { continue };
        by_file
            .entry(uri.as_str().to_owned())
            .or_default()
            .push(error_at_line(problem.line.saturating_sub(1), problem.message.clone()));
    }
    let mut outgoing = Vec::new();
    let previous = std::mem::take(&mut project.problem_uris);
    for uri in previous.iter().filter(|u| !by_file.contains_key(*u)) {
        if let Ok(uri) = Uri::from_str(uri) {
            outgoing.push((uri, Vec::new(), None));
        }
    }
    for (uri, diagnostics) in by_file {
        project.problem_uris.push(uri.clone());
        if let Ok(uri) = Uri::from_str(&uri) {
            if !open.iter().any(|buffer| buffer.uri == uri) {
                outgoing.push((uri, diagnostics, None));
            }
        }
    }
    outgoing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::workspace::InputProblem;
    use std::path::PathBuf;

    #[test]
    fn only_config_problems_go_on_every_buffer() {
        let config = PathBuf::from("/p/schemacast.toml");
        let problem =
            |line, input, message: &str| InputProblem { path: config.clone(), line, input, message: message.into() };
        let problems = InputProblems {
            items: vec![
                problem(1, Input::Stats, "cannot read stats file /p/s.jsonl: missing"),
                problem(4, Input::Config, "unknown key `x`"),
            ],
        };
        let shown = config_problems(&problems);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].message, "/p/schemacast.toml:4: unknown key `x`; the defaults apply until it is fixed");
        assert_eq!(shown[0].range.start, Position { line: 0, character: 0 });
    }
}
