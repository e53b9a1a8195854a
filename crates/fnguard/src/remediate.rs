//! `fnguard aws remediate`: the plan that restores what drifted (`fnguard_aws::remediate`),
//! applied with `--apply` into a journal, undone with `--undo JOURNAL`.

use crate::cli::{AwsRemediateArgs, OutputFormat};
use anyhow::{Context, Result};
use fnguard_aws::remediate::{plan, Plan, Step};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const JOURNAL_SCHEMA: &str = "fnguard-remediate-journal/v1";

/// What `--apply` changed, in order: `--undo` replays it backwards.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    schema: String,
    region: Option<String>,
    applied: Vec<Step>,
}

pub fn run(args: AwsRemediateArgs) -> Result<u8> {
    if let Some(journal) = &args.undo {
        return undo(&args, journal);
    }
    let compared = match crate::pairing::compare(&args.drift)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    for e in &compared.errors {
        eprintln!("fnguard: warning: {}: {}", e.file, e.message);
    }
    let mut whole = Plan::default();
    for (project, drift) in compared
        .declared
        .iter()
        .zip(crate::pairing::drifts(&compared, false))
    {
        let p = plan(project, &compared.live, &drift.pairs, &compared.snap);
        whole.steps.extend(p.steps);
        whole.left.extend(p.left);
    }
    print_plan(&args, &whole)?;
    if !args.apply {
        // Like `aws drift`: 1 when there is something to restore.
        return Ok(u8::from(!whole.steps.is_empty()));
    }
    if whole.steps.is_empty() {
        eprintln!("fnguard: nothing to apply");
        return Ok(0);
    }
    let path = args.journal.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "fnguard-remediate-{}.json",
            fnguard_scan::now_secs()
        ))
    });
    let mut journal = Journal {
        schema: JOURNAL_SCHEMA.into(),
        region: args.drift.account.regions.first().cloned(),
        applied: Vec::new(),
    };
    write_journal(&path, &journal)?;
    let steps: Vec<Step> = whole.steps.iter().map(|p| p.step.clone()).collect();
    let outcome = apply(&args, &steps, &mut |step| {
        journal.applied.push(step.clone());
        eprintln!("applied: {}", step.describe());
        write_journal(&path, &journal).map_err(std::io::Error::other)
    })?;
    eprintln!(
        "fnguard: journal {} (undo with `fnguard aws remediate --undo {}`)",
        path.display(),
        path.display()
    );
    Ok(outcome)
}

fn print_plan(args: &AwsRemediateArgs, plan: &Plan) -> Result<()> {
    let text = match args.drift.report.format {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "schema": fnguard_report::SCHEMA_ID,
                "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
                "steps": plan.steps,
                "left": plan.left,
            });
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        _ => {
            let mut out = String::new();
            for s in &plan.steps {
                out.push_str(&format!("{}\n    {}\n", s.step.describe(), s.reason));
            }
            for l in &plan.left {
                out.push_str(&format!("left: {l}\n"));
            }
            out.push_str(&format!(
                "{} call{} to restore the declared state{}\n",
                plan.steps.len(),
                if plan.steps.len() == 1 { "" } else { "s" },
                if args.apply {
                    ""
                } else {
                    " (plan only: run with --apply to make them)"
                }
            ));
            out
        }
    };
    crate::output::write_out(args.drift.report.output.as_deref(), &text)
}

fn write_journal(path: &Path, journal: &Journal) -> Result<()> {
    crate::output::write_atomically(path, &serde_json::to_string_pretty(journal)?)
}

fn undo(args: &AwsRemediateArgs, path: &Path) -> Result<u8> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the journal {}", path.display()))?;
    let mut journal: Journal = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an fnguard remediation journal", path.display()))?;
    if journal.schema != JOURNAL_SCHEMA {
        anyhow::bail!(
            "{}: journal schema `{}`, expected `{JOURNAL_SCHEMA}`",
            path.display(),
            journal.schema
        );
    }
    let inverses: Vec<Step> = journal.applied.iter().rev().map(Step::inverse).collect();
    if inverses.is_empty() {
        eprintln!("fnguard: the journal records nothing to undo");
        return Ok(0);
    }
    apply(args, &inverses, &mut |step| {
        // The undone call leaves the journal, so an interrupted undo can be resumed.
        journal.applied.pop();
        eprintln!("undone: {}", step.describe());
        write_journal(path, &journal).map_err(std::io::Error::other)
    })
}

#[cfg(feature = "aws")]
fn apply(
    args: &AwsRemediateArgs,
    steps: &[Step],
    record: &mut dyn FnMut(&Step) -> std::io::Result<()>,
) -> Result<u8> {
    let target = crate::live::target(
        &args.drift.account,
        args.drift.account.regions.first().cloned(),
    );
    match fnguard_aws::remediate_apply::apply_blocking(&target, steps, record)
        .context("cannot start the AWS client runtime")?
    {
        Ok(n) => {
            eprintln!("fnguard: {n} call{} made", if n == 1 { "" } else { "s" });
            Ok(0)
        }
        Err((done, failed)) => {
            eprintln!(
                "fnguard: {} failed after {done} call(s): {}; nothing after it was attempted",
                failed.step, failed.why
            );
            Ok(1)
        }
    }
}

#[cfg(not(feature = "aws"))]
fn apply(
    _args: &AwsRemediateArgs,
    _steps: &[Step],
    _record: &mut dyn FnMut(&Step) -> std::io::Result<()>,
) -> Result<u8> {
    anyhow::bail!("this fnguard was built without the `aws` feature; --apply and --undo need it")
}
