//! What the analytics commands draw on a terminal: tables (comfy-table),
//! bars and sparklines, numbers as a person reads them, and the progress
//! bar of long work (drawn only when standard error is a terminal).

use baton_core::duration::Span;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

/// A table with `headers`, numbers right-aligned from column `numbers_from`.
pub fn table(headers: &[&str], numbers_from: usize) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    for i in numbers_from..headers.len() {
        if let Some(column) = t.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

/// A borderless listing, one line per row however wide the terminal, so
/// that `grep`, `cut` and `wc -l` read it as they would plain columns;
/// the columns in `right_aligned` hold numbers.
pub fn listing(headers: &[&str], right_aligned: &[usize]) -> Table {
    let mut t = table(headers, headers.len());
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    for i in right_aligned {
        if let Some(column) = t.column_mut(*i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

/// A [`listing`]'s lines, without the padding after the last column.
pub fn listing_lines(listing: &Table) -> Vec<String> {
    listing
        .to_string()
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect()
}

/// `value` of `max` as a bar of at most `width` blocks, eighths included.
pub fn bar(value: f64, max: f64, width: usize) -> String {
    if max <= 0.0 || value <= 0.0 {
        return String::new();
    }
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let eighths = ((value / max).min(1.0) * width as f64 * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if let Some(c) = (eighths % 8).checked_sub(1).and_then(|i| EIGHTHS.get(i)) {
        out.push(*c);
    }
    out
}

/// One character per value, its height against the largest; a gap for an
/// unknown value.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if max <= 0.0 => LEVELS[0],
            Some(v) => {
                let level = ((v / max) * 7.0).round() as usize;
                LEVELS.get(level).copied().unwrap_or('█')
            }
        })
        .collect()
}

/// A share as a whole percentage, `–` when unknown.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

/// A rate to two decimals, `–` when unknown.
pub fn ratio(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}"))
}

/// Seconds as a duration (`1d2h3m`, minutes at most), `–` when unknown.
pub fn duration(seconds: Option<f64>) -> String {
    seconds.map_or_else(
        || "–".to_owned(),
        |s| {
            let s = s.round() as i64;
            // Seconds are noise beside hours: keep them only under a minute.
            let s = if s >= 60 { s - s % 60 } else { s };
            Span::from_seconds(s).to_string()
        },
    )
}

/// The CLI's progress bar over the application's long work.
pub struct Bar(indicatif::ProgressBar);

impl Bar {
    pub fn new() -> Self {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        Self(bar)
    }
}

impl baton_app::Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(what.to_owned());
        self.0.set_style(
            indicatif::ProgressStyle::with_template("{msg} {wide_bar} {percent}% ({eta} left)")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    }

    fn advance(&self, done: u64) {
        self.0.set_position(done);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_whole_blocks_then_an_eighth() {
        assert_eq!(bar(1.0, 1.0, 4), "████");
        assert_eq!(bar(0.5, 1.0, 4), "██");
        assert_eq!(bar(1.0, 16.0, 2), "▏");
        assert_eq!(bar(0.0, 1.0, 4), "");
    }

    #[test]
    fn a_sparkline_scales_to_its_largest_value_and_leaves_unknowns_blank() {
        assert_eq!(sparkline(&[Some(0.0), Some(7.0), None, Some(3.5)]), "▁█ ▅");
    }

    #[test]
    fn durations_drop_seconds_beside_minutes() {
        assert_eq!(duration(Some(62_640.0)), "17h24m");
        assert_eq!(duration(Some(42.0)), "42s");
        assert_eq!(duration(None), "–");
    }
}
