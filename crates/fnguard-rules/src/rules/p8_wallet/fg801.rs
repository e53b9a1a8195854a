use super::super::impl_rule;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports public entry points (a function URL with `AuthType: NONE`, a route without an
    /// authorizer) of functions with no reserved concurrency and no stage or usage-plan
    /// throttling in front: only the account's concurrency limit bounds them. The evidence
    /// carries the worst-case cost per hour with its arithmetic (see `fnguard wallet`).
    ///
    /// ## Why is this bad?
    /// Anyone can drive the function to the account's whole concurrency: the bill grows with
    /// every request, and every other function in the account and region is throttled
    /// (denial of service by exhaustion).
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   search:
    ///     handler: search.handler
    ///     url: true
    /// ```
    ///
    /// ## Fix
    /// Set `reservedConcurrency` / `ReservedConcurrentExecutions` to what the function needs,
    /// and throttle the API stage (or a usage plan) in front of it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html>
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html>
    pub struct UnboundedPublicConcurrency {
        id: "FG801",
        name: "unbounded-public-concurrency",
        severity: Medium,
        practice: 8,
        opt_in: false,
    }
}

impl_rule!(UnboundedPublicConcurrency, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let g = fnguard_flow::build(cx.project, &[]);
    for e in fnguard_flow::exposures(cx.project, &g, cx.account_concurrency, cx.region) {
        if !e.public || e.reserved || e.throttled {
            continue;
        }
        let Some(f) = cx.project.function(&e.function) else {
            continue;
        };
        let location = e.location.clone().unwrap_or_else(|| f.location.clone());
        cx.finding(
            &UnboundedPublicConcurrency::META,
            location,
            format!(
                "public entry `{}` of `{}` has no reserved concurrency and no throttling: up to {} concurrent, {:.1} requests/s, ≈ ${:.2} per hour",
                e.trigger, e.function, e.max_concurrency, e.max_requests_per_second, e.max_usd_per_hour
            ),
        )
        .function(&e.function)
        .key(e.trigger.clone())
        .related(f.location.clone())
        .evidence(serde_json::json!({ "max_usd_per_hour": e.max_usd_per_hour, "limited_by": e.limited_by, "explanation": e.explanation }))
        .fix("Set reserved concurrency on the function and throttling on the API stage or a usage plan in front of it.")
        .emit(out);
    }
}
