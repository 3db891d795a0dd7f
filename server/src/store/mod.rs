//! Where stats snapshots are kept: one selection rule (the `stats` setting or `--stats` names
//! the store; its form picks the backend) and the operations every command needs, whatever the
//! backend: append snapshots all or nothing, read the whole history, read for forecasting.

mod jsonl;
mod sqlite;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::bail;
use schemacast_lints::stats::{Snapshot, StatsHistory, StatsSeries};
use schemacast_lints::Config;

/// Where `collect` writes when neither `--stats` nor schemacast.toml says, and no older
/// default store exists.
pub(crate) const DEFAULT_STORE: &str = ".schemacast/stats.db";

/// The default store before SQLite: kept in use where it exists and `stats.db` does not.
pub(crate) const LEGACY_DEFAULT_STORE: &str = ".schemacast/stats.jsonl";

/// The forms a store's name may take, for error messages.
const ACCEPTED_FORMS: &str = "name a file ending in .db or .sqlite (an SQLite store) or .jsonl (a JSON Lines file)";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    JsonLines,
    Sqlite,
}

/// A stats store, named and of a known backend; nothing is opened until an operation asks.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    path: PathBuf,
    backend: Backend,
}

/// What a store looked like on disk, so a reader that caches it (the language server) rereads
/// it only when it changed. SQLite's write-ahead log is part of it: a commit may touch only
/// the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StoreStamp {
    files: [Option<(Option<SystemTime>, u64)>; 2],
}

fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl Store {
    /// The store a name designates: `.db`/`.sqlite` is SQLite, `.jsonl` the JSON Lines file; a
    /// PostgreSQL URL and anything else are errors saying what is accepted.
    pub(crate) fn at(path: &Path) -> anyhow::Result<Store> {
        let location = path.to_string_lossy();
        if is_postgres_url(&location) {
            bail!("a PostgreSQL stats store is not supported yet; {ACCEPTED_FORMS}");
        }
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let backend = match extension.as_deref() {
            Some("db" | "sqlite") => Backend::Sqlite,
            Some("jsonl") => Backend::JsonLines,
            _ => bail!("{location}: not a stats store name; {ACCEPTED_FORMS}"),
        };
        Ok(Store { path: path.to_path_buf(), backend })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    #[cfg(test)]
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn exists(&self) -> bool {
        self.path.is_file()
    }

    /// Every snapshot, oldest first, and a problem for each one that could not be used. A
    /// missing store is an error naming it.
    pub(crate) fn read(&self) -> anyhow::Result<StatsHistory> {
        match self.backend {
            Backend::JsonLines => jsonl::read(&self.path),
            Backend::Sqlite => sqlite::read(&self.path),
        }
    }

    /// The latest snapshot in full and every table's series, decoding only what forecasting
    /// needs.
    pub(crate) fn read_for_forecast(&self) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
        match self.backend {
            Backend::JsonLines => jsonl::read_for_forecast(&self.path),
            Backend::Sqlite => sqlite::read_for_forecast(&self.path),
        }
    }

    /// Appends snapshots all or nothing. `accept` is given a way to read the current history
    /// while no other writer can change it, and may refuse the append (`stats import` refuses
    /// snapshots of instants the store already holds).
    pub(crate) fn append(
        &self,
        snapshots: &[Snapshot],
        accept: impl FnOnce(&dyn Fn() -> StatsHistory) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        match self.backend {
            Backend::JsonLines => jsonl::append(&self.path, snapshots, accept),
            Backend::Sqlite => sqlite::append(&self.path, snapshots, accept),
        }
    }

    /// The store's files' modification times and sizes (`None` while it does not exist).
    pub(crate) fn stamp(&self) -> Option<StoreStamp> {
        let of = |path: &Path| std::fs::metadata(path).ok().map(|m| (m.modified().ok(), m.len()));
        let main = of(&self.path)?;
        let log = match self.backend {
            Backend::Sqlite => of(&sqlite::wal_path(&self.path)),
            Backend::JsonLines => None,
        };
        Some(StoreStamp { files: [Some(main), log] })
    }
}

/// The default store in `directory`: `.schemacast/stats.db`, unless only the older
/// `.schemacast/stats.jsonl` exists there, which is then kept in use.
pub(crate) fn default_store_in(directory: &Path) -> PathBuf {
    let sqlite = directory.join(DEFAULT_STORE);
    let legacy = directory.join(LEGACY_DEFAULT_STORE);
    if !sqlite.exists() && legacy.is_file() {
        legacy
    } else {
        sqlite
    }
}

/// `--stats`, else the config's `stats` (a path relative to the config file, or a URL as
/// written), else the default store beside the config file or in the current directory.
pub(crate) fn store_path(explicit: Option<&Path>, config: Option<&(Config, PathBuf)>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    match config {
        Some((config, base)) => match config.stats.as_deref() {
            Some(url) if is_postgres_url(url) => PathBuf::from(url),
            Some(configured) => base.join(configured),
            None => default_store_in(base),
        },
        None => default_store_in(Path::new("")),
    }
}
