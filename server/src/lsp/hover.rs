//! Hover: `lints::ide::hover`'s card and rule docs as Markdown at an LSP range.

use schemacast_lints::ide;
use schemacast_lints::text::FileId;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::document::Encoding;
use super::state::ProjectAnalysis;

/// Hover: a column's bytes and padding, a table's capacity card, a finding's rule docs.
pub(crate) fn hover(pa: &ProjectAnalysis, file: FileId, offset: usize, encoding: Encoding) -> Option<Hover> {
    let info = ide::hover(&pa.analysis, file, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: info.markdown }),
        range: info.range.map(|range| pa.range(file, range, encoding)),
    })
}
