use super::super::impl_rule;
use crate::rules::unresolved;
use crate::Context;
use fnguard_model::{Auth, Finding, Location, RoleRef, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Reports security-relevant settings whose value fnguard could not resolve: a function
    /// URL's auth type, a route's authorizer, reserved concurrency, the execution role, or an
    /// invoke permission's principal that comes from `${ssm:...}`, an imported value, a
    /// parameter without a default, or a condition that depends on one.
    ///
    /// ## Why is this bad?
    /// A check that cannot see the value cannot vouch for it. Saying so is better than
    /// silently passing: the value deployed to production may well be the unsafe one.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   api:
    ///     url:
    ///       authorizer: ${ssm:/app/url-auth}
    /// ```
    ///
    /// ## Fix
    /// Give fnguard the value (`--stage`, `--param KEY=VALUE`, `samconfig.toml`), or write the
    /// setting as a literal in the template.
    ///
    /// ## References
    /// - <https://www.serverless.com/framework/docs/guides/variables>
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>
    pub struct UnresolvedSecuritySetting {
        id: "FG103",
        name: "unresolved-security-setting",
        severity: Info,
        practice: 1,
        opt_in: false,
    }
}

impl_rule!(UnresolvedSecuritySetting, check);

const FIX: &str = "Pass the value to fnguard (--stage, --param KEY=VALUE, samconfig.toml) or write the setting as a literal so it can be checked.";

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let meta = &UnresolvedSecuritySetting::META;
    let mut report = |func: Option<&str>, what: &str, why: &str, at: &Location, key: String| {
        let mut b = cx
            .finding(
                meta,
                at.clone(),
                format!("{what} could not be resolved ({why}); it was not checked"),
            )
            .fix(FIX)
            .key(key)
            .evidence(serde_json::json!({ "setting": what, "unresolved": why }));
        if let Some(f) = func {
            b = b.function(f);
        }
        b.emit(out);
    };
    for f in &cx.project.functions {
        if let Some(url) = &f.url {
            if let Some(why) = unresolved(&url.auth_type.value) {
                report(
                    Some(&f.id),
                    "function URL auth type",
                    why,
                    &url.auth_type.location,
                    "url".into(),
                );
            }
        }
        if let Some(rc) = &f.reserved_concurrency {
            if let Some(why) = unresolved(&rc.value) {
                report(
                    Some(&f.id),
                    "reserved concurrency",
                    why,
                    &rc.location,
                    "concurrency".into(),
                );
            }
        }
        if let RoleRef::External { arn, location } = &f.role {
            if let Some(why) = unresolved(arn) {
                report(Some(&f.id), "execution role", why, location, "role".into());
            }
        }
        for t in &f.triggers {
            let auth = match &t.kind {
                TriggerKind::Api {
                    auth, method, path, ..
                } => Some((auth, format!("{method} {path}"))),
                TriggerKind::Alb { auth, api } => Some((auth, api.clone())),
                _ => None,
            };
            if let Some((Auth::Unknown(why), route)) = auth {
                report(
                    Some(&f.id),
                    &format!("authorizer of {route}"),
                    why,
                    &t.location,
                    route.clone(),
                );
            }
        }
    }
    for p in &cx.project.permissions {
        if let Some(why) = unresolved(&p.principal.value) {
            let func = p.function.as_str();
            report(
                func,
                "invoke permission principal",
                why,
                &p.principal.location,
                p.id.clone(),
            );
        }
    }
}
