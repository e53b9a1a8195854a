use super::super::impl_rule;
use super::emit_code_findings_of;
use crate::Context;
use fnguard_model::{Finding, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Reports the whole event, or its headers, returned in the response of a function HTTP
    /// clients call (API Gateway, function URL, load balancer). Functions invoked by queues,
    /// streams, Cognito triggers (which must return their event) or directly are not reported.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The event carries what the caller should not see back: authorizer claims, the
    /// `Authorization` header and cookies of the request, the source IP and account ids in
    /// `requestContext`. Echoed, they leak through logs of proxies and browsers, and a reflected
    /// header becomes a vector for cache poisoning and XSS.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     return {'statusCode': 200, 'body': json.dumps(event)}
    /// ```
    ///
    /// ## Fix
    /// Return only the fields the client needs, by name.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/200.html>
    pub struct EventEchoed {
        id: "FG528",
        name: "event-echoed",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(EventEchoed, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    // Only an HTTP client reads the response back: what a queue consumer, a Cognito trigger
    // (which must return its event) or a directly invoked function returns stays in AWS.
    emit_code_findings_of(
        cx,
        &EventEchoed::META,
        "Return only the fields the client needs, by name; never the whole event or its headers.",
        |f| {
            f.url.is_some()
                || f.triggers
                    .iter()
                    .any(|t| matches!(t.kind, TriggerKind::Api { .. } | TriggerKind::Alb { .. }))
        },
        out,
    );
}
