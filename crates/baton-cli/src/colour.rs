//! Colour on a terminal. Whether to paint is decided per stream by the
//! `console` crate: only a terminal gets colour, and never when `NO_COLOR`
//! is set or `TERM` is `dumb` (`CLICOLOR_FORCE=1` forces it, e.g. for a
//! pager, unless `NO_COLOR` is set). Piped or redirected output stays plain text, byte for byte what
//! scripts and golden tests read.

use baton_core::{Diagnostic, Severity};
use console::{Style, StyledObject};

/// `NO_COLOR` wins over everything, `CLICOLOR_FORCE` included
/// (no-color.org): called once, before anything is painted.
pub fn init() {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

/// Which stream the text goes to: each has its own terminal test.
#[derive(Clone, Copy)]
pub enum Stream {
    Out,
    Err,
}

fn paint<D>(text: D, style: Style, stream: Stream) -> StyledObject<D> {
    let style = match stream {
        Stream::Out => style.for_stdout(),
        Stream::Err => style.for_stderr(),
    };
    style.apply_to(text)
}

/// `FILE:LINE:COL: error: … (at `path`) [code]` — the diagnostic as it
/// displays, with its lint code — with the severity in red or yellow, the
/// place in bold, and the path and code dimmed.
pub fn diagnostic(d: &Diagnostic, stream: Stream) -> String {
    let severity = match d.severity {
        Severity::Error => Style::new().red().bold(),
        Severity::Warning => Style::new().yellow().bold(),
    };
    let mut out = format!(
        "{} {} {}",
        paint(format!("{}:", d.place()), Style::new().bold(), stream),
        paint(format!("{}:", d.severity.as_str()), severity, stream),
        d.message
    );
    if !d.path.is_empty() {
        out.push_str(&format!(
            " {}",
            paint(format!("(at `{}`)", d.path), Style::new().dim(), stream)
        ));
    }
    if !d.code.is_empty() {
        out.push_str(&format!(
            " {}",
            paint(format!("[{}]", d.code), Style::new().dim(), stream)
        ));
    }
    out
}

/// A verdict word: green when good, red when not.
pub fn verdict(text: &str, good: bool, stream: Stream) -> String {
    let style = if good {
        Style::new().green().bold()
    } else {
        Style::new().red().bold()
    };
    paint(text, style, stream).to_string()
}

/// The `error:` that starts a failure on standard error.
pub fn error_label() -> String {
    paint("error:", Style::new().red().bold(), Stream::Err).to_string()
}

/// Text to stand out, such as who decides.
pub fn strong(text: &str, stream: Stream) -> String {
    paint(text, Style::new().bold(), stream).to_string()
}

#[cfg(test)]
mod tests {
    use baton_core::{Diagnostic, Severity};

    use super::{Stream, diagnostic};

    /// Unpainted, a diagnostic reads exactly as it displays (plus its lint
    /// code): pipes and golden tests see the core's wording.
    #[test]
    fn unpainted_diagnostics_read_as_they_display() {
        console::set_colors_enabled(false);
        let mut d = Diagnostic {
            severity: Severity::Warning,
            file: "deference.yaml".into(),
            line: Some(3),
            column: Some(7),
            path: "rules[0].when".into(),
            code: "untested_ctx_key",
            message: "reads `ctx.x`".into(),
        };
        assert_eq!(
            diagnostic(&d, Stream::Out),
            format!("{d} [untested_ctx_key]")
        );
        (d.line, d.column, d.path, d.code) = (None, None, String::new(), "");
        d.severity = Severity::Error;
        assert_eq!(diagnostic(&d, Stream::Out), d.to_string());
    }
}
