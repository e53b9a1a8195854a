//! What a Chalice app declares in Python: the decorators of `app.py` (and of the blueprints it
//! registers) become routes, event handlers and authorizers, read with tree-sitter without
//! running the code.

use crate::Diagnostic;
use fnguard_syntax::NodeExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tree_sitter::{Node, Parser};

/// Argument expressions are read this deep (nested lists, calls); beyond it a value is unknown.
const MAX_VALUE_DEPTH: usize = 16;
/// Blueprint modules followed from one app.
const MAX_BLUEPRINTS: usize = 64;

/// A Python value as far as a decorator argument can be read without running code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyVal {
    Str(String),
    Bool(bool),
    Int(i64),
    None,
    List(Vec<PyVal>),
    /// A call of a known constructor (`CognitoUserPoolAuthorizer(...)`, `Rate(5, unit=...)`).
    Call {
        callee: String,
        args: Vec<PyVal>,
        kwargs: Vec<(String, PyVal)>,
    },
    /// A name that does not resolve to a module-level literal (kept for authorizer functions).
    Name(String),
    /// Anything else, as written.
    Other(String),
}

impl PyVal {
    pub fn str(&self) -> Option<&str> {
        match self {
            PyVal::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn text(&self) -> String {
        match self {
            PyVal::Str(s) => format!("'{s}'"),
            PyVal::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            PyVal::Int(i) => i.to_string(),
            PyVal::None => "None".to_string(),
            PyVal::List(items) => format!(
                "[{}]",
                items.iter().map(PyVal::text).collect::<Vec<_>>().join(", ")
            ),
            PyVal::Call { callee, .. } => format!("{callee}(...)"),
            PyVal::Name(n) | PyVal::Other(n) => n.clone(),
        }
    }
}

/// One decorated function of the app or of a blueprint.
#[derive(Debug, Clone)]
pub(crate) struct Decorated {
    /// The decorator method (`route`, `on_s3_event`, `lambda_function`, `authorizer`, …).
    pub kind: String,
    pub args: Vec<PyVal>,
    pub kwargs: Vec<(String, PyVal)>,
    /// The Python function's name.
    pub function: String,
    /// The module that defines it, dotted from the app directory (`app`, `chalicelib.api`).
    pub module: String,
    /// File (relative to the scanned root), line and column of the decorator.
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// `register_blueprint(..., name_prefix=, url_prefix=)` of the blueprint it came through.
    pub name_prefix: String,
    pub url_prefix: String,
    /// Declared inside a loop: Chalice registers one function per iteration.
    pub in_loop: bool,
}

impl Decorated {
    pub fn kwarg(&self, name: &str) -> Option<&PyVal> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A keyword argument, or the positional argument at `index` (Chalice's signatures).
    pub fn arg(&self, name: &str, index: usize) -> Option<&PyVal> {
        self.kwarg(name).or_else(|| self.args.get(index))
    }
}

/// A module-level `X = SomeAuthorizer(...)` or literal, by name.
type Globals = HashMap<String, PyVal>;

#[derive(Debug, Default)]
pub(crate) struct ChaliceApp {
    /// `Chalice(app_name='x')`.
    pub app_name: Option<String>,
    /// The variable holding the app (`app`).
    pub app_var: Option<String>,
    pub decorated: Vec<Decorated>,
    /// `app.api.cors = True` (or a `CORSConfig`): the default of every route.
    pub default_cors: Option<PyVal>,
    /// Module-level values of each module read, for resolving names used as arguments.
    pub globals: HashMap<String, Globals>,
    /// Names each module imports from other modules: (local name, module, imported name).
    pub imports: HashMap<String, Vec<(String, String, Option<String>)>>,
    /// Every Python file read (relative to the scanned root).
    pub files: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn read_app(root: &Path, app_dir: &Path, max_bytes: u64) -> ChaliceApp {
    let mut app = ChaliceApp::default();
    let app_py = app_dir.join("app.py");
    let rel = crate::relative(root, &app_py);
    let text = match crate::read_text(&app_py, &rel, max_bytes) {
        Ok(t) => t,
        Err(mut d) => {
            d.message = format!("the Chalice app's code cannot be read: {}", d.message);
            app.diagnostics.push(d);
            return app;
        }
    };
    let mut reader = Reader {
        root,
        app_dir,
        app: &mut app,
        visited: Vec::new(),
        loops: 0,
    };
    reader.module(&text, "app", &rel, None);
    reader.resolve_imported_arguments();
    app
}

struct Reader<'a> {
    root: &'a Path,
    app_dir: &'a Path,
    app: &'a mut ChaliceApp,
    visited: Vec<String>,
    /// How many `for`/`while` bodies enclose the statements being read.
    loops: usize,
}

/// How a blueprint module is reached: the variable that holds the blueprint in that module and
/// the prefixes of its registration.
struct Registration {
    variable: String,
    name_prefix: String,
    url_prefix: String,
}

/// What one module declares, gathered over its statements at any depth.
#[derive(Default)]
struct ModuleScan {
    globals: Globals,
    /// `from chalicelib.x import bp` → (local name, module, imported name).
    imports: Vec<(String, String, Option<String>)>,
    /// `register_blueprint(bp, ...)`: (blueprint expression, name prefix, url prefix, line).
    registrations: Vec<(String, String, String, u32)>,
    /// Variables that hold the app (or, in a blueprint module, the blueprint).
    app_vars: Vec<String>,
    /// Classes that subclass `Chalice` (`class Api(Chalice)`), usable as constructors.
    chalice_classes: Vec<String>,
    /// `from x import *` of local modules.
    star_imports: Vec<String>,
    /// Functions given the app or blueprint to declare routes on: (module, function, index of
    /// the parameter that receives it).
    helpers: Vec<(String, String, usize)>,
}

/// Statement nesting followed (`if`, `for`, `with`, `try`, function bodies).
const MAX_STMT_DEPTH: usize = 24;

impl Reader<'_> {
    fn module(&mut self, text: &str, module: &str, rel: &str, blueprint: Option<Registration>) {
        self.visited.push(module.to_string());
        if !self.app.files.iter().any(|f| f == rel) {
            self.app.files.push(rel.to_string());
        }
        let mut parser = Parser::new();
        if parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .is_err()
        {
            return;
        }
        let Some(tree) = parser.parse(text, None) else {
            return;
        };
        let root = tree.root_node();
        if root.has_error() {
            let line = first_error_line(root);
            self.app.diagnostics.push(Diagnostic::warning(
                rel,
                line,
                "Python syntax error; the Chalice declarations after it may be missed",
            ));
        }
        let src = text.as_bytes();
        let mut scan = ModuleScan::default();
        if let Some(r) = &blueprint {
            scan.app_vars.push(r.variable.clone());
        }
        self.statements(root, src, module, rel, &blueprint, &mut scan, 0);
        let defines_app = !scan.app_vars.is_empty();
        self.app
            .globals
            .insert(module.to_string(), scan.globals.clone());
        self.app
            .imports
            .entry(module.to_string())
            .or_default()
            .extend(scan.imports.iter().cloned());
        let registrations = std::mem::take(&mut scan.registrations);
        for (bp, name_prefix, url_prefix, line) in registrations {
            self.blueprint(
                &bp,
                &scan.imports,
                name_prefix,
                url_prefix,
                rel,
                line,
                module,
                text,
            );
        }
        let helpers = std::mem::take(&mut scan.helpers);
        for (m, f, index) in helpers {
            self.helper(&m, &f, index, module, rel, text, &blueprint);
        }
        // `app.py` that only re-exports the app from another module (`from chalicelib.main
        // import *`, `from api import app`): the app is declared there.
        if blueprint.is_none() && !defines_app && self.app.app_var.is_none() {
            let mut sources: Vec<String> = scan.star_imports.clone();
            sources.extend(
                scan.imports
                    .iter()
                    .filter(|(local, _, name)| local == "app" && name.is_some())
                    .map(|(_, m, _)| m.clone()),
            );
            for m in sources {
                if self.visited.contains(&m) || self.visited.len() >= MAX_BLUEPRINTS {
                    continue;
                }
                let Some(path) = self.module_file(&m) else {
                    continue;
                };
                let file_rel = crate::relative(self.root, &path);
                if let Ok(t) = crate::read_text(&path, &file_rel, 4 * 1024 * 1024) {
                    self.module(&t, &m, &file_rel, None);
                    if self.app.app_var.is_some() {
                        break;
                    }
                }
            }
        }
    }

    /// The statements of a block, and of the blocks nested in it (conditions, loops, function
    /// bodies: apps register blueprints in `initialize_app()` and routes in `register_routes()`).
    #[allow(clippy::too_many_arguments)]
    fn statements(
        &mut self,
        block: Node,
        src: &[u8],
        module: &str,
        rel: &str,
        blueprint: &Option<Registration>,
        scan: &mut ModuleScan,
        depth: usize,
    ) {
        if depth > MAX_STMT_DEPTH {
            return;
        }
        let mut cursor = block.walk();
        let children: Vec<Node> = block.named_children(&mut cursor).collect();
        for stmt in children {
            match stmt.kind_name() {
                "import_from_statement" => {
                    if stmt
                        .named_children(&mut stmt.walk())
                        .any(|c| c.kind_name() == "wildcard_import")
                    {
                        if let Some((_, m, _)) =
                            import_from(stmt, src, &relative_base(module, rel)).first()
                        {
                            scan.star_imports.push(m.clone());
                        } else if let Some(m) = stmt.field("module_name") {
                            scan.star_imports.push(text_of(m, src));
                        }
                    }
                    scan.imports
                        .extend(import_from(stmt, src, &relative_base(module, rel)));
                }
                "import_statement" => {
                    let mut c = stmt.walk();
                    for n in stmt.named_children(&mut c) {
                        let (name, alias) = match n.kind_name() {
                            "aliased_import" => (
                                n.field("name").map(|x| text_of(x, src)),
                                n.field("alias").map(|x| text_of(x, src)),
                            ),
                            _ => (Some(text_of(n, src)), None),
                        };
                        if let Some(name) = name {
                            let local = alias.unwrap_or_else(|| name.clone());
                            scan.imports.push((local, name, None));
                        }
                    }
                }
                "class_definition" => {
                    let name = stmt.field("name").map(|n| text_of(n, src));
                    let bases = stmt
                        .field("superclasses")
                        .map(|b| text_of(b, src))
                        .unwrap_or_default();
                    if let Some(name) = name {
                        let chalice_base = bases
                            .trim_matches(|c| c == '(' || c == ')')
                            .split(',')
                            .map(|b| b.trim().rsplit('.').next().unwrap_or("").to_string())
                            .any(|b| b == "Chalice" || scan.chalice_classes.contains(&b));
                        if chalice_base {
                            scan.chalice_classes.push(name);
                        }
                    }
                }
                "expression_statement" => {
                    let Some(e) = stmt.named_child(0) else {
                        continue;
                    };
                    match e.kind_name() {
                        "assignment" => self.assignment(e, src, blueprint, scan),
                        "call" => self.call_statement(e, src, module, rel, blueprint, scan),
                        _ => {}
                    }
                }
                "decorated_definition" => {
                    let globals = scan.globals.clone();
                    let app_vars = scan.app_vars.clone();
                    self.decorated(stmt, src, module, rel, &app_vars, &globals, blueprint);
                    if let Some(def) = stmt.field("definition") {
                        if let Some(body) = def.field("body") {
                            self.statements(body, src, module, rel, blueprint, scan, depth + 1);
                        }
                    }
                }
                "function_definition"
                | "if_statement"
                | "for_statement"
                | "while_statement"
                | "try_statement"
                | "with_statement"
                | "elif_clause"
                | "else_clause"
                | "except_clause"
                | "finally_clause"
                | "block" => {
                    let mut c = stmt.walk();
                    let parts: Vec<Node> = stmt.named_children(&mut c).collect();
                    let is_loop = matches!(stmt.kind_name(), "for_statement" | "while_statement");
                    self.loops += usize::from(is_loop);
                    for part in parts {
                        if matches!(
                            part.kind_name(),
                            "block"
                                | "elif_clause"
                                | "else_clause"
                                | "except_clause"
                                | "finally_clause"
                        ) {
                            self.statements(part, src, module, rel, blueprint, scan, depth + 1);
                        }
                    }
                    self.loops -= usize::from(is_loop);
                }
                _ => {}
            }
        }
    }

    fn assignment(
        &mut self,
        e: Node,
        src: &[u8],
        blueprint: &Option<Registration>,
        scan: &mut ModuleScan,
    ) {
        let (Some(left), Some(right)) = (e.field("left"), e.field("right")) else {
            return;
        };
        let target = text_of(left, src);
        let value = value(right, src, &scan.globals, 0);
        if let PyVal::Call {
            callee,
            kwargs,
            args,
        } = &value
        {
            let short = callee.rsplit('.').next().unwrap_or(callee);
            // `Chalice(app_name=...)`, a subclass of it, or any constructor given an
            // `app_name` (subclasses defined in other modules).
            let is_app = short == "Chalice"
                || scan.chalice_classes.iter().any(|c| c == short)
                || (kwargs.iter().any(|(k, _)| k == "app_name") && !target.contains('.'));
            if is_app && blueprint.is_none() {
                scan.app_vars.push(target.clone());
                self.app.app_var.get_or_insert(target.clone());
                let name = kwargs
                    .iter()
                    .find(|(k, _)| k == "app_name")
                    .map(|(_, v)| v)
                    .or(args.first());
                if let Some(n) = name.and_then(PyVal::str) {
                    self.app.app_name = Some(n.to_string());
                }
            }
        }
        // `app.api.cors = True`
        if let Some(var) = target.strip_suffix(".api.cors") {
            if scan.app_vars.iter().any(|a| a == var) {
                self.app.default_cors = Some(value.clone());
            }
        }
        if !target.contains('.') {
            scan.globals.insert(target, value);
        }
    }

    /// `app.register_blueprint(bp, ...)`, and the call form of a decorator:
    /// `app.route('/x', methods=['GET'])(handler)`.
    fn call_statement(
        &mut self,
        e: Node,
        src: &[u8],
        module: &str,
        rel: &str,
        blueprint: &Option<Registration>,
        scan: &mut ModuleScan,
    ) {
        let inner = e.field("function");
        if let Some(inner) = inner.filter(|f| f.kind_name() == "call") {
            // `app.route(...)(handler)`, also through a wrapper: `(compress(handler))`.
            let mut arg = e.field("arguments").and_then(|a| a.named_child(0));
            for _ in 0..4 {
                match arg {
                    Some(a) if a.kind_name() == "call" => {
                        arg = a.field("arguments").and_then(|x| x.named_child(0));
                    }
                    _ => break,
                }
            }
            let function = arg
                .filter(|a| matches!(a.kind_name(), "identifier" | "attribute"))
                .map(|a| text_of(a, src));
            if let (
                Some(function),
                PyVal::Call {
                    callee,
                    args,
                    kwargs,
                },
            ) = (function, value(inner, src, &scan.globals, 0))
            {
                if let Some((var, kind)) = callee.rsplit_once('.') {
                    if scan.app_vars.iter().any(|a| a == var) {
                        let pos = e.start_position();
                        let short = function.rsplit('.').next().unwrap_or(&function).to_string();
                        // The module that defines the function: `routes.list` through `from
                        // chalicelib import routes`, a name imported from a module, or here.
                        let defining = match function.rsplit_once('.') {
                            Some((head, _)) => {
                                scan.imports.iter().find(|(local, _, _)| local == head).map(
                                    |(_, m, name)| match name {
                                        Some(n) => format!("{m}.{n}"),
                                        None => m.clone(),
                                    },
                                )
                            }
                            None => scan
                                .imports
                                .iter()
                                .find(|(local, _, name)| local == &short && name.is_some())
                                .map(|(_, m, _)| m.clone()),
                        }
                        .unwrap_or_else(|| module.to_string());
                        let item = self.registration(
                            kind, args, kwargs, short, &defining, rel, pos, blueprint,
                        );
                        self.app.decorated.push(item);
                    }
                }
            }
            return;
        }
        if let PyVal::Call {
            callee,
            args,
            kwargs,
        } = value(e, src, &scan.globals, 0)
        {
            // `register_routes(app)`, `register_cart(blueprint)`: a function of a local module
            // that declares routes on the app or blueprint it is given.
            let passed = e.field("arguments").and_then(|list| {
                let mut c = list.walk();
                let found = list
                    .named_children(&mut c)
                    .filter(|a| a.kind_name() != "keyword_argument" && a.kind_name() != "comment")
                    .position(|a| {
                        a.kind_name() == "identifier" && scan.app_vars.contains(&text_of(a, src))
                    });
                found
            });
            if let Some(index) = passed {
                let target = match callee.split_once('.') {
                    Some((head, rest)) if !rest.contains('.') => {
                        scan.imports.iter().find(|(local, _, _)| local == head).map(
                            |(_, m, name)| {
                                let m = match name {
                                    Some(n) => format!("{m}.{n}"),
                                    None => m.clone(),
                                };
                                (m, rest.to_string())
                            },
                        )
                    }
                    Some(_) => None,
                    None => Some(
                        scan.imports
                            .iter()
                            .find(|(local, _, name)| local == &callee && name.is_some())
                            .map(|(_, m, name)| (m.clone(), name.clone().unwrap_or_default()))
                            .unwrap_or_else(|| (module.to_string(), callee.clone())),
                    ),
                };
                if let Some((m, f)) = target {
                    scan.helpers.push((m, f, index));
                }
            }
            if let Some((var, "register_blueprint")) = callee.rsplit_once('.') {
                if scan.app_vars.iter().any(|a| a == var) {
                    // The blueprint as written (`bp`, `module.bp`), not its value.
                    let bp = e
                        .field("arguments")
                        .and_then(|list| {
                            let mut c = list.walk();
                            let first = list.named_children(&mut c).find(|a| {
                                a.kind_name() != "keyword_argument" && a.kind_name() != "comment"
                            });
                            first
                        })
                        .map(|a| text_of(a, src))
                        .unwrap_or_else(|| args.first().map(PyVal::text).unwrap_or_default());
                    let kw = |k: &str| {
                        kwargs
                            .iter()
                            .find(|(n, _)| n == k)
                            .and_then(|(_, v)| v.str().map(str::to_string))
                            .unwrap_or_default()
                    };
                    scan.registrations.push((
                        bp,
                        kw("name_prefix"),
                        kw("url_prefix"),
                        e.start_position().row as u32 + 1,
                    ));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn registration(
        &self,
        kind: &str,
        args: Vec<PyVal>,
        kwargs: Vec<(String, PyVal)>,
        function: String,
        module: &str,
        rel: &str,
        pos: tree_sitter::Point,
        blueprint: &Option<Registration>,
    ) -> Decorated {
        Decorated {
            kind: kind.to_string(),
            args,
            kwargs,
            function,
            module: module.to_string(),
            file: rel.to_string(),
            line: pos.row as u32 + 1,
            column: pos.column as u32 + 1,
            name_prefix: blueprint
                .as_ref()
                .map(|b| b.name_prefix.clone())
                .unwrap_or_default(),
            url_prefix: blueprint
                .as_ref()
                .map(|b| b.url_prefix.clone())
                .unwrap_or_default(),
            in_loop: self.loops > 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn decorated(
        &mut self,
        stmt: Node,
        src: &[u8],
        module: &str,
        rel: &str,
        app_vars: &[String],
        globals: &Globals,
        blueprint: &Option<Registration>,
    ) {
        let Some(def) = stmt.field("definition") else {
            return;
        };
        if def.kind_name() != "function_definition" {
            return;
        }
        let Some(function) = def.field("name").map(|n| text_of(n, src)) else {
            return;
        };
        let mut c = stmt.walk();
        for d in stmt.named_children(&mut c) {
            if d.kind_name() != "decorator" {
                continue;
            }
            let Some(call) = d.named_child(0) else {
                continue;
            };
            // `@app.route(...)` is a call; a bare `@app.authorizer` is not used by Chalice.
            let (callee, args, kwargs) = match value(call, src, globals, 0) {
                PyVal::Call {
                    callee,
                    args,
                    kwargs,
                } => (callee, args, kwargs),
                _ => continue,
            };
            let Some((var, kind)) = callee.rsplit_once('.') else {
                continue;
            };
            if !app_vars.iter().any(|a| a == var) {
                continue;
            }
            let pos = d.start_position();
            let item = self.registration(
                kind,
                args,
                kwargs,
                function.clone(),
                module,
                rel,
                pos,
                blueprint,
            );
            self.app.decorated.push(item);
        }
    }

    /// Decorator arguments that name something imported from a local module (an authorizer
    /// declared in `chalicelib/auth.py`) take that module's value.
    fn resolve_imported_arguments(&mut self) {
        let mut decorated = std::mem::take(&mut self.app.decorated);
        for d in &mut decorated {
            for (_, v) in d.kwargs.iter_mut() {
                let PyVal::Name(n) = v else { continue };
                if n.contains('.') {
                    continue;
                }
                let Some((m, name)) = self.app.imports.get(&d.module).and_then(|imports| {
                    imports
                        .iter()
                        .find(|(local, _, name)| local == n && name.is_some())
                        .map(|(_, m, name)| (m.clone(), name.clone().unwrap_or_default()))
                }) else {
                    continue;
                };
                if let Some(found) = self.module_value(&m, &name) {
                    *v = found;
                }
            }
        }
        self.app.decorated = decorated;
    }

    /// A module-level value of a local module, read (top level only) when not yet read.
    fn module_value(&mut self, module: &str, name: &str) -> Option<PyVal> {
        if !self.app.globals.contains_key(module) {
            if self.visited.len() >= MAX_BLUEPRINTS * 2 {
                return None;
            }
            self.visited.push(format!("{module}#globals"));
            let path = self.module_file(module)?;
            let rel = crate::relative(self.root, &path);
            let text = crate::read_text(&path, &rel, 4 * 1024 * 1024).ok()?;
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .ok()?;
            let tree = parser.parse(&text, None)?;
            let mut scope = ModuleScan::default();
            self.statements(
                tree.root_node(),
                text.as_bytes(),
                module,
                &rel,
                &None,
                &mut scope,
                MAX_STMT_DEPTH,
            );
            self.app.globals.insert(module.to_string(), scope.globals);
        }
        self.app.globals.get(module)?.get(name).cloned()
    }

    /// Reads the body of `module.function` with its parameter at `index` as the app or
    /// blueprint it is given (`def register_cart(blueprint): @blueprint.route(...)`).
    #[allow(clippy::too_many_arguments)]
    fn helper(
        &mut self,
        module: &str,
        function: &str,
        index: usize,
        current: &str,
        current_rel: &str,
        current_text: &str,
        blueprint: &Option<Registration>,
    ) {
        let key = format!("{module}#{function}()");
        if self.visited.contains(&key) || self.visited.len() >= MAX_BLUEPRINTS {
            return;
        }
        self.visited.push(key);
        let (text, rel) = if module == current {
            (current_text.to_string(), current_rel.to_string())
        } else {
            let Some(path) = self.module_file(module) else {
                return;
            };
            let rel = crate::relative(self.root, &path);
            match crate::read_text(&path, &rel, 4 * 1024 * 1024) {
                Ok(t) => (t, rel),
                Err(_) => return,
            }
        };
        let mut parser = Parser::new();
        if parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .is_err()
        {
            return;
        }
        let Some(tree) = parser.parse(&text, None) else {
            return;
        };
        let src = text.as_bytes();
        let root = tree.root_node();
        let mut cursor = root.walk();
        let def = root.named_children(&mut cursor).find_map(|n| {
            let d = match n.kind_name() {
                "decorated_definition" => n.field("definition")?,
                _ => n,
            };
            (d.kind_name() == "function_definition"
                && d.field("name").map(|x| text_of(x, src)).as_deref() == Some(function))
            .then_some(d)
        });
        let Some(def) = def else { return };
        let param = def.field("parameters").and_then(|p| {
            let mut c = p.walk();
            let names: Vec<String> = p
                .named_children(&mut c)
                .filter_map(|x| match x.kind_name() {
                    "identifier" => Some(text_of(x, src)),
                    "typed_parameter" | "default_parameter" | "typed_default_parameter" => x
                        .field("name")
                        .or_else(|| x.named_child(0))
                        .map(|n| text_of(n, src)),
                    _ => None,
                })
                .collect();
            names.get(index).cloned()
        });
        let (Some(param), Some(body)) = (param, def.field("body")) else {
            return;
        };
        if !self.app.files.iter().any(|f| f == &rel) {
            self.app.files.push(rel.clone());
        }
        // The module's own names (authorizers, constants) are visible in the function.
        let mut module_scope = ModuleScan::default();
        self.statements(
            root,
            src,
            module,
            &rel,
            blueprint,
            &mut module_scope,
            MAX_STMT_DEPTH,
        );
        self.app
            .imports
            .entry(module.to_string())
            .or_default()
            .extend(module_scope.imports.iter().cloned());
        self.app
            .globals
            .entry(module.to_string())
            .or_insert_with(|| module_scope.globals.clone());
        let mut scan = ModuleScan {
            app_vars: vec![param],
            globals: module_scope.globals,
            imports: module_scope.imports,
            ..ModuleScan::default()
        };
        self.statements(body, src, module, &rel, blueprint, &mut scan, 1);
        let nested = std::mem::take(&mut scan.helpers);
        for (m, f, i) in nested {
            self.helper(&m, &f, i, module, &rel, &text, blueprint);
        }
    }

    /// Follows `register_blueprint(bp)` to the module that defines `bp`.
    #[allow(clippy::too_many_arguments)]
    fn blueprint(
        &mut self,
        bp: &str,
        imports: &[(String, String, Option<String>)],
        name_prefix: String,
        url_prefix: String,
        rel: &str,
        line: u32,
        module: &str,
        own_text: &str,
    ) {
        if self.visited.len() >= MAX_BLUEPRINTS {
            return;
        }
        // `bp` imported by name, or `mod.bp` through a module import.
        let (target_module, variable) = match bp.split_once('.') {
            None => match imports.iter().find(|(local, _, _)| local == bp) {
                // `from chalicelib.admin import routes`: a variable of that module.
                Some((_, m, Some(name))) => (m.clone(), name.clone()),
                Some((_, m, None)) => (m.clone(), bp.to_string()),
                // Defined in this very module.
                None => (module.to_string(), bp.to_string()),
            },
            Some((head, var)) => match imports.iter().find(|(local, _, _)| local == head) {
                Some((_, m, Some(name))) => (format!("{m}.{name}"), var.to_string()),
                Some((_, m, None)) => (m.clone(), var.to_string()),
                None => {
                    self.app.diagnostics.push(Diagnostic::warning(
                        rel,
                        Some(line),
                        format!("blueprint `{bp}` is not imported from a local module; its handlers are not read"),
                    ));
                    return;
                }
            },
        };
        if target_module == module {
            // A blueprint defined in the app module itself was read with it only if its
            // variable was known as an app variable; read it again as a blueprint.
            let key = format!("{module}#{variable}");
            if self.visited.contains(&key) {
                return;
            }
            self.visited.push(key);
            let text = own_text.to_string();
            self.module(
                &text,
                module,
                rel,
                Some(Registration {
                    variable,
                    name_prefix,
                    url_prefix,
                }),
            );
            return;
        }
        let key = format!("{target_module}#{variable}");
        if self.visited.contains(&key) {
            return;
        }
        self.visited.push(key);
        let Some(path) = self.module_file(&target_module) else {
            self.app.diagnostics.push(Diagnostic::warning(
                rel,
                Some(line),
                format!(
                    "blueprint `{bp}` comes from `{target_module}`, which is not a file under the app directory; its handlers are not read"
                ),
            ));
            return;
        };
        let file_rel = crate::relative(self.root, &path);
        let text = match crate::read_text(&path, &file_rel, 4 * 1024 * 1024) {
            Ok(t) => t,
            Err(d) => {
                self.app.diagnostics.push(d);
                return;
            }
        };
        self.module(
            &text,
            &target_module,
            &file_rel,
            Some(Registration {
                variable,
                name_prefix,
                url_prefix,
            }),
        );
    }

    /// `chalicelib.api` → `chalicelib/api.py` or `chalicelib/api/__init__.py`.
    fn module_file(&self, module: &str) -> Option<PathBuf> {
        let path = module.replace('.', "/");
        [
            self.app_dir.join(format!("{path}.py")),
            self.app_dir.join(&path).join("__init__.py"),
        ]
        .into_iter()
        .find(|p| p.is_file())
    }
}

fn first_error_line(n: Node) -> Option<u32> {
    let mut stack = vec![n];
    let mut steps = 0;
    while let Some(x) = stack.pop() {
        steps += 1;
        if steps > 100_000 {
            break;
        }
        if x.is_error() || x.is_missing() {
            return Some(x.start_position().row as u32 + 1);
        }
        let mut c = x.walk();
        let children: Vec<Node> = x.children(&mut c).filter(|c| c.has_error()).collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

fn text_of(n: Node, src: &[u8]) -> String {
    n.utf8_text(src).unwrap_or_default().to_string()
}

/// `from .x import a as b`, `from chalicelib.x import bp` → (local, module, Some(name)).
/// What relative imports are resolved against: a package's `__init__.py` imports from the
/// package itself (`from .cart import x` in `shop/__init__.py` is `shop.cart`).
fn relative_base(module: &str, rel: &str) -> String {
    if rel.ends_with("__init__.py") {
        format!("{module}.__init__")
    } else {
        module.to_string()
    }
}

fn import_from(stmt: Node, src: &[u8], current: &str) -> Vec<(String, String, Option<String>)> {
    let Some(m) = stmt.field("module_name") else {
        return Vec::new();
    };
    let written = text_of(m, src);
    let module = if let Some(rest) = written.strip_prefix('.') {
        // Relative to the current module's package.
        let dots = 1 + rest.len() - rest.trim_start_matches('.').len();
        let rest = rest.trim_start_matches('.');
        let mut parts: Vec<&str> = current.split('.').collect();
        for _ in 0..dots {
            parts.pop();
        }
        if !rest.is_empty() {
            parts.push(rest);
        }
        parts.join(".")
    } else {
        written
    };
    let mut out = Vec::new();
    let mut c = stmt.walk();
    for n in stmt.children_by_field_name("name", &mut c) {
        let (name, alias) = match n.kind_name() {
            "aliased_import" => (
                n.field("name").map(|x| text_of(x, src)),
                n.field("alias").map(|x| text_of(x, src)),
            ),
            _ => (Some(text_of(n, src)), None),
        };
        if let Some(name) = name {
            out.push((
                alias.unwrap_or_else(|| name.clone()),
                module.clone(),
                Some(name),
            ));
        }
    }
    out
}

/// The value of an argument expression, as far as it can be read without running code.
fn value(n: Node, src: &[u8], globals: &Globals, depth: usize) -> PyVal {
    if depth > MAX_VALUE_DEPTH {
        return PyVal::Other(text_of(n, src));
    }
    match n.kind_name() {
        "string" => string(n, src).map_or_else(|| PyVal::Other(text_of(n, src)), PyVal::Str),
        "concatenated_string" => {
            let mut out = String::new();
            let mut c = n.walk();
            for part in n.named_children(&mut c) {
                match string(part, src) {
                    Some(s) => out.push_str(&s),
                    None => return PyVal::Other(text_of(n, src)),
                }
            }
            PyVal::Str(out)
        }
        "true" => PyVal::Bool(true),
        "false" => PyVal::Bool(false),
        "none" => PyVal::None,
        "integer" => text_of(n, src)
            .replace('_', "")
            .parse()
            .map_or_else(|_| PyVal::Other(text_of(n, src)), PyVal::Int),
        "list" | "tuple" | "set" => {
            let mut c = n.walk();
            PyVal::List(
                n.named_children(&mut c)
                    .filter(|x| x.kind_name() != "comment")
                    .map(|x| value(x, src, globals, depth + 1))
                    .collect(),
            )
        }
        "parenthesized_expression" => match n.named_child(0) {
            Some(inner) => value(inner, src, globals, depth + 1),
            None => PyVal::Other(text_of(n, src)),
        },
        "identifier" => {
            let name = text_of(n, src);
            match globals.get(&name) {
                Some(v) => v.clone(),
                None => PyVal::Name(name),
            }
        }
        "attribute" => PyVal::Name(text_of(n, src)),
        "call" => {
            let callee = n
                .field("function")
                .map(|f| text_of(f, src))
                .unwrap_or_default();
            let mut args = Vec::new();
            let mut kwargs = Vec::new();
            if let Some(list) = n.field("arguments") {
                let mut c = list.walk();
                for a in list.named_children(&mut c) {
                    match a.kind_name() {
                        "keyword_argument" => {
                            let (Some(k), Some(v)) = (a.field("name"), a.field("value")) else {
                                continue;
                            };
                            kwargs.push((text_of(k, src), value(v, src, globals, depth + 1)));
                        }
                        "comment" => {}
                        _ => args.push(value(a, src, globals, depth + 1)),
                    }
                }
            }
            PyVal::Call {
                callee,
                args,
                kwargs,
            }
        }
        _ => PyVal::Other(text_of(n, src)),
    }
}

/// A plain string literal's text (no interpolation); `None` for f-strings with holes.
fn string(n: Node, src: &[u8]) -> Option<String> {
    if n.kind_name() != "string" {
        return None;
    }
    let mut out = String::new();
    let mut c = n.walk();
    for part in n.named_children(&mut c) {
        match part.kind_name() {
            "string_content" => out.push_str(part.utf8_text(src).ok()?),
            "escape_sequence" => out.push_str(&unescape(part.utf8_text(src).ok()?)),
            "string_start" | "string_end" => {}
            _ => return None,
        }
    }
    Some(out)
}

fn unescape(s: &str) -> String {
    match s {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_decorators_blueprints_and_authorizers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("chalicelib")).unwrap();
        std::fs::write(
            dir.path().join("app.py"),
            r#"
import os
from chalice import Chalice, CognitoUserPoolAuthorizer, Rate
from chalicelib.admin import admin_routes

app = Chalice(app_name="shop")
app.api.cors = True
pool = CognitoUserPoolAuthorizer("Pool", provider_arns=[os.environ["POOL_ARN"]])

@app.route("/orders/{id}", methods=["GET", "PUT"], authorizer=pool, api_key_required=True)
def order(id):
    return {}

@app.on_s3_event(bucket="uploads", events=["s3:ObjectCreated:*"], prefix="in/")
def on_upload(event):
    pass

@app.schedule(Rate(5, unit=Rate.MINUTES), name="every5")
def tick(event):
    pass

app.register_blueprint(admin_routes, url_prefix="/admin", name_prefix="adm_")
"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("chalicelib/admin.py"),
            "from chalice import Blueprint\nadmin_routes = Blueprint(__name__)\n\n@admin_routes.route('/users')\ndef users():\n    return []\n\n@admin_routes.lambda_function()\ndef purge(event, context):\n    pass\n",
        )
        .unwrap();
        let app = read_app(dir.path(), dir.path(), 1 << 20);
        assert_eq!(app.app_name.as_deref(), Some("shop"));
        assert_eq!(app.default_cors, Some(PyVal::Bool(true)));
        let kinds: Vec<(&str, &str, &str)> = app
            .decorated
            .iter()
            .map(|d| (d.kind.as_str(), d.function.as_str(), d.module.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("route", "order", "app"),
                ("on_s3_event", "on_upload", "app"),
                ("schedule", "tick", "app"),
                ("route", "users", "chalicelib.admin"),
                ("lambda_function", "purge", "chalicelib.admin"),
            ]
        );
        let order = &app.decorated[0];
        assert!(
            matches!(order.kwarg("authorizer"), Some(PyVal::Call { callee, .. }) if callee == "CognitoUserPoolAuthorizer")
        );
        assert_eq!(order.line, 10);
        assert_eq!(app.decorated[3].url_prefix, "/admin");
        assert_eq!(app.decorated[4].name_prefix, "adm_");
        assert!(app.diagnostics.is_empty(), "{:?}", app.diagnostics);
    }

    #[test]
    fn routes_declared_by_helpers_call_forms_and_imported_authorizers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("chalicelib/shop")).unwrap();
        std::fs::write(dir.path().join("chalicelib/__init__.py"), "").unwrap();
        std::fs::write(
            dir.path().join("chalicelib/auth.py"),
            "from chalice import CognitoUserPoolAuthorizer\npool = CognitoUserPoolAuthorizer('p', provider_arns=['arn'])\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("chalicelib/shop/cart.py"),
            "from chalicelib.auth import pool\n\ndef register_cart(bp):\n    @bp.route('/cart', authorizer=pool)\n    def cart():\n        return {}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("chalicelib/shop/__init__.py"),
            "from chalice import Blueprint\nfrom .cart import register_cart\nshop = Blueprint(__name__)\nregister_cart(shop)\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("chalicelib/routes.py"),
            "def listing():\n    return []\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("app.py"),
            "from chalice import Chalice\nfrom chalicelib.shop import shop\nfrom chalicelib import routes\n\nclass Api(Chalice):\n    pass\n\napp = Api(app_name='x')\napp.register_blueprint(shop, url_prefix='/shop')\napp.route('/list', methods=['GET'])(compress(routes.listing))\n",
        )
        .unwrap();
        let app = read_app(dir.path(), dir.path(), 1 << 20);
        let got: Vec<(&str, &str, String)> = app
            .decorated
            .iter()
            .map(|d| (d.function.as_str(), d.module.as_str(), d.url_prefix.clone()))
            .collect();
        assert!(
            got.contains(&("listing", "chalicelib.routes", String::new())),
            "{got:?}"
        );
        assert!(
            got.contains(&("cart", "chalicelib.shop.cart", "/shop".to_string())),
            "{got:?}"
        );
        let cart = app.decorated.iter().find(|d| d.function == "cart").unwrap();
        assert!(
            matches!(cart.kwarg("authorizer"), Some(PyVal::Call { callee, .. }) if callee == "CognitoUserPoolAuthorizer"),
            "{:?}",
            cart.kwarg("authorizer")
        );
    }
}
