//! Line and bar charts drawn as SVG on the server: no script, allowed by the page's Content
//! Security Policy. Each chart is drawn twice, wide for a desk and narrow for a phone (fewer month
//! labels, larger letters, the legend one series per line), and the stylesheet shows the one
//! that fits the screen. A chart with fewer than two measured months says so instead of drawing
//! a dot, and names the one value it has.

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

/// The measures of one drawing.
struct Layout {
    class: &'static str,
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    /// Letter size of the axes and the legend; the title is two larger.
    font: f64,
    /// At most this many month labels along the bottom.
    labels: usize,
    /// Legend entries side by side before the next line.
    legend_per_line: usize,
}

const WIDE: Layout = Layout {
    class: "chart wide",
    width: 640.0,
    height: 260.0,
    left: 48.0,
    right: 16.0,
    font: 12.0,
    labels: 6,
    legend_per_line: 4,
};

/// Shown on a phone's 343 px at about its own size.
const NARROW: Layout = Layout {
    class: "chart narrow",
    width: 360.0,
    height: 280.0,
    left: 40.0,
    right: 14.0,
    font: 13.0,
    labels: 3,
    legend_per_line: 1,
};

/// What the reader needs to read a chart, in the page's language.
pub struct ChartWords<'a> {
    /// Said in place of a chart with fewer than two measured months.
    pub too_little: &'a str,
    /// Said in place of a chart with nothing measured at all.
    pub nothing: &'a str,
}

/// A chart of `series` over `labels` with values from 0 to `max`, each value shown by `show`.
/// Gaps are left where a value is missing.
pub fn line_chart(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    max: f64,
    show: impl Fn(f64) -> String,
    words: &ChartWords<'_>,
) -> String {
    let measured = |s: &Series<'_>| s.values.iter().flatten().count();
    if series.iter().all(|s| measured(s) < 2) {
        let mut out = format!(
            r#"<div class='chart-empty'><p><b>{}</b></p><p class="muted">"#,
            escape(title)
        );
        let show = &show;
        let known: Vec<String> = series
            .iter()
            .flat_map(|s| {
                s.values.iter().zip(labels).filter_map(move |(v, label)| {
                    v.map(|v| format!("{} {}: {}", escape(s.name), escape(label), show(v)))
                })
            })
            .collect();
        if known.is_empty() {
            out.push_str(&escape(words.nothing));
        } else {
            let _ = write!(out, "{} {}", escape(words.too_little), known.join(" · "));
        }
        out.push_str("</p></div>");
        return out;
    }
    let mut out = String::from(r#"<figure class='chart-box'>"#);
    for layout in [&WIDE, &NARROW] {
        out.push_str(&draw(layout, title, labels, series, max, &show));
    }
    out.push_str("</figure>");
    out
}

/// The month labels to write: about `layout.labels` of them, evenly spaced, always the last
/// (the latest month), and none so close to the last that they would overlap it.
fn shown_labels(count: usize, layout: &Layout) -> Vec<usize> {
    if count == 0 {
        return Vec::new();
    }
    let every = count.div_ceil(layout.labels).max(1);
    let last = count - 1;
    let mut shown: Vec<usize> = (0..count)
        .filter(|i| i % every == 0 && (last - i >= every || *i == last))
        .collect();
    if shown.last() != Some(&last) {
        shown.push(last);
    }
    shown
}

fn draw(
    layout: &Layout,
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    max: f64,
    show: &impl Fn(f64) -> String,
) -> String {
    let font = layout.font;
    let top = font * 2.0 + 10.0;
    let legend_lines = series.len().div_ceil(layout.legend_per_line).max(1);
    let bottom = font * 2.0 + 8.0 + (font + 8.0) * legend_lines as f64;
    let height = layout.height + (font + 8.0) * (legend_lines - 1) as f64;
    let (width, left, right) = (layout.width, layout.left, layout.right);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let step = if labels.len() > 1 {
        plot_w / (labels.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| left + step * i as f64;
    let y = |v: f64| top + plot_h - (v.clamp(0.0, max) / max) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="{class}" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        class = layout.class,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r##"<text x="{left}" y="{ty}" font-size="{size}" font-weight="600" fill="#1f2933">{}</text>"##,
        escape(title),
        ty = font + 6.0,
        size = font + 2.0,
    );
    for tick in 0..=4 {
        let value = max * f64::from(tick) / 4.0;
        let ty = y(value);
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{x2}" y1="{ty:.1}" y2="{ty:.1}" stroke="#d9e2ec"/><text x="{tx}" y="{ly:.1}" font-size="{font}" text-anchor="end" fill="#52606d">{v}</text>"##,
            x2 = width - right,
            tx = left - 5.0,
            ly = ty + font / 3.0,
            v = escape(&show(value))
        );
    }
    let last = labels.len().saturating_sub(1);
    for i in shown_labels(labels.len(), layout) {
        // The first and the last label are anchored inside the chart, so neither is clipped.
        let anchor = match i {
            _ if i == last && i > 0 => "end",
            0 => "start",
            _ => "middle",
        };
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="{font}" text-anchor="{anchor}" fill="#52606d">{}</text>"##,
            x(i),
            top + plot_h + font + 6.0,
            escape(&labels[i])
        );
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
        let column = n % layout.legend_per_line;
        let line = n / layout.legend_per_line;
        let lx = left + 150.0 * column as f64;
        let ly = top + plot_h + font * 2.0 + 14.0 + (font + 8.0) * line as f64;
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="{ry:.1}" width="12" height="4" fill="{c}"/><text x="{tx}" y="{ly:.1}" font-size="{font}" fill="#1f2933">{name}</text>"##,
            ry = ly - font / 3.0 - 2.0,
            tx = lx + 16.0,
            c = s.colour,
            name = escape(s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The most bars a chart draws; the rest are summed into one last bar named `others`.
pub const MOST_BARS: usize = 15;

/// A bar chart of `bars` (a label and a count each, drawn in the order given, the first
/// [`MOST_BARS`] of them), each bar with its label above it and its count beside it, so that
/// long names fit a phone too. Its title is for screen readers (the page's heading says it).
/// With nothing counted it says so instead.
pub fn bar_chart(
    title: &str,
    bars: &[(String, i64)],
    others: &str,
    words: &ChartWords<'_>,
) -> String {
    if bars.iter().all(|(_, n)| *n <= 0) {
        return format!(
            r#"<div class='chart-empty'><p><b>{}</b></p><p class="muted">{}</p></div>"#,
            escape(title),
            escape(words.nothing)
        );
    }
    let mut shown: Vec<(String, i64)> = bars.iter().take(MOST_BARS).cloned().collect();
    if bars.len() > MOST_BARS {
        let rest = bars[MOST_BARS..].iter().map(|(_, n)| n).sum();
        shown.push((others.to_string(), rest));
    }
    let mut out = String::from(r#"<figure class='chart-box'>"#);
    for layout in [&WIDE, &NARROW] {
        out.push_str(&draw_bars(layout, title, &shown));
    }
    out.push_str("</figure>");
    out
}

fn draw_bars(layout: &Layout, title: &str, bars: &[(String, i64)]) -> String {
    let font = layout.font;
    let top = 8.0;
    let row = font * 2.0 + 12.0;
    let height = top + row * bars.len() as f64 + 6.0;
    let (left, right) = (layout.right, layout.right);
    // Room for the count after the longest bar.
    let plot_w = layout.width - left - right - font * 4.0;
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="{class}" viewBox="0 0 {width} {height:.1}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"##,
        class = layout.class,
        width = layout.width,
        t = escape(title),
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let w = (*n).max(0) as f64 / max * plot_w;
        let _ = write!(
            svg,
            r##"<text x="{left}" y="{ly:.1}" font-size="{font}" fill="#1f2933">{label}</text><rect x="{left}" y="{by:.1}" width="{w:.1}" height="{bh:.1}" rx="2" fill="#2f6fb3"><title>{label}: {n}</title></rect><text x="{nx:.1}" y="{ny:.1}" font-size="{font}" fill="#52606d">{n}</text>"##,
            label = escape(label),
            ly = y + font,
            by = y + font + 4.0,
            bh = font,
            nx = left + w + 6.0,
            ny = y + font * 2.0 + 2.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: ChartWords<'static> = ChartWords {
        too_little: "Too little data for a trend:",
        nothing: "Nothing measured yet.",
    };

    fn months(n: usize) -> Vec<String> {
        (1..=n).map(|m| format!("2026-{m:02}")).collect()
    }

    #[test]
    fn a_chart_escapes_its_words_and_leaves_gaps() {
        let svg = line_chart(
            "<script>",
            &months(3),
            &[Series {
                name: "a&b",
                values: vec![Some(0.5), None, Some(1.0)],
                colour: "#000",
            }],
            1.0,
            |v| format!("{:.0}%", v * 100.0),
            &WORDS,
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("a&amp;b"));
        // Drawn wide and narrow, each with two separate strokes: the missing month is not
        // bridged.
        assert_eq!(svg.matches("<svg").count(), 2);
        assert_eq!(svg.matches('M').count(), 2 * 2);
        assert_eq!(svg.matches("<circle").count(), 2 * 2);
    }

    #[test]
    fn one_measured_month_is_said_not_drawn() {
        let mut values = vec![None; 12];
        values[11] = Some(0.8);
        let one = Series {
            name: "On-time rate",
            values,
            colour: "#000",
        };
        let html = line_chart(
            "Rates",
            &months(12),
            &[one],
            1.0,
            |v| format!("{:.0}%", v * 100.0),
            &WORDS,
        );
        assert!(!html.contains("<svg"), "{html}");
        assert!(
            html.contains("Too little data for a trend: On-time rate 2026-12: 80%"),
            "{html}"
        );
        let none = Series {
            name: "On-time rate",
            values: vec![None; 12],
            colour: "#000",
        };
        let html = line_chart(
            "Rates",
            &months(12),
            &[none],
            1.0,
            |v| format!("{v}"),
            &WORDS,
        );
        assert!(html.contains("Nothing measured yet."), "{html}");
    }

    #[test]
    fn the_latest_month_is_labelled_inside_the_chart_and_no_label_crowds_it() {
        for layout in [&WIDE, &NARROW] {
            for count in 1..=24 {
                let shown = shown_labels(count, layout);
                assert_eq!(shown.last(), Some(&(count - 1)), "{count}");
                assert!(shown.len() <= layout.labels + 1, "{count}: {shown:?}");
                let every = count.div_ceil(layout.labels).max(1);
                for pair in shown.windows(2) {
                    assert!(
                        pair[1] - pair[0] >= every.min(count - 1),
                        "{count}: {shown:?}"
                    );
                }
            }
        }
        let svg = line_chart(
            "Rates",
            &months(12),
            &[Series {
                name: "r",
                values: vec![Some(0.5); 12],
                colour: "#000",
            }],
            1.0,
            |v| format!("{v}"),
            &WORDS,
        );
        assert!(
            svg.contains(r##"text-anchor="end" fill="#52606d">2026-12</text>"##),
            "{svg}"
        );
    }

    #[test]
    fn a_bar_chart_names_each_bar_and_its_count_or_says_nothing_was_counted() {
        let bars = vec![("餐饮 <服务>".to_string(), 12), ("零售".to_string(), 3)];
        let chart = bar_chart("按行业分布", &bars, "其他", &WORDS);
        assert_eq!(chart.matches("<svg").count(), 2, "wide and narrow");
        assert!(chart.contains("餐饮 &lt;服务&gt;: 12") && chart.contains(">3</text>"));
        let many: Vec<(String, i64)> = (1..=20).map(|n| (format!("区{n}"), 1)).collect();
        let capped = bar_chart("按辖区分布", &many, "其他", &WORDS);
        assert!(capped.contains("区15: 1") && !capped.contains("区16: 1"));
        assert!(capped.contains("其他: 5"), "the rest in one bar");
        let nothing = bar_chart("按行业分布", &[("零售".into(), 0)], "其他", &WORDS);
        assert!(nothing.contains("Nothing measured yet.") && !nothing.contains("<svg"));
    }
}
