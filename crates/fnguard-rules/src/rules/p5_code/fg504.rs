use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data concatenated or formatted into SQL text that is passed to a database driver (`cursor.execute`, `query`, `raw`, RDS Data API `execute_statement`), where a parameterized query was possible.
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The caller rewrites the query: reads other users' rows, changes or deletes data, and with some drivers runs statements.
    ///
    /// ## Example
    /// ```python
    /// cursor.execute(f"SELECT * FROM orders WHERE id = '{event['pathParameters']['id']}'")
    /// ```
    ///
    /// ## Fix
    /// Keep the SQL text constant and pass values as parameters: `cursor.execute("... WHERE id = %s", (order_id,))`, `pool.query('... $1', [id])`.
    ///
    /// ## References
    /// - <https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html>
    pub struct SqlInjection {
        id: "FG504",
        name: "sql-injection",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(SqlInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &SqlInjection::META,
        "Use a constant SQL string with placeholders and pass the values as query parameters.",
        out,
    );
}
