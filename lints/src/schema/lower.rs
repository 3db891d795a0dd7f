//! Turns one parsed statement into the schema changes it makes.

use std::cell::Cell;

use compact_str::CompactString;

use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, Expr, Ident, ObjectName, ObjectNamePart,
    ObjectType, RenameTableNameKind, SchemaName, Spanned, Statement, TableConstraint, UserDefinedTypeRepresentation,
};
use sqlparser::tokenizer::Span;

use crate::dialect::Dialect;
use crate::schema::model::{
    Column, ForeignKey, Index, IndexKey, IndexOrigin, ObjectRef, QualifiedName, StatementRef, Table,
};
use crate::schema::types::SqlType;
use crate::text::{Location, TextRange};

/// A change to the schema. Names are as written; the builder resolves them.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    CreateTable {
        table: Table,
        name: ObjectRef,
        if_not_exists: bool,
    },
    /// `LIKE from` in `into`'s column list: its columns, at `position`, and with `indexes` its
    /// indexes.
    CopyLike {
        into: ObjectRef,
        from: ObjectRef,
        indexes: bool,
        position: usize,
    },
    CreateIndex {
        table: ObjectRef,
        index: Index,
        name_schema: Option<CompactString>,
        if_not_exists: bool,
    },
    AlterTable {
        table: ObjectRef,
        actions: Vec<AlterAction>,
    },
    DropTables {
        names: Vec<ObjectRef>,
        cascade: bool,
    },
    DropIndexes {
        names: Vec<ObjectRef>,
        table: Option<ObjectRef>,
    },
    RenameTable {
        from: ObjectRef,
        to: ObjectRef,
    },
    CreateEnum {
        name: ObjectRef,
        labels: Vec<String>,
    },
    CreateSchema(String),
    SetSearchPath(Vec<String>),
    /// `COMMENT ON TABLE table` (no `column`) or `COMMENT ON COLUMN table.column`; `text: None`
    /// (`IS NULL`) removes the comment.
    Comment {
        table: ObjectRef,
        column: Option<String>,
        text: Option<String>,
    },
}

/// The changes one statement makes: almost always one, kept inline.
pub(crate) type Ops = smallvec::SmallVec<[Op; 1]>;

#[derive(Clone, Debug)]
pub(crate) enum AlterAction {
    AddColumn { column: Column, constraints: Vec<Constraint> },
    AddConstraint(Constraint),
    DropColumn(String),
    DropConstraint(String),
    DropPrimaryKey,
    DropIndex(String),
    RenameColumn { from: String, to: String },
    RenameTable(ObjectRef),
    SetColumnType { column: String, ty: SqlType, name_loc: Location, statement: StatementRef },
    ReplaceColumn { old_name: String, column: Column, constraints: Vec<Constraint> },
    SetNotNull { column: String, not_null: bool },
    AttachPartition(ObjectRef),
}

/// A table constraint or the key part of a column option.
#[derive(Clone, Debug)]
pub(crate) enum Constraint {
    Index(Index),
    ForeignKey(ForeignKey),
    Check(String),
}

pub(crate) struct Lowerer<'a> {
    pub dialect: Dialect,
    pub statement: StatementRef,
    /// The statement's text; sqlparser spans are relative to it.
    pub text: &'a str,
    line_starts: Vec<usize>,
    /// Whether `text` is all ASCII: then a character column is a byte column.
    ascii: bool,
    /// The last character column converted outside ASCII text (line start, characters,
    /// byte offset): spans come mostly in order, so the next one is counted on from there
    /// rather than from the line's start (one 20,000-column line would be quadratic).
    cursor: Cell<(usize, usize, usize)>,
}

impl<'a> Lowerer<'a> {
    pub(crate) fn new(dialect: Dialect, statement: StatementRef, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Self { dialect, statement, text, line_starts, ascii: text.is_ascii(), cursor: Cell::new((0, 0, 0)) }
    }

    pub(crate) fn lower(&mut self, statement: &Statement, out: &mut Ops) {
        match statement {
            Statement::CreateTable(create) => out.push(self.create_table(create)),
            Statement::CreateIndex(create) => out.push(self.create_index(create)),
            Statement::AlterTable(alter) => {
                let table = self.object_ref(&alter.name);
                let mut actions = Vec::new();
                for operation in &alter.operations {
                    self.alter_actions(operation, &mut actions);
                }
                out.push(Op::AlterTable { table, actions });
            }
            Statement::Drop { object_type, names, cascade, table, .. } => match object_type {
                ObjectType::Table => out.push(Op::DropTables {
                    names: names.iter().map(|n| self.object_ref(n)).collect(),
                    cascade: *cascade,
                }),
                ObjectType::Index => out.push(Op::DropIndexes {
                    names: names.iter().map(|n| self.object_ref(n)).collect(),
                    table: table.as_ref().map(|t| self.object_ref(t)),
                }),
                _ => {}
            },
            Statement::RenameTable(renames) => {
                for rename in renames {
                    out.push(Op::RenameTable {
                        from: self.object_ref(&rename.old_name),
                        to: self.object_ref(&rename.new_name),
                    });
                }
            }
            Statement::CreateType { name, representation: Some(UserDefinedTypeRepresentation::Enum { labels }) } => {
                out.push(Op::CreateEnum {
                    name: self.object_ref(name),
                    labels: labels.iter().map(|l| l.value.clone()).collect(),
                });
            }
            Statement::CreateSchema { schema_name, .. } => {
                let name = match schema_name {
                    SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                        self.object_ref(name).name.to_string()
                    }
                    SchemaName::UnnamedAuthorization(ident) => self.ident(ident),
                };
                out.push(Op::CreateSchema(name));
            }
            Statement::Set(ast::Set::SingleAssignment { variable, values, .. }) => {
                let is_search_path =
                    variable.0.last().is_some_and(|p| part_value(p).eq_ignore_ascii_case("search_path"));
                if is_search_path {
                    out.push(Op::SetSearchPath(values.iter().flat_map(|v| self.search_path_entries(v)).collect()));
                }
            }
            Statement::Use(ast::Use::Object(name) | ast::Use::Database(name) | ast::Use::Schema(name)) => {
                out.push(Op::SetSearchPath(vec![self.object_ref(name).name.to_string()]));
            }
            Statement::Comment { object_type, object_name, comment, .. } => {
                if let Some(op) = self.comment(*object_type, object_name, comment.clone()) {
                    out.push(op);
                }
            }
            Statement::Query(_) => {
                if let Some(path) = set_config_search_path(self.text) {
                    out.push(Op::SetSearchPath(path));
                }
            }
            _ => {}
        }
    }

    /// A comment on a table or a column; comments on anything else (functions, types, schemas)
    /// are not part of the model.
    pub(crate) fn comment(&self, object: ast::CommentObject, name: &ObjectName, text: Option<String>) -> Option<Op> {
        match object {
            ast::CommentObject::Table => Some(Op::Comment { table: self.object_ref(name), column: None, text }),
            ast::CommentObject::Column => {
                // `table.column` or `schema.table.column`: the last part names the column.
                let (column, table) = name.0.split_last()?;
                if table.is_empty() {
                    return None;
                }
                let column = match column {
                    ObjectNamePart::Identifier(ident) => self.ident(ident),
                    ObjectNamePart::Function(_) => return None,
                };
                let table = self.object_ref(&ObjectName(table.to_vec()));
                Some(Op::Comment { table, column: Some(column), text })
            }
            _ => None,
        }
    }

    fn create_table(&mut self, create: &ast::CreateTable) -> Op {
        let name = self.object_ref(&create.name);
        let mut table = Table {
            name: QualifiedName { schema: name.schema.clone().unwrap_or_default(), name: name.name.clone() },
            name_loc: name.loc,
            statement: self.statement,
            // Exact: every table of the model lives until the analysis is dropped.
            columns: Vec::with_capacity(create.columns.len()),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            check_constraints: Vec::new(),
            partitioned: create.partition_by.is_some(),
            partition_of: create.partition_of.as_ref().map(|p| self.qualified(p)),
            inherits: create.inherits.iter().flatten().map(|p| self.qualified(p)).collect(),
            temporary: create.temporary,
            plan: None,
            comment: table_comment(create),
        };
        for def in &create.columns {
            let (column, constraints) = self.column(def);
            table.columns.push(column);
            for constraint in constraints {
                add_constraint(&mut table, constraint);
            }
        }
        for constraint in &create.constraints {
            if let Some(constraint) = self.table_constraint(constraint) {
                add_constraint(&mut table, constraint);
            }
        }
        Op::CreateTable { table, name, if_not_exists: create.if_not_exists }
    }

    fn column(&mut self, def: &ColumnDef) -> (Column, Vec<Constraint>) {
        let mut column = self.new_column(&def.name, &def.data_type);
        let options: Vec<(Option<&Ident>, &ColumnOption)> =
            def.options.iter().map(|o| (o.name.as_ref(), &o.option)).collect();
        let constraints = self.column_options(&mut column, &options);
        (column, constraints)
    }

    /// A column as its name and type declare it, before its options.
    fn new_column(&self, name: &Ident, data_type: &ast::DataType) -> Column {
        let declared = data_type.to_string();
        // MySQL's `SERIAL` is `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`.
        let mysql_serial = self.dialect == Dialect::Mysql && declared.trim().eq_ignore_ascii_case("serial");
        Column {
            name: self.ident(name).into(),
            ty: SqlType::parse(&declared, self.dialect),
            not_null: mysql_serial,
            has_default: false,
            default: None,
            identity: mysql_serial,
            generated: false,
            name_loc: self.ident_loc(name),
            declared_in: self.statement,
            declared_by_definition: true,
            comment: None,
        }
    }

    fn column_options(&mut self, column: &mut Column, options: &[(Option<&Ident>, &ColumnOption)]) -> Vec<Constraint> {
        let mut constraints = Vec::new();
        let column_name = column.name.clone();
        let single = || vec![IndexKey::Column(column_name.clone())];
        for (constraint_name, option) in options {
            let constraint_name = constraint_name.map(|n| self.ident(n)).unwrap_or_default();
            match option {
                ColumnOption::NotNull => column.not_null = true,
                ColumnOption::Null => column.not_null = false,
                ColumnOption::Default(expr) => {
                    column.has_default = true;
                    column.default = Some(expr.to_string().into_boxed_str());
                }
                // `GENERATED ... AS IDENTITY` numbers rows; `GENERATED ALWAYS AS (expr)` computes them.
                ColumnOption::Generated { generation_expr: Some(_), .. } => column.generated = true,
                ColumnOption::Generated { .. } | ColumnOption::Identity(_) => column.identity = true,
                ColumnOption::DialectSpecific(tokens) => {
                    let text = tokens.iter().map(|t| t.to_string()).collect::<String>().to_ascii_lowercase();
                    if text.contains("auto_increment") || text.contains("autoincrement") {
                        column.identity = true;
                    }
                }
                ColumnOption::PrimaryKey(pk) => {
                    column.not_null = true;
                    let loc = self.span_loc(pk.span()).unwrap_or(column.name_loc);
                    constraints.push(Constraint::Index(self.key_index(
                        constraint_name,
                        single(),
                        IndexOrigin::PrimaryKey,
                        loc,
                    )));
                }
                ColumnOption::Unique(unique) => {
                    let loc = self.span_loc(unique.span()).unwrap_or(column.name_loc);
                    constraints.push(Constraint::Index(self.key_index(
                        constraint_name,
                        single(),
                        IndexOrigin::UniqueConstraint,
                        loc,
                    )));
                }
                ColumnOption::ForeignKey(fk) => {
                    let mut fk = self.foreign_key(fk);
                    if fk.columns.is_empty() {
                        fk.columns.push(column.name.clone());
                        fk.column_locs.push(column.name_loc);
                    }
                    if fk.name.is_empty() {
                        fk.name = constraint_name.into();
                    }
                    constraints.push(Constraint::ForeignKey(fk));
                }
                ColumnOption::Check(check) => constraints.push(Constraint::Check(check.expr.to_string())),
                ColumnOption::Comment(text) => column.comment = Some(text.as_str().into()),
                _ => {}
            }
        }
        constraints
    }

    fn key_index(&self, name: String, keys: Vec<IndexKey>, origin: IndexOrigin, loc: Location) -> Index {
        Index {
            name: name.into(),
            keys,
            include: Vec::new(),
            unique: true,
            origin,
            method: "btree".into(),
            predicate: None,
            loc,
            statement: self.statement,
        }
    }

    fn table_constraint(&mut self, constraint: &TableConstraint) -> Option<Constraint> {
        let loc = self.span_loc(constraint.span()).unwrap_or(self.statement.location());
        let constraint = match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let mut index = self.key_index(
                    self.opt_ident(&pk.name),
                    self.index_keys(&pk.columns),
                    IndexOrigin::PrimaryKey,
                    loc,
                );
                index.include = pk.include.iter().map(|i| self.ident(i)).collect();
                Constraint::Index(index)
            }
            TableConstraint::Unique(unique) => {
                let name =
                    non_empty_or(self.opt_ident(&unique.name), unique.index_name.as_ref().map(|i| self.ident(i)));
                let mut index =
                    self.key_index(name, self.index_keys(&unique.columns), IndexOrigin::UniqueConstraint, loc);
                index.include = unique.include.iter().map(|i| self.ident(i)).collect();
                Constraint::Index(index)
            }
            TableConstraint::Index(index) => {
                let mut index_def = self.key_index(
                    self.opt_ident(&index.name),
                    self.index_keys(&index.columns),
                    IndexOrigin::TableIndex,
                    loc,
                );
                index_def.unique = false;
                if let Some(method) = &index.index_type {
                    index_def.method = method.to_string().to_lowercase().into();
                }
                Constraint::Index(index_def)
            }
            TableConstraint::ForeignKey(fk) => Constraint::ForeignKey(self.foreign_key(fk)),
            TableConstraint::Check(check) => Constraint::Check(check.expr.to_string()),
            _ => return None,
        };
        Some(constraint)
    }

    fn foreign_key(&mut self, fk: &ast::ForeignKeyConstraint) -> ForeignKey {
        let referenced = self.object_ref(&fk.foreign_table);
        ForeignKey {
            name: self.opt_ident(&fk.name).into(),
            columns: fk.columns.iter().map(|c| CompactString::from(self.ident(c))).collect(),
            column_locs: fk.columns.iter().map(|c| self.ident_loc(c)).collect(),
            referenced_table: QualifiedName {
                schema: referenced.schema.clone().unwrap_or_default(),
                name: referenced.name.clone(),
            },
            referenced,
            referenced_columns: fk.referred_columns.iter().map(|c| CompactString::from(self.ident(c))).collect(),
            statement: self.statement,
        }
    }

    fn index_keys(&self, columns: &[ast::IndexColumn]) -> Vec<IndexKey> {
        columns.iter().map(|c| self.index_key(&c.column.expr)).collect()
    }

    fn index_key(&self, expr: &Expr) -> IndexKey {
        match expr {
            Expr::Identifier(ident) => IndexKey::Column(self.ident(ident).into()),
            Expr::Nested(inner) => self.index_key(inner),
            other => IndexKey::Expression(other.to_string()),
        }
    }

    fn create_index(&mut self, create: &ast::CreateIndex) -> Op {
        let table = self.object_ref(&create.table_name);
        let (name, name_schema, loc) = match &create.name {
            Some(name) => {
                let r = self.object_ref(name);
                (r.name, r.schema, r.loc)
            }
            None => (CompactString::default(), None, self.statement.location()),
        };
        let method = create.using.as_ref().map_or_else(|| "btree".to_owned(), |m| m.to_string().to_lowercase());
        let index = Index {
            name,
            keys: self.index_keys(&create.columns),
            include: create.include.iter().map(|i| self.ident(i)).collect(),
            unique: create.unique,
            origin: IndexOrigin::Index,
            method: method.into(),
            predicate: create.predicate.as_ref().map(|p| p.to_string()),
            loc,
            statement: self.statement,
        };
        Op::CreateIndex { table, index, name_schema, if_not_exists: create.if_not_exists }
    }

    fn alter_actions(&mut self, op: &AlterTableOperation, out: &mut Vec<AlterAction>) {
        let action = match op {
            AlterTableOperation::AddConstraint { constraint, .. } => match self.table_constraint(constraint) {
                Some(constraint) => AlterAction::AddConstraint(constraint),
                None => return,
            },
            AlterTableOperation::AddColumn { column_def, .. } => {
                let (column, constraints) = self.column(column_def);
                AlterAction::AddColumn { column, constraints }
            }
            AlterTableOperation::DropColumn { column_names, .. } => {
                out.extend(column_names.iter().map(|c| AlterAction::DropColumn(self.ident(c))));
                return;
            }
            AlterTableOperation::DropConstraint { name, .. } => AlterAction::DropConstraint(self.ident(name)),
            AlterTableOperation::DropForeignKey { name, .. } => AlterAction::DropConstraint(self.ident(name)),
            AlterTableOperation::DropPrimaryKey { .. } => AlterAction::DropPrimaryKey,
            AlterTableOperation::DropIndex { name } => AlterAction::DropIndex(self.ident(name)),
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                AlterAction::RenameColumn { from: self.ident(old_column_name), to: self.ident(new_column_name) }
            }
            AlterTableOperation::RenameTable {
                table_name: RenameTableNameKind::As(name) | RenameTableNameKind::To(name),
            } => AlterAction::RenameTable(self.object_ref(name)),
            AlterTableOperation::AlterColumn { column_name, op } => {
                let column = self.ident(column_name);
                match op {
                    AlterColumnOperation::SetDataType { data_type, .. } => AlterAction::SetColumnType {
                        column,
                        ty: SqlType::parse(&data_type.to_string(), self.dialect),
                        name_loc: self.ident_loc(column_name),
                        statement: self.statement,
                    },
                    AlterColumnOperation::SetNotNull => AlterAction::SetNotNull { column, not_null: true },
                    AlterColumnOperation::DropNotNull => AlterAction::SetNotNull { column, not_null: false },
                    _ => return,
                }
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, .. } => {
                self.replaced_column(old_name, new_name, data_type, options)
            }
            AlterTableOperation::ModifyColumn { col_name, data_type, options, .. } => {
                self.replaced_column(col_name, col_name, data_type, options)
            }
            AlterTableOperation::AttachPartitionOf { partition, .. } => {
                AlterAction::AttachPartition(self.object_ref(partition))
            }
            _ => return,
        };
        out.push(action);
    }

    /// MySQL `CHANGE`/`MODIFY`: the column is redefined from scratch.
    fn replaced_column(
        &mut self,
        old: &Ident,
        new: &Ident,
        data_type: &ast::DataType,
        options: &[ColumnOption],
    ) -> AlterAction {
        let mut column = self.new_column(new, data_type);
        let options: Vec<(Option<&Ident>, &ColumnOption)> = options.iter().map(|o| (None, o)).collect();
        let constraints = self.column_options(&mut column, &options);
        AlterAction::ReplaceColumn { old_name: self.ident(old), column, constraints }
    }

    fn search_path_entries(&self, value: &Expr) -> Vec<String> {
        match value {
            Expr::Identifier(ident) => vec![self.ident(ident)],
            Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => parse_search_path(s),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn ident(&self, ident: &Ident) -> String {
        self.dialect.fold(&ident.value, ident.quote_style.is_some())
    }

    fn opt_ident(&self, ident: &Option<Ident>) -> String {
        ident.as_ref().map(|i| self.ident(i)).unwrap_or_default()
    }

    fn ident_loc(&self, ident: &Ident) -> Location {
        self.span_loc(ident.span).unwrap_or(self.statement.location())
    }

    pub(crate) fn object_ref(&self, name: &ObjectName) -> ObjectRef {
        let idents: Vec<&Ident> = name
            .0
            .iter()
            .filter_map(|p| match p {
                ObjectNamePart::Identifier(ident) => Some(ident),
                ObjectNamePart::Function(_) => None,
            })
            .collect();
        let loc = self.span_loc(name.span()).unwrap_or(self.statement.location());
        match idents.as_slice() {
            [] => ObjectRef { schema: None, name: CompactString::default(), loc },
            [.., schema, table] => {
                ObjectRef { schema: Some(self.ident(schema).into()), name: self.ident(table).into(), loc }
            }
            [table] => ObjectRef { schema: None, name: self.ident(table).into(), loc },
        }
    }

    fn qualified(&self, name: &ObjectName) -> QualifiedName {
        let r = self.object_ref(name);
        QualifiedName { schema: r.schema.unwrap_or_default(), name: r.name }
    }

    /// Converts a sqlparser span (lines and character columns within the statement) to a
    /// location in the file. Empty spans mean sqlparser did not record one.
    fn span_loc(&self, span: Span) -> Option<Location> {
        if span.start.line == 0 || span.end.line == 0 {
            return None;
        }
        let start = self.offset_of(span.start.line, span.start.column)?;
        let end = self.offset_of(span.end.line, span.end.column)?.max(start);
        let base = self.statement.range.start as usize;
        Some(Location::new(self.statement.file, TextRange::new(base + start, base + end)))
    }

    fn offset_of(&self, line: u64, column: u64) -> Option<usize> {
        let line_start = *self.line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let skip = usize::try_from(column).ok()?.checked_sub(1)?;
        if self.ascii {
            return Some((line_start + skip).min(self.text.len()));
        }
        let (cursor_line, cursor_chars, cursor_byte) = self.cursor.get();
        let (chars, from) = if cursor_line == line_start && cursor_chars <= skip {
            (cursor_chars, cursor_byte)
        } else {
            (0, line_start)
        };
        let rest = &self.text[from..];
        let within = rest.char_indices().nth(skip - chars).map_or(rest.len(), |(i, _)| i);
        self.cursor.set((line_start, skip, from + within));
        Some(from + within)
    }
}

/// MySQL's `COMMENT = '...'` table option (or Hive's `COMMENT '...'`).
fn table_comment(create: &ast::CreateTable) -> Option<String> {
    let comment_text = |comment: &ast::CommentDef| match comment {
        ast::CommentDef::WithEq(text) | ast::CommentDef::WithoutEq(text) => text.clone(),
    };
    let options = match &create.table_options {
        ast::CreateTableOptions::None => &[][..],
        ast::CreateTableOptions::With(options)
        | ast::CreateTableOptions::Options(options)
        | ast::CreateTableOptions::Plain(options)
        | ast::CreateTableOptions::TableProperties(options) => options.as_slice(),
    };
    options
        .iter()
        .find_map(|option| match option {
            ast::SqlOption::Comment(comment) => Some(comment_text(comment)),
            _ => None,
        })
        .or_else(|| create.comment.as_ref().map(comment_text))
}

pub(crate) fn add_constraint(table: &mut Table, constraint: Constraint) {
    match constraint {
        Constraint::Index(index) => {
            if index.is_primary_key() {
                for key in &index.keys {
                    if let Some(column) = key.column().and_then(|k| table.columns.iter_mut().find(|c| c.name == k)) {
                        column.not_null = true;
                    }
                }
            }
            push_lean(&mut table.indexes, index);
        }
        Constraint::ForeignKey(fk) => push_lean(&mut table.foreign_keys, fk),
        Constraint::Check(check) => push_lean(&mut table.check_constraints, check),
    }
}

/// Pushes with a quarter's room to grow, not double (nor four for the first): a table's lists
/// live as long as the model, and most stay short.
pub(crate) fn push_lean<T>(list: &mut Vec<T>, item: T) {
    if list.len() == list.capacity() {
        list.reserve_exact(list.len() / 4 + 1);
    }
    list.push(item);
}

fn part_value(part: &ObjectNamePart) -> &str {
    match part {
        ObjectNamePart::Identifier(ident) => &ident.value,
        ObjectNamePart::Function(_) => "",
    }
}

fn non_empty_or(name: String, fallback: Option<String>) -> String {
    if name.is_empty() {
        fallback.unwrap_or_default()
    } else {
        name
    }
}

/// `'"$user", public'` → `["$user", "public"]`, with PostgreSQL's folding of unquoted entries.
fn parse_search_path(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| match entry.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
            Some(quoted) => quoted.to_owned(),
            None => entry.to_lowercase(),
        })
        .collect()
}

/// pg_dump's `SELECT pg_catalog.set_config('search_path', '', false);`.
fn set_config_search_path(text: &str) -> Option<Vec<String>> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("set_config")?;
    let rest = &text[at..];
    let mut literals = rest.split('\'').skip(1).step_by(2);
    let setting = literals.next()?;
    if !setting.eq_ignore_ascii_case("search_path") {
        return None;
    }
    Some(parse_search_path(literals.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::FileId;

    fn lowerer(text: &str) -> Lowerer<'_> {
        let statement = StatementRef {
            file: FileId::from_index(0),
            range: TextRange::new(0, text.len()),
            end_with_terminator: text.len() as u32,
            terminated: false,
        };
        Lowerer::new(Dialect::Postgres, statement, text)
    }

    /// sqlparser's column is a count of characters from the line's start; the byte offset is
    /// where that many characters end (past the text: its end).
    fn counted(text: &str, line: u64, column: u64) -> Option<usize> {
        let line_start = text.split_inclusive('\n').take(line as usize - 1).map(str::len).sum::<usize>();
        let rest = &text[line_start..];
        Some(line_start + rest.char_indices().nth(column as usize - 1).map_or(rest.len(), |(i, _)| i))
    }

    #[test]
    fn character_columns_become_byte_offsets_in_any_order() {
        for text in ["CREATE TABLE t (a int, b text);\nx", "CREATE TABLE \"tä\" (ö int, ü text); -- 表\nCOMMENT 'é';"]
        {
            let lowerer = lowerer(text);
            let chars_on_first_line = text.lines().next().map_or(0, |l| l.chars().count()) as u64;
            // Forward, backward, repeated, and past the line's end into the next one.
            let columns: Vec<u64> = (1..=chars_on_first_line + 4).chain((1..=chars_on_first_line).rev()).collect();
            for column in columns {
                assert_eq!(lowerer.offset_of(1, column), counted(text, 1, column), "{text:?} column {column}");
            }
            assert_eq!(lowerer.offset_of(2, 2), counted(text, 2, 2));
            assert_eq!(lowerer.offset_of(1, 0), None);
            assert_eq!(lowerer.offset_of(3, 1), None);
        }
    }
}
