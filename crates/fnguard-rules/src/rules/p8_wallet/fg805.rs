use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Finding, TriggerKind};

declare_rule! {
    /// ## What it does
    /// Reports SQS queues and DynamoDB/Kinesis streams that trigger a function without partial
    /// batch responses (`FunctionResponseTypes: [ReportBatchItemFailures]`, serverless
    /// `functionResponseType: ReportBatchItemFailures`). Opt-in.
    ///
    /// ## Why is this bad?
    /// One message the function cannot process fails the whole batch: every message in it is
    /// retried (and billed) again and again, and a stream shard stops until the record expires.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   Queue: { Type: SQS, Properties: { Queue: !GetAtt Jobs.Arn } }
    /// ```
    ///
    /// ## Fix
    /// Enable `ReportBatchItemFailures` and return the failed message ids from the handler.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>
    pub struct BatchWithoutPartialFailure {
        id: "FG805",
        name: "batch-without-partial-failure",
        severity: Low,
        practice: 8,
        opt_in: true,
    }
}

impl_rule!(BatchWithoutPartialFailure, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        for t in &f.triggers {
            let (what, partial) = match &t.kind {
                TriggerKind::Sqs {
                    partial_batch_response,
                    ..
                } => ("SQS queue", *partial_batch_response),
                TriggerKind::Stream {
                    partial_batch_response,
                    service,
                    ..
                } => (service.as_str(), *partial_batch_response),
                _ => continue,
            };
            if partial {
                continue;
            }
            cx.finding(
                &BatchWithoutPartialFailure::META,
                t.location.clone(),
                format!("{what} trigger of `{}` has no partial batch response: one bad record retries the whole batch", f.id),
            )
            .function(&f.id)
            // The queue or stream, not the line: the fingerprint survives edits above it.
            .key(t.kind.source_resource().unwrap_or(what))
            .fix("Set FunctionResponseTypes: [ReportBatchItemFailures] (serverless functionResponseType) and return batchItemFailures.")
            .emit(out);
        }
    }
}
