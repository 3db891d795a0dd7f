//! Parse results kept between analyses, so that an edit re-parses only the statements it
//! touched: each statement's outcome is keyed by its text (and dialect and terminator), and a
//! hit is moved to wherever the statement now sits. Each file's split is kept too, keyed by the
//! file's whole text, so an unchanged file is not cut up again.
//!
//! Owned by the caller (the language server keeps one per project); the engine stays pure.

use std::collections::HashMap;

use crate::dialect::Dialect;
use crate::schema::lower::{AlterAction, Constraint, Op};
use crate::schema::{Column, ForeignKey, Index, ObjectRef, StatementRef, Table};
use crate::text::{FileId, LineIndex, Location, TextRange};

use super::{ParseOutcome, SkippedStatement, SplitDocument};

/// Parse outcomes and splits from earlier analyses. Entries the latest analysis did not use
/// are dropped after it, so the cache holds about one copy of the parsed migration set.
#[derive(Debug, Default)]
pub struct ParseCache {
    /// By statement text: the outcomes of statements with that text (one per dialect and
    /// terminator shape, in practice one).
    statements: HashMap<String, Vec<CachedStatement>>,
    /// By file path: the last split of that file.
    splits: HashMap<String, CachedSplit>,
    /// The last analysis' findings, for the rules to re-run only where an edit reaches.
    pub(crate) rules: crate::rules::memo::RulesMemo,
    /// Counts analyses; an entry records the last one that used it.
    run: u64,
    hits: usize,
    misses: usize,
    /// Files of the latest analysis split around their edit, and split whole.
    resplit: usize,
    split_whole: usize,
}

#[derive(Debug)]
struct CachedStatement {
    dialect: Dialect,
    /// Where the terminator ends, from the statement's start: `end_with_terminator` in the ops.
    terminator: Option<u32>,
    /// The statement the outcome was made for: rebasing moves from here.
    origin: StatementRef,
    outcome: ParseOutcome,
    used: u64,
}

#[derive(Debug)]
struct CachedSplit {
    dialect: Dialect,
    /// The text has no word that gives the splitter lasting state (`split::is_plain`): an edit
    /// can be split again around itself.
    plain: bool,
    text: String,
    document: SplitDocument,
    lines: LineIndex,
    used: u64,
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// How many statements the latest analysis found here, and how many it parsed.
    pub fn last_run(&self) -> (usize, usize) {
        (self.hits, self.misses)
    }

    /// How many files the latest analysis split again around an edit, and how many whole (new
    /// files, the first analysis, edits that may have changed the splitter's state).
    pub fn last_splits(&self) -> (usize, usize) {
        (self.resplit, self.split_whole)
    }

    /// Statements held.
    pub fn len(&self) -> usize {
        self.statements.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Starts an analysis: what it does not use is evicted by [`finish_run`](Self::finish_run).
    pub(crate) fn start_run(&mut self) {
        self.run += 1;
        self.hits = 0;
        self.misses = 0;
        self.resplit = 0;
        self.split_whole = 0;
    }

    /// Drops what the analysis just ended did not use.
    pub(crate) fn finish_run(&mut self) {
        let run = self.run;
        self.statements.retain(|_, entries| {
            entries.retain(|e| e.used == run);
            !entries.is_empty()
        });
        self.splits.retain(|_, split| split.used == run);
    }

    /// How a file changed since the last run split it; `None` when it did not (a new file, or
    /// another dialect).
    pub(crate) fn change(&self, path: &str, text: &str, dialect: Dialect) -> Option<crate::rules::memo::FileChange> {
        let cached = self.splits.get(path).filter(|s| s.dialect == dialect)?;
        Some(crate::rules::memo::FileChange::between(&cached.text, text))
    }

    /// Tables the latest analysis ran the rules on, and all of them.
    pub fn rules_last_run(&self) -> (usize, usize) {
        self.rules.last_run
    }

    /// The split and line index of a file that [`change`](Self::change) found unchanged since
    /// the last run.
    pub(crate) fn split(&mut self, path: &str) -> Option<(SplitDocument, LineIndex)> {
        let cached = self.splits.get_mut(path)?;
        cached.used = self.run;
        Some((cached.document.clone(), cached.lines.clone()))
    }

    /// The split and line index of a file edited since the last run, made from the last run's
    /// around the edit (`split::resplit`); `None` when it must be split whole.
    pub(crate) fn resplit(
        &self,
        path: &str,
        text: &str,
        dialect: Dialect,
        change: Option<crate::rules::memo::FileChange>,
    ) -> Option<(SplitDocument, LineIndex)> {
        let Some(crate::rules::memo::FileChange::Replaced { prefix, old_suffix, new_suffix }) = change else {
            return None;
        };
        let cached = self.splits.get(path).filter(|s| s.dialect == dialect && s.plain)?;
        let region = (prefix as usize, old_suffix as usize, new_suffix as usize);
        let document = super::split::resplit(&cached.text, &cached.document, text, region, dialect)?;
        Some((document, cached.lines.edited(text, region.0, region.1, region.2)))
    }

    /// Keeps a file's split; `plain` when known (a split made around an edit of a plain text).
    pub(crate) fn store_split(
        &mut self,
        path: &str,
        text: &str,
        dialect: Dialect,
        document: &SplitDocument,
        lines: &LineIndex,
        plain: Option<bool>,
    ) {
        match plain {
            Some(_) => self.resplit += 1,
            None => self.split_whole += 1,
        }
        let split = CachedSplit {
            dialect,
            plain: plain.unwrap_or_else(|| super::split::is_plain(text, 0, text.len())),
            text: text.to_owned(),
            document: document.clone(),
            lines: lines.clone(),
            used: self.run,
        };
        self.splits.insert(path.to_owned(), split);
    }

    /// The outcome of a statement with this text, moved to `at`.
    pub(crate) fn outcome(&mut self, text: &str, dialect: Dialect, at: StatementRef) -> Option<ParseOutcome> {
        let terminator = terminator_of(at);
        let run = self.run;
        let Some(entry) = self
            .statements
            .get_mut(text)
            .and_then(|entries| entries.iter_mut().find(|e| e.dialect == dialect && e.terminator == terminator))
        else {
            self.misses += 1;
            return None;
        };
        entry.used = run;
        self.hits += 1;
        let mut outcome = entry.outcome.clone();
        let shift = Shift::between(entry.origin, at);
        if !shift.is_identity() {
            outcome.rebase(&shift);
        }
        Some(outcome)
    }

    pub(crate) fn store(&mut self, text: &str, dialect: Dialect, at: StatementRef, outcome: &ParseOutcome) {
        let entry = CachedStatement {
            dialect,
            terminator: terminator_of(at),
            origin: at,
            outcome: outcome.clone(),
            used: self.run,
        };
        let entries = self.statements.entry(text.to_owned()).or_default();
        match entries.iter_mut().find(|e| e.dialect == dialect && e.terminator == entry.terminator) {
            Some(existing) => *existing = entry,
            None => entries.push(entry),
        }
    }
}

fn terminator_of(statement: StatementRef) -> Option<u32> {
    statement.terminated.then(|| statement.end_with_terminator - statement.range.start)
}

/// Moves locations from one statement's place to another's: another file, another offset.
struct Shift {
    file: FileId,
    from_file: FileId,
    /// Added to every offset (the statements have the same text, so nothing goes below zero).
    by: i64,
}

impl Shift {
    fn between(from: StatementRef, to: StatementRef) -> Shift {
        Shift { file: to.file, from_file: from.file, by: i64::from(to.range.start) - i64::from(from.range.start) }
    }

    fn is_identity(&self) -> bool {
        self.by == 0 && self.file == self.from_file
    }

    fn offset(&self, offset: u32) -> u32 {
        u32::try_from(i64::from(offset) + self.by).unwrap_or(0)
    }
}

/// Everything that holds a location inside a statement. The impls destructure every field, so
/// a new field with a location cannot be forgotten here without the compiler saying so.
trait Rebase {
    fn rebase(&mut self, shift: &Shift);
}

impl Rebase for TextRange {
    fn rebase(&mut self, shift: &Shift) {
        self.start = shift.offset(self.start);
        self.end = shift.offset(self.end);
    }
}

impl Rebase for Location {
    fn rebase(&mut self, shift: &Shift) {
        self.file = shift.file;
        self.range.rebase(shift);
    }
}

impl Rebase for StatementRef {
    fn rebase(&mut self, shift: &Shift) {
        let StatementRef { file, range, end_with_terminator, terminated: _ } = self;
        *file = shift.file;
        range.rebase(shift);
        *end_with_terminator = shift.offset(*end_with_terminator);
    }
}

impl Rebase for ObjectRef {
    fn rebase(&mut self, shift: &Shift) {
        let ObjectRef { schema: _, name: _, loc } = self;
        loc.rebase(shift);
    }
}

impl Rebase for Column {
    fn rebase(&mut self, shift: &Shift) {
        let Column {
            name: _,
            ty: _,
            not_null: _,
            has_default: _,
            default: _,
            identity: _,
            generated: _,
            name_loc,
            declared_in,
            declared_by_definition: _,
            comment: _,
        } = self;
        name_loc.rebase(shift);
        declared_in.rebase(shift);
    }
}

impl Rebase for Index {
    fn rebase(&mut self, shift: &Shift) {
        let Index { name: _, keys: _, include: _, unique: _, origin: _, method: _, predicate: _, loc, statement } =
            self;
        loc.rebase(shift);
        statement.rebase(shift);
    }
}

impl Rebase for ForeignKey {
    fn rebase(&mut self, shift: &Shift) {
        let ForeignKey {
            name: _,
            columns: _,
            column_locs,
            referenced,
            referenced_table: _,
            referenced_columns: _,
            statement,
        } = self;
        column_locs.iter_mut().for_each(|l| l.rebase(shift));
        referenced.rebase(shift);
        statement.rebase(shift);
    }
}

impl Rebase for Table {
    fn rebase(&mut self, shift: &Shift) {
        let Table {
            name: _,
            name_loc,
            statement,
            columns,
            indexes,
            foreign_keys,
            check_constraints: _,
            partitioned: _,
            partition_of: _,
            inherits: _,
            temporary: _,
            plan: _,
            comment: _,
        } = self;
        name_loc.rebase(shift);
        statement.rebase(shift);
        columns.iter_mut().for_each(|c| c.rebase(shift));
        indexes.iter_mut().for_each(|i| i.rebase(shift));
        foreign_keys.iter_mut().for_each(|f| f.rebase(shift));
    }
}

impl Rebase for Constraint {
    fn rebase(&mut self, shift: &Shift) {
        match self {
            Constraint::Index(index) => index.rebase(shift),
            Constraint::ForeignKey(fk) => fk.rebase(shift),
            Constraint::Check(_) => {}
        }
    }
}

impl Rebase for AlterAction {
    fn rebase(&mut self, shift: &Shift) {
        match self {
            AlterAction::AddColumn { column, constraints }
            | AlterAction::ReplaceColumn { old_name: _, column, constraints } => {
                column.rebase(shift);
                constraints.iter_mut().for_each(|c| c.rebase(shift));
            }
            AlterAction::AddConstraint(constraint) => constraint.rebase(shift),
            AlterAction::RenameTable(to) | AlterAction::AttachPartition(to) => to.rebase(shift),
            AlterAction::SetColumnType { column: _, ty: _, name_loc, statement } => {
                name_loc.rebase(shift);
                statement.rebase(shift);
            }
            AlterAction::DropColumn(_)
            | AlterAction::DropConstraint(_)
            | AlterAction::DropPrimaryKey
            | AlterAction::DropIndex(_)
            | AlterAction::RenameColumn { .. }
            | AlterAction::SetNotNull { .. } => {}
        }
    }
}

impl Rebase for Op {
    fn rebase(&mut self, shift: &Shift) {
        match self {
            Op::CreateTable { table, name, if_not_exists: _ } => {
                table.rebase(shift);
                name.rebase(shift);
            }
            Op::CopyLike { into, from, indexes: _, position: _ } => {
                into.rebase(shift);
                from.rebase(shift);
            }
            Op::CreateIndex { table, index, name_schema: _, if_not_exists: _ } => {
                table.rebase(shift);
                index.rebase(shift);
            }
            Op::AlterTable { table, actions } => {
                table.rebase(shift);
                actions.iter_mut().for_each(|a| a.rebase(shift));
            }
            Op::DropTables { names, cascade: _ } => names.iter_mut().for_each(|n| n.rebase(shift)),
            Op::DropIndexes { names, table } => {
                names.iter_mut().for_each(|n| n.rebase(shift));
                if let Some(table) = table {
                    table.rebase(shift);
                }
            }
            Op::RenameTable { from, to } => {
                from.rebase(shift);
                to.rebase(shift);
            }
            Op::CreateEnum { name, labels: _ } => name.rebase(shift),
            Op::Comment { table, column: _, text: _ } => table.rebase(shift),
            Op::CreateSchema(_) | Op::SetSearchPath(_) => {}
        }
    }
}

impl Rebase for SkippedStatement {
    fn rebase(&mut self, shift: &Shift) {
        // `error` and `reason` speak of positions inside the statement, which do not move.
        let SkippedStatement { range, error: _, reason: _ } = self;
        range.rebase(shift);
    }
}

impl Rebase for ParseOutcome {
    fn rebase(&mut self, shift: &Shift) {
        match self {
            ParseOutcome::Parsed(ops) => ops.iter_mut().for_each(|op| op.rebase(shift)),
            ParseOutcome::Skipped(skipped) => skipped.rebase(shift),
        }
    }
}
