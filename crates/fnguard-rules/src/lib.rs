//! The rule registry and engine. Rules read the model and emit findings; they do no I/O.

#[macro_use]
mod macros;
pub mod baseline;
mod context;
pub mod drift;
mod engine;
pub mod rules;
pub use fnguard_model::secrets;

pub use context::{group_by_location, subject, Context, FindingBuilder};
pub use engine::{
    apply_suppressions, rule_builds_graph, run, run_drift, RuleConfig, Selection, Suppression,
    SuppressionOutcome, GRAPH_READERS,
};

use fnguard_model::{Finding, Practice, Severity};

/// Everything that describes a rule, independent of a scan.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub practice: Practice,
    /// Off unless selected: noisy hygiene checks.
    pub opt_in: bool,
    /// The rule's documentation (What it does / Why is this bad / Example / Fix / References),
    /// taken from its doc comment.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The first sentence of "What it does", for listings.
    pub fn summary(&self) -> String {
        let body = self
            .doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(self.doc)
            .trim_start();
        let para = body.split("\n\n").next().unwrap_or("");
        para.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// All rules, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    rules::ALL
}

pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(id) || r.meta().name == id)
}
