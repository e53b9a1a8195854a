use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports regular expressions built from event data: `re.compile`/`re.match`/`re.search`/`re.sub`… with an event-controlled pattern in Python, `new RegExp(...)` in JavaScript. Patterns escaped with `re.escape`, `lodash.escapeRegExp` or `escape-string-regexp` are literal text and not reported. Catastrophic literal patterns applied to event data are not yet detected.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// A crafted pattern (nested quantifiers such as `(a+)+$`) makes the matcher backtrack exponentially: one request pins the function for its whole timeout, so a handful exhaust its concurrency and run up the bill (denial of service and denial of wallet).
    ///
    /// ## Example
    /// ```javascript
    /// exports.handler = async (event) => {
    ///   const re = new RegExp(event.queryStringParameters.q);
    ///   return items.filter((i) => re.test(i.name));
    /// };
    /// ```
    ///
    /// ## Fix
    /// Escape the text before building the pattern (`re.escape`, `lodash.escapeRegExp`), or search with plain string operations; if users must supply patterns, use a linear-time engine (RE2, `re2` on npm).
    ///
    /// ## References
    /// - <https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS>
    pub struct RegexDenialOfService {
        id: "FG522",
        name: "regex-denial-of-service",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(RegexDenialOfService, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(cx, &RegexDenialOfService::META, "Escape event data before building a regular expression (re.escape, escapeRegExp) or use a linear-time engine such as RE2.", out);
}
