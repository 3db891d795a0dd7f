//! `schemacast collect`: one snapshot of a live database, appended to the stats file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;

use crate::collect::{self, CollectOptions, ColumnPattern, Progress, Scope};
use crate::exit;
use crate::project::load_config;
use crate::store::{store_path, Store};

#[derive(Args)]
pub(crate) struct CollectArgs {
    /// Database URL: postgres://user@host/db or mysql://user@host/db [default: $DATABASE_URL].
    /// A password may come from PGPASSWORD or MYSQL_PWD instead of the URL.
    #[arg(long)]
    url: Option<String>,
    /// Stats store to append to: FILE.db or FILE.sqlite (SQLite), FILE.jsonl (JSON Lines),
    /// postgres://URL (PostgreSQL)
    /// [default: `stats` of schemacast.toml, else .schemacast/stats.db].
    #[arg(long)]
    stats: Option<PathBuf>,
    /// Config file [default: the first schemacast.toml from the current directory upward].
    #[arg(long)]
    config: Option<PathBuf>,
    /// Only this schema (MySQL: database); repeatable [default: every non-system schema;
    /// MySQL: the URL's database].
    #[arg(long = "schema", value_name = "NAME")]
    schemas: Vec<String>,
    /// Leave out tables matching this glob (`*`, `?`), against `table` or `schema.table`; repeatable.
    #[arg(long = "exclude-table", value_name = "PATTERN")]
    exclude_tables: Vec<String>,
    /// Keep this column's values out of the stats: no minimum, maximum, sample or other figure
    /// of it is read or stored (it stays listed by name). COLUMN (in every table), TABLE.COLUMN
    /// or SCHEMA.TABLE.COLUMN, each part a glob (`*`, `?`), case ignored:
    /// 'payroll.salary', '*.*.ssn'; repeatable.
    #[arg(long = "exclude-column", value_name = "PATTERN")]
    exclude_columns: Vec<String>,
    /// Also read a bounded sample of each table for exact maximum lengths, minimums and maximums.
    #[arg(long)]
    sample: bool,
    /// Rows read per table by --sample.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    sample_rows: u64,
    /// With --sample: column pairs per table probed for functional dependencies (counts of
    /// distinct values and pairs only, never a value); 0 leaves the probe out.
    #[arg(long, default_value_t = crate::collect::DEFAULT_DEPENDENCY_PAIRS, value_name = "N")]
    dependency_pairs: usize,
    /// Longest any single query may run, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    timeout: f64,
    /// Print nothing on success.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: CollectArgs) -> anyhow::Result<u8> {
    let url = match args.url.clone().or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty())) {
        Some(url) => url,
        None => bail!("no database to collect from: pass --url postgres://user@host/db or set DATABASE_URL"),
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!("--timeout must be a positive number of seconds, not {}", args.timeout);
    }
    if args.sample_rows == 0 {
        bail!("--sample-rows must be at least 1");
    }
    let config = load_config(args.config.as_deref(), &PathBuf::from("."))?;
    let store = Store::at(&store_path(args.stats.as_deref(), config.as_ref()))?;
    let exclude_columns =
        args.exclude_columns.iter().map(|p| ColumnPattern::parse(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let options = CollectOptions {
        scope: Scope { schemas: args.schemas.clone(), exclude_tables: args.exclude_tables.clone(), exclude_columns },
        sample_rows: args.sample.then_some(args.sample_rows),
        dependency_pairs: args.dependency_pairs,
        statement_timeout: Duration::from_secs_f64(args.timeout),
        connect_timeout: Duration::from_secs(10),
    };

    let started = Instant::now();
    let progress = Progress::new(!args.quiet && std::io::stderr().is_terminal());
    let collected = collect::collect(&url, &options, &progress);
    progress.finish();
    let collected = collected?;
    let snapshot = collected.snapshot;
    if snapshot.tables.is_empty() && collected.excluded > 0 {
        let patterns: Vec<String> = args.exclude_tables.iter().map(|p| format!("'{p}'")).collect();
        bail!(
            "no tables left to collect: --exclude-table {} left out all {} table{} in scope; the stats file is unchanged (narrow the patterns)",
            patterns.join(", "),
            collected.excluded,
            if collected.excluded == 1 { "" } else { "s" }
        );
    }
    if snapshot.tables.is_empty() && !args.schemas.is_empty() {
        bail!("no tables in schema {}; the stats file is unchanged", args.schemas.join(", "));
    }
    store.append(std::slice::from_ref(&snapshot), |_| Ok(()))?;

    for note in &collected.notes {
        eprintln!("note: {note}");
    }
    // Even with --quiet: a misspelt pattern means the column it meant was collected in full.
    for pattern in options.scope.unmatched_column_patterns(&snapshot) {
        eprintln!(
            "warning: --exclude-column '{pattern}' matches no column in the tables collected, so it withheld \
             nothing; check its spelling (COLUMN, TABLE.COLUMN or SCHEMA.TABLE.COLUMN)"
        );
    }
    if !args.quiet {
        let never_analyzed = snapshot.tables.iter().filter(|t| !t.analyzed).count();
        println!(
            "collected {} tables and {} sequences{}{} from {} in {:.1} s; appended to {}",
            snapshot.tables.len(),
            snapshot.sequences.len(),
            if never_analyzed > 0 {
                format!(" ({never_analyzed} never analyzed: row counts unknown until ANALYZE)")
            } else {
                String::new()
            },
            match collected.withheld_columns {
                0 => String::new(),
                1 => ", withholding 1 column".to_owned(),
                n => format!(", withholding {n} columns"),
            },
            snapshot.database.as_deref().unwrap_or("the database"),
            started.elapsed().as_secs_f64(),
            store.shown()
        );
    }
    Ok(exit::CLEAN)
}
