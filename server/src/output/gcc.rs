//! `--format gcc`: one line per finding, `FILE:LINE:COL: SEVERITY: MESSAGE [RULE]`, the form
//! compilers print and editors' and CI's problem matchers read.

use schemacast_lints::{Analysis, Severity};

use super::span;

pub(crate) fn render(analysis: &Analysis) -> String {
    let mut out = String::new();
    for d in &analysis.diagnostics {
        let (start, _) = span(analysis, d.location);
        // gcc says "note" for what is neither an error nor a warning.
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        out.push_str(&format!(
            "{}:{}:{}: {severity}: {} [{}]\n",
            analysis.file(d.location.file).path,
            start.line,
            start.column,
            one_line(&d.message),
            d.rule
        ));
    }
    out
}

/// A message on one line: a matcher reads each line as a finding.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use schemacast_lints::{analyze, Dialect, RuleSelection, SourceFile};

    use super::*;

    #[test]
    fn one_line_per_finding_with_file_line_column_severity_and_rule() {
        let files = vec![SourceFile {
            path: "db/V1__init.sql".to_owned(),
            text: "\nCREATE TABLE audit_log (message text);\n".to_owned(),
        }];
        let analysis = analyze(files, Dialect::Postgres, &RuleSelection::default());
        assert_eq!(
            render(&analysis),
            "db/V1__init.sql:2:14: warning: table `audit_log` has no primary key [missing-primary-key]\n"
        );
        assert_eq!(one_line("two\n  lines"), "two lines");
    }
}
