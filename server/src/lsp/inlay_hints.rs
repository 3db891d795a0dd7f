//! Inlay hints: a table's size and projection after its `CREATE TABLE` (its capacity card as
//! the tooltip, resolved on demand) and, if asked, each column's bytes.

use schemacast_lints::ide;
use schemacast_lints::text::FileId;
use serde_json::json;
use tower_lsp_server::ls_types::{InlayHint, InlayHintLabel, Uri};

use super::document::Encoding;
use super::state::ProjectAnalysis;

/// One hint after each `CREATE TABLE` header in the file and, if asked, one per column.
pub(crate) fn inlay_hints(
    pa: &ProjectAnalysis,
    file: FileId,
    uri: &Uri,
    columns: bool,
    encoding: Encoding,
) -> Vec<InlayHint> {
    ide::capacity_hints(&pa.analysis, file, columns)
        .into_iter()
        .map(|hint| InlayHint {
            position: pa.position(file, hint.offset, encoding),
            label: InlayHintLabel::String(hint.label),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: hint.table.map(|table| json!({ "uri": uri.as_str(), "table": table })),
        })
        .collect()
}

/// The tooltip of a table hint: its capacity card.
pub(crate) fn resolve_table_card(pa: &ProjectAnalysis, table: &str) -> Option<String> {
    ide::table_card(&pa.analysis, table)
}
