//! The JSON Lines stats store: reading it, and appending snapshots so that a crash or a
//! concurrent writer never costs a whole snapshot, and readers never take half of one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use schemacast_lints::stats::{read_history, read_stats, without_torn_tail, Snapshot, StatsHistory, StatsSeries};

/// How long a writer waits for another one to finish before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Reads a stats file. A missing file is an error naming the path; bad lines are returned as
/// problems alongside the snapshots that did load.
pub(super) fn read(path: &Path) -> anyhow::Result<StatsHistory> {
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
pub(super) fn read_for_forecast(
    path: &Path,
    database: Option<&str>,
) -> anyhow::Result<(Option<Snapshot>, StatsSeries)> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            bail!("{}: no stats file here; run `schemacast collect --url URL` or `schemacast stats import FILE.csv` first", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read stats file", path.display())),
    };
    let shown = path.display().to_string();
    let bytes = of_one_database(bytes, database, &shown)?;
    Ok(read_stats(&bytes, &shown))
}

/// The file's lines of one database (`database`, else the latest snapshot's). The other
/// databases' lines are blanked, not removed, so problems keep their line numbers; lines that
/// are not snapshots stay, to be reported.
fn of_one_database(bytes: Vec<u8>, database: Option<&str>, shown: &str) -> anyhow::Result<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct Head {
        database: Option<String>,
        taken_at: Option<jiff::Timestamp>,
    }
    let heads: Vec<Option<Head>> = without_torn_tail(&bytes)
        .split(|b| *b == b'\n')
        .map(|line| serde_json::from_slice::<Head>(line).ok().filter(|h| h.taken_at.is_some()))
        .collect();
    let mut in_time: Vec<(jiff::Timestamp, &str)> =
        heads.iter().flatten().filter_map(|h| Some((h.taken_at?, h.database.as_deref().unwrap_or("")))).collect();
    in_time.sort_by_key(|(at, _)| *at);
    let all = super::databases_in_order(in_time.iter().map(|(_, d)| *d));
    let Some(wanted) = super::pick_database(database, &all, shown)? else { return Ok(bytes) };
    if all.len() <= 1 {
        return Ok(bytes);
    }
    let mut kept = Vec::with_capacity(bytes.len());
    for (line, head) in bytes.split(|b| *b == b'\n').zip(heads.iter().chain(std::iter::repeat(&None))) {
        let other = head.as_ref().is_some_and(|h| h.database.as_deref().unwrap_or("") != wanted);
        if !other {
            kept.extend_from_slice(line);
        }
        kept.push(b'\n');
    }
    kept.pop();
    Ok(kept)
}

/// Appends snapshots to the stats file, all or nothing, in time proportional to the snapshots
/// (not to the file).
///
/// Under an exclusive lock on a sidecar lock file, the new lines go to the end of the file in
/// one write, followed by an fsync. A reader that looks while it happens, or after a crash in
/// the middle of it, sees a last line without its line break and drops it
/// ([`without_torn_tail`]); the next append cuts such a torn tail off first. A write that fails
/// is cut off the same way, so the file is as it was. `accept` is given a way to read the
/// current history under the lock (only read when asked for) and may refuse the append.
pub(super) fn append(
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

    let existed = path.exists();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("{shown}: cannot open stats file"))?;
    let (whole, needs_break) = whole_length(&mut file).with_context(|| format!("{shown}: cannot read stats file"))?;
    accept(&|| {
        let bytes = fs::read(path).unwrap_or_default();
        read_history(&String::from_utf8_lossy(&bytes), &shown)
    })?;
    let mut lines = Vec::new();
    if needs_break {
        lines.push(b'\n');
    }
    for snapshot in snapshots {
        lines.extend_from_slice(snapshot.to_line().as_bytes());
    }
    let write = |file: &mut File| -> io::Result<()> {
        file.set_len(whole)?;
        file.write_all(&lines)?;
        file.sync_data()
    };
    if let Err(error) = write(&mut file) {
        let _ = file.set_len(whole);
        return Err(error).with_context(|| format!("{shown}: cannot write stats file (it is unchanged)"));
    }
    if !existed {
        // A new file's directory entry must reach the disk for the file to survive a power cut.
        if let Ok(dir) = File::open(&directory) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// The length of the file without a torn last line, and whether its last whole line lacks a
/// line break (a file edited by hand). Reads back from the end only as far as the last line.
fn whole_length(file: &mut File) -> io::Result<(u64, bool)> {
    const CHUNK: u64 = 64 * 1024;
    let length = file.metadata()?.len();
    let mut tail: Vec<u8> = Vec::new();
    let mut start = length;
    while start > 0 {
        let from = start.saturating_sub(CHUNK);
        let mut chunk = vec![0; (start - from) as usize];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        start = from;
        // The last line break, not counting one that ends the file.
        if tail[..tail.len().saturating_sub(1)].contains(&b'\n') || start == 0 {
            break;
        }
    }
    let kept = without_torn_tail(&tail).len() as u64;
    let needs_break = kept > 0 && !tail[..kept as usize].ends_with(b"\n");
    Ok((start + kept, needs_break))
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

    #[test]
    fn a_torn_last_line_is_cut_off_before_the_next_append() {
        let dir = std::env::temp_dir().join(format!("schemacast-stats-torn-{}", std::process::id()));
        let path = dir.join("stats.jsonl");
        append(&path, &[snapshot("2026-01-01T00:00:00Z")], |_| Ok(())).unwrap();
        let whole = fs::read(&path).unwrap();
        // A crash in the middle of a long line (longer than one read-back chunk).
        let mut torn = whole.clone();
        torn.extend_from_slice(b"{\"format\":\"schemacast.stats/v1\",\"note\":\"");
        torn.extend(std::iter::repeat_n(b'x', 200_000));
        fs::write(&path, &torn).unwrap();
        assert_eq!(read(&path).unwrap().snapshots.len(), 1, "readers drop the torn line");
        assert!(read(&path).unwrap().problems.is_empty());
        append(&path, &[snapshot("2026-01-02T00:00:00Z")], |_| Ok(())).unwrap();
        let after = fs::read(&path).unwrap();
        assert!(after.starts_with(&whole), "the whole lines are kept");
        assert_eq!(after.iter().filter(|&&b| b == b'\n').count(), 2);
        assert_eq!(read(&path).unwrap().snapshots.len(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }
}
