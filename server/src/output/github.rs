//! `--format github`: workflow commands that GitHub Actions shows as annotations.

use std::io::{self, Write};

use schemacast_lints::{Analysis, Severity};

use super::span;

/// Written line by line: a large schema's findings are never one string.
pub(crate) fn render(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    for d in &analysis.diagnostics {
        let (start, end) = span(analysis, d.location);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&analysis.file(d.location.file).path),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("schemacast {}", d.rule)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_workflow_commands_reserve() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
