//! A second chance for a `CREATE TABLE` sqlparser rejects: the clauses the model does not need
//! and the parser does not know are blanked out (replaced by spaces, so every offset stays
//! right) and the statement is parsed again. A real table is never lost to a clause that only
//! tunes storage.
//!
//! Blanked, each a form sqlparser 0.64 rejects:
//! - `ON DELETE SET NULL (cols)` / `SET DEFAULT (cols)` (PostgreSQL 15): the column list only;
//! - a column's `COMPRESSION method` and `STORAGE PLAIN|EXTERNAL|EXTENDED|MAIN|DEFAULT`;
//! - the table's access method, `USING heap`;
//! - `OF type` (a typed table: the type's columns are not known here) and `WITH OPTIONS`;
//! - `LIKE source [INCLUDING … | EXCLUDING …]`, which is kept as a [`LikeSource`] so the
//!   builder copies the source's columns (and, when included, its indexes).

/// `LIKE source` inside a column list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LikeSource {
    /// The source's name as written (possibly qualified, possibly quoted).
    pub name: String,
    /// Byte range of the name in the statement.
    pub range: (usize, usize),
    /// `INCLUDING ALL` or `INCLUDING INDEXES`: the source's indexes come too.
    pub indexes: bool,
    /// Column definitions before it in the list: where the copied columns go.
    pub position: usize,
}

pub(crate) struct Relaxed {
    pub text: String,
    pub like: Vec<LikeSource>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Open,
    Close,
    Comma,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    start: usize,
    end: usize,
    kind: Kind,
    depth: usize,
}

/// `text` with the clauses above blanked, when it is a `CREATE TABLE` holding any of them.
pub(crate) fn relax_create_table(text: &str) -> Option<Relaxed> {
    let scan = Scan { text, tokens: tokenize(text) };
    let name_end = scan.table_name_end()?;
    let mut blank: Vec<(usize, usize)> = Vec::new();
    let mut like = Vec::new();
    let mut j = name_end;
    if scan.is(j, "OF") {
        let end = skip_name(text, &scan.tokens, j + 1)?;
        blank.push((scan.tokens[j].start, scan.tokens[end - 1].end));
        j = end;
    }
    let mut columns_before = 0;
    let mut element_start = true;
    let mut element_words = 0;
    while j < scan.tokens.len() {
        let t = scan.tokens[j];
        if t.depth == 1 && t.kind == Kind::Comma {
            element_start = true;
            element_words = 0;
            j += 1;
            continue;
        }
        if t.depth == 1 && t.kind == Kind::Word {
            element_words += 1;
        }
        // A column's name is never one of the clauses below: `compression int` is a column.
        let names_a_column = t.depth == 1 && element_start && t.kind == Kind::Word;
        if names_a_column {
            element_start = false;
            if scan.is(j, "LIKE") {
                let (source, range, next) = scan.like_element(j, name_end, columns_before)?;
                like.push(source);
                blank.push(range);
                j = next;
                continue;
            }
            if !scan.starts_a_constraint(j) {
                columns_before += 1;
            }
        }
        let clause = if t.depth == 1 && t.kind == Kind::Word && !names_a_column {
            scan.column_clause(j, element_words)?
        } else if t.depth == 0 && scan.is(j, "USING") && scan.word(j + 1).is_some() {
            Some(Clause { range: (t.start, scan.tokens[j + 1].end), next: j + 2 })
        } else {
            None
        };
        match clause {
            Some(clause) => {
                blank.push(clause.range);
                j = clause.next;
            }
            None => j += 1,
        }
    }
    if blank.is_empty() {
        return None;
    }
    Some(Relaxed { text: blank_out(text, &blank)?, like })
}

/// A clause to blank: its byte range, and the token after it.
struct Clause {
    range: (usize, usize),
    next: usize,
}

/// A `CREATE TABLE` statement's tokens, and questions about them.
struct Scan<'t> {
    text: &'t str,
    tokens: Vec<Token>,
}

impl Scan<'_> {
    /// The `i`th token in upper case, when it is a word.
    fn word(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        (t.kind == Kind::Word).then(|| self.text[t.start..t.end].to_ascii_uppercase())
    }

    fn is(&self, i: usize, word: &str) -> bool {
        self.word(i).as_deref() == Some(word)
    }

    /// The token after the table's name in `CREATE [GLOBAL|LOCAL] [TEMP|TEMPORARY|UNLOGGED]
    /// TABLE [IF NOT EXISTS] name`; `None` for any other statement.
    fn table_name_end(&self) -> Option<usize> {
        if !self.is(0, "CREATE") {
            return None;
        }
        let mut i = 1;
        while matches!(self.word(i).as_deref(), Some("GLOBAL" | "LOCAL" | "TEMP" | "TEMPORARY" | "UNLOGGED")) {
            i += 1;
        }
        if !self.is(i, "TABLE") {
            return None;
        }
        i += 1;
        if self.is(i, "IF") && self.is(i + 1, "NOT") && self.is(i + 2, "EXISTS") {
            i += 3;
        }
        skip_name(self.text, &self.tokens, i)
    }

    /// Whether the list element starting at `i` is a table constraint, not a column.
    fn starts_a_constraint(&self, i: usize) -> bool {
        matches!(
            self.word(i).as_deref(),
            Some("CONSTRAINT" | "PRIMARY" | "UNIQUE" | "FOREIGN" | "CHECK" | "EXCLUDE" | "INDEX" | "KEY")
        )
    }

    /// `LIKE source [INCLUDING … | EXCLUDING …]` at `j`: the source, the range to blank (the
    /// element and a comma beside it, so the list stays well formed) and the token after it.
    fn like_element(
        &self,
        j: usize,
        name_end: usize,
        columns_before: usize,
    ) -> Option<(LikeSource, (usize, usize), usize)> {
        let tokens = &self.tokens;
        let end = skip_name(self.text, tokens, j + 1)?;
        let mut k = end;
        let mut indexes = false;
        while matches!(self.word(k).as_deref(), Some("INCLUDING" | "EXCLUDING")) {
            if self.is(k, "INCLUDING") && matches!(self.word(k + 1).as_deref(), Some("ALL" | "INDEXES")) {
                indexes = true;
            }
            // `INCLUDING` and its option; a trailing `INCLUDING` alone ends the statement.
            k = (k + 2).min(tokens.len());
        }
        let source = LikeSource {
            name: self.text[tokens[j + 1].start..tokens[end - 1].end].to_owned(),
            range: (tokens[j + 1].start, tokens[end - 1].end),
            indexes,
            position: columns_before,
        };
        let range = match tokens.get(k) {
            Some(next) if next.kind == Kind::Comma && next.depth == 1 => (tokens[j].start, next.end),
            _ => {
                let previous_comma = (0..j)
                    .rev()
                    .find(|&p| tokens[p].depth == 1 && tokens[p].kind == Kind::Comma)
                    .filter(|&p| p > name_end);
                (previous_comma.map_or(tokens[j].start, |p| tokens[p].start), tokens[k - 1].end)
            }
        };
        Some((source, range, k))
    }

    /// A clause inside a column definition at `j` that the parser rejects and the model does not
    /// need: its range and the token after it. `Some(None)` when there is none at `j`; `None`
    /// when the statement is malformed.
    fn column_clause(&self, j: usize, element_words: usize) -> Option<Option<Clause>> {
        let tokens = &self.tokens;
        let t = tokens[j];
        if self.is(j, "WITH") && self.is(j + 1, "OPTIONS") {
            return Some(Some(Clause { range: (t.start, tokens[j + 1].end), next: j + 2 }));
        }
        if (self.is(j, "COMPRESSION") && self.word(j + 1).is_some())
            || (self.is(j, "STORAGE")
                && matches!(self.word(j + 1).as_deref(), Some("PLAIN" | "EXTERNAL" | "EXTENDED" | "MAIN" | "DEFAULT")))
        {
            return Some(Some(Clause { range: (t.start, tokens[j + 1].end), next: j + 2 }));
        }
        // MySQL's `varchar(255) BINARY`: a collation attribute after the type, not the type.
        if self.is(j, "BINARY") && element_words > 2 && tokens.get(j + 1).is_none_or(|n| n.kind != Kind::Open) {
            return Some(Some(Clause { range: (t.start, t.end), next: j + 1 }));
        }
        if self.is(j, "SET") && matches!(self.word(j + 1).as_deref(), Some("NULL" | "DEFAULT")) {
            if let Some(open) = tokens.get(j + 2).filter(|o| o.kind == Kind::Open) {
                let close =
                    (j + 3..tokens.len()).find(|&c| tokens[c].kind == Kind::Close && tokens[c].depth == open.depth)?;
                return Some(Some(Clause { range: (open.start, tokens[close].end), next: close + 1 }));
            }
        }
        Some(None)
    }
}

/// `text` with each range replaced by spaces, line breaks kept so positions keep their lines.
fn blank_out(text: &str, ranges: &[(usize, usize)]) -> Option<String> {
    let mut relaxed = text.as_bytes().to_vec();
    for &(from, to) in ranges {
        for byte in &mut relaxed[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Only ASCII bytes were replaced, and only within whole tokens: still UTF-8.
    String::from_utf8(relaxed).ok()
}

/// What a statement the parser skipped would have done to the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ModelChange {
    CreateTable(String),
    AlterTable(String),
    DropTable(String),
    /// An index on the table.
    CreateIndex(String),
}

/// Whether `text` (a statement) creates, alters or drops a table or creates an index, and the
/// table's name as written.
pub(crate) fn model_change(text: &str) -> Option<ModelChange> {
    let tokens = tokenize(text);
    let word = |i: usize| -> Option<String> {
        let t = tokens.get(i)?;
        (t.kind == Kind::Word).then(|| text[t.start..t.end].to_ascii_uppercase())
    };
    let is = |i: usize, w: &str| word(i).as_deref() == Some(w);
    let name_at = |i: usize| -> Option<String> {
        let end = skip_name(text, &tokens, i)?;
        Some(text[tokens[i].start..tokens[end - 1].end].to_owned())
    };
    let mut i = 1;
    match word(0)?.as_str() {
        "CREATE" => {
            while matches!(
                word(i).as_deref(),
                Some(
                    "OR" | "REPLACE"
                        | "GLOBAL"
                        | "LOCAL"
                        | "TEMP"
                        | "TEMPORARY"
                        | "UNLOGGED"
                        | "UNIQUE"
                        | "FULLTEXT"
                        | "SPATIAL"
                )
            ) {
                i += 1;
            }
            if is(i, "TABLE") {
                i += 1;
                if is(i, "IF") && is(i + 1, "NOT") && is(i + 2, "EXISTS") {
                    i += 3;
                }
                return name_at(i).map(ModelChange::CreateTable);
            }
            if is(i, "INDEX") {
                let on = (i + 1..tokens.len()).find(|&k| is(k, "ON"))?;
                let at = if is(on + 1, "ONLY") { on + 2 } else { on + 1 };
                return name_at(at).map(ModelChange::CreateIndex);
            }
            None
        }
        "ALTER" if is(1, "TABLE") => {
            i = 2;
            while matches!(word(i).as_deref(), Some("ONLY" | "IF" | "EXISTS")) {
                i += 1;
            }
            let name = name_at(i)?;
            let after = skip_name(text, &tokens, i)?;
            // Actions that tune statistics, storage, ownership or triggers change nothing the
            // model holds: a skipped one is no loss.
            let action: Vec<String> = (after..after + 5).filter_map(&word).collect();
            let starts = |words: &[&str]| action.iter().zip(words).all(|(a, w)| a == w) && action.len() >= words.len();
            let neutral = starts(&["OWNER", "TO"])
                || starts(&["CLUSTER", "ON"])
                || starts(&["SET", "WITHOUT"])
                || starts(&["SET", "TABLESPACE"])
                || starts(&["REPLICA", "IDENTITY"])
                || matches!(action.first().map(String::as_str), Some("ENABLE" | "DISABLE" | "RESET"))
                || (starts(&["ALTER", "COLUMN"])
                    && matches!(action.get(4).map(String::as_str), Some("STATISTICS" | "STORAGE" | "COMPRESSION")))
                || (starts(&["ALTER"])
                    && !starts(&["ALTER", "COLUMN"])
                    && matches!(action.get(3).map(String::as_str), Some("STATISTICS" | "STORAGE" | "COMPRESSION")));
            (!neutral).then_some(ModelChange::AlterTable(name))
        }
        "DROP" if is(1, "TABLE") => {
            i = 2;
            if is(i, "IF") && is(i + 1, "EXISTS") {
                i += 2;
            }
            name_at(i).map(ModelChange::DropTable)
        }
        _ => None,
    }
}

/// Past a possibly qualified, possibly quoted name starting at token `i`.
fn skip_name(text: &str, tokens: &[Token], mut i: usize) -> Option<usize> {
    loop {
        let t = tokens.get(i)?;
        if t.kind != Kind::Word {
            return None;
        }
        i += 1;
        match tokens.get(i) {
            Some(dot) if dot.kind == Kind::Other && &text[dot.start..dot.end] == "." => i += 1,
            _ => return Some(i),
        }
    }
}

/// Words (quoted identifiers count as words), parentheses with their depth, commas; comments and
/// string literals are skipped.
fn tokenize(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |p| i + p);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |end| i + 2 + end + 2);
                continue;
            }
            b'\'' => {
                i = skip_quoted(bytes, i, b'\'', false);
                Kind::Other
            }
            b'"' | b'`' => {
                i = skip_quoted(bytes, i, b, false);
                Kind::Word
            }
            b'(' => {
                depth += 1;
                i += 1;
                tokens.push(Token { start, end: i, kind: Kind::Open, depth });
                continue;
            }
            b')' => {
                i += 1;
                tokens.push(Token { start, end: i, kind: Kind::Close, depth });
                depth = depth.saturating_sub(1);
                continue;
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        tokens.push(Token { start, end: i, kind, depth });
    }
    tokens
}

/// Past the closing `quote` of a quoted string or identifier starting at `from`; a doubled
/// quote stays inside, and with `backslash_escapes` (MySQL's strings) so does `\'`.
pub(crate) fn skip_quoted(bytes: &[u8], from: usize, quote: u8, backslash_escapes: bool) -> usize {
    let mut i = from + 1;
    while i < bytes.len() {
        if backslash_escapes && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relaxed(sql: &str) -> String {
        let out = relax_create_table(sql).map(|r| r.text).unwrap_or_default();
        assert_eq!(out.len(), sql.len(), "offsets move");
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Found by the incremental property test: an edit left `INCLUDING` as the statement's last
    /// token, and the option after it was read past the end.
    #[test]
    fn a_like_clause_cut_after_including_does_not_read_past_the_end() {
        for sql in ["CREATE TABLE t (LIKE s INCLUDING", "CREATE TABLE t (a int, LIKE s INCLUDING ALL EXCLUDING"] {
            let _ = relax_create_table(sql);
        }
    }

    #[test]
    fn blanks_only_what_the_parser_rejects() {
        assert_eq!(
            relaxed("CREATE TABLE c (a int, FOREIGN KEY (a, b) REFERENCES p (x, y) ON DELETE SET NULL (b))"),
            "CREATE TABLE c (a int, FOREIGN KEY (a, b) REFERENCES p (x, y) ON DELETE SET NULL )"
        );
        assert_eq!(relaxed("CREATE TABLE c (id int) USING heap;"), "CREATE TABLE c (id int) ;");
        assert_eq!(
            relaxed("CREATE TABLE c (b text COMPRESSION lz4, d text STORAGE EXTERNAL NOT NULL)"),
            "CREATE TABLE c (b text , d text NOT NULL)"
        );
        assert_eq!(relaxed("CREATE TABLE c OF pair (a WITH OPTIONS PRIMARY KEY)"), "CREATE TABLE c (a PRIMARY KEY)");
        assert!(relax_create_table("CREATE TABLE c (id int, storage text, compression int)").is_none());
        assert!(relax_create_table("CREATE INDEX i ON t USING btree (a)").is_none());
    }

    #[test]
    fn statements_that_change_the_model_name_their_table() {
        use ModelChange::*;
        assert_eq!(
            model_change("CREATE UNLOGGED TABLE IF NOT EXISTS public.t (x int)"),
            Some(CreateTable("public.t".into()))
        );
        assert_eq!(
            model_change("create unique index concurrently i on only \"T\" (a)"),
            Some(CreateIndex("\"T\"".into()))
        );
        assert_eq!(model_change("ALTER TABLE ONLY t ADD CONSTRAINT c CHECK (x > 0)"), Some(AlterTable("t".into())));
        assert_eq!(model_change("DROP TABLE IF EXISTS `t`, u"), Some(DropTable("`t`".into())));
        assert_eq!(model_change("CREATE FUNCTION f() RETURNS int"), None);
        assert_eq!(model_change("ALTER TABLE Path ALTER COLUMN Path SET STATISTICS 1000"), None);
        assert_eq!(model_change("ALTER TABLE ONLY t OWNER TO app"), None);
        assert_eq!(
            model_change("ALTER TABLE t ALTER COLUMN c SET DATA TYPE bigint USING x"),
            Some(AlterTable("t".into()))
        );
        assert_eq!(model_change("INSERT INTO t VALUES (1)"), None);
    }

    #[test]
    fn like_is_kept_as_a_source_and_removed_with_its_comma() {
        let sql = "CREATE TABLE c3 (id int, LIKE public.\"Parent\" INCLUDING ALL, extra text)";
        let out = relax_create_table(sql).unwrap();
        assert_eq!(out.text.split_whitespace().collect::<Vec<_>>().join(" "), "CREATE TABLE c3 (id int, extra text)");
        assert_eq!(out.like[0].name, "public.\"Parent\"");
        assert_eq!(&sql[out.like[0].range.0..out.like[0].range.1], "public.\"Parent\"");
        assert!(out.like[0].indexes);
        assert_eq!(out.like[0].position, 1);
        let last = relax_create_table("CREATE TABLE c (id int, LIKE p EXCLUDING INDEXES)").unwrap();
        assert_eq!(last.text.split_whitespace().collect::<Vec<_>>().join(" "), "CREATE TABLE c (id int )");
        assert!(!last.like[0].indexes);
    }
}
