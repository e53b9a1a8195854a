use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data used to build a filesystem path that is opened, read, written or deleted (`open`, `os.remove`, `fs.readFile*`, `fs.writeFile*`, `sendFile`, ...).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// `../` in the value reaches files outside the intended directory: the function's code and configuration under `/var/task`, `/proc/self/environ` with its credentials.
    ///
    /// ## Example
    /// ```javascript
    /// fs.readFileSync(path.join('/opt/templates', event.queryStringParameters.name));
    /// ```
    ///
    /// ## Fix
    /// Take only a base name (`path.basename`, `os.path.basename`) or map the value through an allow-list; after normalising, check that the path is still under the intended directory.
    ///
    /// ## References
    /// - <https://owasp.org/www-community/attacks/Path_Traversal>
    pub struct PathTraversal {
        id: "FG506",
        name: "path-traversal",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(PathTraversal, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &PathTraversal::META,
        "Use path.basename/os.path.basename or an allow-list, and check the normalised path stays under the intended directory.",
        out,
    );
}
