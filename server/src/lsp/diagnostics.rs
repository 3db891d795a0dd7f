//! Findings as LSP diagnostics, and what publishing an analysis sends: each open buffer's
//! diagnostics, the input problems on the files at fault, and the log lines not written yet;
//! a document whose diagnostics did not change is not sent them again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use schemacast_lints::ide::ForeignKeyIndex;
use schemacast_lints::text::FileId;
use schemacast_lints::Severity;
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, NumberOrString,
    PublishDiagnosticsParams, Uri,
};

use super::document::Encoding;
use super::problems;
use super::state::{ProjectAnalysis, State};
use super::transport::Outbox;
use super::workspace::InputProblem;

pub(crate) fn uri_of(path: &str) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// The analysis' findings in one file, as LSP diagnostics.
pub(crate) fn diagnostics(
    pa: &ProjectAnalysis,
    file: FileId,
    encoding: Encoding,
    docs_url: Option<&str>,
) -> Vec<Diagnostic> {
    let references = ForeignKeyIndex::new(&pa.analysis);
    pa.analysis
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.location.file == file)
        .map(|(index, d)| {
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            Diagnostic {
                range: pa.range(file, d.location.range, encoding),
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                    Severity::Info => DiagnosticSeverity::INFORMATION,
                }),
                code: Some(NumberOrString::String(d.rule.to_owned())),
                code_description: docs_url
                    .and_then(|base| Uri::from_str(&format!("{base}{}", d.rule)).ok())
                    .map(|href| CodeDescription { href }),
                source: Some("schemacast".to_owned()),
                message,
                related_information: references.related(&pa.analysis, d.location).and_then(|related| {
                    let location = pa.location(related.location, encoding)?;
                    Some(vec![DiagnosticRelatedInformation { location, message: related.message }])
                }),
                tags: (d.rule == "redundant-index").then(|| vec![DiagnosticTag::UNNECESSARY]),
                data: Some(json!({ "index": index })),
            }
        })
        .collect()
}

/// An open buffer of a project: its URI, path and version.
pub(crate) struct OpenBuffer {
    pub uri: Uri,
    pub path: Option<PathBuf>,
    pub version: i32,
}

/// `textDocument/publishDiagnostics` params, serialized: the document, its diagnostics and the
/// version they are for when it is open.
pub(crate) fn params(uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) -> Vec<u8> {
    // Serializing plain structs cannot fail (no maps with non-string keys, no custom errors).
    serde_json::to_vec(&PublishDiagnosticsParams { uri, diagnostics, version }).unwrap_or_default()
}

pub(crate) fn send(outbox: &Outbox, params: &[u8]) {
    outbox.notify("textDocument/publishDiagnostics", params);
}

/// What to send after an analysis.
pub(crate) struct Publication {
    /// Serialized `publishDiagnostics` params ([`params`]), one per document whose
    /// diagnostics changed.
    pub diagnostics: Vec<Vec<u8>>,
    /// Input problems not logged before: each is logged once, not on every keystroke.
    pub new_problems: Vec<InputProblem>,
    /// The dialect used and why, when it changed.
    pub dialect_note: Option<String>,
    /// The analysis this one replaced: dropping a whole analysis takes milliseconds, so it is
    /// done after the diagnostics are sent, not under the state's lock.
    pub retired: Option<Arc<ProjectAnalysis>>,
}

/// Stores an analysis as its project's latest and says what to publish; `None` when a newer
/// edit arrived meanwhile (another generation, or an open buffer at another version).
pub(crate) fn prepare(
    state: &mut State,
    key: &Path,
    generation: u64,
    analysis: ProjectAnalysis,
) -> Option<Publication> {
    let encoding = state.encoding;
    let buffers: Vec<OpenBuffer> = state
        .documents
        .values()
        .filter(|d| d.project == key)
        .map(|d| OpenBuffer { uri: d.uri.clone(), path: d.path.clone(), version: d.document.version })
        .collect();
    let project = state.projects.get_mut(key)?;
    let stale = buffers.iter().any(|b| b.path.as_ref().is_some_and(|p| analysis.versions.get(p) != Some(&b.version)));
    if project.generation != generation || stale {
        return None;
    }
    let analysis = Arc::new(analysis);
    let retired = project.latest.replace(analysis.clone());
    let mut outgoing = buffer_diagnostics(&analysis, &buffers, encoding);
    let new_problems =
        analysis.problems.items.iter().filter(|p| !project.logged_problems.contains(p)).cloned().collect();
    project.logged_problems = analysis.problems.items.clone();
    let mut dialect_note = None;
    if project.logged_dialect != analysis.dialect {
        project.logged_dialect = analysis.dialect.clone();
        dialect_note = Some(analysis.dialect.clone());
    }
    outgoing.extend(problems::file_updates(project, &analysis.problems, &buffers));
    let diagnostics = outgoing
        .into_iter()
        .filter_map(|(uri, diagnostics, version)| {
            let key = uri.as_str().to_owned();
            let params = params(uri, diagnostics, version);
            changed(&mut project.published, key, &params).then_some(params)
        })
        .collect();
    Some(Publication { diagnostics, new_problems, dialect_note, retired })
}

/// Whether a document's serialized diagnostics (their version included) differ from what it
/// was last sent; records them as sent when they do.
fn changed(published: &mut HashMap<String, Vec<u8>>, uri: String, params: &[u8]) -> bool {
    if published.get(&uri).is_some_and(|sent| sent == params) {
        return false;
    }
    published.insert(uri, params.to_vec());
    true
}

/// Each open buffer's findings, and the config file's problems on every one of them.
fn buffer_diagnostics(
    analysis: &ProjectAnalysis,
    buffers: &[OpenBuffer],
    encoding: Encoding,
) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
    let config_problems = problems::config_problems(&analysis.problems);
    let mut outgoing = Vec::new();
    for buffer in buffers {
        let mut diagnostics = buffer
            .path
            .as_ref()
            .and_then(|p| analysis.file_id(p))
            .map(|file| diagnostics(analysis, file, encoding, None))
            .unwrap_or_default();
        diagnostics.extend(config_problems.iter().cloned());
        outgoing.push((buffer.uri.clone(), diagnostics, Some(buffer.version)));
    }
    outgoing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_uris_round_trip() {
        let uri = uri_of("/tmp/a b/V1__x.sql").unwrap();
        assert_eq!(uri.to_file_path().unwrap(), Path::new("/tmp/a b/V1__x.sql"));
    }
}
