//! Taint analysis of handler code (FG501–FG516, FG901): the IR, its lowering from Python and
//! JavaScript/TypeScript, the catalog and the engine.

pub mod catalog;
pub mod engine;
pub mod ir;
pub(crate) mod kept;
pub mod lower_go;
pub mod lower_java;
pub mod lower_js;
pub mod lower_python;
pub mod secrets;
mod syntax;
pub mod values;

use catalog::Catalog;
use fnguard_model::CodeFinding;

static INSTALLED: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();

/// The catalog in use: the built-in one, or the one installed with the user's entries.
pub fn default_catalog() -> &'static Catalog {
    INSTALLED.get_or_init(Catalog::builtin)
}

/// Installs the built-in catalog extended with a user's file (`[code] catalog` in fnguard.toml),
/// before any analysis runs. Returns the parse error with its line.
pub fn install_user_catalog(file: &str, text: &str) -> Result<(), catalog::CatalogError> {
    let c = Catalog::with_user(file, text)?;
    INSTALLED.set(c).map_err(|_| catalog::CatalogError {
        file: file.to_string(),
        message: "a catalog is already in use".to_string(),
    })
}

/// Runs the taint analysis of a handler over the files it reaches. `sources[0]` is the handler's
/// file; each entry is (path relative to the root, text, TypeScript, local imports as written
/// mapped to the relative path of the file they resolve to).
/// One file a handler reaches: path relative to the root, text, whether it is TypeScript, and its
/// local imports as written mapped to the relative path of the file each resolves to.
pub type Source = (String, String, bool, Vec<(String, String)>);

/// Which entry points to run: handler functions (file relative to the root, function name),
/// and whether the files hold a web application whose routes (or Django views) are entry points.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub handlers: Vec<(String, String)>,
    pub routes: bool,
    pub django: bool,
}

/// Modules that turn a web application into a Lambda handler: a handler in a file that imports
/// one of them serves that application's routes.
const WEB_ADAPTERS: &[&str] = &[
    "mangum",
    "serverless_wsgi",
    "awsgi",
    "aws_wsgi",
    "apig_wsgi",
    "asgi_lambda",
    "serverless-http",
    "@vendia/serverless-express",
    "@codegenie/serverless-express",
    "aws-serverless-express",
    "@fastify/aws-lambda",
    "aws-lambda-fastify",
    "hono/aws-lambda",
    "@h4ad/serverless-adapter",
    "lambda-api",
    // Java: aws-serverless-java-container, Spring Cloud Function, Micronaut, Quarkus.
    "com.amazonaws.serverless.proxy",
    "org.springframework.cloud.function.adapter.aws",
    "io.micronaut.function.aws",
    "io.quarkus.amazon.lambda",
];

fn imports_adapter(module: &ir::Module) -> bool {
    module.imported.iter().any(|m| {
        WEB_ADAPTERS.iter().any(|a| {
            crate::is_dotted_under(m, a) || m.strip_prefix(*a).is_some_and(|r| r.starts_with('/'))
        })
    })
}

/// What the entry points reach: every function definition of the files read (file, start,
/// end) and those whose bodies ran.
#[derive(Debug, Default)]
pub struct Reach {
    defs: crate::HashMap<String, Vec<(ir::Pos, ir::Pos)>>,
    visited: crate::HashSet<(String, ir::Pos)>,
}

impl Reach {
    /// Whether code at `line:col` of `file` runs from the entry points: it is at module level
    /// (run on import), or a function around it was entered.
    pub fn reachable(&self, file: &str, line: u32, col: u32) -> bool {
        let at = ir::Pos { line, col };
        let Some(defs) = self.defs.get(file) else {
            // Not a file the analysis read: nothing proves it runs.
            return false;
        };
        // Code at module level runs on import. Inside functions: the innermost was entered, or
        // it is a closure or local helper of a function that was (`send = _fifo if f else
        // _standard; send()` calls it through a value the analysis does not follow).
        let mut around = defs.iter().filter(|(s, e)| *s <= at && at < *e).peekable();
        if around.peek().is_none() {
            return true;
        }
        around.any(|(start, _)| self.visited.contains(&(file.to_string(), *start)))
    }
}

/// The taint findings and what the entry points reach.
pub struct Outcome {
    pub findings: Vec<CodeFinding>,
    pub reach: Reach,
    /// Calls whose arguments carry event data: (file, line, column) -> the path to them.
    pub carrying: Vec<(
        (fnguard_model::FileName, u32, u32),
        Vec<fnguard_model::FlowStep>,
    )>,
}

/// Second-order sources: what other functions of the application stored from their events.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// Calls (file, line, column) whose result is such data, with where it came from.
    pub reads: Vec<((fnguard_model::FileName, u32, u32), Origin)>,
    /// The handler's event is such data (a queue or stream another function writes).
    pub event: Option<Origin>,
}

/// Where second-order data came from: a description, and the writing function's path from its
/// own event to the write (prepended to the findings' paths).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub note: String,
    pub hop: Vec<fnguard_model::FlowStep>,
}

pub fn analyze(
    sources: &[Source],
    lang: crate::Language,
    plan: &Plan,
    catalog: &Catalog,
) -> Vec<CodeFinding> {
    analyze_reach(sources, lang, plan, catalog).findings
}

/// As [`analyze`], with what the entry points reach.
pub fn analyze_reach(
    sources: &[Source],
    lang: crate::Language,
    plan: &Plan,
    catalog: &Catalog,
) -> Outcome {
    analyze_stored(sources, lang, plan, catalog, &Stored::default())
}

/// As [`analyze_reach`], with second-order sources.
pub fn analyze_stored(
    sources: &[Source],
    lang: crate::Language,
    plan: &Plan,
    catalog: &Catalog,
    stored: &Stored,
) -> Outcome {
    let mut analyzer = engine::Analyzer::new(catalog);
    analyzer.event_origin = stored.event.as_ref().map(|o| o.note.clone());
    let mut adapter_files: Vec<String> = Vec::new();
    let mut lowered: Vec<(String, ir::Module, String)> = Vec::new();
    for (rel, text, ts, resolved) in sources.iter() {
        let module = match lang {
            crate::Language::Python => lower_python::lower(text),
            crate::Language::JavaScript => lower_js::lower(text, *ts),
            crate::Language::Java => kept::take(lang, text).or_else(|| lower_java::lower(text)),
            crate::Language::Go => kept::take(lang, text).or_else(|| lower_go::lower(text)),
        };
        let Some(mut module) = module else { continue };
        if module.lang.is_empty() {
            module.lang = lang.name();
        }
        if imports_adapter(&module) {
            adapter_files.push(rel.clone());
        }
        let mut extra = Vec::new();
        for (_, spec, name) in module.local_imports.iter_mut() {
            let written = spec.clone();
            let full = name.as_ref().map(|n| format!("{written}.{n}"));
            if let Some((_, path)) = resolved
                .iter()
                .find(|(w, _)| *w == written || Some(w) == full.as_ref())
            {
                // `from pkg import mod` imports a module, not a function: calls are `mod.f()`.
                if Some(&resolved_written(resolved, path)) == full.as_ref() {
                    *name = None;
                }
                *spec = path.clone();
                // Callees are written with import aliases resolved (`helpers.run`,
                // `./helpers.run`): bind those forms too.
                for base in [written.as_str(), written.trim_start_matches('.')] {
                    let binding = match name {
                        Some(n) => format!("{base}.{n}"),
                        None => base.to_string(),
                    };
                    extra.push((binding, path.clone(), name.clone()));
                }
            }
        }
        // A Go package is every file of its directory: an import binds all of them.
        if lang == crate::Language::Go {
            for (w, path) in resolved {
                extra.push((w.clone(), path.clone(), None));
            }
        }
        module.local_imports.extend(extra);
        lowered.push((rel.clone(), module, text.clone()));
    }
    if lang == crate::Language::Go {
        go_package_siblings(&mut lowered);
    }
    for (rel, module, text) in lowered {
        analyzer.add_file(rel, module, text);
    }
    for ((file, line, col), origin) in &stored.reads {
        if let Some(id) = analyzer.file_id(file) {
            let pos = ir::Pos {
                line: *line,
                col: *col,
            };
            analyzer.stored_reads.insert((id, pos), origin.note.clone());
        }
    }
    let mut routes = plan.routes;
    for (file, name) in &plan.handlers {
        let Some(id) = analyzer.file_id(file) else {
            continue;
        };
        // A handler that is not a function (`handler = Mangum(app)`, `exports.handler =
        // serverless(app)`), or one in a file that imports a web adapter, serves the routes.
        if !analyzer.run_handler(id, name) || adapter_files.contains(file) {
            routes = true;
        }
    }
    if routes {
        analyzer.run_routes();
    }
    if plan.django {
        analyzer.run_views();
    }
    let mut reach = Reach::default();
    for (i, rel, module) in analyzer.modules() {
        let defs = reach.defs.entry(rel.to_string()).or_default();
        ir::each_function(module, &mut |d| defs.push((d.pos, d.end)));
        for (file, pos) in &analyzer.visited {
            if *file == i {
                reach.visited.insert((rel.to_string(), *pos));
            }
        }
    }
    // Methods are called through objects the analysis does not type (`client.getEmailAsset()`
    // on `new S3Client()`), and module-level code is not run as a function: a method or
    // function runs when reached code calls one of that name, and then so does what it calls
    // and the callbacks it defines.
    let mut called = analyzer.called.clone();
    // Functions called by plain name (or through a local module's binding) from module-level
    // code, which runs on import (`KEY = get_key(...)`).
    let mut called_functions: crate::HashSet<String> = Default::default();
    let plain_callee = |module: &ir::Module, callee: &str| -> Option<String> {
        match callee.split_once('.') {
            None => Some(callee.to_string()),
            Some((first, rest))
                if module
                    .local_imports
                    .iter()
                    .any(|(b, _, _)| b == first || b == callee) =>
            {
                Some(rest.rsplit('.').next().unwrap_or(rest).to_string())
            }
            Some(_) => None,
        }
    };
    for (_, _, module) in analyzer.modules() {
        ir::visit_body(&module.top, &mut |_| {}, &mut |c| {
            called_functions.extend(plain_callee(module, &c.callee));
        });
    }
    loop {
        let mut grew = false;
        for (_, rel, module) in analyzer.modules() {
            let methods = module.methods.iter().map(|m| (m, true));
            let functions = module.functions.iter().map(|f| (f, false));
            for (m, is_method) in methods.chain(functions) {
                let reached = if module.accessed.contains(&m.pos) {
                    true
                } else if is_method {
                    let (class, short) = m.name.rsplit_once('.').unwrap_or(("", &m.name));
                    // A constructor runs when the class is instantiated (`new S3Client()`).
                    let key = if matches!(short, "constructor" | "__init__") {
                        class
                    } else {
                        short
                    };
                    called.contains(key)
                } else {
                    called_functions.contains(&m.name)
                };
                if !reached || !reach.visited.insert((rel.to_string(), m.pos)) {
                    continue;
                }
                grew = true;
                let mut nested = Vec::new();
                ir::visit_body(&m.body, &mut |d| nested.push(d.pos), &mut |c| {
                    if let Some(last) = c.callee.rsplit('.').next() {
                        called.insert(last.to_string());
                    }
                    called_functions.extend(plain_callee(module, &c.callee));
                });
                for pos in nested {
                    reach.visited.insert((rel.to_string(), pos));
                }
            }
        }
        if !grew {
            break;
        }
    }
    let files: Vec<fnguard_model::FileName> = analyzer
        .modules()
        .map(|(_, rel, _)| fnguard_model::FileName::from(rel.to_string()))
        .collect();
    let carrying = analyzer
        .carrying
        .iter()
        .map(|((file, pos), steps)| {
            let path = steps
                .iter()
                .map(|(f, p, note)| fnguard_model::FlowStep {
                    location: fnguard_model::Location::new(files[*f].clone(), p.line, p.col),
                    note: note.clone(),
                })
                .collect();
            ((files[*file].clone(), pos.line, pos.col), path)
        })
        .collect();
    let mut findings = analyzer.findings;
    // A write under /tmp decided by the event is reported as persistence (FG901), not also as
    // path traversal.
    let tmp: Vec<fnguard_model::Location> = findings
        .iter()
        .filter(|f| f.rule == "FG901")
        .map(|f| f.location.clone())
        .collect();
    findings.retain(|f| f.rule != "FG506" || !tmp.contains(&f.location));
    for (rel, text, _, _) in sources {
        findings.extend(secrets::scan(rel, text));
        findings.extend(powertools_event_logging(rel, text));
    }
    // A second-order finding's path starts in the function that stored the data.
    for f in &mut findings {
        let Some(first) = f.path.first() else {
            continue;
        };
        let origin = stored
            .reads
            .iter()
            .map(|(_, o)| o)
            .chain(stored.event.iter())
            .find(|o| first.note == o.note || first.note.ends_with(&o.note));
        if let Some(o) = origin {
            let mut path = o.hop.clone();
            path.append(&mut f.path);
            f.path = path;
        }
    }
    findings.sort_by(|a, b| (&a.location, &a.rule).cmp(&(&b.location, &b.rule)));
    findings.dedup();
    Outcome {
        findings,
        reach,
        carrying,
    }
}

/// FG511: Powertools told to log every incoming event (`@logger.inject_lambda_context(log_event=
/// True)`, `injectLambdaContext(logger, { logEvent: true })`, Java's `@Logging(logEvent = true)`).
fn powertools_event_logging(rel: &str, text: &str) -> Vec<CodeFinding> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(col) = line
            .find("inject_lambda_context")
            .or_else(|| line.find("injectLambdaContext"))
            // Powertools for Java: `@Logging(logEvent = true)`.
            .or_else(|| line.find("@Logging("))
        else {
            continue;
        };
        // The options may continue on the next lines of the call.
        let call: String = lines[i..lines.len().min(i + 4)].join(" ");
        let compact: String = call.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.contains("log_event=True")
            || compact.contains("logEvent:true")
            || compact.contains("logEvent=true")
        {
            let at = fnguard_model::Location::new(rel, i as u32 + 1, col as u32 + 1);
            out.push(CodeFinding {
                rule: "FG511".into(),
                sink: line.trim().chars().take(80).collect(),
                location: at.clone(),
                path: vec![fnguard_model::FlowStep {
                    location: at,
                    note: "Powertools logs every incoming event".into(),
                }],
                detail: "the whole event is written to the logs by Powertools (log_event)".into(),
                event_fields: Vec::new(),
            });
        }
    }
    out
}

/// Functions of the other files of a Go package are called by plain name: each file binds
/// them to the file that defines them.
fn go_package_siblings(lowered: &mut [(String, ir::Module, String)]) {
    let dir_of = |rel: &str| {
        rel.rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default()
    };
    let defs: Vec<(String, String, Vec<String>)> = lowered
        .iter()
        .map(|(rel, m, _)| {
            (
                dir_of(rel),
                rel.clone(),
                m.functions
                    .iter()
                    .map(|f| f.name.clone())
                    .filter(|n| n != lower_go::ENTRY)
                    .collect(),
            )
        })
        .collect();
    for (rel, module, _) in lowered.iter_mut() {
        let dir = dir_of(rel);
        for (d, other, names) in &defs {
            if *d != dir || other == rel {
                continue;
            }
            for n in names {
                if module.functions.iter().any(|f| f.name == *n) {
                    continue;
                }
                module
                    .local_imports
                    .push((n.clone(), other.clone(), Some(n.clone())));
            }
        }
    }
}

fn resolved_written(resolved: &[(String, String)], path: &str) -> String {
    resolved
        .iter()
        .find(|(_, p)| p == path)
        .map(|(w, _)| w.clone())
        .unwrap_or_default()
}
