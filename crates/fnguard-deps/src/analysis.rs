//! Attributing packages to functions: for each function, the nearest lockfile (or manifest)
//! upward from its handler file, bounded by the scanned root, plus installed trees shipped in its
//! code directory; then matched against the database.

use crate::db::Database;
use crate::lockfile::{self, Found, Kind, Parsed};
use crate::matching::{match_package, Match, Outcome};
use crate::version::Ecosystem;
use fnguard_model::{
    DepFacts, DepSource, Dependency, Function, Location, Project, ResourceKind, ScanError,
    Unpinned, VulnMatch,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Adds `DepFacts` to every function with local code; returns problems reading sources.
pub fn analyze_projects(
    root: &Path,
    projects: &mut [Project],
    db: Option<&Database>,
) -> Vec<ScanError> {
    let cache = Cache::default();
    projects.par_iter_mut().for_each(|p| {
        let layers: Vec<(String, PathBuf)> = p
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Layer)
            .filter_map(|r| {
                let dir = root.join(r.content_path.as_ref()?);
                dir.is_dir().then(|| (r.id.clone(), dir))
            })
            .collect();
        p.functions.par_iter_mut().for_each(|f| {
            let own: Vec<&(String, PathBuf)> = layers
                .iter()
                .filter(|(id, _)| f.uses.contains(id))
                .collect();
            if let Some(facts) = analyze_function(root, f, &own, &cache, db) {
                f.deps = Some(Box::new(facts));
            }
        });
    });
    let mut errors: Vec<ScanError> = cache
        .parsed
        .lock()
        .map(|m| {
            m.values()
                .flat_map(|p| p.problems.iter())
                .map(|pr| {
                    ScanError::warning(&relative(root, &pr.file), pr.line, pr.message.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    if let Ok(failures) = cache.db_failures.lock() {
        errors.extend(failures.iter().cloned());
    }
    errors.sort();
    errors.dedup();
    errors
}

/// (ecosystem, normalised name, version) of a package looked up in the database.
type PackageKey = (Ecosystem, String, Option<String>);

/// A directory's manifests and lockfiles: (file name, kind), sorted by name.
type Listing = Arc<Vec<(String, Kind)>>;

#[derive(Default)]
struct Cache {
    parsed: Mutex<HashMap<PathBuf, Arc<Parsed>>>,
    matches: Mutex<HashMap<PackageKey, Outcome>>,
    db_failures: Mutex<Vec<ScanError>>,
    /// Per directory, its manifests and lockfiles sorted by name. Every function looks at
    /// each of its ancestors, so a repository root with thousands of entries would otherwise
    /// be listed once per function.
    listings: Mutex<HashMap<PathBuf, Listing>>,
}

impl Cache {
    fn package_files(&self, dir: &Path) -> Listing {
        if let Some(l) = self.listings.lock().ok().and_then(|m| m.get(dir).cloned()) {
            return l;
        }
        let mut names: Vec<(String, Kind)> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().to_string();
                        let kind = Kind::of(&name)?;
                        e.file_type()
                            .is_ok_and(|t| t.is_file())
                            .then_some((name, kind))
                    })
                    .collect()
            })
            .unwrap_or_default();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let names = Arc::new(names);
        if let Ok(mut m) = self.listings.lock() {
            m.insert(dir.to_path_buf(), names.clone());
        }
        names
    }

    fn parse(&self, kind: Kind, path: &Path) -> Arc<Parsed> {
        if let Some(p) = self.parsed.lock().ok().and_then(|m| m.get(path).cloned()) {
            return p;
        }
        let parsed = Arc::new(lockfile::read(kind, path));
        if let Ok(mut m) = self.parsed.lock() {
            m.insert(path.to_path_buf(), parsed.clone());
        }
        parsed
    }

    fn installed(&self, key: PathBuf, read: impl FnOnce() -> Vec<Found>) -> Arc<Parsed> {
        if let Some(p) = self.parsed.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return p;
        }
        let parsed = Arc::new(Parsed {
            packages: read(),
            ..Parsed::default()
        });
        if let Ok(mut m) = self.parsed.lock() {
            m.insert(key, parsed.clone());
        }
        parsed
    }

    fn matches(&self, db: &Database, eco: Ecosystem, name: &str, version: Option<&str>) -> Outcome {
        let key = (eco, eco.normalise_name(name), version.map(str::to_string));
        if let Some(o) = self.matches.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return o;
        }
        let outcome = match match_package(db, eco, name, version) {
            Ok(o) => o,
            Err(e) => {
                if let Ok(mut f) = self.db_failures.lock() {
                    f.push(ScanError::error(
                        &db.dir().display().to_string(),
                        None,
                        e.to_string(),
                    ));
                }
                Outcome::Matches(Vec::new())
            }
        };
        if let Ok(mut m) = self.matches.lock() {
            m.insert(key, outcome.clone());
        }
        outcome
    }
}

/// The ecosystems a runtime's packages come from; `None` means any (custom runtimes).
fn ecosystems_for(runtime: Option<&str>) -> Option<Vec<Ecosystem>> {
    let r = runtime?;
    Some(if r.starts_with("nodejs") {
        vec![Ecosystem::Npm]
    } else if r.starts_with("python") {
        vec![Ecosystem::PyPI]
    } else if r.starts_with("java") {
        vec![Ecosystem::Maven]
    } else if r.starts_with("ruby") {
        vec![Ecosystem::RubyGems]
    } else if r.starts_with("dotnet") {
        vec![Ecosystem::NuGet]
    } else if r.starts_with("go") {
        vec![Ecosystem::Go]
    } else {
        return None;
    })
}

fn analyze_function(
    root: &Path,
    f: &Function,
    layers: &[&(String, PathBuf)],
    cache: &Cache,
    db: Option<&Database>,
) -> Option<DepFacts> {
    if f.is_image {
        return None;
    }
    let wanted = ecosystems_for(f.family());
    let mut acc = Collected::default();
    if let Some(code) = f.code_path.as_ref() {
        let code_dir = if code.is_empty() {
            root.to_path_buf()
        } else {
            root.join(code)
        };
        // Zip files, S3 locations and build directories that are not checked in cannot be read.
        if code_dir.is_dir() {
            // Start at the handler's own directory when the code analysis found it.
            let start = f
                .code
                .as_ref()
                .and_then(|c| c.handler.as_ref())
                .map(|l| root.join(&l.file))
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .filter(|p| p.starts_with(&code_dir) && p.is_dir())
                .unwrap_or_else(|| code_dir.clone());
            let dirs = ancestors_within(&start, root);
            acc.read(
                root,
                std::slice::from_ref(&code_dir),
                &dirs,
                &code_dir,
                wanted.as_deref(),
                None,
                cache,
            );
        }
    }
    for (id, dir) in layers {
        // The runtime folders inside a layer (`python/`, `nodejs/`), then the layer root where
        // `sam build` reads requirements.txt or package.json.
        let dirs: Vec<PathBuf> = [dir.join("python"), dir.join("nodejs"), dir.to_path_buf()]
            .into_iter()
            .filter(|d| d.is_dir())
            .collect();
        acc.read(root, &dirs, &dirs, dir, wanted.as_deref(), Some(id), cache);
    }
    if acc.facts.sources.is_empty() {
        return None;
    }
    Some(finish(root, acc, cache, db))
}

/// What the sources of one function (its code package and its layers) yield.
#[derive(Default)]
struct Collected {
    facts: DepFacts,
    /// Packages with the layer that ships them (none: the function's own package).
    found: Vec<(Found, Option<String>)>,
}

impl Collected {
    /// Reads the installed trees in `installed_roots` and, per ecosystem, the nearest lockfile
    /// (else manifest) among `dirs`, nearest first. An ecosystem an installed tree covers is not
    /// read again from lockfiles: what is installed is what ships. Above `package_root` (the
    /// directory that is deployed) only a workspace lockfile that covers the package counts:
    /// a manifest there describes other code (the repository's tooling, an infrastructure app).
    #[allow(clippy::too_many_arguments)]
    fn read(
        &mut self,
        root: &Path,
        installed_roots: &[PathBuf],
        dirs: &[PathBuf],
        package_root: &Path,
        wanted: Option<&[Ecosystem]>,
        layer: Option<&str>,
        cache: &Cache,
    ) {
        let wants = |e: Ecosystem| wanted.is_none_or(|w| w.contains(&e));
        let mut covered: Vec<Ecosystem> = Vec::new();
        if wants(Ecosystem::Npm) {
            // `node_modules` may sit above the handler (a service root), so look where lockfiles
            // are looked for too.
            for dir in installed_roots.iter().chain(dirs) {
                let nm = dir.join("node_modules");
                if nm.is_dir() {
                    let parsed = cache.installed(nm.clone(), || lockfile::read_node_modules(&nm));
                    if !parsed.packages.is_empty() {
                        self.source(root, &nm, "node_modules", true, layer);
                        self.found.extend(
                            parsed
                                .packages
                                .iter()
                                .cloned()
                                .map(|p| (p, layer.map(str::to_string))),
                        );
                        covered.push(Ecosystem::Npm);
                    }
                    break;
                }
            }
        }
        if wants(Ecosystem::PyPI) {
            let mut site_dirs = installed_roots.to_vec();
            // A layer's `python/lib/python3.x/site-packages`.
            for r in installed_roots {
                if let Ok(entries) = std::fs::read_dir(r.join("lib")) {
                    site_dirs.extend(entries.flatten().map(|e| e.path().join("site-packages")));
                }
            }
            for dir in site_dirs.iter().filter(|d| d.is_dir()) {
                let parsed =
                    cache.installed(dir.join(".dist-info"), || lockfile::read_dist_info(dir));
                if !parsed.packages.is_empty() {
                    self.source(root, dir, "*.dist-info", true, layer);
                    self.found.extend(
                        parsed
                            .packages
                            .iter()
                            .cloned()
                            .map(|p| (p, layer.map(str::to_string))),
                    );
                    covered.push(Ecosystem::PyPI);
                }
            }
        }
        // Per ecosystem, the nearest directory with a manifest or lockfile is the package's
        // root: its lockfile, else its manifest. A lockfile further up belongs to the package
        // only when that directory is a workspace root whose members include the package;
        // otherwise it is another application's (a web client, the repository's tooling).
        let mut manifests: BTreeMap<Ecosystem, Vec<(Kind, PathBuf)>> = BTreeMap::new();
        let mut locks: BTreeMap<Ecosystem, Vec<(Kind, PathBuf)>> = BTreeMap::new();
        // Ecosystems whose package root was found with only a manifest: (its directory).
        let mut awaiting_workspace: BTreeMap<Ecosystem, PathBuf> = BTreeMap::new();
        for dir in dirs {
            let listing = cache.package_files(dir);
            let mut here_locks: BTreeMap<Ecosystem, Vec<(Kind, PathBuf)>> = BTreeMap::new();
            let mut here_manifests: BTreeMap<Ecosystem, Vec<(Kind, PathBuf)>> = BTreeMap::new();
            for (name, kind) in listing.iter() {
                let (kind, path) = (*kind, dir.join(name));
                let eco = kind.ecosystem();
                if !wants(eco) || covered.contains(&eco) {
                    continue;
                }
                if kind.is_lock() {
                    here_locks.entry(eco).or_default().push((kind, path));
                } else if is_package_root(kind, &path) {
                    here_manifests.entry(eco).or_default().push((kind, path));
                }
            }
            let deployed = dir.starts_with(package_root);
            for (eco, l) in here_locks {
                if locks.contains_key(&eco) {
                    continue;
                }
                match awaiting_workspace.get(&eco) {
                    None if deployed && !manifests.contains_key(&eco) => {
                        locks.insert(eco, l);
                    }
                    Some(member) if is_workspace_member(dir, member) => {
                        locks.insert(eco, l);
                        manifests.remove(&eco);
                        awaiting_workspace.remove(&eco);
                    }
                    _ => {
                        // Another application's lockfile: the package keeps its manifest.
                        awaiting_workspace.remove(&eco);
                    }
                }
            }
            for (eco, m) in here_manifests {
                if !deployed || locks.contains_key(&eco) || manifests.contains_key(&eco) {
                    continue;
                }
                manifests.insert(eco, m);
                awaiting_workspace.insert(eco, dir.clone());
            }
        }
        for list in locks.values() {
            for (kind, path) in list {
                let parsed = cache.parse(*kind, path);
                self.source(root, path, kind.label(), true, layer);
                self.found.extend(
                    parsed
                        .packages
                        .iter()
                        .filter(|p| !p.dev)
                        .cloned()
                        .map(|p| (p, layer.map(str::to_string))),
                );
            }
        }
        for (eco, list) in &manifests {
            if locks.contains_key(eco) {
                continue;
            }
            for (kind, path) in list {
                let parsed = cache.parse(*kind, path);
                self.source(root, path, kind.label(), false, layer);
                // A sibling of the same workspace named as a dependency (`"tools": "*"`) is the
                // application's own code, linked by the package manager.
                let siblings = if *eco == Ecosystem::Npm {
                    path.parent()
                        .map(|d| workspace_siblings(root, d))
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                self.found.extend(
                    parsed
                        .packages
                        .iter()
                        .filter(|p| !p.dev && !siblings.contains(&p.name))
                        .cloned()
                        .map(|p| (p, layer.map(str::to_string))),
                );
                for l in parsed.loose.iter().filter(|l| !siblings.contains(&l.name)) {
                    self.facts.unpinned.push(Unpinned {
                        name: l.name.clone(),
                        spec: l.spec.clone(),
                        location: Location::new(relative(root, &l.file), l.line, 1),
                    });
                }
            }
        }
    }

    fn source(&mut self, root: &Path, path: &Path, kind: &str, locked: bool, layer: Option<&str>) {
        let file = relative(root, path);
        if !self.facts.sources.iter().any(|s| s.file == file) {
            self.facts.sources.push(DepSource {
                file,
                kind: kind.to_string(),
                locked,
                layer: layer.map(str::to_string),
            });
        }
    }
}

/// Deduplicates the packages found and matches them against the database.
fn finish(root: &Path, acc: Collected, cache: &Cache, db: Option<&Database>) -> DepFacts {
    let Collected { mut facts, found } = acc;
    // One entry per (ecosystem, name, version, file).
    let mut seen = std::collections::HashSet::new();
    for (p, layer) in found {
        let key = (
            p.ecosystem,
            p.ecosystem.normalise_name(&p.name),
            p.version.clone(),
            p.file.clone(),
        );
        if !seen.insert(key) {
            continue;
        }
        facts.packages.push(Dependency {
            ecosystem: p.ecosystem.osv_name().to_string(),
            name: p.name,
            version: p.version,
            location: Location::new(relative(root, &p.file), p.line, 1),
            direct: p.direct,
            dev: p.dev,
            layer,
        });
    }
    let Some(db) = db else { return facts };
    let mut without: Vec<String> = Vec::new();
    for (i, dep) in facts.packages.iter().enumerate() {
        let Some(eco) = Ecosystem::from_osv(&dep.ecosystem) else {
            continue;
        };
        if !db.has(eco) {
            if !without.contains(&dep.ecosystem) {
                without.push(dep.ecosystem.clone());
            }
            continue;
        }
        match cache.matches(db, eco, &dep.name, dep.version.as_deref()) {
            Outcome::Unknown => facts.unknown_versions.push(i),
            Outcome::Matches(ms) => {
                for m in ms {
                    facts.vulnerabilities.push(to_model(i, m));
                }
            }
        }
    }
    facts.ecosystems_without_data = without;
    facts
}

fn to_model(package: usize, m: Match) -> VulnMatch {
    VulnMatch {
        package,
        ids: m.ids,
        summary: m.summary,
        severity: m.severity,
        severity_source: m.severity_source,
        fixed: m.fixed,
        malicious: m.malicious,
    }
}

/// `start` and its parents up to and including `root`.
fn ancestors_within(start: &Path, root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut cur = Some(start);
    while let Some(dir) = cur {
        out.push(dir.to_path_buf());
        if dir == root || !dir.starts_with(root) {
            break;
        }
        cur = dir.parent();
    }
    out
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Whether a manifest makes its directory a package of its own. A `package.json` with neither a
/// name nor dependencies (`{"type": "module"}`, written only to switch the module system) does
/// not; every other manifest does, even one that declares nothing.
fn is_package_root(kind: Kind, path: &Path) -> bool {
    if kind != Kind::PackageJson {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return true;
    };
    [
        "name",
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
        "workspaces",
    ]
    .iter()
    .any(|k| v.get(k).is_some())
}

/// Whether the workspace declared in `root` (npm/yarn `workspaces`, `pnpm-workspace.yaml`,
/// uv `[tool.uv.workspace] members`, Cargo `[workspace] members`, `go.work`) includes `member`.
/// Names of the other packages of the npm/pnpm/yarn workspace `dir` belongs to (searched up to
/// the scanned root).
fn workspace_siblings(scan_root: &Path, dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for ws in dir.ancestors().skip(1) {
        if !ws.starts_with(scan_root) {
            break;
        }
        let globs = workspace_globs(ws);
        if globs.is_empty() || !is_workspace_member(ws, dir) {
            continue;
        }
        for g in globs {
            let g = g.trim_start_matches("./").trim_end_matches('/');
            let dirs: Vec<std::path::PathBuf> = match g.strip_suffix("/*") {
                Some(parent) if !parent.contains('*') => std::fs::read_dir(ws.join(parent))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect(),
                _ if !g.contains('*') => vec![ws.join(g)],
                _ => Vec::new(),
            };
            for d in dirs {
                let name = std::fs::read_to_string(d.join("package.json"))
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    .and_then(|v| v["name"].as_str().map(str::to_string));
                names.extend(name);
            }
        }
        break;
    }
    names
}

fn is_workspace_member(root: &Path, member: &Path) -> bool {
    let Ok(rel) = member.strip_prefix(root) else {
        return false;
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    workspace_globs(root)
        .iter()
        .any(|g| glob_match(g.trim_start_matches("./").trim_end_matches('/'), &rel))
}

fn workspace_globs(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(text) = std::fs::read_to_string(root.join("package.json")) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            let w = &v["workspaces"];
            let list = w.as_array().or_else(|| w["packages"].as_array());
            out.extend(
                list.into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(str::to_string)),
            );
        }
    }
    if let Ok(text) = std::fs::read_to_string(root.join("pnpm-workspace.yaml")) {
        // `packages:` followed by `- 'glob'` items.
        let mut in_packages = false;
        for line in text.lines() {
            let t = line.trim();
            if !line.starts_with(' ') && !line.starts_with('-') {
                in_packages = t.starts_with("packages:");
                continue;
            }
            if in_packages {
                if let Some(item) = t.strip_prefix('-') {
                    out.push(
                        item.trim()
                            .trim_matches(|c| c == '\'' || c == '"')
                            .to_string(),
                    );
                }
            }
        }
    }
    for (file, path) in [
        (
            "pyproject.toml",
            &["tool", "uv", "workspace", "members"][..],
        ),
        ("Cargo.toml", &["workspace", "members"][..]),
    ] {
        if let Ok(text) = std::fs::read_to_string(root.join(file)) {
            if let Ok(v) = text.parse::<toml::Table>() {
                let mut cur = Some(&toml::Value::Table(v));
                for k in path {
                    cur = cur.and_then(|c| c.get(k));
                }
                out.extend(
                    cur.and_then(toml::Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x.as_str().map(str::to_string)),
                );
            }
        }
    }
    if let Ok(text) = std::fs::read_to_string(root.join("go.work")) {
        for line in text.lines() {
            let t = line.trim().trim_start_matches("use").trim();
            if t.starts_with("./") || t.starts_with("../") {
                out.push(t.trim_matches(|c| c == '(' || c == ')').to_string());
            }
        }
    }
    out
}

/// Path glob with `*` (one segment) and `**` (any number of segments).
fn glob_match(pattern: &str, path: &str) -> bool {
    fn segs<'a>(p: &[&'a str], s: &[&'a str]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(&"**"), _) => segs(&p[1..], s) || (!s.is_empty() && segs(p, &s[1..])),
            (Some(pp), Some(ss)) => {
                crate::analysis::segment_match(pp, ss) && segs(&p[1..], &s[1..])
            }
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('/').filter(|x| !x.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
    if p.len() > 32 || s.len() > 64 {
        return false;
    }
    segs(&p, &s)
}

/// One path segment against a pattern with `*` and `?`.
fn segment_match(pattern: &str, text: &str) -> bool {
    fnguard_model::wildcard_match(pattern, text)
}

#[cfg(test)]
mod workspace_tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("packages/*", "packages/api"));
        assert!(!glob_match("packages/*", "packages/api/src"));
        assert!(glob_match("functions/**", "functions/a/b"));
        assert!(glob_match("services/api", "services/api"));
    }
}

#[cfg(test)]
mod attribution_tests {
    use super::*;
    use fnguard_model::{Function, Location, Project, Setting, SourceFormat, Val};

    fn project_with(code: &str) -> Project {
        let mut p = Project::new("serverless.yml", SourceFormat::Serverless);
        let mut f = Function::new("api", Location::new("serverless.yml", 1, 1));
        f.runtime = Some(Setting::new(
            Val::Known("nodejs20.x".into()),
            Location::default(),
        ));
        f.code_path = Some(code.to_string());
        p.functions.push(f);
        p
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    const ROOT_LOCK: &str = r#"{"name":"web","lockfileVersion":3,"packages":{"":{"name":"web"},"node_modules/react":{"version":"18.2.0"}}}"#;

    #[test]
    fn another_apps_lockfile_does_not_replace_the_functions_manifest() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "package.json",
            r#"{"name":"web","dependencies":{"react":"^18"}}"#,
        );
        write(dir.path(), "package-lock.json", ROOT_LOCK);
        write(
            dir.path(),
            "backend/package.json",
            r#"{"name":"api","dependencies":{"lodash":"4.17.20"}}"#,
        );
        let mut projects = vec![project_with("backend")];
        analyze_projects(dir.path(), &mut projects, None);
        let deps = projects[0].functions[0].deps.as_ref().unwrap();
        let files: Vec<&str> = deps.sources.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(files, ["backend/package.json"]);
    }

    #[test]
    fn a_workspace_roots_lockfile_is_the_members() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "package.json",
            r#"{"name":"mono","workspaces":["services/*"]}"#,
        );
        write(dir.path(), "package-lock.json", ROOT_LOCK);
        write(
            dir.path(),
            "services/api/package.json",
            r#"{"name":"api","dependencies":{"lodash":"^4"}}"#,
        );
        let mut projects = vec![project_with("services/api")];
        analyze_projects(dir.path(), &mut projects, None);
        let deps = projects[0].functions[0].deps.as_ref().unwrap();
        let files: Vec<&str> = deps.sources.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(files, ["package-lock.json"]);
    }

    #[test]
    fn a_workspace_sibling_named_as_a_dependency_is_not_unpinned() {
        let dir = tempfile::tempdir().unwrap();
        // No lockfile: the member's manifest is read, and `tools` is the workspace's own code.
        write(
            dir.path(),
            "package.json",
            r#"{"name":"mono","workspaces":["packages/*"]}"#,
        );
        write(
            dir.path(),
            "packages/tools/package.json",
            r#"{"name":"tools"}"#,
        );
        write(
            dir.path(),
            "packages/api/package.json",
            r#"{"name":"api","dependencies":{"tools":"*","uuid":"^8.3.2"}}"#,
        );
        let mut projects = vec![project_with("packages/api")];
        analyze_projects(dir.path(), &mut projects, None);
        let deps = projects[0].functions[0].deps.as_ref().unwrap();
        let loose: Vec<&str> = deps.unpinned.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(loose, ["uuid"]);
        assert!(!deps.packages.iter().any(|p| p.name == "tools"));
    }

    #[test]
    fn a_manifest_above_the_deployed_directory_is_not_the_functions() {
        let dir = tempfile::tempdir().unwrap();
        // The repository's infrastructure app, beside the function's code directory.
        write(
            dir.path(),
            "requirements.txt",
            "aws-cdk-lib>=2\nconstructs\n",
        );
        write(dir.path(), "package-lock.json", ROOT_LOCK);
        write(
            dir.path(),
            "functions/api/index.js",
            "exports.handler = 1;\n",
        );
        let mut projects = vec![project_with("functions/api")];
        analyze_projects(dir.path(), &mut projects, None);
        assert!(projects[0].functions[0].deps.is_none());
        // Deployed from the root, the same files are the function's.
        let mut projects = vec![project_with("")];
        analyze_projects(dir.path(), &mut projects, None);
        let deps = projects[0].functions[0].deps.as_ref().unwrap();
        let files: Vec<&str> = deps.sources.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(files, ["package-lock.json"]);
    }
}

/// Directories never searched for lockfiles: installed dependencies, build outputs, VCS data.
const NOT_PACKAGES: &[&str] = &[
    "node_modules",
    ".git",
    ".serverless",
    ".aws-sam",
    ".terraform",
    "cdk.out",
    "__pycache__",
    ".venv",
    "venv",
    "target",
    "dist",
    "build",
];
/// Bounds of the walk for lockfiles.
const MAX_WALK_DIRS: usize = 50_000;
const MAX_WALK_DEPTH: usize = 24;

/// A lockfile in the tree that no function's packages were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unattributed {
    /// Relative to the scanned root.
    pub file: String,
    pub kind: &'static str,
    pub packages: usize,
}

/// Lockfiles under `root` that no function of `projects` uses: code of an application that no
/// descriptor deploys (or that fnguard could not tie to one).
pub fn unattributed_lockfiles(root: &Path, projects: &[Project]) -> Vec<Unattributed> {
    let used: std::collections::HashSet<&str> = projects
        .iter()
        .flat_map(|p| &p.functions)
        .filter_map(|f| f.deps.as_ref())
        .flat_map(|d| d.sources.iter().map(|s| s.file.as_str()))
        .collect();
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut dirs = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        dirs += 1;
        if dirs > MAX_WALK_DIRS {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                if depth < MAX_WALK_DEPTH && !NOT_PACKAGES.contains(&name.as_str()) {
                    stack.push((e.path(), depth + 1));
                }
                continue;
            }
            let Some(kind) = Kind::of(&name).filter(|k| k.is_lock()) else {
                continue;
            };
            let rel = relative(root, &e.path());
            if used.contains(rel.as_str()) {
                continue;
            }
            let parsed = lockfile::read(kind, &e.path());
            out.push(Unattributed {
                file: rel,
                kind: kind.label(),
                packages: parsed.packages.iter().filter(|p| !p.dev).count(),
            });
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

#[cfg(test)]
mod package_root_tests {
    use super::*;

    #[test]
    fn a_named_package_without_dependencies_is_still_the_functions_package() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name":"tooling","dependencies":{"eslint":"^5"}}"#,
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("fn")).unwrap();
        std::fs::write(dir.path().join("fn/package.json"), r#"{"name":"cron"}"#).unwrap();
        std::fs::create_dir_all(dir.path().join("esm")).unwrap();
        std::fs::write(dir.path().join("esm/package.json"), r#"{"type":"module"}"#).unwrap();
        assert!(is_package_root(
            Kind::PackageJson,
            &dir.path().join("fn/package.json")
        ));
        assert!(!is_package_root(
            Kind::PackageJson,
            &dir.path().join("esm/package.json")
        ));
    }
}
