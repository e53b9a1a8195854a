//! Granted versus needed permissions per function, and a least-privilege policy that never
//! grants more than the role already did.

use crate::{catalog, effective_permissions, RolePolicies};
use fnguard_model::{Function, Resource, ResourceKind, Role, TriggerKind, Val};
use std::collections::BTreeSet;

/// Actions the Lambda service performs with the execution role for the function's
/// configuration: polling queues and streams, delivering failed events.
pub fn implied_actions(f: &Function) -> Vec<&'static str> {
    let mut out = Vec::new();
    for t in &f.triggers {
        match &t.kind {
            TriggerKind::Sqs { .. } => out.extend([
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ]),
            TriggerKind::Stream {
                service,
                on_failure,
                ..
            } => {
                if service == "dynamodb" {
                    out.extend([
                        "dynamodb:DescribeStream",
                        "dynamodb:GetRecords",
                        "dynamodb:GetShardIterator",
                        "dynamodb:ListStreams",
                    ]);
                } else {
                    out.extend([
                        "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary",
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:ListShards",
                        "kinesis:ListStreams",
                        "kinesis:SubscribeToShard",
                    ]);
                }
                // The poller sends a failed batch's description to the on-failure destination
                // with the function's role; the trigger does not say which kind it is.
                if *on_failure {
                    out.extend(["sqs:SendMessage", "sns:Publish"]);
                }
            }
            TriggerKind::Other {
                source,
                schema_registry,
            } => {
                out.extend(broker_poller_actions(source));
                // Records validated against a Glue schema registry: the poller reads schemas.
                if *schema_registry {
                    out.extend(["glue:GetRegistry", "glue:GetSchemaVersion"]);
                }
            }
            _ => {}
        }
    }
    for d in [&f.dead_letter, &f.on_failure_destination]
        .into_iter()
        .flatten()
    {
        let text = match &d.value {
            Val::Known(s) => s.to_ascii_lowercase(),
            Val::Unknown(u) => u.reason.to_ascii_lowercase(),
        };
        for (needle, action) in [
            ("sqs", "sqs:SendMessage"),
            ("sns", "sns:Publish"),
            (":lambda:", "lambda:InvokeFunction"),
            (":events:", "events:PutEvents"),
            (":s3:", "s3:PutObject"),
        ] {
            if text.contains(needle) {
                out.push(action);
            }
        }
    }
    out
}

/// What the Lambda service does with the execution role to read from a message broker: find
/// the broker, read its credentials, and reach it through the VPC (Amazon MQ, Amazon MSK,
/// self-managed Kafka). `source` is the trigger's event source type as the descriptor names it.
fn broker_poller_actions(source: &str) -> Vec<&'static str> {
    const VPC: &[&str] = &[
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    ];
    let mut out: Vec<&'static str> = Vec::new();
    match source.to_ascii_lowercase().as_str() {
        "mq" | "activemq" | "rabbitmq" => {
            out.extend(VPC);
            out.extend(["mq:DescribeBroker", "secretsmanager:GetSecretValue"]);
        }
        "msk" | "kafka" => {
            out.extend(VPC);
            out.extend([
                "kafka:DescribeCluster",
                "kafka:DescribeClusterV2",
                "kafka:GetBootstrapBrokers",
                // IAM access control: the poller joins the consumer group and reads the topic.
                "kafka-cluster:Connect",
                "kafka-cluster:DescribeGroup",
                "kafka-cluster:AlterGroup",
                "kafka-cluster:DescribeTopic",
                "kafka-cluster:ReadData",
                "kafka-cluster:DescribeClusterDynamicConfiguration",
                // SASL/SCRAM credentials.
                "secretsmanager:GetSecretValue",
                "kms:Decrypt",
            ]);
        }
        "selfmanagedkafka" => {
            out.extend(VPC);
            out.extend(["secretsmanager:GetSecretValue", "kms:Decrypt"]);
        }
        _ => {}
    }
    out
}

/// Calls that hand a role to what they create or run (an ECS task's roles, a new function's
/// execution role, a stack's service role): the caller needs `iam:PassRole` on that role.
const PASSES_ROLE: &[&str] = &[
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:RegisterTaskDefinition",
    "ecs:CreateService",
    "ecs:UpdateService",
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "ec2:RunInstances",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "glue:CreateJob",
    "glue:UpdateJob",
    "glue:CreateCrawler",
    "glue:UpdateCrawler",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:CreateChangeSet",
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
    "events:PutTargets",
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "emr-serverless:StartJobRun",
    "elasticmapreduce:RunJobFlow",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateModel",
    "codebuild:CreateProject",
    "firehose:CreateDeliveryStream",
    "pipes:CreatePipe",
];

/// Needed by every function for logs, traces and VPC networking, whatever its code does.
pub fn is_baseline(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.starts_with("logs:")
        || a.starts_with("xray:")
        || a.ends_with("networkinterface")
        || a.ends_with("networkinterfaces")
        || a.ends_with("privateipaddresses")
}

#[derive(Debug, Clone)]
pub struct FunctionPermissions {
    pub needed: BTreeSet<String>,
    pub needed_by_code: BTreeSet<String>,
    pub unused: BTreeSet<String>,
    pub missing: BTreeSet<String>,
    pub suggested_policy: serde_json::Value,
    /// Where the suggestion inherits a resource that does not fit the action (the original
    /// statement was already ineffective there): listed rather than silently widened.
    pub warnings: Vec<String>,
    /// `high`: every function on the role was analysed completely and the role is fully known.
    pub confidence: &'static str,
    pub perms: RolePolicies,
    /// With CloudTrail evidence for every function on the role: granted actions none of them
    /// was seen calling (see `analyse`).
    pub observed_unused: Option<BTreeSet<String>>,
}

impl FunctionPermissions {
    /// The actions the role grants (a wildcard expanded to each action it covers). Built on
    /// demand: a role with `Action: "*"` grants some 20,000, and the rules never ask.
    pub fn granted(&self) -> BTreeSet<String> {
        self.granted_on().into_keys().collect()
    }

    /// Each granted action with the resources it is granted on (for baselines and drift).
    pub fn granted_on(&self) -> std::collections::BTreeMap<String, BTreeSet<String>> {
        let cat = catalog();
        let perms = &self.perms;
        let mut granted_on: std::collections::BTreeMap<String, BTreeSet<String>> =
            Default::default();
        for g in perms.grants.iter().filter(|g| g.allow) {
            let resources: BTreeSet<String> = g.resources.iter().map(render).collect();
            if g.not_action {
                let key = format!("* except {}", g.actions.join(", "));
                granted_on.entry(key).or_default().extend(resources);
                continue;
            }
            for p in &g.actions {
                for a in cat.expand(p) {
                    if !perms.denied(&a.name) && perms.boundary_allows(&a.name) {
                        granted_on
                            .entry(a.name.clone())
                            .or_default()
                            .extend(resources.iter().cloned());
                    }
                }
            }
        }
        granted_on
    }
}

/// `fns` are all the functions sharing `role` (their needs add up); `resources` are the
/// project's, to trace the environment variables the code reads back to what they name.
pub fn analyse(role: &Role, fns: &[&Function], resources: &Resources<'_>) -> FunctionPermissions {
    let cat = catalog();
    let perms = effective_permissions(role);
    let code_needed: BTreeSet<String> = fns
        .iter()
        .flat_map(|f| {
            f.code
                .iter()
                .flat_map(|c| c.calls.iter().map(|c| canonical(&c.action)))
        })
        .collect();
    let mut needed = code_needed.clone();
    if code_needed
        .iter()
        .any(|a| PASSES_ROLE.iter().any(|p| p.eq_ignore_ascii_case(a)))
    {
        needed.insert("iam:PassRole".to_string());
    }
    for f in fns {
        needed.extend(implied_actions(f).into_iter().map(canonical));
    }
    // Calls CloudTrail saw are needed, whatever the code analysis found.
    let observed: Option<Vec<&fnguard_model::ObservedUsage>> =
        fns.iter().map(|f| f.observed.as_deref()).collect();
    let observed = observed.filter(|o| !o.is_empty());
    if let Some(obs) = &observed {
        for o in obs {
            needed.extend(
                o.actions
                    .iter()
                    .filter_map(|a| cat.get(a))
                    .map(|a| a.name.clone()),
            );
        }
    }
    let mut unused = BTreeSet::new();
    for g in perms
        .grants
        .iter()
        .filter(|g| g.allow && !g.not_action && g.managed.is_none())
    {
        for a in g.actions.iter().flat_map(|p| cat.expand(p)) {
            if !is_baseline(&a.name) && !needed.contains(&a.name) && !perms.denied(&a.name) {
                unused.insert(a.name.clone());
            }
        }
    }
    // Granted, never seen in CloudTrail, and not needed by the triggers. `iam:PassRole` is
    // never judged on usage (it is used rarely and breaks deploys when missing); data-plane
    // calls are judged only when the trail logs data events.
    let observed_unused = observed.as_ref().map(|obs| {
        let data_events = obs.iter().all(|o| o.data_events);
        let mut out = BTreeSet::new();
        for g in perms
            .grants
            .iter()
            .filter(|g| g.allow && !g.not_action && g.managed.is_none())
        {
            for a in g.actions.iter().flat_map(|p| cat.expand(p)) {
                if !is_baseline(&a.name)
                    && !needed.contains(&a.name)
                    && !perms.denied(&a.name)
                    && !a.name.eq_ignore_ascii_case("iam:PassRole")
                    && (data_events || !is_data_event(&a.name))
                {
                    out.insert(a.name.clone());
                }
            }
        }
        out
    });
    let missing: BTreeSet<String> = code_needed
        .iter()
        .filter(|a| perms.denied(a) || !perms.grants.iter().any(|g| g.allow && g.matches_action(a)))
        .cloned()
        .collect();
    let used = used_resource_arns(fns, resources);
    let (statements, mut warnings) = suggest(&perms, &needed, &code_needed, &used);
    let suggested_policy = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
    warnings.extend(size_warning(suggested_policy.to_string().len()));
    let complete = fns.iter().all(|f| {
        f.code
            .as_ref()
            .is_some_and(|c| c.complete && c.unresolved.is_none())
    });
    let confidence = if complete && perms.unknown_managed.is_empty() {
        "high"
    } else {
        "low"
    };
    FunctionPermissions {
        needed,
        needed_by_code: code_needed,
        unused,
        missing,
        suggested_policy,
        confidence,
        perms,
        warnings,
        observed_unused,
    }
}

/// Actions CloudTrail records only as data events (off by default in a trail): S3 object
/// operations, DynamoDB item operations, Lambda invocations, SQS messages, SNS publishing,
/// Kinesis records.
pub fn is_data_event(action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    match service.to_ascii_lowercase().as_str() {
        "s3" => {
            name.contains("object") || name == "listbucket" || name.starts_with("listmultipart")
        }
        "dynamodb" => {
            name.contains("item")
                || [
                    "query",
                    "scan",
                    "partiqlselect",
                    "partiqlinsert",
                    "partiqlupdate",
                    "partiqldelete",
                    "getrecords",
                    "getsharditerator",
                ]
                .contains(&name.as_str())
        }
        "lambda" => name.starts_with("invoke"),
        "sqs" => name.contains("message"),
        "sns" => name.starts_with("publish"),
        "kinesis" => {
            name.contains("record") || name == "getsharditerator" || name == "subscribetoshard"
        }
        _ => false,
    }
}

/// IAM's quotas on policy size, counted without whitespace (which the JSON here has none of).
const MANAGED_POLICY_MAX: usize = 6_144;
const INLINE_ROLE_POLICIES_MAX: usize = 10_240;

fn size_warning(chars: usize) -> Option<String> {
    if chars > INLINE_ROLE_POLICIES_MAX {
        Some(format!(
            "the suggested policy is {chars} characters, over IAM's {INLINE_ROLE_POLICIES_MAX} \
             limit for a role's inline policies: split it into managed policies"
        ))
    } else if chars > MANAGED_POLICY_MAX {
        Some(format!(
            "the suggested policy is {chars} characters: fine inline, but over the \
             {MANAGED_POLICY_MAX} limit for a managed policy"
        ))
    } else {
        None
    }
}

/// Where a suggested statement applies: the resources granted for an action, or (for a grant
/// written with `NotResource`) the resources it excludes.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Resource(BTreeSet<String>),
    NotResource(BTreeSet<String>),
}

/// ARNs of the template resources that the functions' code reaches through environment
/// variables it reads: a variable counts when its value refers to the resource or is the
/// resource's name or ARN. Region and account stay `*` (the template rarely pins them).
/// A project's resources by id and by name, built once per project: every role's analysis
/// looks up what its functions' environment variables name (it scanned every resource for each
/// variable of each function, quadratic in a template of thousands of functions).
pub struct Resources<'a> {
    /// Resources with a known name, by id.
    named_by_id: std::collections::HashMap<&'a str, Vec<(usize, &'a str)>>,
    /// Resources by known name.
    by_name: std::collections::HashMap<&'a str, Vec<usize>>,
    /// The first bucket with each id.
    buckets: std::collections::HashMap<&'a str, &'a Resource>,
    all: &'a [Resource],
}

impl<'a> Resources<'a> {
    pub fn new(all: &'a [Resource]) -> Self {
        let mut r = Resources {
            named_by_id: std::collections::HashMap::new(),
            by_name: std::collections::HashMap::new(),
            buckets: std::collections::HashMap::new(),
            all,
        };
        for (i, res) in all.iter().enumerate() {
            if res.kind == ResourceKind::Bucket {
                r.buckets.entry(res.id.as_str()).or_insert(res);
            }
            let Some(name) = res.name.as_ref().and_then(|n| n.as_str()) else {
                continue;
            };
            r.named_by_id
                .entry(res.id.as_str())
                .or_default()
                .push((i, name));
            r.by_name.entry(name).or_default().push(i);
        }
        r
    }

    /// The named resources a variable refers to (`refs`) or whose name its value is or ends
    /// with after a `/`, in declaration order.
    fn named_by(&self, refs: &[String], value: Option<&str>) -> Vec<(&'a Resource, &'a str)> {
        let mut found: Vec<usize> = refs
            .iter()
            .filter_map(|id| self.named_by_id.get(id.as_str()))
            .flatten()
            .map(|(i, _)| *i)
            .collect();
        if let Some(v) = value {
            let suffixes = v.match_indices('/').map(|(k, _)| &v[k + 1..]);
            for name in std::iter::once(v).chain(suffixes) {
                found.extend(self.by_name.get(name).into_iter().flatten());
            }
        }
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|i| {
                let r = self.all.get(i)?;
                Some((r, r.name.as_ref().and_then(|n| n.as_str())?))
            })
            .collect()
    }
}

fn used_resource_arns(fns: &[&Function], resources: &Resources<'_>) -> Reached {
    let mut reached = Reached::default();
    let out = &mut reached.arns;
    for f in fns {
        // Handlers read the objects their S3 events name: the trigger's bucket is used too,
        // and when it is not known, S3 access cannot be narrowed.
        for t in &f.triggers {
            if let TriggerKind::S3 { bucket, .. } = &t.kind {
                // SAM names the bucket by its logical id; other sources by its name.
                let declared = |b: &str| {
                    resources
                        .buckets
                        .get(b)
                        .map(|r| r.name.as_ref().and_then(|n| n.as_str()))
                };
                let name = bucket.as_str().and_then(|b| declared(b).unwrap_or(Some(b)));
                match name {
                    Some(b) => out.extend(arns_of(ResourceKind::Bucket, b)),
                    None => {
                        reached.opaque.insert("s3");
                    }
                }
            }
        }
        let Some(code) = &f.code else { continue };
        for var in f
            .environment
            .iter()
            .filter(|v| code.env_reads.contains(&v.name))
        {
            let value = var.value.as_str();
            if let Some(arn) = value.filter(|v| v.starts_with("arn:")) {
                out.insert(arn.to_string());
            }
            for (r, name) in resources.named_by(&var.refs, value) {
                out.extend(arns_of(r.kind, name));
            }
        }
    }
    reached
}

/// What the code reaches: ARNs, and services whose resources come from somewhere fnguard
/// cannot see (so their grants are not narrowed).
#[derive(Default)]
struct Reached {
    arns: BTreeSet<String>,
    opaque: BTreeSet<&'static str>,
}

fn arns_of(kind: ResourceKind, name: &str) -> Vec<String> {
    match kind {
        ResourceKind::Bucket => vec![
            format!("arn:aws:s3:::{name}"),
            format!("arn:aws:s3:::{name}/*"),
        ],
        ResourceKind::Table => vec![
            format!("arn:aws:dynamodb:*:*:table/{name}"),
            format!("arn:aws:dynamodb:*:*:table/{name}/index/*"),
        ],
        ResourceKind::Queue => vec![format!("arn:aws:sqs:*:*:{name}")],
        ResourceKind::Topic => vec![format!("arn:aws:sns:*:*:{name}")],
        ResourceKind::Stream => vec![format!("arn:aws:kinesis:*:*:stream/{name}")],
        // Secrets Manager appends six random characters to the name in the ARN.
        ResourceKind::Secret => vec![format!("arn:aws:secretsmanager:*:*:secret:{name}-??????")],
        ResourceKind::Parameter => vec![format!(
            "arn:aws:ssm:*:*:parameter/{}",
            name.trim_start_matches('/')
        )],
        ResourceKind::EventBus => vec![format!("arn:aws:events:*:*:event-bus/{name}")],
        _ => Vec::new(),
    }
}

fn render(r: &Val<String>) -> String {
    match r {
        Val::Known(s) => s.clone(),
        Val::Unknown(u) => format!("<{}>", u.reason),
    }
}

/// The least-privilege policy for `needed`: each needed action the role already grants, on
/// the resources the role grants it on that the action can act on. Actions the role does not
/// grant are left out (FG307 reports them), so the suggestion never widens access; resources
/// fnguard could not resolve stay as `<placeholder>`s to replace (listed in the warnings)
/// rather than being dropped, which would leave a statement that grants nothing.
fn suggest(
    perms: &RolePolicies,
    needed: &BTreeSet<String>,
    code_needed: &BTreeSet<String>,
    used: &Reached,
) -> (Vec<serde_json::Value>, Vec<String>) {
    let cat = catalog();
    let mut warnings = Vec::new();
    let mut placeholders = BTreeSet::new();
    let mut by_scope: std::collections::BTreeMap<Scope, Vec<String>> = Default::default();
    for a in needed {
        if perms.denied(a) || !perms.boundary_allows(a) {
            continue;
        }
        let grants: Vec<_> = perms
            .grants
            .iter()
            .filter(|g| g.allow && g.matches_action(a))
            .collect();
        let mut resources: BTreeSet<String> = grants
            .iter()
            .filter(|g| g.not_resources.is_empty())
            .flat_map(|g| g.resources.iter().map(render))
            .collect();
        let scope = if resources.is_empty() {
            // Only NotResource grants: carry the first one's exclusions over unchanged.
            match grants.iter().find(|g| !g.not_resources.is_empty()) {
                Some(g) => Scope::NotResource(g.not_resources.iter().map(render).collect()),
                None => continue,
            }
        } else {
            if resources.contains("*") {
                resources = BTreeSet::from(["*".to_string()]);
            }
            if let Some(action) = cat.get(a) {
                if action.resource_types.is_empty() {
                    // Such actions get a statement of their own on "*": any ARN grants nothing.
                    if !resources.contains("*") {
                        warnings.push(format!(
                            "{a} only accepts Resource \"*\"; {} grants nothing, so it is left out",
                            resources.iter().cloned().collect::<Vec<_>>().join(", ")
                        ));
                        continue;
                    }
                } else {
                    resources.retain(|r| {
                        let fits = r == "*" || r.starts_with('<') || cat.resource_fits(action, r);
                        if !fits {
                            warnings.push(format!("{r} is not a resource {a} acts on; left out"));
                        }
                        fits
                    });
                    if resources.is_empty() {
                        continue;
                    }
                    // Narrow to the resources the code reaches through its environment, when
                    // every one of them is inside what the role already grants.
                    // Only grants with wildcards are narrowed: explicit ARNs are the author's
                    // own scoping, and may name resources the code gets from its events or
                    // literals rather than its environment.
                    let wildcard = resources.iter().all(|g| g.contains('*'));
                    let service = a.split(':').next().unwrap_or("");
                    if wildcard && code_needed.contains(a) && !used.opaque.contains(service) {
                        let reached: BTreeSet<String> = used
                            .arns
                            .iter()
                            .filter(|u| cat.resource_fits(action, u))
                            .cloned()
                            .collect();
                        let inside = |u: &String| {
                            resources
                                .iter()
                                .any(|g| !g.starts_with('<') && fnguard_model::wildcard_match(g, u))
                        };
                        if !reached.is_empty() && reached != resources && reached.iter().all(inside)
                        {
                            warnings.push(format!(
                                "{a} narrowed from {} to {}, the resources the code reaches through \
                                 its environment and S3 events; check it uses no other",
                                resources.iter().cloned().collect::<Vec<_>>().join(", "),
                                reached.iter().cloned().collect::<Vec<_>>().join(", ")
                            ));
                            resources = reached;
                        }
                    }
                }
            }
            Scope::Resource(resources)
        };
        let (Scope::Resource(rs) | Scope::NotResource(rs)) = &scope;
        placeholders.extend(rs.iter().filter(|r| r.starts_with('<')).cloned());
        by_scope.entry(scope).or_default().push(a.clone());
    }
    for p in placeholders {
        warnings.push(format!(
            "{p} could not be resolved offline; replace it with the ARN it stands for"
        ));
    }
    let statements = by_scope
        .into_iter()
        .map(|(scope, actions)| match scope {
            Scope::Resource(rs) => {
                serde_json::json!({ "Effect": "Allow", "Action": actions, "Resource": rs })
            }
            Scope::NotResource(rs) => {
                serde_json::json!({ "Effect": "Allow", "Action": actions, "NotResource": rs })
            }
        })
        .collect();
    (statements, warnings)
}

/// `S3:getobject` → `s3:GetObject` (the catalog's spelling), unknown actions unchanged.
fn canonical(action: &str) -> String {
    catalog()
        .get(action)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| action.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_size_limits() {
        assert_eq!(size_warning(6_144), None);
        assert!(size_warning(6_145).is_some_and(|w| w.contains("managed policy")));
        assert!(size_warning(10_241).is_some_and(|w| w.contains("inline")));
    }
}
