use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports an API key, token or signature from the event compared to a secret with `==`/`===`/`!=`.
    /// The secret side is a value the function holds (configuration, a secret store, a value
    /// derived from one, or a secret-named variable that does not come from the request): two
    /// fields of the same request (`password != confirmPassword`) are not reported.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Ordinary comparison stops at the first differing byte; response timing reveals how much of a guess was right.
    ///
    /// ## Example
    /// ```python
    /// if event["headers"]["x-api-key"] == os.environ["API_KEY"]:
    /// ```
    ///
    /// ## Fix
    /// Use `hmac.compare_digest` (Python) or `crypto.timingSafeEqual` (Node.js) on equal-length buffers.
    ///
    /// ## References
    /// - <https://codahale.com/a-lesson-in-timing-attacks/>
    pub struct NonConstantTimeSecretCompare {
        id: "FG514",
        name: "non-constant-time-secret-compare",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(NonConstantTimeSecretCompare, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &NonConstantTimeSecretCompare::META,
        "Compare with hmac.compare_digest / crypto.timingSafeEqual.",
        out,
    );
}
