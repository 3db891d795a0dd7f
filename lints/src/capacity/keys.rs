//! When a 16- or 32-bit key runs out: from its sequence's position over time, else from the
//! growth of the column's maximum.

use crate::dialect::Dialect;
use crate::forecast::{Crossing, Forecast, Point};
use crate::schema::{BaseType, Column, Schema, Table};
use crate::stats::{AttachedStats, StatsSeries};

/// A key column whose integer type can run out.
#[derive(Clone, Debug, PartialEq)]
pub struct NarrowKey {
    pub bits: u32,
    pub limit: u64,
    /// The 64-bit type to declare instead.
    pub wide: String,
}

/// A narrow integer that is the table's single-column primary key, an identity or a serial;
/// `None` for every other column.
pub fn narrow_integer_key(dialect: Dialect, table: &Table, column: &Column) -> Option<NarrowKey> {
    let primary_key = table.primary_key().filter(|pk| pk.keys.len() == 1).and_then(|pk| pk.keys[0].column());
    let is_key = primary_key == Some(column.name.as_str()) || column.identity || column.ty.is_serial();
    if !is_key {
        return None;
    }
    let unsigned = column.ty.unsigned;
    let (bits, wide) = match column.ty.base {
        BaseType::SmallSerial => (16, "bigserial"),
        BaseType::Serial => (32, "bigserial"),
        BaseType::SmallInt => (16, "bigint"),
        BaseType::Integer => (32, "bigint"),
        BaseType::TinyInt if dialect == Dialect::Mysql => (8, "bigint"),
        _ => return None,
    };
    let limit = if unsigned { (1u64 << bits) - 1 } else { (1u64 << (bits - 1)) - 1 };
    let wide = if unsigned && dialect == Dialect::Mysql { format!("{wide} unsigned") } else { wide.to_owned() };
    Some(NarrowKey { bits, limit, wide })
}

/// Where the ids' pace was read.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySource {
    /// The sequence (or AUTO_INCREMENT counter) feeding the column, by name.
    Sequence(String),
    /// The column's sampled maximum.
    ColumnMax,
}

/// When a narrow key reaches its limit.
#[derive(Clone, Debug)]
pub struct KeyExhaustion {
    pub column: String,
    pub type_name: String,
    /// The largest value: the type's, or the sequence's `MAXVALUE` when lower.
    pub limit: f64,
    pub source: KeySource,
    /// The latest position (sequence value or maximum).
    pub current: f64,
    pub forecast: Forecast,
    pub crossing: Crossing,
}

/// Every narrow key of `table` whose pace the history shows (three points or more).
pub(crate) fn exhaustion(
    schema: &Schema,
    table: &Table,
    stats: Option<&AttachedStats>,
    series: Option<&StatsSeries>,
) -> Vec<KeyExhaustion> {
    let (Some(stats), Some(series)) = (stats, series) else {
        return Vec::new();
    };
    let dialect = schema.dialect;
    let mut found = Vec::new();
    for column in &table.columns {
        let Some(key) = narrow_integer_key(dialect, table, column) else {
            continue;
        };
        let mut limit = key.limit as f64;
        // The histories' forecasts are memoized in the series: an editor's analyses share them.
        let (history, source) = match stats.sequence_for(&table.name, &column.name, dialect) {
            Some(sequence) => {
                limit = limit.min(sequence.max_value as f64);
                let history = series.sequence(&sequence.schema, &sequence.name).map(|s| (&s.last_values, s.forecast()));
                (history, KeySource::Sequence(sequence.name.clone()))
            }
            None => {
                let Some(table_stats) = stats.for_table(&table.name) else {
                    continue;
                };
                let folded = dialect.fold(&column.name, true);
                let Some(name) = table_stats.columns.iter().map(|c| &c.name).find(|n| dialect.fold(n, true) == folded)
                else {
                    continue;
                };
                let history =
                    series.key_column(&table_stats.schema, &table_stats.name, name).map(|c| (&c.max, c.forecast()));
                (history, KeySource::ColumnMax)
            }
        };
        let Some((points, Some(forecast))) = history else {
            continue;
        };
        if points.len() < 3 {
            continue;
        }
        let current = points.iter().max_by(|a, b| a.day.total_cmp(&b.day)).map_or(0.0, |p: &Point| p.value);
        if !forecast.has_enough_history() {
            continue;
        }
        let crossing = forecast.crossing(limit);
        found.push(KeyExhaustion {
            column: column.name.to_string(),
            type_name: column.ty.to_string(),
            limit,
            source,
            current,
            forecast: forecast.clone(),
            crossing,
        });
    }
    found
}
