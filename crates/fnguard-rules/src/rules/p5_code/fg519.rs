use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data deciding the target of a redirect: Flask/Django `redirect()`, `HttpResponseRedirect`, FastAPI/Starlette `RedirectResponse`, Express `res.redirect()`. Redirects written as a Lambda proxy response's `Location` header are not yet followed.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// A link to the application's own domain sends the user to a page the attacker chose: phishing that passes every look at the URL, and stolen OAuth codes and tokens when the redirect ends a login flow.
    ///
    /// ## Example
    /// ```javascript
    /// app.get('/out', (req, res) => res.redirect(req.query.next));
    /// ```
    ///
    /// ## Fix
    /// Redirect only to relative paths of the application or to an allow-list of hosts: parse the target, compare its host with the list, and fall back to a fixed page.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html>
    pub struct OpenRedirect {
        id: "FG519",
        name: "open-redirect",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(OpenRedirect, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &OpenRedirect::META,
        "Check the target against an allow-list of paths or hosts before redirecting.",
        out,
    );
}
