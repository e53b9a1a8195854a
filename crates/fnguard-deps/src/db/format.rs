//! The on-disk layout of one ecosystem's advisories (`<db>/<ecosystem>.fgosv`):
//!
//! ```text
//! "FGOSV001"                      magic
//! record*                         compact JSON, one per (record, package) pair, back to back
//! index                           u32 count, then per package sorted by name:
//!                                 u16 name length, name, u32 spans, spans × (u64 offset, u32 len)
//! meta                            JSON: ecosystem, counts, source, import time, etag
//! u64 index offset, u64 meta offset, "FGOSVEND"
//! ```
//!
//! A scan reads the footer, the metadata and the index (names and offsets only) and then reads
//! just the records of the packages it looks up, so memory does not grow with the database.

use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"FGOSV001";
pub const END_MAGIC: &[u8; 8] = b"FGOSVEND";
pub const FOOTER_LEN: u64 = 24;
pub const EXTENSION: &str = "fgosv";

/// Where a record sits in the data section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: u64,
    pub len: u32,
}

/// What `fnguard db status` shows about one ecosystem.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    pub ecosystem: String,
    /// Distinct advisories with at least one entry for this ecosystem.
    pub records: u64,
    /// Distinct package names with advisories.
    pub packages: u64,
    /// Withdrawn records skipped at import.
    pub withdrawn: u64,
    /// Archive entries that could not be read as OSV records (counted, never fatal).
    pub invalid: u64,
    /// Seconds since the Unix epoch when the import finished.
    pub imported_at: u64,
    /// The archive's URL or path.
    pub source: String,
    /// The server's ETag for the archive, so `db update` can skip an unchanged one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Newest `modified` timestamp among the records (how fresh the data is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<String>,
}
