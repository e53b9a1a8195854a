use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data (the handler's event and everything derived from it: body, query, headers, records) that reaches a shell or process call: `os.system`, `os.popen`, `subprocess.*` with `shell=True`, `child_process.exec*`, `spawn` with `shell: true`.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// Anyone who can trigger the function runs commands in its execution environment, with its role's credentials in the environment variables.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     name = event["queryStringParameters"]["name"]
    ///     os.system("convert " + name)
    /// ```
    ///
    /// ## Fix
    /// Do not build shell commands from event data: call the program with an argument list and no shell (`subprocess.run(["convert", name])`, `execFile`), validate the value against an allow-list, or quote it with `shlex.quote`.
    ///
    /// ## References
    /// - <https://owasp.org/www-community/attacks/Command_Injection>
    /// - OWASP Serverless Top 10, SAS-1: Function event-data injection
    pub struct CommandInjection {
        id: "FG501",
        name: "command-injection",
        severity: Critical,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(CommandInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &CommandInjection::META,
        "Pass event data as a separate argument with no shell (`subprocess.run([...])`, `execFile`), or validate it against an allow-list (`shlex.quote` if a shell is unavoidable).",
        out,
    );
}
