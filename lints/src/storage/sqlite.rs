//! SQLite, a documented approximation: 4 KiB pages of B-tree cells.
//!
//! A row is a cell: a varint payload length, a varint rowid and a record (a varint header of one
//! serial type per column, then the values: integers in 1 to 8 bytes by magnitude, reals in 8,
//! text and blobs at their length, nulls in none). An `INTEGER PRIMARY KEY` is the rowid and is
//! not stored again. A cell pointer takes 2 bytes. An index entry is a record of its keys and the
//! rowid. Table leaves fill almost completely (rows arrive in rowid order); index leaves by
//! about 90%; interior pages add about 1%.

use crate::schema::{BaseType, IndexKey, Schema, SqlType, Table};
use crate::stats::TableStats;

use super::layout::{ColumnLayout, WidthSource};
use super::{approximate_btree_bytes, IndexFill, RowLayout, Sizes, ASSUMED_TEXT_BYTES};

const PAGE: f64 = 4096.0;
const LEAF_HEADER: f64 = 8.0;
const TABLE_FILL: f64 = 1.0;
const INDEX_FILL: f64 = 0.9;
/// A typical integer (up to 8,388,607) takes 3 bytes.
const TYPICAL_INTEGER: f64 = 3.0;
const ROWID: f64 = 3.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    cell: f64,
    indexes: Vec<(String, f64)>,
}

fn width_of(ty: &SqlType, average: Option<f64>) -> (f64, WidthSource) {
    // SQLite's type affinity is decided by substrings of the declared name, not by the type.
    let name = ty.base.name();
    if name.contains("int") || name.contains("serial") || name == "boolean" {
        return (TYPICAL_INTEGER, WidthSource::Assumed);
    }
    if name.contains("real") || name.contains("floa") || name.contains("doub") {
        return (8.0, WidthSource::Declared);
    }
    match average {
        Some(average) => (average, WidthSource::Stats),
        None => {
            let declared = ty.modifiers.first().and_then(|m| m.trim().parse::<u32>().ok());
            (f64::from(declared.map_or(ASSUMED_TEXT_BYTES, |n| n.min(ASSUMED_TEXT_BYTES))), WidthSource::Assumed)
        }
    }
}

pub(crate) fn model(_schema: &Schema, table: &Table, stats: Option<&TableStats>) -> (RowLayout, Model) {
    let column_stats = |name: &str| stats.and_then(|s| s.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)));
    let rowid_alias = table
        .primary_key()
        .filter(|pk| pk.keys.len() == 1)
        .and_then(|pk| pk.keys[0].column())
        .filter(|name| table.column(name).is_some_and(|c| c.ty.base == BaseType::Integer))
        .map(str::to_owned);
    let mut columns = Vec::new();
    let mut body = 0.0;
    for column in &table.columns {
        let sampled = column_stats(&column.name);
        let (bytes, source) = if rowid_alias.as_deref() == Some(column.name.as_str()) {
            (0.0, WidthSource::Declared)
        } else {
            width_of(&column.ty, sampled.and_then(|s| s.avg_width))
        };
        let null_frac = if column.not_null { 0.0 } else { sampled.and_then(|s| s.null_frac).unwrap_or(0.0) };
        body += bytes * (1.0 - null_frac);
        columns.push(ColumnLayout {
            name: column.name.to_string(),
            type_name: column.ty.to_string(),
            bytes,
            padding_before: 0.0,
            align: 1,
            null_frac,
            source,
        });
    }
    let header = 1.0 + table.columns.len() as f64;
    let cell = 2.0 + ROWID + header + body + 2.0;
    let width = |name: &str| columns.iter().find(|c| c.name == name).map_or(TYPICAL_INTEGER, |c| c.bytes);
    let indexes = table
        .indexes
        .iter()
        .filter(|index| !(index.is_primary_key() && rowid_alias.is_some()))
        .map(|index| {
            let keys: f64 = index
                .keys
                .iter()
                .map(|k| match k {
                    IndexKey::Column(name) => width(name),
                    IndexKey::Expression(_) => 8.0,
                })
                .sum();
            // Payload length, record header (size byte and one serial type per key and the
            // rowid), keys, rowid, cell pointer.
            (index.name.to_string(), 1.0 + 1.0 + index.keys.len() as f64 + 1.0 + keys + ROWID + 2.0)
        })
        .collect();
    let layout = RowLayout { row_bytes: cell, overhead_bytes: cell - body, columns };
    (layout, Model { cell, indexes })
}

impl Model {
    pub(crate) fn index_fills(&self) -> Vec<IndexFill> {
        let reason = "assumed: 90% full, as built";
        self.indexes
            .iter()
            .map(|(name, _)| IndexFill { name: name.clone(), leaf_fill: INDEX_FILL, reason: reason.into() })
            .collect()
    }

    pub(crate) fn sizes_at(&self, rows: f64) -> Sizes {
        Sizes {
            rows,
            heap_bytes: pages(rows, self.cell, TABLE_FILL),
            toast_bytes: 0,
            indexes: self.indexes.iter().map(|(name, bytes)| (name.clone(), pages(rows, *bytes, INDEX_FILL))).collect(),
        }
    }
}

fn pages(rows: f64, cell: f64, fill: f64) -> u64 {
    approximate_btree_bytes(rows, cell, PAGE, PAGE - LEAF_HEADER, fill)
}
