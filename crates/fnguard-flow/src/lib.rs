//! The application graph: entry points (APIs, URLs, event sources), functions, data stores and
//! roles, with `trigger`, `invoke`, `read`, `write` and `assume` edges. Read/write edges come
//! from the code's SDK calls where the code names the resource (through an environment
//! variable that refers to it), else from the role's grants; each edge says which.
//!
//! Pure: built from the model, no I/O.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod build;
mod render;
mod sensitivity;

pub use build::{
    build, is_public, produces_events, Edge, EdgeKind, EdgeSource, Graph, Node, NodeKind,
};
pub use render::{dot, human, json, mermaid};
pub use sensitivity::{classify, Sensitivity};

mod cycles;
pub use cycles::{trigger_loops, Loop, LoopHop};
