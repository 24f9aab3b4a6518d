//! Axis ticks that never overlap, and the compact numbers they show (`50k`, `1.2M`, `1e-3`).
//! Pure functions of a range and a length in pixels, tested here; [`super::draw_curves`] asks for
//! them once it knows its plotting area's size.

/// The width budgeted per character of a tick label, in font sizes: sans-serif digits are about
/// 0.55 em wide, so 0.62 em leaves room for wider fonts.
pub const CHAR_EM: f64 = 0.62;

/// The smallest gap between two labels on a horizontal axis, in font sizes.
pub const GAP_EM: f64 = 1.0;

/// The smallest distance between two ticks on a vertical axis, in font sizes.
pub const ROW_EM: f64 = 2.4;

/// The ticks of one axis: positions (in the axis's units) and the label of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub at: Vec<f64>,
    pub labels: Vec<String>,
}

impl Ticks {
    /// The label of the tick at `v` (plotters hands back the key points it was given), or `v` in
    /// the compact format.
    pub fn label_of(&self, v: f64) -> String {
        self.at
            .iter()
            .position(|t| (t - v).abs() <= 1e-9 * (1.0 + t.abs()))
            .map_or_else(|| compact(v), |i| self.labels[i].clone())
    }

    /// The widest label's estimated width in pixels at `font_px` ([`label_width`]).
    pub fn widest(&self, font_px: f64) -> f64 {
        self.labels
            .iter()
            .map(|l| label_width(l, font_px))
            .fold(0.0, f64::max)
    }
}

/// The estimated width of `label` in pixels at `font_px`: [`CHAR_EM`] per character.
pub fn label_width(label: &str, font_px: f64) -> f64 {
    label.chars().count() as f64 * CHAR_EM * font_px
}

/// `v` with at most `sig` significant digits, trailing zeros dropped: `0` for zero; `k` and `M`
/// suffixes from 1,000 to below 1e9; exponent notation (`1e-3`, `6.1e18`) below 0.01 and from 1e9.
pub fn compact_sig(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    let sig = sig.clamp(1, 15);
    if !(1e-2..1e9).contains(&a) {
        let s = format!("{:.*e}", sig - 1, v);
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exponent}", trim(mantissa));
    }
    for (unit, suffix) in [(1e6, "M"), (1e3, "k")] {
        let m = round_sig(v / unit, sig);
        if m.abs() >= 1.0 {
            return format!("{}{suffix}", decimal(m, sig));
        }
    }
    decimal(round_sig(v, sig), sig)
}

/// `v` in the compact format with three significant digits ([`compact_sig`]).
pub fn compact(v: f64) -> String {
    compact_sig(v, 3)
}

/// `10^k` as a label: `0.01`, `1`, `100`, `1k`, `1M`, or `1e-3`, `1e27` ([`compact_sig`]).
pub fn decade_label(k: i32) -> String {
    compact_sig(10f64.powi(k), 1)
}

fn round_sig(v: f64, sig: usize) -> f64 {
    let e = v.abs().log10().floor() as i32;
    let f = 10f64.powi(sig as i32 - 1 - e);
    (v * f).round() / f
}

/// `v` (already rounded to `sig` significant digits) with just the decimals it needs.
fn decimal(v: f64, sig: usize) -> String {
    let e = v.abs().log10().floor() as i32;
    let decimals = (sig as i32 - 1 - e).max(0) as usize;
    trim(&format!("{v:.decimals$}")).to_string()
}

fn trim(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Whether consecutive ticks `px` pixels apart leave room for labels `width` wide (horizontal
/// axis) or for a line of text (vertical axis).
fn fits(px: f64, width: f64, font_px: f64, horizontal: bool) -> bool {
    if horizontal {
        px >= width + GAP_EM * font_px
    } else {
        px >= ROW_EM * font_px
    }
}

/// Ticks on `lo..=hi` (linear units) for an axis `pixels` long: multiples of the smallest step
/// `m * 10^k` (m in 1, 2, 2.5, 5) whose labels do not overlap at `font_px`. Always at least one tick
/// (the range's ends when the step would leave none inside).
pub fn linear_ticks(lo: f64, hi: f64, pixels: f64, font_px: f64, horizontal: bool) -> Ticks {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite() && pixels > 0.0) {
        return Ticks {
            at: vec![lo],
            labels: vec![compact(lo)],
        };
    }
    let mut k = (span / 50.0).log10().floor() as i32;
    loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * 10f64.powi(k);
            let ticks = multiples(lo, hi, step);
            let px = pixels * step / span;
            let last = ticks.at.len() < 2;
            if last || fits(px, ticks.widest(font_px), font_px, horizontal) {
                return ticks;
            }
        }
        k += 1;
    }
}

/// The multiples of `step` in `lo..=hi`, labelled with the digits `step` needs.
fn multiples(lo: f64, hi: f64, step: f64) -> Ticks {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let at: Vec<f64> = (first..=last.max(first)).map(|i| i as f64 * step).collect();
    let at: Vec<f64> = at.into_iter().filter(|v| *v <= hi + 1e-9 * step).collect();
    let at = if at.is_empty() { vec![lo, hi] } else { at };
    let labels = at
        .iter()
        .map(|&v| {
            // The digits down to the step's own (2.5 * 10^k needs one more).
            let digits = if v == 0.0 {
                1
            } else {
                (v.abs().log10().floor() - step.log10().floor()) as i64 + 2
            };
            compact_sig(v, digits.clamp(1, 15) as usize)
        })
        .collect();
    Ticks { at, labels }
}

/// Ticks on a `log10` axis `lo..=hi` (decades) `pixels` long: 1, 2 and 5 times each power of ten
/// when those labels fit (the closest two are log10 2 = 0.30 decade apart), else every 1st, 2nd,
/// 3rd, 5th, 10th... whole decade, the smallest stride whose labels ([`decade_label`]) do not
/// overlap.
pub fn decade_ticks(lo: f64, hi: f64, pixels: f64, font_px: f64, horizontal: bool) -> Ticks {
    let (first, last) = ((lo - 1e-9).ceil() as i32, (hi + 1e-9).floor() as i32);
    let span = (hi - lo).max(1e-9);
    let fine: Vec<(f64, String)> = ((lo - 1e-9).floor() as i32..=last)
        .flat_map(|k| {
            [1.0, 2.0, 5.0]
                .map(|m: f64| (f64::from(k) + m.log10(), compact_sig(m * 10f64.powi(k), 1)))
        })
        .filter(|(v, _)| *v >= lo - 1e-9 && *v <= hi + 1e-9)
        .collect();
    let fine = Ticks {
        at: fine.iter().map(|t| t.0).collect(),
        labels: fine.into_iter().map(|t| t.1).collect(),
    };
    let closest = pixels * 2f64.log10() / span;
    if fine.at.len() >= 2 && fits(closest, fine.widest(font_px), font_px, horizontal) {
        return fine;
    }
    for stride in [1, 2, 3, 5, 10, 20, 50, 100] {
        let ks: Vec<i32> = (first..=last)
            .filter(|k| k.rem_euclid(stride) == 0)
            .collect();
        let ticks = Ticks {
            at: ks.iter().map(|&k| f64::from(k)).collect(),
            labels: ks.iter().map(|&k| decade_label(k)).collect(),
        };
        let px = pixels * f64::from(stride) / span;
        if ticks.at.len() < 2 || fits(px, ticks.widest(font_px), font_px, horizontal) {
            return ticks;
        }
    }
    Ticks {
        at: vec![f64::from(first)],
        labels: vec![decade_label(first)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers_use_suffixes_and_exponents() {
        let cases = [
            (0.0, "0"),
            (50_000.0, "50k"),
            (1_200_000.0, "1.2M"),
            (0.001, "1e-3"),
            (0.00025, "2.5e-4"),
            (6.1e18, "6.1e18"),
            (4.554447070636897e27, "4.55e27"),
            (0.25, "0.25"),
            (12.5, "12.5"),
            (100.0, "100"),
            (999.6, "1k"),
            (-2500.0, "-2.5k"),
            (0.0312, "0.0312"),
        ];
        for (v, want) in cases {
            assert_eq!(compact(v), want, "compact({v})");
        }
        assert_eq!(compact_sig(1_025_000.0, 4), "1.025M");
        let decades: Vec<String> = (-3..=6).map(decade_label).collect();
        assert_eq!(
            decades,
            ["1e-3", "0.01", "0.1", "1", "10", "100", "1k", "10k", "100k", "1M"]
        );
    }

    /// Checks that consecutive labels of `t` on an axis `pixels` long over `lo..hi` leave a gap.
    fn assert_apart(t: &Ticks, lo: f64, hi: f64, pixels: f64, font: f64, horizontal: bool) {
        let px = |v: f64| (v - lo) / (hi - lo) * pixels;
        for i in 1..t.at.len() {
            let d = px(t.at[i]) - px(t.at[i - 1]);
            let need = if horizontal {
                (label_width(&t.labels[i], font) + label_width(&t.labels[i - 1], font)) / 2.0
                    + 0.5 * font
            } else {
                1.2 * font
            };
            assert!(
                d >= need,
                "labels {:?} and {:?} are {d:.1} px apart, need {need:.1} (axis {pixels} px over {lo}..{hi})",
                t.labels[i - 1],
                t.labels[i]
            );
        }
    }

    #[test]
    fn linear_ticks_never_overlap_from_phone_to_desktop_widths() {
        let ranges = [
            (0.0, 1000.0),
            (0.0, 47_000.0),
            (0.0, 600_000.0),
            (0.0, 1_234_567.0),
            (0.0, 9.7),
            (0.0, 100.0),
            (0.0, 3_600_000.0),
        ];
        for pixels in (280..=960).step_by(8) {
            for &(lo, hi) in &ranges {
                let t = linear_ticks(lo, hi, f64::from(pixels) / 3.0, 12.0, true);
                assert!(!t.at.is_empty(), "no ticks on {lo}..{hi}");
                assert!(
                    t.at.iter().all(|&v| (lo..=hi).contains(&v)),
                    "{t:?} outside {lo}..{hi}"
                );
                assert_apart(&t, lo, hi, f64::from(pixels) / 3.0, 12.0, true);
                let full = linear_ticks(lo, hi, f64::from(pixels), 12.0, true);
                assert_apart(&full, lo, hi, f64::from(pixels), 12.0, true);
                let tall = linear_ticks(lo, hi, f64::from(pixels) / 4.0, 12.0, false);
                assert_apart(&tall, lo, hi, f64::from(pixels) / 4.0, 12.0, false);
            }
        }
    }

    #[test]
    fn linear_ticks_use_round_steps_and_compact_labels() {
        let t = linear_ticks(0.0, 600_000.0, 900.0, 12.0, true);
        assert_eq!(
            t.labels,
            [
                "0", "50k", "100k", "150k", "200k", "250k", "300k", "350k", "400k", "450k", "500k",
                "550k", "600k"
            ]
        );
        let phone = linear_ticks(0.0, 600_000.0, 200.0, 12.0, true);
        assert_eq!(phone.labels, ["0", "200k", "400k", "600k"]);
        let empty = linear_ticks(0.0, 1000.0, 300.0, 12.0, true);
        assert_eq!(empty.labels, ["0", "200", "400", "600", "800", "1k"]);
        let pct = linear_ticks(0.0, 100.0, 130.0, 12.0, false);
        assert_eq!(pct.labels, ["0", "25", "50", "75", "100"]);
    }

    #[test]
    fn decade_ticks_thin_out_on_short_axes() {
        let t = decade_ticks(-3.0, 28.0, 220.0, 12.0, false);
        assert_apart(&t, -3.0, 28.0, 220.0, 12.0, false);
        assert!(t.at.len() >= 2, "{t:?}");
        let wide = decade_ticks(2.0, 6.0, 300.0, 12.0, true);
        assert_eq!(wide.labels, ["100", "1k", "10k", "100k", "1M"]);
        let fine = decade_ticks(3.0, 4.6, 240.0, 12.0, true);
        assert_eq!(fine.labels, ["1k", "2k", "5k", "10k", "20k"]);
        assert_apart(&fine, 3.0, 4.6, 240.0, 12.0, true);
        for pixels in (280..=960).step_by(8) {
            let p = f64::from(pixels) / 3.0;
            let t = decade_ticks(-12.0, 30.0, p, 12.0, true);
            assert_apart(&t, -12.0, 30.0, p, 12.0, true);
        }
        let cost = decade_ticks(-2.0, 0.0, 200.0, 12.0, false);
        assert_eq!(
            cost.labels,
            ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"]
        );
        let short = decade_ticks(-2.0, 0.0, 120.0, 12.0, false);
        assert_eq!(short.labels, ["0.01", "0.1", "1"]);
    }
}
