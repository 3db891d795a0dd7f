//! Inlay hints: a table's size and projection after its `CREATE TABLE` (its capacity card as
//! the tooltip, resolved on demand) and, if asked, each column's bytes.

use schemacast_lints::ide;
use schemacast_lints::text::FileId;
use serde_json::json;
use tower_lsp_server::ls_types::{InlayHint, InlayHintLabel, Uri};

use super::document::Encoding;
use super::state::ProjectAnalysis;

/// The kinds of hint shown, from the settings (`inlayHints.tables`, `.columns`, `.padding`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kinds {
    pub tables: bool,
    pub columns: bool,
    /// The ` +N pad` of a column's hint.
    pub padding: bool,
}

/// One hint after each `CREATE TABLE` header in the file and, if asked, one per column.
pub(crate) fn inlay_hints(
    pa: &ProjectAnalysis,
    file: FileId,
    uri: &Uri,
    kinds: Kinds,
    encoding: Encoding,
) -> Vec<InlayHint> {
    let Kinds { tables, columns, padding } = kinds;
    ide::capacity_hints(&pa.analysis, file, columns)
        .into_iter()
        .filter(|hint| tables || hint.table.is_none())
        .map(|hint| InlayHint {
            position: pa.position(file, hint.offset, encoding),
            label: InlayHintLabel::String(match &hint.table {
                None if !padding => without_padding(&hint.label).to_owned(),
                _ => hint.label.clone(),
            }),
            kind: None,
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: hint.table.map(|table| json!({ "uri": uri.as_str(), "table": table })),
        })
        .collect()
}

/// A column's hint without its ` +N pad` suffix (`8 B +7 pad` → `8 B`).
fn without_padding(label: &str) -> &str {
    match label.rfind(" +") {
        Some(i) if label.ends_with(" pad") => &label[..i],
        _ => label,
    }
}

/// The tooltip of a table hint: its capacity card.
pub(crate) fn resolve_table_card(pa: &ProjectAnalysis, table: &str) -> Option<String> {
    ide::table_card(&pa.analysis, table)
}

#[cfg(test)]
mod tests {
    #[test]
    fn padding_comes_off_a_column_hint() {
        assert_eq!(super::without_padding("8 B +7 pad"), "8 B");
        assert_eq!(super::without_padding("1 B"), "1 B");
    }
}
