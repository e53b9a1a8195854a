use super::super::impl_rule;
use crate::Context;
use fnguard_flow::EdgeSource;
use fnguard_model::{Finding, Severity};

declare_rule! {
    /// ## What it does
    /// Reports cycles of triggers and writes in the application graph: a function triggered by
    /// an S3 bucket, SQS queue, SNS topic or DynamoDB/Kinesis stream that writes to the same
    /// store, a function that invokes itself, and longer cycles through several functions and
    /// stores. Writes come from the handler's SDK calls when the code names the store (through
    /// an environment variable that refers to it), else from the role's grants (reported as
    /// lower confidence, medium severity). When several stores of the same kind are granted,
    /// a call whose bucket, table, queue or topic argument is an environment variable writes
    /// only the store that variable names, and a call whose bucket is the one named in the
    /// triggering S3 event (`Bucket=record["s3"]["bucket"]["name"]`) writes back to the
    /// function's own trigger: the loop AWS documents as the classic recursive invocation. An S3 trigger with a prefix or suffix filter is not
    /// treated as part of a loop, and neither is a write the role allows but fully analysed code
    /// never makes, nor a write the handler itself skips: fully analysed code that returns or
    /// `continue`s when the triggering key starts with a literal prefix (`if
    /// key.startswith("thumbs/")`) and writes only keys that begin with that prefix, or ends with
    /// a literal suffix (`if (key.endsWith(".gif")) continue;`) and writes only keys that end
    /// with it (`` `${key}.gif` ``). That the
    /// filter runs before the write is assumed from the code's shape, not proven on every path.
    ///
    /// ## Why is this bad?
    /// Each write triggers another invocation, which writes again: the loop runs at the
    /// function's full concurrency until someone notices the bill. Lambda's recursive-loop
    /// detection stops some SQS, SNS and S3 loops after about 16 rounds, not all, and not
    /// stream or direct-invoke loops.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   resize:
    ///     handler: resize.handler
    ///     environment: { BUCKET: !Ref Images }   # the code writes thumbnails to BUCKET
    ///     events:
    ///       - s3: { bucket: Images, event: s3:ObjectCreated:* }
    /// ```
    ///
    /// ## Fix
    /// Write to a different store than the one that triggers the function, or filter the
    /// trigger (S3 `prefix`/`suffix`, an SQS/SNS filter policy, an event source mapping filter)
    /// so the function's own writes do not match; for self-invocation, carry and check a depth
    /// counter.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html>
    /// - <https://aws.amazon.com/blogs/compute/detecting-and-stopping-recursive-loops-in-aws-lambda-functions/>
    pub struct RecursiveTriggerLoop {
        id: "FG802",
        name: "recursive-trigger-loop",
        severity: High,
        practice: 8,
        opt_in: false,
    }
}

impl_rule!(RecursiveTriggerLoop, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let graph = cx.graph();
    for lp in fnguard_flow::trigger_loops(cx.project, graph) {
        let Some(first) = lp.functions.first().and_then(|id| cx.index.function(id)) else {
            continue;
        };
        let strip = |s: &str| {
            s.split_once(':')
                .map_or(s.to_string(), |(_, r)| r.to_string())
        };
        let path: Vec<String> = lp
            .hops
            .iter()
            .map(|h| format!("`{}` {} `{}`", strip(&h.from), h.kind, strip(&h.to)))
            .collect();
        let how = match lp.confidence {
            EdgeSource::Iam => " (the role allows the write; the code was not seen to make it)",
            _ => "",
        };
        let ids: Vec<&str> = lp.functions.iter().map(String::as_str).collect();
        // Point at the trigger that closes the loop on the first function.
        let trigger_loc = lp
            .hops
            .iter()
            .find(|h| h.kind == "trigger" && h.to == format!("fn:{}", first.id))
            .and_then(|h| {
                let src = strip(&h.from);
                first.triggers.iter().find(|t| {
                    t.kind
                        .source_resource()
                        .is_some_and(|s| s == src || src.ends_with(s))
                })
            })
            .map(|t| t.location.clone())
            .unwrap_or_else(|| first.location.clone());
        let mut b = cx
            .finding(
                &RecursiveTriggerLoop::META,
                trigger_loc,
                format!("recursive loop: {}{how}", path.join(", ")),
            )
            .functions(&ids)
            .key(path.join("|"))
            .evidence(serde_json::json!({ "hops": lp.hops, "confidence": lp.confidence }))
            .fix("Write to a different store than the trigger's, or filter the trigger (S3 prefix/suffix, filter policy, event source mapping filter) so the function's own writes do not match; carry a depth counter when a function invokes itself.");
        if lp.confidence == EdgeSource::Iam {
            b = b.severity(Severity::Medium);
        }
        for id in &lp.functions {
            if let Some(f) = cx.index.function(id) {
                b = b.related(f.location.clone());
            }
        }
        b.emit(out);
    }
}
