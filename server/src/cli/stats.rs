//! `schemacast stats import`, `schemacast stats export` and `schemacast stats show`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use schemacast_lints::forecast::{Forecast, Point};
use schemacast_lints::stats::{attach, day_of, import_csv, read_history, AttachedStats, Snapshot, StatsHistory};
use schemacast_lints::storage::human_bytes;
use schemacast_lints::{analyze, Dialect, RuleSelection};
use serde::Serialize;

use crate::cli::print_stdout;
use crate::exit;
use crate::project::{load_config, read_sources, schema_paths};
use crate::store::{store_path, Store};

#[derive(Args)]
pub(crate) struct StatsArgs {
    #[command(subcommand)]
    command: StatsCommand,
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Append a history: FILE.jsonl (another stats file) or CSV exported from monitoring, with
    /// a header naming table,taken_at,rows,bytes (any order; other columns ignored).
    Import(ImportArgs),
    /// Write the store's history: jsonl (one schemacast.stats/v1 snapshot per line, as
    /// `stats import` reads it) or csv (database,taken_at,table,rows,bytes and the other
    /// table-level figures; `stats import` reads its table,taken_at,rows,bytes).
    Export(ExportArgs),
    /// Summarise the stats store: tables, snapshots, first and last date, and each table's
    /// growth over the history (rows/day and %/month; three snapshots or more).
    Show(ShowArgs),
}

#[derive(Args)]
struct Common {
    /// Stats store: FILE.db or FILE.sqlite (SQLite), FILE.jsonl (JSON Lines), postgres://URL
    /// (PostgreSQL) [default: `stats` of schemacast.toml, else .schemacast/stats.db, or an
    /// existing .schemacast/stats.jsonl].
    #[arg(long)]
    stats: Option<PathBuf>,
    /// Config file [default: the first schemacast.toml from the current directory upward].
    #[arg(long)]
    config: Option<PathBuf>,
    /// SQL dialect [default: from schemacast.toml, else postgres].
    #[arg(long, value_parser = |v: &str| v.parse::<Dialect>())]
    dialect: Option<Dialect>,
}

#[derive(Args)]
struct ImportArgs {
    /// The history: FILE.jsonl, or CSV.
    file: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    format: ExportFormat,
    /// Only this database's snapshots [default: every database's].
    #[arg(long)]
    database: Option<String>,
    /// Write here instead of standard output.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Args)]
struct ShowArgs {
    /// Only this database's snapshots [default: every database's].
    #[arg(long)]
    database: Option<String>,
    /// List the tables and columns of the latest snapshot that the DDL does not define, and
    /// the DDL's tables the database lacks.
    #[arg(long)]
    unmatched: bool,
    /// Schema files or migration directories for --unmatched [default: `schema` of schemacast.toml].
    paths: Vec<PathBuf>,
    /// Output format: text for people, json for scripts.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    format: ShowFormat,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ShowFormat {
    Text,
    Json,
}

pub(crate) fn run(args: StatsArgs) -> anyhow::Result<u8> {
    match args.command {
        StatsCommand::Import(args) => import(args),
        StatsCommand::Show(args) => show(args),
        StatsCommand::Export(args) => export(args),
    }
}

/// The snapshots of `database` (every database when `None`); an unknown name is an error
/// listing the databases the store holds.
fn read_database(store: &Store, database: Option<&str>) -> anyhow::Result<StatsHistory> {
    if let Some(name) = database {
        let all = store.databases()?;
        crate::store::pick_database(Some(name), &all, &store.shown())?;
    }
    store.read(database)
}

fn export(args: ExportArgs) -> anyhow::Result<u8> {
    let config = load_config(args.common.config.as_deref(), &PathBuf::from("."))?;
    let store = Store::at(&store_path(args.common.stats.as_deref(), config.as_ref()))?;
    let history = read_database(&store, args.database.as_deref())?;
    report_problems(&history);
    let text = match args.format {
        ExportFormat::Jsonl => history.snapshots.iter().map(Snapshot::to_line).collect::<String>(),
        ExportFormat::Csv => export_csv(&history.snapshots),
    };
    match &args.output {
        Some(path) => fs::write(path, text).with_context(|| format!("{}: cannot write the export", path.display()))?,
        None => print_stdout(&text)?,
    }
    Ok(exit::CLEAN)
}

/// One row per table per snapshot: `stats import`'s table,taken_at,rows,bytes (bytes is the
/// total) and the other table-level figures; empty cells are unknown.
fn export_csv(snapshots: &[Snapshot]) -> String {
    let mut out = String::from(
        "database,taken_at,table,rows,bytes,analyzed,table_bytes,index_bytes,toast_bytes,inserts,updates,deletes,dead_rows\n",
    );
    let number = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
    for snapshot in snapshots {
        for t in &snapshot.tables {
            let cells = [
                csv_cell(snapshot.database.as_deref().unwrap_or("")),
                snapshot.taken_at.to_string(),
                csv_cell(&format!("{}.{}", t.schema, t.name)),
                number(t.rows),
                number(t.total_bytes),
                t.analyzed.to_string(),
                number(t.table_bytes),
                number(t.index_bytes),
                number(t.toast_bytes),
                number(t.inserts),
                number(t.updates),
                number(t.deletes),
                number(t.dead_rows),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

/// A CSV cell, quoted when it holds a comma, a quote or a line break.
fn csv_cell(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn import(args: ImportArgs) -> anyhow::Result<u8> {
    let config = load_config(args.common.config.as_deref(), &PathBuf::from("."))?;
    let dialect = args.common.dialect.or(config.as_ref().and_then(|(c, _)| c.dialect)).unwrap_or_default();
    let store = Store::at(&store_path(args.common.stats.as_deref(), config.as_ref()))?;
    let path = PathBuf::from(store.shown());
    let snapshots = read_import(&args.file, dialect)?;
    store.append(&snapshots, |history| {
        let history = history();
        let clashes: Vec<String> =
            snapshots.iter().filter(|s| history.contains_time(s.taken_at)).map(|s| s.taken_at.to_string()).collect();
        if !clashes.is_empty() {
            bail!(
                "nothing imported: {} already has snapshots taken at {}{} (imported before?)",
                path.display(),
                clashes.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                if clashes.len() > 3 { format!(" and {} more", clashes.len() - 3) } else { String::new() }
            );
        }
        Ok(())
    })?;
    let rows: usize = snapshots.iter().map(|s| s.tables.len()).sum();
    println!(
        "imported {rows} rows as {} snapshots ({} to {}) into {}",
        snapshots.len(),
        snapshots[0].taken_at,
        snapshots[snapshots.len() - 1].taken_at,
        path.display()
    );
    Ok(exit::CLEAN)
}

/// The snapshots of a history to import: a stats file's (`.jsonl`; any bad line refuses the
/// whole import), or a CSV export's.
fn read_import(file: &Path, dialect: Dialect) -> anyhow::Result<Vec<Snapshot>> {
    let shown = file.display().to_string();
    let text = fs::read(file).with_context(|| format!("{shown}: cannot read"))?;
    let text =
        String::from_utf8(text).map_err(|_| anyhow::anyhow!("{shown}: not UTF-8 text; export the history as UTF-8"))?;
    let is_jsonl = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    let parsed = if is_jsonl {
        let history = read_history(&text, &shown);
        if history.problems.is_empty() && history.snapshots.is_empty() {
            bail!("{shown}: no snapshots to import");
        }
        if history.problems.is_empty() {
            Ok(history.snapshots)
        } else {
            Err(history.problems)
        }
    } else {
        import_csv(&text, &shown, dialect.default_schema())
    };
    parsed.map_err(|problems| {
        let shown_problems: Vec<String> = problems.iter().take(20).map(ToString::to_string).collect();
        let more = problems.len().saturating_sub(20);
        anyhow::anyhow!(
            "nothing imported; fix these lines:\n  {}{}",
            shown_problems.join("\n  "),
            if more > 0 { format!("\n  ... and {more} more") } else { String::new() }
        )
    })
}

fn show(args: ShowArgs) -> anyhow::Result<u8> {
    let config = load_config(args.common.config.as_deref(), &PathBuf::from("."))?;
    let dialect = args.common.dialect.or(config.as_ref().and_then(|(c, _)| c.dialect)).unwrap_or_default();
    let store = Store::at(&store_path(args.common.stats.as_deref(), config.as_ref()))?;
    let path = PathBuf::from(store.shown());
    let history = read_database(&store, args.database.as_deref())?;
    report_problems(&history);
    let Some(latest) = history.latest() else {
        bail!("{}: no usable snapshots", path.display());
    };
    let tables = table_histories(&history);
    let unmatched = if args.unmatched {
        let paths = schema_paths(&args.paths, config.as_ref(), "stats show --unmatched")?;
        let analysis = analyze(read_sources(&paths)?, dialect, &RuleSelection::default());
        Some(attach(&analysis.schema, latest.clone()))
    } else {
        None
    };
    let summary = Summary { path: &path, history: &history, latest, tables, unmatched };
    let out = match args.format {
        ShowFormat::Json => summary.json()?,
        ShowFormat::Text => summary.text(),
    };
    print_stdout(&out)?;
    Ok(exit::CLEAN)
}

/// One table across the history: how often it was seen, its latest size, and its row counts
/// where it was analysed.
struct TableHistory {
    snapshots: usize,
    first: jiff::Timestamp,
    last: jiff::Timestamp,
    rows: Option<u64>,
    bytes: Option<u64>,
    row_points: Vec<Point>,
    /// Growth over the history: the fitted model's rate at the last snapshot, when there is
    /// enough history to fit.
    growth: Option<Forecast>,
}

/// Every table of the history by (schema, name), in that order.
fn table_histories(history: &StatsHistory) -> BTreeMap<(String, String), TableHistory> {
    let mut tables: BTreeMap<(String, String), TableHistory> = BTreeMap::new();
    for snapshot in &history.snapshots {
        for table in &snapshot.tables {
            let entry = tables.entry((table.schema.clone(), table.name.clone())).or_insert(TableHistory {
                snapshots: 0,
                first: snapshot.taken_at,
                last: snapshot.taken_at,
                rows: None,
                bytes: None,
                row_points: Vec::new(),
                growth: None,
            });
            if let (Some(rows), true) = (table.rows, table.analyzed) {
                entry.row_points.push(Point { day: day_of(snapshot.taken_at), value: rows as f64 });
            }
            entry.snapshots += 1;
            entry.last = snapshot.taken_at;
            entry.rows = table.rows;
            entry.bytes = table.total_bytes;
        }
    }
    for table in tables.values_mut() {
        table.growth = Forecast::from_history(&table.row_points).filter(Forecast::has_enough_history);
    }
    tables
}

/// What `stats show` prints, in either format.
struct Summary<'a> {
    path: &'a Path,
    history: &'a StatsHistory,
    latest: &'a Snapshot,
    tables: BTreeMap<(String, String), TableHistory>,
    unmatched: Option<AttachedStats>,
}

impl Summary<'_> {
    fn json(&self) -> anyhow::Result<String> {
        let document = SummaryJson {
            stats_file: self.path.display().to_string(),
            snapshots: self.history.snapshots.len(),
            first: self.history.snapshots[0].taken_at.to_string(),
            last: self.latest.taken_at.to_string(),
            problems: self.history.problems.iter().map(ToString::to_string).collect(),
            tables: self.tables.iter().map(|((schema, name), table)| TableJson::new(schema, name, table)).collect(),
            unmatched: self.unmatched.as_ref().map(UnmatchedJson::new),
        };
        let mut text = serde_json::to_string_pretty(&document)?;
        text.push('\n');
        Ok(text)
    }

    fn text(&self) -> String {
        let mut out = self.heading();
        out.push_str(&self.table_lines());
        if let Some(attached) = &self.unmatched {
            out.push_str(&unmatched_text(attached));
        }
        out
    }

    /// The file, its span of time, and where the latest snapshot came from.
    fn heading(&self) -> String {
        let snapshots = self.history.snapshots.len();
        let (latest, tables) = (self.latest, self.tables.len());
        let mut out = format!(
            "{}: {} snapshot{} of {} table{}, {} to {}\n",
            self.path.display(),
            snapshots,
            if snapshots == 1 { "" } else { "s" },
            tables,
            if tables == 1 { "" } else { "s" },
            self.history.snapshots[0].taken_at,
            latest.taken_at
        );
        out.push_str(&format!(
            "latest: {} from {}{}: {} tables, {} sequences\n\n",
            latest.taken_at,
            latest.database.as_deref().unwrap_or("(unnamed database)"),
            latest.source.as_deref().map(|s| format!(" ({s})")).unwrap_or_default(),
            latest.tables.len(),
            latest.sequences.len()
        ));
        out
    }

    /// A header and a line per table.
    fn table_lines(&self) -> String {
        let width = self.tables.keys().map(|(s, n)| s.len() + n.len() + 1).max().unwrap_or(5).max(5);
        let mut out = format!(
            "{:<width$}  {:>9}  {:<24}  {:<24}  {:>12}  {:>10}  {:>12}  {:>9}\n",
            "table", "snapshots", "first", "last", "rows", "bytes", "rows/day", "%/month"
        );
        for ((schema, name), t) in &self.tables {
            let qualified = if schema.is_empty() { name.clone() } else { format!("{schema}.{name}") };
            out.push_str(&format!(
                "{qualified:<width$}  {:>9}  {:<24}  {:<24}  {:>12}  {:>10}  {:>12}  {:>9}\n",
                t.snapshots,
                t.first.to_string(),
                t.last.to_string(),
                t.rows.map_or("unknown".to_owned(), |r| r.to_string()),
                t.bytes.map_or("-".to_owned(), |b| human_bytes(b as f64)),
                t.growth.as_ref().map_or("-".to_owned(), |f| format!("{:+.0}", f.growth_per_day)),
                t.growth.as_ref().map_or("-".to_owned(), |f| format!("{:+.1}%", f.percent_per_month))
            ));
        }
        out
    }
}

/// `--unmatched` as text: how many tables matched, then each side's leftovers.
fn unmatched_text(attached: &AttachedStats) -> String {
    let list = |title: &str, names: Vec<String>| {
        let mut s = format!("{title} ({}):\n", names.len());
        for name in names {
            s.push_str(&format!("  {name}\n"));
        }
        s
    };
    let mut out = format!("\nmatched {} of the DDL's tables to the latest snapshot\n", attached.matched_tables());
    out.push_str(&list(
        "in the database, not in the DDL",
        attached.unmatched_in_stats.iter().map(ToString::to_string).collect(),
    ));
    out.push_str(&list(
        "in the DDL, not in the database",
        attached.unmatched_in_schema.iter().map(ToString::to_string).collect(),
    ));
    out.push_str(&list(
        "columns only on one side",
        attached
            .unmatched_columns
            .iter()
            .map(|c| format!("{}.{} (only in the {})", c.table, c.column, if c.in_stats { "database" } else { "DDL" }))
            .collect(),
    ));
    out
}

/// `stats show --format json`; field order is key order.
#[derive(Serialize)]
struct SummaryJson<'a> {
    stats_file: String,
    snapshots: usize,
    first: String,
    last: String,
    problems: Vec<String>,
    tables: Vec<TableJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unmatched: Option<UnmatchedJson>,
}

#[derive(Serialize)]
struct TableJson<'a> {
    schema: &'a str,
    name: &'a str,
    snapshots: usize,
    first: String,
    last: String,
    rows: Option<u64>,
    total_bytes: Option<u64>,
    model: Option<&'static str>,
    growth_per_day: Option<f64>,
    growth_percent_per_month: Option<f64>,
}

impl<'a> TableJson<'a> {
    fn new(schema: &'a str, name: &'a str, table: &TableHistory) -> Self {
        let fit = table.growth.as_ref();
        TableJson {
            schema,
            name,
            snapshots: table.snapshots,
            first: table.first.to_string(),
            last: table.last.to_string(),
            rows: table.rows,
            total_bytes: table.bytes,
            model: fit.map(Forecast::model_name),
            growth_per_day: fit.map(|f| (f.growth_per_day * 10.0).round() / 10.0),
            growth_percent_per_month: fit.map(|f| (f.percent_per_month * 100.0).round() / 100.0),
        }
    }
}

#[derive(Serialize)]
struct UnmatchedJson {
    in_database: Vec<String>,
    in_ddl: Vec<String>,
    columns: Vec<UnmatchedColumnJson>,
}

impl UnmatchedJson {
    fn new(attached: &AttachedStats) -> Self {
        UnmatchedJson {
            in_database: attached.unmatched_in_stats.iter().map(ToString::to_string).collect(),
            in_ddl: attached.unmatched_in_schema.iter().map(ToString::to_string).collect(),
            columns: attached
                .unmatched_columns
                .iter()
                .map(|c| UnmatchedColumnJson {
                    table: c.table.to_string(),
                    column: c.column.clone(),
                    side: if c.in_stats { "database" } else { "ddl" },
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct UnmatchedColumnJson {
    table: String,
    column: String,
    side: &'static str,
}

/// Bad lines do not stop the rest from loading; each is named so it can be fixed.
pub(crate) fn report_problems(history: &StatsHistory) {
    for problem in &history.problems {
        eprintln!("warning: {problem}");
    }
}
