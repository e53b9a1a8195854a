use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Applicability, Change, Finding, SourceFormat};

declare_rule! {
    /// ## What it does
    /// Finds functions whose log group declares no retention (`logRetentionInDays`, an
    /// `AWS::Logs::LogGroup` for `/aws/lambda/<name>` with `RetentionInDays`,
    /// `LoggingConfig.LogGroup`, `aws_cloudwatch_log_group.retention_in_days`).
    ///
    /// ## Why is this bad?
    /// Logs kept forever keep whatever personal data or secrets slipped into them forever, and
    /// cost money forever; logs kept too briefly leave nothing for an investigation.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   name: aws
    /// ```
    ///
    /// ## Fix
    /// Set a retention that matches your policy (`provider.logRetentionInDays: 90`).
    ///
    /// `fnguard fix` sets `logRetentionInDays: 90` on serverless functions (safe: the framework
    /// declares the log group). In a template it declares an `AWS::Logs::LogGroup` named
    /// `/aws/lambda/${Function}` (unsafe: if the function already ran, the group exists and must
    /// be imported into the stack first).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention>
    pub struct LogRetentionUnset {
        id: "FG608",
        name: "log-retention-unset",
        severity: Low,
        practice: 6,
        opt_in: true,
    }
}

impl_rule!(LogRetentionUnset, check);

/// What `fnguard fix` sets: long enough for most incident investigations, short enough not to
/// keep personal data forever.
const FIX_RETENTION_DAYS: i64 = 90;

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        if f.log_retention_days.is_some() {
            continue;
        }
        // The Serverless Framework declares every function's log group itself; a template
        // gets a new log group resource, which fails to deploy when Lambda already created the
        // group (the function has run): it must be imported or deleted first.
        let (applicability, title) = if cx.project.format == SourceFormat::Serverless {
            (Applicability::Safe, "keep the function's logs for 90 days")
        } else {
            (
                Applicability::Unsafe,
                "declare the function's log group with a 90-day retention (if the group already exists, import it into the stack first)",
            )
        };
        cx.finding(
            &LogRetentionUnset::META,
            f.location.clone(),
            format!(
                "the log group of `{}` keeps logs forever (no retention set)",
                f.id
            ),
        )
        .function(&f.id)
        .fix("Declare the function's log group with a retention period.")
        .autofix(
            applicability,
            title,
            &f.location.file,
            Change::LogRetention {
                function: f.id.clone(),
                days: FIX_RETENTION_DAYS,
            },
        )
        .emit(out);
    }
}
