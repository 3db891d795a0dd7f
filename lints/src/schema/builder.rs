//! Applies schema changes in order, resolving names through the search path.

use std::collections::HashMap;

use compact_str::CompactString;

use crate::dialect::Dialect;
use crate::schema::lower::{add_constraint, push_lean, AlterAction, Constraint, Op};
use crate::schema::model::{Column, EnumType, Index, IndexKey, IndexOrigin, ObjectRef, QualifiedName, Schema, Table};

pub(crate) struct SchemaBuilder {
    schema: Schema,
    search_path: Vec<String>,
    /// Changes to tables that do not exist yet, by bare table name, replayed when such a table
    /// is created: files of a schema directory need not come in dependency order.
    pending: HashMap<CompactString, Vec<Op>>,
}

impl SchemaBuilder {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Self {
            schema: Schema { dialect, ..Schema::default() },
            search_path: vec![dialect.default_schema().to_owned()],
            pending: HashMap::new(),
        }
    }

    pub(crate) fn finish(mut self) -> Schema {
        self.schema.index_names.refresh(&self.schema.tables);
        self.schema
    }

    fn dialect(&self) -> Dialect {
        self.schema.dialect
    }

    pub(crate) fn apply(&mut self, op: Op) {
        match op {
            Op::CreateTable { table, name, if_not_exists } => self.create_table(table, &name, if_not_exists),
            Op::CreateIndex { table, index, name_schema, if_not_exists } => {
                self.create_index(table, index, name_schema, if_not_exists)
            }
            Op::CopyLike { into, from, indexes, position } => self.copy_like(&into, &from, indexes, position),
            Op::AlterTable { table, actions } => self.alter_table(table, actions),
            Op::DropTables { names, cascade } => {
                for name in names {
                    if let Some(id) = self.find_table(&name) {
                        self.drop_table(id, cascade);
                    }
                }
            }
            Op::DropIndexes { names, table } => {
                for name in names {
                    self.drop_index(&name, table.as_ref());
                }
            }
            Op::RenameTable { from, to } => {
                if let Some(id) = self.find_table(&from) {
                    self.rename_table(id, &to);
                }
            }
            Op::CreateEnum { name, labels } => {
                let loc = name.loc;
                let name = self.name_for_create(&name);
                self.schema.enums.retain(|e| e.name != name);
                self.schema.enums.push(EnumType { name, labels, loc });
            }
            Op::CreateSchema(name) => {
                if !self.schema.schemas.contains(&name) {
                    self.schema.schemas.push(name);
                }
            }
            Op::Comment { table, column, text } => self.comment(table, column, text),
            Op::SetSearchPath(path) => {
                // `SET search_path TO DEFAULT` restores the default path, not a schema `default`.
                let path: Vec<String> = if path == ["default"] { Vec::new() } else { path };
                let path: Vec<String> = path.into_iter().filter(|s| s != "$user" && s != "pg_catalog").collect();
                self.search_path =
                    if path.is_empty() { vec![self.dialect().default_schema().to_owned()] } else { path };
            }
        }
    }

    fn name_for_create(&self, name: &ObjectRef) -> QualifiedName {
        let schema = name.schema.clone().unwrap_or_else(|| self.search_path[0].as_str().into());
        QualifiedName { schema, name: name.name.clone() }
    }

    fn find_table(&self, name: &ObjectRef) -> Option<usize> {
        if let Some(schema) = &name.schema {
            return self
                .schema
                .table_ids
                .get(&QualifiedName { schema: schema.clone(), name: name.name.clone() })
                .copied();
        }
        for schema in &self.search_path {
            let key = QualifiedName { schema: schema.as_str().into(), name: name.name.clone() };
            if let Some(&id) = self.schema.table_ids.get(&key) {
                return Some(id);
            }
        }
        // Not on the search path: accept the name if exactly one schema has such a table.
        let mut matches = self.schema.tables.iter().enumerate().filter(|(_, t)| t.name.name == name.name);
        match (matches.next(), matches.next()) {
            (Some((id, _)), None) => Some(id),
            _ => None,
        }
    }

    fn resolve_reference(&self, name: &ObjectRef) -> QualifiedName {
        match self.find_table(name) {
            Some(id) => self.schema.tables[id].name.clone(),
            None => self.name_for_create(name),
        }
    }

    /// A foreign key's target: its own table when it names it (the table may not be registered
    /// yet), else the search-path resolution.
    fn resolve_fk_target(&self, own: &QualifiedName, referenced: &ObjectRef) -> QualifiedName {
        let points_to_self = referenced.name == own.name && referenced.schema.as_ref().is_none_or(|s| *s == own.schema);
        if points_to_self {
            own.clone()
        } else {
            self.resolve_reference(referenced)
        }
    }

    fn resolve_qualified(&self, name: &QualifiedName, loc_hint: crate::text::Location) -> QualifiedName {
        let schema = (!name.schema.is_empty()).then(|| name.schema.clone());
        self.resolve_reference(&ObjectRef { schema, name: name.name.clone(), loc: loc_hint })
    }

    fn create_table(&mut self, mut table: Table, name: &ObjectRef, if_not_exists: bool) {
        table.name = self.name_for_create(name);
        if let Some(&existing) = self.schema.table_ids.get(&table.name) {
            if if_not_exists {
                return;
            }
            self.remove_table(existing);
        }
        let loc = table.name_loc;
        table.partition_of = table.partition_of.take().map(|p| self.resolve_qualified(&p, loc));
        table.inherits = table.inherits.iter().map(|p| self.resolve_qualified(p, loc)).collect();
        let self_name = table.name.clone();
        for fk in &mut table.foreign_keys {
            fk.referenced_table = self.resolve_fk_target(&self_name, &fk.referenced);
        }
        let indexes = std::mem::take(&mut table.indexes);
        let id = self.schema.tables.len();
        self.schema.table_ids.insert(table.name.clone(), id);
        self.schema.tables.push(table);
        for index in indexes {
            self.add_index(id, index);
        }
        let fk_count = self.schema.tables[id].foreign_keys.len();
        for n in 0..fk_count {
            self.name_foreign_key(id, n);
        }
        self.replay_pending(&self_name);
    }

    /// `CREATE TABLE into (LIKE from ...)`: the source's columns, located at the `LIKE` clause
    /// (so findings about them point there), and with `INCLUDING ALL|INDEXES` its indexes.
    fn copy_like(&mut self, into: &ObjectRef, from: &ObjectRef, indexes: bool, position: usize) {
        let (Some(target), Some(source)) = (self.find_table(into), self.find_table(from)) else { return };
        if target == source {
            return;
        }
        let statement = self.schema.tables[target].statement;
        let target_name = self.schema.tables[target].name.name.clone();
        let copied: Vec<Column> = self.schema.tables[source]
            .columns
            .iter()
            .filter(|c| self.schema.tables[target].column(&c.name).is_none())
            .map(|c| Column { name_loc: from.loc, declared_in: statement, declared_by_definition: false, ..c.clone() })
            .collect();
        let columns = &mut self.schema.tables[target].columns;
        let at = position.min(columns.len());
        columns.splice(at..at, copied);
        if indexes {
            let copied: Vec<Index> = self.schema.tables[source]
                .indexes
                .iter()
                .map(|index| {
                    let name = if index.is_primary_key() {
                        format!("{target_name}_pkey")
                    } else {
                        format!("{target_name}_{}", index.name)
                    };
                    Index { name: name.into(), loc: from.loc, statement, ..index.clone() }
                })
                .collect();
            for index in copied {
                self.add_index(target, index);
            }
        }
    }

    fn replay_pending(&mut self, created: &QualifiedName) {
        let Some(waiting) = self.pending.remove(&created.name) else { return };
        let (ready, still_waiting): (Vec<Op>, Vec<Op>) = waiting.into_iter().partition(|op| {
            let target = match op {
                Op::CreateIndex { table, .. } | Op::AlterTable { table, .. } | Op::Comment { table, .. } => table,
                _ => return false,
            };
            self.find_table(target).is_some_and(|id| self.schema.tables[id].name == *created)
        });
        if !still_waiting.is_empty() {
            self.pending.insert(created.name.clone(), still_waiting);
        }
        for op in ready {
            self.apply(op);
        }
    }

    fn wait_for_table(&mut self, table_name: &str, op: Op) {
        self.pending.entry(table_name.into()).or_default().push(op);
    }

    fn create_index(
        &mut self,
        table: ObjectRef,
        mut index: Index,
        name_schema: Option<CompactString>,
        if_not_exists: bool,
    ) {
        let Some(id) = self.find_table(&table) else {
            let name = table.name.clone();
            self.wait_for_table(&name, Op::CreateIndex { table, index, name_schema, if_not_exists });
            return;
        };
        let schema = self.schema.tables[id].name.schema.clone();
        if if_not_exists && !index.name.is_empty() && self.index_name_taken(&schema, &index.name) {
            return;
        }
        index.origin = IndexOrigin::Index;
        self.add_index(id, index);
    }

    /// Adds an index or key constraint, giving it the name the database would.
    fn add_index(&mut self, id: usize, mut index: Index) {
        if index.name.is_empty() {
            index.name = self.default_index_name(id, &index).into();
        }
        self.schema.index_names.insert(&self.schema.tables[id].name.schema, &index.name);
        let table = &mut self.schema.tables[id];
        if index.is_primary_key() {
            table.indexes.retain(|i| !i.is_primary_key());
        }
        add_constraint(table, Constraint::Index(index));
    }

    fn index_name_taken(&mut self, schema: &str, name: &str) -> bool {
        self.schema.index_names.refresh(&self.schema.tables);
        self.schema.index_names.contains(schema, name)
    }

    fn unused_index_name(&mut self, schema: &str, base: &str) -> String {
        self.schema.index_names.refresh(&self.schema.tables);
        self.schema.index_names.unused(self.schema.dialect, schema, base)
    }

    fn default_index_name(&mut self, id: usize, index: &Index) -> String {
        let table = &self.schema.tables[id];
        let columns = || {
            index
                .keys
                .iter()
                .map(|k| match k {
                    IndexKey::Column(c) => c.as_str(),
                    IndexKey::Expression(_) => "expr",
                })
                .collect::<Vec<_>>()
                .join("_")
        };
        match self.dialect() {
            Dialect::Postgres => {
                let base = match index.origin {
                    IndexOrigin::PrimaryKey => format!("{}_pkey", table.name.name),
                    IndexOrigin::UniqueConstraint => format!("{}_{}_key", table.name.name, columns()),
                    IndexOrigin::Index | IndexOrigin::TableIndex => format!("{}_{}_idx", table.name.name, columns()),
                };
                let schema = table.name.schema.clone();
                self.unused_index_name(&schema, &base)
            }
            Dialect::Mysql => match index.origin {
                IndexOrigin::PrimaryKey => "primary".to_owned(),
                _ => index.keys.first().and_then(|k| k.column()).unwrap_or("index").to_owned(),
            },
            Dialect::Sqlite => format!("sqlite_autoindex_{}_{}", table.name.name, table.indexes.len() + 1),
        }
    }

    fn name_foreign_key(&mut self, id: usize, n: usize) {
        let dialect = self.dialect();
        let table = &mut self.schema.tables[id];
        if !table.foreign_keys[n].name.is_empty() {
            return;
        }
        let name = match dialect {
            Dialect::Postgres => format!("{}_{}_fkey", table.name.name, table.foreign_keys[n].columns.join("_")),
            Dialect::Mysql => format!("{}_ibfk_{}", table.name.name, n + 1),
            Dialect::Sqlite => String::new(),
        };
        table.foreign_keys[n].name = dialect.truncate_identifier(&name).into();
    }

    fn comment(&mut self, target: ObjectRef, column: Option<String>, text: Option<String>) {
        let Some(id) = self.find_table(&target) else {
            let name = target.name.clone();
            self.wait_for_table(&name, Op::Comment { table: target, column, text });
            return;
        };
        let table = &mut self.schema.tables[id];
        match column {
            None => table.comment = text,
            Some(name) => {
                if let Some(column) = table.columns.iter_mut().find(|c| c.name == name) {
                    column.comment = text.map(String::into_boxed_str);
                }
            }
        }
    }

    fn alter_table(&mut self, target: ObjectRef, actions: Vec<AlterAction>) {
        let Some(id) = self.find_table(&target) else {
            let name = target.name.clone();
            self.wait_for_table(&name, Op::AlterTable { table: target, actions });
            return;
        };
        for action in actions {
            self.alter(id, action);
        }
    }

    fn alter(&mut self, id: usize, action: AlterAction) {
        if matches!(
            action,
            AlterAction::DropColumn(_)
                | AlterAction::DropConstraint(_)
                | AlterAction::DropPrimaryKey
                | AlterAction::DropIndex(_)
                | AlterAction::RenameTable(_)
        ) {
            self.schema.index_names.mark_stale();
        }
        match action {
            AlterAction::AddColumn { column, constraints } => {
                let table = &mut self.schema.tables[id];
                table.columns.retain(|c| c.name != column.name);
                push_lean(&mut table.columns, column);
                self.add_constraints(id, constraints);
            }
            AlterAction::AddConstraint(constraint) => self.add_constraints(id, vec![constraint]),
            AlterAction::DropColumn(name) => {
                let table = &mut self.schema.tables[id];
                table.columns.retain(|c| c.name != name);
                table.indexes.retain(|i| {
                    !i.keys.iter().any(|k| k.column() == Some(name.as_str())) && !i.include.contains(&name)
                });
                table.foreign_keys.retain(|fk| !fk.columns.iter().any(|c| *c == name));
            }
            AlterAction::DropConstraint(name) => {
                let table = &mut self.schema.tables[id];
                table.indexes.retain(|i| {
                    !matches!(i.origin, IndexOrigin::PrimaryKey | IndexOrigin::UniqueConstraint) || i.name != name
                });
                table.foreign_keys.retain(|fk| fk.name != name);
            }
            AlterAction::DropPrimaryKey => self.schema.tables[id].indexes.retain(|i| !i.is_primary_key()),
            AlterAction::DropIndex(name) => self.schema.tables[id].indexes.retain(|i| i.name != name),
            AlterAction::RenameColumn { from, to } => self.rename_column(id, &from, &to),
            AlterAction::RenameTable(to) => self.rename_table(id, &to),
            AlterAction::SetColumnType { column, ty, name_loc, statement } => {
                if let Some(column) = self.schema.tables[id].columns.iter_mut().find(|c| c.name == column) {
                    // Findings about the type now point at the statement that set it.
                    column.ty = ty;
                    column.name_loc = name_loc;
                    column.declared_in = statement;
                    column.declared_by_definition = false;
                }
            }
            AlterAction::ReplaceColumn { old_name, column, constraints } => {
                if old_name != column.name {
                    self.rename_column(id, &old_name, &column.name);
                }
                let table = &mut self.schema.tables[id];
                match table.columns.iter_mut().find(|c| c.name == column.name) {
                    Some(existing) => *existing = column,
                    None => push_lean(&mut table.columns, column),
                }
                self.add_constraints(id, constraints);
            }
            AlterAction::SetNotNull { column, not_null } => {
                if let Some(column) = self.schema.tables[id].columns.iter_mut().find(|c| c.name == column) {
                    column.not_null = not_null;
                }
            }
            AlterAction::AttachPartition(child) => {
                let parent = self.schema.tables[id].name.clone();
                if let Some(child) = self.find_table(&child) {
                    self.schema.tables[child].partition_of = Some(parent);
                }
            }
        }
    }

    fn add_constraints(&mut self, id: usize, constraints: Vec<Constraint>) {
        for constraint in constraints {
            match constraint {
                Constraint::Index(index) => self.add_index(id, index),
                Constraint::ForeignKey(mut fk) => {
                    fk.referenced_table = self.resolve_fk_target(&self.schema.tables[id].name, &fk.referenced);
                    let table = &mut self.schema.tables[id];
                    push_lean(&mut table.foreign_keys, fk);
                    let n = table.foreign_keys.len() - 1;
                    self.name_foreign_key(id, n);
                }
                Constraint::Check(check) => self.schema.tables[id].check_constraints.push(check),
            }
        }
    }

    fn rename_column(&mut self, id: usize, from: &str, to: &str) {
        let table_name = self.schema.tables[id].name.clone();
        let table = &mut self.schema.tables[id];
        for column in table.columns.iter_mut().filter(|c| c.name == from) {
            column.name = to.into();
        }
        for index in &mut table.indexes {
            for key in &mut index.keys {
                if key.column() == Some(from) {
                    *key = IndexKey::Column(to.into());
                }
            }
            for included in index.include.iter_mut().filter(|c| *c == from) {
                *included = to.to_owned();
            }
        }
        for fk in &mut table.foreign_keys {
            for column in fk.columns.iter_mut().filter(|c| *c == from) {
                *column = to.into();
            }
        }
        for other in &mut self.schema.tables {
            for fk in other.foreign_keys.iter_mut().filter(|fk| fk.referenced_table == table_name) {
                for column in fk.referenced_columns.iter_mut().filter(|c| *c == from) {
                    *column = to.into();
                }
            }
        }
    }

    fn rename_table(&mut self, id: usize, to: &ObjectRef) {
        let old = self.schema.tables[id].name.clone();
        let new =
            QualifiedName { schema: to.schema.clone().unwrap_or_else(|| old.schema.clone()), name: to.name.clone() };
        for table in &mut self.schema.tables {
            for fk in table.foreign_keys.iter_mut().filter(|fk| fk.referenced_table == old) {
                fk.referenced_table = new.clone();
            }
            if table.partition_of.as_ref() == Some(&old) {
                table.partition_of = Some(new.clone());
            }
            for parent in table.inherits.iter_mut().filter(|p| **p == old) {
                *parent = new.clone();
            }
        }
        self.schema.tables[id].name = new.clone();
        self.schema.table_ids.remove(&old);
        self.schema.table_ids.insert(new, id);
    }

    fn drop_table(&mut self, id: usize, cascade: bool) {
        let name = self.schema.tables[id].name.clone();
        if cascade {
            for table in &mut self.schema.tables {
                table.foreign_keys.retain(|fk| fk.referenced_table != name);
            }
        }
        self.remove_table(id);
        // Partitions go with their parent.
        while let Some(child) = self.schema.tables.iter().position(|t| t.partition_of.as_ref() == Some(&name)) {
            self.remove_table(child);
        }
    }

    fn remove_table(&mut self, id: usize) {
        self.schema.index_names.mark_stale();
        self.schema.tables.remove(id);
        self.schema.table_ids =
            self.schema.tables.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect::<HashMap<_, _>>();
    }

    fn drop_index(&mut self, name: &ObjectRef, table: Option<&ObjectRef>) {
        self.schema.index_names.mark_stale();
        if let Some(table) = table.and_then(|t| self.find_table(t)) {
            self.schema.tables[table].indexes.retain(|i| i.name != name.name);
            return;
        }
        let schemas: Vec<String> = match &name.schema {
            Some(schema) => vec![schema.to_string()],
            None => self.search_path.clone(),
        };
        for schema in schemas {
            for table in self.schema.tables.iter_mut().filter(|t| t.name.schema == schema) {
                let before = table.indexes.len();
                table.indexes.retain(|i| i.name != name.name);
                if table.indexes.len() != before {
                    return;
                }
            }
        }
    }
}
