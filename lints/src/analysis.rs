//! The whole pipeline over a set of files: split, parse, build the schema, run rules.

use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::rules::{self, RuleSelection};
use crate::schema::builder::SchemaBuilder;
use crate::schema::Schema;
use crate::suppression::FileSuppressions;
use crate::syntax::{self, ParseJob, ParseOutcome, SkippedStatement, SplitDocument};
use crate::text::{FileId, LineIndex};

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
}

impl Analysis {
    pub fn file(&self, id: FileId) -> &AnalyzedFile {
        &self.files[id.0 as usize]
    }

    pub fn statements_parsed(&self) -> usize {
        self.files.iter().map(|f| f.parsed).sum()
    }

    pub fn statements_skipped(&self) -> usize {
        self.files.iter().map(|f| f.skipped.len()).sum()
    }
}

/// Analyzes `files` as one schema, applied in the order given.
pub fn analyze(files: Vec<SourceFile>, dialect: Dialect, selection: &RuleSelection) -> Analysis {
    let mut analyzed: Vec<AnalyzedFile> = files
        .into_iter()
        .map(|file| AnalyzedFile {
            lines: LineIndex::new(&file.text),
            document: syntax::split(&file.text, dialect),
            path: file.path,
            text: file.text,
            parsed: 0,
            skipped: Vec::new(),
        })
        .collect();

    let jobs: Vec<ParseJob<'_>> = analyzed
        .iter()
        .enumerate()
        .flat_map(|(i, file)| {
            file.document.statements.iter().map(move |statement| ParseJob { file: FileId(i as u32), text: &file.text, statement })
        })
        .collect();
    let job_files: Vec<FileId> = jobs.iter().map(|j| j.file).collect();
    let outcomes = syntax::parse_all(&jobs, dialect);
    drop(jobs);

    let mut builder = SchemaBuilder::new(dialect);
    for (file, outcome) in job_files.into_iter().zip(outcomes) {
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
    let schema = builder.finish();

    let suppressions: Vec<FileSuppressions> = analyzed.iter().map(|f| FileSuppressions::new(&f.document)).collect();
    let texts: Vec<&str> = analyzed.iter().map(|f| f.text.as_str()).collect();
    let mut diagnostics: Vec<Diagnostic> = rules::run(&schema, &texts, selection)
        .into_iter()
        .filter(|d| {
            let file = d.location.file.0 as usize;
            !suppressions[file].suppresses(&analyzed[file].document, d)
        })
        .collect();
    diagnostics.sort_by(|a, b| a.location.cmp(&b.location).then_with(|| a.rule.cmp(b.rule)));
    Analysis { files: analyzed, schema, diagnostics }
}
