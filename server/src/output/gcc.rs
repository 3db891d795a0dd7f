//! `--format gcc`: one line per finding, `FILE:LINE:COL: SEVERITY: MESSAGE [RULE]`, the form
//! compilers print and editors' and CI's problem matchers read.

use std::io::{self, Write};

use schemacast_lints::{Analysis, Severity};

use super::span;

/// Written line by line: a large schema's findings are never one string.
pub(crate) fn render(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    for d in &analysis.diagnostics {
        let (start, _) = span(analysis, d.location);
        // gcc says "note" for what is neither an error nor a warning.
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        writeln!(
            out,
            "{}:{}:{}: {severity}: {} [{}]",
            analysis.file(d.location.file).path,
            start.line,
            start.column,
            one_line(&d.message),
            d.rule
        )?;
    }
    Ok(())
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
        let mut out = Vec::new();
        render(&analysis, &mut out).expect("written to memory");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "db/V1__init.sql:2:14: warning: table `audit_log` has no primary key [missing-primary-key]\n"
        );
        assert_eq!(one_line("two\n  lines"), "two lines");
    }
}
