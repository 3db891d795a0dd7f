//! Physical storage estimates: what a table costs per row, per million rows and at a row count,
//! from its declared types and, when a stats snapshot is attached, its sampled widths.
//!
//! PostgreSQL is modelled as the server lays rows out (`postgres.rs`); InnoDB (`innodb.rs`) and
//! SQLite (`sqlite.rs`) are documented approximations.

mod fill;
mod innodb;
mod layout;
mod postgres;
mod sqlite;

use crate::dialect::Dialect;
use crate::schema::{Schema, Table};
use crate::stats::TableStats;

pub use layout::{ColumnLayout, WidthSource};

/// Payload bytes assumed for `text` (and `varchar(n)` up to n) when no stats say otherwise.
pub const ASSUMED_TEXT_BYTES: u32 = 32;

/// What one table costs.
#[derive(Clone, Debug, PartialEq)]
pub struct TableEstimate {
    /// Average bytes one row adds to the table's own storage: tuple header, null bitmap, column
    /// data, alignment padding and the row's slot in the page (PostgreSQL's line pointer).
    pub row_bytes: f64,
    /// Bytes of `row_bytes` that are not column data: header, bitmap, padding, slot.
    pub overhead_bytes: f64,
    /// The columns in table order.
    pub columns: Vec<ColumnLayout>,
    /// Heap, TOAST and index bytes for one million rows.
    pub bytes_per_million_rows: u64,
    /// Sizes at the known row count, when there is one.
    pub at_rows: Option<Sizes>,
    /// How full each index's leaf pages are assumed to be, and why, in `Sizes::indexes` order.
    pub index_fills: Vec<IndexFill>,
    pub model: SizeModel,
}

/// The leaf-page fill an index was sized with: a B-tree built by `CREATE INDEX` or grown by
/// ascending keys is 90% full, one grown by random inserts about 70%, by descending ones 50%.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexFill {
    pub name: String,
    /// Share of a leaf page holding entries, 0 to 1.
    pub leaf_fill: f64,
    /// Why: the insert order and what it was inferred from, e.g.
    /// "random inserts: gen_random_uuid() default".
    pub reason: String,
}

/// Sizes of a table at a given number of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Sizes {
    pub rows: f64,
    pub heap_bytes: u64,
    pub toast_bytes: u64,
    pub indexes: Vec<(String, u64)>,
}

impl Sizes {
    pub fn index_bytes(&self) -> u64 {
        self.indexes.iter().map(|(_, b)| b).sum()
    }

    pub fn total_bytes(&self) -> u64 {
        self.heap_bytes + self.toast_bytes + self.index_bytes()
    }
}

/// The largest row count sized; larger ones are sized as this.
pub const MAX_ROWS: f64 = 1e15;

/// Everything needed to size the table at any row count (forecasts evaluate it at horizons).
#[derive(Clone, Debug, PartialEq)]
pub enum SizeModel {
    Postgres(postgres::Model),
    Innodb(innodb::Model),
    Sqlite(sqlite::Model),
}

impl SizeModel {
    /// Each index's leaf fill, in `Sizes::indexes` order.
    pub fn index_fills(&self) -> Vec<IndexFill> {
        match self {
            SizeModel::Postgres(model) => model.index_fills(),
            SizeModel::Innodb(model) => model.index_fills(),
            SizeModel::Sqlite(model) => model.index_fills(),
        }
    }

    pub fn sizes_at(&self, rows: f64) -> Sizes {
        // Forecasts searched a century ahead can ask for absurd counts; past a quadrillion rows
        // the answer no longer matters, and page arithmetic must not overflow.
        let rows = rows.clamp(0.0, MAX_ROWS);
        match self {
            SizeModel::Postgres(model) => model.sizes_at(rows),
            SizeModel::Innodb(model) => model.sizes_at(rows),
            SizeModel::Sqlite(model) => model.sizes_at(rows),
        }
    }
}

/// Estimates `table`'s storage. `rows` is the row count to size it at (from stats or a planning
/// annotation); `stats` supplies sampled widths, null fractions and distinct counts.
pub fn estimate_table(schema: &Schema, table: &Table, rows: Option<f64>, stats: Option<&TableStats>) -> TableEstimate {
    let (row_bytes, overhead_bytes, columns, model) = match schema.dialect {
        Dialect::Postgres => {
            let (layout, model) = postgres::model(schema, table, stats);
            (layout.row_bytes, layout.overhead_bytes, layout.columns, SizeModel::Postgres(model))
        }
        Dialect::Mysql => {
            let (layout, model) = innodb::model(schema, table, stats);
            (layout.row_bytes, layout.overhead_bytes, layout.columns, SizeModel::Innodb(model))
        }
        Dialect::Sqlite => {
            let (layout, model) = sqlite::model(schema, table, stats);
            (layout.row_bytes, layout.overhead_bytes, layout.columns, SizeModel::Sqlite(model))
        }
    };
    let bytes_per_million_rows = model.sizes_at(1_000_000.0).total_bytes();
    let at_rows = rows.map(|r| model.sizes_at(r));
    let index_fills = model.index_fills();
    TableEstimate { row_bytes, overhead_bytes, columns, bytes_per_million_rows, at_rows, index_fills, model }
}

/// PostgreSQL: mean bytes per row (tuple and line pointer) with the columns in `order` (indexes
/// into `table.columns`) and, optionally, one column given another type.
pub fn postgres_row_bytes(
    schema: &Schema,
    table: &Table,
    stats: Option<&TableStats>,
    order: &[usize],
    retyped: Option<(usize, &crate::schema::SqlType)>,
) -> f64 {
    postgres::row_bytes(schema, table, stats, order, retyped)
}

/// PostgreSQL: mean bytes per row in the table's column order and in the tightest order, and
/// that order.
pub fn postgres_padding(schema: &Schema, table: &Table, stats: Option<&TableStats>) -> (f64, f64, Vec<usize>) {
    postgres::padding(schema, table, stats)
}

/// Bytes of a B-tree whose leaves hold `rows` entries of `entry` bytes in pages of `page`
/// bytes with `usable` of them for entries, filled to `fill`, plus about 1% of interior pages;
/// never less than one page. The InnoDB and SQLite approximations share it.
pub(crate) fn approximate_btree_bytes(rows: f64, entry: f64, page: f64, usable: f64, fill: f64) -> u64 {
    let leaves = (rows * entry / (usable * fill)).ceil().max(1.0);
    let total = leaves + if leaves > 1.0 { (leaves / 100.0).ceil() } else { 0.0 };
    (total * page) as u64
}

/// A table's row layout: what `estimate_table` reports per row.
pub(crate) struct RowLayout {
    pub row_bytes: f64,
    pub overhead_bytes: f64,
    pub columns: Vec<ColumnLayout>,
}

/// A row's width in whole bytes, "93" for 92.5: every surface (hover, hints, `forecast`, the
/// report, rule messages) prints row widths through this, so they never disagree by a byte.
pub fn row_bytes_text(bytes: f64) -> String {
    format!("{}", bytes.round() as i64)
}

/// "1.5 KiB", "88.0 MiB": binary units, one decimal.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} B", value.round() as u64)
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// "41.2M rows", "950 rows", "2.0B rows" without the word.
pub fn human_count(count: f64) -> String {
    let count = count.max(0.0);
    if count >= 1e9 {
        format!("{:.1}B", count / 1e9)
    } else if count >= 1e6 {
        format!("{:.1}M", count / 1e6)
    } else if count >= 1e4 {
        format!("{:.0}k", count / 1e3)
    } else {
        format!("{}", count.round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_bytes_are_rounded_half_away_from_zero() {
        // `{:.0}` rounds ties to even (92.5 → "92"): hover and `forecast` once disagreed so.
        assert_eq!(row_bytes_text(92.5), "93");
        assert_eq!(row_bytes_text(92.49), "92");
        assert_eq!(row_bytes_text(52.0), "52");
    }
}
