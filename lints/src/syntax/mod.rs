//! From text to statements: splitting, parsing with sqlparser, type ranges from tree-sitter.

mod cache;
pub mod outline;
mod recognise;
pub(crate) mod relax;
mod skip;
pub mod split;
pub(crate) mod type_ranges;

use std::time::{Duration, Instant};

use sqlparser::parser::Parser;

use crate::dialect::Dialect;
use crate::schema::lower::{Lowerer, Op, Ops};
use crate::schema::StatementRef;
use crate::text::{FileId, TextRange};

pub use cache::ParseCache;
pub use split::{split, Directive, SplitDocument, SplitStatement};

/// A statement sqlparser could not read: skipped, counted, and kept for the curious.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedStatement {
    pub range: TextRange,
    /// The parser's message, positions and all.
    pub error: String,
    /// A short category that groups alike statements (`CREATE FUNCTION: expected end of
    /// statement`): the statement's leading keywords and what the parser expected.
    pub reason: String,
}

impl SkippedStatement {
    /// `text` is the statement's own text (`range` of its file).
    pub(crate) fn new(range: TextRange, text: &str, error: String) -> Self {
        Self { range, reason: skip::skip_reason(text, &error), error }
    }
}

/// One statement to parse: which file, which text.
pub(crate) struct ParseJob<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub statement: &'a SplitStatement,
}

/// One statement's outcome. Large (a statement's changes are inline): lists of them are kept as
/// [`OutcomeChunk`]s.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum ParseOutcome {
    Parsed(Ops),
    Skipped(SkippedStatement),
}

/// The outcomes of a run of statements, as a parsing thread keeps them: every change of every
/// statement in one list, and per statement (16 bytes) how many of them are its own or why it was
/// skipped. A schema's tens of thousands of statements leave no allocation each behind to be
/// freed when applied, and a dump's million `INSERT`s cost 16 bytes each, not a change's size.
#[derive(Debug, Default)]
pub(crate) struct OutcomeChunk {
    ops: Vec<Op>,
    statements: Vec<StoredOutcome>,
}

#[derive(Debug)]
enum StoredOutcome {
    /// This many of the chunk's next changes.
    Parsed(u32),
    Skipped(Box<SkippedStatement>),
}

impl OutcomeChunk {
    fn with_capacity(statements: usize) -> Self {
        // Most statements make one change; untouched capacity costs address space, not memory.
        Self { ops: Vec::with_capacity(statements), statements: Vec::with_capacity(statements) }
    }

    fn push(&mut self, outcome: ParseOutcome) {
        match outcome {
            ParseOutcome::Parsed(ops) => {
                self.statements.push(StoredOutcome::Parsed(ops.len() as u32));
                self.ops.extend(ops);
            }
            ParseOutcome::Skipped(skipped) => self.statements.push(StoredOutcome::Skipped(Box::new(skipped))),
        }
    }
}

impl FromIterator<ParseOutcome> for OutcomeChunk {
    fn from_iter<I: IntoIterator<Item = ParseOutcome>>(outcomes: I) -> Self {
        let outcomes = outcomes.into_iter();
        let mut chunk = OutcomeChunk::with_capacity(outcomes.size_hint().0);
        outcomes.for_each(|outcome| chunk.push(outcome));
        chunk
    }
}

impl IntoIterator for OutcomeChunk {
    type Item = ParseOutcome;
    type IntoIter = OutcomeChunkIter;

    fn into_iter(self) -> OutcomeChunkIter {
        OutcomeChunkIter { ops: self.ops.into_iter(), statements: self.statements.into_iter() }
    }
}

/// The statements' outcomes in order, each with its changes moved out of the chunk.
pub(crate) struct OutcomeChunkIter {
    ops: std::vec::IntoIter<Op>,
    statements: std::vec::IntoIter<StoredOutcome>,
}

impl Iterator for OutcomeChunkIter {
    type Item = ParseOutcome;

    fn next(&mut self) -> Option<ParseOutcome> {
        Some(match self.statements.next()? {
            StoredOutcome::Parsed(count) => ParseOutcome::Parsed(self.ops.by_ref().take(count as usize).collect()),
            StoredOutcome::Skipped(skipped) => ParseOutcome::Skipped(*skipped),
        })
    }
}

/// Every statement's outcome, and where the parsing threads spent their time.
pub(crate) struct ParseRun {
    /// Every statement's outcome, in statement order, in the parsing threads' chunks as they
    /// made them: not copied into one list, so a large schema's outcomes are not held twice,
    /// and each chunk's memory goes back as soon as it is consumed.
    pub chunks: Vec<OutcomeChunk>,
    /// Time on the parsing threads, summed over them: all of it, and the part spent lowering
    /// ASTs to `Op`s (the two are interleaved statement by statement).
    pub busy: Duration,
    pub lowering: Duration,
}

/// The longest statement parsed. Past it, a statement is skipped with a reason rather than
/// parsed: no DDL is this long, and the parser's memory grows with a statement's tokens (one
/// 20 MB string literal took 108 MB), so a data dump's giant `INSERT` should not decide how much
/// memory a check takes.
pub const MAX_STATEMENT_BYTES: usize = 8 << 20;

/// Below this much SQL, starting threads costs more than it saves.
const PARALLEL_THRESHOLD_BYTES: usize = 64 * 1024;

/// Parses every statement and lowers it to schema changes, in order, on all cores.
pub(crate) fn parse_all(jobs: &[ParseJob<'_>], dialect: Dialect) -> ParseRun {
    let total_bytes: usize = jobs.iter().map(|j| j.statement.range.len() as usize).sum();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads <= 1 || total_bytes < PARALLEL_THRESHOLD_BYTES {
        return parse_chunk(jobs, dialect);
    }
    // Contiguous chunks of about equal bytes keep the results in statement order.
    let per_thread = total_bytes / threads + 1;
    let mut chunks: Vec<&[ParseJob<'_>]> = Vec::with_capacity(threads);
    let (mut start, mut bytes) = (0, 0);
    for (i, job) in jobs.iter().enumerate() {
        bytes += job.statement.range.len() as usize;
        if bytes >= per_thread {
            chunks.push(&jobs[start..=i]);
            start = i + 1;
            bytes = 0;
        }
    }
    chunks.push(&jobs[start..]);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            chunks.into_iter().map(|chunk| (chunk, scope.spawn(move || parse_chunk(chunk, dialect)))).collect();
        let mut run = ParseRun { chunks: Vec::with_capacity(threads), busy: Duration::ZERO, lowering: Duration::ZERO };
        for (chunk, handle) in handles {
            match handle.join() {
                Ok(part) => {
                    run.chunks.extend(part.chunks);
                    run.busy += part.busy;
                    run.lowering += part.lowering;
                }
                // A panic in the parser is a bug, but must neither take the whole check down nor
                // shift later outcomes onto the wrong statements: the chunk counts as skipped.
                Err(_) => run.chunks.push(
                    chunk
                        .iter()
                        .map(|job| {
                            let range = job.statement.range;
                            let error = "internal error in the SQL parser; please report this statement".to_owned();
                            ParseOutcome::Skipped(SkippedStatement {
                                range,
                                reason: "internal error in the SQL parser".to_owned(),
                                error,
                            })
                        })
                        .collect(),
                ),
            }
        }
        run
    })
}

/// [`parse_all`], taking the outcomes of statements seen before from `cache` (moved to where
/// they are now) and parsing only the others, which the cache then keeps.
pub(crate) fn parse_all_cached(jobs: &[ParseJob<'_>], dialect: Dialect, cache: &mut ParseCache) -> ParseRun {
    let mut outcomes: Vec<Option<ParseOutcome>> = Vec::with_capacity(jobs.len());
    let mut missed: Vec<usize> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let outcome = cache.outcome(job.statement_text(), dialect, job.statement_ref());
        if outcome.is_none() {
            missed.push(i);
        }
        outcomes.push(outcome);
    }
    let to_parse: Vec<ParseJob<'_>> = missed
        .iter()
        .map(|&i| ParseJob { file: jobs[i].file, text: jobs[i].text, statement: jobs[i].statement })
        .collect();
    let parsed = parse_all(&to_parse, dialect);
    for (&i, outcome) in missed.iter().zip(parsed.chunks.into_iter().flatten()) {
        cache.store(jobs[i].statement_text(), dialect, jobs[i].statement_ref(), &outcome);
        outcomes[i] = Some(outcome);
    }
    ParseRun { chunks: vec![outcomes.into_iter().flatten().collect()], busy: parsed.busy, lowering: parsed.lowering }
}

impl ParseJob<'_> {
    fn statement_text(&self) -> &str {
        &self.text[self.statement.range.to_range()]
    }

    fn statement_ref(&self) -> StatementRef {
        StatementRef {
            file: self.file,
            range: self.statement.range,
            end_with_terminator: self.statement.end_with_terminator(),
            terminated: self.statement.terminator_end.is_some(),
        }
    }
}

fn parse_chunk(jobs: &[ParseJob<'_>], dialect: Dialect) -> ParseRun {
    let started = Instant::now();
    let mut lowering = Duration::ZERO;
    let sql_dialect = dialect.sqlparser();
    let outcomes = jobs.iter().map(|job| {
        let range = job.statement.range;
        let text = job.statement_text();
        let statement_ref = job.statement_ref();
        if text.len() > MAX_STATEMENT_BYTES {
            return ParseOutcome::Skipped(too_long(range, text));
        }
        let parse =
            |sql: &str| Parser::new(sql_dialect.as_ref()).try_with_sql(sql).and_then(|mut p| p.parse_statements());
        // sqlparser reads some `LIKE source` forms itself (as no columns, or as a column
        // named `like`): a table with one is always read through the relaxed text.
        if mentions_like(text) {
            if let Some(relaxed) = relax::relax_create_table(text).filter(|r| !r.like.is_empty()) {
                if let Ok(statements) = parse(&relaxed.text) {
                    let mut ops = lower_all(dialect, statement_ref, &relaxed.text, &statements, &mut lowering);
                    add_like_sources(dialect, statement_ref, sql_dialect.as_ref(), &relaxed.like, &mut ops);
                    return ParseOutcome::Parsed(ops);
                }
            }
        }
        match parse(text) {
            Ok(statements) => ParseOutcome::Parsed(lower_all(dialect, statement_ref, text, &statements, &mut lowering)),
            Err(error) => {
                // A table is worth a second try without the clauses the model does not need.
                let retry = relax::relax_create_table(text).and_then(|relaxed| {
                    let statements = parse(&relaxed.text).ok()?;
                    let mut ops = lower_all(dialect, statement_ref, &relaxed.text, &statements, &mut lowering);
                    add_like_sources(dialect, statement_ref, sql_dialect.as_ref(), &relaxed.like, &mut ops);
                    Some(ops)
                });
                match retry.or_else(|| recognise::recognise(text, dialect, statement_ref, sql_dialect.as_ref())) {
                    Some(ops) => ParseOutcome::Parsed(ops),
                    None => ParseOutcome::Skipped(SkippedStatement::new(range, text, error.to_string())),
                }
            }
        }
    });
    ParseRun { chunks: vec![outcomes.collect()], busy: started.elapsed(), lowering }
}

/// A statement longer than [`MAX_STATEMENT_BYTES`], skipped unparsed.
fn too_long(range: TextRange, text: &str) -> SkippedStatement {
    let kind = skip::kind_or_statement(text);
    let limit_mib = MAX_STATEMENT_BYTES >> 20;
    SkippedStatement {
        range,
        error: format!(
            "this statement is {} bytes long, more than the {limit_mib} MiB limit for one statement, so it was \
             not parsed",
            text.len()
        ),
        reason: format!("{kind}: longer than the {limit_mib} MiB limit for one statement"),
    }
}

fn mentions_like(text: &str) -> bool {
    text.len() > 6 && text.as_bytes()[..6].eq_ignore_ascii_case(b"create") && text.to_ascii_lowercase().contains("like")
}

fn lower_all(
    dialect: Dialect,
    statement: StatementRef,
    text: &str,
    statements: &[sqlparser::ast::Statement],
    lowering: &mut Duration,
) -> Ops {
    let started = Instant::now();
    let mut lowerer = Lowerer::new(dialect, statement, text);
    let mut ops = Ops::new();
    for statement in statements {
        lowerer.lower(statement, &mut ops);
    }
    *lowering += started.elapsed();
    ops
}

/// After the table a relaxed `CREATE TABLE` made, the columns (and indexes) its `LIKE` clauses
/// copy.
fn add_like_sources(
    dialect: Dialect,
    statement: StatementRef,
    sql_dialect: &dyn sqlparser::dialect::Dialect,
    like: &[relax::LikeSource],
    ops: &mut Ops,
) {
    let Some(into) = ops.iter().find_map(|op| match op {
        Op::CreateTable { name, .. } => Some(name.clone()),
        _ => None,
    }) else {
        return;
    };
    let lowerer = Lowerer::new(dialect, statement, "");
    for source in like {
        let Ok(name) = Parser::new(sql_dialect).try_with_sql(&source.name).and_then(|mut p| p.parse_object_name(false))
        else {
            continue;
        };
        let mut from = lowerer.object_ref(&name);
        let start = statement.range.start as usize;
        from.loc =
            crate::text::Location::new(statement.file, TextRange::new(start + source.range.0, start + source.range.1));
        ops.push(Op::CopyLike { into: into.clone(), from, indexes: source.indexes, position: source.position });
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::{analyze, SourceFile};
    use crate::dialect::Dialect;
    use crate::rules::RuleSelection;

    #[test]
    fn a_statement_past_the_length_limit_is_skipped_with_its_reason() {
        let rows = "(1),".repeat(super::MAX_STATEMENT_BYTES / 4 + 1);
        let text = format!("CREATE TABLE a (id int);\nINSERT INTO a VALUES {rows}(1);\n");
        let analysis = analyze(
            vec![SourceFile { path: "open.sql".to_owned(), text }],
            Dialect::Postgres,
            &RuleSelection::default(),
        );
        assert_eq!(analysis.statements_parsed(), 1);
        let skipped = &analysis.files[0].skipped;
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(skipped[0].reason, "INSERT INTO: longer than the 8 MiB limit for one statement");
        assert!(skipped[0].error.contains("more than the 8 MiB limit"), "{}", skipped[0].error);
        assert!(analysis.schema.tables.iter().any(|t| t.name.name == "a"));
    }
}
