//! Matching a snapshot to the schema model: which table and column of the DDL each statistic
//! belongs to, and what is left over on either side.

use std::collections::HashMap;

use crate::dialect::Dialect;
use crate::schema::{QualifiedName, Schema};

use super::snapshot::{ColumnStats, Snapshot, TableStats};

/// A snapshot matched to a schema. Nothing is dropped: every table the two do not share is
/// listed in `unmatched_in_stats` or `unmatched_in_schema`.
#[derive(Clone, Debug)]
pub struct AttachedStats {
    pub snapshot: Snapshot,
    /// For each table of [`Schema::tables`], the index of its statistics in `snapshot.tables`.
    table_stats: Vec<Option<usize>>,
    /// The same by the schema's table name.
    by_name: HashMap<QualifiedName, usize>,
    /// Sequences by the folded `schema.table.column` they feed.
    sequence_by_owner: HashMap<String, usize>,
    /// Tables of the database the DDL does not define (a migration tool's bookkeeping table,
    /// say), as the snapshot names them.
    pub unmatched_in_stats: Vec<QualifiedName>,
    /// Tables the DDL defines that the database does not have (not deployed yet, or renamed).
    pub unmatched_in_schema: Vec<QualifiedName>,
    /// Columns of matched tables that only one side has, as `table.column` and which side.
    pub unmatched_columns: Vec<UnmatchedColumn>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmatchedColumn {
    pub table: QualifiedName,
    pub column: String,
    /// True when the database has the column and the DDL does not.
    pub in_stats: bool,
}

impl AttachedStats {
    /// Statistics of the schema's table at `table_index` (its position in [`Schema::tables`]).
    pub fn table(&self, table_index: usize) -> Option<&TableStats> {
        self.table_stats.get(table_index).copied().flatten().map(|i| &self.snapshot.tables[i])
    }

    pub fn column(&self, dialect: Dialect, table_index: usize, column: &str) -> Option<&ColumnStats> {
        let key = fold(dialect, column);
        self.table(table_index)?.columns.iter().find(|c| fold(dialect, &c.name) == key)
    }

    /// Where the schema's table called `name` is in the snapshot.
    pub(crate) fn position(&self, name: &QualifiedName) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Statistics of the schema's table called `name`.
    pub fn for_table(&self, name: &QualifiedName) -> Option<&TableStats> {
        self.by_name.get(name).map(|&i| &self.snapshot.tables[i])
    }

    /// The sequence feeding `table.column`, if the snapshot has one.
    pub fn sequence_for(&self, table: &QualifiedName, column: &str, dialect: Dialect) -> Option<&super::SequenceStats> {
        let stats = self.for_table(table)?;
        let wanted = super::snapshot::qualified_column(&stats.schema, &stats.name, column);
        self.sequence_by_owner.get(&fold(dialect, &wanted)).map(|&i| &self.snapshot.sequences[i])
    }

    pub fn matched_tables(&self) -> usize {
        self.table_stats.iter().filter(|s| s.is_some()).count()
    }
}

/// Matches by schema-qualified names folded as the dialect folds them. For MySQL, whose DDL
/// rarely names its database, a table without a schema matches the snapshot's database (or its
/// only schema).
pub fn attach(schema: &Schema, snapshot: Snapshot) -> AttachedStats {
    let dialect = schema.dialect;
    let default_schema = implicit_schema(dialect, &snapshot);
    let key = |schema_name: &str, name: &str| {
        let schema_name = if schema_name.is_empty() { default_schema.as_str() } else { schema_name };
        (fold(dialect, schema_name), fold(dialect, name))
    };
    let mut stats_by_name: HashMap<(String, String), usize> = HashMap::new();
    for (index, table) in snapshot.tables.iter().enumerate() {
        stats_by_name.entry(key(&table.schema, &table.name)).or_insert(index);
    }
    let mut used = vec![false; snapshot.tables.len()];
    let mut table_stats = Vec::with_capacity(schema.tables().len());
    let mut unmatched_in_schema = Vec::new();
    let mut unmatched_columns = Vec::new();
    let mut by_name = HashMap::new();
    for table in schema.tables() {
        let found = stats_by_name.get(&key(&table.name.schema, &table.name.name)).copied();
        if let Some(index) = found {
            by_name.insert(table.name.clone(), index);
        }
        match found {
            Some(index) => {
                used[index] = true;
                let stats = &snapshot.tables[index];
                let in_stats: Vec<String> = stats.columns.iter().map(|c| fold(dialect, &c.name)).collect();
                let in_schema: Vec<String> = table.columns.iter().map(|c| fold(dialect, &c.name)).collect();
                for column in &table.columns {
                    if !stats.columns.is_empty() && !in_stats.contains(&fold(dialect, &column.name)) {
                        unmatched_columns.push(UnmatchedColumn {
                            table: table.name.clone(),
                            column: column.name.to_string(),
                            in_stats: false,
                        });
                    }
                }
                for column in &stats.columns {
                    if !in_schema.contains(&fold(dialect, &column.name)) {
                        unmatched_columns.push(UnmatchedColumn {
                            table: table.name.clone(),
                            column: column.name.clone(),
                            in_stats: true,
                        });
                    }
                }
            }
            None => unmatched_in_schema.push(table.name.clone()),
        }
        table_stats.push(found);
    }
    let unmatched_in_stats = snapshot
        .tables
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(t, _)| QualifiedName { schema: t.schema.as_str().into(), name: t.name.as_str().into() })
        .collect();
    let mut sequence_by_owner = HashMap::new();
    for (index, sequence) in snapshot.sequences.iter().enumerate() {
        if let Some(owner) = &sequence.owned_by {
            sequence_by_owner.entry(fold(dialect, owner)).or_insert(index);
        }
    }
    AttachedStats {
        snapshot,
        table_stats,
        by_name,
        sequence_by_owner,
        unmatched_in_stats,
        unmatched_in_schema,
        unmatched_columns,
    }
}

/// The names the catalog reports are already folded; comparing them as the dialect compares
/// identifiers makes `Orders` in MySQL DDL meet `orders` in the catalog.
fn fold(dialect: Dialect, name: &str) -> String {
    dialect.fold(name, true)
}

fn implicit_schema(dialect: Dialect, snapshot: &Snapshot) -> String {
    match dialect {
        Dialect::Mysql => {
            let mut schemas: Vec<&str> = snapshot.tables.iter().map(|t| t.schema.as_str()).collect();
            schemas.sort_unstable();
            schemas.dedup();
            match (&snapshot.database, schemas.as_slice()) {
                (Some(database), _) if !database.is_empty() => database.clone(),
                (_, [only]) => (*only).to_owned(),
                _ => String::new(),
            }
        }
        other => other.default_schema().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, SourceFile};
    use crate::rules::RuleSelection;
    use crate::stats::snapshot::{TableStats, FORMAT};

    fn table(schema: &str, name: &str, columns: &[&str]) -> TableStats {
        let line = format!(
            r#"{{"schema":"{schema}","name":"{name}","rows":5,"columns":[{}]}}"#,
            columns.iter().map(|c| format!(r#"{{"name":"{c}","avg_width":4}}"#)).collect::<Vec<_>>().join(",")
        );
        serde_json::from_str(&line).unwrap()
    }

    fn schema_of(sql: &str, dialect: Dialect) -> Schema {
        analyze(vec![SourceFile { path: "s.sql".into(), text: sql.into() }], dialect, &RuleSelection::default()).schema
    }

    #[test]
    fn matches_postgres_tables_by_folded_qualified_name() {
        let schema = schema_of(
            "CREATE TABLE Orders (ID int, note text);\nCREATE SCHEMA billing;\nCREATE TABLE billing.\"Invoice\" (id int);\nCREATE TABLE later (id int);",
            Dialect::Postgres,
        );
        let mut snapshot = Snapshot::new("2026-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(snapshot.format, FORMAT);
        snapshot.tables = vec![
            table("public", "orders", &["id", "note", "legacy"]),
            table("billing", "Invoice", &["id"]),
            table("public", "flyway_schema_history", &["version"]),
            table("billing", "invoice", &["id"]),
        ];
        let attached = attach(&schema, snapshot);
        assert_eq!(attached.matched_tables(), 2);
        assert_eq!(attached.table(0).map(|t| t.name.as_str()), Some("orders"));
        assert_eq!(attached.table(1).map(|t| t.name.as_str()), Some("Invoice"));
        assert!(attached.column(Dialect::Postgres, 0, "id").is_some());
        let left: Vec<String> = attached.unmatched_in_stats.iter().map(ToString::to_string).collect();
        assert_eq!(left, ["public.flyway_schema_history", "billing.invoice"]);
        assert_eq!(attached.unmatched_in_schema.iter().map(ToString::to_string).collect::<Vec<_>>(), ["public.later"]);
        assert_eq!(
            attached.unmatched_columns,
            [UnmatchedColumn {
                table: QualifiedName { schema: "public".into(), name: "orders".into() },
                column: "legacy".into(),
                in_stats: true
            }]
        );
    }

    #[test]
    fn mysql_tables_without_a_schema_meet_the_collected_database() {
        let schema = schema_of("CREATE TABLE Orders (id int);", Dialect::Mysql);
        let mut snapshot = Snapshot::new("2026-01-01T00:00:00Z".parse().unwrap());
        snapshot.database = Some("shop".into());
        snapshot.tables = vec![table("shop", "orders", &["ID"])];
        let attached = attach(&schema, snapshot);
        assert_eq!(attached.matched_tables(), 1);
        assert!(attached.column(Dialect::Mysql, 0, "Id").is_some());
        assert!(attached.unmatched_columns.is_empty());
    }
}
