use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Applicability, Change, Finding};

declare_rule! {
    /// ## What it does
    /// Finds functions without active X-Ray tracing (`Tracing: Active`, `TracingConfig.Mode`,
    /// serverless `tracing.lambda: true`, `tracing_config { mode = "Active" }`).
    ///
    /// ## Why is this bad?
    /// Without traces, an incident responder cannot see which downstream services a function
    /// called, with what latency, on behalf of which request.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   name: aws
    ///   runtime: python3.12
    /// ```
    ///
    /// ## Fix
    /// Enable active tracing (`provider.tracing.lambda: true`, `Globals.Function.Tracing: Active`).
    ///
    /// `fnguard fix` turns it on per function (`tracing: Active`, `Tracing: Active`,
    /// `TracingConfig.Mode: Active`): safe when the framework generates the role (it adds the X-Ray
    /// permissions), unsafe otherwise, since Lambda refuses tracing a role cannot write.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html>
    pub struct TracingDisabled {
        id: "FG604",
        name: "tracing-disabled",
        severity: Low,
        practice: 6,
        opt_in: true,
    }
}

impl_rule!(TracingDisabled, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for f in &cx.project.functions {
        let location = match &f.tracing {
            Some(t) if t.value.eq_ignore_case("Active") || t.value.is_unknown() => continue,
            Some(t) => t.location.clone(),
            None => f.location.clone(),
        };
        // Lambda refuses active tracing when the role cannot write traces; the frameworks add
        // that permission to the roles they generate, never to the user's own.
        let generated_role = f
            .role
            .declared_id()
            .and_then(|id| cx.project.roles.iter().find(|r| r.id == id))
            .is_some_and(|r| r.generated);
        let (applicability, title) = if generated_role {
            (Applicability::Safe, "turn on active tracing")
        } else {
            (
                Applicability::Unsafe,
                "turn on active tracing (the function's role must allow xray:PutTraceSegments and xray:PutTelemetryRecords)",
            )
        };
        cx.finding(
            &TracingDisabled::META,
            location,
            format!("function `{}` has active tracing off", f.id),
        )
        .function(&f.id)
        .fix("Turn on active X-Ray tracing for the function.")
        .autofix(
            applicability,
            title,
            &f.location.file,
            Change::Tracing {
                function: f.id.clone(),
            },
        )
        .emit(out);
    }
}
