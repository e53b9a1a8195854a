use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports a JWT from the event decoded without verifying its signature: `jsonwebtoken`'s `decode`, `jwt-decode`, `jose.decodeJwt`, PyJWT with `verify=False` or `verify_signature: False`, `get_unverified_claims`, and tokens decoded by hand (split on `.`, the payload part base64-decoded and parsed as JSON).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Anyone can write the claims of an unsigned or self-signed token: identity and roles taken from it are the caller's choice.
    ///
    /// ## Example
    /// ```javascript
    /// const claims = jwt.decode(event.headers.authorization);
    /// ```
    ///
    /// ## Fix
    /// Verify the token (`jwt.verify` with the issuer's key and allowed algorithms), or read claims from the API Gateway authorizer context.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html>
    pub struct UnverifiedJwt {
        id: "FG510",
        name: "unverified-jwt",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(UnverifiedJwt, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &UnverifiedJwt::META,
        "Verify the token's signature (jwt.verify with the issuer's key and algorithms) or use the authorizer's claims.",
        out,
    );
}
