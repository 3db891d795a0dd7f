//! Why a statement was skipped, in words that group: the statement's kind from its leading
//! keywords, and what the parser wanted where it gave up. Names, literals and positions are left
//! out, so that a hundred `COMMENT ON` statements rejected alike read as one reason.

/// A short, stable category for a statement the parser rejected: `CREATE FUNCTION: expected
/// end of statement`, `COMMENT ON with dollar-quoted text`.
pub(crate) fn skip_reason(text: &str, error: &str) -> String {
    let kind = kind_or_statement(text);
    if kind == "COMMENT ON" && comment_text_is_dollar_quoted(text) {
        return "COMMENT ON with dollar-quoted text".to_owned();
    }
    if kind == "SOURCE" {
        // The mysql client's include: what the named file holds is not read.
        return "mysql client command SOURCE (the file it reads is not followed)".to_owned();
    }
    if let Some(expected) = expected(error) {
        return format!("{kind}: expected {expected}");
    }
    let message = error.trim_start_matches("sql parser error: ");
    let message = message.split(" at Line:").next().unwrap_or(message).trim();
    if message == "recursion limit exceeded" {
        return format!("{kind}: nested too deeply");
    }
    // The tokenizer's few messages (`Unterminated string literal`) name no text of the statement.
    if message.starts_with("Unterminated ") && !message.contains(['\'', '"', '`']) {
        return format!("{kind}: {}", message.to_ascii_lowercase());
    }
    format!("{kind}: not understood")
}

/// [`statement_kind`], or `statement` when no keyword names it: the first part of a reason.
pub(crate) fn kind_or_statement(text: &str) -> String {
    let kind = statement_kind(text);
    if kind.is_empty() {
        "statement".to_owned()
    } else {
        kind
    }
}

/// The leading keywords that name what a statement does: `CREATE TABLE`, `ALTER TABLE`,
/// `COMMENT ON`, `CREATE FUNCTION` (modifiers such as `OR REPLACE`, `TEMPORARY`, `UNIQUE` and
/// MySQL's `DEFINER = user` left out).
pub(crate) fn statement_kind(text: &str) -> String {
    let words = leading_words(text, 12);
    let Some(first) = words.first() else { return String::new() };
    let mut kind = vec![first.as_str()];
    let rest = &words[1..];
    match first.as_str() {
        "CREATE" | "ALTER" | "DROP" => {
            let mut i = 0;
            while let Some(word) = rest.get(i) {
                if is_modifier(word) {
                    i += 1;
                } else if word == "DEFINER" {
                    // `DEFINER = user@host`: the user is not a keyword; what follows it is.
                    i += 1;
                    while rest.get(i).is_some_and(|w| !is_object_kind(w)) {
                        i += 1;
                    }
                } else {
                    break;
                }
            }
            if let Some(object) = rest.get(i) {
                kind.push(object);
                // Two-word kinds: `MATERIALIZED VIEW`, `EVENT TRIGGER`, `FOREIGN TABLE`.
                if matches!(object.as_str(), "MATERIALIZED" | "EVENT" | "FOREIGN" | "TEXT" | "OPERATOR") {
                    if let Some(second) = rest.get(i + 1) {
                        kind.push(second);
                    }
                }
            }
        }
        "COMMENT" | "GRANT" | "REVOKE" | "SECURITY" => {
            if let Some(next) = rest.first().filter(|w| *w == "ON" || *w == "LABEL") {
                kind.push(next);
            }
        }
        "INSERT" | "REPLACE" => {
            if let Some(next) = rest.first().filter(|w| *w == "INTO" || *w == "IGNORE") {
                kind.push(next);
            }
        }
        _ => {}
    }
    kind.join(" ")
}

fn is_modifier(word: &str) -> bool {
    matches!(
        word,
        "OR" | "REPLACE"
            | "GLOBAL"
            | "LOCAL"
            | "TEMP"
            | "TEMPORARY"
            | "UNLOGGED"
            | "UNIQUE"
            | "FULLTEXT"
            | "SPATIAL"
            | "RECURSIVE"
            | "ALGORITHM"
            | "UNDEFINED"
            | "MERGE"
            | "TEMPTABLE"
            | "SQL"
            | "SECURITY"
            | "INVOKER"
            | "CONSTRAINT"
            | "TRUSTED"
            | "PROCEDURAL"
            | "IF"
            | "NOT"
            | "EXISTS"
    )
}

fn is_object_kind(word: &str) -> bool {
    matches!(word, "TABLE" | "VIEW" | "FUNCTION" | "PROCEDURE" | "TRIGGER" | "EVENT" | "INDEX")
}

/// Up to `limit` leading words of `text`, upper-cased, with comments, `=` and punctuation
/// between them skipped; stops at the first quote, parenthesis or digit-led token.
fn leading_words(text: &str, limit: usize) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() && words.len() < limit {
        let b = bytes[i];
        if b.is_ascii_whitespace() || b == b'=' {
            i += 1;
        } else if bytes[i..].starts_with(b"--") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
        } else if bytes[i..].starts_with(b"/*") {
            i = text[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2);
        } else if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            words.push(text[start..i].to_ascii_uppercase());
        } else if matches!(b, b'@' | b'.' | b'`' | b'\'' | b'"') && is_definer_context(&words) {
            // A MySQL definer (`'user'@'host'`, `` `user`@`%` ``) is no keyword: skipped.
            i = if b == b'@' || b == b'.' { i + 1 } else { super::relax::skip_quoted(bytes, i, b, false) };
        } else {
            break;
        }
    }
    words
}

/// Whether the words so far are inside `DEFINER = ...`, where quotes and `@` belong to the user.
fn is_definer_context(words: &[String]) -> bool {
    words.iter().rev().take(3).any(|w| w == "DEFINER")
}

/// `COMMENT ON ... IS $$...$$` or `IS $tag$...$tag$`: the first `$` comes right after `IS`.
fn comment_text_is_dollar_quoted(text: &str) -> bool {
    let Some(dollar) = text.find('$') else { return false };
    let before = text[..dollar].trim_end();
    before.len() >= 3
        && before.as_bytes()[before.len() - 2..].eq_ignore_ascii_case(b"IS")
        && before.as_bytes()[before.len() - 3].is_ascii_whitespace()
}

/// What sqlparser expected where it stopped: `Expected: end of statement, found: foo at Line:
/// 1, Column: 5` gives `end of statement`. The found token and the position are dropped: they
/// vary from statement to statement, and the statement's position is reported anyway.
fn expected(error: &str) -> Option<String> {
    let message = error.trim_start_matches("sql parser error: ");
    let rest = message.strip_prefix("Expected: ")?;
    let expected = rest.split(", found:").next()?.trim();
    let expected = expected.split(" at Line:").next()?.trim();
    if expected.is_empty() || expected.len() > 60 {
        return None;
    }
    Some(expected.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_quoted_comments_have_their_own_reason() {
        let reason = skip_reason(
            "COMMENT ON TABLE invoice IS $$ The invoice's lines $$",
            "sql parser error: Expected: literal string, found: $$ The invoice's lines $$ at Line: 1, Column: 29",
        );
        assert_eq!(reason, "COMMENT ON with dollar-quoted text");
        let tagged = skip_reason("comment on column t.c\n  is $x$ text $x$", "");
        assert_eq!(tagged, "COMMENT ON with dollar-quoted text");
    }

    #[test]
    fn reasons_name_the_statement_kind_and_what_the_parser_wanted_not_the_names() {
        let a = skip_reason(
            "CREATE OR REPLACE FUNCTION a() RETURNS int AS 'x' LANGUAGE weird STRANGE",
            "sql parser error: Expected: end of statement, found: STRANGE at Line: 1, Column: 60",
        );
        let b = skip_reason(
            "create function b(x int) returns int as 'y' language weird odd",
            "sql parser error: Expected: end of statement, found: odd at Line: 1, Column: 55",
        );
        assert_eq!(a, "CREATE FUNCTION: expected end of statement");
        assert_eq!(a, b);
        assert_eq!(skip_reason("FOO BAR", "sql parser error: something odd"), "FOO: not understood");
        assert_eq!(
            skip_reason("SELECT ((((1", "sql parser error: recursion limit exceeded"),
            "SELECT: nested too deeply"
        );
        assert_eq!(
            skip_reason(
                "INSERT INTO t VALUES ('x",
                "sql parser error: Unterminated string literal at Line: 1, Column: 22"
            ),
            "INSERT INTO: unterminated string literal"
        );
        assert_eq!(skip_reason("  ", ""), "statement: not understood");
        assert_eq!(
            skip_reason("source /usr/share/zoneminder/db/triggers.sql", "Expected: an SQL statement, found: source"),
            "mysql client command SOURCE (the file it reads is not followed)"
        );
    }

    #[test]
    fn kinds_skip_modifiers_comments_and_mysql_definers() {
        assert_eq!(statement_kind("-- c\nCREATE UNIQUE INDEX i ON t (a)"), "CREATE INDEX");
        assert_eq!(statement_kind("CREATE DEFINER=`root`@`localhost` TRIGGER t"), "CREATE TRIGGER");
        assert_eq!(statement_kind("CREATE DEFINER = 'a'@'%' PROCEDURE p()"), "CREATE PROCEDURE");
        assert_eq!(statement_kind("create materialized view v as select 1"), "CREATE MATERIALIZED VIEW");
        assert_eq!(statement_kind("/* x */ comment on column t.c is 'x'"), "COMMENT ON");
        assert_eq!(statement_kind("DROP TABLE IF EXISTS t"), "DROP TABLE");
        assert_eq!(statement_kind("INSERT INTO t VALUES (1)"), "INSERT INTO");
        assert_eq!(statement_kind("$$"), "");
    }
}
