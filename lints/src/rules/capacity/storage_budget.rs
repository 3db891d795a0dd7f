use crate::capacity::describe_crossing;
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::Table;
use crate::storage::human_bytes;

declare_rule! {
    /// ## What it does
    /// Flags a database whose projected total size passes `[capacity] budget_gib` within the last
    /// forecast horizon, with the date and its 80% interval. The finding sits on the table that
    /// grows fastest, since that is where to act.
    ///
    /// ## Why is this bad?
    /// A managed database that reaches its provisioned storage stops accepting writes or grows
    /// its volume at a price nobody approved; either way the date is better known months ahead.
    ///
    /// ## Example
    /// ```toml
    /// [capacity]
    /// budget_gib = 500
    /// ```
    /// with a history in which `events` adds 2 GiB a day to a 450 GiB database.
    ///
    /// Use instead: raise the budget knowingly, or archive, partition and drop old data from the
    /// fastest grower before the date.
    ///
    /// ## Fix safety
    /// No automatic fix: the decision is a budget's, not a text edit's.
    pub(crate) struct StorageBudget {
        name: "storage-budget",
        family: Capacity,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        runs_with: "history or plan",
        finds: "the database projected past `budget_gib` within the horizon, on the fastest grower",
    }
}

impl Rule for StorageBudget {
    /// The database's total and its fastest grower come from every table.
    fn reads_whole_schema(&self) -> bool {
        true
    }

    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        let total = &ctx.capacity.total;
        if total.fastest_grower != Some(ctx.table_index()) {
            return;
        }
        let (Some(budget), Some(crossing), Some(window_end)) =
            (ctx.capacity.settings.budget_gib, total.budget_crossing, ctx.capacity.last_horizon_day())
        else {
            return;
        };
        let Some(at) = crossing.at.filter(|at| *at <= window_end) else {
            return;
        };
        let growth = ctx.table_capacity().map_or(0.0, |t| t.bytes_per_day());
        let mut message = if Some(at) == ctx.capacity.origin {
            format!("the database is already past its {budget} GiB budget ({} now)", human_bytes(total.bytes_now))
        } else {
            format!(
                "the database ({} now) passes its {budget} GiB budget around {}",
                human_bytes(total.bytes_now),
                describe_crossing(&crossing).unwrap_or_default()
            )
        };
        message.push_str(&format!(
            "; `{}` grows fastest, {}/month",
            table.name.name,
            human_bytes(growth * crate::forecast::DAYS_PER_MONTH)
        ));
        ctx.report(table.name_loc, message)
            .help("archive or partition the fastest growers, or raise `[capacity] budget_gib` knowingly");
    }
}
