//! Collecting from MySQL and MariaDB through `information_schema` and, where the user may read
//! them, the persistent statistics tables.

use std::collections::HashMap;

use anyhow::anyhow;
use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, Opts, OptsBuilder, Params, Row, SslOpts, Value};

use super::tls::{MySqlSslMode, MySqlTls};
use schemacast_lints::stats::{
    qualified_column, ColumnStats, IndexStats, SequenceStats, Snapshot, StatValue, TableStats, ValueShapes,
};

use super::dependencies::{self, ProbeColumn, ProbeSql};
use super::{
    keep_wider, quote_identifier, set_shape, shape_names, snapshot_time, CollectOptions, Collected, Progress, Scope,
    SHAPE_PATTERNS,
};

const SYSTEM_SCHEMAS: [&str; 4] = ["mysql", "information_schema", "performance_schema", "sys"];

/// Most withheld columns the `mysql.column_stats` query can filter out by name: three
/// placeholders each, under the protocol's 65,535, with room for the schema list.
const MAX_WITHHELD_IN_QUERY: usize = 20_000;

pub(super) fn collect(url: &str, options: &CollectOptions, progress: &Progress) -> anyhow::Result<Collected> {
    let url = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    };
    let (plain_url, tls) = super::tls::mysql_settings(&url)?;
    let opts = Opts::from_url(&plain_url).map_err(|e| anyhow!("invalid MySQL URL: {e}"))?;
    let database = opts.get_db_name().filter(|d| !d.is_empty()).map(str::to_owned);
    let user = opts.get_user().unwrap_or("").to_owned();
    let mut builder = OptsBuilder::from_opts(opts.clone())
        .tcp_connect_timeout(Some(options.connect_timeout))
        .read_timeout(Some(options.statement_timeout + options.connect_timeout))
        .write_timeout(Some(options.connect_timeout));
    if opts.get_pass().is_none() {
        if let Ok(password) = std::env::var("MYSQL_PWD") {
            builder = builder.pass(Some(password));
        }
    }
    progress.phase("connecting");
    let target = super::redact(&url);
    let address = match opts.get_socket() {
        Some(socket) => socket.to_owned(),
        None => format!("{}:{}", opts.get_ip_or_hostname(), opts.get_tcp_port()),
    };
    let connected = match Conn::new(builder.clone().ssl_opts(ssl_opts(&tls))) {
        // PREFERRED: encrypted if the server can, else plain, as the MySQL client does.
        Err(mysql::Error::DriverError(DriverError::TlsNotSupported)) if tls.mode == MySqlSslMode::Preferred => {
            Conn::new(builder)
        }
        other => other,
    };
    let mut conn = connected
        .map_err(|e| connection_error(&e, &target, &address, &user, &tls, options.connect_timeout.as_secs_f64()))?;

    let seconds = options.statement_timeout.as_secs_f64();
    let version: String = conn
        .query_first("SELECT VERSION()")
        .map_err(|e| query_error(&e, "reading the server version", seconds))?
        .unwrap_or_default();
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let timeout_setting = if mariadb {
        format!("SET SESSION max_statement_time = {seconds}")
    } else {
        format!("SET SESSION max_execution_time = {}", options.statement_timeout.as_millis().max(1))
    };
    conn.query_drop(timeout_setting).map_err(|e| query_error(&e, "setting the statement timeout", seconds))?;
    if !mariadb {
        // MySQL 8 caches TABLES statistics for a day by default; this session wants them fresh.
        let _ = conn.query_drop("SET SESSION information_schema_stats_expiry = 0");
    }
    conn.query_drop("SET SESSION TRANSACTION READ ONLY")
        .map_err(|e| query_error(&e, "making the session read-only", seconds))?;
    conn.query_drop("START TRANSACTION READ ONLY")
        .map_err(|e| query_error(&e, "starting a read-only transaction", seconds))?;

    let result = read_snapshot(&mut conn, options, progress, database, version, mariadb);
    let _ = conn.query_drop("ROLLBACK");
    result
}

fn read_snapshot(
    conn: &mut Conn,
    options: &CollectOptions,
    progress: &Progress,
    database: Option<String>,
    version: String,
    mariadb: bool,
) -> anyhow::Result<Collected> {
    let seconds = options.statement_timeout.as_secs_f64();
    let mut notes = Vec::new();
    let mut snapshot = Snapshot::new(snapshot_time());
    snapshot.dialect = Some("mysql".to_owned());
    snapshot.server_version = Some(version);
    snapshot.database = database.clone();
    snapshot.source = Some("collect".to_owned());
    let mut catalog = Catalog::new(conn, options, database, seconds);

    progress.phase("reading tables");
    let (mut tables, excluded) = catalog.tables(options)?;
    progress.phase("reading columns");
    let (sequences, withheld_columns) = catalog.columns(&mut tables, &options.scope)?;
    snapshot.sequences = sequences;
    if mariadb && withheld_columns > MAX_WITHHELD_IN_QUERY {
        // Not read at all rather than read unfiltered: the withheld columns' extremes stay put.
        notes.push(format!(
            "column statistics skipped: --exclude-column withholds {withheld_columns} columns, more than the \
             {MAX_WITHHELD_IN_QUERY} one mysql.column_stats query can filter out (narrow the patterns, or leave \
             whole tables out with --exclude-table)"
        ));
    } else if mariadb {
        progress.phase("reading mysql.column_stats");
        if let Err(e) = catalog.column_stats(&mut tables) {
            notes.push(format!("column statistics skipped: cannot read mysql.column_stats ({})", short(&e)));
        }
    }
    progress.phase("reading index sizes");
    if let Err(e) = catalog.index_sizes(&mut tables) {
        notes.push(format!("index sizes skipped: cannot read mysql.innodb_index_stats ({})", short(&e)));
    }

    if let Some(limit) = options.sample_rows {
        progress.start_tables(tables.stats.len(), "sampling");
        let kinds = &tables.kinds;
        for (at, table) in tables.stats.iter_mut().enumerate() {
            sample(
                catalog.conn,
                table,
                |column| kinds.get(&(at, column.to_owned())).copied().unwrap_or(Kind::Other),
                limit,
                seconds,
            )?;
            probe_dependencies(
                catalog.conn,
                table,
                |column| kinds.get(&(at, column.to_owned())).copied().unwrap_or(Kind::Other),
                limit,
                options.dependency_pairs,
                seconds,
            )?;
            progress.table_done();
        }
    }
    snapshot.tables = tables.stats;
    Ok(Collected { snapshot, notes, excluded, withheld_columns })
}

/// The tables the scope includes, in schema and name order, with what later queries need to
/// find them and their columns again.
#[derive(Default)]
struct FoundTables {
    stats: Vec<TableStats>,
    /// Each table's index in `stats` by schema and name.
    position: HashMap<(String, String), usize>,
    /// The next `AUTO_INCREMENT` value per table, for the sequence of its auto-increment column.
    auto_increment: HashMap<(String, String), u64>,
    /// Each column's kind by its table's index and its name: what is sampled and which
    /// extremes are kept.
    kinds: HashMap<(usize, String), Kind>,
}

impl FoundTables {
    fn index_of(&self, schema: String, table: String) -> Option<usize> {
        self.position.get(&(schema, table)).copied()
    }
}

/// The catalogue queries of one collection, each limited to the schemas in scope.
struct Catalog<'c> {
    conn: &'c mut Conn,
    /// `TABLE_SCHEMA IN (...)` or `NOT IN` the system schemas, with `?` placeholders.
    schema_filter: String,
    params: Vec<Value>,
    seconds: f64,
}

impl<'c> Catalog<'c> {
    fn new(conn: &'c mut Conn, options: &CollectOptions, database: Option<String>, seconds: f64) -> Self {
        // The URL's database is what a user means by "my schema"; without one, every user database.
        let schemas: Vec<String> = if !options.scope.schemas.is_empty() {
            options.scope.schemas.clone()
        } else {
            database.into_iter().collect()
        };
        let (schema_filter, params) = if schemas.is_empty() {
            (
                format!("TABLE_SCHEMA NOT IN ({})", placeholders(SYSTEM_SCHEMAS.len())),
                SYSTEM_SCHEMAS.iter().map(|s| Value::from(*s)).collect::<Vec<_>>(),
            )
        } else {
            (
                format!("TABLE_SCHEMA IN ({})", placeholders(schemas.len())),
                schemas.iter().map(|s| Value::from(s.as_str())).collect(),
            )
        };
        Catalog { conn, schema_filter, params, seconds }
    }

    /// The schema filter on a table whose schema column is called `column`.
    fn filter_on(&self, column: &str) -> String {
        self.schema_filter.replace("TABLE_SCHEMA", column)
    }

    /// Runs `query` with the schema filter's parameters.
    fn exec(&mut self, query: String) -> Result<Vec<Row>, mysql::Error> {
        self.conn.exec(query, Params::Positional(self.params.clone()))
    }

    /// Tables with their row estimates and sizes, and how many the scope excluded.
    fn tables(&mut self, options: &CollectOptions) -> anyhow::Result<(FoundTables, usize)> {
        let schema_filter = &self.schema_filter;
        let seconds = self.seconds;
        let rows = self
            .exec(format!(
                "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, AUTO_INCREMENT
                 FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND {schema_filter}
                 ORDER BY TABLE_SCHEMA, TABLE_NAME"
            ))
            .map_err(|e| query_error(&e, "reading information_schema.TABLES", seconds))?;
        let mut found = FoundTables::default();
        let mut excluded = 0;
        for row in &rows {
            let (Some(schema), Some(name)) = (text(row, 0), text(row, 1)) else {
                continue;
            };
            if !options.scope.includes(&schema, &name) {
                excluded += 1;
                continue;
            }
            let rows = number(row, 2);
            let (data, index) = (number(row, 3), number(row, 4));
            if let Some(next) = number(row, 5) {
                found.auto_increment.insert((schema.clone(), name.clone()), next);
            }
            found.stats.push(TableStats {
                rows,
                analyzed: rows.is_some(),
                table_bytes: data,
                index_bytes: index,
                total_bytes: data.zip(index).map(|(d, i)| d + i),
                ..TableStats::named(schema, name)
            });
        }
        found.position = found.stats.iter().enumerate().map(|(i, t)| ((t.schema.clone(), t.name.clone()), i)).collect();
        Ok((found, excluded))
    }

    /// Each table's columns in order with their kinds; an auto-increment column becomes a
    /// sequence, positioned by its table's `AUTO_INCREMENT`, unless `--exclude-column` withholds
    /// it (the position is its maximum). Also returns how many columns are withheld.
    fn columns(&mut self, tables: &mut FoundTables, scope: &Scope) -> anyhow::Result<(Vec<SequenceStats>, usize)> {
        let schema_filter = &self.schema_filter;
        let seconds = self.seconds;
        let rows = self
            .exec(format!(
                "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, EXTRA
                 FROM information_schema.COLUMNS WHERE {schema_filter}
                 ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"
            ))
            .map_err(|e| query_error(&e, "reading information_schema.COLUMNS", seconds))?;
        let increment: i64 = self.conn.query_first("SELECT @@auto_increment_increment").ok().flatten().unwrap_or(1);
        let mut sequences = Vec::new();
        let mut withheld_columns = 0;
        for row in &rows {
            let (Some(schema), Some(table), Some(column)) = (text(row, 0), text(row, 1), text(row, 2)) else {
                continue;
            };
            let Some(at) = tables.index_of(schema.clone(), table.clone()) else {
                continue;
            };
            let data_type = text(row, 3).unwrap_or_default().to_ascii_lowercase();
            let column_type = text(row, 4).unwrap_or_default().to_ascii_lowercase();
            if scope.excludes_column(&schema, &table, &column) {
                withheld_columns += 1;
                tables.kinds.insert((at, column.clone()), Kind::Withheld);
                tables.stats[at].columns.push(ColumnStats::named(column));
                continue;
            }
            if text(row, 5).unwrap_or_default().to_ascii_lowercase().contains("auto_increment") {
                let next = tables.auto_increment.get(&(schema.clone(), table.clone())).copied();
                sequences.push(SequenceStats {
                    schema: schema.clone(),
                    name: table.clone(),
                    last_value: next.filter(|&n| n > 1).map(|n| (n - 1).min(i64::MAX as u64) as i64),
                    max_value: integer_max(&data_type, column_type.contains("unsigned")),
                    increment,
                    owned_by: Some(qualified_column(&schema, &table, &column)),
                });
            }
            tables.kinds.insert((at, column.clone()), Kind::of(&data_type));
            tables.stats[at].columns.push(ColumnStats::named(column));
        }
        Ok((sequences, withheld_columns))
    }

    /// MariaDB's engine-independent statistics: nulls, widths, distinct values, and the
    /// extremes of numeric and temporal columns. Withheld columns are filtered out by the
    /// server, so their extremes never leave it. An error here only skips them.
    fn column_stats(&mut self, tables: &mut FoundTables) -> Result<(), mysql::Error> {
        let filter = self.filter_on("db_name");
        let mut withheld: Vec<Value> = Vec::new();
        for ((at, column), kind) in &tables.kinds {
            if *kind == Kind::Withheld {
                let table = &tables.stats[*at];
                withheld.extend([table.schema.as_str(), table.name.as_str(), column.as_str()].map(Value::from));
            }
        }
        let withheld_filter = if withheld.is_empty() {
            String::new()
        } else {
            let rows = vec!["(?, ?, ?)"; withheld.len() / 3].join(", ");
            format!(" AND (db_name, table_name, column_name) NOT IN ({rows})")
        };
        let params = self.params.iter().cloned().chain(withheld).collect();
        let rows: Vec<Row> = self.conn.exec(
            format!(
                "SELECT db_name, table_name, column_name, min_value, max_value, nulls_ratio, avg_length, avg_frequency
                 FROM mysql.column_stats WHERE {filter}{withheld_filter}"
            ),
            Params::Positional(params),
        )?;
        for row in &rows {
            let (Some(schema), Some(table), Some(column)) = (text(row, 0), text(row, 1), text(row, 2)) else {
                continue;
            };
            let Some(at) = tables.index_of(schema, table) else {
                continue;
            };
            let kind = tables.kinds.get(&(at, column.clone())).copied().unwrap_or(Kind::Other);
            if kind == Kind::Withheld {
                continue;
            }
            let Some(stats) = tables.stats[at].columns.iter_mut().find(|c| c.name == column) else {
                continue;
            };
            stats.null_frac = float(row, 5).map(|f| f.clamp(0.0, 1.0));
            stats.avg_width = float(row, 6).filter(|w| *w >= 0.0);
            stats.n_distinct = float(row, 7).filter(|f| *f >= 1.0).map(|f| -(1.0 / f));
            // Text minimums and maximums would be row values; only numbers and times are kept.
            if matches!(kind, Kind::Number | Kind::Temporal) {
                stats.min = text(row, 3).map(|v| StatValue::from_server_text(&v, kind == Kind::Number));
                stats.max = text(row, 4).map(|v| StatValue::from_server_text(&v, kind == Kind::Number));
            }
        }
        Ok(())
    }

    /// InnoDB's persistent index sizes, partitions summed into their table. An error here only
    /// skips them.
    fn index_sizes(&mut self, tables: &mut FoundTables) -> Result<(), mysql::Error> {
        let filter = self.filter_on("database_name");
        let rows = self.exec(format!(
            "SELECT database_name, table_name, index_name, stat_value * @@innodb_page_size
         FROM mysql.innodb_index_stats WHERE stat_name = 'size' AND {filter} ORDER BY 1, 2, 3"
        ))?;
        for row in &rows {
            let (Some(schema), Some(table), Some(index)) = (text(row, 0), text(row, 1), text(row, 2)) else {
                continue;
            };
            // Partitions appear as `table#P#partition`.
            let base = table.split("#P#").next().unwrap_or(&table).to_owned();
            let Some(at) = tables.index_of(schema, base) else {
                continue;
            };
            let bytes = number(row, 3);
            let indexes = &mut tables.stats[at].indexes;
            match indexes.iter_mut().find(|i| i.name == index) {
                Some(existing) => existing.bytes = existing.bytes.zip(bytes).map(|(a, b)| a + b),
                None => indexes.push(IndexStats { name: index, bytes }),
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    Temporal,
    Text,
    Other,
    /// Named by `--exclude-column`: listed by name only, never read.
    Withheld,
}

impl Kind {
    fn of(data_type: &str) -> Kind {
        match data_type {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal" | "numeric" | "float"
            | "double" | "real" => Kind::Number,
            "date" | "datetime" | "timestamp" | "time" | "year" => Kind::Temporal,
            "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => Kind::Text,
            _ => Kind::Other,
        }
    }
}

/// MySQL has no TABLESAMPLE: the sample is the first `limit` rows the engine returns, which
/// for InnoDB are the lowest primary keys. Said so in the docs. Withheld columns are not even
/// selected.
fn sample(
    conn: &mut Conn,
    table: &mut TableStats,
    kind_of: impl Fn(&str) -> Kind,
    limit: u64,
    seconds: f64,
) -> anyhow::Result<()> {
    let (selects, plan) = sample_plan(table, &kind_of);
    let inner = sampled_columns(table, &kind_of);
    let query = format!(
        "SELECT {} FROM (SELECT {inner} FROM {}.{} LIMIT {limit}) AS sample",
        selects.join(", "),
        quote_identifier(&table.schema, '`'),
        quote_identifier(&table.name, '`')
    );
    let during = format!("sampling {}.{}", table.schema, table.name);
    let row: Row = conn
        .query_first(query)
        .map_err(|e| query_error(&e, &during, seconds))?
        .ok_or_else(|| anyhow!("no result while {during}"))?;
    table.sampled_rows = number(&row, 0);
    read_sample(&row, table, plan);
    Ok(())
}

/// Counts over the first `limit` rows (the same rows as the sample) for the candidate column
/// pairs of [`dependencies`]; nothing when no pair qualifies.
fn probe_dependencies(
    conn: &mut Conn,
    table: &mut TableStats,
    kind_of: impl Fn(&str) -> Kind,
    limit: u64,
    max_pairs: usize,
    seconds: f64,
) -> anyhow::Result<()> {
    let probed: Vec<ProbeColumn<'_>> = table
        .columns
        .iter()
        .map(|stats| ProbeColumn {
            groupable: matches!(kind_of(&stats.name), Kind::Number | Kind::Temporal | Kind::Text),
            stats,
        })
        .collect();
    let pairs = dependencies::candidate_pairs(&probed, table.rows, max_pairs);
    if pairs.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let mut used: Vec<usize> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    used.sort_unstable();
    used.dedup();
    let selected: Vec<String> = used.iter().map(|&i| quote_identifier(names[i], '`')).collect();
    let sample = format!(
        "SELECT {} FROM {}.{} LIMIT {limit}",
        selected.join(", "),
        quote_identifier(&table.schema, '`'),
        quote_identifier(&table.name, '`')
    );
    let sql = ProbeSql { quote: '`', sample: &sample, materialized: "", integer: |e| format!("CAST({e} AS SIGNED)") };
    let query = dependencies::probe_query(&sql, &names, &pairs);
    let during = format!("probing column dependencies of {}.{}", table.schema, table.name);
    let rows: Vec<Row> = conn.query(query).map_err(|e| query_error(&e, &during, seconds))?;
    let mut found: Vec<_> = rows
        .iter()
        .filter_map(|row| dependencies::counts_of(&names, &pairs, std::array::from_fn(|i| number(row, i))))
        .collect();
    let position = |name: &str| names.iter().position(|n| *n == name);
    found.sort_by_key(|c| (position(&c.determinant), position(&c.dependent)));
    table.dependencies = found;
    Ok(())
}

/// The inner query's select list: every column but the withheld ones (`1` when none is left).
fn sampled_columns(table: &TableStats, kind_of: impl Fn(&str) -> Kind) -> String {
    let names: Vec<String> = table
        .columns
        .iter()
        .filter(|c| kind_of(&c.name) != Kind::Withheld)
        .map(|c| quote_identifier(&c.name, '`'))
        .collect();
    if names.is_empty() {
        "1".to_owned()
    } else {
        names.join(", ")
    }
}

/// What the sample computes for one column: the column's index, the figure, and its kind.
type SampleItem = (usize, &'static str, Kind);

/// The sample query's select list (the row count first) and what each later item computes.
fn sample_plan(table: &TableStats, kind_of: impl Fn(&str) -> Kind) -> (Vec<String>, Vec<SampleItem>) {
    let mut selects = vec!["COUNT(*)".to_owned()];
    let mut plan: Vec<SampleItem> = Vec::new();
    for (index, column) in table.columns.iter().enumerate() {
        let quoted = quote_identifier(&column.name, '`');
        let kind = kind_of(&column.name);
        match kind {
            Kind::Text => {
                selects.push(format!("MAX(CHAR_LENGTH({quoted}))"));
                plan.push((index, "max_length", kind));
                selects.push(format!(
                    "SUM({quoted} REGEXP '^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$') / NULLIF(COUNT({quoted}), 0)"
                ));
                plan.push((index, "numeric_frac", kind));
                selects.push(format!("COUNT({quoted})"));
                plan.push((index, "checked", kind));
                for name in shape_names() {
                    let test = match SHAPE_PATTERNS.iter().find(|(n, _)| *n == name) {
                        Some((_, pattern)) => format!("{quoted} REGEXP '{pattern}'"),
                        // Objects and arrays; JSON_VALID alone also accepts `42` and `"x"`.
                        None => format!("JSON_VALID({quoted}) AND LEFT(TRIM({quoted}), 1) IN ('{{', '[')"),
                    };
                    selects.push(format!("SUM(CASE WHEN {test} THEN 1 ELSE 0 END) / NULLIF(COUNT({quoted}), 0)"));
                    plan.push((index, name, kind));
                }
            }
            Kind::Number | Kind::Temporal => {
                selects.push(format!("MIN({quoted})"));
                plan.push((index, "min", kind));
                selects.push(format!("MAX({quoted})"));
                plan.push((index, "max", kind));
            }
            Kind::Other | Kind::Withheld => {}
        }
    }
    (selects, plan)
}

/// The sample's figures into the table's column stats, item by item after the row count.
fn read_sample(row: &Row, table: &mut TableStats, plan: Vec<SampleItem>) {
    for (position, (index, what, kind)) in plan.into_iter().enumerate() {
        let at = position + 1;
        let column = &mut table.columns[index];
        match what {
            "max_length" => column.max_length = number(row, at),
            "numeric_frac" => column.numeric_frac = float(row, at).map(|f| f.clamp(0.0, 1.0)),
            "checked" => {
                let checked = number(row, at).unwrap_or(0);
                column.shapes = (checked > 0).then(|| ValueShapes { checked, ..ValueShapes::default() });
            }
            "min" | "max" => {
                let Some(v) = text(row, at) else { continue };
                let numeric = kind == Kind::Number;
                let slot = if what == "min" { &mut column.min } else { &mut column.max };
                // The sample is the first rows only; MariaDB's column_stats may have seen wider.
                keep_wider(slot, StatValue::from_server_text(&v, numeric), what == "min", numeric);
            }
            shape => {
                if let Some(shapes) = column.shapes.as_mut() {
                    set_shape(shapes, shape, float(row, at));
                }
            }
        }
    }
}

/// Why no connection was made, and what to do about it.
fn connection_error(
    error: &mysql::Error,
    target: &str,
    address: &str,
    user: &str,
    tls: &MySqlTls,
    connect_timeout: f64,
) -> anyhow::Error {
    let tls_failure = match error {
        mysql::Error::IoError(io) => super::tls::describe_failure(io, tls.ca.as_deref()),
        mysql::Error::CodecError(codec) => super::tls::describe_failure(codec, tls.ca.as_deref()),
        mysql::Error::TlsError(inner) => super::tls::describe_failure(inner, tls.ca.as_deref()),
        _ => None,
    };
    if let Some(cause) = tls_failure {
        return anyhow!("cannot connect to {target}: {cause}");
    }
    match error {
        mysql::Error::DriverError(DriverError::TlsNotSupported) => anyhow!(
            "cannot connect to {target}: the server does not support TLS; connect with ssl-mode=PREFERRED or \
             ssl-mode=DISABLED"
        ),
        mysql::Error::MySqlError(m) if m.code == 1045 => {
            let tls_hint = if tls.mode == MySqlSslMode::Disabled {
                ", and whether the server accepts only TLS connections (drop ssl-mode=DISABLED)"
            } else {
                ""
            };
            anyhow!(
                "cannot connect to {target}: {} ; check the user ({user}) and password (in the URL or MYSQL_PWD){tls_hint}",
                m.message
            )
        }
        mysql::Error::MySqlError(m) => anyhow!("cannot connect to {target}: {} (error {})", m.message, m.code),
        other => anyhow!("cannot connect to MySQL at {address}: {}", connect_failure(other, connect_timeout)),
    }
}

/// The driver's TLS options for a mode: none for `DISABLED`; no verification for `PREFERRED` and
/// `REQUIRED`; the chain to `ssl-ca` for `VERIFY_CA`, and the host name too for `VERIFY_IDENTITY`.
fn ssl_opts(tls: &MySqlTls) -> Option<SslOpts> {
    let verifying = SslOpts::default().with_root_cert_path(tls.ca.clone());
    match tls.mode {
        MySqlSslMode::Disabled => None,
        MySqlSslMode::Preferred | MySqlSslMode::Required => {
            Some(SslOpts::default().with_danger_accept_invalid_certs(true))
        }
        MySqlSslMode::VerifyCa => Some(verifying.with_danger_skip_domain_validation(true)),
        MySqlSslMode::VerifyIdentity => Some(verifying),
    }
}

fn integer_max(data_type: &str, unsigned: bool) -> i64 {
    let bits = match data_type {
        "tinyint" => 8,
        "smallint" => 16,
        "mediumint" => 24,
        "int" | "integer" => 32,
        _ => 64,
    };
    let max = if unsigned { (1u128 << bits) - 1 } else { (1u128 << (bits - 1)) - 1 };
    max.min(i64::MAX as u128) as i64
}

fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// A cell as text, whichever protocol delivered it.
fn text(row: &Row, index: usize) -> Option<String> {
    match row.as_ref(index)? {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(d) => Some(d.to_string()),
        Value::Date(y, mo, d, h, mi, s, us) => Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")),
        Value::Time(negative, days, h, mi, s, us) => Some(format!(
            "{}{:02}:{mi:02}:{s:02}.{us:06}",
            if *negative { "-" } else { "" },
            *days * 24 + u32::from(*h)
        )),
    }
}

fn number(row: &Row, index: usize) -> Option<u64> {
    let value = text(row, index)?;
    value
        .parse::<u64>()
        .ok()
        .or_else(|| value.parse::<f64>().ok().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f.round() as u64))
}

fn float(row: &Row, index: usize) -> Option<f64> {
    text(row, index)?.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The driver's message without its wrapper (`DriverError { … }`, `IoError { … }`).
fn short(error: &mysql::Error) -> String {
    match error {
        mysql::Error::MySqlError(m) => format!("{} (error {})", m.message, m.code),
        mysql::Error::IoError(e) => e.to_string(),
        mysql::Error::DriverError(e) => e.to_string(),
        mysql::Error::CodecError(e) => e.to_string(),
        mysql::Error::UrlError(e) => e.to_string(),
        other => other.to_string(),
    }
}

/// Why no connection was made, in a few plain words: "connection refused", "no such host".
fn connect_failure(error: &mysql::Error, connect_timeout: f64) -> String {
    use std::io::ErrorKind;
    let kind = match error {
        mysql::Error::DriverError(mysql::DriverError::ConnectTimeout) => Some(ErrorKind::TimedOut),
        mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((_, _, kind)))) => Some(*kind),
        mysql::Error::IoError(e) => Some(e.kind()),
        _ => None,
    };
    match kind {
        Some(ErrorKind::ConnectionRefused) => {
            "connection refused; is the server running and listening there?".to_owned()
        }
        Some(ErrorKind::TimedOut) => {
            format!("no answer within {connect_timeout} s; check the host, the port and any firewall")
        }
        Some(ErrorKind::NotFound) if matches!(error, mysql::Error::DriverError(_)) => {
            "no such host or socket; check the URL".to_owned()
        }
        _ => match error {
            mysql::Error::DriverError(mysql::DriverError::CouldNotConnect(Some((_, description, _)))) => {
                lowercase_first(description)
            }
            other => lowercase_first(&short(other)),
        },
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn query_error(error: &mysql::Error, during: &str, seconds: f64) -> anyhow::Error {
    match error {
        // MySQL's ER_QUERY_TIMEOUT, MariaDB's ER_STATEMENT_TIMEOUT.
        mysql::Error::MySqlError(m) if m.code == 3024 || m.code == 1969 => anyhow!(
            "timed out after {seconds} s while {during} ({}); raise --timeout, or narrow the scope with --schema or --exclude-table",
            m.message
        ),
        mysql::Error::MySqlError(m) if m.code == 1142 || m.code == 1143 || m.code == 1044 => anyhow!(
            "{} while {during}; grant the collecting user SELECT on it, or leave it out with --exclude-table",
            m.message
        ),
        mysql::Error::MySqlError(m) => anyhow!("MySQL error while {during}: {} (error {})", m.message, m.code),
        other => anyhow!("lost the connection while {during}: {}", short(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withheld_column_is_not_in_the_sample_query() {
        let mut table = TableStats::named("hr", "payroll");
        table.columns = ["salary", "hired"].map(ColumnStats::named).to_vec();
        let kind_of = |name: &str| if name == "salary" { Kind::Withheld } else { Kind::Temporal };
        let (selects, plan) = sample_plan(&table, kind_of);
        assert!(selects.iter().all(|s| !s.contains("salary")), "{selects:?}");
        assert_eq!(sampled_columns(&table, kind_of), "`hired`");
        assert_eq!(plan, [(1, "min", Kind::Temporal), (1, "max", Kind::Temporal)]);
    }

    #[test]
    fn integer_limits_follow_the_column_type() {
        assert_eq!(integer_max("int", false), 2_147_483_647);
        assert_eq!(integer_max("int", true), 4_294_967_295);
        assert_eq!(integer_max("tinyint", true), 255);
        assert_eq!(integer_max("mediumint", false), 8_388_607);
        assert_eq!(integer_max("bigint", true), i64::MAX);
    }
}
