use fnguard_model::{CodeFacts, Location};
use std::path::{Path, PathBuf};

const MAX_FILES: usize = 64;
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    JavaScript,
}

impl Language {
    pub fn of_runtime(runtime: Option<&str>) -> Option<Language> {
        let r = runtime?;
        if r.starts_with("python") {
            Some(Language::Python)
        } else if r.starts_with("nodejs") {
            Some(Language::JavaScript)
        } else {
            None
        }
    }
}

/// One file's findings before they are merged.
pub(crate) struct FileScan {
    pub calls: Vec<(String, u32, u32)>,
    pub dynamic: bool,
    /// Local modules it imports, as written (`./db`, `lib.db`, `.db`).
    pub imports: Vec<String>,
    /// Line of the handler function's definition, when asked for and found.
    pub handler_line: Option<(u32, u32)>,
}

fn candidates(code_dir: &Path, module: &str, lang: Language) -> Vec<PathBuf> {
    match lang {
        Language::Python => vec![code_dir.join(format!("{}.py", module.replace('.', "/")))],
        Language::JavaScript => ["js", "mjs", "cjs", "ts", "mts"]
            .iter()
            .map(|ext| code_dir.join(format!("{module}.{ext}")))
            .collect(),
    }
}

/// Resolve `handler` (`app.lambda_handler`, `src/handlers/api.main`, `index.handler`) inside
/// `code_dir` and analyse the file and the local modules it imports.
pub fn analyze_function(root: &Path, code_dir: &Path, handler: &str, lang: Language) -> CodeFacts {
    analyze_function_with(
        root,
        code_dir,
        handler,
        lang,
        crate::taint::default_catalog(),
    )
}

/// As [`analyze_function`], with a taint catalog that may include the user's entries.
pub fn analyze_function_with(
    root: &Path,
    code_dir: &Path,
    handler: &str,
    lang: Language,
    catalog: &crate::taint::catalog::Catalog,
) -> CodeFacts {
    let mut facts = CodeFacts {
        complete: true,
        ..CodeFacts::default()
    };
    let Some((module, func)) = handler.rsplit_once('.') else {
        facts.unresolved = Some(format!("handler `{handler}` has no module part"));
        facts.complete = false;
        return facts;
    };
    let options = candidates(code_dir, module, lang);
    // A module under a directory that does not exist (`build/`, `dist/`) is produced at build
    // time: nothing to read, nothing to report.
    if options
        .first()
        .and_then(|p| p.parent())
        .is_some_and(|d| !d.is_dir())
    {
        facts.complete = false;
        return facts;
    }
    let Some(file) = options.into_iter().find(|p| p.is_file()) else {
        facts.unresolved = Some(format!(
            "no source file for `{module}` under {}",
            rel(root, code_dir)
        ));
        facts.complete = false;
        return facts;
    };
    let mut queue: Vec<PathBuf> = vec![file.clone()];
    let mut seen: Vec<PathBuf> = Vec::new();
    // (relative path, text, TypeScript, local imports resolved to relative paths)
    let mut sources: Vec<crate::taint::Source> = Vec::new();
    while let Some(path) = queue.pop() {
        let Ok(canonical) = path.canonicalize() else {
            continue;
        };
        if seen.contains(&canonical) || seen.len() >= MAX_FILES {
            continue;
        }
        seen.push(canonical.clone());
        let Some(text) = read(&canonical) else {
            continue;
        };
        let is_handler_file = path == file;
        let scan = match lang {
            Language::Python => crate::python::scan(&text, is_handler_file.then_some(func)),
            Language::JavaScript => {
                let ts = path
                    .extension()
                    .is_some_and(|e| e == "ts" || e == "mts" || e == "tsx");
                crate::javascript::scan_as(&text, is_handler_file.then_some(func), ts)
            }
        };
        let r = rel(root, &path);
        if is_handler_file {
            facts.handler = Some(match scan.handler_line {
                Some((l, c)) => Location::new(r.clone(), l, c),
                None => Location::new(r.clone(), 0, 0),
            });
            if scan.handler_line.is_none() {
                facts.unresolved = Some(format!("`{func}` is not defined in {r}"));
            }
        }
        for (action, line, col) in scan.calls {
            facts.calls.push(fnguard_model::SdkCall {
                action,
                location: Location::new(r.clone(), line, col),
            });
        }
        facts.complete &= !scan.dynamic;
        facts.env_reads.extend(crate::env::env_reads(&text));
        facts.files.push(r);
        let dir = path.parent().unwrap_or(code_dir);
        let mut resolved = Vec::new();
        for import in scan.imports {
            if let Some(p) = resolve_import(code_dir, dir, &import, lang) {
                resolved.push((import.clone(), rel(root, &p)));
                queue.push(p);
            }
        }
        let ts = path
            .extension()
            .is_some_and(|e| e == "ts" || e == "mts" || e == "tsx");
        sources.push((rel(root, &path), text, ts, resolved));
    }
    facts.findings = crate::taint::analyze(&sources, lang, func, catalog);
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
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
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
