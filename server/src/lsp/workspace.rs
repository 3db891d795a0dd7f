//! Which files a document is analysed with: its `schemacast.toml`, the migration set it belongs
//! to (the configured `schema` paths, else its own directory), read from disk with open buffers
//! laid over them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::SystemTime;

use schemacast_lints::config::CONFIG_FILE_NAME;
use schemacast_lints::schema::migrations::is_migration_file;
use schemacast_lints::stats::{day_of, read_stats, Snapshot, StatsSeries};
use schemacast_lints::{AnalysisOptions, Config, RuleSelection, SourceFile};

use crate::project::{find_upward, migration_files, read_source};
use crate::stats_file::DEFAULT_STATS_PATH;

use super::settings::Settings;

/// A migration set and how to analyse it.
#[derive(Clone, Debug)]
pub(crate) struct Project {
    /// Identifies the project: the config file, or the directory (or file) analysed.
    pub key: PathBuf,
    pub config_path: Option<PathBuf>,
    pub config: Option<Config>,
    /// Files and directories making up the schema, in order.
    pub paths: Vec<PathBuf>,
}

/// Files read from disk, kept while their size and modification time stay the same, so that
/// an edit re-reads neither the other migrations nor a long stats history.
/// A file as last read: when, and its text or why it could not be read (line, message).
type CachedSource = (FileStamp, Result<SourceFile, (u32, String)>);

#[derive(Default)]
pub(crate) struct DiskCache {
    sources: HashMap<PathBuf, CachedSource>,
    stats: Option<(PathBuf, FileStamp, LoadedStats)>,
}

/// A stats file as the analysis uses it: the latest snapshot, the history's series and the
/// lines that could not be read.
#[derive(Clone)]
struct LoadedStats {
    latest: Option<Snapshot>,
    series: Arc<StatsSeries>,
    problems: Vec<(u32, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<FileStamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some(FileStamp { modified: metadata.modified().ok(), len: metadata.len() })
}

/// Problems found while gathering a project's inputs, shown to the user rather than fatal.
#[derive(Clone, Debug, Default)]
pub(crate) struct InputProblems {
    /// (path, line, message): a bad config or stats file, an unreadable SQL file.
    pub items: Vec<(PathBuf, u32, String)>,
}

pub(crate) fn project_for(file: &Path) -> Project {
    let directory = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let config_path = find_upward(&directory);
    let config = config_path.as_ref().and_then(|path| {
        std::fs::read_to_string(path).ok().and_then(|t| Config::parse(&t, &path.display().to_string()).ok())
    });
    if let (Some(path), Some(config)) = (&config_path, &config) {
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let paths: Vec<PathBuf> = config.schema.iter().map(|p| normalize(&base.join(p))).collect();
        if paths.iter().any(|p| file.starts_with(p) || file == p) {
            return Project { key: path.clone(), config_path: Some(path.clone()), config: Some(config.clone()), paths };
        }
    }
    let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let paths = if is_migration_file(&file_name) { vec![directory.clone()] } else { vec![file.to_path_buf()] };
    let key = paths[0].clone();
    Project { key, config_path, config, paths }
}

impl Project {
    pub fn selection(&self, settings: &Settings) -> RuleSelection {
        let mut selection = self.config.as_ref().map(|c| c.rule_selection()).unwrap_or_default();
        for (rule, level) in &settings.rules {
            let _ = selection.set(rule, *level);
        }
        selection
    }

    /// The stats file this project reads: the `stats` setting; else where `collect` writes, as
    /// for `check` (the config's `stats`, else `.schemacast/stats.jsonl` beside the config file,
    /// else in the server's current directory), read when it exists.
    pub fn stats_path(&self, settings: &Settings) -> Option<PathBuf> {
        if let Some(path) = &settings.stats {
            return Some(path.clone());
        }
        let configured = self.config.as_ref().and_then(|c| c.stats.as_deref()).unwrap_or(DEFAULT_STATS_PATH);
        match &self.config_path {
            Some(config_path) => Some(config_path.parent().map(Path::to_path_buf).unwrap_or_default().join(configured)),
            None => Some(std::env::current_dir().ok()?.join(DEFAULT_STATS_PATH)),
        }
    }

    /// The SQL files of the set, open buffers replacing their files' text, and options with the
    /// latest stats snapshot. Unreadable inputs become problems, never failures.
    pub fn inputs(
        &self,
        settings: &Settings,
        open: &HashMap<PathBuf, String>,
        cache: &Mutex<DiskCache>,
    ) -> (Vec<SourceFile>, AnalysisOptions, InputProblems) {
        let mut cache = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut problems = InputProblems::default();
        let sources = self.read_sql(open, &mut cache, &mut problems);
        let mut options = AnalysisOptions {
            settings: self.config.as_ref().map(|c| c.settings.clone()).unwrap_or_default(),
            capacity: self.config.as_ref().map(|c| c.capacity.clone()).unwrap_or_default(),
            today: Some(day_of(jiff::Timestamp::now())),
            ..AnalysisOptions::default()
        };
        self.read_stats_into(settings, &mut cache, &mut options, &mut problems);
        self.config_problem(&mut problems);
        (sources, options, problems)
    }

    /// The set's SQL: open buffers as they are, other files from disk unless unchanged since
    /// the last read, and buffers of the set not saved yet.
    fn read_sql(
        &self,
        open: &HashMap<PathBuf, String>,
        cache: &mut DiskCache,
        problems: &mut InputProblems,
    ) -> Vec<SourceFile> {
        let mut files: Vec<PathBuf> = Vec::new();
        for path in &self.paths {
            if path.is_dir() {
                match migration_files(path) {
                    Ok(found) => files.extend(found),
                    Err(error) => problems.items.push((path.clone(), 1, format!("{error:#}"))),
                }
            } else {
                files.push(path.clone());
            }
        }
        let mut sources = Vec::new();
        for file in &files {
            let normalized = normalize(file);
            if let Some(text) = open.get(&normalized) {
                sources.push(SourceFile { path: normalized.display().to_string(), text: text.clone() });
                continue;
            }
            let current = stamp(file);
            let cached = cache
                .sources
                .get(&normalized)
                .filter(|(stamp, _)| Some(*stamp) == current)
                .map(|(_, read)| read.clone());
            let read = match cached {
                Some(read) => read,
                None => {
                    let read = match read_source(file) {
                        Ok(mut source) => {
                            source.path = normalized.display().to_string();
                            Ok(source)
                        }
                        // The message names the file and line already; keep only what is wrong.
                        Err(error) => Err(split_location(&format!("{error:#}"), &file.display().to_string())),
                    };
                    if let Some(stamp) = current {
                        cache.sources.insert(normalized.clone(), (stamp, read.clone()));
                    }
                    read
                }
            };
            match read {
                Ok(source) => sources.push(source),
                Err((line, message)) => problems.items.push((file.clone(), line, message)),
            }
        }
        // Open buffers of this set that are not on disk yet.
        for (path, text) in open {
            let belongs = self.paths.iter().any(|p| path.starts_with(p) || path == p);
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let listed = sources.iter().any(|s| Path::new(&s.path) == path);
            if belongs && !listed && (is_migration_file(&name) || self.paths.contains(path)) {
                sources.push(SourceFile { path: path.display().to_string(), text: text.clone() });
            }
        }
        sources
    }

    /// The stats file's latest snapshot and series into `options`, reread only when it changed.
    fn read_stats_into(
        &self,
        settings: &Settings,
        cache: &mut DiskCache,
        options: &mut AnalysisOptions,
        problems: &mut InputProblems,
    ) {
        if let Some(path) = self.stats_path(settings) {
            let current = stamp(&path).filter(|_| path.is_file());
            let cached = match (&cache.stats, current) {
                (Some((cached_path, stamp, loaded)), Some(current)) if *cached_path == path && *stamp == current => {
                    Some(loaded.clone())
                }
                _ => None,
            };
            let read = match cached {
                Some(read) => Ok(read),
                None => std::fs::read(&path).map(|bytes| {
                    let (latest, series) = read_stats(&bytes, &path.display().to_string());
                    let problems = series.problems.iter().map(|p| (p.line, p.message.clone())).collect();
                    let loaded = LoadedStats { latest, series: Arc::new(series), problems };
                    if let Some(stamp) = current {
                        cache.stats = Some((path.clone(), stamp, loaded.clone()));
                    }
                    loaded
                }),
            };
            match read {
                Ok(loaded) => {
                    for (line, message) in loaded.problems {
                        problems.items.push((path.clone(), line, message));
                    }
                    options.stats = loaded.latest;
                    options.series = Some(loaded.series);
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound && settings.stats.is_none() => {}
                Err(error) => problems.items.push((
                    self.config_path.clone().unwrap_or(path.clone()),
                    1,
                    format!("cannot read stats file {}: {error}", path.display()),
                )),
            }
        }
    }

    /// A config file that does not parse (the project then runs on defaults) is a problem.
    fn config_problem(&self, problems: &mut InputProblems) {
        if let Some(config_path) = &self.config_path {
            if self.config.is_none() {
                if let Ok(text) = std::fs::read_to_string(config_path) {
                    if let Err(error) = Config::parse(&text, &config_path.display().to_string()) {
                        problems.items.push((config_path.clone(), error.line, error.message));
                    }
                }
            }
        }
    }
}

/// An absolute path without `.` and `..` parts, so the same file always has the same key.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether a changed file should make projects re-read their inputs.
pub(crate) fn is_relevant_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name == CONFIG_FILE_NAME || name.ends_with(".jsonl") || is_migration_file(&name) || name.ends_with(".sql")
}

/// `path:line: message` → (line, message); other messages are on line 1.
fn split_location(message: &str, path: &str) -> (u32, String) {
    if let Some(rest) = message.strip_prefix(path).and_then(|r| r.strip_prefix(':')) {
        if let Some((line, text)) = rest.split_once(": ") {
            if let Ok(line) = line.parse() {
                return (line, text.to_owned());
            }
        }
        return (1, rest.trim_start_matches(' ').to_owned());
    }
    (1, message.to_owned())
}
