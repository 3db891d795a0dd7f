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
