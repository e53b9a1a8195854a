use super::super::impl_rule;
use super::{emit_code_findings_of, serves_clients};
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports exception messages, stack traces (`traceback.format_exc()`, `err.stack`), caught error objects, or the raw payload of a Lambda invoke (a failed function's `errorMessage` and `stackTrace`) returned in the handler's response. A field taken from the invoke's payload is the other function's answer and is not reported.
    /// Only functions whose response reaches a client are concerned (an API Gateway route, a
    /// load balancer, a function URL, a resource policy, or no known caller): what a queue,
    /// stream, bucket or schedule consumer, or a function only the application invokes,
    /// returns goes to the Lambda service or the application's own code.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Error details tell an attacker about code paths, libraries, table names and sometimes data or secrets.
    ///
    /// ## Example
    /// ```python
    /// except Exception as e:
    ///     return {"statusCode": 500, "body": str(e)}
    /// ```
    ///
    /// ## Fix
    /// Log the details with a correlation id and return a generic message with that id.
    ///
    /// ## References
    /// - <https://owasp.org/www-community/Improper_Error_Handling>
    pub struct ErrorDetailsReturned {
        id: "FG512",
        name: "error-details-returned",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(ErrorDetailsReturned, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let graph = cx.graph();
    // What a queue, stream or bucket consumer returns goes to the Lambda poller, not a client.
    emit_code_findings_of(
        cx,
        &ErrorDetailsReturned::META,
        "Log the error with a correlation id and return a generic message.",
        |f| serves_clients(cx, graph, f) && !only_one_way_websocket(cx, f),
        out,
    );
}

/// A function reached from clients only through WebSocket routes without a route response:
/// what it returns never reaches them.
fn only_one_way_websocket(cx: &Context<'_>, f: &fnguard_model::Function) -> bool {
    use fnguard_model::{ApiKind, TriggerKind};
    if f.url.is_some() {
        return false;
    }
    let mut websocket = false;
    for t in &f.triggers {
        match &t.kind {
            TriggerKind::Api { api, path, .. } => {
                let Some(a) = cx.project.api(api) else {
                    return false;
                };
                if a.kind != ApiKind::WebSocket || a.two_way_routes.contains(path) {
                    return false;
                }
                websocket = true;
            }
            TriggerKind::Alb { .. } | TriggerKind::Other { .. } => return false,
            _ => {}
        }
    }
    websocket
}
