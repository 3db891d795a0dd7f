use crate::rules::types::name_words;
use crate::rules::{declare_rule, Ctx, Rule};
use crate::schema::{Column, Table};

declare_rule! {
    /// ## What it does
    /// Flags an entity-attribute-value table: an entity column (a foreign key or an `*_id`), an
    /// attribute column (`name`, `key`, `attribute`, `property`, `meta_key`, …) and a text value
    /// column (`value`, `meta_value`, …), keyed by (entity, attribute): one row per attribute of
    /// an entity instead of one column per attribute. Without that key (several values per
    /// attribute allowed) the same shape is reported as `info`.
    ///
    /// ## Why is this bad?
    /// The attributes live in rows, so the database knows nothing about them: every value is
    /// text (no types, no `CHECK`, no foreign key, no `NOT NULL` per attribute), reading one
    /// entity takes one row per attribute (each with its row header and index entries), and
    /// every query that wants two attributes side by side joins the table to itself.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE product_attributes (
    ///     product_id bigint REFERENCES products (id),
    ///     attribute text,
    ///     value text,
    ///     PRIMARY KEY (product_id, attribute)
    /// );
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// ALTER TABLE products ADD COLUMN weight_grams integer, ADD COLUMN colour text;
    /// ```
    /// Columns for the attributes every entity has; for truly open-ended data, a `jsonb` column
    /// (which can be indexed and checked) on the entity's own table.
    ///
    /// ## Fix safety
    /// No fix: turning rows into columns needs a data migration.
    pub(crate) struct EavTable {
        name: "eav-table",
        family: Normalization,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        finds: "entity-attribute-value tables keyed by (entity, attribute)",
    }
}

const ATTRIBUTE_NAMES: &[&str] = &[
    "name", "key", "attribute", "attr", "property", "prop", "field", "meta_key", "attribute_name", "attr_name",
    "property_name", "field_name", "setting", "setting_name", "option_name", "param", "parameter", "k",
];
const VALUE_NAMES: &[&str] = &[
    "value", "val", "meta_value", "attribute_value", "attr_value", "property_value", "field_value",
    "setting_value", "option_value", "param_value", "parameter_value", "v",
];

/// The entity column: a foreign key or an `*_id` column, not the table's own surrogate key and
/// not a reference to a type or unit (which says what the value is, not whose).
fn is_entity(table: &Table, column: &Column) -> bool {
    let words = name_words(&column.name);
    let surrogate_key = table.primary_key().is_some_and(|pk| pk.keys.len() == 1 && pk.keys[0].column() == Some(column.name.as_str()));
    let describes_the_value = words.iter().any(|w| matches!(w.as_str(), "type" | "kind" | "unit" | "datatype"));
    !surrogate_key
        && !describes_the_value
        && (table.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && fk.columns[0] == column.name)
            || (words.len() >= 2 && words.last().is_some_and(|w| w == "id")))
}

impl Rule for EavTable {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let lower = |c: &Column| c.name.as_str().to_lowercase();
        let Some(attribute) = table.columns.iter().find(|c| ATTRIBUTE_NAMES.contains(&lower(c).as_str())) else {
            return;
        };
        let Some(value) =
            table.columns.iter().find(|c| VALUE_NAMES.contains(&lower(c).as_str()) && c.ty.is_text())
        else {
            return;
        };
        // The shape is the whole table: a few more columns (a surrogate id, timestamps) at most.
        if table.columns.len() > 7 {
            return;
        }
        let entities: Vec<&Column> =
            table.columns.iter().filter(|c| c.name != attribute.name && is_entity(table, c)).collect();
        let keyed_by = entities.iter().find(|entity| keyed_by_pair(table, &entity.name, &attribute.name));
        let Some(entity) = keyed_by.or(entities.first()) else { return };
        let key = if keyed_by.is_some() {
            format!("keyed by (`{}`, `{}`)", entity.name, attribute.name)
        } else {
            format!("with no key on (`{}`, `{}`), so an attribute may even repeat", entity.name, attribute.name)
        };
        let message = format!(
            "`{}` stores attributes as rows (entity-attribute-value): one row per `{}` of each `{}`, {key}, the value in `{} {}`; the database cannot type, constrain or index the attributes one by one",
            table.name.name, attribute.name, entity.name, value.name, value.ty
        );
        let diagnostic = ctx.report(table.name_loc, message).help(
            "give the attributes every entity has columns of their own; keep rows like these only for open-ended data, or use a jsonb column on the entity",
        );
        if keyed_by.is_none() {
            crate::rules::types::name_only(diagnostic);
        }
    }
}

/// Whether the primary key or a unique index is exactly the two columns, in either order.
fn keyed_by_pair(table: &Table, entity: &str, attribute: &str) -> bool {
    table.indexes.iter().filter(|i| i.unique && i.predicate.is_none()).any(|index| {
        let columns: Vec<Option<&str>> = index.keys.iter().map(|k| k.column()).collect();
        columns.len() == 2 && columns.contains(&Some(entity)) && columns.contains(&Some(attribute))
    })
}
