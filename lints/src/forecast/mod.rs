//! Forecasting one series (a table's rows or bytes, a sequence's position) from its history,
//! with prediction intervals that mean what they say.
//!
//! The model: a curve plus a level that wanders, observed with noise. The level is a random walk
//! because a table's count is a running sum of daily inserts: a busy week stays in the count, it
//! does not decay back to a curve. The noise is independent (estimates such as `reltuples`).
//! Both scale with the series' size. Curves: flat, linear, exponential (on the log scale) and a
//! damped trend (Holt's damped forecast function as a curve, so irregular sampling needs no
//! resampling). Per curve, the Kalman filter of this local-level model gives the exact
//! likelihood, the curve by generalised least squares and the level at the last observation; the
//! wander's variance comes from maximum likelihood. A jump in level or a change in the growth
//! rate inside the history is found with Chen and Liu's intervention statistic and fitted as a
//! step or a ramp, and kept only if it still stands out with the level free to wander. See
//! `models` for the details.
//!
//! The point forecast is the candidate with the best AICc (`model`); QAICc when the series moves
//! more over a few weeks than the best fit expects (see below). AICc, not a rolling-origin
//! backtest: it needs one fit per candidate where a backtest needs one per origin (too slow for
//! 10,000 tables in a second), and it works from six points.
//!
//! The intervals are prediction intervals for what a snapshot will read then. Per candidate, the
//! variance combines the level's uncertainty now, its wander until then, the parameters'
//! uncertainty carried forward and the measurement noise then, scaled by Student's t for the
//! fit's degrees of freedom. Four things keep them honest where the model is too simple:
//!
//! - a dispersion check compares how much the series really moves over a few weeks with what the
//!   model says, and widens the variance by any excess (busy weeks that add up, a weekly
//!   rhythm, a curve that does not quite follow the series). It errs on the wide side: on a
//!   series that is exactly a curve plus independent noise, 80% intervals a year ahead hold up
//!   to about 88% of values;
//! - the same excess, as quasi-likelihood's overdispersion, tempers the candidates' weights and
//!   the evidence a change needs, so persistent busy periods are not read as certainty;
//! - a change inside the history counts only if it stands out with the level free to wander, so
//!   a random walk's drift is not extrapolated as a new trend;
//! - the interval is the mixture of every candidate with an Akaike weight of at least 1%: when a
//!   straight line and an exponential fit the past about equally well, it spans both futures.
//!
//! The backtest bench (`cargo bench -p schemacast-lints --bench forecast_backtest`) measures this
//! on synthetic series of known truth (linear, exponential, damped, flat, with a level jump or a
//! slope change; measurement noise of 0.5% to 5% or daily inserts that vary and add up; daily or
//! irregular sampling; 60 to 365 days of history): pooled over them, the 80% intervals hold
//! 75-85% of the values seen 30, 90 and 365 days later and the 95% intervals 91-98% (its report
//! shows each group). A change after the last observation cannot be foreseen, and intervals do
//! not hold it. Deterministic: no sampling.

mod models;

use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::erf::erfc;

use crate::planning::Growth;
use models::{fit_all, ChangeKind, Fitted, Obs, MIN_WEIGHT};

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

/// Which edge of a band: the point forecast or an end of its 80% interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Value,
    Low80,
    High80,
}

impl Edge {
    /// This edge of `band`; a band without an interval (a plan) has every edge at its value.
    pub fn of(self, band: &Band) -> f64 {
        match (self, band.interval) {
            (Edge::Low80, Some(i)) => i.low80,
            (Edge::High80, Some(i)) => i.high80,
            _ => band.value,
        }
    }
}

/// When `edge(day, ·)` first reaches `limit` after `origin`: the point's day, and the 80%
/// interval's (the upper edge reaches it first). Growth is taken as monotone: an edge still
/// below the limit a century ahead never reaches it, and otherwise the step doubles until the
/// edge passes the limit, then bisects to a quarter of an hour. A few dozen evaluations, not one
/// per week of a century, so a total over thousands of tables stays cheap.
pub fn crossing_of(origin: f64, limit: f64, edge: impl Fn(f64, Edge) -> f64) -> Crossing {
    let first = |which: Edge| -> Option<f64> {
        if edge(origin, which) >= limit {
            return Some(origin);
        }
        if edge(origin + CROSSING_SEARCH_DAYS, which) < limit {
            return None;
        }
        let (mut previous, mut step): (f64, f64) = (0.0, 1.0);
        loop {
            let s = (previous + step).min(CROSSING_SEARCH_DAYS);
            if edge(origin + s, which) >= limit {
                let (mut lo, mut hi) = (previous, s);
                while hi - lo > 0.01 {
                    let mid = (lo + hi) / 2.0;
                    if edge(origin + mid, which) >= limit {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                return Some(origin + hi);
            }
            if s >= CROSSING_SEARCH_DAYS {
                return None;
            }
            previous = s;
            step *= 2.0;
        }
    };
    Crossing { at: first(Edge::Value), at_low: first(Edge::High80), at_high: first(Edge::Low80) }
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
    /// The day of a jump in level inside the fitted history (a bulk load, a partial purge) that
    /// the fit models as a step, so that it is not read as growth.
    pub level_shift_at: Option<f64>,
    /// The day the growth rate changed inside the fitted history (a launch, a new retention
    /// policy): the fit continues the rate since.
    pub trend_change_at: Option<f64>,
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

/// The fitted candidates that count (Akaike weight at least [`MIN_WEIGHT`]), chosen first.
#[derive(Clone, Debug)]
struct FitState {
    components: Vec<Component>,
}

#[derive(Clone, Debug)]
struct Component {
    fitted: Fitted,
    /// The Akaike weight among the components that count.
    weight: f64,
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
            level_shift_at: None,
            trend_change_at: None,
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
        let chosen = fits.first()?;
        forecast.method = Method::Fitted;
        forecast.model = chosen.kind;
        if let Some(change) = chosen.change {
            let day = Some(cleaned.origin + change.s);
            match change.kind {
                ChangeKind::Level => forecast.level_shift_at = day,
                ChangeKind::Trend => forecast.trend_change_at = day,
            }
        }
        let counted: Vec<Fitted> = fits.into_iter().filter(|f| f.weight >= MIN_WEIGHT).collect();
        let total: f64 = counted.iter().map(|f| f.weight).sum();
        let components = counted
            .into_iter()
            .map(|fitted| {
                let df = fitted.df as f64;
                Component {
                    weight: fitted.weight / total,
                    t80: t_quantile(0.90, df),
                    t95: t_quantile(0.975, df),
                    fitted,
                }
            })
            .collect();
        forecast.fit = Some(FitState { components });
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
            level_shift_at: None,
            trend_change_at: None,
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
        let widen = |bound: f64, up: bool| {
            if up {
                bound.max(level + trend)
            } else {
                bound.min(level + trend).max(0.0)
            }
        };
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

    /// One edge of the band at `day`, computing only that edge: crossing searches evaluate many
    /// days, and a mixture's quantile costs a bisection.
    pub fn edge_at(&self, day: f64, edge: Edge) -> f64 {
        let s = (day - self.origin).max(0.0);
        match (&self.method, &self.fit) {
            (Method::Fitted, Some(state)) => state.edge(s, edge),
            _ => edge.of(&self.at(day)),
        }
    }

    /// When the projection first reaches `limit`, searched up to [`CROSSING_SEARCH_DAYS`] ahead.
    pub fn crossing(&self, limit: f64) -> Crossing {
        crossing_of(self.origin, limit, |day, edge| self.edge_at(day, edge))
    }

    fn describe_fit(&mut self, obs: &[Obs]) {
        let Some(fitted) = self.fit.as_ref().and_then(|state| state.components.first()).map(|c| &c.fitted) else {
            return;
        };
        let level = self.level;
        let value = |s: f64| {
            let z = fitted.curve(s);
            if fitted.is_log() {
                z.exp()
            } else {
                z
            }
        };
        let slope = fitted.slope_at_origin();
        self.growth_per_day = if fitted.is_log() { value(0.0) * slope } else { slope };
        self.percent_per_month = match fitted.kind {
            ModelKind::Exponential => ((slope * DAYS_PER_MONTH).exp() - 1.0) * 100.0,
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
    fn edge(&self, s: f64, edge: Edge) -> f64 {
        let p = match edge {
            Edge::Value => {
                let chosen = self.components[0].part(s);
                return chosen.back(chosen.center);
            }
            Edge::Low80 => 0.10,
            Edge::High80 => 0.90,
        };
        let parts: Vec<Part> = self.components.iter().map(|c| c.part(s)).collect();
        if parts.len() == 1 {
            parts[0].quantile(p)
        } else {
            mixture_quantile(&parts, p)
        }
    }

    /// The chosen model's point forecast, and intervals from the mixture of the components that
    /// count, each weighted by its Akaike weight: when two curves fit the history about as well
    /// but part ways ahead, the interval spans both.
    fn band(&self, s: f64) -> Band {
        let parts: Vec<Part> = self.components.iter().map(|c| c.part(s)).collect();
        let chosen = &parts[0];
        let bound = |p: f64| -> f64 {
            if parts.len() == 1 {
                return chosen.quantile(p);
            }
            mixture_quantile(&parts, p)
        };
        Band {
            value: chosen.back(chosen.center),
            interval: Some(Interval {
                low80: bound(0.10),
                high80: bound(0.90),
                low95: bound(0.025),
                high95: bound(0.975),
            }),
        }
    }
}

/// Standard normal quantiles of the two intervals' upper ends.
const Z90: f64 = 1.281_551_565_544_600_4;
const Z975: f64 = 1.959_963_984_540_054;

/// One component's predictive distribution at a horizon, on its fitted scale.
struct Part {
    weight: f64,
    log: bool,
    center: f64,
    /// Standard deviations that make a normal match the component's Student t at the 80% and
    /// 95% levels.
    sd80: f64,
    sd95: f64,
}

impl Component {
    fn part(&self, s: f64) -> Part {
        let se = self.fitted.prediction_variance(s).max(0.0).sqrt();
        Part {
            weight: self.weight,
            log: self.fitted.is_log(),
            center: self.fitted.curve(s),
            sd80: se * self.t80 / Z90,
            sd95: se * self.t95 / Z975,
        }
    }
}

impl Part {
    fn back(&self, z: f64) -> f64 {
        if self.log {
            z.exp()
        } else {
            z
        }
    }

    fn sd(&self, p: f64) -> f64 {
        if (0.05..=0.95).contains(&p) {
            self.sd80
        } else {
            self.sd95
        }
    }

    fn z(p: f64) -> f64 {
        match p {
            _ if p < 0.05 => -Z975,
            _ if p < 0.5 => -Z90,
            _ if p <= 0.95 => Z90,
            _ => Z975,
        }
    }

    fn quantile(&self, p: f64) -> f64 {
        self.back(self.center + Self::z(p) * self.sd(p))
    }

    fn cdf(&self, x: f64, p: f64) -> f64 {
        let z = if self.log {
            if x <= 0.0 {
                return 0.0;
            }
            x.ln()
        } else {
            x
        };
        let sd = self.sd(p);
        if sd > 0.0 {
            0.5 * erfc((self.center - z) / (sd * std::f64::consts::SQRT_2))
        } else if z >= self.center {
            1.0
        } else {
            0.0
        }
    }
}

/// The `p` quantile of a weighted mixture, by bisection between the components' own quantiles
/// (the mixture's lies between the smallest and the largest of them).
fn mixture_quantile(parts: &[Part], p: f64) -> f64 {
    let (mut low, mut high) = parts
        .iter()
        .map(|part| part.quantile(p))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), q| (l.min(q), h.max(q)));
    if !(low.is_finite() && high.is_finite()) {
        return parts[0].quantile(p);
    }
    // A millionth of the value is far finer than any interval, and takes about 20 halvings.
    for _ in 0..60 {
        if high - low <= 1e-6 * high.abs().max(low.abs()) {
            break;
        }
        let middle = 0.5 * (low + high);
        let cdf: f64 = parts.iter().map(|part| part.weight * part.cdf(middle, p)).sum();
        if cdf < p {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
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
    z + (z3 + z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
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
    let values: Vec<(f64, f64)> =
        merged_points.into_iter().map(|(day, sum, count)| (day, sum / count as f64)).collect();
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
        let cases: [(ModelKind, Curve); 4] = [
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
        let history = daily(60, |d| if (d as u32).is_multiple_of(3) { 1_000.0 } else { 40_000.0 });
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
        let compound =
            Forecast::planned(1e6, 0.0, Some(Growth::Percent { percent: 3.0, per: crate::planning::Period::Month }));
        let year = compound.at(365.25).value;
        assert!((year / 1e6 - 1.03f64.powi(12)).abs() < 1e-9, "{year}");
        assert!(compound.at(10.0).interval.is_none());
        assert!((compound.percent_per_month - 3.0).abs() < 1e-9);
        let linear =
            Forecast::planned(0.0, 0.0, Some(Growth::Rows { rows: 50_000.0, per: crate::planning::Period::Day }));
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

    /// Deterministic noise, uniform in [-1, 1] and without pattern (a splitmix64 hash of `i`).
    fn hashed(i: u64) -> f64 {
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    /// Irregular days (gaps of one to nine days, two readings at the same instant), each value
    /// off by up to 0.2%.
    fn irregular(f: impl Fn(f64) -> f64) -> Vec<Point> {
        let mut day = 0.0;
        let mut points = Vec::new();
        for i in 0..60 {
            points.push(Point { day: 20_000.0 + day, value: f(day) * (1.0 + 0.002 * hashed(i)) });
            if i == 30 {
                points.push(Point { day: 20_000.0 + day, value: f(day) * (1.0 + 0.002 * hashed(1_000 + i)) });
            }
            day += 1.0 + (i * 7 % 9) as f64;
        }
        points
    }

    type Curve = Box<dyn Fn(f64) -> f64>;

    #[test]
    fn picks_the_model_that_generated_an_irregular_series() {
        let cases: [(ModelKind, Curve); 4] = [
            (ModelKind::Linear, Box::new(|d| 2e6 + 3_000.0 * d)),
            (ModelKind::Exponential, Box::new(|d| 2e6 * (0.002 * d).exp())),
            (ModelKind::Damped, Box::new(|d| 2e6 + 9_000.0 * (1.0 - (-d / 60.0f64).exp()) * 60.0)),
            (ModelKind::Flat, Box::new(|_| 7_777.0)),
        ];
        for (kind, f) in cases {
            let forecast = Forecast::from_history(&irregular(f)).unwrap();
            assert_eq!(forecast.model, kind, "{kind:?}");
            assert_eq!((forecast.level_shift_at, forecast.trend_change_at), (None, None), "{kind:?}");
        }
    }

    #[test]
    fn a_bulk_load_is_a_level_shift_not_growth() {
        let history =
            daily(200, |d| 1e6 + 2_000.0 * d + if d >= 120.0 { 300_000.0 } else { 0.0 } + 5_000.0 * wobble(d));
        let forecast = Forecast::from_history(&history).unwrap();
        assert_eq!(forecast.level_shift_at, Some(20_120.0));
        assert!((forecast.growth_per_day - 2_000.0).abs() < 100.0, "{}", forecast.growth_per_day);
        let truth = 1e6 + 2_000.0 * (199.0 + 90.0) + 300_000.0;
        let band = forecast.at(forecast.origin + 90.0);
        let interval = band.interval.unwrap();
        assert!(interval.low80 < truth && truth < interval.high80, "{band:?} vs {truth}");
    }

    #[test]
    fn a_change_of_growth_rate_is_followed() {
        let history =
            daily(240, |d| 1e6 + 1_000.0 * d.min(120.0) + 3_000.0 * (d - 120.0).max(0.0) + 4_000.0 * wobble(d));
        let forecast = Forecast::from_history(&history).unwrap();
        let at = forecast.trend_change_at.unwrap();
        assert!((at - 20_120.0).abs() <= 8.0, "{at}");
        assert!((forecast.growth_per_day - 3_000.0).abs() < 150.0, "{}", forecast.growth_per_day);
        let truth = 1e6 + 1_000.0 * 120.0 + 3_000.0 * (239.0 + 365.0 - 120.0);
        let interval = forecast.at(forecast.origin + 365.0).interval.unwrap();
        assert!(interval.low80 < truth && truth < interval.high80, "{interval:?} vs {truth}");
    }

    #[test]
    fn an_id_sequence_runs_out_on_the_day_its_rate_says() {
        let limit = 2_147_483_647.0;
        let clean = daily(180, |d| 1.2e9 + 1.5e6 * d);
        let forecast = Forecast::from_history(&clean).unwrap();
        assert_eq!(forecast.model, ModelKind::Linear);
        let truth = 20_000.0 + (limit - 1.2e9) / 1.5e6;
        let crossing = forecast.crossing(limit);
        assert!((crossing.at.unwrap() - truth).abs() < 0.05, "{crossing:?} vs {truth}");
        // Daily use varying by up to ±20% and adding up: the date moves, the interval holds it.
        let used = |d: f64| 1.5e6 * (1.0 + 0.2 * wobble(d));
        let mut position = 1.2e9;
        let history: Vec<Point> = (0..180)
            .map(|d| {
                position += used(d as f64);
                Point { day: 20_000.0 + d as f64, value: position.round() }
            })
            .collect();
        let mut day = 179.0;
        while position + used(day + 1.0) < limit {
            day += 1.0;
            position += used(day);
        }
        let truth = 20_000.0 + day + (limit - position) / used(day + 1.0);
        let crossing = Forecast::from_history(&history).unwrap().crossing(limit);
        let (low, high) = (crossing.at_low.unwrap(), crossing.at_high.unwrap());
        assert!(low <= truth && truth <= high, "{low} {truth} {high}");
        // Whether the rate will bend is uncertain too (a damped trend fits the year almost as
        // well), so the interval is not tight; it still dates the exhaustion.
        assert!(high - low < (truth - 20_179.0) / 2.0, "{low} {high}");
    }

    #[test]
    fn a_random_walk_gets_intervals_that_keep_widening() {
        // A flat table whose daily inserts and deletes never quite balance.
        let mut level = 5e6;
        let history: Vec<Point> = (0..365)
            .map(|d| {
                level += 2_000.0 * wobble(d as f64);
                Point { day: 20_000.0 + d as f64, value: level }
            })
            .collect();
        let forecast = Forecast::from_history(&history).unwrap();
        let width = |h: f64| forecast.at(forecast.origin + h).interval.map_or(0.0, |i| i.high80 - i.low80);
        // At least like the square root of time (a decaying deviation would level off), at most
        // linearly (the drift is uncertain too).
        let ratio = width(360.0) / width(40.0);
        assert!((2.5..9.0).contains(&ratio), "{ratio}: {} {}", width(40.0), width(360.0));
    }

    #[test]
    fn a_mixture_quantile_lies_between_its_parts() {
        let part = |weight: f64, center: f64| Part { weight, log: false, center, sd80: 1.0, sd95: 1.0 };
        let same = [part(0.5, 10.0), part(0.5, 10.0)];
        assert!((mixture_quantile(&same, 0.9) - (10.0 + Z90)).abs() < 1e-6);
        let apart = [part(0.5, 0.0), part(0.5, 100.0)];
        let (low, high) = (mixture_quantile(&apart, 0.1), mixture_quantile(&apart, 0.9));
        // Each end is a fifth of the way into its own part: Φ⁻¹(0.2) ≈ -0.8416.
        assert!((low + 0.8416).abs() < 1e-3 && (high - 100.8416).abs() < 1e-3, "{low} {high}");
    }
}
