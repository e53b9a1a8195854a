//! What CDK's `grant*` methods add to the grantee's policy, from a table transcribed from
//! aws-cdk-lib (`data/cdk_grants.toml`; its header names the release and the source files).

use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
struct Entry {
    construct: String,
    method: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    /// `principal`, `principal-or-resource` or `resource` (the resource's own policy).
    #[serde(default)]
    via: Option<String>,
    /// `grant(principal, ...actions)`: the actions are the call's own arguments.
    #[serde(default)]
    generic: bool,
    /// Grants to everyone through the resource's policy.
    #[serde(default)]
    public: bool,
    #[serde(default)]
    also: Vec<Also>,
}

#[derive(Debug, Deserialize)]
struct Also {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    via: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Table {
    grant: Vec<Entry>,
}

/// One statement a grant adds to the grantee's policy: actions, and which ARNs of the
/// resource (`arn`, `arn/*`, `stream-arn`, ...).
pub(crate) struct Statement {
    pub actions: &'static [String],
    pub resources: &'static [String],
}

fn table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str::<Table>(include_str!("../../data/cdk_grants.toml"))
            .map(|t| t.grant)
            .unwrap_or_default()
    })
}

/// The statements the grant `method` of construct class `class` adds to a function's role;
/// `None` when the table does not have it. Statements that go to the resource's own policy
/// only are left out: they do not change what the role allows.
pub(crate) fn expand(class: &str, method: &str) -> Option<Vec<Statement>> {
    let class = match class {
        "NodejsFunction"
        | "PythonFunction"
        | "DockerImageFunction"
        | "SingletonFunction"
        | "GoFunction" => "Function",
        other => other,
    };
    let e = table().iter().find(|g| {
        (g.construct == class || g.aliases.iter().any(|a| a == class))
            && g.method == method
            && !g.generic
            && !g.public
    })?;
    let to_role = |via: &Option<String>| via.as_deref() != Some("resource");
    let mut out = Vec::new();
    if to_role(&e.via) {
        out.push(Statement {
            actions: &e.actions,
            resources: &e.resources,
        });
    }
    for a in e.also.iter().filter(|a| to_role(&a.via)) {
        out.push(Statement {
            actions: &a.actions,
            resources: &a.resources,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_parses_and_covers_the_common_grants() {
        assert!(super::table().len() > 40);
        for (class, method, action) in [
            ("Queue", "grantSendMessages", "sqs:SendMessage"),
            ("Queue", "grantConsumeMessages", "sqs:ReceiveMessage"),
            ("Bucket", "grantReadWrite", "s3:PutObject"),
            ("Table", "grantReadWriteData", "dynamodb:PutItem"),
            ("TableV2", "grantReadData", "dynamodb:GetItem"),
            ("Topic", "grantPublish", "sns:Publish"),
            ("Function", "grantInvoke", "lambda:InvokeFunction"),
            ("NodejsFunction", "grantInvoke", "lambda:InvokeFunction"),
        ] {
            let st = super::expand(class, method).expect("in the table");
            assert!(
                st.iter().any(|s| s.actions.iter().any(|a| a == action)),
                "{class}.{method}"
            );
        }
        assert!(super::expand("Bucket", "grantPublicAccess").is_none());
    }
}
