//! Line charts drawn as SVG on the server: no script, readable on a phone, allowed by the
//! page's Content Security Policy.

use std::fmt::Write as _;

/// One series: its name and a value per label (`None` where nothing was measured).
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<Option<f64>>,
    pub colour: &'static str,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A chart of `series` over `labels` with values from 0 to `max`, each value shown by
/// `show`. Gaps are left where a value is missing.
pub fn line_chart(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    max: f64,
    show: impl Fn(f64) -> String,
) -> String {
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 36.0;
    const BOTTOM: f64 = 40.0;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let step = if labels.len() > 1 {
        plot_w / (labels.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + step * i as f64;
    let y = |v: f64| TOP + plot_h - (v.clamp(0.0, max) / max) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="18" font-size="14" font-weight="600" fill="#1f2933">{}</text>"##,
        escape(title)
    );
    for tick in 0..=4 {
        let value = max * f64::from(tick) / 4.0;
        let ty = y(value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{ty:.1}" y2="{ty:.1}" stroke="#d9e2ec"/><text x="{tx}" y="{ly:.1}" font-size="11" text-anchor="end" fill="#52606d">{v}</text>"##,
            x2 = W - RIGHT,
            tx = LEFT - 6.0,
            ly = ty + 4.0,
            v = escape(&show(value))
        );
    }
    let every = labels.len().div_ceil(6).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % every == 0 || i + 1 == labels.len() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="#52606d">{}</text>"##,
                x(i),
                H - BOTTOM + 16.0,
                escape(label)
            );
        }
    }
    for (n, s) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            r#"<path d="{path}" fill="none" stroke="{c}" stroke-width="2.5"/>"#,
            c = s.colour
        );
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"><title>{} {}: {}</title></circle>"#,
                    x(i),
                    y(*v),
                    escape(s.name),
                    escape(&labels[i]),
                    escape(&show(*v)),
                    c = s.colour
                );
            }
        }
        let lx = LEFT + 150.0 * n as f64;
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="{ry}" width="12" height="4" fill="{c}"/><text x="{tx}" y="{ty}" font-size="12" fill="#1f2933">{name}</text>"##,
            ry = H - 12.0,
            tx = lx + 16.0,
            ty = H - 7.0,
            c = s.colour,
            name = escape(s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_escapes_its_words_and_leaves_gaps() {
        let svg = line_chart(
            "<script>",
            &["2026-01".into(), "2026-02".into(), "2026-03".into()],
            &[Series {
                name: "a&b",
                values: vec![Some(0.5), None, Some(1.0)],
                colour: "#000",
            }],
            1.0,
            |v| format!("{:.0}%", v * 100.0),
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("a&amp;b"));
        // Two separate strokes: the missing month is not bridged.
        assert_eq!(svg.matches('M').count(), 1 + 1);
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
