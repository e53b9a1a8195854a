use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports a cookie set without `Secure` (Flask/Django `set_cookie`, Express `res.cookie`), and
    /// a credential cookie (session, token, auth, remember-me) without `HttpOnly`. Cookies a page's
    /// scripts must read (preferences, CSRF tokens) may omit `HttpOnly`.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Without `Secure` the browser also sends the cookie over plain HTTP, where anyone on the
    /// network path reads it; without `HttpOnly` any script injected into the page (FG518) can read
    /// a session cookie and replay it.
    ///
    /// ## Example
    /// ```python
    /// resp.set_cookie('session', sid)
    /// ```
    ///
    /// ## Fix
    /// Set `secure=True` on every cookie, and `httponly=True` (plus `samesite`) on cookies that
    /// authenticate.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#cookies>
    pub struct InsecureCookie {
        id: "FG526",
        name: "insecure-cookie",
        severity: Low,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(InsecureCookie, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &InsecureCookie::META,
        "Set secure=True, and httponly=True on cookies that authenticate.",
        out,
    );
}
