use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports the whole environment (`os.environ`, `dict(os.environ)`, `process.env`,
    /// `JSON.stringify(process.env)`) written to the logs or returned in the handler's response.
    /// Reading one variable (`os.environ["TABLE"]`, `os.environ.get(...)`, `process.env.X`) is
    /// not reported.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// A Lambda function's environment holds its temporary AWS credentials
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) and every
    /// configured secret. Whoever reads the log group, or the response, can act with the
    /// function's role until the credentials expire.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     print(os.environ)
    /// ```
    ///
    /// ## Fix
    /// Log or return only the variables you need, by name; never the whole environment.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>
    pub struct EnvironmentLogged {
        id: "FG527",
        name: "environment-logged",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(EnvironmentLogged, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &EnvironmentLogged::META,
        "Log or return only the variables you need, by name; never the whole environment (it holds the function's AWS credentials).",
        out,
    );
}
