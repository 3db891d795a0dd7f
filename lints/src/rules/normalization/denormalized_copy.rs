use crate::rules::{declare_rule, Ctx, Rule};
use crate::schema::{BaseType, Column, ForeignKey, SqlType, Table};

declare_rule! {
    /// ## What it does
    /// Flags a column that copies a column of a table it references: table T has a foreign key
    /// `x_id` to table X and also a column `x_<col>` (or `<col>` itself, when exactly one
    /// referenced table has it, the name is not a generic one like `name`, `status` or a
    /// timestamp, and the two tables share no more than two column names: more make them
    /// parallel structures, such as settings that override a parent's), where X has `<col>` of
    /// the same kind of type. The copy depends on `x_id`, not on T's
    /// key: a transitive dependency, against third normal form.
    ///
    /// A copy kept on purpose (the customer's address as it was when the order was placed) is
    /// a snapshot, not a defect: mark it with `-- schemacast: ignore denormalized-copy` above the
    /// statement, or list it in schemacast.toml, where globs are allowed:
    ///
    /// ```toml
    /// [normalization]
    /// snapshot-columns = ["orders.customer_email", "*.price_at_sale"]   # column, table.column or schema.table.column
    /// ```
    ///
    /// ## Why is this bad?
    /// The two values drift: when the customer changes their email, every order still holds the
    /// old one unless each writer remembers to update both, and nothing in the database says
    /// which one is right.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
    /// CREATE TABLE orders (
    ///     id bigint PRIMARY KEY,
    ///     customer_id bigint NOT NULL REFERENCES customers (id),
    ///     customer_email text NOT NULL
    /// );
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id));
    /// -- SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id;
    /// ```
    ///
    /// ## Fix safety
    /// No fix: dropping the column changes every query that reads it.
    pub(crate) struct DenormalizedCopy {
        name: "denormalized-copy",
        family: Normalization,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "a column copying a column of a referenced table (`orders.customer_email`)",
    }
}

/// Names too common to say that a column is a copy when they appear without a prefix.
const GENERIC: &[&str] = &[
    "id", "name", "title", "status", "state", "type", "kind", "code", "description", "notes", "note", "comment",
    "created_at", "updated_at", "deleted_at", "created_on", "updated_on", "created", "updated", "modified",
    "created_by", "updated_by", "version", "position", "sort_order", "ordering", "active", "enabled", "deleted",
    "uuid", "tenant_id", "organization_id", "org_id", "account_id", "company_id", "workspace_id", "owner_id",
    "user_id", "lock_version", "flags", "data", "metadata", "extra", "label", "slug", "priority",
    "user_context", "context", "options", "config", "settings", "attributes", "properties", "tags",
    // Who did something to this row, not a property of the row it references.
    "account", "owner", "author", "creator", "editor", "modified_by", "changed_by",
];

/// More same-named columns than this make two tables parallel structures (a subnet's settings
/// overriding its network's, a history table), not a table and its copies.
const PARALLEL: usize = 2;

/// The number of column names two tables share, keys, foreign keys and generic names aside.
fn shared_columns(table: &Table, referenced: &Table) -> usize {
    let in_a_key = |t: &Table, c: &Column| {
        t.primary_key().is_some_and(|pk| pk.keys.iter().any(|k| k.column() == Some(c.name.as_str())))
            || t.foreign_keys.iter().any(|fk| fk.columns.contains(&c.name))
    };
    table
        .columns
        .iter()
        .filter(|c| !in_a_key(table, c) && !GENERIC.contains(&c.name.as_str().to_lowercase().as_str()))
        .filter(|c| referenced.column(&c.name).is_some_and(|r| !in_a_key(referenced, r)))
        .count()
}

/// A coarse kind of type: copies keep the kind even when the width changes.
fn kind(ty: &SqlType) -> &'static str {
    if ty.is_text() {
        "text"
    } else if ty.base.is_integer() || ty.is_serial() {
        "integer"
    } else if ty.is_float() || matches!(ty.base, BaseType::Numeric | BaseType::Money) {
        "number"
    } else if matches!(
        ty.base,
        BaseType::Date | BaseType::Timestamp | BaseType::TimestampTz | BaseType::Datetime | BaseType::Time
    ) {
        "time"
    } else {
        "other"
    }
}

/// The prefix a foreign key's column gives its table's copies: `customer_id` → `customer`.
fn prefix(fk: &ForeignKey) -> Option<String> {
    let [column] = fk.columns.as_slice() else { return None };
    let lower = column.as_str().to_lowercase();
    lower.strip_suffix("_id").or_else(|| lower.strip_suffix("id")).filter(|p| !p.is_empty()).map(str::to_owned)
}

impl Rule for DenormalizedCopy {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        let in_primary_key =
            table.primary_key().is_some_and(|pk| pk.keys.iter().any(|k| k.column() == Some(column.name.as_str())));
        if in_primary_key
            || table.foreign_keys.iter().any(|fk| fk.columns.contains(&column.name))
            || ctx.settings.is_snapshot_column(&table.name, &column.name)
        {
            return;
        }
        let lower = column.name.as_str().to_lowercase();
        let schema = ctx.schema;
        // (foreign key, referenced table, copied column)
        let mut sources = Vec::new();
        for fk in &table.foreign_keys {
            let Some(referenced) = schema.table(&fk.referenced_table) else { continue };
            if std::ptr::eq(referenced, table) {
                continue;
            }
            let copied = match prefix(fk).and_then(|p| lower.strip_prefix(&format!("{p}_")).map(str::to_owned)) {
                Some(rest) => referenced.column(&rest).or_else(|| referenced.column(&lower)),
                // `shared_columns` walks both tables: only when there is a same-named column.
                None if !GENERIC.contains(&lower.as_str())
                    && kind(&column.ty) != "time"
                    && referenced.column(&lower).is_some()
                    && shared_columns(table, referenced) <= PARALLEL =>
                {
                    referenced.column(&lower)
                }
                None => None,
            };
            if let Some(copied) = copied.filter(|c| kind(&c.ty) == kind(&column.ty) && kind(&c.ty) != "other") {
                sources.push((fk, referenced, copied));
            }
        }
        let prefixed =
            sources.iter().find(|(fk, ..)| prefix(fk).is_some_and(|p| lower.starts_with(&format!("{p}_"))));
        // An unprefixed name found in two referenced tables says nothing about which it copies.
        let source = match (prefixed, sources.as_slice()) {
            (Some(source), _) => source,
            (None, [only]) => only,
            _ => return,
        };
        let (fk, referenced, copied) = source;
        let via = fk.columns.join(", ");
        let named_after_the_key = prefixed.is_some();
        let message = if named_after_the_key {
            format!(
                "`{}` of `{}` copies `{}.{}` through `{via}`: it depends on `{via}`, not on the key of `{}` (a transitive dependency, against third normal form), and the copies drift when `{}` changes",
                column.name, table.name.name, referenced.name.name, copied.name, table.name.name, referenced.name.name
            )
        } else {
            format!(
                "`{}` of `{}` may copy `{}.{}` (reached through `{via}`); if it does, it depends on `{via}`, not on the key of `{}` (against third normal form), and drifts when `{}` changes",
                column.name, table.name.name, referenced.name.name, copied.name, table.name.name, referenced.name.name
            )
        };
        let diagnostic = ctx.report(column.name_loc, message).help(format!(
            "read it with a join on `{via}`; if it is a snapshot on purpose (the value at the time), say so with `-- schemacast: ignore denormalized-copy` or list it in `[normalization] snapshot-columns`"
        ));
        // A shared name alone is weak evidence: tables reuse names for their own facts (an
        // operation's `esc_period` overriding its action's), so it is a question.
        if !named_after_the_key {
            crate::rules::types::name_only(diagnostic);
        }
    }
}
