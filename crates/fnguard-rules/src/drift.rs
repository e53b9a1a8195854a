//! Which deployed function is which declared one, for FG612: the input of `fnguard aws drift`.
//! Matching is pure (the caller reads the account); the comparison itself is the rule.

use fnguard_model::{Project, Val};
use std::collections::{BTreeMap, BTreeSet};

/// A declared project next to what runs in the account.
pub struct Drift<'a> {
    /// The account, as a project (functions are named by their function names).
    pub live: &'a Project,
    /// Declared function id → the deployed function's id in `live`.
    pub pairs: BTreeMap<String, String>,
    /// Declared functions nothing in the account matched.
    pub missing: Vec<String>,
    /// Deployed functions no declared function matched (reported only when the caller asks).
    pub undeclared: Vec<String>,
}

/// How a declared function finds its deployed counterpart.
#[derive(Debug, Default, Clone)]
pub struct Matching {
    /// CloudFormation stack resources: logical id → physical id (a function's name), read from
    /// the account when the stack exists.
    pub stack_resources: BTreeMap<String, String>,
    /// The stack's name: CloudFormation names unnamed functions `{stack}-{logicalId}-{suffix}`.
    pub stack_name: Option<String>,
}

/// Pairs the functions of `declared` with those of `live`: by the stack's resources when
/// known, else by the declared function name (serverless names resolved with the stage), else
/// by CloudFormation's naming scheme for unnamed functions. `taken` holds live functions
/// already paired with another project's functions; pairs are added to it.
pub fn match_functions<'a>(
    declared: &Project,
    live: &'a Project,
    how: &Matching,
    taken: &mut BTreeSet<String>,
) -> Drift<'a> {
    let live_name = |id: &str| -> Option<String> {
        live.functions
            .iter()
            .find(|f| f.id == id || f.name.as_ref().and_then(Val::as_str) == Some(id))
            .map(|f| f.id.clone())
    };
    let mut pairs = BTreeMap::new();
    let mut missing = Vec::new();
    for f in &declared.functions {
        let by_stack = how
            .stack_resources
            .get(&f.id)
            .and_then(|physical| live_name(physical));
        let by_name = || f.name.as_ref().and_then(Val::as_str).and_then(&live_name);
        let by_scheme = || {
            let stack = how.stack_name.as_deref()?;
            // CloudFormation truncates long stack and logical names; the prefix is enough.
            let prefix = format!("{stack}-{}-", f.id);
            let hits: Vec<&str> = live
                .functions
                .iter()
                .map(|g| g.id.as_str())
                .filter(|n| n.starts_with(&prefix))
                .collect();
            match hits.as_slice() {
                [one] => Some(one.to_string()),
                _ => None,
            }
        };
        match by_stack.or_else(by_name).or_else(by_scheme) {
            Some(id) if !taken.contains(&id) => {
                taken.insert(id.clone());
                pairs.insert(f.id.clone(), id);
            }
            _ => missing.push(f.id.clone()),
        }
    }
    Drift {
        live,
        pairs,
        missing,
        undeclared: Vec::new(),
    }
}

/// Deployed functions that no declared function took.
pub fn undeclared(live: &Project, taken: &BTreeSet<String>) -> Vec<String> {
    live.functions
        .iter()
        .map(|f| f.id.clone())
        .filter(|id| !taken.contains(id))
        .collect()
}
