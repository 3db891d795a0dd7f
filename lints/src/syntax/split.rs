//! Splits a document into statements without parsing them.
//!
//! The splitter knows just enough lexical structure to find statement boundaries: comments,
//! string literals, quoted identifiers, dollar-quoted bodies, `BEGIN ... END` bodies of triggers
//! and routines, MySQL's `DELIMITER`, psql meta-commands, `COPY ... FROM stdin` data blocks and
//! goose/dbmate up/down sections. It never fails: an unterminated quote or comment is treated as
//! an ordinary character so that it cannot swallow the rest of the file.

use crate::dialect::Dialect;
use crate::text::TextRange;

/// One statement's text, as found in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitStatement {
    /// The statement from its first token to its last, without the terminator.
    pub range: TextRange,
    /// Where the terminator (`;` or the MySQL `DELIMITER`) ends, when there is one.
    pub terminator_end: Option<u32>,
}

impl SplitStatement {
    /// Offset just past the statement and its terminator: where a following statement may go.
    pub fn end_with_terminator(&self) -> u32 {
        self.terminator_end.unwrap_or(self.range.end)
    }
}

/// A `-- schemacast: ...` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub range: TextRange,
    /// The text after `schemacast:`, trimmed.
    pub text: String,
    /// The statement the comment belongs to: the one it is inside, the one it trails on the same
    /// line, or else the next one.
    pub statement: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SplitDocument {
    pub statements: Vec<SplitStatement>,
    pub directives: Vec<Directive>,
    /// psql meta-commands, `DELIMITER` lines and `COPY` data blocks passed over.
    pub non_sql_regions: usize,
    /// Where the first quote, dollar quote or block comment that never closes starts (it was read
    /// as one character): how the text up to it splits depends on all the text after it.
    pub first_unclosed: Option<u32>,
}

pub fn split(text: &str, dialect: Dialect) -> SplitDocument {
    Splitter::new(text, dialect).run()
}

/// Words whose presence anywhere may give the splitter state that outlives a statement (goose and
/// dbmate sections, MySQL's `DELIMITER`): a text without them is split the same from any
/// statement boundary on, which [`resplit`] relies on.
const STATEFUL_WORDS: &[&[u8]] = &[b"goose", b"migrate", b"delimiter"];

/// Whether `text[from..to]` holds none of [`STATEFUL_WORDS`], in any case.
pub(crate) fn is_plain(text: &str, from: usize, to: usize) -> bool {
    let bytes = &text.as_bytes()[from.min(text.len())..to.min(text.len())];
    !bytes.iter().enumerate().any(|(i, b)| {
        matches!(b | 0x20, b'g' | b'm' | b'd')
            && STATEFUL_WORDS
                .iter()
                .any(|word| bytes.get(i..i + word.len()).is_some_and(|w| w.eq_ignore_ascii_case(word)))
    })
}

/// The split of `new`, from the split of `old` (a plain text: [`is_plain`]) and the region they
/// differ in: old text `old[prefix..old_suffix]` became `new[prefix..new_suffix]`, the rest the
/// same. The splitter starts again at the last statement boundary before the region and stops at
/// the first boundary after it that the old split also had; the statements and directives on
/// either side are the old ones, moved. `None` when the edit may have made the text stateful.
/// The result is what [`split`] gives on `new`.
pub(crate) fn resplit(
    old: &str,
    old_document: &SplitDocument,
    new: &str,
    (prefix, old_suffix, new_suffix): (usize, usize, usize),
    dialect: Dialect,
) -> Option<SplitDocument> {
    // A stateful word typed into the region, or made by joining text on either side of it.
    let margin = STATEFUL_WORDS.iter().map(|w| w.len()).max().unwrap_or(0);
    if !is_plain(new, prefix.saturating_sub(margin), new_suffix + margin) {
        return None;
    }
    let is_copy = |text: &str, statement: &SplitStatement| {
        text.get(statement.range.to_range()).is_some_and(|t| t.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("copy")))
    };
    // Restart after the last statement that ends (terminator included) before the region, and
    // whose end is where the splitter went on from (not a `COPY` with rows after it).
    // Nor after a quote that never closed: the edit may close it.
    let limit = old_document.first_unclosed.map_or(prefix, |u| prefix.min(u as usize + 1));
    let before = old_document.statements.partition_point(|s| (s.end_with_terminator() as usize) < limit);
    let restart = (0..before).rev().find(|&i| {
        let statement = &old_document.statements[i];
        statement.terminator_end.is_some() && !is_copy(old, statement)
    });
    let (kept, start) = match restart {
        Some(i) => (i + 1, old_document.statements[i].end_with_terminator() as usize),
        None => (0, 0),
    };
    let directives_before = old_document.directives.partition_point(|d| (d.range.start as usize) < start);
    let resume = |text| Splitter::resumed(text, dialect, old_document, kept, directives_before, start);

    // The new text from the restart until a boundary past the region that the old text has too.
    let shift = |offset: usize| offset - new_suffix + old_suffix;
    let mut splitter = resume(new);
    let mut converged = None;
    while splitter.pos < splitter.bytes.len() {
        let statements = splitter.out.statements.len();
        splitter.step();
        let Some(last) = splitter.out.statements.last().filter(|_| splitter.out.statements.len() > statements) else {
            continue;
        };
        let end = last.end_with_terminator() as usize;
        if last.terminator_end.is_none() || end <= new_suffix || splitter.pos != end || is_copy(new, last) {
            continue;
        }
        let old_end = shift(end);
        let old_index = old_document.statements.partition_point(|s| (s.end_with_terminator() as usize) < old_end);
        let same_boundary = old_document.statements.get(old_index).is_some_and(|s| {
            s.end_with_terminator() as usize == old_end && s.terminator_end.is_some() && !is_copy(old, s)
        });
        if same_boundary {
            converged = Some((end, old_end, old_index));
            break;
        }
    }
    if converged.is_none() {
        splitter.finish_statement(None);
    }
    let mut document = splitter.out;
    let new_regions = document.non_sql_regions;

    // The old text over the same stretch, for the psql lines and `COPY` rows it counted there.
    let mut old_splitter = resume(old);
    let old_stop = converged.map_or(old.len(), |(_, old_end, _)| old_end);
    while old_splitter.pos < old_stop {
        old_splitter.step();
    }
    let old_regions = old_splitter.out.non_sql_regions;
    document.non_sql_regions = (old_document.non_sql_regions + new_regions).checked_sub(old_regions)?;

    if let Some((_, old_end, old_index)) = converged {
        let moved = |offset: u32| (offset as usize + new_suffix - old_suffix) as u32;
        if document.first_unclosed.is_none() {
            match old_document.first_unclosed {
                // The old text's first unclosed quote is closed now: whether one after it stays
                // unclosed was not recorded.
                Some(unclosed) if (unclosed as usize) < old_end => return None,
                unclosed => document.first_unclosed = unclosed.map(moved),
            }
        }
        let renumbered = |index: usize| index + document.statements.len() - (old_index + 1);
        document.directives.extend(old_document.directives.iter().filter(|d| d.range.start as usize >= old_end).map(
            |d| Directive {
                range: TextRange::new(moved(d.range.start) as usize, moved(d.range.end) as usize),
                text: d.text.clone(),
                statement: d.statement.map(renumbered),
            },
        ));
        document.statements.extend(old_document.statements[old_index + 1..].iter().map(|s| SplitStatement {
            range: TextRange::new(moved(s.range.start) as usize, moved(s.range.end) as usize),
            terminator_end: s.terminator_end.map(moved),
        }));
    }
    Some(document)
}

/// Keywords after `CREATE` whose statements may carry `BEGIN ... END` bodies.
const ROUTINE_WORDS: &[&str] = &["trigger", "procedure", "function", "event"];
const LEADING_WORDS_KEPT: usize = 8;

struct Splitter<'a> {
    text: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
    out: SplitDocument,
    stmt_start: Option<usize>,
    last_token_end: usize,
    leading_words: Vec<String>,
    may_have_body: bool,
    block_depth: u32,
    delimiter: String,
    /// Outside a goose/dbmate `Up` section statements are read but dropped.
    in_up_section: bool,
    /// Inside goose `StatementBegin`/`StatementEnd`: semicolons do not end the statement.
    in_goose_block: bool,
    /// The previous statement ended on the current line: a comment here trails it.
    prev_end_on_this_line: bool,
    /// Directives before this index are tied to a statement.
    unplaced_directives_from: usize,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str, dialect: Dialect) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            dialect,
            pos: 0,
            out: SplitDocument::default(),
            stmt_start: None,
            last_token_end: 0,
            leading_words: Vec::new(),
            may_have_body: false,
            block_depth: 0,
            delimiter: ";".to_owned(),
            in_up_section: true,
            in_goose_block: false,
            prev_end_on_this_line: false,
            unplaced_directives_from: 0,
        }
    }

    /// A splitter at `start`, a statement boundary of a plain text, as it was there: the first
    /// `statements` statements and `directives` directives of `document` found.
    fn resumed(
        text: &'a str,
        dialect: Dialect,
        document: &SplitDocument,
        statements: usize,
        directives: usize,
        start: usize,
    ) -> Self {
        let mut splitter = Splitter::new(text, dialect);
        splitter.pos = start;
        splitter.out.statements = document.statements[..statements].to_vec();
        splitter.out.directives = document.directives[..directives].to_vec();
        splitter.unplaced_directives_from = directives;
        splitter.prev_end_on_this_line = statements > 0;
        splitter
    }

    fn run(mut self) -> SplitDocument {
        while self.pos < self.bytes.len() {
            self.step();
        }
        self.finish_statement(None);
        self.out
    }

    /// Reads one token, comment or blank at `pos`.
    fn step(&mut self) {
        {
            let b = self.bytes[self.pos];
            if self.delimiter != ";" && self.block_depth == 0 && self.at_custom_delimiter() {
                let end = self.pos + self.delimiter.len();
                // Set first: finishing a `COPY` statement moves past its data block.
                self.pos = end;
                self.finish_statement(Some(end));
                return;
            }
            match b {
                b'\n' => {
                    self.prev_end_on_this_line = false;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | b'\x0c' => self.pos += 1,
                b'-' if self.peek(1) == Some(b'-') => self.line_comment(2),
                b'#' if self.dialect == Dialect::Mysql => self.line_comment(1),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b'\\' if self.stmt_start.is_none() => self.meta_command(),
                b'\'' => {
                    let escapes = self.dialect == Dialect::Mysql;
                    self.quoted(b'\'', escapes);
                }
                b'"' => {
                    let escapes = self.dialect == Dialect::Mysql;
                    self.quoted(b'"', escapes);
                }
                b'`' if self.dialect != Dialect::Postgres => self.quoted(b'`', false),
                b'$' if self.dialect == Dialect::Postgres => self.dollar(),
                b';' if self.delimiter == ";" && self.block_depth == 0 && !self.in_goose_block => {
                    let end = self.pos + 1;
                    self.pos = end;
                    self.finish_statement(Some(end));
                }
                b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => self.word(),
                _ => {
                    self.token(self.pos, self.pos + 1);
                    self.pos += 1;
                }
            }
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn at_custom_delimiter(&self) -> bool {
        self.bytes[self.pos..].starts_with(self.delimiter.as_bytes())
    }

    /// Marks `start..end` as part of the current statement, starting one if needed.
    fn token(&mut self, start: usize, end: usize) {
        if self.stmt_start.is_none() {
            self.stmt_start = Some(start);
        }
        self.last_token_end = end;
    }

    fn line_end(&self, from: usize) -> usize {
        self.bytes[from..].iter().position(|&b| b == b'\n').map_or(self.bytes.len(), |i| from + i)
    }

    fn line_comment(&mut self, marker_len: usize) {
        let start = self.pos;
        let end = self.line_end(start);
        let body = &self.text[start + marker_len..end];
        self.comment(start, end, body);
        self.pos = end;
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        let nests = self.dialect == Dialect::Postgres;
        let mut depth = 0usize;
        let mut i = start;
        while i + 1 < self.bytes.len() {
            match (self.bytes[i], self.bytes[i + 1]) {
                (b'/', b'*') if depth == 0 || nests => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        let body = &self.text[start + 2..i - 2];
                        self.comment(start, i, body);
                        self.pos = i;
                        return;
                    }
                }
                _ => i += 1,
            }
        }
        // Unterminated: end it with its line so it cannot hide the rest of the file.
        self.unclosed(start);
        let end = self.line_end(start);
        self.pos = end;
    }

    fn comment(&mut self, start: usize, end: usize, body: &str) {
        let body = body.trim();
        if let Some(section) = migration_section_marker(body) {
            self.section_marker(section);
            return;
        }
        let Some(rest) = strip_prefix_ignore_case(body, "schemacast:") else { return };
        let statement = if self.stmt_start.is_some() {
            Some(self.out.statements.len())
        } else if self.prev_end_on_this_line {
            self.out.statements.len().checked_sub(1)
        } else {
            None
        };
        self.out.directives.push(Directive {
            range: TextRange::new(start, end),
            text: rest.trim().to_owned(),
            statement,
        });
    }

    fn section_marker(&mut self, marker: SectionMarker) {
        match marker {
            SectionMarker::Up => {
                self.finish_statement(None);
                self.in_up_section = true;
            }
            SectionMarker::Down => {
                self.finish_statement(None);
                self.in_up_section = false;
            }
            SectionMarker::StatementBegin => self.in_goose_block = true,
            SectionMarker::StatementEnd => {
                self.in_goose_block = false;
                self.finish_statement(None);
            }
        }
    }

    /// A psql meta-command (`\connect db`, `\set ...`) runs to the end of its line.
    fn meta_command(&mut self) {
        self.pos = self.line_end(self.pos);
        self.out.non_sql_regions += 1;
    }

    fn quoted(&mut self, quote: u8, backslash_escapes: bool) {
        let start = self.pos;
        match self.quoted_end(start, quote, backslash_escapes) {
            Some(end) => {
                self.token(start, end);
                self.pos = end;
            }
            None => {
                self.unclosed(start);
                self.token(start, start + 1);
                self.pos = start + 1;
            }
        }
    }

    fn unclosed(&mut self, start: usize) {
        self.out.first_unclosed.get_or_insert(start as u32);
    }

    /// End of a literal opened at `start`, with the quote doubled as an escape.
    fn quoted_end(&self, start: usize, quote: u8, backslash_escapes: bool) -> Option<usize> {
        let mut i = start + 1;
        while i < self.bytes.len() {
            let b = self.bytes[i];
            if backslash_escapes && b == b'\\' {
                i += 2;
            } else if b == quote {
                if self.bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            } else {
                i += 1;
            }
        }
        None
    }

    fn dollar(&mut self) {
        let start = self.pos;
        let tag_len = self.bytes[start + 1..]
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80))
            .unwrap_or(self.bytes.len() - start - 1);
        let tag_end = start + 1 + tag_len;
        let is_tag =
            self.bytes.get(tag_end) == Some(&b'$') && !self.bytes.get(start + 1).is_some_and(|b| b.is_ascii_digit());
        if !is_tag {
            self.token(start, start + 1);
            self.pos = start + 1;
            return;
        }
        let tag = &self.text[start..=tag_end];
        match self.text[tag_end + 1..].find(tag) {
            Some(i) => {
                let end = tag_end + 1 + i + tag.len();
                self.token(start, end);
                self.pos = end;
            }
            None => {
                self.unclosed(start);
                self.token(start, start + 1);
                self.pos = start + 1;
            }
        }
    }

    fn word(&mut self) {
        let start = self.pos;
        let mut end = start;
        while end < self.bytes.len() {
            let b = self.bytes[end];
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80 {
                end += 1;
            } else {
                break;
            }
        }
        // `E'...'` is a PostgreSQL string with backslash escapes.
        if end == start + 1
            && matches!(self.bytes[start], b'e' | b'E')
            && self.bytes.get(end) == Some(&b'\'')
            && self.dialect == Dialect::Postgres
        {
            self.token(start, end);
            self.pos = end;
            self.quoted(b'\'', true);
            return;
        }
        let word = &self.text[start..end];
        if self.stmt_start.is_none() && self.dialect == Dialect::Mysql && word.eq_ignore_ascii_case("delimiter") {
            let line_end = self.line_end(end);
            let new_delimiter = self.text[end..line_end].trim();
            if !new_delimiter.is_empty() {
                self.delimiter = new_delimiter.to_owned();
            }
            self.out.non_sql_regions += 1;
            self.pos = line_end;
            return;
        }
        self.token(start, end);
        self.pos = end;
        self.track_bodies(word);
    }

    fn track_bodies(&mut self, word: &str) {
        if self.leading_words.len() < LEADING_WORDS_KEPT {
            let lower = word.to_ascii_lowercase();
            if self.leading_words.first().is_some_and(|w| w == "create") && ROUTINE_WORDS.contains(&lower.as_str()) {
                self.may_have_body = true;
            }
            self.leading_words.push(lower);
        }
        if !self.may_have_body {
            return;
        }
        if word.eq_ignore_ascii_case("begin") || (self.block_depth > 0 && word.eq_ignore_ascii_case("case")) {
            self.block_depth += 1;
        } else if self.block_depth > 0 && word.eq_ignore_ascii_case("end") {
            let next = self.next_word();
            let closes_other = ["if", "loop", "while", "repeat"].iter().any(|w| next.eq_ignore_ascii_case(w));
            if !closes_other {
                self.block_depth -= 1;
            }
        }
    }

    fn next_word(&self) -> &'a str {
        let rest = &self.text[self.pos..];
        let rest = rest.trim_start();
        let len = rest.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'_')).unwrap_or(rest.len());
        &rest[..len]
    }

    fn finish_statement(&mut self, terminator_end: Option<usize>) {
        let Some(start) = self.stmt_start.take() else {
            return;
        };
        let end = self.last_token_end.max(start);
        let is_copy_from_stdin = self.leading_words.first().is_some_and(|w| w == "copy")
            && self.text[start..end].to_ascii_lowercase().contains("from stdin");
        self.leading_words.clear();
        self.may_have_body = false;
        self.block_depth = 0;
        if self.in_up_section {
            let index = self.out.statements.len();
            for directive in &mut self.out.directives[self.unplaced_directives_from..] {
                directive.statement.get_or_insert(index);
            }
            self.unplaced_directives_from = self.out.directives.len();
            self.out.statements.push(SplitStatement {
                range: TextRange::new(start, end),
                terminator_end: terminator_end.map(|e| e as u32),
            });
        }
        self.prev_end_on_this_line = true;
        if is_copy_from_stdin {
            if let Some(end) = terminator_end {
                self.skip_copy_data(end);
            }
        }
    }

    /// Skips the rows after `COPY ... FROM stdin;` up to and including the `\.` line.
    fn skip_copy_data(&mut self, statement_end: usize) {
        let mut line_start = self.line_end(statement_end) + 1;
        while line_start < self.bytes.len() {
            let line_end = self.line_end(line_start);
            let line = self.text[line_start..line_end].trim_end_matches('\r');
            if line == "\\." {
                break;
            }
            line_start = line_end + 1;
        }
        // The terminator lies inside the loop's last line; continue after it.
        let resume = self.line_end(line_start.min(self.bytes.len()));
        self.pos = resume.max(statement_end);
        self.out.non_sql_regions += 1;
        self.prev_end_on_this_line = false;
    }
}

enum SectionMarker {
    Up,
    Down,
    StatementBegin,
    StatementEnd,
}

fn migration_section_marker(comment: &str) -> Option<SectionMarker> {
    let comment = comment.trim();
    if let Some(goose) = strip_prefix_ignore_case(comment, "+goose") {
        let word = goose.split_whitespace().next().unwrap_or("");
        return match word.to_ascii_lowercase().as_str() {
            "up" => Some(SectionMarker::Up),
            "down" => Some(SectionMarker::Down),
            "statementbegin" => Some(SectionMarker::StatementBegin),
            "statementend" => Some(SectionMarker::StatementEnd),
            _ => None,
        };
    }
    let word = comment.split_whitespace().next().unwrap_or("");
    if word.eq_ignore_ascii_case("migrate:up") {
        Some(SectionMarker::Up)
    } else if word.eq_ignore_ascii_case("migrate:down") {
        Some(SectionMarker::Down)
    } else {
        None
    }
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, dialect: Dialect) -> Vec<&str> {
        split(sql, dialect).statements.iter().map(|s| &sql[s.range.to_range()]).collect()
    }

    #[test]
    fn semicolons_inside_literals_comments_and_quotes_do_not_split() {
        let sql = "SELECT ';' -- ; not here\n, \"a;b\" /* ; */ FROM t;\nSELECT 2";
        assert_eq!(texts(sql, Dialect::Postgres), ["SELECT ';' -- ; not here\n, \"a;b\" /* ; */ FROM t", "SELECT 2"]);
    }

    #[test]
    fn dollar_quoted_bodies_and_escape_strings_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql;\nSELECT E'it\\'s;';\nSELECT $1;";
        let statements = texts(sql, Dialect::Postgres);
        assert_eq!(statements.len(), 3, "{statements:?}");
        assert!(statements[0].ends_with("LANGUAGE plpgsql"));
        assert_eq!(statements[1], "SELECT E'it\\'s;'");
    }

    #[test]
    fn trigger_bodies_with_begin_end_stay_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = CASE WHEN 1 THEN 2 END; DELETE FROM c; END;\nCREATE TABLE d (x int);";
        let statements = texts(sql, Dialect::Sqlite);
        assert_eq!(statements.len(), 2, "{statements:?}");
        assert!(statements[0].ends_with("DELETE FROM c; END"));
        // A transaction's BEGIN is not a body.
        assert_eq!(texts("BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;", Dialect::Postgres).len(), 3);
    }

    #[test]
    fn mysql_delimiter_changes_the_terminator() {
        let sql =
            "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nCREATE TABLE t (x int);";
        let document = split(sql, Dialect::Mysql);
        let statements: Vec<&str> = document.statements.iter().map(|s| &sql[s.range.to_range()]).collect();
        assert_eq!(statements, ["CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "CREATE TABLE t (x int)"]);
        assert_eq!(document.non_sql_regions, 2);
    }

    #[test]
    fn copy_data_and_meta_commands_are_not_statements() {
        let sql = "\\connect shop\nCOPY a (x) FROM stdin;\n1;2\n\\.\nCREATE TABLE b (x int);";
        assert_eq!(texts(sql, Dialect::Postgres), ["COPY a (x) FROM stdin", "CREATE TABLE b (x int)"]);
    }

    #[test]
    fn down_sections_are_dropped_and_goose_blocks_kept_whole() {
        let goose = "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() BEGIN; END;\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;";
        assert_eq!(texts(goose, Dialect::Postgres), ["CREATE FUNCTION f() BEGIN; END;"]);
        let dbmate = "-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n";
        assert_eq!(texts(dbmate, Dialect::Postgres), ["CREATE TABLE a (x int)"]);
    }

    #[test]
    fn directives_attach_to_the_statement_they_precede_sit_in_or_trail() {
        let sql = "-- schemacast: ignore a\nCREATE TABLE x (\n -- schemacast: ignore b\n y int); -- schemacast: ignore c\n\n-- schemacast: ignore d\nSELECT 1;";
        let document = split(sql, Dialect::Postgres);
        let placed: Vec<(&str, Option<usize>)> =
            document.directives.iter().map(|d| (d.text.as_str(), d.statement)).collect();
        assert_eq!(
            placed,
            [("ignore a", Some(0)), ("ignore b", Some(0)), ("ignore c", Some(0)), ("ignore d", Some(1))]
        );
    }

    #[test]
    fn splitting_again_around_an_edit_gives_what_splitting_whole_gives() {
        let texts = [
            "-- schemacast: ignore a\nCREATE TABLE x (\n -- schemacast: ignore b\n y int); -- schemacast: ignore c\n\n-- schemacast: rows=1\nCREATE TABLE y (z text DEFAULT 'a;b');\nSELECT $f$ ; $f$;\n\\connect db\nCOPY a (x) FROM stdin;\n1;2\n\\.\nCREATE TABLE b (x int);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;\n/* c; */ SELECT 2",
            "CREATE TABLE a (id int);\nCREATE TABLE b (id int REFERENCES a);\nCOMMENT ON TABLE a IS 'x';",
            // Quotes and comments that never close: an edit after them may close them.
            "'ALTER TABLE a ADD x int;\nCREATE TABLE b (y int);\nDROP TABLE c;",
            "SELECT 1;\n/* open\nSELECT 2;\nSELECT \"3;\nSELECT $x$ 4;\nSELECT 5;",
        ];
        let pieces = [
            "",
            "x",
            ";",
            "'",
            "$$",
            "--",
            "\n",
            "/*",
            "*/",
            "copy ",
            "\\",
            "-- schemacast: ignore d\n",
            "BEGIN ",
            "ü",
        ];
        let mut compared = 0;
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
            for old in texts {
                let old_document = split(old, dialect);
                for at in (0..=old.len()).filter(|&i| old.is_char_boundary(i)) {
                    for delete in [0, 1, 3] {
                        let mut end = (at + delete).min(old.len());
                        while !old.is_char_boundary(end) {
                            end += 1;
                        }
                        for piece in pieces {
                            let new = format!("{}{piece}{}", &old[..at], &old[end..]);
                            let crate::rules::memo::FileChange::Replaced { prefix, old_suffix, new_suffix } =
                                crate::rules::memo::FileChange::between(old, &new)
                            else {
                                continue;
                            };
                            let region = (prefix as usize, old_suffix as usize, new_suffix as usize);
                            if let Some(document) = resplit(old, &old_document, &new, region, dialect) {
                                assert_eq!(document, split(&new, dialect), "{old:?} -> {new:?} ({dialect:?})");
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 10_000, "only {compared} edits were split around themselves");
    }

    #[test]
    fn a_stateful_word_typed_or_present_splits_the_whole_text() {
        assert!(is_plain("CREATE TABLE a (x int);", 0, 23));
        assert!(!is_plain("-- +GOOSE Up", 0, 12));
        let old = "CREATE TABLE a (x int);\n-- +goo\nCREATE TABLE b (y int);";
        let new = old.replace("+goo\n", "+goose Up\n");
        let change = crate::rules::memo::FileChange::between(old, &new);
        let crate::rules::memo::FileChange::Replaced { prefix, old_suffix, new_suffix } = change else { panic!() };
        let region = (prefix as usize, old_suffix as usize, new_suffix as usize);
        assert_eq!(resplit(old, &split(old, Dialect::Postgres), &new, region, Dialect::Postgres), None);
    }

    #[test]
    fn unterminated_quotes_and_comments_do_not_swallow_the_file() {
        assert_eq!(texts("SELECT 'oops;\nSELECT 2;", Dialect::Postgres), ["SELECT 'oops", "SELECT 2"]);
        assert_eq!(texts("/* open\nSELECT 2;", Dialect::Postgres), ["SELECT 2"]);
        assert_eq!(texts("SELECT $tag$ never closed;\nSELECT 3;", Dialect::Postgres).len(), 2);
    }
}
