//! Byte ranges in source files and their conversion to lines and columns.

use std::ops::Range;

/// Index of a file in the [`crate::Workspace`] it was loaded into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    /// The file at `index` in the analysis' list of files.
    pub fn from_index(index: usize) -> FileId {
        FileId(index as u32)
    }

    /// Where the file is in the analysis' list of files.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A half-open byte range inside one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end, "range {start}..{end} is reversed");
        Self { start: start as u32, end: end.max(start) as u32 }
    }

    pub fn empty(at: usize) -> Self {
        Self::new(at, at)
    }

    pub fn to_range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn contains(self, other: TextRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The smallest range covering both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A range in a given file: where a schema object or a finding lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub range: TextRange,
}

impl Location {
    pub fn new(file: FileId, range: TextRange) -> Self {
        Self { file, range }
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// What a column counts: UTF-8 bytes or UTF-16 code units (as an LSP client negotiates), or
/// characters (Unicode scalar values, as the CLI's `line:column` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Char,
}

impl ColumnUnit {
    fn width(self, c: char) -> u32 {
        match self {
            ColumnUnit::Utf8 => c.len_utf8() as u32,
            ColumnUnit::Utf16 => c.len_utf16() as u32,
            ColumnUnit::Char => 1,
        }
    }
}

/// The 0-based column, in `unit`s, of byte `byte` of a line given by its characters; a byte
/// inside a character counts as that character's start.
pub fn column_of(line: impl IntoIterator<Item = char>, byte: usize, unit: ColumnUnit) -> u32 {
    let (mut bytes, mut column) = (0usize, 0u32);
    for c in line {
        if bytes + c.len_utf8() > byte {
            break;
        }
        bytes += c.len_utf8();
        column += unit.width(c);
    }
    column
}

/// The byte, within a line given by its characters, where 0-based `column` (in `unit`s) falls:
/// clamped to the line's end before its line break, and to a character's start when the column
/// is inside it (half a UTF-16 surrogate pair).
pub fn byte_of_column(line: impl IntoIterator<Item = char>, column: u32, unit: ColumnUnit) -> usize {
    let (mut bytes, mut units) = (0usize, 0u32);
    let mut chars = line.into_iter().peekable();
    while let Some(c) = chars.next() {
        // A `\r` ends the line only before a `\n`, as lines are counted (a lone one is text).
        let line_break = c == '\n' || (c == '\r' && chars.peek() == Some(&'\n'));
        if line_break || units >= column || units + unit.width(c) > column {
            break;
        }
        units += unit.width(c);
        bytes += c.len_utf8();
    }
    bytes
}

/// Start offsets of every line of a text, for offset ⇄ line/column conversion.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 40 + 1);
        line_starts.push(0);
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|i| i as u32 + 1));
        Self { line_starts }
    }

    /// The index of a text in which `old[prefix..old_suffix]` became `new[prefix..new_suffix]`
    /// (the rest unchanged): line starts before the edit kept, after it moved.
    pub(crate) fn edited(&self, new: &str, prefix: usize, old_suffix: usize, new_suffix: usize) -> LineIndex {
        let kept = self.line_starts.partition_point(|&s| s as usize <= prefix);
        let after = self.line_starts.partition_point(|&s| s as usize <= old_suffix);
        let mut line_starts = Vec::with_capacity(self.line_starts.len() + 1);
        line_starts.extend_from_slice(&self.line_starts[..kept]);
        line_starts.extend(memchr_newlines(&new.as_bytes()[prefix..new_suffix]).map(|i| (prefix + i) as u32 + 1));
        line_starts.extend(self.line_starts[after..].iter().map(|&s| (s as usize - old_suffix + new_suffix) as u32));
        LineIndex { line_starts }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&(offset as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based `line` starts (the text length past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(*self.line_starts.last().unwrap_or(&0)) as usize
    }

    /// 1-based line and character column of a byte offset (rounded down to a character).
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let (line, column) = self.position(text, offset, ColumnUnit::Char);
        LineCol { line: line + 1, column: column + 1 }
    }

    /// 0-based line and column in `unit`s of a byte offset (rounded down to a character,
    /// clamped to the text).
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        (line as u32, column_of(text[start..offset].chars(), offset - start, unit))
    }

    /// Byte offset of a 0-based line and column in `unit`s: clamped to the line's end (before
    /// its line break), and to the text's end past the last line.
    pub fn offset(&self, text: &str, line: u32, column: u32, unit: ColumnUnit) -> usize {
        let line = line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        start + byte_of_column(text[start..].chars(), column, unit)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i)
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` any one; case
/// matters (callers lower-case both sides when it should not).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `10000` → `10,000`: counts in messages.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_offsets_to_character_columns() {
        let text = "ab\nçé x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(index.line_col(text, x), LineCol { line: 2, column: 4 });
        assert_eq!(index.offset(text, 1, 3, ColumnUnit::Char), x);
        assert_eq!(index.line_col(text, text.len()), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn a_lone_carriage_return_is_text_and_one_before_a_newline_ends_the_line() {
        // Found by the fuzzer: a column past a lone `\r` led back to the `\r`.
        let text = "ab\rcd\r\nef";
        let index = LineIndex::new(text);
        for offset in [0, 3, 4, 5] {
            let (line, column) = index.position(text, offset, ColumnUnit::Utf16);
            assert_eq!(index.offset(text, line, column, ColumnUnit::Utf16), offset);
        }
        // Past the end of the first line, the column is clamped before its `\r\n`.
        assert_eq!(index.offset(text, 0, 40, ColumnUnit::Utf16), 5);
    }

    #[test]
    fn columns_count_the_unit_asked_for() {
        // "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "🦀" is 4 bytes and 2 units.
        let text = "a\nré🦀x\r\n";
        let index = LineIndex::new(text);
        let x = "a\nré🦀".len();
        assert_eq!(index.position(text, x, ColumnUnit::Utf16), (1, 4));
        assert_eq!(index.position(text, x, ColumnUnit::Utf8), (1, 7));
        assert_eq!(index.position(text, x, ColumnUnit::Char), (1, 3));
        assert_eq!(index.offset(text, 1, 4, ColumnUnit::Utf16), x);
        assert_eq!(index.offset(text, 1, 7, ColumnUnit::Utf8), x);
        assert_eq!(index.offset(text, 1, 3, ColumnUnit::Char), x);
    }

    #[test]
    fn columns_out_of_reach_are_clamped() {
        let text = "a\nré🦀x\r\n";
        let index = LineIndex::new(text);
        // Inside a surrogate pair: the character's start.
        assert_eq!(index.offset(text, 1, 3, ColumnUnit::Utf16), "a\nré".len());
        // Past the line's end: before the line break, never on the next line.
        assert_eq!(index.offset(text, 1, 99, ColumnUnit::Utf16), "a\nré🦀x".len());
        assert_eq!(index.offset(text, 0, 99, ColumnUnit::Char), 1);
        // Past the last line: the text's end.
        assert_eq!(index.offset(text, 42, 0, ColumnUnit::Utf8), text.len());
        // Inside a character: its start; past the text: its end.
        assert_eq!(index.position(text, "a\nr".len() + 1, ColumnUnit::Utf16), (1, 1));
        assert_eq!(index.position(text, 1000, ColumnUnit::Utf8), (2, 0));
    }

    #[test]
    fn offset_inside_a_character_rounds_down() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 1), LineCol { line: 1, column: 1 });
    }
}
