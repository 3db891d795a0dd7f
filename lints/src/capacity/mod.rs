//! Capacity: each table's rows, bytes and cost at the configured horizons, when its keys run
//! out, and the database's total, from the stats history's forecasts (or a planning
//! annotation) and the storage estimator.
//!
//! Bytes: the estimator prices each row the forecast adds (so a type change in the DDL changes
//! the projection) on top of the size measured now. The measured bytes history is forecast too,
//! as a cross-check; when its growth disagrees with the estimate's by more than
//! [`BYTES_DISAGREEMENT`] (bloat, TOAST growth from updates, a wrong sampled width), the
//! measured history drives and the projection says so.

mod horizon;
mod keys;

use crate::forecast::{crossing_of, Band, Crossing, Edge, Forecast, Interval, DAYS_PER_MONTH};
use crate::rules::{rows_now, RowSource};
use crate::schema::{Schema, Table};
use crate::stats::{AttachedStats, StatsSeries};
use crate::storage::{estimate_table, SizeModel};

pub use horizon::{date_of, month_of, Horizon};
pub use keys::{narrow_integer_key, KeyExhaustion, KeySource, NarrowKey};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Relative difference between the measured and the estimated bytes growth above which the
/// measured history drives the bytes projection.
pub const BYTES_DISAGREEMENT: f64 = 0.25;

/// `[capacity]` in schemacast.toml.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacitySettings {
    pub horizons: Vec<Horizon>,
    /// Storage price per GiB and month. `None`: the documented example figure is used and
    /// output says it is an example.
    pub price_per_gib_month: Option<f64>,
    /// Full copies of the data: the primary plus replicas.
    pub copies: f64,
    /// Backup storage as a multiple of the database's size (retention × what each backup keeps).
    pub backup_retention_factor: f64,
    /// The database's storage budget; `storage-budget` reports when it is passed.
    pub budget_gib: Option<f64>,
    /// The size `table-growth` reports a table passing.
    pub table_size_gib: f64,
}

/// The example price used when none is configured: block storage of a managed PostgreSQL
/// (gp3 on Amazon RDS, us-east-1, as published in 2025). An example, not a quote.
pub const EXAMPLE_PRICE_PER_GIB_MONTH: f64 = 0.115;

impl Default for CapacitySettings {
    fn default() -> Self {
        CapacitySettings {
            horizons: vec![Horizon::Months(3), Horizon::Months(6), Horizon::Months(12)],
            price_per_gib_month: None,
            copies: 1.0,
            backup_retention_factor: 0.0,
            budget_gib: None,
            table_size_gib: 100.0,
        }
    }
}

impl CapacitySettings {
    pub fn price(&self) -> f64 {
        self.price_per_gib_month.unwrap_or(EXAMPLE_PRICE_PER_GIB_MONTH)
    }

    pub fn price_is_example(&self) -> bool {
        self.price_per_gib_month.is_none()
    }

    /// What `bytes` cost per month, copies and backups included.
    pub fn cost_per_month(&self, bytes: f64) -> f64 {
        bytes.max(0.0) / GIB * self.price() * (self.copies + self.backup_retention_factor)
    }
}

/// Which history the bytes projection follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BytesSource {
    /// Rows forecast × the estimator's bytes per row, anchored on the measured size.
    Estimate,
    /// The measured bytes history's own forecast: it disagrees with the estimate.
    Measured,
}

impl BytesSource {
    pub fn name(self) -> &'static str {
        match self {
            BytesSource::Estimate => "estimate",
            BytesSource::Measured => "measured",
        }
    }
}

/// One horizon of one table (or of the total).
#[derive(Clone, Debug, PartialEq)]
pub struct HorizonProjection {
    pub horizon: Horizon,
    /// Days since the epoch.
    pub day: f64,
    pub rows: Option<Band>,
    pub bytes: Band,
    pub cost_per_month: f64,
}

/// A table's capacity.
#[derive(Clone, Debug)]
pub struct TableCapacity {
    pub rows_now: Option<(f64, RowSource)>,
    pub bytes_now: f64,
    /// True when `bytes_now` was measured, not estimated.
    pub bytes_measured: bool,
    /// Boxed, as is `measured_bytes`: most tables have neither, and a plan holds one
    /// `TableCapacity` per table.
    pub rows: Option<Box<Forecast>>,
    /// The measured bytes history's forecast (the cross-check).
    pub measured_bytes: Option<Box<Forecast>>,
    pub bytes_source: BytesSource,
    /// Bytes per day at the origin: the estimate's and the measured history's.
    pub estimated_bytes_per_day: Option<f64>,
    pub measured_bytes_per_day: Option<f64>,
    pub horizons: Vec<HorizonProjection>,
    pub exhaustion: Vec<KeyExhaustion>,
    /// When the table passes `table_size_gib`.
    pub size_crossing: Option<Crossing>,
    size: SizeModel,
    offset: f64,
}

impl TableCapacity {
    /// Bytes at `day`, with intervals, from whichever source drives.
    pub fn bytes_at(&self, day: f64) -> Band {
        match (self.bytes_source, &self.measured_bytes, &self.rows) {
            (BytesSource::Measured, Some(forecast), _) => forecast.at(day),
            (_, _, Some(rows)) => self.bytes_of_rows(rows.at(day)),
            _ => Band { value: self.bytes_now, interval: None },
        }
    }

    /// One edge of the bytes band at `day`, for crossing searches.
    pub fn bytes_edge_at(&self, day: f64, edge: Edge) -> f64 {
        match (self.bytes_source, &self.measured_bytes, &self.rows) {
            (BytesSource::Measured, Some(forecast), _) => forecast.edge_at(day, edge),
            (_, _, Some(rows)) => self.bytes_of(rows.edge_at(day, edge)),
            _ => self.bytes_now,
        }
    }

    fn bytes_of(&self, rows: f64) -> f64 {
        (self.size.sizes_at(rows).total_bytes() as f64 + self.offset).max(0.0)
    }

    /// Rows mapped through the estimator (monotone, so bounds map to bounds).
    fn bytes_of_rows(&self, rows: Band) -> Band {
        let bytes = |r: f64| self.bytes_of(r);
        Band {
            value: bytes(rows.value),
            interval: rows.interval.map(|i| Interval {
                low80: bytes(i.low80),
                high80: bytes(i.high80),
                low95: bytes(i.low95),
                high95: bytes(i.high95),
            }),
        }
    }

    /// Bytes added per day at the origin by the source that drives.
    pub fn bytes_per_day(&self) -> f64 {
        match self.bytes_source {
            BytesSource::Measured => self.measured_bytes_per_day.unwrap_or(0.0),
            BytesSource::Estimate => self.estimated_bytes_per_day.or(self.measured_bytes_per_day).unwrap_or(0.0),
        }
    }

    /// The model behind the rows projection, or `none`.
    pub fn model_name(&self) -> &'static str {
        self.rows.as_deref().map_or("none", Forecast::model_name)
    }

    pub fn is_planned(&self) -> bool {
        self.rows.as_deref().is_some_and(Forecast::is_planned)
    }
}

/// The whole database.
#[derive(Clone, Debug, Default)]
pub struct TotalCapacity {
    /// Rows of the tables whose row count is known.
    pub rows_now: f64,
    pub bytes_now: f64,
    pub cost_now: f64,
    pub horizons: Vec<HorizonProjection>,
    /// When the total passes `budget_gib`.
    pub budget_crossing: Option<Crossing>,
    /// The table whose bytes grow fastest: `storage-budget` reports there.
    pub fastest_grower: Option<usize>,
}

/// Every table's capacity, by its index in [`Schema::tables`]; `None` for a table with neither
/// stats nor a planning annotation (nothing to project; its row size is still estimated).
#[derive(Clone, Debug, Default)]
pub struct CapacityPlan {
    /// Where horizons count from: the last snapshot, else today.
    pub origin: Option<f64>,
    pub settings: CapacitySettings,
    pub tables: Vec<Option<TableCapacity>>,
    pub total: TotalCapacity,
}

impl CapacityPlan {
    pub fn table(&self, index: usize) -> Option<&TableCapacity> {
        self.tables.get(index).and_then(Option::as_ref)
    }

    /// Days since the epoch of each horizon.
    pub fn horizon_days(&self) -> Vec<(Horizon, f64)> {
        let Some(origin) = self.origin else { return Vec::new() };
        self.settings.horizons.iter().map(|h| (*h, h.day_after(origin))).collect()
    }

    /// The last horizon's day: the window capacity rules look into.
    pub fn last_horizon_day(&self) -> Option<f64> {
        self.horizon_days().iter().map(|(_, d)| *d).reduce(f64::max)
    }
}

/// Plans every table of `schema`. `series` is the stats history (rows, bytes, sequences over
/// time); `stats` its latest snapshot matched to the schema; `today` (days since the epoch) is
/// where a schema without history starts its horizons.
pub fn plan(
    schema: &Schema,
    stats: Option<&AttachedStats>,
    series: Option<&StatsSeries>,
    settings: &CapacitySettings,
    today: Option<f64>,
) -> CapacityPlan {
    let origin = series
        .and_then(StatsSeries::last_day)
        .or_else(|| stats.map(|s| crate::stats::day_of(s.snapshot.taken_at)))
        .or(today);
    let mut plan =
        CapacityPlan { origin, settings: settings.clone(), tables: Vec::new(), total: TotalCapacity::default() };
    let horizons = plan.horizon_days();
    let size_limit = settings.table_size_gib * GIB;
    let project = |table: &Table| {
        // Sizing a table costs a layout; one with neither stats nor a plan has nothing to project.
        let known = stats.and_then(|s| s.for_table(&table.name)).is_some() || table.plan.is_some();
        (!table.temporary && known)
            .then(|| table_capacity(schema, table, stats, series, settings, origin, &horizons, size_limit))
            .filter(|c| c.rows.is_some() || c.bytes_measured || c.measured_bytes.is_some())
    };
    let tables = schema.tables();
    // Fitting thousands of histories is worth both cores; a handful is not worth a thread.
    plan.tables = crate::halves::in_halves(tables, 64, |_, tables| tables.iter().map(project).collect());
    plan.total = total(schema, &plan, &horizons);
    plan
}

#[allow(clippy::too_many_arguments)]
fn table_capacity(
    schema: &Schema,
    table: &Table,
    stats: Option<&AttachedStats>,
    series: Option<&StatsSeries>,
    settings: &CapacitySettings,
    origin: Option<f64>,
    horizons: &[(Horizon, f64)],
    size_limit: f64,
) -> TableCapacity {
    let table_stats = stats.and_then(|s| s.for_table(&table.name));
    let rows_now = rows_now(table, stats);
    let estimate = estimate_table(schema, table, rows_now.map(|(r, _)| r), table_stats);
    let history = table_stats.and_then(|t| series.and_then(|s| s.table(&t.schema, &t.name)));

    let rows = match (history.filter(|h| !h.rows.is_empty()), rows_now, origin) {
        (Some(history), _, _) => history.rows_forecast().cloned(),
        (None, Some((rows, RowSource::Annotation)), Some(origin)) => {
            Some(Forecast::planned(rows, origin, table.plan.as_ref().and_then(|p| p.growth)))
        }
        (None, Some((rows, RowSource::Stats)), Some(origin)) => {
            // A single snapshot without a history: one point.
            Forecast::from_history(&[crate::forecast::Point { day: origin, value: rows }])
        }
        _ => None,
    };
    let measured_now = table_stats.and_then(|t| t.total_bytes).map(|b| b as f64);
    let estimated_now = estimate.at_rows.as_ref().map_or(0.0, |s| s.total_bytes() as f64);
    let bytes_now = measured_now.unwrap_or(estimated_now);
    let measured_bytes = history.and_then(|h| h.bytes_forecast()).cloned();

    let mut capacity = TableCapacity {
        rows_now,
        bytes_now,
        bytes_measured: measured_now.is_some(),
        measured_bytes_per_day: measured_bytes.as_ref().filter(|f| f.has_enough_history()).map(|f| f.growth_per_day),
        measured_bytes: measured_bytes.map(Box::new),
        rows: rows.map(Box::new),
        bytes_source: BytesSource::Estimate,
        estimated_bytes_per_day: None,
        horizons: Vec::new(),
        exhaustion: Vec::new(),
        size_crossing: None,
        offset: match (measured_now, &estimate.at_rows) {
            (Some(measured), Some(_)) => measured - estimated_now,
            _ => 0.0,
        },
        size: estimate.model,
    };
    if let (Some(rows), Some((now, _))) = (&capacity.rows, rows_now) {
        let month_later = now + rows.growth_per_day * DAYS_PER_MONTH;
        let per_month =
            capacity.size.sizes_at(month_later).total_bytes() as f64 - capacity.size.sizes_at(now).total_bytes() as f64;
        capacity.estimated_bytes_per_day = Some(per_month / DAYS_PER_MONTH);
    }
    capacity.bytes_source = choose_bytes_source(&capacity);
    capacity.horizons = horizons
        .iter()
        .map(|&(horizon, day)| {
            let bytes = capacity.bytes_at(day);
            HorizonProjection {
                horizon,
                day,
                rows: capacity.rows.as_ref().map(|r| r.at(day)),
                cost_per_month: settings.cost_per_month(bytes.value),
                bytes,
            }
        })
        .collect();
    if let Some(origin) = origin {
        if capacity.rows.is_some() || capacity.measured_bytes.is_some() {
            capacity.size_crossing =
                Some(crossing_of(origin, size_limit, |day, edge| capacity.bytes_edge_at(day, edge)));
        }
    }
    capacity.exhaustion = keys::exhaustion(schema, table, stats, series);
    capacity
}

fn choose_bytes_source(capacity: &TableCapacity) -> BytesSource {
    let measured_ok = capacity.measured_bytes.as_deref().is_some_and(Forecast::has_enough_history);
    let rows_ok = capacity.rows.as_ref().is_some_and(|r| r.has_enough_history() || r.is_planned());
    match (measured_ok, rows_ok, capacity.measured_bytes_per_day, capacity.estimated_bytes_per_day) {
        (true, false, _, _) => BytesSource::Measured,
        (true, true, Some(measured), Some(estimated)) => {
            let scale = measured.abs().max(estimated.abs());
            // Growth under a page a day is noise, not a disagreement.
            if scale > 8192.0 && (measured - estimated).abs() > BYTES_DISAGREEMENT * scale {
                BytesSource::Measured
            } else {
                BytesSource::Estimate
            }
        }
        _ => BytesSource::Estimate,
    }
}

/// Sums the tables at each horizon. A partition is left out when its parent is in the schema
/// (collect reports the parent with its partitions' sums). The intervals add in quadrature,
/// which assumes tables' deviations are independent.
fn total(schema: &Schema, plan: &CapacityPlan, horizons: &[(Horizon, f64)]) -> TotalCapacity {
    let counted: Vec<usize> = schema
        .tables()
        .iter()
        .enumerate()
        .filter(|(_, t)| t.partition_of.as_ref().is_none_or(|parent| schema.table(parent).is_none()))
        .filter(|(i, _)| plan.table(*i).is_some())
        .map(|(i, _)| i)
        .collect();
    let at = |day: f64| sum_bands(counted.iter().filter_map(|&i| plan.table(i)).map(|t| t.bytes_at(day)));
    let bytes_now: f64 = counted.iter().filter_map(|&i| plan.table(i)).map(|t| t.bytes_now).sum();
    let rows_at = |day: f64| sum_bands(counted.iter().filter_map(|&i| plan.table(i)?.rows.as_ref()).map(|f| f.at(day)));
    let mut total = TotalCapacity {
        rows_now: counted.iter().filter_map(|&i| plan.table(i)?.rows_now).map(|(r, _)| r).sum(),
        bytes_now,
        cost_now: plan.settings.cost_per_month(bytes_now),
        fastest_grower: counted
            .iter()
            .filter_map(|&i| plan.table(i).map(|t| (i, t.bytes_per_day())))
            .filter(|(_, growth)| *growth > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i),
        ..TotalCapacity::default()
    };
    total.horizons = horizons
        .iter()
        .map(|&(horizon, day)| {
            let bytes = at(day);
            HorizonProjection {
                horizon,
                day,
                rows: Some(rows_at(day)),
                cost_per_month: plan.settings.cost_per_month(bytes.value),
                bytes,
            }
        })
        .collect();
    if let (Some(budget), Some(origin)) = (plan.settings.budget_gib, plan.origin) {
        // The total's edges: values add; the 80% half-widths add in quadrature, as above.
        let tables: Vec<&TableCapacity> = counted.iter().filter_map(|&i| plan.table(i)).collect();
        let edge = |day: f64, edge: Edge| {
            let mut value = 0.0;
            let mut squares = 0.0;
            for table in &tables {
                let center = table.bytes_edge_at(day, Edge::Value);
                value += center;
                if edge != Edge::Value {
                    squares += (table.bytes_edge_at(day, edge) - center).powi(2);
                }
            }
            match edge {
                Edge::Value => value,
                Edge::High80 => value + squares.sqrt(),
                Edge::Low80 => (value - squares.sqrt()).max(0.0),
            }
        };
        total.budget_crossing = Some(crossing_of(origin, budget * GIB, edge));
    }
    total
}

fn sum_bands(bands: impl Iterator<Item = Band>) -> Band {
    let mut value = 0.0;
    let mut squares = [0.0f64; 4];
    let mut any_interval = false;
    for band in bands {
        value += band.value;
        if let Some(i) = band.interval {
            any_interval = true;
            for (slot, width) in squares.iter_mut().zip([
                band.value - i.low80,
                i.high80 - band.value,
                band.value - i.low95,
                i.high95 - band.value,
            ]) {
                *slot += width.max(0.0).powi(2);
            }
        }
    }
    let [low80, high80, low95, high95] = squares.map(f64::sqrt);
    Band {
        value,
        interval: any_interval.then(|| Interval {
            low80: (value - low80).max(0.0),
            high80: value + high80,
            low95: (value - low95).max(0.0),
            high95: value + high95,
        }),
    }
}

/// "2027-03-02 (80% interval 2027-01-20 .. 2027-04-30)"; `None` when the point never crosses.
pub fn describe_crossing(crossing: &Crossing) -> Option<String> {
    let at = date_of(crossing.at?);
    Some(match (crossing.at_low, crossing.at_high) {
        (Some(low), Some(high)) if low != high => format!("{at} (80% interval {} .. {})", date_of(low), date_of(high)),
        (Some(low), None) => format!("{at} (80% interval {} .. more than 100 years)", date_of(low)),
        _ => at,
    })
}

/// `45.0M (44.1M–45.9M)`, or `3.3M ±0.2%` when the bounds would print alike; a plan's value
/// alone.
pub fn format_band(band: &Band, show: impl Fn(f64) -> String) -> String {
    match band.interval {
        Some(i) if show(i.low80) == show(i.high80) && band.value.abs() > 0.0 => {
            let percent = (i.high80 - i.low80) / 2.0 / band.value.abs() * 100.0;
            if percent < 0.05 {
                format!("{} ±<0.1%", show(band.value))
            } else {
                format!("{} ±{percent:.1}%", show(band.value))
            }
        }
        Some(i) => format!("{} ({}–{})", show(band.value), show(i.low80), show(i.high80)),
        None => show(band.value),
    }
}
