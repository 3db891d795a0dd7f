//! Document symbols and folding ranges (from the buffer's tree-sitter outline) and workspace
//! symbols (from every project's latest analysis), converted to LSP types.

use std::sync::Arc;

use ropey::Rope;
use schemacast_lints::ide::{self, SymbolKind as IdeSymbolKind};
use schemacast_lints::syntax::outline::{self, OutlineKind, OutlineSymbol};
use tower_lsp_server::ls_types::{
    DocumentSymbol, FoldingRange, FoldingRangeKind, Location, SymbolInformation, SymbolKind,
};

use super::diagnostics::uri_of;
use super::document::{self, Encoding};
use super::state::ProjectAnalysis;

/// Document symbols from the tree-sitter outline.
pub(crate) fn document_symbols(
    tree: &tree_sitter::Tree,
    text: &str,
    rope: &Rope,
    encoding: Encoding,
) -> Vec<DocumentSymbol> {
    outline::symbols(tree, text).iter().map(|s| document_symbol(s, rope, encoding)).collect()
}

fn document_symbol(symbol: &OutlineSymbol, rope: &Rope, encoding: Encoding) -> DocumentSymbol {
    let (kind, detail) = match symbol.kind {
        OutlineKind::Table => (SymbolKind::STRUCT, "table"),
        OutlineKind::Column => (SymbolKind::FIELD, "column"),
        OutlineKind::Index => (SymbolKind::KEY, "index"),
        OutlineKind::Constraint => (SymbolKind::PROPERTY, "constraint"),
    };
    let children: Vec<DocumentSymbol> = symbol.children.iter().map(|c| document_symbol(c, rope, encoding)).collect();
    let range =
        |r: schemacast_lints::text::TextRange| document::range(rope, r.start as usize, r.end as usize, encoding);
    #[allow(deprecated)]
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: Some(detail.to_owned()),
        kind,
        tags: None,
        deprecated: None,
        range: range(symbol.range),
        selection_range: range(symbol.name_range),
        children: (!children.is_empty()).then_some(children),
    }
}

pub(crate) fn folding_ranges(
    tree: &tree_sitter::Tree,
    text: &str,
    rope: &Rope,
    encoding: Encoding,
) -> Vec<FoldingRange> {
    outline::folds(tree, text)
        .into_iter()
        .map(|fold| FoldingRange {
            start_line: document::position(rope, fold.range.start as usize, encoding).line,
            start_character: None,
            end_line: document::position(rope, fold.range.end as usize, encoding).line,
            end_character: None,
            kind: Some(if fold.comment { FoldingRangeKind::Comment } else { FoldingRangeKind::Region }),
            collapsed_text: None,
        })
        .collect()
}

/// Tables, columns and indexes of every analysed project whose name contains `query`.
pub(crate) fn workspace_symbols(
    analyses: &[Arc<ProjectAnalysis>],
    query: &str,
    encoding: Encoding,
) -> Vec<SymbolInformation> {
    let mut out = Vec::new();
    for pa in analyses {
        for symbol in ide::workspace_symbols(&pa.analysis, query) {
            let Some(uri) = uri_of(&pa.analysis.file(symbol.location.file).path) else { continue };
            let kind = match symbol.kind {
                IdeSymbolKind::Table => SymbolKind::STRUCT,
                IdeSymbolKind::Column => SymbolKind::FIELD,
                IdeSymbolKind::Index => SymbolKind::KEY,
            };
            #[allow(deprecated)]
            out.push(SymbolInformation {
                name: symbol.name,
                kind,
                tags: None,
                deprecated: None,
                location: Location { uri, range: pa.range(symbol.location.file, symbol.location.range, encoding) },
                container_name: Some(symbol.container),
            });
        }
    }
    out
}
