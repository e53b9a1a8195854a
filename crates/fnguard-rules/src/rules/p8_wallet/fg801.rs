use super::super::impl_rule;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports public entry points (a function URL with `AuthType: NONE`, a route without an
    /// authorizer) of functions with no reserved concurrency and no stage or usage-plan
    /// throttling in front: only the account's concurrency limit bounds them. The evidence
    /// carries the worst-case cost per hour with its arithmetic (see `fnguard wallet`). The
    /// routes of one API that reach one function (a web app behind one handler) are one
    /// finding: the missing limits are the function's and the stage's.
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
    let g = cx.graph();
    // One finding per function and API: the limits that are missing are the function's and the
    // stage's, not a route's, so a hundred routes of one web app are one problem.
    let mut groups: Vec<(String, String, Vec<fnguard_flow::Exposure>)> = Vec::new();
    for e in fnguard_flow::exposures(cx.project, g, cx.account_concurrency, cx.region) {
        if !e.public || e.reserved || e.throttled {
            continue;
        }
        let via = e
            .trigger
            .strip_suffix(')')
            .and_then(|t| t.rsplit_once(" (").map(|(_, api)| api.to_string()))
            .unwrap_or_else(|| e.trigger.clone());
        match groups
            .iter_mut()
            .find(|(f, v, _)| *f == e.function && *v == via)
        {
            Some((_, _, list)) => list.push(e),
            None => groups.push((e.function.clone(), via, vec![e])),
        }
    }
    for (function, via, entries) in groups {
        let Some(f) = cx.project.function(&function) else {
            continue;
        };
        let Some(worst) = entries
            .iter()
            .max_by(|a, b| a.max_usd_per_hour.total_cmp(&b.max_usd_per_hour))
        else {
            continue;
        };
        let first = &entries[0];
        let location = first.location.clone().unwrap_or_else(|| f.location.clone());
        let subject = if entries.len() == 1 {
            format!("public entry `{}` of `{function}` has", first.trigger)
        } else {
            let shown: Vec<String> = entries
                .iter()
                .take(3)
                .map(|e| {
                    let route = e
                        .trigger
                        .strip_suffix(&format!(" ({via})"))
                        .unwrap_or(&e.trigger);
                    format!("`{route}`")
                })
                .collect();
            let more = if entries.len() > 3 {
                format!(" and {} more", entries.len() - 3)
            } else {
                String::new()
            };
            format!(
                "{} public entries of `{function}` on `{via}` ({}{more}) have",
                entries.len(),
                shown.join(", ")
            )
        };
        let mut finding = cx.finding(
            &UnboundedPublicConcurrency::META,
            location,
            format!(
                "{subject} no reserved concurrency and no throttling: up to {} concurrent, {:.1} requests/s, ≈ ${:.2} per hour",
                worst.max_concurrency, worst.max_requests_per_second, worst.max_usd_per_hour
            ),
        )
        .function(&function)
        .key(if entries.len() == 1 { first.trigger.clone() } else { via.clone() })
        .related(f.location.clone());
        for e in entries.iter().skip(1).take(20) {
            if let Some(l) = &e.location {
                finding = finding.related(l.clone());
            }
        }
        finding
            .evidence(serde_json::json!({
                "max_usd_per_hour": worst.max_usd_per_hour,
                "limited_by": worst.limited_by,
                "explanation": worst.explanation,
                "entries": entries.iter().map(|e| e.trigger.clone()).collect::<Vec<_>>(),
            }))
            .fix("Set reserved concurrency on the function and throttling on the API stage or a usage plan in front of it.")
            .emit(out);
    }
}
