use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Applicability, Change, Finding, SourceFormat, TriggerKind};

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
    /// `fnguard fix` (templates) gives an SQS source queue a new dead-letter queue and a
    /// `RedrivePolicy` (safe: SQS moves the messages itself), and a function invoked
    /// asynchronously a new dead-letter queue (safe under SAM's generated role, which SAM lets
    /// send to it; unsafe otherwise: the role must allow `sqs:SendMessage`).
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
                let mut finding = cx
                    .finding(meta, t.location.clone(), message)
                    .function(&f.id)
                    .key(t.kind.label())
                    .fix("Add an on-failure destination or dead-letter queue so that failed events are kept.");
                // serverless.yml and Terraform spell dead-letter queues in ways the fixer does
                // not write.
                let fixable = !matches!(
                    cx.project.format,
                    SourceFormat::Serverless | SourceFormat::Terraform
                );
                match &t.kind {
                    _ if !fixable => {}
                    // Redrive needs no permission of anyone: SQS moves the messages itself.
                    TriggerKind::Sqs { queue, .. } => {
                        if let Some(q) = queue.as_str().and_then(|q| cx.index.resource(q)) {
                            finding = finding.autofix(
                                Applicability::Safe,
                                format!(
                                    "give queue `{}` a dead-letter queue (after 5 receives)",
                                    q.id
                                ),
                                &q.location.file,
                                Change::QueueRedrive {
                                    queue: q.id.clone(),
                                },
                            );
                        }
                    }
                    k if k.is_async() => {
                        // SAM adds the send permission to the role it generates; a role the
                        // user wrote must be given it.
                        let generated = f
                            .role
                            .declared_id()
                            .and_then(|id| cx.index.role(id))
                            .is_some_and(|r| r.generated);
                        let (applicability, title) = if generated
                            && cx.project.format == SourceFormat::Sam
                        {
                            (Applicability::Safe, "give the function a dead-letter queue")
                        } else {
                            (Applicability::Unsafe, "give the function a dead-letter queue (its role must allow sqs:SendMessage on it)")
                        };
                        finding = finding.autofix(
                            applicability,
                            title,
                            &f.location.file,
                            Change::FunctionDeadLetter {
                                function: f.id.clone(),
                            },
                        );
                    }
                    _ => {}
                }
                finding.emit(out);
            }
        }
    }
}
