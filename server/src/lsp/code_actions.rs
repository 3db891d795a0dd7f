//! Code actions: a finding's quick fixes, the comments that suppress it, and "fix all".

use std::collections::HashMap;

use schemacast_lints::diagnostic::NewFile;
use schemacast_lints::ide::{self, overlaps};
use schemacast_lints::text::FileId;
use schemacast_lints::{Applicability, Edit, Fix};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CreateFile, CreateFileOptions, Diagnostic,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier, Position, Range,
    ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use super::diagnostics::{diagnostics, uri_of};
use super::document::Encoding;
use super::state::ProjectAnalysis;

/// Quick fixes, "ignore" actions and "fix all" for a byte range of a file.
pub(crate) fn code_actions(
    pa: &ProjectAnalysis,
    file: FileId,
    uri: &Uri,
    (start, end): (usize, usize),
    only: Option<&[CodeActionKind]>,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let wants =
        |kind: &CodeActionKind| only.is_none_or(|only| only.iter().any(|k| kind.as_str().starts_with(k.as_str())));
    let lsp_diagnostics = diagnostics(pa, file, encoding, None);
    let findings = pa.analysis.diagnostics.iter().filter(|d| d.location.file == file);
    let mut actions = Vec::new();
    for (lsp_diagnostic, d) in lsp_diagnostics.iter().zip(findings) {
        if !overlaps(d.location.range, start, end) || !wants(&CodeActionKind::QUICKFIX) {
            continue;
        }
        let preferred = d.fixes.len() == 1 && d.fixes[0].applicability == Applicability::Safe;
        for fix in &d.fixes {
            actions.extend(quick_fix(pa, fix, preferred, lsp_diagnostic, encoding));
        }
        // Suppressions: before the statement, or at the top of the file.
        for suppression in ide::suppression_edits(&pa.analysis, d) {
            let position = pa.position(file, suppression.offset, encoding);
            actions.push(insert_action(uri, suppression.title, position, suppression.text, lsp_diagnostic));
        }
    }
    if wants(&CodeActionKind::SOURCE_FIX_ALL) {
        actions.extend(fix_all(pa, file, encoding));
    }
    actions
}

/// A fix as a quick fix: edits to files, or new files created (a new migration).
fn quick_fix(
    pa: &ProjectAnalysis,
    fix: &Fix,
    preferred: bool,
    diagnostic: &Diagnostic,
    encoding: Encoding,
) -> Option<CodeActionOrCommand> {
    let edit = if fix.new_files.is_empty() {
        WorkspaceEdit { changes: Some(edits_by_uri(pa, &fix.edits, encoding)?), ..Default::default() }
    } else {
        let operations = new_file_operations(&fix.new_files)?;
        WorkspaceEdit { document_changes: Some(DocumentChanges::Operations(operations)), ..Default::default() }
    };
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: fix.title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(edit),
        is_preferred: Some(preferred),
        ..Default::default()
    }))
}

/// Every safe fix of the file whose edits do not clash, as one action.
fn fix_all(pa: &ProjectAnalysis, file: FileId, encoding: Encoding) -> Option<CodeActionOrCommand> {
    let edits = ide::fix_all(&pa.analysis, file);
    if edits.is_empty() {
        return None;
    }
    let changes = edits_by_uri(pa, &edits, encoding)?;
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: "Fix all safe schemacast findings".to_owned(),
        kind: Some(CodeActionKind::SOURCE_FIX_ALL),
        edit: Some(WorkspaceEdit { changes: Some(changes), ..Default::default() }),
        ..Default::default()
    }))
}

fn edits_by_uri(pa: &ProjectAnalysis, edits: &[Edit], encoding: Encoding) -> Option<HashMap<Uri, Vec<TextEdit>>> {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let file = edit.location.file;
        let uri = uri_of(&pa.analysis.get_file(file)?.path)?;
        let range = pa.range(file, edit.location.range, encoding);
        changes.entry(uri).or_default().push(TextEdit { range, new_text: edit.text.clone() });
    }
    Some(changes)
}

/// Creating each file (never over an existing one) and writing its text.
fn new_file_operations(files: &[NewFile]) -> Option<Vec<DocumentChangeOperation>> {
    let mut operations = Vec::new();
    for file in files {
        let uri = uri_of(&file.path)?;
        operations.push(DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
            uri: uri.clone(),
            options: Some(CreateFileOptions { overwrite: Some(false), ignore_if_exists: Some(false) }),
            annotation_id: None,
        })));
        let start = Position { line: 0, character: 0 };
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(TextEdit { range: Range { start, end: start }, new_text: file.text.clone() })],
        }));
    }
    Some(operations)
}

fn insert_action(
    uri: &Uri,
    title: String,
    position: Position,
    text: String,
    diagnostic: &Diagnostic,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), vec![TextEdit { range: Range { start: position, end: position }, new_text: text }]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit { changes: Some(changes), ..Default::default() }),
        is_preferred: Some(false),
        ..Default::default()
    })
}
