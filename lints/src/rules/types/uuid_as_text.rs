use crate::rules::types::{cast_evidence, name_only, name_words, report_retype, sampled_shape, share_of_sample, text_width, Sampled};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{Column, Table};
use crate::Dialect;

declare_rule! {
    /// ## What it does
    /// Flags UUIDs stored as text, graded by the evidence:
    ///
    /// | evidence | severity |
    /// |---|---|
    /// | `collect --sample`: at least 99% of at least 100 sampled values are UUIDs | warning, with the share and sample size |
    /// | the sample says otherwise (fewer have the shape) | none, whatever the name |
    /// | structure: `char(36)`/`varchar(36)`, or a default or CHECK that makes or casts a UUID (`DEFAULT gen_random_uuid()::text`) | warning, naming the evidence |
    /// | the name alone (the word `uuid` or `guid`) | info, as a question |
    ///
    /// A sample whose values all sit at one default is no evidence. The saving is computed from
    /// the sampled width, else the declared one.
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
    pub(crate) struct UuidAsText {
        name: "uuid-as-text",
        family: Types,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: false,
        finds: "UUIDs stored as text (graded, see below)",
    }
}

/// A UUID's text form with its length byte, and as `uuid` / `BINARY(16)`.
const TEXT_BYTES: f64 = 37.0;
const UUID_BYTES: f64 = 16.0;

impl Rule for UuidAsText {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if !column.ty.is_text() {
            return;
        }
        let target = if ctx.dialect == Dialect::Mysql { "BINARY(16)" } else { "uuid" };
        let saving = (text_width(ctx, table, column, TEXT_BYTES) - UUID_BYTES).max(0.0);
        let indexed = table
            .indexes
            .iter()
            .filter(|i| i.keys.iter().any(|k| k.column() == Some(column.name.as_str())))
            .count();
        let again = if indexed > 0 {
            format!(", and again in {indexed} index{}", if indexed == 1 { "" } else { "es" })
        } else {
            String::new()
        };
        let cost = ctx.cost(table, saving);
        let (message, named_only) = match sampled_shape(ctx, table, column, |s| s.uuid) {
            Sampled::Against => return,
            Sampled::For { share, checked } => (
                format!(
                    "{} of `{}` are UUIDs, stored as `{}`: {cost} more than `{target}`{again}",
                    share_of_sample(share, checked),
                    column.name,
                    column.ty
                ),
                false,
            ),
            Sampled::Unknown => {
                let sized = column.ty.declared_length() == Some(36)
                    && column.ty.is_char_or_varchar();
                let cast = cast_evidence(table, column, &["uuid"], &["gen_random_uuid", "uuid_generate", "uuid()"]);
                let named = name_words(&column.name).iter().any(|w| w == "uuid" || w == "guid");
                if let Some(evidence) = cast {
                    (
                        format!(
                            "`{}` holds UUIDs as `{}` ({evidence}): {cost} more than `{target}`{again}",
                            column.name, column.ty
                        ),
                        false,
                    )
                } else if sized {
                    (
                        format!(
                            "`{}` is `{}`, exactly a UUID's text length: as `{target}` it takes {cost} less{again}",
                            column.name, column.ty
                        ),
                        false,
                    )
                } else if named {
                    (
                        format!(
                            "`{}` may hold UUIDs; if it does, `{target}` takes {cost} less than `{}`{again}",
                            column.name, column.ty
                        ),
                        true,
                    )
                } else {
                    return;
                }
            }
        };
        let diagnostic = match ctx.dialect {
            Dialect::Postgres => report_retype(ctx, column, message, "uuid")
                .help("store it as `uuid` (`ALTER COLUMN ... TYPE uuid USING ...::uuid`)"),
            _ => {
                let location = ctx.column_type_loc(column).unwrap_or(column.name_loc);
                ctx.report(location, message)
                    .help("store it as `BINARY(16)` with `UUID_TO_BIN()` / `BIN_TO_UUID()`")
            }
        };
        if named_only {
            name_only(diagnostic);
        }
    }
}
