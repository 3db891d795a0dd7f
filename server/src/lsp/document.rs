//! An open document: its text as a rope, its version, and conversions between LSP positions
//! (UTF-16 or UTF-8 code units, as negotiated) and byte offsets. The counting itself is
//! `schemacast_lints::text`'s, shared with the CLI's line and column.

use ropey::Rope;
use schemacast_lints::text::{byte_of_column, column_of, ColumnUnit, LineIndex};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf8 => ColumnUnit::Utf8,
            Encoding::Utf16 => ColumnUnit::Utf16,
        }
    }
}

pub(crate) struct Document {
    pub rope: Rope,
    pub version: i32,
}

impl Document {
    pub fn new(text: &str, version: i32) -> Document {
        Document { rope: Rope::from_str(text), version }
    }

    /// Applies one change: a range replacement, or the whole text when there is no range.
    /// Out-of-range positions are clamped to the document, never a panic.
    pub fn apply(&mut self, change: &TextDocumentContentChangeEvent, encoding: Encoding) {
        match change.range {
            Some(range) => {
                let start = offset(&self.rope, range.start, encoding);
                let end = offset(&self.rope, range.end, encoding).max(start);
                let (start, end) = (self.rope.byte_to_char(start), self.rope.byte_to_char(end));
                self.rope.remove(start..end);
                self.rope.insert(start, &change.text);
            }
            None => self.rope = Rope::from_str(&change.text),
        }
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }
}

/// Byte offset of a position, clamped to the document (and to the line's end).
pub(crate) fn offset(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    rope.line_to_byte(line) + byte_of_column(rope.line(line).chars(), position.character, encoding.unit())
}

/// The position of a byte offset (rounded down to a character boundary).
pub(crate) fn position(rope: &Rope, offset: usize, encoding: Encoding) -> Position {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let in_line = offset - rope.line_to_byte(line);
    Position { line: line as u32, character: column_of(rope.line(line).chars(), in_line, encoding.unit()) }
}

/// The position of a byte offset in text that is not open in a rope.
pub(crate) fn text_position(text: &str, lines: &LineIndex, offset: usize, encoding: Encoding) -> Position {
    let (line, character) = lines.position(text, offset, encoding.unit());
    Position { line, character }
}

pub(crate) fn range(rope: &Rope, start: usize, end: usize, encoding: Encoding) -> Range {
    Range { start: position(rope, start, encoding), end: position(rope, end, encoding) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_code_units_of_the_negotiated_encoding() {
        // "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "🦀" is 4 bytes and 2 units.
        let rope = Rope::from_str("a\nré🦀x\n");
        let x = "a\nré🦀".len();
        assert_eq!(position(&rope, x, Encoding::Utf16), Position { line: 1, character: 4 });
        assert_eq!(position(&rope, x, Encoding::Utf8), Position { line: 1, character: 7 });
        assert_eq!(offset(&rope, Position { line: 1, character: 4 }, Encoding::Utf16), x);
        assert_eq!(offset(&rope, Position { line: 1, character: 7 }, Encoding::Utf8), x);
        // Inside a surrogate pair or past the line's end: clamped, not a panic.
        assert_eq!(offset(&rope, Position { line: 1, character: 3 }, Encoding::Utf16), "a\nré".len());
        assert_eq!(offset(&rope, Position { line: 1, character: 99 }, Encoding::Utf16), "a\nré🦀x".len());
        assert_eq!(offset(&rope, Position { line: 42, character: 0 }, Encoding::Utf16), rope.len_bytes());
    }

    #[test]
    fn incremental_changes_apply_in_utf16() {
        let mut document = Document::new("CREATE TABLE café (id int);\n", 1);
        let change = TextDocumentContentChangeEvent {
            range: Some(Range { start: Position { line: 0, character: 19 }, end: Position { line: 0, character: 25 } }),
            range_length: None,
            text: "id bigint".into(),
        };
        document.apply(&change, Encoding::Utf16);
        assert_eq!(document.text(), "CREATE TABLE café (id bigint);\n");
    }
}
