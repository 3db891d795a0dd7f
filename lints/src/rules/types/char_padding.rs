use crate::rules::types::{report_retype};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{BaseType, Column, Table};

declare_rule! {
    /// ## What it does
    /// Flags `char(n)` columns longer than three characters: the blank-padded type pads every
    /// value to `n` characters. With stats from `collect --sample`, it flags any `char(n)` whose
    /// values are shorter than `n` and says how many bytes a row loses to padding.
    ///
    /// ## Why is this bad?
    /// `char(50)` stores `'Ada'` as `'Ada'` and 47 spaces: in the table, in every index, and in
    /// every result. Trailing spaces are also compared away inconsistently (`'a' = 'a  '` is true
    /// for `char`, false for `varchar`), which surprises applications. Fixed codes such as ISO
    /// country (`char(2)`) and currency (`char(3)`) codes are fine and left alone.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE customers (id bigint PRIMARY KEY, name char(50) NOT NULL);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE customers (id bigint PRIMARY KEY, name varchar(50) NOT NULL);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: `varchar` keeps trailing spaces that `char` ignored in comparisons, and the type
    /// change rewrites the table. Stored values keep their padding until trimmed
    /// (`USING rtrim(name)`).
    pub(crate) struct CharPadding {
        name: "char-padding",
        family: Types,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: false,
        finds: "`char(n)` padding every value to n characters",
    }
}

impl Rule for CharPadding {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        if column.ty.base != BaseType::Char || column.ty.array_dims > 0 {
            return;
        }
        let length = column.ty.declared_length().unwrap_or(1);
        let longest = ctx.column_stats(table, &column.name).and_then(|s| s.max_length);
        let message = match longest {
            Some(longest) if longest < length => {
                let waste = (length - longest) as f64;
                format!(
                    "`{}` is `{}` but sampled values are at most {longest} character{}: padding costs at least {}",
                    column.name,
                    column.ty,
                    if longest == 1 { "" } else { "s" },
                    ctx.cost(table, waste)
                )
            }
            Some(_) => return,
            None if length > 3 => format!(
                "`{}` is `{}`: every value is padded with spaces to {length} characters",
                column.name, column.ty
            ),
            None => return,
        };
        let new_type = format!("varchar({length})");
        report_retype(ctx, column, message, &new_type)
            .help(format!("use `{new_type}` (or `text` with a CHECK on its length)"));
    }
}
