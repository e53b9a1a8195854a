use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data stored into the session (`flask.session[...]`, Django
    /// `request.session[...]`, Express `req.session.x`) or the request's identity context
    /// (`flask.g`, `request.user`), as a key or a value.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Later requests trust what the session holds as the server's own decision: a user id, a role
    /// or a verified flag the caller wrote there is taken for the truth by code that never looks at
    /// the request again.
    ///
    /// ## Example
    /// ```python
    /// session['user_id'] = request.form['user_id']
    /// ```
    ///
    /// ## Fix
    /// Store in the session only values the server decided or verified (after authentication, from
    /// the database); validate request data before it crosses into trusted state.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/501.html>
    pub struct TrustBoundaryViolation {
        id: "FG524",
        name: "trust-boundary-violation",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(TrustBoundaryViolation, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &TrustBoundaryViolation::META,
        "Store only values the server verified; validate request data before it enters the session.",
        out,
    );
}
