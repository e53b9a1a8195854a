//! `fnguard fix`: the scan's findings with fixes, applied to the descriptors (or shown as a
//! diff), and `--add-ignore` for adopting fnguard on a project with findings.

use crate::cli::FixArgs;
use anyhow::{Context, Result};
use fnguard_fix::{CommentStyle, IgnoreMark, Syntax};
use fnguard_model::{Applicability, Change, Finding};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: FixArgs) -> Result<u8> {
    let collected = match fnguard_scan::collect(&args.scan.request()) {
        Ok(c) => c,
        Err(e) => return Ok(crate::load::start_failed(&e)),
    };
    crate::load::warn_about(&collected.cfg);
    let mut errors = collected.errors;
    let findings = match crate::adopt::narrow(
        &args.scan,
        collected.findings,
        &collected.cfg,
        collected.cfg_path.as_deref(),
        collected.today,
        &mut errors,
    )? {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    for e in errors
        .iter()
        .filter(|e| e.level == fnguard_model::Level::Error)
    {
        match e.line {
            Some(line) => eprintln!("fnguard: {}:{line}: {}", e.file, e.message),
            None => eprintln!("fnguard: {}: {}", e.file, e.message),
        }
    }
    let locate = |file: &str| -> PathBuf {
        match collected.roots.first() {
            Some((root, _)) if !collected.multi_root => root.join(file),
            _ => PathBuf::from(file),
        }
    };
    let edits = match &args.add_ignore {
        Some(reason) => ignore_edits(&findings, reason, &locate)?,
        None => fix_edits(&findings, args.unsafe_fixes, &locate)?,
    };
    report(&args, &edits)
}

/// One file's new text and what went into it.
struct FileEdit {
    path: PathBuf,
    before: String,
    after: String,
    /// `FG604 turn on active tracing (function Fn)`
    applied: Vec<String>,
    refused: Vec<String>,
}

fn fix_edits(
    findings: &[Finding],
    unsafe_fixes: bool,
    locate: &dyn Fn(&str) -> PathBuf,
) -> Result<Vec<FileEdit>> {
    let mut by_file: BTreeMap<&str, Vec<(&Finding, &fnguard_model::Fix)>> = BTreeMap::new();
    let mut held_back = 0usize;
    for f in findings {
        for fix in &f.fixes {
            if fix.applicability == Applicability::Unsafe && !unsafe_fixes {
                held_back += 1;
                continue;
            }
            by_file.entry(fix.file.as_str()).or_default().push((f, fix));
        }
    }
    if held_back > 0 {
        eprintln!(
            "fnguard: {held_back} unsafe fix{} not applied (review them, then use --unsafe-fixes)",
            if held_back == 1 { "" } else { "es" }
        );
    }
    let mut out = Vec::new();
    for (file, fixes) in by_file {
        let path = locate(file);
        let before = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let label = |(f, fix): &(&Finding, &fnguard_model::Fix)| {
            format!("{} {} ({})", f.rule, fix.title, subject(&fix.change))
        };
        let Some(syntax) = Syntax::of(file, &before) else {
            out.push(FileEdit {
                path,
                after: before.clone(),
                before,
                applied: Vec::new(),
                refused: fixes
                    .iter()
                    .map(|x| format!("{}: not a YAML or JSON file", label(x)))
                    .collect(),
            });
            continue;
        };
        // Two findings can offer the same change (a shared runtime line): make it once.
        let mut changes: Vec<&Change> = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        for x in &fixes {
            if !changes.contains(&&x.1.change) {
                changes.push(&x.1.change);
                labels.push(label(x));
            }
        }
        let outcome = fnguard_fix::apply(&before, syntax, &changes);
        out.push(FileEdit {
            path,
            before,
            after: outcome.text,
            applied: outcome.applied.iter().map(|&i| labels[i].clone()).collect(),
            refused: outcome
                .refused
                .iter()
                .map(|(i, e)| format!("{}: {e}", labels[*i]))
                .collect(),
        });
    }
    Ok(out)
}

fn subject(change: &Change) -> String {
    match change {
        Change::Tracing { function }
        | Change::FunctionDeadLetter { function }
        | Change::LogRetention { function, .. }
        | Change::UrlAuthIam { function, .. }
        | Change::ReservedConcurrency { function, .. } => format!("function {function}"),
        Change::Runtime { functions, .. } => format!("functions {}", functions.join(", ")),
        Change::NoEcho { parameter, .. } => format!("parameter {parameter}"),
        Change::NarrowActions { role, .. } | Change::NarrowResources { role, .. } => {
            format!("role {role}")
        }
        Change::QueueRedrive { queue } => format!("queue {queue}"),
    }
}

fn ignore_edits(
    findings: &[Finding],
    reason: &str,
    locate: &dyn Fn(&str) -> PathBuf,
) -> Result<Vec<FileEdit>> {
    if reason.trim().is_empty() {
        anyhow::bail!("--add-ignore needs a reason (it is written into every comment)");
    }
    let mut by_file: BTreeMap<&str, BTreeMap<u32, Vec<String>>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.location.line > 0) {
        let rules = by_file
            .entry(f.location.file.as_str())
            .or_default()
            .entry(f.location.line)
            .or_default();
        if !rules.iter().any(|r| r == f.rule) {
            rules.push(f.rule.to_string());
        }
    }
    let mut out = Vec::new();
    for (file, lines) in by_file {
        let path = locate(file);
        let Ok(before) = std::fs::read_to_string(&path) else {
            continue;
        };
        let marks: Vec<IgnoreMark> = lines
            .into_iter()
            .map(|(line, rules)| IgnoreMark { line, rules })
            .collect();
        let count = marks.len();
        let result = match CommentStyle::of(file) {
            Some(style) => {
                fnguard_fix::add_ignores(&before, style, &marks, reason).map_err(|e| e.to_string())
            }
            None => Err(
                "the file format has no comments: use `scan --create-baseline` for it".to_string(),
            ),
        };
        let (after, applied, refused) = match result {
            Ok(after) => (
                after,
                vec![format!("{count} ignore comment(s)")],
                Vec::new(),
            ),
            Err(e) => (before.clone(), Vec::new(), vec![e]),
        };
        out.push(FileEdit {
            path,
            before,
            after,
            applied,
            refused,
        });
    }
    Ok(out)
}

fn display(path: &Path) -> String {
    let s = path.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn report(args: &FixArgs, edits: &[FileEdit]) -> Result<u8> {
    let changed: Vec<&FileEdit> = edits.iter().filter(|e| e.before != e.after).collect();
    if args.diff {
        let mut out = std::io::stdout().lock();
        for e in &changed {
            write!(
                out,
                "{}",
                fnguard_fix::unified_diff(&display(&e.path), &e.before, &e.after)
            )?;
        }
    } else {
        for e in &changed {
            crate::output::write_atomically(&e.path, &e.after)?;
        }
    }
    let mut total = 0;
    for e in edits {
        for a in &e.applied {
            total += 1;
            eprintln!(
                "{}: {}{a}",
                display(&e.path),
                if args.diff { "would apply " } else { "" }
            );
        }
        for r in &e.refused {
            eprintln!("{}: not applied: {r}", display(&e.path));
        }
    }
    let verb = if args.diff { "would change" } else { "changed" };
    eprintln!(
        "fnguard: {total} fix{} in {} file{} {verb}",
        if total == 1 { "" } else { "es" },
        changed.len(),
        if changed.len() == 1 { "" } else { "s" }
    );
    // With --diff, like `ruff --diff`: 1 when something would change, for CI checks.
    Ok(u8::from(args.diff && !changed.is_empty()))
}
