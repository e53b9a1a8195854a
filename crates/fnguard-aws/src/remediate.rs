//! `fnguard aws remediate`: the write calls that put drifted roles, function URLs and resource
//! policies back to what the templates declare. Planning is pure (the declared model, the
//! account's snapshot and the function pairs `aws drift` found); applying the plan is
//! `crate::remediate_apply` (the `aws` feature).
//!
//! What is restored, and what is left for a redeploy:
//! - roles the template writes itself (not framework-generated ones, whose policies fnguard
//!   cannot name): inline policies the template does not declare are deleted, declared ones that
//!   are missing or changed are put back (when every value is known), AWS-managed policies are
//!   detached or attached to match;
//! - function URLs: an undeclared URL is deleted, a declared `AWS_IAM` URL found open is set
//!   back to `AWS_IAM`; a URL stricter in the account than in the template is left as it is;
//! - resource policies: statements open to anyone (`*`) that the template does not declare are
//!   removed.
//!
//! Every step carries what its undo needs (the deleted document, the removed statement), so a
//! journal of applied steps can be replayed backwards.

use crate::snapshot::{LiveFunction, LiveRole, Snapshot};
use fnguard_model::{Function, PolicyDocument, Project, Role, RoleRef, Val};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One write call, with what undoing it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call")]
pub enum Step {
    #[serde(rename = "iam:DetachRolePolicy")]
    DetachRolePolicy { role: String, policy_arn: String },
    #[serde(rename = "iam:AttachRolePolicy")]
    AttachRolePolicy { role: String, policy_arn: String },
    #[serde(rename = "iam:DeleteRolePolicy")]
    DeleteRolePolicy {
        role: String,
        policy_name: String,
        /// The deleted document, for the undo.
        document: Value,
    },
    #[serde(rename = "iam:PutRolePolicy")]
    PutRolePolicy {
        role: String,
        policy_name: String,
        document: Value,
        /// The document it replaces (none: the policy did not exist), for the undo.
        previous: Option<Value>,
    },
    #[serde(rename = "lambda:UpdateFunctionUrlConfig")]
    UpdateUrlAuth {
        function: String,
        auth_type: String,
        previous: String,
    },
    #[serde(rename = "lambda:DeleteFunctionUrlConfig")]
    DeleteUrl {
        function: String,
        /// The deleted configuration, for the undo.
        auth_type: String,
        cors_allow_origins: Vec<String>,
        invoke_mode: Option<String>,
    },
    #[serde(rename = "lambda:CreateFunctionUrlConfig")]
    CreateUrl {
        function: String,
        auth_type: String,
        cors_allow_origins: Vec<String>,
        invoke_mode: Option<String>,
    },
    #[serde(rename = "lambda:RemovePermission")]
    RemovePermission {
        function: String,
        statement_id: String,
        /// The removed statement, for the undo.
        statement: Value,
    },
    #[serde(rename = "lambda:AddPermission")]
    AddPermission { function: String, statement: Value },
}

impl Step {
    /// The IAM action the call needs.
    pub fn action(&self) -> &'static str {
        match self {
            Step::DetachRolePolicy { .. } => "iam:DetachRolePolicy",
            Step::AttachRolePolicy { .. } => "iam:AttachRolePolicy",
            Step::DeleteRolePolicy { .. } => "iam:DeleteRolePolicy",
            Step::PutRolePolicy { .. } => "iam:PutRolePolicy",
            Step::UpdateUrlAuth { .. } => "lambda:UpdateFunctionUrlConfig",
            Step::DeleteUrl { .. } => "lambda:DeleteFunctionUrlConfig",
            Step::CreateUrl { .. } => "lambda:CreateFunctionUrlConfig",
            Step::RemovePermission { .. } => "lambda:RemovePermission",
            Step::AddPermission { .. } => "lambda:AddPermission",
        }
    }

    /// The call that undoes this one.
    pub fn inverse(&self) -> Step {
        match self.clone() {
            Step::DetachRolePolicy { role, policy_arn } => {
                Step::AttachRolePolicy { role, policy_arn }
            }
            Step::AttachRolePolicy { role, policy_arn } => {
                Step::DetachRolePolicy { role, policy_arn }
            }
            Step::DeleteRolePolicy {
                role,
                policy_name,
                document,
            } => Step::PutRolePolicy {
                role,
                policy_name,
                document,
                previous: None,
            },
            Step::PutRolePolicy {
                role,
                policy_name,
                document,
                previous,
            } => match previous {
                Some(previous) => Step::PutRolePolicy {
                    role,
                    policy_name,
                    document: previous,
                    previous: Some(document),
                },
                None => Step::DeleteRolePolicy {
                    role,
                    policy_name,
                    document,
                },
            },
            Step::UpdateUrlAuth {
                function,
                auth_type,
                previous,
            } => Step::UpdateUrlAuth {
                function,
                auth_type: previous,
                previous: auth_type,
            },
            Step::DeleteUrl {
                function,
                auth_type,
                cors_allow_origins,
                invoke_mode,
            } => Step::CreateUrl {
                function,
                auth_type,
                cors_allow_origins,
                invoke_mode,
            },
            Step::CreateUrl {
                function,
                auth_type,
                cors_allow_origins,
                invoke_mode,
            } => Step::DeleteUrl {
                function,
                auth_type,
                cors_allow_origins,
                invoke_mode,
            },
            Step::RemovePermission {
                function,
                statement,
                ..
            } => Step::AddPermission {
                function,
                statement,
            },
            Step::AddPermission {
                function,
                statement,
            } => Step::RemovePermission {
                function,
                statement_id: statement
                    .get("Sid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                statement,
            },
        }
    }

    /// `iam:DeleteRolePolicy role=fg-reader policy=hotfix`
    pub fn describe(&self) -> String {
        let what = match self {
            Step::DetachRolePolicy { role, policy_arn }
            | Step::AttachRolePolicy { role, policy_arn } => {
                format!("role={role} policy={policy_arn}")
            }
            Step::DeleteRolePolicy {
                role, policy_name, ..
            }
            | Step::PutRolePolicy {
                role, policy_name, ..
            } => format!("role={role} policy={policy_name}"),
            Step::UpdateUrlAuth {
                function,
                auth_type,
                ..
            } => format!("function={function} auth_type={auth_type}"),
            Step::DeleteUrl { function, .. } => format!("function={function}"),
            Step::CreateUrl {
                function,
                auth_type,
                ..
            } => format!("function={function} auth_type={auth_type}"),
            Step::RemovePermission {
                function,
                statement_id,
                ..
            } => format!("function={function} statement={statement_id}"),
            Step::AddPermission {
                function,
                statement,
            } => format!(
                "function={function} statement={}",
                statement.get("Sid").and_then(Value::as_str).unwrap_or("?")
            ),
        };
        format!("{} {what}", self.action())
    }
}

/// Every action a plan or an undo can call: the write policy `aws policy --remediate` prints.
pub const WRITE_ACTIONS: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "lambda:AddPermission",
    "lambda:CreateFunctionUrlConfig",
    "lambda:DeleteFunctionUrlConfig",
    "lambda:RemovePermission",
    "lambda:UpdateFunctionUrlConfig",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedStep {
    #[serde(flatten)]
    pub step: Step,
    /// Why, in the drift's terms.
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub steps: Vec<PlannedStep>,
    /// Drift the plan does not undo, and why.
    pub left: Vec<String>,
}

/// The plan for one declared project: `pairs` maps declared function ids to the live model's
/// function ids (`aws drift`'s matching); `live` is `snap` as a model.
pub fn plan(
    declared: &Project,
    live: &Project,
    pairs: &BTreeMap<String, String>,
    snap: &Snapshot,
) -> Plan {
    let mut out = Plan::default();
    // Live role name → the declared role it must match (several functions share a role).
    let mut roles: BTreeMap<String, Option<&Role>> = BTreeMap::new();
    for (declared_id, live_id) in pairs {
        let (Some(d), Some(l)) = (declared.function(declared_id), live.function(live_id)) else {
            continue;
        };
        let name = l.name.as_ref().and_then(Val::as_str).unwrap_or(&l.id);
        let Some(lf) = snap.functions.iter().find(|f| f.name == name) else {
            continue;
        };
        url(d, lf, &mut out);
        permissions(declared, d, lf, &mut out);
        let Some(lr) = snap.roles.iter().find(|r| r.arn == lf.role) else {
            continue;
        };
        let dr = match &d.role {
            RoleRef::Declared { id, .. } => declared.role(id),
            _ => None,
        };
        match roles.get(&lr.name) {
            None => {
                roles.insert(lr.name.clone(), dr);
            }
            Some(other) if other.map(|r| &r.id) != dr.map(|r| &r.id) => {
                out.left.push(format!(
                    "role {}: functions declared with different roles run with it; redeploy to restore it",
                    lr.name
                ));
                roles.insert(lr.name.clone(), None);
            }
            Some(_) => {}
        }
    }
    for (live_name, declared_role) in roles {
        let Some(lr) = snap.roles.iter().find(|r| r.name == live_name) else {
            continue;
        };
        let Some(dr) = declared_role else { continue };
        let live_role = live
            .roles
            .iter()
            .find(|r| r.name.as_ref().and_then(Val::as_str) == Some(live_name.as_str()));
        role(dr, lr, live_role, &mut out);
    }
    out
}

fn url(d: &Function, lf: &LiveFunction, out: &mut Plan) {
    let declared = d.url.as_ref().map(|u| u.auth_type.value.as_str());
    let Some(live) = &lf.url else {
        if declared.is_some() {
            out.left.push(format!(
                "function {}: its declared URL is missing from the account; redeploy to create it",
                lf.name
            ));
        }
        return;
    };
    match declared {
        None => out.steps.push(PlannedStep {
            step: Step::DeleteUrl {
                function: lf.name.clone(),
                auth_type: live.auth_type.clone(),
                cors_allow_origins: live.cors_allow_origins.clone(),
                invoke_mode: live.invoke_mode.clone(),
            },
            reason: format!(
                "function {} has a URL (auth {}) that the template does not declare",
                lf.name, live.auth_type
            ),
        }),
        Some(Some(want)) if want != live.auth_type => {
            if want.eq_ignore_ascii_case("AWS_IAM") {
                out.steps.push(PlannedStep {
                    step: Step::UpdateUrlAuth {
                        function: lf.name.clone(),
                        auth_type: "AWS_IAM".into(),
                        previous: live.auth_type.clone(),
                    },
                    reason: format!(
                        "function {}'s URL is {} in the account, AWS_IAM declared",
                        lf.name, live.auth_type
                    ),
                });
            } else {
                out.left.push(format!(
                    "function {}: its URL is stricter in the account ({}) than declared ({want}); not loosened",
                    lf.name, live.auth_type
                ));
            }
        }
        Some(None) => out.left.push(format!(
            "function {}: the declared URL auth type is not known; not compared",
            lf.name
        )),
        Some(Some(_)) => {}
    }
}

fn is_public(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(m) => m.get("AWS").is_some_and(|a| match a {
            Value::String(s) => s == "*",
            Value::Array(v) => v.iter().any(|x| x == "*"),
            _ => false,
        }),
        _ => false,
    }
}

fn permissions(declared: &Project, d: &Function, lf: &LiveFunction, out: &mut Plan) {
    let Some(policy) = &lf.policy else { return };
    let mine = |v: &Val<String>| {
        v.as_str()
            .is_some_and(|s| s == d.id || d.name.as_ref().and_then(Val::as_str) == Some(s))
    };
    // Public grants the template itself makes (a declared public URL's permission).
    let declared_public: BTreeSet<String> = declared
        .permissions
        .iter()
        .filter(|p| mine(&p.function) && p.principal.value.as_str() == Some("*"))
        .filter_map(|p| p.action.as_str().map(str::to_ascii_lowercase))
        .collect();
    let statements = match policy.get("Statement") {
        Some(Value::Array(v)) => v.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    for st in statements {
        if !st.get("Principal").is_some_and(is_public) {
            continue;
        }
        let action = st
            .get("Action")
            .and_then(Value::as_str)
            .unwrap_or("lambda:InvokeFunction")
            .to_ascii_lowercase();
        if declared_public.contains(&action) {
            continue;
        }
        let Some(sid) = st.get("Sid").and_then(Value::as_str) else {
            out.left.push(format!(
                "function {}: a public statement without an id cannot be removed by id",
                lf.name
            ));
            continue;
        };
        out.steps.push(PlannedStep {
            step: Step::RemovePermission {
                function: lf.name.clone(),
                statement_id: sid.to_string(),
                statement: st.clone(),
            },
            reason: format!(
                "function {}'s resource policy lets anyone call {action} (statement {sid}), which the template does not declare",
                lf.name
            ),
        });
    }
}

/// A statement as a comparable string: effect, actions, resources and conditions, sorted and
/// case-folded where IAM is case-insensitive. None when a value is not known.
fn statement_key(st: &fnguard_model::Statement) -> Option<String> {
    let list = |v: &[Val<String>], fold: bool| -> Option<Vec<String>> {
        let mut out: Vec<String> = v
            .iter()
            .map(|x| {
                x.as_str().map(|s| {
                    if fold {
                        s.to_ascii_lowercase()
                    } else {
                        s.to_string()
                    }
                })
            })
            .collect::<Option<_>>()?;
        out.sort();
        out.dedup();
        Some(out)
    };
    let effect = match st.effect {
        Val::Known(fnguard_model::Effect::Allow) => "Allow",
        Val::Known(fnguard_model::Effect::Deny) => "Deny",
        _ => return None,
    };
    let mut conditions: Vec<String> = st
        .conditions
        .iter()
        .map(|c| {
            let values = list(&c.values, false)?;
            Some(format!(
                "{}|{}|{}",
                c.operator.to_ascii_lowercase(),
                c.key.to_ascii_lowercase(),
                values.join(",")
            ))
        })
        .collect::<Option<_>>()?;
    conditions.sort();
    Some(format!(
        "{effect};{:?};{:?};{:?};{:?};{:?}",
        list(&st.actions, true)?,
        list(&st.not_actions, true)?,
        list(&st.resources, false)?,
        list(&st.not_resources, false)?,
        conditions
    ))
}

fn document_key(doc: &PolicyDocument) -> Option<Vec<String>> {
    let mut keys: Vec<String> = doc
        .statements
        .iter()
        .map(statement_key)
        .collect::<Option<_>>()?;
    keys.sort();
    Some(keys)
}

/// The IAM JSON of a declared document whose every value is known.
fn document_json(doc: &PolicyDocument) -> Option<Value> {
    let strings = |v: &[Val<String>]| -> Option<Vec<String>> {
        v.iter().map(|x| x.as_str().map(str::to_string)).collect()
    };
    let mut statements = Vec::new();
    for st in &doc.statements {
        if st.principals.is_some() || st.not_principals.is_some() {
            return None;
        }
        let mut s = serde_json::Map::new();
        if let Some(sid) = &st.sid {
            s.insert("Sid".into(), json!(sid));
        }
        s.insert(
            "Effect".into(),
            json!(match st.effect {
                Val::Known(fnguard_model::Effect::Allow) => "Allow",
                Val::Known(fnguard_model::Effect::Deny) => "Deny",
                _ => return None,
            }),
        );
        for (key, values) in [
            ("Action", &st.actions),
            ("NotAction", &st.not_actions),
            ("Resource", &st.resources),
            ("NotResource", &st.not_resources),
        ] {
            if !values.is_empty() {
                s.insert(key.into(), json!(strings(values)?));
            }
        }
        if !st.conditions.is_empty() {
            let mut by_op: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
            for c in &st.conditions {
                by_op
                    .entry(c.operator.clone())
                    .or_default()
                    .insert(c.key.clone(), json!(strings(&c.values)?));
            }
            s.insert("Condition".into(), json!(by_op));
        }
        statements.push(Value::Object(s));
    }
    Some(json!({ "Version": "2012-10-17", "Statement": statements }))
}

fn role(dr: &Role, lr: &LiveRole, live_role: Option<&Role>, out: &mut Plan) {
    if dr.generated {
        out.left.push(format!(
            "role {}: generated by the framework, its policies cannot be named; redeploy the stack to restore it",
            lr.name
        ));
        return;
    }
    // Inline policies, by name.
    let declared_inline: Vec<&PolicyDocument> =
        dr.inline_policies.iter().filter(|d| !d.managed).collect();
    if declared_inline.iter().any(|d| d.name.is_none()) {
        out.left.push(format!(
            "role {}: an inline policy of the template has no known name; inline policies not compared",
            lr.name
        ));
    } else {
        let names: BTreeSet<&str> = declared_inline
            .iter()
            .filter_map(|d| d.name.as_deref())
            .collect();
        for (name, document) in &lr.inline {
            if !names.contains(name.as_str()) {
                out.steps.push(PlannedStep {
                    step: Step::DeleteRolePolicy {
                        role: lr.name.clone(),
                        policy_name: name.clone(),
                        document: document.clone(),
                    },
                    reason: format!(
                        "role {} has an inline policy `{name}` the template does not declare",
                        lr.name
                    ),
                });
            }
        }
        for doc in declared_inline {
            let Some(name) = doc.name.as_deref() else {
                continue;
            };
            let live_doc = live_role.and_then(|r| {
                r.inline_policies
                    .iter()
                    .find(|p| p.name.as_deref() == Some(name))
            });
            let previous = lr.inline.get(name).cloned();
            let same = match (live_doc, previous.is_some()) {
                (Some(l), true) => {
                    document_key(doc).is_some() && document_key(doc) == document_key(l)
                }
                _ => false,
            };
            if same {
                continue;
            }
            match document_json(doc) {
                Some(document) => out.steps.push(PlannedStep {
                    reason: if previous.is_some() {
                        format!(
                            "role {}'s inline policy `{name}` differs from the template",
                            lr.name
                        )
                    } else {
                        format!(
                            "role {}'s inline policy `{name}` is missing from the account",
                            lr.name
                        )
                    },
                    step: Step::PutRolePolicy {
                        role: lr.name.clone(),
                        policy_name: name.to_string(),
                        document,
                        previous,
                    },
                }),
                None => {
                    // Equal documents with unknown values (an ARN of another resource) cannot be
                    // told apart from changed ones.
                    if previous.is_none() || document_key(doc).is_none() {
                        out.left.push(format!(
                            "role {}: inline policy `{name}` holds values known only at deploy time; redeploy to restore it",
                            lr.name
                        ));
                    }
                }
            }
        }
    }
    // Managed policies, by ARN.
    let declared: Option<BTreeSet<String>> = dr
        .managed_policies
        .iter()
        .map(|m| {
            m.value.as_str().map(|a| {
                if a.starts_with("arn:") {
                    a.to_string()
                } else {
                    format!("arn:aws:iam::aws:policy/{a}")
                }
            })
        })
        .collect();
    let Some(declared) = declared else {
        out.left.push(format!(
            "role {}: a managed policy ARN of the template is not known; managed policies not compared",
            lr.name
        ));
        return;
    };
    let has_managed_documents = dr.inline_policies.iter().any(|d| d.managed);
    for arn in &lr.attached {
        if declared.contains(arn) {
            continue;
        }
        let aws_managed = arn.contains(":iam::aws:policy/");
        if aws_managed || !has_managed_documents {
            out.steps.push(PlannedStep {
                step: Step::DetachRolePolicy {
                    role: lr.name.clone(),
                    policy_arn: arn.clone(),
                },
                reason: format!(
                    "role {} has {arn} attached, which the template does not declare",
                    lr.name
                ),
            });
        } else {
            out.left.push(format!(
                "role {}: {arn} may be the template's AWS::IAM::ManagedPolicy (its ARN is generated); not detached",
                lr.name
            ));
        }
    }
    for arn in declared {
        if !lr.attached.contains(&arn) {
            out.steps.push(PlannedStep {
                step: Step::AttachRolePolicy {
                    role: lr.name.clone(),
                    policy_arn: arn.clone(),
                },
                reason: format!("role {} lacks the declared {arn}", lr.name),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{LiveFunction, LiveRole, LiveUrl};

    const TEMPLATE: &str = r#"{"Resources": {
      "Role": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "app-role",
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
          "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "read", "PolicyDocument": {"Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}}]}},
      "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "app-fn",
        "Runtime": "python3.12", "Handler": "a.h", "Code": {"ZipFile": "x"},
        "Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
      "Url": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "NONE",
        "TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}}},
      "Public": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Ref": "Fn"},
        "Action": "lambda:InvokeFunctionUrl", "Principal": "*", "FunctionUrlAuthType": "NONE"}}
    }}"#;

    fn account() -> Snapshot {
        let role_arn = "arn:aws:iam::111122223333:role/app-role".to_string();
        let mut inline = BTreeMap::new();
        inline.insert(
            "read".to_string(),
            json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}),
        );
        inline.insert(
            "hotfix".to_string(),
            json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}),
        );
        Snapshot {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            functions: vec![LiveFunction {
                name: "app-fn".into(),
                arn: "arn:aws:lambda:us-east-1:111122223333:function:app-fn".into(),
                runtime: Some("python3.12".into()),
                handler: Some("a.h".into()),
                role: role_arn.clone(),
                url: Some(LiveUrl {
                    auth_type: "AWS_IAM".into(),
                    ..LiveUrl::default()
                }),
                policy: Some(json!({"Statement": [
                    {"Sid": "declared", "Effect": "Allow", "Principal": "*",
                     "Action": "lambda:InvokeFunctionUrl", "Resource": "*",
                     "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}},
                    {"Sid": "extra", "Effect": "Allow", "Principal": {"AWS": "*"},
                     "Action": "lambda:InvokeFunction", "Resource": "*"},
                    {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                     "Action": "lambda:InvokeFunction", "Resource": "*"}]})),
                ..LiveFunction::default()
            }],
            roles: vec![LiveRole {
                name: "app-role".into(),
                arn: role_arn,
                trust_policy: json!({"Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
                inline,
                attached: vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()],
                boundary: None,
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn the_plan_restores_what_drifted_and_leaves_what_is_stricter() {
        let declared = fnguard_ingest::load_str(
            fnguard_ingest::DescriptorKind::CloudFormation,
            "template.json",
            TEMPLATE,
            &fnguard_ingest::LoadOptions::default(),
        )
        .project
        .unwrap();
        let snap = account();
        let (live, _, _) = crate::load(&snap);
        let live = live.unwrap();
        let live_id = live.functions[0].id.clone();
        let pairs: BTreeMap<String, String> = [("Fn".to_string(), live_id)].into();
        let p = plan(&declared, &live, &pairs, &snap);
        let calls: Vec<String> = p.steps.iter().map(|s| s.step.describe()).collect();
        assert_eq!(
            calls,
            vec![
                "lambda:RemovePermission function=app-fn statement=extra",
                "iam:DeleteRolePolicy role=app-role policy=hotfix",
                "iam:DetachRolePolicy role=app-role policy=arn:aws:iam::aws:policy/AdministratorAccess",
            ],
            "{p:#?}"
        );
        assert!(
            p.left.iter().any(|l| l.contains("stricter")),
            "{:?}",
            p.left
        );
    }

    #[test]
    fn every_step_has_an_inverse_that_undoes_it() {
        let steps = vec![
            Step::DetachRolePolicy {
                role: "r".into(),
                policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
            },
            Step::DeleteRolePolicy {
                role: "r".into(),
                policy_name: "hotfix".into(),
                document: json!({"Statement": []}),
            },
            Step::PutRolePolicy {
                role: "r".into(),
                policy_name: "read".into(),
                document: json!({"a": 1}),
                previous: Some(json!({"a": 2})),
            },
            Step::UpdateUrlAuth {
                function: "f".into(),
                auth_type: "AWS_IAM".into(),
                previous: "NONE".into(),
            },
            Step::DeleteUrl {
                function: "f".into(),
                auth_type: "NONE".into(),
                cors_allow_origins: vec!["*".into()],
                invoke_mode: None,
            },
            Step::RemovePermission {
                function: "f".into(),
                statement_id: "open".into(),
                statement: json!({"Sid": "open", "Principal": "*"}),
            },
        ];
        for s in steps {
            assert_eq!(s.inverse().inverse(), s, "{s:?}");
            assert!(WRITE_ACTIONS.contains(&s.action()));
            assert!(WRITE_ACTIONS.contains(&s.inverse().action()));
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<Step>(&text).unwrap(), s);
        }
    }
}
