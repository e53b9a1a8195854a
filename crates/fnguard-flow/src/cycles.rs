//! Recursive trigger loops (FG802): cycles of `trigger` (store → function), `write`
//! (function → store) and `invoke` (function → function) edges. An S3 trigger with a prefix or
//! suffix filter is not part of a loop: fnguard cannot tell the keys written from the keys
//! filtered, and such filters are how loops are usually avoided. A write the role allows but
//! the code was completely analysed and never makes is not part of a loop either.

use crate::build::{fn_node, EdgeKind, EdgeRef, EdgeSource, Graph};
use fnguard_model::{Project, ProjectIndex, TriggerKind};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoopHop {
    pub from: String,
    pub to: String,
    pub kind: &'static str,
    pub source: EdgeSource,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Loop {
    /// The functions on the cycle (model ids), in order.
    pub functions: Vec<String>,
    /// The stores (and the edges) that close it.
    pub hops: Vec<LoopHop>,
    /// `code` when every write/invoke on the cycle is seen in the code, else `iam`.
    pub confidence: EdgeSource,
}

/// Trigger edges of functions whose S3 trigger has a key filter (`fn` node → set of sources).
fn filtered_triggers(p: &Project) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for f in &p.functions {
        for t in &f.triggers {
            if let TriggerKind::S3 {
                bucket,
                prefix,
                suffix,
                ..
            } = &t.kind
            {
                if prefix.as_deref().is_some_and(|x| !x.is_empty())
                    || suffix.as_deref().is_some_and(|x| !x.is_empty())
                {
                    if let Some(b) = bucket.as_str() {
                        let node =
                            crate::build::find_resource(p, b, fnguard_model::ResourceKind::Bucket)
                                .map(|r| format!("res:{}", r.id))
                                .unwrap_or_else(|| format!("ext:{b}"));
                        out.insert((node, fn_node(&f.id)));
                    }
                }
            }
        }
    }
    out
}

/// Whether the function a trigger fires filters out every record its own writes to the
/// trigger's store create: its code tests a record key's prefix (`if keys["sk"].startswith(
/// "product#")`) and every write it makes to that store sets the key to a value the test
/// rejects (`Key={"sk": "totalquantity"}`). Needs complete code: an unseen write could match.
fn ignores_own_writes(p: &Project, index: &ProjectIndex<'_>, trigger: &EdgeRef) -> bool {
    let Some(f) = index.function(trigger.to.trim_start_matches("fn:")) else {
        return false;
    };
    let Some(code) = f
        .code
        .as_ref()
        .filter(|c| c.complete && c.unresolved.is_none())
    else {
        return false;
    };
    if code.key_filters.is_empty() {
        return false;
    }
    let Some(store) = trigger
        .from
        .strip_prefix("res:")
        .and_then(|id| p.resources.iter().find(|r| r.id == id))
    else {
        return false;
    };
    let Some(svc) = crate::build::service_of(store.kind) else {
        return false;
    };
    let writes: Vec<&fnguard_model::SdkCall> = code
        .calls
        .iter()
        .filter(|c| c.reachable && crate::build::produces_events(&c.action))
        .filter(|c| c.action.split(':').next() == Some(svc))
        .filter(|c| match &c.resource_env {
            // The triggering bucket is the store whose trigger this is.
            Some(env) if env == fnguard_model::TRIGGERING_BUCKET => true,
            Some(env) => f.environment.iter().filter(|v| &v.name == env).any(|v| {
                crate::build::named_by(p, v)
                    .iter()
                    .any(|r| r.id == store.id)
            }),
            None => true,
        })
        .collect();
    !writes.is_empty()
        && writes.iter().all(|w| {
            code.key_filters.iter().any(|filter| {
                w.written_keys
                    .iter()
                    .filter(|k| k.field.eq_ignore_ascii_case(&filter.field))
                    .any(|k| {
                        if filter.suffix {
                            // The key ends with its literal tail; it may end with any text
                            // that ends with that tail.
                            let certain = |x: &str| k.suffix.ends_with(x);
                            let may = |x: &str| certain(x) || x.ends_with(k.suffix.as_str());
                            return if filter.only {
                                !filter.prefixes.iter().any(|x| may(x))
                            } else {
                                filter.prefixes.iter().any(|x| certain(x))
                            };
                        }
                        let may_start_with = |prefix: &str| {
                            k.prefix.starts_with(prefix)
                                || (!k.exact && prefix.starts_with(k.prefix.as_str()))
                        };
                        if filter.only {
                            !filter.prefixes.iter().any(|x| may_start_with(x))
                        } else {
                            filter
                                .prefixes
                                .iter()
                                .any(|x| k.prefix.starts_with(x.as_str()))
                        }
                    })
            })
        })
}

pub fn trigger_loops(p: &Project, g: &Graph) -> Vec<Loop> {
    let filtered = filtered_triggers(p);
    let index = ProjectIndex::new(p);
    // Writes the role allows but complete code analysis shows are not made do not count.
    let complete_code: BTreeSet<String> = p
        .functions
        .iter()
        .filter(|f| {
            f.code
                .as_ref()
                .is_some_and(|c| c.complete && c.unresolved.is_none())
        })
        .map(|f| fn_node(&f.id))
        .collect();
    let usable = |e: &EdgeRef| match e.kind {
        EdgeKind::Trigger => {
            !filtered.contains(&(e.from.to_string(), e.to.to_string()))
                && !ignores_own_writes(p, &index, e)
        }
        EdgeKind::Write | EdgeKind::Invoke => {
            crate::build::produces_events(e.detail)
                && e.source != EdgeSource::Wildcard
                && !(e.source == EdgeSource::Iam && complete_code.contains(e.from))
        }
        _ => false,
    };
    // A loop's writes create events in a store that starts something (`moves_from`), so a
    // function's other edges (a shared role can give each of thousands of functions thousands)
    // are not looked at.
    let mut adj: HashMap<&str, Vec<EdgeRef>> = HashMap::new();
    for n in &g.nodes {
        let edges = if n.kind == crate::NodeKind::Function {
            g.moves_from(&n.id)
        } else {
            g.edges_from(&n.id)
        };
        for e in edges.filter(|e| usable(e)) {
            adj.entry(e.from).or_default().push(e);
        }
    }
    let mut loops: Vec<Loop> = Vec::new();
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    let starts: Vec<&str> = g
        .nodes
        .iter()
        .filter(|n| n.id.starts_with("fn:"))
        .map(|n| n.id.as_str())
        .collect();
    for start in starts {
        // Depth-bounded search for paths back to `start` (cycles are short in practice).
        let mut stack: Vec<(&str, Vec<EdgeRef>)> = vec![(start, Vec::new())];
        while let Some((node, path)) = stack.pop() {
            if path.len() >= 8 {
                continue;
            }
            for e in adj.get(node).into_iter().flatten() {
                if e.to == start {
                    let mut cycle = path.clone();
                    cycle.push(*e);
                    let mut functions: Vec<String> = cycle
                        .iter()
                        .filter(|e| e.from.starts_with("fn:"))
                        .map(|e| e.from.trim_start_matches("fn:").to_string())
                        .collect();
                    let mut key = functions.clone();
                    key.sort();
                    key.dedup();
                    let mut nodes: Vec<String> = cycle.iter().map(|e| e.from.to_string()).collect();
                    nodes.sort();
                    if !seen.insert(nodes) {
                        continue;
                    }
                    functions.dedup();
                    let confidence = if cycle.iter().all(|e| e.source != EdgeSource::Iam) {
                        EdgeSource::Code
                    } else {
                        EdgeSource::Iam
                    };
                    loops.push(Loop {
                        functions,
                        hops: cycle
                            .iter()
                            .map(|e| LoopHop {
                                from: e.from.to_string(),
                                to: e.to.to_string(),
                                kind: e.kind.label(),
                                source: e.source,
                                detail: e.detail.to_string(),
                            })
                            .collect(),
                        confidence,
                    });
                } else if !path.iter().any(|p| p.from == e.to) && e.to != node {
                    let mut next = path.clone();
                    next.push(*e);
                    stack.push((e.to, next));
                }
            }
        }
    }
    loops
}
