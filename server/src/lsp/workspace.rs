//! Which files a document is analysed with: its `schemacast.toml`, the migration set it belongs
//! to (the configured `schema` paths, else its own directory), read from disk with open buffers
//! laid over them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use schemacast_lints::config::CONFIG_FILE_NAME;
use schemacast_lints::schema::migrations::is_migration_file;
use schemacast_lints::{AnalysisOptions, Config, RuleSelection, SourceFile};

use crate::project::{find_upward, migration_files, read_source, SourceError};
use crate::store::{default_store_in, Store};

use super::stats_cache::{LoadSerial, StatsCache};

use super::settings::Settings;

/// A project's stats store and the database named for it, or why it could not be opened.
pub type OpenedStore = Result<(Store, Option<String>), String>;

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
/// A file as last read: when, and its text or why it could not be read.
type CachedSource = (FileStamp, Result<SourceFile, SourceError>);

/// What an analysis reads: the SQL, the options with the stats, the problems met, and which
/// load of the stats cache it used.
pub(crate) struct Inputs {
    pub sources: Vec<SourceFile>,
    pub options: AnalysisOptions,
    pub problems: InputProblems,
    pub stats_serial: LoadSerial,
}

#[derive(Default)]
pub(crate) struct DiskCache {
    sources: HashMap<PathBuf, CachedSource>,
    stats: StatsCache,
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

/// Which of a project's inputs a problem concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    /// `schemacast.toml` does not parse; the project runs on defaults.
    Config,
    /// The stats file cannot be read, or some of its lines cannot.
    Stats,
    /// A SQL file or migration directory cannot be read.
    Sql,
}

/// A problem found while gathering a project's inputs, shown to the user rather than fatal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InputProblem {
    /// The file at fault (for an unreadable stats file, the config naming it when there is one).
    pub path: PathBuf,
    /// 1-based.
    pub line: u32,
    pub input: Input,
    pub message: String,
}

impl InputProblem {
    /// Whether the problem sits in `schemacast.toml`, which the user is told about at once.
    pub fn in_config_file(&self) -> bool {
        self.path.file_name().is_some_and(|name| name == CONFIG_FILE_NAME)
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Problems found while gathering a project's inputs, in the order they were found.
#[derive(Clone, Debug, Default)]
pub(crate) struct InputProblems {
    pub items: Vec<InputProblem>,
}

impl InputProblems {
    fn push(&mut self, path: PathBuf, line: u32, input: Input, message: String) {
        self.items.push(InputProblem { path, line, input, message });
    }
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
        // Outside the configured set (a scratch query, a data dump): analysed alone, so that
        // the directory around it, dumps and all, is never read.
        let key = file.to_path_buf();
        return Project {
            key: key.clone(),
            config_path: Some(path.clone()),
            config: Some(config.clone()),
            paths: vec![key],
        };
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

    /// The stats store this project reads: the `stats` setting; else where `collect` writes, as
    /// for `check` (the config's `stats`, else `.schemacast/stats.db`, or an existing
    /// `.schemacast/stats.jsonl`, beside the config file, else in the server's current
    /// directory), read when it exists.
    pub fn stats_path(&self, settings: &Settings) -> Option<PathBuf> {
        if let Some(path) = &settings.stats {
            return Some(path.clone());
        }
        let directory = match &self.config_path {
            Some(config_path) => config_path.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => std::env::current_dir().ok()?,
        };
        match self.config.as_ref().and_then(|c| c.stats.as_deref()) {
            Some(configured) if configured.contains("://") => Some(PathBuf::from(configured)),
            Some(configured) => Some(directory.join(configured)),
            None => Some(default_store_in(&directory)),
        }
    }

    /// The SQL files of the set, open buffers replacing their files' text, and options with the
    /// latest stats snapshot. Unreadable inputs become problems, never failures.
    pub fn inputs(&self, settings: &Settings, open: &HashMap<PathBuf, String>, cache: &Mutex<DiskCache>) -> Inputs {
        let mut cache = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut problems = InputProblems::default();
        let sources = self.read_sql(open, &mut cache, &mut problems);
        let mut options = AnalysisOptions {
            settings: self.config.as_ref().map(|c| c.settings.clone()).unwrap_or_default(),
            capacity: self.config.as_ref().map(|c| c.capacity.clone()).unwrap_or_default(),
            today: Some(crate::project::today()),
            ..AnalysisOptions::default()
        };
        let stats_serial = self.read_stats_into(settings, &mut cache, &mut options, &mut problems);
        self.config_problem(&mut problems);
        Inputs { sources, options, problems, stats_serial }
    }

    /// The set's SQL: open buffers as they are, other files from disk unless unchanged since
    /// the last read, and buffers of the set not saved yet.
    fn read_sql(
        &self,
        open: &HashMap<PathBuf, String>,
        cache: &mut DiskCache,
        problems: &mut InputProblems,
    ) -> Vec<SourceFile> {
        let mut sources = Vec::new();
        for file in self.sql_files(problems) {
            let normalized = normalize(&file);
            if let Some(text) = open.get(&normalized) {
                sources.push(SourceFile { path: normalized.display().to_string(), text: text.clone() });
                continue;
            }
            match cache.read(&file, &normalized) {
                Ok(source) => sources.push(source),
                Err(error) => problems.push(file, error.line.unwrap_or(1), Input::Sql, error.message),
            }
        }
        self.add_unsaved_buffers(open, &mut sources);
        sources
    }

    /// The files of the set, directories expanded to their migrations in order.
    fn sql_files(&self, problems: &mut InputProblems) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = Vec::new();
        for path in &self.paths {
            if path.is_dir() {
                match migration_files(path) {
                    Ok(found) => files.extend(found),
                    Err(error) => problems.push(path.clone(), 1, Input::Sql, format!("{error:#}")),
                }
            } else {
                files.push(path.clone());
            }
        }
        files
    }

    /// Open buffers of this set that are not on disk yet.
    fn add_unsaved_buffers(&self, open: &HashMap<PathBuf, String>, sources: &mut Vec<SourceFile>) {
        for (path, text) in open {
            let belongs = self.paths.iter().any(|p| path.starts_with(p) || path == p);
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let listed = sources.iter().any(|s| Path::new(&s.path) == path);
            if belongs && !listed && (is_migration_file(&name) || self.paths.contains(path)) {
                sources.push(SourceFile { path: path.display().to_string(), text: text.clone() });
            }
        }
    }

    /// The store this project reads and the database read from it, when there is one to read:
    /// before the first `collect` there is no store, and that is no problem. A name that is no
    /// store's is the error.
    pub fn stats_store(&self, settings: &Settings) -> Option<(PathBuf, OpenedStore)> {
        let path = self.stats_path(settings)?;
        let database = self.config.as_ref().and_then(|c| c.database.clone());
        match Store::at(&path) {
            Err(error) => Some((path, Err(format!("{error:#}")))),
            Ok(store) if store.is_file() && !store.path().exists() && settings.stats.is_none() => None,
            Ok(store) => Some((path, Ok((store, database)))),
        }
    }

    /// The stats store's latest snapshot and series into `options`: as cached, loaded in the
    /// background when the store changed ([`StatsCache`]), so the store never holds up typing.
    /// Returns the serial of the load used.
    fn read_stats_into(
        &self,
        settings: &Settings,
        cache: &mut DiskCache,
        options: &mut AnalysisOptions,
        problems: &mut InputProblems,
    ) -> LoadSerial {
        let Some((path, store)) = self.stats_store(settings) else { return 0 };
        let (store, database) = match store {
            Ok(store) => store,
            Err(error) => {
                self.stats_problem(&path, &error, problems);
                return 0;
            }
        };
        let (loaded, serial) = cache.stats.get(&store, database.as_deref());
        match loaded {
            None => {}
            Some(Ok(loaded)) => {
                for (line, message) in loaded.problems {
                    problems.push(path.clone(), line, Input::Stats, message);
                }
                options.stats = loaded.latest;
                options.series = Some(loaded.series);
            }
            Some(Err(error)) => self.stats_problem(&path, &error, problems),
        }
        serial
    }

    fn stats_problem(&self, path: &Path, error: &str, problems: &mut InputProblems) {
        let shown = Store::at(path).map_or_else(|_| path.display().to_string(), |store| store.shown());
        problems.push(
            self.config_path.clone().unwrap_or(path.to_path_buf()),
            1,
            Input::Stats,
            format!("cannot read stats file {shown}: {error}"),
        );
    }

    /// A config file that does not parse (the project then runs on defaults) is a problem.
    fn config_problem(&self, problems: &mut InputProblems) {
        if let Some(config_path) = &self.config_path {
            if self.config.is_none() {
                if let Ok(text) = std::fs::read_to_string(config_path) {
                    if let Err(error) = Config::parse(&text, &config_path.display().to_string()) {
                        problems.push(config_path.clone(), error.line, Input::Config, error.message);
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

impl DiskCache {
    /// The stats cache, shared with its background loads.
    pub(crate) fn stats(&self) -> StatsCache {
        self.stats.clone()
    }

    /// A file's text, or why it cannot be read, from the last read while its size and
    /// modification time stay the same.
    fn read(&mut self, file: &Path, normalized: &Path) -> Result<SourceFile, SourceError> {
        let current = stamp(file);
        if let Some((_, read)) = self.sources.get(normalized).filter(|(stamp, _)| Some(*stamp) == current) {
            return read.clone();
        }
        let read = read_source(file).map(|mut source| {
            source.path = normalized.display().to_string();
            source
        });
        if let Some(stamp) = current {
            self.sources.insert(normalized.to_path_buf(), (stamp, read.clone()));
        }
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary one, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("schemacast-workspace-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(normalize(&dir))
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn each_unreadable_input_is_a_typed_problem_on_its_file_and_line() {
        let dir = TempDir::new("problems");
        let migrations = dir.0.join("migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::write(migrations.join("V1__ok.sql"), "CREATE TABLE a (id int);\n").unwrap();
        std::fs::write(migrations.join("V2__latin1.sql"), b"-- ok\n-- caf\xe9\n".as_slice()).unwrap();
        let config_path = dir.0.join(CONFIG_FILE_NAME);
        std::fs::write(&config_path, "schema = [\"migrations\"]\n\nnot toml\n").unwrap();
        // The config does not parse, so the project runs on defaults with its file's directory.
        let project = project_for(&migrations.join("V1__ok.sql"));
        let settings = Settings { stats: Some(dir.0.join("missing.jsonl")), ..Settings::default() };
        let Inputs { sources, problems, .. } = project.inputs(&settings, &HashMap::new(), &Mutex::default());
        assert_eq!(sources.len(), 1);
        let found: Vec<(PathBuf, u32, Input)> =
            problems.items.iter().map(|p| (p.path.clone(), p.line, p.input)).collect();
        assert_eq!(
            found,
            [
                (migrations.join("V2__latin1.sql"), 2, Input::Sql),
                (config_path.clone(), 1, Input::Stats),
                (config_path.clone(), 3, Input::Config),
            ]
        );
        assert!(problems.items[0].message.starts_with("not valid UTF-8;"), "{:?}", problems.items[0]);
        assert!(problems.items[1].message.starts_with("cannot read stats file "), "{:?}", problems.items[1]);
        assert!(!problems.items[0].in_config_file());
        assert!(problems.items[2].in_config_file());
        assert_eq!(problems.items[0].to_string(), format!("{}:2: {}", found[0].0.display(), problems.items[0].message));
    }
}
