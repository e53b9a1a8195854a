use super::super::impl_rule;
use crate::Context;
use fnguard_model::{ApiKind, Finding, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Finds functions whose timeout is longer than their trigger can wait: more than 29 s
    /// behind a REST or WebSocket API (the default integration timeout; regional and private
    /// REST APIs can have it raised through a quota increase, which a template does not show),
    /// more than 30 s behind an HTTP API; and HTTP-facing functions (API, function URL, load
    /// balancer) with the 900 s maximum.
    ///
    /// ## Why is this bad?
    /// The caller gives up while the function keeps running and billing; an attacker who can
    /// make requests slow multiplies the cost of every request (denial of wallet), and the
    /// client retries on top of it.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   report:
    ///     timeout: 120
    ///     events:
    ///       - http: GET /report
    /// ```
    ///
    /// ## Fix
    /// Set the timeout just above the expected duration and within the trigger's limit; move
    /// long work to an asynchronous job.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>
    pub struct TimeoutExceedsTrigger {
        id: "FG609",
        name: "timeout-exceeds-trigger",
        severity: Low,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(TimeoutExceedsTrigger, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        let Some(t) = &f.timeout_s else { continue };
        let Some(timeout) = t.value.known().copied() else {
            continue;
        };
        let mut limit: Option<(i64, String)> = None;
        for trig in &f.triggers {
            if let TriggerKind::Api { api, .. } = &trig.kind {
                let kind = cx.index.api(api).map(|a| a.kind).unwrap_or(ApiKind::Rest);
                let max = if kind == ApiKind::Http { 30 } else { 29 };
                if limit.as_ref().is_none_or(|(l, _)| max < *l) {
                    limit = Some((max, format!("{} `{api}`", kind.label())));
                }
            }
        }
        let message = match limit {
            Some((max, what)) if timeout > max => format!(
                "function `{}` has a {timeout} s timeout but {what} gives up after {max} s",
                f.id
            ),
            _ if timeout >= 900 && f.is_http() => format!(
                "HTTP-facing function `{}` has the maximum 900 s timeout",
                f.id
            ),
            _ => continue,
        };
        cx.finding(&TimeoutExceedsTrigger::META, t.location.clone(), message)
            .function(&f.id)
            .fix("Lower the timeout to just above the expected duration and within the trigger's limit; move long work to an asynchronous job.")
            .evidence(serde_json::json!({ "timeout": timeout }))
            .emit(out);
    }
}
