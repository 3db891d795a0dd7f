//! `forecast --format json`: the document as typed structs, serialised once. Field order is the
//! output's key order, and `Option` fields print `null`; docs/forecast.md is the contract.

use schemacast_lints::capacity::{date_of, CapacityPlan, HorizonProjection, KeyExhaustion, KeySource, TableCapacity};
use schemacast_lints::dialect::DialectChoice;
use schemacast_lints::forecast::{Band, Crossing, Forecast};
use schemacast_lints::storage::{estimate_table, IndexFill, TableEstimate};
use schemacast_lints::{Analysis, Dialect};
use serde::Serialize;

use super::{round, round_cost};

#[derive(Serialize)]
pub(super) struct ForecastDocument<'a> {
    version: u32,
    dialect: &'static str,
    dialect_source: &'static str,
    dialect_reason: &'a str,
    origin: Option<String>,
    snapshots: usize,
    price: PriceJson,
    tables: Vec<TableJson<'a>>,
    total: TotalJson,
}

impl<'a> ForecastDocument<'a> {
    pub(super) fn new(
        analysis: &'a Analysis,
        selected: &[usize],
        dialect: Dialect,
        dialect_choice: &'a DialectChoice,
        snapshots: usize,
    ) -> Self {
        let plan = &analysis.capacity;
        ForecastDocument {
            version: 1,
            dialect: dialect.name(),
            dialect_source: dialect_choice.source.name(),
            dialect_reason: &dialect_choice.reason,
            origin: plan.origin.map(date_of),
            snapshots,
            price: PriceJson::new(plan),
            tables: selected.iter().map(|&index| TableJson::new(analysis, index)).collect(),
            total: TotalJson::new(plan),
        }
    }

    /// Pretty-printed, with the final newline.
    pub(super) fn to_text(&self) -> anyhow::Result<String> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }
}

#[derive(Serialize)]
struct PriceJson {
    per_gib_month: f64,
    example: bool,
    copies: f64,
    backup_retention_factor: f64,
}

impl PriceJson {
    fn new(plan: &CapacityPlan) -> Self {
        let settings = &plan.settings;
        PriceJson {
            per_gib_month: settings.price(),
            example: settings.price_is_example(),
            copies: settings.copies,
            backup_retention_factor: settings.backup_retention_factor,
        }
    }
}

/// A limit's crossing dates, flattened into the object that names the limit.
#[derive(Serialize)]
struct CrossingJson {
    at: Option<String>,
    at_low: Option<String>,
    at_high: Option<String>,
}

impl CrossingJson {
    fn new(crossing: &Crossing) -> Self {
        CrossingJson {
            at: crossing.at.map(date_of),
            at_low: crossing.at_low.map(date_of),
            at_high: crossing.at_high.map(date_of),
        }
    }
}

/// A band's value and its 80% and 95% bounds, rounded to whole rows or bytes.
struct BandJson {
    value: f64,
    low: Option<f64>,
    high: Option<f64>,
    low95: Option<f64>,
    high95: Option<f64>,
}

impl BandJson {
    fn new(band: &Band) -> Self {
        let interval = band.interval;
        BandJson {
            value: band.value.round(),
            low: interval.map(|i| i.low80.round()),
            high: interval.map(|i| i.high80.round()),
            low95: interval.map(|i| i.low95.round()),
            high95: interval.map(|i| i.high95.round()),
        }
    }
}

#[derive(Serialize)]
struct HorizonJson {
    horizon: String,
    at: String,
    /// `null`, like its bounds, when only bytes are projected.
    rows: Option<f64>,
    rows_low: Option<f64>,
    rows_high: Option<f64>,
    rows_low95: Option<f64>,
    rows_high95: Option<f64>,
    bytes: f64,
    bytes_low: Option<f64>,
    bytes_high: Option<f64>,
    bytes_low95: Option<f64>,
    bytes_high95: Option<f64>,
    cost_per_month: f64,
}

impl HorizonJson {
    fn new(projection: &HorizonProjection) -> Self {
        let rows = projection.rows.as_ref().map(BandJson::new);
        let bytes = BandJson::new(&projection.bytes);
        HorizonJson {
            horizon: projection.horizon.to_string(),
            at: date_of(projection.day),
            rows: rows.as_ref().map(|r| r.value),
            rows_low: rows.as_ref().and_then(|r| r.low),
            rows_high: rows.as_ref().and_then(|r| r.high),
            rows_low95: rows.as_ref().and_then(|r| r.low95),
            rows_high95: rows.as_ref().and_then(|r| r.high95),
            bytes: bytes.value,
            bytes_low: bytes.low,
            bytes_high: bytes.high,
            bytes_low95: bytes.low95,
            bytes_high95: bytes.high95,
            cost_per_month: round_cost(projection.cost_per_month),
        }
    }

    fn all(projections: &[HorizonProjection]) -> Vec<Self> {
        projections.iter().map(HorizonJson::new).collect()
    }
}

#[derive(Serialize)]
struct TableJson<'a> {
    schema: &'a str,
    name: &'a str,
    row_bytes: f64,
    bytes_per_million_rows: u64,
    rows_now: Option<u64>,
    rows_source: Option<&'static str>,
    estimate: Option<EstimateJson>,
    measured_bytes: Option<u64>,
    measured_ratio: Option<f64>,
    columns: Vec<ColumnJson>,
    model: &'static str,
    /// Absent, not `null`, for a table with nothing to project.
    #[serde(flatten)]
    projection: Option<ProjectionJson>,
    horizons: Vec<HorizonJson>,
    exhaustion: Vec<ExhaustionJson<'a>>,
    /// Absent for a table with nothing to project; `null` when it passes no size limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    size_limit: Option<Option<SizeLimitJson>>,
}

impl<'a> TableJson<'a> {
    fn new(analysis: &'a Analysis, index: usize) -> Self {
        let table = &analysis.schema.tables()[index];
        let table_stats = analysis.stats.as_ref().and_then(|s| s.for_table(&table.name));
        let capacity = analysis.capacity.table(index);
        let rows_now = capacity.and_then(|c| c.rows_now);
        let estimate = estimate_table(&analysis.schema, table, rows_now.map(|(r, _)| r), table_stats);
        let measured = table_stats.and_then(|t| t.total_bytes);
        let measured_ratio = match (measured, estimate.at_rows.as_ref()) {
            (Some(m), Some(e)) if e.total_bytes() > 0 => Some(round(m as f64 / e.total_bytes() as f64 * 100.0) / 100.0),
            _ => None,
        };
        TableJson {
            schema: &table.name.schema,
            name: &table.name.name,
            row_bytes: round(estimate.row_bytes),
            bytes_per_million_rows: estimate.bytes_per_million_rows,
            rows_now: rows_now.map(|(r, _)| r.round() as u64),
            rows_source: rows_now.map(|(_, s)| s.name()),
            estimate: EstimateJson::new(&estimate),
            measured_bytes: measured,
            measured_ratio,
            columns: ColumnJson::all(&estimate),
            model: capacity.map_or("none", TableCapacity::model_name),
            projection: capacity.map(|c| ProjectionJson::new(&analysis.capacity, c)),
            horizons: capacity.map_or_else(Vec::new, |c| HorizonJson::all(&c.horizons)),
            exhaustion: capacity.map_or_else(Vec::new, |c| c.exhaustion.iter().map(ExhaustionJson::new).collect()),
            size_limit: capacity.map(|c| {
                c.size_crossing.map(|crossing| SizeLimitJson {
                    gib: analysis.capacity.settings.table_size_gib,
                    crossing: CrossingJson::new(&crossing),
                })
            }),
        }
    }
}

/// The storage estimate at today's rows. The estimate is computed for this document and dropped
/// with it, so index names are copied out of it.
#[derive(Serialize)]
struct EstimateJson {
    heap_bytes: u64,
    toast_bytes: u64,
    index_bytes: u64,
    total_bytes: u64,
    indexes: Vec<IndexJson>,
}

impl EstimateJson {
    fn new(estimate: &TableEstimate) -> Option<Self> {
        let sizes = estimate.at_rows.as_ref()?;
        Some(EstimateJson {
            heap_bytes: sizes.heap_bytes,
            toast_bytes: sizes.toast_bytes,
            index_bytes: sizes.index_bytes(),
            total_bytes: sizes.total_bytes(),
            indexes: sizes
                .indexes
                .iter()
                .map(|(name, bytes)| IndexJson::new(name.clone(), *bytes, &estimate.index_fills))
                .collect(),
        })
    }
}

#[derive(Serialize)]
struct IndexJson {
    name: String,
    bytes: u64,
    leaf_fill: Option<f64>,
    fill_reason: Option<String>,
}

impl IndexJson {
    fn new(name: String, bytes: u64, fills: &[IndexFill]) -> Self {
        let fill = fills.iter().find(|f| f.name == name);
        IndexJson {
            leaf_fill: fill.map(|f| (f.leaf_fill * 1000.0).round() / 1000.0),
            fill_reason: fill.map(|f| f.reason.clone()),
            name,
            bytes,
        }
    }
}

/// A column's share of the row, copied out of the estimate like the index names.
#[derive(Serialize)]
struct ColumnJson {
    name: String,
    #[serde(rename = "type")]
    type_name: String,
    bytes: f64,
    padding_before: f64,
    null_frac: f64,
    width_source: &'static str,
}

impl ColumnJson {
    fn all(estimate: &TableEstimate) -> Vec<ColumnJson> {
        estimate
            .columns
            .iter()
            .map(|c| ColumnJson {
                name: c.name.clone(),
                type_name: c.type_name.clone(),
                bytes: round(c.bytes),
                padding_before: round(c.padding_before),
                null_frac: c.null_frac,
                width_source: c.source.name(),
            })
            .collect()
    }
}

/// What a projected table adds between its model and its horizons.
#[derive(Serialize)]
struct ProjectionJson {
    growth_per_day: Option<f64>,
    growth_percent_per_month: Option<f64>,
    fit: Option<FitJson>,
    bytes_now: f64,
    bytes_source: &'static str,
    bytes_growth_per_day: f64,
    bytes_check: BytesCheckJson,
    cost_per_month_now: f64,
}

impl ProjectionJson {
    fn new(plan: &CapacityPlan, capacity: &TableCapacity) -> Self {
        let rows = capacity.rows.as_deref();
        ProjectionJson {
            growth_per_day: rows.map(|f| round(f.growth_per_day)),
            growth_percent_per_month: rows.map(|f| (f.percent_per_month * 100.0).round() / 100.0),
            fit: rows.map(FitJson::new),
            bytes_now: capacity.bytes_now.round(),
            bytes_source: capacity.bytes_source.name(),
            bytes_growth_per_day: round(capacity.bytes_per_day()),
            bytes_check: BytesCheckJson {
                estimated_growth_per_day: capacity.estimated_bytes_per_day.map(round),
                measured_growth_per_day: capacity.measured_bytes_per_day.map(round),
            },
            cost_per_month_now: round_cost(plan.settings.cost_per_month(capacity.bytes_now)),
        }
    }
}

#[derive(Serialize)]
struct FitJson {
    points: usize,
    points_in_history: usize,
    enough_history: bool,
    r_squared: Option<f64>,
    residual_percent: Option<f64>,
    reset_at: Option<String>,
    level_shift_at: Option<String>,
    trend_change_at: Option<String>,
    merged_duplicates: usize,
}

impl FitJson {
    fn new(rows: &Forecast) -> Self {
        FitJson {
            points: rows.points,
            points_in_history: rows.points_in_history,
            enough_history: rows.has_enough_history(),
            r_squared: rows.r_squared.map(|r| (r * 10_000.0).round() / 10_000.0),
            residual_percent: rows.residual_percent.map(|r| (r * 1000.0).round() / 1000.0),
            reset_at: rows.reset_at.map(date_of),
            level_shift_at: rows.level_shift_at.map(date_of),
            trend_change_at: rows.trend_change_at.map(date_of),
            merged_duplicates: rows.merged_duplicates,
        }
    }
}

#[derive(Serialize)]
struct BytesCheckJson {
    estimated_growth_per_day: Option<f64>,
    measured_growth_per_day: Option<f64>,
}

#[derive(Serialize)]
struct ExhaustionJson<'a> {
    column: &'a str,
    #[serde(rename = "type")]
    type_name: &'a str,
    limit: f64,
    current: f64,
    source: String,
    model: &'static str,
    growth_per_day: f64,
    #[serde(flatten)]
    crossing: CrossingJson,
}

impl<'a> ExhaustionJson<'a> {
    fn new(key: &'a KeyExhaustion) -> Self {
        ExhaustionJson {
            column: &key.column,
            type_name: &key.type_name,
            limit: key.limit,
            current: key.current,
            source: match &key.source {
                KeySource::Sequence(name) => format!("sequence {name}"),
                KeySource::ColumnMax => "column max".to_owned(),
            },
            model: key.forecast.model_name(),
            growth_per_day: round(key.forecast.growth_per_day),
            crossing: CrossingJson::new(&key.crossing),
        }
    }
}

#[derive(Serialize)]
struct SizeLimitJson {
    gib: f64,
    #[serde(flatten)]
    crossing: CrossingJson,
}

#[derive(Serialize)]
struct TotalJson {
    rows_now: f64,
    bytes_now: f64,
    cost_per_month_now: f64,
    horizons: Vec<HorizonJson>,
    budget: Option<BudgetJson>,
}

impl TotalJson {
    fn new(plan: &CapacityPlan) -> Self {
        let total = &plan.total;
        TotalJson {
            rows_now: total.rows_now.round(),
            bytes_now: total.bytes_now.round(),
            cost_per_month_now: round_cost(total.cost_now),
            horizons: HorizonJson::all(&total.horizons),
            budget: plan
                .settings
                .budget_gib
                .map(|gib| BudgetJson { gib, crossing: total.budget_crossing.as_ref().map(CrossingJson::new) }),
        }
    }
}

/// The budget, with its crossing dates when the total has a pace to cross it at.
#[derive(Serialize)]
struct BudgetJson {
    gib: f64,
    #[serde(flatten)]
    crossing: Option<CrossingJson>,
}

#[cfg(test)]
mod tests {
    use schemacast_lints::dialect::DialectSource;
    use schemacast_lints::{analyze_with, AnalysisOptions, RuleSelection, SourceFile};

    use super::*;

    /// A planned table and one with neither stats nor a plan, forecast from day 20,000.
    fn document_json() -> serde_json::Value {
        let text = "-- schemacast: rows=5e6 growth=4%/month\n\
                    CREATE TABLE planned (id bigint PRIMARY KEY, note text);\n\
                    CREATE TABLE unplanned (id bigint PRIMARY KEY);\n";
        let sources = vec![SourceFile { path: "schema.sql".to_owned(), text: text.to_owned() }];
        let options = AnalysisOptions { today: Some(20_000.0), ..AnalysisOptions::default() };
        let analysis = analyze_with(sources, Dialect::Postgres, &RuleSelection::default(), options);
        let choice = DialectChoice {
            dialect: Dialect::Postgres,
            source: DialectSource::Option,
            reason: "--dialect postgres".to_owned(),
            files: Vec::new(),
        };
        let selected: Vec<usize> = (0..analysis.schema.tables().len()).collect();
        let text = ForecastDocument::new(&analysis, &selected, Dialect::Postgres, &choice, 0).to_text().unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn keys(value: &serde_json::Value) -> Vec<&str> {
        value.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn a_table_with_nothing_to_project_has_no_projection_keys_at_all() {
        let json = document_json();
        let unplanned = &json["tables"][1];
        assert_eq!(unplanned["name"], "unplanned");
        assert_eq!(
            keys(unplanned),
            [
                "schema",
                "name",
                "row_bytes",
                "bytes_per_million_rows",
                "rows_now",
                "rows_source",
                "estimate",
                "measured_bytes",
                "measured_ratio",
                "columns",
                "model",
                "horizons",
                "exhaustion"
            ]
        );
        assert_eq!(unplanned["model"], "none");
    }

    #[test]
    fn a_planned_table_has_every_key_in_order_and_nulls_where_nothing_is_known() {
        let json = document_json();
        let planned = &json["tables"][0];
        assert_eq!(planned["name"], "planned");
        assert_eq!(
            keys(planned)[10..],
            [
                "model",
                "growth_per_day",
                "growth_percent_per_month",
                "fit",
                "bytes_now",
                "bytes_source",
                "bytes_growth_per_day",
                "bytes_check",
                "cost_per_month_now",
                "horizons",
                "exhaustion",
                "size_limit"
            ]
        );
        // A plan carries no interval.
        let horizon = &planned["horizons"][0];
        assert!(horizon["rows"].as_f64().is_some_and(|rows| rows > 5e6), "{horizon}");
        assert!(horizon["rows_low"].is_null() && horizon["bytes_high95"].is_null(), "{horizon}");
        // 4% a month compounds past the size limit some day: its crossing follows its size.
        assert_eq!(keys(&planned["size_limit"]), ["gib", "at", "at_low", "at_high"]);
        assert_eq!(planned["size_limit"]["gib"], 100.0);
        // No budget set: `null`, not absent.
        assert_eq!(keys(&json["total"]), ["rows_now", "bytes_now", "cost_per_month_now", "horizons", "budget"]);
        assert!(json["total"]["budget"].is_null());
    }
}
