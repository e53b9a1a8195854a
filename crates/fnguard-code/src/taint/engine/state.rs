//! What outlives a single function's frame: module-level state that event data is stored in
//! (`CACHE["cmd"] = event["cmd"]`, `global LAST`, a JavaScript `let` assigned from a function),
//! and functions kept in variables and tables (`HANDLERS = {"run": run_cmd}`,
//! `const handlers = { run: (x) => exec(x) }`) that calls dispatch through.

use super::{Analyzer, Frame, Taint};
use crate::taint::ir::{Call, Expr, FunctionDef, Stmt, Target};
use crate::{HashMap, HashSet};
use std::rc::Rc;

/// A function a variable or a table entry holds: (file, definition).
pub(super) type Callable = (usize, Rc<FunctionDef>);

/// At most this many functions run for one call through a table whose key is not known.
const MAX_DISPATCH: usize = 8;

#[derive(Default)]
pub(super) struct ModuleFacts {
    /// Names the module's top level assigns.
    pub names: HashSet<String>,
    /// Functions its top level binds to names and table entries (see `Frame::functions`).
    pub functions: HashMap<String, Vec<Callable>>,
}

impl Analyzer<'_> {
    /// Reads every file's top level once, before the first entry point runs.
    pub(super) fn ensure_facts(&mut self) {
        while self.facts.len() < self.files.len() {
            let file = self.facts.len();
            let mut fr = self.frame(file, false, 0);
            let mut names = HashSet::default();
            let top = self.files[file].1.top.clone();
            for st in &top {
                let Stmt::Assign { targets, value, .. } = st else {
                    continue;
                };
                for t in targets {
                    if let Target::Name(n) = t {
                        names.insert(n.clone());
                        self.bind_functions(&mut fr, n, value);
                    }
                }
            }
            self.facts.push(Rc::new(ModuleFacts {
                names,
                functions: fr.functions,
            }));
        }
    }

    /// `n = value`: the functions `n` now holds, or the table of functions it now is.
    pub(super) fn bind_functions(&mut self, fr: &mut Frame, n: &str, value: &Expr) {
        let prefix = format!("{n}.");
        fr.functions
            .retain(|k, _| k != n && !k.starts_with(&prefix) && k != &format!("{n}[]"));
        if let Expr::Object(entries, _) = value {
            let mut all = Vec::new();
            for (k, v) in entries {
                let fns = self.functions_of(fr, v);
                if fns.is_empty() {
                    continue;
                }
                all.extend(fns.iter().cloned());
                if let Some(k) = k {
                    fr.functions.insert(format!("{n}.{k}"), fns);
                }
            }
            if !all.is_empty() {
                fr.functions.insert(format!("{n}[]"), all);
            }
            return;
        }
        let fns = self.functions_of(fr, value);
        if !fns.is_empty() {
            fr.functions.insert(n.to_string(), fns);
        }
    }

    /// The functions an expression evaluates to: a function literal, a function's name, a
    /// variable holding functions, an entry of a table (`t["k"]`, `t.k`, `t.get(k)`, `t[k]`).
    pub(super) fn functions_of(&self, fr: &Frame, e: &Expr) -> Vec<Callable> {
        match e {
            Expr::Function(def) => vec![(fr.file, Rc::new(def.as_ref().clone()))],
            Expr::Name(n, _) => {
                if let Some(fns) = fr.functions.get(n) {
                    return fns.clone();
                }
                self.resolve_local(fr, n)
                    .map(|(file, def)| vec![(file, def)])
                    .unwrap_or_default()
            }
            Expr::Member {
                obj, key, index, ..
            } => {
                let Expr::Name(table, _) = obj.as_ref() else {
                    return Vec::new();
                };
                let key = match (key, index) {
                    (Some(k), _) => Some(k.clone()),
                    (None, Some(i)) => fr.value(i).and_then(|v| v.key()),
                    _ => None,
                };
                table_entries(fr, table, key.as_deref())
            }
            Expr::Call(c) if c.callee.ends_with(".get") => {
                let Some(Expr::Name(table, _)) = &c.receiver else {
                    return Vec::new();
                };
                let key = c.args.first().and_then(|k| fr.value(k)?.key());
                table_entries(fr, table, key.as_deref())
            }
            _ => Vec::new(),
        }
    }

    /// The functions a call runs that are held in variables or tables:
    /// `HANDLERS[action](x)`, `handlers.run(x)`, `fn(x)`.
    pub(super) fn dispatched(&self, fr: &Frame, c: &Call) -> Vec<Callable> {
        if let (Some(table), Some(key)) = (c.callee.strip_suffix("[]"), &c.key) {
            let key = fr.value(key).and_then(|v| v.key());
            return table_entries(fr, table, key.as_deref());
        }
        fr.functions.get(&c.callee).cloned().unwrap_or_default()
    }

    /// Runs the functions a call dispatches to; `None` when it dispatches to none.
    pub(super) fn run_dispatched(
        &mut self,
        fr: &mut Frame,
        c: &Call,
        args: &[Option<Taint>],
    ) -> Option<Option<Taint>> {
        let targets = self.dispatched(fr, c);
        if targets.is_empty() {
            return None;
        }
        let mut ret = None;
        for (file, def) in targets.into_iter().take(MAX_DISPATCH) {
            let r = self.run_call(fr, c, file, def.clone(), args);
            ret = Taint::merge(ret, r);
        }
        Some(ret)
    }

    /// A module-level name read where no local binds it: what module state holds.
    pub(super) fn module_value(&self, fr: &Frame, n: &str) -> Option<Taint> {
        if fr.bound.contains(n) {
            return None;
        }
        self.module_state.get(&(fr.file, n.to_string())).cloned()
    }

    /// Whether `name`, assigned or changed in this frame, is module-level state: declared so
    /// (`global`), or a module-level container changed where no local of that name exists.
    pub(super) fn is_module_state(&self, fr: &Frame, name: &str, whole: bool) -> bool {
        if fr.globals.contains(name) {
            return true;
        }
        !whole
            && !fr.bound.contains(name)
            && self
                .facts
                .get(fr.file)
                .is_some_and(|f| f.names.contains(name))
    }

    /// Event data stored in module-level state.
    pub(super) fn store_module_state(&mut self, fr: &Frame, name: &str, t: Taint) {
        let key = (fr.file, name.to_string());
        let grows = match self.module_state.get(&key) {
            None => true,
            Some(old) => old.kinds | t.kinds != old.kinds,
        };
        let merged = Taint::merge(self.module_state.remove(&key), Some(t));
        if let Some(m) = merged {
            self.module_state.insert(key, m);
        }
        if grows {
            self.state_generation += 1;
        }
    }
}

/// The functions of a table's entry `key` (every entry's when the key is not known).
fn table_entries(fr: &Frame, table: &str, key: Option<&str>) -> Vec<Callable> {
    match key {
        Some(k) => fr
            .functions
            .get(&format!("{table}.{k}"))
            .cloned()
            .unwrap_or_default(),
        None => fr
            .functions
            .get(&format!("{table}[]"))
            .cloned()
            .unwrap_or_default(),
    }
}
