use crate::rules::types::{declared_length, is_text, name_words, report_retype};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::Table;
use crate::{Dialect, Severity};

/// ## What it does
/// Flags UUIDs stored as text: `char(36)`, `varchar(36)` or `text` columns named like a uuid
/// or guid, or `char(36)`/`varchar(36)` keys.
///
/// ## Why is this bad?
/// As text a UUID takes 37 bytes (PostgreSQL: 36 characters and a length byte) instead of 16,
/// in the table and again in every index on it, and comparisons are collation-aware string
/// comparisons instead of 16-byte compares.
///
/// ## Example
/// ```sql
/// CREATE TABLE sessions (id varchar(36) PRIMARY KEY, user_uuid text NOT NULL);
/// ```
///
/// Use instead:
/// ```sql
/// CREATE TABLE sessions (id uuid PRIMARY KEY, user_uuid uuid NOT NULL);
/// ```
/// In MySQL, `BINARY(16)` with `UUID_TO_BIN()`.
///
/// ## Fix safety
/// Unsafe: the type change rewrites the table and fails if a value is not a valid UUID
/// (PostgreSQL: `ALTER COLUMN ... TYPE uuid USING id::uuid`). Offered for PostgreSQL only.
pub(crate) struct UuidAsText;

/// Bytes a UUID takes as text in PostgreSQL (1-byte header) and as `uuid`.
const TEXT_BYTES: f64 = 37.0;
const UUID_BYTES: f64 = 16.0;

impl Rule for UuidAsText {
    const META: RuleMeta = RuleMeta::new("uuid-as-text", Family::Types, Severity::Warning).dialects(&[Dialect::Postgres, Dialect::Mysql]);

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for column in &table.columns {
            if !is_text(&column.ty) {
                continue;
            }
            let words = name_words(&column.name);
            let named = words.iter().any(|w| w == "uuid" || w == "guid");
            let sized = declared_length(&column.ty) == Some(36) && matches!(column.ty.base.as_str(), "char" | "varchar");
            let sampled_36 = ctx.column_stats(table, &column.name).and_then(|s| s.max_length) == Some(36);
            if !(named || (sized && (words.last().is_some_and(|w| w == "id") || sampled_36))) {
                continue;
            }
            let saving = TEXT_BYTES - UUID_BYTES;
            let indexed = table.indexes.iter().filter(|i| i.keys.iter().any(|k| k.column() == Some(column.name.as_str()))).count();
            let message = format!(
                "`{}` holds UUIDs as `{}`: {} more than `{}`{}",
                column.name,
                column.ty,
                ctx.cost(table, saving),
                if ctx.dialect == Dialect::Mysql { "BINARY(16)" } else { "uuid" },
                if indexed > 0 { format!(", and again in {indexed} index{}", if indexed == 1 { "" } else { "es" }) } else { String::new() }
            );
            match ctx.dialect {
                Dialect::Postgres => {
                    report_retype(ctx, column, message, "uuid").help("store it as `uuid` (`ALTER COLUMN ... TYPE uuid USING ...::uuid`)");
                }
                _ => {
                    let location = ctx.column_type_loc(column).unwrap_or(column.name_loc);
                    ctx.report(location, message).help("store it as `BINARY(16)` with `UUID_TO_BIN()` / `BIN_TO_UUID()`");
                }
            }
        }
    }
}
