//! Go to definition: `lints::ide::definition` at an LSP location.

use schemacast_lints::ide;
use schemacast_lints::text::FileId;
use tower_lsp_server::ls_types::Location;

use super::document::Encoding;
use super::state::ProjectAnalysis;

/// From a foreign key's referenced table or column (or any table name) to its definition.
pub(crate) fn definition(pa: &ProjectAnalysis, file: FileId, offset: usize, encoding: Encoding) -> Option<Location> {
    pa.location(ide::definition(&pa.analysis, file, offset)?, encoding)
}
