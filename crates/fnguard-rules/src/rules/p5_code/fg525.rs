use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports a value from a non-cryptographic generator (Python `random`, `numpy.random`,
    /// JavaScript `Math.random`) that becomes a token, password, nonce, salt, session value or
    /// cookie: assigned to a variable so named, stored in a session or credential-named key, or set
    /// as a cookie.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// These generators are predictable: Python's Mersenne Twister state can be recovered from 624
    /// outputs, V8's `Math.random` from a few. Whoever observes some tokens can compute the next
    /// reset link, session id or one-time code.
    ///
    /// ## Example
    /// ```python
    /// token = str(random.randint(0, 10**9))
    /// ```
    ///
    /// ## Fix
    /// Use `secrets.token_urlsafe()`/`secrets.randbelow()` in Python and
    /// `crypto.randomBytes()`/`crypto.randomUUID()` in Node.js.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/330.html>
    pub struct WeakRandomness {
        id: "FG525",
        name: "weak-randomness",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(WeakRandomness, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &WeakRandomness::META,
        "Generate tokens with a cryptographic generator (Python `secrets`, Node `crypto.randomBytes`/`randomUUID`).",
        out,
    );
}
