use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data reaching code evaluation: `eval`, `exec`, `compile` in Python; `eval`, `Function`, `vm.run*`, string `setTimeout`/`setInterval` in JavaScript.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The caller chooses the code the function runs, with its permissions.
    ///
    /// ## Example
    /// ```javascript
    /// exports.handler = async (event) => eval(event.body);
    /// ```
    ///
    /// ## Fix
    /// Parse data with `JSON.parse`/`json.loads` or a real parser; never evaluate it.
    ///
    /// ## References
    /// - <https://owasp.org/www-community/attacks/Code_Injection>
    pub struct CodeInjection {
        id: "FG502",
        name: "code-injection",
        severity: Critical,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(CodeInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &CodeInjection::META,
        "Parse the data (JSON.parse, json.loads, ast.literal_eval) instead of evaluating it.",
        out,
    );
}
