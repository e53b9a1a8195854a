use super::super::impl_rule;
use super::{describe, hop, reachable_functions, strip};
use crate::Context;
use fnguard_flow::{EdgeKind, EdgeSource, NodeKind};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports data stores classified as sensitive (confidential or restricted: from their
    /// `data-classification` tag, else from their name or attributes — users, payments, cards,
    /// tokens, personal data; extend with `[data] sensitive_words`) that an unauthenticated
    /// entry point reaches: a public function URL or a route without an authorizer, directly
    /// or through the functions it invokes and the queues, topics and streams it writes. Reads
    /// and writes come from the handler's SDK calls when the code names the store, else from the
    /// role's grants (said in the message), including grants on every resource (`dynamodb:*` on
    /// `*`), which reach every sensitive store of the service. Secrets are not data stores here:
    /// reading one is how a public webhook checks its caller, and leaking one is FG516.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet can send the request that reads or changes that data; the only
    /// protection left is the handler's own logic.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   getCustomer:
    ///     handler: customers.get
    ///     url: true                       # no auth
    ///     environment: { TABLE: !Ref Customers }
    /// ```
    ///
    /// ## Fix
    /// Put an authorizer (IAM, Cognito/JWT, Lambda) in front of the entry point, or move the
    /// access to the sensitive store behind an authenticated path.
    ///
    /// ## References
    /// - OWASP Serverless Top 10, SAS-2: Broken authentication
    pub struct PublicPathToSensitiveData {
        id: "FG701",
        name: "public-path-to-sensitive-data",
        severity: High,
        practice: 7,
        opt_in: false,
    }
}

impl_rule!(PublicPathToSensitiveData, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let g = cx.graph();
    for f in cx
        .project
        .functions
        .iter()
        .filter(|f| fnguard_flow::is_public(cx.project, f))
    {
        let start = format!("fn:{}", f.id);
        for (func, hops) in reachable_functions(g, &start) {
            for e in g
                .edges_from(&func)
                .iter()
                .filter(|e| matches!(e.kind, EdgeKind::Read | EdgeKind::Write))
            {
                let Some(store) = g.node(&e.to).filter(|n| n.kind == NodeKind::Resource) else {
                    continue;
                };
                let Some(s) = store.sensitivity.filter(|s| s.is_sensitive()) else {
                    continue;
                };
                // Reading a secret is how a public webhook verifies its caller (and leaking it
                // is FG516's business): data stores only.
                if store.detail == fnguard_model::ResourceKind::Secret.label() {
                    continue;
                }
                let mut path = hops.clone();
                path.push(hop(e));
                let how = match e.source {
                    EdgeSource::Iam => " (the role allows it)",
                    EdgeSource::Wildcard => " (the role allows it on every resource: `*`)",
                    _ => "",
                };
                let location = f
                    .url
                    .as_ref()
                    .map(|u| u.location.clone())
                    .or_else(|| {
                        f.triggers
                            .iter()
                            .find(|t| t.kind.source_resource().is_some())
                            .map(|t| t.location.clone())
                    })
                    .unwrap_or_else(|| f.location.clone());
                cx.finding(
                    &PublicPathToSensitiveData::META,
                    location,
                    format!(
                        "unauthenticated entry `{}` reaches {} store `{}` ({}): {}{how}",
                        f.id,
                        s.label(),
                        store.label,
                        store.sensitivity_reason,
                        describe(&path)
                    ),
                )
                .function(&f.id)
                .resource(&strip(&store.id))
                .key(format!("{}->{}", f.id, store.id))
                .evidence(serde_json::json!({ "path": path, "sensitivity": s.label(), "store": store.label }))
                .fix("Require authentication on the entry point (IAM, Cognito/JWT or Lambda authorizer, URL AuthType AWS_IAM), or move the access to the sensitive store behind an authenticated path.")
                .emit(out);
            }
        }
    }
}
