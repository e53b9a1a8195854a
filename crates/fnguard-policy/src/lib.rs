//! fnguard-policy: the application model as a documented JSON document (`model`) and custom
//! rules written in Rego that run on it (`rego`).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]
// The model schema is one large `json!` literal.
#![recursion_limit = "256"]

pub mod model;
pub mod rego;

pub use model::{document, schema, MODEL_SCHEMA};
pub use rego::{test, CustomRule, Policies, PolicyError, TestReport};
