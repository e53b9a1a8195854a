use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Applicability, Change, Finding};

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
    /// `fnguard fix --unsafe-fixes` sets the largest reserved concurrency that keeps the worst
    /// case within `max_usd_per_hour` (fnguard.toml), at most a tenth of the account's
    /// concurrency; unsafe because requests beyond it are throttled.
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

/// Lambda keeps this much of the account's concurrency unreserved.
const UNRESERVED_MINIMUM: u64 = 100;
/// The fix reserves at most this fraction (1/N) of the account's concurrency.
const SHARE_OF_ACCOUNT: u64 = 10;

/// The largest reserved concurrency that keeps the entry's worst case within the hourly
/// budget (`max_usd_per_hour` in fnguard.toml): the wallet model's cost grows with concurrency.
fn concurrency_within_budget(
    worst: &fnguard_flow::Exposure,
    budget_usd_per_hour: f64,
    account_concurrency: u64,
) -> Option<u64> {
    if worst.max_concurrency == 0 || worst.max_usd_per_hour <= 0.0 {
        return None;
    }
    let per_execution = worst.max_usd_per_hour / worst.max_concurrency as f64;
    let affordable = (budget_usd_per_hour / per_execution).floor();
    // Reserved concurrency is taken from the account's pool: one public function should not
    // hold more than a tenth of it.
    let ceiling = worst
        .max_concurrency
        .min(account_concurrency.saturating_sub(UNRESERVED_MINIMUM))
        .min(account_concurrency / SHARE_OF_ACCOUNT);
    if ceiling == 0 {
        return None;
    }
    Some((affordable.max(1.0) as u64).min(ceiling))
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let g = cx.graph();
    // One finding per function and API: the limits that are missing are the function's and the
    // stage's, not a route's, so a hundred routes of one web app are one problem.
    let mut groups: Vec<(String, String, Vec<fnguard_flow::Exposure>)> = Vec::new();
    let mut group_of: std::collections::HashMap<(String, String), usize> = Default::default();
    for e in fnguard_flow::exposures(cx.project, g, cx.account_concurrency, cx.region) {
        if !e.public || e.reserved || e.throttled {
            continue;
        }
        let via = e
            .trigger
            .strip_suffix(')')
            .and_then(|t| t.rsplit_once(" (").map(|(_, api)| api.to_string()))
            .unwrap_or_else(|| e.trigger.clone());
        match group_of.get(&(e.function.clone(), via.clone())) {
            Some(&i) => groups[i].2.push(e),
            None => {
                group_of.insert((e.function.clone(), via.clone()), groups.len());
                groups.push((e.function.clone(), via, vec![e]));
            }
        }
    }
    for (function, via, entries) in groups {
        let Some(f) = cx.index.function(&function) else {
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
        finding = finding
            .evidence(serde_json::json!({
                "max_usd_per_hour": worst.max_usd_per_hour,
                "limited_by": worst.limited_by,
                "explanation": worst.explanation,
                "entries": entries.iter().map(|e| e.trigger.clone()).collect::<Vec<_>>(),
            }))
            .fix("Set reserved concurrency on the function and throttling on the API stage or a usage plan in front of it.");
        if let Some(limit) =
            concurrency_within_budget(worst, cx.max_usd_per_hour, cx.account_concurrency)
        {
            finding = finding.autofix(
                Applicability::Unsafe,
                format!(
                    "reserve {limit} concurrent executions for the function (≈ ${:.2} per hour at most; requests beyond are throttled)",
                    worst.max_usd_per_hour * limit as f64 / worst.max_concurrency as f64
                ),
                &f.location.file,
                Change::ReservedConcurrency {
                    function: function.clone(),
                    limit: limit as i64,
                },
            );
        }
        finding.emit(out);
    }
}
