/// Problems with the user's input travel as the model's [`fnguard_model::ScanError`].
pub use fnguard_model::{Level, ScanError as Diagnostic};

/// Failures of the ingest layer's own operations (walking a tree, reading a config).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} does not exist")]
    Missing { path: String },
}
