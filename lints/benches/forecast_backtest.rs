//! `cargo bench -p schemacast-lints --bench forecast_backtest`: how well the forecaster's point
//! forecasts and prediction intervals hold up on synthetic histories whose truth is known.
//!
//! Every series is a known curve (linear, exponential, damped or flat growth, or one with a level
//! jump or a slope change inside the history), observed with noise: multiplicative measurement
//! noise of 0.5%, 2% or 5%, or "integrated" noise, where the daily inserts vary around the curve's
//! rate and the count keeps what a busy day added (how a real table's row count behaves), plus
//! small measurement noise. It is sampled daily or irregularly (gaps of 1 to 10 days, missing
//! weeks, repeated timestamps), cut after 60, 180 or 365 days, forecast, and scored 30, 90 and
//! 365 days after the cut against the value that would have been observed then (the truth plus
//! its noise: these are prediction intervals, not confidence intervals for the curve).
//!
//! The report gives, per group and overall, the mean absolute percentage error, how often the
//! 80% and 95% intervals held the observed value, the same for a naive interval (ordinary least
//! squares on a straight line, residuals taken as independent) for contrast, and which model
//! was chosen. A separate group puts the change after the cut, where no forecaster that only sees
//! the history can be right; it is reported but left out of the totals. Last, a key-exhaustion
//! check plants an id sequence with a known exhaustion date and asks how often the 80% interval
//! of the predicted date holds it.
//!
//! Deterministic: every series comes from a fixed seed (`SCHEMACAST_BACKTEST_SEED=N` draws
//! another set, to check that a result is not one draw's luck). `SCHEMACAST_BACKTEST_DETAIL=1`
//! adds a breakdown by shape, noise and history length.

use std::time::Instant;

use schemacast_lints::forecast::{Forecast, ModelKind, Point};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Day 0 of every synthetic history (2024-10-04), in days since the epoch.
const START_DAY: f64 = 20_000.0;
const HORIZONS: [f64; 3] = [30.0, 90.0, 365.0];
const HISTORY_LENGTHS: [usize; 3] = [60, 180, 365];
/// Series per (shape, noise, sampling, history length) cell.
const SEEDS_PER_CELL: u64 = 24;
const SEED: u64 = 0x5C4E_3A2B_1D0F_2026;

/// The fixed seed, or `SCHEMACAST_BACKTEST_SEED` to check that a result is not one draw's luck.
fn seed() -> u64 {
    std::env::var("SCHEMACAST_BACKTEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED)
}
const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// splitmix64: tiny, fast and good enough to drive a simulation; fixed seeds make it repeatable.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut rng = Rng(seed);
        rng.next_u64();
        rng
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    fn log_between(&mut self, low: f64, high: f64) -> f64 {
        (low.ln() + (high.ln() - low.ln()) * self.uniform()).exp()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal (Box-Muller; the second variate is dropped to keep the stream simple).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Linear,
    Exponential,
    Damped,
    Flat,
    LevelStep,
    SlopeChange,
}

const SHAPES: [Shape; 6] =
    [Shape::Linear, Shape::Exponential, Shape::Damped, Shape::Flat, Shape::LevelStep, Shape::SlopeChange];

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::Linear => "linear",
            Shape::Exponential => "exponential",
            Shape::Damped => "damped",
            Shape::Flat => "flat",
            Shape::LevelStep => "level step",
            Shape::SlopeChange => "slope change",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Noise {
    /// Independent multiplicative measurement noise with this standard deviation.
    Measurement(f64),
    /// Daily inserts vary around the curve's rate and accumulate, plus small measurement noise.
    Integrated,
}

const NOISES: [Noise; 4] =
    [Noise::Measurement(0.005), Noise::Measurement(0.02), Noise::Measurement(0.05), Noise::Integrated];

impl Noise {
    fn label(self) -> String {
        match self {
            Noise::Measurement(sd) => format!("noise {:.1}%", sd * 100.0),
            Noise::Integrated => "integrated".to_owned(),
        }
    }

    fn measurement_sd(self) -> f64 {
        match self {
            Noise::Measurement(sd) => sd,
            // reltuples-style estimates of a table that really is counted.
            Noise::Integrated => 0.002,
        }
    }
}

/// How much the daily inserts of integrated noise vary: a busy day adds this much more than the
/// curve's rate (standard deviation), and busy days cluster (lag-1 correlation per day).
const INSERT_VARIATION: f64 = 0.3;
const INSERT_PERSISTENCE: f64 = 0.5;
/// Churn of a table that does not grow, as a share of its level per day, so that a flat table
/// under integrated noise still wanders (inserts and deletes never balance exactly).
const FLAT_CHURN: f64 = 0.0005;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sampling {
    Daily,
    Irregular,
}

const SAMPLINGS: [Sampling; 2] = [Sampling::Daily, Sampling::Irregular];

impl Sampling {
    fn label(self) -> &'static str {
        match self {
            Sampling::Daily => "daily",
            Sampling::Irregular => "irregular",
        }
    }
}

/// A known curve, in days since the start of its history.
#[derive(Clone, Copy, Debug)]
struct Truth {
    shape: Shape,
    base: f64,
    slope: f64,
    /// Exponential growth per day.
    growth: f64,
    /// Damping of the growth rate per day.
    lambda: f64,
    /// Where a level jump or slope change happens, how big the jump is, and the slope after.
    change_at: f64,
    jump: f64,
    slope_after: f64,
}

impl Truth {
    fn draw(rng: &mut Rng, shape: Shape, change_from: f64, change_to: f64) -> Truth {
        let base = rng.log_between(1e5, 1e8);
        // Growth as a share of the starting level per month.
        let monthly = rng.between(0.005, 0.08);
        let mut truth = Truth {
            shape,
            base,
            slope: base * monthly / DAYS_PER_MONTH,
            growth: 0.0,
            lambda: 0.0,
            change_at: f64::INFINITY,
            jump: 0.0,
            slope_after: 0.0,
        };
        match shape {
            Shape::Linear | Shape::Flat => {}
            Shape::Exponential => truth.growth = (1.0 + rng.between(0.01, 0.05)).ln() / DAYS_PER_MONTH,
            Shape::Damped => {
                truth.slope = base * rng.between(0.03, 0.15) / DAYS_PER_MONTH;
                truth.lambda = std::f64::consts::LN_2 / rng.log_between(30.0, 300.0);
            }
            Shape::LevelStep => {
                truth.slope = base * rng.between(0.005, 0.05) / DAYS_PER_MONTH;
                truth.change_at = rng.between(change_from, change_to);
                let size = rng.between(0.1, 0.4);
                // A bulk load or a purge.
                truth.jump = base * if rng.chance(0.5) { size } else { -size * 0.75 };
            }
            Shape::SlopeChange => {
                truth.change_at = rng.between(change_from, change_to);
                let factor = if rng.chance(0.5) { rng.between(0.3, 0.7) } else { rng.between(1.5, 3.0) };
                truth.slope_after = truth.slope * factor;
            }
        }
        if shape == Shape::Flat {
            truth.slope = 0.0;
        }
        truth
    }

    fn value(&self, t: f64) -> f64 {
        match self.shape {
            Shape::Linear => self.base + self.slope * t,
            Shape::Exponential => self.base * (self.growth * t).exp(),
            Shape::Damped => self.base + self.slope * -(-self.lambda * t).exp_m1() / self.lambda,
            Shape::Flat => self.base,
            Shape::LevelStep => self.base + self.slope * t + if t >= self.change_at { self.jump } else { 0.0 },
            Shape::SlopeChange => {
                self.base + self.slope * t.min(self.change_at) + self.slope_after * (t - self.change_at).max(0.0)
            }
        }
    }

    /// The curve's smooth rate per day (a jump is a bulk load, not daily inserts).
    fn rate(&self, t: f64) -> f64 {
        match self.shape {
            Shape::Linear | Shape::LevelStep => self.slope,
            Shape::Exponential => self.base * self.growth * (self.growth * t).exp(),
            Shape::Damped => self.slope * (-self.lambda * t).exp(),
            Shape::Flat => 0.0,
            Shape::SlopeChange => {
                if t < self.change_at {
                    self.slope
                } else {
                    self.slope_after
                }
            }
        }
    }
}

/// The value a collector would read at any instant: the truth plus, for integrated noise, what
/// the busy and quiet days added up to (simulated daily, interpolated between days).
struct Path {
    truth: Truth,
    drift: Vec<f64>,
}

impl Path {
    fn simulate(rng: &mut Rng, truth: Truth, noise: Noise, days: usize) -> Path {
        let mut drift = vec![0.0; days + 1];
        if noise == Noise::Integrated {
            let innovation = INSERT_VARIATION * (1.0 - INSERT_PERSISTENCE * INSERT_PERSISTENCE).sqrt();
            let mut busy = INSERT_VARIATION * rng.normal();
            for day in 1..=days {
                busy = INSERT_PERSISTENCE * busy + innovation * rng.normal();
                let t = day as f64;
                let activity = truth.rate(t).abs().max(FLAT_CHURN * truth.value(t).abs());
                drift[day] = drift[day - 1] + activity * busy;
            }
        }
        Path { truth, drift }
    }

    fn value(&self, t: f64) -> f64 {
        let day = (t.floor().max(0.0) as usize).min(self.drift.len() - 2);
        let within = (t - day as f64).clamp(0.0, 1.0);
        let drift = self.drift[day] + within * (self.drift[day + 1] - self.drift[day]);
        self.truth.value(t) + drift
    }

    fn observe(&self, rng: &mut Rng, t: f64, noise: Noise) -> f64 {
        (self.value(t) * (1.0 + noise.measurement_sd() * rng.normal())).round().max(0.0)
    }
}

/// The instants of a history of `length` days: daily at 02:24, or irregular.
fn sample_days(rng: &mut Rng, sampling: Sampling, length: usize) -> Vec<f64> {
    match sampling {
        Sampling::Daily => (0..length).map(|d| d as f64 + 0.1).collect(),
        Sampling::Irregular => {
            let mut days = Vec::new();
            let mut day = 0.0;
            while day < length as f64 {
                let instant = day + rng.between(0.0, 0.4);
                days.push(instant);
                // The same snapshot imported twice.
                if rng.chance(0.05) {
                    days.push(instant);
                }
                day += 1.0 + (rng.uniform() * 10.0).floor();
                // The collector was down for a week or two.
                if rng.chance(0.05) {
                    day += 7.0 * (1.0 + (rng.uniform() * 2.0).floor());
                }
            }
            days
        }
    }
}

/// What one series scored.
struct Outcome {
    shape: Shape,
    change_ahead: bool,
    noise: Noise,
    sampling: Sampling,
    length: usize,
    model: ModelKind,
    /// Per horizon: absolute percentage error, and whether each interval held the observation.
    ape: [f64; 3],
    in80: [bool; 3],
    in95: [bool; 3],
    naive80: [bool; 3],
    naive95: [bool; 3],
    /// Width of the 80% interval as a percentage of the observed value.
    width80: [f64; 3],
    /// Whether the fit found a level shift or a trend change inside the history.
    level_shift: bool,
    trend_change: bool,
}

struct Scenario {
    shape: Shape,
    change_ahead: bool,
    noise: Noise,
    sampling: Sampling,
    length: usize,
}

fn run(scenario: &Scenario, seed: u64) -> Option<Outcome> {
    let mut rng = Rng::new(seed);
    let length = scenario.length as f64;
    // A change inside the history stays clear of its ends; one ahead lands before the first horizon
    // or between the horizons.
    let (from, to) = if scenario.change_ahead { (length + 5.0, length + 80.0) } else { (0.2 * length, 0.8 * length) };
    let truth = Truth::draw(&mut rng, scenario.shape, from, to);
    let horizon_days = scenario.length + HORIZONS[2] as usize + 2;
    let path = Path::simulate(&mut rng, truth, scenario.noise, horizon_days);
    let days = sample_days(&mut rng, scenario.sampling, scenario.length);
    let history: Vec<Point> =
        days.iter().map(|&t| Point { day: START_DAY + t, value: path.observe(&mut rng, t, scenario.noise) }).collect();
    let forecast = Forecast::from_history(&history)?;
    let naive = NaiveLine::fit(&history);
    let mut outcome = Outcome {
        shape: scenario.shape,
        change_ahead: scenario.change_ahead,
        noise: scenario.noise,
        sampling: scenario.sampling,
        length: scenario.length,
        model: forecast.model,
        ape: [0.0; 3],
        in80: [false; 3],
        in95: [false; 3],
        naive80: [false; 3],
        naive95: [false; 3],
        width80: [f64::NAN; 3],
        level_shift: forecast.level_shift_at.is_some(),
        trend_change: forecast.trend_change_at.is_some(),
    };
    for (i, horizon) in HORIZONS.iter().enumerate() {
        let day = forecast.origin + horizon;
        let observed = path.observe(&mut rng, day - START_DAY, scenario.noise);
        let band = forecast.at(day);
        outcome.ape[i] = (band.value - observed).abs() / observed.abs().max(1.0) * 100.0;
        if let Some(interval) = band.interval {
            outcome.in80[i] = interval.low80 <= observed && observed <= interval.high80;
            outcome.in95[i] = interval.low95 <= observed && observed <= interval.high95;
            outcome.width80[i] = (interval.high80 - interval.low80) / observed.abs().max(1.0) * 100.0;
        }
        if let Some(naive) = &naive {
            let (low80, high80) = naive.interval(day, naive.t80);
            let (low95, high95) = naive.interval(day, naive.t95);
            outcome.naive80[i] = low80 <= observed && observed <= high80;
            outcome.naive95[i] = low95 <= observed && observed <= high95;
        }
    }
    Some(outcome)
}

/// The textbook interval: a straight line by ordinary least squares, independent residuals.
struct NaiveLine {
    mean_day: f64,
    intercept: f64,
    slope: f64,
    sxx: f64,
    n: f64,
    sd: f64,
    t80: f64,
    t95: f64,
}

impl NaiveLine {
    fn fit(history: &[Point]) -> Option<NaiveLine> {
        let n = history.len() as f64;
        if n < 3.0 {
            return None;
        }
        let mean_day = history.iter().map(|p| p.day).sum::<f64>() / n;
        let mean_value = history.iter().map(|p| p.value).sum::<f64>() / n;
        let sxx: f64 = history.iter().map(|p| (p.day - mean_day).powi(2)).sum();
        let sxy: f64 = history.iter().map(|p| (p.day - mean_day) * (p.value - mean_value)).sum();
        let slope = sxy / sxx;
        let sse: f64 = history.iter().map(|p| (p.value - mean_value - slope * (p.day - mean_day)).powi(2)).sum();
        let t = StudentsT::new(0.0, 1.0, n - 2.0).ok()?;
        Some(NaiveLine {
            mean_day,
            intercept: mean_value,
            slope,
            sxx,
            n,
            sd: (sse / (n - 2.0)).sqrt(),
            t80: t.inverse_cdf(0.90),
            t95: t.inverse_cdf(0.975),
        })
    }

    fn interval(&self, day: f64, t: f64) -> (f64, f64) {
        let center = self.intercept + self.slope * (day - self.mean_day);
        let se = self.sd * (1.0 + 1.0 / self.n + (day - self.mean_day).powi(2) / self.sxx).sqrt();
        (center - t * se, center + t * se)
    }
}

fn percent(hits: usize, total: usize) -> f64 {
    if total == 0 {
        f64::NAN
    } else {
        hits as f64 / total as f64 * 100.0
    }
}

/// Aggregates of a set of outcomes.
struct Summary {
    series: usize,
    mape: [f64; 3],
    cover80: [f64; 4],
    cover95: [f64; 4],
    naive80: f64,
    naive95: f64,
    models: [usize; 4],
    /// Median width of the 80% interval (% of the value) at each horizon.
    width80: [f64; 3],
    level_shifts: usize,
    trend_changes: usize,
}

fn summarise<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> Summary {
    let mut series = 0;
    let mut ape = [0.0; 3];
    let mut in80 = [0usize; 3];
    let mut in95 = [0usize; 3];
    let (mut naive80, mut naive95) = (0, 0);
    let mut models = [0usize; 4];
    let mut widths: [Vec<f64>; 3] = Default::default();
    let (mut level_shifts, mut trend_changes) = (0, 0);
    for outcome in outcomes {
        series += 1;
        level_shifts += usize::from(outcome.level_shift);
        trend_changes += usize::from(outcome.trend_change);
        for i in 0..3 {
            ape[i] += outcome.ape[i];
            in80[i] += usize::from(outcome.in80[i]);
            in95[i] += usize::from(outcome.in95[i]);
            naive80 += usize::from(outcome.naive80[i]);
            naive95 += usize::from(outcome.naive95[i]);
            widths[i].push(outcome.width80[i]);
        }
        models[model_index(outcome.model)] += 1;
    }
    let pooled = |hits: [usize; 3]| percent(hits.iter().sum(), 3 * series);
    Summary {
        series,
        mape: ape.map(|total| total / series.max(1) as f64),
        cover80: [percent(in80[0], series), percent(in80[1], series), percent(in80[2], series), pooled(in80)],
        cover95: [percent(in95[0], series), percent(in95[1], series), percent(in95[2], series), pooled(in95)],
        naive80: percent(naive80, 3 * series),
        naive95: percent(naive95, 3 * series),
        models,
        width80: widths.map(median),
        level_shifts,
        trend_changes,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn model_index(kind: ModelKind) -> usize {
    match kind {
        ModelKind::Flat => 0,
        ModelKind::Linear => 1,
        ModelKind::Exponential => 2,
        ModelKind::Damped => 3,
    }
}

/// The report's columns after the group and its size, in groups separated by bars: each a
/// width, a precision and a heading.
const COLUMNS: [&[(usize, usize, &str)]; 6] = [
    &[(6, 2, "mape30"), (6, 2, "mape90"), (6, 2, "ape365")],
    &[(5, 1, "80@30"), (5, 1, "80@90"), (5, 1, "@365"), (5, 1, "80all")],
    &[(5, 1, "95@30"), (5, 1, "95@90"), (5, 1, "@365"), (5, 1, "95all")],
    &[(5, 1, "w@30"), (5, 1, "w@90"), (5, 1, "w@365")],
    &[(5, 1, "nv80"), (5, 1, "nv95")],
    &[(4, 0, "flat"), (4, 0, "lin"), (4, 0, "exp"), (4, 0, "damp"), (4, 0, "lvl"), (4, 0, "trd")],
];

fn print_header(title: &str) {
    println!();
    println!("{title}");
    let mut line = format!("{:<24} {:>5}", "group", "n");
    for group in COLUMNS {
        line.push_str(" |");
        for (width, _, heading) in group {
            line.push_str(&format!(" {heading:>width$}"));
        }
    }
    println!("{line}");
}

fn print_row(label: &str, summary: &Summary) {
    let share = |count: usize| percent(count, summary.series);
    let [mape30, mape90, mape365] = summary.mape;
    let [w30, w90, w365] = summary.width80;
    let values: [&[f64]; 6] = [
        &[mape30, mape90, mape365],
        &summary.cover80,
        &summary.cover95,
        &[w30, w90, w365],
        &[summary.naive80, summary.naive95],
        &[
            share(summary.models[0]),
            share(summary.models[1]),
            share(summary.models[2]),
            share(summary.models[3]),
            share(summary.level_shifts),
            share(summary.trend_changes),
        ],
    ];
    let mut line = format!("{label:<24} {:>5}", summary.series);
    for (group, values) in COLUMNS.iter().zip(values) {
        line.push_str(" |");
        for ((width, precision, _), value) in group.iter().zip(values) {
            line.push_str(&format!(" {value:>width$.precision$}"));
        }
    }
    println!("{line}");
}

fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for change_ahead in [false, true] {
        for shape in SHAPES {
            let has_change = matches!(shape, Shape::LevelStep | Shape::SlopeChange);
            if change_ahead && !has_change {
                continue;
            }
            for noise in NOISES {
                for sampling in SAMPLINGS {
                    for length in HISTORY_LENGTHS {
                        all.push(Scenario { shape, change_ahead, noise, sampling, length });
                    }
                }
            }
        }
    }
    all
}

fn backtest() -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for (cell, scenario) in scenarios().iter().enumerate() {
        // Fewer series where the change is ahead: they only show the failure.
        let seeds = if scenario.change_ahead { SEEDS_PER_CELL / 2 } else { SEEDS_PER_CELL };
        for index in 0..seeds {
            // The multiplication spreads the seed's bits, so that seeds differing in a few low
            // bits do not select the same streams in a different order.
            let seed = seed().wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((cell as u64) << 32) ^ index;
            if let Some(outcome) = run(scenario, seed) {
                outcomes.push(outcome);
            }
        }
    }
    outcomes
}

fn report(outcomes: &[Outcome]) {
    let kept = || outcomes.iter().filter(|o| !o.change_ahead);
    println!(
        "columns: mape = mean absolute % error at 30/90/365 days; 80@h, 95@h = % of observed held-out values inside\n\
         the 80%/95% interval at h days (all = pooled over horizons); nv80/nv95 = pooled coverage of a naive OLS line\n\
         interval (independent residuals); w@h = median width of the 80% interval at h days, % of the value;\n\
         flat..damp = % of series each model was chosen for; lvl, trd = % where a level shift / trend change\n\
         was fitted."
    );
    print_header("by shape (change inside the history)");
    for shape in SHAPES {
        print_row(shape.label(), &summarise(kept().filter(|o| o.shape == shape)));
    }
    print_header("by noise");
    for noise in NOISES {
        print_row(&noise.label(), &summarise(kept().filter(|o| o.noise == noise)));
    }
    print_header("by sampling");
    for sampling in SAMPLINGS {
        print_row(sampling.label(), &summarise(kept().filter(|o| o.sampling == sampling)));
    }
    print_header("by history length");
    for length in HISTORY_LENGTHS {
        print_row(&format!("{length} days"), &summarise(kept().filter(|o| o.length == length)));
    }
    print_header("overall (change inside the history or none)");
    print_row("all", &summarise(kept()));
    print_header("change AFTER the cut (expected to fail: the history cannot show it; not in the totals)");
    for shape in [Shape::LevelStep, Shape::SlopeChange] {
        let label = format!("{} ahead", shape.label());
        print_row(&label, &summarise(outcomes.iter().filter(|o| o.change_ahead && o.shape == shape)));
    }
    if std::env::var_os("SCHEMACAST_BACKTEST_DETAIL").is_some() {
        print_header("detail: shape x noise x history length");
        for shape in SHAPES {
            for noise in NOISES {
                for length in HISTORY_LENGTHS {
                    let label = format!("{} {} {length}", shape.label(), noise.label());
                    let cell = kept().filter(|o| o.shape == shape && o.noise == noise && o.length == length);
                    print_row(&label, &summarise(cell));
                }
            }
        }
    }
}

/// Pass or miss against a target range, for the summary.
fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn print_targets(outcomes: &[Outcome]) {
    let kept = || outcomes.iter().filter(|o| !o.change_ahead);
    let all = summarise(kept());
    let two_percent = summarise(kept().filter(|o| o.noise == Noise::Measurement(0.02)));
    println!();
    println!("targets (pooled over every shape with its change, if any, inside the history):");
    let in_range = |value: f64, low: f64, high: f64| (low..=high).contains(&value);
    println!(
        "  80% intervals cover 75-85%:            {:>5.1}%  (30d {:.1}, 90d {:.1}, 365d {:.1})  {}",
        all.cover80[3],
        all.cover80[0],
        all.cover80[1],
        all.cover80[2],
        verdict(in_range(all.cover80[3], 75.0, 85.0))
    );
    println!(
        "  95% intervals cover 91-98%:            {:>5.1}%  (30d {:.1}, 90d {:.1}, 365d {:.1})  {}",
        all.cover95[3],
        all.cover95[0],
        all.cover95[1],
        all.cover95[2],
        verdict(in_range(all.cover95[3], 91.0, 98.0))
    );
    println!(
        "  MAPE at 90 days, 2% noise, under 5%:   {:>5.2}%  {}",
        two_percent.mape[1],
        verdict(two_percent.mape[1] < 5.0)
    );
    let groups: Vec<String> = SHAPES
        .iter()
        .map(|&shape| (shape, summarise(kept().filter(|o| o.shape == shape))))
        .filter(|(_, s)| !in_range(s.cover80[3], 75.0, 85.0) || !in_range(s.cover95[3], 91.0, 98.0))
        .map(|(shape, s)| format!("{} ({:.1}/{:.1})", shape.label(), s.cover80[3], s.cover95[3]))
        .collect();
    if groups.is_empty() {
        println!("  every shape group is within both coverage ranges");
    } else {
        println!("  shape groups outside a coverage range (80%/95% pooled): {}", groups.join(", "));
    }
    println!("  naive OLS line interval for contrast:  80% covers {:.1}%, 95% covers {:.1}%", all.naive80, all.naive95);
}

/// The largest value a 32-bit signed key can take.
const INT_MAX: f64 = 2_147_483_647.0;
const IDS_PER_DAY: f64 = 1.5e6;
const EXHAUSTION_SEEDS: u64 = 1_000;
const EXHAUSTION_HISTORY: usize = 180;

struct Exhaustion {
    model: &'static str,
    trend_change: bool,
    origin: f64,
    truth: f64,
    at: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

impl Exhaustion {
    fn inside(&self) -> bool {
        matches!((self.low, self.high), (Some(low), Some(high)) if low <= self.truth && self.truth <= high)
    }
}

/// An id sequence using ~1.5M ids a day (fewer at weekends, busy days clustering), read exactly
/// every day for 180 days, with the day it would really pass 2,147,483,647 simulated on.
fn exhaustion(seed: u64) -> Exhaustion {
    let mut rng = Rng::new(seed);
    let days_left = rng.between(60.0, 720.0);
    let mut position = INT_MAX - IDS_PER_DAY * (EXHAUSTION_HISTORY as f64 + days_left);
    let mut busy = 0.0;
    let mut history = Vec::with_capacity(EXHAUSTION_HISTORY);
    let mut day = 0usize;
    loop {
        let weekly = if day % 7 >= 5 { 0.75 } else { 1.1 };
        busy = 0.6 * busy + 0.2 * 0.8 * rng.normal();
        let used = (IDS_PER_DAY * weekly * (1.0 + busy)).max(0.0).round();
        let next = position + used;
        if day >= EXHAUSTION_HISTORY && next >= INT_MAX {
            let truth = START_DAY + day as f64 + (INT_MAX - position) / used;
            let forecast = Forecast::from_history(&history).expect("a long history forecasts");
            let crossing = forecast.crossing(INT_MAX);
            return Exhaustion {
                model: forecast.model_name(),
                trend_change: forecast.trend_change_at.is_some(),
                origin: forecast.origin,
                truth,
                at: crossing.at,
                low: crossing.at_low,
                high: crossing.at_high,
            };
        }
        position = next;
        day += 1;
        if day < EXHAUSTION_HISTORY {
            history.push(Point { day: START_DAY + day as f64, value: position });
        }
    }
}

fn date(day: f64) -> String {
    jiff::Timestamp::from_second((day * 86_400.0) as i64)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| format!("day {day:.0}"))
}

fn print_exhaustion() {
    println!();
    println!(
        "key exhaustion: an int4 sequence using ~{:.1}M ids/day (weekday/weekend pattern, busy days clustering), \
         {EXHAUSTION_HISTORY} daily readings, limit 2,147,483,647",
        IDS_PER_DAY / 1e6
    );
    println!(
        "{:>4} {:>10} {:>10} {:>10} {:>23} {:>6} {:>9}  model",
        "seed", "origin", "truth", "predicted", "80% interval", "inside", "error (d)"
    );
    let results: Vec<Exhaustion> = (0..EXHAUSTION_SEEDS)
        .map(|i| exhaustion(seed().wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xE0 ^ (i << 40)))
        .collect();
    for (i, result) in results.iter().enumerate().take(8) {
        let show = |day: Option<f64>| day.map_or("never".to_owned(), date);
        println!(
            "{:>4} {:>10} {:>10} {:>10} {:>10} .. {:>10} {:>6} {:>+9.1}  {}",
            i,
            date(result.origin),
            date(result.truth),
            show(result.at),
            show(result.low),
            show(result.high),
            if result.inside() { "yes" } else { "NO" },
            result.at.map_or(f64::NAN, |at| at - result.truth),
            if result.trend_change { format!("{}, trend change", result.model) } else { result.model.to_owned() }
        );
    }
    let inside = results.iter().filter(|r| r.inside()).count();
    let early = results.iter().filter(|r| r.low.is_some_and(|low| r.truth < low)).count();
    let late = results.iter().filter(|r| r.high.is_none_or(|high| r.truth > high)).count();
    let errors: Vec<f64> =
        results.iter().filter_map(|r| r.at.map(|at| (at - r.truth).abs() / (r.truth - r.origin))).collect();
    let mean_error = errors.iter().sum::<f64>() / errors.len().max(1) as f64 * 100.0;
    println!(
        "across {} seeds (60 to 720 days left): the true date lies in the 80% interval {:.1}% of the time \
         (target 75-85%: {}; earlier than it {:.1}%, later {:.1}%); mean |error| {:.1}% of the time left",
        results.len(),
        percent(inside, results.len()),
        verdict((75.0..=85.0).contains(&percent(inside, results.len()))),
        percent(early, results.len()),
        percent(late, results.len()),
        mean_error
    );
}

fn main() {
    let started = Instant::now();
    let outcomes = backtest();
    println!(
        "forecast backtest: {} synthetic series ({} with the change after the cut), seed {:#x}",
        outcomes.len(),
        outcomes.iter().filter(|o| o.change_ahead).count(),
        seed()
    );
    report(&outcomes);
    print_targets(&outcomes);
    print_exhaustion();
    println!();
    println!("ran in {:.1} s", started.elapsed().as_secs_f64());
}
