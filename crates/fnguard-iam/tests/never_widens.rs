//! Property: whatever roles, code and environment look like, a suggested policy allows only
//! needed actions, only on resources the role already allows them on, never on denied ones.

use fnguard_iam::analyse;
use fnguard_model::{
    wildcard_match, CodeFacts, Effect, EnvVar, Function, Location, PolicyDocument, Resource,
    ResourceKind, Role, SdkCall, Statement, Val,
};
use proptest::prelude::*;

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:*",
    "s3:Get*",
    "dynamodb:GetItem",
    "dynamodb:*",
    "kinesis:ListStreams",
    "*",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*",
    "arn:aws:dynamodb:*:*:table/t",
    "arn:aws:dynamodb:eu-west-1:1:table/*",
];
const CALLS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "kinesis:ListStreams",
];

fn known(s: &str) -> Val<String> {
    Val::Known(s.to_string())
}

fn statement(
    allow: bool,
    actions: Vec<usize>,
    resources: Vec<usize>,
    not_resource: bool,
) -> Statement {
    let resources: Vec<Val<String>> = resources.iter().map(|&i| known(RESOURCES[i])).collect();
    Statement {
        sid: None,
        effect: Val::Known(if allow { Effect::Allow } else { Effect::Deny }),
        actions: actions.iter().map(|&i| known(ACTIONS[i])).collect(),
        not_actions: Vec::new(),
        resources: if not_resource {
            Vec::new()
        } else {
            resources.clone()
        },
        not_resources: if not_resource { resources } else { Vec::new() },
        principals: None,
        not_principals: None,
        conditions: Vec::new(),
        location: Location::new("t.yml", 1, 1),
    }
}

fn arb_statement() -> impl Strategy<Value = Statement> {
    (
        prop::bool::weighted(0.8),
        prop::collection::vec(0..ACTIONS.len(), 1..4),
        prop::collection::vec(0..RESOURCES.len(), 1..3),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(allow, a, r, nr)| statement(allow, a, r, nr))
}

proptest! {
    // 64 cases keep CI fast (each case expands `*` over the whole catalog in a debug build);
    // PROPTEST_CASES=1000 runs more locally.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]
    #[test]
    fn suggestion_never_widens(
        statements in prop::collection::vec(arb_statement(), 1..5),
        calls in prop::collection::vec(0..CALLS.len(), 0..5),
        reads_table in any::<bool>(),
        reads_bucket in any::<bool>(),
    ) {
        let mut role = Role::new("R", Location::new("t.yml", 1, 1));
        role.inline_policies.push(PolicyDocument { statements, location: Location::new("t.yml", 1, 1), ..Default::default() });
        let mut table = Resource::new("T", ResourceKind::Table, "AWS::DynamoDB::Table", Location::new("t.yml", 1, 1));
        table.name = Some(known("t"));
        let mut bucket = Resource::new("B", ResourceKind::Bucket, "AWS::S3::Bucket", Location::new("t.yml", 1, 1));
        bucket.name = Some(known("b"));
        let mut f = Function::new("f", Location::new("t.yml", 1, 1));
        for (name, id) in [("TABLE", "T"), ("BUCKET", "B")] {
            f.environment.push(EnvVar { name: name.into(), value: Val::unknown("reference"), refs: vec![id.into()], location: Location::new("t.yml", 1, 1) });
        }
        let mut env_reads = Vec::new();
        if reads_table { env_reads.push("TABLE".to_string()); }
        if reads_bucket { env_reads.push("BUCKET".to_string()); }
        f.code = Some(Box::new(CodeFacts {
            calls: calls.iter().map(|&i| SdkCall { action: CALLS[i].into(), location: Location::new("h.py", 1, 1), reachable: true, ..Default::default() }).collect(),
            env_reads,
            complete: true,
            ..Default::default()
        }));
        let resources = [table, bucket];
        let lp = analyse(&role, &[&f], &fnguard_iam::Resources::new(&resources));
        let perms = &lp.perms;
        for st in lp.suggested_policy["Statement"].as_array().unwrap() {
            for a in st["Action"].as_array().unwrap() {
                let a = a.as_str().unwrap();
                prop_assert!(lp.needed.contains(a), "{a} not needed: {st}");
                prop_assert!(!perms.denied(a), "{a} denied: {st}");
                let allowing: Vec<_> = perms.grants.iter().filter(|g| g.allow && g.matches_action(a)).collect();
                if let Some(rs) = st.get("Resource") {
                    for r in rs.as_array().unwrap() {
                        let r = r.as_str().unwrap();
                        let covered = allowing.iter().any(|g| g.not_resources.is_empty()
                            && g.resources.iter().any(|p| p.as_str().is_some_and(|p| wildcard_match(p, r))));
                        prop_assert!(covered, "{a} on {r} is not granted: {st}");
                    }
                } else {
                    let excluded: Vec<&str> = st["NotResource"].as_array().unwrap().iter().filter_map(|r| r.as_str()).collect();
                    let same = allowing.iter().any(|g| {
                        let mut n: Vec<&str> = g.not_resources.iter().filter_map(|r| r.as_str()).collect();
                        n.sort();
                        n.dedup();
                        n == excluded
                    });
                    prop_assert!(same, "{a}: NotResource not taken from a grant: {st}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]
    /// FG306 is certain or silent: a suggested policy never drops an action that a call site
    /// of the function's code maps to and the role grants — whether or not the handler reaches
    /// that call site.
    #[test]
    fn suggestion_keeps_every_granted_called_action(
        statements in prop::collection::vec(arb_statement(), 1..5),
        calls in prop::collection::vec((0..CALLS.len(), any::<bool>()), 0..6),
    ) {
        let mut role = Role::new("R", Location::new("t.yml", 1, 1));
        role.inline_policies.push(PolicyDocument { statements, location: Location::new("t.yml", 1, 1), ..Default::default() });
        let mut f = Function::new("f", Location::new("t.yml", 1, 1));
        f.code = Some(Box::new(CodeFacts {
            calls: calls
                .iter()
                .map(|&(i, reachable)| SdkCall { action: CALLS[i].into(), location: Location::new("h.py", 1, 1), reachable, ..Default::default() })
                .collect(),
            complete: true,
            ..Default::default()
        }));
        let lp = analyse(&role, &[&f], &fnguard_iam::Resources::new(&[]));
        let perms = &lp.perms;
        let suggested: Vec<String> = lp.suggested_policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|st| st["Action"].as_array().unwrap().iter().filter_map(|a| a.as_str().map(str::to_string)))
            .collect();
        for &(i, _) in &calls {
            let a = CALLS[i];
            // Granted on every resource (a grant on `bucket/*` does not reach `s3:ListBucket`,
            // whose resource is the bucket: the suggestion rightly keeps it off).
            let granted = perms.grants.iter().any(|g| {
                g.allow
                    && g.matches_action(a)
                    && g.not_resources.is_empty()
                    && g.resources.iter().any(|r| r.as_str() == Some("*"))
            }) && !perms.denied(a);
            prop_assert!(!lp.unused.iter().any(|u| u.eq_ignore_ascii_case(a)), "{a} is called but reported unused");
            if granted {
                prop_assert!(
                    suggested.iter().any(|s| wildcard_match(s, a)),
                    "{a} is called and granted but the suggestion drops it: {}",
                    lp.suggested_policy
                );
            }
        }
    }
}
