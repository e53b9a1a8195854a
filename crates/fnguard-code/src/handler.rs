use crate::HashMap;
use fnguard_model::{CodeFacts, FileName, Location};
use std::path::{Path, PathBuf};

const MAX_FILES: usize = 64;
/// Java spreads an application over one file per class.
const MAX_JAVA_FILES: usize = 256;
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Python,
    JavaScript,
    Java,
    Go,
}

impl Language {
    /// The language of a runtime family (`Function::family`).
    pub fn of_family(family: Option<&str>) -> Option<Language> {
        match family? {
            "python" => Some(Language::Python),
            "nodejs" => Some(Language::JavaScript),
            "java" => Some(Language::Java),
            "go" => Some(Language::Go),
            _ => None,
        }
    }

    /// The name the taint catalog's `langs` uses.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::Java => "java",
            Language::Go => "go",
        }
    }

    pub fn of_runtime(runtime: Option<&str>) -> Option<Language> {
        let r = runtime?;
        if r.starts_with("python") {
            Some(Language::Python)
        } else if r.starts_with("nodejs") {
            Some(Language::JavaScript)
        } else if r.starts_with("java") {
            Some(Language::Java)
        } else if r.starts_with("go") {
            Some(Language::Go)
        } else {
            None
        }
    }
}

/// One SDK call site.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ScannedCall {
    pub action: String,
    pub line: u32,
    pub col: u32,
    /// The environment variable naming the resource it acts on.
    pub target: Option<String>,
    /// Key fields written with a literal start.
    pub keys: Vec<fnguard_model::KeyLiteral>,
}

/// One file's findings before they are merged.
#[derive(Default, Debug, PartialEq)]
pub(crate) struct FileScan {
    pub calls: Vec<ScannedCall>,
    /// Prefix tests on record keys: (field, prefixes, only those / skip those, line, column).
    /// (field, literals, whether they are suffixes, only, line, column).
    pub key_filters: Vec<(String, Vec<String>, bool, bool, u32, u32)>,
    pub dynamic: bool,
    /// Local modules it imports, as written (`./db`, `lib.db`, `.db`).
    pub imports: Vec<String>,
    /// JavaScript packages it imports by name (`@middy/ssm`, `slic-tools/user-util`); Python's
    /// absolute imports are in `imports`.
    pub packages: Vec<String>,
    /// Line of the handler function's definition, when asked for and found.
    pub handler_line: Option<(u32, u32)>,
    /// SDK objects this file defines at module level, by name, for files that import them:
    /// `table` → `table`, and functions returning one as `make_client()`. The values are the
    /// language's own encoding of the object (`client:s3`).
    pub exported: Vec<(String, String)>,
    /// Names bound from local modules: (local name, module as written, imported name).
    pub bindings: Vec<(String, String, String)>,
}

fn candidates(code_dir: &Path, module: &str, lang: Language) -> Vec<PathBuf> {
    match lang {
        Language::Python => {
            let path = module.replace('.', "/");
            vec![
                code_dir.join(format!("{path}.py")),
                // A package: `app` is `app/__init__.py`.
                code_dir.join(&path).join("__init__.py"),
            ]
        }
        Language::JavaScript => ["js", "mjs", "cjs", "ts", "mts"]
            .iter()
            .map(|ext| code_dir.join(format!("{module}.{ext}")))
            .collect(),
        Language::Java => {
            let path = module.replace('.', "/");
            java_roots(code_dir)
                .into_iter()
                .map(|r| r.join(format!("{path}.java")))
                .collect()
        }
        Language::Go => Vec::new(),
    }
}

/// The Go source files of one package directory (not tests), sorted.
fn go_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| e == "go")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("_test.go"))
        })
        .collect();
    files.sort();
    files.truncate(MAX_FILES);
    files
}

/// The `main` package that starts the Lambda runtime (`lambda.Start`): the code directory
/// itself, or the directory below it named like the handler (`bin/hello` -> `hello/`,
/// `cmd/hello/`), or the only one that does. Returns the package's files and the one calling
/// `lambda.Start`.
fn go_main_package(code_dir: &Path, handler: &str) -> Result<(Vec<PathBuf>, PathBuf), String> {
    let starts = |dir: &Path| -> Option<PathBuf> {
        go_files(dir).into_iter().find(|f| {
            read(f).is_some_and(|t| {
                t.contains("package main") && (t.contains(".Start(") || t.contains(".StartWith"))
            })
        })
    };
    let name = handler.rsplit('/').next().unwrap_or(handler);
    let mut candidates = vec![code_dir.to_path_buf()];
    for rel in [
        name.to_string(),
        format!("cmd/{name}"),
        format!("functions/{name}"),
    ] {
        candidates.push(code_dir.join(rel));
    }
    for c in &candidates {
        if let Some(f) = starts(c) {
            return Ok((go_files(c), f));
        }
    }
    // Below the code directory, at most three levels deep.
    let mut found = Vec::new();
    let mut level = vec![code_dir.to_path_buf()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for d in &level {
            let Ok(entries) = std::fs::read_dir(d) else {
                continue;
            };
            let mut subdirs: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.') || n == "vendor" || n == "node_modules")
                })
                .collect();
            subdirs.sort();
            for s in &subdirs {
                if let Some(f) = starts(s) {
                    found.push((s.clone(), f));
                }
            }
            next.extend(subdirs);
        }
        if next.len() > 500 {
            break;
        }
        level = next;
    }
    match found.len() {
        1 => {
            let (dir, f) = found.remove(0);
            Ok((go_files(&dir), f))
        }
        0 => Err(format!(
            "no `main` package calling `lambda.Start` for the handler `{handler}`"
        )),
        _ => Err(format!(
            "several `main` packages call `lambda.Start` ({}); fnguard does not guess which one the handler `{handler}` is built from",
            found
                .iter()
                .take(4)
                .map(|(d, _)| format!("`{}`", d.file_name().and_then(|n| n.to_str()).unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The Go module a code directory belongs to: its path (`github.com/me/app`) and directory.
fn go_module(code_dir: &Path) -> Option<(String, PathBuf)> {
    let mut dir = Some(code_dir);
    for _ in 0..8 {
        let d = dir?;
        if let Some(text) = read(&d.join("go.mod")) {
            let module = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("module "))?
                .trim()
                .trim_matches('"')
                .to_string();
            return Some((module, d.to_path_buf()));
        }
        dir = d.parent();
    }
    None
}

/// Where a Java code package keeps its sources: Maven/Gradle's `src/main/java`, or the
/// directory itself.
fn java_roots(code_dir: &Path) -> Vec<PathBuf> {
    let mut roots = vec![code_dir.join("src/main/java"), code_dir.join("src")];
    roots.retain(|r| r.is_dir());
    roots.push(code_dir.to_path_buf());
    roots
}

/// The source file of a Java class: where its package puts it, or else the file named after
/// it whose `package` declaration is the class's package (javac does not require sources to sit
/// in their package's directory, and Maven compiles them wherever they are).
fn java_class_file(code_dir: &Path, class: &str) -> Option<PathBuf> {
    if let Some(p) = candidates(code_dir, class, Language::Java)
        .into_iter()
        .find(|p| p.is_file())
    {
        return Some(p);
    }
    let (package, simple) = class.rsplit_once('.').unwrap_or(("", class));
    let file_name = format!("{simple}.java");
    java_sources(code_dir, MAX_JAVA_FILES)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == file_name.as_str()))
        .find(|p| read(p).is_some_and(|t| declared_package(&t) == package))
}

/// The package a Java source declares (`package com.example;`), empty for the default package.
fn declared_package(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|rest| rest.trim_end_matches(';').trim().to_string())
        .unwrap_or_default()
}

/// Classes that turn a Java web application into a Lambda handler: a handler naming one (or a
/// handler file importing one) serves the application's servlets and controllers.
const JAVA_ADAPTERS: &[&str] = &[
    "com.amazonaws.serverless.proxy",
    "org.springframework.cloud.function.adapter.aws",
    "io.micronaut.function.aws",
    "io.quarkus.amazon.lambda",
];

/// `com.example.App::handleRequest` / `com.example.App` (a `RequestHandler`'s
/// `handleRequest`) as class and method.
fn java_handler(handler: &str) -> (String, String) {
    match handler.split_once("::") {
        Some((class, method)) => (class.to_string(), method.to_string()),
        None => (handler.to_string(), "handleRequest".to_string()),
    }
}

/// Every Java source of the code package, at most `limit`, sorted (a web adapter's application
/// is found by component scanning, not by imports).
fn java_sources(code_dir: &Path, limit: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = java_roots(code_dir).into_iter().next().unwrap_or_default();
    let mut stack = vec![(root, 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if depth > 24 || out.len() >= limit {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            // Symlinked directories are not followed: a loop cannot trap the walk.
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if !matches!(name, "test" | "target" | "build" | ".git" | "node_modules") {
                    stack.push((p, depth + 1));
                }
            } else if p.extension().is_some_and(|e| e == "java") && out.len() < limit {
                out.push(p);
            }
        }
    }
    out
}

/// Where the analysis of a function starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entry {
    /// `module.function`, called with the event as its first argument.
    Handler(String),
    /// A web application in `module` (a Python dotted module or a JavaScript path relative to
    /// the code package): its routes are the entry points. An empty `object` means the
    /// framework finds the application itself (Django's settings module).
    WebApp { module: String, object: String },
}

/// Resolve `handler` (`app.lambda_handler`, `src/handlers/api.main`, `index.handler`) inside
/// `code_dir` and analyse the file and the local modules it imports.
pub fn analyze_function(root: &Path, code_dir: &Path, handler: &str, lang: Language) -> CodeFacts {
    analyze_entries(
        root,
        code_dir,
        &[Entry::Handler(handler.to_string())],
        lang,
        crate::taint::default_catalog(),
    )
}

/// Analyses a function from its entry points: handlers (the first one is the function's own,
/// whose definition `CodeFacts::handler` points at) and web applications, over the files they
/// reach through local imports.
pub fn analyze_entries(
    root: &Path,
    code_dir: &Path,
    entries: &[Entry],
    lang: Language,
    catalog: &crate::taint::catalog::Catalog,
) -> CodeFacts {
    analyze_entries_stored(
        root,
        code_dir,
        entries,
        lang,
        catalog,
        &crate::taint::Stored::default(),
    )
}

/// [`analyze_entries`] with second-order sources: data other functions stored from their
/// events.
pub fn analyze_entries_stored(
    root: &Path,
    code_dir: &Path,
    entries: &[Entry],
    lang: Language,
    catalog: &crate::taint::catalog::Catalog,
    stored: &crate::taint::Stored,
) -> CodeFacts {
    let mut facts = CodeFacts {
        complete: true,
        ..CodeFacts::default()
    };
    let mut problems: Vec<String> = Vec::new();
    // (entry file, function to run as handler or None for a web app).
    let mut starts: Vec<(PathBuf, Option<String>)> = Vec::new();
    let mut django = false;
    // The other files of a Go handler's package: read with it.
    let mut go_siblings: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Entry::Handler(handler) if lang == Language::Go => {
                match go_main_package(code_dir, handler) {
                    Ok((files, start)) => {
                        starts.push((
                            start.clone(),
                            Some(crate::taint::lower_go::ENTRY.to_string()),
                        ));
                        go_siblings.extend(files.into_iter().filter(|f| *f != start));
                    }
                    Err(why) => {
                        problems.push(why);
                        facts.complete = false;
                    }
                }
            }
            Entry::Handler(handler) if lang == Language::Java => {
                let (class, method) = java_handler(handler);
                if JAVA_ADAPTERS
                    .iter()
                    .any(|a| class.strip_prefix(*a).is_some_and(|r| r.starts_with('.')))
                {
                    // A library class serves the application: its routes are the entry points.
                    for p in java_sources(code_dir, MAX_JAVA_FILES) {
                        starts.push((p, None));
                    }
                    continue;
                }
                match java_class_file(code_dir, &class) {
                    Some(file) => starts.push((file, Some(method))),
                    None => {
                        problems.push(format!(
                            "no source file for the class `{class}` under {}",
                            dir_label(root, code_dir)
                        ));
                        facts.complete = false;
                    }
                }
            }
            Entry::Handler(handler) => {
                let Some((module, func)) = handler.rsplit_once('.') else {
                    problems.push(format!("handler `{handler}` has no module part"));
                    facts.complete = false;
                    continue;
                };
                let options = candidates(code_dir, module, lang);
                // A module under a directory that does not exist (`build/`, `dist/`) is produced
                // at build time: nothing to read here.
                if options
                    .first()
                    .and_then(|p| p.parent())
                    .is_some_and(|d| !d.is_dir())
                {
                    facts.complete = false;
                    continue;
                }
                match options.into_iter().find(|p| p.is_file()) {
                    Some(file) => starts.push((file, Some(func.to_string()))),
                    None => {
                        problems.push(format!(
                            "no source file for `{module}` under {}",
                            dir_label(root, code_dir)
                        ));
                        facts.complete = false;
                    }
                }
            }
            Entry::WebApp { module, object } => {
                let options = candidates(code_dir, module, lang);
                let Some(file) = options.into_iter().find(|p| p.is_file()) else {
                    problems.push(format!(
                        "the web application `{module}` has no source file under {}",
                        dir_label(root, code_dir)
                    ));
                    facts.complete = false;
                    continue;
                };
                // Django: the settings module names the URL configuration, whose imports and
                // `include()`s reach the views.
                if object.is_empty() && lang == Language::Python {
                    django = true;
                    if let Some(urls) = read(&file).and_then(|t| django_urlconf(&t)).and_then(|m| {
                        candidates(code_dir, &m, lang)
                            .into_iter()
                            .find(|p| p.is_file())
                    }) {
                        starts.push((urls, None));
                    }
                }
                starts.push((file, None));
            }
        }
    }
    let mut queue: Vec<PathBuf> = go_siblings.iter().rev().cloned().collect();
    queue.extend(starts.iter().rev().map(|(p, _)| p.clone()));
    let go_mod = if lang == Language::Go {
        go_module(code_dir)
    } else {
        None
    };
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut scanned: Vec<Scanned> = Vec::new();
    let mut sources: Vec<crate::taint::Source> = Vec::new();
    let mut handlers: Vec<(String, String)> = Vec::new();
    let mut web_app = false;
    while let Some(path) = queue.pop() {
        // Paths are compared as cleaned text, not canonicalized (a `readlink` per path
        // component of every file): a module imported by two paths, one through a symlinked
        // directory, is read at each within the same file limit, so what each import binds
        // is known.
        let key = clean(&path);
        let limit = if lang == Language::Java {
            MAX_JAVA_FILES
        } else {
            MAX_FILES
        };
        if seen.contains(&key) || seen.len() >= limit {
            continue;
        }
        seen.push(key);
        let Some(text) = read(&path) else {
            continue;
        };
        let r = rel(root, &path);
        // The handler functions defined in this file, when it is an entry file.
        let here: Vec<(usize, &Option<String>)> = starts
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| *p == path)
            .map(|(i, (_, f))| (i, f))
            .collect();
        let handler_here = here.iter().find_map(|(_, f)| f.as_deref());
        let scan = match lang {
            Language::Python => crate::python::scan(&text, handler_here),
            Language::JavaScript => {
                let ts = path
                    .extension()
                    .is_some_and(|e| e == "ts" || e == "mts" || e == "tsx");
                crate::javascript::scan_as(&text, handler_here, ts)
            }
            Language::Java => crate::java::scan(&text, handler_here),
            Language::Go => crate::go::scan(&text, handler_here),
        };
        for (i, func) in &here {
            match func {
                Some(func) => {
                    let line = if handler_here == Some(func.as_str()) {
                        scan.handler_line
                    } else {
                        // Another handler in the same file (Zappa events naming two functions
                        // of one module).
                        match lang {
                            Language::Python => crate::python::scan(&text, Some(func)).handler_line,
                            Language::JavaScript => {
                                crate::javascript::scan_as(
                                    &text,
                                    Some(func),
                                    path.extension().is_some_and(|e| e == "ts" || e == "mts"),
                                )
                                .handler_line
                            }
                            Language::Java => crate::java::scan(&text, Some(func)).handler_line,
                            Language::Go => crate::go::scan(&text, Some(func)).handler_line,
                        }
                    };
                    if line.is_none() {
                        problems.push(format!("`{func}` is not defined in {r}"));
                    }
                    if *i == 0 && facts.handler.is_none() {
                        facts.handler = Some(match line {
                            Some((l, c)) => Location::new(r.clone(), l, c),
                            None => Location::new(r.clone(), 0, 0),
                        });
                    }
                    handlers.push((r.clone(), func.clone()));
                }
                None => web_app = true,
            }
        }
        facts.env_reads.extend(crate::env::env_reads(&text));
        facts.files.push(r.clone());
        let dir = path.parent().unwrap_or(code_dir).to_path_buf();
        let mut resolved = Vec::new();
        let mut outside = Vec::new();
        for import in &scan.imports {
            // A Go import of the module's own packages is every file of that directory.
            if lang == Language::Go {
                if let Some((module, mod_dir)) = &go_mod {
                    let sub = if import == module {
                        Some("")
                    } else {
                        import.strip_prefix(&format!("{module}/"))
                    };
                    if let Some(sub) = sub {
                        for p in go_files(&mod_dir.join(sub)) {
                            resolved.push((import.clone(), rel(root, &p)));
                            queue.push(p);
                        }
                    }
                }
                continue;
            }
            if let Some(p) = resolve_import(code_dir, &dir, import, lang) {
                resolved.push((import.clone(), rel(root, &p)));
                queue.push(p);
            } else if !import.starts_with('.') && lang != Language::Java {
                // `from lib import name` is also recorded as `lib.name`: only a module whose
                // top level is not in the package is outside it.
                let top = import.split('.').next().unwrap_or(import);
                if resolve_import(code_dir, &dir, top, lang).is_none() {
                    outside.push(import.clone());
                }
            }
        }
        // A Java file that hands requests to a web framework's Lambda adapter serves the
        // application's routes, which component scanning finds rather than imports.
        if lang == Language::Java
            && scan.imports.iter().any(|i| {
                JAVA_ADAPTERS
                    .iter()
                    .any(|a| i.strip_prefix(*a).is_some_and(|r| r.starts_with('.')))
            })
        {
            web_app = true;
            queue.extend(java_sources(code_dir, MAX_JAVA_FILES));
        }
        outside.extend(scan.packages.iter().cloned());
        for why in crate::outside::not_followed(root, lang, &outside) {
            if !facts.not_followed.contains(&why) {
                facts.not_followed.push(why);
            }
        }
        let ts = path
            .extension()
            .is_some_and(|e| e == "ts" || e == "mts" || e == "tsx");
        scanned.push(Scanned {
            rel: r.clone(),
            dir,
            handler: handler_here.map(str::to_string),
            scan,
        });
        sources.push((r, text, ts, resolved));
    }
    // SDK objects created in one module and used in another (`from db import table`,
    // `const { s3 } = require('./clients')`): rescan the importing files knowing them.
    let exported: crate::HashMap<String, Vec<(String, String)>> = scanned
        .iter()
        .map(|f| (f.rel.clone(), f.scan.exported.clone()))
        .collect();
    for (i, f) in scanned.iter_mut().enumerate() {
        let mut seeds: Vec<(String, String)> = Vec::new();
        for (local, spec, name) in &f.scan.bindings {
            // `from lib import db` may name a module; `import * as db`/`require()` a namespace.
            let whole = match lang {
                Language::Java | Language::Go => None,
                Language::Python => {
                    resolve_import(code_dir, &f.dir, &format!("{spec}.{name}"), lang)
                        .map(|p| (p, "*".to_string()))
                }
                Language::JavaScript => None,
            };
            let target = whole.or_else(|| {
                resolve_import(code_dir, &f.dir, spec, lang).map(|p| (p, name.clone()))
            });
            let Some((path, name)) = target else { continue };
            let Some(list) = exported.get(&rel(root, &path)) else {
                continue;
            };
            for (e, enc) in list {
                if name == "*" {
                    seeds.push((format!("{local}.{e}"), enc.clone()));
                } else if *e == name {
                    seeds.push((local.clone(), enc.clone()));
                } else if *e == format!("{name}()") {
                    seeds.push((format!("{local}()"), enc.clone()));
                }
            }
        }
        if seeds.is_empty() {
            continue;
        }
        let (_, text, ts, _) = &sources[i];
        f.scan = match lang {
            Language::Java | Language::Go => continue,
            Language::Python => crate::python::scan_with(text, f.handler.as_deref(), &seeds),
            Language::JavaScript => {
                crate::javascript::scan_with(text, f.handler.as_deref(), *ts, &seeds)
            }
        };
    }
    for f in &scanned {
        for (field, prefixes, suffix, only, line, col) in &f.scan.key_filters {
            facts.key_filters.push(fnguard_model::KeyFilter {
                field: field.clone(),
                prefixes: prefixes.clone(),
                suffix: *suffix,
                only: *only,
                location: Location::new(f.rel.clone(), *line, *col),
            });
        }
        for c in &f.scan.calls {
            facts.calls.push(fnguard_model::SdkCall {
                action: c.action.clone(),
                location: Location::new(f.rel.clone(), c.line, c.col),
                resource_env: c.target.clone(),
                written_keys: c.keys.clone(),
                // Decided once the taint analysis has seen what the entry points reach.
                reachable: true,
                event_data: Vec::new(),
            });
        }
        facts.complete &= !f.scan.dynamic;
    }
    facts.complete &= facts.not_followed.is_empty();
    if !problems.is_empty() {
        facts.unresolved = Some(problems.join("; "));
    }
    let plan = crate::taint::Plan {
        handlers,
        routes: web_app,
        django,
    };
    let outcome = crate::taint::analyze_stored(&sources, lang, &plan, catalog, stored);
    // By position: a module of thousands of helpers each making a call that carries event data
    // made a search of the list for each call quadratic.
    let mut carrying: HashMap<&(FileName, u32, u32), &Vec<fnguard_model::FlowStep>> =
        HashMap::with_capacity_and_hasher(outcome.carrying.len(), Default::default());
    for (at, path) in &outcome.carrying {
        carrying.entry(at).or_insert(path);
    }
    for c in &mut facts.calls {
        let at = (c.location.file.clone(), c.location.line, c.location.column);
        if let Some(path) = carrying.get(&at) {
            c.event_data = (*path).clone();
        }
    }
    // An entry point that was not found proves nothing unreachable: every call may run.
    if facts.unresolved.is_none() {
        for c in &mut facts.calls {
            c.reachable =
                outcome
                    .reach
                    .reachable(&c.location.file, c.location.line, c.location.column);
        }
    }
    facts.findings = outcome.findings;
    // Configuration shipped in the code package is scanned for credentials too (FG509).
    if let Ok(entries) = std::fs::read_dir(code_dir) {
        let mut configs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n == ".env"
                            || (n.starts_with(".env.")
                                && !n.ends_with(".example")
                                && !n.ends_with(".sample")
                                && !n.ends_with(".template"))
                            || matches!(
                                n,
                                "config.json"
                                    | "settings.json"
                                    | "secrets.json"
                                    | "config.yaml"
                                    | "config.yml"
                                    | "credentials.json"
                            )
                    })
            })
            .collect();
        configs.sort();
        for p in configs {
            if let Some(text) = read(&p) {
                facts
                    .findings
                    .extend(crate::taint::secrets::scan(&rel(root, &p), &text));
            }
        }
    }
    facts.env_reads.sort();
    facts.env_reads.dedup();
    facts
        .calls
        .sort_by(|a, b| (&a.action, &a.location).cmp(&(&b.action, &b.location)));
    facts
}

/// One file read for a function, with what its scan found.
struct Scanned {
    rel: String,
    dir: PathBuf,
    /// The handler defined in it, when it is an entry file.
    handler: Option<String>,
    scan: FileScan,
}

/// `ROOT_URLCONF = "mysite.urls"` in a Django settings module.
fn django_urlconf(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix("ROOT_URLCONF")?;
        let value = rest.trim_start().strip_prefix('=')?.trim();
        let q = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &value[1..];
        Some(inner[..inner.find(q)?].to_string())
    })
}

/// The code directory as a user recognises it (`.` for the scanned root itself).
fn dir_label(root: &Path, dir: &Path) -> String {
    let r = rel(root, dir);
    if r.is_empty() || r == "." {
        "the scanned directory".to_string()
    } else {
        r
    }
}

fn read(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

fn resolve_import(
    code_dir: &Path,
    from_dir: &Path,
    import: &str,
    lang: Language,
) -> Option<PathBuf> {
    match lang {
        Language::Python => {
            let (base, module) = match import.strip_prefix('.') {
                Some(rest) => (from_dir, rest.trim_start_matches('.')),
                None => (code_dir, import),
            };
            let path = module.replace('.', "/");
            [
                base.join(format!("{path}.py")),
                base.join(&path).join("__init__.py"),
            ]
            .into_iter()
            .find(|p| p.is_file())
        }
        Language::JavaScript => {
            if !import.starts_with('.') {
                return None;
            }
            let base = from_dir.join(import);
            let mut options = vec![base.clone()];
            for ext in ["js", "mjs", "cjs", "ts", "mts"] {
                options.push(PathBuf::from(format!("{}.{ext}", base.display())));
                options.push(base.join(format!("index.{ext}")));
            }
            options.into_iter().find(|p| p.is_file())
        }
        Language::Java => candidates(code_dir, import, lang)
            .into_iter()
            .find(|p| p.is_file()),
        Language::Go => None,
    }
}

fn rel(root: &Path, p: &Path) -> String {
    let p = clean(p);
    p.strip_prefix(root)
        .unwrap_or(&p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// `src/./db.js`, `src/lib/../db.js` as the user writes them: `src/db.js`.
fn clean(p: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if clean.file_name().is_some() => {
                clean.pop();
            }
            other => clean.push(other.as_os_str()),
        }
    }
    clean
}

/// The nodes of `tree` whose kind is one of `kinds`, in document order (as [`preorder`] finds
/// them), each given to `visit` as it is found. A scan that passes over a tree twice reads only
/// these the second time instead of walking every node again (a walk was a third of a handler
/// scan's time).
pub(crate) fn preorder_of_kinds<'t>(
    tree: &'t tree_sitter::Tree,
    kinds: &[&str],
    mut visit: impl FnMut(tree_sitter::Node<'t>),
) -> Vec<tree_sitter::Node<'t>> {
    use fnguard_syntax::NodeExt;
    let mut found = Vec::new();
    preorder(tree, |node| {
        if kinds.contains(&node.kind_name()) {
            found.push(node);
            visit(node);
        }
    });
    found
}

/// Visit every node in document order without recursion (so deep input cannot overflow the
/// stack); nesting beyond 200 levels is not descended into.
pub(crate) fn preorder<'t>(
    tree: &'t tree_sitter::Tree,
    mut visit: impl FnMut(tree_sitter::Node<'t>),
) {
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        visit(cursor.node());
        if depth < 200 && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            depth = depth.saturating_sub(1);
        }
    }
}
