//! `schemacast stats import`: a row-count and size history from a CSV export
//! (`table,taken_at,rows,bytes`, and optionally `database` and the other table-level figures
//! `stats export --format csv` writes), turned into snapshots.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::history::StatsProblem;
use super::snapshot::{Snapshot, TableStats};

const REQUIRED_COLUMNS: [&str; 4] = ["table", "taken_at", "rows", "bytes"];

/// Read when present, as `stats export --format csv` writes them, so its CSV imports back
/// with every table-level figure.
const OPTIONAL_COUNTS: [&str; 7] =
    ["table_bytes", "index_bytes", "toast_bytes", "inserts", "updates", "deletes", "dead_rows"];

/// Reads the CSV text into one snapshot per distinct `taken_at`, oldest first.
///
/// The header row is required; its columns may come in any order and unknown columns are
/// ignored. A table may be written `schema.table`; otherwise it is in `default_schema`. Empty
/// cells mean unknown. Optional columns: `database` (rows of different databases make
/// different snapshots), `analyzed` (`true`/`false`) and [`OPTIONAL_COUNTS`]. Every problem is returned (naming its line) and nothing is
/// imported when there is one, so a half-imported history never happens.
pub fn import_csv(text: &str, path: &str, default_schema: &str) -> Result<Vec<Snapshot>, Vec<StatsProblem>> {
    let problem = |line: u64, message: String| StatsProblem { path: path.to_owned(), line: line as u32, message };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let column_of = header_columns(&mut reader).map_err(|message| vec![problem(1, message)])?;
    let mut problems = Vec::new();
    let mut by_time: BTreeMap<(Timestamp, String), Vec<TableStats>> = BTreeMap::new();
    let mut line_of_row: HashMap<(Timestamp, String, String, String), u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                problems.push(problem(line, format!("unreadable CSV: {error}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |name: &str| column_of.get(name).and_then(|&i| record.get(i)).unwrap_or("");
        let row = match read_row(cell, default_schema) {
            Ok(row) => row,
            Err(message) => {
                problems.push(problem(line, message));
                continue;
            }
        };
        let (schema, table) = (row.stats.schema.clone(), row.stats.name.clone());
        let key = (row.taken_at, row.database.clone(), schema.clone(), table.clone());
        if let Some(first) = line_of_row.insert(key, line) {
            problems.push(problem(line, format!("`{schema}.{table}` at {} is already on line {first}", row.taken_at)));
            continue;
        }
        by_time.entry((row.taken_at, row.database)).or_default().push(row.stats);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if by_time.is_empty() {
        return Err(vec![problem(1, "no data rows after the header".to_owned())]);
    }
    Ok(by_time
        .into_iter()
        .map(|((taken_at, database), tables)| {
            let mut snapshot = Snapshot::new(taken_at);
            snapshot.source = Some("import".to_owned());
            snapshot.database = Some(database).filter(|d| !d.is_empty());
            snapshot.tables = tables;
            snapshot
        })
        .collect())
}

/// Each column name of the header row (lower case, byte-order mark removed) and its position;
/// an error naming what is missing when a required column is.
fn header_columns(reader: &mut csv::Reader<&[u8]>) -> Result<HashMap<String, usize>, String> {
    let headers = reader.headers().map_err(|error| format!("cannot read the header row: {error}"))?;
    let mut column_of = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        column_of.entry(header.trim_start_matches('\u{feff}').to_ascii_lowercase()).or_insert(index);
    }
    let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !column_of.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "the header row must name the columns {}; missing {} (found: {})",
            REQUIRED_COLUMNS.join(","),
            missing.join(", "),
            headers.iter().collect::<Vec<_>>().join(",")
        ));
    }
    Ok(column_of)
}

/// One data row: when, of which database (`""` when the file names none), and the table's
/// figures.
struct Row {
    taken_at: Timestamp,
    database: String,
    stats: TableStats,
}

/// A data row from its cells (`cell` gives a required column's text), or what is wrong with it.
fn read_row<'r>(cell: impl Fn(&str) -> &'r str, default_schema: &str) -> Result<Row, String> {
    let (schema, table) = split_table(cell("table"), default_schema)?;
    let taken_at = parse_instant(cell("taken_at")).map_err(|message| format!("`taken_at`: {message}"))?;
    let rows = count(cell("rows")).map_err(|message| format!("`rows`: {message}"))?;
    let bytes = count(cell("bytes")).map_err(|message| format!("`bytes`: {message}"))?;
    let mut stats = TableStats { rows, total_bytes: bytes, ..TableStats::named(schema, table) };
    stats.analyzed = match cell("analyzed").to_ascii_lowercase().as_str() {
        "" | "true" | "t" | "1" | "yes" => true,
        "false" | "f" | "0" | "no" => false,
        other => return Err(format!("`analyzed`: `{other}` is not true or false")),
    };
    let mut counts = [None; OPTIONAL_COUNTS.len()];
    for (name, value) in OPTIONAL_COUNTS.iter().zip(&mut counts) {
        *value = count(cell(name)).map_err(|message| format!("`{name}`: {message}"))?;
    }
    [
        stats.table_bytes,
        stats.index_bytes,
        stats.toast_bytes,
        stats.inserts,
        stats.updates,
        stats.deletes,
        stats.dead_rows,
    ] = counts;
    Ok(Row { taken_at, database: cell("database").to_owned(), stats })
}

fn split_table(value: &str, default_schema: &str) -> Result<(String, String), String> {
    let (schema, table) = match value.split_once('.') {
        Some((schema, table)) => (schema.trim(), table.trim()),
        None => (default_schema, value),
    };
    if table.is_empty() || value.is_empty() {
        return Err(format!("`table`: `{value}` is not a table name (write `table` or `schema.table`)"));
    }
    Ok((schema.to_owned(), table.to_owned()))
}

fn count(value: &str) -> Result<Option<u64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let digits: String = value.chars().filter(|c| *c != '_').collect();
    if let Ok(n) = digits.parse::<u64>() {
        return Ok(Some(n));
    }
    // Monitoring exports often write counts as floats (`1.2e6`, `1200.0`).
    match digits.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 && n < u64::MAX as f64 => Ok(Some(n.round() as u64)),
        _ => Err(format!("`{value}` is not a non-negative number")),
    }
}

/// An instant as RFC 3339 (`2026-11-25T08:00:00Z`, any offset), or a date or date and time
/// without an offset, read as UTC (`2026-11-25`, `2026-11-25 08:00[:00]`).
pub fn parse_instant(value: &str) -> Result<Timestamp, String> {
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(civil) = value.parse::<DateTime>() {
        if let Ok(zoned) = civil.to_zoned_datetime(TimeZone::UTC) {
            return Ok(zoned.timestamp());
        }
    }
    if let Ok(date) = value.parse::<jiff::civil::Date>() {
        if let Ok(zoned) = date.to_zoned_datetime(TimeZone::UTC) {
            return Ok(zoned.timestamp());
        }
    }
    Err(format!("`{value}` is not a date or time; write RFC 3339 (2026-11-25T08:00:00Z) or 2026-11-25"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_rows_into_snapshots_by_instant() {
        let csv = "Table,bytes,taken_at,rows,host\norders,8192,2026-01-01,10,db1\nbilling.invoices,,2026-01-01T00:00:00Z,3,db1\norders,16384,2026-02-01 12:30,1.2e3,db1\n";
        let snapshots = import_csv(csv, "h.csv", "public").unwrap();
        assert_eq!(snapshots.len(), 2);
        assert_eq!(snapshots[0].taken_at.to_string(), "2026-01-01T00:00:00Z");
        let names: Vec<(&str, &str, Option<u64>, Option<u64>)> =
            snapshots[0].tables.iter().map(|t| (t.schema.as_str(), t.name.as_str(), t.rows, t.total_bytes)).collect();
        assert_eq!(names, [("public", "orders", Some(10), Some(8192)), ("billing", "invoices", Some(3), None)]);
        assert_eq!(snapshots[1].taken_at.to_string(), "2026-02-01T12:30:00Z");
        assert_eq!(snapshots[1].tables[0].rows, Some(1200));
        assert_eq!(snapshots[1].source.as_deref(), Some("import"));
    }

    #[test]
    fn the_optional_columns_of_an_export_are_read_back() {
        let csv = "database,taken_at,table,rows,bytes,analyzed,table_bytes,index_bytes,toast_bytes,inserts,updates,deletes,dead_rows\n\
                   shop,2026-01-01T00:00:00Z,public.orders,10,300,true,100,150,50,12,3,2,1\n\
                   shop,2026-01-01T00:00:00Z,public.audit,,8192,false,8192,,,,,,\n\
                   crm,2026-01-01T00:00:00Z,public.leads,7,70,true,,,,,,,\n";
        let snapshots = import_csv(csv, "e.csv", "public").unwrap();
        // One snapshot per database and instant, each with its database.
        let databases: Vec<Option<&str>> = snapshots.iter().map(|s| s.database.as_deref()).collect();
        assert_eq!(databases, [Some("crm"), Some("shop")]);
        let orders = &snapshots[1].tables[0];
        let figures = [orders.table_bytes, orders.index_bytes, orders.toast_bytes, orders.inserts, orders.updates];
        assert_eq!(figures, [Some(100), Some(150), Some(50), Some(12), Some(3)]);
        assert_eq!((orders.deletes, orders.dead_rows, orders.analyzed), (Some(2), Some(1), true));
        let audit = &snapshots[1].tables[1];
        assert_eq!((audit.rows, audit.analyzed, audit.table_bytes, audit.index_bytes), (None, false, Some(8192), None));
        let bad = import_csv("table,taken_at,rows,bytes,analyzed\norders,2026-01-01,1,1,maybe\n", "e.csv", "public");
        assert!(bad.unwrap_err()[0].message.contains("`analyzed`: `maybe`"));
    }

    #[test]
    fn every_bad_row_is_named_and_nothing_is_imported() {
        let csv = "table,taken_at,rows,bytes\norders,yesterday,1,1\norders,2026-01-01,-5,1\n,2026-01-01,1,1\norders,2026-01-02,1,1\norders,2026-01-02,2,2\n";
        let problems = import_csv(csv, "h.csv", "public").unwrap_err();
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:#?}");
        assert!(shown[0].starts_with("h.csv:2: `taken_at`: `yesterday` is not a date"), "{}", shown[0]);
        assert!(shown[1].starts_with("h.csv:3: `rows`: `-5`"), "{}", shown[1]);
        assert!(shown[2].starts_with("h.csv:4: `table`"), "{}", shown[2]);
        assert_eq!(shown[3], "h.csv:6: `public.orders` at 2026-01-02T00:00:00Z is already on line 5");
    }

    #[test]
    fn a_missing_header_column_is_named() {
        let problems = import_csv("table,when,rows,bytes\norders,2026-01-01,1,1\n", "h.csv", "public").unwrap_err();
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].message.contains("missing taken_at"), "{}", problems[0]);
        let empty = import_csv("table,taken_at,rows,bytes\n", "h.csv", "public").unwrap_err();
        assert!(empty[0].message.contains("no data rows"));
    }
}
