//! baton's pages, rendered on the server from templates that escape by
//! default (askama): the report as one self-contained HTML page, and the
//! charts every page draws as inline SVG, each with its data table.
//!
//! # Layout
//! - [`charts`]: chart geometry from numbers, drawn by SVG templates.
//! - `report`: the report page.
//! - `templates/`: the templates and the one stylesheet, embedded at
//!   compile time; nothing is fetched when a page is shown.

pub mod charts;
pub mod pages;
mod report;

pub use report::{STYLE, charts_of, decision_ids, headline, profiles, report_page};
