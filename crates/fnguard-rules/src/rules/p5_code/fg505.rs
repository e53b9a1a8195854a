use super::super::impl_rule;
use super::emit_code_findings;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports event data that shapes a NoSQL query: DynamoDB expression strings (`FilterExpression`, `KeyConditionExpression`, `UpdateExpression`, `ConditionExpression`, `ProjectionExpression`) built from event data, and MongoDB query objects built from request fields (where `{"$ne": null}` in place of a string changes the query).
    /// The path from the source to the sink is in the evidence, with each step as a related
    /// location; sources, sanitizers and sinks come from the taint catalog
    /// (`crates/fnguard-code/data/taint.toml`).
    ///
    /// ## Why is this bad?
    /// The caller changes which items a query returns or updates.
    ///
    /// ## Example
    /// ```javascript
    /// await ddb.scan({ TableName, FilterExpression: `owner = ${body.owner}` });
    /// ```
    ///
    /// ## Fix
    /// Keep expression strings constant with `:placeholders` and pass values in `ExpressionAttributeValues`; for MongoDB cast fields to strings (`String(x)`) or validate types.
    ///
    /// ## References
    /// - <https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/05.6-Testing_for_NoSQL_Injection>
    pub struct NosqlInjection {
        id: "FG505",
        name: "nosql-injection",
        severity: High,
        practice: 5,
        opt_in: false,
    }
}

impl_rule!(NosqlInjection, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    emit_code_findings(
        cx,
        &NosqlInjection::META,
        "Use constant expression strings with :placeholders and ExpressionAttributeValues; cast or validate MongoDB query values.",
        out,
    );
}
