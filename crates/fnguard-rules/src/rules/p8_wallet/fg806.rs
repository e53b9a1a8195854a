use super::super::impl_rule;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports functions invoked asynchronously (S3, SNS, EventBridge, schedules) with no
    /// event invoke configuration bounding retries and event age (`MaximumRetryAttempts`,
    /// `MaximumEventAgeInSeconds`; serverless `maximumRetryAttempts`/`maximumEventAge`). Opt-in.
    ///
    /// ## Why is this bad?
    /// Lambda retries a failing asynchronous event twice and keeps it for up to six hours:
    /// a poison event is processed (and billed) three times, and side effects repeat.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   onUpload:
    ///     events: [{ s3: uploads }]   # no maximumRetryAttempts
    /// ```
    ///
    /// ## Fix
    /// Set `MaximumRetryAttempts` (0–2) and `MaximumEventAgeInSeconds` to what the function
    /// needs, with a failure destination (FG605) for what is dropped.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>
    pub struct AsyncRetriesUnbounded {
        id: "FG806",
        name: "async-retries-unbounded",
        severity: Low,
        practice: 8,
        opt_in: true,
    }
}

impl_rule!(AsyncRetriesUnbounded, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        let Some(t) = f.triggers.iter().find(|t| t.kind.is_async()) else {
            continue;
        };
        if f.async_max_retries.is_some() || f.async_max_event_age_s.is_some() {
            continue;
        }
        cx.finding(
            &AsyncRetriesUnbounded::META,
            f.location.clone(),
            format!(
                "`{}` is invoked asynchronously ({}) with the default 2 retries over up to 6 hours",
                f.id,
                t.kind.label()
            ),
        )
        .function(&f.id)
        .related(t.location.clone())
        .fix("Set MaximumRetryAttempts and MaximumEventAgeInSeconds (serverless maximumRetryAttempts/maximumEventAge) and a failure destination.")
        .emit(out);
    }
}
