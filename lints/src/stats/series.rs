//! Reading a stats file for forecasting: per table, the (taken_at, rows) and (taken_at, bytes)
//! series; per sequence, its position over time; per unique integer column, its maximum over
//! time. Only those fields are decoded (the rest of each line is skipped unread), lines are
//! parsed on two threads, and tables are matched line to line by position before by name, so
//! a year of daily snapshots of 10,000 tables reads in well under a second.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use jiff::Timestamp;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::history::StatsProblem;
use super::snapshot::{Snapshot, FORMAT};
use crate::forecast::{Forecast, Point};

/// Every series of a stats file, and what was wrong with the lines left out.
#[derive(Clone, Debug, Default)]
pub struct StatsSeries {
    /// When each usable snapshot was taken, in days since 1970-01-01 UTC, ascending.
    pub snapshot_days: Vec<f64>,
    pub tables: Vec<TableSeries>,
    pub sequences: Vec<SequenceSeries>,
    pub problems: Vec<StatsProblem>,
    /// The line holding the latest usable snapshot.
    pub latest_line: Option<u32>,
    table_index: HashMap<(String, String), usize>,
    sequence_index: HashMap<(String, String), usize>,
}

#[derive(Clone, Debug, Default)]
pub struct TableSeries {
    pub schema: String,
    pub name: String,
    pub rows: Vec<Point>,
    /// Everything the table occupies: `total_bytes`, else table + index + TOAST.
    pub bytes: Vec<Point>,
    /// Integer columns every row of which is distinct (`n_distinct` -1): likely keys whose
    /// maximum tracks how fast ids are used when no sequence says so.
    pub key_columns: Vec<ColumnSeries>,
    /// Forecasts depend only on the series: computed once per series, however many analyses
    /// (an editor's, one per keystroke) share it.
    rows_forecast: OnceLock<Option<Forecast>>,
    bytes_forecast: OnceLock<Option<Forecast>>,
}

impl TableSeries {
    /// The forecast of the rows history (`None` without points).
    pub fn rows_forecast(&self) -> Option<&Forecast> {
        self.rows_forecast.get_or_init(|| Forecast::from_history(&self.rows)).as_ref()
    }

    /// The forecast of the measured bytes history.
    pub fn bytes_forecast(&self) -> Option<&Forecast> {
        self.bytes_forecast.get_or_init(|| Forecast::from_history(&self.bytes)).as_ref()
    }
}

#[derive(Clone, Debug)]
pub struct SequenceSeries {
    pub schema: String,
    pub name: String,
    pub owned_by: Option<String>,
    /// The sequence's limit as last seen.
    pub max_value: i64,
    pub increment: i64,
    pub last_values: Vec<Point>,
    forecast: OnceLock<Option<Forecast>>,
}

impl SequenceSeries {
    /// The forecast of the sequence's position, computed once.
    pub fn forecast(&self) -> Option<&Forecast> {
        self.forecast.get_or_init(|| Forecast::from_history(&self.last_values)).as_ref()
    }
}

#[derive(Clone, Debug)]
pub struct ColumnSeries {
    pub column: String,
    pub max: Vec<Point>,
    forecast: OnceLock<Option<Forecast>>,
}

impl ColumnSeries {
    /// The forecast of the column's maximum, computed once.
    pub fn forecast(&self) -> Option<&Forecast> {
        self.forecast.get_or_init(|| Forecast::from_history(&self.max)).as_ref()
    }
}

impl StatsSeries {
    /// The series of the table the snapshot names `schema.name`.
    pub fn table(&self, schema: &str, name: &str) -> Option<&TableSeries> {
        self.table_index.get(&(schema.to_owned(), name.to_owned())).map(|&i| &self.tables[i])
    }

    pub fn sequence(&self, schema: &str, name: &str) -> Option<&SequenceSeries> {
        self.sequence_index.get(&(schema.to_owned(), name.to_owned())).map(|&i| &self.sequences[i])
    }

    pub fn key_column(&self, schema: &str, table: &str, column: &str) -> Option<&ColumnSeries> {
        self.table(schema, table)?.key_columns.iter().find(|c| c.column == column)
    }

    /// The last snapshot's day, where projections start.
    pub fn last_day(&self) -> Option<f64> {
        self.snapshot_days.last().copied()
    }
}

/// A table's figures in one snapshot, as a store that keeps them in columns hands them over.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableFigures {
    pub rows: Option<u64>,
    /// False when the table was never analyzed: `rows` is then unknown and left out.
    pub analyzed: bool,
    pub table_bytes: Option<u64>,
    pub index_bytes: Option<u64>,
    pub toast_bytes: Option<u64>,
    pub total_bytes: Option<u64>,
}

impl TableFigures {
    /// Everything the table occupies: `total_bytes`, else the sum of the parts known.
    pub fn measured_bytes(&self) -> Option<u64> {
        let parts = [self.table_bytes, self.index_bytes, self.toast_bytes];
        self.total_bytes.or_else(|| parts.iter().any(Option::is_some).then(|| parts.iter().flatten().sum()))
    }
}

impl TableSeries {
    /// An empty series, for a store that builds series from plain figures.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> TableSeries {
        TableSeries { schema: schema.into(), name: name.into(), ..TableSeries::default() }
    }

    /// One snapshot's rows and bytes, by the rules the stats file reader follows: rows only when
    /// analyzed, bytes as [`TableFigures::measured_bytes`].
    pub fn record(&mut self, day: f64, figures: &TableFigures) {
        if let (Some(rows), true) = (figures.rows, figures.analyzed) {
            self.rows.push(Point { day, value: rows as f64 });
        }
        if let Some(bytes) = figures.measured_bytes() {
            self.bytes.push(Point { day, value: bytes as f64 });
        }
    }

    /// One snapshot's maximum of a unique integer column.
    pub fn record_key_max(&mut self, day: f64, column: &str, max: i64) {
        let point = Point { day, value: max as f64 };
        match self.key_columns.iter_mut().find(|c| c.column == column) {
            Some(known) => known.max.push(point),
            None => self.key_columns.push(ColumnSeries {
                column: column.to_owned(),
                max: vec![point],
                forecast: OnceLock::new(),
            }),
        }
    }
}

impl SequenceSeries {
    /// A sequence's positions over time (`last_values`, any order), its limit and step as last
    /// seen.
    pub fn new(
        schema: impl Into<String>,
        name: impl Into<String>,
        owned_by: Option<String>,
        max_value: i64,
        increment: i64,
        last_values: Vec<Point>,
    ) -> SequenceSeries {
        SequenceSeries {
            schema: schema.into(),
            name: name.into(),
            owned_by,
            max_value,
            increment,
            last_values,
            forecast: OnceLock::new(),
        }
    }
}

impl StatsSeries {
    /// Series built from plain figures (a store that keeps them in columns rather than lines):
    /// every series is put in time order and indexed by name, as [`read_series`] leaves them.
    /// `latest_line` is left unset: the caller knows its latest snapshot by its own key.
    pub fn from_parts(
        mut snapshot_days: Vec<f64>,
        mut tables: Vec<TableSeries>,
        mut sequences: Vec<SequenceSeries>,
        problems: Vec<StatsProblem>,
    ) -> StatsSeries {
        let by_day = |a: &Point, b: &Point| a.day.total_cmp(&b.day);
        snapshot_days.sort_by(f64::total_cmp);
        for table in &mut tables {
            table.rows.sort_by(by_day);
            table.bytes.sort_by(by_day);
            for column in &mut table.key_columns {
                column.max.sort_by(by_day);
            }
        }
        for sequence in &mut sequences {
            sequence.last_values.sort_by(by_day);
        }
        let table_index = tables.iter().enumerate().map(|(i, t)| ((t.schema.clone(), t.name.clone()), i)).collect();
        let sequence_index =
            sequences.iter().enumerate().map(|(i, s)| ((s.schema.clone(), s.name.clone()), i)).collect();
        StatsSeries { snapshot_days, tables, sequences, problems, latest_line: None, table_index, sequence_index }
    }
}

/// Days since the epoch, fractional.
pub fn day_of(timestamp: Timestamp) -> f64 {
    timestamp.as_second() as f64 / 86_400.0 + f64::from(timestamp.subsec_nanosecond()) / 86_400e9
}

/// Reads the series of a stats file's text; `path` only names it in problems. A line that is not
/// a snapshot is reported (`path:line`) and skipped; the others still count. Of two snapshots of
/// the same instant, the first is kept.
pub fn read_series(text: &str, path: &str) -> StatsSeries {
    read_series_bytes(text.as_bytes(), path)
}

/// Lines decoded per batch: enough to keep both threads busy, few enough that a batch of a
/// 10,000-table history holds tens of megabytes, not the whole decoded file.
const BATCH_LINES: usize = 32;

/// [`read_series`] of a file's bytes as read: each line's strings are checked as UTF-8 while
/// they are decoded, so the file is not validated in a separate pass.
pub fn read_series_bytes(text: &[u8], path: &str) -> StatsSeries {
    let lines: Vec<(u32, &[u8])> = super::history::without_torn_tail(text)
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, line)| (i as u32 + 1, line.strip_suffix(b"\r").unwrap_or(line)))
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .collect();
    let mut series = StatsSeries::default();
    let mut builder = Builder::default();
    let mut first_line_of_day: HashMap<u64, u32> = HashMap::new();
    let mut latest: Option<(f64, u32)> = None;
    let mut in_time_order = true;
    for batch in lines.chunks(BATCH_LINES) {
        for (number, outcome) in parse_batch(batch) {
            let snapshot = match outcome {
                Ok(snapshot) => snapshot,
                Err(message) => {
                    series.problems.push(StatsProblem { path: path.to_owned(), line: number, message });
                    continue;
                }
            };
            let day = day_of(snapshot.taken_at);
            // Of two snapshots of one instant, the first in the file is kept.
            if let Some(first) = first_line_of_day.get(&day.to_bits()) {
                series.problems.push(StatsProblem {
                    path: path.to_owned(),
                    line: number,
                    message: format!(
                        "duplicate taken_at {}: line {first} has a snapshot of the same instant; this one is ignored",
                        snapshot.taken_at
                    ),
                });
                continue;
            }
            first_line_of_day.insert(day.to_bits(), number);
            in_time_order &= series.snapshot_days.last().is_none_or(|last| *last < day);
            if latest.is_none_or(|(latest_day, _)| day > latest_day) {
                latest = Some((day, number));
            }
            series.snapshot_days.push(day);
            builder.add(&mut series, day, snapshot);
        }
    }
    if !in_time_order {
        let by_day = |a: &Point, b: &Point| a.day.total_cmp(&b.day);
        series.snapshot_days.sort_by(f64::total_cmp);
        for table in &mut series.tables {
            table.rows.sort_by(by_day);
            table.bytes.sort_by(by_day);
            for column in &mut table.key_columns {
                column.max.sort_by(by_day);
            }
        }
        for sequence in &mut series.sequences {
            sequence.last_values.sort_by(by_day);
        }
    }
    series.latest_line = latest.map(|(_, line)| line);
    series.problems.sort_by_key(|p| p.line);
    series
}

/// Reads a stats file for forecasting: the series of every line, and the latest snapshot in
/// full (the only line decoded whole). A latest line the full reader refuses (a value out of
/// range) is reported, and the latest snapshot is then missing rather than wrong.
pub fn read_stats(text: &[u8], path: &str) -> (Option<Snapshot>, StatsSeries) {
    let mut series = read_series_bytes(text, path);
    let Some(number) = series.latest_line else {
        return (None, series);
    };
    let line = text.split(|b| *b == b'\n').nth(number as usize - 1).unwrap_or(b"");
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let parsed = serde_json::from_slice::<Snapshot>(line).map_err(|e| format!("invalid snapshot: {e}"));
    match parsed.and_then(|s| s.validate().map(|()| s)) {
        Ok(snapshot) => (Some(snapshot), series),
        Err(message) => {
            series.problems.push(StatsProblem { path: path.to_owned(), line: number, message });
            (None, series)
        }
    }
}

/// Decodes a batch of lines, half on another thread when there is enough to share.
fn parse_batch<'t>(batch: &[(u32, &'t [u8])]) -> Vec<(u32, Result<LeanSnapshot<'t>, String>)> {
    crate::halves::in_halves(batch, 8, |_, lines| {
        lines.iter().map(|&(number, line)| (number, parse_line(line))).collect()
    })
}

fn parse_line(line: &[u8]) -> Result<LeanSnapshot<'_>, String> {
    let snapshot: LeanSnapshot<'_> = serde_json::from_slice(line).map_err(|error| {
        if error.is_eof() {
            "incomplete snapshot (the line ends early; was a write interrupted?)".to_owned()
        } else {
            format!("invalid snapshot: {error}")
        }
    })?;
    if snapshot.format != FORMAT {
        return Err(format!("unsupported format `{}`; this schemacast reads `{FORMAT}`", snapshot.format));
    }
    Ok(snapshot)
}

/// Matches each line's tables and sequences to series: first by position (collectors list them
/// in the same order every time), then by name, so names are hashed and copied only when first
/// seen or reordered.
#[derive(Default)]
struct Builder {
    previous_order: Vec<usize>,
    previous_sequence_order: Vec<usize>,
}

impl Builder {
    fn add(&mut self, series: &mut StatsSeries, day: f64, snapshot: LeanSnapshot<'_>) {
        self.add_tables(series, day, snapshot.tables);
        self.add_sequences(series, day, snapshot.sequences);
    }

    fn add_tables(&mut self, series: &mut StatsSeries, day: f64, tables: Vec<LeanTable<'_>>) {
        let mut order = Vec::with_capacity(tables.len());
        for (position, table) in tables.into_iter().enumerate() {
            let same_place = self.previous_order.get(position).copied().filter(|&i| {
                let known = &series.tables[i];
                known.name == table.name && known.schema == table.schema
            });
            let index = match same_place {
                Some(index) => index,
                None => {
                    let key = (table.schema.clone().into_owned(), table.name.clone().into_owned());
                    let next = series.tables.len();
                    let index = *series.table_index.entry(key).or_insert(next);
                    if index == next {
                        series.tables.push(TableSeries {
                            schema: table.schema.to_string(),
                            name: table.name.to_string(),
                            ..TableSeries::default()
                        });
                    }
                    index
                }
            };
            order.push(index);
            record_table(&mut series.tables[index], day, table);
        }
        self.previous_order = order;
    }

    fn add_sequences(&mut self, series: &mut StatsSeries, day: f64, sequences: Vec<LeanSequence<'_>>) {
        let mut order = Vec::with_capacity(sequences.len());
        for (position, sequence) in sequences.into_iter().enumerate() {
            let same_place = self.previous_sequence_order.get(position).copied().filter(|&i| {
                let known = &series.sequences[i];
                known.name == sequence.name && known.schema == sequence.schema
            });
            let index = match same_place {
                Some(index) => index,
                None => {
                    let key = (sequence.schema.to_string(), sequence.name.to_string());
                    let next = series.sequences.len();
                    let index = *series.sequence_index.entry(key).or_insert(next);
                    if index == next {
                        series.sequences.push(SequenceSeries {
                            schema: sequence.schema.to_string(),
                            name: sequence.name.to_string(),
                            owned_by: None,
                            max_value: sequence.max_value,
                            increment: sequence.increment,
                            last_values: Vec::new(),
                            forecast: OnceLock::new(),
                        });
                    }
                    index
                }
            };
            order.push(index);
            let target = &mut series.sequences[index];
            target.max_value = sequence.max_value;
            target.increment = sequence.increment;
            if target.owned_by.as_deref() != sequence.owned_by.as_deref() {
                target.owned_by = sequence.owned_by.map(Cow::into_owned);
            }
            if let Some(last) = sequence.last_value {
                target.last_values.push(Point { day, value: last as f64 });
            }
        }
        self.previous_sequence_order = order;
    }
}

/// One snapshot's figures of a table appended to its series.
fn record_table(target: &mut TableSeries, day: f64, table: LeanTable<'_>) {
    let figures = TableFigures {
        rows: table.rows,
        analyzed: table.analyzed,
        table_bytes: table.table_bytes,
        index_bytes: table.index_bytes,
        toast_bytes: table.toast_bytes,
        total_bytes: table.total_bytes,
    };
    target.record(day, &figures);
    for (column, max) in table.columns.0 {
        target.record_key_max(day, &column, max);
    }
}

#[derive(Deserialize)]
struct LeanSnapshot<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    taken_at: Timestamp,
    #[serde(default, borrow)]
    tables: Vec<LeanTable<'a>>,
    #[serde(default, borrow)]
    sequences: Vec<LeanSequence<'a>>,
}

#[derive(Deserialize)]
struct LeanTable<'a> {
    #[serde(borrow)]
    schema: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    rows: Option<u64>,
    #[serde(default = "yes")]
    analyzed: bool,
    #[serde(default)]
    table_bytes: Option<u64>,
    #[serde(default)]
    index_bytes: Option<u64>,
    #[serde(default)]
    toast_bytes: Option<u64>,
    #[serde(default)]
    total_bytes: Option<u64>,
    #[serde(default, borrow)]
    columns: KeyColumns<'a>,
}

#[derive(Deserialize)]
struct LeanColumn<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    n_distinct: Option<f64>,
    #[serde(default)]
    max: Option<IntegerOrOther>,
}

#[derive(Deserialize)]
struct LeanSequence<'a> {
    #[serde(default, borrow)]
    schema: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(default)]
    last_value: Option<i64>,
    max_value: i64,
    #[serde(default = "one")]
    increment: i64,
    #[serde(default, borrow)]
    owned_by: Option<Cow<'a, str>>,
}

fn yes() -> bool {
    true
}

fn one() -> i64 {
    1
}

/// The columns of a table entry that look like keys (every value distinct, an integer maximum),
/// with that maximum. The others are read past without being kept, so a wide table's columns
/// cost no allocation.
#[derive(Default)]
struct KeyColumns<'a>(Vec<(Cow<'a, str>, i64)>);

impl<'de: 'a, 'a> Deserialize<'de> for KeyColumns<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Columns<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Columns<'a> {
            type Value = KeyColumns<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of columns")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some(column) = seq.next_element::<LeanColumn<'de>>()? {
                    if let (Some(IntegerOrOther(Some(max))), Some(-1.0)) = (column.max, column.n_distinct) {
                        keys.push((column.name, max));
                    }
                }
                Ok(KeyColumns(keys))
            }
        }
        deserializer.deserialize_seq(Columns(std::marker::PhantomData))
    }
}

/// A column's `max`: an integer is kept; a float or a temporal text is read past.
struct IntegerOrOther(Option<i64>);

impl<'de> Deserialize<'de> for IntegerOrOther {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Any;
        impl Visitor<'_> for Any {
            type Value = IntegerOrOther;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntegerOrOther(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntegerOrOther(i64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(IntegerOrOther(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(IntegerOrOther(None))
            }
        }
        deserializer.deserialize_any(Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(at: &str, rows: u64, bytes: u64, last_value: i64) -> String {
        format!(
            r#"{{"format":"schemacast.stats/v1","taken_at":"{at}","tables":[{{"schema":"public","name":"orders","rows":{rows},"total_bytes":{bytes},"columns":[{{"name":"id","n_distinct":-1,"max":{last_value},"avg_width":4}},{{"name":"placed_at","max":"2026-01-01"}}]}},{{"schema":"public","name":"fresh","rows":null,"analyzed":false}}],"sequences":[{{"schema":"public","name":"orders_id_seq","last_value":{last_value},"max_value":2147483647,"owned_by":"public.orders.id"}}]}}"#
        )
    }

    #[test]
    fn reads_rows_bytes_sequences_and_key_maxima_in_time_order() {
        let text = [
            line("2026-01-03T00:00:00Z", 300, 3000, 310),
            line("2026-01-01T00:00:00Z", 100, 1000, 105),
            "{\"format\":\"schemacast.stats/v1\",\"taken_at\":\"2026-01-02".to_owned(),
            line("2026-01-02T12:00:00Z", 200, 2000, 207),
            line("2026-01-02T12:00:00Z", 999, 9999, 999),
        ]
        .join("\n");
        let series = read_series(&text, "s.jsonl");
        assert_eq!(series.snapshot_days.len(), 3);
        let orders = series.table("public", "orders").unwrap();
        let rows: Vec<f64> = orders.rows.iter().map(|p| p.value).collect();
        assert_eq!(rows, [100.0, 200.0, 300.0]);
        assert_eq!(orders.rows[1].day - orders.rows[0].day, 1.5);
        assert_eq!(orders.bytes.len(), 3);
        assert!(series.table("public", "fresh").unwrap().rows.is_empty(), "never analyzed is unknown, not zero");
        let sequence = series.sequence("public", "orders_id_seq").unwrap();
        assert_eq!(sequence.owned_by.as_deref(), Some("public.orders.id"));
        assert_eq!(sequence.last_values.len(), 3);
        assert_eq!(series.key_column("public", "orders", "id").unwrap().max.len(), 3);
        assert!(series.key_column("public", "orders", "placed_at").is_none());
        let problems: Vec<String> = series.problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("s.jsonl:3: incomplete snapshot"), "{}", problems[0]);
        assert!(problems[1].starts_with("s.jsonl:5: duplicate taken_at"), "{}", problems[1]);
    }

    #[test]
    fn series_from_plain_figures_equal_the_stats_file_reader() {
        let text =
            [line("2026-01-03T00:00:00Z", 300, 3000, 310), line("2026-01-01T00:00:00Z", 100, 1000, 105)].join("\n");
        let read = read_series(&text, "s.jsonl");
        let (day1, day3) = (read.snapshot_days[0], read.snapshot_days[1]);
        let mut orders = TableSeries::new("public", "orders");
        for (day, rows, bytes, max) in [(day3, 300, 3000, 310), (day1, 100, 1000, 105)] {
            orders.record(
                day,
                &TableFigures { rows: Some(rows), analyzed: true, total_bytes: Some(bytes), ..TableFigures::default() },
            );
            orders.record_key_max(day, "id", max);
        }
        let mut fresh = TableSeries::new("public", "fresh");
        fresh.record(day1, &TableFigures { rows: None, analyzed: false, ..TableFigures::default() });
        let points = vec![Point { day: day3, value: 310.0 }, Point { day: day1, value: 105.0 }];
        let sequence =
            SequenceSeries::new("public", "orders_id_seq", Some("public.orders.id".into()), 2147483647, 1, points);
        let built = StatsSeries::from_parts(vec![day3, day1], vec![orders, fresh], vec![sequence], Vec::new());
        assert_eq!(built.snapshot_days, read.snapshot_days);
        let (a, b) = (built.table("public", "orders").unwrap(), read.table("public", "orders").unwrap());
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.key_columns[0].max, b.key_columns[0].max);
        assert!(built.table("public", "fresh").unwrap().rows.is_empty());
        let (a, b) =
            (built.sequence("public", "orders_id_seq").unwrap(), read.sequence("public", "orders_id_seq").unwrap());
        assert_eq!(a.last_values, b.last_values);
        assert_eq!(a.owned_by, b.owned_by);
    }

    #[test]
    fn agrees_with_the_full_reader_on_many_lines() {
        let text: String = (1..=40)
            .map(|d| line(&format!("2026-02-{:02}T00:00:00Z", (d % 28) + 1), d * 10, d * 100, d as i64) + "\n")
            .collect();
        let (latest, series) = read_stats(text.as_bytes(), "s.jsonl");
        let history = super::super::read_history(&text, "s.jsonl");
        assert_eq!(latest.as_ref(), history.latest());
        assert_eq!(series.snapshot_days.len(), history.snapshots.len());
        assert_eq!(series.problems.len(), history.problems.len());
        let rows: Vec<f64> = series.table("public", "orders").unwrap().rows.iter().map(|p| p.value).collect();
        let expected: Vec<f64> = history.snapshots.iter().map(|s| s.tables[0].rows.unwrap() as f64).collect();
        assert_eq!(rows, expected);
    }
}
