use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event-controlled keys merged or set into objects: `lodash.merge`, `mergeWith`, `defaultsDeep`, `zipObjectDeep`, `deepmerge`, `merge-deep`, `mixin-deep`, `deep-extend`, `jquery.extend`, and `lodash.set`/`setWith`, `dot-prop`, `set-value`, `object-path` with an event-controlled path.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// A body such as `{"__proto__": {"isAdmin": true}}` adds properties to every object of the execution environment: authorization checks pass, options change, and in some libraries code runs. The pollution survives into later invocations of the same warm environment.
    ///
    /// ## Example
    /// ```javascript
    /// const _ = require('lodash');
    /// exports.handler = async (event) => {
    ///   const settings = _.merge({}, DEFAULTS, JSON.parse(event.body));
    /// };
    /// ```
    ///
    /// ## Fix
    /// Copy only the fields you expect (`const { theme, lang } = body`), validate the body against a schema that rejects unknown keys, or merge into `Object.create(null)`; keep lodash at a version that blocks `__proto__`/`constructor` keys.
    ///
    /// ## References
    /// - <https://portswigger.net/web-security/prototype-pollution>
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Prototype_Pollution_Prevention_Cheat_Sheet.html>
    pub struct PrototypePollution {
        id: "FG523",
        name: "prototype-pollution",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(PrototypePollution, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(cx, &PrototypePollution::META, "Pick the expected fields or validate the body against a strict schema before merging; never merge or set event-controlled keys into shared objects.", out);
}
