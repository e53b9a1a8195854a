pub mod fg701;
pub mod fg702;

use fnguard_flow::{EdgeKind, Graph};
use std::collections::{HashMap, VecDeque};

/// A hop on a path through the application graph, for evidence.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Hop {
    pub from: String,
    pub to: String,
    pub kind: &'static str,
    pub detail: String,
}

/// Functions reachable from `start` (a `fn:` node): through invocations, and through stores it
/// writes that trigger other functions (queues, topics, streams, buckets). Each with the hops
/// from `start`.
pub(crate) fn reachable_functions(g: &Graph, start: &str) -> Vec<(String, Vec<Hop>)> {
    let mut out: Vec<(String, Vec<Hop>)> = vec![(start.to_string(), Vec::new())];
    let mut seen: HashMap<String, ()> = HashMap::new();
    seen.insert(start.to_string(), ());
    let mut queue: VecDeque<(String, Vec<Hop>)> = VecDeque::from([(start.to_string(), Vec::new())]);
    while let Some((node, hops)) = queue.pop_front() {
        if hops.len() > 8 {
            continue;
        }
        for e in g.moves_from(&node) {
            let next: Vec<(String, Vec<Hop>)> = match e.kind {
                EdgeKind::Invoke => vec![(e.to.to_string(), vec![hop(e)])],
                EdgeKind::Write if fnguard_flow::produces_events(e.detail) => g
                    .edges_from(e.to)
                    .filter(|t| t.kind == EdgeKind::Trigger)
                    .map(|t| (t.to.to_string(), vec![hop(e), hop(t)]))
                    .collect(),
                _ => Vec::new(),
            };
            for (to, extra) in next {
                if seen.insert(to.clone(), ()).is_some() {
                    continue;
                }
                let mut h = hops.clone();
                h.extend(extra);
                out.push((to.clone(), h.clone()));
                queue.push_back((to, h));
            }
        }
    }
    out
}

pub(crate) fn hop(e: fnguard_flow::EdgeRef<'_>) -> Hop {
    Hop {
        from: strip(e.from),
        to: strip(e.to),
        kind: e.kind.label(),
        detail: e.detail.to_string(),
    }
}

pub(crate) fn strip(id: &str) -> String {
    id.split_once(':')
        .map_or(id.to_string(), |(_, r)| r.to_string())
}

pub(crate) fn describe(hops: &[Hop]) -> String {
    hops.iter()
        .map(|h| format!("`{}` {} `{}`", h.from, h.kind, h.to))
        .collect::<Vec<_>>()
        .join(", ")
}
