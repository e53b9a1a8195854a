use super::super::impl_rule;
use crate::Context;
use fnguard_model::{Finding, ResourceKind, Val};

declare_rule! {
    /// ## What it does
    /// Finds Cognito app clients that let users write custom attributes whose names say they
    /// carry authorization (`custom:role`, `custom:is_admin`, `custom:tenant_id`,
    /// `custom:groups`, `custom:permissions`, `custom:plan`, ...): either the attribute is in
    /// the client's `WriteAttributes`, or the client has no `WriteAttributes`, which makes
    /// every attribute writable. The attribute is judged by its name; fnguard cannot yet see
    /// which claims the handlers read.
    ///
    /// ## Why is this bad?
    /// Users can call `UpdateUserAttributes` with their own access token. If a function or an
    /// authorizer trusts `custom:role` from the ID token, any user can make themselves admin or
    /// switch tenants.
    ///
    /// ## Example
    /// ```yaml
    /// Client:
    ///   Type: AWS::Cognito::UserPoolClient
    ///   Properties:
    ///     UserPoolId: !Ref Pool   # Pool has a custom `role` attribute; no WriteAttributes
    /// ```
    ///
    /// ## Fix
    /// List `WriteAttributes` explicitly and leave authorization attributes out; set them only
    /// from a trusted back end (admin APIs), or use Cognito groups.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html#user-pool-settings-attribute-permissions-and-scopes>
    pub struct UserWritableAuthorizationAttribute {
        id: "FG208",
        name: "user-writable-authorization-attribute",
        severity: High,
        practice: 2,
        opt_in: false,
    }
}

impl_rule!(UserWritableAuthorizationAttribute, check);

const AUTHZ_WORDS: &[&str] = &[
    "admin",
    "role",
    "group",
    "tenant",
    "permission",
    "scope",
    "access",
    "plan",
    "tier",
    "privilege",
    "org",
    "company",
    "account",
    "level",
    "entitlement",
    "owner",
    "superuser",
];

pub(crate) fn is_authorization_attribute(name: &str) -> bool {
    let bare = name
        .strip_prefix("custom:")
        .unwrap_or(name)
        .to_ascii_lowercase();
    AUTHZ_WORDS.iter().any(|w| bare.contains(w))
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for client in cx
        .project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::UserPoolClient)
    {
        let Some(pool) = client
            .user_pool
            .as_deref()
            .and_then(|p| cx.index.resource(p))
        else {
            continue;
        };
        let sensitive: Vec<&String> = pool
            .custom_attributes
            .iter()
            .filter(|a| is_authorization_attribute(a))
            .collect();
        let (writable, location, why): (Vec<&String>, _, _) = match &client.write_attributes {
            None => (
                sensitive.clone(),
                client.location.clone(),
                "the client has no WriteAttributes, so users can write every attribute",
            ),
            Some(s) => match &s.value {
                Val::Known(list) => (
                    sensitive
                        .iter()
                        .copied()
                        .filter(|a| list.iter().any(|w| w == *a))
                        .collect(),
                    s.location.clone(),
                    "the attribute is listed in WriteAttributes",
                ),
                Val::Unknown(_) => continue,
            },
        };
        if writable.is_empty() {
            continue;
        }
        let names: Vec<String> = writable.iter().map(|a| format!("`{a}`")).collect();
        cx.finding(
            &UserWritableAuthorizationAttribute::META,
            location,
            format!(
                "users of app client `{}` can set {} on themselves ({why})",
                client.id,
                names.join(", ")
            ),
        )
        .resource(&client.id)
        .related(pool.location.clone())
        .fix("Declare WriteAttributes on the app client without the authorization attributes; set them only from an admin back end or use Cognito groups.")
        .evidence(serde_json::json!({ "attributes": writable, "user_pool": pool.id }))
        .emit(out);
    }
}
