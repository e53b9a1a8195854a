use super::super::impl_rule;
use super::roles_in_use;
use crate::{subject, Context};
use fnguard_iam::catalog;
use fnguard_model::Finding;
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Finds permissions granted to a function's role that its code provably never uses: the
    /// actions of the role's own statements (wildcards expanded against the IAM catalog) minus
    /// the actions the handler and the local modules it imports call through the AWS SDK.
    /// Reported only when the analysis is complete: the handler was found, every SDK call was
    /// named (no dynamic method names), the role is declared in the project, and every function
    /// sharing the role was analysed. The evidence carries a suggested policy that keeps only
    /// the needed actions, each on the resources its original statement named (it never widens).
    ///
    /// ## Why is this bad?
    /// Unused permissions are all risk and no benefit: they are what an attacker uses after
    /// getting code execution in the function.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [s3:GetObject, s3:PutObject, s3:DeleteObject]   # the handler only reads
    ///   Resource: arn:aws:s3:::reports/*
    /// ```
    ///
    /// ## Fix
    /// Remove the unused actions (the finding's evidence has the suggested policy).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    pub struct UnusedPermissions {
        id: "FG306",
        name: "unused-permissions",
        severity: Medium,
        practice: 3,
        opt_in: false,
    }
}

impl_rule!(UnusedPermissions, check);

/// Actions the Lambda service performs with the execution role for the function's
/// configuration: polling queues and streams, delivering failed events.
fn implied(f: &fnguard_model::Function) -> Vec<&'static str> {
    use fnguard_model::TriggerKind;
    let mut out = Vec::new();
    for t in &f.triggers {
        match &t.kind {
            TriggerKind::Sqs { .. } => out.extend([
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ]),
            TriggerKind::Stream { service, .. } if service == "dynamodb" => out.extend([
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            ]),
            TriggerKind::Stream { .. } => out.extend([
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
                "kinesis:ListStreams",
                "kinesis:SubscribeToShard",
            ]),
            _ => {}
        }
    }
    let targets = [&f.dead_letter, &f.on_failure_destination];
    for d in targets.into_iter().flatten() {
        let text = match &d.value {
            fnguard_model::Val::Known(s) => s.clone(),
            fnguard_model::Val::Unknown(u) => u.reason.clone(),
        };
        for (needle, action) in [
            (":sqs:", "sqs:SendMessage"),
            (":sns:", "sns:Publish"),
            (":lambda:", "lambda:InvokeFunction"),
            (":events:", "events:PutEvents"),
            (":s3:", "s3:PutObject"),
        ] {
            if text.contains(needle)
                || text
                    .to_ascii_lowercase()
                    .contains(&needle[1..needle.len() - 1])
            {
                out.push(action);
            }
        }
    }
    out
}

/// Needed by every function for logs, traces and VPC networking, whatever its code does.
fn baseline(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.starts_with("logs:")
        || a.starts_with("xray:")
        || a.ends_with("networkinterface")
        || a.ends_with("networkinterfaces")
        || a.ends_with("privateipaddresses")
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let cat = catalog();
    for (role, perms, fns) in roles_in_use(cx) {
        let analysed = fns.iter().all(|f| {
            f.code
                .as_ref()
                .is_some_and(|c| c.complete && c.unresolved.is_none())
        });
        if !analysed || !perms.unknown_managed.is_empty() {
            continue;
        }
        let code_needed: BTreeSet<String> = fns
            .iter()
            .flat_map(|f| {
                f.code
                    .iter()
                    .flat_map(|c| c.calls.iter().map(|c| c.action.to_ascii_lowercase()))
            })
            .collect();
        // Plus what the Lambda service does with the role on the function's behalf.
        let mut needed = code_needed.clone();
        for f in &fns {
            needed.extend(implied(f).into_iter().map(str::to_ascii_lowercase));
        }
        let mut unused: BTreeSet<String> = BTreeSet::new();
        let mut first = None;
        for g in perms
            .grants
            .iter()
            .filter(|g| g.allow && !g.not_action && g.managed.is_none())
        {
            for a in g.actions.iter().flat_map(|p| cat.expand(p)) {
                if !baseline(&a.name)
                    && !needed.contains(&a.name.to_ascii_lowercase())
                    && !perms.denied(&a.name)
                {
                    unused.insert(a.name.clone());
                    first.get_or_insert(g);
                }
            }
        }
        let Some(first) = first else { continue };
        // Keep each needed action on the resources of the statement that granted it.
        let mut statements: Vec<serde_json::Value> = Vec::new();
        for a in &needed {
            if let Some(g) = perms.grants.iter().find(|g| g.allow && g.matches_action(a)) {
                let resources: Vec<&str> = g.resources.iter().filter_map(|r| r.as_str()).collect();
                let action = cat
                    .get(a)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| a.clone());
                match statements.iter_mut().find(|s| s["Resource"] == serde_json::json!(resources)) {
                    Some(s) => {
                        if let Some(list) = s["Action"].as_array_mut() {
                            list.push(serde_json::json!(action));
                        }
                    }
                    None => statements.push(serde_json::json!({ "Effect": "Allow", "Action": [action], "Resource": resources })),
                }
            }
        }
        let names: Vec<&str> = fns.iter().map(|f| f.id.as_str()).collect();
        let shown: Vec<String> = unused.iter().take(6).map(|a| format!("`{a}`")).collect();
        let more = if unused.len() > 6 {
            format!(" and {} more", unused.len() - 6)
        } else {
            String::new()
        };
        cx.finding(
            &UnusedPermissions::META,
            first.location.clone(),
            format!(
                "role `{}` grants {} action{} that the code of {} never calls: {}{more}",
                role.id,
                unused.len(),
                if unused.len() == 1 { "" } else { "s" },
                subject(&names),
                shown.join(", ")
            ),
        )
        .functions(&names)
        .resource(&role.id)
        .fix("Remove the unused actions; the evidence has a suggested policy with only what the code calls.")
        .evidence(serde_json::json!({
            "unused_actions": unused,
            "needed_actions": needed,
            "needed_by_code": code_needed,
            "suggested_policy": { "Version": "2012-10-17", "Statement": statements },
        }))
        .emit(out);
    }
}
