//! Editor queries over an [`Analysis`], in the spirit of rust-analyzer's `ide` crate: each one
//! takes an analysis, a file and byte offsets and returns plain data (byte ranges, strings,
//! enums). The language server converts positions and types and speaks the protocol; the
//! analysis behind each answer lives here.

mod capacity;
mod completion;
mod definition;
mod fix_all;
mod hover;
mod inlay_hints;
mod references;
mod suppression;
mod symbols;

pub use capacity::CapacityCard;
pub use completion::{completion, CompletionItem, CompletionKind};
pub use definition::{definition, word_at};
pub use fix_all::fix_all;
pub use hover::{hover, HoverInfo};
pub use inlay_hints::{capacity_hints, table_card, CapacityHint};
pub use references::{ForeignKeyIndex, RelatedLocation};
pub use suppression::{suppression_edits, SuppressionEdit};
pub use symbols::{workspace_symbols, Symbol, SymbolKind};

use crate::text::TextRange;

/// Whether `range` and `start..=end` share an offset (touching counts).
pub fn overlaps(range: TextRange, start: usize, end: usize) -> bool {
    (range.start as usize) <= end && start <= (range.end as usize)
}

/// Whether `offset` is inside `range` or at either end of it.
pub fn contains(range: TextRange, offset: usize) -> bool {
    (range.start as usize) <= offset && offset <= (range.end as usize)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::{analyze, Analysis, Dialect, RuleSelection, SourceFile};

    /// An analysis of PostgreSQL files given as `(path, text)`, with every default rule.
    pub fn analysis(files: &[(&str, &str)]) -> Analysis {
        let files = files
            .iter()
            .map(|(path, text)| SourceFile { path: (*path).to_owned(), text: (*text).to_owned() })
            .collect();
        analyze(files, Dialect::Postgres, &RuleSelection::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_touching_an_offset_count() {
        let range = TextRange::new(4, 8);
        assert!(contains(range, 4));
        assert!(contains(range, 8));
        assert!(!contains(range, 9));
        assert!(overlaps(range, 8, 10));
        assert!(overlaps(range, 0, 4));
        assert!(!overlaps(range, 9, 12));
    }
}
