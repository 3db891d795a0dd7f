use crate::capacity::{date_of, describe_crossing};
use crate::rules::{Ctx, Rule, declare_rule};
use crate::schema::Table;
use crate::storage::human_bytes;

declare_rule! {
    /// ## What it does
    /// Flags a table whose projected size passes `[capacity] table_size_gib` (default 100 GiB)
    /// within the last forecast horizon, with the date and its 80% interval. The projection comes
    /// from the stats history or, for a table not deployed yet, its planning annotation.
    ///
    /// ## Why is this bad?
    /// A single heap of hundreds of GiB makes every maintenance task slow: `VACUUM` and index
    /// builds take hours, a restore takes longer than anyone planned for, and deleting old rows
    /// leaves bloat instead of free space. Partitioning or archiving is cheap to set up before the
    /// table is big and expensive after.
    ///
    /// ## Example
    /// ```sql
    /// -- schemacast: rows=50M growth=+2M/day
    /// CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, payload jsonb);
    /// ```
    ///
    /// Use instead:
    /// ```sql
    /// CREATE TABLE events (id bigint, at timestamptz NOT NULL, payload jsonb, PRIMARY KEY (id, at))
    ///     PARTITION BY RANGE (at);
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: how to partition or what to archive depends on how the table is queried.
    pub(crate) struct TableGrowth {
        name: "table-growth",
        family: Capacity,
        severity: Warning,
        dialects: [Postgres, Mysql, Sqlite],
        needs_stats: false,
        runs_with: "history or plan",
        finds: "a table projected past `table_size_gib` (100 GiB) within the horizon: partition or archive",
    }
}

impl Rule for TableGrowth {
    fn check_table(&self, ctx: &mut Ctx<'_>, table: &Table) {
        if table.partitioned || table.partition_of.is_some() {
            return;
        }
        let Some(window_end) = ctx.capacity.last_horizon_day() else {
            return;
        };
        let Some(capacity) = ctx.table_capacity() else { return };
        let Some(crossing) = capacity.size_crossing else { return };
        let Some(at) = crossing.at.filter(|at| *at <= window_end) else {
            return;
        };
        let limit = ctx.capacity.settings.table_size_gib;
        let now = human_bytes(capacity.bytes_now);
        let mut message = if capacity.bytes_now >= limit * 1024f64.powi(3) {
            format!("`{}` is already past {limit} GiB ({now})", table.name.name)
        } else {
            format!(
                "`{}` passes {limit} GiB around {}",
                table.name.name,
                describe_crossing(&crossing).unwrap_or_else(|| date_of(at))
            )
        };
        message.push_str(&format!(
            "; {now} now, growing {}/month ({})",
            human_bytes(capacity.bytes_per_day() * crate::forecast::DAYS_PER_MONTH),
            if capacity.is_planned() { "planned".to_owned() } else { format!("{} fit", capacity.model_name()) }
        ));
        ctx.report(table.name_loc, message)
            .help("partition it (e.g. `PARTITION BY RANGE` on its time column) or archive old rows before then");
    }
}
