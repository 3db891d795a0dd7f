//! Capacity inlay hints: one at the end of each `CREATE TABLE` header line and, if asked, one at
//! the end of each column's line.

use crate::text::FileId;
use crate::Analysis;

use super::capacity::CapacityCard;

/// A hint's text and where it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityHint {
    /// Byte offset: the end of the line naming the table or column.
    pub offset: usize,
    pub label: String,
    /// For a table's hint, the table (`schema.name`) whose card [`table_card`] gives.
    pub table: Option<String>,
}

/// The hints of the tables (and with `columns`, of their columns) defined in `file`.
pub fn capacity_hints(analysis: &Analysis, file: FileId, columns: bool) -> Vec<CapacityHint> {
    let Some(analyzed) = analysis.get_file(file) else { return Vec::new() };
    let text = &analyzed.text;
    let line_end = |offset: usize| text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut hints = Vec::new();
    let tables = analysis.schema.tables().iter().enumerate().filter(|(_, t)| t.name_loc.file == file);
    for (table_index, table) in tables {
        let card = CapacityCard::new(analysis, table_index);
        hints.push(CapacityHint {
            offset: line_end(table.name_loc.range.end as usize),
            label: card.hint_label(),
            table: Some(table.name.to_string()),
        });
        if !columns {
            continue;
        }
        for (column, layout) in table.columns.iter().zip(&card.estimate.columns) {
            if column.name_loc.file == file {
                let (offset, label) =
                    (line_end(column.name_loc.range.end as usize), CapacityCard::column_hint_label(layout));
                hints.push(CapacityHint { offset, label, table: None });
            }
        }
    }
    hints
}

/// The capacity card of the table named `table` (`schema.name`), as Markdown.
pub fn table_card(analysis: &Analysis, table: &str) -> Option<String> {
    let index = analysis.schema.tables().iter().position(|t| t.name.to_string() == table)?;
    Some(CapacityCard::new(analysis, index).markdown())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;

    #[test]
    fn hints_sit_at_the_ends_of_the_header_and_column_lines() {
        let text = "CREATE TABLE orders ( -- header\n  flag boolean,\n  total bigint\n);\n";
        let analysis = analysis(&[("V1__orders.sql", text)]);
        let hints = capacity_hints(&analysis, FileId(0), true);
        let offsets: Vec<usize> = hints.iter().map(|h| h.offset).collect();
        let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).take(3).collect();
        assert_eq!(offsets, ends);
        assert_eq!(hints[0].table.as_deref(), Some("public.orders"));
        assert!(hints[0].label.contains(" B/row · "), "{}", hints[0].label);
        assert_eq!((hints[1].label.as_str(), hints[1].table.as_deref()), ("1 B", None));
        assert_eq!(hints[2].label, "8 B +7 pad");
        assert_eq!(capacity_hints(&analysis, FileId(0), false).len(), 1);
        assert!(capacity_hints(&analysis, FileId(3), true).is_empty());
    }

    #[test]
    fn a_table_card_is_found_by_its_qualified_name() {
        let analysis = analysis(&[("V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n")]);
        let card = table_card(&analysis, "public.orders").unwrap();
        assert!(card.starts_with("**public.orders** · capacity"), "{card}");
        assert_eq!(table_card(&analysis, "public.missing"), None);
    }
}
