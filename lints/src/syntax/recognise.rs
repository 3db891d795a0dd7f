//! Statements sqlparser rejects that are still understood, as a last resort before a statement
//! is skipped. Each form here either is read into the model by other means or provably cannot
//! change tables, columns or indexes; anything else stays skipped and is reported.
//!
//! - `COMMENT ON ... IS $$text$$` (PostgreSQL dollar quoting, which sqlparser 0.64 does not take
//!   there), and comments on objects sqlparser does not know (`AGGREGATE`, `FUNCTION f(args)`):
//!   a comment on a table or column is kept on the model; one on anything else only describes
//!   an object the model does not hold.
//! - MySQL `CREATE [DEFINER = user] PROCEDURE|FUNCTION ... BEGIN ... END`: defining a routine
//!   runs none of its body, so no table changes.
//! - PostgreSQL `ALTER TABLE t ALTER [COLUMN] c SET STATISTICS n`: a planner setting.

use sqlparser::parser::Parser;

use super::skip::statement_kind;
use crate::dialect::Dialect;
use crate::schema::lower::{Lowerer, Op, Ops};
use crate::schema::StatementRef;

/// The changes `text` makes, when it is one of the forms above; `None` leaves it skipped.
pub(crate) fn recognise(
    text: &str,
    dialect: Dialect,
    statement: StatementRef,
    sql_dialect: &dyn sqlparser::dialect::Dialect,
) -> Option<Ops> {
    match statement_kind(text).as_str() {
        "COMMENT ON" => comment_on(text, dialect, statement, sql_dialect),
        "CREATE PROCEDURE" | "CREATE FUNCTION" if dialect == Dialect::Mysql => Some(Ops::new()),
        "ALTER TABLE" if is_set_statistics(text) => Some(Ops::new()),
        _ => None,
    }
}

/// `COMMENT ON object name IS literal`: the head is parsed by sqlparser with `IS NULL` in place
/// of the literal (so names resolve as everywhere else), and the literal is read here.
fn comment_on(
    text: &str,
    dialect: Dialect,
    statement: StatementRef,
    sql_dialect: &dyn sqlparser::dialect::Dialect,
) -> Option<Ops> {
    let is_at = find_is_keyword(text)?;
    let literal = comment_literal(&text[is_at + 2..])?;
    let object = text[..is_at].split_whitespace().nth(2)?.to_ascii_uppercase();
    if object != "TABLE" && object != "COLUMN" {
        return Some(Ops::new());
    }
    let head = format!("{}IS NULL", &text[..is_at]);
    let statements = Parser::new(sql_dialect).try_with_sql(&head).and_then(|mut p| p.parse_statements()).ok()?;
    let mut lowerer = Lowerer::new(dialect, statement, &head);
    let mut ops = Ops::new();
    for parsed in &statements {
        lowerer.lower(parsed, &mut ops);
    }
    for op in &mut ops {
        if let Op::Comment { text, .. } = op {
            text.clone_from(&literal);
        }
    }
    Some(ops)
}

/// Where the keyword `IS` of a `COMMENT ON` starts: outside quotes and parentheses (a
/// function's argument types), as a whole word.
fn find_is_keyword(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' | b'\'' => i = super::relax::skip_quoted(bytes, i, bytes[i], false),
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            // A literal before `IS`: not a comment this module understands.
            b'$' => return None,
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$') {
                    i += 1;
                }
                // After a `.` it is a name's part (`t.is`), not the keyword.
                let qualified = start > 0 && bytes[start - 1] == b'.';
                if depth == 0 && !qualified && text[start..i].eq_ignore_ascii_case("IS") {
                    return Some(start);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The text of the literal after `IS`: `Some(None)` for `NULL`, `None` when what follows is not
/// one literal and the statement's end.
fn comment_literal(after_is: &str) -> Option<Option<String>> {
    let rest = after_is.trim_start();
    let (value, tail) = if let Some(body) = rest.strip_prefix('$') {
        // `$tag$ ... $tag$`, the tag possibly empty.
        let tag_end = body.find('$')?;
        let tag = &body[..tag_end];
        if !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        let delimiter = format!("${tag}$");
        let content = &body[tag_end + 1..];
        let close = content.find(&delimiter)?;
        (Some(content[..close].to_owned()), &content[close + delimiter.len()..])
    } else if let Some(body) = rest.strip_prefix('\'') {
        let close = super::relax::skip_quoted(rest.as_bytes(), 0, b'\'', false);
        if close > rest.len() || !rest[..close].ends_with('\'') || close < 2 {
            return None;
        }
        (Some(body[..close - 2].replace("''", "'")), &rest[close..])
    } else if rest.get(..4).is_some_and(|word| word.eq_ignore_ascii_case("NULL")) {
        (None, &rest[4..])
    } else {
        return None;
    };
    tail.trim().trim_end_matches(';').trim().is_empty().then_some(value)
}

/// `ALTER TABLE [IF EXISTS] [ONLY] t ALTER [COLUMN] c SET STATISTICS n`, one action.
fn is_set_statistics(text: &str) -> bool {
    let text = text.trim().trim_end_matches(';');
    if text.contains([',', '\'', '$', '(']) {
        return false;
    }
    let words: Vec<String> = text.split_whitespace().map(str::to_ascii_uppercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut rest = match words.as_slice() {
        ["ALTER", "TABLE", rest @ ..] => rest,
        _ => return false,
    };
    for optional in [&["IF", "EXISTS"][..], &["ONLY"][..]] {
        if rest.starts_with(optional) {
            rest = &rest[optional.len()..];
        }
    }
    let after_name = match rest {
        [_, "ALTER", "COLUMN", _, rest @ ..] | [_, "ALTER", _, rest @ ..] => rest,
        _ => return false,
    };
    matches!(after_name, ["SET", "STATISTICS", n] if n.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_literals_of_every_quoting() {
        assert_eq!(comment_literal(" $$ The lines $$;"), Some(Some(" The lines ".to_owned())));
        assert_eq!(comment_literal("\n$doc$ a $$ b $doc$ "), Some(Some(" a $$ b ".to_owned())));
        assert_eq!(comment_literal(" 'it''s'"), Some(Some("it's".to_owned())));
        assert_eq!(comment_literal(" NULL;"), Some(None));
        // Anything after the literal is not a plain comment: left to be reported.
        assert_eq!(comment_literal(" $$ a $$; DROP TABLE t"), None);
        assert_eq!(comment_literal(" $$ unterminated"), None);
        assert_eq!(comment_literal(" 'a' || 'b'"), None);
        // Found by the incremental property test: a multi-byte letter where `NULL` would be.
        assert_eq!(comment_literal(" ünï'what people bought'"), None);
    }

    #[test]
    fn is_is_found_outside_names_quotes_and_arguments() {
        let text = "COMMENT ON FUNCTION \"this is\"(is_x int) IS $$x$$";
        assert_eq!(&text[find_is_keyword(text).unwrap()..][..2], "IS");
        assert_eq!(find_is_keyword("COMMENT ON TABLE this_is IS 'x'"), Some(25));
        assert_eq!(find_is_keyword("COMMENT ON COLUMN t.is IS $$x$$"), Some(23));
    }

    #[test]
    fn only_set_statistics_is_taken_for_a_planner_setting() {
        assert!(is_set_statistics("ALTER TABLE Path ALTER COLUMN Path SET STATISTICS 1000;"));
        assert!(is_set_statistics("alter table only public.t alter c set statistics -1"));
        assert!(!is_set_statistics("ALTER TABLE t ALTER COLUMN c SET NOT NULL"));
        assert!(!is_set_statistics("ALTER TABLE t ALTER COLUMN c SET STATISTICS 10, ADD COLUMN d int"));
        assert!(!is_set_statistics("ALTER TABLE t ALTER COLUMN c TYPE bigint"));
    }

    fn analyze(text: &str, dialect: Dialect) -> crate::Analysis {
        let file = crate::SourceFile { path: "schema.sql".to_owned(), text: text.to_owned() };
        crate::analyze(vec![file], dialect, &crate::RuleSelection::default())
    }

    #[test]
    fn mysql_routines_are_read_and_the_tables_around_them_kept() {
        let text = "DELIMITER $$\nCREATE DEFINER=`root`@`%` PROCEDURE dump()\nBEGIN\n  SELECT 'a,b';\nEND $$\n\
                    DELIMITER ;\nCREATE TABLE after_it (id bigint PRIMARY KEY);\n";
        let analysis = analyze(text, Dialect::Mysql);
        assert_eq!(analysis.statements_skipped(), 0, "{:?}", analysis.files[0].skipped);
        assert_eq!(analysis.statements_parsed(), 2);
        assert_eq!(analysis.schema.tables().len(), 1);
    }

    #[test]
    fn set_statistics_is_read_and_changes_nothing() {
        let text = "CREATE TABLE path (path text);\nALTER TABLE path ALTER COLUMN path SET STATISTICS 1000;\n";
        let analysis = analyze(text, Dialect::Postgres);
        assert_eq!(analysis.statements_skipped(), 0, "{:?}", analysis.files[0].skipped);
        assert_eq!(analysis.schema.tables()[0].columns.len(), 1);
    }

    #[test]
    fn comments_that_are_not_plain_stay_skipped() {
        let text = "CREATE TABLE t (id int);\nCOMMENT ON TABLE t IS $$ text $$ garbage;\nCOMMENT ON AGGREGATE a(text) IS $$ x $$;\n";
        let analysis = analyze(text, Dialect::Postgres);
        assert_eq!(analysis.statements_skipped(), 1, "{:?}", analysis.files[0].skipped);
        assert_eq!(analysis.files[0].skipped[0].reason, "COMMENT ON with dollar-quoted text");
        assert_eq!(analysis.schema.tables()[0].comment, None);
    }
}
