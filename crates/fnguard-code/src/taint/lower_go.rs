//! Go (tree-sitter-go) to the taint IR.
//!
//! Package-qualified calls are written with the package's import path (`os/exec.Command`,
//! `net/http.Get`, `github.com/aws/aws-sdk-go-v2/service/s3.PutObjectInput` for a composite
//! literal). A call that fills a variable through a pointer (`json.Unmarshal(body, &req)`,
//! `row.Scan(&name)`) also assigns the call's value to that variable. The Lambda entry point is
//! the function given to `lambda.Start` (or `StartWithOptions`, `StartHandlerFunc`): a
//! synthesized function [`ENTRY`] takes the event and calls it, with a context first when the
//! handler takes one, so that the event lands on the right parameter.

use super::ir::{Call, Expr, FunctionDef, Module, Param, Pos, Stmt, Target};
use super::syntax::{binary, code_children as named_children, end, pos, unescape_c as unescape};
use fnguard_syntax::NodeExt;
use tree_sitter::Node;

const MAX_DEPTH: usize = 120;

/// The name of the synthesized entry function that calls the handler given to `lambda.Start`.
pub const ENTRY: &str = "__lambda_entry__";

/// The import path of the Lambda runtime package.
const LAMBDA_PACKAGE: &str = "github.com/aws/aws-lambda-go/lambda";

pub fn lower(text: &str) -> Option<Module> {
    let tree = crate::parse::parse(crate::parse::Grammar::Go, text)?;
    let root = tree.root_node();
    let mut l = Lower {
        src: text.as_bytes(),
        module: Module::default(),
        packages: Vec::new(),
        context_params: Vec::new(),
    };
    for c in named_children(root) {
        if c.kind_name() == "import_declaration" {
            l.imports(c);
        }
    }
    let mut top = Vec::new();
    for c in named_children(root) {
        match c.kind_name() {
            "function_declaration" => {
                if let Some(f) = l.function(c, None) {
                    l.module.functions.push(f);
                }
            }
            "method_declaration" => {
                let recv_type = c
                    .field("receiver")
                    .and_then(|r| named_children(r).into_iter().next())
                    .and_then(|p| p.field("type"))
                    .map(|t| l.text(t).trim_start_matches('*').to_string());
                if let Some(f) = l.function(c, recv_type.as_deref()) {
                    let short = f.name.rsplit('.').next().unwrap_or(&f.name).to_string();
                    if !l.module.functions.iter().any(|g| g.name == short) {
                        let mut plain = f.clone();
                        plain.name = short;
                        l.module.functions.push(plain);
                    }
                    l.module.methods.push(f);
                }
            }
            "var_declaration" | "const_declaration" => top.extend(l.stmt(c, 0)),
            _ => {}
        }
    }
    l.module.top = top;
    l.module.lang = "go";
    if let Some(entry) = l.entry(root) {
        l.module.functions.push(entry);
    }
    Some(l.module)
}

struct Lower<'a> {
    src: &'a [u8],
    module: Module,
    /// (local package name, import path).
    packages: Vec<(String, String)>,
    /// Functions whose first parameter is a `context.Context`.
    context_params: Vec<String>,
}

impl Lower<'_> {
    fn text(&self, n: Node) -> String {
        n.utf8_text(self.src).unwrap_or("").to_string()
    }

    fn imports(&mut self, n: Node) {
        let mut specs = Vec::new();
        for c in named_children(n) {
            match c.kind_name() {
                "import_spec" => specs.push(c),
                "import_spec_list" => specs.extend(
                    named_children(c)
                        .into_iter()
                        .filter(|s| s.kind_name() == "import_spec"),
                ),
                _ => {}
            }
        }
        for s in specs {
            let Some(path) = s.field("path") else {
                continue;
            };
            let path = self.text(path).trim_matches(['"', '`']).to_string();
            let name = match s.field("name").map(|x| self.text(x)) {
                Some(n) if n == "_" || n == "." => continue,
                Some(n) => n,
                None => default_package_name(&path),
            };
            self.module.imported.push(path.clone());
            self.module.aliases.push((name.clone(), path.clone()));
            self.module
                .local_imports
                .push((name.clone(), path.clone(), None));
            self.packages.push((name, path));
        }
    }

    fn package(&self, name: &str) -> Option<&str> {
        self.packages
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
    }

    fn function(&mut self, n: Node, receiver: Option<&str>) -> Option<FunctionDef> {
        let name = self.text(n.field("name")?);
        let params = n
            .field("parameters")
            .map(|p| self.params(p))
            .unwrap_or_default();
        if n.field("parameters")
            .and_then(|p| named_children(p).into_iter().next())
            .and_then(|p| p.field("type"))
            .is_some_and(|t| self.text(t) == "context.Context")
        {
            self.context_params.push(name.clone());
        }
        let body = n
            .field("body")
            .map(|b| self.block(b, 1))
            .unwrap_or_default();
        Some(FunctionDef {
            name: match receiver {
                Some(r) => format!("{r}.{name}"),
                None => name,
            },
            params,
            body,
            pos: pos(n),
            end: end(n),
            globals: Vec::new(),
        })
    }

    fn params(&self, p: Node) -> Vec<Param> {
        let mut out = Vec::new();
        for c in named_children(p) {
            if !matches!(
                c.kind_name(),
                "parameter_declaration" | "variadic_parameter_declaration"
            ) {
                continue;
            }
            let mut cur = c.walk();
            let names: Vec<String> = c
                .children_by_field_name("name", &mut cur)
                .map(|n| self.text(n))
                .collect();
            if names.is_empty() {
                // An unnamed parameter still takes its position.
                out.push(Param::Name(String::new()));
            }
            out.extend(names.into_iter().map(Param::Name));
        }
        out
    }

    /// The synthesized entry: `func __lambda_entry__(event) { handler(ctx, event) }` for the
    /// function `lambda.Start` is given in `main`.
    fn entry(&mut self, root: Node) -> Option<FunctionDef> {
        let lambda = self
            .packages
            .iter()
            .find(|(_, p)| p == LAMBDA_PACKAGE)
            .map(|(n, _)| n.clone())?;
        let mut found: Option<(Node, Node)> = None;
        let mut stack = vec![(root, 0usize)];
        while let Some((n, depth)) = stack.pop() {
            if depth > 200 || found.is_some() {
                break;
            }
            if n.kind_name() == "call_expression" {
                let callee = n
                    .field("function")
                    .map(|f| self.text(f))
                    .unwrap_or_default();
                let start = [
                    "Start",
                    "StartWithOptions",
                    "StartHandlerFunc",
                    "StartWithContext",
                ]
                .iter()
                .any(|s| callee == format!("{lambda}.{s}"));
                if start {
                    let args = n.field("arguments").map(named_children).unwrap_or_default();
                    let handler = if callee.ends_with("StartWithContext") {
                        args.get(1).copied()
                    } else {
                        args.first().copied()
                    };
                    if let Some(h) = handler {
                        found = Some((n, h));
                    }
                    continue;
                }
            }
            for c in named_children(n).into_iter().rev() {
                stack.push((c, depth + 1));
            }
        }
        let (call, handler) = found?;
        let p = pos(call);
        // `lambda.Start(handler)`, `lambda.Start(h.Handle)`, `lambda.Start(wrap(handler))`:
        // the function named last is the one that receives the event.
        let mut target = handler;
        while target.kind_name() == "call_expression" {
            match target
                .field("arguments")
                .and_then(|a| named_children(a).into_iter().next())
            {
                Some(inner) => target = inner,
                None => break,
            }
        }
        let name = match target.kind_name() {
            "identifier" => self.text(target),
            "selector_expression" => target
                .field("field")
                .map(|f| self.text(f))
                .unwrap_or_default(),
            "func_literal" => {
                let lit = self.expr(target, 1);
                let Expr::Function(mut f) = lit else {
                    return None;
                };
                f.name = "__lambda_handler__".into();
                if target
                    .field("parameters")
                    .and_then(|p| named_children(p).into_iter().next())
                    .and_then(|p| p.field("type"))
                    .is_some_and(|t| self.text(t) == "context.Context")
                {
                    self.context_params.push(f.name.clone());
                }
                let name = f.name.clone();
                self.module.functions.push(*f);
                name
            }
            _ => return None,
        };
        let takes_context = self.context_params.contains(&name);
        let mut args = Vec::new();
        if takes_context {
            args.push(Expr::Const("ctx".into(), p));
        }
        args.push(Expr::Name("event".into(), p));
        Some(FunctionDef {
            name: ENTRY.to_string(),
            params: vec![Param::Name("event".into())],
            body: vec![Stmt::Return(
                Some(Expr::Call(Box::new(Call {
                    callee: name,
                    receiver: None,
                    args,
                    kwargs: Vec::new(),
                    is_new: false,
                    pos: p,
                    text: super::ir::call_text(&self.text(call)),
                    key: None,
                }))),
                p,
            )],
            pos: p,
            end: end(call),
            globals: Vec::new(),
        })
    }

    fn block(&mut self, b: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let mut out = Vec::new();
        for c in named_children(b) {
            if c.kind_name() == "statement_list" {
                for s in named_children(c) {
                    out.extend(self.stmt(s, depth));
                }
            } else {
                out.extend(self.stmt(c, depth));
            }
        }
        out
    }

    fn list(&mut self, n: Option<Node>, d: usize) -> Vec<Expr> {
        match n {
            Some(l) if l.kind_name() == "expression_list" => named_children(l)
                .into_iter()
                .map(|c| self.expr(c, d))
                .collect(),
            Some(e) => vec![self.expr(e, d)],
            None => Vec::new(),
        }
    }

    fn targets(&mut self, n: Option<Node>, d: usize) -> Vec<Target> {
        let nodes = match n {
            Some(l) if l.kind_name() == "expression_list" => named_children(l),
            Some(e) => vec![e],
            None => Vec::new(),
        };
        nodes
            .into_iter()
            .map(|t| match t.kind_name() {
                "identifier" if self.text(t) == "_" => Target::Ignore,
                "identifier" => Target::Name(self.text(t)),
                "selector_expression" => {
                    let obj = t.field("operand");
                    let field = t.field("field").map(|f| self.text(f));
                    match (obj, field) {
                        (Some(o), Some(f)) if o.kind_name() == "identifier" => {
                            Target::Index(self.text(o), Expr::Str(f, pos(t)))
                        }
                        _ => Target::Ignore,
                    }
                }
                "index_expression" => {
                    let obj = t.field("operand");
                    let index = t.field("index").map(|i| self.expr(i, d));
                    match (obj, index) {
                        (Some(o), Some(i)) if o.kind_name() == "identifier" => {
                            Target::Index(self.text(o), i)
                        }
                        _ => Target::Ignore,
                    }
                }
                "unary_expression" => t
                    .field("operand")
                    .filter(|o| o.kind_name() == "identifier")
                    .map(|o| Target::Name(self.text(o)))
                    .unwrap_or(Target::Ignore),
                _ => Target::Ignore,
            })
            .collect()
    }

    /// `a, b := f()` / `a, b = x, y`: pairwise when both sides have as many, else every target
    /// takes the whole right side.
    fn assign(
        &mut self,
        left: Option<Node>,
        right: Option<Node>,
        augment: bool,
        p: Pos,
        d: usize,
    ) -> Vec<Stmt> {
        let targets = self.targets(left, d);
        let values = self.list(right, d);
        if targets.len() == values.len() && targets.len() > 1 {
            return targets
                .into_iter()
                .zip(values)
                .map(|(t, v)| Stmt::Assign {
                    targets: vec![t],
                    value: v,
                    augment,
                    pos: p,
                })
                .collect();
        }
        let value = match values.len() {
            0 => return Vec::new(),
            1 => values
                .into_iter()
                .next()
                .unwrap_or(Expr::Const(String::new(), p)),
            _ => Expr::Other(values, p),
        };
        // `v, err := f()`: the error is not the value.
        let targets = if targets.len() == 2 {
            vec![targets.into_iter().next().unwrap_or(Target::Ignore)]
        } else {
            targets
        };
        let mut out = self.pointer_fills(&value, p);
        out.insert(
            0,
            Stmt::Assign {
                targets,
                value,
                augment,
                pos: p,
            },
        );
        out
    }

    /// `json.Unmarshal(b, &req)`, `rows.Scan(&a, &b)`: the variables behind `&` take the
    /// call's value.
    fn pointer_fills(&self, e: &Expr, p: Pos) -> Vec<Stmt> {
        let Expr::Call(c) = e else { return Vec::new() };
        let filled: Vec<Target> = c
            .args
            .iter()
            .filter_map(|a| match a {
                Expr::Op(op, parts, _) if op == "&" => match parts.first() {
                    Some(Expr::Name(n, _)) => Some(Target::Name(n.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if filled.is_empty() {
            return Vec::new();
        }
        let others: Vec<Expr> = c
            .args
            .iter()
            .filter(|a| !matches!(a, Expr::Op(op, _, _) if op == "&"))
            .cloned()
            .chain(c.receiver.clone())
            .collect();
        vec![Stmt::Assign {
            targets: filled,
            value: Expr::Other(others, p),
            augment: true,
            pos: p,
        }]
    }

    fn stmt(&mut self, n: Node, depth: usize) -> Vec<Stmt> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let d = depth + 1;
        let p = pos(n);
        match n.kind_name() {
            "short_var_declaration" => self.assign(n.field("left"), n.field("right"), false, p, d),
            "assignment_statement" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                self.assign(n.field("left"), n.field("right"), op != "=", p, d)
            }
            "var_declaration" | "const_declaration" => {
                let mut out = Vec::new();
                let mut specs = Vec::new();
                for c in named_children(n) {
                    match c.kind_name() {
                        "var_spec" | "const_spec" => specs.push(c),
                        "var_spec_list" | "const_spec_list" => specs.extend(named_children(c)),
                        _ => {}
                    }
                }
                for s in specs {
                    let mut cur = s.walk();
                    let names: Vec<Target> = s
                        .children_by_field_name("name", &mut cur)
                        .filter(|x| x.kind_name() == "identifier")
                        .map(|x| Target::Name(self.text(x)))
                        .collect();
                    let values = self.list(s.field("value"), d);
                    if values.is_empty() {
                        continue;
                    }
                    if names.len() == values.len() {
                        for (t, v) in names.into_iter().zip(values) {
                            out.push(Stmt::Assign {
                                targets: vec![t],
                                value: v,
                                augment: false,
                                pos: pos(s),
                            });
                        }
                    } else {
                        out.push(Stmt::Assign {
                            targets: names,
                            value: Expr::Other(values, pos(s)),
                            augment: false,
                            pos: pos(s),
                        });
                    }
                }
                out
            }
            "expression_statement" | "defer_statement" | "go_statement" => {
                let mut out = Vec::new();
                for c in named_children(n) {
                    let e = self.expr(c, d);
                    let fills = self.pointer_fills(&e, p);
                    out.push(Stmt::Expr(e));
                    out.extend(fills);
                }
                out
            }
            "return_statement" => {
                let values = named_children(n)
                    .into_iter()
                    .next()
                    .map(|l| self.list(Some(l), d))
                    .unwrap_or_default();
                // `return resp, nil`: the value, not the error.
                let value = match values.len() {
                    0 => None,
                    1 => values.into_iter().next(),
                    _ => values.into_iter().next(),
                };
                vec![Stmt::Return(value, p)]
            }
            "block" => self.block(n, d),
            "if_statement" => {
                let mut out = Vec::new();
                if let Some(init) = n.field("initializer") {
                    out.extend(self.stmt(init, d));
                }
                let cond = n
                    .field("condition")
                    .map(|c| self.expr(c, d))
                    .unwrap_or(Expr::Const(String::new(), p));
                let then = n
                    .field("consequence")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                let otherwise = n
                    .field("alternative")
                    .map(|b| self.stmt(b, d))
                    .unwrap_or_default();
                out.push(Stmt::If {
                    cond,
                    then,
                    otherwise,
                });
                out
            }
            "for_statement" => {
                let body = n
                    .field("body")
                    .map(|b| self.block(b, d))
                    .unwrap_or_default();
                let header = named_children(n)
                    .into_iter()
                    .find(|c| c.kind_name() != "block");
                match header {
                    Some(h) if h.kind_name() == "range_clause" => {
                        let targets = self.targets(h.field("left"), d);
                        let iter = h
                            .field("right")
                            .map(|r| self.expr(r, d))
                            .unwrap_or(Expr::Const(String::new(), p));
                        // `for i, v := range xs`: the value is the second name.
                        let target = match targets.len() {
                            2 => targets.into_iter().skip(1).collect(),
                            _ => targets,
                        };
                        vec![Stmt::Loop { target, iter, body }]
                    }
                    Some(h) if h.kind_name() == "for_clause" => {
                        let mut out = Vec::new();
                        if let Some(i) = h.field("initializer") {
                            out.extend(self.stmt(i, d));
                        }
                        let iter = h
                            .field("condition")
                            .map(|c| self.expr(c, d))
                            .unwrap_or(Expr::Const(String::new(), p));
                        let mut body = body;
                        if let Some(u) = h.field("update") {
                            body.extend(self.stmt(u, d));
                        }
                        out.push(Stmt::Loop {
                            target: vec![],
                            iter,
                            body,
                        });
                        out
                    }
                    Some(cond) => {
                        let iter = self.expr(cond, d);
                        vec![Stmt::Loop {
                            target: vec![],
                            iter,
                            body,
                        }]
                    }
                    None => vec![Stmt::Loop {
                        target: vec![],
                        iter: Expr::Const("true".into(), p),
                        body,
                    }],
                }
            }
            "expression_switch_statement" | "type_switch_statement" => {
                let mut out = Vec::new();
                if let Some(init) = n.field("initializer") {
                    out.extend(self.stmt(init, d));
                }
                let subject = n
                    .field("value")
                    .map(|v| self.expr(v, d))
                    .unwrap_or(Expr::Const(String::new(), p));
                let mut cases: Vec<(Vec<Expr>, Vec<Stmt>)> = Vec::new();
                let mut default: Vec<Stmt> = Vec::new();
                for c in named_children(n) {
                    match c.kind_name() {
                        "expression_case" => {
                            let values = self.list(c.field("value"), d);
                            let body: Vec<Stmt> = named_children(c)
                                .into_iter()
                                .filter(|s| s.kind_name() == "statement_list")
                                .flat_map(|s| self.block(s, d))
                                .collect();
                            cases.push((values, body));
                        }
                        "type_case" => {
                            let body: Vec<Stmt> = named_children(c)
                                .into_iter()
                                .filter(|s| s.kind_name() == "statement_list")
                                .flat_map(|s| self.block(s, d))
                                .collect();
                            cases.push((Vec::new(), body));
                        }
                        "default_case" => {
                            default = named_children(c)
                                .into_iter()
                                .filter(|s| s.kind_name() == "statement_list")
                                .flat_map(|s| self.block(s, d))
                                .collect();
                        }
                        _ => {}
                    }
                }
                let type_switch = n.kind_name() == "type_switch_statement";
                let mut otherwise = default;
                for (mut values, body) in cases.into_iter().rev() {
                    let cond = if type_switch || values.is_empty() {
                        Expr::Other(vec![subject.clone()], p)
                    } else if values.len() == 1 {
                        Expr::Compare {
                            op: "==".into(),
                            left: Box::new(subject.clone()),
                            right: Box::new(values.remove(0)),
                            pos: p,
                        }
                    } else {
                        Expr::Compare {
                            op: "in".into(),
                            left: Box::new(subject.clone()),
                            right: Box::new(Expr::Seq(values, p)),
                            pos: p,
                        }
                    };
                    otherwise = vec![Stmt::If {
                        cond,
                        then: body,
                        otherwise,
                    }];
                }
                out.push(Stmt::Expr(subject));
                out.extend(otherwise);
                out
            }
            "labeled_statement" => named_children(n)
                .into_iter()
                .filter(|c| c.kind_name() != "label_name")
                .flat_map(|c| self.stmt(c, d))
                .collect(),
            "select_statement" => named_children(n)
                .into_iter()
                .flat_map(|c| {
                    named_children(c)
                        .into_iter()
                        .filter(|s| s.kind_name() == "statement_list")
                        .collect::<Vec<_>>()
                })
                .flat_map(|s| self.block(s, d))
                .collect(),
            "statement_list" => self.block(n, d),
            _ => Vec::new(),
        }
    }

    fn expr(&mut self, n: Node, depth: usize) -> Expr {
        let p = pos(n);
        if depth > MAX_DEPTH {
            return Expr::Const(String::new(), p);
        }
        let d = depth + 1;
        let none = || Expr::Const(String::new(), p);
        match n.kind_name() {
            "identifier" => Expr::Name(self.text(n), p),
            "interpreted_string_literal" => {
                let mut s = String::new();
                for c in named_children(n) {
                    match c.kind_name() {
                        "interpreted_string_literal_content" => s.push_str(&self.text(c)),
                        "escape_sequence" => s.push_str(&unescape(&self.text(c))),
                        _ => {}
                    }
                }
                Expr::Str(s, p)
            }
            "raw_string_literal" => Expr::Str(self.text(n).trim_matches('`').to_string(), p),
            "rune_literal" => Expr::Str(unescape(self.text(n).trim_matches('\'')), p),
            "int_literal" | "float_literal" => Expr::Const(self.text(n).replace('_', ""), p),
            "true" | "false" => Expr::Const(self.text(n), p),
            "nil" => Expr::Const("null".into(), p),
            "parenthesized_expression" => n
                .named_child(0)
                .map(|c| self.expr(c, d))
                .unwrap_or_else(none),
            "type_assertion_expression" | "type_conversion_expression" => n
                .field("operand")
                .map(|c| self.expr(c, d))
                .unwrap_or_else(none),
            "selector_expression" => {
                let operand = n.field("operand");
                let field = n.field("field").map(|f| self.text(f));
                // `pkg.Name`: a package member, named by its import path.
                if let (Some(o), Some(f)) = (operand, &field) {
                    if o.kind_name() == "identifier" {
                        if let Some(path) = self.package(&self.text(o)) {
                            return Expr::Name(format!("{path}.{f}"), p);
                        }
                    }
                }
                let obj = operand.map(|o| self.expr(o, d)).unwrap_or_else(none);
                Expr::Member {
                    obj: Box::new(obj),
                    key: field,
                    index: None,
                    pos: p,
                }
            }
            "index_expression" => {
                let obj = n
                    .field("operand")
                    .map(|o| self.expr(o, d))
                    .unwrap_or_else(none);
                let index = n.field("index").map(|i| self.expr(i, d));
                let key = match &index {
                    Some(Expr::Str(s, _)) => Some(s.clone()),
                    _ => None,
                };
                Expr::Member {
                    obj: Box::new(obj),
                    index: if key.is_some() {
                        None
                    } else {
                        index.map(Box::new)
                    },
                    key,
                    pos: p,
                }
            }
            "slice_expression" => n
                .field("operand")
                .map(|o| self.expr(o, d))
                .unwrap_or_else(none),
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
            "unary_expression" => {
                let op = n
                    .field("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let operand = n
                    .field("operand")
                    .map(|x| self.expr(x, d))
                    .unwrap_or_else(none);
                match op.as_str() {
                    "!" => Expr::Not(Box::new(operand), p),
                    // `&x`: kept visible so that calls filling `x` through it are seen; a
                    // composite literal's address is the literal.
                    "&" if matches!(operand, Expr::Name(..)) => {
                        Expr::Op("&".into(), vec![operand], p)
                    }
                    "-" => match operand {
                        Expr::Const(c, cp) if c.parse::<f64>().is_ok() => {
                            Expr::Const(format!("-{c}"), cp)
                        }
                        other => Expr::Op("-".into(), vec![Expr::Const("0".into(), p), other], p),
                    },
                    _ => operand,
                }
            }
            "call_expression" => self.call(n, d),
            "composite_literal" => self.composite(n, d),
            "literal_value" => self.literal_value(n, None, d),
            "func_literal" => {
                let params = n
                    .field("parameters")
                    .map(|x| self.params(x))
                    .unwrap_or_default();
                let body = n
                    .field("body")
                    .map(|b| self.block(b, d))
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
            _ => Expr::Other(
                named_children(n)
                    .into_iter()
                    .map(|c| self.expr(c, d))
                    .collect(),
                p,
            ),
        }
    }

    /// `events.APIGatewayProxyResponse{StatusCode: 200, Body: b}` as an object whose keys are
    /// those of the Lambda response (`statusCode`, `body`, `headers`); `&s3.PutObjectInput{...}`
    /// as a construction of that type (the SDK scan names the operation by it).
    fn composite(&mut self, n: Node, d: usize) -> Expr {
        let p = pos(n);
        let ty = n.field("type");
        let type_name = ty.map(|t| match t.kind_name() {
            "qualified_type" => {
                let pkg = t.field("package").map(|x| self.text(x)).unwrap_or_default();
                let name = t.field("name").map(|x| self.text(x)).unwrap_or_default();
                match self.package(&pkg) {
                    Some(path) => format!("{path}.{name}"),
                    None => format!("{pkg}.{name}"),
                }
            }
            _ => self.text(t),
        });
        let lambda_event = type_name
            .as_deref()
            .is_some_and(|t| t.starts_with("github.com/aws/aws-lambda-go/events."));
        let body = n
            .field("body")
            .map(|b| self.literal_value(b, Some(lambda_event), d))
            .unwrap_or(Expr::Object(Vec::new(), p));
        match type_name {
            Some(t)
                if t.contains("/service/")
                    || t.contains("aws-sdk-go")
                    || t.starts_with("github.com/aws/aws-sdk-go-v2/") =>
            {
                Expr::Call(Box::new(Call {
                    callee: t,
                    receiver: None,
                    args: vec![body],
                    kwargs: Vec::new(),
                    is_new: true,
                    pos: p,
                    text: super::ir::call_text(&self.text(n)),
                    key: None,
                }))
            }
            _ => body,
        }
    }

    /// A literal's elements: keyed ones as an object, positional ones as a sequence.
    fn literal_value(&mut self, n: Node, lambda_keys: Option<bool>, d: usize) -> Expr {
        let p = pos(n);
        let mut keyed = Vec::new();
        let mut items = Vec::new();
        for c in named_children(n) {
            match c.kind_name() {
                "keyed_element" => {
                    let key = c.field("key").or_else(|| c.named_child(0));
                    let value = c.field("value").or_else(|| c.named_child(1));
                    let key = key.map(|k| {
                        let inner = k.named_child(0).unwrap_or(k);
                        match inner.kind_name() {
                            "interpreted_string_literal" | "raw_string_literal" => {
                                match self.expr(inner, d) {
                                    Expr::Str(s, _) => s,
                                    _ => String::new(),
                                }
                            }
                            _ => self.text(inner),
                        }
                    });
                    let key = key.map(|k| {
                        if lambda_keys == Some(true) {
                            lower_first(&k)
                        } else {
                            k
                        }
                    });
                    let value = value
                        .map(|v| self.element(v, d))
                        .unwrap_or(Expr::Const(String::new(), p));
                    keyed.push((key, value));
                }
                _ => items.push(self.element(c, d)),
            }
        }
        if !keyed.is_empty() {
            keyed.extend(items.into_iter().map(|i| (None, i)));
            Expr::Object(keyed, p)
        } else {
            Expr::Seq(items, p)
        }
    }

    fn element(&mut self, n: Node, d: usize) -> Expr {
        if n.kind_name() == "literal_element" {
            match n.named_child(0) {
                Some(inner) if inner.kind_name() == "literal_value" => {
                    self.literal_value(inner, None, d)
                }
                Some(inner) => self.expr(inner, d),
                None => Expr::Const(String::new(), pos(n)),
            }
        } else {
            self.expr(n, d)
        }
    }

    fn call(&mut self, n: Node, d: usize) -> Expr {
        let p = pos(n);
        let func = n.field("function");
        let args: Vec<Expr> = n
            .field("arguments")
            .map(named_children)
            .unwrap_or_default()
            .into_iter()
            .map(|a| {
                if a.kind_name() == "variadic_argument" {
                    a.named_child(0)
                        .map(|x| self.expr(x, d))
                        .unwrap_or(Expr::Const(String::new(), p))
                } else {
                    self.expr(a, d)
                }
            })
            .collect();
        let (callee, receiver) = match func {
            Some(f) if f.kind_name() == "selector_expression" => {
                let operand = f.field("operand");
                let field = f.field("field").map(|x| self.text(x)).unwrap_or_default();
                match operand {
                    Some(o) if o.kind_name() == "identifier" => {
                        let base = self.text(o);
                        match self.package(&base) {
                            Some(path) => (format!("{path}.{field}"), None),
                            None => (format!("{base}.{field}"), Some(self.expr(o, d))),
                        }
                    }
                    Some(o) => {
                        let recv = self.expr(o, d);
                        let prefix = callee_prefix(&recv);
                        let callee = match prefix {
                            Some(pre) => format!("{pre}.{field}"),
                            None => field,
                        };
                        (callee, Some(recv))
                    }
                    None => (field, None),
                }
            }
            Some(f) if f.kind_name() == "identifier" => (self.text(f), None),
            Some(f) => (self.text(f), None),
            None => (String::new(), None),
        };
        // `fmt.Sprintf("https://%s/items?id=%s", host, id)`: the pieces in order, so that where
        // each value lands (host, path, query) is known, as for f-strings and templates.
        if callee == "fmt.Sprintf" {
            if let Some(Expr::Str(format, _)) = args.first() {
                if let Some(parts) = format_pieces(format, &args[1..], p) {
                    return Expr::Concat(parts, p);
                }
            }
        }
        Expr::Call(Box::new(Call {
            callee,
            receiver,
            args,
            kwargs: Vec::new(),
            is_new: false,
            pos: p,
            text: super::ir::call_text(&self.text(n)),
            key: None,
        }))
    }
}

/// A `fmt` format string split at its verbs, with the arguments in their places; `None` when
/// the verbs and arguments do not pair up (explicit argument indexes, `*` widths).
fn format_pieces(format: &str, args: &[Expr], p: Pos) -> Option<Vec<Expr>> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut args = args.iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            literal.push('%');
            continue;
        }
        // Flags, width and precision, then the verb letter.
        let mut verb = None;
        for v in chars.by_ref() {
            if v == '[' || v == '*' {
                return None;
            }
            if v.is_ascii_alphabetic() {
                verb = Some(v);
                break;
            }
        }
        verb?;
        if !literal.is_empty() {
            parts.push(Expr::Str(std::mem::take(&mut literal), p));
        }
        parts.push(args.next()?.clone());
    }
    if !literal.is_empty() {
        parts.push(Expr::Str(literal, p));
    }
    if args.next().is_some() {
        return None;
    }
    Some(parts)
}

/// The name a call chain's receiver is written as (`db.Conn`, `template.New.Parse`).
fn callee_prefix(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n, _) => Some(n.clone()),
        Expr::Member {
            obj, key: Some(k), ..
        } => Some(format!("{}.{k}", callee_prefix(obj)?)),
        Expr::Call(c) => Some(c.callee.clone()),
        _ => None,
    }
}

/// The package name an import path binds by default (`github.com/aws/aws-sdk-go-v2/service/s3`
/// -> `s3`; a major version suffix is skipped: `github.com/go-ldap/ldap/v3` -> `ldap`).
pub fn default_package_name(path: &str) -> String {
    let mut segments = path.rsplit('/');
    let last = segments.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    let name = if is_version {
        segments.next().unwrap_or(last)
    } else {
        last
    };
    name.trim_start_matches("go-").replace(['-', '.'], "_")
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_calls_the_started_handler_with_a_context() {
        let src = r#"
package main

import (
    "context"
    "github.com/aws/aws-lambda-go/events"
    "github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
    return events.APIGatewayProxyResponse{StatusCode: 200, Body: req.Body}, nil
}

func main() { lambda.Start(handler) }
"#;
        let m = lower(src).expect("lowers");
        let entry = m.functions.iter().find(|f| f.name == ENTRY).expect("entry");
        let Stmt::Return(Some(Expr::Call(c)), _) = &entry.body[0] else {
            panic!("{:?}", entry.body)
        };
        assert_eq!(c.callee, "handler");
        assert_eq!(c.args.len(), 2);
        let h = m
            .functions
            .iter()
            .find(|f| f.name == "handler")
            .expect("handler");
        let Stmt::Return(Some(Expr::Object(keys, _)), _) = &h.body[0] else {
            panic!("{:?}", h.body)
        };
        let names: Vec<_> = keys.iter().filter_map(|(k, _)| k.clone()).collect();
        assert_eq!(names, vec!["statusCode", "body"]);
    }

    #[test]
    fn package_names_and_pointer_fills() {
        assert_eq!(default_package_name("github.com/go-ldap/ldap/v3"), "ldap");
        assert_eq!(default_package_name("os/exec"), "exec");
        let src = r#"
package main
import ("encoding/json"; "os/exec")
func f(body string) {
    var req map[string]string
    json.Unmarshal([]byte(body), &req)
    exec.Command("sh", "-c", req["cmd"]).Run()
}
"#;
        let m = lower(src).expect("lowers");
        let f = &m.functions[0];
        assert!(f
            .body
            .iter()
            .any(|s| matches!(s, Stmt::Assign { targets, .. } if matches!(targets.first(), Some(Target::Name(n)) if n == "req"))));
        let mut callees = Vec::new();
        super::super::ir::visit_body(&f.body, &mut |_| {}, &mut |c| {
            callees.push(c.callee.clone())
        });
        assert!(
            callees.contains(&"os/exec.Command".to_string()),
            "{callees:?}"
        );
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let src = format!(
            "package main\nfunc f() {{ x := {}1{} }}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(lower(&src).is_some());
    }
}
