//! JavaScript and TypeScript (tree-sitter) to the taint IR.

use super::ir::{Call, Expr, FunctionDef, Module, Param, Stmt, Target};
use super::syntax::{binary, end, named_children, pos};
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

const MAX_DEPTH: usize = 120;

pub fn lower(text: &str, typescript: bool) -> Option<Module> {
    let grammar = if typescript {
        crate::parse::Grammar::TypeScript
    } else {
        crate::parse::Grammar::JavaScript
    };
    let tree = crate::parse::parse(grammar, text)?;
    let mut l = Lower {
        src: text.as_bytes(),
        module: Module::default(),
    };
    // Imports and requires first (anywhere in the file), so callees resolve wherever they are
    // used.
    let mut decls = Vec::new();
    crate::handler::preorder(&tree, |n| {
        if matches!(
            n.kind_name(),
            "import_statement" | "lexical_declaration" | "variable_declaration"
        ) {
            decls.push(n);
        }
    });
    for n in decls {
        l.imports(n);
    }
    let root = tree.root_node();
    let mut top = Vec::new();
    for child in named_children(root) {
        l.top_level(child, &mut top);
    }
    l.module.top = top;
    Some(l.module)
}

/// How many keys below a variable an assignment's access path keeps (`a.b.c.d = x`).
const MAX_TARGET_KEYS: usize = 4;

struct Lower<'a> {
    src: &'a [u8],
    module: Module,
}

impl Lower<'_> {
    fn text(&self, n: Node) -> String {
        n.utf8_text(self.src).unwrap_or("").to_string()
    }

    /// A string literal's value: one pair of delimiters removed, common escapes decoded.
    fn str_lit(&self, n: Node) -> String {
        let t = self.text(n);
        let inner = match (t.chars().next(), t.chars().last()) {
            (Some(a), Some(b)) if t.len() >= 2 && a == b && matches!(a, '"' | '\'' | '`') => {
                &t[1..t.len() - 1]
            }
            _ => return t,
        };
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(q @ ('\'' | '"' | '`' | '\\' | '/')) => out.push(q),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        out
    }

    /// `require('x')` → `x`.
    fn require_of(&self, n: Node) -> Option<String> {
        let n = if n.kind_name() == "await_expression" {
            n.named_child(0)?
        } else {
            n
        };
        if n.kind_name() != "call_expression" {
            return None;
        }
        let f = n.field("function")?;
        if self.text(f) != "require" {
            return None;
        }
        let arg = n.field("arguments")?.named_child(0)?;
        (arg.kind_name() == "string").then(|| self.str_lit(arg))
    }

    fn bind_module(&mut self, local: &str, module: &str, imported: Option<&str>) {
        let full = match imported {
            Some(i) if i != "default" => format!("{module}.{i}"),
            _ => module.to_string(),
        };
        self.module.aliases.push((local.to_string(), full));
        self.module.imported.push(module.to_string());
        if module.starts_with('.') {
            self.module.local_imports.push((
                local.to_string(),
                module.to_string(),
                imported.map(str::to_string),
            ));
        }
    }

    fn imports(&mut self, n: Node) {
        match n.kind_name() {
            "import_statement" => {
                let Some(source) = n.field("source").map(|s| self.str_lit(s)) else {
                    return;
                };
                self.module.imported.push(source.clone());
                for clause in named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "import_clause")
                {
                    for part in named_children(clause) {
                        match part.kind_name() {
                            "identifier" => {
                                let local = self.text(part);
                                self.bind_module(&local, &source, None);
                            }
                            "namespace_import" => {
                                if let Some(id) = named_children(part)
                                    .into_iter()
                                    .find(|c| c.kind_name() == "identifier")
                                {
                                    let local = self.text(id);
                                    self.bind_module(&local, &source, None);
                                }
                            }
                            "named_imports" => {
                                for spec in named_children(part) {
                                    let name = spec
                                        .field("name")
                                        .map(|x| self.text(x))
                                        .unwrap_or_default();
                                    let alias = spec
                                        .field("alias")
                                        .map(|x| self.text(x))
                                        .unwrap_or_else(|| name.clone());
                                    self.bind_module(&alias, &source, Some(&name));
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                for d in named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "variable_declarator")
                {
                    let (Some(name), Some(value)) = (d.field("name"), d.field("value")) else {
                        continue;
                    };
                    // `require('x').y`
                    let (req, member) = match value.kind_name() {
                        "member_expression" => (
                            value.field("object").and_then(|o| self.require_of(o)),
                            value.field("property").map(|p| self.text(p)),
                        ),
                        _ => (self.require_of(value), None),
                    };
                    let Some(module) = req else { continue };
                    match name.kind_name() {
                        "identifier" => {
                            let local = self.text(name);
                            self.bind_module(&local, &module, member.as_deref());
                        }
                        "object_pattern" => {
                            for (key, local) in self.pattern_names(name) {
                                let key = key.unwrap_or_else(|| local.clone());
                                self.bind_module(&local, &module, Some(&key));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "export_statement" => {
                if let Some(d) = n.field("declaration") {
                    self.imports(d);
                }
            }
            _ => {}
        }
    }

    fn top_level(&mut self, n: Node, top: &mut Vec<Stmt>) {
        match n.kind_name() {
            "function_declaration" | "generator_function_declaration" => {
                if let Some(f) = self.function(n, None, 0) {
                    self.module.functions.push(f);
                }
            }
            // Methods, named `Class.method`: what the entry points reach is decided per method.
            "class_declaration" | "abstract_class_declaration" => {
                let class = n.field("name").map(|x| self.text(x)).unwrap_or_default();
                let Some(body) = n.field("body") else {
                    return;
                };
                for m in named_children(body)
                    .into_iter()
                    .filter(|m| m.kind_name() == "method_definition")
                {
                    let method = m.field("name").map(|x| self.text(x)).unwrap_or_default();
                    if let Some(f) = self.function(m, Some(&format!("{class}.{method}")), 0) {
                        self.module.methods.push(f);
                    }
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                for d in named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "variable_declarator")
                {
                    let (Some(name), Some(value)) = (d.field("name"), d.field("value")) else {
                        continue;
                    };
                    if name.kind_name() == "identifier" {
                        let local = self.text(name);
                        if let Some(f) = self.function_value(value, &local) {
                            self.module.functions.push(f);
                            continue;
                        }
                        // `const handler = middy(main)`: the wrapped function is the handler.
                        if let Some(inner) = self.wrapped_function(value) {
                            self.module.exports.push((local.clone(), inner));
                        }
                    }
                }
                top.extend(self.stmt(n, 0));
            }
            "export_statement" => {
                if let Some(d) = n.field("declaration") {
                    self.top_level(d, top);
                } else if let Some(v) = n.field("value") {
                    // `export default async (event) => ...`
                    if let Some(f) = self.function_value(v, "default") {
                        self.module.functions.push(f);
                    }
                } else {
                    // `export { main as handler }`
                    for clause in named_children(n)
                        .into_iter()
                        .filter(|c| c.kind_name() == "export_clause")
                    {
                        for spec in named_children(clause) {
                            let name = spec.field("name").map(|x| self.text(x)).unwrap_or_default();
                            let alias = spec
                                .field("alias")
                                .map(|x| self.text(x))
                                .unwrap_or_else(|| name.clone());
                            self.module.exports.push((alias, name));
                        }
                    }
                }
            }
            "expression_statement" => {
                if let Some(a) = n
                    .named_child(0)
                    .filter(|c| c.kind_name() == "assignment_expression")
                {
                    self.export_assignment(a);
                }
                if let Some(c) = n
                    .named_child(0)
                    .filter(|c| c.kind_name() == "call_expression")
                {
                    self.route_callbacks(c);
                }
                top.extend(self.stmt(n, 0));
            }
            _ => top.extend(self.stmt(n, 0)),
        }
    }

    /// `exports.handler = ...`, `module.exports.handler = ...`, `module.exports = { handler }`.
    fn export_assignment(&mut self, a: Node) {
        let (Some(left), Some(right)) = (a.field("left"), a.field("right")) else {
            return;
        };
        let target = self.text(left);
        let exported = target
            .strip_prefix("module.exports.")
            .or_else(|| target.strip_prefix("exports."))
            .map(str::to_string);
        if let Some(name) = exported {
            if let Some(f) = self.function_value(right, &name) {
                self.module.functions.push(f);
            } else if right.kind_name() == "identifier" {
                self.module.exports.push((name, self.text(right)));
            } else if let Some(inner) = self.wrapped_function(right) {
                self.module.exports.push((name, inner));
            }
            return;
        }
        if target == "module.exports" && right.kind_name() == "object" {
            for prop in named_children(right) {
                match prop.kind_name() {
                    "shorthand_property_identifier" => {
                        let n = self.text(prop);
                        self.module.exports.push((n.clone(), n));
                    }
                    "pair" => {
                        let key = prop
                            .field("key")
                            .map(|k| self.str_lit(k))
                            .unwrap_or_default();
                        if let Some(v) = prop.field("value") {
                            if let Some(f) = self.function_value(v, &key) {
                                self.module.functions.push(f);
                            } else if v.kind_name() == "identifier" {
                                self.module.exports.push((key, self.text(v)));
                            }
                        }
                    }
                    "method_definition" => {
                        if let Some(f) = self.function(prop, None, 0) {
                            self.module.functions.push(f);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// `app.get('/x', auth, (req, res) => ...)`, `router.post(...)`: callbacks of web routes.
    fn route_callbacks(&mut self, call: Node) {
        let Some(f) = call
            .field("function")
            .filter(|f| f.kind_name() == "member_expression")
        else {
            return;
        };
        let verb = f
            .field("property")
            .map(|p| self.text(p))
            .unwrap_or_default();
        if !matches!(
            verb.as_str(),
            "get" | "post" | "put" | "delete" | "patch" | "all" | "use" | "options" | "head"
        ) {
            return;
        }
        let Some(args) = call.field("arguments") else {
            return;
        };
        let args = named_children(args);
        // A path first (or middleware only with `use`).
        if verb != "use"
            && !args
                .first()
                .is_some_and(|a| matches!(a.kind_name(), "string" | "template_string"))
        {
            return;
        }
        for a in args {
            match a.kind_name() {
                "arrow_function" | "function_expression" | "function" => {
                    if let Some(def) = self.function(a, Some(&format!("<{verb} route>")), 0) {
                        self.module.routes.push(def);
                    }
                }
                "identifier" | "member_expression" => self.module.route_refs.push(self.text(a)),
                // `wrap(reports.list)`, `asyncHandler(list)`: the wrapped handler.
                "call_expression" => {
                    let inner = a
                        .field("arguments")
                        .and_then(|x| x.named_child(0))
                        .filter(|x| matches!(x.kind_name(), "identifier" | "member_expression"));
                    if let Some(inner) = inner {
                        self.module.route_refs.push(self.text(inner));
                    }
                }
                _ => {}
            }
        }
    }

    /// `middy(main)`, `wrap(main).use(...)`: the innermost identifier argument.
    fn wrapped_function(&self, n: Node) -> Option<String> {
        match n.kind_name() {
            "call_expression" => {
                let f = n.field("function")?;
                if f.kind_name() == "member_expression" {
                    if let Some(obj) = f.field("object") {
                        if let Some(inner) = self.wrapped_function(obj) {
                            return Some(inner);
                        }
                    }
                }
                let first = n.field("arguments")?.named_child(0)?;
                match first.kind_name() {
                    "identifier" => Some(self.text(first)),
                    "call_expression" => self.wrapped_function(first),
                    _ => None,
                }
            }
            "await_expression" | "parenthesized_expression" => {
                self.wrapped_function(n.named_child(0)?)
            }
            _ => None,
        }
    }

    fn function_value(&self, n: Node, name: &str) -> Option<FunctionDef> {
        match n.kind_name() {
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                self.function(n, Some(name), 0)
            }
            "parenthesized_expression" => self.function_value(n.named_child(0)?, name),
            // `awslambda.streamifyResponse(async (event, stream) => ...)`, `middy(async (event)
            // => ...)`: the wrapper runs the inline function with the event.
            "call_expression" => {
                let callee = self.text(n.field("function")?);
                let wrapper = callee.rsplit('.').next().unwrap_or(&callee);
                if !matches!(
                    wrapper,
                    "streamifyResponse" | "middy" | "wrapHandler" | "wrap"
                ) {
                    return None;
                }
                let first = n.field("arguments")?.named_child(0)?;
                self.function_value(first, name)
            }
            _ => None,
        }
    }

    fn function(&self, n: Node, name: Option<&str>, depth: usize) -> Option<FunctionDef> {
        let name = match name {
            Some(n) => n.to_string(),
            None => n.field("name").map(|x| self.text(x)).unwrap_or_default(),
        };
        let params = match n.field("parameters") {
            Some(p) => named_children(p)
                .into_iter()
                .filter_map(|c| self.param(c))
                .collect(),
            None => n
                .field("parameter")
                .map(|p| vec![Param::Name(self.text(p))])
                .unwrap_or_default(),
        };
        let body = match n.field("body") {
            Some(b) if b.kind_name() == "statement_block" => self.block(b, depth + 1),
            Some(e) => vec![Stmt::Return(Some(self.expr(e, depth + 1)), pos(e))],
            None => Vec::new(),
        };
        let globals = n
            .field("body")
            .map(|b| self.undeclared_assignments(b, &params))
            .unwrap_or_default();
        Some(FunctionDef {
            name,
            params,
            body,
            pos: pos(n),
            end: end(n),
            globals,
        })
    }

    /// Names a function body assigns without declaring them (nor taking them as parameters):
    /// they live in an enclosing scope, the module's when the function is a module function.
    fn undeclared_assignments(&self, body: Node, params: &[Param]) -> Vec<String> {
        let mut declared: Vec<String> = params
            .iter()
            .flat_map(|p| match p {
                Param::Name(n) => vec![n.clone()],
                Param::Destructure(names) => names.iter().map(|(_, l)| l.clone()).collect(),
            })
            .collect();
        let mut assigned = Vec::new();
        let mut stack = vec![body];
        let mut seen = 0usize;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 100_000 {
                break;
            }
            match n.kind_name() {
                "variable_declarator" => {
                    if let Some(name) = n.field("name") {
                        match name.kind_name() {
                            "identifier" => declared.push(self.text(name)),
                            _ => declared
                                .extend(self.pattern_names(name).into_iter().map(|(_, l)| l)),
                        }
                    }
                }
                "function_declaration" | "class_declaration" => {
                    if let Some(name) = n.field("name") {
                        declared.push(self.text(name));
                    }
                    continue;
                }
                "assignment_expression" | "augmented_assignment_expression" => {
                    if let Some(left) = n.field("left").filter(|l| l.kind_name() == "identifier") {
                        assigned.push(self.text(left));
                    }
                }
                // Nested functions have their own scope.
                "arrow_function"
                | "function_expression"
                | "function"
                | "method_definition"
                | "generator_function"
                | "generator_function_declaration" => continue,
                _ => {}
            }
            stack.extend(named_children(n));
        }
        assigned.retain(|a| !declared.contains(a));
        assigned.dedup();
        assigned
    }

    fn param(&self, c: Node) -> Option<Param> {
        match c.kind_name() {
            "identifier" => Some(Param::Name(self.text(c))),
            "object_pattern" => Some(Param::Destructure(self.pattern_names(c))),
            "assignment_pattern" => self.param(c.field("left")?),
            "required_parameter" | "optional_parameter" => self.param(c.field("pattern")?),
            _ => None,
        }
    }

    /// `{ a, b: c, d = 1 }` → [(a, a), (b, c), (d, d)]
    fn pattern_names(&self, n: Node) -> Vec<(Option<String>, String)> {
        let mut out = Vec::new();
        for c in named_children(n) {
            match c.kind_name() {
                "shorthand_property_identifier_pattern" => {
                    let t = self.text(c);
                    out.push((Some(t.clone()), t));
                }
                "pair_pattern" => {
                    let key = c.field("key").map(|k| self.str_lit(k));
                    if let Some(v) = c.field("value") {
                        match v.kind_name() {
                            "identifier" => out.push((key, self.text(v))),
                            "assignment_pattern" => {
                                if let Some(l) = v.field("left") {
                                    out.push((key, self.text(l)));
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "object_assignment_pattern" => {
                    if let Some(l) = c.field("left") {
                        let t = self.text(l);
                        out.push((Some(t.clone()), t));
                    }
                }
                "identifier" => out.push((None, self.text(c))),
                _ => {}
            }
        }
        out
    }

    fn block(&self, b: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        named_children(b)
            .into_iter()
            .flat_map(|s| self.stmt(s, depth))
            .collect()
    }

    fn body_of(&self, n: Option<Node>, depth: usize) -> Vec<Stmt> {
        match n {
            Some(b) if b.kind_name() == "statement_block" => self.block(b, depth + 1),
            Some(s) => self.stmt(s, depth + 1),
            None => Vec::new(),
        }
    }

    fn stmt(&self, n: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        match n.kind_name() {
            "expression_statement" => n
                .named_child(0)
                .map(|e| self.expr_stmt(e, depth))
                .unwrap_or_default(),
            "lexical_declaration" | "variable_declaration" => named_children(n)
                .into_iter()
                .filter(|c| c.kind_name() == "variable_declarator")
                .filter_map(|d| {
                    let name = d.field("name")?;
                    let value = d.field("value")?;
                    if let Some(f) = self.function_value(value, &self.text(name)) {
                        return Some(Stmt::Def(f));
                    }
                    Some(Stmt::Assign {
                        targets: self.targets(name),
                        value: self.expr(value, depth),
                        augment: false,
                        pos: pos(d),
                    })
                })
                .collect(),
            "return_statement" => vec![Stmt::Return(
                n.named_child(0).map(|e| self.expr(e, depth)),
                pos(n),
            )],
            "throw_statement" => vec![Stmt::Raise(
                n.named_child(0).map(|e| self.expr(e, depth)),
                pos(n),
            )],
            "if_statement" => {
                let cond = n
                    .field("condition")
                    .map(|c| self.expr(c, depth))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let then = self.body_of(n.field("consequence"), depth);
                let otherwise = n
                    .field("alternative")
                    .map(|a| {
                        named_children(a)
                            .into_iter()
                            .flat_map(|s| match s.kind_name() {
                                "statement_block" => self.block(s, depth + 1),
                                _ => self.stmt(s, depth + 1),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                vec![Stmt::If {
                    cond,
                    then,
                    otherwise,
                }]
            }
            "for_in_statement" => {
                let target = n.field("left").map(|l| self.targets(l)).unwrap_or_default();
                let iter = n
                    .field("right")
                    .map(|r| self.expr(r, depth))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let body = self.body_of(n.field("body"), depth);
                vec![Stmt::Loop { target, iter, body }]
            }
            "for_statement" | "while_statement" | "do_statement" => {
                let mut body = Vec::new();
                if let Some(init) = n.field("initializer") {
                    body.extend(self.stmt(init, depth + 1));
                }
                let iter = n
                    .field("condition")
                    .map(|c| self.expr(c, depth))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                body.extend(self.body_of(n.field("body"), depth));
                vec![Stmt::Loop {
                    target: vec![],
                    iter,
                    body,
                }]
            }
            "try_statement" => {
                let body = self.body_of(n.field("body"), depth);
                let mut handlers = Vec::new();
                if let Some(h) = n.field("handler") {
                    let name = h.field("parameter").map(|p| self.text(p));
                    handlers.push((name, self.body_of(h.field("body"), depth), pos(h)));
                }
                let finally = n
                    .field("finalizer")
                    .map(|f| self.body_of(f.field("body"), depth))
                    .unwrap_or_default();
                vec![Stmt::Try {
                    body,
                    handlers,
                    finally,
                }]
            }
            "statement_block" => self.block(n, depth + 1),
            "function_declaration" => self
                .function(n, None, depth)
                .map(Stmt::Def)
                .into_iter()
                .collect(),
            "export_statement" => n
                .field("declaration")
                .map(|d| self.stmt(d, depth))
                .unwrap_or_default(),
            "switch_statement" => {
                let value = n.field("value").map(|v| self.expr(v, depth));
                let mut out: Vec<Stmt> = value.into_iter().map(Stmt::Expr).collect();
                if let Some(body) = n.field("body") {
                    for case in named_children(body) {
                        let stmts: Vec<Stmt> = named_children(case)
                            .into_iter()
                            .filter(|c| {
                                c.kind_name().ends_with("statement")
                                    || c.kind_name() == "lexical_declaration"
                            })
                            .flat_map(|c| self.stmt(c, depth + 1))
                            .collect();
                        out.push(Stmt::If {
                            cond: Expr::Const(String::new(), pos(case)),
                            then: stmts,
                            otherwise: vec![],
                        });
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    fn expr_stmt(&self, e: Node, depth: usize) -> Vec<Stmt> {
        match e.kind_name() {
            "assignment_expression" | "augmented_assignment_expression" => {
                let (Some(left), Some(right)) = (e.field("left"), e.field("right")) else {
                    return vec![];
                };
                let value = self.expr(right, depth);
                let mut out = vec![Stmt::Assign {
                    targets: self.targets(left),
                    value: value.clone(),
                    augment: e.kind_name() == "augmented_assignment_expression",
                    pos: pos(e),
                }];
                out.extend(self.store_call(left, value, e));
                out
            }
            _ => vec![Stmt::Expr(self.expr(e, depth))],
        }
    }

    /// `req.session.user = v`, `obj[k] = v`: the store as a call
    /// (`req.session.__setattr__("user", v)`), so that the catalog can name stores that are
    /// sinks (sessions, identity context).
    fn store_call(&self, left: Node, value: Expr, n: Node) -> Option<Stmt> {
        let (object, key, method) = match left.kind_name() {
            "subscript_expression" => (
                left.field("object")?,
                self.expr(left.field("index")?, 1),
                "__setitem__",
            ),
            "member_expression" => {
                let prop = left.field("property")?;
                (
                    left.field("object")?,
                    Expr::Str(self.text(prop), pos(prop)),
                    "__setattr__",
                )
            }
            _ => return None,
        };
        let base = self.dotted(object)?;
        if base == "this" || base == "module" || base == "exports" || base.starts_with("module.") {
            return None;
        }
        let text = super::ir::call_text(&self.text(n));
        Some(Stmt::Expr(Expr::Call(Box::new(Call {
            callee: format!("{base}.{method}"),
            receiver: Some(self.expr(object, 1)),
            args: vec![key, value],
            kwargs: Vec::new(),
            is_new: false,
            pos: pos(n),
            text,
            key: None,
        }))))
    }

    fn targets(&self, n: Node) -> Vec<Target> {
        match n.kind_name() {
            "identifier" => vec![Target::Name(self.text(n))],
            "member_expression" | "subscript_expression" => {
                // `this.x = ...` sets a field of the instance as `obj.x = ...` does of `obj`.
                if let Some(obj) = n
                    .field("object")
                    .filter(|o| matches!(o.kind_name(), "identifier" | "this"))
                {
                    let key = if n.kind_name() == "member_expression" {
                        n.field("property").map(|a| Expr::Str(self.text(a), pos(a)))
                    } else {
                        n.field("index").map(|s| self.expr(s, 1))
                    };
                    if let Some(key) = key {
                        return vec![Target::Index(self.text(obj), key)];
                    }
                }
                // The keys from the base variable in: `cfg.db.cmd` -> cfg, [db, cmd].
                let mut base = n;
                let mut keys = Vec::new();
                let mut known = true;
                while let Some(o) = base.field("object") {
                    let key = match base.kind_name() {
                        "member_expression" => base
                            .field("property")
                            .map(|a| Expr::Str(self.text(a), pos(a))),
                        "subscript_expression" => base.field("index").map(|k| self.expr(k, 1)),
                        _ => None,
                    };
                    match key {
                        Some(k) if keys.len() < MAX_TARGET_KEYS => keys.push(k),
                        _ => known = false,
                    }
                    base = o;
                }
                keys.reverse();
                if !known {
                    keys.clear();
                }
                if matches!(base.kind_name(), "identifier" | "this") {
                    vec![Target::Member(self.text(base), keys)]
                } else {
                    vec![Target::Ignore]
                }
            }
            "object_pattern" => vec![Target::Destructure(self.pattern_names(n))],
            "array_pattern" => vec![Target::Destructure(
                named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "identifier")
                    .map(|c| (None, self.text(c)))
                    .collect(),
            )],
            "lexical_declaration" | "variable_declaration" => named_children(n)
                .into_iter()
                .filter_map(|d| d.field("name"))
                .flat_map(|nm| self.targets(nm))
                .collect(),
            _ => vec![Target::Ignore],
        }
    }

    fn dotted(&self, n: Node) -> Option<String> {
        match n.kind_name() {
            "identifier" => {
                let name = self.text(n);
                let resolved = self
                    .module
                    .aliases
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == name)
                    .map(|(_, f)| f.clone());
                Some(resolved.unwrap_or(name))
            }
            "member_expression" => {
                let obj = self.dotted(n.field("object")?)?;
                let prop = self.text(n.field("property")?);
                Some(format!("{obj}.{prop}"))
            }
            "this" => Some("this".into()),
            _ => None,
        }
    }

    fn expr(&self, n: Node, depth: usize) -> Expr {
        let p = pos(n);
        if depth > MAX_DEPTH {
            return Expr::Const(String::new(), p);
        }
        let d = depth + 1;
        let none = || Expr::Const(String::new(), p);
        match n.kind_name() {
            "identifier" | "shorthand_property_identifier" | "this" => Expr::Name(self.text(n), p),
            "member_expression" => {
                let obj = n
                    .field("object")
                    .map(|o| self.expr(o, d))
                    .unwrap_or_else(none);
                let key = n.field("property").map(|x| self.text(x));
                Expr::Member {
                    obj: Box::new(obj),
                    key,
                    index: None,
                    pos: p,
                }
            }
            "subscript_expression" => {
                let obj = n
                    .field("object")
                    .map(|o| self.expr(o, d))
                    .unwrap_or_else(none);
                let idx = n.field("index");
                let key = idx
                    .filter(|i| i.kind_name() == "string")
                    .map(|i| self.str_lit(i));
                let index = idx
                    .filter(|i| i.kind_name() != "string")
                    .map(|i| Box::new(self.expr(i, d)));
                Expr::Member {
                    obj: Box::new(obj),
                    key,
                    index,
                    pos: p,
                }
            }
            "call_expression" | "new_expression" => self.call(n, d),
            "template_string" => {
                // Literal pieces and substitutions in order (see the Python f-string).
                let mut parts = Vec::new();
                for c in named_children(n) {
                    if c.kind_name() == "template_substitution" {
                        if let Some(e) = c.named_child(0) {
                            parts.push(self.expr(e, d));
                        }
                    } else {
                        let text = self.text(c);
                        match parts.last_mut() {
                            Some(Expr::Str(prev, _)) => prev.push_str(&text),
                            _ => parts.push(Expr::Str(text, pos(c))),
                        }
                    }
                }
                match parts.len() {
                    0 => Expr::Str(String::new(), p),
                    1 if matches!(parts[0], Expr::Str(..)) => parts.remove(0),
                    _ => Expr::Concat(parts, p),
                }
            }
            "string" => Expr::Str(self.str_lit(n), p),
            "number" | "true" | "false" | "null" | "undefined" | "regex" => {
                Expr::Const(self.text(n), p)
            }
            "binary_expression" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let l = n
                    .field("left")
                    .map(|x| self.expr(x, d))
                    .unwrap_or_else(none);
                let r = n
                    .field("right")
                    .map(|x| self.expr(x, d))
                    .unwrap_or_else(none);
                binary(op, l, r, p)
            }
            "ternary_expression" => {
                let part =
                    |f: &'static str| n.field(f).map(|x| self.expr(x, d)).unwrap_or_else(none);
                Expr::Op(
                    "?:".into(),
                    vec![part("condition"), part("consequence"), part("alternative")],
                    p,
                )
            }
            "unary_expression" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let arg = n
                    .field("argument")
                    .map(|a| self.expr(a, d))
                    .unwrap_or_else(none);
                match op.as_str() {
                    "!" => Expr::Not(Box::new(arg), p),
                    "typeof" | "void" | "-" | "+" | "~" => {
                        // The result is a number or a type name.
                        Expr::Other(vec![], p)
                    }
                    _ => arg,
                }
            }
            "object" => Expr::Object(
                named_children(n)
                    .into_iter()
                    .filter_map(|prop| match prop.kind_name() {
                        "pair" => {
                            let k = prop.field("key")?;
                            let key = Some(self.str_lit(k));
                            let v = prop.field("value").map(|v| self.expr(v, d))?;
                            Some((key, v))
                        }
                        "shorthand_property_identifier" => Some((
                            Some(self.text(prop)),
                            Expr::Name(self.text(prop), pos(prop)),
                        )),
                        "spread_element" => prop.named_child(0).map(|e| (None, self.expr(e, d))),
                        _ => None,
                    })
                    .collect(),
                p,
            ),
            "array" => Expr::Seq(
                named_children(n)
                    .into_iter()
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
            "arrow_function" | "function_expression" | "function" => self
                .function(n, Some("<callback>"), d)
                .map(|f| Expr::Function(Box::new(f)))
                .unwrap_or_else(none),
            "assignment_expression" => n
                .field("right")
                .map(|r| self.expr(r, d))
                .unwrap_or_else(none),
            "await_expression"
            | "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "spread_element" => n
                .named_child(0)
                .map(|c| self.expr(c, d))
                .unwrap_or_else(none),
            _ => Expr::Other(
                named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() != "comment")
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
        }
    }

    fn call(&self, n: Node, d: usize) -> Expr {
        let p = pos(n);
        let is_new = n.kind_name() == "new_expression";
        let func = n.field("function").or_else(|| n.field("constructor"));
        // `handlers[event.action](...)`: a function taken from a table.
        let table = func
            .filter(|f| f.kind_name() == "subscript_expression")
            .and_then(|f| {
                let base = self.dotted(f.field("object")?)?;
                let key = f.field("index")?;
                Some((format!("{base}[]"), Box::new(self.expr(key, d))))
            });
        let (callee, key) = match table {
            Some((callee, key)) => (callee, Some(key)),
            None => (
                func.and_then(|f| self.dotted(f)).unwrap_or_else(|| {
                    func.and_then(|f| f.field("property"))
                        .map(|a| self.text(a))
                        .unwrap_or_default()
                }),
                None,
            ),
        };
        let receiver = func
            .filter(|f| f.kind_name() == "member_expression")
            .and_then(|f| f.field("object"))
            .map(|o| self.expr(o, d));
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        if let Some(a) = n.field("arguments") {
            for c in named_children(a) {
                if c.kind_name() == "comment" {
                    continue;
                }
                let e = self.expr(c, d);
                if let Expr::Object(props, _) = &e {
                    for (k, v) in props {
                        if let Some(k) = k {
                            kwargs.push((k.clone(), v.clone()));
                        }
                    }
                }
                args.push(e);
            }
        }
        let text = super::ir::call_text(&self.text(n));
        Expr::Call(Box::new(Call {
            callee,
            receiver,
            args,
            kwargs,
            is_new,
            pos: p,
            text,
            key,
        }))
    }
}
