//! A small SVG line chart, so a run's series can be looked at in the docs without a plotting
//! toolchain: one panel, time on x, any number of named lines on a shared y axis.

use std::fmt::Write as _;

/// Colours of the lines, in order (readable on white, distinct in greyscale too).
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
];

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 44.0;

/// One named series of `(x, y)` points.
pub struct Line {
    /// Legend text.
    pub name: String,
    /// Points, x ascending.
    pub points: Vec<(f64, f64)>,
}

/// Optional marks drawn across the plot.
pub struct Marks {
    /// A vertical line at this x (e.g. the end of the warm-up), with its label.
    pub vertical: Option<(f64, String)>,
    /// A shaded band between these two y values (e.g. ±5 % of a reference), with its label.
    pub band: Option<(f64, f64, String)>,
}

/// Renders `lines` as an SVG document.
pub fn svg(title: &str, x_label: &str, y_label: &str, lines: &[Line], marks: &Marks) -> String {
    let all = || lines.iter().flat_map(|l| l.points.iter().copied());
    let x_max = all().map(|(x, _)| x).fold(0.0_f64, f64::max).max(1e-9);
    let mut y_max = all().map(|(_, y)| y).fold(0.0_f64, f64::max);
    if let Some((_, hi, _)) = &marks.band {
        y_max = y_max.max(*hi);
    }
    let y_max = nice_ceiling(y_max.max(1e-9) * 1.05);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |x: f64| LEFT + x / x_max * plot_w;
    let py = |y: f64| TOP + plot_h - y / y_max * plot_h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/><text x="{LEFT}" y="20" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    if let Some((lo, hi, label)) = &marks.band {
        let _ = writeln!(
            out,
            r##"<rect x="{LEFT}" y="{:.1}" width="{plot_w}" height="{:.1}" fill="#2ca02c" fill-opacity="0.12"/><text x="{:.1}" y="{:.1}" fill="#2ca02c">{}</text>"##,
            py(*hi),
            (py(*lo) - py(*hi)).max(0.5),
            LEFT + plot_w + 6.0,
            py(*hi) + 4.0,
            escape(label)
        );
    }
    for i in 0..=5 {
        let y = y_max * f64::from(i) / 5.0;
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            py(y),
            py(y),
            LEFT - 6.0,
            py(y) + 4.0,
            short(y)
        );
    }
    for i in 0..=6 {
        let x = x_max * f64::from(i) / 6.0;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            px(x),
            TOP + plot_h + 16.0,
            short(x)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 8.0,
        escape(x_label),
        TOP + plot_h / 2.0,
        escape(y_label)
    );
    if let Some((x, label)) = &marks.vertical {
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="{TOP}" y2="{1:.1}" stroke="#888" stroke-dasharray="4 3"/><text x="{2:.1}" y="{3:.1}" fill="#555">{4}</text>"##,
            px(*x),
            TOP + plot_h,
            px(*x) + 4.0,
            TOP + 12.0,
            escape(label)
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<String> = line
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
        let ly = TOP + 14.0 + 18.0 * i as f64;
        let _ = writeln!(
            out,
            r#"<line x1="{0:.1}" x2="{1:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"/><text x="{2:.1}" y="{3:.1}">{4}</text>"#,
            LEFT + plot_w + 30.0,
            LEFT + plot_w + 50.0,
            LEFT + plot_w + 56.0,
            ly + 4.0,
            escape(&line.name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The smallest of 1, 2, 2.5, 5 x 10^k that is at least `v`.
fn nice_ceiling(v: f64) -> f64 {
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * magnitude)
}

fn short(v: f64) -> String {
    if v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_line_and_escapes_text() {
        let lines = vec![
            Line {
                name: "sqlite <RSS>".into(),
                points: vec![(0.0, 90.0), (5.0, 100.0), (10.0, 101.0)],
            },
            Line {
                name: "postgres".into(),
                points: vec![(0.0, 60.0), (10.0, 62.0)],
            },
        ];
        let marks = Marks {
            vertical: Some((5.0, "warm-up".into())),
            band: Some((95.0, 105.0, "±5 %".into())),
        };
        let svg = svg("RSS & time", "minutes", "MiB", &lines, &marks);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("sqlite &lt;RSS&gt;"));
        assert!(svg.contains("RSS &amp; time"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(87.0), 100.0);
        assert_eq!(nice_ceiling(160.0), 200.0);
        assert_eq!(nice_ceiling(2.1), 2.5);
    }
}
