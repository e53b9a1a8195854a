//! `fnguard deps`, `fnguard sbom`, `fnguard db`, and the dependency step of `fnguard scan`.

use crate::cli::{DbArgs, DbCommand, DepsArgs, DepsFormat, SbomArgs};
use crate::output::write_out;
use crate::sbom;
use anyhow::{Context, Result};
use fnguard_deps::accept::Acceptance;
use fnguard_deps::db::{self, Database};
use fnguard_deps::version::Ecosystem;
use fnguard_model::{Finding, Project, ScanError};
use fnguard_scan::{database_dir, enrich, now_secs};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Projects per scanned root, and what went wrong reading them.
type Loaded = (Vec<(PathBuf, Vec<Project>)>, Vec<ScanError>);

fn enrich_roots(
    paths: &[PathBuf],
    loaded: Vec<fnguard_scan::RootLoad>,
    database: &Database,
    accepted: &[Acceptance],
    today: (i32, u32, u32),
) -> Result<Loaded, u8> {
    let mut roots = Vec::new();
    let mut errors = Vec::new();
    for (path, mut loaded) in paths.iter().zip(loaded) {
        let root = if path.is_file() {
            path.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        } else {
            path.clone()
        };
        errors.extend(loaded.errors);
        errors.extend(loaded.code_notices);
        errors.extend(enrich(
            &root,
            &mut loaded.projects,
            database,
            accepted,
            today,
        ));
        roots.push((root, loaded.projects));
    }
    if roots.iter().all(|(_, p)| p.is_empty()) {
        for e in &errors {
            eprintln!("fnguard: {e}");
        }
        eprintln!("fnguard: no serverless project found");
        return Err(2);
    }
    errors.sort();
    errors.dedup();
    Ok((roots, errors))
}

pub fn run_deps(args: DepsArgs) -> Result<u8> {
    if let Some(sbom) = &args.recheck {
        return recheck(&args, sbom);
    }
    let today = match &args.today {
        Some(d) => fnguard_scan::parse_date(d)
            .with_context(|| format!("--today must be YYYY-MM-DD, got `{d}`"))?,
        None => fnguard_scan::today(),
    };
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let cfg = loaded.cfg;
    let database = Database::open(&database_dir(args.db.as_deref(), cfg.db.as_deref()));
    let (roots, errors) = match enrich_roots(
        &args.load.paths,
        loaded.roots,
        &database,
        &cfg.accepted,
        today,
    ) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let selection = fnguard_rules::Selection {
        select: vec!["FG102".into(), "FG4".into()],
        ..fnguard_rules::Selection::default()
    };
    let mut findings: Vec<Finding> = Vec::new();
    for (_, projects) in &roots {
        findings.extend(fnguard_rules::run(
            projects,
            &fnguard_rules::RuleConfig {
                selection: selection.clone(),
                today,
                trusted_layer_accounts: cfg.trusted_layer_accounts.clone(),
                account_concurrency: cfg.account_concurrency,
                max_usd_per_hour: cfg.max_usd_per_hour,
                region: args.load.region.clone().or(cfg.region.clone()),
            },
        ));
    }
    let unattributed: Vec<fnguard_deps::analysis::Unattributed> = if args.all {
        roots
            .iter()
            .flat_map(|(root, projects)| {
                fnguard_deps::analysis::unattributed_lockfiles(root, projects)
            })
            .collect()
    } else {
        Vec::new()
    };
    let text = match args.format {
        DepsFormat::Json => render_json(
            &roots,
            &findings,
            &errors,
            args.all.then_some(&unattributed),
        ),
        DepsFormat::Human => render_human(&roots, &findings, &errors, &unattributed),
    };
    write_out(args.output.as_deref(), &text)?;
    Ok(u8::from(args.fail_on.fails(&findings)))
}

fn render_json(
    roots: &[(PathBuf, Vec<Project>)],
    findings: &[Finding],
    errors: &[ScanError],
    unattributed: Option<&Vec<fnguard_deps::analysis::Unattributed>>,
) -> String {
    let functions: Vec<serde_json::Value> = roots
        .iter()
        .flat_map(|(_, ps)| ps.iter())
        .flat_map(|p| p.functions.iter().map(move |f| (p, f)))
        .map(|(p, f)| {
            let deps = f.deps.clone().unwrap_or_default();
            let packages: Vec<serde_json::Value> = deps
                .packages
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    json!({
                        "ecosystem": d.ecosystem,
                        "name": d.name,
                        "version": d.version,
                        "location": d.location,
                        "direct": d.direct,
                        "version_unknown_to_advisories": deps.unknown_versions.contains(&i),
                    })
                })
                .collect();
            let vulns: Vec<serde_json::Value> = deps
                .vulnerabilities
                .iter()
                .map(|v| {
                    let pkg = deps.packages.get(v.package);
                    json!({
                        "package": pkg.map(|p| &p.name),
                        "version": pkg.and_then(|p| p.version.clone()),
                        "ids": v.ids,
                        "summary": v.summary,
                        "severity": v.severity.as_str(),
                        "severity_source": v.severity_source,
                        "fixed": v.fixed,
                        "malicious": v.malicious,
                    })
                })
                .collect();
            json!({
                "project": p.path,
                "function": f.id,
                "runtime": f.runtime.as_ref().and_then(|r| r.value.as_str()),
                "sources": deps.sources,
                "packages": packages,
                "vulnerabilities": vulns,
            })
        })
        .collect();
    let mut doc = json!({
        "schema": "fnguard/v1",
        "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
        "functions": functions,
        "findings": findings,
        "errors": errors,
    });
    if let Some(list) = unattributed {
        doc["unattributed_lockfiles"] = list
            .iter()
            .map(|u| json!({"file": u.file, "kind": u.kind, "packages": u.packages}))
            .collect();
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

fn render_human(
    roots: &[(PathBuf, Vec<Project>)],
    findings: &[Finding],
    errors: &[ScanError],
    unattributed: &[fnguard_deps::analysis::Unattributed],
) -> String {
    let mut out = String::new();
    let mut rows: Vec<[String; 6]> = Vec::new();
    for p in roots.iter().flat_map(|(_, ps)| ps.iter()) {
        for f in &p.functions {
            let Some(d) = &f.deps else {
                rows.push([
                    p.path.clone(),
                    f.id.clone(),
                    "-".into(),
                    "0".into(),
                    "-".into(),
                    "no local code package".into(),
                ]);
                continue;
            };
            let sources: Vec<&str> = d.sources.iter().map(|s| s.file.as_str()).collect();
            let worst = d.vulnerabilities.iter().map(|v| v.severity).max();
            let vulns = if d.vulnerabilities.is_empty() {
                "0".to_string()
            } else {
                format!(
                    "{} (worst {})",
                    d.vulnerabilities.len(),
                    worst.map_or("-", |s| s.as_str())
                )
            };
            let note = if d.sources.iter().all(|s| !s.locked) {
                "not locked".to_string()
            } else if !d.unknown_versions.is_empty() {
                format!("{} without a known version", d.unknown_versions.len())
            } else {
                String::new()
            };
            rows.push([
                p.path.clone(),
                f.id.clone(),
                sources.join(", "),
                d.packages.len().to_string(),
                vulns,
                note,
            ]);
        }
    }
    let header = [
        "project",
        "function",
        "sources",
        "packages",
        "advisories",
        "note",
    ];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count()).min(60);
        }
    }
    let line = |cells: [&str; 6], widths: &[usize; 6]| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let c: String = c.chars().take(60).collect();
            let _ = write!(s, "{c:<w$}  ", w = widths[i]);
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(header, &widths));
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]], &widths));
    }
    if !unattributed.is_empty() {
        out.push_str("\nlockfiles no function uses (code no descriptor deploys, or that fnguard could not tie to one):\n");
        for u in unattributed {
            let _ = writeln!(out, "  {}  {} ({} packages)", u.file, u.kind, u.packages);
        }
    }
    if !findings.is_empty() {
        out.push('\n');
    }
    for f in findings {
        let _ = writeln!(
            out,
            "{} {} {} {}\n    {}\n    fix: {}",
            f.severity.as_str(),
            f.rule,
            f.name,
            f.location,
            f.message,
            f.remediation
        );
    }
    for e in errors {
        let _ = writeln!(out, "note: {e}");
    }
    out
}

pub fn run_sbom(args: SbomArgs) -> Result<u8> {
    let loaded = match crate::load::load(&args.load)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let database = if args.with_vulnerabilities {
        Database::open(&database_dir(args.db.as_deref(), loaded.cfg.db.as_deref()))
    } else {
        Database::open(Path::new("/nonexistent/fnguard-no-db"))
    };
    let (roots, errors) = match enrich_roots(
        &args.load.paths,
        loaded.roots,
        &database,
        &[],
        fnguard_scan::today(),
    ) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    for e in errors
        .iter()
        .filter(|e| args.with_vulnerabilities || !e.message.contains("OSV database"))
    {
        eprintln!("fnguard: {e}");
    }
    let projects: Vec<&Project> = roots.iter().flat_map(|(_, p)| p.iter()).collect();
    let doc = sbom::cyclonedx(&projects, args.with_vulnerabilities);
    write_out(
        args.output.as_deref(),
        &(serde_json::to_string_pretty(&doc)? + "\n"),
    )?;
    Ok(0)
}

pub fn run_db(args: DbArgs) -> Result<u8> {
    let dir = database_dir(args.db.as_deref(), None);
    match args.command {
        DbCommand::Status { format } => status(&dir, format),
        DbCommand::Import { file, ecosystem } => {
            let only = match ecosystem.as_deref().map(parse_ecosystem).transpose() {
                Ok(e) => e,
                Err(msg) => {
                    eprintln!("fnguard: {msg}");
                    return Ok(2);
                }
            };
            let source = file.display().to_string();
            let summary = db::import_archive(&dir, &file, only, &source, None)?;
            report_import(&dir, &summary);
            Ok(0)
        }
        DbCommand::Update {
            base_url,
            ecosystems,
            force,
            offline,
            no_progress,
        } => {
            if offline {
                eprintln!("fnguard: --offline: not downloading; use `fnguard db import FILE.zip` to fill {}", dir.display());
                return Ok(2);
            }
            update(&dir, base_url, &ecosystems, force, no_progress)
        }
    }
}

fn parse_ecosystem(name: &str) -> Result<Ecosystem, String> {
    Ecosystem::ALL
        .into_iter()
        .find(|e| {
            e.osv_name().eq_ignore_ascii_case(name)
                || (name.eq_ignore_ascii_case("crates-io") && *e == Ecosystem::CratesIo)
        })
        .ok_or_else(|| {
            format!(
                "unknown ecosystem `{name}`; one of {}",
                Ecosystem::ALL
                    .iter()
                    .map(|e| e.osv_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

fn report_import(dir: &Path, summary: &db::ImportSummary) {
    for m in &summary.imported {
        eprintln!(
            "fnguard: imported {} {} advisories for {} packages ({} withdrawn skipped) into {}",
            m.records,
            m.ecosystem,
            m.packages,
            m.withdrawn,
            dir.display()
        );
    }
    if !summary.other_ecosystems.is_empty() {
        let list: Vec<String> = summary
            .other_ecosystems
            .iter()
            .map(|(k, v)| format!("{k} ({v})"))
            .collect();
        eprintln!(
            "fnguard: entries for ecosystems fnguard does not match were skipped: {}",
            list.join(", ")
        );
    }
    for why in &summary.invalid_examples {
        eprintln!("fnguard: skipped an entry that is not an OSV record: {why}");
    }
    if summary.imported.is_empty() {
        eprintln!("fnguard: the archive held no advisories for a supported ecosystem; the database is unchanged");
    }
}

fn status(dir: &Path, format: DepsFormat) -> Result<u8> {
    let database = Database::open(dir);
    let now = now_secs();
    let rows: Vec<serde_json::Value> = database
        .status()
        .into_iter()
        .map(|(eco, m)| {
            json!({
                "ecosystem": eco.osv_name(),
                "records": m.records,
                "packages": m.packages,
                "withdrawn": m.withdrawn,
                "imported_at": m.imported_at,
                "age_days": now.saturating_sub(m.imported_at) / 86_400,
                "newest_modified": m.newest_modified,
                "source": m.source,
            })
        })
        .collect();
    match format {
        DepsFormat::Json => {
            let doc = json!({
                "schema": "fnguard/v1",
                "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
                "database": dir.display().to_string(),
                "ecosystems": rows,
                "problems": database.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        DepsFormat::Human => {
            println!("database: {}", dir.display());
            if rows.is_empty() {
                println!("empty: run `fnguard db update` (or `fnguard db import FILE.zip`)");
            } else {
                println!(
                    "{:<10} {:>8} {:>9} {:>9}  {:<22} source",
                    "ecosystem", "records", "packages", "age", "newest advisory"
                );
                for r in &rows {
                    println!(
                        "{:<10} {:>8} {:>9} {:>8}d  {:<22} {}",
                        r["ecosystem"].as_str().unwrap_or(""),
                        r["records"].as_u64().unwrap_or(0),
                        r["packages"].as_u64().unwrap_or(0),
                        r["age_days"].as_u64().unwrap_or(0),
                        r["newest_modified"]
                            .as_str()
                            .unwrap_or("-")
                            .chars()
                            .take(20)
                            .collect::<String>(),
                        r["source"].as_str().unwrap_or("")
                    );
                }
            }
            for p in &database.problems {
                println!("problem: {p}");
            }
        }
    }
    Ok(u8::from(!database.problems.is_empty()))
}

#[cfg(feature = "download")]
fn update(
    dir: &Path,
    base_url: Option<String>,
    names: &[String],
    force: bool,
    no_progress: bool,
) -> Result<u8> {
    use std::io::IsTerminal;
    let mut ecosystems = Vec::new();
    for n in names {
        match parse_ecosystem(n) {
            Ok(e) => ecosystems.push(e),
            Err(msg) => {
                eprintln!("fnguard: {msg}");
                return Ok(2);
            }
        }
    }
    if ecosystems.is_empty() {
        ecosystems = Ecosystem::ALL.to_vec();
    }
    let opts = db::UpdateOptions {
        base_url: base_url.unwrap_or_else(|| db::DEFAULT_BASE_URL.to_string()),
        ecosystems,
        force,
    };
    let bar = if no_progress || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg:12} {bar:40} {bytes}/{total_bytes} {bytes_per_sec}",
    ) {
        bar.set_style(style);
    }
    struct Bar(indicatif::ProgressBar);
    impl db::Progress for Bar {
        fn start(&self, eco: Ecosystem, total: Option<u64>, resumed_from: u64) {
            self.0.set_message(eco.osv_name());
            self.0.set_length(total.unwrap_or(0));
            self.0.set_position(resumed_from);
        }
        fn advance(&self, bytes: u64) {
            self.0.inc(bytes);
        }
        fn importing(&self, eco: Ecosystem) {
            self.0.set_message(format!("{} import", eco.osv_name()));
        }
    }
    let progress = Bar(bar);
    let outcomes = db::update(dir, &opts, &progress)?;
    progress.0.finish_and_clear();
    let mut failed = 0;
    for (eco, o) in outcomes {
        match o {
            db::UpdateOutcome::Updated(m) => eprintln!(
                "fnguard: {eco}: {} advisories for {} packages",
                m.records, m.packages
            ),
            db::UpdateOutcome::Unchanged => eprintln!("fnguard: {eco}: unchanged"),
            db::UpdateOutcome::Failed(e) => {
                failed += 1;
                eprintln!("fnguard: {eco}: {e} (the previous {eco} data is kept)");
            }
        }
    }
    Ok(u8::from(failed > 0))
}

#[cfg(not(feature = "download"))]
fn update(dir: &Path, _: Option<String>, _: &[String], _: bool, _: bool) -> Result<u8> {
    eprintln!(
        "fnguard: this build has no download support (feature `download`); fill {} with `fnguard db import FILE.zip`",
        dir.display()
    );
    Ok(2)
}

/// `deps --recheck SBOM [--since DATE]`.
fn recheck(args: &DepsArgs, sbom: &Path) -> Result<u8> {
    use fnguard_deps::recheck::{normalise_since, read_inventory, recheck};
    let text =
        std::fs::read_to_string(sbom).with_context(|| format!("cannot read {}", sbom.display()))?;
    let inventory = match read_inventory(&sbom.display().to_string(), &text) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("fnguard: {e}");
            return Ok(2);
        }
    };
    let Some(since) = args.since.clone().or_else(|| inventory.timestamp.clone()) else {
        eprintln!(
            "fnguard: {} has no timestamp (metadata.timestamp, taken_at); give the cut-off with --since DATE",
            sbom.display()
        );
        return Ok(2);
    };
    let since = normalise_since(&since);
    let database = Database::open(&database_dir(args.db.as_deref(), None));
    if database.is_empty() {
        eprintln!(
            "fnguard: no advisory database at {}: run `fnguard db update` (or `db import`) first; nothing was checked",
            database.dir().display()
        );
        return Ok(2);
    }
    let found = match recheck(&database, &inventory, &since) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fnguard: {e}");
            return Ok(2);
        }
    };
    for purl in &inventory.skipped {
        eprintln!(
            "fnguard: warning: {purl}: not an ecosystem the OSV database covers; not checked"
        );
    }
    let text = match args.format {
        DepsFormat::Json => {
            let list: Vec<serde_json::Value> = found
                .iter()
                .map(|d| {
                    json!({
                        "id": d.id,
                        "aliases": d.aliases,
                        "summary": d.summary,
                        "severity": d.severity.as_str(),
                        "purl": d.package.purl,
                        "package": d.package.name,
                        "version": d.package.version,
                        "ecosystem": d.package.ecosystem.osv_name(),
                        "fixed": d.fixed,
                        "published": d.published,
                        "modified": d.modified,
                        "new": d.new,
                        "used_by": d.package.used_by,
                    })
                })
                .collect();
            let doc = json!({
                "schema": fnguard_report::SCHEMA_ID,
                "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
                "sbom": sbom.display().to_string(),
                "since": since,
                "packages": inventory.packages.len(),
                "disclosures": list,
            });
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        DepsFormat::Human => {
            let mut out = String::new();
            for d in &found {
                let ids = std::iter::once(d.id.as_str())
                    .chain(d.aliases.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(", ");
                let when = if d.new {
                    format!("published {}", d.published.as_deref().unwrap_or("?"))
                } else {
                    format!("modified {}", d.modified.as_deref().unwrap_or("?"))
                };
                let _ = writeln!(
                    out,
                    "{:<8} {ids}  {}  {when}",
                    d.severity.as_str(),
                    d.package.purl
                );
                let _ = writeln!(out, "         {}", d.summary);
                if let Some(f) = &d.fixed {
                    let _ = writeln!(out, "         fixed in {f}");
                }
                if !d.package.used_by.is_empty() {
                    let _ = writeln!(out, "         shipped by {}", d.package.used_by.join(", "));
                }
            }
            let _ = writeln!(
                out,
                "{} advisor{} published or modified since {since} affect{} the {} packages of {}",
                found.len(),
                if found.len() == 1 { "y" } else { "ies" },
                if found.len() == 1 { "s" } else { "" },
                inventory.packages.len(),
                sbom.display()
            );
            out
        }
    };
    write_out(args.output.as_deref(), &text)?;
    Ok(u8::from(!found.is_empty()))
}
