//! The SQLite stats store (`docs/stats-store.md` documents its schema for people who query it).
//!
//! Table-level figures, sequences and the maxima of unique integer columns are kept in columns
//! for every snapshot, so forecasting reads them without decoding any snapshot whole; the whole
//! snapshot (column and index detail) is kept as JSON text for the newest snapshots and the
//! first of each month, and thinned from the others ([`thin`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use jiff::Timestamp;
use rusqlite::{params, Connection, OpenFlags, Transaction, TransactionBehavior};

use super::{first_of_each_instant, SnapshotDays, SnapshotRow};
use schemacast_lints::forecast::Point;
use schemacast_lints::stats::{
    read_history, SequenceSeries, SequenceStats, Snapshot, StatsHistory, StatsProblem, StatsSeries, TableFigures,
    TableSeries, TableStats,
};

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// How long a writer waits for another one to finish before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(60);

/// How much of the store file is memory-mapped for reading.
const MMAP_BYTES: i64 = 1 << 30;

/// Snapshots of a database whose detail is always kept, newest first.
const KEEP_DETAIL_NEWEST: i64 = 14;

const SCHEMA_V1: &str = r#"
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    database TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    taken_at_ns INTEGER NOT NULL,
    dialect TEXT,
    server_version TEXT,
    source TEXT,
    detail TEXT
);
CREATE INDEX snapshots_by_database ON snapshots (database, taken_at_ns);
CREATE TABLE tables (
    id INTEGER PRIMARY KEY,
    schema TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (schema, name)
);
CREATE TABLE table_stats (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    table_id INTEGER NOT NULL REFERENCES tables (id),
    "rows" INTEGER,
    analyzed INTEGER NOT NULL,
    table_bytes INTEGER,
    index_bytes INTEGER,
    toast_bytes INTEGER,
    total_bytes INTEGER,
    inserts INTEGER,
    updates INTEGER,
    deletes INTEGER,
    dead_rows INTEGER,
    PRIMARY KEY (snapshot_id, table_id)
) WITHOUT ROWID;
CREATE TABLE key_columns (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    table_id INTEGER NOT NULL REFERENCES tables (id),
    column_name TEXT NOT NULL,
    max_value INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, table_id, column_name)
) WITHOUT ROWID;
CREATE TABLE sequences (
    id INTEGER PRIMARY KEY,
    schema TEXT NOT NULL,
    name TEXT NOT NULL,
    owned_by TEXT,
    UNIQUE (schema, name)
);
CREATE TABLE sequence_stats (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    sequence_id INTEGER NOT NULL REFERENCES sequences (id),
    last_value INTEGER,
    max_value INTEGER NOT NULL,
    increment INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, sequence_id)
) WITHOUT ROWID;
CREATE VIEW table_history AS
    SELECT s.database, s.taken_at, t.schema, t.name, ts."rows", ts.analyzed, ts.table_bytes,
           ts.index_bytes, ts.toast_bytes, ts.total_bytes, ts.inserts, ts.updates, ts.deletes,
           ts.dead_rows, s.id AS snapshot_id
    FROM table_stats ts JOIN snapshots s ON s.id = ts.snapshot_id JOIN tables t ON t.id = ts.table_id;
CREATE VIEW sequence_history AS
    SELECT s.database, s.taken_at, q.schema, q.name, q.owned_by, qs.last_value, qs.max_value,
           qs.increment, s.id AS snapshot_id
    FROM sequence_stats qs JOIN snapshots s ON s.id = qs.snapshot_id JOIN sequences q ON q.id = qs.sequence_id;
"#;

/// SQLite's write-ahead log beside the store.
pub(super) fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Opens the store, creating it when `create`, and migrates its schema forward.
fn open(path: &Path, create: bool) -> anyhow::Result<Connection> {
    let shown = path.display();
    if create {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the stats directory", parent.display()))?;
        }
    } else if !path.is_file() {
        bail!(
            "{shown}: no stats store here; run `schemacast collect --url URL` or `schemacast stats import FILE` first"
        );
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut connection = Connection::open_with_flags(path, flags)
        .with_context(|| format!("{shown}: cannot open the SQLite stats store"))?;
    connection.busy_timeout(BUSY_WAIT)?;
    let page_count: i64 = connection.pragma_query_value(None, "page_count", |row| row.get(0))?;
    if page_count == 0 {
        // Thinning frees each old snapshot's detail; with incremental vacuum the file gives
        // the space back ([`thin`]) instead of keeping it free inside. It can only be chosen
        // while the file is empty, before the write-ahead log is set up.
        connection.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .with_context(|| format!("{shown}: not an SQLite database, or it cannot be written"))?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // Long histories are read in full for forecasting: mapping the file saves a copy per page.
    connection.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    migrate(&mut connection).with_context(|| format!("{shown}: cannot prepare the stats store"))?;
    Ok(connection)
}

/// Brings the schema to [`SCHEMA_VERSION`], one step per version, under the write lock so two
/// processes opening a new store do not both create it.
fn migrate(connection: &mut Connection) -> anyhow::Result<()> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if version > SCHEMA_VERSION {
        bail!(
            "the store has schema version {version}, newer than this schemacast's {SCHEMA_VERSION}; upgrade schemacast"
        );
    }
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version == 0 {
        transaction.execute_batch(SCHEMA_V1)?;
    }
    transaction.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    transaction.commit()?;
    Ok(())
}

/// Appends snapshots in one transaction: all of them or, on any error or a refusal by
/// `accept`, none.
pub(super) fn append(
    path: &Path,
    snapshots: &[Snapshot],
    accept: impl FnOnce(&dyn Fn() -> StatsHistory) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let shown = path.display().to_string();
    let mut connection = open(path, true)?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).with_context(|| {
        format!("{shown}: another schemacast has been writing this store too long; try again later")
    })?;
    accept(&|| {
        read_all(&transaction, &shown).unwrap_or_else(|error| StatsHistory {
            snapshots: Vec::new(),
            problems: vec![StatsProblem { path: shown.clone(), line: 0, message: format!("{error:#}") }],
        })
    })?;
    let mut names = Names::load(&transaction)?;
    let mut databases: Vec<&str> = Vec::new();
    for snapshot in snapshots {
        insert_snapshot(&transaction, &mut names, snapshot)
            .with_context(|| format!("{shown}: cannot write the snapshot taken at {}", snapshot.taken_at))?;
        let database = snapshot.database.as_deref().unwrap_or("");
        if !databases.contains(&database) {
            databases.push(database);
        }
    }
    for database in databases {
        thin(&transaction, database)?;
    }
    transaction.commit().with_context(|| format!("{shown}: cannot write the stats store (it is unchanged)"))?;
    Ok(())
}

/// The ids of the tables and sequences already named in the store.
struct Names {
    tables: HashMap<(String, String), i64>,
    sequences: HashMap<(String, String), i64>,
}

impl Names {
    fn load(transaction: &Transaction<'_>) -> rusqlite::Result<Names> {
        let load = |sql: &str| -> rusqlite::Result<HashMap<(String, String), i64>> {
            let mut statement = transaction.prepare(sql)?;
            let rows = statement.query_map([], |row| Ok(((row.get(1)?, row.get(2)?), row.get(0)?)))?;
            rows.collect()
        };
        Ok(Names {
            tables: load("SELECT id, schema, name FROM tables")?,
            sequences: load("SELECT id, schema, name FROM sequences")?,
        })
    }

    fn table(&mut self, transaction: &Transaction<'_>, schema: &str, name: &str) -> rusqlite::Result<i64> {
        if let Some(&id) = self.tables.get(&(schema.to_owned(), name.to_owned())) {
            return Ok(id);
        }
        transaction.prepare_cached("INSERT INTO tables (schema, name) VALUES (?1, ?2)")?.execute([schema, name])?;
        let id = transaction.last_insert_rowid();
        self.tables.insert((schema.to_owned(), name.to_owned()), id);
        Ok(id)
    }

    fn sequence(&mut self, transaction: &Transaction<'_>, sequence: &SequenceStats) -> rusqlite::Result<i64> {
        let key = (sequence.schema.clone(), sequence.name.clone());
        if let Some(&id) = self.sequences.get(&key) {
            // The owner as last appended, as the JSON Lines reader keeps the last line's.
            transaction
                .prepare_cached("UPDATE sequences SET owned_by = ?2 WHERE id = ?1 AND owned_by IS NOT ?2")?
                .execute(params![id, sequence.owned_by])?;
            return Ok(id);
        }
        transaction
            .prepare_cached("INSERT INTO sequences (schema, name, owned_by) VALUES (?1, ?2, ?3)")?
            .execute(params![sequence.schema, sequence.name, sequence.owned_by])?;
        let id = transaction.last_insert_rowid();
        self.sequences.insert(key, id);
        Ok(id)
    }
}

fn insert_snapshot(transaction: &Transaction<'_>, names: &mut Names, snapshot: &Snapshot) -> anyhow::Result<()> {
    let detail = serde_json::to_string(snapshot)?;
    transaction
        .prepare_cached(
            "INSERT INTO snapshots (database, taken_at, taken_at_ns, dialect, server_version, source, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            snapshot.database.as_deref().unwrap_or(""),
            snapshot.taken_at.to_string(),
            nanoseconds(snapshot.taken_at)?,
            snapshot.dialect,
            snapshot.server_version,
            snapshot.source,
            detail
        ])?;
    let snapshot_id = transaction.last_insert_rowid();
    let mut table_row = transaction.prepare_cached(
        r#"INSERT INTO table_stats (snapshot_id, table_id, "rows", analyzed, table_bytes, index_bytes, toast_bytes,
           total_bytes, inserts, updates, deletes, dead_rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"#,
    )?;
    let mut key_row = transaction.prepare_cached(
        "INSERT OR IGNORE INTO key_columns (snapshot_id, table_id, column_name, max_value) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for table in &snapshot.tables {
        let table_id = names.table(transaction, &table.schema, &table.name)?;
        let t = table;
        table_row.execute(params![
            snapshot_id,
            table_id,
            t.rows,
            t.analyzed,
            t.table_bytes,
            t.index_bytes,
            t.toast_bytes,
            t.total_bytes,
            t.inserts,
            t.updates,
            t.deletes,
            t.dead_rows
        ])?;
        for (column, max) in key_maxima(table) {
            key_row.execute(params![snapshot_id, table_id, column, max])?;
        }
    }
    let mut sequence_row = transaction.prepare_cached(
        "INSERT INTO sequence_stats (snapshot_id, sequence_id, last_value, max_value, increment) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for sequence in &snapshot.sequences {
        let sequence_id = names.sequence(transaction, sequence)?;
        sequence_row.execute(params![
            snapshot_id,
            sequence_id,
            sequence.last_value,
            sequence.max_value,
            sequence.increment
        ])?;
    }
    Ok(())
}

/// The columns the forecast treats as keys: every value distinct, an integer maximum.
fn key_maxima(table: &TableStats) -> impl Iterator<Item = (&str, i64)> {
    use schemacast_lints::stats::StatValue;
    table.columns.iter().filter_map(|column| match (&column.max, column.n_distinct) {
        (Some(StatValue::Integer(max)), Some(-1.0)) => Some((column.name.as_str(), *max)),
        _ => None,
    })
}

fn nanoseconds(taken_at: Timestamp) -> anyhow::Result<i64> {
    i64::try_from(taken_at.as_nanosecond()).map_err(|_| anyhow::anyhow!("taken_at {taken_at} is out of range"))
}

/// Drops the whole-snapshot detail of a database's snapshots except the newest
/// [`KEEP_DETAIL_NEWEST`] and the first of each calendar month (UTC). Table-level figures,
/// sequences and key maxima stay for every snapshot; the latest is always complete.
fn thin(transaction: &Transaction<'_>, database: &str) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "UPDATE snapshots SET detail = NULL
             WHERE database = ?1 AND detail IS NOT NULL
               AND id NOT IN (SELECT id FROM snapshots WHERE database = ?1
                              ORDER BY taken_at_ns DESC, id DESC LIMIT ?2)
               AND id NOT IN (SELECT id FROM (SELECT id, min(taken_at_ns) FROM snapshots WHERE database = ?1
                                              GROUP BY substr(taken_at, 1, 7)))",
        )?
        .execute(params![database, KEEP_DETAIL_NEWEST])?;
    // Gives the thinned pages back to the file system (a no-op in a store created before
    // schemacast chose incremental vacuum: there they are reused by later appends).
    // The pragma frees pages as it is stepped, so it is stepped to the end.
    let mut vacuum = transaction.prepare_cached("PRAGMA incremental_vacuum")?;
    let mut steps = vacuum.query([])?;
    while steps.next()?.is_some() {}
    Ok(())
}

/// The snapshots to use, oldest first: of two of the same instant the first appended is kept,
/// and the other reported as the JSON Lines reader reports a duplicate line (by snapshot id).
fn usable_snapshots(connection: &Connection, shown: &str) -> anyhow::Result<(Vec<SnapshotRow>, Vec<StatsProblem>)> {
    let mut statement = connection.prepare("SELECT id, taken_at_ns, database FROM snapshots")?;
    let rows: Vec<SnapshotRow> = statement
        .query_map([], |row| Ok(SnapshotRow { id: row.get(0)?, taken_at_ns: row.get(1)?, database: row.get(2)? }))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(first_of_each_instant(rows, shown))
}

/// Every usable snapshot in full: from its detail where kept, else rebuilt from its columns.
pub(super) fn read(path: &Path) -> anyhow::Result<StatsHistory> {
    let shown = path.display().to_string();
    let connection = open(path, false)?;
    read_all(&connection, &shown).with_context(|| format!("{shown}: cannot read the stats store"))
}

fn read_all(connection: &Connection, shown: &str) -> anyhow::Result<StatsHistory> {
    let (kept, mut problems) = usable_snapshots(connection, shown)?;
    let mut snapshots = Vec::with_capacity(kept.len());
    for row in &kept {
        match snapshot(connection, row.id) {
            Ok(snapshot) => snapshots.push(snapshot),
            Err(message) => problems.push(StatsProblem {
                path: shown.to_owned(),
                line: u32::try_from(row.id).unwrap_or(u32::MAX),
                message: format!("{message:#}"),
            }),
        }
    }
    Ok(StatsHistory { snapshots, problems })
}

/// One snapshot in full from its detail, or, once thinned, from its table-level columns.
fn snapshot(connection: &Connection, id: i64) -> anyhow::Result<Snapshot> {
    let (taken_at, dialect, server_version, database, source, detail): (
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    ) = connection
        .prepare_cached(
            "SELECT taken_at, dialect, server_version, database, source, detail FROM snapshots WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
    if let Some(detail) = detail {
        // The stats file reader's checks, so both stores refuse the same snapshots.
        let mut one = read_history(&detail, "");
        return match (one.snapshots.pop(), one.problems.pop()) {
            (Some(snapshot), _) => Ok(snapshot),
            (None, Some(problem)) => bail!("{}", problem.message),
            (None, None) => bail!("an empty snapshot"),
        };
    }
    let mut snapshot = Snapshot::new(taken_at.parse().context("invalid taken_at")?);
    snapshot.dialect = dialect;
    snapshot.server_version = server_version;
    snapshot.database = Some(database).filter(|d| !d.is_empty());
    snapshot.source = source;
    snapshot.tables = thinned_tables(connection, id)?;
    snapshot.sequences = thinned_sequences(connection, id)?;
    Ok(snapshot)
}

fn thinned_tables(connection: &Connection, id: i64) -> rusqlite::Result<Vec<TableStats>> {
    let mut statement = connection.prepare_cached(
        r#"SELECT t.schema, t.name, ts."rows", ts.analyzed, ts.table_bytes, ts.index_bytes, ts.toast_bytes,
                  ts.total_bytes, ts.inserts, ts.updates, ts.deletes, ts.dead_rows
           FROM table_stats ts JOIN tables t ON t.id = ts.table_id WHERE ts.snapshot_id = ?1 ORDER BY t.id"#,
    )?;
    let rows = statement.query_map([id], |r| {
        let mut table = TableStats::named(r.get::<_, String>(0)?, r.get::<_, String>(1)?);
        table.rows = r.get(2)?;
        table.analyzed = r.get(3)?;
        table.table_bytes = r.get(4)?;
        table.index_bytes = r.get(5)?;
        table.toast_bytes = r.get(6)?;
        table.total_bytes = r.get(7)?;
        table.inserts = r.get(8)?;
        table.updates = r.get(9)?;
        table.deletes = r.get(10)?;
        table.dead_rows = r.get(11)?;
        Ok(table)
    })?;
    rows.collect()
}

fn thinned_sequences(connection: &Connection, id: i64) -> rusqlite::Result<Vec<SequenceStats>> {
    let mut statement = connection.prepare_cached(
        "SELECT q.schema, q.name, qs.last_value, qs.max_value, qs.increment, q.owned_by
         FROM sequence_stats qs JOIN sequences q ON q.id = qs.sequence_id WHERE qs.snapshot_id = ?1 ORDER BY q.id",
    )?;
    let rows = statement.query_map([id], |r| {
        Ok(SequenceStats {
            schema: r.get(0)?,
            name: r.get(1)?,
            last_value: r.get(2)?,
            max_value: r.get(3)?,
            increment: r.get(4)?,
            owned_by: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// The latest snapshot in full and the series of the latest snapshot's database, read from the
/// columns: no snapshot but the latest is decoded.
pub(super) fn read_for_forecast(
    path: &Path,
    database: Option<&str>,
) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
    let shown = path.display().to_string();
    let connection = open(path, false)?;
    read_forecast_inputs(&connection, path, &shown, database)
        .with_context(|| format!("{shown}: cannot read the stats store"))
}

fn read_forecast_inputs(
    connection: &Connection,
    path: &Path,
    shown: &str,
    database: Option<&str>,
) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
    let (mut kept, mut problems) = usable_snapshots(connection, shown)?;
    // One store may hold several databases; a forecast is of one: the one named, else the
    // latest collected.
    let all = super::databases_in_order(kept.iter().map(|r| r.database.as_str()));
    if let Some(database) = super::pick_database(database, &all, shown)? {
        kept.retain(|s| s.database == database);
    }
    let latest_id = kept.last().map(|s| s.id);
    let (days, snapshot_days) = SnapshotDays::of_rows(&kept)?;
    // The table figures are most of the rows: they are read on a second connection while this
    // one reads the key maxima, the sequences and the latest snapshot. Rows of snapshots
    // appended in between are not in `days`, so both see the same history.
    let (tables, sequences, latest) = std::thread::scope(|scope| {
        let figures = scope.spawn(|| -> anyhow::Result<Vec<Option<TableSeries>>> {
            let second = open(path, false)?;
            table_figures(&second, &days, kept.len())
        });
        let keys = key_maxima_series(connection, &days);
        let sequences = sequence_series(connection, &days);
        let latest = latest_id.map(|id| snapshot(connection, id));
        let figures = figures.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the table figures reader failed")));
        (figures.and_then(|f| keys.map(|k| with_key_maxima(f, k))), sequences, latest)
    });
    let latest = match (latest_id, latest) {
        (Some(id), Some(Err(error))) => {
            let line = u32::try_from(id).unwrap_or(u32::MAX);
            problems.push(StatsProblem { path: shown.to_owned(), line, message: format!("{error:#}") });
            None
        }
        (_, latest) => latest.and_then(Result::ok),
    };
    let tables = named_tables(connection, tables?)?;
    Ok((latest, StatsSeries::from_parts(snapshot_days, tables, sequences?, problems)))
}

/// Every table's rows and bytes over the given snapshots, indexed by table id, in one scan of
/// `table_stats` (no sort: [`StatsSeries::from_parts`] orders the points).
fn table_figures(
    connection: &Connection,
    days: &SnapshotDays,
    snapshots: usize,
) -> anyhow::Result<Vec<Option<TableSeries>>> {
    let mut by_id: Vec<Option<TableSeries>> = Vec::new();
    let mut figures = connection.prepare(
        r#"SELECT snapshot_id, table_id, "rows", analyzed, table_bytes, index_bytes, toast_bytes, total_bytes
           FROM table_stats"#,
    )?;
    let mut rows = figures.query([])?;
    while let Some(r) = rows.next()? {
        let Some(day) = days.get(r.get(0)?) else { continue };
        let Some(index) = SnapshotDays::of(r.get(1)?) else { continue };
        if by_id.len() <= index {
            by_id.resize_with(index + 1, || None);
        }
        let series = by_id[index].get_or_insert_with(|| {
            let mut series = TableSeries::default();
            series.rows.reserve(snapshots);
            series.bytes.reserve(snapshots);
            series
        });
        let figures = TableFigures {
            rows: r.get(2)?,
            analyzed: r.get(3)?,
            table_bytes: r.get(4)?,
            index_bytes: r.get(5)?,
            toast_bytes: r.get(6)?,
            total_bytes: r.get(7)?,
        };
        series.record(day, &figures);
    }
    Ok(by_id)
}

/// Per table id, the maxima of its unique integer columns: (day, column, maximum).
type KeyMaxima = HashMap<i64, Vec<(f64, String, i64)>>;

fn key_maxima_series(connection: &Connection, days: &SnapshotDays) -> anyhow::Result<KeyMaxima> {
    let mut by_table: KeyMaxima = HashMap::new();
    let mut keys = connection.prepare("SELECT snapshot_id, table_id, column_name, max_value FROM key_columns")?;
    let mut rows = keys.query([])?;
    while let Some(r) = rows.next()? {
        let Some(day) = days.get(r.get(0)?) else { continue };
        let points = by_table.entry(r.get(1)?).or_default();
        let column = r.get_ref(2)?.as_str()?;
        // Column names repeat in every snapshot: share the last one's allocation.
        let column = match points.last() {
            Some((_, last, _)) if last == column => last.clone(),
            _ => column.to_owned(),
        };
        points.push((day, column, r.get(3)?));
    }
    Ok(by_table)
}

fn with_key_maxima(mut by_id: Vec<Option<TableSeries>>, keys: KeyMaxima) -> Vec<Option<TableSeries>> {
    for (id, points) in keys {
        let Some(Some(series)) = SnapshotDays::of(id).and_then(|i| by_id.get_mut(i)) else { continue };
        for (day, column, max) in points {
            series.record_key_max(day, &column, max);
        }
    }
    by_id
}

/// The tables seen in the snapshots read, named, in the order the store first saw them.
fn named_tables(connection: &Connection, mut by_id: Vec<Option<TableSeries>>) -> anyhow::Result<Vec<TableSeries>> {
    let mut names = connection.prepare("SELECT id, schema, name FROM tables ORDER BY id")?;
    let mut tables = Vec::new();
    let mut rows = names.query([])?;
    while let Some(r) = rows.next()? {
        let Some(Some(mut series)) = SnapshotDays::of(r.get(0)?).and_then(|i| by_id.get_mut(i)).map(Option::take)
        else {
            continue;
        };
        series.schema = r.get(1)?;
        series.name = r.get(2)?;
        tables.push(series);
    }
    Ok(tables)
}

/// Every sequence's positions over the given snapshots, with its limit and step as last seen.
fn sequence_series(connection: &Connection, days: &SnapshotDays) -> anyhow::Result<Vec<SequenceSeries>> {
    struct Gathered {
        points: Vec<Point>,
        last: Option<(f64, i64, i64)>,
    }
    let mut gathered: HashMap<i64, Gathered> = HashMap::new();
    let mut statement =
        connection.prepare("SELECT snapshot_id, sequence_id, last_value, max_value, increment FROM sequence_stats")?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let Some(day) = days.get(r.get(0)?) else { continue };
        let entry = gathered.entry(r.get(1)?).or_insert(Gathered { points: Vec::new(), last: None });
        if let Some(last_value) = r.get::<_, Option<i64>>(2)? {
            entry.points.push(Point { day, value: last_value as f64 });
        }
        if entry.last.is_none_or(|(last_day, _, _)| day >= last_day) {
            entry.last = Some((day, r.get(3)?, r.get(4)?));
        }
    }
    let mut names = connection.prepare("SELECT id, schema, name, owned_by FROM sequences ORDER BY id")?;
    let mut sequences = Vec::new();
    let mut rows = names.query([])?;
    while let Some(r) = rows.next()? {
        let Some(Gathered { points, last: Some((_, max_value, increment)) }) = gathered.remove(&r.get::<_, i64>(0)?)
        else {
            continue;
        };
        sequences.push(SequenceSeries::new(
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get(3)?,
            max_value,
            increment,
            points,
        ));
    }
    Ok(sequences)
}

/// The schema version of a store, for tests and `stats show`.
#[cfg(test)]
pub(super) fn schema_version(path: &Path) -> anyhow::Result<Option<i64>> {
    let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(rusqlite::OptionalExtension::optional(connection.query_row("PRAGMA user_version", [], |r| r.get(0)))?)
}
