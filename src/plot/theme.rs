//! The charts' colours: a light theme (the page's default and every SVG the CLI writes) and a dark
//! one (the page picks it when the system asks for `prefers-color-scheme: dark`). Every chart of
//! the page draws with one [`Palette`]: the engine's charts here, and the lab's spectrum strip
//! (www/spectrum.js) and the first layer's images (www/inside.js) through `chart_colors` in
//! src/wasm.rs, so that a colour is written once.
//!
//! The dark series colours keep the light ones' hues in the same order (run 1 blue, run 2 red, as
//! the page's swatches) and are lighter, so that each stands out on the dark background: the
//! tests below measure WCAG 2 contrast ([`contrast`]) against it and the distance between them.

use crate::error::Error;
use plotters::style::RGBColor;

/// Which palette the charts draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// The colours of one theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// The chart's background (the dark one is the page's dark `--panel`).
    pub background: RGBColor,
    /// Text, axes (at half strength), grid lines (at 4-10 %), marks drawn in ink.
    pub ink: RGBColor,
    /// Secondary text (the spectrum strip's tick labels and notes).
    pub muted: RGBColor,
    /// The spectrum strip's grid lines (opaque).
    pub grid: RGBColor,
    /// The spectrum strip's line at 0.
    pub zero: RGBColor,
    /// An earlier run with no current run of its label, and the legend's "earlier runs".
    pub earlier: RGBColor,
    /// One colour per series index, repeating.
    pub series: [RGBColor; 6],
    /// The first layer's images (www/inside.js): a weight of +max|w| in `hot`, -max|w| in
    /// `cold`, 0 in `background`, linear in between.
    pub hot: RGBColor,
    pub cold: RGBColor,
}

const LIGHT: Palette = Palette {
    background: RGBColor(255, 255, 255),
    ink: RGBColor(0, 0, 0),
    muted: RGBColor(77, 83, 88),
    grid: RGBColor(236, 238, 234),
    zero: RGBColor(154, 160, 164),
    earlier: RGBColor(120, 120, 120),
    series: [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(23, 190, 207),
    ],
    hot: RGBColor(255, 0, 0),
    cold: RGBColor(0, 0, 255),
};

const DARK: Palette = Palette {
    background: RGBColor(31, 34, 38),
    ink: RGBColor(230, 231, 232),
    muted: RGBColor(169, 175, 181),
    grid: RGBColor(52, 57, 63),
    zero: RGBColor(118, 125, 132),
    earlier: RGBColor(150, 150, 150),
    series: [
        RGBColor(90, 168, 240),
        RGBColor(255, 123, 114),
        RGBColor(92, 200, 122),
        RGBColor(195, 155, 240),
        RGBColor(240, 190, 60),
        RGBColor(60, 220, 200),
    ],
    hot: RGBColor(255, 110, 100),
    cold: RGBColor(100, 150, 255),
};

impl Theme {
    /// `"light"` or `"dark"`; anything else is an error naming `what` and the value.
    pub fn parse(what: &str, name: &str) -> Result<Theme, Error> {
        match name {
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            other => Err(Error::invalid(
                what,
                format!("{other:?} (expected light or dark)"),
            )),
        }
    }

    pub fn palette(self) -> &'static Palette {
        match self {
            Theme::Light => &LIGHT,
            Theme::Dark => &DARK,
        }
    }
}

impl Palette {
    /// The colour of series `i`.
    pub fn color(&self, i: usize) -> RGBColor {
        self.series[i % self.series.len()]
    }
}

/// `rgb(r, g, b)`, as CSS and canvas 2D read it.
pub fn css(c: RGBColor) -> String {
    format!("rgb({}, {}, {})", c.0, c.1, c.2)
}

/// WCAG 2 relative luminance of an sRGB colour: each channel linearised (`c/12.92` up to
/// 0.04045, else `((c + 0.055)/1.055)^2.4`), weighted 0.2126, 0.7152, 0.0722.
pub fn luminance(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// WCAG 2 contrast ratio `(L1 + 0.05) / (L2 + 0.05)`, the lighter colour's luminance on top
/// (1 to 21).
pub fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        // WCAG 2's own end points (21:1 and 1:1) and the ratios WebAIM's contrast checker gives:
        // #777777 on white 4.48:1, #767676 on white 4.54:1 (the lightest grey passing AA).
        let white = RGBColor(255, 255, 255);
        let cases = [
            (RGBColor(0, 0, 0), 21.0),
            (white, 1.0),
            (RGBColor(0x77, 0x77, 0x77), 4.48),
            (RGBColor(0x76, 0x76, 0x76), 4.54),
        ];
        for (c, want) in cases {
            let got = contrast(c, white);
            assert!(
                (got - want).abs() < 0.005,
                "contrast of {c:?} on white: {got} vs {want}"
            );
        }
    }

    #[test]
    fn every_dark_series_colour_reads_on_the_dark_background_and_differs_from_the_others() {
        let p = Theme::Dark.palette();
        for (i, &c) in p.series.iter().enumerate() {
            // 4.5:1 is WCAG AA for text: the divergence and off-scale labels are in a run's colour.
            let r = contrast(c, p.background);
            assert!(
                r >= 4.5,
                "series {i} {c:?}: contrast {r:.2} on {:?}",
                p.background
            );
        }
        let d = |a: RGBColor, b: RGBColor| {
            let sq = |x: u8, y: u8| (f64::from(x) - f64::from(y)).powi(2);
            (sq(a.0, b.0) + sq(a.1, b.1) + sq(a.2, b.2)).sqrt()
        };
        for i in 0..p.series.len() {
            for j in 0..i {
                let dist = d(p.series[i], p.series[j]);
                assert!(dist >= 60.0, "series {i} and {j}: RGB distance {dist:.1}");
            }
        }
        for (name, c) in [
            ("ink", p.ink),
            ("muted", p.muted),
            ("hot", p.hot),
            ("cold", p.cold),
        ] {
            let r = contrast(c, p.background);
            assert!(r >= 4.5, "dark {name} {c:?}: contrast {r:.2}");
        }
    }

    #[test]
    fn the_light_theme_keeps_the_colours_the_charts_had() {
        let p = Theme::Light.palette();
        assert_eq!(
            (p.background, p.ink),
            (RGBColor(255, 255, 255), RGBColor(0, 0, 0))
        );
        assert_eq!(p.color(0), RGBColor(31, 119, 180));
        assert_eq!(p.color(7), RGBColor(214, 39, 40), "index 7 repeats index 1");
    }

    #[test]
    fn a_theme_name_other_than_light_or_dark_is_an_error_naming_it() {
        assert_eq!(Theme::parse("options.theme", "dark").unwrap(), Theme::Dark);
        assert_eq!(
            Theme::parse("options.theme", "light").unwrap(),
            Theme::Light
        );
        let e = Theme::parse("options.theme", "Dark")
            .unwrap_err()
            .to_string();
        assert!(e.contains("options.theme") && e.contains("\"Dark\""), "{e}");
    }
}
