use crate::rules::types::{informative, name_words, sampled_shape, share_of_sample, Sampled, MIN_SHAPE_SAMPLE};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{Column, Table};

declare_rule! {
    /// ## What it does
    /// Uses `collect --sample` to flag text columns whose sampled values are numbers:
    ///
    /// | evidence | severity |
    /// |---|---|
    /// | at least 99% of at least 100 sampled values are integers or decimals | warning, with the share and sample size |
    /// | fewer are | none |
    /// | no sample, or an uninformative one (one distinct value, all empty: every row at a default) | none |
    ///
    /// Columns named like identifiers that are digits by convention (phone, zip, postal code,
    /// IBAN, card, account, SKU, code) are left alone: they keep leading zeros and never take part
    /// in arithmetic. Stats files written before value shapes existed are read through their
    /// `numeric_frac` (every sampled value a number).
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
    pub(crate) struct NumberAsText {
        name: "number-as-text",
        family: Types,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: true,
        finds: "text columns whose sampled values are numbers (at least 99% of at least 100)",
    }
}

const DIGIT_IDENTIFIERS: &[&str] = &[
    "phone",
    "tel",
    "telephone",
    "mobile",
    "fax",
    "zip",
    "zipcode",
    "postal",
    "postcode",
    "iban",
    "bic",
    "ssn",
    "account",
    "card",
    "pin",
    "isbn",
    "ean",
    "upc",
    "gtin",
    "sku",
    "code",
    "ref",
    "reference",
    "version",
    "serial",
];

impl Rule for NumberAsText {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        let sampled_rows = ctx.table_stats(table).and_then(|t| t.sampled_rows).unwrap_or(0);
        if !column.ty.is_text() || name_words(&column.name).iter().any(|w| DIGIT_IDENTIFIERS.contains(&w.as_str()))
        {
            return;
        }
        let Some(stats) = ctx.column_stats(table, &column.name) else {
            return;
        };
        let decimals = stats.shapes.as_ref().is_some_and(|s| s.decimal > 0.0);
        let (share, checked) = match sampled_shape(ctx, table, column, |s| s.integer + s.decimal) {
            Sampled::For { share, checked } => (share.min(1.0), checked),
            Sampled::Against => return,
            // A file from before value shapes: `numeric_frac` over the table's sample.
            Sampled::Unknown
                if stats.shapes.is_none()
                    && stats.numeric_frac == Some(1.0)
                    && sampled_rows >= MIN_SHAPE_SAMPLE
                    && informative(stats, None) =>
            {
                (1.0, sampled_rows)
            }
            Sampled::Unknown => return,
        };
        let stored = stats.avg_width.unwrap_or(0.0);
        let longest = stats.max_length.unwrap_or(0);
        let (suggestion, bytes) = match (decimals, longest <= 9) {
            (true, _) => ("numeric(p, s)", 8.0),
            (false, true) => ("integer", 4.0),
            (false, false) => ("bigint", 8.0),
        };
        let saving = (stored - bytes).max(0.0);
        let message = format!(
            "{} of `{}` are numbers, stored as `{}`{}",
            share_of_sample(share, checked),
            column.name,
            column.ty,
            if saving >= 0.5 {
                format!(": {} more than a numeric type", ctx.cost(table, saving))
            } else {
                String::new()
            }
        );
        let location = ctx.column_type_loc(column).unwrap_or(column.name_loc);
        ctx.report(location, message).help(format!("store it as {suggestion}; check for leading zeros first"));
    }
}
