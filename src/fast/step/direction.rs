//! Layer k's direction (`r_k = step u_k`, `h_k = step eta_k`, Eq. 40 / 42 / 35 corrected, or the
//! gradient) and the bounds that decide, before anything is written, whether a step's writes stay
//! below [`LIMIT`] (module doc of [`crate::fast`], "Divergence guard").

use super::{max_abs, sum_sq, FastNet, Plan};
use crate::fast::{FastLambdas, FastMethod, LIMIT, SAFE};
use crate::linalg::ratio;

impl FastNet {
    /// Whether the bounds of the module doc keep every write of this step below LIMIT.
    pub(super) fn provably_safe(&self, plan: &Plan) -> bool {
        let scale = match plan.method {
            FastMethod::Sgd => 1.0,
            FastMethod::Mk { mu, .. } if mu > 0.0 => 1.0 / f64::from(mu),
            _ => return false,
        };
        let n = self.net.n();
        let (mut e0b, mut eb) = (
            max_abs(&self.e0[n]),
            if plan.reg { max_abs(&self.e[n]) } else { 0.0 },
        );
        for k in (1..=n).rev() {
            let u = SAFE * plan.step_size * scale * if plan.reg { eb } else { e0b };
            if !(self.bounds[k].0 + u * self.xmax[k - 1] <= LIMIT && self.bounds[k].1 + u <= LIMIT)
            {
                return false;
            }
            if k >= 2 {
                let (s, wb, dm) = (
                    self.net.sizes()[k] as f64,
                    self.bounds[k].0,
                    self.dmax[k - 1],
                );
                let lam = match plan.lambdas {
                    FastLambdas::Fixed(l) => f64::from(l[k - 1]),
                    FastLambdas::Eq65 { .. } => s.sqrt() * e0b / dm,
                };
                // The sums over rows, before `.* d_{k-1}`, stay below LIMIT too (dm may be tiny).
                let (sum0, sum) = (SAFE * s * wb * e0b, SAFE * s * wb * eb);
                (e0b, eb) = (
                    SAFE * dm * s * wb * e0b,
                    SAFE * dm * (s * wb * eb + lam * self.xmax[k - 1]),
                );
                let fits = |v: f64, on: bool| !on || v <= LIMIT; // NaN fails
                if !(fits(e0b.max(sum0), plan.need0) && fits(eb.max(sum), plan.reg)) {
                    return false;
                }
            }
        }
        true
    }

    /// `r_k = step u_k`, `h_k = step eta_k` and their checks; `false` if a write could overflow.
    pub(super) fn direction(&mut self, k: usize, plan: &Plan) -> bool {
        let (cu, ch) = self.direction_scales(k, plan);
        let n = self.net.n();
        let src = if plan.reg { &self.e[k] } else { &self.e0[k] }; // -g_k
        let newton_top = plan.method == FastMethod::Newton && k == n;
        for i in 0..src.len() {
            let g = f64::from(src[i]);
            self.r[k][i] = (cu * g) as f32;
            let extra = if newton_top {
                let res = f64::from(f32::from(u8::from(i == plan.label)) - self.acts.x[n][i]);
                plan.step_size * res / f64::from(self.acts.dv[n][i])
            } else {
                0.0
            };
            self.h[k][i] = (ch * g - extra) as f32;
        }
        let (gw, gb) = (max_abs(&self.r[k]) * self.xmax[k - 1], max_abs(&self.h[k]));
        if !(gw.is_finite() && gb.is_finite()) {
            return false;
        }
        let fits = |b: (f64, f64)| b.0 + gw <= LIMIT && b.1 + gb <= LIMIT;
        if !fits(self.bounds[k]) {
            self.refresh_bounds(k);
            if !fits(self.bounds[k]) {
                return false;
            }
        }
        self.growth[k] = (gw, gb);
        true
    }

    /// The factors `(c_u, c_h)` with `r_k = c_u (-g_k)`, `h_k = c_h (-g_k)` (less Newton's top
    /// term): SGD `-step`; MK `-step t_k`, `-step s_k` (Eq. 40 / 42); Newton `-step lambda_{k-1}/ng_k`
    /// and `step ||x_{k-1}||^2 lambda_{k-1}/ng_k` (Eq. 35 corrected).
    fn direction_scales(&self, k: usize, plan: &Plan) -> (f64, f64) {
        let src = if plan.reg { &self.e[k] } else { &self.e0[k] }; // -g_k
        let (ng, l, step_size) = (sum_sq(src), self.lambda[k - 1], plan.step_size);
        match plan.method {
            FastMethod::Sgd => (-step_size, -step_size),
            FastMethod::Mk { mu, .. } => {
                let mu = f64::from(mu);
                let n = self.net.n();
                let top = if k == n {
                    self.lambda[n] * self.res2
                } else {
                    0.0
                };
                let c = l * self.xx[k - 1] + top;
                (
                    -step_size * ratio(l, mu * l + ng),
                    -step_size * ratio(c, mu * c + ng),
                )
            }
            FastMethod::Newton => {
                let scale = ratio(l, ng);
                (-step_size * scale, step_size * scale * self.xx[k - 1])
            }
        }
    }
}
