//! One snapshot: what `schemacast collect` read from the database at one instant.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The `format` every snapshot line carries; readers refuse other versions.
pub const FORMAT: &str = "schemacast.stats/v1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub taken_at: Timestamp,
    /// `postgres` or `mysql`; absent in imported history.
    #[serde(default)]
    pub dialect: Option<String>,
    #[serde(default)]
    pub server_version: Option<String>,
    /// The database connected to (never the URL: it may hold a password).
    #[serde(default)]
    pub database: Option<String>,
    /// `collect` or `import`.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tables: Vec<TableStats>,
    #[serde(default)]
    pub sequences: Vec<SequenceStats>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableStats {
    pub schema: String,
    pub name: String,
    /// Live rows as the server estimates them; `None` when it has no estimate yet.
    #[serde(default)]
    pub rows: Option<u64>,
    /// False when the table was never analyzed: `rows` is then unknown, not zero.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub analyzed: bool,
    /// The table's own data (PostgreSQL: main fork of the heap; MySQL: `DATA_LENGTH`).
    #[serde(default)]
    pub table_bytes: Option<u64>,
    #[serde(default)]
    pub index_bytes: Option<u64>,
    /// PostgreSQL's TOAST table and its index.
    #[serde(default)]
    pub toast_bytes: Option<u64>,
    /// Everything the table occupies; imported history's `bytes`.
    #[serde(default)]
    pub total_bytes: Option<u64>,
    /// Rows inserted, updated and deleted since the server's statistics were last reset.
    #[serde(default)]
    pub inserts: Option<u64>,
    #[serde(default)]
    pub updates: Option<u64>,
    #[serde(default)]
    pub deletes: Option<u64>,
    #[serde(default)]
    pub dead_rows: Option<u64>,
    /// Rows read by `collect --sample`, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_rows: Option<u64>,
    #[serde(default)]
    pub columns: Vec<ColumnStats>,
    #[serde(default)]
    pub indexes: Vec<IndexStats>,
    /// The functional-dependency probe of `collect --sample`: counts over the sample for
    /// candidate column pairs, never a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyCounts>,
}

/// Whether `determinant` → `dependent` holds in a table's sample, as counts only: of the sampled
/// rows where the determinant is not null, how many distinct determinants and pairs there are,
/// and how many rows would remain if the rows disagreeing with their determinant's most common
/// dependent were removed (`holding_rows == rows` when the dependency holds exactly).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyCounts {
    pub determinant: String,
    pub dependent: String,
    /// Rows of the sample, nulls included.
    pub sampled_rows: u64,
    /// Sampled rows whose determinant is not null; the counts below are over these.
    pub rows: u64,
    pub distinct_determinants: u64,
    /// Distinct (determinant, dependent) pairs, a null dependent counted as a value.
    pub distinct_pairs: u64,
    pub distinct_dependents: u64,
    pub null_dependents: u64,
    /// Rows left after dropping, for each determinant, the rows not holding its most common
    /// dependent.
    pub holding_rows: u64,
}

impl TableStats {
    /// A table with nothing known about it yet.
    pub fn named(schema: impl Into<String>, name: impl Into<String>) -> TableStats {
        TableStats {
            schema: schema.into(),
            name: name.into(),
            rows: None,
            analyzed: true,
            table_bytes: None,
            index_bytes: None,
            toast_bytes: None,
            total_bytes: None,
            inserts: None,
            updates: None,
            deletes: None,
            dead_rows: None,
            sampled_rows: None,
            columns: Vec::new(),
            indexes: Vec::new(),
            dependencies: Vec::new(),
        }
    }
}

impl ColumnStats {
    /// A column with nothing known about it yet.
    pub fn named(name: impl Into<String>) -> ColumnStats {
        ColumnStats {
            name: name.into(),
            avg_width: None,
            null_frac: None,
            n_distinct: None,
            max_length: None,
            min: None,
            max: None,
            numeric_frac: None,
            correlation: None,
            shapes: None,
        }
    }
}

fn default_true() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub name: String,
    /// Average stored width in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_width: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_frac: Option<f64>,
    /// Distinct values; negative means a fraction of the rows (PostgreSQL's convention), so
    /// `-1` is "every row distinct".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_distinct: Option<f64>,
    /// Longest value in characters, from a sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Smallest and largest value of a numeric or temporal column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<StatValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<StatValue>,
    /// Share of the sampled non-null values of a text column that read as numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric_frac: Option<f64>,
    /// How closely the column's physical order follows its value order (PostgreSQL's
    /// `pg_stats.correlation`): +1 inserted ascending, -1 descending, 0 random. B-tree leaf fill
    /// depends on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<f64>,
    /// What the sampled values of a text column look like, from `collect --sample`: shares
    /// only, never a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shapes: Option<ValueShapes>,
}

/// Shares of a text column's sampled non-null values that parse as each shape. Shapes overlap
/// (`42` is an integer and a one-item list is not a list); a share left out is 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueShapes {
    /// Non-null values checked; the shares are of this number.
    pub checked: u64,
    /// `8-4-4-4-12` hexadecimal groups, optionally in braces.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub uuid: f64,
    /// An IPv4 or IPv6 address, optionally with a `/prefix` (CIDR).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ip: f64,
    /// An ISO 8601 date or date-time (`2024-05-01`, `2024-05-01 12:34:56+00`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timestamp: f64,
    /// Digits with an optional sign.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub integer: f64,
    /// A number with a fractional part or an exponent (`12.50`, `1e6`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub decimal: f64,
    /// A JSON object or array.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub json: f64,
    /// `scheme://...`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub url: f64,
    /// `local@domain.tld`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub email: f64,
    /// Two or more items without spaces separated by `,`, `;` or `|`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub list: f64,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

/// A minimum or maximum: integers exactly, other numbers as floats, temporal values as the
/// server's ISO text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatValue {
    Integer(i64),
    Float(f64),
    Text(String),
}

impl StatValue {
    /// Reads a value the server printed as text: an integer, a float, or left as text.
    pub fn from_server_text(text: &str, numeric: bool) -> StatValue {
        if numeric {
            if let Ok(value) = text.parse::<i64>() {
                return StatValue::Integer(value);
            }
            if let Ok(value) = text.parse::<f64>() {
                if value.is_finite() {
                    return StatValue::Float(value);
                }
            }
        }
        StatValue::Text(text.to_owned())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexStats {
    pub name: String,
    #[serde(default)]
    pub bytes: Option<u64>,
}

/// A sequence, identity column or auto-increment counter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequenceStats {
    #[serde(default)]
    pub schema: String,
    pub name: String,
    /// `None` when the sequence was never used.
    #[serde(default)]
    pub last_value: Option<i64>,
    pub max_value: i64,
    #[serde(default = "default_increment")]
    pub increment: i64,
    /// The column it feeds, as `schema.table.column` (parts with a dot or quote are quoted).
    #[serde(default)]
    pub owned_by: Option<String>,
}

fn default_increment() -> i64 {
    1
}

impl Snapshot {
    pub fn new(taken_at: Timestamp) -> Snapshot {
        Snapshot {
            format: FORMAT.to_owned(),
            taken_at,
            dialect: None,
            server_version: None,
            database: None,
            source: None,
            tables: Vec::new(),
            sequences: Vec::new(),
        }
    }

    /// The snapshot as one line of a stats file, newline included.
    pub fn to_line(&self) -> String {
        // Serialising plain data with string keys cannot fail; an empty line would be skipped.
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }

    /// Checks what serde's types cannot: the format version and value ranges.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("unsupported format `{}`; this schemacast reads `{FORMAT}`", self.format));
        }
        let mut seen = std::collections::HashSet::new();
        for table in &self.tables {
            if !seen.insert((table.schema.as_str(), table.name.as_str())) {
                return Err(format!("table `{}.{}` appears twice", table.schema, table.name));
            }
            for column in &table.columns {
                let at = || format!("column `{}.{}.{}`", table.schema, table.name, column.name);
                for (field, value) in [("null_frac", column.null_frac), ("numeric_frac", column.numeric_frac)] {
                    if let Some(v) = value {
                        if !(0.0..=1.0).contains(&v) {
                            return Err(format!("{}: `{field}` is {v}, expected a fraction from 0 to 1", at()));
                        }
                    }
                }
                if let Some(width) = column.avg_width {
                    if !(width.is_finite() && width >= 0.0) {
                        return Err(format!("{}: `avg_width` is {width}, expected bytes >= 0", at()));
                    }
                }
                if let Some(n) = column.n_distinct {
                    if !n.is_finite() || n < -1.0 {
                        return Err(format!(
                            "{}: `n_distinct` is {n}, expected a count or a fraction from -1 to 0",
                            at()
                        ));
                    }
                }
            }
            for dependency in &table.dependencies {
                dependency.validate().map_err(|problem| {
                    format!(
                        "dependency `{}` → `{}` of `{}.{}`: {problem}",
                        dependency.determinant, dependency.dependent, table.schema, table.name
                    )
                })?;
            }
        }
        Ok(())
    }
}

impl DependencyCounts {
    /// The counts of one sample are nested: pairs at least determinants, rows at least either.
    fn validate(&self) -> Result<(), &'static str> {
        let nested = self.rows <= self.sampled_rows
            && self.holding_rows <= self.rows
            && self.distinct_determinants <= self.distinct_pairs
            && self.distinct_pairs <= self.rows
            && self.distinct_dependents <= self.distinct_pairs
            && self.null_dependents <= self.rows
            && self.holding_rows >= self.distinct_determinants;
        if nested {
            Ok(())
        } else {
            Err("counts that no sample can have (expected holding_rows, distinct_pairs <= rows <= sampled_rows, distinct_determinants <= distinct_pairs)")
        }
    }

    /// The share of rows the dependency holds in.
    pub fn holding_share(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.holding_rows as f64 / self.rows as f64
        }
    }
}

/// Formats `schema.table.column`, quoting a part that holds a dot or a double quote.
pub fn qualified_column(schema: &str, table: &str, column: &str) -> String {
    [schema, table, column]
        .iter()
        .map(
            |part| {
                if part.contains(['.', '"']) {
                    format!("\"{}\"", part.replace('"', "\"\""))
                } else {
                    (*part).to_owned()
                }
            },
        )
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_line() {
        let mut snapshot = Snapshot::new("2026-11-25T10:00:00Z".parse().unwrap());
        snapshot.tables.push(TableStats {
            schema: "public".into(),
            name: "orders".into(),
            rows: Some(1200),
            analyzed: true,
            table_bytes: Some(8192),
            index_bytes: Some(16384),
            toast_bytes: None,
            total_bytes: Some(24576),
            inserts: Some(1200),
            updates: Some(3),
            deletes: Some(0),
            dead_rows: Some(3),
            sampled_rows: None,
            columns: vec![ColumnStats {
                name: "id".into(),
                avg_width: Some(8.0),
                null_frac: Some(0.0),
                n_distinct: Some(-1.0),
                max_length: None,
                min: Some(StatValue::Integer(1)),
                max: Some(StatValue::Integer(1200)),
                numeric_frac: None,
                correlation: Some(0.98),
                shapes: None,
            }],
            indexes: vec![IndexStats { name: "orders_pkey".into(), bytes: Some(16384) }],
            dependencies: vec![DependencyCounts {
                determinant: "customer_id".into(),
                dependent: "region".into(),
                sampled_rows: 1200,
                rows: 1200,
                distinct_determinants: 100,
                distinct_pairs: 100,
                distinct_dependents: 7,
                null_dependents: 0,
                holding_rows: 1200,
            }],
        });
        let line = snapshot.to_line();
        assert!(line.ends_with('\n') && !line[..line.len() - 1].contains('\n'));
        assert!(line.starts_with(r#"{"format":"schemacast.stats/v1","taken_at":"2026-11-25T10:00:00Z""#), "{line}");
        assert!(!line.contains("analyzed"), "analyzed tables leave the flag out: {line}");
        let back: Snapshot = serde_json::from_str(&line).unwrap();
        assert_eq!(back, snapshot);
    }

    #[test]
    fn impossible_dependency_counts_are_refused() {
        let mut snapshot = Snapshot::new("2026-11-25T10:00:00Z".parse().unwrap());
        let mut table = TableStats::named("public", "orders");
        let mut counts = DependencyCounts {
            determinant: "a".into(),
            dependent: "b".into(),
            sampled_rows: 10,
            rows: 10,
            distinct_determinants: 3,
            distinct_pairs: 3,
            distinct_dependents: 2,
            null_dependents: 0,
            holding_rows: 10,
        };
        table.dependencies.push(counts.clone());
        snapshot.tables.push(table);
        assert_eq!(snapshot.validate(), Ok(()));
        counts.distinct_pairs = 2;
        snapshot.tables[0].dependencies[0] = counts;
        let problem = snapshot.validate().unwrap_err();
        assert!(
            problem.starts_with("dependency `a` → `b` of `public.orders`: counts that no sample can have"),
            "{problem}"
        );
    }

    #[test]
    fn quotes_parts_that_would_split_wrongly() {
        assert_eq!(qualified_column("public", "orders", "id"), "public.orders.id");
        assert_eq!(qualified_column("public", "a.b", "c\"d"), "public.\"a.b\".\"c\"\"d\"");
    }
}
