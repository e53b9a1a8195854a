use super::super::impl_rule;
use crate::rules::p5_code::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data deciding the path of a file written under `/tmp` (`open(..., "w")`, `fs.writeFile*`, `download_file`).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// `/tmp` survives between invocations of a warm execution environment: a caller can plant a file that later invocations read, import or execute.
    ///
    /// ## Example
    /// ```python
    /// with open(f"/tmp/{event['name']}", "wb") as f:
    /// ```
    ///
    /// ## Fix
    /// Write to a name the code chooses (`tempfile.mkstemp`, a uuid), delete it before returning, and never derive paths from the event.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html>
    pub struct TmpPersistenceFromEvent {
        id: "FG901",
        name: "tmp-persistence-from-event",
        severity: Medium,
        practice: 9,
        opt_in: false,
    }
}

impl_rule!(TmpPersistenceFromEvent, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &TmpPersistenceFromEvent::META,
        "Use a name chosen by the code (tempfile.mkstemp, a uuid) and delete the file before returning.",
        out,
    );
}
