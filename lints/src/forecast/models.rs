//! The candidate curves, fitted by least squares to a cleaned series, and what a prediction
//! interval needs from each: the residual variance and the parameters' leverage at a point.
//!
//! Time is in days relative to the last observation (`s <= 0` in the history, `s > 0` ahead), so
//! the intercept is the fitted level now and sums stay well conditioned.

use super::ModelKind;

/// One observation: days relative to the origin, and the value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Obs {
    pub s: f64,
    pub y: f64,
}

/// A fitted curve. Exponential growth is fitted to `ln y`; the others to `y`.
#[derive(Clone, Debug)]
pub(crate) struct Fitted {
    pub kind: ModelKind,
    /// Parameters of the curve (not counting the residual variance).
    pub k: usize,
    pub n: usize,
    /// Sum of squared residuals on the fitted scale.
    pub sse: f64,
    pub a: f64,
    pub b: f64,
    /// Damping rate per day (damped trend only).
    pub lambda: f64,
    /// (JᵀJ)⁻¹ of the curve's Jacobian at the fit, k × k.
    pub inverse: [[f64; 3]; 3],
    /// The information criterion on the original scale (comparable across kinds).
    pub criterion: f64,
}

impl Fitted {
    /// The curve at `s` on the fitted scale.
    pub fn curve(&self, s: f64) -> f64 {
        match self.kind {
            ModelKind::Flat => self.a,
            ModelKind::Linear | ModelKind::Exponential => self.a + self.b * s,
            ModelKind::Damped => self.a + self.b * damped_g(s, self.lambda),
        }
    }

    /// The Jacobian row at `s`: how the curve moves with each parameter.
    pub fn jacobian(&self, s: f64) -> [f64; 3] {
        match self.kind {
            ModelKind::Flat => [1.0, 0.0, 0.0],
            ModelKind::Linear | ModelKind::Exponential => [1.0, s, 0.0],
            ModelKind::Damped => [1.0, damped_g(s, self.lambda), self.b * damped_dg(s, self.lambda)],
        }
    }

    /// `jᵀ (JᵀJ)⁻¹ j` at `s`: the share of the residual variance the parameter uncertainty adds.
    pub fn leverage(&self, s: f64) -> f64 {
        let j = self.jacobian(s);
        let mut total = 0.0;
        for r in 0..self.k {
            for c in 0..self.k {
                total += j[r] * self.inverse[r][c] * j[c];
            }
        }
        total.max(0.0)
    }

    pub fn degrees_of_freedom(&self) -> usize {
        self.n.saturating_sub(self.k)
    }

    /// Residual variance on the fitted scale (unbiased).
    pub fn sigma2(&self) -> f64 {
        let df = self.degrees_of_freedom().max(1) as f64;
        self.sse / df
    }

    pub fn is_log(&self) -> bool {
        self.kind == ModelKind::Exponential
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

/// The sum of squared residuals is clamped to this share of the level per point, so that an
/// exact fit of clean data compares as "very good", not as minus infinity.
const RELATIVE_FLOOR: f64 = 1e-9;

/// Fits every candidate the series can support and returns them, best criterion first.
pub(crate) fn fit_all(obs: &[Obs]) -> Vec<Fitted> {
    let n = obs.len();
    let mut fits = Vec::with_capacity(4);
    if n == 0 {
        return fits;
    }
    let level = obs.iter().map(|o| o.y.abs()).sum::<f64>() / n as f64;
    let floor = n as f64 * (RELATIVE_FLOOR * level.max(1.0)).powi(2);
    fits.push(fit_flat(obs, floor));
    if n >= 3 {
        fits.push(fit_linear(obs, floor, false));
        if obs.iter().all(|o| o.y > 0.0) {
            fits.push(fit_linear(obs, n as f64 * RELATIVE_FLOOR * RELATIVE_FLOOR, true));
        }
    }
    // The damped trend has three parameters and a shape: it needs enough points to be told
    // apart from a straight line.
    if n >= 6 {
        if let Some(fit) = fit_damped(obs, floor) {
            fits.push(fit);
        }
    }
    let small = n < 6;
    for fit in &mut fits {
        fit.criterion = criterion(fit, obs, small);
    }
    fits.retain(|f| f.criterion.is_finite());
    fits.sort_by(|a, b| a.criterion.total_cmp(&b.criterion));
    fits
}

/// AICc of the Gaussian likelihood on the original scale. For the exponential model, fitted to
/// `ln y`, the Jacobian of the log transform (`Σ ln y`) puts it on the same scale as the others.
/// Below six points the small-sample correction is undefined for some candidates, so plain AIC
/// compares them.
fn criterion(fit: &Fitted, obs: &[Obs], small: bool) -> f64 {
    let n = fit.n as f64;
    let parameters = fit.k as f64 + 1.0;
    let mut value = n * (fit.sse / n).ln() + 2.0 * parameters;
    if fit.is_log() {
        value += 2.0 * obs.iter().map(|o| o.y.ln()).sum::<f64>();
    }
    if !small {
        let denominator = n - parameters - 1.0;
        if denominator <= 0.0 {
            return f64::INFINITY;
        }
        value += 2.0 * parameters * (parameters + 1.0) / denominator;
    }
    value
}

fn empty(kind: ModelKind, k: usize, n: usize) -> Fitted {
    Fitted { kind, k, n, sse: 0.0, a: 0.0, b: 0.0, lambda: 0.0, inverse: [[0.0; 3]; 3], criterion: f64::INFINITY }
}

fn fit_flat(obs: &[Obs], floor: f64) -> Fitted {
    let n = obs.len();
    let mean = obs.iter().map(|o| o.y).sum::<f64>() / n as f64;
    let sse = obs.iter().map(|o| (o.y - mean).powi(2)).sum::<f64>();
    let mut fit = empty(ModelKind::Flat, 1, n);
    fit.a = mean;
    fit.sse = sse.max(floor);
    fit.inverse[0][0] = 1.0 / n as f64;
    fit
}

/// Ordinary least squares of `y` (or `ln y`) on `[1, s]`.
fn fit_linear(obs: &[Obs], floor: f64, log: bool) -> Fitted {
    let value = |o: &Obs| if log { o.y.ln() } else { o.y };
    let rows = obs.iter().map(|o| ([1.0, o.s, 0.0], value(o)));
    let kind = if log { ModelKind::Exponential } else { ModelKind::Linear };
    let mut fit = empty(kind, 2, obs.len());
    let Some((beta, inverse)) = least_squares::<2>(rows) else { return fit };
    fit.a = beta[0];
    fit.b = beta[1];
    fit.inverse = inverse;
    fit.sse = obs.iter().map(|o| (value(o) - fit.curve(o.s)).powi(2)).sum::<f64>().max(floor);
    fit
}

/// Half-lives of the growth rate searched for the damped trend, in days: from a week to ten
/// years, log-spaced, then refined between the best grid point's neighbours.
const HALF_LIFE_GRID: usize = 24;
const MIN_HALF_LIFE: f64 = 7.0;
const MAX_HALF_LIFE: f64 = 3652.5;

fn fit_damped(obs: &[Obs], floor: f64) -> Option<Fitted> {
    let grid = |i: usize| {
        let f = i as f64 / (HALF_LIFE_GRID - 1) as f64;
        let half_life = MIN_HALF_LIFE * (MAX_HALF_LIFE / MIN_HALF_LIFE).powf(f);
        std::f64::consts::LN_2 / half_life
    };
    let mut best: Option<(usize, f64)> = None;
    for i in 0..HALF_LIFE_GRID {
        let sse = damped_sse(obs, grid(i));
        if best.is_none_or(|(_, b)| sse < b) {
            best = Some((i, sse));
        }
    }
    let (index, _) = best?;
    // Golden-section search on ln λ between the neighbours of the best grid point.
    let (mut lo, mut hi) = (grid(index.saturating_sub(1)).ln(), grid((index + 1).min(HALF_LIFE_GRID - 1)).ln());
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = hi - ratio * (hi - lo);
    let mut x2 = lo + ratio * (hi - lo);
    let mut f1 = damped_sse(obs, x1.exp());
    let mut f2 = damped_sse(obs, x2.exp());
    for _ in 0..12 {
        if f1 < f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - ratio * (hi - lo);
            f1 = damped_sse(obs, x1.exp());
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + ratio * (hi - lo);
            f2 = damped_sse(obs, x2.exp());
        }
    }
    let lambda = if f1 < f2 { x1.exp() } else { x2.exp() };
    let gs = damped_shapes(obs, lambda);
    let (beta, _) = least_squares::<2>(obs.iter().zip(&gs).map(|(o, g)| ([1.0, *g, 0.0], o.y)))?;
    let mut fit = empty(ModelKind::Damped, 3, obs.len());
    fit.a = beta[0];
    fit.b = beta[1];
    fit.lambda = lambda;
    fit.sse = obs.iter().map(|o| (o.y - fit.curve(o.s)).powi(2)).sum::<f64>().max(floor);
    // The interval needs the uncertainty of λ too: the Gauss-Newton Jacobian at the optimum.
    let rows: Vec<[f64; 3]> = obs.iter().map(|o| fit.jacobian(o.s)).collect();
    fit.inverse = gram_inverse::<3>(&rows)?;
    Some(fit)
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

fn damped_sse(obs: &[Obs], lambda: f64) -> f64 {
    let gs = damped_shapes(obs, lambda);
    let Some((beta, _)) = least_squares::<2>(obs.iter().zip(&gs).map(|(o, g)| ([1.0, *g, 0.0], o.y))) else {
        return f64::INFINITY;
    };
    obs.iter().zip(&gs).map(|(o, g)| (o.y - beta[0] - beta[1] * g).powi(2)).sum()
}

/// Least squares with `K` regressors (the first `K` of each row): coefficients and (XᵀX)⁻¹.
fn least_squares<const K: usize>(rows: impl Iterator<Item = ([f64; 3], f64)>) -> Option<([f64; 3], [[f64; 3]; 3])> {
    let mut xtx = [[0.0; 3]; 3];
    let mut xty = [0.0; 3];
    for (x, y) in rows {
        for r in 0..K {
            xty[r] += x[r] * y;
            for c in 0..K {
                xtx[r][c] += x[r] * x[c];
            }
        }
    }
    let inverse = invert::<K>(xtx)?;
    let mut beta = [0.0; 3];
    for r in 0..K {
        for c in 0..K {
            beta[r] += inverse[r][c] * xty[c];
        }
    }
    Some((beta, inverse))
}

fn gram_inverse<const K: usize>(rows: &[[f64; 3]]) -> Option<[[f64; 3]; 3]> {
    let mut xtx = [[0.0; 3]; 3];
    for x in rows {
        for r in 0..K {
            for c in 0..K {
                xtx[r][c] += x[r] * x[c];
            }
        }
    }
    invert::<K>(xtx)
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
        (0..days).map(|d| {
            let s = d as f64 - (days - 1) as f64;
            Obs { s, y: f(s) }
        }).collect()
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
        assert!((inv[0][0] - 0.375).abs() < 1e-12 && (inv[0][1] + 0.25).abs() < 1e-12 && (inv[1][1] - 0.5).abs() < 1e-12);
        assert!(invert::<2>([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0; 3]]).is_none());
    }
}
