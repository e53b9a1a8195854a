use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports identity fields taken from the request (user id, tenant, account, role, `isAdmin`
    /// in the body, query, path or headers) used as a data-access key (`Key=`,
    /// `ExpressionAttributeValues`) or compared with a literal to decide an authorization branch
    /// (`if body["role"] == "admin"`), while the authorizer context
    /// (`requestContext.authorizer`) is where the verified identity is. Values read through the
    /// authorizer context are never reported.
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
    emit_code_findings(
        cx,
        &ClientControlledIdentity::META,
        "Use the identity from requestContext.authorizer (or a verified token) for data keys, or check the requested id belongs to it.",
        out,
    );
}
