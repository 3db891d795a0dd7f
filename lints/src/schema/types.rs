//! The type catalogue: declared SQL types in one canonical spelling per dialect.

use std::fmt;

use crate::dialect::Dialect;

/// The catalogue: each canonical base type and the one spelling it prints as. Every other name
/// (a user's enum or domain, a type the catalogue does not know) is [`BaseType::Other`].
macro_rules! base_types {
    ($($variant:ident => $name:literal,)*) => {
        /// A base type in canonical form. Build one with [`BaseType::from_name`], so a known type
        /// is never an `Other`.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum BaseType {
            $($variant,)*
            /// A name outside the catalogue, lower-cased as declared (`mood`, `public.money_amount`).
            Other(Box<str>),
        }

        impl BaseType {
            /// The canonical spelling: `double precision`, `timestamptz`, or the other name.
            pub fn name(&self) -> &str {
                match self {
                    $(BaseType::$variant => $name,)*
                    BaseType::Other(name) => name,
                }
            }

            /// The base type a canonical name stands for.
            pub fn from_name(name: &str) -> BaseType {
                match name {
                    $($name => BaseType::$variant,)*
                    other => BaseType::Other(other.into()),
                }
            }
        }
    };
}

base_types! {
    TinyInt => "tinyint",
    SmallInt => "smallint",
    Integer => "integer",
    BigInt => "bigint",
    SmallSerial => "smallserial",
    Serial => "serial",
    BigSerial => "bigserial",
    Numeric => "numeric",
    Real => "real",
    DoublePrecision => "double precision",
    Float => "float",
    Money => "money",
    Boolean => "boolean",
    Char => "char",
    Varchar => "varchar",
    Text => "text",
    TinyText => "tinytext",
    MediumText => "mediumtext",
    LongText => "longtext",
    Str => "string",
    Citext => "citext",
    Binary => "binary",
    Bit => "bit",
    VarBit => "varbit",
    Date => "date",
    Time => "time",
    TimeTz => "timetz",
    Timestamp => "timestamp",
    TimestampTz => "timestamptz",
    Datetime => "datetime",
    Year => "year",
    Interval => "interval",
    Uuid => "uuid",
    Inet => "inet",
    Cidr => "cidr",
    MacAddr => "macaddr",
    MacAddr8 => "macaddr8",
    Point => "point",
    Jsonb => "jsonb",
    Enum => "enum",
    Oid => "oid",
    RegClass => "regclass",
}

impl fmt::Display for BaseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A column type as declared, with its canonical form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SqlType {
    /// Base type in canonical form (`integer`, `varchar`, `timestamptz`, or `Other("mood")`).
    pub base: BaseType,
    /// Type modifiers as written inside the parentheses (`50`, `10,2`).
    pub modifiers: Box<[Box<str>]>,
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
        let mut base = BaseType::from_name(canonical_name(&name, dialect));
        if dialect == Dialect::Mysql && name == "serial" {
            // MySQL's `SERIAL` is `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`.
            base = BaseType::BigInt;
            unsigned = true;
        }
        let modifiers = if base.is_integer() {
            // MySQL display widths (`int(11)`) do not change the type.
            Vec::new()
        } else {
            modifiers
        };
        SqlType { base, modifiers: modifiers.into_iter().map(String::into_boxed_str).collect(), array_dims, unsigned }
    }

    /// The type a column referencing this one should have: serials store plain integers.
    pub fn as_referenced(&self) -> SqlType {
        let base = match &self.base {
            BaseType::SmallSerial => BaseType::SmallInt,
            BaseType::Serial => BaseType::Integer,
            BaseType::BigSerial => BaseType::BigInt,
            other => other.clone(),
        };
        SqlType { base, ..self.clone() }
    }

    pub fn is_serial(&self) -> bool {
        matches!(self.base, BaseType::SmallSerial | BaseType::Serial | BaseType::BigSerial)
    }

    /// `text`, `varchar(n)`, `char(n)` and MySQL's text types, not arrays of them.
    pub fn is_text(&self) -> bool {
        self.array_dims == 0
            && matches!(
                self.base,
                BaseType::Text
                    | BaseType::Varchar
                    | BaseType::Char
                    | BaseType::TinyText
                    | BaseType::MediumText
                    | BaseType::LongText
                    | BaseType::Str
                    | BaseType::Citext
            )
    }

    /// `char(n)` or `varchar(n)`, the types with a declared length.
    pub fn is_char_or_varchar(&self) -> bool {
        matches!(self.base, BaseType::Char | BaseType::Varchar)
    }

    /// `real`, `double precision` and MySQL's `float`, not arrays of them.
    pub fn is_float(&self) -> bool {
        self.array_dims == 0 && matches!(self.base, BaseType::Real | BaseType::DoublePrecision | BaseType::Float)
    }

    /// Declared length of `varchar(n)` / `char(n)`: the first modifier.
    pub fn declared_length(&self) -> Option<u64> {
        self.modifiers.first().and_then(|m| m.trim().parse().ok())
    }
}

impl BaseType {
    /// The plain integer types (not serials), whose MySQL display width means nothing.
    pub fn is_integer(&self) -> bool {
        matches!(self, BaseType::TinyInt | BaseType::SmallInt | BaseType::Integer | BaseType::BigInt)
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.name())?;
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

fn canonical_name(name: &str, dialect: Dialect) -> &str {
    let name = name.trim_matches('"');
    // A schema-qualified built-in (`pg_catalog.int4`) is the built-in.
    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
    match name {
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
    }
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
    fn every_catalogue_name_reads_back_as_its_variant() {
        for declared in
            ["int", "double precision", "timestamp with time zone", "character varying(10)", "uuid", "jsonb"]
        {
            let ty = SqlType::parse(declared, Dialect::Postgres);
            assert!(!matches!(ty.base, BaseType::Other(_)), "{declared} parsed as {:?}", ty.base);
            assert_eq!(BaseType::from_name(ty.base.name()), ty.base);
        }
        let custom = SqlType::parse("Mood", Dialect::Postgres);
        assert_eq!(custom.base, BaseType::Other("mood".into()));
        assert_eq!(custom.to_string(), "mood");
        assert!(SqlType::parse("varchar(36)", Dialect::Postgres).is_text());
        assert!(!SqlType::parse("text[]", Dialect::Postgres).is_text());
        assert_eq!(SqlType::parse("char(36)", Dialect::Postgres).declared_length(), Some(36));
        assert!(SqlType::parse("float", Dialect::Mysql).is_float());
    }

    #[test]
    fn serial_references_an_integer() {
        assert_eq!(SqlType::parse("bigserial", Dialect::Postgres).as_referenced().to_string(), "bigint");
    }
}
