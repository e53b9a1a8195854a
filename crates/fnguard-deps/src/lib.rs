//! Dependencies: the packages each function ships (lockfiles, manifests, installed trees), an
//! offline OSV database, exact advisory matching and CycloneDX SBOMs.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod accept;
pub mod analysis;
pub mod db;
pub mod lockfile;
pub mod matching;
pub mod osv;
pub mod purl;
pub mod recheck;
pub mod version;
