use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data that decides the URL or host of an outbound request (`requests`, `urllib`, `httpx`, `fetch`, `axios`, `got`, `http(s).request`).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The function becomes a proxy into its network: instance metadata and internal services in its VPC, or any host at the caller's choice, with the function's network identity.
    ///
    /// ## Example
    /// ```python
    /// requests.get(event["queryStringParameters"]["url"])
    /// ```
    ///
    /// ## Fix
    /// Choose the host in code (an allow-list of hosts, a fixed base URL with only a path segment from the event, URL-encoded).
    ///
    /// ## References
    /// - <https://owasp.org/www-community/attacks/Server_Side_Request_Forgery>
    pub struct Ssrf {
        id: "FG507",
        name: "ssrf",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(Ssrf, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &Ssrf::META,
        "Fix the host in code or check it against an allow-list; only put encoded path or query values from the event into the URL.",
        out,
    );
}
