//! `schemacast check [PATH...]`.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use clap::{Args, ValueEnum};
use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::rules::did_you_mean;

use schemacast_lints::config::CONFIG_FILE_NAME;

use schemacast_lints::{
    analyze_with, Analysis, AnalysisOptions, Config, Dialect, RuleSelection, Severity, SourceFile, Timings,
};

use crate::cli::changed::{changed_files, ChangedFiles};
use crate::cli::fix;
use crate::exit;
use crate::output::{self, Format};
use crate::project::{choose_dialect, find_stats, report_unreadable, today, StatsInput};
use crate::project::{
    config_file, read_config, read_sources, read_stdin, schema_paths, search_start, shown_path, VerboseLog,
};
use crate::store;

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Schema files, or migration directories (each read as one ordered set); `-` reads standard
    /// input. Defaults to the `schema` paths of schemacast.toml.
    paths: Vec<PathBuf>,
    /// SQL dialect [default: from schemacast.toml, else postgres].
    #[arg(long, value_parser = parse_dialect)]
    dialect: Option<Dialect>,
    /// Config file [default: the first schemacast.toml from the first path upward].
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with status 1 when a finding has this severity or higher.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Run only these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Stats store (FILE.db, FILE.sqlite or FILE.jsonl) whose latest snapshot is matched to the
    /// schema [default: `stats` of schemacast.toml, else .schemacast/stats.db (or an existing
    /// .schemacast/stats.jsonl) beside it or in the current directory, when that exists].
    #[arg(long)]
    stats: Option<PathBuf>,
    /// With a store holding several databases: the one whose history is read [default:
    /// `database` of schemacast.toml, else that of the latest snapshot].
    #[arg(long)]
    database: Option<String>,
    /// The file name standard input stands for (with `-`): used in messages and to find
    /// schemacast.toml.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Apply safe fixes to the files (new migrations included), then report what remains.
    #[arg(long)]
    fix: bool,
    /// With --fix, apply unsafe fixes too (type changes, column reorders): review the diff.
    #[arg(long, requires = "fix")]
    unsafe_fixes: bool,
    /// Say on stderr what was read: the config file, the stats file and its latest snapshot,
    /// each SQL file; and each statement that was skipped, with its place and reason.
    #[arg(short, long)]
    verbose: bool,
    /// Print on stderr how long each phase took: read, split, parse, lower, model, capacity,
    /// rules, render.
    #[arg(long)]
    timings: bool,
    /// Report findings only in the files git says this branch changed (committed since the
    /// merge-base with --since, staged, unstaged or untracked); the whole set is still analysed.
    #[arg(long, conflicts_with = "fix")]
    changed: bool,
    /// With --changed: the revision the branch is compared with [default: the branch's upstream,
    /// else origin/main, origin/master, main or master, the first that exists].
    #[arg(long, value_name = "REF", requires = "changed")]
    since: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Info,
    Warning,
    Error,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn parse_dialect(value: &str) -> Result<Dialect, String> {
    value.parse()
}

/// What `check` analyses, gathered before the analysis runs.
struct Inputs {
    sources: Vec<SourceFile>,
    dialect: DialectChoice,
    selection: RuleSelection,
    config: Option<(Config, PathBuf)>,
    stats: Option<StatsInput>,
}

/// Fix rounds before giving up on fixes that keep making room for more.
const FIX_ROUNDS: usize = 4;

pub(crate) fn run(args: CheckArgs) -> anyhow::Result<u8> {
    if args.fix {
        // Fix, then read the files again: what is printed and the exit status are what remains.
        let mut total = fix::Applied::default();
        for _ in 0..FIX_ROUNDS {
            let mut quiet = VerboseLog::new(false);
            let Inputs { sources, dialect, selection, config, stats } = gather(&args, &mut quiet)?;
            let analysis = analyze_with(sources, dialect.dialect, &selection, analysis_options(config.as_ref(), stats));
            let applied = fix::apply(&analysis, args.unsafe_fixes)?;
            if applied.fixes == 0 {
                break;
            }
            total.fixes += applied.fixes;
            for (path, n) in applied.edited {
                *total.edited.entry(path).or_default() += n;
            }
            total.created.extend(applied.created);
        }
        if total.fixes > 0 {
            eprintln!("{}", fix::describe(&total));
        } else {
            eprintln!(
                "nothing to fix{}",
                if args.unsafe_fixes { "" } else { " (--unsafe-fixes also applies unsafe fixes)" }
            );
        }
    }
    let started = Instant::now();
    let mut verbose = VerboseLog::new(args.verbose);
    let changed = changed_since(&args, &mut verbose)?;
    let inputs = gather(&args, &mut verbose);
    let read = started.elapsed();
    // What was read is said even when reading failed: that is when it helps most.
    verbose.print();
    let Inputs { sources, dialect, selection, config, stats } = inputs?;

    let source_note = stats.as_ref().map(StatsInput::summary_note);
    let options = AnalysisOptions { timings: args.timings, ..analysis_options(config.as_ref(), stats) };
    let mut analysis = analyze_with(sources, dialect.dialect, &selection, options);
    let unreadable = report_unreadable(&analysis, &dialect);
    if args.verbose {
        for line in skipped_lines(&analysis) {
            eprintln!("{line}");
        }
    }
    if let Some(changed) = &changed {
        // Analysed whole, so a change is judged against every migration; reported in part.
        let in_changed: Vec<bool> = analysis.files.iter().map(|f| changed.contains(&f.path)).collect();
        analysis.keep_findings_in(|file| in_changed.get(file.index()).copied().unwrap_or(false));
    }

    let colored = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let render_started = Instant::now();
    // Written as it is rendered, through one buffer: a large report is never whole in memory.
    let written = {
        let mut stdout = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        output::render(
            &analysis,
            analysis.stats.as_ref(),
            Some(&dialect),
            args.format,
            colored,
            source_note.as_deref(),
            &mut stdout,
        )
        .and_then(|()| stdout.flush())
    };
    match written {
        // A closed pipe (`schemacast check | head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    let render = render_started.elapsed();
    if let Some(timings) = analysis.timings {
        eprint!("{}", describe_timings(read, &timings, render));
    }

    let threshold = match args.fail_on {
        FailOn::Info => Some(Severity::Info),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| analysis.diagnostics.iter().any(|d| d.severity >= t));
    // The process ends here: freeing the model and the findings one allocation at a time would
    // only delay the exit (a tenth of a second on a 16 MB schema); the OS takes the pages back.
    std::mem::forget(analysis);
    Ok(if unreadable > 0 {
        exit::USAGE_OR_IO
    } else if failed {
        exit::FINDINGS
    } else {
        exit::CLEAN
    })
}

/// Reads the config, the SQL (files, directories or standard input) and the stats, and says
/// what it read in `verbose`.
fn gather(args: &CheckArgs, verbose: &mut VerboseLog) -> anyhow::Result<Inputs> {
    let stdin_name = stdin_name(args)?;
    let start = match (&stdin_name, &args.stdin_filename) {
        (Some(_), Some(name)) => {
            name.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        }
        (Some(_), None) => PathBuf::from("."),
        (None, _) => args.paths.first().cloned().unwrap_or_else(|| PathBuf::from(".")),
    };
    let config_path = config_file(args.config.as_deref(), &start);
    match &config_path {
        Some(path) => verbose.push(format!("config: {}", shown_path(path))),
        None => {
            verbose.push(format!("config: none (no {CONFIG_FILE_NAME} in {} or above)", search_start(&start).display()))
        }
    }
    let config = read_config(config_path.as_deref())?;
    let selection = rule_selection(args, config.as_ref().map(|(c, _)| c))?;

    let sources = match &stdin_name {
        Some(name) => {
            let source = read_stdin(name)?;
            verbose.push(format!("read: {name} (standard input, {} bytes)", source.text.len()));
            vec![source]
        }
        None => {
            let paths = schema_paths(&args.paths, config.as_ref(), "check")?;
            let sources = read_sources(&paths)?;
            if verbose.enabled() {
                for source in &sources {
                    verbose.push(format!("read: {} ({} bytes)", source.path, source.text.len()));
                }
            }
            sources
        }
    };

    let stats = find_stats(args.stats.as_deref(), args.database.as_deref(), config.as_ref())?;
    match &stats {
        Some(input) => verbose.push(format!(
            "stats: {} ({}): {} snapshot{}, latest taken {}",
            shown_path(&input.path),
            input.origin.describe(),
            input.series.snapshot_days.len(),
            if input.series.snapshot_days.len() == 1 { "" } else { "s" },
            input.latest.as_ref().map_or_else(|| "?".to_owned(), |s| s.taken_at.to_string())
        )),
        None => verbose.push(format!(
            "stats: none (no --stats, and no stats store at {})",
            shown_path(&store::store_path(None, config.as_ref()))
        )),
    }
    let dialect = choose_dialect(
        args.dialect,
        config.as_ref().and_then(|(c, _)| c.dialect),
        stats.as_ref().and_then(|s| s.latest.as_ref()),
        &sources,
    );
    verbose.push(format!("dialect: {} ({})", dialect.dialect, dialect.reason));
    if verbose.enabled() && dialect.files.len() > 1 {
        for (path, detection) in &dialect.files {
            verbose.push(match detection {
                Some(d) => format!("dialect of {path}: {} ({})", d.dialect, d.evidence),
                None => format!("dialect of {path}: no dialect-specific syntax"),
            });
        }
    }
    Ok(Inputs { sources, dialect, selection, config, stats })
}

/// `skipped: FILE:LINE:COLUMN: REASON`, one line per statement the parser could not read.
fn skipped_lines(analysis: &Analysis) -> Vec<String> {
    analysis
        .files
        .iter()
        .flat_map(|file| {
            file.skipped.iter().map(move |skipped| {
                let at = file.lines.line_col(&file.text, skipped.range.start as usize);
                format!("skipped: {}:{}:{}: {}", file.path, at.line, at.column, skipped.reason)
            })
        })
        .collect()
}

/// The phases' wall-clock times, one a line, and their total.
fn describe_timings(read: Duration, timings: &Timings, render: Duration) -> String {
    let phases = [
        ("read", read),
        ("split", timings.split),
        ("parse", timings.parse),
        ("lower", timings.lower),
        ("model", timings.model),
        ("capacity", timings.capacity),
        ("rules", timings.rules),
        ("render", render),
    ];
    let total: Duration = phases.iter().map(|(_, d)| *d).sum();
    let mut out = String::from("timings (wall clock):\n");
    for (name, duration) in phases.iter().chain([("total", total)].iter()) {
        out.push_str(&format!("  {name:<9}{:>10.1} ms\n", duration.as_secs_f64() * 1000.0));
    }
    out
}

/// With `--changed`, the files the branch changed, said in `verbose`.
fn changed_since(args: &CheckArgs, verbose: &mut VerboseLog) -> anyhow::Result<Option<ChangedFiles>> {
    if !args.changed {
        return Ok(None);
    }
    if stdin_name(args)?.is_some() {
        bail!(
            "--changed asks git which files changed, and standard input is no file; pass the paths, or drop --changed"
        );
    }
    // The repository is the one holding what is checked, wherever check runs from.
    let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let changed = changed_files(&start, args.since.as_deref())?;
    let count = changed.paths.len();
    verbose.push(format!("changed: {count} file{} since {}", if count == 1 { "" } else { "s" }, changed.base));
    Ok(Some(changed))
}

/// The name standard input goes by when it is what `check` reads: `-` as the only path, or
/// `--stdin-filename` (which implies `-`, as in ruff).
fn stdin_name(args: &CheckArgs) -> anyhow::Result<Option<String>> {
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    if dash && args.paths.len() > 1 {
        bail!("`-` reads standard input and must be the only path; run `schemacast check -` and `schemacast check PATH...` separately");
    }
    if !dash && !args.paths.is_empty() && args.stdin_filename.is_some() {
        bail!("--stdin-filename names what standard input stands for, which is read with `-`: run `schemacast check - --stdin-filename PATH < FILE`, or drop --stdin-filename");
    }
    if !dash && args.stdin_filename.is_none() {
        return Ok(None);
    }
    Ok(Some(args.stdin_filename.as_ref().map_or_else(|| "-".to_owned(), |p| p.display().to_string())))
}

fn rule_selection(args: &CheckArgs, config: Option<&Config>) -> anyhow::Result<RuleSelection> {
    let unknown = |name: String| anyhow!("unknown rule `{name}`{} (`schemacast rule` lists them)", did_you_mean(&name));
    let mut selection = config.map(|c| c.rule_selection()).unwrap_or_default();
    if !args.select.is_empty() {
        selection.only(&args.select).map_err(unknown)?;
    }
    for name in &args.ignore {
        selection.set(name, None).map_err(unknown)?;
    }
    Ok(selection)
}

fn analysis_options(config: Option<&(Config, PathBuf)>, stats: Option<StatsInput>) -> AnalysisOptions {
    let (snapshot, series) = match stats {
        Some(input) => (input.latest, Some(input.series)),
        None => (None, None),
    };
    AnalysisOptions {
        stats: snapshot,
        series,
        settings: config.map(|(c, _)| c.settings.clone()).unwrap_or_default(),
        capacity: config.map(|(c, _)| c.capacity.clone()).unwrap_or_default(),
        today: Some(today()),
        timings: false,
    }
}
