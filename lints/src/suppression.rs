//! `-- schemacast: ignore RULE[, RULE]` and `-- schemacast: ignore-file [RULE[, RULE]]` comments.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::syntax::SplitDocument;

enum Suppression {
    /// Rules ignored in the whole file; empty means every rule.
    File(Vec<String>),
    /// Rules ignored in one statement; empty means every rule.
    Statement(Vec<String>),
}

fn parse(directive: &str) -> Option<Suppression> {
    let mut words = directive.splitn(2, char::is_whitespace);
    let first = words.next()?;
    let rules: Vec<String> =
        words.next().unwrap_or("").split([',', ' ', '\t']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    match first {
        "ignore-file" => Some(Suppression::File(rules)),
        "ignore" => Some(Suppression::Statement(rules)),
        _ => None,
    }
}

/// The suppressions written in one file.
pub(crate) struct FileSuppressions {
    whole_file: bool,
    file_rules: Vec<String>,
    by_statement: HashMap<usize, Vec<String>>,
    all_rules_in: Vec<usize>,
}

impl FileSuppressions {
    pub(crate) fn new(document: &SplitDocument) -> Self {
        let mut result =
            Self { whole_file: false, file_rules: Vec::new(), by_statement: HashMap::new(), all_rules_in: Vec::new() };
        for directive in &document.directives {
            match parse(&directive.text) {
                Some(Suppression::File(rules)) if rules.is_empty() => result.whole_file = true,
                Some(Suppression::File(rules)) => result.file_rules.extend(rules),
                Some(Suppression::Statement(rules)) => {
                    let Some(statement) = directive.statement else { continue };
                    if rules.is_empty() {
                        result.all_rules_in.push(statement);
                    } else {
                        result.by_statement.entry(statement).or_default().extend(rules);
                    }
                }
                None => {}
            }
        }
        result
    }

    pub(crate) fn suppresses(&self, document: &SplitDocument, diagnostic: &Diagnostic) -> bool {
        if self.whole_file || self.file_rules.iter().any(|r| r == diagnostic.rule) {
            return true;
        }
        let offset = diagnostic.location.range.start;
        let statements = &document.statements;
        let after = statements.partition_point(|s| s.range.start <= offset);
        let Some(index) = after.checked_sub(1) else { return false };
        if offset > statements[index].end_with_terminator() {
            return false;
        }
        self.all_rules_in.contains(&index)
            || self.by_statement.get(&index).is_some_and(|rules| rules.iter().any(|r| r == diagnostic.rule))
    }
}
