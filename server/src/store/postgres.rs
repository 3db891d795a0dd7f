//! The PostgreSQL stats store (`docs/stats-store.md` documents its schema): the SQLite store's
//! tables, in a PostgreSQL schema of their own (`schemacast`) so it can live in an application
//! database, and shared by a team: every CI job appends, every editor reads.
//!
//! The same rules as the SQLite store: a versioned schema migrated forward on open, table-level
//! figures for every snapshot, detail thinned by the same documented rule, the latest snapshot
//! complete. Writers take a transaction-scoped advisory lock, so two at once both land.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{bail, Context};
use jiff::Timestamp;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Transaction};
use schemacast_lints::forecast::Point;
use schemacast_lints::stats::{
    read_history, SequenceSeries, SequenceStats, Snapshot, StatsHistory, StatsProblem, StatsSeries, TableFigures,
    TableSeries, TableStats,
};

use super::{first_of_each_instant, SnapshotDays, SnapshotRow};
use crate::collect::{connect_postgres, redact};

/// The schema version this build writes (`schemacast.meta`, key `schema_version`).
const SCHEMA_VERSION: i64 = 1;

/// Snapshots of a database whose detail is always kept, newest first (as in SQLite).
const KEEP_DETAIL_NEWEST: i64 = 14;

/// The advisory lock every writer (and a migration) holds for its transaction.
const WRITE_LOCK: i64 = 0x5C_57A7_5000;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

const SCHEMA_V1: &str = r#"
CREATE TABLE schemacast.snapshots (
    id BIGSERIAL PRIMARY KEY,
    database TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    taken_at_ns BIGINT NOT NULL,
    dialect TEXT,
    server_version TEXT,
    source TEXT,
    detail JSONB
);
CREATE INDEX snapshots_by_database ON schemacast.snapshots (database, taken_at_ns);
CREATE TABLE schemacast.tables (
    id BIGSERIAL PRIMARY KEY,
    schema TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (schema, name)
);
CREATE TABLE schemacast.table_stats (
    snapshot_id BIGINT NOT NULL REFERENCES schemacast.snapshots (id) ON DELETE CASCADE,
    table_id BIGINT NOT NULL REFERENCES schemacast.tables (id),
    "rows" BIGINT,
    analyzed BOOLEAN NOT NULL,
    table_bytes BIGINT,
    index_bytes BIGINT,
    toast_bytes BIGINT,
    total_bytes BIGINT,
    inserts BIGINT,
    updates BIGINT,
    deletes BIGINT,
    dead_rows BIGINT,
    PRIMARY KEY (snapshot_id, table_id)
);
CREATE TABLE schemacast.key_columns (
    snapshot_id BIGINT NOT NULL REFERENCES schemacast.snapshots (id) ON DELETE CASCADE,
    table_id BIGINT NOT NULL REFERENCES schemacast.tables (id),
    column_name TEXT NOT NULL,
    max_value BIGINT NOT NULL,
    PRIMARY KEY (snapshot_id, table_id, column_name)
);
CREATE TABLE schemacast.sequences (
    id BIGSERIAL PRIMARY KEY,
    schema TEXT NOT NULL,
    name TEXT NOT NULL,
    owned_by TEXT,
    UNIQUE (schema, name)
);
CREATE TABLE schemacast.sequence_stats (
    snapshot_id BIGINT NOT NULL REFERENCES schemacast.snapshots (id) ON DELETE CASCADE,
    sequence_id BIGINT NOT NULL REFERENCES schemacast.sequences (id),
    last_value BIGINT,
    max_value BIGINT NOT NULL,
    increment BIGINT NOT NULL,
    PRIMARY KEY (snapshot_id, sequence_id)
);
CREATE VIEW schemacast.table_history AS
    SELECT s.database, s.taken_at, t.schema, t.name, ts."rows", ts.analyzed, ts.table_bytes,
           ts.index_bytes, ts.toast_bytes, ts.total_bytes, ts.inserts, ts.updates, ts.deletes,
           ts.dead_rows, s.id AS snapshot_id
    FROM schemacast.table_stats ts JOIN schemacast.snapshots s ON s.id = ts.snapshot_id
    JOIN schemacast.tables t ON t.id = ts.table_id;
CREATE VIEW schemacast.sequence_history AS
    SELECT s.database, s.taken_at, q.schema, q.name, q.owned_by, qs.last_value, qs.max_value,
           qs.increment, s.id AS snapshot_id
    FROM schemacast.sequence_stats qs JOIN schemacast.snapshots s ON s.id = qs.snapshot_id
    JOIN schemacast.sequences q ON q.id = qs.sequence_id;
"#;

/// Connects and migrates the schema forward. `create`: a store with no schema yet gets one
/// (a reader instead says there is no history here).
fn open(url: &str, create: bool) -> anyhow::Result<Client> {
    let shown = redact(url);
    let mut client = connect_postgres(url, "schemacast stats store", CONNECT_TIMEOUT)?;
    migrate(&mut client, create).with_context(|| format!("{shown}: cannot prepare the stats store"))?;
    Ok(client)
}

fn stored_version(client: &mut impl postgres::GenericClient) -> anyhow::Result<Option<i64>> {
    let meta: Option<String> = client.query_one("SELECT to_regclass('schemacast.meta')::text", &[])?.get(0);
    if meta.is_none() {
        return Ok(None);
    }
    let row = client.query_opt("SELECT value FROM schemacast.meta WHERE key = 'schema_version'", &[])?;
    let Some(row) = row else { return Ok(Some(0)) };
    let value: String = row.get(0);
    Ok(Some(value.parse().with_context(|| format!("schemacast.meta: schema_version `{value}` is not a number"))?))
}

/// Brings the schema to [`SCHEMA_VERSION`] in one transaction, under the write lock so two
/// processes opening a new store do not both create it; a newer schema is refused.
fn migrate(client: &mut Client, create: bool) -> anyhow::Result<()> {
    let version = stored_version(client)?;
    match version {
        Some(v) if v == SCHEMA_VERSION => return Ok(()),
        Some(v) if v > SCHEMA_VERSION => bail!(
            "the store has schema version {v}, newer than this schemacast's {SCHEMA_VERSION}; upgrade schemacast"
        ),
        None if !create => bail!(
            "no stats store here (no schemacast.meta table); run `schemacast collect --url URL --stats STORE` or `schemacast stats import FILE --stats STORE` first"
        ),
        _ => {}
    }
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
    let version = stored_version(&mut transaction)?.unwrap_or(0);
    if version > SCHEMA_VERSION {
        bail!(
            "the store has schema version {version}, newer than this schemacast's {SCHEMA_VERSION}; upgrade schemacast"
        );
    }
    if version == 0 {
        transaction.batch_execute(
            "CREATE SCHEMA IF NOT EXISTS schemacast;
             CREATE TABLE IF NOT EXISTS schemacast.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )?;
        transaction.batch_execute(SCHEMA_V1)?;
    }
    transaction.execute(
        "INSERT INTO schemacast.meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&SCHEMA_VERSION.to_string()],
    )?;
    transaction.commit()?;
    Ok(())
}

/// Whether the store has a schema (`Store::exists`); an unreachable server counts as not.
pub(super) fn exists(url: &str) -> bool {
    connect_postgres(url, "schemacast stats store", CONNECT_TIMEOUT)
        .ok()
        .and_then(|mut client| stored_version(&mut client).ok())
        .is_some_and(|version| version.is_some())
}

/// A cheap change marker for readers that cache: the newest snapshot id and the count.
pub(super) fn marker(url: &str) -> anyhow::Result<(i64, i64)> {
    let mut client = connect_postgres(url, "schemacast stats store", CONNECT_TIMEOUT)?;
    if stored_version(&mut client)?.is_none() {
        return Ok((0, 0));
    }
    let row = client.query_one("SELECT coalesce(max(id), 0), count(*) FROM schemacast.snapshots", &[])?;
    Ok((row.get(0), row.get(1)))
}

fn big(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

fn unsigned(value: Option<i64>) -> Option<u64> {
    value.map(|v| u64::try_from(v).unwrap_or(0))
}

/// Appends snapshots in one transaction: all of them or, on any error or a refusal by
/// `accept`, none.
pub(super) fn append(
    url: &str,
    snapshots: &[Snapshot],
    accept: impl FnOnce(&dyn Fn() -> StatsHistory) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let shown = redact(url);
    let mut client = open(url, true)?;
    let transaction = std::cell::RefCell::new(client.transaction()?);
    transaction
        .borrow_mut()
        .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
        .with_context(|| format!("{shown}: cannot lock the stats store for writing"))?;
    accept(&|| {
        read_all(&mut *transaction.borrow_mut(), &shown, None).unwrap_or_else(|error| StatsHistory {
            snapshots: Vec::new(),
            problems: vec![StatsProblem { path: shown.clone(), line: 0, message: format!("{error:#}") }],
        })
    })?;
    let mut transaction = transaction.into_inner();
    let mut names = Names::load(&mut transaction)?;
    let mut databases: Vec<&str> = Vec::new();
    for snapshot in snapshots {
        insert_snapshot(&mut transaction, &mut names, snapshot)
            .with_context(|| format!("{shown}: cannot write the snapshot taken at {}", snapshot.taken_at))?;
        let database = snapshot.database.as_deref().unwrap_or("");
        if !databases.contains(&database) {
            databases.push(database);
        }
    }
    for database in databases {
        thin(&mut transaction, database)?;
    }
    transaction.commit().with_context(|| format!("{shown}: cannot write the stats store (it is unchanged)"))?;
    Ok(())
}

/// The ids of the tables and sequences already named in the store.
struct Names {
    tables: HashMap<(String, String), i64>,
    sequences: HashMap<(String, String), (i64, Option<String>)>,
}

impl Names {
    fn load(transaction: &mut Transaction<'_>) -> anyhow::Result<Names> {
        let mut tables = HashMap::new();
        for row in transaction.query("SELECT id, schema, name FROM schemacast.tables", &[])? {
            tables.insert((row.get(1), row.get(2)), row.get(0));
        }
        let mut sequences = HashMap::new();
        for row in transaction.query("SELECT id, schema, name, owned_by FROM schemacast.sequences", &[])? {
            sequences.insert((row.get(1), row.get(2)), (row.get(0), row.get(3)));
        }
        Ok(Names { tables, sequences })
    }

    fn table(&mut self, transaction: &mut Transaction<'_>, schema: &str, name: &str) -> anyhow::Result<i64> {
        if let Some(&id) = self.tables.get(&(schema.to_owned(), name.to_owned())) {
            return Ok(id);
        }
        let id: i64 = transaction
            .query_one("INSERT INTO schemacast.tables (schema, name) VALUES ($1, $2) RETURNING id", &[&schema, &name])?
            .get(0);
        self.tables.insert((schema.to_owned(), name.to_owned()), id);
        Ok(id)
    }

    fn sequence(&mut self, transaction: &mut Transaction<'_>, sequence: &SequenceStats) -> anyhow::Result<i64> {
        let key = (sequence.schema.clone(), sequence.name.clone());
        if let Some((id, owned_by)) = self.sequences.get_mut(&key) {
            // The owner as last appended, as the JSON Lines reader keeps the last line's.
            if *owned_by != sequence.owned_by {
                transaction.execute(
                    "UPDATE schemacast.sequences SET owned_by = $2 WHERE id = $1",
                    &[&*id, &sequence.owned_by],
                )?;
                owned_by.clone_from(&sequence.owned_by);
            }
            return Ok(*id);
        }
        let id: i64 = transaction
            .query_one(
                "INSERT INTO schemacast.sequences (schema, name, owned_by) VALUES ($1, $2, $3) RETURNING id",
                &[&sequence.schema, &sequence.name, &sequence.owned_by],
            )?
            .get(0);
        self.sequences.insert(key, (id, sequence.owned_by.clone()));
        Ok(id)
    }
}

/// Column-wise arrays of one snapshot's table figures, sent as one `unnest` insert.
#[derive(Default)]
struct TableRows {
    table_id: Vec<i64>,
    rows: Vec<Option<i64>>,
    analyzed: Vec<bool>,
    table_bytes: Vec<Option<i64>>,
    index_bytes: Vec<Option<i64>>,
    toast_bytes: Vec<Option<i64>>,
    total_bytes: Vec<Option<i64>>,
    inserts: Vec<Option<i64>>,
    updates: Vec<Option<i64>>,
    deletes: Vec<Option<i64>>,
    dead_rows: Vec<Option<i64>>,
}

fn insert_snapshot(transaction: &mut Transaction<'_>, names: &mut Names, snapshot: &Snapshot) -> anyhow::Result<()> {
    let detail = serde_json::to_string(snapshot)?;
    let snapshot_id: i64 = transaction
        .query_one(
            "INSERT INTO schemacast.snapshots (database, taken_at, taken_at_ns, dialect, server_version, source, detail)
             VALUES ($1, $2, $3, $4, $5, $6, ($7::text)::jsonb) RETURNING id",
            &[
                &snapshot.database.as_deref().unwrap_or(""),
                &snapshot.taken_at.to_string(),
                &nanoseconds(snapshot.taken_at)?,
                &snapshot.dialect,
                &snapshot.server_version,
                &snapshot.source,
                &detail,
            ],
        )?
        .get(0);
    let mut rows = TableRows::default();
    let (mut key_tables, mut key_names, mut key_maxima) = (Vec::new(), Vec::new(), Vec::new());
    for t in &snapshot.tables {
        let table_id = names.table(transaction, &t.schema, &t.name)?;
        if rows.table_id.contains(&table_id) {
            continue;
        }
        rows.table_id.push(table_id);
        rows.rows.push(big(t.rows));
        rows.analyzed.push(t.analyzed);
        rows.table_bytes.push(big(t.table_bytes));
        rows.index_bytes.push(big(t.index_bytes));
        rows.toast_bytes.push(big(t.toast_bytes));
        rows.total_bytes.push(big(t.total_bytes));
        rows.inserts.push(big(t.inserts));
        rows.updates.push(big(t.updates));
        rows.deletes.push(big(t.deletes));
        rows.dead_rows.push(big(t.dead_rows));
        for (column, max) in key_maxima_of(t) {
            key_tables.push(table_id);
            key_names.push(column.to_owned());
            key_maxima.push(max);
        }
    }
    transaction.execute(
        r#"INSERT INTO schemacast.table_stats (snapshot_id, table_id, "rows", analyzed, table_bytes, index_bytes,
               toast_bytes, total_bytes, inserts, updates, deletes, dead_rows)
           SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::boolean[], $5::bigint[], $6::bigint[],
               $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])"#,
        &[
            &snapshot_id,
            &rows.table_id,
            &rows.rows,
            &rows.analyzed,
            &rows.table_bytes,
            &rows.index_bytes,
            &rows.toast_bytes,
            &rows.total_bytes,
            &rows.inserts,
            &rows.updates,
            &rows.deletes,
            &rows.dead_rows,
        ],
    )?;
    transaction.execute(
        "INSERT INTO schemacast.key_columns (snapshot_id, table_id, column_name, max_value)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[]) ON CONFLICT DO NOTHING",
        &[&snapshot_id, &key_tables, &key_names, &key_maxima],
    )?;
    let (mut ids, mut last_values, mut max_values, mut increments) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for sequence in &snapshot.sequences {
        let id = names.sequence(transaction, sequence)?;
        if ids.contains(&id) {
            continue;
        }
        ids.push(id);
        last_values.push(sequence.last_value);
        max_values.push(sequence.max_value);
        increments.push(sequence.increment);
    }
    transaction.execute(
        "INSERT INTO schemacast.sequence_stats (snapshot_id, sequence_id, last_value, max_value, increment)
         SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])",
        &[&snapshot_id, &ids, &last_values, &max_values, &increments],
    )?;
    Ok(())
}

/// The columns the forecast treats as keys: every value distinct, an integer maximum.
fn key_maxima_of(table: &TableStats) -> impl Iterator<Item = (&str, i64)> {
    use schemacast_lints::stats::StatValue;
    table.columns.iter().filter_map(|column| match (&column.max, column.n_distinct) {
        (Some(StatValue::Integer(max)), Some(-1.0)) => Some((column.name.as_str(), *max)),
        _ => None,
    })
}

fn nanoseconds(taken_at: Timestamp) -> anyhow::Result<i64> {
    i64::try_from(taken_at.as_nanosecond()).map_err(|_| anyhow::anyhow!("taken_at {taken_at} is out of range"))
}

/// The SQLite store's rule: drops the detail of a database's snapshots except the newest
/// [`KEEP_DETAIL_NEWEST`] and the first of each calendar month (UTC).
fn thin(transaction: &mut Transaction<'_>, database: &str) -> anyhow::Result<()> {
    transaction.execute(
        "UPDATE schemacast.snapshots SET detail = NULL
         WHERE database = $1 AND detail IS NOT NULL
           AND id NOT IN (SELECT id FROM schemacast.snapshots WHERE database = $1
                          ORDER BY taken_at_ns DESC, id DESC LIMIT $2)
           AND id NOT IN (SELECT DISTINCT ON (substr(taken_at, 1, 7)) id FROM schemacast.snapshots
                          WHERE database = $1 ORDER BY substr(taken_at, 1, 7), taken_at_ns, id)",
        &[&database, &KEEP_DETAIL_NEWEST],
    )?;
    Ok(())
}

/// The snapshots to use, oldest first, of one database or all: of two of the same instant the
/// first appended is kept and the other reported (by snapshot id), as in SQLite.
fn usable_snapshots(
    client: &mut impl postgres::GenericClient,
    shown: &str,
) -> anyhow::Result<(Vec<SnapshotRow>, Vec<StatsProblem>)> {
    let rows: Vec<SnapshotRow> = client
        .query("SELECT id, taken_at_ns, database FROM schemacast.snapshots", &[])?
        .into_iter()
        .map(|r| SnapshotRow { id: r.get(0), taken_at_ns: r.get(1), database: r.get(2) })
        .collect();
    Ok(first_of_each_instant(rows, shown))
}

/// Every usable snapshot in full (of one database when named).
pub(super) fn read(url: &str, database: Option<&str>) -> anyhow::Result<StatsHistory> {
    let shown = redact(url);
    let mut client = open(url, false)?;
    read_all(&mut client, &shown, database).with_context(|| format!("{shown}: cannot read the stats store"))
}

fn read_all(
    client: &mut impl postgres::GenericClient,
    shown: &str,
    database: Option<&str>,
) -> anyhow::Result<StatsHistory> {
    let (mut kept, mut problems) = usable_snapshots(client, shown)?;
    if let Some(database) = database {
        kept.retain(|s| s.database == database);
    }
    let mut snapshots = Vec::with_capacity(kept.len());
    for row in &kept {
        match snapshot(client, row.id) {
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

/// The databases the store holds, by their latest snapshot, oldest first.
pub(super) fn databases(url: &str) -> anyhow::Result<Vec<String>> {
    let shown = redact(url);
    let mut client = open(url, false)?;
    let (kept, _) = usable_snapshots(&mut client, &shown)?;
    Ok(super::databases_in_order(kept.iter().map(|r| r.database.as_str())))
}

/// One snapshot in full from its detail, or, once thinned, from its table-level columns.
fn snapshot(client: &mut impl postgres::GenericClient, id: i64) -> anyhow::Result<Snapshot> {
    let row = client.query_one(
        "SELECT taken_at, dialect, server_version, database, source, detail::text FROM schemacast.snapshots WHERE id = $1",
        &[&id],
    )?;
    if let Some(detail) = row.get::<_, Option<String>>(5) {
        let mut one = read_history(&detail, "");
        return match (one.snapshots.pop(), one.problems.pop()) {
            (Some(snapshot), _) => Ok(snapshot),
            (None, Some(problem)) => bail!("{}", problem.message),
            (None, None) => bail!("an empty snapshot"),
        };
    }
    let taken_at: String = row.get(0);
    let mut snapshot = Snapshot::new(taken_at.parse().context("invalid taken_at")?);
    snapshot.dialect = row.get(1);
    snapshot.server_version = row.get(2);
    snapshot.database = Some(row.get::<_, String>(3)).filter(|d| !d.is_empty());
    snapshot.source = row.get(4);
    for r in client.query(
        r#"SELECT t.schema, t.name, ts."rows", ts.analyzed, ts.table_bytes, ts.index_bytes, ts.toast_bytes,
                  ts.total_bytes, ts.inserts, ts.updates, ts.deletes, ts.dead_rows
           FROM schemacast.table_stats ts JOIN schemacast.tables t ON t.id = ts.table_id
           WHERE ts.snapshot_id = $1 ORDER BY t.id"#,
        &[&id],
    )? {
        let mut table = TableStats::named(r.get::<_, String>(0), r.get::<_, String>(1));
        table.rows = unsigned(r.get(2));
        table.analyzed = r.get(3);
        table.table_bytes = unsigned(r.get(4));
        table.index_bytes = unsigned(r.get(5));
        table.toast_bytes = unsigned(r.get(6));
        table.total_bytes = unsigned(r.get(7));
        table.inserts = unsigned(r.get(8));
        table.updates = unsigned(r.get(9));
        table.deletes = unsigned(r.get(10));
        table.dead_rows = unsigned(r.get(11));
        snapshot.tables.push(table);
    }
    for r in client.query(
        "SELECT q.schema, q.name, qs.last_value, qs.max_value, qs.increment, q.owned_by
         FROM schemacast.sequence_stats qs JOIN schemacast.sequences q ON q.id = qs.sequence_id
         WHERE qs.snapshot_id = $1 ORDER BY q.id",
        &[&id],
    )? {
        snapshot.sequences.push(SequenceStats {
            schema: r.get(0),
            name: r.get(1),
            last_value: r.get(2),
            max_value: r.get(3),
            increment: r.get(4),
            owned_by: r.get(5),
        });
    }
    Ok(snapshot)
}

/// The latest snapshot in full and the series of one database (named, else the latest
/// snapshot's), read from the columns: no snapshot but the latest is decoded.
pub(super) fn read_for_forecast(url: &str, database: Option<&str>) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
    let shown = redact(url);
    let mut client = open(url, false)?;
    read_forecast_inputs(&mut client, url, &shown, database)
        .with_context(|| format!("{shown}: cannot read the stats store"))
}

fn read_forecast_inputs(
    client: &mut Client,
    url: &str,
    shown: &str,
    database: Option<&str>,
) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
    let (mut kept, mut problems) = usable_snapshots(client, shown)?;
    let all = super::databases_in_order(kept.iter().map(|r| r.database.as_str()));
    let database = super::pick_database(database, &all, shown)?;
    if let Some(database) = &database {
        kept.retain(|s| s.database == *database);
    }
    let latest_id = kept.last().map(|s| s.id);
    let (days, snapshot_days) = SnapshotDays::of_rows(&kept)?;
    let database = database.unwrap_or_default();
    // As in the SQLite store: the table figures, most of the rows, stream in on a second
    // connection while this one reads the rest; rows of snapshots appended meanwhile are not
    // in `days`.
    let (tables, keys, sequences, latest) = std::thread::scope(|scope| {
        let figures = scope.spawn(|| -> anyhow::Result<Vec<Option<TableSeries>>> {
            let mut second = connect_postgres(url, "schemacast stats store", CONNECT_TIMEOUT)?;
            table_figures(&mut second, &database, &days, kept.len())
        });
        let keys = key_maxima(client, &database, &days);
        let sequences = sequence_series(client, &database, &days);
        let latest = latest_id.map(|id| snapshot(client, id));
        let figures = figures.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the table figures reader failed")));
        (figures, keys, sequences, latest)
    });
    let latest = match (latest_id, latest) {
        (Some(id), Some(Err(error))) => {
            let line = u32::try_from(id).unwrap_or(u32::MAX);
            problems.push(StatsProblem { path: shown.to_owned(), line, message: format!("{error:#}") });
            None
        }
        (_, latest) => latest.and_then(Result::ok),
    };
    let mut by_id = tables?;
    for (id, day, column, max) in keys? {
        let Some(Some(series)) = SnapshotDays::of(id).and_then(|i| by_id.get_mut(i)) else { continue };
        series.record_key_max(day, &column, max);
    }
    let mut tables = Vec::new();
    for r in client.query("SELECT id, schema, name FROM schemacast.tables ORDER BY id", &[])? {
        let Some(Some(mut series)) = SnapshotDays::of(r.get(0)).and_then(|i| by_id.get_mut(i)).map(Option::take) else {
            continue;
        };
        series.schema = r.get(1);
        series.name = r.get(2);
        tables.push(series);
    }
    Ok((latest, StatsSeries::from_parts(snapshot_days, tables, sequences?, problems)))
}

/// Every table's rows and bytes over the given snapshots, indexed by table id, streamed.
fn table_figures(
    client: &mut Client,
    database: &str,
    days: &SnapshotDays,
    snapshots: usize,
) -> anyhow::Result<Vec<Option<TableSeries>>> {
    let mut by_id: Vec<Option<TableSeries>> = Vec::new();
    let mut rows = client.query_raw(
        r#"SELECT ts.snapshot_id, ts.table_id, ts."rows", ts.analyzed, ts.table_bytes, ts.index_bytes,
                  ts.toast_bytes, ts.total_bytes
           FROM schemacast.table_stats ts JOIN schemacast.snapshots s ON s.id = ts.snapshot_id
           WHERE s.database = $1"#,
        [database],
    )?;
    while let Some(r) = rows.next()? {
        let Some(day) = days.get(r.get(0)) else { continue };
        let Some(index) = SnapshotDays::of(r.get(1)) else { continue };
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
            rows: unsigned(r.get(2)),
            analyzed: r.get(3),
            table_bytes: unsigned(r.get(4)),
            index_bytes: unsigned(r.get(5)),
            toast_bytes: unsigned(r.get(6)),
            total_bytes: unsigned(r.get(7)),
        };
        series.record(day, &figures);
    }
    Ok(by_id)
}

/// The maxima of unique integer columns: (table id, day, column, maximum), streamed.
fn key_maxima(
    client: &mut Client,
    database: &str,
    days: &SnapshotDays,
) -> anyhow::Result<Vec<(i64, f64, String, i64)>> {
    let mut keys = Vec::new();
    let mut rows = client.query_raw(
        "SELECT k.snapshot_id, k.table_id, k.column_name, k.max_value
         FROM schemacast.key_columns k JOIN schemacast.snapshots s ON s.id = k.snapshot_id WHERE s.database = $1",
        [database],
    )?;
    while let Some(r) = rows.next()? {
        let Some(day) = days.get(r.get(0)) else { continue };
        keys.push((r.get(1), day, r.get::<_, String>(2), r.get(3)));
    }
    Ok(keys)
}

fn sequence_series(client: &mut Client, database: &str, days: &SnapshotDays) -> anyhow::Result<Vec<SequenceSeries>> {
    struct Gathered {
        points: Vec<Point>,
        last: Option<(f64, i64, i64)>,
    }
    let mut gathered: HashMap<i64, Gathered> = HashMap::new();
    let mut rows = client.query_raw(
        "SELECT q.snapshot_id, q.sequence_id, q.last_value, q.max_value, q.increment
         FROM schemacast.sequence_stats q JOIN schemacast.snapshots s ON s.id = q.snapshot_id WHERE s.database = $1",
        [database],
    )?;
    while let Some(r) = rows.next()? {
        let Some(day) = days.get(r.get(0)) else { continue };
        let entry = gathered.entry(r.get(1)).or_insert(Gathered { points: Vec::new(), last: None });
        if let Some(last_value) = r.get::<_, Option<i64>>(2) {
            entry.points.push(Point { day, value: last_value as f64 });
        }
        if entry.last.is_none_or(|(last_day, _, _)| day >= last_day) {
            entry.last = Some((day, r.get(3), r.get(4)));
        }
    }
    drop(rows);
    let mut sequences = Vec::new();
    for r in client.query("SELECT id, schema, name, owned_by FROM schemacast.sequences ORDER BY id", &[])? {
        let Some(Gathered { points, last: Some((_, max_value, increment)) }) = gathered.remove(&r.get::<_, i64>(0))
        else {
            continue;
        };
        sequences.push(SequenceSeries::new(
            r.get::<_, String>(1),
            r.get::<_, String>(2),
            r.get(3),
            max_value,
            increment,
            points,
        ));
    }
    Ok(sequences)
}

/// The schema version of a store, for tests.
#[cfg(test)]
pub(super) fn schema_version(url: &str) -> anyhow::Result<Option<i64>> {
    let mut client = connect_postgres(url, "schemacast test", CONNECT_TIMEOUT)?;
    stored_version(&mut client)
}

/// Sets the stored schema version, for the test that a newer store is refused.
#[cfg(test)]
pub(super) fn set_schema_version(url: &str, version: i64) -> anyhow::Result<()> {
    let mut client = connect_postgres(url, "schemacast test", CONNECT_TIMEOUT)?;
    client.execute("UPDATE schemacast.meta SET value = $1 WHERE key = 'schema_version'", &[&version.to_string()])?;
    Ok(())
}
