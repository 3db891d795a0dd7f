use crate::diagnostic::{Edit, Fix};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::Table;
use crate::storage::{postgres_padding, row_bytes_text};
use crate::text::{Location, TextRange};

declare_rule! {
    /// ## What it does
    /// Flags PostgreSQL tables whose column order wastes bytes on alignment padding, and says how
    /// many bytes per row (and, with a row count from stats or a planning annotation, how many GiB)
    /// the tightest order saves. Quiet below `[thresholds] column-padding-bytes` (default 8).
    ///
    /// ## Why is this bad?
    /// PostgreSQL aligns each value to its type's boundary: a `boolean` followed by a `bigint`
    /// leaves 7 empty bytes, in every row, forever. Ordering fixed-width columns from the widest
    /// alignment down and putting variable-width columns last removes that padding: less disk,
    /// less memory, more rows per page and per cache line.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE events (active boolean, id bigint, kind smallint, created_at timestamptz);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE events (id bigint, created_at timestamptz, kind smallint, active boolean);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the fix reorders the column definitions of the `CREATE TABLE`, which changes
    /// `SELECT *` and positional `INSERT` order. It is offered only while every column comes from
    /// that statement (no later migration added or retyped one); on a table that already exists,
    /// the order changes only when the table is rebuilt.
    pub(crate) struct ColumnPadding {
        name: "column-padding",
        family: Types,
        severity: Info,
        dialects: [Postgres],
        needs_stats: false,
        finds: "a column order that wastes bytes per row on alignment; the fix reorders the `CREATE TABLE`",
        thresholds: {
            PADDING_BYTES: "column-padding-bytes" = 8.0, bytes, minimum 0.0,
                "the saving per row below which the rule stays quiet";
        },
    }
}

impl Rule for ColumnPadding {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        if table.columns.len() < 2 || table.partition_of.is_some() {
            return;
        }
        let stats = ctx.table_stats(table);
        let (current, best, tightest) = postgres_padding(ctx.schema, table, stats);
        let saving = current - best;
        if saving < ctx.threshold(&Self::PADDING_BYTES).max(0.5) {
            return;
        }
        let message = format!(
            "column order of `{}` wastes {} on alignment padding ({} → {} B/row in the tightest order)",
            table.name.name,
            ctx.cost(table, saving),
            row_bytes_text(current),
            row_bytes_text(best)
        );
        let order_names: Vec<&str> = tightest.iter().map(|&i| table.columns[i].name.as_str()).collect();
        let edits = reorder_edits(ctx, table, &tightest);
        let diagnostic = ctx.report(table.name_loc, message);
        diagnostic.help(format!("order the columns {}", order_names.join(", ")));
        if let Some(edits) = edits {
            diagnostic.fix(Fix::unsafe_edit(format!("Reorder the columns of `{}`", table.name.name), edits));
        }
    }
}

/// Edits that put each column definition into the slot of the column at its new position,
/// when every column is defined in the `CREATE TABLE` itself.
fn reorder_edits(ctx: &Ctx<'_>, table: &Table, order: &[usize]) -> Option<Vec<Edit>> {
    let statement = table.statement;
    let own = table
        .columns
        .iter()
        .all(|c| c.declared_by_definition && c.declared_in == statement && c.name_loc.file == statement.file);
    if !own {
        return None;
    }
    let text = ctx.text(statement.file)?;
    let slots: Vec<TextRange> = table
        .columns
        .iter()
        .map(|c| definition_range(text, c.name_loc.range.start as usize, statement.range.end as usize))
        .collect::<Option<_>>()?;
    let definitions: Vec<&str> = slots.iter().map(|r| &text[r.to_range()]).collect();
    let mut edits = Vec::new();
    for (slot, &column) in slots.iter().zip(order) {
        let replacement = definitions[column];
        if &text[slot.to_range()] != replacement {
            edits.push(Edit { location: Location::new(statement.file, *slot), text: replacement.to_owned() });
        }
    }
    Some(edits)
}

/// From a column name to just before the comma or closing parenthesis that ends its
/// definition (quotes, comments and nested parentheses skipped), without trailing space.
fn definition_range(text: &str, start: usize, limit: usize) -> Option<TextRange> {
    let bytes = text.as_bytes();
    let start = if start > 0 && bytes.get(start - 1) == Some(&b'"') { start - 1 } else { start };
    let mut depth = 0i32;
    let mut i = start;
    let limit = limit.min(bytes.len());
    while i < limit {
        match bytes[i] {
            b'\'' | b'"' | b'`' => {
                let quote = bytes[i];
                i += 1;
                while i < limit && bytes[i] != quote {
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < limit && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            b',' if depth == 0 => break,
            _ => {}
        }
        i += 1;
    }
    if i >= limit {
        return None;
    }
    let end = start + text[start..i].trim_end().len();
    Some(TextRange::new(start, end))
}
