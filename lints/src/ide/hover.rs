//! Hover: a table's capacity card, a column's share of the row, the docs of the rules whose
//! findings are under the cursor.

use crate::rules::rule;
use crate::text::{FileId, TextRange};
use crate::Analysis;

use super::capacity::CapacityCard;
use super::contains;

/// What to show for a hover, and the range it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct HoverInfo {
    pub markdown: String,
    pub range: Option<TextRange>,
}

/// The hover at byte `offset` of `file`: the card of the table or column named there, then the
/// docs of each finding's rule there, separated by rules.
pub fn hover(analysis: &Analysis, file: FileId, offset: usize) -> Option<HoverInfo> {
    let mut parts: Vec<String> = Vec::new();
    let mut range = None;
    if let Some(table_index) = table_at(analysis, file, offset) {
        parts.push(CapacityCard::new(analysis, table_index).markdown());
        range = Some(analysis.schema.tables()[table_index].name_loc.range);
    } else if let Some((table_index, column_index)) = column_at(analysis, file, offset) {
        let card = CapacityCard::new(analysis, table_index);
        parts.extend(card.column_markdown(column_index));
        range = Some(analysis.schema.tables()[table_index].columns[column_index].name_loc.range);
    }
    for d in analysis.diagnostics.iter().filter(|d| d.location.file == file && contains(d.location.range, offset)) {
        if let Some(info) = rule(d.rule) {
            parts.push(format!("**{}** ({})\n\n{}", info.meta.name, info.meta.family.name(), info.docs));
            range = range.or(Some(d.location.range));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(HoverInfo { markdown: parts.join("\n\n---\n\n"), range })
}

/// The table whose name in its `CREATE TABLE` is at `offset`.
fn table_at(analysis: &Analysis, file: FileId, offset: usize) -> Option<usize> {
    analysis.schema.tables().iter().position(|t| t.name_loc.file == file && contains(t.name_loc.range, offset))
}

/// The (table, column) whose name in its definition is at `offset`.
fn column_at(analysis: &Analysis, file: FileId, offset: usize) -> Option<(usize, usize)> {
    analysis.schema.tables().iter().enumerate().find_map(|(table_index, table)| {
        let column = table.columns.iter().position(|c| c.name_loc.file == file && contains(c.name_loc.range, offset));
        column.map(|column_index| (table_index, column_index))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;

    const ORDERS: &str = "CREATE TABLE orders (\n  id integer PRIMARY KEY,\n  total bigint\n);\n";

    #[test]
    fn a_table_name_shows_its_card_and_a_column_name_its_layout() {
        let analysis = analysis(&[("V1__orders.sql", ORDERS)]);
        let at = |needle: &str| ORDERS.find(needle).unwrap() + 1;
        let table = hover(&analysis, FileId(0), at("orders")).unwrap();
        assert!(table.markdown.starts_with("**public.orders** · capacity"), "{}", table.markdown);
        let name = ORDERS.find("orders").unwrap();
        assert_eq!(table.range, Some(TextRange::new(name, name + "orders".len())));
        let column = hover(&analysis, FileId(0), at("total")).unwrap();
        assert!(column.markdown.starts_with("**orders.total** `bigint`"), "{}", column.markdown);
        let total = ORDERS.find("total").unwrap();
        assert_eq!(column.range, Some(TextRange::new(total, total + "total".len())));
        assert_eq!(hover(&analysis, FileId(0), at("PRIMARY")), None);
    }

    #[test]
    fn a_finding_under_the_cursor_adds_its_rules_docs() {
        let text = "CREATE TABLE orders (\n  total bigint\n);\n";
        let analysis = analysis(&[("V1__orders.sql", text)]);
        let finding = analysis.diagnostics.iter().find(|d| d.rule == "missing-primary-key");
        let Some(finding) = finding else { panic!("no missing-primary-key finding: {:?}", analysis.diagnostics) };
        let at = finding.location.range.start as usize;
        let shown = hover(&analysis, FileId(0), at).unwrap();
        assert!(shown.markdown.contains("**missing-primary-key** ("), "{}", shown.markdown);
        assert!(shown.range.is_some());
    }

    #[test]
    fn comments_on_tables_and_columns_show_in_their_cards() {
        // Dollar-quoted (which sqlparser rejects), before the table exists (in a later file),
        // single-quoted, and on a function (understood, and not in any card).
        let comments = "COMMENT ON TABLE orders IS $$\n  What customers bought.\n  * one row per order\n$$;\n\
                        COMMENT ON COLUMN public.orders.total IS 'In cents, tax included';\n\
                        COMMENT ON FUNCTION f(int, text) IS $doc$ not a table $doc$;\n";
        let analysis = analysis(&[("V1__comments.sql", comments), ("V2__orders.sql", ORDERS)]);
        assert_eq!(analysis.statements_skipped(), 0);
        let at = |needle: &str| ORDERS.find(needle).unwrap() + 1;
        let table = hover(&analysis, FileId(1), at("orders")).unwrap();
        assert!(
            table
                .markdown
                .starts_with("**public.orders** · capacity\n\nWhat customers bought.\n* one row per order\n\n- row:"),
            "{}",
            table.markdown
        );
        let column = hover(&analysis, FileId(1), at("total")).unwrap();
        assert!(column.markdown.ends_with("\nIn cents, tax included\n\n"), "{}", column.markdown);
        let id = hover(&analysis, FileId(1), at("id")).unwrap();
        assert!(!id.markdown.contains("cents"), "{}", id.markdown);
    }

    #[test]
    fn comment_is_null_removes_a_comment() {
        let text =
            "CREATE TABLE orders (id int);\nCOMMENT ON TABLE orders IS $$ old $$;\nCOMMENT ON TABLE orders IS NULL;\n";
        let analysis = analysis(&[("V1__orders.sql", text)]);
        assert_eq!(analysis.statements_skipped(), 0);
        assert_eq!(analysis.schema.tables()[0].comment, None);
    }

    #[test]
    fn mysql_comment_options_show_in_the_cards() {
        let text = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  total bigint COMMENT 'In cents'\n) COMMENT = 'What customers bought';\n";
        let file = crate::SourceFile { path: "orders.sql".to_owned(), text: text.to_owned() };
        let analysis = crate::analyze(vec![file], crate::Dialect::Mysql, &crate::RuleSelection::default());
        let table = &analysis.schema.tables()[0];
        assert_eq!(table.comment.as_deref(), Some("What customers bought"));
        assert_eq!(table.columns[1].comment.as_deref(), Some("In cents"));
        let column = hover(&analysis, FileId(0), text.find("total").unwrap()).unwrap();
        assert!(column.markdown.ends_with("\nIn cents\n\n"), "{}", column.markdown);
    }
}
