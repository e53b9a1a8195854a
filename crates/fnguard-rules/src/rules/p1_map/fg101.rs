use super::super::impl_rule;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports functions whose handler cannot be resolved to a file and a function in the code
    /// package: `handler: src/api.main` with no `src/api.py`/`.js`/`.mjs`/`.ts`, or a file that
    /// does not define (or export) `main`. Only Python and Node.js functions whose code lives in
    /// the scanned tree are checked.
    ///
    /// ## Why is this bad?
    /// Either the deployment fails at the first invocation, or the code that runs is not the
    /// code in the repository: and no analysis of that code (permissions it needs, injection)
    /// can be trusted.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   api:
    ///     handler: src/handler.main   # src/handler.py defines `handler`, not `main`
    /// ```
    ///
    /// ## Fix
    /// Point `handler` at the module path and the exported function name.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html>
    pub struct HandlerNotFound {
        id: "FG101",
        name: "handler-not-found",
        severity: Medium,
        practice: 1,
        opt_in: false,
    }
}

impl_rule!(HandlerNotFound, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        let Some(code) = &f.code else { continue };
        let Some(why) = &code.unresolved else {
            continue;
        };
        let location = f
            .handler
            .as_ref()
            .map(|h| h.location.clone())
            .unwrap_or_else(|| f.location.clone());
        cx.finding(
            &HandlerNotFound::META,
            location,
            format!("the handler of `{}` cannot be found: {why}", f.id),
        )
        .function(&f.id)
        .fix("Set the handler to `<path/to/module>.<function>` as it exists in the code package.")
        .emit(out);
    }
}
