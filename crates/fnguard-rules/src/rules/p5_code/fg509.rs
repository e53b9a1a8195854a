use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports credentials written into the handler's source files (and the local modules it
    /// imports): AWS access keys (noting when the secret access key is next to them), private
    /// keys, provider tokens (Stripe, GitHub, Slack, Google, SendGrid, GitLab, npm), JWTs,
    /// connection strings with a password, and high-entropy or password literals assigned to
    /// secret-named variables. Placeholders and documented example values (`AKIA…EXAMPLE`,
    /// `changeme`, `<your-key>`) are not reported. The detector is the one FG602 uses for
    /// environment variables.
    ///
    /// ## Why is this bad?
    /// Source code is copied to every developer laptop, CI runner, artifact bucket and the
    /// deployed package; a credential in it cannot be rotated without a release and is usually
    /// in the repository's history forever.
    ///
    /// ## Example
    /// ```python
    /// STRIPE_KEY = "sk_live_51HxQdVLk8s7D9cPq2mYt0aZbN4eR"
    /// ```
    ///
    /// ## Fix
    /// Revoke and rotate the credential, then read it at run time from Secrets Manager or SSM
    /// Parameter Store (SecureString), cached outside the handler.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html>
    /// - OWASP Serverless Top 10, SAS-7: Insecure application secrets storage
    pub struct HardcodedSecret {
        id: "FG509",
        name: "hardcoded-secret",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(HardcodedSecret, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &HardcodedSecret::META,
        "Revoke and rotate the credential; read it at run time from Secrets Manager or SSM (SecureString).",
        out,
    );
}
