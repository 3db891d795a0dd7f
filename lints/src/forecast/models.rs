//! The candidate models, fitted to a cleaned series, and what a prediction interval needs from
//! each.
//!
//! Every candidate is a level plus a curve that is zero at the origin (time `s` is in days
//! relative to the last observation, so `s <= 0` in the history and `s > 0` ahead):
//!
//! - flat: `level`;
//! - linear: `level + b·s`;
//! - exponential: `level + b·s` fitted to `ln y`;
//! - damped: `level + b·(1 - e^(-λs))/λ`.
//!
//! The level is not a constant: it wanders as a random walk (variance `η·σ²` per day) and each
//! observation adds independent measurement noise (variance `σ²`), both in proportion to the
//! size of the series (the exponential model gets that from the logarithm). This is the local
//! level model of structural time series; the Kalman filter turns it into one pass per
//! candidate: the exact Gaussian likelihood, generalised least squares for `b`, and the level at
//! the origin with its variance. `η = 0` is a fixed curve with independent noise; a large `η` is
//! a random walk with drift, whose forecast starts from the last observation. `η` is estimated
//! per candidate by maximum likelihood (a grid whose points all run in the same pass, then a
//! parabolic refinement); `λ` by least squares.
//!
//! A dispersion check compares how much what a fit leaves moves over a few weeks with what the
//! model expects; the excess (persistent busy periods, a curve that does not quite follow) is the
//! overdispersion of quasi-likelihood. It widens that fit's intervals and, measured on the best
//! fit, shrinks every likelihood difference (QAICc) so that overdispersed data do not make model
//! weights overconfident.
//!
//! A change the curves cannot follow (a jump in level, a change in the growth rate) shows against
//! the best curve with its level held fixed. The likeliest step and the likeliest ramp are found
//! with Chen and Liu's intervention statistic (every date at once, in one backward sweep); each is
//! screened against the best curve at its own wander, then fitted with every candidate, counting
//! its size and its date as parameters, and those fits join the candidates if the change still
//! stands out (with its standard error widened by the overdispersion) once the level is free to
//! wander again.
//!
//! Every candidate gets its (Q)AICc weight; the forecast's intervals mix those that count.

use super::ModelKind;

/// One observation: days relative to the origin, and the value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Obs {
    pub s: f64,
    pub y: f64,
}

/// What changed inside the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// A jump in level (a bulk load, a partial purge), fitted as a step.
    Level,
    /// A change in the growth rate (a launch, a new retention policy), fitted as a ramp.
    Trend,
}

/// A change fitted inside the history: from day `s` (relative to the origin) on, the series is
/// `size` higher (a level change) or grows `size` more per day (a trend change; per day on the
/// log scale for the exponential model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Change {
    pub kind: ChangeKind,
    pub s: f64,
    pub size: f64,
}

impl Change {
    /// The change's regressor at `s`: nothing before it, then 1 (level) or the days since (trend).
    fn regressor(kind: ChangeKind, at: f64, s: f64) -> f64 {
        match kind {
            _ if s < at => 0.0,
            ChangeKind::Level => 1.0,
            ChangeKind::Trend => s - at,
        }
    }
}

/// A fitted candidate. The exponential model lives on the log scale; the others on the original.
#[derive(Clone, Debug)]
pub(crate) struct Fitted {
    pub kind: ModelKind,
    /// The point forecast at the origin on the fitted scale.
    pub a: f64,
    pub b: f64,
    /// Damping rate per day (damped trend only).
    pub lambda: f64,
    pub change: Option<Change>,
    /// Wander of the level per day, relative to the measurement noise.
    pub eta: f64,
    /// Measurement variance at unit scale (unbiased).
    pub sigma2: f64,
    /// How much more the series moves over a few weeks than the model says (see [`dispersion`]):
    /// it widens the level's and the parameters' shares of the variance, and the wander ahead
    /// uses `forecast_eta`, at least η so widened and at least the wander the few weeks show.
    pub inflation: f64,
    pub forecast_eta: f64,
    /// Akaike weight among the candidates: how likely this one is the best of them.
    pub weight: f64,
    /// Variance of the filtered level at the origin, relative to σ².
    level_variance: f64,
    /// The parameters' share of the prediction variance: which Jacobian terms there are, where
    /// the filter left each, and the inverse of their information (relative to σ²).
    terms: [Term; 3],
    term_count: usize,
    jacobian_level: [f64; 3],
    inverse: [[f64; 3]; 3],
    /// The noise scale's lower bound (original scale), for values near zero.
    floor: f64,
    /// Residual degrees of freedom, for Student's t.
    pub df: usize,
    /// Minus twice the log-likelihood on the original scale (comparable across kinds), AICc's
    /// penalty, and the criterion: AICc, then QAICc once the overdispersion is known.
    deviance: f64,
    penalty: f64,
    pub criterion: f64,
}

/// A parameter whose uncertainty the prediction carries forward: the curve's slope, the damped
/// trend's λ, a change's size.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Term {
    Slope,
    Damping,
    Change,
}

impl Fitted {
    /// The curve's shape at `s` (what `b` multiplies).
    fn shape(&self, s: f64) -> f64 {
        match self.kind {
            ModelKind::Flat => 0.0,
            ModelKind::Linear | ModelKind::Exponential => s,
            ModelKind::Damped => damped_g(s, self.lambda),
        }
    }

    fn change_regressor(&self, s: f64) -> f64 {
        self.change.map_or(0.0, |change| Change::regressor(change.kind, change.s, s))
    }

    /// The point forecast at `s` on the fitted scale; in the history, the fitted curve.
    pub fn curve(&self, s: f64) -> f64 {
        let change = self.change.map_or(0.0, |c| c.size * (self.change_regressor(s) - self.change_regressor(0.0)));
        self.a + self.b * self.shape(s) + change
    }

    fn term(&self, term: Term, s: f64) -> f64 {
        match term {
            Term::Slope => self.shape(s),
            Term::Damping => self.b * damped_dg(s, self.lambda),
            Term::Change => self.change_regressor(s),
        }
    }

    /// How big the noise is at `s` ahead: the forecast's size, on the original scale.
    fn scale(&self, s: f64) -> f64 {
        if self.is_log() {
            1.0
        } else {
            self.curve(s).abs().max(self.floor)
        }
    }

    /// Variance of an observation at `s >= 0` around the point forecast, on the fitted scale:
    /// the level's uncertainty now and the parameters' carried forward (both widened by the
    /// dispersion check), the level's wander until then, and the measurement noise then.
    pub fn prediction_variance(&self, s: f64) -> f64 {
        let now = self.scale(0.0);
        let then = self.scale(s);
        let wander = self.forecast_eta * s * (now * now + then * then) / 2.0;
        let mut g = [0.0; 3];
        for (t, term) in self.terms.iter().enumerate().take(self.term_count) {
            g[t] = self.term(*term, s) - self.jacobian_level[t];
        }
        let mut parameters = 0.0;
        for r in 0..self.term_count {
            for c in 0..self.term_count {
                parameters += g[r] * self.inverse[r][c] * g[c];
            }
        }
        self.sigma2 * (self.inflation * (self.level_variance + parameters.max(0.0)) + wander + then * then)
    }

    pub fn is_log(&self) -> bool {
        self.kind == ModelKind::Exponential
    }

    /// The curve's slope per day at the origin on the fitted scale: `b` (the damped shape starts
    /// with slope 1), plus a trend change's size.
    pub fn slope_at_origin(&self) -> f64 {
        let trend = self.change.filter(|c| c.kind == ChangeKind::Trend).map_or(0.0, |c| c.size);
        self.b + trend
    }

    /// The change's size in standard errors (zero without a change).
    fn change_statistic(&self) -> f64 {
        let Some(change) = self.change else { return 0.0 };
        let Some(t) = self.terms.iter().take(self.term_count).position(|t| *t == Term::Change) else {
            return 0.0;
        };
        let variance = self.sigma2 * self.inverse[t][t];
        if variance > 0.0 {
            change.size.abs() / variance.sqrt()
        } else {
            0.0
        }
    }
}

/// The damped-trend curve's shape: `(1 - e^(-λs)) / λ`, which is `s` as λ → 0. It is the
/// forecast function of Holt's damped trend (φ = e^(-λ) per day) in continuous time, so
/// irregular sampling needs no resampling.
fn damped_g(s: f64, lambda: f64) -> f64 {
    if lambda.abs() < 1e-12 {
        return s;
    }
    -(-lambda * s).exp_m1() / lambda
}

fn damped_dg(s: f64, lambda: f64) -> f64 {
    if lambda.abs() < 1e-12 {
        return -s * s / 2.0;
    }
    let e = (-lambda * s).exp();
    (s * e * lambda + (-lambda * s).exp_m1()) / (lambda * lambda)
}

/// The sum of squared innovations is at least this share of the level per point, so that an
/// exact fit of clean data compares as "very good", not as minus infinity, and so that what
/// rounding leaves of an exact fit (a difference of nearly equal sums) stays below it.
const RELATIVE_FLOOR: f64 = 1e-7;

/// Below this many points the wander cannot be told from the noise: the level is held fixed.
const MIN_POINTS_FOR_WANDER: usize = 8;

/// The damped trend has three parameters and a shape: it needs enough points to be told apart
/// from a straight line.
const MIN_POINTS_FOR_DAMPED: usize = 6;

/// The values of η tried in one pass: none, then 10⁻⁴ to 10² per day a decade apart (refined up
/// to half a decade beyond). Below 10⁻⁴ a year's wander is under 4% of the noise variance, as
/// good as none; beyond 10^2.5 the noise is under 6% of a day's wander, a random walk in all but
/// name.
const LANES: usize = 8;
const ETA_GRID: [f64; LANES] = [0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2];

/// Smallest Akaike weight for a candidate to take part in the intervals.
pub(crate) const MIN_WEIGHT: f64 = 0.01;

/// A candidate whose best point of the grid is this much worse than the best candidate's cannot
/// reach [`MIN_WEIGHT`] by refinement (which gains far less than this), so it is not refined.
const HOPELESS: f64 = 2.0 * 4.605_170_185_988_091 + 6.0;

/// How the noise and the wander scale along a series, relative to σ²: in proportion to its
/// size, or (on the log scale) not at all.
struct Scales {
    /// Measurement variance of each observation.
    noise: Vec<f64>,
    inverse_noise: Vec<f64>,
    /// Wander variance from the previous observation to this one, per unit of η.
    wander: Vec<f64>,
    /// Σ ln noise over the observations after the first.
    log_noise: f64,
}

impl Scales {
    fn new(s: &[f64], scale: impl Fn(usize) -> f64) -> Scales {
        let noise: Vec<f64> = (0..s.len()).map(|i| scale(i).powi(2)).collect();
        let wander = (0..s.len())
            .map(|i| if i == 0 { 0.0 } else { (s[i] - s[i - 1]) * (noise[i] + noise[i - 1]) / 2.0 })
            .collect();
        Scales {
            inverse_noise: noise.iter().map(|v| 1.0 / v).collect(),
            log_noise: sum_of_logs(&noise[1.min(noise.len())..]),
            noise,
            wander,
        }
    }

    /// Noise and wander that do not scale: the log scale's.
    fn unit(s: &[f64]) -> Scales {
        let wander = (0..s.len()).map(|i| if i == 0 { 0.0 } else { s[i] - s[i - 1] }).collect();
        Scales { noise: vec![1.0; s.len()], inverse_noise: vec![1.0; s.len()], wander, log_noise: 0.0 }
    }
}

/// Σ ln v of positive values, with one logarithm per 16 of them: products of values relative to
/// the first stay far from overflow while the sizes along a series differ by less than 10¹⁹.
fn sum_of_logs(values: &[f64]) -> f64 {
    let Some(&reference) = values.first() else { return 0.0 };
    let mut total = values.len() as f64 * reference.ln();
    for chunk in values.chunks(16) {
        total += chunk.iter().map(|v| v / reference).product::<f64>().ln();
    }
    total
}

/// What one run of the filter leaves: the innovations' cross products `Σ vᵢvⱼ/F` per pair of
/// columns (upper triangle), `Σ ln F`, each column's filtered level after the last observation
/// and that level's variance.
#[derive(Clone, Copy)]
struct Pass<const C: usize> {
    cross: [[f64; C]; C],
    log_f: f64,
    level: [f64; C],
    level_variance: f64,
}

impl<const C: usize> Pass<C> {
    fn at(&self, a: usize, b: usize) -> f64 {
        self.cross[a.min(b)][a.max(b)]
    }
}

/// The local-level Kalman filter, run over `C` columns at once (they share the gains) and for
/// `L` values of η at once (independent lanes, innermost so that the work vectorises). The level
/// starts diffuse: the first observation sets it, and the likelihood counts the innovations
/// after it.
// Lanes and columns are indexed together on purpose: it is the layout that vectorises.
#[allow(clippy::needless_range_loop)]
fn filter<const C: usize, const L: usize>(scales: &Scales, columns: [&[f64]; C], etas: [f64; L]) -> [Pass<C>; L] {
    let n = scales.noise.len();
    let mut level = [[0.0; L]; C];
    for (lanes, column) in level.iter_mut().zip(&columns) {
        *lanes = [column[0]; L];
    }
    let mut variance = [scales.noise[0]; L];
    let mut cross = [[[0.0; L]; C]; C];
    let mut log_f = [scales.log_noise; L];
    // Σ ln F is kept as products of F/noise (each >= 1), logged every few steps: one log per
    // 32 observations instead of one each.
    let mut product = [1.0; L];
    // Without wander the level's information just adds up (the information form of the filter),
    // so the divisions leave the chain from one observation to the next.
    let fixed = etas.iter().all(|&eta| eta == 0.0);
    let mut information = [1.0 / scales.noise[0]; L];
    for i in 1..n {
        let (noise, inverse_noise, wander) = (scales.noise[i], scales.inverse_noise[i], scales.wander[i]);
        let mut gain = [0.0; L];
        let mut inverse_f = [0.0; L];
        if fixed {
            for l in 0..L {
                gain[l] = 1.0 / (1.0 + noise * information[l]);
                inverse_f[l] = gain[l] * information[l];
                product[l] *= 1.0 / (1.0 - gain[l]);
                information[l] += inverse_noise;
            }
        } else {
            for l in 0..L {
                let predicted = variance[l] + etas[l] * wander;
                let f = predicted + noise;
                let inverse = 1.0 / f;
                gain[l] = predicted * inverse;
                inverse_f[l] = inverse;
                product[l] *= f * inverse_noise;
                variance[l] = gain[l] * noise;
            }
        }
        let mut innovation = [[0.0; L]; C];
        for j in 0..C {
            let value = columns[j][i];
            for l in 0..L {
                let v = value - level[j][l];
                level[j][l] += gain[l] * v;
                innovation[j][l] = v;
            }
        }
        for a in 0..C {
            let mut scaled = [0.0; L];
            for l in 0..L {
                scaled[l] = innovation[a][l] * inverse_f[l];
            }
            for b in a..C {
                for l in 0..L {
                    cross[a][b][l] += scaled[l] * innovation[b][l];
                }
            }
        }
        if i % 32 == 0 {
            for l in 0..L {
                log_f[l] += product[l].ln();
                product[l] = 1.0;
            }
        }
    }
    if fixed {
        variance = information.map(|i| 1.0 / i);
    }
    std::array::from_fn(|l| {
        let mut pass = Pass {
            cross: [[0.0; C]; C],
            log_f: log_f[l] + product[l].ln(),
            level: [0.0; C],
            level_variance: variance[l],
        };
        for a in 0..C {
            pass.level[a] = level[a][l];
            for b in a..C {
                pass.cross[a][b] = cross[a][b][l];
            }
        }
        pass
    })
}

/// One filter pass at one η over up to four columns, in a fixed-size result.
fn filter_one(scales: &Scales, columns: &[&[f64]], eta: f64) -> Pass<4> {
    fn widen<const C: usize>(pass: Pass<C>) -> Pass<4> {
        let mut wide =
            Pass { cross: [[0.0; 4]; 4], log_f: pass.log_f, level: [0.0; 4], level_variance: pass.level_variance };
        for a in 0..C {
            wide.level[a] = pass.level[a];
            for b in a..C {
                wide.cross[a][b] = pass.cross[a][b];
            }
        }
        wide
    }
    match *columns {
        [a] => widen(filter(scales, [a], [eta])[0]),
        [a, b] => widen(filter(scales, [a, b], [eta])[0]),
        [a, b, c] => widen(filter(scales, [a, b, c], [eta])[0]),
        [a, b, c, d, ..] => filter(scales, [a, b, c, d], [eta])[0],
        [] => Pass { cross: [[0.0; 4]; 4], log_f: 0.0, level: [0.0; 4], level_variance: 0.0 },
    }
}

/// The generalised least squares fit of column 0 on up to two regressor columns, from a pass's
/// cross products: the coefficients and the innovations' sum of squares.
fn gls(at: impl Fn(usize, usize) -> f64, regressors: &[usize]) -> Option<([f64; 2], f64)> {
    let yy = at(0, 0);
    match *regressors {
        [] => Some(([0.0; 2], yy)),
        [x] => {
            let (xx, xy) = (at(x, x), at(0, x));
            if !(xx > 0.0 && xx.is_finite()) {
                return None;
            }
            let b = xy / xx;
            Some(([b, 0.0], (yy - b * xy).max(0.0)))
        }
        [x, z] => {
            let inverse = invert_scaled::<2>([[at(x, x), at(x, z), 0.0], [at(x, z), at(z, z), 0.0], [0.0; 3]])?;
            let (xy, zy) = (at(0, x), at(0, z));
            let beta = [inverse[0][0] * xy + inverse[0][1] * zy, inverse[1][0] * xy + inverse[1][1] * zy];
            Some((beta, (yy - beta[0] * xy - beta[1] * zy).max(0.0)))
        }
        _ => None,
    }
}

/// A series ready to fit: times, values, their logarithms (when all positive), the noise scales
/// and the damped trend's shape.
struct Series {
    s: Vec<f64>,
    y: Vec<f64>,
    log_y: Option<Vec<f64>>,
    /// Σ ln y after the first observation: the log transform's Jacobian.
    log_jacobian: f64,
    absolute: Scales,
    logarithmic: Scales,
    floor: f64,
    /// The damping rate that fits best, its shape and the shape's derivative in λ (zeros when
    /// the series is too short for a damped trend).
    lambda: Option<f64>,
    shape: Vec<f64>,
    damping: Vec<f64>,
}

impl Series {
    fn new(obs: &[Obs]) -> Series {
        let n = obs.len();
        let s: Vec<f64> = obs.iter().map(|o| o.s).collect();
        let y: Vec<f64> = obs.iter().map(|o| o.y).collect();
        let largest = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let floor = if largest > 0.0 { 0.05 * largest } else { 1.0 };
        // The noise scales with the size of the series: a smooth size (a moving average of a
        // few points either side) rather than each value, so the weights carry little of the
        // noise, yet follow a jump or a bend that a single line through the series would not.
        let size = moving_average(&y, SCALE_HALF_WINDOW);
        let absolute = Scales::new(&s, |i| size[i].abs().max(floor));
        let log_y = y.iter().all(|v| *v > 0.0).then(|| y.iter().map(|v| v.ln()).collect::<Vec<f64>>());
        let log_jacobian = log_y.as_ref().map_or(0.0, |l| l.iter().skip(1).sum());
        let logarithmic = Scales::unit(&s);
        let lambda = if n >= MIN_POINTS_FOR_DAMPED { fit_damping(&s, &y) } else { None };
        let (shape, damping) = match lambda {
            Some(lambda) => {
                let shape = damped_shapes(obs, lambda);
                // ∂g/∂λ from g itself (e^(-λs) = 1 - λg): no exponential per point.
                let damping = s.iter().zip(&shape).map(|(s, g)| (s * (1.0 - lambda * g) - g) / lambda).collect();
                (shape, damping)
            }
            // Zeros stand in for the derivative in the absolute candidates' shared final pass.
            None => (Vec::new(), vec![0.0; n]),
        };
        Series { s, y, log_y, log_jacobian, absolute, logarithmic, floor, lambda, shape, damping }
    }

    fn len(&self) -> usize {
        self.s.len()
    }

    /// A candidate's scales and value column, and the log transform's Jacobian term of its
    /// likelihood; `None` when the series cannot take it.
    fn values(&self, kind: ModelKind) -> Option<(&Scales, &[f64], f64)> {
        match kind {
            ModelKind::Exponential => Some((&self.logarithmic, self.log_y.as_deref()?, 2.0 * self.log_jacobian)),
            ModelKind::Damped if self.lambda.is_none() => None,
            _ => Some((&self.absolute, &self.y, 0.0)),
        }
    }

    /// What the curve's `b` multiplies at each observation (nothing for a flat series).
    fn shape_column(&self, kind: ModelKind) -> Option<&[f64]> {
        match kind {
            ModelKind::Flat => None,
            ModelKind::Linear | ModelKind::Exponential => Some(&self.s),
            ModelKind::Damped => Some(&self.shape),
        }
    }
}

/// Points either side averaged for the noise scale.
const SCALE_HALF_WINDOW: usize = 5;

/// The mean of each value and up to `half` values either side (fewer at the ends).
fn moving_average(values: &[f64], half: usize) -> Vec<f64> {
    let mut prefix = Vec::with_capacity(values.len() + 1);
    prefix.push(0.0);
    for v in values {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + v);
    }
    (0..values.len())
        .map(|i| {
            let (from, to) = (i.saturating_sub(half), (i + half + 1).min(values.len()));
            (prefix[to] - prefix[from]) / (to - from) as f64
        })
        .collect()
}

/// Minus twice the concentrated log-likelihood: the innovations' sum of squares at its maximum-
/// likelihood σ², and their variances (`log_f`, with a log transform's Jacobian if any).
fn deviance(sse: f64, log_f: f64, innovations: usize) -> f64 {
    let m = innovations as f64;
    let floor = m * RELATIVE_FLOOR * RELATIVE_FLOOR;
    m * ((2.0 * std::f64::consts::PI * sse.max(floor) / m).ln() + 1.0) + log_f
}

/// AICc's penalty. `p` counts every estimated parameter but the level, which the first
/// observation pins. Below six points the small-sample correction is undefined for some
/// candidates, so plain AIC's applies.
fn penalty(innovations: usize, p: usize, small: bool) -> f64 {
    let (m, p) = (innovations as f64, p as f64);
    if small {
        return 2.0 * p;
    }
    let denominator = m - p - 1.0;
    if denominator <= 0.0 {
        return f64::INFINITY;
    }
    2.0 * p + 2.0 * p * (p + 1.0) / denominator
}

fn criterion(sse: f64, log_f: f64, innovations: usize, p: usize, small: bool) -> f64 {
    deviance(sse, log_f, innovations) + penalty(innovations, p, small)
}

/// One candidate: its shape and how many parameters its curve has (b, and λ for the damped
/// trend).
#[derive(Clone, Copy)]
struct Candidate {
    kind: ModelKind,
    k: usize,
}

impl Candidate {
    const ALL: [Candidate; 4] = [
        Candidate { kind: ModelKind::Flat, k: 0 },
        Candidate { kind: ModelKind::Linear, k: 1 },
        Candidate { kind: ModelKind::Exponential, k: 1 },
        Candidate { kind: ModelKind::Damped, k: 2 },
    ];

    /// Estimated parameters but the level: the curve's, σ², η when the level may wander, and a
    /// change's size and date.
    fn parameters(self, wander: bool, change: bool) -> usize {
        self.k + 1 + usize::from(wander) + if change { 2 } else { 0 }
    }
}

/// Fewest points for a change to be looked for, and fewest on each side of one.
const MIN_POINTS_FOR_CHANGE: usize = 10;
const MIN_POINTS_BESIDE_CHANGE: usize = 3;

/// Fits every candidate the series can support (but those too far behind to count), with and
/// without a change, and returns them best criterion first, with their Akaike weights and, for
/// those that count, what the dispersion check makes of them.
pub(crate) fn fit_all(obs: &[Obs]) -> Vec<Fitted> {
    if obs.len() < 3 {
        return Vec::new();
    }
    let series = Series::new(obs);
    let mut fits = fit_candidates(&series, None, None);
    // How much more the best fit's residuals move over a few weeks than it expects: the
    // overdispersion of quasi-likelihood. Busy periods that persist make the innovations count
    // for less than their number, so likelihood differences shrink by it (QAICc, as Burnham and
    // Anderson advise) and a change's standard error grows by its square root.
    let overdispersion = fits.first().map_or(1.0, |best| dispersion(&series, best).0);
    if series.len() >= MIN_POINTS_FOR_CHANGE {
        // Changes are looked for against the best curve with its level held fixed: a level free
        // to wander absorbs part of a change and hides it. The likeliest step and the likeliest
        // ramp are each fitted with every candidate, the level free again, and join the
        // candidates if, as in Chen and Liu's second stage, the change still stands out then (a
        // wandering level explains a lot that looked like a change).
        let fixed = |kind: ModelKind| {
            let candidate = Candidate::ALL.into_iter().find(|c| c.kind == kind)?;
            final_fit(&series, candidate, None, 0.0, true, false)
        };
        let stands_out = |fit: &Fitted| fit.change_statistic() >= CHANGE_THRESHOLD * overdispersion.sqrt();
        let best = fits.first().map(|f| f.kind);
        let proposals = best.and_then(fixed).map_or([None, None], |baseline| find_changes(&series, &baseline));
        for proposal in proposals.into_iter().flatten() {
            // The best curve alone says first whether the change stands out (on a random walk it
            // seldom does), at the wander it has without the change: more than with it, so the
            // change's standard error is if anything too large there, and a change that does not
            // stand out then would not with every curve fitted anew.
            let screened = fits.first().and_then(|best| screen(&series, best, proposal));
            if screened.as_ref().is_some_and(stands_out) {
                let changed = fit_candidates(&series, Some(proposal), None);
                fits.extend(changed.into_iter().filter(stands_out));
            }
        }
        // A bending curve can pass for a change of trend, and hide it: against a straight line it
        // shows, and a straight line with that change joins the candidates.
        if matches!(best, Some(ModelKind::Exponential | ModelKind::Damped)) {
            let [_, trend] = fixed(ModelKind::Linear).map_or([None, None], |baseline| find_changes(&series, &baseline));
            // Not screened at the line's own wander, which the bend inflates and which would hide
            // the change.
            if let Some(proposal) = trend.filter(|t| Some(*t) != proposals[1]) {
                let changed = fit_candidates(&series, Some(proposal), Some(ModelKind::Linear));
                fits.extend(changed.into_iter().filter(stands_out));
            }
        }
    }
    for fit in &mut fits {
        fit.criterion = fit.deviance / overdispersion + fit.penalty;
    }

    fits.sort_by(|a, b| a.criterion.total_cmp(&b.criterion));
    let best = fits.first().map_or(0.0, |f| f.criterion);
    let total: f64 = fits.iter().map(|f| (-(f.criterion - best) / 2.0).exp()).sum();
    for fit in &mut fits {
        fit.weight = (-(fit.criterion - best) / 2.0).exp() / total;
        if fit.weight >= MIN_WEIGHT {
            (fit.inflation, fit.forecast_eta) = dispersion(&series, fit);
        }
    }
    fits
}

/// A fit's curve with a change added, at the fit's own η: one filter pass.
fn screen(series: &Series, fit: &Fitted, (kind, at): (ChangeKind, usize)) -> Option<Fitted> {
    let candidate = Candidate::ALL.into_iter().find(|c| c.kind == fit.kind)?;
    let start = series.s[at];
    let column: Vec<f64> = series.s.iter().map(|&s| Change::regressor(kind, start, s)).collect();
    let wander = series.len() >= MIN_POINTS_FOR_WANDER;
    final_fit(series, candidate, Some((kind, start, at, &column)), fit.eta, wander, series.len() < 6)
}

/// Every candidate's fit (or only one kind's), with or without a change (its kind and the index
/// it starts at): the criterion at every η of the grid from at most two passes, then the best
/// point refined.
fn fit_candidates(series: &Series, change: Option<(ChangeKind, usize)>, only: Option<ModelKind>) -> Vec<Fitted> {
    let n = series.len();
    let wander = n >= MIN_POINTS_FOR_WANDER;
    let small = n < 6;
    let regressor: Option<(ChangeKind, f64, Vec<f64>)> = change.map(|(kind, at)| {
        let start = series.s[at];
        (kind, start, series.s.iter().map(|&s| Change::regressor(kind, start, s)).collect())
    });
    let column = regressor.as_ref().map(|(_, _, column)| column.as_slice());
    let scores = scores_on_the_grid(series, column, only, wander, small);
    let change =
        regressor.as_ref().zip(change).map(|((kind, start, column), (_, at))| (*kind, *start, at, column.as_slice()));
    let chosen = still_in_the_running(&scores, only, wander);
    final_fits(series, &chosen, change, wander, small)
}

/// Each candidate's criterion at each η of the grid, with the change's regressor `column` if any.
fn scores_on_the_grid(
    series: &Series,
    column: Option<&[f64]>,
    only: Option<ModelKind>,
    wander: bool,
    small: bool,
) -> [Option<[f64; LANES]>; 4] {
    // The absolute candidates share their gains, so one pass serves them all; the exponential
    // model's differ. Every η of the grid runs in the same pass.
    let shape: &[f64] = if series.lambda.is_some() { &series.shape } else { &series.s };
    let wanted = |kind: ModelKind| only.is_none_or(|only| only == kind);
    let absolute = || wanted(ModelKind::Flat) || wanted(ModelKind::Linear) || wanted(ModelKind::Damped);
    let logarithmic = || {
        if wanted(ModelKind::Exponential) {
            series.log_y.as_ref()
        } else {
            None
        }
    };
    match column {
        // The straight line's columns alone, and the other kinds' scores left unread.
        Some(column) if matches!(only, Some(ModelKind::Flat | ModelKind::Linear)) => grid_scores::<3, 2>(
            series,
            Some(&filter(&series.absolute, [&series.y, &series.s, column], ETA_GRID)),
            None,
            true,
            wander,
            small,
        ),
        None => grid_scores(
            series,
            absolute().then(|| filter(&series.absolute, [&series.y, &series.s, shape], ETA_GRID)).as_ref(),
            logarithmic().map(|log_y| filter(&series.logarithmic, [log_y, &series.s], ETA_GRID)).as_ref(),
            false,
            wander,
            small,
        ),
        Some(column) => grid_scores(
            series,
            absolute().then(|| filter(&series.absolute, [&series.y, &series.s, shape, column], ETA_GRID)).as_ref(),
            logarithmic().map(|log_y| filter(&series.logarithmic, [log_y, &series.s, column], ETA_GRID)).as_ref(),
            true,
            wander,
            small,
        ),
    }
}

/// A candidate still in the running, with its grid scores, best grid point and refined η.
struct Chosen<'s> {
    candidate: Candidate,
    scores: &'s [f64; LANES],
    best: usize,
    eta: f64,
}

/// The wanted candidates whose best grid score is within [`HOPELESS`] of the best of all.
fn still_in_the_running(scores: &[Option<[f64; LANES]>; 4], only: Option<ModelKind>, wander: bool) -> Vec<Chosen<'_>> {
    let wanted = |kind: ModelKind| only.is_none_or(|only| only == kind);
    let lanes = if wander { LANES } else { 1 };
    let best_lane = |scores: &[f64; LANES]| (0..lanes).min_by(|&x, &y| scores[x].total_cmp(&scores[y])).unwrap_or(0);
    let overall = scores.iter().flatten().map(|s| s[best_lane(s)]).fold(f64::INFINITY, f64::min);
    Candidate::ALL
        .iter()
        .zip(scores)
        .filter(|(candidate, _)| wanted(candidate.kind))
        .filter_map(|(&candidate, scores)| {
            let scores = scores.as_ref()?;
            let best = best_lane(scores);
            let eta = if wander { refine_eta(scores, best) } else { 0.0 };
            (scores[best] - overall <= HOPELESS).then_some(Chosen { candidate, scores, best, eta })
        })
        .collect()
}

/// The chosen candidates fitted at their η, best criterion first. A change comes as its kind,
/// where it starts, its index and its regressor column.
fn final_fits(
    series: &Series,
    chosen: &[Chosen<'_>],
    change: Option<(ChangeKind, f64, usize, &[f64])>,
    wander: bool,
    small: bool,
) -> Vec<Fitted> {
    // The absolute candidates' final passes run as lanes of one pass (a lone pass waits on each
    // step's division; three lanes side by side hardly take longer than one).
    let absolute: Vec<&Chosen> = chosen.iter().filter(|c| c.candidate.kind != ModelKind::Exponential).collect();
    let etas: [f64; 3] = std::array::from_fn(|l| absolute.get(l).map_or(0.0, |c| c.eta));
    let shape: &[f64] = if series.lambda.is_some() { &series.shape } else { &series.s };
    let mut fits: Vec<Fitted> = Vec::with_capacity(chosen.len());
    let mut finish = |chosen: &Chosen, fit: Option<Fitted>| {
        // The refinement is a parabola's guess: go back to the grid's point only if the guess
        // is clearly worse (a fraction of a unit either way changes no weight much).
        let grid_eta = ETA_GRID[chosen.best];
        let refined = wander && grid_eta != chosen.eta;
        let fit = match fit {
            Some(fit) if !refined || fit.criterion <= chosen.scores[chosen.best] + REFINEMENT_SLACK => Some(fit),
            _ if refined => final_fit(series, chosen.candidate, change, grid_eta, wander, small),
            _ => None,
        };
        fits.extend(fit.filter(|f| f.criterion.is_finite()));
    };
    if !absolute.is_empty() {
        let jacobian = 0.0;
        let flags = (wander, small);
        let meta = change.map(|(kind, start, _, _)| (kind, start));
        match change {
            None => {
                let passes = filter(&series.absolute, [&series.y, &series.s, shape, &series.damping], etas);
                for (l, chosen) in absolute.iter().enumerate() {
                    let (candidate, layout) = (chosen.candidate, Layout::shared(chosen.candidate.kind, false));
                    finish(chosen, assemble(series, candidate, meta, chosen.eta, flags, jacobian, &passes[l], layout));
                }
            }
            Some((_, _, _, column)) => {
                let passes = filter(&series.absolute, [&series.y, &series.s, shape, &series.damping, column], etas);
                for (l, chosen) in absolute.iter().enumerate() {
                    let (candidate, layout) = (chosen.candidate, Layout::shared(chosen.candidate.kind, true));
                    finish(chosen, assemble(series, candidate, meta, chosen.eta, flags, jacobian, &passes[l], layout));
                }
            }
        }
    }
    for chosen in chosen.iter().filter(|c| c.candidate.kind == ModelKind::Exponential) {
        finish(chosen, final_fit(series, chosen.candidate, change, chosen.eta, wander, small));
    }
    fits.sort_by(|a, b| a.criterion.total_cmp(&b.criterion));
    fits
}

/// Each candidate's criterion at each η of the grid (in the order of [`Candidate::ALL`]), from
/// the absolute pass (columns: value, time, damped shape[, change]) and the logarithmic one
/// (log value, time[, change]).
fn grid_scores<const A: usize, const G: usize>(
    series: &Series,
    absolute: Option<&[Pass<A>; LANES]>,
    logarithmic: Option<&[Pass<G>; LANES]>,
    change: bool,
    wander: bool,
    small: bool,
) -> [Option<[f64; LANES]>; 4] {
    let innovations = series.len() - 1;
    let lanes = if wander { LANES } else { 1 };
    // A candidate's criterion per lane, from its pass's log F, Jacobian term and GLS fit.
    let score = |candidate: Candidate, lane_fit: &dyn Fn(usize) -> (f64, Option<f64>)| {
        let mut scores = [f64::INFINITY; LANES];
        for (lane, score) in scores.iter_mut().enumerate().take(lanes) {
            let (log_f, sse) = lane_fit(lane);
            if let Some(sse) = sse {
                *score = criterion(sse, log_f, innovations, candidate.parameters(wander, change), small);
            }
        }
        scores
    };
    let absolute_score = |candidate: Candidate, curve: Option<usize>| {
        let passes = absolute?;
        let regressors: Vec<usize> = curve.into_iter().chain(change.then_some(A - 1)).collect();
        Some(score(candidate, &|lane| {
            let pass = &passes[lane];
            (pass.log_f, gls(|a, b| pass.at(a, b), &regressors).map(|(_, sse)| sse))
        }))
    };
    let [flat, linear, exponential, damped] = Candidate::ALL;
    [
        absolute_score(flat, None),
        absolute_score(linear, Some(1)),
        logarithmic.map(|passes| {
            let regressors: Vec<usize> = std::iter::once(1).chain(change.then_some(G - 1)).collect();
            score(exponential, &|lane| {
                let pass = &passes[lane];
                (pass.log_f + 2.0 * series.log_jacobian, gls(|a, b| pass.at(a, b), &regressors).map(|(_, sse)| sse))
            })
        }),
        series.lambda.and_then(|_| absolute_score(damped, Some(2))),
    ]
}

/// How much worse than the grid's point a refined η may score and still be kept.
const REFINEMENT_SLACK: f64 = 0.5;

/// The minimum of the parabola through the best grid point and its neighbours, in ln η.
fn refine_eta(scores: &[f64], best: usize) -> f64 {
    // η = 0 is not on the logarithmic scale, so its neighbour is not refined towards it.
    if best <= 1 || best + 1 >= scores.len() {
        return ETA_GRID[best];
    }
    let (left, middle, right) = (scores[best - 1], scores[best], scores[best + 1]);
    let curvature = left - 2.0 * middle + right;
    if !(curvature > 0.0 && left.is_finite() && right.is_finite()) {
        return ETA_GRID[best];
    }
    // Grid points are evenly spaced in ln η; the offset is in grid steps.
    let offset = ((left - right) / (2.0 * curvature)).clamp(-0.5, 0.5);
    let step = (ETA_GRID[best + 1] / ETA_GRID[best]).ln();
    ETA_GRID[best] * (offset * step).exp()
}

/// Where a candidate's columns sit in a filter pass (the value is column 0): the curve's shape,
/// the damped shape's derivative in λ, and the change's regressor.
#[derive(Clone, Copy)]
struct Layout {
    shape: Option<usize>,
    damping: Option<usize>,
    change: Option<usize>,
}

impl Layout {
    /// The layout of the absolute candidates' shared pass: value, time, damped shape, its
    /// derivative[, change].
    fn shared(kind: ModelKind, change: bool) -> Layout {
        let change = change.then_some(4);
        match kind {
            ModelKind::Flat => Layout { shape: None, damping: None, change },
            ModelKind::Damped => Layout { shape: Some(2), damping: Some(3), change },
            ModelKind::Linear | ModelKind::Exponential => Layout { shape: Some(1), damping: None, change },
        }
    }
}

/// One filter pass at the chosen η for a candidate, with everything its intervals need. A
/// change comes as its kind, where it starts, its index and its regressor column.
fn final_fit<'a>(
    series: &'a Series,
    candidate: Candidate,
    change: Option<(ChangeKind, f64, usize, &'a [f64])>,
    eta: f64,
    wander: bool,
    small: bool,
) -> Option<Fitted> {
    let (scales, values, jacobian) = series.values(candidate.kind)?;
    let mut columns: Vec<&[f64]> = vec![values];
    let mut add = |column: Option<&'a [f64]>| {
        column.map(|column| {
            columns.push(column);
            columns.len() - 1
        })
    };
    let shape = add(series.shape_column(candidate.kind));
    let damping = add((candidate.kind == ModelKind::Damped).then_some(series.damping.as_slice()));
    let change_column = add(change.map(|(_, _, _, column)| column));
    let pass = filter_one(scales, &columns, eta);
    let layout = Layout { shape, damping, change: change_column };
    assemble(
        series,
        candidate,
        change.map(|(kind, start, _, _)| (kind, start)),
        eta,
        (wander, small),
        jacobian,
        &pass,
        layout,
    )
}

/// A candidate's fit from its filter pass: the curve and change by generalised least squares,
/// the level at the origin, what its intervals need, and its criterion.
#[allow(clippy::too_many_arguments)]
fn assemble<const C: usize>(
    series: &Series,
    candidate: Candidate,
    change: Option<(ChangeKind, f64)>,
    eta: f64,
    (wander, small): (bool, bool),
    jacobian: f64,
    pass: &Pass<C>,
    layout: Layout,
) -> Option<Fitted> {
    let n = series.len();
    let regressors: Vec<usize> = layout.shape.into_iter().chain(layout.change).collect();
    let (beta, sse) = gls(|a, b| pass.at(a, b), &regressors)?;
    let b = if layout.shape.is_some() { beta[0] } else { 0.0 };
    let size = if layout.change.is_some() { beta[regressors.len() - 1] } else { 0.0 };
    // The filtered level is the value column's less the regressors' share; the forecast at the
    // origin adds the change's regressor there.
    let level_of = |column: Option<usize>| column.map_or(0.0, |c| pass.level[c]);
    let change_at_origin = change.map_or(0.0, |(kind, start)| Change::regressor(kind, start, 0.0));
    let a = pass.level[0] - b * level_of(layout.shape) - size * level_of(layout.change) + size * change_at_origin;
    // The Jacobian of the damping term is b·∂g/∂λ: its column scaled by b.
    let mut terms = [Term::Slope; 3];
    let mut columns_of_terms = [(0, 0.0); 3];
    let mut term_count = 0;
    for (term, column, factor) in
        [(Term::Slope, layout.shape, 1.0), (Term::Damping, layout.damping, b), (Term::Change, layout.change, 1.0)]
    {
        if let Some(column) = column {
            terms[term_count] = term;
            columns_of_terms[term_count] = (column, factor);
            term_count += 1;
        }
    }
    let mut information = [[0.0; 3]; 3];
    let mut jacobian_level = [0.0; 3];
    for r in 0..term_count {
        let (x, fx) = columns_of_terms[r];
        jacobian_level[r] = fx * pass.level[x];
        for c in 0..term_count {
            let (y, fy) = columns_of_terms[c];
            information[r][c] = fx * fy * pass.at(x, y);
        }
    }
    let inverse = match term_count {
        0 => [[0.0; 3]; 3],
        1 => invert_scaled::<1>(information)?,
        2 => invert_scaled::<2>(information)?,
        _ => invert_scaled::<3>(information)?,
    };
    let innovations = n - 1;
    let df = innovations.saturating_sub(candidate.k + usize::from(wander) + usize::from(change.is_some())).max(1);
    let floor = innovations as f64 * RELATIVE_FLOOR * RELATIVE_FLOOR;
    let parameters = candidate.parameters(wander, change.is_some());
    Some(Fitted {
        kind: candidate.kind,
        a,
        b,
        lambda: series.lambda.unwrap_or(0.0),
        change: change.map(|(kind, start)| Change { kind, s: start, size }),
        eta,
        sigma2: sse.max(floor) / df as f64,
        inflation: 1.0,
        forecast_eta: eta,
        weight: 1.0,
        level_variance: pass.level_variance,
        terms,
        term_count,
        jacobian_level,
        inverse,
        floor: series.floor,
        df,
        deviance: deviance(sse, pass.log_f + jacobian, innovations),
        penalty: penalty(innovations, parameters, small),
        criterion: criterion(sse, pass.log_f + jacobian, innovations, parameters, small),
    })
}

/// Inverts the leading K × K block of a symmetric matrix after scaling it to a unit diagonal,
/// so that columns of very different sizes (a shape in days, its derivative in days²) do not
/// read as singular.
fn invert_scaled<const K: usize>(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let mut d = [1.0; 3];
    for i in 0..K {
        if !(m[i][i] > 0.0 && m[i][i].is_finite()) {
            return None;
        }
        d[i] = m[i][i].sqrt();
    }
    let mut scaled = [[0.0; 3]; 3];
    for r in 0..K {
        for c in 0..K {
            scaled[r][c] = m[r][c] / (d[r] * d[c]);
        }
    }
    let mut inverse = invert::<K>(scaled)?;
    for r in 0..K {
        for c in 0..K {
            inverse[r][c] /= d[r] * d[c];
        }
    }
    Some(inverse)
}

/// How many standard errors a change must stand out by to be tried, and once fitted to be kept
/// (times the square root of the overdispersion). Chen and Liu's outlier detection uses 3 to 4
/// depending on the length; every date of the history is a candidate, so the higher end.
const CHANGE_THRESHOLD: f64 = 4.0;

/// What a fit's curve (and change, if any) leaves of the series, at observation `i`.
fn residual(series: &Series, fit: &Fitted, values: &[f64], shape: Option<&[f64]>, i: usize) -> f64 {
    let curve = shape.map_or(0.0, |shape| fit.b * shape[i]);
    let change = fit.change.map_or(0.0, |c| c.size * Change::regressor(c.kind, c.s, series.s[i]));
    values[i] - curve - change
}

/// The likeliest level change and the likeliest trend change in a fit's innovations, each if it
/// stands out: Chen and Liu's statistic for a step and a ramp starting at every date, each made
/// orthogonal to the curve's shape. A step's innovations decay by (1 - gain) per observation
/// after it, and a ramp is a sum of steps, so a backward sweep gives every date's statistic from
/// the next one's.
fn find_changes(series: &Series, fit: &Fitted) -> [Option<(ChangeKind, usize)>; 2] {
    let Some((scales, values, _)) = series.values(fit.kind) else {
        return [None, None];
    };
    let shape = series.shape_column(fit.kind);
    let n = series.len();
    // The filter over the residual and the shape: innovations, their variances and the gains.
    let (mut residual_innovation, mut shape_innovation) = (vec![0.0; n], vec![0.0; n]);
    let (mut inverse_variance, mut keep_of) = (vec![0.0; n], vec![0.0; n]);
    let mut level = residual(series, fit, values, shape, 0);
    let mut shape_level = shape.map_or(0.0, |s| s[0]);
    let mut variance = scales.noise[0];
    // As in `filter`: without wander, the information form keeps divisions off the chain.
    let mut information = 1.0 / scales.noise[0];
    let mut shape_information = 0.0;
    for i in 1..n {
        let (gain, inverse) = if fit.eta == 0.0 {
            let gain = 1.0 / (1.0 + scales.noise[i] * information);
            information += scales.inverse_noise[i];
            (gain, gain * (information - scales.inverse_noise[i]))
        } else {
            let predicted = variance + fit.eta * scales.wander[i];
            let inverse = 1.0 / (predicted + scales.noise[i]);
            let gain = predicted * inverse;
            variance = gain * scales.noise[i];
            (gain, inverse)
        };
        let v = residual(series, fit, values, shape, i) - level;
        level += gain * v;
        let x = shape.map_or(0.0, |s| s[i]) - shape_level;
        shape_level += gain * x;
        residual_innovation[i] = v;
        shape_innovation[i] = x;
        inverse_variance[i] = inverse;
        keep_of[i] = 1.0 - gain;
        shape_information += x * x * inverse;
    }
    // Squared statistics in units of σ², as a numerator and a denominator compared crosswise:
    // no square root or division per date.
    let squared = |weighted: f64, information: f64, along_shape: f64| {
        let projected =
            information - if shape_information > 0.0 { along_shape * along_shape / shape_information } else { 0.0 };
        (weighted * weighted, projected)
    };
    // Sums for a step at j + 1 (innovations' weight, information, along the shape, and its
    // overlap with the ramp after j + 1), then the ramp after j.
    let (mut step_weighted, mut step_information, mut step_shape, mut overlap) = (0.0, 0.0, 0.0, 0.0);
    let (mut ramp_weighted, mut ramp_information, mut ramp_shape) = (0.0, 0.0, 0.0);
    let mut best: [Option<(usize, (f64, f64))>; 2] = [None, None];
    let mut consider = |kind: ChangeKind, at: usize, (numerator, denominator): (f64, f64)| {
        let slot = &mut best[kind as usize];
        if denominator > 0.0 && slot.is_none_or(|(_, (n, d))| numerator * d > n * denominator) {
            *slot = Some((at, (numerator, denominator)));
        }
    };
    for j in (1..n).rev() {
        let gap = if j + 1 < n { series.s[j + 1] - series.s[j] } else { 0.0 };
        // The ramp after j is the ramp after j + 1 plus a step at j + 1 as tall as the gap.
        ramp_weighted += gap * step_weighted;
        ramp_shape += gap * step_shape;
        ramp_information += gap * gap * step_information + 2.0 * gap * overlap;
        let keep = keep_of[j];
        overlap = keep * (gap * step_information + overlap);
        step_weighted = residual_innovation[j] * inverse_variance[j] + keep * step_weighted;
        step_shape = shape_innovation[j] * inverse_variance[j] + keep * step_shape;
        step_information = inverse_variance[j] + keep * keep * step_information;
        if j >= MIN_POINTS_BESIDE_CHANGE && n - j >= MIN_POINTS_BESIDE_CHANGE {
            consider(ChangeKind::Level, j, squared(step_weighted, step_information, step_shape));
        }
        if j + 1 >= MIN_POINTS_BESIDE_CHANGE && n - 1 - j >= MIN_POINTS_BESIDE_CHANGE {
            consider(ChangeKind::Trend, j, squared(ramp_weighted, ramp_information, ramp_shape));
        }
    }
    let bar = CHANGE_THRESHOLD * CHANGE_THRESHOLD * fit.sigma2;
    let found = |kind: ChangeKind| {
        best[kind as usize]
            .filter(|(_, (numerator, denominator))| bar > 0.0 && *numerator >= bar * denominator)
            .map(|(at, _)| (kind, at))
    };
    [found(ChangeKind::Level), found(ChangeKind::Trend)]
}

/// The dispersion check's lag: an eighth of the history, from a week to two months.
const DISPERSION_LAG_SHARE: f64 = 1.0 / 8.0;
const MIN_DISPERSION_LAG: f64 = 7.0;
const MAX_DISPERSION_LAG: f64 = 61.0;
/// The widest the check widens the variance.
const MAX_INFLATION: f64 = 25.0;

/// How much more the series moves over a few weeks than the fit says, from what the fit leaves
/// differenced about a lag apart: the ratio of its observed mean square to what the model expects
/// (two measurement noises and the wander in between), and the wander per day that would account
/// for all of the excess (η by the method of moments at that lag). Busy weeks that add up, a
/// weekly rhythm or a curve that does not quite follow the series show here; the one-step
/// innovations, dominated by measurement noise, would not show them.
fn dispersion(series: &Series, fit: &Fitted) -> (f64, f64) {
    let unchanged = (1.0, fit.eta);
    let Some((scales, values, _)) = series.values(fit.kind) else {
        return unchanged;
    };
    let shape = series.shape_column(fit.kind);
    let n = series.len();
    let span = series.s[n - 1] - series.s[0];
    let lag = (span * DISPERSION_LAG_SHARE).clamp(MIN_DISPERSION_LAG, MAX_DISPERSION_LAG);
    if span < 2.0 * lag || fit.sigma2.is_nan() || fit.sigma2 <= 0.0 {
        return unchanged;
    }
    // Two pointers a lag apart; the wander between them is the running sum of the gaps' wander.
    let (mut observed, mut noise, mut wandered) = (0.0, 0.0, 0.0);
    let (mut j, mut between) = (0, 0.0);
    for i in 0..n {
        if i > 0 {
            between -= scales.wander[i];
        }
        while j < n && series.s[j] - series.s[i] < lag {
            j += 1;
            if j < n {
                between += scales.wander[j];
            }
        }
        if j == n {
            break;
        }
        observed += (residual(series, fit, values, shape, j) - residual(series, fit, values, shape, i)).powi(2);
        noise += fit.sigma2 * (scales.noise[i] + scales.noise[j]);
        wandered += fit.sigma2 * between;
    }
    let expected = noise + fit.eta * wandered;
    if !(expected > 0.0 && wandered > 0.0) {
        return unchanged;
    }
    // Any excess is taken at face value: on a series that really is a curve plus independent
    // noise this adds a little wander about half the time (the intervals err on the wide side),
    // and where the curve does not follow the series it is what keeps them honest.
    let ratio = (observed / expected).clamp(1.0, MAX_INFLATION);
    let eta = ((observed - noise) / wandered).max(0.0);
    (ratio, (fit.eta * ratio).max(eta))
}

/// Half-lives of the growth rate searched for the damped trend, in days: from a week to ten
/// years, log-spaced, all in one pass; then a finer grid between the best one's neighbours, also
/// in one pass, and a parabola through the best fine point and its neighbours.
const HALF_LIFE_GRID: usize = 16;
const FINE_GRID: usize = 8;
const MIN_HALF_LIFE: f64 = 7.0;
const MAX_HALF_LIFE: f64 = 3652.5;

/// The damping rate that fits the series best by least squares (level and slope free), or `None`
/// when no damped curve can be fitted.
fn fit_damping(s: &[f64], y: &[f64]) -> Option<f64> {
    let (lowest, highest) =
        ((std::f64::consts::LN_2 / MAX_HALF_LIFE).ln(), (std::f64::consts::LN_2 / MIN_HALF_LIFE).ln());
    let coarse_step = (highest - lowest) / (HALF_LIFE_GRID - 1) as f64;
    let coarse: [f64; HALF_LIFE_GRID] = std::array::from_fn(|i| lowest + coarse_step * i as f64);
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let best =
        |sses: &[f64]| (0..sses.len()).filter(|&i| sses[i].is_finite()).min_by(|&a, &b| sses[a].total_cmp(&sses[b]));
    let sses = damped_sse(s, &centred, coarse.map(f64::exp));
    let index = best(&sses)?;
    // The fine grid spans the neighbours of the best coarse point, ends included.
    let (from, to) = (coarse[index.saturating_sub(1)], coarse[(index + 1).min(HALF_LIFE_GRID - 1)]);
    let fine_step = (to - from) / (FINE_GRID - 1) as f64;
    let fine: [f64; FINE_GRID] = std::array::from_fn(|i| from + fine_step * i as f64);
    let sses = damped_sse(s, &centred, fine.map(f64::exp));
    let index = best(&sses)?;
    if index == 0 || index + 1 == FINE_GRID {
        return Some(fine[index].exp());
    }
    let (left, middle, right) = (sses[index - 1], sses[index], sses[index + 1]);
    let curvature = left - 2.0 * middle + right;
    let offset = if curvature > 0.0 { ((left - right) / (2.0 * curvature)).clamp(-0.5, 0.5) } else { 0.0 };
    Some((fine[index] + offset * fine_step).exp())
}

/// Least squares of centred values on `[1, g_λ(s)]` for several λ at once: the residual sums of
/// squares, from sums gathered in one backward walk with one `exp` per λ and distinct gap.
fn damped_sse<const L: usize>(s: &[f64], centred: &[f64], lambdas: [f64; L]) -> [f64; L] {
    let Some(&last) = s.last() else {
        return [f64::INFINITY; L];
    };
    // e^(-λ s) walking backwards from the origin, where it is e^(-λ s_last).
    let mut factor: [f64; L] = std::array::from_fn(|l| (-lambdas[l] * last).exp());
    let inverse_lambda: [f64; L] = std::array::from_fn(|l| 1.0 / lambdas[l]);
    let mut step = [1.0; L];
    let mut step_gap = f64::NAN;
    let mut previous_s = last;
    let (mut sum_g, mut sum_gg, mut sum_gy) = ([0.0; L], [0.0; L], [0.0; L]);
    let mut sum_yy = 0.0;
    for (si, yi) in s.iter().zip(centred).rev() {
        let gap = previous_s - si;
        if gap != 0.0 {
            if gap != step_gap {
                step_gap = gap;
                step = std::array::from_fn(|l| (lambdas[l] * gap).exp());
            }
            for l in 0..L {
                factor[l] *= step[l];
            }
            previous_s = *si;
        }
        for l in 0..L {
            let g = (1.0 - factor[l]) * inverse_lambda[l];
            sum_g[l] += g;
            sum_gg[l] += g * g;
            sum_gy[l] += g * yi;
        }
        sum_yy += yi * yi;
    }
    let n = s.len() as f64;
    std::array::from_fn(|l| {
        let sxx = sum_gg[l] - sum_g[l] * sum_g[l] / n;
        if sxx > 0.0 && sxx.is_finite() {
            (sum_yy - sum_gy[l] * sum_gy[l] / sxx).max(0.0)
        } else {
            f64::INFINITY
        }
    })
}

/// The damped shape at every observation, with one `exp` per distinct gap: daily samples cost
/// a multiplication each.
fn damped_shapes(obs: &[Obs], lambda: f64) -> Vec<f64> {
    let mut shapes = Vec::with_capacity(obs.len());
    let Some(last) = obs.last() else { return shapes };
    // e^(-λ s) walking backwards from the origin, where it is e^(-λ s_last).
    let mut factor = (-lambda * last.s).exp();
    let mut previous_s = last.s;
    let mut gap_cache = (f64::NAN, 1.0);
    for o in obs.iter().rev() {
        let gap = previous_s - o.s;
        if gap != 0.0 {
            if gap != gap_cache.0 {
                gap_cache = (gap, (lambda * gap).exp());
            }
            factor *= gap_cache.1;
            previous_s = o.s;
        }
        shapes.push(if lambda.abs() < 1e-12 { o.s } else { (1.0 - factor) / lambda });
    }
    shapes.reverse();
    shapes
}

/// Gauss-Jordan inversion of the leading K × K block, with partial pivoting; `None` when it is
/// singular (all samples at one instant, say).
fn invert<const K: usize>(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let mut a = m;
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate().take(K) {
        row[i] = 1.0;
    }
    let scale = (0..K).map(|i| a[i][i].abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    for col in 0..K {
        let pivot = (col..K).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() <= scale * 1e-14 {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        for c in 0..K {
            a[col][c] /= p;
            inv[col][c] /= p;
        }
        for r in 0..K {
            if r != col {
                let f = a[r][col];
                for c in 0..K {
                    a[r][c] -= f * a[col][c];
                    inv[r][c] -= f * inv[col][c];
                }
            }
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(f: impl Fn(f64) -> f64, days: usize) -> Vec<Obs> {
        (0..days)
            .map(|d| {
                let s = d as f64 - (days - 1) as f64;
                Obs { s, y: f(s) }
            })
            .collect()
    }

    #[test]
    fn recovers_a_line_exactly() {
        let fits = fit_all(&series(|s| 1000.0 + 25.0 * s, 30));
        assert_eq!(fits[0].kind, ModelKind::Linear);
        assert!((fits[0].a - 1000.0).abs() < 1e-6 && (fits[0].b - 25.0).abs() < 1e-9);
    }

    #[test]
    fn damped_shape_matches_its_closed_form_on_irregular_gaps() {
        let obs: Vec<Obs> = [-40.0, -33.5, -20.0, -19.0, -3.0, 0.0].iter().map(|&s| Obs { s, y: 1.0 }).collect();
        let shapes = damped_shapes(&obs, 0.02);
        for (o, g) in obs.iter().zip(shapes) {
            assert!((g - damped_g(o.s, 0.02)).abs() < 1e-9, "{} {g}", o.s);
        }
    }

    #[test]
    fn inverts_a_small_matrix() {
        let m = [[4.0, 2.0, 0.0], [2.0, 3.0, 0.0], [0.0, 0.0, 0.0]];
        let inv = invert::<2>(m).unwrap();
        assert!(
            (inv[0][0] - 0.375).abs() < 1e-12 && (inv[0][1] + 0.25).abs() < 1e-12 && (inv[1][1] - 0.5).abs() < 1e-12
        );
        assert!(invert::<2>([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0; 3]]).is_none());
    }
}
