//! Practice 3: the permissions each function's execution role grants.

pub mod fg301;
pub mod fg302;
pub mod fg303;
pub mod fg304;
pub mod fg305;
pub mod fg306;
pub mod fg307;
pub mod fg308;
pub mod fg309;

use crate::Context;
use fnguard_iam::{effective_permissions, RolePolicies};
use fnguard_model::{Function, Role};
use std::collections::HashMap;

/// Each role declared in the project that functions run with, its permissions, and the
/// functions using it (in declaration order).
pub(crate) fn roles_in_use<'c, 'a>(cx: &'c Context<'a>) -> &'c [crate::context::RoleInUse<'a>] {
    cx.roles.get_or_init(|| {
        let mut out: Vec<(&Role, RolePolicies, Vec<&Function>)> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for f in &cx.project.functions {
            let Some(id) = f.role.declared_id() else {
                continue;
            };
            match at.get(id) {
                Some(&i) => {
                    if let Some((_, _, fns)) = out.get_mut(i) {
                        fns.push(f);
                    }
                }
                None => {
                    if let Some(role) = cx.index.role(id) {
                        at.insert(id, out.len());
                        out.push((role, effective_permissions(role), vec![f]));
                    }
                }
            }
        }
        out
    })
}

/// Data reads that expose what a function's stores hold (for FG303, FG308).
pub(crate) const DATA_READS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "rds-data:ExecuteStatement",
    "rds-data:BatchExecuteStatement",
    "dynamodb:GetRecords",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "lambda:GetFunction",
];

/// What every function needs on `*` to log and send traces, and what a function in a VPC
/// needs on `*` to manage its network interfaces (as AWSLambdaVPCAccessExecutionRole grants);
/// not findings.
pub(crate) const BASELINE: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DetachNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// A permission rule's fix, with how to change the role in the tool that makes it.
pub(crate) fn role_fix(role: &Role, fix: &str) -> String {
    match &role.fix_hint {
        Some(hint) => format!("{fix} {hint}"),
        None => fix.to_string(),
    }
}

pub(crate) fn ids<'a>(fns: &[&'a Function]) -> Vec<&'a str> {
    fns.iter().map(|f| f.id.as_str()).collect()
}
