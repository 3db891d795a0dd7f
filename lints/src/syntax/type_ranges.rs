//! Exact ranges of declared column types, taken from tree-sitter.
//!
//! sqlparser gives spans for identifiers but not for data types. When a rule needs a type's
//! exact range, the one statement that declared it is parsed with the tree-sitter SQL grammar:
//! only statements with findings pay for a second parse.

use tree_sitter::{Node, Parser};

use crate::dialect::Dialect;
use crate::text::TextRange;

/// Type ranges of one statement's column definitions, relative to the statement text.
pub(crate) struct ColumnTypeRanges {
    entries: Vec<(String, TextRange)>,
}

impl ColumnTypeRanges {
    pub(crate) fn find(parser: &mut Parser, statement_text: &str, dialect: Dialect) -> Self {
        let mut entries = Vec::new();
        if let Some(tree) = parser.parse(statement_text, None) {
            collect(tree.root_node(), statement_text, dialect, &mut entries);
        }
        Self { entries }
    }

    /// The type range of the column definition named `column`.
    pub(crate) fn get(&self, column: &str) -> Option<TextRange> {
        self.entries.iter().find(|(name, _)| name == column).map(|(_, range)| *range)
    }
}

fn collect(root: Node<'_>, text: &str, dialect: Dialect, out: &mut Vec<(String, TextRange)>) {
    let mut cursor = root.walk();
    let mut visited_children = false;
    loop {
        let node = cursor.node();
        if !visited_children && node.kind() == "column_definition" {
            if let Some(entry) = column_type(node, text, dialect) {
                out.push(entry);
            }
        }
        let descend = !visited_children && node.kind() != "column_definition";
        if (descend && cursor.goto_first_child()) || cursor.goto_next_sibling() {
            visited_children = false;
        } else if cursor.goto_parent() {
            visited_children = true;
        } else {
            break;
        }
    }
}

fn column_type(node: Node<'_>, text: &str, dialect: Dialect) -> Option<(String, TextRange)> {
    let name_node = node.child_by_field_name("name")?;
    let raw = text.get(name_node.byte_range())?;
    let name = unquote(raw, dialect);
    let mut range: Option<TextRange> = None;
    let mut cursor = node.walk();
    for (i, child) in node.children(&mut cursor).enumerate() {
        let field = node.field_name_for_child(i as u32);
        if matches!(field, Some("type") | Some("custom_type")) {
            let r = TextRange::new(child.start_byte(), child.end_byte());
            range = Some(range.map_or(r, |acc| acc.cover(r)));
        }
    }
    Some((name, range?))
}

/// The declared type that follows a column's name, read straight from the text: words, quoted
/// names, dots and balanced parentheses and brackets, up to the first column option keyword, `,`
/// or `)`, as a range relative to `text`. `None` where a comment, a string outside parentheses or
/// anything else unexpected stands in the way: the caller then asks tree-sitter, and checks what
/// this gives against the type the model holds before using it.
pub(crate) fn scan_type_after_name(text: &str, name_end: usize) -> Option<TextRange> {
    let bytes = text.as_bytes();
    let mut i = name_end;
    let (mut start, mut end, mut depth) = (None, name_end, 0u32);
    while let Some(&byte) = bytes.get(i) {
        let token_start = i;
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => return None,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return None,
            b',' | b';' if depth == 0 => break,
            b')' | b']' if depth == 0 => break,
            b'(' | b'[' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' => {
                depth -= 1;
                i += 1;
            }
            b'"' | b'`' | b'\'' => {
                if byte == b'\'' && depth == 0 {
                    return None;
                }
                i += 1 + text[i + 1..].find(byte as char)? + 1;
            }
            _ if byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80 => {
                while bytes.get(i).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80) {
                    i += 1;
                }
                if depth == 0 && ends_the_type(&text[token_start..i], &text[i..]) {
                    break;
                }
            }
            b'.' | b',' | b'+' | b'-' => i += 1,
            _ => return None,
        }
        start.get_or_insert(token_start);
        end = i;
    }
    Some(TextRange::new(start?, end))
}

/// Whether `word` starts a column's options (`NOT NULL`, `DEFAULT`, `CHARACTER SET`...), not
/// another word of its type (`double precision`, `character varying`, `with time zone`).
fn ends_the_type(word: &str, rest: &str) -> bool {
    const OPTIONS: &[&str] = &[
        "not",
        "null",
        "default",
        "primary",
        "references",
        "unique",
        "check",
        "constraint",
        "generated",
        "collate",
        "auto_increment",
        "autoincrement",
        "comment",
        "on",
        "as",
        "key",
        "identity",
        "stored",
        "virtual",
        "invisible",
        "visible",
        "column_format",
        "storage",
        "srid",
        "charset",
        "compression",
        "encode",
    ];
    OPTIONS.iter().any(|option| word.eq_ignore_ascii_case(option))
        || (word.eq_ignore_ascii_case("character")
            && rest.trim_start().get(..3).is_some_and(|next| next.eq_ignore_ascii_case("set")))
}

fn unquote(raw: &str, dialect: Dialect) -> String {
    let quoted = raw.len() >= 2
        && matches!((raw.as_bytes()[0], raw.as_bytes()[raw.len() - 1]), (b'"', b'"') | (b'`', b'`') | (b'[', b']'));
    if quoted {
        dialect.fold(&raw[1..raw.len() - 1], true)
    } else {
        dialect.fold(raw, false)
    }
}

pub(crate) fn new_parser() -> Parser {
    let mut parser = Parser::new();
    // The grammar is compiled into the binary; a version mismatch is a build defect, not input.
    parser
        .set_language(&tree_sitter_sequel::LANGUAGE.into())
        .expect("tree-sitter-sequel grammar matches the tree-sitter runtime");
    parser
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_the_type_after_a_name_up_to_its_options() {
        let cases = [
            ("id bigint PRIMARY KEY,", "bigint"),
            ("total numeric(10, 2) NOT NULL", "numeric(10, 2)"),
            ("tags text[])", "text[]"),
            ("at timestamp with time zone DEFAULT now()", "timestamp with time zone"),
            ("name character varying(20) COLLATE \"C\"", "character varying(20)"),
            ("code varchar(3) CHARACTER SET latin1", "varchar(3)"),
            ("kind enum('a', 'b') NOT NULL", "enum('a', 'b')"),
            ("m public.\"Mood\"\n)", "public.\"Mood\""),
            ("n int UNSIGNED AUTO_INCREMENT", "int UNSIGNED"),
        ];
        for (text, expected) in cases {
            let name_end = text.find(' ').unwrap_or(0);
            let range = scan_type_after_name(text, name_end).map(|r| &text[r.to_range()]);
            assert_eq!(range, Some(expected), "{text}");
        }
        // A comment, or a string outside parentheses, is left to tree-sitter.
        assert_eq!(scan_type_after_name("a int -- the count\n NOT NULL", 1), None);
        assert_eq!(scan_type_after_name("a /* why */ int", 1), None);
        assert_eq!(scan_type_after_name("a 'text'", 1), None);
        assert_eq!(scan_type_after_name("a ,", 1), None);
    }

    #[test]
    fn finds_the_full_extent_of_each_declared_type() {
        let sql = "CREATE TABLE t (id bigint PRIMARY KEY, \"Total\" numeric(10, 2) NOT NULL, tags text[], m mood)";
        let ranges = ColumnTypeRanges::find(&mut new_parser(), sql, Dialect::Postgres);
        let slice = |r: Option<TextRange>| r.map(|r| &sql[r.to_range()]);
        assert_eq!(slice(ranges.get("id")), Some("bigint"));
        assert_eq!(slice(ranges.get("Total")), Some("numeric(10, 2)"));
        assert_eq!(slice(ranges.get("tags")), Some("text[]"));
        assert_eq!(slice(ranges.get("m")), Some("mood"));
        assert_eq!(ranges.get("missing"), None);
    }
}
