//! Python (tree-sitter-python) to the taint IR.

use super::ir::{Call, Expr, FunctionDef, Module, Param, Stmt, Target};
use super::syntax::{end, named_children, pos};
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

/// Nesting beyond this is not lowered (hostile input cannot overflow the stack).
const MAX_DEPTH: usize = 120;

pub fn lower(text: &str) -> Option<Module> {
    let tree = crate::parse::parse(crate::parse::Grammar::Python, text)?;
    let mut l = Lower {
        src: text.as_bytes(),
        module: Module::default(),
    };
    // Imports anywhere (inside functions too) bind names for the whole file. Routes declared
    // inside functions (Flask app factories, `register_routes(app)`) and class methods (Django
    // class-based views) are entry points too. One walk of the tree finds both.
    let mut imports = Vec::new();
    let mut nested = Vec::new();
    crate::handler::preorder(&tree, |n| match n.kind_name() {
        "import_statement" | "import_from_statement" => imports.push(n),
        "decorated_definition" | "class_definition"
            if n.parent().is_some_and(|p| p.kind_name() != "module") =>
        {
            nested.push(n)
        }
        _ => {}
    });
    for n in imports {
        l.import(n);
    }
    l.module.python = true;
    let root = tree.root_node();
    let mut top = Vec::new();
    for child in named_children(root) {
        l.top_level(child, &mut top);
    }
    l.module.top = top;
    for n in named_children(root)
        .into_iter()
        .filter(|n| n.kind_name() == "class_definition")
    {
        l.class(n);
    }
    for n in nested {
        match n.kind_name() {
            "class_definition" => l.class(n),
            // Methods were read with their class.
            _ if n
                .parent()
                .and_then(|b| b.parent())
                .is_some_and(|c| c.kind_name() == "class_definition") => {}
            _ => {
                let is_route = named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "decorator")
                    .any(|d| is_route_decorator(&l.text(d)));
                if let Some(def) = n.field("definition") {
                    if is_route && def.kind_name() == "function_definition" {
                        if let Some(f) = l.function(def, 0) {
                            if let Some(path) = l.static_route(n) {
                                l.module.static_routes.push((f.pos, path));
                            }
                            l.module.routes.push(f);
                        }
                    }
                }
            }
        }
    }
    // Functions whose first parameter is the request (Django function views, class-based view
    // methods, Django REST framework viewsets).
    let views: Vec<FunctionDef> = l
        .module
        .functions
        .iter()
        .chain(&l.module.methods)
        .filter(|f| matches!(f.params.first(), Some(Param::Name(n)) if n == "request"))
        .cloned()
        .collect();
    l.module.views = views;
    Some(l.module)
}

/// How many keys below a variable an assignment's access path keeps (`a["b"]["c"]["d"] = x`).
const MAX_TARGET_KEYS: usize = 4;

struct Lower<'a> {
    src: &'a [u8],
    module: Module,
}

impl Lower<'_> {
    fn text(&self, n: Node) -> String {
        n.utf8_text(self.src).unwrap_or("").to_string()
    }

    fn import(&mut self, n: Node) {
        match n.kind_name() {
            "import_statement" => {
                for c in named_children(n) {
                    match c.kind_name() {
                        "dotted_name" => {
                            let m = self.text(c);
                            let first = m.split('.').next().unwrap_or(&m).to_string();
                            self.module.aliases.push((first.clone(), first));
                            self.module.imported.push(m.clone());
                            self.module.local_imports.push((m.clone(), m, None));
                        }
                        "aliased_import" => {
                            let name = c.field("name").map(|x| self.text(x)).unwrap_or_default();
                            let alias = c.field("alias").map(|x| self.text(x)).unwrap_or_default();
                            self.module.aliases.push((alias.clone(), name.clone()));
                            self.module.imported.push(name.clone());
                            self.module.local_imports.push((alias, name, None));
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let module = n
                    .field("module_name")
                    .map(|m| self.text(m))
                    .unwrap_or_default();
                self.module
                    .imported
                    .push(module.trim_start_matches('.').to_string());
                let mut cursor = n.walk();
                for c in n.children_by_field_name("name", &mut cursor) {
                    let (name, alias) = match c.kind_name() {
                        "aliased_import" => (
                            c.field("name").map(|x| self.text(x)).unwrap_or_default(),
                            c.field("alias").map(|x| self.text(x)).unwrap_or_default(),
                        ),
                        _ => (self.text(c), self.text(c)),
                    };
                    let full = if module.ends_with('.') {
                        format!("{module}{name}")
                    } else {
                        format!("{module}.{name}")
                    };
                    self.module
                        .aliases
                        .push((alias.clone(), full.trim_start_matches('.').to_string()));
                    self.module
                        .local_imports
                        .push((alias, module.clone(), Some(name)));
                }
            }
            _ => {}
        }
    }

    fn top_level(&mut self, n: Node, top: &mut Vec<Stmt>) {
        match n.kind_name() {
            "import_statement" | "import_from_statement" => {}
            "function_definition" => {
                if let Some(f) = self.function(n, 0) {
                    self.module.functions.push(f);
                }
            }
            "decorated_definition" => {
                let is_route = named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "decorator")
                    .any(|d| is_route_decorator(&self.text(d)));
                if let Some(def) = n.field("definition") {
                    if is_route && def.kind_name() == "function_definition" {
                        if let Some(f) = self.function(def, 0) {
                            if let Some(path) = self.static_route(n) {
                                self.module.static_routes.push((f.pos, path));
                            }
                            self.module.routes.push(f);
                        }
                    }
                    self.top_level(def, top);
                }
            }
            "if_statement" | "try_statement" | "with_statement" => {
                // `if __name__ == ...`, guarded imports: statements inside still define things.
                let s = self.stmt(n, 0);
                top.extend(s);
            }
            _ => top.extend(self.stmt(n, 0)),
        }
    }

    /// The path of a route declared without parameters (`@app.route("/health")`): the request
    /// path of every call is that literal.
    fn static_route(&self, decorated: Node) -> Option<String> {
        let mut paths = named_children(decorated)
            .into_iter()
            .filter(|d| d.kind_name() == "decorator" && is_route_decorator(&self.text(*d)))
            .map(|d| {
                let call = d.named_child(0).filter(|c| c.kind_name() == "call")?;
                let first = call.field("arguments")?.named_child(0)?;
                (first.kind_name() == "string").then(|| self.string_text(first))
            });
        let path = paths.next()??;
        // One route, a literal path without converters (`<id>`, `{id}`).
        (paths.next().is_none() && path.starts_with('/') && !path.contains(['<', '{']))
            .then_some(path)
    }

    /// A class's methods, named `Class.method` (decorated ones too), for views and routes.
    fn class(&mut self, n: Node) {
        let Some(name) = n.field("name").map(|x| self.text(x)) else {
            return;
        };
        let Some(body) = n.field("body") else {
            return;
        };
        for c in named_children(body) {
            let (def, decorators) = match c.kind_name() {
                "function_definition" => (Some(c), Vec::new()),
                "decorated_definition" => (
                    c.field("definition"),
                    named_children(c)
                        .into_iter()
                        .filter(|d| d.kind_name() == "decorator")
                        .collect(),
                ),
                _ => continue,
            };
            let Some(def) = def.filter(|d| d.kind_name() == "function_definition") else {
                continue;
            };
            if let Some(mut f) = self.function(def, 0) {
                f.name = format!("{name}.{}", f.name);
                if decorators
                    .iter()
                    .any(|d| is_route_decorator(&self.text(*d)))
                {
                    self.module.routes.push(f.clone());
                }
                // Properties run on attribute access, which is not a call: reach cannot see
                // them used, so they count as run.
                if decorators.iter().any(|d| {
                    let t = self.text(*d);
                    t == "@property" || t.ends_with("cached_property") || t.ends_with(".setter")
                }) {
                    self.module.accessed.push(f.pos);
                }
                self.module.methods.push(f);
            }
        }
    }

    fn function(&self, n: Node, depth: usize) -> Option<FunctionDef> {
        let name = self.text(n.field("name")?);
        let params = n
            .field("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        let body = n
            .field("body")
            .map(|b| self.block(b, depth + 1))
            .unwrap_or_default();
        let globals = n
            .field("body")
            .map(|b| self.global_names(b))
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

    /// The names a function body declares `global` (not those of functions nested in it).
    fn global_names(&self, body: Node) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            for c in named_children(n) {
                match c.kind_name() {
                    "global_statement" => out.extend(
                        named_children(c)
                            .into_iter()
                            .filter(|i| i.kind_name() == "identifier")
                            .map(|i| self.text(i)),
                    ),
                    "function_definition" | "class_definition" | "lambda" => {}
                    k if k.ends_with("statement") || k == "block" || k.ends_with("clause") => {
                        stack.push(c)
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn params(&self, p: Node) -> Vec<Param> {
        named_children(p)
            .into_iter()
            .filter_map(|c| {
                let name = match c.kind_name() {
                    "identifier" => self.text(c),
                    "typed_parameter" | "default_parameter" | "typed_default_parameter" => {
                        let n = c.field("name").or_else(|| c.named_child(0))?;
                        self.text(n)
                    }
                    "list_splat_pattern" | "dictionary_splat_pattern" => return None,
                    _ => return None,
                };
                (name != "self" && name != "cls").then_some(Param::Name(name))
            })
            .collect()
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

    fn stmt(&self, n: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        match n.kind_name() {
            "expression_statement" => named_children(n)
                .into_iter()
                .flat_map(|c| match c.kind_name() {
                    "assignment" | "augmented_assignment" => self.assignment(c, depth),
                    _ => {
                        let e = self.expr(c, depth);
                        // `abort(400)`, `sys.exit()` do not return: like `raise`.
                        match &e {
                            Expr::Call(call)
                                if matches!(
                                    call.callee.as_str(),
                                    "flask.abort"
                                        | "abort"
                                        | "werkzeug.exceptions.abort"
                                        | "sys.exit"
                                        | "os._exit"
                                        | "exit"
                                        | "quit"
                                        | "fastapi.HTTPException"
                                ) =>
                            {
                                vec![Stmt::Raise(Some(e.clone()), pos(c))]
                            }
                            _ => vec![Stmt::Expr(e)],
                        }
                    }
                })
                .collect(),
            "return_statement" => vec![Stmt::Return(
                n.named_child(0).map(|e| self.expr(e, depth)),
                pos(n),
            )],
            "raise_statement" => vec![Stmt::Raise(
                n.named_child(0).map(|e| self.expr(e, depth)),
                pos(n),
            )],
            "if_statement" => vec![self.if_stmt(n, depth)],
            "match_statement" => self.match_stmt(n, depth),
            "for_statement" => {
                let target = n.field("left").map(|l| self.targets(l)).unwrap_or_default();
                let iter = n
                    .field("right")
                    .map(|r| self.expr(r, depth))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let body = n
                    .field("body")
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                vec![Stmt::Loop { target, iter, body }]
            }
            "while_statement" => {
                let iter = n
                    .field("condition")
                    .map(|c| self.expr(c, depth))
                    .unwrap_or(Expr::Const(String::new(), pos(n)));
                let body = n
                    .field("body")
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                vec![Stmt::Loop {
                    target: vec![],
                    iter,
                    body,
                }]
            }
            "try_statement" => {
                let body = n
                    .field("body")
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                let mut handlers = Vec::new();
                let mut finally = Vec::new();
                for c in named_children(n) {
                    match c.kind_name() {
                        "except_clause" | "except_group_clause" => {
                            let mut name = None;
                            let mut hbody = Vec::new();
                            for part in named_children(c) {
                                match part.kind_name() {
                                    "as_pattern" => {
                                        name = part
                                            .field("alias")
                                            .map(|a| self.text(a).trim().to_string());
                                    }
                                    "block" => hbody = self.block(part, depth + 1),
                                    "identifier" if name.is_none() && self.prev_is_as(part) => {
                                        name = Some(self.text(part));
                                    }
                                    _ => {}
                                }
                            }
                            handlers.push((name, hbody, pos(c)));
                        }
                        "finally_clause" => {
                            if let Some(b) = named_children(c)
                                .into_iter()
                                .find(|x| x.kind_name() == "block")
                            {
                                finally = self.block(b, depth + 1);
                            }
                        }
                        "else_clause" => {
                            if let Some(b) = c.field("body") {
                                finally.extend(self.block(b, depth + 1));
                            }
                        }
                        _ => {}
                    }
                }
                vec![Stmt::Try {
                    body,
                    handlers,
                    finally,
                }]
            }
            "with_statement" => {
                let mut out = Vec::new();
                for c in named_children(n) {
                    if c.kind_name() == "with_clause" {
                        for item in named_children(c) {
                            let Some(v) = item.field("value") else {
                                continue;
                            };
                            if v.kind_name() == "as_pattern" {
                                let value = v
                                    .named_child(0)
                                    .map(|e| self.expr(e, depth))
                                    .unwrap_or(Expr::Const(String::new(), pos(v)));
                                // `as f`: the alias wraps the target (`as_pattern_target`).
                                let target = v
                                    .field("alias")
                                    .map(|a| match a.kind_name() {
                                        "as_pattern_target" => a.named_child(0).unwrap_or(a),
                                        _ => a,
                                    })
                                    .map(|a| self.targets(a))
                                    .unwrap_or_default();
                                out.push(Stmt::Assign {
                                    targets: target,
                                    value,
                                    augment: false,
                                    pos: pos(v),
                                });
                            } else {
                                out.push(Stmt::Expr(self.expr(v, depth)));
                            }
                        }
                    }
                }
                if let Some(b) = n.field("body") {
                    out.extend(self.block(b, depth + 1));
                }
                out
            }
            "function_definition" => self.function(n, depth).map(Stmt::Def).into_iter().collect(),
            "decorated_definition" => n
                .field("definition")
                .map(|d| self.stmt(d, depth))
                .unwrap_or_default(),
            "block" => self.block(n, depth + 1),
            _ => Vec::new(),
        }
    }

    /// `match subject:` becomes an `if` chain: literal cases compare the subject with `==` (or
    /// `in` for `'a' | 'b'`), so that constant subjects fold; `case _`/`case name` is the else.
    fn match_stmt(&self, n: Node, depth: usize) -> Vec<Stmt> {
        let p = pos(n);
        let subject = n
            .field("subject")
            .map(|s| self.expr(s, depth))
            .unwrap_or(Expr::Const(String::new(), p));
        let clauses: Vec<Node> = n
            .field("body")
            .map(|b| {
                named_children(b)
                    .into_iter()
                    .filter(|c| c.kind_name() == "case_clause")
                    .collect()
            })
            .unwrap_or_default();
        let mut otherwise: Vec<Stmt> = Vec::new();
        for clause in clauses.into_iter().rev() {
            let mut literals = Vec::new();
            let mut capture: Option<String> = None;
            let mut irrefutable = false;
            let mut unknown = false;
            let mut guarded = false;
            for c in named_children(clause) {
                match c.kind_name() {
                    "case_pattern" => {
                        let inner = named_children(c);
                        if inner.is_empty() {
                            irrefutable = true;
                        }
                        for pat in inner {
                            let alts = if pat.kind_name() == "union_pattern" {
                                named_children(pat)
                            } else {
                                vec![pat]
                            };
                            for a in alts {
                                match a.kind_name() {
                                    "string"
                                    | "integer"
                                    | "float"
                                    | "true"
                                    | "false"
                                    | "none"
                                    | "concatenated_string" => {
                                        literals.push(self.expr(a, depth + 1))
                                    }
                                    "dotted_name" if !self.text(a).contains('.') => {
                                        irrefutable = true;
                                        capture = Some(self.text(a));
                                    }
                                    _ => unknown = true,
                                }
                            }
                        }
                    }
                    "if_clause" => guarded = true,
                    _ => {}
                }
            }
            let mut body = clause
                .field("consequence")
                .map(|b| self.block(b, depth + 1))
                .unwrap_or_default();
            if let Some(name) = capture.filter(|_| !unknown && literals.is_empty()) {
                body.insert(
                    0,
                    Stmt::Assign {
                        targets: vec![Target::Name(name)],
                        value: subject.clone(),
                        augment: false,
                        pos: pos(clause),
                    },
                );
            }
            if irrefutable && !unknown && literals.is_empty() && !guarded {
                otherwise = body;
                continue;
            }
            let cond = if unknown || guarded || literals.is_empty() {
                Expr::Other(vec![subject.clone()], pos(clause))
            } else if literals.len() == 1 {
                Expr::Compare {
                    op: "==".into(),
                    left: Box::new(subject.clone()),
                    right: Box::new(literals.remove(0)),
                    pos: pos(clause),
                }
            } else {
                Expr::Compare {
                    op: "in".into(),
                    left: Box::new(subject.clone()),
                    right: Box::new(Expr::Seq(literals, pos(clause))),
                    pos: pos(clause),
                }
            };
            otherwise = vec![Stmt::If {
                cond,
                then: body,
                otherwise,
            }];
        }
        let mut out = vec![Stmt::Expr(subject)];
        out.extend(otherwise);
        out
    }

    fn prev_is_as(&self, n: Node) -> bool {
        n.prev_sibling().is_some_and(|p| p.kind_name() == "as")
    }

    fn if_stmt(&self, n: Node, depth: usize) -> Stmt {
        let cond = n
            .field("condition")
            .map(|c| self.expr(c, depth))
            .unwrap_or(Expr::Const(String::new(), pos(n)));
        let then = n
            .field("consequence")
            .map(|b| self.block(b, depth + 1))
            .unwrap_or_default();
        // elif/else chain, innermost first.
        let mut cursor = n.walk();
        let alternatives: Vec<Node> = n
            .children_by_field_name("alternative", &mut cursor)
            .collect();
        let mut otherwise: Vec<Stmt> = Vec::new();
        for alt in alternatives.iter().rev() {
            match alt.kind_name() {
                "else_clause" => {
                    otherwise = alt
                        .field("body")
                        .map(|b| self.block(b, depth + 1))
                        .unwrap_or_default();
                }
                "elif_clause" => {
                    let c = alt
                        .field("condition")
                        .map(|c| self.expr(c, depth))
                        .unwrap_or(Expr::Const(String::new(), pos(*alt)));
                    let t = alt
                        .field("consequence")
                        .map(|b| self.block(b, depth + 1))
                        .unwrap_or_default();
                    otherwise = vec![Stmt::If {
                        cond: c,
                        then: t,
                        otherwise: std::mem::take(&mut otherwise),
                    }];
                }
                _ => {}
            }
        }
        Stmt::If {
            cond,
            then,
            otherwise,
        }
    }

    fn assignment(&self, n: Node, depth: usize) -> Vec<Stmt> {
        let augment = n.kind_name() == "augmented_assignment";
        let Some(left) = n.field("left") else {
            return vec![];
        };
        let Some(right) = n.field("right") else {
            return vec![];
        };
        // `a = b = value`
        if right.kind_name() == "assignment" {
            let mut inner = self.assignment(right, depth);
            if let Some(Stmt::Assign { value, .. }) = inner.last().cloned() {
                inner.push(Stmt::Assign {
                    targets: self.targets(left),
                    value,
                    augment,
                    pos: pos(n),
                });
            }
            return inner;
        }
        let value = self.expr(right, depth);
        let mut out = vec![Stmt::Assign {
            targets: self.targets(left),
            value: value.clone(),
            augment,
            pos: pos(n),
        }];
        out.extend(self.store_call(left, value, n));
        out
    }

    /// `session["user"] = v`, `g.user = v`: the store as a call (`flask.session.__setitem__("user",
    /// v)`), so that the catalog can name stores that are sinks (sessions, identity context).
    fn store_call(&self, left: Node, value: Expr, n: Node) -> Option<Stmt> {
        let (object, key, method) = match left.kind_name() {
            "subscript" => (
                left.field("value")?,
                self.expr(left.field("subscript")?, 1),
                "__setitem__",
            ),
            "attribute" => {
                let attr = left.field("attribute")?;
                (
                    left.field("object")?,
                    Expr::Str(self.text(attr), pos(attr)),
                    "__setattr__",
                )
            }
            _ => return None,
        };
        let base = self.dotted(object)?;
        if base == "self" || base == "cls" {
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
            "attribute" | "subscript" => {
                let object = n.field("object").or_else(|| n.field("value"));
                if let Some(obj) = object.filter(|o| o.kind_name() == "identifier") {
                    let key = if n.kind_name() == "attribute" {
                        n.field("attribute")
                            .map(|a| Expr::Str(self.text(a), pos(a)))
                    } else {
                        n.field("subscript").map(|s| self.expr(s, 1))
                    };
                    if let Some(key) = key {
                        return vec![Target::Index(self.text(obj), key)];
                    }
                }
                // The keys from the base variable in: `cfg["db"]["cmd"]` -> cfg, [db, cmd].
                let mut base = n;
                let mut keys = Vec::new();
                let mut known = true;
                while let Some(inner) = base.field("object").or_else(|| base.field("value")) {
                    let key = match base.kind_name() {
                        "attribute" => base
                            .field("attribute")
                            .map(|a| Expr::Str(self.text(a), pos(a))),
                        "subscript" => base.field("subscript").map(|k| self.expr(k, 1)),
                        _ => None,
                    };
                    match key {
                        Some(k) if keys.len() < MAX_TARGET_KEYS => keys.push(k),
                        _ => known = false,
                    }
                    base = inner;
                }
                keys.reverse();
                if !known {
                    keys.clear();
                }
                if base.kind_name() == "identifier" {
                    vec![Target::Member(self.text(base), keys)]
                } else {
                    vec![Target::Ignore]
                }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "expression_list" | "tuple"
            | "list" => {
                let names: Vec<(Option<String>, String)> = named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() == "identifier")
                    .map(|c| (None, self.text(c)))
                    .collect();
                vec![Target::Destructure(names)]
            }
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
                    .map(|(_, full)| full.clone());
                Some(resolved.unwrap_or(name))
            }
            "attribute" => {
                let obj = self.dotted(n.field("object")?)?;
                let attr = self.text(n.field("attribute")?);
                Some(format!("{obj}.{attr}"))
            }
            _ => None,
        }
    }

    fn expr(&self, n: Node, depth: usize) -> Expr {
        let p = pos(n);
        if depth > MAX_DEPTH {
            return Expr::Const(String::new(), p);
        }
        let d = depth + 1;
        match n.kind_name() {
            "identifier" => Expr::Name(self.text(n), p),
            "attribute" => {
                let obj = n
                    .field("object")
                    .map(|o| self.expr(o, d))
                    .unwrap_or(Expr::Const(String::new(), p));
                let key = n.field("attribute").map(|a| self.text(a));
                Expr::Member {
                    obj: Box::new(obj),
                    key,
                    index: None,
                    pos: p,
                }
            }
            "subscript" => {
                let obj = n
                    .field("value")
                    .map(|o| self.expr(o, d))
                    .unwrap_or(Expr::Const(String::new(), p));
                let sub = n.field("subscript");
                let key = sub
                    .filter(|s| s.kind_name() == "string")
                    .map(|s| self.string_text(s));
                let index = sub
                    .filter(|s| s.kind_name() != "string")
                    .map(|s| Box::new(self.expr(s, d)));
                Expr::Member {
                    obj: Box::new(obj),
                    key,
                    index,
                    pos: p,
                }
            }
            "call" => self.call(n, d),
            "string" => {
                // An f-string keeps its literal pieces and interpolations in order: where the
                // event lands (host or path of a URL, value or keyword of SQL) depends on it.
                let children = named_children(n);
                if !children.iter().any(|c| c.kind_name() == "interpolation") {
                    return Expr::Str(self.string_text(n), p);
                }
                let mut parts = Vec::new();
                for c in children {
                    match c.kind_name() {
                        "string_content" => parts.push(Expr::Str(self.text(c), pos(c))),
                        "interpolation" => {
                            if let Some(e) = c.field("expression").or_else(|| c.named_child(0)) {
                                parts.push(self.expr(e, d));
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Concat(parts, p)
            }
            "concatenated_string" => Expr::Concat(
                named_children(n)
                    .into_iter()
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
            "binary_operator" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let l = n.field("left").map(|x| self.expr(x, d));
                let r = n.field("right").map(|x| self.expr(x, d));
                let parts: Vec<Expr> = l.into_iter().chain(r).collect();
                let numeric = |e: &Expr| match e {
                    Expr::Const(c, _) => c.parse::<f64>().is_ok(),
                    Expr::Op(op, _, _) => op != "?:",
                    _ => false,
                };
                if (op == "+" || op == "%") && !parts.iter().any(numeric) {
                    Expr::Concat(parts, p)
                } else if parts.len() == 2 {
                    Expr::Op(op, parts, p)
                } else {
                    Expr::Other(parts, p)
                }
            }
            "boolean_operator" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let l = n.field("left").map(|x| self.expr(x, d));
                let r = n.field("right").map(|x| self.expr(x, d));
                let parts: Vec<Expr> = l.into_iter().chain(r).collect();
                if parts.len() == 2 && (op == "and" || op == "or") {
                    Expr::Op(op, parts, p)
                } else {
                    Expr::Other(parts, p)
                }
            }
            // `a if cond else b`
            "conditional_expression" => {
                let parts: Vec<Expr> = named_children(n)
                    .into_iter()
                    .filter(|c| c.kind_name() != "comment")
                    .map(|c| self.expr(c, d))
                    .collect();
                match <[Expr; 3]>::try_from(parts) {
                    Ok([then, cond, otherwise]) => {
                        Expr::Op("?:".into(), vec![cond, then, otherwise], p)
                    }
                    Err(parts) => Expr::Other(parts, p),
                }
            }
            "parenthesized_expression" if n.named_child_count() == 1 => n
                .named_child(0)
                .map(|c| self.expr(c, d))
                .unwrap_or(Expr::Const(String::new(), p)),
            "not_operator" => Expr::Not(
                Box::new(
                    n.field("argument")
                        .map(|a| self.expr(a, d))
                        .unwrap_or(Expr::Const(String::new(), p)),
                ),
                p,
            ),
            "comparison_operator" => {
                let operands: Vec<Node> = named_children(n);
                let mut ops = Vec::new();
                let mut c = n.walk();
                for child in n.children(&mut c) {
                    if !child.is_named() {
                        ops.push(self.text(child));
                    }
                }
                let op = if ops.len() >= 2 && ops[0] == "not" && ops[1] == "in" {
                    "not in".to_string()
                } else if ops.len() >= 2 && ops[0] == "is" && ops[1] == "not" {
                    "is not".to_string()
                } else {
                    ops.first().cloned().unwrap_or_default()
                };
                match (operands.first(), operands.get(1)) {
                    (Some(l), Some(r)) => Expr::Compare {
                        op,
                        left: Box::new(self.expr(*l, d)),
                        right: Box::new(self.expr(*r, d)),
                        pos: p,
                    },
                    _ => Expr::Other(operands.into_iter().map(|o| self.expr(o, d)).collect(), p),
                }
            }
            "dictionary" => Expr::Object(
                named_children(n)
                    .into_iter()
                    .filter_map(|pair| {
                        if pair.kind_name() != "pair" {
                            return Some((None, self.expr(pair, d)));
                        }
                        let k = pair.field("key")?;
                        let key = (k.kind_name() == "string").then(|| self.string_text(k));
                        let v = pair.field("value").map(|v| self.expr(v, d))?;
                        Some((key, v))
                    })
                    .collect(),
                p,
            ),
            "list" | "tuple" | "set" | "expression_list" => Expr::Seq(
                named_children(n)
                    .into_iter()
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
            "lambda" => {
                let params = n
                    .field("parameters")
                    .map(|x| self.params(x))
                    .unwrap_or_default();
                let body = n
                    .field("body")
                    .map(|b| vec![Stmt::Return(Some(self.expr(b, d)), pos(b))])
                    .unwrap_or_default();
                Expr::Function(Box::new(FunctionDef {
                    name: "<lambda>".into(),
                    params,
                    body,
                    pos: p,
                    end: end(n),
                    globals: Vec::new(),
                }))
            }
            "integer" | "float" | "true" | "false" | "none" => Expr::Const(self.text(n), p),
            "keyword_argument" => n
                .field("value")
                .map(|v| self.expr(v, d))
                .unwrap_or(Expr::Const(String::new(), p)),
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

    /// A string literal's content without quotes or prefixes.
    fn string_text(&self, n: Node) -> String {
        let raw = self
            .text(n)
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .any(|c| c == 'r' || c == 'R');
        let parts: Vec<String> = named_children(n)
            .into_iter()
            .filter(|c| c.kind_name() == "string_content")
            .map(|c| {
                if raw {
                    self.text(c)
                } else {
                    unescape(&self.text(c))
                }
            })
            .collect();
        if !parts.is_empty() {
            return parts.concat();
        }
        let t = self.text(n);
        t.trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .trim_matches(|c| c == '"' || c == '\'')
            .to_string()
    }

    fn call(&self, n: Node, d: usize) -> Expr {
        let p = pos(n);
        let func = n.field("function");
        // `HANDLERS[action](...)`: a function taken from a table.
        let table = func.filter(|f| f.kind_name() == "subscript").and_then(|f| {
            let base = self.dotted(f.field("value")?)?;
            let key = f.field("subscript")?;
            Some((format!("{base}[]"), Box::new(self.expr(key, d))))
        });
        let (callee, key) = match table {
            Some((callee, key)) => (callee, Some(key)),
            None => (
                func.and_then(|f| self.dotted(f)).unwrap_or_else(|| {
                    func.and_then(|f| f.field("attribute"))
                        .map(|a| self.text(a))
                        .unwrap_or_default()
                }),
                None,
            ),
        };
        let receiver = func
            .filter(|f| f.kind_name() == "attribute")
            .and_then(|f| f.field("object"))
            .map(|o| self.expr(o, d));
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        if let Some(a) = n.field("arguments") {
            for c in named_children(a) {
                match c.kind_name() {
                    "keyword_argument" => {
                        let name = c.field("name").map(|x| self.text(x)).unwrap_or_default();
                        let value = c
                            .field("value")
                            .map(|v| self.expr(v, d))
                            .unwrap_or(Expr::Const(String::new(), p));
                        kwargs.push((name, value));
                    }
                    "comment" => {}
                    _ => args.push(self.expr(c, d)),
                }
            }
        }
        let text = super::ir::call_text(&self.text(n));
        Expr::Call(Box::new(Call {
            callee,
            receiver,
            args,
            kwargs,
            is_new: false,
            pos: p,
            text,
            key,
        }))
    }
}

/// The common escapes of a non-raw string literal (`\'`, `\\`, `\n`); others stay as written,
/// as Python keeps unknown escapes (`\d`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// `@app.route("/x")`, `@router.get("/x")`, `@app.post(...)`, `@bp.route(...)`: a web route.
fn is_route_decorator(text: &str) -> bool {
    let t = text.trim_start_matches('@').trim();
    let Some((head, _)) = t.split_once('(') else {
        return false;
    };
    let verb = head.rsplit('.').next().unwrap_or("");
    head.contains('.')
        && matches!(
            verb,
            "route"
                | "get"
                | "post"
                | "put"
                | "delete"
                | "patch"
                | "api_route"
                | "websocket"
                | "head"
                | "options"
        )
}
