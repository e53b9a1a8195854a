//! The pipeline itself: what to read ([`LoadRequest`]), what to run ([`ScanRequest`]), and
//! the steps between them.

use crate::{config, suppress, StartError};
use fnguard_deps::accept::{self, Acceptance};
use fnguard_deps::db::{self, Database};
use fnguard_ingest::{
    discover_with_survey_beside, load, Candidate, DescriptorKind, LoadOptions, Survey,
};
use fnguard_model::{Finding, Project, ScanError};
use fnguard_rules::{RuleConfig, Selection};
use rayon::prelude::*;

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to read: the paths and how to resolve their values.
#[derive(Debug, Clone, Default)]
pub struct LoadRequest {
    /// Files or directories to read (`.` when empty).
    pub paths: Vec<PathBuf>,
    /// The configuration file; `fnguard.toml` found upward from the first path when `None`.
    pub config: Option<PathBuf>,
    pub stage: Option<String>,
    pub region: Option<String>,
    /// `KEY=VALUE` template parameters and serverless `param:` values.
    pub params: Vec<String>,
    /// Globs of paths to skip, added to the configuration's.
    pub exclude: Vec<String>,
    /// Show a progress bar on a terminal for large trees.
    pub progress: bool,
    /// Files larger than this are skipped (0: no limit).
    pub max_file_bytes: u64,
}

/// What a scan runs on what it reads.
#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    pub load: LoadRequest,
    /// Rule ids, names or prefixes: replace the configuration's selection when not empty.
    pub select: Vec<String>,
    /// Rule ids, names or prefixes to skip, added to the configuration's.
    pub ignore: Vec<String>,
    /// Evaluate date-dependent rules as of this `YYYY-MM-DD` date instead of today.
    pub today: Option<String>,
    /// The OSV database directory (over the configuration's and the default).
    pub db: Option<PathBuf>,
    /// Directories of custom rules in Rego, added to the configuration's.
    pub policies: Vec<PathBuf>,
    pub rego_v0: bool,
    /// Synthesize CDK applications that have no `cdk.out`, each within this time.
    pub synth: Option<Duration>,
}

/// The configuration a request resolves to, ready for loading.
pub struct Prepared {
    pub cfg: config::Config,
    pub cfg_path: Option<PathBuf>,
    pub options: LoadOptions,
    pub excludes: Vec<String>,
}

/// Reads the configuration and checks the request: the paths exist and every `--param` is
/// `KEY=VALUE`. Configuration warnings are in `cfg.warnings`, for the caller to show.
pub fn prepare(request: &LoadRequest) -> Result<Prepared, StartError> {
    let first = request
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    for p in &request.paths {
        if !p.exists() {
            return Err(StartError::MissingPath(p.clone()));
        }
    }
    let (cfg, cfg_path) = config::resolve(request.config.as_deref(), &first)?;
    let mut params = cfg.params.clone();
    for p in &request.params {
        let Some((k, v)) = p.split_once('=') else {
            return Err(StartError::BadParam(p.clone()));
        };
        params.push((k.to_string(), v.to_string()));
    }
    let options = LoadOptions {
        stage: request.stage.clone().or(cfg.stage.clone()),
        region: request.region.clone().or(cfg.region.clone()),
        params,
        max_file_bytes: request.max_file_bytes,
    };
    let mut excludes = cfg.exclude.clone();
    excludes.extend(request.exclude.iter().cloned());
    Ok(Prepared {
        cfg,
        cfg_path,
        options,
        excludes,
    })
}

/// The directory a path is read from: itself, or a file's parent.
pub fn root_of(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    } else {
        path.to_path_buf()
    }
}

/// Every path of a request, loaded (projects with code facts, no rules run).
pub struct Loaded {
    pub cfg: config::Config,
    /// One per path, in order.
    pub roots: Vec<RootLoad>,
}

/// Loads every path of the request, each as its own root.
pub fn load_request(request: &LoadRequest) -> Result<Loaded, StartError> {
    let prepared = prepare(request)?;
    let roots = request
        .paths
        .iter()
        .map(|path| {
            load_root(
                &root_of(path),
                path,
                &prepared.excludes,
                &prepared.options,
                !request.progress,
                "",
            )
        })
        .collect();
    Ok(Loaded {
        cfg: prepared.cfg,
        roots,
    })
}

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

/// Configuration → discovery → loading → analyses → rules → inline suppressions.
pub fn collect(request: &ScanRequest) -> Result<Collected, StartError> {
    let Prepared {
        cfg,
        cfg_path,
        options,
        mut excludes,
    } = prepare(&request.load)?;
    if let Some(path) = &cfg.taint_catalog {
        let text =
            std::fs::read_to_string(path).map_err(|e| StartError::TaintCatalogUnreadable {
                path: path.clone(),
                message: e.to_string(),
            })?;
        fnguard_code::taint::install_user_catalog(&path.display().to_string(), &text)
            .map_err(|e| StartError::TaintCatalog(e.to_string()))?;
    }
    let mut policy_problems: Vec<ScanError> = Vec::new();
    // Custom rules in Rego, loaded once; a broken policy is an input problem, not a stop.
    let mut policy_dirs = cfg.policy_dirs.clone();
    policy_dirs.extend(request.policies.iter().cloned());
    let mut policies = if policy_dirs.is_empty() {
        None
    } else {
        let (policies, problems) =
            fnguard_policy::Policies::load(&policy_dirs, cfg.rego_v0 || request.rego_v0);
        for p in problems {
            policy_problems.push(ScanError::error(p.path(), p.line(), p.message()));
        }
        Some(policies)
    };
    let custom: Vec<(&str, &str)> = policies
        .iter()
        .flat_map(|p| p.rules.iter().map(|r| (r.id, r.name)))
        .collect();
    let selection = selection_among(&cfg, &request.select, &request.ignore, &custom)?;
    let today = crate::today_from(request.today.as_deref())?;
    let multi_root = request.load.paths.len() > 1;
    let database =
        fnguard_deps::db::Database::open(&database_dir(request.db.as_deref(), cfg.db.as_deref()));
    let mut projects: Vec<Project> = Vec::new();
    let mut errors: Vec<ScanError> = Vec::new();
    let mut candidates_total = 0usize;
    let mut files_seen = 0usize;
    let mut unrecognised: Vec<String> = Vec::new();
    let mut suppressions = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut roots: Vec<(PathBuf, String)> = Vec::new();
    let mut jobs: Vec<(PathBuf, PathBuf, String)> = Vec::new();
    errors.extend(policy_problems);
    for path in &request.load.paths {
        let root = root_of(path);
        let prefix = if multi_root {
            format!("{}/", root.display())
        } else {
            String::new()
        };
        jobs.push((root, path.clone(), prefix));
    }
    let mut synthesized: Vec<tempfile::TempDir> = Vec::new();
    if let Some(timeout) = request.synth {
        for (root, path, prefix) in jobs.clone() {
            let (more, notes) = synth_cdk_apps(
                &root,
                &path,
                &prefix,
                &mut excludes,
                timeout,
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
            !request.load.progress,
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
            &rule_config(&cfg, &selection, today, options.region.clone()),
        );
        if let Some(policies) = policies.as_mut() {
            for p in &root_projects {
                let document = fnguard_policy::document(p, &cfg.sensitive_words);
                let (found, problems) = policies.evaluate(p, &document);
                root_findings.extend(
                    found
                        .into_iter()
                        .filter(|f| selection.is_custom_enabled(f.rule, f.name))
                        .map(|mut f| {
                            if let Some(s) = selection.severity.get(f.rule) {
                                f.severity = *s;
                            }
                            f
                        }),
                );
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
        let found: Vec<_> = code_files
            .par_iter()
            .filter_map(|file| {
                let text = std::fs::read_to_string(root.join(file)).ok()?;
                Some(suppress::scan_text(&format!("{prefix}{file}"), &text))
            })
            .collect();
        suppressions.extend(found.into_iter().flatten());
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
        if findings.is_empty() {
            // Moved, not copied: a second vector of a large scan's findings was a tenth of
            // its peak memory.
            findings = root_findings;
        } else {
            findings.append(&mut root_findings);
        }
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
    Ok(Collected {
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
    })
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

/// The first 200 characters of the wanted lines of a text file (numbered from 1, split as
/// `str::lines` splits), read as a stream: the text of a large template is never held whole.
/// None when the file cannot be read or is not UTF-8 throughout.
fn source_lines(path: &Path, mut wanted: Vec<u32>) -> Option<Vec<(u32, String)>> {
    use std::io::BufRead;
    wanted.sort_unstable();
    wanted.dedup();
    let mut wanted = wanted.into_iter().peekable();
    let mut reader = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path).ok()?);
    let mut found = Vec::new();
    let mut buf = Vec::new();
    for n in 1u32.. {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).ok()? == 0 {
            break;
        }
        let mut line = buf.as_slice();
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        // Checked to the end, wanted or not: a file that is not text gets no snippets.
        let line = std::str::from_utf8(line).ok()?;
        // Line 0 (a finding with no line) is no line.
        while wanted.next_if(|&w| w < n).is_some() {}
        if wanted.peek() == Some(&n) {
            found.push((n, line.chars().take(200).collect()));
            wanted.next();
        }
    }
    Some(found)
}

pub fn snippets(
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
        let Some(found) = source_lines(&path, lines) else {
            continue;
        };
        for (l, src) in found {
            out.insert((file.to_string(), l), src);
        }
    }
    out
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

/// The settings the rules run with: the selection, the date, and the configuration's.
pub fn rule_config(
    cfg: &config::Config,
    selection: &Selection,
    today: (i32, u32, u32),
    region: Option<String>,
) -> RuleConfig {
    RuleConfig {
        selection: selection.clone(),
        today,
        trusted_layer_accounts: cfg.trusted_layer_accounts.clone(),
        account_concurrency: cfg.account_concurrency,
        max_usd_per_hour: cfg.max_usd_per_hour,
        region,
    }
}

/// The rules to run: `select` replaces the configuration's, `ignore` adds to it; a pattern
/// that matches no rule is an error.
pub fn selection(
    cfg: &crate::config::Config,
    select: &[String],
    ignore: &[String],
) -> Result<Selection, StartError> {
    selection_among(cfg, select, ignore, &[])
}

/// [`selection`] where the custom rules (id, name) of the scan's policies are rules too.
pub fn selection_among(
    cfg: &crate::config::Config,
    select: &[String],
    ignore: &[String],
    custom: &[(&str, &str)],
) -> Result<Selection, StartError> {
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
    let unknown = selection.unknown_patterns_among(custom);
    if !unknown.is_empty() {
        return Err(StartError::UnknownRules(unknown));
    }
    Ok(selection)
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

/// The order in which to load `candidates`: the kinds that take longest first (a CDK
/// application read from its source parses every file of it), each kind in discovery's order.
/// A long load that starts last keeps one core busy while the others wait, as CDK applications
/// loaded in path order did on serverless-patterns (3 % of the wall time, in 20 alternating
/// scans).
fn longest_first(candidates: &[Candidate]) -> Vec<usize> {
    let rank = |kind: DescriptorKind| match kind {
        DescriptorKind::CdkSource => 0,
        DescriptorKind::Cdk | DescriptorKind::CloudFormation => 1,
        DescriptorKind::Terraform => 2,
        DescriptorKind::Sam
        | DescriptorKind::Serverless
        | DescriptorKind::Chalice
        | DescriptorKind::Zappa => 3,
    };
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&k| rank(candidates[k].kind));
    order
}

/// Discover and load the descriptors under `path` (in parallel), settle nested stacks and
/// Terraform modules, and run the code analysis.
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
    // The IAM data is ready by the time the code analyses and rules ask (the binary installs
    // a `--catalog` before any command runs).
    fnguard_iam::prepare_in_background();
    let mut nested: Vec<Project> = Vec::new();
    let mut consumed: Vec<String> = Vec::new();
    // The code analysis looks up repository modules in the files discovery listed instead of
    // walking the tree a second time. Indexing them takes one core for a while; it runs beside
    // discovery's last steps, which leave a core idle part of the time (nothing reads the index
    // before the analyses).
    let (candidates, diags, mut survey) = discover_with_survey_beside(path, excludes, |walked| {
        if path == root {
            fnguard_code::index_repository_files(root, walked);
        }
    });
    // Nothing needs the list once it is indexed.
    drop(std::mem::take(&mut survey.walked));
    out.candidates = candidates.len();
    out.survey = survey;
    out.errors.extend(diags);
    let bar = progress(candidates.len(), no_progress);
    let mut loaded: Vec<_> = longest_first(&candidates)
        .par_iter()
        .map(|&k| {
            let c = &candidates[k];
            let l = load(root, c, options);
            // Suppression comments of the descriptor, read on the same core.
            let rel = fnguard_ingest::relative(root, &c.path);
            let suppressions = std::fs::read_to_string(&c.path)
                .ok()
                .map(|text| suppress::scan_text(&format!("{prefix}{rel}"), &text));
            bar.inc(1);
            (k, (l, rel, suppressions))
        })
        .collect();
    loaded.sort_unstable_by_key(|(k, _)| *k);
    let loaded: Vec<_> = loaded.into_iter().map(|(_, l)| l).collect();
    bar.finish_and_clear();
    for (l, rel, suppressions) in loaded {
        if let Some(suppressions) = suppressions {
            out.suppressions.extend(suppressions);
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
    let consumed: HashSet<String> = consumed.into_iter().collect();
    out.projects.retain(|p| {
        p.format != fnguard_model::SourceFormat::Terraform || !consumed.contains(&p.path)
    });
    // A nested template loaded through its parent knows the parameters it is given; its
    // stand-alone load (defaults only) gives way.
    let nested_paths: HashSet<String> = nested.iter().map(|n| n.path.clone()).collect();
    out.projects.retain(|p| !nested_paths.contains(&p.path));
    let mut present: HashSet<String> = out.projects.iter().map(|p| p.path.clone()).collect();
    for n in nested.drain(..) {
        if present.insert(n.path.clone()) {
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
    let now = crate::now_secs();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::source_lines;

    #[test]
    fn source_lines_are_the_lines_str_lines_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        let long = "x".repeat(300);
        for text in [
            "a\nb\r\nc\rd\n\n".to_string(),
            format!("é\r\n{long}\nlast\r"),
            "no newline at the end".to_string(),
            String::new(),
            "\n\n\n".to_string(),
        ] {
            std::fs::write(&path, &text).unwrap();
            let all: Vec<u32> = (0..8).collect();
            let expected: Vec<(u32, String)> = (1u32..)
                .zip(text.lines())
                .map(|(n, l)| (n, l.chars().take(200).collect()))
                .collect();
            assert_eq!(source_lines(&path, all).unwrap(), expected, "{text:?}");
            let some: Vec<(u32, String)> = expected.iter().skip(1).step_by(2).cloned().collect();
            let asked = some.iter().rev().map(|(n, _)| *n).collect();
            assert_eq!(source_lines(&path, asked).unwrap(), some, "{text:?}");
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_anywhere_gives_no_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.yaml");
        std::fs::write(&path, b"Resources:\n  ok: 1\n  bad: \xff\n").unwrap();
        assert_eq!(source_lines(&path, vec![1]), None);
        assert_eq!(source_lines(&dir.path().join("absent"), vec![1]), None);
    }
}
