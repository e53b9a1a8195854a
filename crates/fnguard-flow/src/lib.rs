//! The application graph: entry points (APIs, URLs, event sources), functions, data stores and
//! roles, with `trigger`, `invoke`, `read`, `write` and `assume` edges. Read/write edges come
//! from the code's SDK calls where the code names the resource (through an environment
//! variable that refers to it), else from the role's grants; each edge says which.
//!
//! Pure: built from the model, no I/O.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod build;
mod render;
mod sensitivity;

pub use build::{
    build, fn_node, is_public, produces_events, Edge, EdgeKind, EdgeRef, EdgeSource, EdgesFrom,
    Graph, Node, NodeKind,
};
pub use render::{dot, human, json, mermaid};
pub use sensitivity::{classify, Sensitivity};

mod cycles;
pub use cycles::{trigger_loops, Loop, LoopHop};

mod wallet;
pub use wallet::{exposures, prices, Exposure, Prices};

/// Functions reachable from a function node through invocations and event-creating writes to
/// stores that trigger other functions (the start first).
pub fn flow_reach(g: &Graph, start: &str) -> Vec<(String, usize)> {
    let mut out = vec![(start.to_string(), 0)];
    let mut i = 0;
    while i < out.len() && out.len() < 256 {
        let (node, depth) = out[i].clone();
        i += 1;
        if depth > 8 {
            continue;
        }
        for e in g.moves_from(&node) {
            let next: Vec<String> = match e.kind {
                EdgeKind::Invoke => vec![e.to.to_string()],
                // Whatever the store starts: functions it triggers, tasks a state machine runs.
                EdgeKind::Write if produces_events(e.detail) => g
                    .edges_from(e.to)
                    .filter(|t| matches!(t.kind, EdgeKind::Trigger | EdgeKind::Invoke))
                    .map(|t| t.to.to_string())
                    .collect(),
                _ => Vec::new(),
            };
            for n in next {
                if !out.iter().any(|(x, _)| *x == n) {
                    out.push((n, depth + 1));
                }
            }
        }
    }
    out
}
