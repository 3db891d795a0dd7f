//! Where stats snapshots are kept: one selection rule (the `stats` setting or `--stats` names
//! the store; its form picks the backend) and the operations every command needs, whatever the
//! backend: append snapshots all or nothing, read the whole history, read for forecasting.

mod jsonl;
mod postgres;
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
const ACCEPTED_FORMS: &str =
    "name a file ending in .db or .sqlite (an SQLite store) or .jsonl (a JSON Lines file), or a postgres:// URL";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    JsonLines,
    Sqlite,
    Postgres,
}

/// A stats store, named and of a known backend; nothing is opened until an operation asks.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    path: PathBuf,
    backend: Backend,
}

/// What a store looked like, so a reader that caches it (the language server) rereads it only
/// when it changed. For files, their modification times and sizes (SQLite's write-ahead log is
/// part of it: a commit may touch only the log); for PostgreSQL, the newest snapshot id and the
/// number of snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StoreStamp {
    Files([Option<(Option<SystemTime>, u64)>; 2]),
    Rows(i64, i64),
}

fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl Store {
    /// The store a name designates: `.db`/`.sqlite` is SQLite, `.jsonl` the JSON Lines file, a
    /// `postgres://` URL the PostgreSQL store; anything else is an error saying what is accepted.
    pub(crate) fn at(path: &Path) -> anyhow::Result<Store> {
        let location = path.to_string_lossy();
        if is_postgres_url(&location) {
            return Ok(Store { path: path.to_path_buf(), backend: Backend::Postgres });
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

    /// The store's name for messages: a URL without its password.
    pub(crate) fn shown(&self) -> String {
        match self.backend {
            Backend::Postgres => crate::collect::redact(&self.path.to_string_lossy()),
            _ => self.path.display().to_string(),
        }
    }

    fn url(&self) -> std::borrow::Cow<'_, str> {
        self.path.to_string_lossy()
    }

    pub(crate) fn is_file(&self) -> bool {
        self.backend != Backend::Postgres
    }

    #[cfg(test)]
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the store holds a history (for PostgreSQL: has its schema; an unreachable
    /// server counts as not).
    pub(crate) fn exists(&self) -> bool {
        match self.backend {
            Backend::Postgres => postgres::exists(&self.url()),
            _ => self.path.is_file(),
        }
    }

    /// Every snapshot (of `database` when named), oldest first, and a problem for each one
    /// that could not be used. A missing store is an error naming it.
    pub(crate) fn read(&self, database: Option<&str>) -> anyhow::Result<StatsHistory> {
        let mut history = match self.backend {
            Backend::JsonLines => jsonl::read(&self.path)?,
            Backend::Sqlite => sqlite::read(&self.path)?,
            Backend::Postgres => return postgres::read(&self.url(), database),
        };
        if let Some(database) = database {
            history.snapshots.retain(|s| s.database.as_deref().unwrap_or("") == database);
        }
        Ok(history)
    }

    /// The databases the store holds, the one of the latest snapshot last.
    pub(crate) fn databases(&self) -> anyhow::Result<Vec<String>> {
        match self.backend {
            Backend::Postgres => postgres::databases(&self.url()),
            _ => {
                let history = self.read(None)?;
                Ok(databases_in_order(history.snapshots.iter().map(|s| s.database.as_deref().unwrap_or(""))))
            }
        }
    }

    /// The latest snapshot in full and every table's series of one database (`database`, else
    /// that of the latest snapshot), decoding only what forecasting needs. An unknown database
    /// is an error listing those the store holds.
    pub(crate) fn read_for_forecast(&self, database: Option<&str>) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
        match self.backend {
            Backend::JsonLines => jsonl::read_for_forecast(&self.path, database),
            Backend::Sqlite => sqlite::read_for_forecast(&self.path, database),
            Backend::Postgres => postgres::read_for_forecast(&self.url(), database),
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
            Backend::Postgres => postgres::append(&self.url(), snapshots, accept),
        }
    }

    /// The store's change marker (`None` while it does not exist or cannot be reached): its
    /// files' modification times and sizes, or for PostgreSQL one cheap `max(id)` query.
    pub(crate) fn stamp(&self) -> Option<StoreStamp> {
        let of = |path: &Path| std::fs::metadata(path).ok().map(|m| (m.modified().ok(), m.len()));
        let log = match self.backend {
            Backend::Sqlite => of(&sqlite::wal_path(&self.path)),
            Backend::JsonLines => None,
            Backend::Postgres => {
                return postgres::marker(&self.url()).ok().filter(|m| m.1 > 0).map(|(id, n)| StoreStamp::Rows(id, n))
            }
        };
        let main = of(&self.path)?;
        Some(StoreStamp::Files([Some(main), log]))
    }
}

/// The distinct databases of snapshots given oldest first, ordered by their latest snapshot
/// (so the database of the latest snapshot is last).
pub(crate) fn databases_in_order<'a>(oldest_first: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for database in oldest_first {
        if let Some(at) = order.iter().position(|d| d == database) {
            order.remove(at);
        }
        order.push(database.to_owned());
    }
    order
}

/// The database to forecast: `wanted` if the store holds it (an error listing those it holds
/// otherwise), else the latest snapshot's (the last of `all`); `None` for an empty store.
pub(crate) fn pick_database(wanted: Option<&str>, all: &[String], shown: &str) -> anyhow::Result<Option<String>> {
    match wanted {
        Some(name) if all.iter().any(|d| d == name) => Ok(Some(name.to_owned())),
        Some(name) => {
            let listed: Vec<String> =
                all.iter().map(|d| if d.is_empty() { "'' (unnamed)".to_owned() } else { d.clone() }).collect();
            if listed.is_empty() {
                bail!("{shown}: no database `{name}`: the store holds no snapshots yet");
            }
            bail!("{shown}: no database `{name}` in the store; it holds: {}", listed.join(", "))
        }
        None => Ok(all.last().cloned()),
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

/// A snapshot's row in a database-backed store: its id, when, and of which database.
struct SnapshotRow {
    id: i64,
    taken_at_ns: i64,
    database: String,
}

/// The rows oldest first, keeping the first appended of two of the same instant and reporting
/// the other (by snapshot id) as the JSON Lines reader reports a duplicate line.
fn first_of_each_instant(
    mut rows: Vec<SnapshotRow>,
    shown: &str,
) -> (Vec<SnapshotRow>, Vec<schemacast_lints::stats::StatsProblem>) {
    rows.sort_by_key(|r| (r.taken_at_ns, r.id));
    let mut problems = Vec::new();
    let mut kept: Vec<SnapshotRow> = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(first) = kept.last().filter(|k| k.taken_at_ns == row.taken_at_ns) {
            problems.push(schemacast_lints::stats::StatsProblem {
                path: shown.to_owned(),
                line: u32::try_from(row.id).unwrap_or(u32::MAX),
                message: format!(
                    "duplicate taken_at {}: snapshot {} has a snapshot of the same instant; this one is ignored",
                    jiff::Timestamp::from_nanosecond(i128::from(row.taken_at_ns)).unwrap_or_default(),
                    first.id
                ),
            });
            continue;
        }
        kept.push(row);
    }
    (kept, problems)
}

/// The day of each usable snapshot, indexed by snapshot id (ids are dense: one per append), so
/// the millions of rows a long history holds are matched to their day without hashing.
struct SnapshotDays(Vec<Option<f64>>);

impl SnapshotDays {
    /// The days of `rows` by id, and the same days in the rows' order.
    fn of_rows(rows: &[SnapshotRow]) -> anyhow::Result<(SnapshotDays, Vec<f64>)> {
        let mut days = SnapshotDays(Vec::new());
        let mut in_order = Vec::with_capacity(rows.len());
        for row in rows {
            let taken_at = jiff::Timestamp::from_nanosecond(i128::from(row.taken_at_ns))?;
            let day = schemacast_lints::stats::day_of(taken_at);
            let Some(index) = SnapshotDays::of(row.id) else { continue };
            if days.0.len() <= index {
                days.0.resize(index + 1, None);
            }
            days.0[index] = Some(day);
            in_order.push(day);
        }
        Ok((days, in_order))
    }

    /// An id as an index (ids of tables too: they are as dense).
    fn of(id: i64) -> Option<usize> {
        usize::try_from(id).ok()
    }

    fn get(&self, id: i64) -> Option<f64> {
        Self::of(id).and_then(|i| self.0.get(i).copied().flatten())
    }
}
