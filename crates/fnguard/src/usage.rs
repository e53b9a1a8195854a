//! `fnguard aws usage`: CloudTrail's record of what each function's role session called, next
//! to what the role grants (FG306 with observed evidence).

use crate::cli::AwsUsageArgs;
use crate::live::{load_snapshot, read_account, CodeRequest};
use anyhow::Result;
use fnguard_aws::usage::Observed;
use fnguard_model::{Finding, Level, ScanError};
use fnguard_rules::{RuleConfig, Selection};
use fnguard_scan::config;

pub fn run(args: AwsUsageArgs) -> Result<u8> {
    let today = fnguard_scan::today_from(args.today.as_deref())?;
    if args.account.regions.len() > 1 || args.account.all_regions {
        eprintln!("fnguard: aws usage reads one region at a time; give one --region");
        return Ok(2);
    }
    for dir in &args.cloudtrail {
        if !dir.exists() {
            eprintln!("fnguard: {} does not exist", dir.display());
            return Ok(2);
        }
    }
    let (cfg, _) = config::resolve(None, std::path::Path::new("."))?;
    let Some(snaps) = read_account(&args.account, &[], args.code.with_code)? else {
        return Ok(2);
    };
    let Some(snap) = snaps.first() else {
        eprintln!("fnguard: nothing was read from the account");
        return Ok(2);
    };
    let mut errors: Vec<ScanError> = Vec::new();
    let code = CodeRequest::asked(&args.code, &args.account, &cfg, today);
    let Some(mut loaded) = load_snapshot(snap, code, &mut errors)? else {
        eprintln!("fnguard: the account could not be read into the model");
        return Ok(2);
    };
    let (observed, source) = if args.cloudtrail.is_empty() {
        match lookup(&args, snap) {
            Ok(found) => found,
            Err(e) => {
                eprintln!("fnguard: {e:#}");
                return Ok(2);
            }
        }
    } else {
        let mut o = Observed::default();
        for dir in &args.cloudtrail {
            if dir.is_file() {
                match std::fs::read_to_string(dir) {
                    Ok(text) => {
                        o.files += 1;
                        if let Err(why) = o.add_text(&text) {
                            o.problems
                                .push((dir.display().to_string(), why.to_string()));
                        }
                    }
                    Err(e) => o.problems.push((dir.display().to_string(), e.to_string())),
                }
            } else {
                o.add_dir(dir);
            }
        }
        let source = format!(
            "{} CloudTrail file{} ({} event{})",
            o.files,
            if o.files == 1 { "" } else { "s" },
            o.events,
            if o.events == 1 { "" } else { "s" }
        );
        (o, source)
    };
    for (file, why) in &observed.problems {
        errors.push(ScanError {
            file: file.clone(),
            line: None,
            message: why.clone(),
            level: Level::Warning,
        });
    }
    if !observed.data_events {
        errors.push(ScanError {
            file: "cloudtrail".into(),
            line: None,
            message: "no data events in the trail: S3 object, DynamoDB item, Lambda invoke, SQS message and SNS publish calls cannot be seen, so those actions are not reported as unused (log data events for the functions' resources to judge them)".into(),
            level: Level::Warning,
        });
    }
    fnguard_aws::usage::attach(&mut loaded.project, snap, &observed, &source);
    let project = std::slice::from_ref(&loaded.project);
    let config = RuleConfig {
        selection: Selection {
            select: vec!["FG306".into()],
            ..Selection::default()
        },
        today,
        region: Some(snap.region.clone()),
        ..RuleConfig::default()
    };
    let mut findings: Vec<Finding> = fnguard_rules::run(project, &config);
    loaded.relocate(&mut findings);
    crate::live::emit(&args.report, project, &errors, &findings, &cfg)
}

#[cfg(feature = "aws")]
fn lookup(args: &AwsUsageArgs, snap: &fnguard_aws::Snapshot) -> Result<(Observed, String)> {
    use anyhow::Context as _;
    let target = crate::live::target(&args.account, args.account.regions.first().cloned());
    let names: Vec<String> = snap.functions.iter().map(|f| f.name.clone()).collect();
    let found = fnguard_aws::collect::lookup_events_blocking(&target, &names, args.days)
        .context("cannot start the AWS client runtime")?;
    if let Some(path) = &args.account.calls_log {
        // Appended: `read_account` wrote the account's calls already.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        for c in &found.calls {
            writeln!(f, "{c}").with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let mut observed = found.observed;
    for e in found.errors {
        observed.problems.push((
            format!("aws:{}:{}", e.service, e.operation),
            format!("{}: {}", e.resource, e.message),
        ));
    }
    Ok((
        observed,
        format!("CloudTrail LookupEvents ({} days)", args.days),
    ))
}

#[cfg(not(feature = "aws"))]
fn lookup(_args: &AwsUsageArgs, _snap: &fnguard_aws::Snapshot) -> Result<(Observed, String)> {
    anyhow::bail!("this fnguard was built without the `aws` feature; give CloudTrail files with --cloudtrail DIR")
}
