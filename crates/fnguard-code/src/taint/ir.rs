//! A small language-neutral form of handler code: what the taint engine needs from Python and
//! JavaScript/TypeScript, lowered from their tree-sitter trees. Anything the engine does not need
//! to tell apart becomes `Expr::Other` (the union of its parts).

/// Line and column (1-based) in the file being analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone)]
pub enum Expr {
    /// A variable.
    Name(String, Pos),
    /// `obj.key` / `obj["key"]` (`key` when literal) / `obj[expr]`.
    Member {
        obj: Box<Expr>,
        key: Option<String>,
        index: Option<Box<Expr>>,
        pos: Pos,
    },
    Call(Box<Call>),
    /// String building: f-strings, template literals, `+`/`%` with strings, `.format`.
    Concat(Vec<Expr>, Pos),
    /// An object/dict literal (keys when literal).
    Object(Vec<(Option<String>, Expr)>, Pos),
    /// A list/tuple/set/array literal or a comprehension.
    Seq(Vec<Expr>, Pos),
    /// `a == b`, `a in b`, `a === b` (the result is a boolean: never tainted itself).
    Compare {
        op: String,
        left: Box<Expr>,
        right: Box<Expr>,
        pos: Pos,
    },
    /// A function or lambda value (not called here).
    Function(Box<FunctionDef>),
    /// `not x` / `!x`: kept so that guards (`if not p.startswith(BASE): return`) are understood.
    Not(Box<Expr>, Pos),
    /// A literal string (its text).
    Str(String, Pos),
    /// Numbers, booleans, null (as written: `True`, `true`, `3`).
    Const(String, Pos),
    /// An operator the engine can fold when its operands are constants: `?:` (condition, then,
    /// else), and arithmetic (`*`, `-`, `/`, `//`, `+` on numbers, ...) over two operands.
    /// Otherwise tainted when an operand is (for `?:`: either branch).
    Op(String, Vec<Expr>, Pos),
    /// Anything else: tainted when any part is.
    Other(Vec<Expr>, Pos),
}

#[derive(Debug, Clone)]
pub struct Call {
    /// The callee as written, with import aliases resolved (`subprocess.run`, `child_process.exec`,
    /// `cursor.execute`).
    pub callee: String,
    /// The receiver of a method call, for taint through methods (`s.strip()`).
    pub receiver: Option<Expr>,
    /// Positional arguments.
    pub args: Vec<Expr>,
    /// Keyword arguments (Python), or the properties of a trailing object argument (JS options).
    pub kwargs: Vec<(String, Expr)>,
    /// `new X(...)`
    pub is_new: bool,
    pub pos: Pos,
    /// Source text of the call, shortened, for messages.
    pub text: String,
    /// `table[key](...)`: the key of a function taken from a table of functions; `callee` is
    /// then `table[]`.
    pub key: Option<Box<Expr>>,
}

#[derive(Debug, Clone)]
pub enum Target {
    Name(String),
    /// `a.b.c = ...`, `obj[k][j] = ...` (two levels or more below a variable): the base
    /// variable and the keys from the outermost in; no keys when the path is too deep or not
    /// made of members and subscripts.
    Member(String, Vec<Expr>),
    /// `obj[k] = ...` / `obj.k = ...` one level below a variable: taints the base variable,
    /// and sets the element `k` when the key is a constant.
    Index(String, Expr),
    /// Destructuring: `{a, b: c} = x` / `a, b = x` (each name, with the key it takes).
    Destructure(Vec<(Option<String>, String)>),
    Ignore,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    Assign {
        targets: Vec<Target>,
        value: Expr,
        /// `x += y`: keeps what `x` already carried.
        augment: bool,
        pos: Pos,
    },
    Expr(Expr),
    Return(Option<Expr>, Pos),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    Loop {
        target: Vec<Target>,
        iter: Expr,
        body: Vec<Stmt>,
    },
    Try {
        body: Vec<Stmt>,
        /// The handler's bound exception name, when any, and its body.
        handlers: Vec<(Option<String>, Vec<Stmt>, Pos)>,
        finally: Vec<Stmt>,
    },
    /// A nested function definition (its name is bound to it).
    Def(FunctionDef),
    /// `raise`/`throw`: ends the block.
    Raise(Option<Expr>, Pos),
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub name: String,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    pub pos: Pos,
    /// Where the definition ends (for telling which function a position belongs to).
    pub end: Pos,
    /// Module-level names the function assigns: Python's `global` names, and JavaScript names
    /// it assigns without declaring them.
    pub globals: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Param {
    Name(String),
    /// A destructured parameter `({ body, headers })`.
    Destructure(Vec<(Option<String>, String)>),
}

/// One source file, lowered.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub functions: Vec<FunctionDef>,
    /// Top-level statements (module constants, clients).
    pub top: Vec<Stmt>,
    /// Local name -> imported module path (`sp` -> `subprocess`, `exec` -> `child_process.exec`).
    pub aliases: Vec<(String, String)>,
    /// Local modules imported: (local binding, module specifier, imported name if any).
    pub local_imports: Vec<(String, String, Option<String>)>,
    /// Modules imported at all (for sinks that only exist with a library, e.g. mongodb).
    pub imported: Vec<String>,
    /// Exported names -> function name (`exports.handler = main`).
    pub exports: Vec<(String, String)>,
    /// Web-framework entry points: Python functions decorated as routes (Flask, FastAPI,
    /// Chalice), and JavaScript route callbacks (`app.get('/x', (req, res) => ...)`), whose
    /// parameters carry request data.
    pub routes: Vec<FunctionDef>,
    /// Class methods, named `Class.method`.
    pub methods: Vec<FunctionDef>,
    /// Lowered from Python (string methods differ: `replace` replaces every occurrence).
    pub python: bool,
    /// The source language (`python`, `javascript`, `java`, `go`): which catalog entries apply.
    pub lang: &'static str,
    /// Routes declared with a literal path and no parameters (def position, path).
    pub static_routes: Vec<(Pos, String)>,
    /// Route handlers given by reference (`app.get('/x', handlers.list)`,
    /// `router.post('/y', wrap(reports.list))`): callees to resolve and run as routes.
    pub route_refs: Vec<String>,
    /// Methods that run without a call expression (Python properties).
    pub accessed: Vec<Pos>,
    /// Functions and methods whose first parameter is `request` (Django views, viewsets): entry
    /// points when the module belongs to a Django application.
    pub views: Vec<FunctionDef>,
}

/// A call's source text for messages: on one line, at most 80 characters.
pub fn call_text(source: &str) -> String {
    let mut text = source.replace('\n', " ");
    if text.len() > 80 {
        let cut = (0..=77)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}

impl Expr {
    pub fn pos(&self) -> Pos {
        match self {
            Expr::Name(_, p)
            | Expr::Concat(_, p)
            | Expr::Object(_, p)
            | Expr::Seq(_, p)
            | Expr::Str(_, p)
            | Expr::Const(_, p)
            | Expr::Not(_, p)
            | Expr::Op(_, _, p)
            | Expr::Other(_, p) => *p,
            Expr::Member { pos, .. } | Expr::Compare { pos, .. } => *pos,
            Expr::Call(c) => c.pos,
            Expr::Function(f) => f.pos,
        }
    }
}

impl Expr {
    /// Source-like text of simple expressions (names, members, literals), for catalog
    /// conditions such as `shell=True` or `Loader=yaml.SafeLoader`.
    pub fn text(&self) -> Option<String> {
        match self {
            Expr::Name(n, _) => Some(n.clone()),
            Expr::Str(s, _) => Some(s.clone()),
            Expr::Const(c, _) => Some(c.clone()),
            Expr::Member { obj, key, .. } => {
                let base = obj.text()?;
                Some(match key {
                    Some(k) => format!("{base}.{k}"),
                    None => format!("{base}[]"),
                })
            }
            _ => None,
        }
    }

    /// Every literal string inside (for conditions like "the path is under /tmp").
    pub fn literals(&self, out: &mut Vec<String>) {
        match self {
            Expr::Str(s, _) => out.push(s.clone()),
            Expr::Concat(parts, _)
            | Expr::Seq(parts, _)
            | Expr::Op(_, parts, _)
            | Expr::Other(parts, _) => parts.iter().for_each(|p| p.literals(out)),
            Expr::Call(c) => {
                c.args.iter().for_each(|a| a.literals(out));
                if let Some(r) = &c.receiver {
                    r.literals(out);
                }
            }
            Expr::Member { obj, .. } => obj.literals(out),
            _ => {}
        }
    }

    /// Every variable name and literal key mentioned (for "is this about a password").
    pub fn words(&self, out: &mut Vec<String>) {
        match self {
            Expr::Name(n, _) => out.push(n.clone()),
            Expr::Str(s, _) => out.push(s.clone()),
            Expr::Member {
                obj, key, index, ..
            } => {
                obj.words(out);
                if let Some(k) = key {
                    out.push(k.clone());
                }
                if let Some(i) = index {
                    i.words(out);
                }
            }
            Expr::Call(c) => {
                c.args.iter().for_each(|a| a.words(out));
                if let Some(r) = &c.receiver {
                    r.words(out);
                }
            }
            Expr::Concat(parts, _)
            | Expr::Seq(parts, _)
            | Expr::Op(_, parts, _)
            | Expr::Other(parts, _) => parts.iter().for_each(|p| p.words(out)),
            _ => {}
        }
    }
}

/// Every function definition of a module, at any depth: module functions, class methods,
/// routes, nested definitions and function values (callbacks, lambdas).
pub fn each_function(m: &Module, f: &mut impl FnMut(&FunctionDef)) {
    fn def(d: &FunctionDef, f: &mut impl FnMut(&FunctionDef), depth: usize) {
        f(d);
        stmts(&d.body, f, depth + 1);
    }
    fn stmts(body: &[Stmt], f: &mut impl FnMut(&FunctionDef), depth: usize) {
        if depth > 64 {
            return;
        }
        for s in body {
            match s {
                Stmt::Assign { value, .. } => expr(value, f, depth),
                Stmt::Expr(e) => expr(e, f, depth),
                Stmt::Return(Some(e), _) | Stmt::Raise(Some(e), _) => expr(e, f, depth),
                Stmt::Return(None, _) | Stmt::Raise(None, _) => {}
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    expr(cond, f, depth);
                    stmts(then, f, depth + 1);
                    stmts(otherwise, f, depth + 1);
                }
                Stmt::Loop { iter, body, .. } => {
                    expr(iter, f, depth);
                    stmts(body, f, depth + 1);
                }
                Stmt::Try {
                    body,
                    handlers,
                    finally,
                } => {
                    stmts(body, f, depth + 1);
                    for (_, h, _) in handlers {
                        stmts(h, f, depth + 1);
                    }
                    stmts(finally, f, depth + 1);
                }
                Stmt::Def(d) => def(d, f, depth),
            }
        }
    }
    fn expr(e: &Expr, f: &mut impl FnMut(&FunctionDef), depth: usize) {
        if depth > 64 {
            return;
        }
        match e {
            Expr::Function(d) => def(d, f, depth + 1),
            Expr::Member { obj, index, .. } => {
                expr(obj, f, depth + 1);
                if let Some(i) = index {
                    expr(i, f, depth + 1);
                }
            }
            Expr::Call(c) => {
                if let Some(r) = &c.receiver {
                    expr(r, f, depth + 1);
                }
                for a in &c.args {
                    expr(a, f, depth + 1);
                }
                for (_, v) in &c.kwargs {
                    expr(v, f, depth + 1);
                }
            }
            Expr::Concat(parts, _)
            | Expr::Seq(parts, _)
            | Expr::Op(_, parts, _)
            | Expr::Other(parts, _) => {
                for p in parts {
                    expr(p, f, depth + 1);
                }
            }
            Expr::Object(entries, _) => {
                for (_, v) in entries {
                    expr(v, f, depth + 1);
                }
            }
            Expr::Compare { left, right, .. } => {
                expr(left, f, depth + 1);
                expr(right, f, depth + 1);
            }
            Expr::Not(inner, _) => expr(inner, f, depth + 1),
            Expr::Name(..) | Expr::Str(..) | Expr::Const(..) => {}
        }
    }
    for d in m.functions.iter().chain(&m.methods).chain(&m.routes) {
        def(d, f, 0);
    }
    stmts(&m.top, f, 0);
}

/// The definitions nested in `body` (callbacks, lambdas, inner functions) and the calls it
/// makes, at any depth.
pub fn visit_body(
    body: &[Stmt],
    defs: &mut impl FnMut(&FunctionDef),
    calls: &mut impl FnMut(&Call),
) {
    fn stmts(
        body: &[Stmt],
        d: &mut impl FnMut(&FunctionDef),
        c: &mut impl FnMut(&Call),
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        for s in body {
            match s {
                Stmt::Assign { value, .. } => expr(value, d, c, depth),
                Stmt::Expr(e) => expr(e, d, c, depth),
                Stmt::Return(Some(e), _) | Stmt::Raise(Some(e), _) => expr(e, d, c, depth),
                Stmt::Return(None, _) | Stmt::Raise(None, _) => {}
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    expr(cond, d, c, depth);
                    stmts(then, d, c, depth + 1);
                    stmts(otherwise, d, c, depth + 1);
                }
                Stmt::Loop { iter, body, .. } => {
                    expr(iter, d, c, depth);
                    stmts(body, d, c, depth + 1);
                }
                Stmt::Try {
                    body,
                    handlers,
                    finally,
                } => {
                    stmts(body, d, c, depth + 1);
                    for (_, h, _) in handlers {
                        stmts(h, d, c, depth + 1);
                    }
                    stmts(finally, d, c, depth + 1);
                }
                Stmt::Def(def) => {
                    d(def);
                    stmts(&def.body, d, c, depth + 1);
                }
            }
        }
    }
    fn expr(e: &Expr, d: &mut impl FnMut(&FunctionDef), c: &mut impl FnMut(&Call), depth: usize) {
        if depth > 64 {
            return;
        }
        match e {
            Expr::Function(def) => {
                d(def);
                stmts(&def.body, d, c, depth + 1);
            }
            Expr::Member { obj, index, .. } => {
                expr(obj, d, c, depth + 1);
                if let Some(i) = index {
                    expr(i, d, c, depth + 1);
                }
            }
            Expr::Call(call) => {
                c(call);
                if let Some(r) = &call.receiver {
                    expr(r, d, c, depth + 1);
                }
                for a in &call.args {
                    expr(a, d, c, depth + 1);
                }
                for (_, v) in &call.kwargs {
                    expr(v, d, c, depth + 1);
                }
            }
            Expr::Concat(parts, _)
            | Expr::Seq(parts, _)
            | Expr::Op(_, parts, _)
            | Expr::Other(parts, _) => {
                for p in parts {
                    expr(p, d, c, depth + 1);
                }
            }
            Expr::Object(entries, _) => {
                for (_, v) in entries {
                    expr(v, d, c, depth + 1);
                }
            }
            Expr::Compare { left, right, .. } => {
                expr(left, d, c, depth + 1);
                expr(right, d, c, depth + 1);
            }
            Expr::Not(inner, _) => expr(inner, d, c, depth + 1),
            Expr::Name(..) | Expr::Str(..) | Expr::Const(..) => {}
        }
    }
    stmts(body, defs, calls, 0);
}
