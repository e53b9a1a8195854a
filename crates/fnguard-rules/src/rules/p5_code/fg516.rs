use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports a secret (from Secrets Manager, SSM with decryption, or a secret-named environment variable) that flows to the handler's response, an SNS/SQS/EventBridge message, or the logs.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The secret leaves the function: to callers, to every subscriber of a topic, to whoever reads the logs.
    ///
    /// ## Example
    /// ```python
    /// secret = sm.get_secret_value(SecretId="db")["SecretString"]
    /// print(secret)
    /// ```
    ///
    /// ## Fix
    /// Use secrets only where they are needed (the client that authenticates); never return, publish or log them.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html>
    pub struct SecretReturnedOrPublished {
        id: "FG516",
        name: "secret-returned-or-published",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(SecretReturnedOrPublished, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &SecretReturnedOrPublished::META,
        "Keep the secret inside the function: do not return, publish or log it.",
        out,
    );
}
