//! Why something in live mode could not be done. Failed AWS calls are not errors of this kind:
//! they are data (`CallError`), kept in the snapshot so that the scan goes on.

/// A failure that stops one step of live mode (reading an account, unpacking one package,
/// reading one CloudTrail file), with what it was about.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("cannot use the AWS account: {0}")]
    Account(String),
    #[error("cannot list the account's regions: {0}")]
    Regions(String),
    #[error("not a zip archive: {0}")]
    NotZip(String),
    #[error("{entries} entries, more than {max}")]
    TooManyEntries { entries: usize, max: usize },
    #[error("unpacks to more than {mb} MB")]
    TooLarge { mb: u64 },
    #[error("{path}: {why}")]
    Write { path: String, why: String },
    #[error("download failed: {0}")]
    Download(String),
    #[error("{0}")]
    CloudTrail(String),
}
