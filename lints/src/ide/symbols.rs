//! Workspace symbols: the tables, columns and indexes of the schema whose names match a query.

use crate::text::Location;
use crate::Analysis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Table,
    Column,
    Index,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub location: Location,
    /// A table's schema; a column's or index's table.
    pub container: String,
}

/// Every table, column and index whose name contains `query`, ignoring case; each table is
/// followed by its columns and indexes.
pub fn workspace_symbols(analysis: &Analysis, query: &str) -> Vec<Symbol> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    let mut add = |name: &str, kind: SymbolKind, location: Location, container: &str| {
        if name.to_lowercase().contains(&query) {
            out.push(Symbol { name: name.to_owned(), kind, location, container: container.to_owned() });
        }
    };
    for table in analysis.schema.tables() {
        add(&table.name.name, SymbolKind::Table, table.name_loc, &table.name.schema);
        for column in &table.columns {
            add(&column.name, SymbolKind::Column, column.name_loc, &table.name.name);
        }
        for index in &table.indexes {
            add(&index.name, SymbolKind::Index, index.loc, &table.name.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;

    #[test]
    fn names_containing_the_query_in_any_case_are_found() {
        let text = "CREATE TABLE Orders (id bigint PRIMARY KEY, order_total bigint);\nCREATE INDEX orders_total_idx ON orders (order_total);\n";
        let analysis = analysis(&[("V1__orders.sql", text)]);
        let found: Vec<(String, SymbolKind, String)> =
            workspace_symbols(&analysis, "ORDER").into_iter().map(|s| (s.name, s.kind, s.container)).collect();
        assert_eq!(
            found,
            [
                ("orders".to_owned(), SymbolKind::Table, "public".to_owned()),
                ("order_total".to_owned(), SymbolKind::Column, "orders".to_owned()),
                ("orders_pkey".to_owned(), SymbolKind::Index, "orders".to_owned()),
                ("orders_total_idx".to_owned(), SymbolKind::Index, "orders".to_owned()),
            ]
        );
        let total = workspace_symbols(&analysis, "total_idx");
        assert_eq!(&text[total[0].location.range.to_range()], "orders_total_idx");
        assert!(workspace_symbols(&analysis, "customers").is_empty());
    }
}
