//! The type catalogue: declared SQL types in one canonical spelling per dialect.

use std::fmt;

use crate::dialect::Dialect;

/// A column type as declared, with its canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlType {
    /// Base type name in canonical spelling (`integer`, `varchar`, `timestamptz`, `mood`).
    pub base: String,
    /// Type modifiers as written inside the parentheses (`50`, `10,2`).
    pub modifiers: Vec<String>,
    /// Array dimensions (`text[]` has 1).
    pub array_dims: u8,
    /// MySQL `UNSIGNED`.
    pub unsigned: bool,
}

impl SqlType {
    /// Reads a declared type such as `character varying(50)` or `INT UNSIGNED`.
    pub fn parse(declared: &str, dialect: Dialect) -> SqlType {
        let lower = declared.trim().to_lowercase();
        let (head, array_dims) = strip_array_suffix(&lower);
        let (mut name, modifiers, after) = split_modifiers(head);
        let mut unsigned = false;
        let mut words: Vec<&str> = Vec::new();
        for word in name.split_whitespace().chain(after.split_whitespace()) {
            match word {
                "unsigned" => unsigned = true,
                "signed" | "zerofill" => {}
                _ => words.push(word),
            }
        }
        name = words.join(" ");
        let mut base = canonical_name(&name, dialect);
        if dialect == Dialect::Mysql && name == "serial" {
            // MySQL's `SERIAL` is `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`.
            base = "bigint".to_owned();
            unsigned = true;
        }
        let modifiers = if base == "integer" || base == "bigint" || base == "smallint" || base == "tinyint" {
            // MySQL display widths (`int(11)`) do not change the type.
            Vec::new()
        } else {
            modifiers
        };
        SqlType { base, modifiers, array_dims, unsigned }
    }

    /// The type a column referencing this one should have: serials store plain integers.
    pub fn as_referenced(&self) -> SqlType {
        let base = match self.base.as_str() {
            "smallserial" => "smallint",
            "serial" => "integer",
            "bigserial" => "bigint",
            other => other,
        };
        SqlType { base: base.to_owned(), ..self.clone() }
    }

    pub fn is_serial(&self) -> bool {
        matches!(self.base.as_str(), "smallserial" | "serial" | "bigserial")
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)?;
        if !self.modifiers.is_empty() {
            write!(f, "({})", self.modifiers.join(", "))?;
        }
        if self.unsigned {
            f.write_str(" unsigned")?;
        }
        for _ in 0..self.array_dims {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

fn strip_array_suffix(text: &str) -> (&str, u8) {
    let mut rest = text.trim_end();
    let mut dims = 0u8;
    loop {
        if let Some(inner) = rest.strip_suffix(']') {
            if let Some(open) = inner.rfind('[') {
                rest = inner[..open].trim_end();
                dims = dims.saturating_add(1);
                continue;
            }
        }
        if let Some(inner) = rest.strip_suffix(" array") {
            rest = inner.trim_end();
            dims = dims.saturating_add(1);
            continue;
        }
        return (rest, dims);
    }
}

/// Splits `numeric(10, 2) with time zone` into the name, the modifiers and what follows them.
fn split_modifiers(text: &str) -> (String, Vec<String>, &str) {
    match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if open < close => {
            let modifiers =
                text[open + 1..close].split(',').map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
            (text[..open].trim().to_owned(), modifiers, &text[close + 1..])
        }
        _ => (text.trim().to_owned(), Vec::new(), ""),
    }
}

fn canonical_name(name: &str, dialect: Dialect) -> String {
    let name = name.trim_matches('"');
    // A schema-qualified built-in (`pg_catalog.int4`) is the built-in.
    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
    let canonical = match name {
        "int" | "integer" | "int4" | "mediumint" => "integer",
        "int2" | "smallint" => "smallint",
        "int8" | "bigint" => "bigint",
        "tinyint" => "tinyint",
        "serial" | "serial4" => "serial",
        "bigserial" | "serial8" => "bigserial",
        "smallserial" | "serial2" => "smallserial",
        "decimal" | "numeric" | "dec" | "fixed" => "numeric",
        "real" | "float4" => "real",
        "double precision" | "float8" | "double" => "double precision",
        "float" => match dialect {
            Dialect::Mysql => "float",
            _ => "double precision",
        },
        "bool" | "boolean" => "boolean",
        "character varying" | "varchar" | "nvarchar" | "varchar2" => "varchar",
        "character" | "char" | "bpchar" | "nchar" => "char",
        "timestamp with time zone" | "timestamptz" => "timestamptz",
        "timestamp without time zone" | "timestamp" => "timestamp",
        "time with time zone" | "timetz" => "timetz",
        "time without time zone" | "time" => "time",
        "varbit" | "bit varying" => "varbit",
        other => other,
    };
    canonical.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        SqlType::parse(text, Dialect::Postgres).to_string()
    }

    #[test]
    fn spellings_of_one_type_agree() {
        assert_eq!(canon("INT4"), "integer");
        assert_eq!(canon("character varying(50)"), "varchar(50)");
        assert_eq!(canon("NUMERIC(10,2)"), "numeric(10, 2)");
        assert_eq!(canon("timestamp with time zone"), "timestamptz");
        assert_eq!(canon("timestamp(3) with time zone"), "timestamptz(3)");
        assert_eq!(canon("text[]"), "text[]");
        assert_eq!(canon("integer ARRAY"), "integer[]");
        assert_eq!(SqlType::parse("INT(11) UNSIGNED", Dialect::Mysql).to_string(), "integer unsigned");
    }

    #[test]
    fn mysql_serial_is_an_unsigned_bigint() {
        assert_eq!(SqlType::parse("SERIAL", Dialect::Mysql).to_string(), "bigint unsigned");
        assert_eq!(SqlType::parse("SERIAL", Dialect::Postgres).to_string(), "serial");
    }

    #[test]
    fn serial_references_an_integer() {
        assert_eq!(SqlType::parse("bigserial", Dialect::Postgres).as_referenced().to_string(), "bigint");
    }
}
