//! What the commands that read projects share: the arguments that say what to read
//! (`#[command(flatten)]`) and the loading itself (configuration, parameters, every root).

use crate::config;
use crate::pipeline::{load_root, RootLoad};
use anyhow::Result;
use clap::Args;
use fnguard_ingest::LoadOptions;
use std::path::{Path, PathBuf};

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

pub struct Loaded {
    pub cfg: config::Config,
    /// One per PATH, in order.
    pub roots: Vec<RootLoad>,
}

/// Loads every PATH; `Ok(Err(2))` after a usage error it has already printed (a bad
/// `--param`, a PATH that does not exist).
pub fn load(args: &LoadArgs) -> Result<Result<Loaded, u8>> {
    let first = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let cfg_path = args.config.clone().or_else(|| config::find(&first));
    let cfg = match &cfg_path {
        Some(p) => config::load(p)?,
        None => config::Config::default(),
    };
    let mut params = cfg.params.clone();
    for p in &args.params {
        let Some((k, v)) = p.split_once('=') else {
            eprintln!("fnguard: --param takes KEY=VALUE, got `{p}`");
            return Ok(Err(2));
        };
        params.push((k.to_string(), v.to_string()));
    }
    let options = LoadOptions {
        stage: args.stage.clone().or(cfg.stage.clone()),
        region: args.region.clone().or(cfg.region.clone()),
        params,
        max_file_bytes: 0,
    };
    let mut roots = Vec::new();
    for path in &args.paths {
        if !path.exists() {
            eprintln!("fnguard: {} does not exist", path.display());
            return Ok(Err(2));
        }
        let root = if path.is_file() {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        } else {
            path.clone()
        };
        roots.push(load_root(
            &root,
            path,
            &args.exclude,
            &options,
            args.no_progress,
            "",
        ));
    }
    Ok(Ok(Loaded { cfg, roots }))
}
