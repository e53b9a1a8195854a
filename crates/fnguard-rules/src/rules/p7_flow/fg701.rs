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
    /// reading one is how a public webhook checks its caller, and leaking one is FG516. One
    /// finding per entry point, naming the most sensitive stores first (restricted, then
    /// confidential) with the path to each; the evidence lists up to 26 of them. An entry is
    /// followed until it has reached 256 stores.
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

/// At most this many stores are named in a message, and this many paths kept as evidence: one
/// public function on a role with `dynamodb:*` on `*` reaches every customer table of the app.
const NAMED_STORES: usize = 3;
const EVIDENCE_STORES: usize = 25;
/// An entry is not followed past this many stores (thousands of public functions on one role
/// that reaches thousands of tables made the rule quadratic); the message says "or more".
const MOST_STORES: usize = 256;

/// A sensitive store an entry reaches, and how.
struct Reached<'g> {
    store: &'g fnguard_flow::Node,
    sensitivity: fnguard_flow::Sensitivity,
    path: Vec<super::Hop>,
    how: &'static str,
}

impl Reached<'_> {
    fn describe(&self) -> String {
        format!(
            "{} store `{}` ({}): {}{}",
            self.sensitivity.label(),
            self.store.label,
            self.store.sensitivity_reason,
            describe(&self.path),
            self.how
        )
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let g = cx.graph();
    for f in cx
        .project
        .functions
        .iter()
        .filter(|f| fnguard_flow::is_public(cx.project, f))
    {
        let start = format!("fn:{}", f.id);
        // One finding per entry point: the fix (authentication) is made there, and an entry that
        // reaches a thousand tables is one problem, not a thousand (a thousand public functions
        // on one such role made a million findings). Each store once, by its shortest path
        // (`reachable_functions` is breadth-first).
        let mut reached: Vec<Reached<'_>> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (func, hops) in reachable_functions(g, &start) {
            if reached.len() >= MOST_STORES {
                break;
            }
            for e in g
                .sensitive_edges_from(&func)
                .filter(|e| matches!(e.kind, EdgeKind::Read | EdgeKind::Write))
            {
                let Some(store) = g.node(e.to).filter(|n| n.kind == NodeKind::Resource) else {
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
                if !seen.insert(store.id.as_str()) {
                    continue;
                }
                let mut path = hops.clone();
                path.push(hop(e));
                let how = match e.source {
                    EdgeSource::Iam => " (the role allows it)",
                    EdgeSource::Wildcard => " (the role allows it on every resource: `*`)",
                    _ => "",
                };
                reached.push(Reached {
                    store,
                    sensitivity: s,
                    path,
                    how,
                });
                if reached.len() >= MOST_STORES {
                    break;
                }
            }
        }
        // The most sensitive first (restricted before confidential), else in path order.
        reached.sort_by_key(|r| std::cmp::Reverse(r.sensitivity));
        let Some(first) = reached.first() else {
            continue;
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
        let message = if reached.len() == 1 {
            format!(
                "unauthenticated entry `{}` reaches {}",
                f.id,
                first.describe()
            )
        } else {
            let named: Vec<String> = reached
                .iter()
                .take(NAMED_STORES)
                .map(Reached::describe)
                .collect();
            let more = reached.len().saturating_sub(NAMED_STORES);
            format!(
                "unauthenticated entry `{}` reaches {}{} sensitive stores: {}{}",
                f.id,
                reached.len(),
                if reached.len() >= MOST_STORES {
                    " or more"
                } else {
                    ""
                },
                named.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            )
        };
        let mut evidence = serde_json::json!({
            "path": first.path,
            "sensitivity": first.sensitivity.label(),
            "store": first.store.label,
        });
        if reached.len() > 1 {
            evidence["stores"] = serde_json::json!(reached.len());
            evidence["others"] = reached
                .iter()
                .skip(1)
                .take(EVIDENCE_STORES)
                .map(|r| {
                    serde_json::json!({
                        "path": r.path,
                        "sensitivity": r.sensitivity.label(),
                        "store": r.store.label,
                    })
                })
                .collect();
        }
        cx.finding(&PublicPathToSensitiveData::META, location, message)
            .function(&f.id)
            .resource(&strip(&first.store.id))
            .key(format!("{}->{}", f.id, first.store.id))
            .evidence(evidence)
            .fix("Require authentication on the entry point (IAM, Cognito/JWT or Lambda authorizer, URL AuthType AWS_IAM), or move the access to the sensitive store behind an authenticated path.")
            .emit(out);
    }
}
