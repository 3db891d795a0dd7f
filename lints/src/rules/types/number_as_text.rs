use crate::rules::types::{is_text, name_words};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::Table;
use crate::{Dialect, Severity};

/// ## What it does
/// Uses `collect --sample` to flag text columns in which every sampled value is a number.
/// Columns named like identifiers that are digits by convention (phone, zip, postal code,
/// IBAN, card, account, SKU, code) are left alone: they keep leading zeros and never take part
/// in arithmetic.
///
/// ## Why is this bad?
/// A number as text takes a byte per digit plus a length byte instead of 4 or 8, sorts as a
/// string (`'10' < '9'`), compares only after casts that keep indexes from being used, and
/// accepts `'12,5'` and `'N/A'` next to `12.5`.
///
/// ## Example
/// ```sql
/// CREATE TABLE readings (id bigint PRIMARY KEY, watts text NOT NULL);
/// ```
///
/// Use instead:
/// ```sql
/// CREATE TABLE readings (id bigint PRIMARY KEY, watts integer NOT NULL);
/// ```
///
/// ## Fix safety
/// No automatic fix: whether `integer`, `bigint` or `numeric(p, s)` fits depends on values the
/// sample only hints at. Convert with `ALTER COLUMN ... TYPE ... USING watts::integer`.
pub(crate) struct NumberAsText;

const DIGIT_IDENTIFIERS: &[&str] = &[
    "phone", "tel", "telephone", "mobile", "fax", "zip", "zipcode", "postal", "postcode", "iban", "bic", "ssn", "account", "card",
    "pin", "isbn", "ean", "upc", "gtin", "sku", "code", "ref", "reference", "version", "serial",
];

/// Fewer sampled values than this say too little.
const MIN_SAMPLED_ROWS: u64 = 50;

impl Rule for NumberAsText {
    const META: RuleMeta =
        RuleMeta::new("number-as-text", Family::Types, Severity::Info).dialects(&[Dialect::Postgres, Dialect::Mysql]).needs_stats();

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let sampled_rows = ctx.table_stats(table).and_then(|t| t.sampled_rows).unwrap_or(0);
        if sampled_rows < MIN_SAMPLED_ROWS {
            return;
        }
        for column in &table.columns {
            if !is_text(&column.ty) || name_words(&column.name).iter().any(|w| DIGIT_IDENTIFIERS.contains(&w.as_str())) {
                continue;
            }
            let Some(stats) = ctx.column_stats(table, &column.name) else { continue };
            if stats.numeric_frac != Some(1.0) || stats.null_frac == Some(1.0) {
                continue;
            }
            let stored = stats.avg_width.unwrap_or(0.0);
            let longest = stats.max_length.unwrap_or(0);
            let (suggestion, bytes) = if longest <= 9 { ("integer (or numeric if values have decimals)", 4.0) } else { ("bigint or numeric", 8.0) };
            let saving = (stored - bytes).max(0.0);
            let message = format!(
                "every sampled value of `{}` ({sampled_rows} rows sampled) is a number, stored as `{}`{}",
                column.name,
                column.ty,
                if saving >= 0.5 { format!(": {} more than a numeric type", ctx.cost(table, saving)) } else { String::new() }
            );
            let location = ctx.column_type_loc(column).unwrap_or(column.name_loc);
            ctx.report(location, message).help(format!("store it as {suggestion}; check for leading zeros first"));
        }
    }
}
