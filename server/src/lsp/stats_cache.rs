//! The stats store as the language server reads it: the latest snapshot and the series, loaded
//! off the request path and cached, so typing never waits on the store.
//!
//! The cache is keyed by the store (its name and the database read) and a change marker: the
//! files' sizes and modification times (cheap, checked on each analysis), or for PostgreSQL the
//! newest snapshot id, polled at most every [`POLL`] in the background. A change starts one
//! background load; an analysis waits for it at most [`WAIT`] and otherwise goes on with what
//! was loaded before (nothing before the first load ends), so a store held locked by a writer,
//! or a slow server, delays no diagnostics. Each load that brings something new bumps a serial;
//! the server's watcher ([`StatsCache::poke`] every [`WATCH`]) re-analyses a project whose
//! latest analysis used an older one, so a slow load or a `collect` in another terminal shows
//! without waiting for the next edit.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use schemacast_lints::stats::{Snapshot, StatsSeries};

use crate::store::{Store, StoreStamp};

/// How often a PostgreSQL store is asked whether it changed.
pub(crate) const POLL: Duration = Duration::from_secs(5);

/// How long an analysis waits for a load it started before going on without it.
pub(crate) const WAIT: Duration = Duration::from_millis(300);

/// How often the server asks whether a project's store changed (for PostgreSQL, the question
/// itself is asked at most every [`POLL`]).
pub(crate) const WATCH: Duration = Duration::from_secs(1);

/// What the analysis uses of a store: the latest snapshot, the series and the problems.
#[derive(Clone)]
pub(crate) struct LoadedStats {
    pub latest: Option<Snapshot>,
    pub series: Arc<StatsSeries>,
    pub problems: Vec<(u32, String)>,
}

/// Which load an analysis used: 0 before any, then rising with each load that brought
/// something new, in this process (so it keeps rising when a project's caches are dropped).
pub(crate) type LoadSerial = u64;

static LAST_SERIAL: AtomicU64 = AtomicU64::new(0);

/// The store a cache entry is of: its name and the database read.
type StoreKey = (PathBuf, Option<String>);

#[derive(Default)]
struct Slot {
    key: Option<StoreKey>,
    /// The marker of what `loaded` holds.
    stamp: Option<StoreStamp>,
    loaded: Option<Result<LoadedStats, String>>,
    serial: LoadSerial,
    loading: bool,
    /// When a PostgreSQL store was last asked for its marker.
    polled: Option<Instant>,
}

/// Shared with the background loads.
#[derive(Clone, Default)]
pub(crate) struct StatsCache(Arc<Mutex<Slot>>);

impl StatsCache {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The stats to analyse with now: what is cached for `store` (and `database`), after
    /// starting a background load when the store changed and waiting for it at most [`WAIT`].
    /// `None` before anything was loaded. With it, the serial of that load.
    pub(crate) fn get(
        &self,
        store: &Store,
        database: Option<&str>,
    ) -> (Option<Result<LoadedStats, String>>, LoadSerial) {
        if let Some(done) = self.poke(store, database) {
            let _ = done.recv_timeout(WAIT);
        }
        let slot = self.slot();
        (slot.loaded.clone(), slot.serial)
    }

    /// Starts a background load if the store changed since the last one, without waiting for
    /// it; the returned receiver hears when it ends. For the watcher, and for [`get`](Self::get).
    pub(crate) fn poke(&self, store: &Store, database: Option<&str>) -> Option<mpsc::Receiver<()>> {
        let key: StoreKey = (store.path().to_path_buf(), database.map(str::to_owned));
        let mut slot = self.slot();
        if slot.key.as_ref() != Some(&key) {
            *slot = Slot { key: Some(key.clone()), ..Slot::default() };
        }
        self.start_load_if_changed(&mut slot, store, &key)
    }

    /// The serial of what is loaded now.
    pub(crate) fn serial(&self) -> LoadSerial {
        self.slot().serial
    }

    /// Starts a background load when the store's marker differs from the loaded one (for
    /// files, checked here; for PostgreSQL, by the background task at most every [`POLL`]).
    fn start_load_if_changed(&self, slot: &mut Slot, store: &Store, key: &StoreKey) -> Option<mpsc::Receiver<()>> {
        if slot.loading {
            return None;
        }
        let known = slot.stamp;
        let marker = if store.is_file() {
            let current = store.stamp();
            if current == known && slot.loaded.is_some() {
                return None;
            }
            Some(current)
        } else {
            if slot.polled.is_some_and(|at| at.elapsed() < POLL) {
                return None;
            }
            slot.polled = Some(Instant::now());
            None
        };
        slot.loading = true;
        let (done, receiver) = mpsc::channel();
        let (cache, store, key) = (self.clone(), store.clone(), key.clone());
        std::thread::spawn(move || {
            // For PostgreSQL the marker is read here, off the request path.
            let current = marker.unwrap_or_else(|| store.stamp());
            let unchanged = current.is_some() && current == known;
            let loaded = if unchanged { None } else { Some(load(&store, key.1.as_deref())) };
            let mut slot = cache.slot();
            if slot.key.as_ref() == Some(&key) {
                slot.loading = false;
                if let Some(loaded) = loaded {
                    slot.stamp = current;
                    slot.loaded = Some(loaded);
                    slot.serial = LAST_SERIAL.fetch_add(1, Ordering::Relaxed) + 1;
                }
            }
            drop(slot);
            let _ = done.send(());
        });
        Some(receiver)
    }
}

fn load(store: &Store, database: Option<&str>) -> Result<LoadedStats, String> {
    store
        .read_for_forecast(database)
        .map(|(latest, series)| {
            let problems = series.problems.iter().map(|p| (p.line, p.message.clone())).collect();
            LoadedStats { latest, series: Arc::new(series), problems }
        })
        .map_err(|error| format!("{error:#}"))
}
