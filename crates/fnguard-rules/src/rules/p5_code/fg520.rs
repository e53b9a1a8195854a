use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data built into the filter or base DN of an LDAP search (ldap3
    /// `Connection.search`, python-ldap `search_s`/`search_ext_s`, ldapjs `client.search`) without
    /// `escape_filter_chars`/`escape_dn_chars`.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Filter metacharacters (`*`, `(`, `)`, `\\`, NUL) change what the search matches: `*` lists
    /// every entry, `)(uid=*` adds conditions, and a login that searches
    /// `(&(uid=NAME)(userPassword=PASS))` accepts any password.
    ///
    /// ## Example
    /// ```python
    /// conn.search('ou=users,dc=example', f"(uid={event['queryStringParameters']['user']})")
    /// ```
    ///
    /// ## Fix
    /// Escape each value with `ldap3.utils.conv.escape_filter_chars` (or
    /// `ldap.filter.escape_filter_chars`), and DN parts with `escape_dn_chars`; better, validate it
    /// against the attribute's allowed characters first.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/LDAP_Injection_Prevention_Cheat_Sheet.html>
    pub struct LdapInjection {
        id: "FG520",
        name: "ldap-injection",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(LdapInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &LdapInjection::META,
        "Escape the value with escape_filter_chars (escape_dn_chars for DNs) before building the filter.",
        out,
    );
}
