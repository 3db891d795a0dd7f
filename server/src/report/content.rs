//! What the report says, computed once from an analysis: the headline, the limits crossed, one
//! line per table, the charts, the lint summary. The HTML page and the Markdown summary only
//! lay these facts out, so they cannot disagree with each other or with `forecast`.

use std::collections::{BTreeMap, HashSet};

use schemacast_lints::capacity::{CapacitySettings, HorizonProjection, KeyExhaustion, KeySource, TableCapacity};
use schemacast_lints::forecast::{Crossing, Forecast, Point};
use schemacast_lints::rules::rule;
use schemacast_lints::stats::{StatsSeries, TableSeries};
use schemacast_lints::storage::{estimate_table, human_bytes, human_count};
use schemacast_lints::{Analysis, Dialect, Severity};

use crate::cli::forecast::{describe_model, growth};
use crate::report::chart::{BreakdownBar, BreakdownChart, Chart, Limit, Projected, SeriesChart, StackedChart, Unit};

/// Points drawn along a projection: enough for a smooth curve, few enough for small SVGs.
const PROJECTION_SAMPLES: usize = 48;
/// Tables drawn as their own layer in the stacked chart; the rest are "others".
const STACKED_LAYERS: usize = 8;
/// The most bars in the storage breakdown chart, and rows in its table.
pub(crate) const BREAKDOWN_TABLES: usize = 25;

pub(crate) struct Report {
    pub title: String,
    pub dialect: &'static str,
    pub history: Option<History>,
    /// Where projections start: the last snapshot, or today without a history.
    pub origin: Option<f64>,
    pub price: Price,
    pub total: Total,
    /// Every limit the forecast crosses, soonest first.
    pub risks: Vec<Risk>,
    /// Every table, biggest growers first; tables without a projection keep schema order last.
    pub tables: Vec<TableFacts>,
    /// Indexes into `tables` of the tables with a section of their own.
    pub top: Vec<usize>,
    pub charts: Vec<NamedChart>,
    /// Indexes into `tables` of the tables with measured sizes, biggest first.
    pub by_size: Vec<usize>,
    pub lints: LintSummary,
    pub statements_parsed: usize,
    pub statements_skipped: usize,
}

pub(crate) struct History {
    pub snapshots: usize,
    pub first: f64,
    pub last: f64,
    pub database: Option<String>,
}

pub(crate) struct Price {
    pub per_gib_month: f64,
    pub example: bool,
    pub copies: f64,
    pub backup_retention_factor: f64,
    pub budget_gib: Option<f64>,
    pub table_size_gib: f64,
}

pub(crate) struct Total {
    pub tables_projected: usize,
    pub bytes_now: f64,
    pub cost_now: f64,
    pub horizons: Vec<HorizonProjection>,
}

/// A limit the forecast reaches: a key's maximum, the budget, the table size limit.
pub(crate) struct Risk {
    /// What reaches the limit: `payments.id`, `orders`, or "the database".
    pub subject: String,
    /// "(integer) reaches its maximum, 2.1B".
    pub what: String,
    pub crossing: Crossing,
    /// Within the last horizon: what the review must act on.
    pub soon: bool,
}

impl Risk {
    pub(crate) fn at(&self) -> f64 {
        self.crossing.at.unwrap_or(f64::INFINITY)
    }
}

pub(crate) struct Measured {
    pub heap: f64,
    pub toast: f64,
    pub index: f64,
    pub total: f64,
}

pub(crate) struct TableFacts {
    pub name: String,
    pub row_bytes: f64,
    pub bytes_per_million_rows: u64,
    pub rows_now: Option<f64>,
    pub bytes_now: Option<f64>,
    pub rows_per_day: Option<f64>,
    pub percent_per_month: Option<f64>,
    pub bytes_per_day: Option<f64>,
    /// The projection at each horizon; empty when the table is not projected.
    pub horizons: Vec<HorizonProjection>,
    pub cost_now: Option<f64>,
    pub model: String,
    pub planned: bool,
    pub measured: Option<Measured>,
    /// The estimator's total at today's rows.
    pub estimated_total: Option<f64>,
    /// Indexes into `Report::risks`.
    pub risks: Vec<usize>,
    /// Findings whose statement is this table's `CREATE TABLE`, by rule.
    pub findings: BTreeMap<&'static str, usize>,
    /// File stems in `Report::charts` of this table's charts.
    pub charts: Vec<String>,
}

impl TableFacts {
    /// The projection at the last horizon.
    pub(crate) fn last(&self) -> Option<&HorizonProjection> {
        self.horizons.last()
    }

    /// Measured size against the estimate: above 1 means bloat, free space or wider values.
    pub(crate) fn bloat_ratio(&self) -> Option<f64> {
        match (&self.measured, self.estimated_total) {
            (Some(measured), Some(estimate)) if estimate > 0.0 && measured.total > 0.0 => {
                Some(measured.total / estimate)
            }
            _ => None,
        }
    }
}

pub(crate) struct NamedChart {
    /// The file name under `charts/`, without extension; unique, ASCII.
    pub stem: String,
    pub chart: Chart,
}

pub(crate) struct LintSummary {
    /// Rule, its severity as configured, findings; most findings first.
    pub by_rule: Vec<RuleCount>,
    pub total: usize,
}

pub(crate) struct RuleCount {
    pub rule: &'static str,
    pub severity: Severity,
    pub count: usize,
    pub summary: String,
    pub docs: Option<String>,
}

pub(crate) struct Options {
    pub title: Option<String>,
    pub top: usize,
    pub source: String,
}

pub(crate) fn build(analysis: &Analysis, series: Option<&StatsSeries>, dialect: Dialect, options: &Options) -> Report {
    let plan = &analysis.capacity;
    let history = history_of(analysis, series);
    let price = Price::new(&plan.settings);
    let last_horizon = plan.last_horizon_day();

    let mut order: Vec<usize> =
        (0..analysis.schema.tables().len()).filter(|&i| !analysis.schema.tables()[i].temporary).collect();
    order.sort_by(|a, b| growth(plan, *b).total_cmp(&growth(plan, *a)));

    let (mut tables, risks) = tables_and_risks(analysis, &order, &price);

    // The top growers, then any other table with a limit inside the horizon: what breaks
    // matters as much as what grows.
    let projected: Vec<usize> = (0..tables.len()).filter(|&i| tables[i].bytes_now.is_some()).collect();
    let mut top: Vec<usize> = projected.iter().copied().take(options.top).collect();
    for (position, facts) in tables.iter().enumerate() {
        if !top.contains(&position) && facts.risks.iter().any(|&r| risks[r].soon) {
            top.push(position);
        }
    }

    let mut charts = Vec::new();
    let origin_label = if history.is_some() { "last snapshot" } else { "today" };
    if let Some(origin) = plan.origin {
        let timeline = Timeline { origin, end: last_horizon.unwrap_or(origin), origin_label };
        let stacked = stacked_chart(timeline, analysis, series, &order, &projected, &price);
        if let Some(stacked) = stacked {
            charts.push(NamedChart { stem: "total-size".to_owned(), chart: Chart::Stacked(stacked) });
        }
        let mut used_stems = HashSet::new();
        for &position in &top {
            let index = order[position];
            let Some(capacity) = plan.table(index) else {
                continue;
            };
            let drawn = TableCharts { timeline, analysis, series, index, capacity, price: &price };
            for chart in drawn.charts(&tables[position].name, &mut used_stems) {
                tables[position].charts.push(chart.stem.clone());
                charts.push(chart);
            }
        }
    }
    // Where the bytes are: the biggest tables, whatever their growth.
    let mut by_size: Vec<usize> = (0..tables.len()).filter(|&i| tables[i].measured.is_some()).collect();
    by_size.sort_by(|&a, &b| measured_total(&tables[b]).total_cmp(&measured_total(&tables[a])));
    charts.extend(breakdown_chart(&tables, &by_size, options.top));

    let title = options.title.clone().unwrap_or_else(|| {
        let subject = history.as_ref().and_then(|h| h.database.clone()).unwrap_or_else(|| options.source.clone());
        format!("Capacity report: {subject}")
    });
    Report {
        title,
        dialect: dialect.name(),
        history,
        origin: plan.origin,
        price,
        total: Total {
            tables_projected: plan.tables.iter().flatten().count(),
            bytes_now: plan.total.bytes_now,
            cost_now: plan.total.cost_now,
            horizons: plan.total.horizons.clone(),
        },
        risks,
        tables,
        top,
        charts,
        by_size,
        lints: lint_summary(analysis),
        statements_parsed: analysis.statements_parsed(),
        statements_skipped: analysis.statements_skipped(),
    }
}

/// The stats history's span and the database it was collected from.
fn history_of(analysis: &Analysis, series: Option<&StatsSeries>) -> Option<History> {
    let series = series?;
    Some(History {
        snapshots: series.snapshot_days.len(),
        first: *series.snapshot_days.first()?,
        last: *series.snapshot_days.last()?,
        database: analysis.stats.as_ref().and_then(|a| a.snapshot.database.clone()),
    })
}

impl Price {
    fn new(settings: &CapacitySettings) -> Self {
        Price {
            per_gib_month: settings.price(),
            example: settings.price_is_example(),
            copies: settings.copies,
            backup_retention_factor: settings.backup_retention_factor,
            budget_gib: settings.budget_gib,
            table_size_gib: settings.table_size_gib,
        }
    }
}

/// Whether a limit is reached within the last horizon.
fn within(crossing: &Crossing, last_horizon: Option<f64>) -> bool {
    match (crossing.at, last_horizon) {
        (Some(at), Some(end)) => at <= end,
        _ => false,
    }
}

/// Every table's facts in `order`, and the limits they and the database reach, soonest first.
fn tables_and_risks(analysis: &Analysis, order: &[usize], price: &Price) -> (Vec<TableFacts>, Vec<Risk>) {
    let plan = &analysis.capacity;
    let last_horizon = plan.last_horizon_day();
    let findings = findings_by_table(analysis);
    let mut risks = Vec::new();
    let mut tables = Vec::with_capacity(order.len());
    for &index in order {
        let mut facts = table_facts(analysis, index, findings.get(&index).cloned().unwrap_or_default());
        for risk in plan.table(index).map(|c| table_risks(&facts.name, c, price, last_horizon)).unwrap_or_default() {
            facts.risks.push(risks.len());
            risks.push(risk);
        }
        tables.push(facts);
    }
    if let (Some(gib), Some(crossing)) = (price.budget_gib, plan.total.budget_crossing) {
        if crossing.at.is_some() {
            risks.push(Risk {
                subject: "the database".to_owned(),
                what: format!("passes its {gib} GiB budget"),
                crossing,
                soon: within(&crossing, last_horizon),
            });
        }
    }
    let risks = soonest_first(risks, &mut tables);
    (tables, risks)
}

/// One table's facts, with no risks or charts yet.
fn table_facts(analysis: &Analysis, index: usize, findings: BTreeMap<&'static str, usize>) -> TableFacts {
    let table = &analysis.schema.tables()[index];
    let plan = &analysis.capacity;
    let table_stats = analysis.stats.as_ref().and_then(|s| s.for_table(&table.name));
    let capacity = plan.table(index);
    let rows = capacity.and_then(|c| c.rows.as_ref());
    let rows_now = capacity.and_then(|c| c.rows_now).map(|(rows, _)| rows);
    let estimate = estimate_table(&analysis.schema, table, rows_now, table_stats);
    let measured = table_stats.and_then(|t| {
        let total = t.total_bytes? as f64;
        let heap = t.table_bytes.unwrap_or(0) as f64;
        let index = t.index_bytes.unwrap_or(0) as f64;
        let toast = t.toast_bytes.map_or((total - heap - index).max(0.0), |b| b as f64);
        Some(Measured { heap, toast, index, total })
    });
    TableFacts {
        name: table.name.to_string(),
        row_bytes: estimate.row_bytes,
        bytes_per_million_rows: estimate.bytes_per_million_rows,
        rows_now,
        bytes_now: capacity.map(|c| c.bytes_now),
        rows_per_day: rows.map(|r| r.growth_per_day),
        percent_per_month: rows.map(|r| r.percent_per_month),
        bytes_per_day: capacity.map(TableCapacity::bytes_per_day),
        horizons: capacity.map(|c| c.horizons.clone()).unwrap_or_default(),
        cost_now: capacity.map(|c| plan.settings.cost_per_month(c.bytes_now)),
        model: capacity.map_or_else(|| "no history, no plan: today's estimate only".to_owned(), describe_model),
        planned: capacity.is_some_and(TableCapacity::is_planned),
        measured,
        estimated_total: estimate.at_rows.as_ref().map(|s| s.total_bytes() as f64),
        risks: Vec::new(),
        findings,
        charts: Vec::new(),
    }
}

/// The limits a table reaches at some date: each key's maximum, then the table size limit.
fn table_risks(name: &str, capacity: &TableCapacity, price: &Price, last_horizon: Option<f64>) -> Vec<Risk> {
    let mut risks = Vec::new();
    for key in capacity.exhaustion.iter().filter(|key| key.crossing.at.is_some()) {
        risks.push(Risk {
            subject: format!("{name}.{}", key.column),
            what: format!("({}) reaches its maximum, {}", key.type_name, human_count(key.limit)),
            crossing: key.crossing,
            soon: within(&key.crossing, last_horizon),
        });
    }
    if let Some(crossing) = capacity.size_crossing.filter(|c| c.at.is_some()) {
        risks.push(Risk {
            subject: name.to_owned(),
            what: format!("passes the {} GiB table size limit", price.table_size_gib),
            crossing,
            soon: within(&crossing, last_horizon),
        });
    }
    risks
}

/// The risks sorted soonest first (stably), with each table's references to them renumbered.
fn soonest_first(risks: Vec<Risk>, tables: &mut [TableFacts]) -> Vec<Risk> {
    let mut risk_order: Vec<usize> = (0..risks.len()).collect();
    risk_order.sort_by(|a, b| risks[*a].at().total_cmp(&risks[*b].at()));
    let mut new_position = vec![0; risks.len()];
    for (position, &old) in risk_order.iter().enumerate() {
        new_position[old] = position;
    }
    for facts in tables {
        for risk in &mut facts.risks {
            *risk = new_position[*risk];
        }
        facts.risks.sort_unstable();
    }
    let mut slots: Vec<Option<Risk>> = risks.into_iter().map(Some).collect();
    risk_order.iter().filter_map(|&i| slots[i].take()).collect()
}

/// What one top table's charts are drawn from.
struct TableCharts<'a> {
    timeline: Timeline,
    analysis: &'a Analysis,
    series: Option<&'a StatsSeries>,
    index: usize,
    capacity: &'a TableCapacity,
    price: &'a Price,
}

impl TableCharts<'_> {
    /// Rows (when projected), size, then each narrow key's position, with file stems unique
    /// among `used_stems`.
    fn charts(&self, name: &str, used_stems: &mut HashSet<String>) -> Vec<NamedChart> {
        let stem = unique_stem(name, used_stems);
        let mut charts = Vec::new();
        if let Some(rows) = &self.capacity.rows {
            let history = self.table_series().map(|t| points(&t.rows)).unwrap_or_default();
            let chart = series_chart(self.timeline, format!("{name}: rows"), Unit::Rows, history, rows, Vec::new());
            charts.push(NamedChart { stem: format!("{stem}-rows"), chart: Chart::Series(chart) });
        }
        charts.push(NamedChart { stem: format!("{stem}-bytes"), chart: Chart::Series(self.bytes(name)) });
        for key in &self.capacity.exhaustion {
            let key_stem = unique_stem(&format!("{stem}-key-{}", ascii_stem(&key.column)), used_stems);
            charts.push(NamedChart { stem: key_stem, chart: Chart::Series(self.key(name, key)) });
        }
        charts
    }

    fn table_series(&self) -> Option<&TableSeries> {
        let table = &self.analysis.schema.tables()[self.index];
        self.series.and_then(|s| s.table(&table.name.schema, &table.name.name))
    }

    fn bytes(&self, name: &str) -> SeriesChart {
        let history = self.table_series().map(|t| points(&t.bytes)).unwrap_or_default();
        // The size limit is drawn only when the forecast reaches it: a line at 100 GiB
        // under a 2 MiB table says nothing.
        let limits: Vec<Limit> = self
            .capacity
            .size_crossing
            .and_then(|c| c.at)
            .map(|at| Limit {
                label: format!("{} GiB table limit", self.price.table_size_gib),
                value: self.price.table_size_gib * GIB,
                crossed_at: Some(at),
            })
            .into_iter()
            .collect();
        bytes_chart(self.timeline, format!("{name}: size"), history, self.capacity, limits)
    }

    /// The key's position over its history (the sequence's, or the column's maximum) and
    /// forecast, against the type's maximum.
    fn key(&self, name: &str, key: &KeyExhaustion) -> SeriesChart {
        let table = &self.analysis.schema.tables()[self.index];
        let history = match &key.source {
            KeySource::Sequence(sequence) => self
                .series
                .and_then(|s| {
                    let (schema, name) = sequence.rsplit_once('.').unwrap_or(("", sequence));
                    s.sequence(schema, name).or_else(|| s.sequence(&table.name.schema, name))
                })
                .map(|s| points(&s.last_values)),
            KeySource::ColumnMax => self
                .series
                .and_then(|s| s.key_column(&table.name.schema, &table.name.name, &key.column))
                .map(|c| points(&c.max)),
        }
        .unwrap_or_default();
        let limits = vec![Limit {
            label: format!("{} max {}", key.type_name, human_count(key.limit)),
            value: key.limit,
            crossed_at: key.crossing.at,
        }];
        let title = format!("{name}.{}: key position", key.column);
        series_chart(self.timeline, title, Unit::Rows, history, &key.forecast, limits)
    }
}

/// Measured heap, TOAST and indexes of the biggest tables, when any size was measured.
fn breakdown_chart(tables: &[TableFacts], by_size: &[usize], top: usize) -> Option<NamedChart> {
    let breakdown: Vec<BreakdownBar> = by_size
        .iter()
        .take(top.clamp(1, BREAKDOWN_TABLES))
        .filter_map(|&i| {
            let t = &tables[i];
            let measured = t.measured.as_ref()?;
            Some(BreakdownBar {
                name: t.name.clone(),
                heap: measured.heap,
                toast: measured.toast,
                index: measured.index,
                estimated_total: t.estimated_total,
            })
        })
        .collect();
    (!breakdown.is_empty()).then(|| NamedChart {
        stem: "storage-breakdown".to_owned(),
        chart: Chart::Breakdown(BreakdownChart {
            title: "Storage of the biggest tables: measured heap, TOAST and indexes".to_owned(),
            tables: breakdown,
        }),
    })
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn measured_total(table: &TableFacts) -> f64 {
    table.measured.as_ref().map_or(0.0, |m| m.total)
}

/// Where the charts' projections run: from the origin to the last horizon.
#[derive(Clone, Copy)]
struct Timeline {
    origin: f64,
    end: f64,
    /// "last snapshot", or "today" without a history.
    origin_label: &'static str,
}

fn points(points: &[Point]) -> Vec<(f64, f64)> {
    points.iter().map(|p| (p.day, p.value)).collect()
}

fn sample_days(origin: f64, end: f64) -> Vec<f64> {
    if end <= origin {
        return vec![origin];
    }
    (0..=PROJECTION_SAMPLES).map(|i| origin + (end - origin) * i as f64 / PROJECTION_SAMPLES as f64).collect()
}

fn projected(day: f64, band: schemacast_lints::forecast::Band) -> Projected {
    Projected { day, value: band.value, bands: band.interval.map(|i| (i.low80, i.high80, i.low95, i.high95)) }
}

fn history_note(forecast: &Forecast) -> Option<String> {
    if forecast.is_planned() {
        return Some("planned (annotation): projected from the plan, no interval".to_owned());
    }
    (!forecast.has_enough_history()).then(|| {
        format!(
            "not enough history: {} snapshot{} (a fit needs 3); flat projection",
            forecast.points,
            if forecast.points == 1 { "" } else { "s" }
        )
    })
}

fn series_chart(
    timeline: Timeline,
    title: String,
    unit: Unit,
    history: Vec<(f64, f64)>,
    forecast: &Forecast,
    limits: Vec<Limit>,
) -> SeriesChart {
    let Timeline { origin, end, origin_label } = timeline;
    SeriesChart {
        title,
        unit,
        history,
        projection: sample_days(origin, end).into_iter().map(|day| projected(day, forecast.at(day))).collect(),
        origin,
        origin_label,
        limits,
        note: history_note(forecast),
    }
}

fn bytes_chart(
    timeline: Timeline,
    title: String,
    history: Vec<(f64, f64)>,
    capacity: &TableCapacity,
    limits: Vec<Limit>,
) -> SeriesChart {
    let Timeline { origin, end, origin_label } = timeline;
    SeriesChart {
        title,
        unit: Unit::Bytes,
        history,
        projection: sample_days(origin, end).into_iter().map(|day| projected(day, capacity.bytes_at(day))).collect(),
        origin,
        origin_label,
        limits,
        note: capacity.rows.as_deref().and_then(history_note),
    }
}

/// The total over history and projection, one layer per top table and "others".
fn stacked_chart(
    timeline: Timeline,
    analysis: &Analysis,
    series: Option<&StatsSeries>,
    order: &[usize],
    projected_positions: &[usize],
    price: &Price,
) -> Option<StackedChart> {
    let Timeline { origin, end, origin_label } = timeline;
    let plan = &analysis.capacity;
    if projected_positions.is_empty() {
        return None;
    }
    let history_days: Vec<f64> =
        series.map(|s| s.snapshot_days.iter().copied().filter(|d| *d < origin).collect()).unwrap_or_default();
    let projection_days = sample_days(origin, end);
    let days: Vec<f64> = history_days.iter().chain(&projection_days).copied().collect();
    let layer_of = |index: usize| -> Vec<f64> {
        let table = &analysis.schema.tables()[index];
        let Some(capacity) = plan.table(index) else {
            return vec![0.0; days.len()];
        };
        let measured = series
            .and_then(|s| s.table(&table.name.schema, &table.name.name))
            .map(|t| t.bytes.as_slice())
            .unwrap_or_default();
        let mut values = Vec::with_capacity(days.len());
        let mut cursor = 0;
        for &day in &history_days {
            while cursor < measured.len() && measured[cursor].day < day {
                cursor += 1;
            }
            values.push(match measured.get(cursor) {
                Some(point) if point.day == day => point.value,
                _ => 0.0,
            });
        }
        values.extend(projection_days.iter().map(|&day| capacity.bytes_at(day).value));
        values
    };
    // One table left over is drawn as itself rather than as "1 other table".
    let drawn =
        if projected_positions.len() <= STACKED_LAYERS + 1 { projected_positions.len() } else { STACKED_LAYERS };
    let mut layers: Vec<(String, Vec<f64>)> = Vec::with_capacity(drawn + 1);
    for &position in &projected_positions[..drawn] {
        let index = order[position];
        layers.push((analysis.schema.tables()[index].name.to_string(), layer_of(index)));
    }
    if projected_positions.len() > drawn {
        let mut others = vec![0.0; days.len()];
        for &position in &projected_positions[drawn..] {
            for (sum, value) in others.iter_mut().zip(layer_of(order[position])) {
                *sum += value;
            }
        }
        layers.push((format!("{} other tables", projected_positions.len() - drawn), others));
    }
    // The fastest growers go on top, where their slope is visible against the others.
    layers[..drawn].reverse();
    if layers.len() > drawn {
        let others = layers.pop();
        layers.splice(0..0, others);
    }
    Some(StackedChart {
        title: "Database size: history and forecast by table".to_owned(),
        days,
        layers,
        origin,
        origin_label,
        budget: price.budget_gib.map(|gib| Limit {
            label: format!("{gib} GiB budget"),
            value: gib * GIB,
            crossed_at: plan.total.budget_crossing.and_then(|c| c.at),
        }),
    })
}

/// Findings per table, by rule: those whose range lies in the table's `CREATE TABLE`.
fn findings_by_table(analysis: &Analysis) -> BTreeMap<usize, BTreeMap<&'static str, usize>> {
    let mut by_table: BTreeMap<usize, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for diagnostic in &analysis.diagnostics {
        let location = diagnostic.location;
        let owner = analysis.schema.tables().iter().position(|table| {
            table.statement.file == location.file
                && table.statement.range.start <= location.range.start
                && location.range.end <= table.statement.end_with_terminator.max(table.statement.range.end)
        });
        if let Some(index) = owner {
            *by_table.entry(index).or_default().entry(diagnostic.rule).or_default() += 1;
        }
    }
    by_table
}

fn lint_summary(analysis: &Analysis) -> LintSummary {
    let mut counts: BTreeMap<&'static str, (Severity, usize)> = BTreeMap::new();
    for diagnostic in &analysis.diagnostics {
        let entry = counts.entry(diagnostic.rule).or_insert((diagnostic.severity, 0));
        entry.0 = entry.0.max(diagnostic.severity);
        entry.1 += 1;
    }
    let mut by_rule: Vec<RuleCount> = counts
        .into_iter()
        .map(|(name, (severity, count))| {
            let info = rule(name);
            RuleCount {
                rule: name,
                severity,
                count,
                summary: info.as_ref().map(|i| i.summary()).unwrap_or_default(),
                docs: info.map(|i| i.docs),
            }
        })
        .collect();
    by_rule.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.count.cmp(&a.count)));
    LintSummary { total: analysis.diagnostics.len(), by_rule }
}

/// A file name from a table name: ASCII letters, digits, `-` and `_` only.
fn ascii_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .take(60)
        .collect();
    let stem = stem.trim_matches('-').to_owned();
    if stem.is_empty() {
        "table".to_owned()
    } else {
        stem
    }
}

fn unique_stem(name: &str, used: &mut HashSet<String>) -> String {
    let base = ascii_stem(name);
    let mut stem = base.clone();
    let mut n = 2;
    while !used.insert(stem.clone()) {
        stem = format!("{base}-{n}");
        n += 1;
    }
    stem
}

/// "1.2 GiB" for a measured or projected size, "–" when unknown.
pub(crate) fn bytes_or_dash(bytes: Option<f64>) -> String {
    bytes.map_or_else(|| "–".to_owned(), human_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_ascii_and_unique() {
        let mut used = std::collections::HashSet::new();
        assert_eq!(unique_stem("public.orders", &mut used), "public-orders");
        assert_eq!(unique_stem("public.orders", &mut used), "public-orders-2");
        assert_eq!(unique_stem("<script>alert(1)</script>", &mut used), "script-alert-1---script");
        assert_eq!(unique_stem("\"ä\"", &mut used), "table");
    }

    #[test]
    fn projection_samples_span_origin_to_end() {
        let days = sample_days(100.0, 200.0);
        assert_eq!(days.len(), PROJECTION_SAMPLES + 1);
        assert_eq!(days[0], 100.0);
        assert_eq!(*days.last().unwrap(), 200.0);
        assert_eq!(sample_days(100.0, 100.0), vec![100.0]);
    }
}
