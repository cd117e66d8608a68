//! Everything a run leaves behind: interval lines and the final summary on the
//! console ([`console`]), HDR interval logs ([`hdr_log`]), the JSON summary
//! ([`summary`]), the HTML report with inline SVG charts ([`html`], [`svg`]),
//! and the `compare` subcommand ([`compare`], [`welch`]).

pub mod compare;
pub mod console;
pub mod hdr_log;
pub mod html;
pub mod summary;
pub mod svg;
pub mod welch;

pub use summary::RunSummary;
