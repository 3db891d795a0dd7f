//! The rule catalogue and the walk that runs enabled rules over a schema.

pub(crate) mod capacity;
pub(crate) mod keys;
pub(crate) mod types;

use std::cell::RefCell;
use std::collections::HashMap;

use crate::capacity::{CapacityPlan, TableCapacity};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::dialect::Dialect;
use crate::schema::{Column, Schema, Table};
use crate::stats::{AttachedStats, ColumnStats, TableStats};
use crate::storage::{human_bytes, human_count};
use crate::syntax::type_ranges::{self, ColumnTypeRanges};
use crate::text::{FileId, Location, TextRange};

fn format_bytes_per_row(bytes: f64) -> String {
    if (bytes - bytes.round()).abs() < 0.05 {
        format!("{}", bytes.round() as i64)
    } else {
        format!("{bytes:.1}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Keys,
    Types,
    Normalization,
    Capacity,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Keys => "keys",
            Family::Types => "types",
            Family::Normalization => "normalization",
            Family::Capacity => "capacity",
        }
    }
}

/// What a rule is, apart from what it checks.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub name: &'static str,
    pub family: Family,
    pub default_severity: Severity,
    pub dialects: &'static [Dialect],
    pub needs_stats: bool,
}

impl RuleMeta {
    pub const fn new(name: &'static str, family: Family, default_severity: Severity) -> Self {
        Self { name, family, default_severity, dialects: &Dialect::ALL, needs_stats: false }
    }

    pub const fn dialects(self, dialects: &'static [Dialect]) -> Self {
        Self { dialects, ..self }
    }

    pub const fn needs_stats(self) -> Self {
        Self { needs_stats: true, ..self }
    }
}

pub(crate) trait Rule {
    const META: RuleMeta;

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table);
}

/// Thresholds rules read from `[thresholds]` in schemacast.toml.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSettings {
    /// `column-padding` stays quiet below this saving per row.
    pub column_padding_bytes: f64,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings { column_padding_bytes: 8.0 }
    }
}

/// Where a table's row count comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowSource {
    Stats,
    Annotation,
}

impl RowSource {
    pub fn name(self) -> &'static str {
        match self {
            RowSource::Stats => "stats",
            RowSource::Annotation => "annotation",
        }
    }
}

/// A table's row count now: the latest snapshot's, else its planning annotation's.
pub fn rows_now(table: &Table, stats: Option<&AttachedStats>) -> Option<(f64, RowSource)> {
    if let Some(rows) = stats.and_then(|s| s.for_table(&table.name)).and_then(|t| t.rows) {
        return Some((rows as f64, RowSource::Stats));
    }
    table.plan.as_ref().and_then(|p| p.rows).map(|rows| (rows, RowSource::Annotation))
}

/// What rules see while they run, and where their findings go.
pub struct Ctx<'a> {
    pub schema: &'a Schema,
    pub dialect: Dialect,
    pub stats: Option<&'a AttachedStats>,
    pub capacity: &'a CapacityPlan,
    pub settings: &'a RuleSettings,
    /// The index in [`Schema::tables`] of the table being checked.
    table_index: usize,
    /// Each file's text, by [`FileId`]: only for finding exact ranges, never for analysis.
    texts: &'a [&'a str],
    /// Each file's path, by [`FileId`]: for naming a new migration beside them.
    paths: &'a [&'a str],
    type_parser: RefCell<Option<tree_sitter::Parser>>,
    type_ranges: RefCell<HashMap<(FileId, TextRange), ColumnTypeRanges>>,
    rule: &'static str,
    severity: Severity,
    diagnostics: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub(crate) fn table_stats(&self, table: &Table) -> Option<&TableStats> {
        self.stats.and_then(|s| s.for_table(&table.name))
    }

    pub(crate) fn column_stats(&self, table: &Table, column: &str) -> Option<&ColumnStats> {
        let folded = self.dialect.fold(column, true);
        self.table_stats(table)?.columns.iter().find(|c| self.dialect.fold(&c.name, true) == folded)
    }

    /// The projection of the table being checked.
    pub(crate) fn table_capacity(&self) -> Option<&TableCapacity> {
        self.capacity.table(self.table_index)
    }

    pub(crate) fn table_index(&self) -> usize {
        self.table_index
    }

    pub(crate) fn rows_now(&self, table: &Table) -> Option<(f64, RowSource)> {
        rows_now(table, self.stats)
    }

    /// "8 B/row" and, with a row count, "8 B/row (1.2 GiB at 150.0M rows, from stats)".
    pub(crate) fn cost(&self, table: &Table, bytes_per_row: f64) -> String {
        let per_row = format!("{} B/row", format_bytes_per_row(bytes_per_row));
        match self.rows_now(table) {
            Some((rows, source)) => format!(
                "{per_row} ({} at {} rows, from {})",
                human_bytes(bytes_per_row * rows),
                human_count(rows),
                match source {
                    RowSource::Stats => "stats",
                    RowSource::Annotation => "the planning annotation",
                }
            ),
            None => per_row,
        }
    }

    /// A file's text, for rules whose fix must reuse what was written.
    pub(crate) fn text(&self, file: FileId) -> Option<&str> {
        self.texts.get(file.0 as usize).copied()
    }

    /// The migration to add after the set's last file for a statement that must run outside a
    /// transaction; `None` when the files follow no convention it knows.
    pub(crate) fn next_migration(
        &self,
        description: &str,
        statement: &str,
        undo: &str,
    ) -> Option<crate::schema::migrations::NewMigration> {
        crate::schema::migrations::next_migration(self.paths, self.texts, description, statement, undo)
    }

    /// The exact range of a column's declared type, found with tree-sitter in the statement that
    /// declared it (parsed once, on first use).
    pub(crate) fn column_type_loc(&self, column: &Column) -> Option<Location> {
        if !column.declared_by_definition {
            return None;
        }
        let statement = column.declared_in;
        let key = (statement.file, statement.range);
        let mut cache = self.type_ranges.borrow_mut();
        let ranges = cache.entry(key).or_insert_with(|| {
            let text =
                self.texts.get(statement.file.0 as usize).and_then(|t| t.get(statement.range.to_range())).unwrap_or("");
            let mut parser = self.type_parser.borrow_mut();
            let parser = parser.get_or_insert_with(type_ranges::new_parser);
            ColumnTypeRanges::find(parser, text, self.dialect)
        });
        let range = ranges.get(&column.name)?;
        let base = statement.range.start as usize;
        Some(Location::new(statement.file, TextRange::new(base + range.start as usize, base + range.end as usize)))
    }

    pub(crate) fn report(&mut self, location: Location, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            rule: self.rule,
            severity: self.severity,
            location,
            message: message.into(),
            help: None,
            fixes: Vec::new(),
        });
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }
}

struct RegisteredRule {
    meta: RuleMeta,
    source: &'static str,
    check_table: fn(&mut Ctx<'_>, &Table),
}

macro_rules! catalogue {
    ($($rule:path => $file:literal),* $(,)?) => {
        static RULES: &[RegisteredRule] = &[$(
            RegisteredRule {
                meta: <$rule as Rule>::META,
                source: include_str!($file),
                check_table: |ctx, table| Rule::check_table(&$rule, ctx, table),
            },
        )*];
    };
}

catalogue! {
    keys::missing_fk_index::MissingFkIndex => "keys/missing_fk_index.rs",
    keys::redundant_index::RedundantIndex => "keys/redundant_index.rs",
    keys::missing_primary_key::MissingPrimaryKey => "keys/missing_primary_key.rs",
    keys::fk_type_mismatch::FkTypeMismatch => "keys/fk_type_mismatch.rs",
    types::column_padding::ColumnPadding => "types/column_padding.rs",
    types::char_padding::CharPadding => "types/char_padding.rs",
    types::uuid_as_text::UuidAsText => "types/uuid_as_text.rs",
    types::inet_as_text::InetAsText => "types/inet_as_text.rs",
    types::timestamp_as_text::TimestampAsText => "types/timestamp_as_text.rs",
    types::float_for_money::FloatForMoney => "types/float_for_money.rs",
    types::int_key_exhaustion::IntKeyExhaustion => "types/int_key_exhaustion.rs",
    types::oversized_integer::OversizedInteger => "types/oversized_integer.rs",
    types::oversized_varchar::OversizedVarchar => "types/oversized_varchar.rs",
    types::number_as_text::NumberAsText => "types/number_as_text.rs",
    capacity::table_growth::TableGrowth => "capacity/table_growth.rs",
    capacity::storage_budget::StorageBudget => "capacity/storage_budget.rs",
}

/// A rule as the user sees it.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    pub meta: RuleMeta,
    /// The rule's documentation: its doc comment.
    pub docs: String,
}

impl RuleInfo {
    /// The first sentence under `## What it does`.
    pub fn summary(&self) -> String {
        let after = self.docs.split("## What it does").nth(1).unwrap_or(&self.docs);
        let paragraph = after.trim_start().split("\n\n").next().unwrap_or("");
        paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

pub fn all_rules() -> impl Iterator<Item = RuleInfo> {
    RULES.iter().map(|r| RuleInfo { meta: r.meta, docs: doc_comment(r.source) })
}

pub fn rule(name: &str) -> Option<RuleInfo> {
    all_rules().find(|r| r.meta.name == name)
}

/// The closest rule name to a misspelt one, for "did you mean" hints.
pub fn suggest_rule(name: &str) -> Option<&'static str> {
    RULES
        .iter()
        .map(|r| (strsim::levenshtein(name, r.meta.name), r.meta.name))
        .filter(|(distance, _)| *distance <= 4)
        .min()
        .map(|(_, n)| n)
}

/// "; did you mean `NAME`?" for a misspelt rule name, or nothing.
pub fn did_you_mean(name: &str) -> String {
    suggest_rule(name).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

/// The doc comment above the rule's struct: the `schemacast rule NAME` text.
fn doc_comment(source: &str) -> String {
    let mut block: Vec<&str> = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim_start();
        if let Some(doc) = trimmed.strip_prefix("///") {
            block.push(doc.strip_prefix(' ').unwrap_or(doc));
        } else if trimmed.starts_with("pub(crate) struct") || trimmed.starts_with("pub struct") {
            break;
        } else if !trimmed.starts_with("#[") {
            block.clear();
        }
    }
    block.join("\n")
}

/// Which rules run and at what severity.
#[derive(Clone, Debug)]
pub struct RuleSelection {
    levels: HashMap<&'static str, Option<Severity>>,
}

impl Default for RuleSelection {
    fn default() -> Self {
        Self { levels: RULES.iter().map(|r| (r.meta.name, Some(r.meta.default_severity))).collect() }
    }
}

impl RuleSelection {
    /// Sets a rule's severity (`None` turns it off). Unknown names are an error for the caller to
    /// report with [`suggest_rule`].
    pub fn set(&mut self, name: &str, level: Option<Severity>) -> Result<(), String> {
        let entry = RULES.iter().find(|r| r.meta.name == name).ok_or_else(|| name.to_owned())?;
        self.levels.insert(entry.meta.name, level);
        Ok(())
    }

    /// Keeps only the named rules on.
    pub fn only(&mut self, names: &[String]) -> Result<(), String> {
        for name in names {
            if !RULES.iter().any(|r| r.meta.name == name) {
                return Err(name.clone());
            }
        }
        for (rule, level) in self.levels.iter_mut() {
            if !names.iter().any(|n| n == rule) {
                *level = None;
            }
        }
        Ok(())
    }

    pub fn severity(&self, name: &str) -> Option<Severity> {
        self.levels.get(name).copied().flatten()
    }
}

/// Reports at the column's type (or its name when the type's range is unknown) and, when the
/// type's range is known, offers changing it to `new_type` as an unsafe fix.
pub(crate) fn report_retype<'c>(
    ctx: &'c mut Ctx<'_>,
    column: &Column,
    message: String,
    new_type: &str,
) -> &'c mut Diagnostic {
    let type_loc = ctx.column_type_loc(column);
    let diagnostic = ctx.report(type_loc.unwrap_or(column.name_loc), message);
    if let Some(location) = type_loc {
        diagnostic.fix(Fix::unsafe_edit(
            format!("Change the type of `{}` to `{new_type}`", column.name),
            vec![Edit { location, text: new_type.to_owned() }],
        ));
    }
    diagnostic
}

/// Runs every enabled rule that applies to the dialect over every table.
pub(crate) fn run(
    schema: &Schema,
    texts: &[&str],
    paths: &[&str],
    selection: &RuleSelection,
    stats: Option<&AttachedStats>,
    capacity: &CapacityPlan,
    settings: &RuleSettings,
) -> Vec<Diagnostic> {
    let mut ctx = Ctx {
        schema,
        dialect: schema.dialect,
        stats,
        capacity,
        settings,
        table_index: 0,
        texts,
        paths,
        type_parser: RefCell::new(None),
        type_ranges: RefCell::new(HashMap::new()),
        rule: "",
        severity: Severity::Info,
        diagnostics: Vec::new(),
    };
    let enabled: Vec<(&RegisteredRule, Severity)> = RULES
        .iter()
        .filter(|r| r.meta.dialects.contains(&schema.dialect))
        .filter(|r| !r.meta.needs_stats || stats.is_some())
        .filter_map(|r| selection.severity(r.meta.name).map(|s| (r, s)))
        .collect();
    for (index, table) in schema.tables().iter().enumerate() {
        ctx.table_index = index;
        for (rule, severity) in &enabled {
            ctx.rule = rule.meta.name;
            ctx.severity = *severity;
            (rule.check_table)(&mut ctx, table);
        }
    }
    ctx.diagnostics
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_documents_itself_with_the_required_headings() {
        for rule in all_rules() {
            for heading in ["## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Fix safety"] {
                assert!(rule.docs.contains(heading), "{} lacks `{heading}`:\n{}", rule.meta.name, rule.docs);
            }
            assert!(!rule.summary().is_empty());
        }
    }

    #[test]
    fn misspelt_names_get_a_suggestion() {
        assert_eq!(suggest_rule("missing-fk-idx"), Some("missing-fk-index"));
        assert_eq!(suggest_rule("something-else-entirely"), None);
    }
}
