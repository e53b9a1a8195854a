//! fnguard-shield: a Lambda extension that proxies the Runtime API so that it sees every event
//! before the handler (and can answer for it), watches the execution environment between
//! invocations, and recycles the environment after a number of invocations or a lifetime.
//!
//! Layers: `envelope` (which trigger, which fields) → `inspect` (rules as data) → `verdict`
//! (the answer in the trigger's shape); `proxy`, `extension` and `watcher` do the I/O.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod atoms;
pub mod config;
pub mod detect;
pub mod envelope;
pub mod extension;
pub mod inspect;
pub mod policy;
pub mod proxy;
pub mod replay;
pub mod run;
pub mod signatures;
pub mod telemetry;
pub mod verdict;
mod walks;
pub mod watcher;
