//! The graph as text: a tree for people, JSON (fnguard/v1), Graphviz DOT, Mermaid.

use crate::build::{EdgeKind, Graph, NodeKind};
use serde_json::json;
use std::collections::HashMap;
use std::fmt::Write;

pub fn human(graphs: &[Graph]) -> String {
    let mut out = String::new();
    for g in graphs {
        let _ = writeln!(out, "{}", g.project);
        let label = |id: &str| g.node(id).map_or(id.to_string(), |n| n.label.clone());
        let edges_to = g.edges_to();
        for f in g.nodes.iter().filter(|n| n.kind == NodeKind::Function) {
            let _ = writeln!(
                out,
                "  λ {}{} {}",
                f.label,
                if f.public { " [PUBLIC]" } else { "" },
                f.detail
            );
            let arriving = edges_to.get(f.id.as_str()).map_or(&[][..], Vec::as_slice);
            for e in arriving.iter().filter(|e| e.kind == EdgeKind::Trigger) {
                // The entry's own guard (WAF, throttling, URL auth) next to its name.
                let guard = g
                    .node(e.from)
                    .filter(|n| matches!(n.kind, NodeKind::Api | NodeKind::External))
                    .map(|n| n.detail.as_str())
                    .filter(|d| !d.is_empty())
                    .map(|d| format!(" [{d}]"))
                    .unwrap_or_default();
                let _ = writeln!(out, "    ← {}{guard} ({})", label(e.from), e.detail);
            }
            for e in arriving.iter().filter(|e| e.kind == EdgeKind::Invoke) {
                let _ = writeln!(out, "    ← invoked by {} ({})", label(e.from), e.detail);
            }
            for e in g.edges_from(&f.id) {
                let arrow = match e.kind {
                    EdgeKind::Read => "reads",
                    EdgeKind::Write => "writes",
                    EdgeKind::Invoke => "invokes",
                    EdgeKind::Assume => "role",
                    EdgeKind::Trigger => "triggers",
                };
                let sens = g
                    .node(e.to)
                    .and_then(|n| n.sensitivity)
                    .filter(|s| s.is_sensitive())
                    .map(|s| format!(" [{}]", s.label()))
                    .unwrap_or_default();
                let how = match e.source {
                    crate::build::EdgeSource::Code => " (code)",
                    crate::build::EdgeSource::Iam => " (role allows)",
                    crate::build::EdgeSource::Wildcard => " (role allows on `*`)",
                    crate::build::EdgeSource::Declared => "",
                };
                let _ = writeln!(out, "    → {arrow} {}{sens}{how}", label(e.to));
            }
        }
    }
    out
}

pub fn json(graphs: &[Graph]) -> serde_json::Value {
    let mut functions = Vec::new();
    let mut resources = Vec::new();
    let mut edges = Vec::new();
    for g in graphs {
        let edges_to = g.edges_to();
        for n in &g.nodes {
            match n.kind {
                NodeKind::Function => {
                    let triggers: Vec<_> = edges_to
                        .get(n.id.as_str())
                        .map_or(&[][..], Vec::as_slice)
                        .iter()
                        .filter(|e| e.kind == EdgeKind::Trigger)
                        .map(|e| json!({ "from": e.from, "detail": e.detail }))
                        .collect();
                    let role = g.edges_from(&n.id).find(|e| e.kind == EdgeKind::Assume).map(|e| e.to);
                    functions.push(json!({
                        "id": n.label, "project": g.project, "runtime": n.detail, "handler": n.handler, "triggers": triggers,
                        "role": role, "public": n.public, "location": n.location,
                    }));
                }
                _ => resources.push(json!({
                    "id": n.id, "label": n.label, "type": n.detail, "kind": n.kind, "project": g.project,
                    "sensitivity": n.sensitivity.map(|s| s.label()), "sensitivity_reason": n.sensitivity_reason,
                    "public": n.public,
                })),
            }
        }
        for e in g.edges() {
            edges.push(json!({ "from": e.from, "to": e.to, "kind": e.kind.label(), "source": e.source, "detail": e.detail }));
        }
    }
    json!({
        "schema": "fnguard/v1",
        "tool": { "name": "fnguard", "version": env!("CARGO_PKG_VERSION") },
        "functions": functions,
        "resources": resources,
        "edges": edges,
    })
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn dot(graphs: &[Graph]) -> String {
    let mut out =
        String::from("digraph fnguard {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for (i, g) in graphs.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{i} {{\n    label=\"{}\";",
            quote(&g.project)
        );
        for n in &g.nodes {
            let shape = match n.kind {
                NodeKind::Function => "box",
                NodeKind::Resource => "cylinder",
                NodeKind::Api => "cds",
                NodeKind::Role => "note",
                NodeKind::External => "ellipse",
            };
            let color = if n.public {
                ",color=red"
            } else if n.sensitivity.is_some_and(|s| s.is_sensitive()) {
                ",color=orange"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    \"{}\" [label=\"{}\",shape={shape}{color}];",
                quote(&n.id),
                quote(&n.label)
            );
        }
        out.push_str("  }\n");
        for e in g.edges() {
            let style = if matches!(
                e.source,
                crate::build::EdgeSource::Iam | crate::build::EdgeSource::Wildcard
            ) {
                ",style=dashed"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"{style}];",
                quote(e.from),
                quote(e.to),
                e.kind.label()
            );
        }
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(graphs: &[Graph]) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut id_of = |s: &str| -> String {
        let next = ids.len();
        format!("n{}", *ids.entry(s.to_string()).or_insert(next))
    };
    for g in graphs {
        let _ = writeln!(out, "  subgraph \"{}\"", g.project.replace('"', "'"));
        for n in &g.nodes {
            let id = id_of(&n.id);
            let label = n.label.replace('"', "'");
            let _ = match n.kind {
                NodeKind::Function => writeln!(out, "    {id}[\"λ {label}\"]"),
                NodeKind::Resource => writeln!(out, "    {id}[(\"{label}\")]"),
                NodeKind::Api => writeln!(out, "    {id}{{{{\"{label}\"}}}}"),
                NodeKind::Role => writeln!(out, "    {id}>\"{label}\"]"),
                NodeKind::External => writeln!(out, "    {id}([\"{label}\"])"),
            };
        }
        out.push_str("  end\n");
        for e in g.edges() {
            let (a, b) = (id_of(e.from), id_of(e.to));
            let arrow = if matches!(
                e.source,
                crate::build::EdgeSource::Iam | crate::build::EdgeSource::Wildcard
            ) {
                "-.->"
            } else {
                "-->"
            };
            let _ = writeln!(out, "  {a} {arrow}|{}| {b}", e.kind.label());
        }
    }
    out
}
