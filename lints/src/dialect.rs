//! What differs between SQL dialects: identifier folding and quoting, default schema.

use std::fmt;
use std::str::FromStr;

use sqlparser::dialect::{self as sp, Dialect as SqlparserDialect};

mod detect;

pub use detect::{choose, detect, Detection, DialectChoice, DialectSource};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    #[default]
    Postgres,
    Mysql,
    Sqlite,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    pub(crate) fn sqlparser(self) -> Box<dyn SqlparserDialect + Send + Sync> {
        match self {
            Dialect::Postgres => Box::new(sp::PostgreSqlDialect {}),
            Dialect::Mysql => Box::new(sp::MySqlDialect {}),
            Dialect::Sqlite => Box::new(sp::SQLiteDialect {}),
        }
    }

    /// The schema an unqualified name is created in when nothing else is said.
    pub fn default_schema(self) -> &'static str {
        match self {
            Dialect::Postgres => "public",
            // MySQL schemas are databases; a file usually does not name its own.
            Dialect::Mysql => "",
            Dialect::Sqlite => "main",
        }
    }

    /// The name the database stores for an identifier as written.
    ///
    /// PostgreSQL folds unquoted names to lower case and keeps quoted ones. MySQL column and
    /// index names are case-insensitive whatever the quoting (table names depend on the server's
    /// `lower_case_table_names`; comparing them case-insensitively is the portable choice), and so
    /// are all SQLite names.
    pub fn fold(self, value: &str, quoted: bool) -> String {
        match self {
            Dialect::Postgres if quoted => value.to_owned(),
            _ => value.to_lowercase(),
        }
    }

    /// The identifier as it must be written in SQL so that it folds back to `name`.
    pub fn quote_ident(self, name: &str) -> String {
        if !self.needs_quotes(name) {
            return name.to_owned();
        }
        match self {
            Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
            Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// Longest identifier the database keeps, in bytes; PostgreSQL truncates longer names.
    pub fn max_identifier_bytes(self) -> usize {
        match self {
            Dialect::Postgres => 63,
            Dialect::Mysql => 64,
            Dialect::Sqlite => 128,
        }
    }

    /// Cuts `name` to the identifier limit at a character boundary.
    pub fn truncate_identifier(self, name: &str) -> String {
        let limit = self.max_identifier_bytes();
        if name.len() <= limit {
            return name.to_owned();
        }
        name[..crate::text::floor_char_boundary(name, limit)].to_owned()
    }

    fn needs_quotes(self, name: &str) -> bool {
        let mut chars = name.chars();
        let Some(first) = chars.next() else { return true };
        let plain_char = |c: char| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit() || c == '$';
        let starts_well = first.is_ascii_lowercase() || first == '_';
        let plain = starts_well && name.chars().all(plain_char);
        let case_ok = match self {
            Dialect::Postgres => plain,
            // Upper case folds away in MySQL and SQLite, so it needs no quotes there.
            Dialect::Mysql | Dialect::Sqlite => {
                (first.is_ascii_alphabetic() || first == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            }
        };
        !case_ok || is_reserved_word(name)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            "sqlite" | "sqlite3" => Ok(Dialect::Sqlite),
            _ => Err(format!("unknown dialect `{s}`; expected one of postgres, mysql, sqlite")),
        }
    }
}

/// Words reserved in PostgreSQL, MySQL or SQLite that cannot be used as bare identifiers.
/// One list for all three: quoting a word one dialect would have accepted bare is harmless.
const RESERVED_WORDS: &[&str] = &[
    "add",
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "database",
    "default",
    "deferrable",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "fulltext",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "keys",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "match",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "range",
    "read",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "set",
    "show",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "update",
    "usage",
    "use",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

fn is_reserved_word(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    RESERVED_WORDS.binary_search(&lower.as_str()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_sorted_for_binary_search() {
        assert!(RESERVED_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn postgres_quotes_upper_case_spaces_and_keywords() {
        let pg = Dialect::Postgres;
        assert_eq!(pg.quote_ident("orders"), "orders");
        assert_eq!(pg.quote_ident("Orders"), "\"Orders\"");
        assert_eq!(pg.quote_ident("order items"), "\"order items\"");
        assert_eq!(pg.quote_ident("user"), "\"user\"");
        assert_eq!(pg.quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn mysql_quotes_with_backticks_only_when_needed() {
        assert_eq!(Dialect::Mysql.quote_ident("Orders"), "Orders");
        assert_eq!(Dialect::Mysql.quote_ident("order"), "`order`");
        assert_eq!(Dialect::Mysql.quote_ident("my table"), "`my table`");
    }

    #[test]
    fn folding_follows_the_dialect() {
        assert_eq!(Dialect::Postgres.fold("Orders", false), "orders");
        assert_eq!(Dialect::Postgres.fold("Orders", true), "Orders");
        assert_eq!(Dialect::Mysql.fold("Orders", true), "orders");
    }
}
