//! The scan pipeline every command shares: configuration → discovery → loading (with
//! handler code and dependency facts) → rules → inline suppressions (`collect`), and the
//! steps commands use alone (`load_root`, `enrich`, dates, rule selection). Commands build
//! on this module and never on each other.

use crate::cli::ScanArgs;
use crate::{config, suppress};
use anyhow::{Context, Result};
use fnguard_deps::accept::{self, Acceptance};
use fnguard_deps::db::{self, Database};
use fnguard_ingest::{discover_with_survey, load, Candidate, DescriptorKind, LoadOptions, Survey};
use fnguard_model::{Finding, Project, ScanError};
use fnguard_rules::{RuleConfig, Selection};
use rayon::prelude::*;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a scan found before it is reported: the loaded projects, their findings after inline
/// suppressions, and every input problem.
pub struct Collected {
    pub projects: Vec<Project>,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    pub cfg: config::Config,
    pub cfg_path: Option<PathBuf>,
    pub today: (i32, u32, u32),
    pub roots: Vec<(PathBuf, String)>,
    pub multi_root: bool,
    pub candidates_total: usize,
    pub files_seen: usize,
    pub unrecognised: Vec<String>,
    /// Kept until the report is written: it reads source lines from them.
    pub _synthesized: Vec<tempfile::TempDir>,
}

/// Configuration → discovery → loading → analyses → rules → inline suppressions. `Err(code)`
/// when the scan cannot start (the message is printed).
pub fn collect(args: &ScanArgs) -> Result<std::result::Result<Collected, u8>> {
    let first = args
        .load
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    for p in &args.load.paths {
        if !p.exists() {
            eprintln!("fnguard: {} does not exist", p.display());
            return Ok(Err(2));
        }
    }
    let cfg_path = args.load.config.clone().or_else(|| config::find(&first));
    let cfg = match &cfg_path {
        Some(p) => config::load(p)?,
        None => config::Config::default(),
    };
    for w in &cfg.warnings {
        eprintln!("fnguard: warning: {w}");
    }
    if let Some(path) = &cfg.taint_catalog {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the taint catalog {}", path.display()))?;
        if let Err(e) =
            fnguard_code::taint::install_user_catalog(&path.display().to_string(), &text)
        {
            eprintln!("fnguard: {e}");
            return Ok(Err(2));
        }
    }
    let mut params = cfg.params.clone();
    for p in &args.load.params {
        let Some((k, v)) = p.split_once('=') else {
            eprintln!("fnguard: --param takes KEY=VALUE, got `{p}`");
            return Ok(Err(2));
        };
        params.push((k.to_string(), v.to_string()));
    }
    let options = LoadOptions {
        stage: args.load.stage.clone().or(cfg.stage.clone()),
        region: args.load.region.clone().or(cfg.region.clone()),
        params,
        max_file_bytes: args.max_file_size.saturating_mul(1024 * 1024),
    };
    let Some(selection) = selection(&cfg, &args.rules.select, &args.rules.ignore) else {
        return Ok(Err(2));
    };
    let today = match &args.today {
        Some(d) => {
            parse_date(d).with_context(|| format!("--today must be YYYY-MM-DD, got `{d}`"))?
        }
        None => today(),
    };

    let mut excludes = cfg.exclude.clone();
    excludes.extend(args.load.exclude.iter().cloned());
    let multi_root = args.load.paths.len() > 1;
    let database =
        fnguard_deps::db::Database::open(&database_dir(args.db.as_deref(), cfg.db.as_deref()));
    let mut projects: Vec<Project> = Vec::new();
    let mut errors: Vec<ScanError> = Vec::new();
    let mut candidates_total = 0usize;
    let mut files_seen = 0usize;
    let mut unrecognised: Vec<String> = Vec::new();
    let mut suppressions = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut roots: Vec<(PathBuf, String)> = Vec::new();
    let mut jobs: Vec<(PathBuf, PathBuf, String)> = Vec::new();
    for path in &args.load.paths {
        let root = if path.is_file() {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        } else {
            path.clone()
        };
        let prefix = if multi_root {
            format!("{}/", root.display())
        } else {
            String::new()
        };
        jobs.push((root, path.clone(), prefix));
    }
    // Custom rules in Rego, loaded once; a broken policy is an input problem, not a stop.
    let mut policy_dirs = cfg.policy_dirs.clone();
    policy_dirs.extend(args.policies.iter().cloned());
    let mut policies = if policy_dirs.is_empty() {
        None
    } else {
        let (policies, problems) =
            fnguard_policy::Policies::load(&policy_dirs, cfg.rego_v0 || args.rego_v0);
        for p in problems {
            errors.push(ScanError::error(p.path(), p.line(), p.message()));
        }
        Some(policies)
    };
    let mut synthesized: Vec<tempfile::TempDir> = Vec::new();
    if args.synth {
        for (root, path, prefix) in jobs.clone() {
            let (more, notes) = synth_cdk_apps(
                &root,
                &path,
                &prefix,
                &mut excludes,
                Duration::from_secs(args.synth_timeout),
                &mut synthesized,
            );
            jobs.extend(more);
            errors.extend(notes);
        }
    }
    for (root, path, prefix) in &jobs {
        let (root, path) = (root.clone(), path.clone());
        let path = &path;
        let prefixed = !prefix.is_empty();
        let prefix = prefix.clone();
        let loaded = load_root(
            &root,
            path,
            &excludes,
            &options,
            args.load.no_progress,
            &prefix,
        );
        candidates_total += loaded.candidates;
        errors.extend(loaded.code_notices);
        files_seen += loaded.survey.files;
        unrecognised.extend(
            loaded
                .survey
                .unrecognised
                .iter()
                .map(|u| format!("{prefix}{u}")),
        );
        errors.extend(loaded.errors);
        suppressions.extend(loaded.suppressions);
        let mut root_projects = loaded.projects;
        for mut e in enrich(&root, &mut root_projects, &database, &cfg.accepted, today) {
            if !e.file.starts_with('/') {
                e.file = format!("{prefix}{}", e.file);
            }
            errors.push(e);
        }
        let mut root_findings = fnguard_rules::run(
            &root_projects,
            &RuleConfig {
                selection: selection.clone(),
                today,
                trusted_layer_accounts: cfg.trusted_layer_accounts.clone(),
                account_concurrency: cfg.account_concurrency,
                max_usd_per_hour: cfg.max_usd_per_hour,
                region: options.region.clone(),
            },
        );
        if let Some(policies) = policies.as_mut() {
            for p in &root_projects {
                let document = fnguard_policy::document(p, &cfg.sensitive_words);
                let (found, problems) = policies.evaluate(p, &document);
                root_findings.extend(found);
                for e in problems {
                    errors.push(ScanError::error(e.path(), e.line(), e.message()));
                }
            }
        }
        // Findings in handler code are silenced by comments in that code.
        let mut code_files: Vec<&str> = root_findings
            .iter()
            .map(|f| f.location.file.as_str())
            .filter(|f| !loaded.suppression_files.iter().any(|s| s == f))
            .collect();
        code_files.sort_unstable();
        code_files.dedup();
        for file in code_files {
            if let Ok(text) = std::fs::read_to_string(root.join(file)) {
                suppressions.extend(suppress::scan_text(&format!("{prefix}{file}"), &text));
            }
        }
        if prefixed {
            for f in &mut root_findings {
                f.location.file = format!("{prefix}{}", f.location.file).into();
                for x in &mut f.fixes {
                    x.file = format!("{prefix}{}", x.file);
                }
                for r in &mut f.related {
                    r.file = format!("{prefix}{}", r.file).into();
                }
            }
            for p in &mut root_projects {
                p.path = format!("{prefix}{}", p.path);
            }
        }
        findings.extend(root_findings);
        projects.extend(root_projects);
        roots.push((root, prefix));
    }
    errors.sort();
    errors.dedup();
    let outcome = fnguard_rules::apply_suppressions(findings, &suppressions);
    for (s, problem) in &outcome.problems {
        errors.push(ScanError::warning(
            &s.file,
            Some(s.line),
            format!("{problem} (fnguard:ignore {})", s.rules.join(",")),
        ));
    }
    let findings = outcome.kept;
    Ok(Ok(Collected {
        projects,
        findings,
        errors,
        cfg,
        cfg_path,
        today,
        roots,
        multi_root,
        candidates_total,
        files_seen,
        unrecognised,
        _synthesized: synthesized,
    }))
}

fn progress(n: usize, disabled: bool) -> indicatif::ProgressBar {
    if disabled || n < 200 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} descriptors {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

pub(crate) fn snippets(
    findings: &[Finding],
    roots: &[(PathBuf, String)],
    multi: bool,
) -> HashMap<(String, u32), String> {
    let mut by_file: HashMap<&str, Vec<u32>> = HashMap::new();
    for f in findings {
        if f.location.line > 0 {
            by_file
                .entry(&f.location.file)
                .or_default()
                .push(f.location.line);
        }
    }
    let mut out = HashMap::new();
    for (file, lines) in by_file {
        let path = roots.iter().find_map(|(root, prefix)| {
            let rel = if multi {
                file.strip_prefix(prefix.as_str())?
            } else {
                file
            };
            let p = root.join(rel);
            p.is_file().then_some(p)
        });
        let Some(path) = path else { continue };
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let all: Vec<&str> = text.lines().collect();
        for l in lines {
            if let Some(src) = all.get(l as usize - 1) {
                out.insert((file.to_string(), l), src.chars().take(200).collect());
            }
        }
    }
    out
}

pub(crate) fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// Today's UTC date from the system clock.
pub(crate) fn today() -> (i32, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    civil_from_secs(secs)
}

/// The UTC date of a Unix time (civil-from-days, no time-zone database needed).
pub(crate) fn civil_from_secs(secs: i64) -> (i32, u32, u32) {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// What loading one scanned root gives: projects with code facts, input problems, and the
/// inline suppressions written in the descriptors.
pub struct RootLoad {
    pub projects: Vec<Project>,
    pub errors: Vec<ScanError>,
    pub candidates: usize,
    pub suppressions: Vec<fnguard_rules::Suppression>,
    /// Descriptors whose inline suppressions were read (relative to the root, unprefixed).
    pub suppression_files: Vec<String>,
    /// What discovery walked, for explaining an empty result.
    pub survey: Survey,
    /// Functions whose code was not analysed (or was found elsewhere than written): for the
    /// commands whose checks read code.
    pub code_notices: Vec<ScanError>,
}

/// Discover and load the descriptors under `path` (in parallel), settle nested stacks and
/// Terraform modules, and run the code analysis.
/// The rules to run: `--select` replaces the configuration's, `--ignore` adds to it. `None`
/// after telling the user about a pattern that matches no rule.
pub fn selection(
    cfg: &crate::config::Config,
    select: &[String],
    ignore: &[String],
) -> Option<Selection> {
    let selection = Selection {
        select: if select.is_empty() {
            cfg.select.clone()
        } else {
            select.to_vec()
        },
        ignore: cfg.ignore.iter().chain(ignore).cloned().collect(),
        enable: cfg.enable.clone(),
        severity: cfg.severity.clone(),
    };
    let unknown = selection.unknown_patterns();
    if !unknown.is_empty() {
        eprintln!(
            "fnguard: no rule matches {}; `fnguard rules` lists them",
            unknown.join(", ")
        );
        return None;
    }
    Some(selection)
}

/// `--synth`: each CDK application under `path` without a `cdk.out` is synthesized into a
/// temporary directory, scanned as a root of its own shown as `<app>/cdk.out/`, and no longer
/// read from its source; one that fails is one error (with the command's last lines) and is
/// read from its source instead. An existing `cdk.out` is what deploys and is scanned as is.
fn synth_cdk_apps(
    root: &Path,
    path: &Path,
    prefix: &str,
    excludes: &mut Vec<String>,
    timeout: Duration,
    keep: &mut Vec<tempfile::TempDir>,
) -> (Vec<(PathBuf, PathBuf, String)>, Vec<ScanError>) {
    let mut jobs = Vec::new();
    let mut notes = Vec::new();
    let (candidates, _) = fnguard_ingest::discover(path, excludes);
    let mut with_out: Vec<String> = Vec::new();
    for c in &candidates {
        let Some(dir) = c.path.parent() else { continue };
        match c.kind {
            DescriptorKind::CdkSource => {
                let rel = fnguard_ingest::relative_dir(root, dir);
                let rel = if rel == "." { String::new() } else { rel };
                let shown = format!("{prefix}{rel}").trim_end_matches('/').to_string();
                let shown_file = if shown.is_empty() {
                    "cdk.json".to_string()
                } else {
                    format!("{shown}/cdk.json")
                };
                let shown_dir = if shown.is_empty() {
                    "cdk.out/".to_string()
                } else {
                    format!("{shown}/cdk.out/")
                };
                let out = match tempfile::Builder::new().prefix("fnguard-synth-").tempdir() {
                    Ok(t) => t,
                    Err(e) => {
                        notes.push(ScanError::error(
                            &shown_file,
                            None,
                            format!("no temporary directory for `--synth`: {e}"),
                        ));
                        continue;
                    }
                };
                eprintln!("fnguard: synthesizing {shown_file} (--synth)");
                let shown_app = if shown.is_empty() {
                    "."
                } else {
                    shown.as_str()
                };
                match fnguard_ingest::synthesize_cdk(dir, shown_app, out.path(), timeout) {
                    Ok(()) => {
                        let glob = if rel.is_empty() {
                            "cdk.json".to_string()
                        } else {
                            format!("{}/cdk.json", escape_glob(&rel))
                        };
                        excludes.push(glob);
                        notes.push(ScanError::warning(
                            &shown_file,
                            None,
                            format!(
                                "synthesized with `--synth`; the templates are shown as \
                                 `{shown_dir}` (run `cdk synth` to write them there)"
                            ),
                        ));
                        jobs.push((
                            out.path().to_path_buf(),
                            out.path().to_path_buf(),
                            shown_dir,
                        ));
                        keep.push(out);
                    }
                    Err(e) => {
                        // The error names the file; the problem's own file says it already.
                        let msg = e.to_string();
                        let msg = msg
                            .split_once("cdk.json: ")
                            .map(|(_, m)| m.to_string())
                            .unwrap_or(msg);
                        notes.push(ScanError::error(
                            &shown_file,
                            None,
                            format!("`--synth` failed, so the app was read from its source: {msg}"),
                        ))
                    }
                }
            }
            DescriptorKind::Cdk => {
                let app = dir
                    .ancestors()
                    .find(|d| d.file_name().is_some_and(|n| n == "cdk.out"))
                    .and_then(Path::parent);
                if let Some(app) = app {
                    let rel = fnguard_ingest::relative_dir(root, app);
                    if !with_out.contains(&rel) {
                        notes.push(ScanError::warning(
                            &format!("{prefix}{rel}/cdk.out"),
                            None,
                            "this `cdk.out` is what deploys, so it was scanned as it is; \
                             `--synth` did not run the app (delete `cdk.out` to synthesize \
                             afresh)",
                        ));
                        with_out.push(rel);
                    }
                }
            }
            _ => {}
        }
    }
    (jobs, notes)
}

/// A path as a literal glob.
fn escape_glob(path: &str) -> String {
    path.chars()
        .flat_map(|c| {
            if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// `--today` (tests pin the date) or the real date.
pub fn today_from(arg: Option<&str>) -> anyhow::Result<(i32, u32, u32)> {
    match arg {
        Some(d) => parse_date(d).with_context(|| format!("--today must be YYYY-MM-DD, got `{d}`")),
        None => Ok(today()),
    }
}

pub fn load_root(
    root: &Path,
    path: &Path,
    excludes: &[String],
    options: &LoadOptions,
    no_progress: bool,
    prefix: &str,
) -> RootLoad {
    let mut out = RootLoad {
        projects: Vec::new(),
        errors: Vec::new(),
        candidates: 0,
        suppressions: Vec::new(),
        suppression_files: Vec::new(),
        survey: Survey::default(),
        code_notices: Vec::new(),
    };
    let mut nested: Vec<Project> = Vec::new();
    let mut consumed: Vec<String> = Vec::new();
    let (candidates, diags, survey) = discover_with_survey(path, excludes);
    out.candidates = candidates.len();
    out.survey = survey;
    out.errors.extend(diags);
    let bar = progress(candidates.len(), no_progress);
    let loaded: Vec<_> = candidates
        .par_iter()
        .map(|c: &Candidate| {
            let l = load(root, c, options);
            bar.inc(1);
            l
        })
        .collect();
    bar.finish_and_clear();
    for (c, l) in candidates.iter().zip(loaded) {
        if let Ok(text) = std::fs::read_to_string(&c.path) {
            let rel = fnguard_ingest::relative(root, &c.path);
            out.suppressions
                .extend(suppress::scan_text(&format!("{prefix}{rel}"), &text));
            out.suppression_files.push(rel);
        }
        out.errors.extend(l.diagnostics.into_iter().map(|mut d| {
            d.file = format!("{prefix}{}", d.file);
            d
        }));
        if let Some(p) = l.project {
            out.projects.push(p);
        }
        nested.extend(l.nested);
        consumed.extend(l.consumed);
    }
    // Terraform modules loaded through their callers (with real inputs) replace their
    // stand-alone loads (defaults only).
    out.projects.retain(|p| {
        p.format != fnguard_model::SourceFormat::Terraform || !consumed.contains(&p.path)
    });
    // A nested template loaded through its parent knows the parameters it is given; its
    // stand-alone load (defaults only) gives way.
    out.projects
        .retain(|p| !nested.iter().any(|n| n.path == p.path));
    for n in nested.drain(..) {
        if !out.projects.iter().any(|p| p.path == n.path) {
            out.projects.push(n);
        }
    }
    // Analyses add facts to the model before the rules read it.
    fnguard_code::analyze_projects(root, &mut out.projects);
    out.code_notices = fnguard_code::input_notices(&out.projects)
        .into_iter()
        .map(|mut d| {
            d.file = format!("{prefix}{}", d.file);
            d
        })
        .collect();
    out
}

/// A database older than this is stale: new advisories appear daily.
const STALE_AFTER_DAYS: u64 = 7;

/// `--db`, else `[deps] db` in fnguard.toml, else `$FNGUARD_DB`, else the user cache directory.
pub fn database_dir(cli: Option<&Path>, cfg: Option<&Path>) -> PathBuf {
    cli.or(cfg)
        .map(Path::to_path_buf)
        .unwrap_or_else(db::default_location)
}

/// Runs the dependency analysis on freshly loaded projects, applies accepted advisories and
/// returns what the user should know (unreadable lockfiles, a missing or stale database).
pub fn enrich(
    root: &Path,
    projects: &mut [Project],
    database: &Database,
    accepted: &[Acceptance],
    today: (i32, u32, u32),
) -> Vec<ScanError> {
    let db = (!database.is_empty()).then_some(database);
    let mut errors = fnguard_deps::analysis::analyze_projects(root, projects, db);
    for p in accept::apply(projects, accepted, today) {
        errors.push(ScanError::warning("fnguard.toml", None, p.to_string()));
    }
    let has_packages = projects
        .iter()
        .flat_map(|p| &p.functions)
        .any(|f| f.deps.as_ref().is_some_and(|d| !d.packages.is_empty()));
    if has_packages {
        errors.extend(database_notices(database, projects));
    }
    errors
}

fn database_notices(database: &Database, projects: &[Project]) -> Vec<ScanError> {
    let dir = database.dir().display().to_string();
    let mut out: Vec<ScanError> = database
        .problems
        .iter()
        .map(|p| ScanError::warning(&dir, None, p.to_string()))
        .collect();
    if database.is_empty() {
        out.push(ScanError::warning(
            &dir,
            None,
            "no OSV database here, so dependencies were not checked for advisories (FG401, FG402); run `fnguard db update`, or `fnguard db import FILE.zip` offline",
        ));
        return out;
    }
    let now = now_secs();
    for (eco, meta) in database.status() {
        let days = now.saturating_sub(meta.imported_at) / 86_400;
        if days > STALE_AFTER_DAYS {
            out.push(ScanError::warning(
                &dir,
                None,
                format!(
                    "the {eco} advisories were imported {days} days ago; run `fnguard db update`"
                ),
            ));
        }
    }
    let mut missing: Vec<String> = projects
        .iter()
        .flat_map(|p| &p.functions)
        .filter_map(|f| f.deps.as_ref())
        .flat_map(|d| d.ecosystems_without_data.iter().cloned())
        .collect();
    missing.sort();
    missing.dedup();
    for eco in missing {
        out.push(ScanError::warning(
            &dir,
            None,
            format!("the database has no {eco} advisories, so {eco} packages were not checked; run `fnguard db update --ecosystem {eco}`"),
        ));
    }
    out
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
