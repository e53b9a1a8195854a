use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports passwords hashed with a fast hash (MD5, SHA-1, SHA-2) instead of a
    /// password-hashing function: a hash call whose input names a password. It is a pattern
    /// check on the handler's code and the local modules it imports (no taint needed); other
    /// uses of MD5 and SHA-1 for credentials and signatures are FG529's.
    ///
    /// ## Why is this bad?
    /// Fast hashes are brute-forced at billions of guesses per second once the table leaks.
    ///
    /// ## Example
    /// ```python
    /// hashlib.sha256(password.encode()).hexdigest()
    /// ```
    ///
    /// ## Fix
    /// Use bcrypt, scrypt, Argon2 or PBKDF2 with a per-user salt (`hashlib.scrypt`, `crypto.scrypt`).
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html>
    pub struct WeakPasswordHash {
        id: "FG515",
        name: "weak-password-hash",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(WeakPasswordHash, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &WeakPasswordHash::META,
        "Hash passwords with bcrypt, scrypt, Argon2 or PBKDF2 (hashlib.scrypt, crypto.scrypt) and a salt.",
        out,
    );
}
