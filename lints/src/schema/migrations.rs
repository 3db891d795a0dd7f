//! The order in which a migration directory's files are applied.
//!
//! Understood layouts: Flyway (`V1_2__name.sql`, repeatable `R__name.sql` last, undo `U...`
//! skipped), numeric and timestamp prefixes (`001_init.sql`, `20240101120000_add.sql`,
//! `2024-01-01-120000_add`), golang-migrate (`1_init.up.sql`, `.down.sql` skipped), and one
//! directory per migration (`<version>_name/up.sql` or `/migration.sql`, `down.sql` skipped).

use std::cmp::Ordering;

/// File extensions read as SQL.
pub const SQL_EXTENSIONS: &[&str] = &["sql", "pgsql", "psql", "ddl"];

/// Whether a path (relative to its migration directory, `/`-separated) holds SQL to apply.
pub fn is_migration_file(relative_path: &str) -> bool {
    let file_name = relative_path.rsplit('/').next().unwrap_or(relative_path);
    let lower = file_name.to_ascii_lowercase();
    let Some((stem, extension)) = lower.rsplit_once('.') else { return false };
    if !SQL_EXTENSIONS.contains(&extension) {
        return false;
    }
    let is_down = stem == "down" || stem.ends_with(".down") || stem.ends_with("_down");
    let is_flyway_undo = stem.starts_with('u') && version_of(&stem[1..]).is_some() && stem.contains("__");
    !is_down && !is_flyway_undo
}

/// Sorts relative paths into the order a migration tool would apply them.
pub fn sort_migration_files(paths: &mut [String]) {
    paths.sort_by(|a, b| compare(&sort_key(a), &sort_key(b)).then_with(|| a.cmp(b)));
}

#[derive(Debug, PartialEq, Eq)]
struct SortKey {
    /// 0: versioned, 1: unversioned, 2: Flyway repeatable.
    class: u8,
    version: Vec<u128>,
    path: String,
}

fn compare(a: &SortKey, b: &SortKey) -> Ordering {
    a.class.cmp(&b.class).then_with(|| a.version.cmp(&b.version)).then_with(|| natural_cmp(&a.path, &b.path))
}

fn sort_key(path: &str) -> SortKey {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or("");
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let stem = stem.strip_suffix(".up").unwrap_or(stem);
    let lower = stem.to_ascii_lowercase();
    // `20240101_name/up.sql`: the directory names the migration.
    let unit = if matches!(lower.as_str(), "up" | "migration") { parts.last().copied().unwrap_or(stem) } else { stem };
    if unit.starts_with("R__") || unit.starts_with("r__") {
        return SortKey { class: 2, version: Vec::new(), path: path.to_owned() };
    }
    match version_of(unit.strip_prefix(['V', 'v']).filter(|r| r.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(unit)) {
        Some(version) => SortKey { class: 0, version, path: path.to_owned() },
        None => SortKey { class: 1, version: Vec::new(), path: path.to_owned() },
    }
}

/// The leading version of a migration name: digit groups joined by `_`, `.` or `-`.
fn version_of(name: &str) -> Option<Vec<u128>> {
    let bytes = name.as_bytes();
    let mut version = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            break;
        }
        version.push(name[start..i].parse::<u128>().unwrap_or(u128::MAX));
        let separator_then_digit = i + 1 < bytes.len()
            && matches!(bytes[i], b'_' | b'.' | b'-')
            && bytes[i + 1].is_ascii_digit();
        if !separator_then_digit {
            break;
        }
        i += 1;
    }
    (!version.is_empty()).then_some(version)
}

/// Compares with digit runs as numbers, so `2_x` sorts before `10_x`.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while let (Some(&x), Some(&y)) = (a.first(), b.first()) {
        if x.is_ascii_digit() && y.is_ascii_digit() {
            let a_len = a.iter().take_while(|c| c.is_ascii_digit()).count();
            let b_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
            let a_num = std::str::from_utf8(&a[..a_len]).ok().and_then(|s| s.parse::<u128>().ok());
            let b_num = std::str::from_utf8(&b[..b_len]).ok().and_then(|s| s.parse::<u128>().ok());
            match a_num.cmp(&b_num) {
                Ordering::Equal => {}
                other => return other,
            }
            a = &a[a_len..];
            b = &b[b_len..];
        } else {
            match x.cmp(&y) {
                Ordering::Equal => {}
                other => return other,
            }
            a = &a[1..];
            b = &b[1..];
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(paths: &[&str]) -> Vec<String> {
        let mut paths: Vec<String> = paths.iter().map(|p| p.to_string()).filter(|p| is_migration_file(p)).collect();
        sort_migration_files(&mut paths);
        paths
    }

    #[test]
    fn flyway_versions_compare_numerically_and_repeatables_come_last() {
        assert_eq!(
            sorted(&["R__views.sql", "V1_10__c.sql", "V1_2__b.sql", "V1__a.sql", "U1_2__undo.sql"]),
            ["V1__a.sql", "V1_2__b.sql", "V1_10__c.sql", "R__views.sql"]
        );
    }

    #[test]
    fn numeric_and_timestamp_prefixes() {
        assert_eq!(sorted(&["10_c.sql", "2_b.sql", "001_a.sql"]), ["001_a.sql", "2_b.sql", "10_c.sql"]);
        assert_eq!(
            sorted(&["20240301093000_b.sql", "20231201120000_a.sql"]),
            ["20231201120000_a.sql", "20240301093000_b.sql"]
        );
    }

    #[test]
    fn golang_migrate_and_per_migration_directories_skip_down() {
        assert_eq!(sorted(&["2_b.up.sql", "2_b.down.sql", "1_a.up.sql"]), ["1_a.up.sql", "2_b.up.sql"]);
        assert_eq!(
            sorted(&["2024-02-01-000000_b/up.sql", "2024-02-01-000000_b/down.sql", "2023-12-31-000000_a/up.sql"]),
            ["2023-12-31-000000_a/up.sql", "2024-02-01-000000_b/up.sql"]
        );
        assert_eq!(
            sorted(&["20240102_b/migration.sql", "20240101_a/migration.sql"]),
            ["20240101_a/migration.sql", "20240102_b/migration.sql"]
        );
    }

    #[test]
    fn unversioned_files_follow_versioned_ones() {
        assert_eq!(sorted(&["seed.sql", "V2__b.sql", "notes.txt"]), ["V2__b.sql", "seed.sql"]);
    }
}
