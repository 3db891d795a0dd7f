//! MySQL/InnoDB (DYNAMIC row format), a documented approximation.
//!
//! Each row is a record in the clustered primary-key index: a 5-byte header, the null bitmap,
//! one or two length bytes per variable-width column, the 6-byte transaction id and 7-byte roll
//! pointer (and a 6-byte row id when there is no primary key), then the columns in their
//! storage format. Pages are 16 KiB with about 136 bytes of fixed overhead, a 2-byte directory
//! slot per few records, and 1/16 kept free by ordered inserts into the clustered index.
//! Secondary indexes hold their key columns plus the primary key and, filled in key order
//! they rarely are, sit about 69% full (ln 2, the steady state of random B-tree inserts). Long values stored off-page and the per-index minimum of
//! one page are not modelled beyond that minimum.

use crate::schema::{BaseType, IndexKey, Schema, SqlType, Table};
use crate::stats::TableStats;

use super::layout::{ColumnLayout, WidthSource};
use super::{approximate_btree_bytes, IndexFill, RowLayout, Sizes, ASSUMED_TEXT_BYTES};

const PAGE: f64 = 16384.0;
const PAGE_OVERHEAD: f64 = 38.0 + 56.0 + 26.0 + 8.0;
const DIRECTORY_PER_RECORD: f64 = 2.0 / 6.0;
const CLUSTERED_FILL: f64 = 15.0 / 16.0;
const SECONDARY_FILL: f64 = 0.69;

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    record: f64,
    indexes: Vec<(String, f64)>,
}

/// Stored bytes of a value, whether the width is certain, and whether it is variable-width.
fn width_of(ty: &SqlType, average: Option<f64>) -> (f64, WidthSource, bool) {
    let modifier = |i: usize| ty.modifiers.get(i).and_then(|m| m.trim().parse::<u32>().ok());
    let fixed = |bytes: f64| (bytes, WidthSource::Declared, false);
    match &ty.base {
        BaseType::TinyInt | BaseType::Boolean => fixed(1.0),
        BaseType::SmallInt => fixed(2.0),
        // `mediumint` reads as `integer` (see `schema/types.rs`), so it is sized as one.
        BaseType::Integer | BaseType::Serial => fixed(4.0),
        BaseType::BigInt | BaseType::BigSerial => fixed(8.0),
        BaseType::Real | BaseType::Float => fixed(4.0),
        BaseType::DoublePrecision => fixed(8.0),
        BaseType::Date => fixed(3.0),
        BaseType::Time => fixed(3.0),
        BaseType::Datetime => fixed(5.0),
        BaseType::Timestamp | BaseType::TimestampTz => fixed(4.0),
        BaseType::Year => fixed(1.0),
        BaseType::Numeric => {
            let precision = modifier(0).unwrap_or(10);
            let scale = modifier(1).unwrap_or(0);
            fixed(decimal_bytes(precision.saturating_sub(scale)) + decimal_bytes(scale))
        }
        BaseType::Binary | BaseType::Char => fixed(f64::from(modifier(0).unwrap_or(1))),
        BaseType::Enum => fixed(2.0),
        _ => match average {
            Some(average) => (average, WidthSource::Stats, true),
            None => {
                let declared = modifier(0).map_or(ASSUMED_TEXT_BYTES, |n| n.min(ASSUMED_TEXT_BYTES));
                (f64::from(declared), WidthSource::Assumed, true)
            }
        },
    }
}

/// DECIMAL packs nine digits into four bytes, and the rest into 1 to 4 bytes.
fn decimal_bytes(digits: u32) -> f64 {
    const LEFTOVER: [u32; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
    f64::from(digits / 9 * 4 + LEFTOVER[(digits % 9) as usize])
}

pub(crate) fn model(_schema: &Schema, table: &Table, stats: Option<&TableStats>) -> (RowLayout, Model) {
    let column_stats = |name: &str| stats.and_then(|s| s.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)));
    let mut columns = Vec::new();
    let mut data = 0.0;
    let mut variable = 0.0;
    let mut nullable = 0u32;
    for column in &table.columns {
        let sampled = column_stats(&column.name);
        let (bytes, source, is_variable) = width_of(&column.ty, sampled.and_then(|s| s.avg_width));
        let null_frac = if column.not_null { 0.0 } else { sampled.and_then(|s| s.null_frac).unwrap_or(0.0) };
        if !column.not_null {
            nullable += 1;
        }
        if is_variable {
            variable += 1.0;
        }
        data += bytes * (1.0 - null_frac);
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
    let system = if table.primary_key().is_some() { 13.0 } else { 19.0 };
    let header = 5.0 + f64::from(nullable.div_ceil(8)) + variable + system;
    let record = header + data + DIRECTORY_PER_RECORD;
    let width = |name: &str| columns.iter().find(|c| c.name == name).map_or(8.0, |c| c.bytes);
    let primary_key_bytes: f64 =
        table.primary_key().map_or(6.0, |pk| pk.keys.iter().map(|k| k.column().map_or(8.0, width)).sum());
    let indexes = table
        .indexes
        .iter()
        .map(|index| {
            let bytes = if index.is_primary_key() {
                // The clustered index is the table itself.
                0.0
            } else {
                let keys: f64 = index
                    .keys
                    .iter()
                    .map(|k| match k {
                        IndexKey::Column(name) => width(name),
                        IndexKey::Expression(_) => 8.0,
                    })
                    .sum();
                5.0 + 1.0 + keys + primary_key_bytes + DIRECTORY_PER_RECORD
            };
            (index.name.to_string(), bytes)
        })
        .collect();
    let layout = RowLayout { row_bytes: record, overhead_bytes: record - data, columns };
    (layout, Model { record, indexes })
}

impl Model {
    /// The secondary indexes' fill (the clustered index is the table: `sizes_at` lists only
    /// secondary indexes).
    pub(crate) fn index_fills(&self) -> Vec<IndexFill> {
        let reason = "secondary index: assumed random key order (InnoDB)";
        self.indexes
            .iter()
            .filter(|(_, bytes)| *bytes > 0.0)
            .map(|(name, _)| IndexFill { name: name.clone(), leaf_fill: SECONDARY_FILL, reason: reason.into() })
            .collect()
    }

    pub(crate) fn sizes_at(&self, rows: f64) -> Sizes {
        Sizes {
            rows,
            heap_bytes: pages(rows, self.record, CLUSTERED_FILL),
            toast_bytes: 0,
            indexes: self
                .indexes
                .iter()
                .filter(|(_, bytes)| *bytes > 0.0)
                .map(|(name, bytes)| (name.clone(), pages(rows, *bytes, SECONDARY_FILL)))
                .collect(),
        }
    }
}

fn pages(rows: f64, record: f64, fill: f64) -> u64 {
    approximate_btree_bytes(rows, record, PAGE, PAGE - PAGE_OVERHEAD, fill)
}
