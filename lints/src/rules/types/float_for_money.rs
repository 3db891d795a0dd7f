use crate::rules::types::{name_words, report_retype};
use crate::rules::{Ctx, Family, Rule, RuleMeta};
use crate::schema::Table;
use crate::{Dialect, Severity};

/// ## What it does
/// Flags binary floating-point columns (`real`, `double precision`, `float`) whose names say
/// they hold money: price, amount, cost, total, balance, fee, tax, salary and the like.
///
/// ## Why is this bad?
/// Binary floats cannot hold 0.10 exactly. Sums drift by fractions of a cent, equality checks
/// fail, and reports disagree with the ledger.
///
/// ## Example
/// ```sql
/// CREATE TABLE invoices (id bigint PRIMARY KEY, total double precision NOT NULL);
/// ```
///
/// Use instead:
/// ```sql
/// CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric(12, 2) NOT NULL);
/// ```
/// Or store integer minor units (`total_cents bigint`).
///
/// ## Fix safety
/// Unsafe: the type change rewrites the table and rounds stored values to two decimals; pick
/// the precision and scale your currency needs.
pub(crate) struct FloatForMoney;

const MONEY_WORDS: &[&str] = &[
    "price", "amount", "cost", "total", "subtotal", "balance", "fee", "fees", "tax", "salary", "wage", "revenue", "payment",
    "paid", "charge", "refund", "discount", "credit", "debit", "money", "budget", "invoice", "usd", "eur", "gbp",
];

impl Rule for FloatForMoney {
    const META: RuleMeta =
        RuleMeta::new("float-for-money", Family::Types, Severity::Warning).dialects(&[Dialect::Postgres, Dialect::Mysql]);

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        for column in &table.columns {
            let float = matches!(column.ty.base.as_str(), "real" | "double precision" | "float") && column.ty.array_dims == 0;
            if !float || !name_words(&column.name).iter().any(|w| MONEY_WORDS.contains(&w.as_str())) {
                continue;
            }
            let new_type = match ctx.dialect {
                Dialect::Mysql => "decimal(12, 2)",
                _ => "numeric(12, 2)",
            };
            let message = format!("`{}` stores money as `{}`, a binary float that cannot hold 0.10 exactly", column.name, column.ty);
            report_retype(ctx, column, message, new_type).help(format!("use `{new_type}`, or integer minor units such as `{}_cents bigint`", column.name));
        }
    }
}
