//! `check --changed [--since REF]`: the files a branch changed, asked of the `git` command line.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context};

/// The files changed since the merge-base of a revision and `HEAD`: committed, staged, unstaged
/// and untracked (not ignored), as canonical paths.
pub(crate) struct ChangedFiles {
    pub(crate) paths: HashSet<PathBuf>,
    /// "origin/main (merge-base 1a2b3c4d)", for the verbose log.
    pub(crate) base: String,
}

impl ChangedFiles {
    /// Whether a file as `check` read it (a path relative to the current directory) changed.
    pub(crate) fn contains(&self, path: &str) -> bool {
        std::fs::canonicalize(path).is_ok_and(|p| self.paths.contains(&p))
    }
}

/// Runs `git` in `dir` and returns its standard output; `what` says what was asked, for errors.
fn git(dir: &Path, args: &[&str], what: &str) -> anyhow::Result<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .with_context(|| format!("--changed runs `git` to find {what}, and `git` could not be started"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("`git {}` failed while finding {what}: {}", args.join(" "), stderr.trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn succeeds(dir: &Path, args: &[&str]) -> bool {
    Command::new("git").current_dir(dir).args(args).output().is_ok_and(|o| o.status.success())
}

/// The revision to compare with when `--since` is not given: the branch's upstream (what a
/// pull request's branch tracks), else the usual default branches, remote before local (a CI
/// checkout's local `main` may be stale or absent).
fn default_base(root: &Path) -> anyhow::Result<String> {
    let upstream = ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"];
    if let Ok(name) = git(root, &upstream, "the upstream branch") {
        return Ok(name.trim().to_owned());
    }
    for candidate in DEFAULT_BASES {
        if succeeds(root, &["rev-parse", "--verify", "--quiet", &format!("{candidate}^{{commit}}")]) {
            return Ok(candidate.to_owned());
        }
    }
    Err(anyhow!(
        "--changed compares with the branch's upstream, else {}, and this repository has none of them; name the base with --since REF (e.g. --since origin/develop)",
        DEFAULT_BASES.join(", else ")
    ))
}

const DEFAULT_BASES: [&str; 4] = ["origin/main", "origin/master", "main", "master"];

/// The files changed since the merge-base of `since` (or the default base) and `HEAD`, in the
/// repository holding `start` (the first path checked, a file or a directory).
pub(crate) fn changed_files(start: &Path, since: Option<&str>) -> anyhow::Result<ChangedFiles> {
    let dir = if start.is_dir() {
        start
    } else {
        start.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    };
    let root = git(dir, &["rev-parse", "--show-toplevel"], "the repository").map_err(|e| {
        anyhow!("--changed needs a git repository, and {} is not in one ({e}); check files inside a repository, or drop --changed", dir.display())
    })?;
    let root = PathBuf::from(root.trim());
    let base_ref = match since {
        Some(since) => since.to_owned(),
        None => default_base(&root)?,
    };
    let verify = ["rev-parse", "--verify", "--quiet", &format!("{base_ref}^{{commit}}")];
    if !succeeds(&root, &verify) {
        bail!("--since `{base_ref}`: git knows no commit by that name; name a branch, tag or commit (e.g. --since origin/main), and fetch it first in a shallow CI checkout");
    }
    let merge_base = git(&root, &["merge-base", &base_ref, "HEAD"], &format!("where HEAD left `{base_ref}`"))?;
    let merge_base = merge_base.trim().to_owned();
    let diff = git(&root, &["diff", "--name-only", "-z", &merge_base], "the changed files")?;
    let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"], "the untracked files")?;
    let paths = diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|p| !p.is_empty())
        .filter_map(|p| std::fs::canonicalize(root.join(p)).ok())
        .collect();
    let short = merge_base.get(..12).unwrap_or(&merge_base);
    Ok(ChangedFiles { paths, base: format!("{base_ref} (merge-base {short})") })
}
