use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::rules::{declare_rule, Rule};
use crate::suppression::{Suppression, SuppressionScope, UNUSED_SUPPRESSION};
use crate::text::{Location, TextRange};

declare_rule! {
    /// ## What it does
    /// Flags `-- schemacast: ignore` and `ignore-file` comments that silence nothing in this run,
    /// and the rule names in them that silence nothing. A name is judged only when its rule ran
    /// (on, for this dialect, with the stats it needs); a bare `ignore` (every rule) only when no
    /// rule was turned off.
    ///
    /// ## Why is this bad?
    /// A comment that silences nothing is left over from a finding that was fixed, or names the
    /// wrong statement. It will silently swallow the next finding that appears there, which is
    /// the one a reviewer would want to see.
    ///
    /// ## Example
    /// ```sql
    /// -- schemacast: ignore missing-primary-key
    /// CREATE TABLE audit_log (id bigint PRIMARY KEY, message text NOT NULL);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE audit_log (id bigint PRIMARY KEY, message text NOT NULL);
    /// ```
    ///
    /// ## Fix safety
    /// The fix deletes the comment (its line, when it is alone on it), or the unused names from it,
    /// and is safe: what it removes silenced nothing. A comment naming `unused-suppression` is
    /// never flagged, and `-- schemacast: ignore-file unused-suppression` keeps a file's comments.
    pub(crate) struct UnusedSuppression {
        name: "unused-suppression",
        family: Suppression,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "an ignore comment, or a rule named in one, that silences nothing",
    }
}

// Judged after suppression, over the comments rather than the schema: see `report`.
impl Rule for UnusedSuppression {}

/// The findings on comments that silenced nothing. `ran` says whether a rule ran in this
/// analysis; a bare comment is judged only when `every_rule_ran`.
pub(crate) fn report(
    suppressions: &[Suppression],
    severity: Severity,
    ran: impl Fn(&str) -> bool,
    every_rule_ran: bool,
) -> Vec<Diagnostic> {
    let names_this_rule = |s: &Suppression| s.rules.iter().any(|r| r.name == UNUSED_SUPPRESSION);
    let kept_files: Vec<_> =
        suppressions.iter().filter(|s| s.scope == SuppressionScope::File && names_this_rule(s)).map(|s| s.file).collect();
    let mut out = Vec::new();
    for suppression in suppressions {
        if names_this_rule(suppression) || kept_files.contains(&suppression.file) {
            continue;
        }
        let place = match suppression.scope {
            SuppressionScope::File => "in this file",
            SuppressionScope::Statement(Some(_)) => "in this statement",
            SuppressionScope::Statement(None) => "here: no statement follows the comment",
        };
        if suppression.is_every_rule() {
            if every_rule_ran && suppression.silenced == 0 {
                out.push(remove_comment(suppression, severity, format!("this ignore comment silences nothing: there is no finding {place}")));
            }
            continue;
        }
        let unused: Vec<&str> =
            suppression.rules.iter().filter(|r| r.silenced == 0 && ran(&r.name)).map(|r| r.name.as_str()).collect();
        if unused.is_empty() {
            continue;
        }
        let listed = unused.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        if unused.len() == suppression.rules.len() && suppression.unknown.is_empty() {
            let message = format!("this ignore comment silences nothing: there is no {listed} finding {place}");
            out.push(remove_comment(suppression, severity, message));
        } else {
            out.push(remove_names(suppression, severity, &unused, &listed, place));
        }
    }
    out
}

fn remove_comment(suppression: &Suppression, severity: Severity, message: String) -> Diagnostic {
    let mut diagnostic = finding(Location::new(suppression.file, suppression.range), severity, message);
    diagnostic.fix(Fix::safe(
        "Remove the unused ignore comment",
        vec![Edit { location: Location::new(suppression.file, suppression.removal), text: String::new() }],
    ));
    diagnostic
}

/// Rewrites the comment's list of names without the unused ones (misspelt names stay, for
/// their own warning).
fn remove_names(suppression: &Suppression, severity: Severity, unused: &[&str], listed: &str, place: &str) -> Diagnostic {
    let mut written: Vec<_> = suppression.rules.iter().chain(&suppression.unknown).collect();
    written.sort_by_key(|r| r.range.start);
    let span = match (written.first(), written.last()) {
        (Some(first), Some(last)) => TextRange::new(first.range.start as usize, last.range.end as usize),
        _ => suppression.range,
    };
    let kept: Vec<&str> = written.iter().map(|r| r.name.as_str()).filter(|n| !unused.contains(n)).collect();
    let verb = if unused.len() == 1 { "silences" } else { "silence" };
    let message = format!("{listed} in this ignore comment {verb} nothing: there is no such finding {place}");
    let mut diagnostic = finding(Location::new(suppression.file, span), severity, message);
    diagnostic.fix(Fix::safe(
        format!("Remove {listed} from the ignore comment"),
        vec![Edit { location: Location::new(suppression.file, span), text: kept.join(", ") }],
    ));
    diagnostic
}

fn finding(location: Location, severity: Severity, message: String) -> Diagnostic {
    Diagnostic {
        rule: UNUSED_SUPPRESSION,
        severity,
        location,
        message,
        help: Some(
            "remove it: the finding it silenced is gone, or it sits at the wrong statement, and it would hide the next finding there"
                .to_owned(),
        ),
        fixes: Vec::new(),
    }
}
