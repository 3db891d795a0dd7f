//! `-- schemacast: ignore RULE[, RULE] [-- REASON]` and `-- schemacast: ignore-file [RULE[, RULE]]
//! [-- REASON]` comments: which findings each silences, and which silence nothing.

use crate::diagnostic::Diagnostic;
use crate::syntax::SplitDocument;
use crate::text::{FileId, TextRange};

/// The rule name of a directive naming a rule that does not exist (not a catalogue rule: a
/// misspelt name silences nothing, and turning the warning off would hide that).
pub const UNKNOWN_RULE: &str = "unknown-rule";

/// Rule names a directive may name besides the catalogue's: problems the engine reports itself
/// and lets users silence.
const SUPPRESSIBLE_BUILT_INS: &[&str] = &[crate::analysis::UNPARSED_DDL, UNUSED_SUPPRESSION];

/// The catalogue rule judging comments that silence nothing (`rules/suppression/`).
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionScope {
    /// `ignore-file`: the whole file.
    File,
    /// `ignore`: the statement the comment belongs to, by index in the file's statements; `None`
    /// when no statement follows the comment.
    Statement(Option<usize>),
}

/// A rule named in a directive, where it is written, and how many findings it silenced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressedRule {
    pub name: String,
    pub range: TextRange,
    pub silenced: usize,
}

/// One `ignore` or `ignore-file` comment and what it did in this analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// The whole comment.
    pub range: TextRange,
    pub scope: SuppressionScope,
    /// Known rules named, in order; empty with no name written means every rule.
    pub rules: Vec<SuppressedRule>,
    /// Names written that are no rule: they silence nothing.
    pub unknown: Vec<SuppressedRule>,
    /// The text after `--`, when there is one.
    pub reason: Option<String>,
    /// Findings this comment silenced (a finding two comments cover counts for both).
    pub silenced: usize,
    /// What to delete to remove the comment: its whole line when nothing else is on it.
    pub removal: TextRange,
}

impl Suppression {
    /// Whether the comment names no rule at all, and so silences every rule.
    pub fn is_every_rule(&self) -> bool {
        self.rules.is_empty() && self.unknown.is_empty()
    }

    fn covers_rule(&self, rule: &str) -> bool {
        self.is_every_rule() || self.rules.iter().any(|r| r.name == rule)
    }
}

/// A finding a comment silenced, kept for reports that list suppressions (SARIF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressedDiagnostic {
    pub diagnostic: Diagnostic,
    /// The index in [`crate::Analysis::suppressions`] of the most specific comment silencing it.
    pub by: usize,
}

/// Reads every `ignore`/`ignore-file` comment of a file; `text` is the file's text, to find
/// where each rule name is written.
pub(crate) fn read(
    file: FileId,
    text: &str,
    document: &SplitDocument,
    is_rule: impl Fn(&str) -> bool,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    for directive in &document.directives {
        let Some(comment) = text.get(directive.range.to_range()) else { continue };
        // The directive's text is the comment's after `schemacast:`; find it in the comment.
        let Some(at) = comment.find(directive.text.as_str()) else { continue };
        let base = directive.range.start as usize + at;
        let body = directive.text.as_str();
        let (list, reason) = match body.split_once("--") {
            Some((list, reason)) => (list, Some(reason.trim()).filter(|r| !r.is_empty()).map(str::to_owned)),
            None => (body, None),
        };
        let verb_end = list.find(char::is_whitespace).unwrap_or(list.len());
        let scope = match &list[..verb_end] {
            "ignore" => SuppressionScope::Statement(directive.statement),
            "ignore-file" => SuppressionScope::File,
            _ => continue,
        };
        let mut rules = Vec::new();
        let mut unknown = Vec::new();
        for (offset, name) in words(&list[verb_end..]) {
            let start = base + verb_end + offset;
            let named =
                SuppressedRule { name: name.to_owned(), range: TextRange::new(start, start + name.len()), silenced: 0 };
            if is_rule(name) || SUPPRESSIBLE_BUILT_INS.contains(&name) {
                rules.push(named);
            } else {
                unknown.push(named);
            }
        }
        let removal = removal_range(text, directive.range);
        out.push(Suppression { file, range: directive.range, scope, rules, unknown, reason, silenced: 0, removal });
    }
    out
}

/// The comment with its line when the line holds nothing else, else with the blanks before it.
fn removal_range(text: &str, comment: TextRange) -> TextRange {
    let (start, end) = (comment.start as usize, comment.end as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let before = &text[line_start..start];
    if before.trim().is_empty() && text[end..line_end].trim().is_empty() {
        return TextRange::new(line_start, (line_end + 1).min(text.len()));
    }
    TextRange::new(start - (before.len() - before.trim_end().len()), end)
}

/// Each name of a comma- or space-separated list, with its byte offset in `list`.
fn words(list: &str) -> impl Iterator<Item = (usize, &str)> {
    list.split([',', ' ', '\t'])
        .scan(0usize, |offset, word| {
            let at = *offset;
            *offset += word.len() + 1;
            Some((at, word))
        })
        .filter(|(_, word)| !word.is_empty())
}

/// Keeps the findings no comment silences; the others are returned with the comment that
/// silenced them, and every comment that covered a finding counts it.
pub(crate) fn apply(
    suppressions: &mut [Suppression],
    documents: &[&SplitDocument],
    mut diagnostics: Vec<Diagnostic>,
) -> (Vec<Diagnostic>, Vec<SuppressedDiagnostic>) {
    let silenced_by: Vec<Option<usize>> =
        diagnostics.iter().map(|diagnostic| silence(suppressions, documents, diagnostic)).collect();
    // The silenced ones are taken out in place: a large schema's findings are not copied.
    let mut position = 0;
    let silenced = diagnostics.extract_if(.., |_| {
        position += 1;
        silenced_by[position - 1].is_some()
    });
    let suppressed = silenced
        .zip(silenced_by.iter().flatten())
        .map(|(diagnostic, &by)| SuppressedDiagnostic { diagnostic, by })
        .collect();
    (diagnostics, suppressed)
}

/// The comment that silences `diagnostic` (the most specific of those that cover it), each
/// covering comment's counts raised.
fn silence(suppressions: &mut [Suppression], documents: &[&SplitDocument], diagnostic: &Diagnostic) -> Option<usize> {
    let file = diagnostic.location.file;
    let statement = documents.get(file.index()).and_then(|d| statement_at(d, diagnostic.location.range.start));
    let mut most_specific: Option<usize> = None;
    for (index, suppression) in suppressions.iter_mut().enumerate() {
        if suppression.file != file || !suppression.covers_rule(diagnostic.rule) {
            continue;
        }
        let specific = match suppression.scope {
            SuppressionScope::File => false,
            SuppressionScope::Statement(Some(s)) if Some(s) == statement => true,
            SuppressionScope::Statement(_) => continue,
        };
        suppression.silenced += 1;
        for rule in suppression.rules.iter_mut().filter(|r| r.name == diagnostic.rule) {
            rule.silenced += 1;
        }
        if most_specific.is_none() || specific {
            most_specific = Some(index);
        }
    }
    most_specific
}

/// The index of the statement whose text (or terminator) holds `offset`.
fn statement_at(document: &SplitDocument, offset: u32) -> Option<usize> {
    let statements = &document.statements;
    let index = statements.partition_point(|s| s.range.start <= offset).checked_sub(1)?;
    (offset <= statements[index].end_with_terminator()).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::dialect::Dialect;
    use crate::syntax::split;
    use crate::text::Location;

    fn read_all(text: &str) -> Vec<Suppression> {
        let document = split(text, Dialect::Postgres);
        read(FileId(0), text, &document, |name| crate::rules::rule(name).is_some())
    }

    fn finding(rule: &'static str, at: usize) -> Diagnostic {
        Diagnostic {
            rule,
            severity: Severity::Warning,
            location: Location::new(FileId(0), TextRange::new(at, at + 1)),
            message: String::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    #[test]
    fn the_reason_after_two_dashes_is_kept_and_names_no_rule() {
        let text = "-- schemacast: ignore missing-fk-index -- audited in JIRA-12, see redundant-index\nCREATE TABLE a (x int);";
        let [suppression] = read_all(text).try_into().expect("one directive");
        let names: Vec<&str> = suppression.rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["missing-fk-index"]);
        assert_eq!(suppression.reason.as_deref(), Some("audited in JIRA-12, see redundant-index"));
        let range = suppression.rules[0].range.to_range();
        assert_eq!(&text[range], "missing-fk-index");
        let bare = read_all("-- schemacast: ignore-file -- generated code\nCREATE TABLE a (x int);");
        assert!(bare[0].is_every_rule());
        assert_eq!(bare[0].removal, TextRange::new(0, 45));
        let trailing = read_all("CREATE TABLE a (x int);  -- schemacast: ignore\nSELECT 1;");
        assert_eq!(trailing[0].removal, TextRange::new(23, 46));
        assert_eq!(bare[0].reason.as_deref(), Some("generated code"));
    }

    #[test]
    fn a_misspelt_name_is_unknown_and_silences_nothing() {
        let text = "-- schemacast: ignore misisng-fk-index\nCREATE TABLE a (x int);";
        let mut suppressions = read_all(text);
        assert_eq!(suppressions[0].unknown[0].name, "misisng-fk-index");
        // Not "every rule": a name was written, it just is no rule.
        assert!(!suppressions[0].is_every_rule());
        let document = split(text, Dialect::Postgres);
        let at = text.find("CREATE").unwrap_or_default();
        let (kept, suppressed) = apply(
            &mut suppressions,
            &[&document],
            vec![finding("missing-fk-index", at), finding("missing-primary-key", at)],
        );
        assert_eq!((kept.len(), suppressed.len(), suppressions[0].silenced), (2, 0, 0));
    }

    #[test]
    fn every_covering_comment_counts_and_the_statement_comment_is_credited() {
        let text = "-- schemacast: ignore-file missing-primary-key\nCREATE TABLE a (x int);\n-- schemacast: ignore missing-primary-key, redundant-index\nCREATE TABLE b (x int);";
        let mut suppressions = read_all(text);
        let document = split(text, Dialect::Postgres);
        let a = text.find("CREATE TABLE a").unwrap_or_default();
        let b = text.find("CREATE TABLE b").unwrap_or_default();
        let (kept, suppressed) = apply(
            &mut suppressions,
            &[&document],
            vec![finding("missing-primary-key", a), finding("missing-primary-key", b), finding("missing-fk-index", b)],
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(suppressed.iter().map(|s| s.by).collect::<Vec<_>>(), [0, 1]);
        assert_eq!((suppressions[0].silenced, suppressions[1].silenced), (2, 1));
        assert_eq!((suppressions[1].rules[0].silenced, suppressions[1].rules[1].silenced), (1, 0));
    }
}
