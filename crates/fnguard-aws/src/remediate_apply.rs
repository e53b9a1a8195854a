//! Applying a remediation plan through the AWS SDK, one call at a time, in order. Each call that
//! succeeds is handed to `record` before the next starts, so the journal always says exactly
//! what was changed, even when a later call fails.

use crate::collect::{sdk_config, Target};
use crate::remediate::Step;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde_json::Value;

/// Why a call failed, with the call.
#[derive(Debug)]
pub struct StepFailed {
    pub step: String,
    pub why: String,
}

fn failed(step: &Step, e: impl std::error::Error) -> StepFailed {
    StepFailed {
        step: step.describe(),
        why: DisplayErrorContext(e).to_string(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The single value of condition `key` under any operator of a statement's `Condition`.
fn condition(statement: &Value, key: &str) -> Option<String> {
    statement
        .get("Condition")?
        .as_object()?
        .values()
        .find_map(|block| block.get(key))
        .and_then(|v| strings(Some(v)).into_iter().next())
}

async fn run(
    iam: &aws_sdk_iam::Client,
    lambda: &aws_sdk_lambda::Client,
    step: &Step,
) -> Result<(), StepFailed> {
    use aws_sdk_lambda::types::{Cors, FunctionUrlAuthType, InvokeMode};
    // Every call ends the same way: sent, its output dropped, its error named with the step.
    macro_rules! send {
        ($call:expr) => {
            $call.send().await.map(drop).map_err(|e| failed(step, e))
        };
    }
    match step {
        Step::DetachRolePolicy { role, policy_arn } => send!(iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)),
        Step::AttachRolePolicy { role, policy_arn } => send!(iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(policy_arn)),
        Step::DeleteRolePolicy {
            role, policy_name, ..
        } => send!(iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy_name)),
        Step::PutRolePolicy {
            role,
            policy_name,
            document,
            ..
        } => send!(iam
            .put_role_policy()
            .role_name(role)
            .policy_name(policy_name)
            .policy_document(document.to_string())),
        Step::UpdateUrlAuth {
            function,
            auth_type,
            ..
        } => send!(lambda
            .update_function_url_config()
            .function_name(function)
            .auth_type(FunctionUrlAuthType::from(auth_type.as_str()))),
        Step::DeleteUrl { function, .. } => {
            send!(lambda.delete_function_url_config().function_name(function))
        }
        Step::CreateUrl {
            function,
            auth_type,
            cors_allow_origins,
            invoke_mode,
        } => {
            let mut call = lambda
                .create_function_url_config()
                .function_name(function)
                .auth_type(FunctionUrlAuthType::from(auth_type.as_str()));
            if !cors_allow_origins.is_empty() {
                call = call.cors(
                    Cors::builder()
                        .set_allow_origins(Some(cors_allow_origins.clone()))
                        .build(),
                );
            }
            if let Some(mode) = invoke_mode {
                call = call.invoke_mode(InvokeMode::from(mode.as_str()));
            }
            send!(call)
        }
        Step::RemovePermission {
            function,
            statement_id,
            ..
        } => send!(lambda
            .remove_permission()
            .function_name(function)
            .statement_id(statement_id)),
        Step::AddPermission {
            function,
            statement,
        } => {
            let principal = match statement.get("Principal") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Object(m)) => m
                    .values()
                    .flat_map(|v| strings(Some(v)))
                    .next()
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let mut call = lambda
                .add_permission()
                .function_name(function)
                .statement_id(
                    statement
                        .get("Sid")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                )
                .action(
                    statement
                        .get("Action")
                        .and_then(Value::as_str)
                        .unwrap_or("lambda:InvokeFunction"),
                )
                .principal(principal);
            if let Some(arn) = condition(statement, "AWS:SourceArn") {
                call = call.source_arn(arn);
            }
            if let Some(account) = condition(statement, "AWS:SourceAccount") {
                call = call.source_account(account);
            }
            if let Some(org) = condition(statement, "aws:PrincipalOrgID") {
                call = call.principal_org_id(org);
            }
            if let Some(auth) = condition(statement, "lambda:FunctionUrlAuthType") {
                call = call.function_url_auth_type(FunctionUrlAuthType::from(auth.as_str()));
            }
            send!(call)
        }
    }
}

/// Runs `steps` in order, calling `record` after each one that succeeded; stops at the first
/// failure. Returns how many were applied, or the failure after that many.
pub fn apply_blocking(
    target: &Target,
    steps: &[Step],
    record: &mut dyn FnMut(&Step) -> std::io::Result<()>,
) -> std::io::Result<Result<usize, (usize, StepFailed)>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let cfg = sdk_config(target).await;
        let iam = aws_sdk_iam::Client::new(&cfg);
        let lambda = aws_sdk_lambda::Client::new(&cfg);
        for (done, step) in steps.iter().enumerate() {
            if let Err(e) = run(&iam, &lambda, step).await {
                return Ok(Err((done, e)));
            }
            record(step)?;
        }
        Ok(Ok(steps.len()))
    })
}
