use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Cors, Finding, Severity, Val};

declare_rule! {
    /// ## What it does
    /// Finds CORS configurations that allow any origin (`*`) on an API (REST, HTTP) or a
    /// function URL. Raised to **high** when credentials are allowed as well.
    ///
    /// ## Why is this bad?
    /// Any web page can then call the endpoint from a visitor's browser and read the answer.
    /// With credentials allowed, that page acts with the visitor's cookies or tokens.
    ///
    /// ## Example
    /// ```yaml
    /// events:
    ///   - http:
    ///       path: profile
    ///       method: get
    ///       cors: true
    /// ```
    ///
    /// ## Fix
    /// List the exact origins of your front ends (`origins: [https://app.example.com]`,
    /// `AllowOrigins: [...]`), and never combine `*` with credentials.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html>
    /// - <https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS>
    pub struct CorsAllowsAnyOrigin {
        id: "FG206",
        name: "cors-allows-any-origin",
        severity: Medium,
        practice: 2,
        opt_in: false,
    }
}

impl_rule!(CorsAllowsAnyOrigin, check);

fn emit(
    cx: &Context<'_>,
    cors: &Cors,
    what: String,
    function: Option<&str>,
    resource: Option<&str>,
    out: &mut Vec<Finding>,
) {
    if !cors.allows_any_origin() {
        return;
    }
    let credentials = matches!(cors.allow_credentials, Some(Val::Known(true)));
    let (severity, suffix) = if credentials {
        (Severity::High, " and allows credentials")
    } else {
        (Severity::Medium, "")
    };
    let mut b = cx
        .finding(
            &CorsAllowsAnyOrigin::META,
            cors.location.clone(),
            format!("CORS on {what} allows any origin (*){suffix}"),
        )
        .severity(severity)
        .key(what.clone())
        .fix("Replace `*` with the exact origins of your front ends; never allow credentials with a wildcard origin.")
        .evidence(serde_json::json!({ "allow_credentials": credentials }));
    if let Some(f) = function {
        b = b.function(f);
    }
    if let Some(r) = resource {
        b = b.resource(r);
    }
    b.emit(out);
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for api in &cx.project.apis {
        if let Some(c) = &api.cors {
            emit(
                cx,
                c,
                format!("{} `{}`", api.kind.label(), api.id),
                None,
                Some(&api.id),
                out,
            );
        }
    }
    for f in &cx.project.functions {
        if let Some(c) = f.url.as_ref().and_then(|u| u.cors.as_ref()) {
            emit(
                cx,
                c,
                format!("the function URL of `{}`", f.id),
                Some(&f.id),
                None,
                out,
            );
        }
    }
}
