//! Forecasting one series (a table's rows or bytes, a sequence's position) from its history,
//! with prediction intervals that mean what they say.
//!
//! Candidates: flat, linear trend, exponential (log-linear) growth and a damped trend (Holt's
//! damped forecast function, fitted as a curve so irregular sampling needs no resampling). The
//! model is chosen by AICc, not by a rolling-origin backtest: AICc needs one fit per candidate
//! (a backtest needs one per origin, too slow for 10,000 tables in a second) and it works from
//! six points, where a backtest would have almost nothing to hold out. How well the choice and
//! the intervals work is measured by the backtest bench (`cargo bench -p schemacast-lints
//! --bench forecast_backtest`) against series whose truth is known.
//!
//! Intervals: residuals of a growing table are not independent (a busy week stays in the
//! count), so the fit's residuals are modelled as AR(1): the forecast starts from the last
//! observation's deviation and lets it decay, and the interval combines that process's
//! variance with the parameters' uncertainty (inflated for the autocorrelation), scaled by
//! Student's t. Reproducible: no sampling.

mod models;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::planning::Growth;
use models::{fit_all, Fitted, Obs};

/// Days in an average month, for "%/month".
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// How far ahead a crossing is searched for: beyond this, "never" is the honest answer.
pub const CROSSING_SEARCH_DAYS: f64 = 100.0 * 365.25;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelKind {
    Flat,
    Linear,
    Exponential,
    Damped,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Flat => "flat",
            ModelKind::Linear => "linear",
            ModelKind::Exponential => "exponential",
            ModelKind::Damped => "damped",
        }
    }
}

/// One observation: when (days since 1970-01-01 UTC, fractional) and the value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub day: f64,
    pub value: f64,
}

/// A projected value and, unless the projection is a declared plan, its 80% and 95% intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub value: f64,
    pub interval: Option<Interval>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub low80: f64,
    pub high80: f64,
    pub low95: f64,
    pub high95: f64,
}

/// When a projection first reaches a limit: the point forecast's date and the 80% interval's
/// (the upper bound reaches it first). `None` means not within [`CROSSING_SEARCH_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crossing {
    pub at: Option<f64>,
    pub at_low: Option<f64>,
    pub at_high: Option<f64>,
}

/// How the projection was made.
#[derive(Clone, Debug)]
pub enum Method {
    /// A model fitted to at least three points.
    Fitted,
    /// Fewer than three points: flat at the last value, with a prior band (see [`Forecast::prior`]).
    NotEnoughHistory,
    /// A planning annotation's declared growth.
    Planned(Option<Growth>),
}

/// A series' forecast.
#[derive(Clone, Debug)]
pub struct Forecast {
    pub method: Method,
    pub model: ModelKind,
    /// Day of the last observation: horizons count from here.
    pub origin: f64,
    /// The last observed value (for a plan: the declared rows).
    pub level: f64,
    /// Points the fit used (after a reset, only those after it).
    pub points: usize,
    /// Points in the history before cleaning.
    pub points_in_history: usize,
    /// The day of a drop to less than half the previous value (a truncate or purge): the fit
    /// starts there.
    pub reset_at: Option<f64>,
    /// Instants that appeared more than once, merged by their mean.
    pub merged_duplicates: usize,
    /// Growth at the origin in units per day, and as a percentage per month.
    pub growth_per_day: f64,
    pub percent_per_month: f64,
    /// Share of the variance the model explains (original scale), and the residuals' standard
    /// deviation as a percentage of the level.
    pub r_squared: Option<f64>,
    pub residual_percent: Option<f64>,
    fit: Option<FitState>,
    prior_slope: f64,
}

#[derive(Clone, Debug)]
struct FitState {
    fitted: Fitted,
    /// Residual autocorrelation per day, and the last residual it decays from.
    rho_per_day: f64,
    last_residual: f64,
    /// How much autocorrelation inflates the parameters' variance.
    inflation: f64,
    t80: f64,
    t95: f64,
}

impl Forecast {
    /// Forecasts a history. Points may be unsorted, irregular, repeated or cut by a reset.
    pub fn from_history(points: &[Point]) -> Option<Forecast> {
        let cleaned = clean(points)?;
        let level = cleaned.obs.last().map_or(0.0, |o| o.y);
        let mut forecast = Forecast {
            method: Method::NotEnoughHistory,
            model: ModelKind::Flat,
            origin: cleaned.origin,
            level,
            points: cleaned.obs.len(),
            points_in_history: points.len(),
            reset_at: cleaned.reset_at,
            merged_duplicates: cleaned.merged,
            growth_per_day: 0.0,
            percent_per_month: 0.0,
            r_squared: None,
            residual_percent: None,
            fit: None,
            prior_slope: 0.0,
        };
        if cleaned.obs.len() < 3 {
            if let [first, last] = cleaned.obs[..] {
                if last.s > first.s {
                    forecast.prior_slope = (last.y - first.y) / (last.s - first.s);
                }
            }
            return Some(forecast);
        }
        let fits = fit_all(&cleaned.obs);
        let fitted = fits.into_iter().next()?;
        forecast.method = Method::Fitted;
        forecast.model = fitted.kind;
        forecast.fit = Some(fit_state(fitted, &cleaned.obs));
        forecast.describe_fit(&cleaned.obs);
        Some(forecast)
    }

    /// A planning annotation's projection: `level` rows at `origin`, growing as declared.
    pub fn planned(level: f64, origin: f64, growth: Option<Growth>) -> Forecast {
        let (growth_per_day, percent_per_month) = match growth {
            Some(Growth::Rows { rows, per }) => {
                let per_day = rows / per.days();
                (per_day, if level > 0.0 { per_day * DAYS_PER_MONTH / level * 100.0 } else { 0.0 })
            }
            Some(Growth::Percent { percent, per }) => {
                let rate = (1.0 + percent / 100.0).ln() / per.days();
                (level * rate, ((rate * DAYS_PER_MONTH).exp() - 1.0) * 100.0)
            }
            None => (0.0, 0.0),
        };
        Forecast {
            method: Method::Planned(growth),
            model: ModelKind::Flat,
            origin,
            level,
            points: 0,
            points_in_history: 0,
            reset_at: None,
            merged_duplicates: 0,
            growth_per_day,
            percent_per_month,
            r_squared: None,
            residual_percent: None,
            fit: None,
            prior_slope: 0.0,
        }
    }

    /// `linear`, `exponential`, `damped`, `flat` or `annotation`.
    pub fn model_name(&self) -> &'static str {
        match self.method {
            Method::Planned(_) => "annotation",
            _ => self.model.name(),
        }
    }

    pub fn is_planned(&self) -> bool {
        matches!(self.method, Method::Planned(_))
    }

    pub fn has_enough_history(&self) -> bool {
        matches!(self.method, Method::Fitted)
    }

    /// The projection `day` (days since the epoch) with its intervals.
    pub fn at(&self, day: f64) -> Band {
        let s = (day - self.origin).max(0.0);
        match (&self.method, &self.fit) {
            (Method::Fitted, Some(state)) => state.band(s),
            (Method::Planned(growth), _) => Band { value: planned_value(self.level, *growth, s), interval: None },
            _ => self.prior(s),
        }
    }

    /// The band of a series too short to fit: flat at the last value. The interval is a prior
    /// about tables, not a fit: per year ahead, 80% from -25% to +100% of the level and 95%
    /// from -50% to +200%, widened to hold twice the two-point trend when there is one.
    fn prior(&self, s: f64) -> Band {
        let years = s / 365.25;
        let trend = 2.0 * self.prior_slope * s;
        let level = self.level.max(0.0);
        let widen = |bound: f64, up: bool| if up { bound.max(level + trend) } else { bound.min(level + trend).max(0.0) };
        Band {
            value: level,
            interval: Some(Interval {
                low80: widen(level * (1.0 - 0.25 * years).max(0.0), false),
                high80: widen(level * (1.0 + years), true),
                low95: widen(level * (1.0 - 0.5 * years).max(0.0), false),
                high95: widen(level * (1.0 + 2.0 * years), true),
            }),
        }
    }

    /// When the projection first reaches `limit`, searched up to [`CROSSING_SEARCH_DAYS`] ahead.
    pub fn crossing(&self, limit: f64) -> Crossing {
        let at = self.first_day(limit, |b| b.value);
        let has_interval = self.at(self.origin + 1.0).interval.is_some();
        if !has_interval {
            return Crossing { at, at_low: at, at_high: at };
        }
        Crossing {
            at,
            at_low: self.first_day(limit, |b| b.interval.map_or(b.value, |i| i.high80)),
            at_high: self.first_day(limit, |b| b.interval.map_or(b.value, |i| i.low80)),
        }
    }

    fn first_day(&self, limit: f64, bound: impl Fn(&Band) -> f64) -> Option<f64> {
        if bound(&self.at(self.origin)) >= limit {
            return Some(self.origin);
        }
        // Weekly steps, then bisection inside the week that crosses.
        let step = 7.0;
        let mut previous = 0.0;
        let mut s = step;
        while s <= CROSSING_SEARCH_DAYS {
            if bound(&self.at(self.origin + s)) >= limit {
                let (mut lo, mut hi) = (previous, s);
                while hi - lo > 0.01 {
                    let mid = (lo + hi) / 2.0;
                    if bound(&self.at(self.origin + mid)) >= limit {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                return Some(self.origin + hi);
            }
            previous = s;
            s += step;
        }
        None
    }

    fn describe_fit(&mut self, obs: &[Obs]) {
        let Some(state) = &self.fit else { return };
        let fitted = &state.fitted;
        let level = self.level;
        let value = |s: f64| {
            let z = fitted.curve(s);
            if fitted.is_log() { z.exp() } else { z }
        };
        self.growth_per_day = match fitted.kind {
            ModelKind::Flat => 0.0,
            ModelKind::Linear | ModelKind::Damped => fitted.b,
            ModelKind::Exponential => value(0.0) * fitted.b,
        };
        self.percent_per_month = match fitted.kind {
            ModelKind::Exponential => ((fitted.b * DAYS_PER_MONTH).exp() - 1.0) * 100.0,
            _ if level.abs() > 0.0 => self.growth_per_day * DAYS_PER_MONTH / level * 100.0,
            _ => 0.0,
        };
        let mean = obs.iter().map(|o| o.y).sum::<f64>() / obs.len() as f64;
        let total: f64 = obs.iter().map(|o| (o.y - mean).powi(2)).sum();
        let residual: f64 = obs.iter().map(|o| (o.y - value(o.s)).powi(2)).sum();
        self.r_squared = (total > 0.0).then(|| 1.0 - residual / total);
        self.residual_percent = (level.abs() > 0.0).then(|| (residual / obs.len() as f64).sqrt() / level.abs() * 100.0);
    }
}

impl FitState {
    fn band(&self, s: f64) -> Band {
        let fitted = &self.fitted;
        let decay = self.rho_per_day.powf(s);
        let center = fitted.curve(s) + decay * self.last_residual;
        let sigma2 = fitted.sigma2();
        let process = sigma2 * (1.0 - decay * decay);
        let parameters = sigma2 * self.inflation * fitted.leverage(s);
        let se = (process + parameters).max(0.0).sqrt();
        let back = |z: f64| if fitted.is_log() { z.exp() } else { z };
        Band {
            value: back(center),
            interval: Some(Interval {
                low80: back(center - self.t80 * se),
                high80: back(center + self.t80 * se),
                low95: back(center - self.t95 * se),
                high95: back(center + self.t95 * se),
            }),
        }
    }
}

/// The residual process of a fit: its lag-1 autocorrelation (per day, for irregular gaps) and
/// the t quantiles for its degrees of freedom.
fn fit_state(fitted: Fitted, obs: &[Obs]) -> FitState {
    let residuals: Vec<f64> = obs.iter().map(|o| (if fitted.is_log() { o.y.ln() } else { o.y }) - fitted.curve(o.s)).collect();
    let sum_squares: f64 = residuals.iter().map(|e| e * e).sum();
    let lag1: f64 = residuals.windows(2).map(|w| w[0] * w[1]).sum();
    let n = obs.len() as f64;
    let r1 = if sum_squares > 0.0 { (lag1 / sum_squares).clamp(0.0, 0.999) } else { 0.0 };
    // Autocorrelation indistinguishable from noise is treated as none.
    let r1 = if r1 > 2.0 / n.sqrt() { r1 } else { 0.0 };
    let mut gaps: Vec<f64> = obs.windows(2).map(|w| w[1].s - w[0].s).filter(|g| *g > 0.0).collect();
    gaps.sort_by(f64::total_cmp);
    let gap = gaps.get(gaps.len() / 2).copied().unwrap_or(1.0).max(1e-6);
    let rho_per_day = if r1 > 0.0 { r1.powf(1.0 / gap) } else { 0.0 };
    let inflation = ((1.0 + r1) / (1.0 - r1)).clamp(1.0, 50.0);
    let df = fitted.degrees_of_freedom().max(1) as f64;
    FitState {
        last_residual: residuals.last().copied().unwrap_or(0.0),
        rho_per_day,
        inflation,
        t80: t_quantile(0.90, df),
        t95: t_quantile(0.975, df),
        fitted,
    }
}

/// Student's t quantile; for many degrees of freedom the Cornish-Fisher expansion around the
/// normal quantile (error below 1e-5 from 30 on) saves the iterative inverse.
fn t_quantile(p: f64, df: f64) -> f64 {
    if df < 30.0 {
        if let Ok(t) = StudentsT::new(0.0, 1.0, df) {
            return t.inverse_cdf(p);
        }
    }
    let z = statrs::distribution::Normal::standard().inverse_cdf(p);
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * df) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df * df * df)
}

fn planned_value(level: f64, growth: Option<Growth>, s: f64) -> f64 {
    match growth {
        Some(Growth::Rows { rows, per }) => level + rows * s / per.days(),
        Some(Growth::Percent { percent, per }) => level * (1.0 + percent / 100.0).powf(s / per.days()),
        None => level,
    }
}

/// More drops to under half the previous value than this mark a volatile series, not resets.
const MAX_RESETS: usize = 2;

struct Cleaned {
    obs: Vec<Obs>,
    origin: f64,
    reset_at: Option<f64>,
    merged: usize,
}

/// Sorts, merges repeated instants by their mean, drops non-finite values, and starts after the
/// last reset (a drop to less than half the previous value).
fn clean(points: &[Point]) -> Option<Cleaned> {
    let mut sorted: Vec<Point> = points.iter().copied().filter(|p| p.day.is_finite() && p.value.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(|a, b| a.day.total_cmp(&b.day));
    let mut merged_points: Vec<(f64, f64, u32)> = Vec::with_capacity(sorted.len());
    let mut merged = 0;
    for point in sorted {
        match merged_points.last_mut() {
            Some((day, sum, count)) if *day == point.day => {
                *sum += point.value;
                *count += 1;
                merged += 1;
            }
            _ => merged_points.push((point.day, point.value, 1)),
        }
    }
    let values: Vec<(f64, f64)> = merged_points.into_iter().map(|(day, sum, count)| (day, sum / count as f64)).collect();
    // A table that halves now and then (a staging table, a queue) is volatile, not reset: only
    // a history with at most two such drops is cut at the last one.
    let drops: Vec<usize> = (1..values.len()).filter(|&i| values[i].1 < 0.5 * values[i - 1].1).collect();
    let start = if drops.len() <= MAX_RESETS { drops.last().copied().unwrap_or(0) } else { 0 };
    let reset_at = (start > 0).then(|| values[start].0);
    let origin = values.last()?.0;
    let obs = values[start..].iter().map(|&(day, y)| Obs { s: day - origin, y }).collect();
    Some(Cleaned { obs, origin, reset_at, merged })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daily(days: usize, f: impl Fn(f64) -> f64) -> Vec<Point> {
        (0..days).map(|d| Point { day: 20_000.0 + d as f64, value: f(d as f64) }).collect()
    }

    /// Deterministic noise in [-1, 1].
    fn wobble(i: f64) -> f64 {
        ((i * 12.9898).sin() * 43758.5453).fract() * 2.0 - 1.0
    }

    #[test]
    fn picks_the_model_that_generated_a_clean_series() {
        let cases: [(ModelKind, Box<dyn Fn(f64) -> f64>); 4] = [
            (ModelKind::Linear, Box::new(|d| 1e6 + 5_000.0 * d)),
            (ModelKind::Exponential, Box::new(|d| 1e6 * (0.01 * d).exp())),
            (ModelKind::Damped, Box::new(|d| 1e6 + 5_000.0 * (1.0 - (-d / 40.0f64).exp()) * 40.0)),
            (ModelKind::Flat, Box::new(|_| 123_456.0)),
        ];
        for (kind, f) in cases {
            let forecast = Forecast::from_history(&daily(90, f)).unwrap();
            assert_eq!(forecast.model, kind, "{kind:?}");
        }
    }

    #[test]
    fn a_noisy_line_gets_an_interval_that_holds_the_truth_and_widens() {
        let history = daily(120, |d| 1e6 + 10_000.0 * d + 20_000.0 * wobble(d));
        let forecast = Forecast::from_history(&history).unwrap();
        assert_eq!(forecast.model, ModelKind::Linear);
        assert!((forecast.growth_per_day - 10_000.0).abs() < 300.0, "{}", forecast.growth_per_day);
        let near = forecast.at(forecast.origin + 30.0);
        let far = forecast.at(forecast.origin + 365.0);
        let truth_far = 1e6 + 10_000.0 * (119.0 + 365.0);
        let interval = far.interval.unwrap();
        assert!(interval.low95 < truth_far && truth_far < interval.high95, "{far:?} vs {truth_far}");
        let width = |b: Band| b.interval.map(|i| i.high80 - i.low80).unwrap_or(0.0);
        assert!(width(far) > width(near));
        assert!(interval.low95 < interval.low80 && interval.high80 < interval.high95);
    }

    #[test]
    fn fewer_than_three_points_is_not_enough_history() {
        let forecast = Forecast::from_history(&daily(2, |d| 100.0 + d)).unwrap();
        assert!(!forecast.has_enough_history());
        let band = forecast.at(forecast.origin + 365.25);
        assert_eq!(band.value, 101.0);
        let interval = band.interval.unwrap();
        assert!(interval.low80 < 101.0 && interval.high80 >= 202.0, "{interval:?}");
    }

    #[test]
    fn a_truncate_restarts_the_fit_and_duplicates_merge() {
        let mut history = daily(60, |d| 5e6 + 1e5 * d);
        history.extend((0..30).map(|d| Point { day: 20_060.0 + d as f64, value: 1_000.0 + 2_000.0 * d as f64 }));
        history.push(Point { day: 20_089.0, value: 1_000.0 + 2_000.0 * 29.0 });
        let forecast = Forecast::from_history(&history).unwrap();
        assert_eq!(forecast.reset_at, Some(20_060.0));
        assert_eq!(forecast.points, 30);
        assert_eq!(forecast.merged_duplicates, 1);
        assert!((forecast.growth_per_day - 2_000.0).abs() < 1.0, "{}", forecast.growth_per_day);
    }

    #[test]
    fn a_volatile_table_is_not_reset_at_every_drop() {
        let history = daily(60, |d| if (d as u32) % 3 == 0 { 1_000.0 } else { 40_000.0 });
        let forecast = Forecast::from_history(&history).unwrap();
        assert_eq!(forecast.reset_at, None);
        assert_eq!(forecast.points, 60);
    }

    #[test]
    fn irregular_sampling_with_gaps_recovers_the_rate() {
        let days = [0.0, 1.0, 1.5, 7.0, 30.0, 31.0, 62.0, 63.25, 90.0, 150.0];
        let history: Vec<Point> = days.iter().map(|&d| Point { day: 19_000.0 + d, value: 2e5 + 800.0 * d }).collect();
        let forecast = Forecast::from_history(&history).unwrap();
        assert_eq!(forecast.model, ModelKind::Linear);
        assert!((forecast.growth_per_day - 800.0).abs() < 1e-6);
    }

    #[test]
    fn crossing_dates_bracket_the_point_date() {
        let history = daily(200, |d| 1e9 + 2e6 * d + 3e6 * wobble(d));
        let forecast = Forecast::from_history(&history).unwrap();
        let limit = 2_147_483_647.0;
        let crossing = forecast.crossing(limit);
        let (at, low, high) = (crossing.at.unwrap(), crossing.at_low.unwrap(), crossing.at_high.unwrap());
        assert!(low <= at && at <= high, "{low} {at} {high}");
        let truth = 20_000.0 + (limit - 1e9) / 2e6;
        assert!(low <= truth && truth <= high, "{low} {truth} {high}");
        assert_eq!(Forecast::from_history(&daily(30, |_| 5.0)).unwrap().crossing(10.0).at, None);
    }

    #[test]
    fn planned_growth_compounds_or_adds() {
        let compound = Forecast::planned(1e6, 0.0, Some(Growth::Percent { percent: 3.0, per: crate::planning::Period::Month }));
        let year = compound.at(365.25).value;
        assert!((year / 1e6 - 1.03f64.powi(12)).abs() < 1e-9, "{year}");
        assert!(compound.at(10.0).interval.is_none());
        assert!((compound.percent_per_month - 3.0).abs() < 1e-9);
        let linear = Forecast::planned(0.0, 0.0, Some(Growth::Rows { rows: 50_000.0, per: crate::planning::Period::Day }));
        assert_eq!(linear.at(10.0).value, 500_000.0);
        assert_eq!(linear.model_name(), "annotation");
    }

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile(0.975, 10.0) - 2.228).abs() < 1e-3);
        assert!((t_quantile(0.90, 5.0) - 1.476).abs() < 1e-3);
        assert!((t_quantile(0.975, 60.0) - 2.000).abs() < 1e-3);
        assert!((t_quantile(0.90, 1000.0) - 1.2824).abs() < 1e-3);
    }
}
