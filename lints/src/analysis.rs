//! The whole pipeline over a set of files: split, parse, build the schema, run rules.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::capacity::{self, CapacityPlan, CapacitySettings};
use crate::diagnostic::{Diagnostic, Severity};
use crate::dialect::Dialect;
use crate::planning::parse_plan;
use crate::rules::memo::{EditMap, FileChange};
use crate::rules::{self, RuleSelection, RuleSettings};
use crate::schema::builder::SchemaBuilder;
use crate::schema::Schema;
use crate::stats::{attach, AttachedStats, Snapshot, StatsSeries};
use crate::suppression::{self, SuppressedDiagnostic, Suppression, UNKNOWN_RULE, UNUSED_SUPPRESSION};
use crate::syntax::{self, ParseCache, ParseJob, ParseOutcome, SkippedStatement, SplitDocument};
use crate::text::{FileId, LineIndex, Location, TextRange};

/// The rule name of problems with planning annotations (not a catalogue rule: it cannot be
/// turned off, since a mistyped annotation would silently change every estimate).
pub const INVALID_ANNOTATION: &str = "invalid-annotation";

/// The rule name of statements that would have changed the model but were not understood (not
/// a catalogue rule: a table missing from the model silently hides every finding about it).
pub const UNPARSED_DDL: &str = "unparsed-ddl";

/// What an analysis may use besides the SQL.
#[derive(Clone, Debug, Default)]
pub struct AnalysisOptions {
    /// The snapshot to match to the schema (the latest of a stats file).
    pub stats: Option<Snapshot>,
    /// The stats history's series, for forecasts (shared: it can be large).
    pub series: Option<Arc<StatsSeries>>,
    pub settings: RuleSettings,
    pub capacity: CapacitySettings,
    /// Today, in days since 1970-01-01 UTC: where horizons start when there is no snapshot
    /// (the engine has no clock).
    pub today: Option<f64>,
    /// Record how long each phase took ([`Analysis::timings`]), for `check --timings`.
    pub timings: bool,
}

/// Wall-clock time of each phase of one analysis.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// Cutting the files into statements.
    pub split: Duration,
    /// sqlparser, and `lower` below: the two run interleaved, statement by statement, on the
    /// parsing threads, so their wall time is divided in proportion to the thread time each
    /// took.
    pub parse: Duration,
    /// Turning ASTs into schema changes (`Op`s).
    pub lower: Duration,
    /// Applying the changes to build the schema, planning annotations, matching the stats.
    pub model: Duration,
    /// Storage estimates and forecasts of every table (`capacity::plan`).
    pub capacity: Duration,
    /// The rules, suppressions and `unparsed-ddl`.
    pub rules: Duration,
}

/// A file handed to the engine: its path as the user gave it, and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

#[derive(Debug)]
pub struct AnalyzedFile {
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
    pub document: SplitDocument,
    pub parsed: usize,
    pub skipped: Vec<SkippedStatement>,
}

#[derive(Debug)]
pub struct Analysis {
    /// In the order the statements were applied; a [`FileId`] indexes this.
    pub files: Vec<AnalyzedFile>,
    pub schema: Schema,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The stats snapshot matched to the schema, when one was given.
    pub stats: Option<AttachedStats>,
    /// Every table's projected rows, bytes and cost, and the database's total.
    pub capacity: CapacityPlan,
    /// How long each phase took, when [`AnalysisOptions::timings`] asked.
    pub timings: Option<Timings>,
    /// Every `ignore`/`ignore-file` comment, with its reason and how many findings it silenced.
    pub suppressions: Vec<Suppression>,
    /// The findings those comments silenced, by file and position.
    pub suppressed: Vec<SuppressedDiagnostic>,
}

impl Analysis {
    pub fn file(&self, id: FileId) -> &AnalyzedFile {
        &self.files[id.index()]
    }

    /// The file `id`, or `None` when it is not one of this analysis' files.
    pub fn get_file(&self, id: FileId) -> Option<&AnalyzedFile> {
        self.files.get(id.index())
    }

    pub fn statements_parsed(&self) -> usize {
        self.files.iter().map(|f| f.parsed).sum()
    }

    pub fn statements_skipped(&self) -> usize {
        self.files.iter().map(|f| f.skipped.len()).sum()
    }

    /// How many statements were skipped for each reason, the most common first (then by
    /// reason, so the order is stable).
    pub fn skipped_by_reason(&self) -> Vec<(&str, usize)> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for skipped in self.files.iter().flat_map(|f| &f.skipped) {
            match counts.iter_mut().find(|(reason, _)| *reason == skipped.reason) {
                Some((_, n)) => *n += 1,
                None => counts.push((&skipped.reason, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        counts
    }

    /// Keeps the findings, silenced findings and ignore comments of the files `keep` accepts
    /// (`check --changed`: the whole set analysed, the changed files reported).
    pub fn keep_findings_in(&mut self, keep: impl Fn(FileId) -> bool) {
        self.diagnostics.retain(|d| keep(d.location.file));
        // `suppressed` points into `suppressions` by index: renumber what stays.
        let mut new_index = Vec::with_capacity(self.suppressions.len());
        let mut kept = 0;
        for suppression in &self.suppressions {
            new_index.push(keep(suppression.file).then_some(kept));
            kept += usize::from(keep(suppression.file));
        }
        self.suppressed.retain_mut(|s| match new_index.get(s.by).copied().flatten() {
            Some(by) => {
                s.by = by;
                true
            }
            None => false,
        });
        self.suppressions.retain(|s| keep(s.file));
    }

    /// Files with statements none of which was understood: the wrong dialect, or not SQL.
    pub fn unreadable_files(&self) -> impl Iterator<Item = &AnalyzedFile> {
        self.files.iter().filter(|f| f.parsed == 0 && !f.skipped.is_empty())
    }
}

/// Analyzes `files` as one schema, applied in the order given.
pub fn analyze(files: Vec<SourceFile>, dialect: Dialect, selection: &RuleSelection) -> Analysis {
    analyze_with(files, dialect, selection, AnalysisOptions::default())
}

/// [`analyze`] with stats and rule settings.
pub fn analyze_with(
    files: Vec<SourceFile>,
    dialect: Dialect,
    selection: &RuleSelection,
    options: AnalysisOptions,
) -> Analysis {
    analyze_using(files, dialect, selection, options, None)
}

/// [`analyze_with`], re-using what `cache` kept from earlier analyses: files whose text did not
/// change are not split again, statements whose text did not change are not parsed again. The
/// result is the same as [`analyze_with`]'s; the cache is updated and keeps only what this
/// analysis used.
pub fn analyze_cached(
    files: Vec<SourceFile>,
    dialect: Dialect,
    selection: &RuleSelection,
    options: AnalysisOptions,
    cache: &mut ParseCache,
) -> Analysis {
    cache.start_run();
    let analysis = analyze_using(files, dialect, selection, options, Some(&mut *cache));
    cache.finish_run();
    analysis
}

fn analyze_using(
    files: Vec<SourceFile>,
    dialect: Dialect,
    selection: &RuleSelection,
    options: AnalysisOptions,
    mut cache: Option<&mut ParseCache>,
) -> Analysis {
    let started = Instant::now();
    // Files are known by path: two with one path cannot be told apart, and the rules' memo is
    // not used then.
    let unique_paths =
        files.iter().map(|f| f.path.as_str()).collect::<std::collections::HashSet<_>>().len() == files.len();
    // How each file changed since the cache's last analysis: splitting and the rules redo only
    // what that reaches.
    let mut changes = Vec::with_capacity(files.len());
    let mut analyzed: Vec<AnalyzedFile> = files
        .into_iter()
        .map(|file| {
            let (document, lines, change) = split_file(&file, dialect, cache.as_deref_mut());
            changes.push(change);
            AnalyzedFile { lines, document, path: file.path, text: file.text, parsed: 0, skipped: Vec::new() }
        })
        .collect();
    let edits = (cache.is_some() && unique_paths).then_some(EditMap { files: changes });

    let jobs: Vec<ParseJob<'_>> = analyzed
        .iter()
        .enumerate()
        .flat_map(|(i, file)| {
            file.document.statements.iter().map(move |statement| ParseJob {
                file: FileId::from_index(i),
                text: &file.text,
                statement,
            })
        })
        .collect();
    let job_files: Vec<FileId> = jobs.iter().map(|j| j.file).collect();
    let split_done = Instant::now();
    let mut run = match cache.as_deref_mut() {
        Some(cache) => syntax::parse_all_cached(&jobs, dialect, cache),
        None => syntax::parse_all(&jobs, dialect),
    };
    drop(jobs);
    let parse_done = Instant::now();

    let mut builder = SchemaBuilder::new(dialect);
    for (file, outcome) in job_files.into_iter().zip(run.chunks.drain(..).flatten()) {
        let file = &mut analyzed[file.0 as usize];
        match outcome {
            ParseOutcome::Parsed(ops) => {
                file.parsed += 1;
                for op in ops {
                    builder.apply(op);
                }
            }
            ParseOutcome::Skipped(skipped) => file.skipped.push(skipped),
        }
    }
    let mut schema = builder.finish();
    let mut annotation_problems = attach_plans(&analyzed, &mut schema);
    if let Some(cache) = cache.as_deref_mut() {
        cache.rules.note_stats(options.stats.as_ref(), options.series.as_ref());
    }
    let stats = options.stats.map(|snapshot| attach(&schema, snapshot));
    let model_done = Instant::now();
    let capacity = capacity::plan(&schema, stats.as_ref(), options.series.as_deref(), &options.capacity, options.today);
    let capacity_done = Instant::now();

    let texts: Vec<&str> = analyzed.iter().map(|f| f.text.as_str()).collect();
    let paths: Vec<&str> = analyzed.iter().map(|f| f.path.as_str()).collect();
    let mut findings = match (cache, &edits) {
        (Some(cache), Some(edits)) => rules::run_memoized(
            &schema,
            &texts,
            &paths,
            selection,
            stats.as_ref(),
            &capacity,
            &options.settings,
            &mut cache.rules,
            edits,
        ),
        (cache, _) => {
            // What the memo holds is no longer the last analysis' findings.
            if let Some(cache) = cache {
                cache.rules = Default::default();
            }
            rules::run(&schema, &texts, &paths, selection, stats.as_ref(), &capacity, &options.settings)
        }
    };
    findings.extend(unparsed_ddl(&analyzed));
    let mut suppressions: Vec<Suppression> = analyzed
        .iter()
        .enumerate()
        .flat_map(|(i, f)| suppression::read(FileId::from_index(i), &f.text, &f.document, |n| rules::rule(n).is_some()))
        .collect();
    let documents: Vec<&SplitDocument> = analyzed.iter().map(|f| &f.document).collect();
    let (mut diagnostics, mut suppressed) = suppression::apply(&mut suppressions, &documents, findings);
    suppressed.sort_by_key(|s| s.diagnostic.location);
    diagnostics.extend(unknown_rules(&suppressions));
    if let Some(severity) = selection.severity(UNUSED_SUPPRESSION) {
        let ran: Vec<&str> = rules::enabled_rules(selection, dialect, stats.is_some())
            .into_iter()
            .map(|(r, _)| r.meta.name)
            .chain([UNPARSED_DDL])
            .collect();
        diagnostics.extend(rules::suppression::unused_suppression::report(
            &suppressions,
            severity,
            |name| ran.contains(&name),
            !selection.is_narrowed(),
        ));
    }
    diagnostics.append(&mut annotation_problems);
    sort_stable_in_place(&mut diagnostics, |a, b| a.location.cmp(&b.location).then_with(|| a.rule.cmp(b.rule)));
    let timings = options.timings.then(|| {
        let parse_and_lower = parse_done - split_done;
        let lowering_share =
            if run.busy.is_zero() { 0.0 } else { (run.lowering.as_secs_f64() / run.busy.as_secs_f64()).min(1.0) };
        let lower = parse_and_lower.mul_f64(lowering_share);
        Timings {
            split: split_done - started,
            parse: parse_and_lower - lower,
            lower,
            model: model_done - parse_done,
            capacity: capacity_done - model_done,
            rules: capacity_done.elapsed(),
        }
    });
    Analysis { files: analyzed, schema, diagnostics, stats, capacity, timings, suppressions, suppressed }
}

/// A stable sort that needs a word per item, not a copy of the list as `sort_by`'s scratch
/// space: a large schema's findings are sorted while the whole model is in memory.
fn sort_stable_in_place<T>(items: &mut [T], compare: impl Fn(&T, &T) -> std::cmp::Ordering) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_unstable_by(|&a, &b| compare(&items[a], &items[b]).then(a.cmp(&b)));
    // Follow each cycle of the permutation (item `order[i]` goes to `i`), marking placed items.
    for start in 0..order.len() {
        let mut current = start;
        loop {
            let source = order[current];
            order[current] = current;
            if source == start || source == current {
                break;
            }
            items.swap(current, source);
            current = source;
        }
    }
}

/// A file's statements and line starts, and how its text changed since the cache's last run:
/// from the cache when its text is unchanged, made from the cached ones around the edit when it
/// changed.
fn split_file(
    file: &SourceFile,
    dialect: Dialect,
    cache: Option<&mut ParseCache>,
) -> (SplitDocument, LineIndex, Option<FileChange>) {
    let Some(cache) = cache else {
        return (syntax::split(&file.text, dialect), LineIndex::new(&file.text), None);
    };
    let change = cache.change(&file.path, &file.text, dialect);
    if change == Some(FileChange::Unchanged) {
        if let Some((document, lines)) = cache.split(&file.path) {
            return (document, lines, change);
        }
    }
    if let Some((document, lines)) = cache.resplit(&file.path, &file.text, dialect, change) {
        cache.store_split(&file.path, &file.text, dialect, &document, &lines, Some(true));
        return (document, lines, change);
    }
    let (document, lines) = (syntax::split(&file.text, dialect), LineIndex::new(&file.text));
    cache.store_split(&file.path, &file.text, dialect, &document, &lines, None);
    (document, lines, change)
}

/// A warning at each rule name in an ignore comment that is no rule, with the nearest one.
fn unknown_rules(suppressions: &[Suppression]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for suppression in suppressions {
        for name in &suppression.unknown {
            let message = if [INVALID_ANNOTATION, UNKNOWN_RULE].contains(&name.name.as_str()) {
                format!("`{}` cannot be ignored: fix what it reports", name.name)
            } else {
                format!("unknown rule `{}`{}", name.name, rules::did_you_mean(&name.name))
            };
            out.push(Diagnostic {
                rule: UNKNOWN_RULE,
                severity: Severity::Warning,
                location: Location::new(suppression.file, name.range),
                message,
                help: Some("a name that is no rule silences nothing; `schemacast rule` lists the rules".to_owned()),
                fixes: Vec::new(),
            });
        }
    }
    out
}

/// Reads every planning annotation and gives it to the table its `CREATE TABLE` defines.
fn attach_plans(files: &[AnalyzedFile], schema: &mut crate::schema::Schema) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (file_index, file) in files.iter().enumerate() {
        let file_id = FileId::from_index(file_index);
        for directive in &file.document.directives {
            let location = Location::new(file_id, directive.range);
            let problem = |message: String| Diagnostic {
                rule: INVALID_ANNOTATION,
                severity: Severity::Error,
                location,
                message,
                help: Some("planning annotations read `-- schemacast: rows=2e6 growth=3%/month`".to_owned()),
                fixes: Vec::new(),
            };
            let plan = match parse_plan(&directive.text) {
                Ok(Some(plan)) => plan,
                Ok(None) => continue,
                Err(message) => {
                    problems.push(problem(message));
                    continue;
                }
            };
            let statement = directive.statement.and_then(|i| file.document.statements.get(i));
            let table = statement.and_then(|statement| {
                schema.tables.iter_mut().find(|t| {
                    t.statement.file == file_id
                        && statement.range.start <= t.statement.range.start
                        && t.statement.range.start < statement.range.end.max(statement.range.start + 1)
                })
            });
            match table {
                Some(table) => table.plan = Some(plan),
                None => problems.push(problem(
                    "a planning annotation must come right before the `CREATE TABLE` it plans".to_owned(),
                )),
            }
        }
    }
    problems
}

/// A warning at each skipped statement that would have created, changed or dropped a table or
/// an index, naming the table whose findings may be missing.
fn unparsed_ddl(files: &[AnalyzedFile]) -> Vec<Diagnostic> {
    use crate::syntax::relax::{model_change, ModelChange};
    let mut out = Vec::new();
    for (file_index, file) in files.iter().enumerate() {
        for skipped in &file.skipped {
            let text = &file.text[skipped.range.to_range()];
            let Some(change) = model_change(text) else { continue };
            let reason = skipped.error.trim_start_matches("sql parser error: ");
            let change = match change {
                ModelChange::CreateTable(t) => ModelChange::CreateTable(unquoted(&t)),
                ModelChange::AlterTable(t) => ModelChange::AlterTable(unquoted(&t)),
                ModelChange::DropTable(t) => ModelChange::DropTable(unquoted(&t)),
                ModelChange::CreateIndex(t) => ModelChange::CreateIndex(unquoted(&t)),
            };
            let message = match &change {
                ModelChange::CreateTable(t) => format!(
                    "`{t}` is not in the model: this statement was not understood ({reason}); findings involving `{t}` may be missing"
                ),
                ModelChange::AlterTable(t) => format!(
                    "this change to `{t}` is not in the model: the statement was not understood ({reason}); findings involving `{t}` may be missing or out of date"
                ),
                ModelChange::DropTable(t) => format!(
                    "`{t}` stays in the model: this DROP TABLE was not understood ({reason}); findings about `{t}` may be stale"
                ),
                ModelChange::CreateIndex(t) => format!(
                    "an index on `{t}` is not in the model: this statement was not understood ({reason}); index findings for `{t}` (such as missing-fk-index) may be wrong"
                ),
            };
            // The statement's first line: enough to find it, short enough to read.
            let first_line = text.find('\n').unwrap_or(text.len());
            let range = TextRange::new(skipped.range.start as usize, skipped.range.start as usize + first_line);
            out.push(Diagnostic {
                rule: UNPARSED_DDL,
                severity: Severity::Warning,
                location: Location::new(FileId::from_index(file_index), range),
                message,
                help: Some(
                    "check the statement's syntax and the dialect (`--dialect`, `dialect =` in schemacast.toml); \
                     if it is valid, please report it"
                        .to_owned(),
                ),
                fixes: Vec::new(),
            });
        }
    }
    out
}

/// `"Public"."T"` or `` `t` `` as a message shows it: `Public.T`, `t`.
fn unquoted(name: &str) -> String {
    name.chars().filter(|c| *c != '"' && *c != '`').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Vec<SourceFile> {
        vec![SourceFile { path: "schema.sql".to_owned(), text: text.to_owned() }]
    }

    #[test]
    fn the_in_place_sort_is_stable_and_agrees_with_sort_by() {
        // Keys with many ties, the second field recording the original position.
        let mut seed = 7u32;
        let items: Vec<(u32, usize)> = (0..500)
            .map(|i| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((seed >> 16) % 13, i)
            })
            .collect();
        let mut expected = items.clone();
        expected.sort_by_key(|item| item.0);
        let mut sorted = items;
        sort_stable_in_place(&mut sorted, |a, b| a.0.cmp(&b.0));
        assert_eq!(sorted, expected);
        let mut empty: Vec<(u32, usize)> = Vec::new();
        sort_stable_in_place(&mut empty, |a, b| a.cmp(b));
        assert!(empty.is_empty());
    }

    #[test]
    fn timings_are_recorded_only_when_asked() {
        let text = "CREATE TABLE t (id bigint PRIMARY KEY);\n";
        let selection = RuleSelection::default();
        let plain = analyze_with(files(text), Dialect::Postgres, &selection, AnalysisOptions::default());
        assert_eq!(plain.timings, None);
        let options = AnalysisOptions { timings: true, ..AnalysisOptions::default() };
        let timed = analyze_with(files(text), Dialect::Postgres, &selection, options);
        let timings = timed.timings.expect("timings were asked for");
        // Each phase is measured from the clock, so together they took some time, and not absurdly much.
        let sum = timings.split + timings.parse + timings.lower + timings.model + timings.capacity + timings.rules;
        assert!(sum > Duration::ZERO && sum < Duration::from_secs(60), "{timings:?}");
    }

    #[test]
    fn skipped_statements_group_by_reason_most_common_first() {
        let text = "FROBNICATE a;\nCREATE VIEW v AS SELECT FROM WHERE;\nFROBNICATE b;\nBLEEP;\n";
        let analysis = analyze(files(text), Dialect::Postgres, &RuleSelection::default());
        assert_eq!(
            analysis.skipped_by_reason(),
            [
                ("FROBNICATE: expected an SQL statement", 2),
                ("BLEEP: expected an SQL statement", 1),
                ("CREATE VIEW: expected table name", 1),
            ]
        );
    }

    #[test]
    fn keeping_one_file_keeps_its_findings_and_comments_and_renumbers_what_points_at_them() {
        // Each file: a silenced finding, a reported one, and the comment.
        let file = |i: usize| {
            SourceFile {
            path: format!("V{i}.sql"),
            text: format!(
                "-- schemacast: ignore missing-primary-key -- why\nCREATE TABLE a{i} (x int);\nCREATE TABLE b{i} (x int);\n"
            ),
        }
        };
        let mut analysis = analyze(vec![file(0), file(1)], Dialect::Postgres, &RuleSelection::default());
        assert_eq!((analysis.diagnostics.len(), analysis.suppressed.len(), analysis.suppressions.len()), (2, 2, 2));
        analysis.keep_findings_in(|file| file == FileId::from_index(1));
        assert_eq!((analysis.diagnostics.len(), analysis.suppressed.len(), analysis.suppressions.len()), (1, 1, 1));
        assert_eq!(analysis.diagnostics[0].location.file, FileId::from_index(1));
        assert_eq!(analysis.suppressed[0].by, 0);
        assert_eq!(analysis.suppressions[0].file, FileId::from_index(1));
    }
}
