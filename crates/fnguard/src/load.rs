//! What the commands that read projects share: the arguments that say what to read
//! (`#[command(flatten)]`), turned into the pipeline's [`LoadRequest`].

use anyhow::Result;
use clap::Args;
use fnguard_scan::{LoadRequest, Loaded, StartError};
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Files or directories to read.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Configuration file [default: fnguard.toml, searched upward from the first PATH].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Stage for serverless variables and samconfig environments.
    #[arg(long)]
    pub stage: Option<String>,
    /// Region for `${aws:region}`, `${opt:region}` and `AWS::Region`.
    #[arg(long)]
    pub region: Option<String>,
    /// Template parameter or serverless `param:` value (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Glob of paths to skip (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Hide the progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl LoadArgs {
    pub fn request(&self) -> LoadRequest {
        LoadRequest {
            paths: self.paths.clone(),
            config: self.config.clone(),
            stage: self.stage.clone(),
            region: self.region.clone(),
            params: self.params.clone(),
            exclude: self.exclude.clone(),
            progress: !self.no_progress,
            max_file_bytes: 0,
        }
    }
}

/// Tells the user why the scan could not start; the exit code for it.
pub fn start_failed(e: &StartError) -> u8 {
    match e {
        StartError::Config(_)
        | StartError::TaintCatalogUnreadable { .. }
        | StartError::BadDate(_) => {
            eprintln!("fnguard: error: {e}")
        }
        _ => eprintln!("fnguard: {e}"),
    }
    2
}

/// Prints the configuration's warnings, as every command that reads it does.
pub fn warn_about(cfg: &fnguard_scan::config::Config) {
    for w in &cfg.warnings {
        eprintln!("fnguard: warning: {w}");
    }
}

/// Loads every PATH; `Ok(Err(2))` after telling the user why it could not start.
pub fn load(args: &LoadArgs) -> Result<Result<Loaded, u8>> {
    Ok(match fnguard_scan::load_request(&args.request()) {
        Ok(loaded) => Ok(loaded),
        Err(e) => Err(start_failed(&e)),
    })
}
