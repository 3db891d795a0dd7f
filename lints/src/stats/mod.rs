//! Statistics sampled from a live database: the snapshot format (`schemacast.stats/v1`), reading
//! a history of snapshots, importing a CSV history, and matching a snapshot to the schema model.
//!
//! A stats file is JSON Lines: one [`Snapshot`] per line, appended over time. It holds only
//! aggregates (counts, sizes, widths, fractions and, per numeric or temporal column, the minimum
//! and maximum); never row data and never credentials.

mod attach;
mod history;
mod import;
mod series;
mod snapshot;

pub use attach::{attach, AttachedStats, UnmatchedColumn};
pub use history::{read_history, without_torn_tail, StatsHistory, StatsProblem};
pub use import::{import_csv, parse_instant};
pub use series::{
    day_of, read_series, read_series_bytes, read_stats, ColumnSeries, SequenceSeries, StatsSeries, TableFigures,
    TableSeries,
};
pub use snapshot::{
    qualified_column, ColumnStats, DependencyCounts, IndexStats, SequenceStats, Snapshot, StatValue, TableStats,
    ValueShapes, FORMAT,
};
