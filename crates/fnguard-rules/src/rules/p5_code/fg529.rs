use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports an MD5 or SHA-1 digest used where a hash must resist attack: assigned to a
    /// variable named for a token, secret, session, signature or HMAC, stored under such a key
    /// or in a cookie, or written to a file named for credentials (`passwords.txt`).
    /// Digests computed with `usedforsecurity=False`, and checksums, ETags or cache keys that
    /// go nowhere of the kind, are not reported; hashing a password is FG515's.
    /// The path from the hash call to the store is in the evidence.
    ///
    /// ## Why is this bad?
    /// Collisions in MD5 and SHA-1 are practical (chosen-prefix collisions for both), so a
    /// signature or integrity tag made with them can be forged for other content, and the fast
    /// functions give up stored credentials and tokens derived from guessable input to brute
    /// force at billions of guesses per second.
    ///
    /// ## Example
    /// ```python
    /// signature = hashlib.md5(body + secret).hexdigest()
    /// ```
    ///
    /// ## Fix
    /// Sign and tag with HMAC-SHA-256 (`hmac.new(key, body, hashlib.sha256)`,
    /// `crypto.createHmac("sha256", key)`), derive tokens from `secrets`/`crypto.randomBytes`,
    /// and store credentials with a password-hashing function (scrypt, Argon2, bcrypt). Mark
    /// non-security digests `usedforsecurity=False`.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/328.html>
    /// - <https://shattered.io/>
    pub struct BrokenHash {
        id: "FG529",
        name: "broken-hash",
        severity: Medium,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(BrokenHash, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &BrokenHash::META,
        "Use HMAC-SHA-256 for signatures, a cryptographic generator for tokens and scrypt/Argon2/bcrypt for stored credentials; mark non-security digests usedforsecurity=False.",
        out,
    );
}
