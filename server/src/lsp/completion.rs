//! Completion: `lints::ide::completion`'s table and column names as LSP items.

use schemacast_lints::ide::{self, CompletionKind};
use tower_lsp_server::ls_types::{CompletionItem, CompletionItemKind};

use super::state::ProjectAnalysis;

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
