//! The stats file on disk: where it is, reading it, and appending snapshots so that a crash or a
//! concurrent writer never leaves a half-written line.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use schemacast_lints::stats::{read_history, read_stats, Snapshot, StatsHistory, StatsSeries};
use schemacast_lints::Config;

/// Where `collect` writes when neither `--stats` nor schemacast.toml says.
pub(crate) const DEFAULT_STATS_PATH: &str = ".schemacast/stats.jsonl";

/// How long a writer waits for another one to finish before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// `--stats`, else the config's `stats` (relative to the config file), else the default path
/// beside the config file or in the current directory.
pub(crate) fn stats_path(explicit: Option<&Path>, config: Option<&(Config, PathBuf)>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    match config {
        Some((config, base)) => base.join(config.stats.as_deref().unwrap_or(DEFAULT_STATS_PATH)),
        None => PathBuf::from(DEFAULT_STATS_PATH),
    }
}

/// Reads a stats file. A missing file is an error naming the path; bad lines are returned as
/// problems alongside the snapshots that did load.
pub(crate) fn read(path: &Path) -> anyhow::Result<StatsHistory> {
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            bail!("{}: no stats file here; run `schemacast collect --url URL` or `schemacast stats import FILE.csv` first", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read stats file", path.display())),
    };
    Ok(read_history(&text, &path.display().to_string()))
}

/// Reads a stats file for forecasting: its latest snapshot in full and every table's series,
/// decoding only what the forecast needs. Bad lines are in the series' problems.
pub(crate) fn read_for_forecast(path: &Path) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            bail!("{}: no stats file here; run `schemacast collect --url URL` or `schemacast stats import FILE.csv` first", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read stats file", path.display())),
    };
    Ok(read_stats(&bytes, &path.display().to_string()))
}

/// Appends snapshots to the stats file, all or nothing.
///
/// Under an exclusive lock on a sidecar lock file, the current content and the new lines are
/// written to a temporary file in the same directory, synced, and renamed over the stats file:
/// readers see the old file or the new one, never a partial line, whatever happens to this
/// process. `accept` is given a way to read the current history under the lock (only parsed
/// when asked for) and may refuse the append.
pub(crate) fn append(
    path: &Path,
    snapshots: &[Snapshot],
    accept: impl FnOnce(&dyn Fn() -> StatsHistory) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let shown = path.display().to_string();
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name =
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "stats.jsonl".to_owned());
    fs::create_dir_all(&directory)
        .with_context(|| format!("{}: cannot create the stats directory", directory.display()))?;

    let lock_path = directory.join(format!(".{file_name}.lock"));
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("{}: cannot create the lock file", lock_path.display()))?;
    lock_exclusively(&lock, &shown)?;

    let temp_prefix = format!(".{file_name}.tmp-");
    remove_stale_temporaries(&directory, &temp_prefix);

    let mut content = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("{shown}: cannot read stats file")),
    };
    accept(&|| read_history(&String::from_utf8_lossy(&content), &shown))?;
    if content.last().is_some_and(|&b| b != b'\n') {
        content.push(b'\n');
    }
    for snapshot in snapshots {
        content.extend_from_slice(snapshot.to_line().as_bytes());
    }

    let temp_path = directory.join(format!("{temp_prefix}{}", std::process::id()));
    let write = || -> io::Result<()> {
        let mut temp = OpenOptions::new().write(true).create(true).truncate(true).open(&temp_path)?;
        if let Ok(metadata) = fs::metadata(path) {
            temp.set_permissions(metadata.permissions())?;
        }
        temp.write_all(&content)?;
        temp.sync_all()?;
        fs::rename(&temp_path, path)?;
        // The rename itself must reach the disk for the new line to survive a power cut.
        if let Ok(dir) = File::open(&directory) {
            let _ = dir.sync_all();
        }
        Ok(())
    };
    if let Err(error) = write() {
        let _ = fs::remove_file(&temp_path);
        return Err(error).with_context(|| format!("{shown}: cannot write stats file (it is unchanged)"));
    }
    Ok(())
}

fn lock_exclusively(lock: &File, shown: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(fs::TryLockError::WouldBlock) => {
                bail!(
                    "{shown}: another schemacast has been writing this stats file for {} s; try again later",
                    LOCK_WAIT.as_secs()
                )
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("{shown}: cannot lock stats file"))
            }
        }
    }
}

/// Temporary files of writers that died before their rename. Only called under the lock, when
/// no other writer can be using one.
fn remove_stale_temporaries(directory: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(directory) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(at: &str) -> Snapshot {
        Snapshot::new(at.parse().unwrap())
    }

    #[test]
    fn appends_lines_and_keeps_what_was_there() {
        let dir = std::env::temp_dir().join(format!("schemacast-stats-file-{}", std::process::id()));
        let path = dir.join("nested/stats.jsonl");
        append(&path, &[snapshot("2026-01-01T00:00:00Z")], |_| Ok(())).unwrap();
        // A file whose last line lacks its newline (edited by hand) still gets whole lines.
        let mut text = fs::read_to_string(&path).unwrap();
        text.pop();
        fs::write(&path, &text).unwrap();
        append(&path, &[snapshot("2026-01-02T00:00:00Z")], |history| {
            assert_eq!(history().snapshots.len(), 1);
            Ok(())
        })
        .unwrap();
        let history = read(&path).unwrap();
        assert_eq!(history.snapshots.len(), 2);
        assert!(history.problems.is_empty(), "{:?}", history.problems);
        let refused = append(&path, &[snapshot("2026-01-03T00:00:00Z")], |_| bail!("no"));
        assert!(refused.is_err());
        assert_eq!(read(&path).unwrap().snapshots.len(), 2);
        let leftovers: Vec<_> =
            fs::read_dir(path.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 2, "only the stats file and its lock file: {leftovers:?}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
