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
    match version_of(
        unit.strip_prefix(['V', 'v']).filter(|r| r.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(unit),
    ) {
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
        let separator_then_digit =
            i + 1 < bytes.len() && matches!(bytes[i], b'_' | b'.' | b'-') && bytes[i + 1].is_ascii_digit();
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

/// A migration file to add after the others of a set, named by the set's convention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMigration {
    /// Beside the set's files, e.g. `db/V6__add_orders_coupon_id_idx.sql`.
    pub path: String,
    /// The whole file: the tool's directives around `statement`.
    pub text: String,
}

/// Whether the files are goose migrations, and whether dbmate ones (sections a new migration
/// must have too).
pub(crate) fn conventions(texts: &[&str]) -> (bool, bool) {
    (texts.iter().any(|t| t.contains("-- +goose Up")), texts.iter().any(|t| t.contains("-- migrate:up")))
}

/// The file that runs `statement` (which must not run inside a transaction) as a migration of
/// its own after the set's last one, with the tool's no-transaction directive where it has one;
/// `undo` goes where the tool keeps the way back. `None` when the set follows no convention
/// this knows (a single schema file, one directory per migration).
///
/// `paths` are the set's files in order, `texts` their contents, `description` a snake_case name.
pub fn next_migration(
    paths: &[&str],
    texts: &[&str],
    description: &str,
    statement: &str,
    undo: &str,
) -> Option<NewMigration> {
    let last = *paths.last()?;
    let (directory, _) = last.rsplit_once('/').unwrap_or(("", last));
    let join = |name: String| if directory.is_empty() { name } else { format!("{directory}/{name}") };
    let names: Vec<&str> = paths
        .iter()
        .filter(|p| p.rsplit_once('/').map_or("", |(d, _)| d) == directory)
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect();
    if names.len() < 2 {
        return None;
    }
    let (goose, dbmate) = conventions(texts);
    // Flyway: V<version>__<description>.sql; a file of its own is run outside a transaction
    // when it holds only non-transactional statements.
    let flyway: Vec<u128> = names
        .iter()
        .filter_map(|n| n.strip_prefix('V').or_else(|| n.strip_prefix('v')))
        .filter_map(|rest| rest.split_once("__"))
        .filter_map(|(version, _)| version.split(['_', '.']).next()?.parse().ok())
        .collect();
    if flyway.len() * 2 > names.len() {
        let next = flyway.iter().max()? + 1;
        return Some(NewMigration {
            path: join(format!("V{next}__{description}.sql")),
            text: format!("{statement}\n"),
        });
    }
    // Numeric or timestamp prefixes: golang-migrate's `.up.sql`, goose, dbmate, plain.
    let prefixes: Vec<&str> = names
        .iter()
        .map(|n| n.split(|c: char| !c.is_ascii_digit()).next().unwrap_or(""))
        .filter(|p| !p.is_empty())
        .collect();
    if prefixes.len() * 2 <= names.len() {
        return None;
    }
    let widest = prefixes.iter().map(|p| p.len()).max()?;
    let next = prefixes.iter().filter_map(|p| p.parse::<u128>().ok()).max()? + 1;
    let version = format!("{next:0widest$}");
    let golang = names.iter().any(|n| n.ends_with(".up.sql"));
    let text = if goose {
        format!("-- +goose NO TRANSACTION\n-- +goose Up\n{statement}\n\n-- +goose Down\n{undo}\n")
    } else if dbmate {
        format!("-- migrate:up transaction:false\n{statement}\n\n-- migrate:down transaction:false\n{undo}\n")
    } else {
        format!("{statement}\n")
    };
    let name = if golang { format!("{version}_{description}.up.sql") } else { format!("{version}_{description}.sql") };
    Some(NewMigration { path: join(name), text })
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
    fn the_next_migration_follows_the_set_s_convention() {
        let add = "CREATE INDEX CONCURRENTLY i ON t (a);";
        let undo = "DROP INDEX CONCURRENTLY IF EXISTS i;";
        let next = |paths: &[&str], texts: &[&str]| next_migration(paths, texts, "add_i", add, undo);
        let flyway = next(&["db/V1__init.sql", "db/V2_1__more.sql", "db/R__views.sql"], &["", "", ""]).unwrap();
        assert_eq!(flyway, NewMigration { path: "db/V3__add_i.sql".into(), text: format!("{add}\n") });
        let goose = next(&["m/00001_a.sql", "m/00002_b.sql"], &["-- +goose Up\nCREATE TABLE t (a int);", ""]).unwrap();
        assert_eq!(goose.path, "m/00003_add_i.sql");
        assert!(goose.text.starts_with("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY"));
        assert!(goose.text.ends_with("-- +goose Down\nDROP INDEX CONCURRENTLY IF EXISTS i;\n"));
        let dbmate = next(&["db/20240101120000_a.sql", "db/20240301090000_b.sql"], &["-- migrate:up\n", ""]).unwrap();
        assert_eq!(dbmate.path, "db/20240301090001_add_i.sql");
        assert!(dbmate.text.starts_with("-- migrate:up transaction:false\n"));
        let golang = next(&["1_a.up.sql", "2_b.up.sql"], &["", ""]).unwrap();
        assert_eq!(golang.path, "3_add_i.up.sql");
        assert_eq!(next(&["schema.sql"], &[""]), None);
        assert_eq!(next(&["db/001_a/up.sql", "db/002_b/up.sql"], &["", ""]).map(|m| m.path), None);
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
