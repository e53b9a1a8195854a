use super::super::impl_rule;
use super::{emit_code_findings_of, serves_clients};
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports identity fields taken from the request (user id, tenant, account, role, `isAdmin`
    /// in the body, query, path or headers) used as a data-access key (`Key=`,
    /// `ExpressionAttributeValues`) or compared with a literal to decide an authorization branch
    /// (`if body["role"] == "admin"`), while the authorizer context
    /// (`requestContext.authorizer`) is where the verified identity is. Values read through the
    /// authorizer context are never reported, nor fields of what a function fnguard did not
    /// analyse returns (`processEvent(event).userId` from a helper package may well come from
    /// the authorizer claims).
    /// Only functions that serve client requests are concerned: those behind an API Gateway
    /// route, a load balancer or a function URL, those with a resource policy or a trigger
    /// fnguard does not model, and those nothing in the application invokes (their callers are
    /// unknown). A function that only queues, streams, buckets, buses, schedules, other functions
    /// or state machines of the application invoke gets its identity fields from code the
    /// application controls; where that code took them from the request, it is reported there.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Callers read or change other users' or tenants' data by changing an id in the request (broken object-level authorization).
    ///
    /// ## Example
    /// ```python
    /// user_id = json.loads(event["body"])["userId"]
    /// table.get_item(Key={"pk": user_id})
    /// ```
    ///
    /// ## Fix
    /// Take the identity from `event.requestContext.authorizer` (claims, principal id) or a verified token, and check that the requested object belongs to it.
    ///
    /// ## References
    /// - <https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/>
    pub struct ClientControlledIdentity {
        id: "FG513",
        name: "client-controlled-identity",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(ClientControlledIdentity, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let graph = cx.graph();
    emit_code_findings_of(
        cx,
        &ClientControlledIdentity::META,
        "Use the identity from requestContext.authorizer (or a verified token) for data keys, or check the requested id belongs to it.",
        |f| serves_clients(cx, graph, f),
        out,
    );
}
