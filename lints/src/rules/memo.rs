//! Findings kept between the language server's analyses, so that an edit re-runs the rules only
//! for the tables whose findings it can change.
//!
//! A rule's findings on a table are a function of what it reads: the table, its foreign keys'
//! referenced tables, the tables whose foreign keys reference it, its partition parent, its stats
//! and projection, the text at the locations those hold, and a few whole-schema facts (dialect,
//! rule selection and settings, enum names, index names, the files' paths and migration
//! conventions, the stats). Each table gets a fingerprint of its own content, with every location
//! moved back to where it was before the edit; a table whose fingerprint and whose neighbours'
//! fingerprints equal the last analysis' has the same findings, moved forward. A location the
//! edit touched (or one byte either side of it) makes the table's fingerprint unknown: its rules
//! run again. Rules that read more ([`super::Rule::reads_whole_schema`]) run on every analysis.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use foldhash::quality::{FixedState, FoldHasher};

use crate::capacity::CapacitySettings;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::dialect::Dialect;
use crate::planning::{Growth, Plan};
use crate::schema::{Column, ForeignKey, Index, ObjectRef, QualifiedName, Schema, StatementRef, Table};
use crate::stats::{AttachedStats, Snapshot, StatsSeries};
use crate::text::{FileId, Location};

use super::RuleSettings;

/// How one file's text changed since the last analysis: one replaced region, between a common
/// prefix and a common suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileChange {
    Unchanged,
    /// Bytes before `prefix` are unchanged; so are bytes from `old_suffix` in the old text and
    /// from `new_suffix` in the new one, which hold the same text.
    Replaced {
        prefix: u32,
        old_suffix: u32,
        new_suffix: u32,
    },
}

impl FileChange {
    pub(crate) fn between(old: &str, new: &str) -> FileChange {
        if old == new {
            return FileChange::Unchanged;
        }
        let (old, new) = (old.as_bytes(), new.as_bytes());
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let room = old.len().min(new.len()) - prefix;
        let suffix = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
        FileChange::Replaced {
            prefix: prefix as u32,
            old_suffix: (old.len() - suffix) as u32,
            new_suffix: (new.len() - suffix) as u32,
        }
    }
}

/// Every file's change, by [`FileId`]; `None` when a file has no earlier text to compare with.
#[derive(Clone, Debug, Default)]
pub(crate) struct EditMap {
    pub(crate) files: Vec<Option<FileChange>>,
}

/// Which way locations move.
#[derive(Clone, Copy)]
enum Direction {
    NewToOld,
    OldToNew,
}

impl EditMap {
    /// The amount a span of `file` moves by, or `None` when the edit touched it or the byte on
    /// either side (rules may read next to a location: the text after a column's name).
    fn shift(&self, file: FileId, start: u32, end: u32, direction: Direction) -> Option<i64> {
        match (*self.files.get(file.index())?)? {
            FileChange::Unchanged => Some(0),
            FileChange::Replaced { prefix, old_suffix, new_suffix } => {
                let (from_suffix, to_suffix) = match direction {
                    Direction::NewToOld => (new_suffix, old_suffix),
                    Direction::OldToNew => (old_suffix, new_suffix),
                };
                if end < prefix {
                    Some(0)
                } else if start > from_suffix {
                    Some(i64::from(to_suffix) - i64::from(from_suffix))
                } else {
                    None
                }
            }
        }
    }

    fn is_identity(&self) -> bool {
        self.files.iter().all(|f| *f == Some(FileChange::Unchanged))
    }
}

fn moved(offset: u32, by: i64) -> u32 {
    u32::try_from(i64::from(offset) + by).unwrap_or(0)
}

/// Fingerprints are compared, never stored on disk: any good 64-bit hash does, with a fixed seed
/// so that two analyses agree. foldhash: a fingerprint hashes a few dozen small fields per
/// table, where SipHash's per-call cost made it most of an edit's rules time.
const SEED: FixedState = FixedState::with_seed(0x5c4e_3a57);

fn hasher() -> FoldHasher<'static> {
    SEED.build_hasher()
}

type HashMap<K, V> = std::collections::HashMap<K, V, FixedState>;

/// Hashes a table's content with its locations moved through an [`EditMap`].
struct Fingerprinter<'m> {
    hasher: FoldHasher<'static>,
    map: &'m EditMap,
    /// Whether any location moved: if none did, the fingerprint is also the one in new
    /// coordinates.
    shifted: bool,
}

impl Fingerprinter<'_> {
    fn span(&mut self, file: FileId, start: u32, end: u32) -> Option<i64> {
        let by = self.map.shift(file, start, end, Direction::NewToOld)?;
        self.shifted |= by != 0;
        file.hash(&mut self.hasher);
        Some(by)
    }

    fn location(&mut self, location: &Location) -> Option<()> {
        let by = self.span(location.file, location.range.start, location.range.end)?;
        moved(location.range.start, by).hash(&mut self.hasher);
        moved(location.range.end, by).hash(&mut self.hasher);
        Some(())
    }

    fn statement(&mut self, statement: &StatementRef) -> Option<()> {
        let StatementRef { file, range, end_with_terminator, terminated } = statement;
        let end = (*end_with_terminator).max(range.end);
        let by = self.span(*file, range.start, end)?;
        for offset in [range.start, range.end, *end_with_terminator] {
            moved(offset, by).hash(&mut self.hasher);
        }
        terminated.hash(&mut self.hasher);
        Some(())
    }

    fn value(&mut self, value: &impl Hash) {
        value.hash(&mut self.hasher);
    }

    fn float(&mut self, value: f64) {
        value.to_bits().hash(&mut self.hasher);
    }
}

/// Everything of a value a rule may read, locations moved. The impls destructure every field, so
/// a field added to the model cannot be left out without the compiler saying so.
trait Fingerprint {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()>;
}

impl Fingerprint for ObjectRef {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()> {
        let ObjectRef { schema, name, loc } = self;
        f.value(schema);
        f.value(name);
        f.location(loc)
    }
}

impl Fingerprint for Column {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()> {
        let Column {
            name,
            ty,
            not_null,
            has_default,
            default,
            identity,
            generated,
            name_loc,
            declared_in,
            declared_by_definition,
            comment,
        } = self;
        f.value(name);
        f.value(ty);
        f.value(&(not_null, has_default, identity, generated, declared_by_definition));
        f.value(default);
        f.value(comment);
        f.location(name_loc)?;
        f.statement(declared_in)
    }
}

impl Fingerprint for Index {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()> {
        let Index { name, keys, include, unique, origin, method, predicate, loc, statement } = self;
        f.value(&(name, keys, include, unique, origin, method, predicate));
        f.location(loc)?;
        f.statement(statement)
    }
}

impl Fingerprint for ForeignKey {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()> {
        let ForeignKey { name, columns, column_locs, referenced, referenced_table, referenced_columns, statement } =
            self;
        f.value(&(name, columns, referenced_table, referenced_columns));
        f.value(&column_locs.len());
        for location in column_locs {
            f.location(location)?;
        }
        referenced.fingerprint(f)?;
        f.statement(statement)
    }
}

impl Fingerprint for Plan {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()> {
        let Plan { rows, growth } = self;
        f.value(&rows.is_some());
        f.float(rows.unwrap_or_default());
        match growth {
            None => f.value(&0u8),
            Some(Growth::Percent { percent, per }) => {
                f.value(&1u8);
                f.float(*percent);
                f.value(&per.days().to_bits());
            }
            Some(Growth::Rows { rows, per }) => {
                f.value(&2u8);
                f.float(*rows);
                f.value(&per.days().to_bits());
            }
        }
        Some(())
    }
}

impl Fingerprint for Table {
    fn fingerprint(&self, f: &mut Fingerprinter<'_>) -> Option<()> {
        let Table {
            name,
            name_loc,
            statement,
            columns,
            indexes,
            foreign_keys,
            check_constraints,
            partitioned,
            partition_of,
            inherits,
            temporary,
            plan,
            comment,
        } = self;
        f.value(&(name, check_constraints, partitioned, partition_of, inherits, temporary, comment));
        f.location(name_loc)?;
        f.statement(statement)?;
        f.value(&columns.len());
        for column in columns {
            column.fingerprint(f)?;
        }
        f.value(&indexes.len());
        for index in indexes {
            index.fingerprint(f)?;
        }
        f.value(&foreign_keys.len());
        for fk in foreign_keys {
            fk.fingerprint(f)?;
        }
        f.value(&plan.is_some());
        match plan {
            Some(plan) => plan.fingerprint(f),
            None => Some(()),
        }
    }
}

/// A table's fingerprint with locations moved back to before the edit (`None`: the edit touched
/// it), and in today's coordinates.
fn fingerprints(table: &Table, map: &EditMap, identity: &EditMap) -> (Option<u64>, u64) {
    let mut before = Fingerprinter { hasher: hasher(), map, shifted: false };
    let old = table.fingerprint(&mut before).map(|()| before.hasher.finish());
    if let (Some(old), false) = (old, before.shifted) {
        return (Some(old), old);
    }
    let mut now = Fingerprinter { hasher: hasher(), map: identity, shifted: false };
    let new = table.fingerprint(&mut now).map(|()| now.hasher.finish()).unwrap_or_default();
    (old, new)
}

/// What every table's findings may depend on besides the table and its neighbours.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Globals {
    pub(crate) dialect: Dialect,
    pub(crate) enabled: Vec<(&'static str, Severity)>,
    pub(crate) settings: RuleSettings,
    pub(crate) capacity: CapacitySettings,
    /// The projection's origin, as bits (a day count).
    pub(crate) origin: Option<u64>,
    /// Enum names and labels (storage sizes read them).
    pub(crate) enums: u64,
    /// Every index name (fixes name new indexes apart from them).
    pub(crate) index_names: u64,
    /// The files in order, and whether goose or dbmate sections appear (new migrations follow
    /// them).
    pub(crate) paths: Vec<String>,
    pub(crate) conventions: (bool, bool),
}

impl Globals {
    pub(crate) fn of(
        schema: &Schema,
        enabled: Vec<(&'static str, Severity)>,
        settings: &RuleSettings,
        capacity: &crate::capacity::CapacityPlan,
        texts: &[&str],
        paths: &[&str],
    ) -> Globals {
        let mut enums = hasher();
        for e in &schema.enums {
            (&e.name, &e.labels).hash(&mut enums);
        }
        Globals {
            dialect: schema.dialect,
            enabled,
            settings: settings.clone(),
            capacity: capacity.settings.clone(),
            origin: capacity.origin.map(f64::to_bits),
            enums: enums.finish(),
            index_names: schema.index_names.digest(),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            conventions: crate::schema::migrations::conventions(texts),
        }
    }
}

/// The last analysis' findings of the rules that read no more than a table's neighbourhood.
#[derive(Debug, Default)]
pub(crate) struct RulesMemo {
    globals: Option<Globals>,
    stats: Option<Snapshot>,
    series: Option<Arc<StatsSeries>>,
    /// Whether the stats this analysis uses are the last one's.
    stats_unchanged: bool,
    tables: HashMap<QualifiedName, MemoTable>,
    /// Tables whose rules ran in the latest analysis, and all of them.
    pub(crate) last_run: (usize, usize),
}

#[derive(Debug)]
struct MemoTable {
    key: u64,
    /// In the order the rules reported them.
    findings: Vec<Diagnostic>,
}

impl RulesMemo {
    /// Records the stats this analysis uses (kept only when they differ from the last ones).
    pub(crate) fn note_stats(&mut self, stats: Option<&Snapshot>, series: Option<&Arc<StatsSeries>>) {
        let same_series = match (&self.series, series) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        self.stats_unchanged = same_series && self.stats.as_ref() == stats;
        if !self.stats_unchanged {
            self.stats = stats.cloned();
            self.series = series.cloned();
        }
    }
}

/// Each table's neighbours, computed once per analysis: the table itself, the tables its foreign
/// keys reference (`None`: no such table), its partition parent and the tables that reference
/// it, each with where its stats are in the snapshot.
struct Neighbourhoods {
    /// Table `i`'s neighbours are `members[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<usize>,
    members: Vec<Option<(usize, Option<usize>)>>,
}

impl Neighbourhoods {
    fn of(schema: &Schema, stats: Option<&AttachedStats>) -> Neighbourhoods {
        let tables = schema.tables();
        let position = |name: &QualifiedName| schema.table_ids.get(name).copied();
        let with_stats = |i: usize| (i, stats.and_then(|s| s.position(&tables[i].name)));
        // (referenced, referencing), sorted: each table's referrers are one run.
        let mut references: Vec<(usize, usize)> = tables
            .iter()
            .enumerate()
            .flat_map(|(i, t)| t.foreign_keys.iter().filter_map(move |fk| Some((position(&fk.referenced_table)?, i))))
            .collect();
        references.sort_unstable();
        references.dedup();
        let mut offsets = Vec::with_capacity(tables.len() + 1);
        let mut members = Vec::with_capacity(tables.len() * 3);
        let mut referrers = references.iter().peekable();
        for (i, table) in tables.iter().enumerate() {
            offsets.push(members.len());
            members.push(Some(with_stats(i)));
            members.extend(table.foreign_keys.iter().map(|fk| position(&fk.referenced_table).map(with_stats)));
            if let Some(parent) = &table.partition_of {
                members.push(position(parent).map(with_stats));
            }
            while let Some(&(_, referrer)) = referrers.next_if(|(referenced, _)| *referenced == i) {
                members.push(Some(with_stats(referrer)));
            }
        }
        offsets.push(members.len());
        Neighbourhoods { offsets, members }
    }

    /// Each table's key from every table's own fingerprint (`None`: unknown).
    fn keys(&self, own: &[Option<u64>]) -> Vec<Option<u64>> {
        self.offsets
            .windows(2)
            .map(|range| {
                let mut hasher = hasher();
                for member in &self.members[range[0]..range[1]] {
                    match member {
                        Some((table, stats)) => {
                            own[*table]?.hash(&mut hasher);
                            stats.hash(&mut hasher);
                        }
                        None => u64::MAX.hash(&mut hasher),
                    }
                }
                Some(hasher.finish())
            })
            .collect()
    }
}

/// Moves a finding of the last analysis to today's text; `false` when the edit touched where it
/// points or edits.
fn move_forward(diagnostic: &mut Diagnostic, map: &EditMap) -> bool {
    fn location(location: &mut Location, map: &EditMap) -> bool {
        let range = location.range;
        let Some(by) = map.shift(location.file, range.start, range.end, Direction::OldToNew) else { return false };
        location.range.start = moved(range.start, by);
        location.range.end = moved(range.end, by);
        true
    }
    let Diagnostic { rule: _, severity: _, location: at, message: _, help: _, fixes } = diagnostic;
    location(at, map)
        && fixes.iter_mut().all(|fix| {
            let Fix { title: _, applicability: _, edits, new_files: _ } = fix;
            edits.iter_mut().all(|Edit { location: at, text: _ }| location(at, map))
        })
}

/// What [`super::run_memoized`] needs from the memo for one analysis.
pub(crate) struct Reuse {
    /// By table: the findings of the rules that read only its neighbourhood, when they can be
    /// reused, in today's coordinates.
    pub(crate) reused: Vec<Option<Vec<Diagnostic>>>,
    keys: Vec<Option<u64>>,
}

impl RulesMemo {
    /// Which tables' findings carry over from the last analysis, given how the files changed.
    pub(crate) fn plan(
        &mut self,
        schema: &Schema,
        stats: Option<&AttachedStats>,
        globals: Globals,
        map: &EditMap,
    ) -> Reuse {
        let tables = schema.tables();
        let valid = self.stats_unchanged && self.globals.as_ref() == Some(&globals);
        self.globals = Some(globals);
        let identity = EditMap { files: vec![Some(FileChange::Unchanged); map.files.len()] };
        let (before, now): (Vec<Option<u64>>, Vec<u64>) =
            tables.iter().map(|t| fingerprints(t, map, &identity)).unzip();
        let now: Vec<Option<u64>> = now.into_iter().map(Some).collect();
        let neighbourhoods = Neighbourhoods::of(schema, stats);
        let keys_before = if map.is_identity() { None } else { Some(neighbourhoods.keys(&before)) };
        let keys_now = neighbourhoods.keys(&now);
        let keys_before = keys_before.as_ref().unwrap_or(&keys_now);
        let mut old = std::mem::take(&mut self.tables);
        let reused = tables
            .iter()
            .zip(keys_before)
            .map(|(table, key)| {
                let key = (*key)?;
                if !valid {
                    return None;
                }
                let entry = old.remove(&table.name).filter(|e| e.key == key)?;
                let mut findings = entry.findings;
                findings.iter_mut().all(|d| move_forward(d, map)).then_some(findings)
            })
            .collect();
        Reuse { reused, keys: keys_now }
    }

    /// Keeps this analysis' findings (of the rules that read only a table's neighbourhood) for
    /// the next one.
    pub(crate) fn keep(&mut self, schema: &Schema, plan: Reuse, findings: Vec<Vec<Diagnostic>>, ran: usize) {
        let tables = schema.tables();
        self.last_run = (ran, tables.len());
        self.tables = tables
            .iter()
            .zip(plan.keys)
            .zip(findings)
            .filter_map(|((table, key), findings)| Some((table.name.clone(), MemoTable { key: key?, findings })))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextRange;

    #[test]
    fn a_change_is_one_region_between_the_common_prefix_and_suffix() {
        assert_eq!(FileChange::between("abc", "abc"), FileChange::Unchanged);
        assert_eq!(
            FileChange::between("create table t", "create table tt"),
            FileChange::Replaced { prefix: 14, old_suffix: 14, new_suffix: 15 }
        );
        // A repeated letter: the prefix and suffix never overlap.
        assert_eq!(FileChange::between("aa", "aaa"), FileChange::Replaced { prefix: 2, old_suffix: 2, new_suffix: 3 });
        assert_eq!(
            FileChange::between("abXcd", "abcd"),
            FileChange::Replaced { prefix: 2, old_suffix: 3, new_suffix: 2 }
        );
    }

    #[test]
    fn locations_next_to_the_edit_do_not_move_and_the_ones_after_it_do() {
        // "ab|X|cd" → "ab|YY|cd": bytes 0..2 and the suffix "cd" kept.
        let map = EditMap { files: vec![Some(FileChange::between("abXcd", "abYYcd"))] };
        let file = FileId(0);
        assert_eq!(map.shift(file, 0, 1, Direction::NewToOld), Some(0));
        // Touching the edit (the byte after the range was replaced): unknown.
        assert_eq!(map.shift(file, 0, 2, Direction::NewToOld), None);
        assert_eq!(map.shift(file, 4, 6, Direction::NewToOld), None);
        assert_eq!(map.shift(file, 5, 6, Direction::NewToOld), Some(-1));
        assert_eq!(map.shift(file, 4, 5, Direction::OldToNew), Some(1));
        let mut diagnostic = Diagnostic {
            rule: "r",
            severity: Severity::Info,
            location: Location::new(file, TextRange::new(4, 5)),
            message: String::new(),
            help: None,
            fixes: vec![Fix::safe(
                "t",
                vec![Edit { location: Location::new(file, TextRange::new(0, 1)), text: String::new() }],
            )],
        };
        assert!(move_forward(&mut diagnostic, &map));
        assert_eq!(diagnostic.location.range, TextRange::new(5, 6));
        diagnostic.fixes[0].edits[0].location.range = TextRange::new(1, 3);
        assert!(!move_forward(&mut diagnostic, &map), "an edit over the changed bytes cannot move");
        // A file with nothing to compare with moves nothing.
        assert_eq!(EditMap { files: vec![None] }.shift(file, 0, 1, Direction::NewToOld), None);
    }
}
