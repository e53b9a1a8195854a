//! One file per rule, grouped by practice.

pub mod p1_map;
pub mod p2_perimeter;
pub mod p3_role;
pub mod p4_deps;
pub mod p5_code;
pub mod p6_config;
pub mod p7_flow;
pub mod p8_wallet;
pub mod p9_refresh;

use crate::Rule;
use fnguard_model::{Principals, Resource, Setting, Statement, Val};

macro_rules! impl_rule {
    ($ty:ty, $check:path) => {
        impl $crate::Rule for $ty {
            fn meta(&self) -> &'static $crate::RuleMeta {
                &<$ty>::META
            }
            fn check(&self, cx: &$crate::Context<'_>, out: &mut Vec<fnguard_model::Finding>) {
                $check(cx, out)
            }
        }
    };
}
pub(crate) use impl_rule;

pub static ALL: &[&dyn Rule] = &[
    &p1_map::fg101::HandlerNotFound,
    &p1_map::fg102::DependenciesNotLocked,
    &p1_map::fg103::UnresolvedSecuritySetting,
    &p2_perimeter::fg201::FunctionUrlWithoutAuth,
    &p2_perimeter::fg202::PublicInvokePermission,
    &p2_perimeter::fg203::RouteWithoutAuthorizer,
    &p2_perimeter::fg204::BodyWithoutValidation,
    &p2_perimeter::fg205::ApiWithoutWaf,
    &p2_perimeter::fg206::CorsAllowsAnyOrigin,
    &p2_perimeter::fg207::PublicEventSource,
    &p2_perimeter::fg208::UserWritableAuthorizationAttribute,
    &p3_role::fg301::AdminRole,
    &p3_role::fg302::ServiceWildcardAction,
    &p3_role::fg303::SensitiveActionOnAnyResource,
    &p3_role::fg304::PrivilegeEscalation,
    &p3_role::fg305::SharedRole,
    &p3_role::fg306::UnusedPermissions,
    &p3_role::fg307::MissingPermissions,
    &p3_role::fg308::BroadManagedPolicy,
    &p3_role::fg309::TrustPolicyTooBroad,
    &p4_deps::fg401::VulnerableDependency,
    &p4_deps::fg402::MaliciousPackage,
    &p4_deps::fg403::LayerFromForeignAccount,
    &p5_code::fg501::CommandInjection,
    &p5_code::fg502::CodeInjection,
    &p5_code::fg503::UnsafeDeserialization,
    &p5_code::fg504::SqlInjection,
    &p5_code::fg505::NosqlInjection,
    &p5_code::fg506::PathTraversal,
    &p5_code::fg507::Ssrf,
    &p5_code::fg508::Xxe,
    &p5_code::fg509::HardcodedSecret,
    &p5_code::fg510::UnverifiedJwt,
    &p5_code::fg511::SensitiveDataLogged,
    &p5_code::fg512::ErrorDetailsReturned,
    &p5_code::fg513::ClientControlledIdentity,
    &p5_code::fg514::NonConstantTimeSecretCompare,
    &p5_code::fg515::WeakPasswordHash,
    &p5_code::fg516::SecretReturnedOrPublished,
    &p5_code::fg517::TemplateInjection,
    &p5_code::fg518::ReflectedXss,
    &p5_code::fg519::OpenRedirect,
    &p5_code::fg520::LdapInjection,
    &p5_code::fg521::XpathInjection,
    &p5_code::fg522::RegexDenialOfService,
    &p5_code::fg523::PrototypePollution,
    &p5_code::fg524::TrustBoundaryViolation,
    &p5_code::fg525::WeakRandomness,
    &p5_code::fg526::InsecureCookie,
    &p5_code::fg527::EnvironmentLogged,
    &p5_code::fg528::EventEchoed,
    &p5_code::fg529::BrokenHash,
    &p6_config::fg601::DeprecatedRuntime,
    &p6_config::fg602::SecretInEnvironment,
    &p6_config::fg603::EnvironmentWithoutCmk,
    &p6_config::fg604::TracingDisabled,
    &p6_config::fg605::AsyncWithoutFailureDestination,
    &p6_config::fg606::CodeSigningDisabled,
    &p6_config::fg607::ApiLoggingDisabled,
    &p6_config::fg608::LogRetentionUnset,
    &p6_config::fg609::TimeoutExceedsTrigger,
    &p6_config::fg610::DataStoreUnencryptedOrPublic,
    &p6_config::fg611::PlaintextSecretParameter,
    &p6_config::fg612::DriftFromDeclared,
    &p7_flow::fg701::PublicPathToSensitiveData,
    &p7_flow::fg702::AttackPath,
    &p8_wallet::fg801::UnboundedPublicConcurrency,
    &p8_wallet::fg802::RecursiveTriggerLoop,
    &p8_wallet::fg803::ApiWithoutThrottling,
    &p8_wallet::fg804::WalletExposureHigh,
    &p8_wallet::fg805::BatchWithoutPartialFailure,
    &p8_wallet::fg806::AsyncRetriesUnbounded,
    &p9_refresh::fg901::TmpPersistenceFromEvent,
];

/// Condition keys that tie a grant to the caller's account, organisation, source or network.
const SCOPING_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:ResourceOrgID",
    "lambda:FunctionUrlAuthType",
];

/// A resource-policy statement that lets anybody (any principal, any account) in.
pub(crate) fn open_to_anyone(st: &Statement) -> bool {
    st.is_allow()
        && st.principals.as_ref().is_some_and(Principals::is_anyone)
        && !st.has_condition_key(SCOPING_KEYS)
}

/// A statement of the resource's policies that lets anyone perform `action`. A bucket whose
/// Block Public Access refuses or restricts public policies has none that takes effect.
pub(crate) fn public_statement<'a>(r: &'a Resource, action: &str) -> Option<&'a Statement> {
    if r.public_access_block
        .is_some_and(|b| b.neutralises_public_policy())
    {
        return None;
    }
    r.policies
        .iter()
        .flat_map(|d| d.statements.iter())
        .find(|s| open_to_anyone(s) && s.may_allow_action(action))
}

/// The bucket's canned ACL, unless Block Public Access refuses or ignores public ACLs.
pub(crate) fn effective_acl(r: &Resource) -> Option<&Setting<String>> {
    if r.public_access_block
        .is_some_and(|b| b.neutralises_public_acls())
    {
        return None;
    }
    r.acl.as_ref()
}

/// Why a value could not be checked, unless it is a reference to a resource the application
/// declares (then it is that resource: nothing was hidden from the check).
pub(crate) fn unresolved<T>(v: &Val<T>) -> Option<&str> {
    v.unresolved()
        .map(|u| u.reason.as_str())
        .filter(|r| !r.starts_with("reference to "))
}
