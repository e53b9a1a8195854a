//! Handler code analysis: find each function's handler file and the AWS SDK calls it (and the
//! local modules it imports) makes, as IAM actions. Python (boto3 clients, resources, DynamoDB
//! tables, paginators) and JavaScript/TypeScript (AWS SDK v3 commands and aggregated clients,
//! `lib-dynamodb`, SDK v2 clients and `DocumentClient`).

mod env;
mod env_trace;
mod go;
mod handler;
mod java;
mod javascript;
mod keys;
mod outside;
mod parse;

mod mapping;
mod python;
mod second_order;
pub mod taint;

/// Maps and sets keyed by names and positions, hashed with foldhash: std's SipHash was 2 % of
/// a scan of serverless-patterns, in every analysis of this crate. Seeded per process as std's
/// is, so iteration order stays as unspecified as it was.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

pub use handler::{analyze_entries, analyze_function, Entry, Language};
pub use mapping::{action_for, service_prefix};
pub use outside::index_repository_files;

use fnguard_model::{Function, Project, ScanError};
use std::path::{Path, PathBuf};

/// Run the code analysis for every function whose code is in the tree, adding the facts to the
/// model; functions whose code is not found get `code_missing`. Roles whose policy a tool
/// generates from code (Chalice's `autogen_policy`) get that policy. `root` is the directory
/// paths in the projects are relative to.
pub fn analyze_projects(root: &Path, projects: &mut [Project]) {
    use rayon::prelude::*;
    // Functions are independent and parsing dominates a scan, so they are spread over cores.
    // Functions deployed from the same code with the same handler (one per event filter, per
    // stage, per tenant) share one analysis.
    let shared = SharedAnalyses::default();
    projects
        .par_iter_mut()
        .flat_map(|p| p.functions.par_iter_mut())
        .for_each(|f| analyze_one(root, f, &taint::Stored::default(), Some(&shared)));
    // Second-order flows: a function that reads a store (or is triggered by it) another function
    // writes its event data to is analysed again with that data as a source.
    // Projects are independent here: a thousand of them were a serial tail after the parallel
    // analysis.
    projects.par_iter_mut().for_each(|p| {
        let stored = second_order::sources(p);
        p.functions
            .par_iter_mut()
            .filter_map(|f| stored.get(&f.id).map(|s| (f, s)))
            .for_each(|(f, s)| analyze_one(root, f, s, None));
        autogen_policies(root, p);
        for f in &mut p.functions {
            extension_calls(f);
        }
    });
}

/// AWS's own Lambda extensions (layers) that call AWS APIs with the function's role when the
/// code asks them over localhost, by the layer name in their ARN: `(name, actions)`.
const EXTENSION_LAYERS: &[(&str, &[&str])] = &[
    (
        "AWS-Parameters-and-Secrets-Lambda-Extension",
        &["ssm:GetParameter", "secretsmanager:GetSecretValue"],
    ),
    (
        "AWS-AppConfig-Extension",
        &[
            "appconfig:StartConfigurationSession",
            "appconfig:GetLatestConfiguration",
        ],
    ),
];

/// The calls an AWS extension layer of the function may make. They count as uses of the
/// role's permissions (the code reaches them through localhost, which is not an SDK call fnguard
/// sees), but never as calls the role must allow: they are not marked reachable.
fn extension_calls(f: &mut Function) {
    let Some(code) = f.code.as_mut() else { return };
    for layer in &f.layers {
        let Some(arn) = layer.value.as_str() else {
            continue;
        };
        let name = arn.split(':').nth(6).unwrap_or_default();
        for (ext, actions) in EXTENSION_LAYERS {
            if name != *ext {
                continue;
            }
            for a in *actions {
                if code.calls.iter().any(|c| c.action == *a) {
                    continue;
                }
                code.calls.push(fnguard_model::SdkCall {
                    action: (*a).to_string(),
                    location: layer.location.clone(),
                    reachable: false,
                    ..Default::default()
                });
            }
        }
    }
}

/// Builds and publishing tools write code where the descriptor points; the sources sit beside.
const BUILD_DIRS: &[&str] = &[
    ".aws-sam/build",
    ".build",
    ".webpack/service",
    ".esbuild/.build",
    "dist",
    "build",
    "out",
    "lib",
    "bin",
];

/// The analysis of each code directory, entry points and language, done once.
type SharedAnalyses = std::sync::Mutex<
    crate::HashMap<
        (std::path::PathBuf, Vec<Entry>, Language),
        std::sync::Arc<std::sync::OnceLock<fnguard_model::CodeFacts>>,
    >,
>;

fn analyze_one(
    root: &Path,
    f: &mut Function,
    stored: &taint::Stored,
    shared: Option<&SharedAnalyses>,
) {
    if f.is_image {
        return;
    }
    let Some(code) = f.code_path.clone() else {
        return;
    };
    let dir = if code.is_empty() {
        root.to_path_buf()
    } else {
        root.join(&code)
    };
    // An OS-only runtime (`provided.al2023`) runs whatever binary the package builds: Go when
    // the code is Go.
    let lang = match Language::of_family(f.family()) {
        Some(l) => l,
        None if f.family() == Some("provided") && holds_go_code(&dir) => Language::Go,
        None => return,
    };
    if !dir.is_dir() {
        if f.code_missing.is_none() {
            f.code_missing = Some(format!(
                "its code directory `{code}` is not in the scanned tree"
            ));
        }
        return;
    }
    let mut entries: Vec<Entry> = Vec::new();
    let handler = f
        .handler
        .as_ref()
        .and_then(|h| h.value.as_str())
        .map(str::to_string);
    let mut web_adapter = f.web_app.clone().map(|w| Entry::WebApp {
        module: w.module,
        object: w.object,
    });
    if f.handler_generated_by.is_none() {
        if let Some(h) = &handler {
            if h.ends_with(".sh") || uses_web_adapter_layer(f) {
                // Lambda Web Adapter: the script starts an ordinary web server.
                if web_adapter.is_none() {
                    web_adapter = web_server_entry(&dir, h, lang);
                }
                if web_adapter.is_none() {
                    f.code_missing = Some(format!(
                        "the handler `{h}` starts a web server fnguard could not find the application of"
                    ));
                }
            } else {
                match source_handler(root, &dir, h, lang) {
                    Ok((h, origin)) => {
                        if let Some(o) = origin {
                            f.code_origin = Some(o);
                        }
                        entries.push(Entry::Handler(h));
                    }
                    Err(why) => {
                        f.code_missing = Some(why);
                        return;
                    }
                }
            }
        }
    }
    entries.extend(web_adapter);
    for d in &f.dispatched {
        if let Some(h) = d.value.as_str() {
            entries.push(Entry::Handler(h.to_string()));
        }
    }
    if entries.is_empty() {
        return;
    }
    let analyse = || {
        handler::analyze_entries_stored(
            root,
            &dir,
            &entries,
            lang,
            crate::taint::default_catalog(),
            stored,
        )
    };
    let slot = shared.and_then(|s| {
        let mut map = s.lock().ok()?;
        Some(
            map.entry((dir.clone(), entries.clone(), lang))
                .or_default()
                .clone(),
        )
    });
    let facts = match slot {
        Some(slot) => slot.get_or_init(analyse).clone(),
        None => analyse(),
    };
    f.code = Some(Box::new(facts));
}

/// Whether a code directory holds a Go program: a module file or Go sources in it or in a
/// directory just below it (`hello/main.go`).
fn holds_go_code(dir: &Path) -> bool {
    let has_go = |d: &Path| {
        d.join("go.mod").is_file()
            || std::fs::read_dir(d).is_ok_and(|es| {
                es.flatten()
                    .any(|e| e.path().extension().is_some_and(|x| x == "go"))
            })
    };
    if has_go(dir) {
        return true;
    }
    std::fs::read_dir(dir).is_ok_and(|es| {
        es.flatten()
            .take(200)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .any(|e| has_go(&e.path()))
    })
}

/// The handler as it can be read here: written in the tree, or under a build directory whose
/// sources are beside it (`dist/api.main` read from `src/api.ts`), with a note saying so.
fn source_handler(
    root: &Path,
    dir: &Path,
    handler: &str,
    lang: Language,
) -> Result<(String, Option<String>), String> {
    if matches!(lang, Language::Java | Language::Go) {
        return Ok((handler.to_string(), None));
    }
    let Some((module, func)) = handler.rsplit_once('.') else {
        return Ok((handler.to_string(), None));
    };
    let module_dir = |m: &str| -> PathBuf {
        match m.rsplit_once(if lang == Language::Python { '.' } else { '/' }) {
            Some((d, _)) if lang == Language::Python => dir.join(d.replace('.', "/")),
            Some((d, _)) => dir.join(d),
            None => dir.to_path_buf(),
        }
    };
    if module_dir(module).is_dir() {
        return Ok((handler.to_string(), None));
    }
    let path = if lang == Language::Python {
        module.replace('.', "/")
    } else {
        module.to_string()
    };
    for build in BUILD_DIRS {
        let Some(rest) = path.strip_prefix(&format!("{build}/")) else {
            continue;
        };
        for src in ["src", "", "source", "lib", "app"] {
            let candidate = if src.is_empty() {
                rest.to_string()
            } else {
                format!("{src}/{rest}")
            };
            let exists = match lang {
                Language::Python => dir.join(format!("{candidate}.py")).is_file(),
                Language::JavaScript => ["js", "mjs", "cjs", "ts", "mts"]
                    .iter()
                    .any(|e| dir.join(format!("{candidate}.{e}")).is_file()),
                Language::Java | Language::Go => false,
            };
            if exists {
                let written = if lang == Language::Python {
                    candidate.replace('/', ".")
                } else {
                    candidate.clone()
                };
                let shown = if src.is_empty() {
                    ".".to_string()
                } else {
                    src.to_string()
                };
                return Ok((
                    format!("{written}.{func}"),
                    Some(format!(
                        "the handler `{handler}` is in `{build}/`, a build output that is not in the tree; its source `{candidate}` under `{shown}` was read instead"
                    )),
                ));
            }
        }
    }
    let missing = module_dir(module);
    Err(format!(
        "the handler `{handler}` is under `{}`, which is not in the scanned tree (a build output?)",
        missing
            .strip_prefix(root)
            .unwrap_or(&missing)
            .to_string_lossy()
    ))
}

/// The AWS Lambda Web Adapter runs through an exec wrapper or its layer.
fn uses_web_adapter_layer(f: &Function) -> bool {
    f.layers.iter().any(|l| {
        l.value
            .as_str()
            .is_some_and(|a| a.contains("LambdaAdapterLayer"))
    }) || f
        .environment
        .iter()
        .any(|e| e.name == "AWS_LAMBDA_EXEC_WRAPPER" && e.value.as_str() == Some("/opt/bootstrap"))
}

/// The application a web-server start script (`run.sh`) or the conventional entry file serves.
fn web_server_entry(dir: &Path, handler: &str, lang: Language) -> Option<Entry> {
    let script = std::fs::read_to_string(dir.join(handler)).unwrap_or_default();
    for line in script
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
    {
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let base = w.rsplit('/').next().unwrap_or(w);
            // `uvicorn main:app`, `gunicorn app:app`, `node index.js`, `python app.py`
            if matches!(base, "uvicorn" | "gunicorn" | "hypercorn" | "daphne") {
                if let Some(target) = words[i + 1..]
                    .iter()
                    .find(|a| a.contains(':') && !a.starts_with('-'))
                {
                    let (module, object) = target.split_once(':')?;
                    return Some(Entry::WebApp {
                        module: module.to_string(),
                        object: object.to_string(),
                    });
                }
            }
            if matches!(base, "node" | "python" | "python3" | "bun" | "deno") {
                if let Some(file) = words[i + 1..].iter().find(|a| {
                    a.ends_with(".js")
                        || a.ends_with(".mjs")
                        || a.ends_with(".ts")
                        || a.ends_with(".py")
                }) {
                    let module = file.rsplit_once('.').map(|(m, _)| m).unwrap_or(file);
                    let module = module.trim_start_matches("./");
                    return Some(Entry::WebApp {
                        module: if lang == Language::Python {
                            module.replace('/', ".")
                        } else {
                            module.to_string()
                        },
                        object: "app".to_string(),
                    });
                }
            }
        }
    }
    let conventional: &[&str] = match lang {
        Language::Python => &["app", "main", "application", "server", "wsgi"],
        Language::JavaScript => &["index", "app", "server", "main", "src/index", "src/app"],
        Language::Java | Language::Go => &[],
    };
    conventional.iter().find_map(|m| {
        let exists = match lang {
            Language::Python => dir.join(format!("{m}.py")).is_file(),
            Language::JavaScript => ["js", "mjs", "cjs", "ts"]
                .iter()
                .any(|e| dir.join(format!("{m}.{e}")).is_file()),
            Language::Java | Language::Go => false,
        };
        exists.then(|| Entry::WebApp {
            module: m.to_string(),
            object: "app".to_string(),
        })
    })
}

/// Chalice's policy generator: one statement per service with the actions of the SDK calls in
/// the files it reads, on every resource (`chalice/policy.py`).
fn autogen_policies(root: &Path, project: &mut Project) {
    for role in &mut project.roles {
        let Some(autogen) = role.autogen.clone() else {
            continue;
        };
        let mut actions: Vec<String> = Vec::new();
        for file in &autogen.files {
            if let Ok(text) = std::fs::read_to_string(root.join(file)) {
                actions.extend(actions_in_source(Language::Python, &text, false));
            }
        }
        actions.sort();
        actions.dedup();
        let mut by_service: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for a in actions {
            let service = a.split(':').next().unwrap_or("").to_string();
            by_service.entry(service).or_default().push(a);
        }
        let statements = by_service
            .into_values()
            .map(|actions| fnguard_model::Statement {
                sid: None,
                effect: fnguard_model::Val::Known(fnguard_model::Effect::Allow),
                actions: actions.into_iter().map(fnguard_model::Val::Known).collect(),
                not_actions: Vec::new(),
                resources: vec![fnguard_model::Val::Known("*".to_string())],
                not_resources: Vec::new(),
                principals: None,
                not_principals: None,
                conditions: Vec::new(),
                location: autogen.location.clone(),
            });
        match role.inline_policies.first_mut() {
            Some(doc) => doc.statements.extend(statements),
            None => role.inline_policies.push(fnguard_model::PolicyDocument {
                statements: statements.collect(),
                location: autogen.location.clone(),
                ..Default::default()
            }),
        }
    }
}

/// The checks that need a function's code, for notices about functions whose code was not read.
const CODE_CHECKS: &str = "handler resolution (FG101), handler code (FG501-FG516, FG901), permissions the code needs (FG306, FG307) and packages shipped with the code (FG401, FG402)";

/// Input notices for functions whose code could not be analysed: which checks did not run.
pub fn input_notices(projects: &[Project]) -> Vec<ScanError> {
    let mut out = Vec::new();
    for p in projects {
        let mut unplaced: Vec<&str> = Vec::new();
        for f in &p.functions {
            let at = &f.location;
            let line = (at.line > 0).then_some(at.line);
            if let Some(why) = &f.code_missing {
                out.push(ScanError::warning(
                    &at.file,
                    line,
                    format!(
                        "the code of `{}` was not analysed: {why}. Not checked for it: {CODE_CHECKS}",
                        f.id
                    ),
                ));
            } else if f.code_path.is_none()
                && !f.is_image
                && Language::of_family(f.family()).is_some()
            {
                unplaced.push(&f.id);
            }
            if let Some(origin) = &f.code_origin {
                out.push(ScanError::warning(
                    &at.file,
                    line,
                    format!("`{}`: {origin}", f.id),
                ));
            }
        }
        if !unplaced.is_empty() {
            let names = unplaced
                .iter()
                .take(5)
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let more = if unplaced.len() > 5 {
                format!(" and {} more", unplaced.len() - 5)
            } else {
                String::new()
            };
            let why = if p.format == fnguard_model::SourceFormat::Live {
                "their deployed code was not downloaded (run `fnguard aws scan --with-code`)"
            } else {
                "the descriptor gives no local code location for them"
            };
            out.push(ScanError::warning(
                &p.path,
                None,
                format!(
                    "the code of {} function{} ({names}{more}) was not analysed: {why}. Not checked for them: {CODE_CHECKS}",
                    unplaced.len(),
                    if unplaced.len() == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    out
}

/// The IAM actions one source text's SDK calls need (for golden tests and fuzzing).
pub fn actions_in_source(lang: Language, text: &str, typescript: bool) -> Vec<String> {
    let scan = match lang {
        Language::Python => python::scan(text, None),
        Language::JavaScript => javascript::scan_as(text, None, typescript),
        Language::Java => java::scan(text, None),
        Language::Go => go::scan(text, None),
    };
    let mut out: Vec<String> = scan.calls.into_iter().map(|c| c.action).collect();
    out.sort();
    out.dedup();
    out
}

/// `name` is `prefix` or a dotted name under it (`os.path` under `os`), without building
/// `"{prefix}."` for each comparison (these run for every call of every handler).
pub(crate) fn is_dotted_under(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// `name` ends with `.{last}` (`boto3.client` ends with `.client`).
pub(crate) fn ends_with_dotted(name: &str, last: &str) -> bool {
    name.strip_suffix(last)
        .is_some_and(|head| head.ends_with('.'))
}

/// The repository's own sources with one of `extensions` (its examples and the test fixtures
/// of every crate), for tests that compare two ways of reading real code.
#[cfg(test)]
pub(crate) fn repository_sources(extensions: &[&str]) -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut todo = vec![root.join("examples")];
    if let Ok(crates) = std::fs::read_dir(root.join("crates")) {
        todo.extend(crates.flatten().map(|c| c.path().join("tests")));
    }
    let mut out = Vec::new();
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() && e.file_name() != "node_modules" {
                todo.push(path);
            } else if kind.is_file()
                && path
                    .extension()
                    .is_some_and(|x| extensions.iter().any(|w| x == *w))
            {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path, text));
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod dotted_tests {
    use super::*;

    #[test]
    fn dotted_names_are_compared_by_component() {
        assert!(is_dotted_under("os.path", "os"));
        assert!(is_dotted_under("os", "os"));
        assert!(!is_dotted_under("osx.path", "os"));
        assert!(!is_dotted_under("o", "os"));
        assert!(ends_with_dotted("urllib.parse.unquote", "unquote"));
        assert!(!ends_with_dotted("unquote", "unquote"));
        assert!(!ends_with_dotted("x.myunquote", "unquote"));
    }
}
