//! `fnguard aws scan`: the same model and rules, read from a deployed account (read-only).

use crate::cli::{FailOn, OutputFormat};
use crate::config;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use fnguard_aws::Snapshot;
use fnguard_model::{Finding, Level, ScanError};
use fnguard_report::{HumanOptions, ProjectSummary, ScanReport};
use fnguard_rules::RuleConfig;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct AwsArgs {
    #[command(subcommand)]
    pub command: AwsCommand,
}

#[derive(Subcommand, Debug)]
pub enum AwsCommand {
    /// Read the account's functions, roles, APIs and event sources and run every rule on them.
    Scan(Box<AwsScanArgs>),
    /// Compare the functions declared under PATH with those deployed in the account (FG612).
    Drift(Box<AwsDriftArgs>),
    /// What each function's role session was seen calling in CloudTrail, next to what its role
    /// grants: unused permissions (FG306) with observed evidence.
    Usage(Box<crate::usage::AwsUsageArgs>),
    /// Print the read-only IAM policy fnguard needs for `aws scan`, `drift` and `usage`.
    Policy,
}

#[derive(Args, Debug)]
pub struct AwsDriftArgs {
    /// Directories or descriptor files that declare the application.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Stage for Serverless Framework names (`{service}-{stage}-{function}`) and variables.
    #[arg(long)]
    pub stage: Option<String>,
    /// Template parameter values, KEY=VALUE (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// CloudFormation stack name: unnamed functions are deployed as `{stack}-{LogicalId}-…`.
    #[arg(long)]
    pub stack: Option<String>,
    /// Do not report deployed functions that no scanned template declares.
    #[arg(long)]
    pub ignore_undeclared: bool,
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[command(flatten)]
    pub account: AccountArgs,
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
}

/// Where and how to read the account (shared by `aws scan` and `aws drift`).
#[derive(Args, Debug)]
pub struct AccountArgs {
    /// AWS profile (default: the standard credential chain: environment, profile, SSO, IMDS).
    #[arg(long)]
    pub profile: Option<String>,
    /// Region to read (repeatable); default: the profile's region.
    #[arg(long = "region", conflicts_with = "all_regions")]
    pub regions: Vec<String>,
    /// Read every region enabled for the account (`account:ListRegions`).
    #[arg(long)]
    pub all_regions: bool,
    /// Endpoint for every service (a local emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Concurrent requests.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Use a snapshot saved with --save-snapshot instead of calling AWS.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Vec<PathBuf>,
    /// Save what was read (JSON), to rescan or diff later without calling AWS.
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// Write every AWS API operation called, one per line (an audit of what fnguard did).
    #[arg(long, value_name = "FILE")]
    pub calls_log: Option<PathBuf>,
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug)]
pub struct AwsScanArgs {
    #[command(flatten)]
    pub account: AccountArgs,
    /// Download each function's deployed package and layers (to a temporary directory) and run
    /// the code and dependency analyses on them.
    #[arg(long)]
    pub with_code: bool,
    /// OSV database for the dependency analysis of `--with-code` (default as for `scan`).
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_name = "DATE", hide = true, env = "FNGUARD_TODAY")]
    pub today: Option<String>,
}

/// Reads the account (or the saved snapshots) and writes the calls log and snapshot asked
/// for; `None` after telling the user why nothing could be read.
pub fn read_account(
    args: &AccountArgs,
    stacks: &[String],
    with_code: bool,
) -> Result<Option<Vec<Snapshot>>> {
    let (snaps, calls) = match snapshots(args, stacks, with_code) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fnguard: {e:#}");
            return Ok(None);
        }
    };
    if let Some(path) = &args.calls_log {
        let mut text = calls.join("\n");
        text.push('\n');
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.save_snapshot {
        let value = if snaps.len() == 1 {
            serde_json::to_string_pretty(&snaps[0])?
        } else {
            serde_json::to_string_pretty(&snaps)?
        };
        std::fs::write(path, value).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Some(snaps))
}

/// Failed calls become warnings of the report: partial results, never a silent gap.
pub fn call_errors(snap: &Snapshot) -> Vec<ScanError> {
    snap.errors.iter().map(call_error).collect()
}

fn call_error(e: &fnguard_aws::snapshot::CallError) -> ScanError {
    ScanError {
        file: format!("aws:{}:{}", e.service, e.operation),
        line: None,
        message: if e.resource.is_empty() {
            e.message.clone()
        } else {
            format!("{}: {}", e.resource, e.message)
        },
        level: Level::Warning,
    }
}

pub fn run(args: AwsArgs) -> Result<u8> {
    match args.command {
        AwsCommand::Scan(a) => scan(*a),
        AwsCommand::Drift(a) => crate::drift::run(*a),
        AwsCommand::Usage(a) => crate::usage::run(*a),
        AwsCommand::Policy => {
            let policy = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "FnguardReadOnly",
                    "Effect": "Allow",
                    "Action": fnguard_aws::READ_ONLY_ACTIONS,
                    "Resource": "*",
                }],
            });
            println!("{}", serde_json::to_string_pretty(&policy)?);
            Ok(0)
        }
    }
}

/// The account's snapshots (one per region) and the calls made to read them.
pub fn snapshots(
    args: &AccountArgs,
    stacks: &[String],
    with_code: bool,
) -> Result<(Vec<Snapshot>, Vec<String>)> {
    if !args.snapshot.is_empty() {
        let mut out = Vec::new();
        for p in &args.snapshot {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let snap: Snapshot = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an fnguard snapshot", p.display()))?;
            out.push(snap);
        }
        return Ok((out, Vec::new()));
    }
    collect(args, stacks, with_code)
}

#[cfg(feature = "aws")]
pub fn target(args: &AccountArgs, region: Option<String>) -> fnguard_aws::collect::Target {
    fnguard_aws::collect::Target {
        profile: args.profile.clone(),
        region,
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency,
        stacks: Vec::new(),
        with_code: false,
    }
}

#[cfg(feature = "aws")]
fn collect(
    args: &AccountArgs,
    stacks: &[String],
    with_code: bool,
) -> Result<(Vec<Snapshot>, Vec<String>)> {
    let mut snaps = Vec::new();
    let mut calls = Vec::new();
    let regions: Vec<Option<String>> = if args.all_regions {
        let (found, listed) =
            fnguard_aws::collect::enabled_regions_blocking(&target(args, Some("us-east-1".into())))
                .context("cannot start the AWS client runtime")?
                .map_err(|why| anyhow::anyhow!("{why} (give the regions with --region instead)"))?;
        calls.extend(listed);
        found.into_iter().map(Some).collect()
    } else if args.regions.is_empty() {
        vec![None]
    } else {
        args.regions.iter().cloned().map(Some).collect()
    };
    for region in regions {
        let bar = if args.no_progress {
            indicatif::ProgressBar::hidden()
        } else {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            b
        };
        let mut target = target(args, region.clone());
        target.stacks = stacks.to_vec();
        target.with_code = with_code;
        let label = region.clone().unwrap_or_else(|| "default region".into());
        let progress = |what: &str| bar.set_message(format!("{label}: reading {what}"));
        let c = fnguard_aws::collect::collect_blocking(&target, &progress)
            .context("cannot start the AWS client runtime")?
            .map_err(|why| anyhow::anyhow!("{label}: {why}"))?;
        bar.finish_and_clear();
        calls.extend(c.calls);
        snaps.push(c.snapshot);
    }
    Ok((snaps, calls))
}

#[cfg(not(feature = "aws"))]
fn collect(
    _args: &AccountArgs,
    _stacks: &[String],
    _with_code: bool,
) -> Result<(Vec<Snapshot>, Vec<String>)> {
    anyhow::bail!(
        "this fnguard was built without the `aws` feature; rebuild with it, or scan a saved snapshot with --snapshot FILE"
    )
}

fn scan(args: AwsScanArgs) -> Result<u8> {
    let cfg = match args
        .config
        .clone()
        .or_else(|| config::find(&PathBuf::from(".")))
    {
        Some(p) => config::load(&p)?,
        None => config::Config::default(),
    };
    let Some(selection) = crate::scan::selection(&cfg, &args.select, &args.ignore) else {
        return Ok(2);
    };
    let today = crate::scan::today_from(args.today.as_deref())?;
    let Some(snaps) = read_account(&args.account, &[], args.with_code)? else {
        return Ok(2);
    };
    let mut errors: Vec<ScanError> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut projects = Vec::new();
    for snap in &snaps {
        errors.extend(call_errors(snap));
        let (project, diagnostics, lines) = fnguard_aws::load(snap);
        errors.extend(diagnostics);
        let Some(mut project) = project else { continue };
        // Kept alive until the rules ran: the code analyses read files under it.
        let _code_dir = if args.with_code {
            Some(with_code(
                &mut project,
                snap,
                &args.account,
                args.db.as_deref(),
                &cfg,
                today,
                &mut errors,
            )?)
        } else {
            None
        };
        errors.extend(fnguard_code::input_notices(std::slice::from_ref(&project)));
        let mut found = fnguard_rules::run(
            std::slice::from_ref(&project),
            &RuleConfig {
                selection: selection.clone(),
                today,
                trusted_layer_accounts: cfg.trusted_layer_accounts.clone(),
                account_concurrency: cfg.account_concurrency,
                max_usd_per_hour: cfg.max_usd_per_hour,
                region: Some(snap.region.clone()),
            },
        );
        for f in &mut found {
            lines.relocate(&mut f.location);
            for r in &mut f.related {
                lines.relocate(r);
            }
        }
        findings.extend(found);
        projects.push(project);
    }
    let out = Output {
        format: args.format,
        output: args.output.as_deref(),
        fail_on: args.fail_on,
    };
    let code = out.emit(&projects, &errors, &findings, &cfg)?;
    // Without the function list nothing was scanned, whatever else could be read.
    let no_functions = snaps
        .iter()
        .all(|s| s.errors.iter().any(|e| e.operation == "ListFunctions"));
    Ok(if no_functions && !snaps.is_empty() {
        2
    } else {
        code
    })
}

/// Unpacks the deployed packages and layers and runs the code and dependency analyses on
/// them; problems (a package that could not be fetched) are warnings of the report.
pub fn with_code(
    project: &mut fnguard_model::Project,
    snap: &Snapshot,
    account: &AccountArgs,
    db: Option<&std::path::Path>,
    cfg: &config::Config,
    today: (i32, u32, u32),
    errors: &mut Vec<ScanError>,
) -> Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("fnguard-code-")
        .tempdir()
        .context("cannot create a temporary directory for the deployed code")?;
    let unpacked = fetch_code(snap, dir.path(), account.concurrency);
    errors.extend(unpacked.problems.iter().map(call_error));
    fnguard_aws::code::attach(project, snap, &unpacked);
    let mut projects = vec![std::mem::replace(
        project,
        fnguard_model::Project::new("", fnguard_model::SourceFormat::Live),
    )];
    fnguard_code::analyze_projects(dir.path(), &mut projects);
    let database =
        fnguard_deps::db::Database::open(&crate::deps::database_dir(db, cfg.db.as_deref()));
    errors.extend(crate::deps::enrich(
        dir.path(),
        &mut projects,
        &database,
        &cfg.accepted,
        today,
    ));
    if let Some(p) = projects.pop() {
        *project = p;
    }
    Ok(dir)
}

#[cfg(feature = "aws")]
fn fetch_code(
    snap: &Snapshot,
    dir: &std::path::Path,
    concurrency: usize,
) -> fnguard_aws::code::Unpacked {
    fnguard_aws::code::fetch(snap, dir, concurrency)
}

#[cfg(not(feature = "aws"))]
fn fetch_code(
    snap: &Snapshot,
    _dir: &std::path::Path,
    _concurrency: usize,
) -> fnguard_aws::code::Unpacked {
    fnguard_aws::code::Unpacked {
        problems: vec![fnguard_aws::snapshot::CallError {
            service: "fnguard".into(),
            operation: "--with-code".into(),
            resource: snap.account.clone(),
            message: "this fnguard was built without the `aws` feature and cannot download code"
                .into(),
        }],
        ..Default::default()
    }
}

/// How a report is rendered, where it goes, and what fails the run.
pub struct Output<'a> {
    pub format: OutputFormat,
    pub output: Option<&'a std::path::Path>,
    pub fail_on: Option<FailOn>,
}

impl Output<'_> {
    /// Writes the report; the exit code as for `scan` (2 when nothing could be read).
    pub fn emit(
        &self,
        projects: &[fnguard_model::Project],
        errors: &[ScanError],
        findings: &[Finding],
        cfg: &config::Config,
    ) -> Result<u8> {
        let summaries: Vec<ProjectSummary> = projects
            .iter()
            .map(|p| ProjectSummary {
                path: p.path.clone(),
                format: p.format.as_str().to_string(),
                functions: p.functions.iter().map(|f| f.id.clone()).collect(),
            })
            .collect();
        let report = ScanReport {
            tool_version: env!("CARGO_PKG_VERSION"),
            projects: &summaries,
            errors,
            findings,
        };
        let text = match self.format {
            OutputFormat::Human => fnguard_report::render_human(
                &report,
                &HumanOptions {
                    color: false,
                    snippets: &HashMap::new(),
                },
            ),
            OutputFormat::Json => fnguard_report::render_json(&report),
            OutputFormat::Html => crate::map::html_page(projects, findings, &HashMap::new(), cfg),
            OutputFormat::Sarif => fnguard_report::render_sarif(&report),
            OutputFormat::Junit => fnguard_report::render_junit(&report),
            OutputFormat::Markdown => fnguard_report::render_markdown(&report),
            OutputFormat::Github => fnguard_report::render_github(&report),
            OutputFormat::Gitlab => fnguard_report::render_gitlab(&report),
        };
        match &self.output {
            Some(path) => std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
        }
        let fail_on = match (self.fail_on, self.format) {
            (Some(f), _) => f,
            (None, OutputFormat::Sarif) => FailOn::None,
            (None, _) => FailOn::High,
        };

        if projects.is_empty() {
            return Ok(2);
        }
        Ok(u8::from(fail_on.fails(findings)))
    }
}
