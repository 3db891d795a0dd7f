//! The "ignore" actions of a finding: a `-- schemacast: ignore RULE` comment before its
//! statement (with the statement's indentation), or `-- schemacast: ignore-file RULE` at the top
//! of the file.

use crate::{Analysis, Diagnostic};

/// Insert `text` at byte `offset` of the diagnostic's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressionEdit {
    pub title: String,
    pub offset: usize,
    pub text: String,
}

/// For the statement (when the finding is in or after one), then for the file.
pub fn suppression_edits(analysis: &Analysis, diagnostic: &Diagnostic) -> Vec<SuppressionEdit> {
    let mut edits = Vec::new();
    let Some(analyzed) = analysis.get_file(diagnostic.location.file) else { return edits };
    let rule = diagnostic.rule;
    // These sit on no statement's behalf, and the last two cannot be silenced at all.
    if matches!(rule, crate::analysis::INVALID_ANNOTATION | crate::suppression::UNKNOWN_RULE) {
        return edits;
    }
    let at = diagnostic.location.range.start;
    let statement = analyzed.document.statements.iter().rev().find(|s| s.range.start <= at);
    // An unused comment is judged on its own; only `ignore-file` keeps a file's.
    let statement = statement.filter(|_| rule != crate::suppression::UNUSED_SUPPRESSION);
    if let Some(statement) = statement {
        let start = crate::text::floor_char_boundary(&analyzed.text, statement.range.start as usize);
        let line_start = analyzed.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent: String = analyzed.text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        edits.push(SuppressionEdit {
            title: format!("Ignore {rule} for this statement"),
            offset: line_start,
            text: format!("{indent}-- schemacast: ignore {rule}\n"),
        });
    }
    edits.push(SuppressionEdit {
        title: format!("Ignore {rule} for this file"),
        offset: 0,
        text: format!("-- schemacast: ignore-file {rule}\n"),
    });
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::ide::test_support::analysis;
    use crate::text::{FileId, Location, TextRange};

    fn finding(file: u32, at: usize) -> Diagnostic {
        Diagnostic {
            rule: "missing-primary-key",
            severity: Severity::Warning,
            location: Location::new(FileId(file), TextRange::new(at, at + 1)),
            message: String::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    #[test]
    fn the_statement_comment_keeps_its_indentation_and_the_file_comment_goes_first() {
        let text = "CREATE TABLE a (id int PRIMARY KEY);\n\n\t  CREATE TABLE b (x int);\n";
        let analysis = analysis(&[("V1__x.sql", text)]);
        let b = text.find("b (").unwrap_or_default();
        let edits = suppression_edits(&analysis, &finding(0, b));
        let line_start = text.find("\t ").unwrap_or_default();
        assert_eq!(
            edits,
            [
                SuppressionEdit {
                    title: "Ignore missing-primary-key for this statement".to_owned(),
                    offset: line_start,
                    text: "\t  -- schemacast: ignore missing-primary-key\n".to_owned(),
                },
                SuppressionEdit {
                    title: "Ignore missing-primary-key for this file".to_owned(),
                    offset: 0,
                    text: "-- schemacast: ignore-file missing-primary-key\n".to_owned(),
                },
            ]
        );
    }

    #[test]
    fn before_any_statement_only_the_file_can_be_ignored() {
        let text = "-- header\nCREATE TABLE b (x int);\n";
        let analysis = analysis(&[("V1__x.sql", text)]);
        let edits = suppression_edits(&analysis, &finding(0, 1));
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].offset, 0);
        // The first statement's comment goes at the start of its line.
        let edits = suppression_edits(&analysis, &finding(0, text.find("b (").unwrap_or_default()));
        assert_eq!(edits[0].offset, 10);
        assert_eq!(edits[0].text, "-- schemacast: ignore missing-primary-key\n");
        assert!(suppression_edits(&analysis, &finding(3, 0)).is_empty());
    }

    #[test]
    fn an_unused_comment_is_kept_for_the_file_only_and_an_unknown_name_not_at_all() {
        let text = "CREATE TABLE a (id int PRIMARY KEY);
-- schemacast: ignore missing-primary-key
CREATE TABLE b (id int PRIMARY KEY);
";
        let analysis = analysis(&[("V1__x.sql", text)]);
        let at = text.find("-- schemacast").unwrap_or_default();
        let unused = Diagnostic { rule: crate::suppression::UNUSED_SUPPRESSION, ..finding(0, at) };
        let edits = suppression_edits(&analysis, &unused);
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].text, "-- schemacast: ignore-file unused-suppression\n");
        let unknown = Diagnostic { rule: crate::suppression::UNKNOWN_RULE, ..finding(0, at) };
        assert!(suppression_edits(&analysis, &unknown).is_empty());
    }
}
