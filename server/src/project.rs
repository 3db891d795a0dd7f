//! What every surface shares about a project: finding the config file, the schema files and
//! migration directories, and reading them (files, standard input), for the CLI commands and the
//! language server alike.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use schemacast_lints::dialect::{Dialect, DialectChoice};
use schemacast_lints::stats::{day_of, Snapshot, StatsSeries};
use schemacast_lints::Analysis;

use crate::store::{self, Store};
use schemacast_lints::config::CONFIG_FILE_NAME;
use schemacast_lints::schema::migrations::{is_migration_file, sort_migration_files, SQL_EXTENSIONS};
use schemacast_lints::{Config, SourceFile};

/// Files larger than this are refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The config named on the command line, or the first `schemacast.toml` found from `start`
/// upward. Returns the config and the directory its relative paths start from.
pub(crate) fn load_config(explicit: Option<&Path>, start: &Path) -> anyhow::Result<Option<(Config, PathBuf)>> {
    read_config(config_file(explicit, start).as_deref())
}

/// Which config file [`load_config`] reads: the one named, else the first found from `start` up.
pub(crate) fn config_file(explicit: Option<&Path>, start: &Path) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => find_upward(start),
    }
}

/// Reads and parses the config file at `path`, if any, with the directory its paths start from.
pub(crate) fn read_config(path: Option<&Path>) -> anyhow::Result<Option<(Config, PathBuf)>> {
    let Some(path) = path else { return Ok(None) };
    let text = fs::read_to_string(path).with_context(|| format!("{}: cannot read config file", path.display()))?;
    let config = Config::parse(&text, &path.display().to_string()).map_err(|e| anyhow!(e))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Some((config, base)))
}

/// The paths to read: those given on the command line, else the config's `schema` paths.
/// `command` names the subcommand in the error that says how to give them.
pub(crate) fn schema_paths(
    given: &[PathBuf],
    config: Option<&(Config, PathBuf)>,
    command: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    match config {
        Some((config, base)) if !config.schema.is_empty() => Ok(config.schema.iter().map(|p| base.join(p)).collect()),
        _ => bail!("no paths given and no `schema` paths in schemacast.toml; run `schemacast {command} PATH...`"),
    }
}

pub(crate) fn find_upward(start: &Path) -> Option<PathBuf> {
    let absolute = fs::canonicalize(search_start(start)).ok()?;
    absolute.ancestors().map(|dir| dir.join(CONFIG_FILE_NAME)).find(|candidate| candidate.is_file())
}

/// The directory [`find_upward`] starts from: `start`, or the directory of a file.
pub(crate) fn search_start(start: &Path) -> PathBuf {
    let start =
        if start.is_file() { start.parent().map(Path::to_path_buf).unwrap_or_default() } else { start.to_path_buf() };
    if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    }
}

/// Reads every path: a file as itself, a directory as a migration set in migration order.
pub(crate) fn read_sources(paths: &[PathBuf]) -> anyhow::Result<Vec<SourceFile>> {
    let mut sources = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if metadata.is_dir() {
            let files = migration_files(path)?;
            if files.is_empty() {
                bail!(
                    "{}: no SQL files in this directory (looked for {})",
                    path.display(),
                    SQL_EXTENSIONS.iter().map(|e| format!("*.{e}")).collect::<Vec<_>>().join(", ")
                );
            }
            for file in files {
                sources.push(read_source(&file)?);
            }
        } else {
            sources.push(read_source(path)?);
        }
    }
    Ok(sources)
}

pub(crate) fn migration_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut relative = Vec::new();
    collect_relative(dir, "", &mut relative)?;
    relative.retain(|p| is_migration_file(p));
    sort_migration_files(&mut relative);
    Ok(relative.into_iter().map(|r| dir.join(r)).collect())
}

fn collect_relative(dir: &Path, prefix: &str, out: &mut Vec<String>) -> anyhow::Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("{}: cannot list directory", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot list directory", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let relative = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        let file_type = entry.file_type().with_context(|| format!("{}: cannot read", entry.path().display()))?;
        if file_type.is_dir() {
            collect_relative(&entry.path(), &relative, out)?;
        } else {
            out.push(relative);
        }
    }
    Ok(())
}

/// A SQL file that could not be read, as a value: the language server puts `message` on `line`
/// of the file; commands print it as `path:line: message` (`path: message` without a line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SourceError {
    pub path: String,
    /// 1-based; `None` when the problem is the whole file (missing, too large, binary).
    pub line: Option<u32>,
    pub message: String,
}

impl SourceError {
    fn whole_file(path: &str, message: String) -> SourceError {
        SourceError { path: path.to_owned(), line: None, message }
    }
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for SourceError {}

pub(crate) fn read_source(path: &Path) -> Result<SourceFile, SourceError> {
    let shown = path.display().to_string();
    let unreadable = |error: io::Error| SourceError::whole_file(&shown, format!("cannot read: {error}"));
    let size = fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        let message = format!("{size} bytes is more than the {MAX_FILE_BYTES}-byte limit for one SQL file; split it");
        return Err(SourceError::whole_file(&shown, message));
    }
    let bytes = fs::read(path).map_err(unreadable)?;
    source_from_bytes(shown, bytes)
}

/// Standard input as one SQL file, named `name` in messages (`--stdin-filename`, else `-`).
pub(crate) fn read_stdin(name: &str) -> anyhow::Result<SourceFile> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{name}: cannot read standard input"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        bail!("{name}: standard input is more than the {MAX_FILE_BYTES}-byte limit for one SQL file; split it");
    }
    Ok(source_from_bytes(name.to_owned(), bytes)?)
}

/// SQL text from a file's bytes: refused when binary or not UTF-8, a byte order mark dropped.
fn source_from_bytes(shown: String, bytes: Vec<u8>) -> Result<SourceFile, SourceError> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(SourceError::whole_file(&shown, "binary file (it contains NUL bytes), not SQL text".to_owned()));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let line = error.as_bytes()[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            let message = "not valid UTF-8; convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)".to_owned();
            return Err(SourceError { path: shown, line: Some(line as u32), message });
        }
    };
    let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
    Ok(SourceFile { path: shown, text })
}

/// What a command read (config, stats, files), said on stderr under `--verbose`. Steps add
/// lines as they go and the command prints them once, before its output, so every step's
/// account (config discovery, stats, dialect detection, files) comes out together and in order.
#[derive(Debug, Default)]
pub(crate) struct VerboseLog {
    enabled: bool,
    lines: Vec<String>,
}

impl VerboseLog {
    pub(crate) fn new(enabled: bool) -> VerboseLog {
        VerboseLog { enabled, lines: Vec::new() }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Adds a line (kept only under `--verbose`; build costly lines behind [`Self::enabled`]).
    pub(crate) fn push(&mut self, line: impl Into<String>) {
        if self.enabled {
            self.lines.push(line.into());
        }
    }

    /// Writes the lines to stderr, each after `verbose: `, and forgets them.
    pub(crate) fn print(&mut self) {
        for line in self.lines.drain(..) {
            eprintln!("verbose: {line}");
        }
    }
}

/// A path as the user would write it: relative to the current directory when it lies below it.
pub(crate) fn shown_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty());
    relative.as_deref().unwrap_or(path).display().to_string()
}

/// Today in days since the epoch, at 00:00 UTC: where horizons start for tables without a
/// history. A whole day, so that every run of a day projects from the same origin (`check`'s
/// output does not change by the minute, and the language server's findings of an unchanged
/// table stay the same between edits).
pub(crate) fn today() -> f64 {
    day_of(jiff::Timestamp::now()).floor()
}

/// Which rule chose a stats file, for `--verbose`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatsOrigin {
    /// `--stats FILE`: it must exist.
    Explicit,
    /// `stats =` of schemacast.toml.
    Config,
    /// `.schemacast/stats.db` (or an older `.schemacast/stats.jsonl`), where `collect` writes
    /// when nothing says otherwise.
    Default,
}

impl StatsOrigin {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            StatsOrigin::Explicit => "given by --stats",
            StatsOrigin::Config => "`stats` of schemacast.toml",
            StatsOrigin::Default => "the default stats store",
        }
    }
}

/// A stats file read for a command: where it is, why, its latest snapshot and its history.
pub(crate) struct StatsInput {
    pub path: PathBuf,
    pub origin: StatsOrigin,
    pub latest: Option<Snapshot>,
    pub series: Arc<StatsSeries>,
}

impl StatsInput {
    /// " with stats from .schemacast/stats.jsonl taken 2026-12-01", for the summary line.
    pub(crate) fn summary_note(&self) -> String {
        let taken =
            self.latest.as_ref().map(|s| format!(" taken {}", s.taken_at.strftime("%Y-%m-%d"))).unwrap_or_default();
        format!(" with stats from {}{taken}", shown_path(&self.path))
    }
}

/// The stats store a command reads: `--stats`, which must exist; else the one `collect` writes
/// to (`stats` of schemacast.toml, else `.schemacast/stats.db`, or an existing
/// `.schemacast/stats.jsonl` where there is no stats.db, beside the config file or in the
/// current directory) when it exists: before the first `collect` it does not, and that is no
/// error. Bad snapshots are named on stderr and skipped.
pub(crate) fn find_stats(
    explicit: Option<&Path>,
    database: Option<&str>,
    config: Option<&(Config, PathBuf)>,
) -> anyhow::Result<Option<StatsInput>> {
    let (path, origin) = match explicit {
        Some(path) => (path.to_path_buf(), StatsOrigin::Explicit),
        None => {
            let path = store::store_path(None, config);
            let configured = config.is_some_and(|(c, _)| c.stats.is_some());
            if !configured && !path.exists() {
                return Ok(None);
            }
            (path, if configured { StatsOrigin::Config } else { StatsOrigin::Default })
        }
    };
    let store = Store::at(&path)?;
    if origin == StatsOrigin::Config && !store.exists() {
        return Ok(None);
    }
    let database = database.or(config.and_then(|(c, _)| c.database.as_deref()));
    let (latest, series) = store.read_for_forecast(database)?;
    for problem in &series.problems {
        eprintln!("warning: {problem}");
    }
    if latest.is_none() {
        bail!(
            "{}: no usable snapshots in this stats store; run `schemacast collect --url URL` to add one, or pass --stats FILE",
            store.shown()
        );
    }
    // A URL is shown without its password.
    let path = if store.is_file() { path } else { PathBuf::from(store.shown()) };
    Ok(Some(StatsInput { path, origin, latest, series: Arc::new(series) }))
}

/// The latest snapshot and the history's series of the stats file [`find_stats`] picks.
pub(crate) fn load_stats(
    explicit: Option<&Path>,
    database: Option<&str>,
    config: Option<&(Config, PathBuf)>,
) -> anyhow::Result<(Option<Snapshot>, Option<Arc<StatsSeries>>)> {
    Ok(match find_stats(explicit, database, config)? {
        Some(input) => (input.latest, Some(input.series)),
        None => (None, None),
    })
}

/// The dialect of a run (see [`schemacast_lints::dialect::choose`]).
pub(crate) fn choose_dialect(
    option: Option<Dialect>,
    config: Option<Dialect>,
    stats: Option<&schemacast_lints::stats::Snapshot>,
    sources: &[schemacast_lints::SourceFile],
) -> DialectChoice {
    let files: Vec<(&str, &str)> = sources.iter().map(|f| (f.path.as_str(), f.text.as_str())).collect();
    schemacast_lints::dialect::choose(option, config, stats.and_then(|s| s.dialect.as_deref()), &files)
}

/// Names on stderr each file none of whose statements was understood; returns how many.
pub(crate) fn report_unreadable(analysis: &Analysis, choice: &DialectChoice) -> usize {
    let mut count = 0;
    for file in analysis.unreadable_files() {
        count += 1;
        let first = &file.skipped[0];
        let at = file.lines.line_col(&file.text, first.range.start as usize);
        eprintln!(
            "error: {}: none of its {} statement{} was understood as {} SQL ({}; the first, at line {}: {}); \
             is it SQL, and in this dialect? (--dialect, or `dialect` in schemacast.toml)",
            file.path,
            file.skipped.len(),
            if file.skipped.len() == 1 { "" } else { "s" },
            choice.dialect.name(),
            choice.reason,
            at.line,
            first.error.trim_start_matches("sql parser error: ")
        );
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_error_prints_as_path_line_message() {
        let at_line =
            SourceError { path: "m/V2__x.sql".to_owned(), line: Some(3), message: "not valid UTF-8".to_owned() };
        assert_eq!(at_line.to_string(), "m/V2__x.sql:3: not valid UTF-8");
        let whole = SourceError::whole_file("m/V2__x.sql", "binary file".to_owned());
        assert_eq!(whole.to_string(), "m/V2__x.sql: binary file");
        let bytes = b"SELECT 1;\n-- caf\xe9\n".to_vec();
        let error = source_from_bytes("m/V2__x.sql".to_owned(), bytes).unwrap_err();
        assert_eq!((error.line, error.message.starts_with("not valid UTF-8;")), (Some(2), true));
        let missing = read_source(Path::new("/nonexistent/V1__x.sql")).unwrap_err();
        assert_eq!((missing.line, missing.message.starts_with("cannot read: ")), (None, true), "{missing}");
    }
}
