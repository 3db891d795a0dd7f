//! The answers to requests, as plain functions of an analysis (and, for symbols and folding,
//! of the document's tree).

use std::collections::HashMap;
use std::str::FromStr;

use ropey::Rope;
use schemacast_lints::ide::{self, contains, overlaps, CompletionKind, ForeignKeyIndex};
use schemacast_lints::rules::rule;
use schemacast_lints::schema::Table;
use schemacast_lints::storage::WidthSource;
use schemacast_lints::syntax::outline::{self, OutlineKind, OutlineSymbol};
use schemacast_lints::text::Location as LintLocation;
use schemacast_lints::{Applicability, Severity};
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeDescription, CompletionItem, CompletionItemKind, CreateFile,
    CreateFileOptions, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    DocumentChangeOperation, DocumentChanges, DocumentSymbol, FoldingRange, FoldingRangeKind, Hover, HoverContents,
    InlayHint, InlayHintLabel, Location, MarkupContent, MarkupKind, NumberOrString, OneOf,
    OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, SymbolInformation, SymbolKind,
    TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use super::capacity::CapacityCard;
use super::document::{self, Encoding};
use super::state::ProjectAnalysis;

pub(crate) fn uri_of(path: &str) -> Option<Uri> {
    Uri::from_file_path(path)
}

/// An engine location as an LSP location (`None` when its file has no URI).
fn lsp_location(pa: &ProjectAnalysis, location: LintLocation, encoding: Encoding) -> Option<Location> {
    let file = location.file.0 as usize;
    let uri = uri_of(&pa.analysis.files.get(file)?.path)?;
    Some(Location { uri, range: pa.range(file, location.range.start as usize, location.range.end as usize, encoding) })
}

/// The analysis' findings in one file, as LSP diagnostics.
pub(crate) fn diagnostics(
    pa: &ProjectAnalysis,
    file: usize,
    encoding: Encoding,
    docs_url: Option<&str>,
) -> Vec<Diagnostic> {
    let references = ForeignKeyIndex::new(&pa.analysis);
    pa.analysis
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.location.file.0 as usize == file)
        .map(|(index, d)| {
            let range = pa.range(file, d.location.range.start as usize, d.location.range.end as usize, encoding);
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            Diagnostic {
                range,
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
                    let location = lsp_location(pa, related.location, encoding)?;
                    Some(vec![DiagnosticRelatedInformation { location, message: related.message }])
                }),
                tags: (d.rule == "redundant-index").then(|| vec![DiagnosticTag::UNNECESSARY]),
                data: Some(json!({ "index": index })),
            }
        })
        .collect()
}

fn edits_by_uri(
    pa: &ProjectAnalysis,
    edits: &[schemacast_lints::Edit],
    encoding: Encoding,
) -> Option<HashMap<Uri, Vec<TextEdit>>> {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in edits {
        let file = edit.location.file.0 as usize;
        let uri = uri_of(&pa.analysis.files.get(file)?.path)?;
        let range = pa.range(file, edit.location.range.start as usize, edit.location.range.end as usize, encoding);
        changes.entry(uri).or_default().push(TextEdit { range, new_text: edit.text.clone() });
    }
    Some(changes)
}

/// Creating each file (never over an existing one) and writing its text.
fn new_file_operations(files: &[schemacast_lints::diagnostic::NewFile]) -> Option<Vec<DocumentChangeOperation>> {
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

/// Quick fixes, "ignore" actions and "fix all" for a range of a file.
pub(crate) fn code_actions(
    pa: &ProjectAnalysis,
    file: usize,
    uri: &Uri,
    start: usize,
    end: usize,
    only: Option<&[CodeActionKind]>,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let wants =
        |kind: &CodeActionKind| only.is_none_or(|only| only.iter().any(|k| kind.as_str().starts_with(k.as_str())));
    let lsp_diagnostics = diagnostics(pa, file, encoding, None);
    let mut actions = Vec::new();
    for (lsp_diagnostic, d) in
        lsp_diagnostics.iter().zip(pa.analysis.diagnostics.iter().filter(|d| d.location.file.0 as usize == file))
    {
        if !overlaps(d.location.range, start, end) || !wants(&CodeActionKind::QUICKFIX) {
            continue;
        }
        let preferred = d.fixes.len() == 1 && d.fixes[0].applicability == Applicability::Safe;
        for fix in &d.fixes {
            let edit = if fix.new_files.is_empty() {
                let Some(changes) = edits_by_uri(pa, &fix.edits, encoding) else { continue };
                WorkspaceEdit { changes: Some(changes), ..Default::default() }
            } else {
                let Some(operations) = new_file_operations(&fix.new_files) else { continue };
                WorkspaceEdit { document_changes: Some(DocumentChanges::Operations(operations)), ..Default::default() }
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diagnostic.clone()]),
                edit: Some(edit),
                is_preferred: Some(preferred),
                ..Default::default()
            }));
        }
        // Suppressions: before the statement, or at the top of the file.
        for suppression in ide::suppression_edits(&pa.analysis, d) {
            let position = pa.range(file, suppression.offset, suppression.offset, encoding).start;
            actions.push(insert_action(uri, suppression.title, position, suppression.text, lsp_diagnostic));
        }
    }
    if wants(&CodeActionKind::SOURCE_FIX_ALL) {
        let edits = ide::fix_all(&pa.analysis, file);
        if !edits.is_empty() {
            if let Some(changes) = edits_by_uri(pa, &edits, encoding) {
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Fix all safe schemacast findings".to_owned(),
                    kind: Some(CodeActionKind::SOURCE_FIX_ALL),
                    edit: Some(WorkspaceEdit { changes: Some(changes), ..Default::default() }),
                    ..Default::default()
                }));
            }
        }
    }
    actions
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

fn table_at(pa: &ProjectAnalysis, file: usize, offset: usize) -> Option<(usize, &Table)> {
    pa.analysis
        .schema
        .tables()
        .iter()
        .enumerate()
        .find(|(_, t)| t.name_loc.file.0 as usize == file && contains(t.name_loc.range, offset))
}

/// Hover: a column's bytes and padding, a table's capacity card, a finding's rule docs.
pub(crate) fn hover(pa: &ProjectAnalysis, file: usize, offset: usize, encoding: Encoding) -> Option<Hover> {
    let schema = &pa.analysis.schema;
    let mut parts: Vec<String> = Vec::new();
    let mut range = None;
    if let Some((table_index, table)) = table_at(pa, file, offset) {
        parts.push(CapacityCard::new(&pa.analysis, table_index).markdown());
        range = Some(pa.range(file, table.name_loc.range.start as usize, table.name_loc.range.end as usize, encoding));
    } else {
        'tables: for (table_index, table) in schema.tables().iter().enumerate() {
            for (index, column) in table.columns.iter().enumerate() {
                if column.name_loc.file.0 as usize != file || !contains(column.name_loc.range, offset) {
                    continue;
                }
                let card = CapacityCard::new(&pa.analysis, table_index);
                let layout = &card.estimate.columns[index];
                let share = if card.estimate.row_bytes > 0.0 {
                    layout.bytes * (1.0 - layout.null_frac) / card.estimate.row_bytes * 100.0
                } else {
                    0.0
                };
                let mut text = format!("**{}.{}** `{}`\n\n- {:.1} B{}\n- alignment padding before it: {:.1} B\n- {share:.1}% of the {:.0} B row\n", table.name.name, column.name, column.ty, layout.bytes, match layout.source {
                    WidthSource::Declared => String::new(),
                    WidthSource::Assumed => " (assumed; `schemacast collect` samples the real width)".to_owned(),
                    WidthSource::Stats => " (sampled)".to_owned(),
                }, layout.padding_before, card.estimate.row_bytes);
                if layout.null_frac > 0.0 {
                    text.push_str(&format!("- null in {:.0}% of rows\n", layout.null_frac * 100.0));
                }
                parts.push(text);
                range = Some(pa.range(
                    file,
                    column.name_loc.range.start as usize,
                    column.name_loc.range.end as usize,
                    encoding,
                ));
                break 'tables;
            }
        }
    }
    for d in pa
        .analysis
        .diagnostics
        .iter()
        .filter(|d| d.location.file.0 as usize == file && contains(d.location.range, offset))
    {
        if let Some(info) = rule(d.rule) {
            parts.push(format!("**{}** ({})\n\n{}", info.meta.name, info.meta.family.name(), info.docs));
            range = range.or_else(|| {
                Some(pa.range(file, d.location.range.start as usize, d.location.range.end as usize, encoding))
            });
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: parts.join("\n\n---\n\n") }),
        range,
    })
}

/// One hint after each `CREATE TABLE` header in the file and, if asked, one per column.
pub(crate) fn inlay_hints(
    pa: &ProjectAnalysis,
    file: usize,
    uri: &Uri,
    columns: bool,
    encoding: Encoding,
) -> Vec<InlayHint> {
    let schema = &pa.analysis.schema;
    let text = &pa.analysis.files[file].text;
    let line_end = |offset: usize| text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut hints = Vec::new();
    for (table_index, table) in schema.tables().iter().enumerate().filter(|(_, t)| t.name_loc.file.0 as usize == file) {
        let card = CapacityCard::new(&pa.analysis, table_index);
        let at = line_end(table.name_loc.range.end as usize);
        hints.push(InlayHint {
            position: pa.range(file, at, at, encoding).start,
            label: InlayHintLabel::String(card.hint_label()),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: Some(json!({ "uri": uri.as_str(), "table": table.name.to_string() })),
        });
        if !columns {
            continue;
        }
        for (column, layout) in table.columns.iter().zip(&card.estimate.columns) {
            if column.name_loc.file.0 as usize != file {
                continue;
            }
            let at = line_end(column.name_loc.range.end as usize);
            let label = if layout.padding_before >= 0.5 {
                format!("{:.0} B +{:.0} pad", layout.bytes, layout.padding_before)
            } else {
                format!("{:.0} B", layout.bytes)
            };
            hints.push(InlayHint {
                position: pa.range(file, at, at, encoding).start,
                label: InlayHintLabel::String(label),
                kind: None,
                text_edits: None,
                tooltip: None,
                padding_left: Some(true),
                padding_right: None,
                data: None,
            });
        }
    }
    hints
}

/// The tooltip of a table hint: its capacity card.
pub(crate) fn resolve_table_card(pa: &ProjectAnalysis, table: &str) -> Option<String> {
    let index = pa.analysis.schema.tables().iter().position(|t| t.name.to_string() == table)?;
    Some(CapacityCard::new(&pa.analysis, index).markdown())
}

/// Document symbols from the tree-sitter outline.
pub(crate) fn document_symbols(
    tree: &tree_sitter::Tree,
    text: &str,
    rope: &Rope,
    encoding: Encoding,
) -> Vec<DocumentSymbol> {
    fn convert(symbol: &OutlineSymbol, rope: &Rope, encoding: Encoding) -> DocumentSymbol {
        let kind = match symbol.kind {
            OutlineKind::Table => SymbolKind::STRUCT,
            OutlineKind::Column => SymbolKind::FIELD,
            OutlineKind::Index => SymbolKind::KEY,
            OutlineKind::Constraint => SymbolKind::PROPERTY,
        };
        let children: Vec<DocumentSymbol> = symbol.children.iter().map(|c| convert(c, rope, encoding)).collect();
        #[allow(deprecated)]
        DocumentSymbol {
            name: symbol.name.clone(),
            detail: Some(
                match symbol.kind {
                    OutlineKind::Table => "table",
                    OutlineKind::Column => "column",
                    OutlineKind::Index => "index",
                    OutlineKind::Constraint => "constraint",
                }
                .to_owned(),
            ),
            kind,
            tags: None,
            deprecated: None,
            range: document::range(rope, symbol.range.start as usize, symbol.range.end as usize, encoding),
            selection_range: document::range(
                rope,
                symbol.name_range.start as usize,
                symbol.name_range.end as usize,
                encoding,
            ),
            children: (!children.is_empty()).then_some(children),
        }
    }
    outline::symbols(tree, text).iter().map(|s| convert(s, rope, encoding)).collect()
}

pub(crate) fn folding_ranges(
    tree: &tree_sitter::Tree,
    text: &str,
    rope: &Rope,
    encoding: Encoding,
) -> Vec<FoldingRange> {
    outline::folds(tree, text)
        .into_iter()
        .map(|r| {
            let start = document::position(rope, r.start as usize, encoding);
            let end = document::position(rope, r.end as usize, encoding);
            let comment = text[r.to_range()].starts_with("--") || text[r.to_range()].starts_with("/*");
            FoldingRange {
                start_line: start.line,
                start_character: None,
                end_line: end.line,
                end_character: None,
                kind: Some(if comment { FoldingRangeKind::Comment } else { FoldingRangeKind::Region }),
                collapsed_text: None,
            }
        })
        .collect()
}

/// Tables, columns and indexes of every analysed project whose name contains `query`.
pub(crate) fn workspace_symbols(
    analyses: &[std::sync::Arc<ProjectAnalysis>],
    query: &str,
    encoding: Encoding,
) -> Vec<SymbolInformation> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for pa in analyses {
        let mut add = |name: String, kind: SymbolKind, location: LintLocation, container: Option<String>| {
            if !name.to_lowercase().contains(&query) {
                return;
            }
            let file = location.file.0 as usize;
            let Some(uri) = uri_of(&pa.analysis.files[file].path) else { return };
            let range = pa.range(file, location.range.start as usize, location.range.end as usize, encoding);
            #[allow(deprecated)]
            out.push(SymbolInformation {
                name,
                kind,
                tags: None,
                deprecated: None,
                location: Location { uri, range },
                container_name: container,
            });
        };
        for table in pa.analysis.schema.tables() {
            add(table.name.name.clone(), SymbolKind::STRUCT, table.name_loc, Some(table.name.schema.clone()));
            for column in &table.columns {
                add(column.name.clone(), SymbolKind::FIELD, column.name_loc, Some(table.name.name.clone()));
            }
            for index in &table.indexes {
                add(index.name.clone(), SymbolKind::KEY, index.loc, Some(table.name.name.clone()));
            }
        }
    }
    out
}

/// From a foreign key's referenced table or column (or any table name) to its definition.
pub(crate) fn definition(pa: &ProjectAnalysis, file: usize, offset: usize, encoding: Encoding) -> Option<Location> {
    lsp_location(pa, ide::definition(&pa.analysis, file, offset)?, encoding)
}

/// Table and column names for the statement being typed in `text` (the buffer as it is now).
pub(crate) fn completion(pa: &ProjectAnalysis, text: &str, offset: usize) -> Vec<CompletionItem> {
    ide::completion(&pa.analysis, text, offset)
        .into_iter()
        .map(|item| CompletionItem {
            label: item.label,
            kind: Some(match item.kind {
                CompletionKind::Table => CompletionItemKind::CLASS,
                CompletionKind::Column => CompletionItemKind::FIELD,
            }),
            detail: Some(item.detail),
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn path_uris_round_trip() {
        let uri = uri_of("/tmp/a b/V1__x.sql").unwrap();
        assert_eq!(uri.to_file_path().unwrap(), Path::new("/tmp/a b/V1__x.sql"));
    }
}
