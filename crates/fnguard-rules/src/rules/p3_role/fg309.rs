use super::super::impl_rule;
use super::{ids, roles_in_use};
use crate::{subject, Context};
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Finds execution roles whose trust policy lets principals other than the Lambda service
    /// assume them: `*`, or AWS accounts and roles without an `sts:ExternalId`,
    /// `aws:PrincipalOrgID` or `aws:SourceAccount` condition.
    ///
    /// ## Why is this bad?
    /// Anyone who can assume the role gets the function's permissions without going through
    /// the function at all.
    ///
    /// ## Example
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: {AWS: "*"}
    ///       Action: sts:AssumeRole
    /// ```
    ///
    /// ## Fix
    /// Trust only `lambda.amazonaws.com`; give other callers a role of their own.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html>
    pub struct TrustPolicyTooBroad {
        id: "FG309",
        name: "trust-policy-too-broad",
        severity: High,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(TrustPolicyTooBroad, check);

const NARROWING: &[&str] = &[
    "sts:ExternalId",
    "aws:PrincipalOrgID",
    "aws:SourceAccount",
    "aws:PrincipalArn",
    "aws:SourceArn",
];

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (role, _, fns) in roles_in_use(cx) {
        let Some(trust) = &role.trust_policy else {
            continue;
        };
        let names = ids(fns);
        for st in &trust.statements {
            if !st.is_allow() || !st.may_allow_action("sts:AssumeRole") {
                continue;
            }
            let Some(p) = &st.principals else { continue };
            let who = if p.is_anyone() {
                Some("anyone (`*`)".to_string())
            } else if !p.aws.is_empty() && !st.has_condition_key(NARROWING) {
                Some(format!(
                    "AWS principals {} without an ExternalId or organisation condition",
                    p.aws
                        .iter()
                        .map(|a| match (a.as_str(), a.unresolved()) {
                            (Some(arn), _) => format!("`{arn}`"),
                            (None, Some(u)) => u.reason.clone(),
                            (None, None) => "(a principal fnguard could not read)".to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            } else {
                None
            };
            let Some(who) = who else { continue };
            cx.finding(
                &TrustPolicyTooBroad::META,
                st.location.clone(),
                format!("execution role `{}` of {} can be assumed by {who}", role.id, subject(&names)),
            )
            .functions(&names)
            .resource(&role.id)
            .fix("Trust only the Lambda service (lambda.amazonaws.com) in the execution role; give other callers their own role.")
            .emit(out);
        }
    }
}
