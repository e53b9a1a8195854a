use super::super::impl_rule;
use crate::Context;
use fnguard_model::{ApiKind, Auth, Finding, Severity, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Finds API Gateway routes (REST, HTTP, WebSocket `$connect`) and application load
    /// balancer listeners that reach a function with no authorizer: no IAM auth, Cognito user
    /// pool, Lambda authorizer or JWT authorizer at the route or as the API's default. A
    /// default authorizer counts; a route that turns it off (`Authorizer: NONE`) does not.
    /// Private (VPC-only) APIs and internal load balancers are skipped, and so are CORS
    /// preflight (`OPTIONS`) routes. A route that only requires an API key is reported too:
    /// API keys identify clients for usage plans, they do not authenticate callers.
    ///
    /// The severity is **medium**: on the well-built applications of the precision corpus
    /// (`bench/precision`) almost every route without an authorizer was public on purpose (a
    /// catalogue, a static site, a honeypot) or authenticated inside the application (a web
    /// framework's middleware, a JWT checked by the handler), which the template cannot show.
    /// What makes such a route dangerous is reported at higher severity where fnguard sees it:
    /// taint from the request (FG5xx), no throttling (FG801), a broad role (FG30x).
    ///
    /// ## Why is this bad?
    /// Whoever finds the endpoint can call the function with any input. Unless the function is
    /// meant to be public, authentication belongs in front of it, where it is enforced before
    /// the code (and the bill) runs.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   deleteUser:
    ///     handler: handler.delete
    ///     events:
    ///       - http: DELETE /users/{id}
    /// ```
    ///
    /// ## Fix
    /// Add an authorizer to the route or a default authorizer to the API (SAM `Auth.DefaultAuthorizer`,
    /// serverless `authorizer:`, `AuthorizationType: AWS_IAM|COGNITO_USER_POOLS|CUSTOM|JWT`). For an
    /// endpoint that is public on purpose, suppress the finding with a reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html>
    /// - <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html>
    pub struct RouteWithoutAuthorizer {
        id: "FG203",
        name: "route-without-authorizer",
        severity: Medium,
        practice: 2,
        opt_in: false,
    }
}

impl_rule!(RouteWithoutAuthorizer, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let project = cx.project;
    for f in &project.functions {
        for t in &f.triggers {
            let (api_id, route, auth, api_key) = match &t.kind {
                TriggerKind::Api {
                    api,
                    method,
                    path,
                    auth,
                    api_key_required,
                    ..
                } => {
                    if method == "OPTIONS" {
                        continue;
                    }
                    let route = if method == "WS" {
                        path.clone()
                    } else {
                        format!("{method} {path}")
                    };
                    (api, route, auth, *api_key_required)
                }
                TriggerKind::Alb { api, auth } => (api, "listener".to_string(), auth, false),
                _ => continue,
            };
            if *auth != Auth::None {
                continue;
            }
            let api = cx.index.api(api_id);
            if api.is_some_and(|a| a.private) {
                continue;
            }
            let kind = api.map(|a| a.kind);
            if kind == Some(ApiKind::WebSocket) && !websocket_route_is_entry(cx, api_id, &route) {
                continue;
            }
            let label = kind.map(ApiKind::label).unwrap_or("API");
            let (severity, note) = if api_key {
                (Severity::Medium, " (it only requires an API key, which identifies a client but does not authenticate it)")
            } else {
                (Severity::Medium, "")
            };
            cx.finding(
                &RouteWithoutAuthorizer::META,
                t.location.clone(),
                format!("{route} on {label} `{api_id}` reaches function `{}` without an authorizer{note}", f.id),
            )
            .severity(severity)
            .function(&f.id)
            .resource(api_id)
            .key(format!("{api_id} {route}"))
            .fix("Add an authorizer to this route, or a default authorizer to the API (IAM, Cognito, Lambda or JWT); if the route is public by design, suppress this finding with the reason.")
            .evidence(serde_json::json!({ "api": api_id, "route": route, "api_key_required": api_key }))
            .emit(out);
        }
    }
}

/// On a WebSocket API only `$connect` can carry an authorizer; the other routes are reachable
/// only through a connection, so they are reported only when no `$connect` route exists.
fn websocket_route_is_entry(cx: &Context<'_>, api: &str, route: &str) -> bool {
    if route == "$connect" {
        return true;
    }
    !cx.index.triggered_by(api).iter().any(|f| {
        f.triggers.iter().any(|t| {
            matches!(&t.kind, TriggerKind::Api { api: a, path, .. } if a == api && path == "$connect")
        })
    })
}
