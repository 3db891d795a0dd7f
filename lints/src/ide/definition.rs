//! Go to definition: from a foreign key's referenced table or column (or any table name) to
//! where it is defined.

use crate::text::{FileId, Location};
use crate::Analysis;

use super::contains;

/// The identifier around `offset` (its start, end and text), unquoted.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize, String)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let start = text[..offset].char_indices().rev().take_while(|(_, c)| is_word(*c)).last().map_or(offset, |(i, _)| i);
    let end = text[offset..].char_indices().find(|(_, c)| !is_word(*c)).map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (start, end, text[start..end].to_owned()))
}

/// Where the name at byte `offset` of file `file` is defined.
pub fn definition(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let schema = &analysis.schema;
    let dialect = schema.dialect;
    let text = &analysis.get_file(file)?.text;
    let (_, _, word) = word_at(text, offset)?;
    let folded = dialect.fold(&word, false);
    // A referenced column inside a foreign key's statement.
    for table in schema.tables() {
        for fk in &table.foreign_keys {
            if fk.statement.file != file || !contains(fk.statement.range, offset) {
                continue;
            }
            let Some(referenced) = schema.table(&fk.referenced_table) else { continue };
            if contains(fk.referenced.loc.range, offset) && fk.referenced.loc.file == file {
                return Some(referenced.name_loc);
            }
            if fk.referenced_columns.iter().any(|c| *c == folded) && !fk.columns.iter().any(|c| *c == folded) {
                if let Some(column) = referenced.column(&folded) {
                    return Some(column.name_loc);
                }
            }
        }
    }
    let table = schema.tables().iter().find(|t| t.name.name == folded)?;
    Some(table.name_loc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;
    use crate::text::FileId;

    const CUSTOMERS: &str = "CREATE TABLE customers (\n  id bigint PRIMARY KEY,\n  code text UNIQUE\n);\n";
    const ORDERS: &str = "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  customer_code text REFERENCES Customers (code)\n);\nSELECT 1;\n";

    fn at(text: &str, needle: &str) -> usize {
        text.find(needle).unwrap_or_else(|| panic!("{needle} not in the text")) + 1
    }

    fn defined(location: Option<Location>, files: &[&str]) -> Option<(u32, String)> {
        let location = location?;
        Some((location.file.0, files[location.file.index()][location.range.to_range()].to_owned()))
    }

    #[test]
    fn words_are_found_around_the_cursor() {
        assert_eq!(word_at("REFERENCES customers (id)", 14).map(|w| w.2), Some("customers".to_owned()));
        assert_eq!(word_at("a  b", 2), None);
        assert_eq!(word_at("café x", 3).map(|w| w.2), Some("café".to_owned()));
        assert_eq!(word_at("ab", 99).map(|w| (w.0, w.1)), Some((0, 2)));
    }

    #[test]
    fn a_referenced_table_and_column_lead_to_their_definitions() {
        let analysis = analysis(&[("V1__customers.sql", CUSTOMERS), ("V2__orders.sql", ORDERS)]);
        let files = [CUSTOMERS, ORDERS];
        let table = definition(&analysis, FileId(1), at(ORDERS, "Customers"));
        assert_eq!(defined(table, &files), Some((0, "customers".to_owned())));
        let column = definition(&analysis, FileId(1), at(ORDERS, "code)"));
        assert_eq!(defined(column, &files), Some((0, "code".to_owned())));
        assert_eq!(column.map(|l| l.file), Some(FileId(0)));
    }

    #[test]
    fn any_table_name_leads_to_its_table_and_other_words_nowhere() {
        let analysis = analysis(&[("V1__customers.sql", CUSTOMERS), ("V2__orders.sql", ORDERS)]);
        let files = [CUSTOMERS, ORDERS];
        assert_eq!(
            defined(definition(&analysis, FileId(0), at(CUSTOMERS, "customers")), &files),
            Some((0, "customers".into()))
        );
        // `customer_code` is the referencing column, not a referenced one.
        assert_eq!(definition(&analysis, FileId(1), at(ORDERS, "customer_code")), None);
        assert_eq!(definition(&analysis, FileId(1), at(ORDERS, "SELECT")), None);
        assert_eq!(definition(&analysis, FileId(7), 0), None);
    }
}
