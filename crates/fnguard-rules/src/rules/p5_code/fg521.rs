use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data built into an XPath expression: lxml `XPath(...)`/`.xpath(...)`,
    /// `elementpath.select`, ElementTree's `find`/`findall`/`iterfind`, Node's
    /// `xpath.select`/`evaluate`. A value tested to hold no quote before it is placed in a quoted
    /// literal is not reported, nor are XPath variables (`root.xpath("//user[@id=$id]",
    /// id=value)`).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// A quote in the value ends the literal and the rest is XPath: `' or '1'='1` selects every
    /// node, and the document's other elements (passwords, other users' records) come back in the
    /// response.
    ///
    /// ## Example
    /// ```python
    /// root.xpath(f"//employee[@id='{event['queryStringParameters']['id']}']")
    /// ```
    ///
    /// ## Fix
    /// Pass values as XPath variables (`root.xpath("//employee[@id=$id]", id=value)`), or reject
    /// values containing quotes.
    ///
    /// ## References
    /// - <https://owasp.org/www-community/attacks/XPATH_Injection>
    pub struct XpathInjection {
        id: "FG521",
        name: "xpath-injection",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(XpathInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &XpathInjection::META,
        "Pass the value as an XPath variable instead of building the expression.",
        out,
    );
}
