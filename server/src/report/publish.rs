//! Putting a finished report in place: built in a directory beside the target and renamed over
//! it, so an interrupted run leaves the previous report (or nothing), never half of one; and a
//! directory that is not a previous report is not replaced unless the user forces it.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// The file that marks a directory as a schemacast report, so it may be replaced.
pub(crate) const MARKER: &str = ".schemacast-report";

/// Refuses `dir` when it exists and is neither empty nor a previous report (unless `force`).
/// Checked before any work so that a refusal costs nothing.
pub(crate) fn check_target(dir: &Path, force: bool) -> anyhow::Result<()> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("{}: cannot read this output directory", dir.display())),
        Ok(meta) if !meta.is_dir() => bail!("{}: exists and is not a directory; choose another -o", dir.display()),
        Ok(_) => {
            if force || dir.join(MARKER).is_file() {
                return Ok(());
            }
            let mut entries =
                fs::read_dir(dir).with_context(|| format!("{}: cannot list this output directory", dir.display()))?;
            if entries.next().is_none() {
                return Ok(());
            }
            bail!(
                "{}: exists and is not a schemacast report (no {MARKER} in it); choose another -o, or pass \
                 --force to replace it and everything in it",
                dir.display()
            )
        }
    }
}

/// Writes `files` (paths relative to the report) as the directory `dir`, replacing what is
/// there. `check_target` must have accepted `dir`.
pub(crate) fn publish(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let name = dir
        .file_name()
        .with_context(|| format!("{}: the output directory needs a name", dir.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("{}: cannot create this directory", parent.display()))?;
    clean_leftovers(&parent, &name, dir);

    let pid = std::process::id();
    let partial = parent.join(format!(".{name}.partial-{pid}"));
    let mut guard = RemoveOnDrop(Some(partial.clone()));
    if partial.exists() {
        fs::remove_dir_all(&partial).with_context(|| format!("{}: cannot remove", partial.display()))?;
    }
    fs::create_dir(&partial).with_context(|| format!("{}: cannot create the report here", partial.display()))?;
    for (relative, bytes) in files {
        let path = partial.join(relative);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder).with_context(|| format!("{}: cannot create", folder.display()))?;
        }
        write_synced(&path, bytes)?;
    }
    write_synced(&partial.join(MARKER), format!("schemacast {} report\n", env!("CARGO_PKG_VERSION")).as_bytes())?;

    if dir.exists() {
        let old = parent.join(format!(".{name}.old-{pid}"));
        fs::rename(dir, &old).with_context(|| format!("{}: cannot move the previous report aside", dir.display()))?;
        if let Err(e) = fs::rename(&partial, dir) {
            // Put the previous report back rather than leave nothing.
            let _ = fs::rename(&old, dir);
            return Err(e).with_context(|| format!("{}: cannot move the new report into place", dir.display()));
        }
        guard.0 = None;
        fs::remove_dir_all(&old).with_context(|| format!("{}: cannot remove the previous report", old.display()))?;
    } else {
        fs::rename(&partial, dir).with_context(|| format!("{}: cannot move the report into place", dir.display()))?;
        guard.0 = None;
    }
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    file.write_all(bytes).and_then(|_| file.sync_all()).with_context(|| format!("{}: cannot write", path.display()))
}

/// Removes what an interrupted run of another process left beside `dir`: partial reports, and
/// a previous report moved aside (put back when `dir` itself went missing).
fn clean_leftovers(parent: &Path, name: &str, dir: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        let (kind, pid) = match rest.split_once('-') {
            Some((kind @ ("partial" | "old"), pid)) => (kind, pid),
            _ => continue,
        };
        if Path::new("/proc").join(pid).exists() {
            continue; // Another run is at work (or the pid was reused): leave it.
        }
        let path = entry.path();
        if kind == "old" && !dir.exists() && path.join(MARKER).is_file() {
            let _ = fs::rename(&path, dir);
        } else {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("schemacast-publish-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn replaces_a_previous_report_and_leaves_nothing_beside_it() {
        let root = scratch("replace");
        let out = root.join("report");
        publish(&out, &[("index.html".into(), b"one".to_vec())]).unwrap();
        check_target(&out, false).unwrap();
        publish(&out, &[("index.html".into(), b"two".to_vec()), ("charts/a.svg".into(), b"<svg/>".to_vec())]).unwrap();
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"two");
        assert!(out.join("charts/a.svg").is_file());
        let names: Vec<String> =
            fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["report".to_owned()]);
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn refuses_a_directory_that_is_not_a_report_unless_forced() {
        let root = scratch("refuse");
        fs::write(root.join("notes.txt"), "mine").unwrap();
        let error = check_target(&root, false).unwrap_err().to_string();
        assert!(error.contains("is not a schemacast report"), "{error}");
        assert!(error.contains("--force"), "{error}");
        check_target(&root, true).unwrap();
        let empty = root.join("empty");
        fs::create_dir(&empty).unwrap();
        check_target(&empty, false).unwrap();
        let file = root.join("notes.txt");
        assert!(check_target(&file, true).is_err());
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_dead_run_s_leftovers_are_cleaned_and_a_moved_report_restored() {
        let root = scratch("leftovers");
        // A pid far above the kernel's default limit cannot be running.
        let partial = root.join(".report.partial-99999999");
        fs::create_dir_all(&partial).unwrap();
        let old = root.join(".report.old-99999999");
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join(MARKER), "x").unwrap();
        clean_leftovers(&root, "report", &root.join("report"));
        assert!(!partial.exists());
        assert!(root.join("report").join(MARKER).is_file());
        fs::remove_dir_all(root).unwrap();
    }
}
