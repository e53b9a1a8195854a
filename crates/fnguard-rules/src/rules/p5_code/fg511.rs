use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports the whole event, its headers or its `Authorization` header written to the logs (`print`, `logging`, `console.log`, `logger.*`).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Events carry tokens, cookies and personal data; logs are kept for a long time and read by many more people than the API.
    ///
    /// ## Example
    /// ```javascript
    /// console.log(JSON.stringify(event));
    /// ```
    ///
    /// ## Fix
    /// Log the fields you need (request id, route), never the raw event or headers.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html>
    pub struct SensitiveDataLogged {
        id: "FG511",
        name: "sensitive-data-logged",
        severity: Low,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(SensitiveDataLogged, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &SensitiveDataLogged::META,
        "Log only the fields needed (request id, route, status), not the raw event or its headers.",
        out,
    );
}
