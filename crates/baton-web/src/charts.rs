//! Charts as inline SVG: each chart's geometry is computed here from plain
//! numbers, and a template draws it, escaping every label. Every chart
//! carries its data table, so a reader (or a screen reader, or a test)
//! has the numbers, not only the picture.

use askama::Template;

/// The numbers behind a chart, as a table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell: what a person reads, and the exact number behind it (in
/// `data-value`) where the text rounds or formats it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub value: Option<String>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            value: None,
        }
    }

    /// A number shown as `text`; `None` shows as `–` with an empty value.
    pub fn number(value: Option<f64>, text: impl FnOnce(f64) -> String) -> Self {
        match value {
            Some(v) => Self {
                text: text(v),
                value: Some(v.to_string()),
            },
            None => Self {
                text: "–".into(),
                value: Some(String::new()),
            },
        }
    }

    /// A count, shown as is.
    pub fn count(n: usize) -> Self {
        Self {
            text: n.to_string(),
            value: Some(n.to_string()),
        }
    }
}

impl DataTable {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

/// A chart ready to draw: its SVG and its table, with a title and an id.
#[derive(Clone, Debug)]
pub struct Chart {
    pub id: String,
    pub title: String,
    /// One sentence on what the chart shows, for its `<desc>` and caption.
    pub description: String,
    pub svg: String,
    pub table: DataTable,
}

const WIDTH: f64 = 640.0;

/// One series of a line chart: values per point, `None` breaks the line.
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Template)]
#[template(path = "charts/lines.svg", escape = "html")]
struct LinesSvg<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    width: f64,
    height: f64,
    left: f64,
    bottom: f64,
    paths: Vec<(usize, String)>,
    dots: Vec<(usize, f64, f64)>,
    names: Vec<(usize, String)>,
    x_labels: Vec<(f64, String)>,
    y_labels: Vec<(f64, String)>,
}

/// A line chart of `series` over `labels` (one per point), the y axis from
/// 0 to the largest value, its ticks written by `tick`.
pub fn lines(
    id: &str,
    title: &str,
    description: &str,
    labels: &[String],
    series: &[Series],
    tick: impl Fn(f64) -> String,
) -> String {
    let (height, left, bottom, top, right) = (200.0, 64.0, 28.0, 20.0, 32.0);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let n = labels.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            left + (WIDTH - left - right) / 2.0
        } else {
            left + (WIDTH - left - right) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut paths = Vec::new();
    let mut dots = Vec::new();
    for (k, s) in series.iter().enumerate() {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let cmd = if pen_down { 'L' } else { 'M' };
                    d.push_str(&format!("{cmd}{:.1},{:.1} ", x(i), y(*v)));
                    dots.push((k, x(i), y(*v)));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        paths.push((k, d.trim_end().to_owned()));
    }
    let step = (n / 6).max(1);
    let x_labels = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == n)
        .map(|(i, l)| (x(i), l.clone()))
        .collect();
    let y_labels = [0.0, 0.5, 1.0]
        .iter()
        .map(|f| (y(max * f), tick(max * f)))
        .collect();
    let names = series
        .iter()
        .enumerate()
        .map(|(k, s)| (k, s.name.clone()))
        .collect();
    LinesSvg {
        id,
        title,
        description,
        width: WIDTH,
        height,
        left,
        bottom,
        paths,
        dots,
        names,
        x_labels,
        y_labels,
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "charts/bars.svg", escape = "html")]
struct BarsSvg<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    width: f64,
    height: f64,
    label_width: f64,
    bars: Vec<BarGeom>,
}

struct BarGeom {
    label: String,
    text: String,
    y: f64,
    width: f64,
    series: usize,
}

/// Horizontal bars, one per `(label, value, text)`, each scaled to the
/// largest value (or to `scale` when given, say 1.0 for rates).
pub fn bars(
    id: &str,
    title: &str,
    description: &str,
    rows: &[(String, f64, String)],
    scale: Option<f64>,
) -> String {
    let label_width = 160.0;
    let room = WIDTH - label_width - 110.0;
    let max = scale.unwrap_or_else(|| rows.iter().map(|r| r.1).fold(0.0_f64, f64::max));
    let max = if max > 0.0 { max } else { 1.0 };
    let row_height = 24.0;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (label, value, text))| BarGeom {
            label: label.clone(),
            text: text.clone(),
            y: 8.0 + row_height * i as f64,
            width: (room * (value / max).clamp(0.0, 1.0)).max(0.0),
            series: 0,
        })
        .collect();
    BarsSvg {
        id,
        title,
        description,
        width: WIDTH,
        height: 16.0 + row_height * rows.len() as f64,
        label_width,
        bars,
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "charts/lorenz.svg", escape = "html")]
struct LorenzSvg<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    size: f64,
    pad: f64,
    curve: String,
}

/// The Lorenz curve of per-person counts (zeros included): the share of
/// decisions held by the least-deciding share of people. The diagonal is
/// perfect equality; the further the curve sags, the more concentrated.
pub fn lorenz(id: &str, title: &str, description: &str, counts: &[u64]) -> String {
    let (size, pad) = (240.0, 24.0);
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let total: u64 = sorted.iter().sum();
    let n = sorted.len();
    let inner = size - 2.0 * pad;
    let mut curve = format!("M{pad:.1},{:.1}", size - pad);
    let mut running = 0u64;
    for (i, c) in sorted.iter().enumerate() {
        running += c;
        let x = pad + inner * (i + 1) as f64 / n.max(1) as f64;
        let share = if total > 0 {
            running as f64 / total as f64
        } else {
            (i + 1) as f64 / n.max(1) as f64
        };
        let y = size - pad - inner * share;
        curve.push_str(&format!(" L{x:.1},{y:.1}"));
    }
    LorenzSvg {
        id,
        title,
        description,
        size,
        pad,
        curve,
    }
    .render()
    .unwrap_or_default()
}

/// One lane of a timeline: a label and its segments, each a fraction of
/// the window `[0, 1]` with its label; `series` 1 marks an override.
pub struct Lane {
    pub label: String,
    pub segments: Vec<Segment>,
}

pub struct Segment {
    pub from: f64,
    pub to: f64,
    pub label: String,
    pub series: usize,
}

#[derive(Template)]
#[template(path = "charts/timeline.svg", escape = "html")]
struct TimelineSvg<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a str,
    width: f64,
    height: f64,
    label_width: f64,
    rects: Vec<(f64, f64, f64, usize, String, bool)>,
    labels: Vec<(f64, String)>,
    ticks: Vec<(f64, String)>,
    now: Option<f64>,
}

/// Lanes of segments over one window: who holds what, when. `ticks` and
/// `now` are fractions of the window too.
pub fn timeline(
    id: &str,
    title: &str,
    description: &str,
    lanes: &[Lane],
    ticks: &[(f64, String)],
    now: Option<f64>,
) -> String {
    let label_width = 150.0;
    let room = WIDTH - label_width - 8.0;
    let lane_height = 26.0;
    let x = |f: f64| label_width + room * f.clamp(0.0, 1.0);
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    for (i, lane) in lanes.iter().enumerate() {
        let y = 6.0 + lane_height * i as f64;
        labels.push((y + 13.0, lane.label.clone()));
        for s in &lane.segments {
            let (left, right) = (x(s.from), x(s.to));
            // A segment wide enough to name its holder says who it is.
            let named = right - left > 7.0 * s.label.chars().count() as f64;
            rects.push((
                left,
                y,
                (right - left - 1.0).max(1.0),
                s.series,
                s.label.clone(),
                named,
            ));
        }
    }
    let bottom = 6.0 + lane_height * lanes.len() as f64;
    TimelineSvg {
        id,
        title,
        description,
        width: WIDTH,
        height: bottom + 18.0,
        label_width,
        rects,
        labels,
        // A tick too near the right edge would be cut off.
        ticks: ticks
            .iter()
            .filter(|(f, _)| *f <= 0.94)
            .map(|(f, t)| (x(*f), t.clone()))
            .collect(),
        now: now.filter(|f| (0.0..=1.0).contains(f)).map(x),
    }
    .render()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_in_the_svg() {
        let svg = bars(
            "x",
            "<b>t</b>",
            "d",
            &[("<script>".into(), 1.0, "1".into())],
            None,
        );
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&#60;script&#62;"), "{svg}");
    }

    #[test]
    fn a_missing_value_breaks_the_line() {
        let svg = lines(
            "x",
            "t",
            "d",
            &["a".into(), "b".into(), "c".into()],
            &[Series {
                name: "s".into(),
                values: vec![Some(1.0), None, Some(2.0)],
            }],
            |v| format!("{v}"),
        );
        assert_eq!(
            svg.matches('M').count() - svg.matches("M ").count(),
            2,
            "{svg}"
        );
    }

    #[test]
    fn the_lorenz_curve_of_equal_counts_is_the_diagonal() {
        let svg = lorenz("x", "t", "d", &[2, 2]);
        assert!(
            svg.contains("M24.0,216.0 L120.0,120.0 L216.0,24.0"),
            "{svg}"
        );
    }
}
