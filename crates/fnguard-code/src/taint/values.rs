//! Constants and container contents the taint engine tracks next to taint: enough to fold the
//! conditions code decides with constants (`num = 86; if 7 * 42 - num > 200:`), to know which
//! element of a list or which key of a dict a read takes (`lst.pop(0); bar = lst[1]`,
//! `map['keyB'] = param; bar = map['keyA']`), and which program a command list starts.

use super::engine::{member_taint, Taint};
use super::ir::{Expr, Stmt, Target};
use crate::{HashMap, HashSet};
use std::collections::BTreeMap;

/// A constant the analysis knows exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Str(String),
    Bool(bool),
    Null,
}

impl Value {
    pub fn truthy(&self) -> bool {
        match self {
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::Bool(b) => *b,
            Value::Null => false,
        }
    }

    /// The text a value has when it is spliced into a string (`f"{n}"`).
    fn spliced(&self) -> Option<String> {
        match self {
            Value::Int(i) => Some(i.to_string()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// As a container key: `map['a']`, `lst[0]`.
    pub fn key(&self) -> Option<String> {
        match self {
            Value::Int(i) => Some(i.to_string()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// Possible constant values of one element (empty: unknown). Joins keep a few alternatives, so
/// that `["cmd.exe", "/c"]` or `["sh", "-c"]` chosen at run time are both still known.
pub type Values = Vec<Value>;

const MAX_ALTERNATIVES: usize = 4;

fn join_values(a: &Values, b: &Values) -> Values {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = a.clone();
    for v in b {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    if out.len() > MAX_ALTERNATIVES {
        return Vec::new();
    }
    out
}

/// One element of a tracked container: its taint and its possible constant values.
pub type Element = (Option<Taint>, Values);

/// The exact contents of a container built in the code: a list whose length and order are
/// known, or a dict/object/Map whose keys are all constants (a ConfigParser's keys are
/// `section` + NUL + `option`).
#[derive(Debug, Clone)]
pub enum Slots {
    List(Vec<Element>),
    Keys {
        entries: BTreeMap<String, Element>,
        sectioned: bool,
    },
    /// An object the code did not build (a parameter, a call's result, `self`) with fields it
    /// then set by constant key: those fields hold what was set, the others what the object
    /// held before.
    Fields {
        base: Option<Taint>,
        fields: BTreeMap<String, Option<Taint>>,
    },
}

impl Slots {
    /// The union of the elements' taint: what the container as a whole carries.
    pub fn union(&self) -> Option<Taint> {
        let mut t = None;
        let elements: Vec<&Element> = match self {
            Slots::List(items) => items.iter().collect(),
            Slots::Keys { entries, .. } => entries.values().collect(),
            Slots::Fields { base, fields } => {
                let mut t = base.clone();
                for f in fields.values() {
                    t = Taint::merge(t, f.clone());
                }
                return t;
            }
        };
        for (et, _) in elements {
            t = Taint::merge(t, et.clone());
        }
        t
    }

    /// The element a constant key or index selects; `None` when the read cannot be decided.
    /// `Some((None, _))`: the element exists (or provably does not) and carries nothing.
    pub fn get(&self, key: &Value) -> Option<Element> {
        match (self, key) {
            (Slots::List(items), Value::Int(i)) => {
                let idx = if *i < 0 { items.len() as i64 + i } else { *i };
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| items.get(i))
                    .cloned()
                    .or(Some((None, Vec::new())))
            }
            (Slots::Keys { entries, .. }, k) => {
                let k = k.key()?;
                Some(entries.get(&k).cloned().unwrap_or((None, Vec::new())))
            }
            (Slots::Fields { base, fields }, k) => {
                let k = k.key()?;
                let t = match fields.get(&k) {
                    Some(t) => t.clone(),
                    None => base.clone().map(|b| member_taint(b, Some(&k))),
                };
                Some((t, Vec::new()))
            }
            _ => None,
        }
    }
}

/// Joins two states of the same variable's container after branches: kept when both have the
/// same shape, element by element.
pub fn join_slots(a: &mut HashMap<String, Slots>, b: HashMap<String, Slots>) {
    let mut out = HashMap::default();
    for (name, sb) in b {
        let Some(sa) = a.get(&name) else { continue };
        let joined = match (sa, &sb) {
            (Slots::List(x), Slots::List(y)) if x.len() == y.len() => Some(Slots::List(
                x.iter()
                    .zip(y)
                    .map(|((ta, va), (tb, vb))| {
                        (Taint::merge(ta.clone(), tb.clone()), join_values(va, vb))
                    })
                    .collect(),
            )),
            (
                Slots::Keys {
                    entries: x,
                    sectioned: sx,
                },
                Slots::Keys {
                    entries: y,
                    sectioned: sy,
                },
            ) if sx == sy => {
                let mut entries = BTreeMap::new();
                for k in x.keys().chain(y.keys()) {
                    let empty = (None, Vec::new());
                    let (ta, va) = x.get(k).unwrap_or(&empty);
                    let (tb, vb) = y.get(k).unwrap_or(&empty);
                    entries.insert(
                        k.clone(),
                        (Taint::merge(ta.clone(), tb.clone()), join_values(va, vb)),
                    );
                }
                Some(Slots::Keys {
                    entries,
                    sectioned: *sx,
                })
            }
            (
                Slots::Fields {
                    base: bx,
                    fields: fx,
                },
                Slots::Fields {
                    base: by,
                    fields: fy,
                },
            ) => {
                // A field set on one path only holds, on the other, what the object held.
                let side =
                    |fs: &BTreeMap<String, Option<Taint>>, b: &Option<Taint>, k: &str| match fs
                        .get(k)
                    {
                        Some(t) => t.clone(),
                        None => b.clone().map(|b| member_taint(b, Some(k))),
                    };
                let fields = fx
                    .keys()
                    .chain(fy.keys())
                    .map(|k| (k.clone(), Taint::merge(side(fx, bx, k), side(fy, by, k))))
                    .collect();
                Some(Slots::Fields {
                    base: Taint::merge(bx.clone(), by.clone()),
                    fields,
                })
            }
            _ => None,
        };
        if let Some(j) = joined {
            out.insert(name, j);
        }
    }
    *a = out;
}

/// Keeps the constants both branches agree on.
pub fn join_consts(a: &mut HashMap<String, Value>, b: &HashMap<String, Value>) {
    a.retain(|k, v| b.get(k) == Some(v));
}

/// Folds an expression to a constant with the constants and containers known in scope.
pub fn value_of(
    consts: &HashMap<String, Value>,
    slots: &HashMap<String, Slots>,
    e: &Expr,
) -> Option<Value> {
    value_at(consts, slots, e, 0)
}

fn value_at(
    consts: &HashMap<String, Value>,
    slots: &HashMap<String, Slots>,
    e: &Expr,
    depth: usize,
) -> Option<Value> {
    if depth > 32 {
        return None;
    }
    let v = |x: &Expr| value_at(consts, slots, x, depth + 1);
    match e {
        Expr::Str(s, _) => Some(Value::Str(s.clone())),
        Expr::Const(c, _) => match c.as_str() {
            "True" | "true" => Some(Value::Bool(true)),
            "False" | "false" => Some(Value::Bool(false)),
            "None" | "null" | "undefined" => Some(Value::Null),
            _ => c.replace('_', "").parse::<i64>().ok().map(Value::Int),
        },
        Expr::Name(n, _) => consts.get(n).cloned(),
        Expr::Member { .. } if e.text().is_some_and(|t| consts.contains_key(&t)) => {
            e.text().and_then(|t| consts.get(&t).cloned())
        }
        Expr::Member {
            obj, key, index, ..
        } => {
            let k = match (key, index) {
                (Some(k), _) => Some(Value::Str(k.clone())),
                (None, Some(i)) => v(i),
                _ => None,
            }?;
            if let Expr::Name(base, _) = obj.as_ref() {
                if let Some(s) = slots.get(base) {
                    let (_, values) = s.get(&k)?;
                    return (values.len() == 1).then(|| values[0].clone());
                }
            }
            // `"ABC"[0]`
            match (v(obj)?, k) {
                (Value::Str(s), Value::Int(i)) => {
                    let chars: Vec<char> = s.chars().collect();
                    let idx = if i < 0 { chars.len() as i64 + i } else { i };
                    let c = chars.get(usize::try_from(idx).ok()?)?;
                    Some(Value::Str(c.to_string()))
                }
                _ => None,
            }
        }
        Expr::Concat(parts, _) => {
            let mut out = String::new();
            for p in parts {
                out.push_str(&v(p)?.spliced()?);
            }
            Some(Value::Str(out))
        }
        Expr::Op(op, args, _) if op == "?:" => {
            let [c, a, b] = args.as_slice() else {
                return None;
            };
            if v(c)?.truthy() {
                v(a)
            } else {
                v(b)
            }
        }
        Expr::Op(op, args, _) if op == "and" || op == "or" => {
            let [l, r] = args.as_slice() else { return None };
            let left = v(l)?;
            // Short-circuit: `True or x`, `False and x` do not look at `x`.
            if left.truthy() == (op == "or") {
                Some(left)
            } else {
                v(r)
            }
        }
        Expr::Op(op, args, _) => {
            let [l, r] = args.as_slice() else { return None };
            arithmetic(op, v(l)?, v(r)?)
        }
        Expr::Compare {
            op, left, right, ..
        } => {
            // `x in ("a", "b")`
            if matches!(op.as_str(), "in" | "not in") {
                if let Expr::Seq(items, _) = right.as_ref() {
                    let l = v(left)?;
                    let mut found = false;
                    for it in items {
                        if v(it)? == l {
                            found = true;
                        }
                    }
                    return Some(Value::Bool(found == (op == "in")));
                }
            }
            compare(op, v(left)?, v(right)?).map(Value::Bool)
        }
        Expr::Not(inner, _) => Some(Value::Bool(!v(inner)?.truthy())),
        Expr::Call(c) if c.callee == "len" && c.args.len() == 1 => match v(&c.args[0])? {
            Value::Str(s) => Some(Value::Int(s.chars().count() as i64)),
            _ => None,
        },
        _ => None,
    }
}

fn arithmetic(op: &str, l: Value, r: Value) -> Option<Value> {
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => Some(Value::Int(match op {
            "+" => a.checked_add(b)?,
            "-" => a.checked_sub(b)?,
            "*" => a.checked_mul(b)?,
            "//" | "/" if b != 0 && a % b == 0 => a / b,
            "//" if b != 0 => a.div_euclid(b),
            "%" if b != 0 => a.rem_euclid(b),
            _ => return None,
        })),
        (Value::Str(a), Value::Str(b)) if op == "+" => Some(Value::Str(a + &b)),
        _ => None,
    }
}

fn compare(op: &str, l: Value, r: Value) -> Option<bool> {
    Some(match op {
        "==" | "===" | "is" => l == r,
        "!=" | "!==" | "is not" => l != r,
        "in" | "not in" => match (&l, &r) {
            (Value::Str(a), Value::Str(b)) => b.contains(a.as_str()) == (op == "in"),
            _ => return None,
        },
        "<" | ">" | "<=" | ">=" => {
            let ord = match (&l, &r) {
                (Value::Int(a), Value::Int(b)) => a.cmp(b),
                (Value::Str(a), Value::Str(b)) => a.cmp(b),
                _ => return None,
            };
            match op {
                "<" => ord.is_lt(),
                ">" => ord.is_gt(),
                "<=" => ord.is_le(),
                _ => ord.is_ge(),
            }
        }
        _ => return None,
    })
}

/// Names a block may change: assigned (whole or in part) or mutated through a method call.
/// Constants and container contents of these are not known inside or after a loop over it.
pub fn changed_in(body: &[Stmt]) -> HashSet<String> {
    let mut out = HashSet::default();
    fn targets(ts: &[Target], out: &mut HashSet<String>) {
        for t in ts {
            match t {
                Target::Name(n) | Target::Member(n, _) | Target::Index(n, _) => {
                    out.insert(n.clone());
                }
                Target::Destructure(names) => {
                    out.extend(names.iter().map(|(_, n)| n.clone()));
                }
                Target::Ignore => {}
            }
        }
    }
    fn stmts(body: &[Stmt], out: &mut HashSet<String>, depth: usize) {
        if depth > 64 {
            return;
        }
        for s in body {
            match s {
                Stmt::Assign { targets: ts, .. } => targets(ts, out),
                Stmt::If {
                    then, otherwise, ..
                } => {
                    stmts(then, out, depth + 1);
                    stmts(otherwise, out, depth + 1);
                }
                Stmt::Loop {
                    target: ts, body, ..
                } => {
                    targets(ts, out);
                    stmts(body, out, depth + 1);
                }
                Stmt::Try {
                    body,
                    handlers,
                    finally,
                } => {
                    stmts(body, out, depth + 1);
                    for (name, h, _) in handlers {
                        out.extend(name.clone());
                        stmts(h, out, depth + 1);
                    }
                    stmts(finally, out, depth + 1);
                }
                _ => {}
            }
        }
    }
    stmts(body, &mut out, 0);
    super::ir::visit_body(body, &mut |_| {}, &mut |c| {
        if let Some(Expr::Name(n, _)) = &c.receiver {
            out.insert(n.clone());
        }
    });
    out
}

/// Programs that run their `-c` argument as a shell command line.
pub fn is_shell_program(v: &Value) -> bool {
    let Value::Str(s) = v else { return false };
    let base = s
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(s)
        .to_ascii_lowercase();
    matches!(
        base.as_str(),
        "sh" | "bash"
            | "zsh"
            | "dash"
            | "ksh"
            | "ash"
            | "busybox"
            | "cmd"
            | "cmd.exe"
            | "powershell"
            | "powershell.exe"
            | "pwsh"
    )
}

/// The flag that makes a shell run its next argument as a command line.
pub fn is_command_flag(v: &Value) -> bool {
    matches!(v, Value::Str(s) if matches!(s.as_str(), "-c" | "/c" | "/C" | "-Command" | "-command" | "/k" | "/K"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taint::ir::Pos;

    fn p() -> Pos {
        Pos::default()
    }

    #[test]
    fn folds_arithmetic_comparisons() {
        let mut consts = HashMap::default();
        consts.insert("num".to_string(), Value::Int(86));
        // 7 * 42 - num > 200
        let e = Expr::Compare {
            op: ">".into(),
            left: Box::new(Expr::Op(
                "-".into(),
                vec![
                    Expr::Op(
                        "*".into(),
                        vec![Expr::Const("7".into(), p()), Expr::Const("42".into(), p())],
                        p(),
                    ),
                    Expr::Name("num".into(), p()),
                ],
                p(),
            )),
            right: Box::new(Expr::Const("200".into(), p())),
            pos: p(),
        };
        assert_eq!(
            value_of(&consts, &HashMap::default(), &e),
            Some(Value::Bool(true))
        );
        consts.insert("num".to_string(), Value::Int(106));
        assert_eq!(
            value_of(&consts, &HashMap::default(), &e),
            Some(Value::Bool(false))
        );
    }

    #[test]
    fn unknown_operands_do_not_fold() {
        let e = Expr::Compare {
            op: "==".into(),
            left: Box::new(Expr::Name("x".into(), p())),
            right: Box::new(Expr::Str("GET".into(), p())),
            pos: p(),
        };
        assert_eq!(value_of(&HashMap::default(), &HashMap::default(), &e), None);
    }

    #[test]
    fn string_index_and_containment() {
        let mut consts = HashMap::default();
        consts.insert("possible".to_string(), Value::Str("ABC".into()));
        let e = Expr::Member {
            obj: Box::new(Expr::Name("possible".into(), p())),
            key: None,
            index: Some(Box::new(Expr::Const("1".into(), p()))),
            pos: p(),
        };
        assert_eq!(
            value_of(&consts, &HashMap::default(), &e),
            Some(Value::Str("B".into()))
        );
        let c = Expr::Compare {
            op: "not in".into(),
            left: Box::new(Expr::Str("should".into(), p())),
            right: Box::new(Expr::Str("This should never happen".into(), p())),
            pos: p(),
        };
        assert_eq!(
            value_of(&consts, &HashMap::default(), &c),
            Some(Value::Bool(false))
        );
    }

    #[test]
    fn shells() {
        assert!(is_shell_program(&Value::Str("/bin/sh".into())));
        assert!(is_shell_program(&Value::Str("cmd.exe".into())));
        assert!(!is_shell_program(&Value::Str("ls".into())));
    }
}
