//! Which dialect a file is written in, from syntax only one dialect has. Used when neither the
//! command line, the config nor the stats store names one.

use super::Dialect;
use crate::syntax::relax::skip_quoted;

/// The dialect a text's syntax points to, and the evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub dialect: Dialect,
    /// "backticks ×120, ENGINE= ×40".
    pub evidence: String,
    /// Marks found for the dialect chosen: how sure it is.
    pub marks: usize,
}

/// Marks of each dialect, found outside comments and string literals. Each counts once per
/// occurrence; the dialect with the most marks wins, and a tie means no verdict.
pub fn detect(text: &str) -> Option<Detection> {
    let mut marks = Marks::default();
    let bytes = text.as_bytes();
    // The last words of the statement so far, upper case: context for a word's meaning.
    let mut words: Vec<String> = Vec::with_capacity(4);
    let mut at_line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(next) = skip_punctuation(text, i, at_line_start, &mut marks) {
            if b == b'\n' {
                at_line_start = true;
                words.clear();
            }
            i = next;
            continue;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = text[start..i].to_ascii_uppercase();
            let next = text[i..].trim_start_matches([' ', '\t']);
            if let Some((dialect, mark)) = word_mark(&word, next, &words, at_line_start) {
                marks.add(dialect, mark);
            }
            if words.len() == 8 {
                words.remove(0);
            }
            words.push(word);
            at_line_start = false;
            continue;
        }
        if b == b';' {
            words.clear();
        } else if !b.is_ascii_whitespace() {
            at_line_start = false;
        }
        i += 1;
    }
    marks.verdict()
}

/// At `i`: a comment, a quoted string or identifier, a `$$` body, a `::` cast or a line break.
/// Counts the dialect mark it is, and gives where scanning goes on; `None` for anything else.
fn skip_punctuation(text: &str, i: usize, at_line_start: bool, marks: &mut Marks) -> Option<usize> {
    let bytes = text.as_bytes();
    let next = bytes.get(i + 1).copied();
    Some(match bytes[i] {
        b'-' if next == Some(b'-') => skip_to_line_end(bytes, i),
        // MySQL's other line comment; also psql never starts a line with it.
        b'#' if at_line_start => skip_to_line_end(bytes, i),
        b'/' if next == Some(b'*') => text[i + 2..].find("*/").map_or(bytes.len(), |end| i + 2 + end + 2),
        b'\'' => skip_quoted(bytes, i, b'\'', true),
        b'"' => skip_quoted(bytes, i, b'"', false),
        b'`' => {
            marks.add(Dialect::Mysql, "backticks");
            skip_quoted(bytes, i, b'`', false)
        }
        b'$' if next == Some(b'$') => {
            marks.add(Dialect::Postgres, "$$ quoting");
            // The body is code in another language: skip to the closing `$$`.
            text[i + 2..].find("$$").map_or(bytes.len(), |end| i + 2 + end + 2)
        }
        b':' if next == Some(b':') => {
            marks.add(Dialect::Postgres, ":: casts");
            i + 2
        }
        b'\n' => i + 1,
        _ => return None,
    })
}

/// The dialect a word marks, given what follows it on its line (`next`), the statement's words
/// before it and whether it starts a line.
fn word_mark(word: &str, next: &str, words: &[String], at_line_start: bool) -> Option<(Dialect, &'static str)> {
    Some(match word {
        "ENGINE" if next.starts_with('=') => (Dialect::Mysql, "ENGINE="),
        "AUTO_INCREMENT" => (Dialect::Mysql, "AUTO_INCREMENT"),
        "DELIMITER" if at_line_start && words.is_empty() => (Dialect::Mysql, "DELIMITER"),
        "CHARSET" if next.starts_with('=') => (Dialect::Mysql, "CHARSET="),
        "AUTOINCREMENT" => (Dialect::Sqlite, "AUTOINCREMENT"),
        "PRAGMA" if words.is_empty() => (Dialect::Sqlite, "PRAGMA"),
        "ROWID" if words.last().is_some_and(|w| w == "WITHOUT") => (Dialect::Sqlite, "WITHOUT ROWID"),
        "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" => (Dialect::Postgres, "SERIAL"),
        "STDIN" if words.iter().any(|w| w == "COPY") => (Dialect::Postgres, "COPY … FROM stdin"),
        "EXTENSION" if words.last().is_some_and(|w| w == "CREATE") => (Dialect::Postgres, "CREATE EXTENSION"),
        "PLPGSQL" => (Dialect::Postgres, "plpgsql"),
        _ => return None,
    })
}

/// Each dialect's marks and how often each was seen, in the order first seen.
#[derive(Default)]
struct Marks {
    counts: [Vec<(&'static str, usize)>; 3],
}

impl Marks {
    fn add(&mut self, dialect: Dialect, mark: &'static str) {
        let list = &mut self.counts[dialect as usize];
        match list.iter_mut().find(|(m, _)| *m == mark) {
            Some((_, n)) => *n += 1,
            None => list.push((mark, 1)),
        }
    }

    /// The dialect with the most marks, unless none has any or two tie.
    fn verdict(mut self) -> Option<Detection> {
        // MySQL also accepts SERIAL: in a file with MySQL's own marks it is no PostgreSQL evidence.
        if !self.counts[Dialect::Mysql as usize].is_empty() {
            self.counts[Dialect::Postgres as usize].retain(|(mark, _)| *mark != "SERIAL");
        }
        let total = |d: Dialect| self.counts[d as usize].iter().map(|(_, n)| n).sum::<usize>();
        let mut ranked: Vec<(Dialect, usize)> = Dialect::ALL.iter().map(|&d| (d, total(d))).collect();
        ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
        let (dialect, marks) = ranked[0];
        if marks == 0 || ranked[1].1 == marks {
            return None;
        }
        let mut evidence = self.counts[dialect as usize].clone();
        evidence.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let evidence = evidence
            .iter()
            .map(|(mark, n)| if *n == 1 { (*mark).to_owned() } else { format!("{mark} ×{n}") })
            .collect::<Vec<_>>()
            .join(", ");
        Some(Detection { dialect, evidence, marks })
    }
}

/// Where the dialect of a run came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialectSource {
    /// `--dialect` or the editor's setting.
    Option,
    /// `dialect =` in schemacast.toml.
    Config,
    /// The stats store's snapshots record the server they were collected from.
    Stats,
    /// The files' own syntax.
    Detected,
    /// Nothing said: PostgreSQL.
    Default,
}

impl DialectSource {
    pub fn name(self) -> &'static str {
        match self {
            DialectSource::Option => "option",
            DialectSource::Config => "config",
            DialectSource::Stats => "stats",
            DialectSource::Detected => "detected",
            DialectSource::Default => "default",
        }
    }
}

/// The dialect a run uses and why, with each file's own evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialectChoice {
    pub dialect: Dialect,
    pub source: DialectSource,
    /// "chosen from syntax: backticks ×120, ENGINE= ×40 (in 3 of 4 files)".
    pub reason: String,
    /// Per file path, what its syntax says; empty when an option, the config or the stats
    /// decided and the files were not scanned.
    pub files: Vec<(String, Option<Detection>)>,
}

/// The dialect of a run: the first of an explicit choice, the config, the stats store's dialect
/// and the files' syntax (the dialect with the most marks over all files) that says anything;
/// PostgreSQL when none does.
pub fn choose(
    option: Option<Dialect>,
    config: Option<Dialect>,
    stats: Option<&str>,
    files: &[(&str, &str)],
) -> DialectChoice {
    // Scanning the text costs a pass over every file: only when nothing else decides.
    let told = |dialect: Dialect, source: DialectSource, reason: &str| DialectChoice {
        dialect,
        source,
        reason: reason.to_owned(),
        files: Vec::new(),
    };
    if let Some(dialect) = option {
        return told(dialect, DialectSource::Option, "given as an option");
    }
    if let Some(dialect) = config {
        return told(dialect, DialectSource::Config, "set by `dialect` in schemacast.toml");
    }
    if let Some(dialect) = stats.and_then(|s| s.parse::<Dialect>().ok()) {
        let reason = format!("the stats were collected from {}", dialect.name());
        return told(dialect, DialectSource::Stats, &reason);
    }
    let per_file: Vec<(String, Option<Detection>)> =
        files.iter().map(|(path, text)| ((*path).to_owned(), detect(text))).collect();
    let decided = |dialect: Dialect, source: DialectSource, reason: String| DialectChoice {
        dialect,
        source,
        reason,
        files: per_file.clone(),
    };
    let mut marks = [0usize; 3];
    for detection in per_file.iter().filter_map(|(_, d)| d.as_ref()) {
        marks[detection.dialect as usize] += detection.marks;
    }
    let best = Dialect::ALL.into_iter().max_by_key(|d| marks[*d as usize]).unwrap_or_default();
    let unique = Dialect::ALL.iter().filter(|d| marks[**d as usize] == marks[best as usize]).count() == 1;
    if marks[best as usize] == 0 || !unique {
        return decided(
            Dialect::Postgres,
            DialectSource::Default,
            "no dialect-specific syntax found; PostgreSQL assumed".to_owned(),
        );
    }
    let agreeing: Vec<&Detection> =
        per_file.iter().filter_map(|(_, d)| d.as_ref()).filter(|d| d.dialect == best).collect();
    let evidence = if per_file.len() == 1 {
        agreeing.first().map(|d| d.evidence.clone()).unwrap_or_default()
    } else {
        format!("{} marks in {} of {} files", marks[best as usize], agreeing.len(), per_file.len())
    };
    decided(best, DialectSource::Detected, format!("detected from its syntax: {evidence}"))
}

fn skip_to_line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_marks() {
        let sql = "CREATE TABLE `users` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n";
        let found = detect(sql).unwrap();
        assert_eq!(found.dialect, Dialect::Mysql);
        assert_eq!(found.evidence, "backticks ×3, AUTO_INCREMENT, CHARSET=, ENGINE=");
    }

    #[test]
    fn sqlite_marks() {
        let sql = "PRAGMA foreign_keys = ON;\nCREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID;\n";
        let found = detect(sql).unwrap();
        assert_eq!(found.dialect, Dialect::Sqlite);
        assert_eq!(found.evidence, "AUTOINCREMENT, PRAGMA, WITHOUT ROWID");
    }

    #[test]
    fn postgres_marks_and_dollar_bodies_are_skipped() {
        let sql = "CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE TABLE t (id bigserial PRIMARY KEY, d date DEFAULT now()::date);\n\
                   CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN `not mysql` ENGINE=x; END $$ LANGUAGE plpgsql;\n\
                   COPY t (id) FROM stdin;\n";
        let found = detect(sql).unwrap();
        assert_eq!(found.dialect, Dialect::Postgres);
        assert_eq!(found.evidence, "$$ quoting, :: casts, COPY … FROM stdin, CREATE EXTENSION, SERIAL, plpgsql");
    }

    #[test]
    fn comments_and_strings_are_not_evidence() {
        assert_eq!(detect("-- ENGINE=InnoDB `x`\n/* AUTOINCREMENT */ SELECT 'a::b', \"ENGINE=\";"), None);
        assert_eq!(detect("CREATE TABLE t (id int);"), None);
    }

    #[test]
    fn the_first_that_says_anything_decides() {
        let mysql = ("a.sql", "CREATE TABLE `t` (id int AUTO_INCREMENT) ENGINE=InnoDB;");
        let plain = ("b.sql", "CREATE TABLE u (id int);");
        let choice = choose(None, None, None, &[mysql, plain]);
        assert_eq!((choice.dialect, choice.source), (Dialect::Mysql, DialectSource::Detected));
        assert_eq!(choice.reason, "detected from its syntax: 3 marks in 1 of 2 files");
        assert_eq!(choice.files[1], ("b.sql".to_owned(), None));
        let from_stats = choose(None, None, Some("mysql"), &[plain]);
        assert_eq!((from_stats.dialect, from_stats.source), (Dialect::Mysql, DialectSource::Stats));
        let configured = choose(None, Some(Dialect::Sqlite), Some("mysql"), &[mysql]);
        assert_eq!((configured.dialect, configured.source), (Dialect::Sqlite, DialectSource::Config));
        let nothing = choose(None, None, None, &[plain]);
        assert_eq!((nothing.dialect, nothing.source), (Dialect::Postgres, DialectSource::Default));
    }

    #[test]
    fn a_tie_is_no_verdict() {
        assert_eq!(detect("CREATE TABLE t (id serial, n int, m text::text AUTO_INCREMENT);"), None);
        let serial_in_mysql = detect("CREATE TABLE t (id SERIAL PRIMARY KEY) ENGINE=InnoDB;").unwrap();
        assert_eq!(serial_in_mysql.dialect, Dialect::Mysql);
        // SQLite takes `unsigned` in a type name too: it is no evidence.
        assert_eq!(detect("CREATE TABLE t (n int unsigned);"), None);
    }
}
