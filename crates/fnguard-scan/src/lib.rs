//! The scan pipeline every fnguard front end shares (`scan`, `fix`, `map`, `iam`, `wallet`,
//! `deps`, `sbom`, `model`, the live-account commands): configuration → discovery → loading
//! (with handler code and dependency facts) → rules and custom policies → inline suppressions,
//! in [`collect`]; and the steps some commands use alone ([`load`], [`load_root`], [`enrich`],
//! [`selection`], dates). Front ends turn their arguments into a [`LoadRequest`] or
//! [`ScanRequest`] and render the outcome; they never build on each other.

pub mod config;
mod dates;
mod pipeline;
pub mod suppress;

pub use dates::{civil_from_secs, now_secs, parse_date, today, today_from};
pub use pipeline::*;

/// Why a scan could not start: a usage or configuration problem, reported before any input is
/// read (input problems found while scanning are [`fnguard_model::ScanError`]s instead).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{} does not exist", .0.display())]
    MissingPath(std::path::PathBuf),
    #[error("--param takes KEY=VALUE, got `{0}`")]
    BadParam(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot read the taint catalog {}: {message}", path.display())]
    TaintCatalogUnreadable {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("{0}")]
    TaintCatalog(String),
    #[error("no rule matches {}; `fnguard rules` lists them", .0.join(", "))]
    UnknownRules(Vec<String>),
    #[error("--today must be YYYY-MM-DD, got `{0}`")]
    BadDate(String),
}
