//! Terraform expressions evaluated to [`Node`] values: variables, locals, references between
//! resources, string templates, conditionals, `for` expressions and the common functions.
//! Whatever depends on a value Terraform only knows at apply time stays an explicit unknown.

use super::module::{Module, SourceFile};
use crate::node::{Key, Kind, Node, Unknown};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::Element;
use hcl_edit::Span;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

const MAX_DEPTH: usize = 64;
const MAX_STEPS: usize = 500_000;

/// What `each.*`, `count.index` and `for` variables stand for while evaluating one instance.
#[derive(Clone, Default)]
pub struct Frame {
    pub count_index: Option<Node>,
    pub each_key: Option<Node>,
    pub each_value: Option<Node>,
    pub vars: Vec<(String, Node)>,
}

pub struct Evaluator<'m> {
    pub module: &'m Module,
    pub vars: HashMap<String, Node>,
    /// `module.` prefix of resource addresses in this module (empty at the root).
    pub prefix: String,
    locals: RefCell<HashMap<String, Node>>,
    locals_busy: RefCell<HashSet<String>>,
    /// Policy documents being rendered (a document may include others, never itself).
    pub documents_busy: RefCell<HashSet<String>>,
    steps: Cell<usize>,
    /// Nesting of evaluations across locals and documents, which start fresh expressions.
    pub nesting: Cell<usize>,
}

impl<'m> Evaluator<'m> {
    pub fn new(module: &'m Module, vars: HashMap<String, Node>, prefix: String) -> Self {
        Self {
            module,
            vars,
            prefix,
            locals: RefCell::new(HashMap::new()),
            locals_busy: RefCell::new(HashSet::new()),
            documents_busy: RefCell::new(HashSet::new()),
            steps: Cell::new(0),
            nesting: Cell::new(0),
        }
    }

    pub fn site(&self, file: &SourceFile, span: Option<std::ops::Range<usize>>) -> Node {
        let (line, column) = span.map(|s| file.line_col(s.start)).unwrap_or((1, 1));
        Node::new(Kind::Null, file.rel.clone(), line, column)
    }

    pub fn eval(&self, e: &Expression, file: &SourceFile, frame: &Frame) -> Node {
        self.eval_at(e, file, frame, 0)
    }

    fn eval_at(&self, e: &Expression, file: &SourceFile, frame: &Frame, depth: usize) -> Node {
        let site = self.site(file, e.span());
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if depth + self.nesting.get() > MAX_DEPTH || n > MAX_STEPS {
            return site.unknown("expression too deep or too costly to evaluate", vec![]);
        }
        let ev = |x: &Expression| self.eval_at(x, file, frame, depth + 1);
        match e {
            Expression::Null(_) => site.with_kind(Kind::Null),
            Expression::Bool(b) => site.with_kind(Kind::Bool(*b.value())),
            Expression::Number(num) => {
                let v = num.value();
                match v.as_i64() {
                    Some(i) => site.with_kind(Kind::Int(i)),
                    None => site.with_kind(Kind::Float(v.to_string())),
                }
            }
            Expression::String(s) => site.with_kind(Kind::Str(s.value().to_string())),
            Expression::Array(a) => site.with_kind(Kind::Seq(a.iter().map(ev).collect())),
            Expression::Object(o) => {
                let mut entries = Vec::new();
                for (k, v) in o.iter() {
                    let name = match k {
                        ObjectKey::Ident(i) => Some(i.value().as_str().to_string()),
                        ObjectKey::Expression(x) => ev(x).scalar_text(),
                    };
                    let Some(name) = name else {
                        return site.unknown("an object key that is not known until apply", vec![]);
                    };
                    let value = ev(v.expr());
                    entries.push((
                        Key {
                            name,
                            line: value.line,
                            column: value.column,
                        },
                        value,
                    ));
                }
                site.with_kind(Kind::Map(entries))
            }
            Expression::StringTemplate(t) => self.template(&site, t.iter(), file, frame, depth),
            Expression::HeredocTemplate(h) => {
                self.template(&site, h.template.iter(), file, frame, depth)
            }
            Expression::Parenthesis(p) => ev(p.inner()),
            Expression::Variable(v) => {
                let name = v.value().as_str();
                match frame.vars.iter().rev().find(|(k, _)| k == name) {
                    Some((_, val)) => val.clone(),
                    None => site.unknown(format!("`{name}`"), vec![]),
                }
            }
            Expression::Conditional(c) => {
                let cond = ev(&c.cond_expr);
                match cond.as_bool() {
                    Some(true) => ev(&c.true_expr),
                    Some(false) => ev(&c.false_expr),
                    None => {
                        let (a, b) = (ev(&c.true_expr), ev(&c.false_expr));
                        if a.kind == b.kind {
                            a
                        } else {
                            let mut refs = a.refs();
                            refs.extend(b.refs());
                            site.unknown("a condition not known until apply", refs)
                        }
                    }
                }
            }
            Expression::FuncCall(f) => {
                let args: Vec<Node> = (0..f.args.len())
                    .filter_map(|i| f.args.get(i))
                    .map(ev)
                    .collect();
                let name = f.name.name.value().as_str();
                super::functions::call(name, &args, &site, self, file)
            }
            Expression::Traversal(t) => {
                self.traversal(&site, &t.expr, &t.operators, file, frame, depth)
            }
            Expression::UnaryOp(u) => {
                let v = ev(&u.expr);
                match u.operator.value() {
                    UnaryOperator::Not => match v.as_bool() {
                        Some(b) => site.with_kind(Kind::Bool(!b)),
                        None => site.unknown("negation of an unknown value", v.refs()),
                    },
                    UnaryOperator::Neg => match v.as_f64() {
                        Some(x) if x.fract() == 0.0 => site.with_kind(Kind::Int(-(x as i64))),
                        Some(x) => site.with_kind(Kind::Float((-x).to_string())),
                        None => site.unknown("negation of an unknown value", v.refs()),
                    },
                }
            }
            Expression::BinaryOp(b) => {
                let (l, r) = (ev(&b.lhs_expr), ev(&b.rhs_expr));
                binary(&site, *b.operator.value(), &l, &r)
            }
            Expression::ForExpr(f) => self.for_expr(&site, f, file, frame, depth),
        }
    }

    fn template<'a>(
        &self,
        site: &Node,
        elements: impl Iterator<Item = &'a Element>,
        file: &SourceFile,
        frame: &Frame,
        depth: usize,
    ) -> Node {
        let elements: Vec<&Element> = elements.collect();
        // `"${x}"` is x itself, with its type and references.
        if let [Element::Interpolation(i)] = elements.as_slice() {
            return self.eval_at(&i.expr, file, frame, depth + 1);
        }
        let mut out = String::new();
        let mut partial = String::new();
        let mut holes: Vec<Node> = Vec::new();
        let mut refs = Vec::new();
        let mut unknown: Option<String> = None;
        for el in elements {
            match el {
                Element::Literal(s) => {
                    out.push_str(s.value());
                    partial.push_str(s.value());
                }
                Element::Interpolation(i) => {
                    let v = self.eval_at(&i.expr, file, frame, depth + 1);
                    match v.scalar_text() {
                        Some(t) => {
                            out.push_str(&t);
                            partial.push_str(&t);
                        }
                        None => {
                            partial.push(crate::node::HOLE);
                            partial.push_str(&holes.len().to_string());
                            partial.push(crate::node::HOLE);
                            holes.push(v.clone());
                            refs.extend(v.refs());
                            if unknown.is_none() {
                                unknown = Some(match &v.kind {
                                    Kind::Unknown(u) => u.reason.clone(),
                                    Kind::Ref { id, attr } => {
                                        format!("{id}.{}", attr.as_deref().unwrap_or("id"))
                                    }
                                    _ => "a structured value".to_string(),
                                });
                            }
                            out.push_str("${…}");
                        }
                    }
                }
                Element::Directive(_) => {
                    unknown.get_or_insert_with(|| "a template directive".to_string());
                }
            }
        }
        match unknown {
            None => site.with_kind(Kind::Str(out)),
            Some(reason) => site.with_kind(Kind::Unknown(Unknown {
                reason: format!("{out} ({reason})"),
                refs,
                partial: Some(Box::new((partial, holes))),
            })),
        }
    }

    fn traversal(
        &self,
        site: &Node,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        file: &SourceFile,
        frame: &Frame,
        depth: usize,
    ) -> Node {
        let attr = |i: usize| -> Option<&str> {
            match ops.get(i).map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str()),
                _ => None,
            }
        };
        let root_name = match root {
            Expression::Variable(v) => v.value().as_str().to_string(),
            other => {
                let base = self.eval_at(other, file, frame, depth + 1);
                return self.apply_ops(site, base, ops, file, frame, depth);
            }
        };
        match root_name.as_str() {
            "var" => {
                let Some(name) = attr(0) else {
                    return site.unknown("var", vec![]);
                };
                let base = self
                    .vars
                    .get(name)
                    .cloned()
                    // A known value points where it is set (default, tfvars, the caller's
                    // input): that is the line to change. An unknown one points at its use.
                    .map(|mut v| {
                        if v.is_unknown() {
                            v.line = site.line;
                            v.column = site.column;
                            v.file = site.file.clone();
                        }
                        v
                    })
                    .unwrap_or_else(|| {
                        site.unknown(format!("variable {name} has no value"), vec![])
                    });
                self.apply_ops(site, base, &ops[1..], file, frame, depth)
            }
            "local" => {
                let Some(name) = attr(0) else {
                    return site.unknown("local", vec![]);
                };
                let base = self.local(name, site);
                self.apply_ops(site, base, &ops[1..], file, frame, depth)
            }
            "count" if attr(0) == Some("index") => frame
                .count_index
                .clone()
                .unwrap_or_else(|| site.unknown("count.index", vec![])),
            "each" => {
                let v = match attr(0) {
                    Some("key") => frame.each_key.clone(),
                    Some("value") => frame.each_value.clone(),
                    _ => None,
                };
                let base = v.unwrap_or_else(|| site.unknown("each", vec![]));
                self.apply_ops(site, base, &ops[1..], file, frame, depth)
            }
            "path" => match attr(0) {
                Some("module") | Some("root") | Some("cwd") => {
                    site.with_kind(Kind::Str(self.module.dir.to_string_lossy().into_owned()))
                }
                _ => site.unknown("path", vec![]),
            },
            "terraform" => site.unknown("terraform.workspace", vec![]),
            "data" => {
                let (Some(ty), Some(name)) = (attr(0), attr(1)) else {
                    return site.unknown("data source", vec![]);
                };
                if ty == "aws_iam_policy_document" && attr(2) == Some("json") {
                    if let Some(doc) = super::policy::render_policy_document(self, name, file) {
                        return doc;
                    }
                }
                let id = format!("{}data.{ty}.{name}", self.prefix);
                site.unknown(format!("data source {id}"), vec![])
            }
            "module" => {
                let name = attr(0).unwrap_or("?");
                let output = attr(1).unwrap_or("");
                let source = self.module.module_source(name).unwrap_or_default();
                let prefix = format!("{}module.{name}.", self.prefix);
                match super::registry::output_address(&source, &prefix, output) {
                    Some((id, attr)) => site.with_kind(Kind::Ref {
                        id,
                        attr: Some(attr.to_string()),
                    }),
                    None => site.unknown(format!("output {output} of module {name}"), vec![]),
                }
            }
            frame_var if frame.vars.iter().any(|(k, _)| k == frame_var) => {
                let base = frame
                    .vars
                    .iter()
                    .rev()
                    .find(|(k, _)| k == frame_var)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| site.unknown(frame_var.to_string(), vec![]));
                self.apply_ops(site, base, ops, file, frame, depth)
            }
            ty => {
                // A resource: `type.name[.index].attribute`.
                let Some(name) = attr(0) else {
                    return site.unknown(format!("`{ty}`"), vec![]);
                };
                let mut rest = &ops[1..];
                let mut index: Option<String> = None;
                if let Some(op) = rest.first() {
                    match op.value() {
                        TraversalOperator::Index(x) => {
                            let i = self.eval_at(x, file, frame, depth + 1);
                            index = i.scalar_text().map(|t| match &i.kind {
                                Kind::Str(_) => format!("[\"{t}\"]"),
                                _ => format!("[{t}]"),
                            });
                            rest = &rest[1..];
                        }
                        TraversalOperator::LegacyIndex(i) => {
                            index = Some(format!("[{}]", i.value()));
                            rest = &rest[1..];
                        }
                        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                            rest = &rest[1..];
                        }
                        _ => {}
                    }
                }
                let Some(address) =
                    self.module
                        .resolve_address(&self.prefix, ty, name, index.as_deref())
                else {
                    return site.unknown(format!("{ty}.{name} is not declared here"), vec![]);
                };
                let attr_name = match rest.first().map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str().to_string()),
                    _ => None,
                };
                site.with_kind(Kind::Ref {
                    id: address,
                    attr: attr_name,
                })
            }
        }
    }

    fn apply_ops(
        &self,
        site: &Node,
        mut base: Node,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        file: &SourceFile,
        frame: &Frame,
        depth: usize,
    ) -> Node {
        for op in ops {
            base = match op.value() {
                TraversalOperator::GetAttr(a) => match &base.kind {
                    Kind::Map(_) => base.get(a.value().as_str()).cloned().unwrap_or_else(|| {
                        site.unknown(format!("attribute {}", a.value().as_str()), vec![])
                    }),
                    Kind::Unknown(_) => return base,
                    _ => {
                        return site.unknown(
                            format!("attribute {} of a non-object", a.value().as_str()),
                            base.refs(),
                        )
                    }
                },
                TraversalOperator::Index(x) => {
                    let i = self.eval_at(x, file, frame, depth + 1);
                    index(site, &base, &i)
                }
                TraversalOperator::LegacyIndex(i) => {
                    let i = site.with_kind(Kind::Int(*i.value() as i64));
                    index(site, &base, &i)
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    return site.unknown("a splat expression", base.refs());
                }
            };
        }
        base
    }

    /// A block's attributes evaluated, its nested blocks as lists of maps under their name.
    /// `dynamic` blocks are generated at plan time and are left out.
    pub fn body_node(
        &self,
        body: &hcl_edit::structure::Body,
        file: &SourceFile,
        frame: &Frame,
        site: &Node,
    ) -> Node {
        use hcl_edit::structure::Structure;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let (line, column) = a
                        .key
                        .span()
                        .map(|r| file.line_col(r.start))
                        .unwrap_or((site.line, site.column));
                    let value = self.eval(&a.value, file, frame);
                    entries.push((
                        Key {
                            name: a.key.value().as_str().to_string(),
                            line,
                            column,
                        },
                        value,
                    ));
                }
                Structure::Block(b) => {
                    let name = b.ident.value().as_str().to_string();
                    if name == "dynamic" {
                        continue;
                    }
                    let (line, column) = b
                        .span()
                        .map(|r| file.line_col(r.start))
                        .unwrap_or((site.line, site.column));
                    let mut inner_site = site.clone();
                    inner_site.line = line;
                    inner_site.column = column;
                    inner_site.file = file.rel.clone();
                    let node = self.body_node(&b.body, file, frame, &inner_site);
                    match entries.iter_mut().find(|(k, _)| k.name == name) {
                        Some((
                            _,
                            Node {
                                kind: Kind::Seq(items),
                                ..
                            },
                        )) => items.push(node),
                        _ => entries.push((
                            Key { name, line, column },
                            inner_site.with_kind(Kind::Seq(vec![node])),
                        )),
                    }
                }
            }
        }
        site.with_kind(Kind::Map(entries))
    }

    /// Contents of a file a configuration reads with `file()`/`templatefile()`, if it lies
    /// inside the scanned tree.
    pub fn module_file(&self, path: &str, _from: &SourceFile) -> Option<String> {
        let p = std::path::Path::new(path);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.module.dir.join(p)
        };
        let canonical = full.canonicalize().ok()?;
        let root = self.module.root.canonicalize().ok()?;
        if !canonical.starts_with(&root) {
            return None;
        }
        let meta = std::fs::metadata(&canonical).ok()?;
        if meta.len() > 4 * 1024 * 1024 {
            return None;
        }
        std::fs::read_to_string(canonical).ok()
    }

    fn local(&self, name: &str, site: &Node) -> Node {
        if let Some(v) = self.locals.borrow().get(name) {
            return v.clone();
        }
        if !self.locals_busy.borrow_mut().insert(name.to_string()) {
            return site.unknown(format!("local.{name} refers to itself"), vec![]);
        }
        self.nesting.set(self.nesting.get() + 8);
        let value = match self.module.local(name) {
            Some((expr, file)) => self.eval(expr, file, &Frame::default()),
            None => site.unknown(format!("local.{name} is not declared"), vec![]),
        };
        self.nesting.set(self.nesting.get().saturating_sub(8));
        self.locals_busy.borrow_mut().remove(name);
        self.locals
            .borrow_mut()
            .insert(name.to_string(), value.clone());
        value
    }

    fn for_expr(
        &self,
        site: &Node,
        f: &hcl_edit::expr::ForExpr,
        file: &SourceFile,
        frame: &Frame,
        depth: usize,
    ) -> Node {
        let coll = self.eval_at(&f.intro.collection_expr, file, frame, depth + 1);
        let key_var = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_string());
        let value_var = f.intro.value_var.value().as_str().to_string();
        let pairs: Vec<(Node, Node)> = match &coll.kind {
            Kind::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (site.with_kind(Kind::Int(i as i64)), v.clone()))
                .collect(),
            Kind::Map(entries) => entries
                .iter()
                .map(|(k, v)| (site.with_kind(Kind::Str(k.name.clone())), v.clone()))
                .collect(),
            _ => return site.unknown("a for expression over an unknown collection", coll.refs()),
        };
        let mut items = Vec::new();
        let mut entries = Vec::new();
        for (k, v) in pairs {
            let mut inner = frame.clone();
            match &key_var {
                Some(kv) => {
                    inner.vars.push((kv.clone(), k));
                    inner.vars.push((value_var.clone(), v));
                }
                None => inner.vars.push((value_var.clone(), v)),
            }
            if let Some(cond) = &f.cond {
                if self.eval_at(&cond.expr, file, &inner, depth + 1).as_bool() != Some(true) {
                    continue;
                }
            }
            let value = self.eval_at(&f.value_expr, file, &inner, depth + 1);
            match &f.key_expr {
                Some(ke) => {
                    let key = self.eval_at(ke, file, &inner, depth + 1);
                    let Some(name) = key.scalar_text() else {
                        return site.unknown("a for expression with unknown keys", vec![]);
                    };
                    entries.push((
                        Key {
                            name,
                            line: site.line,
                            column: site.column,
                        },
                        value,
                    ));
                }
                None => items.push(value),
            }
        }
        if f.key_expr.is_some() {
            site.with_kind(Kind::Map(entries))
        } else {
            site.with_kind(Kind::Seq(items))
        }
    }
}

fn index(site: &Node, base: &Node, i: &Node) -> Node {
    match (&base.kind, &i.kind) {
        (Kind::Seq(items), _) => match i.as_i64() {
            Some(n) if n >= 0 && (n as usize) < items.len() => items[n as usize].clone(),
            _ => site.unknown("an index not known until apply", base.refs()),
        },
        (Kind::Map(_), _) => match i.scalar_text() {
            Some(k) => base
                .get(&k)
                .cloned()
                .unwrap_or_else(|| site.unknown(format!("key {k}"), vec![])),
            None => site.unknown("a key not known until apply", base.refs()),
        },
        _ => site.unknown("an index into an unknown value", base.refs()),
    }
}

fn binary(site: &Node, op: BinaryOperator, l: &Node, r: &Node) -> Node {
    use BinaryOperator as B;
    let unknown = || {
        let mut refs = l.refs();
        refs.extend(r.refs());
        site.unknown("an operation on values not known until apply", refs)
    };
    match op {
        B::Eq | B::NotEq => match (l.scalar_text(), r.scalar_text(), &l.kind, &r.kind) {
            (Some(a), Some(b), _, _) => site.with_kind(Kind::Bool((a == b) == (op == B::Eq))),
            (_, _, Kind::Null, Kind::Null) => site.with_kind(Kind::Bool(op == B::Eq)),
            (Some(_), None, _, Kind::Null) | (None, Some(_), Kind::Null, _) => {
                site.with_kind(Kind::Bool(op == B::NotEq))
            }
            _ => unknown(),
        },
        B::And | B::Or => match (l.as_bool(), r.as_bool()) {
            (Some(a), Some(b)) => {
                site.with_kind(Kind::Bool(if op == B::And { a && b } else { a || b }))
            }
            (Some(false), None) | (None, Some(false)) if op == B::And => {
                site.with_kind(Kind::Bool(false))
            }
            (Some(true), None) | (None, Some(true)) if op == B::Or => {
                site.with_kind(Kind::Bool(true))
            }
            _ => unknown(),
        },
        _ => match (l.as_f64(), r.as_f64()) {
            (Some(a), Some(b)) => {
                let num = |x: f64| {
                    if x.fract() == 0.0 && x.abs() < 9.0e15 {
                        site.with_kind(Kind::Int(x as i64))
                    } else {
                        site.with_kind(Kind::Float(x.to_string()))
                    }
                };
                match op {
                    B::Plus => num(a + b),
                    B::Minus => num(a - b),
                    B::Mul => num(a * b),
                    B::Div if b != 0.0 => num(a / b),
                    B::Mod if b != 0.0 => num(a % b),
                    B::Less => site.with_kind(Kind::Bool(a < b)),
                    B::LessEq => site.with_kind(Kind::Bool(a <= b)),
                    B::Greater => site.with_kind(Kind::Bool(a > b)),
                    B::GreaterEq => site.with_kind(Kind::Bool(a >= b)),
                    _ => unknown(),
                }
            }
            _ => unknown(),
        },
    }
}
