//! `fnguard aws scan`: the same model and rules, read from a deployed account (read-only), and
//! `fnguard aws policy`.

use anyhow::{Context, Result};
use fnguard_model::{Finding, ScanError};
use fnguard_scan::config;
use std::path::Path;

use crate::cli::AwsScanArgs;
use crate::live::{load_snapshot, read_account, CodeRequest};

/// `fnguard aws policy`: the read-only policy fnguard needs.
pub fn policy(remediate: bool) -> Result<u8> {
    let mut statements = vec![serde_json::json!({
        "Sid": "FnguardReadOnly",
        "Effect": "Allow",
        "Action": fnguard_aws::READ_ONLY_ACTIONS,
        "Resource": "*",
    })];
    if remediate {
        // The write calls a plan or an undo can make; the plan names the roles and functions,
        // so an administrator can narrow `Resource` further before running `--apply`.
        statements.push(serde_json::json!({
            "Sid": "FnguardRemediate",
            "Effect": "Allow",
            "Action": fnguard_aws::remediate::WRITE_ACTIONS,
            "Resource": ["arn:aws:iam::*:role/*", "arn:aws:lambda:*:*:function:*"],
        }));
    }
    let policy = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
    println!("{}", serde_json::to_string_pretty(&policy)?);
    Ok(0)
}

pub fn scan(args: AwsScanArgs) -> Result<u8> {
    let (cfg, _) = config::resolve(args.config.as_deref(), Path::new("."))?;
    let selection = match fnguard_scan::selection(&cfg, &args.rules.select, &args.rules.ignore) {
        Ok(s) => s,
        Err(e) => return Ok(crate::load::start_failed(&e)),
    };
    let today = fnguard_scan::today_from(args.today.as_deref())?;
    let Some(snaps) = read_account(&args.account, &[], args.code.with_code)? else {
        return Ok(2);
    };
    let mut errors: Vec<ScanError> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut projects = Vec::new();
    for snap in &snaps {
        let code = CodeRequest::asked(&args.code, &args.account, &cfg, today);
        let Some(loaded) = load_snapshot(snap, code, &mut errors)? else {
            continue;
        };
        let project = std::slice::from_ref(&loaded.project);
        errors.extend(fnguard_code::input_notices(project));
        let mut found = fnguard_rules::run(
            project,
            &fnguard_scan::rule_config(&cfg, &selection, today, Some(snap.region.clone())),
        );
        loaded.relocate(&mut found);
        findings.extend(found);
        projects.push(loaded.project);
    }
    if args.code.with_code {
        if let Some(path) = &args.account.save_snapshot {
            save_with_packages(path, &snaps, &projects)?;
        }
    }
    let code = crate::live::emit(&args.report, &projects, &errors, &findings, &cfg)?;
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

/// Rewrites the saved snapshot with what the code analysis found each function ships, so that
/// `deps --recheck SNAPSHOT` can check the deployed packages again later.
fn save_with_packages(
    path: &std::path::Path,
    snaps: &[fnguard_aws::Snapshot],
    projects: &[fnguard_model::Project],
) -> Result<()> {
    let taken_at = crate::sbom::timestamp();
    let mut snaps = snaps.to_vec();
    for snap in &mut snaps {
        snap.taken_at = Some(taken_at.clone());
        for f in &mut snap.functions {
            let found = projects.iter().flat_map(|p| &p.functions).find(|m| {
                m.id == f.name || m.name.as_ref().and_then(|n| n.as_str()) == Some(f.name.as_str())
            });
            let Some(deps) = found.and_then(|m| m.deps.as_ref()) else {
                continue;
            };
            let mut packages: Vec<fnguard_aws::snapshot::LivePackage> = deps
                .packages
                .iter()
                .filter(|d| !d.dev)
                .map(|d| fnguard_aws::snapshot::LivePackage {
                    ecosystem: d.ecosystem.clone(),
                    name: d.name.clone(),
                    version: d.version.clone(),
                })
                .collect();
            packages.sort_by(|a, b| {
                (&a.ecosystem, &a.name, &a.version).cmp(&(&b.ecosystem, &b.name, &b.version))
            });
            packages.dedup();
            f.packages = packages;
        }
    }
    let text = if snaps.len() == 1 {
        serde_json::to_string_pretty(&snaps[0])?
    } else {
        serde_json::to_string_pretty(&snaps)?
    };
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
