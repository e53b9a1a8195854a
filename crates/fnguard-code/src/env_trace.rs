//! Which environment variable names the resource of an SDK call, read from the lowered form of
//! a Java or Go file: `System.getenv("TABLE")` / `os.Getenv("TABLE")` in the call's arguments,
//! request builders and builder lambdas, or a name assigned from one anywhere in the file
//! (fields, constants, locals; up to three assignments deep).

use crate::taint::ir::{self, Expr, Module, Stmt, Target};
use crate::HashMap;

/// Calls that read one environment variable by literal name.
fn reads_env(callee: &str) -> bool {
    matches!(
        callee,
        "java.lang.System.getenv" | "System.getenv" | "os.Getenv" | "os.LookupEnv"
    ) || callee.ends_with(".System.getenv")
}

/// Names assigned from an environment variable anywhere in the module, with its name.
pub(crate) fn bindings(module: &Module) -> HashMap<String, String> {
    let mut bodies: Vec<Vec<Stmt>> = vec![module.top.clone()];
    ir::each_function(module, &mut |f| bodies.push(f.body.clone()));
    let mut assigns: Vec<(String, Expr)> = Vec::new();
    let mut stack: Vec<&Stmt> = bodies.iter().flatten().collect();
    while let Some(s) = stack.pop() {
        match s {
            Stmt::Assign { targets, value, .. } => {
                for t in targets {
                    if let Target::Name(n) = t {
                        assigns.push((n.clone(), value.clone()));
                    }
                }
            }
            Stmt::If {
                then, otherwise, ..
            } => stack.extend(then.iter().chain(otherwise.iter())),
            Stmt::Loop { body, .. } => stack.extend(body.iter()),
            Stmt::Try {
                body,
                handlers,
                finally,
            } => {
                stack.extend(body.iter().chain(finally.iter()));
                for (_, h, _) in handlers {
                    stack.extend(h.iter());
                }
            }
            _ => {}
        }
    }
    let mut out: HashMap<String, String> = HashMap::default();
    for _ in 0..3 {
        for (name, value) in &assigns {
            if !out.contains_key(name) {
                if let Some(env) = variable_in(value, &out, 0) {
                    out.insert(name.clone(), env);
                }
            }
        }
    }
    out
}

/// The environment variable an expression is built from, directly or through `names`.
pub(crate) fn variable_in(
    e: &Expr,
    names: &HashMap<String, String>,
    depth: usize,
) -> Option<String> {
    if depth > 24 {
        return None;
    }
    match e {
        Expr::Name(n, _) => names.get(n).cloned(),
        Expr::Call(c) => {
            if reads_env(&c.callee) {
                if let Some(Expr::Str(s, _)) = c.args.first() {
                    return Some(s.clone());
                }
            }
            c.args
                .iter()
                .chain(c.receiver.iter())
                .find_map(|a| variable_in(a, names, depth + 1))
        }
        Expr::Member { obj, .. } => variable_in(obj, names, depth + 1),
        Expr::Object(entries, _) => entries
            .iter()
            .find_map(|(_, v)| variable_in(v, names, depth + 1)),
        // A request given as a builder lambda (`r -> r.queueUrl(URL)`).
        Expr::Function(f) => {
            let mut found = None;
            ir::visit_body(&f.body, &mut |_| {}, &mut |c| {
                if found.is_none() {
                    found = variable_in(&Expr::Call(Box::new(c.clone())), names, depth + 1);
                }
            });
            found
        }
        Expr::Concat(parts, _)
        | Expr::Seq(parts, _)
        | Expr::Op(_, parts, _)
        | Expr::Other(parts, _) => parts.iter().find_map(|p| variable_in(p, names, depth + 1)),
        _ => None,
    }
}
