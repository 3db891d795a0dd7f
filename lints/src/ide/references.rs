//! Which foreign key a finding is on, and where the table it references is defined.

use std::collections::HashMap;

use crate::schema::QualifiedName;
use crate::text::{FileId, Location, TextRange};
use crate::Analysis;

use super::overlaps;

/// A place related to a finding, with what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedLocation {
    pub location: Location,
    pub message: String,
}

/// Where each foreign key's columns and referenced table are written, to find in constant time
/// which foreign key a finding is on.
pub struct ForeignKeyIndex<'a> {
    by_file: HashMap<FileId, Vec<(TextRange, &'a QualifiedName)>>,
}

impl<'a> ForeignKeyIndex<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        let mut by_file: HashMap<FileId, Vec<(TextRange, &'a QualifiedName)>> = HashMap::new();
        for table in analysis.schema.tables() {
            for fk in &table.foreign_keys {
                for location in fk.column_locs.iter().chain(std::iter::once(&fk.referenced.loc)) {
                    by_file.entry(location.file).or_default().push((location.range, &fk.referenced_table));
                }
            }
        }
        for entries in by_file.values_mut() {
            entries.sort_by_key(|(range, _)| range.start);
        }
        ForeignKeyIndex { by_file }
    }

    /// For a finding at `location` on a foreign key, where the referenced table is defined.
    pub fn related(&self, analysis: &Analysis, location: Location) -> Option<RelatedLocation> {
        let entries = self.by_file.get(&location.file)?;
        let after = entries.partition_point(|(range, _)| range.start <= location.range.end);
        let (_, referenced) = entries[..after]
            .iter()
            .rev()
            .take(8)
            .find(|(range, _)| overlaps(*range, location.range.start as usize, location.range.end as usize))?;
        let target = analysis.schema.table(referenced)?;
        Some(RelatedLocation { location: target.name_loc, message: format!("`{}` is defined here", target.name) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::test_support::analysis;
    use crate::text::FileId;

    #[test]
    fn a_finding_on_a_foreign_key_points_at_the_referenced_table() {
        let customers = "CREATE TABLE customers (id bigint PRIMARY KEY);\n";
        let orders =
            "CREATE TABLE orders (\n  id bigint PRIMARY KEY,\n  customer_id bigint REFERENCES customers (id)\n);\n";
        let analysis = analysis(&[("V1__customers.sql", customers), ("V2__orders.sql", orders)]);
        let index = ForeignKeyIndex::new(&analysis);
        let column = orders.find("customer_id").unwrap_or_default();
        let on_fk = Location::new(FileId(1), TextRange::new(column, column + "customer_id".len()));
        let related = index.related(&analysis, on_fk);
        let expected_range = TextRange::new(13, 13 + "customers".len());
        assert_eq!(
            related,
            Some(RelatedLocation {
                location: Location::new(FileId(0), expected_range),
                message: "`public.customers` is defined here".to_owned(),
            })
        );
        let elsewhere = Location::new(FileId(1), TextRange::new(0, 6));
        assert_eq!(index.related(&analysis, elsewhere), None);
        assert_eq!(index.related(&analysis, Location::new(FileId(0), TextRange::new(0, 6))), None);
    }
}
