//! `fnguard scan`: the pipeline (`fnguard_scan::collect`), adoption (ignores, baseline,
//! diff base), the report in the chosen format, and the exit code.

use crate::cli::{ColorChoice, OutputFormat, ScanArgs};
use anyhow::Result;
use fnguard_ingest::DescriptorKind;
use fnguard_model::Level;
use std::io::IsTerminal;

use fnguard_scan::{snippets, Collected};

pub fn run(args: ScanArgs) -> Result<u8> {
    let collected = match fnguard_scan::collect(&args.request()) {
        Ok(c) => c,
        Err(e) => return Ok(crate::load::start_failed(&e)),
    };
    crate::load::warn_about(&collected.cfg);
    let Collected {
        projects,
        findings,
        mut errors,
        cfg,
        cfg_path,
        today,
        roots,
        multi_root,
        candidates_total,
        files_seen,
        unrecognised,
        _synthesized,
    } = collected;
    // The process ends after this command: freeing the application model of a large tree
    // one allocation at a time is work nobody waits for.
    let projects = std::mem::ManuallyDrop::new(projects);
    let findings = match crate::adopt::narrow(
        &args,
        findings,
        &cfg,
        cfg_path.as_deref(),
        today,
        &mut errors,
    )? {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };

    // Annotations and Code Quality issues are placed by paths from the repository root (where
    // CI runs): a single scanned directory's findings are given from the working directory.
    let mut findings = findings;
    if matches!(
        args.report.format,
        OutputFormat::Github | OutputFormat::Gitlab
    ) && !multi_root
    {
        if let Some((root, _)) = roots.first() {
            let root = root.display().to_string();
            let root = root.trim_end_matches('/');
            if !root.is_empty() && root != "." {
                for f in &mut findings {
                    f.location.file = format!("{root}/{}", f.location.file).into();
                }
                for e in &mut errors {
                    if !e.file.starts_with('/') && !e.file.is_empty() {
                        e.file = format!("{root}/{}", e.file);
                    }
                }
            }
        }
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.report.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    crate::output::emit(
        &args.report,
        &projects,
        &errors,
        &findings,
        &cfg,
        color,
        &|| snippets(&findings, &roots, multi_root),
    )?;

    if projects.is_empty() {
        let failed = errors.iter().any(|e| e.level == Level::Error);
        if candidates_total == 0 {
            let saw = if unrecognised.is_empty() {
                String::new()
            } else {
                format!(
                    "; files that looked related but are not descriptors: {}",
                    unrecognised.join(", ")
                )
            };
            eprintln!(
                "fnguard: no serverless project found under {} ({files_seen} files walked{saw}). fnguard reads {}",
                args.load.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                DescriptorKind::SUPPORTED
            );
        } else if failed {
            eprintln!("fnguard: none of the {candidates_total} descriptors could be loaded");
        }
        return Ok(2);
    }
    let functions_total: usize = projects.iter().map(|p| p.functions.len()).sum();
    if functions_total == 0 {
        eprintln!(
            "fnguard: {} project{} loaded, but none declares a Lambda function; nothing to check",
            projects.len(),
            if projects.len() == 1 { "" } else { "s" }
        );
        return Ok(2);
    }
    if args.create_baseline.is_some() {
        // Writing a baseline adopts what is there: not a failure.
        return Ok(0);
    }
    let fail_on = args.report.fail_on();
    Ok(u8::from(fail_on.fails(&findings)))
}
