//! Collecting from PostgreSQL (10 or later) through its catalog and statistics views.

use std::collections::HashMap;
use std::str::FromStr;

use anyhow::{anyhow, bail};
use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres::{IsolationLevel, Transaction};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{PgSslMode, PostgresTls};
use schemacast_lints::stats::{
    qualified_column, ColumnStats, IndexStats, SequenceStats, Snapshot, StatValue, TableStats, ValueShapes,
};

use super::dependencies::{self, ProbeColumn, ProbeSql};
use super::{
    compare, keep_wider, quote_identifier, set_shape, shape_names, snapshot_time, CollectOptions, Collected, Progress,
    Scope, SHAPE_PATTERNS,
};

/// Schemas that belong to the server, never to the user.
const SYSTEM_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// A client configuration for `url` following libpq's TLS parameters (`sslmode`,
/// `sslrootcert`) and `PGPASSWORD`: shared by `collect` and the PostgreSQL stats store.
pub(crate) fn client_config(url: &str) -> anyhow::Result<(postgres::Config, MakeRustlsConnect, PostgresTls)> {
    let (plain_url, tls) = super::tls::postgres_settings(url, super::tls::default_root_cert())?;
    let mut config = postgres::Config::from_str(&plain_url).map_err(|e| anyhow!("invalid PostgreSQL URL: {e}"))?;
    config.ssl_mode(match tls.mode {
        PgSslMode::Disable => SslMode::Disable,
        PgSslMode::Prefer => SslMode::Prefer,
        PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull => SslMode::Require,
    });
    let connector =
        MakeRustlsConnect::new(super::tls::client_config(tls.verify, tls.root_cert.as_deref(), "sslrootcert")?);
    if config.get_password().is_none() {
        if let Ok(password) = std::env::var("PGPASSWORD") {
            config.password(password);
        }
    }
    Ok((config, connector, tls))
}

/// Connects to `url` with [`client_config`]; a failure names the URL without its password.
pub(crate) fn connect(
    url: &str,
    application_name: &str,
    connect_timeout: std::time::Duration,
) -> anyhow::Result<postgres::Client> {
    let (mut config, connector, tls) = client_config(url)?;
    config.application_name(application_name).connect_timeout(connect_timeout);
    let (user, database) = (config.get_user().map(str::to_owned), config.get_dbname().map(str::to_owned));
    config
        .connect(connector)
        .map_err(|e| connection_error(&e, url, &tls, user.as_deref(), database.as_deref()))
        .map_err(|e| anyhow!(super::scrub(&format!("{e:#}"), url)))
}

pub(super) fn collect(url: &str, options: &CollectOptions, progress: &Progress) -> anyhow::Result<Collected> {
    let (mut config, connector, tls) = client_config(url)?;
    let timeout_ms = options.statement_timeout.as_millis().max(1);
    config
        .application_name("schemacast collect")
        .connect_timeout(options.connect_timeout)
        // Read-only for the whole session, not only for the transaction below.
        .options(&format!("-c default_transaction_read_only=on -c statement_timeout={timeout_ms}"));
    let database = config.get_dbname().map(str::to_owned);
    let user = config.get_user().map(str::to_owned);

    progress.phase("connecting");
    let mut client =
        config.connect(connector).map_err(|e| connection_error(&e, url, &tls, user.as_deref(), database.as_deref()))?;
    let seconds = options.statement_timeout.as_secs_f64();
    let mut transaction = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|e| query_error(&e, "starting a read-only transaction", seconds))?;
    transaction
        .batch_execute(&format!(
            "SET LOCAL statement_timeout = {timeout_ms}; SET LOCAL lock_timeout = {timeout_ms}; \
             SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3"
        ))
        .map_err(|e| query_error(&e, "setting the session up", seconds))?;
    let collected = read_snapshot(&mut transaction, options, progress, database);
    // Nothing was written; ending without COMMIT makes that explicit.
    let _ = transaction.rollback();
    let _ = client.close();
    collected
}

fn read_snapshot(
    tx: &mut Transaction<'_>,
    options: &CollectOptions,
    progress: &Progress,
    database: Option<String>,
) -> anyhow::Result<Collected> {
    let seconds = options.statement_timeout.as_secs_f64();
    let mut catalog = Catalog { tx, schemas: &options.scope.schemas, seconds };
    let server = catalog.server()?;
    let mut snapshot = Snapshot::new(snapshot_time());
    snapshot.dialect = Some("postgres".to_owned());
    snapshot.server_version = Some(server.version);
    snapshot.database = database.or(Some(server.database));
    snapshot.source = Some("collect".to_owned());

    progress.phase("reading tables");
    let (mut tables, excluded) = catalog.tables(options, server.version_num)?;
    progress.phase("reading columns");
    let withheld_columns = catalog.columns(&mut tables, &options.scope)?;
    progress.phase("reading pg_stats");
    catalog.column_stats(&mut tables)?;
    progress.phase("reading index sizes");
    catalog.index_sizes(&mut tables)?;
    progress.phase("reading sequences");
    snapshot.sequences = catalog.sequences(options)?;

    if let Some(limit) = options.sample_rows {
        let plain = tables.found.iter().filter(|t| t.kind == "r").count();
        progress.start_tables(plain, "sampling");
        for table in tables.found.iter_mut().filter(|t| t.kind == "r") {
            sample(catalog.tx, table.stats.rows, &mut table.stats, &table.columns, limit, seconds)?;
            probe_dependencies(catalog.tx, table, limit, options.dependency_pairs, server.version_num, seconds)?;
            progress.table_done();
        }
    }

    let mut found = tables.found;
    sum_partitions(&mut found.iter_mut().map(|t| (t.oid, t.parent, t.kind == "p", &mut t.stats)).collect::<Vec<_>>());
    snapshot.tables = found.into_iter().map(|t| t.stats).collect();
    Ok(Collected { snapshot, notes: Vec::new(), excluded, withheld_columns })
}

/// The server's version and the database connected to.
struct Server {
    version_num: i32,
    version: String,
    database: String,
}

/// A table (or partitioned table) the scope includes, as the catalogue describes it.
struct FoundTable {
    oid: u32,
    /// `r` for a table, `p` for a partitioned one.
    kind: String,
    /// The partitioned table this is a partition of.
    parent: Option<u32>,
    stats: TableStats,
    /// Its columns in table order, parallel to `stats.columns`.
    columns: Vec<FoundColumn>,
}

/// A column as the catalogue describes it.
struct FoundColumn {
    name: String,
    /// `pg_type.typcategory`: `N` numeric, `D` date/time, `S` string; decides what is sampled.
    category: String,
    /// Named by `--exclude-column`: listed by name only, never read.
    withheld: bool,
}

/// The tables found, in schema and name order, and where each oid is among them, for the
/// queries that return rows per table oid.
struct FoundTables {
    found: Vec<FoundTable>,
    position: HashMap<u32, usize>,
}

impl FoundTables {
    fn new(found: Vec<FoundTable>) -> Self {
        let position = found.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
        FoundTables { found, position }
    }

    /// The table of `oid`, unless the scope left it out.
    fn by_oid(&mut self, oid: u32) -> Option<&mut FoundTable> {
        let at = *self.position.get(&oid)?;
        self.found.get_mut(at)
    }
}

/// The catalogue queries of one collection, in the read-only transaction, each limited to the
/// schemas asked for (all user schemas when none are).
struct Catalog<'c, 't> {
    tx: &'c mut Transaction<'t>,
    schemas: &'c [String],
    seconds: f64,
}

impl Catalog<'_, '_> {
    /// Runs `sql` with the schema list as `$1`; `during` names the query in an error.
    fn query(&mut self, sql: &str, during: &'static str) -> anyhow::Result<Vec<postgres::Row>> {
        let seconds = self.seconds;
        self.tx.query(sql, &[&self.schemas]).map_err(|e| query_error(&e, during, seconds))
    }

    /// Refuses servers older than 10, whose catalogue lacks what the queries read.
    fn server(&mut self) -> anyhow::Result<Server> {
        let seconds = self.seconds;
        let row = self
            .tx
            .query_one("SELECT current_setting('server_version_num')::int4, version(), current_database()::text", &[])
            .map_err(|e| query_error(&e, "reading the server version", seconds))?;
        let version_num: i32 = row.get(0);
        if version_num < 100_000 {
            bail!("PostgreSQL {} is too old; collect needs PostgreSQL 10 or later", row.get::<_, String>(1));
        }
        Ok(Server { version_num, version: row.get(1), database: row.get(2) })
    }

    /// Tables with their sizes, row estimates and activity counters, and how many the scope
    /// excluded.
    fn tables(&mut self, options: &CollectOptions, version_num: i32) -> anyhow::Result<(FoundTables, usize)> {
        let rows = self.query(
            &format!(
                "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.reltuples::float8, c.relpages::int8,
                        pg_relation_size(c.oid), pg_indexes_size(c.oid),
                        CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) END,
                        pg_total_relation_size(c.oid),
                        s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_dead_tup,
                        (s.last_analyze IS NOT NULL OR s.last_autoanalyze IS NOT NULL
                            OR s.last_vacuum IS NOT NULL OR s.last_autovacuum IS NOT NULL),
                        (SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1)
                 FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                 WHERE c.relkind IN ('r', 'p') AND {SYSTEM_SCHEMAS}
                   AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
                 ORDER BY 2, 3"
            ),
            "reading pg_class and pg_stat_user_tables",
        )?;
        let mut found = Vec::new();
        let mut excluded = 0;
        for row in &rows {
            let schema: String = row.get(1);
            let name: String = row.get(2);
            if !options.scope.includes(&schema, &name) {
                excluded += 1;
                continue;
            }
            let reltuples: f64 = row.get(4);
            let relpages: i64 = row.get(5);
            let maintained: Option<bool> = row.get(14);
            // PostgreSQL 14 and later say -1 for "never analyzed"; before, 0 rows in 0 pages with no
            // vacuum or analyze on record means the same.
            let analyzed = if version_num >= 140_000 {
                reltuples >= 0.0
            } else {
                reltuples > 0.0 || relpages > 0 || maintained.unwrap_or(false)
            };
            let count = |i: usize| row.get::<_, Option<i64>>(i).map(|v| v.max(0) as u64);
            found.push(FoundTable {
                oid: row.get(0),
                kind: row.get(3),
                parent: row.get(15),
                stats: TableStats {
                    rows: analyzed.then_some(reltuples.max(0.0).round() as u64),
                    analyzed,
                    table_bytes: count(6),
                    index_bytes: count(7),
                    toast_bytes: Some(count(8).unwrap_or(0)),
                    total_bytes: count(9),
                    inserts: count(10),
                    updates: count(11),
                    deletes: count(12),
                    dead_rows: count(13),
                    ..TableStats::named(schema, name)
                },
                columns: Vec::new(),
            });
        }
        Ok((FoundTables::new(found), excluded))
    }

    /// Each table's columns in order, with their type category (which decides what is sampled);
    /// returns how many `--exclude-column` withholds.
    fn columns(&mut self, tables: &mut FoundTables, scope: &Scope) -> anyhow::Result<usize> {
        let rows = self.query(
            &format!(
                "SELECT a.attrelid, a.attname::text, t.typcategory::text
                 FROM pg_attribute a
                 JOIN pg_class c ON c.oid = a.attrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_type t ON t.oid = a.atttypid
                 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {SYSTEM_SCHEMAS}
                   AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
                 ORDER BY a.attrelid, a.attnum"
            ),
            "reading pg_attribute",
        )?;
        let mut withheld_columns = 0;
        for row in &rows {
            let Some(table) = tables.by_oid(row.get(0)) else {
                continue;
            };
            let name: String = row.get(1);
            let withheld = scope.excludes_column(&table.stats.schema, &table.stats.name, &name);
            withheld_columns += usize::from(withheld);
            table.stats.columns.push(ColumnStats::named(name.clone()));
            table.columns.push(FoundColumn { name, category: row.get(2), withheld });
        }
        Ok(withheld_columns)
    }

    /// ANALYZE's figures per column: width, nulls, distinct values, correlation, and the
    /// extremes of its histogram and most common values. Withheld columns are filtered out by
    /// the server, so their histograms never leave it.
    fn column_stats(&mut self, tables: &mut FoundTables) -> anyhow::Result<()> {
        let (withheld_oids, withheld_names): (Vec<u32>, Vec<String>) = tables
            .found
            .iter()
            .flat_map(|t| t.columns.iter().filter(|c| c.withheld).map(move |c| (t.oid, c.name.clone())))
            .unzip();
        // Partitioned parents keep their statistics as `inherited`; plain tables as not. `NOT IN`
        // over the withheld list is one hashed lookup per row (`NOT EXISTS` was planned as a
        // nested loop: 500 withheld columns of 500 tables made the query 4 times slower).
        let sql = format!(
            "SELECT c.oid, s.attname::text, s.avg_width, s.null_frac::float8, s.n_distinct::float8,
                    s.histogram_bounds::text, s.most_common_vals::text, s.correlation::float8
             FROM pg_stats s
             JOIN pg_namespace n ON n.nspname = s.schemaname
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
             WHERE s.inherited = (c.relkind = 'p') AND {SYSTEM_SCHEMAS}
               AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
               AND (c.oid, s.attname::text) NOT IN
                   (SELECT withheld.oid, withheld.name FROM unnest($2::oid[], $3::text[]) AS withheld(oid, name))"
        );
        let seconds = self.seconds;
        let rows = self
            .tx
            .query(sql.as_str(), &[&self.schemas, &withheld_oids, &withheld_names])
            .map_err(|e| query_error(&e, "reading pg_stats", seconds))?;
        for row in &rows {
            let Some(table) = tables.by_oid(row.get(0)) else {
                continue;
            };
            let name: String = row.get(1);
            let Some(index) = table.columns.iter().position(|c| c.name == name && !c.withheld) else {
                continue;
            };
            let category = table.columns[index].category.clone();
            let column = &mut table.stats.columns[index];
            column.avg_width = row.get::<_, Option<i32>>(2).map(f64::from);
            column.null_frac = row.get(3);
            column.n_distinct = row.get(4);
            column.correlation = row.get(7);
            if let Some((min, max)) =
                extremes(&category, [row.get::<_, Option<String>>(5), row.get::<_, Option<String>>(6)])
            {
                column.min = Some(min);
                column.max = Some(max);
            }
        }
        Ok(())
    }

    fn index_sizes(&mut self, tables: &mut FoundTables) -> anyhow::Result<()> {
        let rows = self.query(
            &format!(
                "SELECT x.indrelid, ic.relname::text, pg_relation_size(ic.oid)
                 FROM pg_index x
                 JOIN pg_class ic ON ic.oid = x.indexrelid
                 JOIN pg_namespace n ON n.oid = ic.relnamespace
                 WHERE {SYSTEM_SCHEMAS} AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
                 ORDER BY 1, 2"
            ),
            "reading index sizes",
        )?;
        for row in &rows {
            let Some(table) = tables.by_oid(row.get(0)) else {
                continue;
            };
            table.stats.indexes.push(IndexStats { name: row.get(1), bytes: Some(row.get::<_, i64>(2).max(0) as u64) });
        }
        Ok(())
    }

    /// Sequences with their position and the column that owns them; one owned by a table the
    /// scope excludes, or by a withheld column (its position is that column's maximum), is left
    /// out with it.
    fn sequences(&mut self, options: &CollectOptions) -> anyhow::Result<Vec<SequenceStats>> {
        let rows = self.query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, s.last_value, s.max_value, s.increment_by,
                        owner.table_schema, owner.table_name, owner.column_name
                 FROM pg_sequences s
                 JOIN pg_namespace n ON n.nspname = s.schemaname
                 JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
                 LEFT JOIN LATERAL (
                     SELECT tn.nspname::text AS table_schema, tc.relname::text AS table_name, a.attname::text AS column_name
                     FROM pg_depend d
                     JOIN pg_class tc ON tc.oid = d.refobjid
                     JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                     JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                     LIMIT 1) owner ON true
                 WHERE {SYSTEM_SCHEMAS} AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1))
                 ORDER BY 1, 2"
            ),
            "reading pg_sequences",
        )?;
        let mut sequences = Vec::new();
        for row in &rows {
            let owner: Option<(String, String, String)> = match (row.get(5), row.get(6), row.get(7)) {
                (Some(s), Some(t), Some(c)) => Some((s, t, c)),
                _ => None,
            };
            if let Some((schema, table, column)) = &owner {
                if !options.scope.includes(schema, table) || options.scope.excludes_column(schema, table, column) {
                    continue;
                }
            }
            sequences.push(SequenceStats {
                schema: row.get(0),
                name: row.get(1),
                last_value: row.get(2),
                max_value: row.get(3),
                increment: row.get(4),
                owned_by: owner.map(|(s, t, c)| qualified_column(&s, &t, &c)),
            });
        }
        Ok(sequences)
    }
}

/// A partitioned table has no storage of its own: its figures become its partitions' sums,
/// deepest partitions first so that sub-partitioned tables are summed before their parents.
fn sum_partitions(tables: &mut [(u32, Option<u32>, bool, &mut TableStats)]) {
    let position: HashMap<u32, usize> = tables.iter().enumerate().map(|(i, t)| (t.0, i)).collect();
    let parent_of = |i: usize, tables: &[(u32, Option<u32>, bool, &mut TableStats)]| {
        tables[i].1.and_then(|p| position.get(&p).copied())
    };
    let mut depths = vec![0usize; tables.len()];
    for (i, depth) in depths.iter_mut().enumerate() {
        let mut at = i;
        while let Some(parent) = parent_of(at, tables) {
            *depth += 1;
            at = parent;
            if *depth > tables.len() {
                break;
            }
        }
    }
    for (_, _, partitioned, stats) in tables.iter_mut() {
        if *partitioned {
            stats.rows = Some(0);
            stats.analyzed = true;
            for field in
                [&mut stats.table_bytes, &mut stats.index_bytes, &mut stats.toast_bytes, &mut stats.total_bytes]
            {
                *field = Some(0);
            }
        }
    }
    let mut order: Vec<usize> = (0..tables.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(depths[i]));
    for child in order {
        let Some(parent) = parent_of(child, tables) else {
            continue;
        };
        if !tables[parent].2 {
            continue;
        }
        let from = tables[child].3.clone();
        let to = &mut *tables[parent].3;
        to.analyzed &= from.analyzed;
        to.rows = match (to.rows, from.rows) {
            (Some(a), Some(b)) if to.analyzed => Some(a + b),
            _ => None,
        };
        for (field, value) in [
            (&mut to.table_bytes, from.table_bytes),
            (&mut to.index_bytes, from.index_bytes),
            (&mut to.toast_bytes, from.toast_bytes),
            (&mut to.total_bytes, from.total_bytes),
        ] {
            *field = Some(field.unwrap_or(0) + value.unwrap_or(0));
        }
    }
}

/// Exact longest text and smallest and largest value over a bounded `TABLESAMPLE`; withheld
/// columns are not even selected.
fn sample(
    tx: &mut Transaction<'_>,
    estimated_rows: Option<u64>,
    stats: &mut TableStats,
    columns: &[FoundColumn],
    limit: u64,
    seconds: f64,
) -> anyhow::Result<()> {
    let (selects, plan) = sample_plan(columns);
    let percent = sample_percent(estimated_rows, limit);
    let table = format!("{}.{}", quote_identifier(&stats.schema, '"'), quote_identifier(&stats.name, '"'));
    let inner: Vec<String> = columns.iter().filter(|c| !c.withheld).map(|c| quote_identifier(&c.name, '"')).collect();
    let inner = if inner.is_empty() { "1".to_owned() } else { inner.join(", ") };
    let query = format!(
        "SELECT {} FROM (SELECT {inner} FROM {table} TABLESAMPLE SYSTEM ({percent}) LIMIT {limit}) AS sample",
        selects.join(", ")
    );
    let during = format!("sampling {}.{}", stats.schema, stats.name);
    let row = tx.query_one(query.as_str(), &[]).map_err(|e| query_error(&e, &during, seconds))?;
    let sampled: i64 = row.get(0);
    stats.sampled_rows = Some(sampled.max(0) as u64);
    for (position, (index, what)) in plan.into_iter().enumerate() {
        let at = position + 1;
        let numeric = columns[index].category == "N";
        let column = &mut stats.columns[index];
        match what {
            "max_length" => column.max_length = row.get::<_, Option<String>>(at).and_then(|v| v.parse().ok()),
            "numeric_frac" => column.numeric_frac = row.get(at),
            "checked" => {
                let checked = row.get::<_, Option<String>>(at).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                column.shapes = (checked > 0).then(|| ValueShapes { checked, ..ValueShapes::default() });
            }
            "min" | "max" => {
                let Some(value) = row.get::<_, Option<String>>(at) else {
                    continue;
                };
                let value = StatValue::from_server_text(&value, numeric);
                let slot = if what == "min" { &mut column.min } else { &mut column.max };
                keep_wider(slot, value, what == "min", numeric);
            }
            shape => {
                if let Some(shapes) = column.shapes.as_mut() {
                    set_shape(shapes, shape, row.get(at));
                }
            }
        }
    }
    Ok(())
}

/// Enough pages for `limit` rows with a margin; whole table when it is small or unanalyzed.
fn sample_percent(estimated_rows: Option<u64>, limit: u64) -> f64 {
    match estimated_rows {
        Some(rows) if rows > limit => (100.0 * limit as f64 * 2.0 / rows as f64).clamp(0.0001, 100.0),
        _ => 100.0,
    }
}

/// Counts over one sample for the candidate column pairs of [`dependencies`]; nothing when no
/// pair qualifies.
fn probe_dependencies(
    tx: &mut Transaction<'_>,
    table: &mut FoundTable,
    limit: u64,
    max_pairs: usize,
    version_num: i32,
    seconds: f64,
) -> anyhow::Result<()> {
    let stats = &table.stats;
    let probed: Vec<ProbeColumn<'_>> = table
        .columns
        .iter()
        .zip(&stats.columns)
        .map(|(found, stats)| ProbeColumn {
            groupable: !found.withheld && matches!(found.category.as_str(), "S" | "N" | "D" | "B" | "E"),
            stats,
        })
        .collect();
    let pairs = dependencies::candidate_pairs(&probed, stats.rows, max_pairs);
    if pairs.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = stats.columns.iter().map(|c| c.name.as_str()).collect();
    let mut used: Vec<usize> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    used.sort_unstable();
    used.dedup();
    let selected: Vec<String> = used.iter().map(|&i| quote_identifier(names[i], '"')).collect();
    let sample = format!(
        "SELECT {} FROM {}.{} TABLESAMPLE SYSTEM ({}) LIMIT {limit}",
        selected.join(", "),
        quote_identifier(&stats.schema, '"'),
        quote_identifier(&stats.name, '"'),
        sample_percent(stats.rows, limit)
    );
    let sql = ProbeSql {
        quote: '"',
        sample: &sample,
        materialized: if version_num >= 120_000 { "MATERIALIZED " } else { "" },
        integer: |e| format!("({e})::int8"),
    };
    let query = dependencies::probe_query(&sql, &names, &pairs);
    let during = format!("probing column dependencies of {}.{}", stats.schema, stats.name);
    let rows = tx.query(query.as_str(), &[]).map_err(|e| query_error(&e, &during, seconds))?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let counts: [Option<u64>; 8] = std::array::from_fn(|i| {
            row.try_get::<_, Option<i64>>(i).ok().flatten().and_then(|v| u64::try_from(v).ok())
        });
        found.extend(dependencies::counts_of(&names, &pairs, counts));
    }
    found.sort_by_key(|c| {
        (names.iter().position(|n| *n == c.determinant), names.iter().position(|n| *n == c.dependent))
    });
    table.stats.dependencies = found;
    Ok(())
}

/// The sample query's select list (the row count first) and, for each later item, the column's
/// index and the figure it computes. Withheld columns get none.
fn sample_plan(columns: &[FoundColumn]) -> (Vec<String>, Vec<(usize, &'static str)>) {
    let mut selects = vec!["count(*)::int8".to_owned()];
    let mut plan: Vec<(usize, &'static str)> = Vec::new();
    for (index, found) in columns.iter().enumerate().filter(|(_, c)| !c.withheld) {
        let column = quote_identifier(&found.name, '"');
        match found.category.as_str() {
            "S" => {
                selects.push(format!("max(char_length({column}))::int8::text"));
                plan.push((index, "max_length"));
                selects.push(format!(
                    "(count(*) FILTER (WHERE {column} ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'))::float8 \
                     / nullif(count({column}), 0)"
                ));
                plan.push((index, "numeric_frac"));
                selects.push(format!("count({column})::int8::text"));
                plan.push((index, "checked"));
                for name in shape_names() {
                    let test = match SHAPE_PATTERNS.iter().find(|(n, _)| *n == name) {
                        Some((_, pattern)) => format!("{column} ~ '{pattern}'"),
                        // An object (`{` then `"` or `}`, so not an array literal `{1,2}`) or an array.
                        None => format!(
                            "(ltrim({column}) ~ '^[{{][[:space:]]*(\"|[}}])' AND rtrim({column}) LIKE '%}}') \
                             OR (ltrim({column}) LIKE '[%' AND rtrim({column}) LIKE '%]')"
                        ),
                    };
                    selects.push(format!("(count(*) FILTER (WHERE {test}))::float8 / nullif(count({column}), 0)"));
                    plan.push((index, name));
                }
            }
            "N" | "D" => {
                selects.push(format!("min({column})::text"));
                plan.push((index, "min"));
                selects.push(format!("max({column})::text"));
                plan.push((index, "max"));
            }
            _ => {}
        }
    }
    (selects, plan)
}

/// Smallest and largest value among the ANALYZE sample's histogram bounds and most common
/// values, for numeric (`N`) and date/time (`D`) columns.
fn extremes(category: &str, arrays: [Option<String>; 2]) -> Option<(StatValue, StatValue)> {
    let numeric = match category {
        "N" => true,
        "D" => false,
        _ => return None,
    };
    let values: Vec<StatValue> = arrays
        .iter()
        .flatten()
        .flat_map(|text| parse_array_literal(text))
        .flatten()
        .filter(|v| !matches!(v.as_str(), "infinity" | "-infinity" | "NaN"))
        .map(|v| StatValue::from_server_text(&v, numeric))
        .filter(|v| !numeric || !matches!(v, StatValue::Text(_)))
        .collect();
    let min = values.iter().min_by(|a, b| compare(a, b, numeric))?.clone();
    let max = values.iter().max_by(|a, b| compare(a, b, numeric))?.clone();
    Some((min, max))
}

/// Elements of a one-dimensional array literal such as `{1,"a b",NULL}`; `None` for NULL.
fn parse_array_literal(text: &str) -> Vec<Option<String>> {
    let inner = text.trim().strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or("");
    let mut values = Vec::new();
    let mut chars = inner.chars().peekable();
    while chars.peek().is_some() {
        let mut value = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    other => value.push(other),
                }
            }
        }
        for c in chars.by_ref() {
            if c == ',' {
                break;
            }
            if !quoted {
                value.push(c);
            }
        }
        values.push(if !quoted && value == "NULL" { None } else { Some(value) });
    }
    values
}

fn connection_error(
    error: &postgres::Error,
    url: &str,
    tls: &PostgresTls,
    user: Option<&str>,
    database: Option<&str>,
) -> anyhow::Error {
    let target = super::redact(url);
    if let Some(cause) = super::tls::describe_failure(error, tls.root_cert.as_deref()) {
        return anyhow!("cannot connect to {target}: {cause}");
    }
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        let hint = if db.message().contains("no encryption") {
            "; the server accepts only TLS connections: drop sslmode=disable".to_owned()
        } else if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            format!("; check the user ({}) and password (in the URL or PGPASSWORD)", user.unwrap_or("?"))
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            format!("; database `{}` does not exist on this server", database.unwrap_or("?"))
        } else {
            String::new()
        };
        return anyhow!("cannot connect to {target}: {} ({}){hint}", db.message(), code.code());
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    if message.contains("server does not support TLS") {
        message.push_str("; connect with sslmode=prefer or sslmode=disable");
    }
    anyhow!("cannot connect to {target}: {message}")
}

fn query_error(error: &postgres::Error, during: &str, seconds: f64) -> anyhow::Error {
    match error.as_db_error() {
        Some(db) if *db.code() == SqlState::QUERY_CANCELED || *db.code() == SqlState::LOCK_NOT_AVAILABLE => anyhow!(
            "timed out after {seconds} s while {during} ({}); raise --timeout, or narrow the scope with --schema or --exclude-table",
            db.message()
        ),
        Some(db) if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE => anyhow!(
            "{} while {during}; grant the collecting user SELECT on it, or leave it out with --exclude-table",
            db.message()
        ),
        Some(db) => anyhow!("PostgreSQL error while {during}: {} ({})", db.message(), db.code().code()),
        None => anyhow!("lost the connection while {during}: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withheld_column_is_not_in_the_sample_query() {
        let column = |name: &str, category: &str, withheld: bool| FoundColumn {
            name: name.into(),
            category: category.into(),
            withheld,
        };
        let columns = [column("salary", "N", true), column("note", "S", true), column("hired", "D", false)];
        let (selects, plan) = sample_plan(&columns);
        assert!(selects.iter().all(|s| !s.contains("salary") && !s.contains("note")), "{selects:?}");
        assert_eq!(plan, [(2, "min"), (2, "max")]);
        assert_eq!(selects.len(), 3, "the row count, then hired's extremes: {selects:?}");
    }

    #[test]
    fn reads_array_literals() {
        assert_eq!(parse_array_literal("{1,2,-3.5}"), [Some("1".into()), Some("2".into()), Some("-3.5".into())]);
        assert_eq!(
            parse_array_literal(r#"{"2024-01-01 00:00:00+00","a \"b\", c",NULL}"#),
            [Some("2024-01-01 00:00:00+00".into()), Some("a \"b\", c".into()), None]
        );
        assert!(parse_array_literal("{}").is_empty());
    }

    #[test]
    fn extremes_combine_histogram_and_common_values() {
        let (min, max) = extremes("N", [Some("{5,10,20}".into()), Some("{-7,12}".into())]).unwrap();
        assert_eq!((min, max), (StatValue::Integer(-7), StatValue::Integer(20)));
        let (min, max) =
            extremes("D", [Some(r#"{"2024-02-01 00:00:00+00","2024-03-01 00:00:00+00"}"#.into()), None]).unwrap();
        assert_eq!(min, StatValue::Text("2024-02-01 00:00:00+00".into()));
        assert_eq!(max, StatValue::Text("2024-03-01 00:00:00+00".into()));
        assert!(extremes("S", [Some("{a,b}".into()), None]).is_none());
    }
}
