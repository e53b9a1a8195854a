use super::super::impl_rule;
use crate::Context;
use fnguard_model::{ApiKind, Finding, Val};

declare_rule! {
    /// ## What it does
    /// Finds API Gateway stages (REST, HTTP, WebSocket) in front of functions with no access
    /// logging: no `AccessLogSetting(s).DestinationArn`, serverless `provider.logs.restApi` /
    /// `httpApi` / `websocket` unset, no `access_log_settings` block.
    ///
    /// ## Why is this bad?
    /// Access logs are the record of who called what, from where, with which result. Without
    /// them, abuse and intrusions through the API cannot be investigated.
    ///
    /// ## Example
    /// ```yaml
    /// functions:
    ///   hello:
    ///     events:
    ///       - httpApi: GET /hello
    /// ```
    ///
    /// ## Fix
    /// Enable access logging on the stage to a CloudWatch log group (`provider.logs.restApi: true`,
    /// `AccessLogSetting: {DestinationArn: ..., Format: ...}`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>
    pub struct ApiLoggingDisabled {
        id: "FG607",
        name: "api-logging-disabled",
        severity: Medium,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(ApiLoggingDisabled, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for api in &cx.project.apis {
        if api.kind == ApiKind::Alb {
            continue;
        }
        let fronts_function = !cx.index.triggered_by(&api.id).is_empty();
        if !fronts_function {
            continue;
        }
        for stage in &api.stages {
            if stage.access_logging != Val::Known(false) {
                continue;
            }
            let name = stage.name.as_str().unwrap_or("(unnamed)");
            cx.finding(
                &ApiLoggingDisabled::META,
                stage.location.clone(),
                format!("stage `{name}` of {} `{}` has access logging off", api.kind.label(), api.id),
            )
            .resource(&api.id)
            .key(name)
            .fix("Enable access logging for the stage to a CloudWatch Logs group with a structured format.")
            .emit(out);
        }
    }
}
