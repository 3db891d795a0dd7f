use crate::rules::types::{cast_evidence, name_only, name_words, report_retype};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::{Column, Table};
use crate::Dialect;

declare_rule! {
    /// ## What it does
    /// Flags binary floating-point columns (`real`, `double precision`, `float`) that hold money,
    /// graded by the evidence:
    ///
    /// | evidence | severity |
    /// |---|---|
    /// | structure: a default with two decimals (`DEFAULT 0.00`), or a CHECK or default that casts it to `numeric`/`decimal`/`money` | warning, naming the evidence |
    /// | the name alone (price, amount, cost, total, balance, fee, tax, salary and the like) | info, as a question |
    ///
    /// Names are read word by word: `tax_rate` is a ratio and `total_count` a count, not money
    /// (rate, ratio, percent, factor, count, quantity, number, weight, score, hours and the like).
    ///
    /// ## Why is this bad?
    /// Binary floats cannot hold 0.10 exactly. Sums drift by fractions of a cent, equality checks
    /// fail, and reports disagree with the ledger.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE invoices (id bigint PRIMARY KEY, total double precision NOT NULL DEFAULT 0.00);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric(12, 2) NOT NULL DEFAULT 0.00);
    /// ```
    /// Or store integer minor units (`total_cents bigint`).
    ///
    /// ## Fix safety
    /// Unsafe: the type change rewrites the table and rounds stored values to two decimals; pick
    /// the precision and scale your currency needs.
    ///
    /// ## Known problems
    /// `collect --sample` measures value shapes of text columns only, so no sample grades this
    /// rule yet.
    pub(crate) struct FloatForMoney {
        name: "float-for-money",
        family: Types,
        severity: Warning,
        dialects: [Postgres, Mysql],
        needs_stats: false,
        finds: "`real`/`double precision` columns holding money (graded)",
    }
}

const MONEY_WORDS: &[&str] = &[
    "price", "amount", "cost", "total", "subtotal", "balance", "fee", "fees", "tax", "salary", "wage", "revenue",
    "payment", "paid", "charge", "refund", "discount", "credit", "debit", "money", "budget", "invoice", "usd", "eur",
    "gbp",
];

/// Words that make a money-sounding name a ratio, a count or a measure.
const NOT_MONEY: &[&str] = &[
    "rate",
    "ratio",
    "percent",
    "percentage",
    "pct",
    "factor",
    "multiplier",
    "fraction",
    "share",
    "count",
    "qty",
    "quantity",
    "number",
    "num",
    "weight",
    "score",
    "points",
    "hours",
    "minutes",
    "seconds",
    "days",
    "units",
    "time",
    "duration",
    "size",
];

impl Rule for FloatForMoney {
    fn check_column(&self, ctx: &mut Ctx<'_>, table: &Table, column: &Column) {
        let float = column.ty.is_float();
        let words = name_words(&column.name);
        let named = words.iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
            && !words.iter().any(|w| NOT_MONEY.contains(&w.as_str()));
        if !float {
            return;
        }
        let evidence = cast_evidence(table, column, &["numeric", "decimal", "money"], &[]).or_else(|| {
            column
                .default
                .as_deref()
                .filter(|d| has_two_decimals(d))
                .map(|d| format!("its default `{d}` has two decimals, like an amount"))
        });
        if evidence.is_none() && !named {
            return;
        }
        let new_type = match ctx.dialect {
            Dialect::Mysql => "decimal(12, 2)",
            _ => "numeric(12, 2)",
        };
        let message = match &evidence {
            Some(evidence) => format!(
                "`{}` stores money as `{}` ({evidence}), a binary float that cannot hold 0.10 exactly",
                column.name, column.ty
            ),
            None => {
                format!("`{}` may hold money; if it does, `{}` cannot hold 0.10 exactly", column.name, column.ty)
            }
        };
        let diagnostic = report_retype(ctx, column, message, new_type)
            .help(format!("use `{new_type}`, or integer minor units such as `{}_cents bigint`", column.name));
        if evidence.is_none() {
            name_only(diagnostic);
        }
    }
}

/// `0.00`, `'19.99'`, `-1.50`: a literal with exactly two decimals.
fn has_two_decimals(default: &str) -> bool {
    let literal = default.trim().trim_matches(|c| c == '\'' || c == '(' || c == ')').trim_start_matches(['-', '+']);
    let Some((whole, fraction)) = literal.split_once('.') else {
        return false;
    };
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.len() == 2
        && fraction.chars().all(|c| c.is_ascii_digit())
}
