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
    let parse =
        |lines: &[(u32, &'t [u8])]| lines.iter().map(|&(number, line)| (number, parse_line(line))).collect::<Vec<_>>();
    if batch.len() < 8 {
        return parse(batch);
    }
    let (first, second) = batch.split_at(batch.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| parse(second));
        let mut mine = parse(first);
        match other.join() {
            Ok(rest) => mine.extend(rest),
            // A panic while decoding is a bug; fall back to doing the half here.
            Err(_) => mine.extend(parse(second)),
        }
        mine
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
    if let (Some(rows), true) = (table.rows, table.analyzed) {
        target.rows.push(Point { day, value: rows as f64 });
    }
    let parts = [table.table_bytes, table.index_bytes, table.toast_bytes];
    let bytes = table.total_bytes.or_else(|| parts.iter().any(Option::is_some).then(|| parts.iter().flatten().sum()));
    if let Some(bytes) = bytes {
        target.bytes.push(Point { day, value: bytes as f64 });
    }
    for (column, max) in table.columns.0 {
        let point = Point { day, value: max as f64 };
        match target.key_columns.iter_mut().find(|c| c.column == column) {
            Some(known) => known.max.push(point),
            None => target.key_columns.push(ColumnSeries {
                column: column.into_owned(),
                max: vec![point],
                forecast: OnceLock::new(),
            }),
        }
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
