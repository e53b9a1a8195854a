//! Reading a live account (or its saved snapshots) for `fnguard aws scan`, `aws drift` and
//! `aws usage`: the account arguments' effect, the snapshots, the deployed code, and the
//! report every live command writes.

use anyhow::{Context, Result};
use fnguard_aws::Snapshot;
use fnguard_model::{Finding, Level, ScanError};
use fnguard_scan::config;
use std::collections::HashMap;

use crate::cli::{AccountArgs, CodeArgs, ReportArgs};

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

/// Unpacks the deployed packages and layers and runs the code and dependency analyses on
/// them; problems (a package that could not be fetched) are warnings of the report.
/// What analysing the deployed code needs besides the snapshot.
pub struct CodeRequest<'a> {
    pub account: &'a AccountArgs,
    pub db: Option<&'a std::path::Path>,
    pub cfg: &'a config::Config,
    pub today: (i32, u32, u32),
}

impl<'a> CodeRequest<'a> {
    /// The request when the user asked for the code (`--with-code`), else `None`.
    pub fn asked(
        code: &'a CodeArgs,
        account: &'a AccountArgs,
        cfg: &'a config::Config,
        today: (i32, u32, u32),
    ) -> Option<Self> {
        code.with_code.then_some(CodeRequest {
            account,
            db: code.db.as_deref(),
            cfg,
            today,
        })
    }
}

/// A snapshot read into the model, with the deployed code analysed when asked.
pub struct LoadedSnapshot {
    pub project: fnguard_model::Project,
    pub lines: fnguard_aws::LineMap,
    /// Kept alive until the rules ran: the code analyses read files under it.
    pub _code_dir: Option<tempfile::TempDir>,
}

impl LoadedSnapshot {
    /// Point findings at the snapshot's lines.
    pub fn relocate(&self, findings: &mut [Finding]) {
        for f in findings {
            self.lines.relocate(&mut f.location);
            for r in &mut f.related {
                self.lines.relocate(r);
            }
        }
    }
}

/// Read `snap` into the model (`aws scan`, `aws usage`); the account's call errors and the
/// snapshot's problems go to `errors`. `None` when nothing of it could be modelled.
pub fn load_snapshot(
    snap: &Snapshot,
    code: Option<CodeRequest<'_>>,
    errors: &mut Vec<ScanError>,
) -> Result<Option<LoadedSnapshot>> {
    errors.extend(call_errors(snap));
    let (project, diagnostics, lines) = fnguard_aws::load(snap);
    errors.extend(diagnostics);
    let Some(mut project) = project else {
        return Ok(None);
    };
    let code_dir = match code {
        Some(c) => Some(with_code(
            &mut project,
            snap,
            c.account,
            c.db,
            c.cfg,
            c.today,
            errors,
        )?),
        None => None,
    };
    Ok(Some(LoadedSnapshot {
        project,
        lines,
        _code_dir: code_dir,
    }))
}

fn with_code(
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
        fnguard_deps::db::Database::open(&fnguard_scan::database_dir(db, cfg.db.as_deref()));
    errors.extend(fnguard_scan::enrich(
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

/// Writes the report of a live command; the exit code as for `scan` (2 when nothing could be
/// read).
pub fn emit(
    report: &ReportArgs,
    projects: &[fnguard_model::Project],
    errors: &[ScanError],
    findings: &[Finding],
    cfg: &config::Config,
) -> Result<u8> {
    crate::output::emit(
        report,
        projects,
        errors,
        findings,
        cfg,
        false,
        &HashMap::new,
    )?;
    if projects.is_empty() {
        return Ok(2);
    }
    Ok(u8::from(report.fail_on().fails(findings)))
}
