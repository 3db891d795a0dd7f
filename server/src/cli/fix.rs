//! `check --fix`: applies fixes to the files on disk and says what changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{bail, Context};
use schemacast_lints::text::FileId;
use schemacast_lints::{Analysis, Applicability, Edit};

/// What one round of fixing did.
#[derive(Default)]
pub(crate) struct Applied {
    pub fixes: usize,
    /// Files edited, with how many edits each.
    pub edited: BTreeMap<String, usize>,
    pub created: Vec<String>,
}

/// Applies, for each finding, its first fix that `unsafe_fixes` allows, skipping fixes whose
/// edits touch text another chosen fix edits (the next round gets them) and new files that
/// already exist. Each file is rewritten through a temporary file and a rename.
pub(crate) fn apply(analysis: &Analysis, unsafe_fixes: bool) -> anyhow::Result<Applied> {
    let mut applied = Applied::default();
    let mut chosen: Vec<&Edit> = Vec::new();
    let mut new_files: Vec<(&str, &str)> = Vec::new();
    for diagnostic in &analysis.diagnostics {
        let Some(fix) = diagnostic.fixes.iter().find(|f| f.applicability == Applicability::Safe || unsafe_fixes) else {
            continue;
        };
        let clashes = fix.edits.iter().any(|e| chosen.iter().any(|o| overlap(o, e)));
        let exists =
            fix.new_files.iter().any(|f| Path::new(&f.path).exists() || new_files.iter().any(|(p, _)| *p == f.path));
        if clashes || exists {
            continue;
        }
        chosen.extend(fix.edits.iter());
        new_files.extend(fix.new_files.iter().map(|f| (f.path.as_str(), f.text.as_str())));
        applied.fixes += 1;
    }
    let mut by_file: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
    for edit in chosen {
        by_file.entry(edit.location.file).or_default().push(edit);
    }
    for (file, mut edits) in by_file {
        let analyzed = analysis.file(file);
        if analyzed.path == "-" || !Path::new(&analyzed.path).is_file() {
            bail!("{}: --fix writes fixes to files; standard input cannot be fixed in place", analyzed.path);
        }
        // From the end, so earlier offsets stay valid.
        edits.sort_by_key(|e| std::cmp::Reverse(e.location.range.start));
        let mut text = analyzed.text.clone();
        for edit in &edits {
            text.replace_range(edit.location.range.to_range(), &edit.text);
        }
        write_replacing(Path::new(&analyzed.path), &text)?;
        applied.edited.insert(analyzed.path.clone(), edits.len());
    }
    for (path, text) in new_files {
        fs::write(path, text).with_context(|| format!("{path}: cannot create this new migration"))?;
        applied.created.push(path.to_owned());
    }
    Ok(applied)
}

fn overlap(a: &Edit, b: &Edit) -> bool {
    a.location.file == b.location.file
        && a.location.range.start < b.location.range.end.max(b.location.range.start + 1)
        && b.location.range.start < a.location.range.end.max(a.location.range.start + 1)
}

fn write_replacing(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.schemacast-fix"));
    fs::write(&temporary, text).with_context(|| format!("{}: cannot write the fixed file", temporary.display()))?;
    fs::rename(&temporary, path).with_context(|| format!("{}: cannot replace it with the fixed file", path.display()))
}

/// "fixed 3 findings: db/V2__orders.sql (2 edits); new db/V7__add_idx.sql".
pub(crate) fn describe(applied: &Applied) -> String {
    let mut parts: Vec<String> =
        applied.edited.iter().map(|(path, n)| format!("{path} ({n} edit{})", if *n == 1 { "" } else { "s" })).collect();
    parts.extend(applied.created.iter().map(|p| format!("new {p}")));
    format!("fixed {} finding{}: {}", applied.fixes, if applied.fixes == 1 { "" } else { "s" }, parts.join("; "))
}
