use super::super::impl_rule;
use crate::context::subject;
use crate::Context;
use fnguard_model::{Finding, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Reports API Gateway APIs (REST, HTTP, WebSocket) that route to functions and have no
    /// throttling on any stage (`ThrottlingRateLimit`, `MethodSettings`, serverless
    /// `throttle`) and no usage plan with a rate limit. The account-level default (10,000
    /// requests per second, shared by every API in the region) is then the only bound.
    /// Private APIs and APIs whose every route requires IAM signatures are not reported, nor
    /// APIs with a public route to a function without reserved concurrency: FG801 reports
    /// that function and asks for the same throttling.
    ///
    /// ## Why is this bad?
    /// One client can use the whole account's API and Lambda capacity, which is both a denial
    /// of service for every other API and an open-ended bill (see FG801, FG804).
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::HttpApi   # no DefaultRouteSettings throttling
    /// ```
    ///
    /// ## Fix
    /// Set stage throttling (`DefaultRouteSettings`/`MethodSettings` `ThrottlingRateLimit` and
    /// `ThrottlingBurstLimit`, serverless `provider.apiGateway.throttle` or
    /// `httpApi.throttle`, or `custom.apiGatewayThrottling` with the
    /// serverless-api-gateway-throttling plugin), or put clients on usage plans with API keys.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html>
    pub struct ApiWithoutThrottling {
        id: "FG803",
        name: "api-without-throttling",
        severity: Medium,
        practice: 8,
        opt_in: false,
    }
}

impl_rule!(ApiWithoutThrottling, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for api in &cx.project.apis {
        let throttled = api
            .stages
            .iter()
            .any(|s| s.throttle.as_ref().is_some_and(|t| t.is_set()))
            || api.usage_plan_throttle.as_ref().is_some_and(|t| t.is_set());
        // A private API is reachable only from allowed VPC endpoints; IAM-signed callers are
        // the account's own principals.
        if throttled || api.private {
            continue;
        }
        let routes: Vec<(&fnguard_model::Function, &fnguard_model::Auth, bool)> = cx
            .project
            .functions
            .iter()
            .flat_map(|f| {
                f.triggers.iter().filter_map(move |t| match &t.kind {
                    TriggerKind::Api {
                        api: a,
                        auth,
                        api_key_required,
                        ..
                    } if *a == api.id => Some((f, auth, *api_key_required)),
                    _ => None,
                })
            })
            .collect();
        if !routes.is_empty()
            && routes
                .iter()
                .all(|(_, auth, _)| **auth == fnguard_model::Auth::Iam)
        {
            continue;
        }
        // A public route to a function without reserved concurrency is FG801's finding, which
        // already asks for throttling: not reported twice.
        let unreserved = |f: &fnguard_model::Function| {
            f.reserved_concurrency
                .as_ref()
                .and_then(|r| r.value.known())
                .is_none_or(|n| *n < 0)
        };
        if routes
            .iter()
            .any(|(f, auth, key)| **auth == fnguard_model::Auth::None && !key && unreserved(f))
        {
            continue;
        }
        let fns: Vec<&str> = cx
            .project
            .functions
            .iter()
            .filter(|f| {
                f.triggers
                    .iter()
                    .any(|t| matches!(&t.kind, TriggerKind::Api { api: a, .. } if *a == api.id))
            })
            .map(|f| f.id.as_str())
            .collect();
        if fns.is_empty() {
            continue;
        }
        cx.finding(
            &ApiWithoutThrottling::META,
            api.location.clone(),
            format!(
                "{} `{}` (routes to {}) has no stage throttling and no usage plan with a rate or burst limit",
                api.kind.label(),
                api.id,
                subject(&fns)
            ),
        )
        .functions(&fns)
        .resource(&api.id)
        .fix("Set stage throttling (ThrottlingRateLimit/ThrottlingBurstLimit; serverless `throttle`) or a usage plan with a rate limit.")
        .emit(out);
    }
}
