//! Practice 5, bad code: what the taint analysis and the secret scan of each function's handler
//! found, one rule per sink class. The analysis lives in fnguard-code; these rules group its
//! facts by location and name the functions whose handlers reach them.

pub mod fg501;
pub mod fg502;
pub mod fg503;
pub mod fg504;
pub mod fg505;
pub mod fg506;
pub mod fg507;
pub mod fg508;
pub mod fg509;
pub mod fg510;
pub mod fg511;
pub mod fg512;
pub mod fg513;
pub mod fg514;
pub mod fg515;
pub mod fg516;
pub mod fg517;
pub mod fg518;
pub mod fg519;
pub mod fg520;
pub mod fg521;
pub mod fg522;
pub mod fg523;
pub mod fg524;
pub mod fg525;
pub mod fg526;
pub mod fg527;
pub mod fg528;
pub mod fg529;

use crate::context::subject;
use crate::{Context, RuleMeta};
use fnguard_flow::{fn_node, Graph};
use fnguard_model::{CodeFinding, Finding, Function, Location, TriggerKind};
use std::collections::BTreeMap;

/// Emits one finding per code location for `meta`'s rule, naming every function whose handler
/// reaches it, with the source-to-sink path as evidence and each step as a related location.
pub(crate) fn emit_code_findings(
    cx: &Context<'_>,
    meta: &'static RuleMeta,
    fix: &str,
    out: &mut Vec<Finding>,
) {
    emit_code_findings_of(cx, meta, fix, |_| true, out);
}

/// [`emit_code_findings`] for the functions `concerned` accepts.
pub(crate) fn emit_code_findings_of(
    cx: &Context<'_>,
    meta: &'static RuleMeta,
    fix: &str,
    concerned: impl Fn(&Function) -> bool,
    out: &mut Vec<Finding>,
) {
    let mut groups: BTreeMap<Location, (&CodeFinding, Vec<&str>)> = BTreeMap::new();
    // `concerned` may look at the whole graph: asked only of functions that have such a
    // finding (on a template of thousands of functions, asking every one was quadratic).
    let with_findings = cx.project.functions.iter().filter(|f| {
        f.code
            .as_ref()
            .is_some_and(|c| c.findings.iter().any(|cf| cf.rule == meta.id))
    });
    for f in with_findings.filter(|f| concerned(f)) {
        let Some(code) = &f.code else { continue };
        for cf in code.findings.iter().filter(|c| c.rule == meta.id) {
            let entry = groups
                .entry(cf.location.clone())
                .or_insert((cf, Vec::new()));
            if !entry.1.contains(&f.id.as_str()) {
                entry.1.push(&f.id);
            }
        }
    }
    // Identical sinks in one file are told apart by their order, not their line, so that a
    // finding keeps its fingerprint (and its baseline entry) when code above it moves.
    let mut ordinal: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (location, (cf, functions)) in groups {
        let sink_key: String = cf.sink.split_whitespace().collect();
        let n = ordinal
            .entry((cf.location.file.to_string(), sink_key.clone()))
            .or_default();
        *n += 1;
        let key = format!("{}:{sink_key}#{n}", cf.location.file);
        let path: Vec<serde_json::Value> = cf
            .path
            .iter()
            .map(|s| {
                serde_json::json!({
                    "file": s.location.file,
                    "line": s.location.line,
                    "column": s.location.column,
                    "note": s.note,
                })
            })
            .collect();
        let mut b = cx
            .finding(
                meta,
                location,
                format!(
                    "{} in the handler of {}: `{}`",
                    cf.detail,
                    subject(&functions),
                    cf.sink
                ),
            )
            .functions(&functions)
            .key(key)
            .evidence(if cf.event_fields.is_empty() {
                serde_json::json!({ "sink": cf.sink, "path": path })
            } else {
                serde_json::json!({ "sink": cf.sink, "path": path, "event_fields": cf.event_fields })
            })
            .fix(fix);
        for step in &cf.path {
            b = b.related(step.location.clone());
        }
        b.emit(out);
    }
}

/// Whether clients send the function's event: an API Gateway route, a load balancer, a
/// function URL, a resource policy or a trigger fnguard does not model, or no known caller at
/// all. Functions only the application's own stores, buses, schedules, functions and state
/// machines invoke get events the application wrote.
pub(crate) fn serves_clients(cx: &Context<'_>, graph: &Graph, f: &Function) -> bool {
    let from_clients = f.url.is_some()
        || f.triggers.iter().any(|t| {
            matches!(
                t.kind,
                TriggerKind::Api { .. } | TriggerKind::Alb { .. } | TriggerKind::Other { .. }
            )
        });
    let has_resource_policy = cx
        .project
        .permissions
        .iter()
        .any(|p| p.function.as_str() == Some(f.id.as_str()));
    let node = fn_node(&f.id);
    let invoked_in_app = graph.is_invoked(&node);
    from_clients || has_resource_policy || (f.triggers.is_empty() && !invoked_in_app)
}
