use crate::{Api, Function, Project, Resource, Role};
use std::collections::HashMap;

/// Lookups over one project by id, built once per scan so that rules stay linear in the size
/// of the application.
pub struct ProjectIndex<'a> {
    functions: HashMap<&'a str, &'a Function>,
    resources: HashMap<&'a str, &'a Resource>,
    apis: HashMap<&'a str, &'a Api>,
    roles: HashMap<&'a str, &'a Role>,
    /// Resource or API id → functions whose triggers read from it.
    triggered: HashMap<&'a str, Vec<&'a Function>>,
    /// Resource id → functions whose configuration refers to it.
    used: HashMap<&'a str, Vec<&'a Function>>,
}

impl<'a> ProjectIndex<'a> {
    pub fn new(p: &'a Project) -> Self {
        let mut triggered: HashMap<&str, Vec<&Function>> = HashMap::new();
        let mut used: HashMap<&str, Vec<&Function>> = HashMap::new();
        for f in &p.functions {
            for t in &f.triggers {
                if let Some(src) = t.kind.source_resource() {
                    let list = triggered.entry(src).or_default();
                    // Functions are visited in order, so a repeat can only be the last one.
                    if !list.last().is_some_and(|x| std::ptr::eq(*x, f)) {
                        list.push(f);
                    }
                }
            }
            for u in &f.uses {
                used.entry(u.as_str()).or_default().push(f);
            }
        }
        // First declaration wins, as in the lookups on `Project`.
        let mut functions = HashMap::new();
        for f in &p.functions {
            functions.entry(f.id.as_str()).or_insert(f);
        }
        let mut resources = HashMap::new();
        for r in &p.resources {
            resources.entry(r.id.as_str()).or_insert(r);
        }
        let mut apis = HashMap::new();
        for a in &p.apis {
            apis.entry(a.id.as_str()).or_insert(a);
        }
        let mut roles = HashMap::new();
        for r in &p.roles {
            roles.entry(r.id.as_str()).or_insert(r);
        }
        Self {
            functions,
            resources,
            apis,
            roles,
            triggered,
            used,
        }
    }

    pub fn function(&self, id: &str) -> Option<&'a Function> {
        self.functions.get(id).copied()
    }

    pub fn resource(&self, id: &str) -> Option<&'a Resource> {
        self.resources.get(id).copied()
    }

    pub fn api(&self, id: &str) -> Option<&'a Api> {
        self.apis.get(id).copied()
    }

    pub fn role(&self, id: &str) -> Option<&'a Role> {
        self.roles.get(id).copied()
    }

    /// Functions triggered by the resource or API `id`.
    pub fn triggered_by(&self, id: &str) -> &[&'a Function] {
        self.triggered.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Functions triggered by `id` or configured to use it, each once, in declaration order.
    pub fn users_of(&self, id: &str) -> Vec<&'a Function> {
        let mut out: Vec<&Function> = self.triggered_by(id).to_vec();
        let mut seen: std::collections::HashSet<*const Function> =
            out.iter().map(|f| *f as *const Function).collect();
        for f in self.used.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(*f as *const Function) {
                out.push(f);
            }
        }
        out
    }
}
