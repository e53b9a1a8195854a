use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data parsed as XML by a parser configured to resolve external entities (`lxml` with `resolve_entities=True`, `xml.sax` with `feature_external_ges`, `libxmljs` with `noent: true`).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// An XML document can read local files (`file:///proc/self/environ`) or make requests from the function.
    ///
    /// ## Example
    /// ```python
    /// parser = etree.XMLParser(resolve_entities=True)
    /// etree.fromstring(event["body"], parser)
    /// ```
    ///
    /// ## Fix
    /// Disable entity resolution (`resolve_entities=False`, `noent: false`) or use `defusedxml`.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html>
    pub struct Xxe {
        id: "FG508",
        name: "xxe",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(Xxe, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &Xxe::META,
        "Disable external entity resolution (resolve_entities=False, noent: false) or parse with defusedxml.",
        out,
    );
}
