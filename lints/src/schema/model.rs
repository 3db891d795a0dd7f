//! The schema model: what the database looks like after every statement has been applied.

use std::collections::HashMap;

use compact_str::CompactString;
use std::fmt;

use crate::dialect::Dialect;
use crate::schema::types::SqlType;
use crate::text::{FileId, Location, TextRange};

/// A schema-qualified name, folded for the dialect.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    pub schema: CompactString,
    pub name: CompactString,
}

impl QualifiedName {
    /// The name as SQL would write it: quoted where needed, schema left out when it is the
    /// dialect's default.
    pub fn to_sql(&self, dialect: Dialect) -> String {
        if self.schema.is_empty() || self.schema == dialect.default_schema() {
            dialect.quote_ident(&self.name)
        } else {
            format!("{}.{}", dialect.quote_ident(&self.schema), dialect.quote_ident(&self.name))
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}.{}", self.schema, self.name)
        }
    }
}

/// A name as a statement wrote it, before the search path resolved it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub schema: Option<CompactString>,
    pub name: CompactString,
    pub loc: Location,
}

/// The statement that defined an object: where it is and where a new statement may follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementRef {
    pub file: FileId,
    pub range: TextRange,
    /// Offset just past the statement's terminator, or its end when it has none.
    pub end_with_terminator: u32,
    pub terminated: bool,
}

impl StatementRef {
    pub fn terminator_missing(&self) -> bool {
        !self.terminated
    }

    pub fn location(&self) -> Location {
        Location::new(self.file, self.range)
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    /// Inline up to 24 bytes, as nearly every column name is: a large schema has hundreds of
    /// thousands of them.
    pub name: CompactString,
    pub ty: SqlType,
    pub not_null: bool,
    pub has_default: bool,
    /// The `DEFAULT` expression as sqlparser prints it (`gen_random_uuid()`, `now()`), when the
    /// column definition has one; storage estimates infer insert order from it.
    pub default: Option<Box<str>>,
    /// An identity or `AUTO_INCREMENT` column (MySQL's `SERIAL` too): the database numbers it.
    pub identity: bool,
    /// A generated column (`GENERATED ALWAYS AS (expr) STORED`, MySQL's `AS (expr) VIRTUAL`):
    /// its value is computed from other columns.
    pub generated: bool,
    pub name_loc: Location,
    /// The statement whose column definition declared the current type; rules find the type's
    /// exact range there through [`crate::rules::Ctx::column_type_loc`].
    pub declared_in: StatementRef,
    /// Whether `declared_in` holds a full column definition (not `ALTER COLUMN ... TYPE`).
    pub declared_by_definition: bool,
    /// `COMMENT ON COLUMN ... IS '...'` (or MySQL's `COMMENT '...'` option): the author's
    /// description, shown on hover.
    pub comment: Option<Box<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexKey {
    Column(CompactString),
    /// An expression key, in sqlparser's normalised spelling.
    Expression(String),
}

impl IndexKey {
    pub fn column(&self) -> Option<&str> {
        match self {
            IndexKey::Column(name) => Some(name),
            IndexKey::Expression(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexOrigin {
    PrimaryKey,
    UniqueConstraint,
    /// `CREATE INDEX`.
    Index,
    /// MySQL's `KEY`/`INDEX` inside `CREATE TABLE` or `ALTER TABLE ... ADD`.
    TableIndex,
}

#[derive(Clone, Debug)]
pub struct Index {
    pub name: CompactString,
    pub keys: Vec<IndexKey>,
    pub include: Vec<String>,
    pub unique: bool,
    pub origin: IndexOrigin,
    /// Access method, lower case (`btree`, `gin`, `hash`).
    pub method: CompactString,
    /// The partial index predicate, if any.
    pub predicate: Option<String>,
    /// The narrowest useful range: the index name, or the constraint.
    pub loc: Location,
    pub statement: StatementRef,
}

impl Index {
    pub fn is_primary_key(&self) -> bool {
        self.origin == IndexOrigin::PrimaryKey
    }
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub name: CompactString,
    pub columns: Vec<CompactString>,
    /// Each referencing column as written in the constraint.
    pub column_locs: Vec<Location>,
    /// The referenced table as written.
    pub referenced: ObjectRef,
    /// The referenced table, resolved through the search path when the constraint was created.
    pub referenced_table: QualifiedName,
    /// Empty when the constraint names no columns: it then references the primary key.
    pub referenced_columns: Vec<CompactString>,
    pub statement: StatementRef,
}

impl ForeignKey {
    /// The range covering the referencing columns.
    pub fn columns_loc(&self) -> Location {
        let first = self.column_locs.first().map(|l| l.range).unwrap_or(self.statement.range);
        let range = self.column_locs.iter().fold(first, |acc, l| acc.cover(l.range));
        Location::new(self.statement.file, range)
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: QualifiedName,
    pub name_loc: Location,
    pub statement: StatementRef,
    pub columns: Vec<Column>,
    /// Indexes of every origin, primary key and unique constraints included.
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub check_constraints: Vec<String>,
    /// `PARTITION BY`: a partitioned parent that stores no rows itself.
    pub partitioned: bool,
    /// `PARTITION OF parent`.
    pub partition_of: Option<QualifiedName>,
    pub inherits: Vec<QualifiedName>,
    pub temporary: bool,
    /// The planning annotation before its `CREATE TABLE`, if any.
    pub plan: Option<crate::planning::Plan>,
    /// `COMMENT ON TABLE ... IS '...'` (or MySQL's `COMMENT = '...'` option): the author's
    /// description, shown on hover.
    pub comment: Option<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Index> {
        self.indexes.iter().find(|i| i.is_primary_key())
    }
}

#[derive(Clone, Debug)]
pub struct EnumType {
    pub name: QualifiedName,
    pub labels: Vec<String>,
    pub loc: Location,
}

/// One file of the workspace as the schema saw it.
#[derive(Clone, Debug)]
pub struct SchemaFile {
    pub path: String,
    pub statements_parsed: usize,
    pub statements_skipped: usize,
}

/// The final schema after every statement of every file, in order.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub dialect: Dialect,
    pub(crate) tables: Vec<Table>,
    pub(crate) table_ids: HashMap<QualifiedName, usize>,
    pub enums: Vec<EnumType>,
    /// Schemas created by `CREATE SCHEMA`.
    pub schemas: Vec<String>,
    /// (schema, index name) of every index: the builder's, current when it finishes.
    pub(crate) index_names: IndexNames,
}

impl Schema {
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.table_ids.get(name).map(|&i| &self.tables[i])
    }

    /// The column a foreign key points at: the named one, or the referenced table's primary key
    /// column at the same position.
    pub fn referenced_column<'s>(&'s self, fk: &ForeignKey, position: usize) -> Option<(&'s Table, &'s Column)> {
        let table = self.table(&fk.referenced_table)?;
        let name = match fk.referenced_columns.get(position) {
            Some(name) => name.as_str(),
            None if fk.referenced_columns.is_empty() => table.primary_key()?.keys.get(position)?.column()?,
            None => return None,
        };
        Some((table, table.column(name)?))
    }
}

impl Schema {
    /// `base`, cut to the identifier limit, with a number appended if an index in `schema`
    /// already has that name (as PostgreSQL does when it names an index).
    pub fn unused_index_name(&self, schema: &str, base: &str) -> String {
        self.index_names.unused(self.dialect, schema, base)
    }
}

/// (schema, index name) of every index, so a new index gets a name no other index in its schema
/// has, as the database would name it. Kept up to date as indexes are added; rebuilt from the
/// tables after drops and renames, which are rare, instead of tracking each one.
#[derive(Clone, Debug, Default)]
pub(crate) struct IndexNames {
    /// Inline strings: a schema has an entry per index, and lookups build a key each time.
    names: std::collections::HashSet<(CompactString, CompactString)>,
    stale: bool,
}

impl IndexNames {
    pub(crate) fn insert(&mut self, schema: &str, name: &str) {
        self.names.insert((schema.into(), name.into()));
    }

    pub(crate) fn contains(&self, schema: &str, name: &str) -> bool {
        debug_assert!(!self.stale, "index names looked up before a refresh");
        self.names.contains(&(schema.into(), name.into()))
    }

    /// Something was dropped or renamed: rebuild before the next lookup.
    pub(crate) fn mark_stale(&mut self) {
        self.stale = true;
    }

    pub(crate) fn refresh(&mut self, tables: &[Table]) {
        if self.stale {
            self.names = tables
                .iter()
                .flat_map(|t| t.indexes.iter().map(|i| (t.name.schema.as_str().into(), i.name.as_str().into())))
                .collect();
            self.stale = false;
        }
    }

    /// A digest of the set, the same whatever order it was built in (the language server
    /// compares it between analyses).
    pub(crate) fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        debug_assert!(!self.stale, "index names digested before a refresh");
        self.names.iter().fold(self.names.len() as u64, |sum, name| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            name.hash(&mut hasher);
            sum.wrapping_add(hasher.finish())
        })
    }

    /// `base`, cut to the identifier limit, numbered until no index in `schema` has it. The set
    /// must be fresh ([`IndexNames::refresh`]).
    pub(crate) fn unused(&self, dialect: Dialect, schema: &str, base: &str) -> String {
        unused_name(dialect, base, |candidate| self.contains(schema, candidate))
    }
}

/// `base` cut to the dialect's identifier limit, numbered until `taken` says it is free.
pub(crate) fn unused_name(dialect: Dialect, base: &str, taken: impl Fn(&str) -> bool) -> String {
    let first = dialect.truncate_identifier(base);
    if !taken(&first) {
        return first;
    }
    (1..)
        .map(|n: u32| {
            let suffix = n.to_string();
            let room = dialect.max_identifier_bytes().saturating_sub(suffix.len());
            let stem = &base[..crate::text::floor_char_boundary(base, room.min(base.len()))];
            format!("{stem}{suffix}")
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or(first)
}
