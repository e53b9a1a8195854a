use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports the whole event, its headers or its `Authorization` header written to the logs (`print`, `logging`, `console.log`, `logger.*`), Powertools told to log every event (`log_event=True`, `logEvent: true`, `POWERTOOLS_LOGGER_LOG_EVENT=true`), and API stages with data tracing on (`DataTraceEnabled: true`, Terraform `data_trace_enabled`, Serverless REST logs with `fullExecutionData`, Zappa `cloudwatch_data_trace`).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Events carry tokens, cookies and personal data; logs are kept for a long time and read by many more people than the API.
    ///
    /// ## Example
    /// ```javascript
    /// console.log(JSON.stringify(event));
    /// ```
    ///
    /// ## Fix
    /// Log the fields you need (request id, route), never the raw event or headers.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html>
    pub struct SensitiveDataLogged {
        id: "FG511",
        name: "sensitive-data-logged",
        severity: Low,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(SensitiveDataLogged, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &SensitiveDataLogged::META,
        "Log only the fields needed (request id, route, status), not the raw event or its headers.",
        out,
    );
    // Powertools configured through the environment to log every event.
    for f in &cx.project.functions {
        for v in f.environment.iter().filter(|v| {
            v.name == "POWERTOOLS_LOGGER_LOG_EVENT"
                && v.value
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case("true"))
        }) {
            cx.finding(
                &SensitiveDataLogged::META,
                v.location.clone(),
                format!("function `{}` has Powertools log every incoming event", f.id),
            )
            .function(&f.id)
            .fix("Remove POWERTOOLS_LOGGER_LOG_EVENT (or set it to false); log only the fields needed.")
            .emit(out);
        }
    }
    // API Gateway data tracing writes every request and response, headers and bodies, to the
    // execution log.
    for api in &cx.project.apis {
        for stage in &api.stages {
            let Some(at) = &stage.data_trace else {
                continue;
            };
            let name = stage.name.as_str().unwrap_or("(unnamed)");
            cx.finding(
                &SensitiveDataLogged::META,
                at.clone(),
                format!(
                    "stage `{name}` of {} `{}` logs full requests and responses (data tracing)",
                    api.kind.label(),
                    api.id
                ),
            )
            .resource(&api.id)
            .key(name)
            .fix("Turn data tracing off (`DataTraceEnabled: false`, Terraform `data_trace_enabled = false`, Serverless `fullExecutionData: false`, Zappa `cloudwatch_data_trace: false`); keep access logs with a structured format.")
            .emit(out);
        }
    }
}
