//! The declared application next to what runs in the account, read once: what `aws drift`
//! reports on (FG612) and `aws remediate` plans from.

use crate::cli::AwsDriftArgs;
use crate::live::{call_errors, read_account};
use anyhow::Result;
use fnguard_model::{Project, ScanError};
use fnguard_rules::drift::{match_functions, undeclared, Matching};
use fnguard_scan::config;
use fnguard_scan::load_root;
use std::collections::BTreeSet;
use std::path::Path;

/// The declared projects next to the account, read once: what `aws drift` reports on and
/// `aws remediate` plans from.
pub struct Compared {
    pub declared: Vec<Project>,
    /// The stack each project is deployed as: --stack, else its samconfig.toml's stack_name.
    pub stacks: Vec<Option<String>>,
    pub snap: fnguard_aws::Snapshot,
    pub live: Project,
    pub lines: fnguard_aws::LineMap,
    pub errors: Vec<ScanError>,
    pub cfg: config::Config,
    pub today: (i32, u32, u32),
}

pub fn compare(args: &AwsDriftArgs) -> Result<std::result::Result<Compared, u8>> {
    if args.account.regions.len() > 1 || args.account.all_regions {
        eprintln!("fnguard: aws drift compares one region at a time; give one --region");
        return Ok(Err(2));
    }
    let today = fnguard_scan::today_from(args.today.as_deref())?;
    let request = fnguard_scan::LoadRequest {
        paths: args.paths.clone(),
        stage: args.stage.clone(),
        region: args.account.regions.first().cloned(),
        params: args.params.clone(),
        exclude: args.exclude.clone(),
        ..Default::default()
    };
    let prepared = match fnguard_scan::prepare(&request) {
        Ok(p) => p,
        Err(e) => return Ok(Err(crate::load::start_failed(&e))),
    };
    let cfg = prepared.cfg;
    let mut errors: Vec<ScanError> = Vec::new();
    let mut declared: Vec<Project> = Vec::new();
    let mut stacks: Vec<Option<String>> = Vec::new();
    for path in &args.paths {
        let root = fnguard_scan::root_of(path);
        let loaded = load_root(&root, path, &prepared.excludes, &prepared.options, true, "");
        errors.extend(loaded.errors);
        for p in loaded.projects {
            let dir = root.join(&p.path);
            let dir = dir.parent().unwrap_or(&root);
            stacks.push(args.stack.clone().or_else(|| samconfig_stack(dir)));
            declared.push(p);
        }
    }
    if declared.is_empty() {
        eprintln!("fnguard: no serverless project found to compare with the account");
        return Ok(Err(2));
    }
    let mut wanted: Vec<String> = stacks.iter().flatten().cloned().collect();
    wanted.sort();
    wanted.dedup();
    let Some(snaps) = read_account(&args.account, &wanted, false)? else {
        return Ok(Err(2));
    };
    let Some(snap) = snaps.into_iter().next() else {
        eprintln!("fnguard: nothing was read from the account");
        return Ok(Err(2));
    };
    errors.extend(call_errors(&snap));
    let (live, diagnostics, lines) = fnguard_aws::load(&snap);
    errors.extend(diagnostics);
    let Some(live) = live else {
        eprintln!("fnguard: the account could not be read into the model");
        return Ok(Err(2));
    };
    Ok(Ok(Compared {
        declared,
        stacks,
        snap,
        live,
        lines,
        errors,
        cfg,
        today,
    }))
}

/// Each declared project's functions paired with the account's; the deployed functions no
/// project declares go with the first project when `undeclared` is asked for.
pub fn drifts(c: &Compared, undeclared_too: bool) -> Vec<fnguard_rules::drift::Drift<'_>> {
    let mut taken = BTreeSet::new();
    let mut drifts: Vec<_> = c
        .declared
        .iter()
        .zip(&c.stacks)
        .map(|(p, stack)| {
            let matching = Matching {
                stack_resources: stack
                    .as_ref()
                    .and_then(|s| c.snap.stacks.get(s))
                    .cloned()
                    .unwrap_or_default(),
                stack_name: stack.clone(),
            };
            match_functions(p, &c.live, &matching, &mut taken)
        })
        .collect();
    if undeclared_too {
        if let Some(first) = drifts.first_mut() {
            first.undeclared = undeclared(&c.live, &taken);
        }
    }
    drifts
}

/// `stack_name` from a SAM CLI `samconfig.toml` next to the template (default environment).
fn samconfig_stack(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("samconfig.toml")).ok()?;
    let doc: toml::Value = text.parse().ok()?;
    ["deploy", "global"].iter().find_map(|cmd| {
        doc.get("default")?
            .get(cmd)?
            .get("parameters")?
            .get("stack_name")?
            .as_str()
            .map(str::to_string)
    })
}
