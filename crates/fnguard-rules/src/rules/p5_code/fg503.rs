use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data deserialized by formats that can construct arbitrary objects: `pickle`/`marshal`/`dill`/`jsonpickle`, `yaml.load` without a safe loader, `node-serialize`'s `unserialize`.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Deserializing attacker bytes with these formats runs attacker code during loading.
    ///
    /// ## Example
    /// ```python
    /// data = pickle.loads(base64.b64decode(event["body"]))
    /// ```
    ///
    /// ## Fix
    /// Use JSON, or `yaml.safe_load`; sign and verify data that must round-trip objects.
    ///
    /// ## References
    /// - <https://owasp.org/www-project-top-ten/2017/A8_2017-Insecure_Deserialization>
    pub struct UnsafeDeserialization {
        id: "FG503",
        name: "unsafe-deserialization",
        severity: Critical,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(UnsafeDeserialization, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &UnsafeDeserialization::META,
        "Use JSON (json.loads/JSON.parse) or yaml.safe_load; never unpickle or unserialize request data.",
        out,
    );
}
