use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Finding, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Finds functions invoked asynchronously (S3, SNS, EventBridge, schedules) with neither a
    /// dead-letter queue nor an on-failure destination, SQS sources whose queue has no redrive
    /// policy, and stream sources (DynamoDB, Kinesis) without an on-failure destination.
    ///
    /// ## Why is this bad?
    /// After the retries, failed events are dropped without a trace: lost orders, unprocessed
    /// uploads, and no evidence of an attack that made the handler fail on purpose.
    ///
    /// ## Example
    /// ```yaml
    /// events:
    ///   - s3: uploads
    /// ```
    ///
    /// ## Fix
    /// Configure `destinations.onFailure` / `DeadLetterQueue` / `EventInvokeConfig`, a
    /// `RedrivePolicy` on source queues, or `DestinationConfig.OnFailure` on stream mappings.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html>
    pub struct AsyncWithoutFailureDestination {
        id: "FG605",
        name: "async-without-failure-destination",
        severity: Low,
        practice: 6,
        opt_in: true,
    }
}

impl_rule!(AsyncWithoutFailureDestination, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let meta = &AsyncWithoutFailureDestination::META;
    for f in &cx.project.functions {
        let has_async_sink = f.dead_letter.is_some() || f.on_failure_destination.is_some();
        for t in &f.triggers {
            let problem = match &t.kind {
                k if k.is_async() && !has_async_sink => Some(format!(
                    "function `{}` is invoked asynchronously by {} with no dead-letter queue or on-failure destination",
                    f.id,
                    k.label()
                )),
                TriggerKind::Sqs { queue, .. } => queue
                    .as_str()
                    .and_then(|q| cx.index.resource(q))
                    .filter(|r| !r.has_dead_letter)
                    .map(|r| format!("SQS queue `{}` feeding `{}` has no redrive policy (dead-letter queue)", r.id, f.id)),
                TriggerKind::Stream { on_failure: false, service, .. } => Some(format!(
                    "{service} stream source of `{}` has no on-failure destination",
                    f.id
                )),
                _ => None,
            };
            if let Some(message) = problem {
                cx.finding(meta, t.location.clone(), message)
                    .function(&f.id)
                    .key(t.kind.label())
                    .fix("Add an on-failure destination or dead-letter queue so that failed events are kept.")
                    .emit(out);
            }
        }
    }
}
