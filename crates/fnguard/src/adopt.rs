//! Adopting fnguard on a project that already has findings: expiring ignores from
//! fnguard.toml, a baseline of known findings (`--baseline`, `--create-baseline`) and scans
//! that report only what changed since a git ref (`--diff-base`).

use crate::cli::ScanArgs;
use anyhow::{bail, Context, Result};
use fnguard_model::{Finding, ScanError};
use fnguard_rules::baseline::{apply_ignores, known_by_fingerprint, Baseline};
use fnguard_scan::config::Config;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The findings a scan reports after ignores, the baseline and the diff base; writes the
/// baseline when asked. `Err(code)` when the scan must stop with that exit code.
pub fn narrow(
    args: &ScanArgs,
    findings: Vec<Finding>,
    cfg: &Config,
    cfg_path: Option<&Path>,
    today: (i32, u32, u32),
    errors: &mut Vec<ScanError>,
) -> Result<std::result::Result<Vec<Finding>, u8>> {
    let ignored = apply_ignores(findings, &cfg.ignores, today);
    for (file, line, message) in ignored.warnings {
        errors.push(ScanError::warning(&file, Some(line), message));
    }
    let mut findings = ignored.kept;
    if let Some(path) = &args.create_baseline {
        let text = Baseline::of(&findings).to_json();
        crate::output::write_atomically(path, &text)?;
        eprintln!(
            "fnguard: baseline of {} finding{} written to {}",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            path.display()
        );
    }
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        let baseline = match Baseline::parse(&text, &path.display().to_string()) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("fnguard: {e}");
                return Ok(Err(2));
            }
        };
        let (fresh, known) = baseline.new_findings(findings);
        if known > 0 {
            eprintln!(
                "fnguard: {known} finding{} in the baseline {} not shown",
                if known == 1 { "" } else { "s" },
                path.display()
            );
        }
        findings = fresh;
    }
    if let Some(reference) = &args.diff_base {
        let base = base_findings(args, reference, cfg_path)?;
        let (fresh, known) =
            known_by_fingerprint(base.iter().map(|f| f.fingerprint.as_str()), findings);
        eprintln!(
            "fnguard: {known} finding{} already present at {reference} not shown",
            if known == 1 { "" } else { "s" }
        );
        findings = fresh;
    }
    Ok(Ok(findings))
}

/// The findings of the same scan at `reference`: the repository is checked out at that ref in
/// a temporary worktree (removed afterwards), each scanned path is mapped into it, and the
/// current configuration is used so that only the code differs.
fn base_findings(
    args: &ScanArgs,
    reference: &str,
    cfg_path: Option<&Path>,
) -> Result<Vec<Finding>> {
    let first = args
        .load
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let anchor = if first.is_file() {
        first.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        first.clone()
    };
    let anchor = if anchor.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        anchor
    };
    let top = git(&anchor, &["rev-parse", "--show-toplevel"])
        .context("--diff-base needs the scanned paths to be in a git repository")?;
    let top = PathBuf::from(top.trim());
    let top = top.canonicalize().unwrap_or(top);
    git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .with_context(|| {
        format!(
            "--diff-base: `{reference}` is not a commit of {}",
            top.display()
        )
    })?;
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let tree = scratch.path().join("base");
    let tree_arg = tree.display().to_string();
    git(
        &top,
        &[
            "worktree", "add", "--detach", "--quiet", &tree_arg, reference,
        ],
    )
    .with_context(|| format!("cannot check out {reference} in a temporary worktree"))?;
    let result = (|| {
        let mut base = args.clone();
        base.diff_base = None;
        base.baseline = None;
        base.create_baseline = None;
        base.report.output = None;
        base.load.no_progress = true;
        base.load.config = cfg_path.map(Path::to_path_buf);
        base.load.paths = Vec::new();
        for p in &args.load.paths {
            let abs = p
                .canonicalize()
                .with_context(|| format!("cannot resolve {}", p.display()))?;
            let Ok(rel) = abs.strip_prefix(&top) else {
                bail!(
                    "--diff-base: {} is outside the repository {}",
                    p.display(),
                    top.display()
                );
            };
            let mapped = tree.join(rel);
            if !mapped.exists() {
                // Added since the base: nothing of it was there.
                continue;
            }
            base.load.paths.push(mapped);
        }
        if base.load.paths.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match fnguard_scan::collect(&base.request()) {
            Ok(c) => c.findings,
            // Nothing to scan at the base (no project yet): every finding is new.
            Err(_) => Vec::new(),
        })
    })();
    let removed = git(&top, &["worktree", "remove", "--force", &tree_arg]);
    let findings = result?;
    removed.context("cannot remove the temporary worktree")?;
    Ok(findings)
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
