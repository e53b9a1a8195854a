//! Known ways an identity turns its permissions into more permissions, each tagged with where
//! it is documented. A method applies when every action it needs is allowed on any resource
//! without a scoping condition (see [`crate::RolePolicies::allows_broadly`]).

use crate::effective::{Grant, RolePolicies};

pub struct EscalationMethod {
    pub name: &'static str,
    pub actions: &'static [&'static str],
    pub sources: &'static [&'static str],
}

const RHINO: &str = "Rhino Security Labs, AWS IAM privilege escalation methods";
const CLOUDSPLAINING: &str = "Cloudsplaining privilege escalation list";
const POLICY_SENTRY: &str = "Policy Sentry privilege escalation list";

pub const ESCALATION_METHODS: &[EscalationMethod] = &[
    EscalationMethod {
        name: "CreateNewPolicyVersion",
        actions: &["iam:CreatePolicyVersion"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "SetExistingDefaultPolicyVersion",
        actions: &["iam:SetDefaultPolicyVersion"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "CreateEC2WithExistingIP",
        actions: &["iam:PassRole", "ec2:RunInstances"],
        sources: &[RHINO, CLOUDSPLAINING],
    },
    EscalationMethod {
        name: "CreateAccessKey",
        actions: &["iam:CreateAccessKey"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "CreateLoginProfile",
        actions: &["iam:CreateLoginProfile"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "UpdateLoginProfile",
        actions: &["iam:UpdateLoginProfile"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "AttachUserPolicy",
        actions: &["iam:AttachUserPolicy"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "AttachGroupPolicy",
        actions: &["iam:AttachGroupPolicy"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "AttachRolePolicy",
        actions: &["iam:AttachRolePolicy"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PutUserPolicy",
        actions: &["iam:PutUserPolicy"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PutGroupPolicy",
        actions: &["iam:PutGroupPolicy"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PutRolePolicy",
        actions: &["iam:PutRolePolicy"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "AddUserToGroup",
        actions: &["iam:AddUserToGroup"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "UpdateRolePolicyToAssumeIt",
        actions: &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewLambdaThenInvoke",
        actions: &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
        actions: &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "EditExistingLambdaFunctionWithRole",
        actions: &["lambda:UpdateFunctionCode"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "ChangeLambdaFunctionConfiguration",
        actions: &["lambda:UpdateFunctionConfiguration"],
        sources: &[POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewGlueDevEndpoint",
        actions: &["iam:PassRole", "glue:CreateDevEndpoint"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "UpdateExistingGlueDevEndpoint",
        actions: &["glue:UpdateDevEndpoint"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PassExistingRoleToCloudFormation",
        actions: &["iam:PassRole", "cloudformation:CreateStack"],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewDataPipeline",
        actions: &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
        sources: &[RHINO, CLOUDSPLAINING, POLICY_SENTRY],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewECSTask",
        actions: &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        sources: &[CLOUDSPLAINING],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewCodeBuildProject",
        actions: &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
        sources: &[CLOUDSPLAINING],
    },
    EscalationMethod {
        name: "PassExistingRoleToNewSageMakerNotebook",
        actions: &[
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
        sources: &[CLOUDSPLAINING],
    },
    EscalationMethod {
        name: "AssumeAnyRole",
        actions: &["sts:AssumeRole"],
        sources: &[CLOUDSPLAINING],
    },
];

/// `iam:PassRole` limited to one service, or any action limited to named principals or
/// sources, is not an open door.
const SCOPING_KEYS: &[&str] = &[
    "iam:PassedToService",
    "aws:ResourceTag",
    "iam:ResourceTag",
    "aws:SourceArn",
];

/// The methods that apply, each with the statements that grant its actions.
pub fn escalations(p: &RolePolicies) -> Vec<(&'static EscalationMethod, Vec<&Grant>)> {
    ESCALATION_METHODS
        .iter()
        .filter_map(|m| {
            let grants: Option<Vec<&Grant>> = m
                .actions
                .iter()
                .map(|a| p.allows_broadly(a, SCOPING_KEYS))
                .collect();
            grants.map(|g| (m, g))
        })
        .collect()
}
