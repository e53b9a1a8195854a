//! The offline OSV database: one file per ecosystem, replaced atomically on import, read lazily.

mod format;
mod import;
#[cfg(feature = "download")]
mod update;

pub use format::Meta;
pub use import::{import_archive, ImportSummary};
#[cfg(feature = "download")]
pub use update::{update, Progress, UpdateOptions, UpdateOutcome, DEFAULT_BASE_URL};

use crate::osv::Record;
use crate::version::Ecosystem;
use format::{Span, END_MAGIC, EXTENSION, FOOTER_LEN, MAGIC};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Failures of the database itself (never of a scan's findings).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: not an fnguard OSV database file ({why}); run `fnguard db update` to rebuild it"
    )]
    Corrupt { path: PathBuf, why: String },
    #[error("{path}: not a zip archive of OSV records: {why}")]
    Archive { path: PathBuf, why: String },
    #[error("{path}: another fnguard is updating this database")]
    Locked { path: PathBuf },
    #[error("download of {url} failed: {why}")]
    Download { url: String, why: String },
    #[error("{url}: downloaded {got} bytes but the server announced {want}")]
    Truncated { url: String, got: u64, want: u64 },
    #[error("{url}: checksum mismatch (server md5 {want}, downloaded {got})")]
    Checksum {
        url: String,
        want: String,
        got: String,
    },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
    move |source| DbError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the database lives: `--db`, else `$FNGUARD_DB`, else the user cache directory.
pub fn default_location() -> PathBuf {
    if let Some(dir) = std::env::var_os("FNGUARD_DB").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|d| !d.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(PathBuf::from))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("fnguard").join("osv")
}

pub(crate) fn ecosystem_file(dir: &Path, eco: Ecosystem) -> PathBuf {
    dir.join(format!("{}.{EXTENSION}", file_stem(eco)))
}

fn file_stem(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::CratesIo => "crates-io",
        other => other.osv_name(),
    }
}

/// One ecosystem's file, opened for look-ups. The index is read on the first look-up, so a
/// scan pays only for the ecosystems its packages belong to.
struct EcosystemFile {
    path: PathBuf,
    meta: Meta,
    index_range: (u64, u64),
    index: std::sync::OnceLock<Option<HashMap<String, Vec<Span>>>>,
    file: Mutex<File>,
}

impl EcosystemFile {
    fn open(path: &Path) -> Result<Self, DbError> {
        let corrupt = |why: &str| DbError::Corrupt {
            path: path.to_path_buf(),
            why: why.to_string(),
        };
        let mut file = File::open(path).map_err(io_err(path))?;
        let size = file.metadata().map_err(io_err(path))?.len();
        if size < MAGIC.len() as u64 + FOOTER_LEN {
            return Err(corrupt("too short"));
        }
        let mut magic = [0u8; 8];
        file.read_exact(&mut magic).map_err(io_err(path))?;
        if &magic != MAGIC {
            return Err(corrupt("bad magic"));
        }
        file.seek(SeekFrom::Start(size - FOOTER_LEN))
            .map_err(io_err(path))?;
        let mut footer = [0u8; FOOTER_LEN as usize];
        file.read_exact(&mut footer).map_err(io_err(path))?;
        let index_at = u64::from_le_bytes(slice8(&footer[0..8]));
        let meta_at = u64::from_le_bytes(slice8(&footer[8..16]));
        if &footer[16..24] != END_MAGIC
            || index_at < MAGIC.len() as u64
            || meta_at < index_at
            || meta_at > size - FOOTER_LEN
        {
            return Err(corrupt("bad footer (an interrupted write?)"));
        }
        let mut meta_bytes = vec![0u8; (size - FOOTER_LEN - meta_at) as usize];
        file.seek(SeekFrom::Start(meta_at)).map_err(io_err(path))?;
        file.read_exact(&mut meta_bytes).map_err(io_err(path))?;
        let meta: Meta =
            serde_json::from_slice(&meta_bytes).map_err(|e| corrupt(&format!("metadata: {e}")))?;
        Ok(EcosystemFile {
            path: path.to_path_buf(),
            meta,
            index_range: (index_at, meta_at),
            index: std::sync::OnceLock::new(),
            file: Mutex::new(file),
        })
    }

    fn index(&self) -> Result<&HashMap<String, Vec<Span>>, DbError> {
        let index = self.index.get_or_init(|| {
            let (start, end) = self.index_range;
            let mut bytes = vec![0u8; (end - start) as usize];
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            file.seek(SeekFrom::Start(start)).ok()?;
            file.read_exact(&mut bytes).ok()?;
            decode_index(&bytes, start)
        });
        index.as_ref().ok_or_else(|| DbError::Corrupt {
            path: self.path.clone(),
            why: "bad index".into(),
        })
    }

    fn records(&self, key: &str) -> Result<Vec<Record>, DbError> {
        let Some(spans) = self.index()?.get(key) else {
            return Ok(Vec::new());
        };
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::with_capacity(spans.len());
        let mut buf = Vec::new();
        for span in spans {
            buf.resize(span.len as usize, 0);
            file.seek(SeekFrom::Start(span.offset))
                .map_err(io_err(&self.path))?;
            file.read_exact(&mut buf).map_err(io_err(&self.path))?;
            let record: Record = serde_json::from_slice(&buf).map_err(|e| DbError::Corrupt {
                path: self.path.clone(),
                why: format!("record at byte {}: {e}", span.offset),
            })?;
            out.push(record);
        }
        Ok(out)
    }
}

fn slice8(b: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    a
}

fn decode_index(bytes: &[u8], data_end: u64) -> Option<HashMap<String, Vec<Span>>> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = bytes.get(at..at + n)?;
        at += n;
        Some(s)
    };
    let count = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
    // Bound the allocation by what the bytes can hold, not by the header's claim.
    let mut index = HashMap::with_capacity(count.min(bytes.len() / 7));
    for _ in 0..count {
        let len = u16::from_le_bytes(take(2)?.try_into().ok()?) as usize;
        let name = std::str::from_utf8(take(len)?).ok()?.to_string();
        let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let mut spans = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let offset = u64::from_le_bytes(take(8)?.try_into().ok()?);
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?);
            if offset < MAGIC.len() as u64 || offset + u64::from(len) > data_end {
                return None;
            }
            spans.push(Span { offset, len });
        }
        index.insert(name, spans);
    }
    Some(index)
}

/// An opened database: the ecosystems present, their indexes, lazy record reads.
pub struct Database {
    dir: PathBuf,
    files: HashMap<Ecosystem, EcosystemFile>,
    /// Files that exist but could not be opened (reported, never fatal for a scan).
    pub problems: Vec<DbError>,
}

impl Database {
    /// Opens whatever ecosystems `dir` holds; a missing directory is an empty database.
    pub fn open(dir: &Path) -> Database {
        let mut files = HashMap::new();
        let mut problems = Vec::new();
        for eco in Ecosystem::ALL {
            let path = ecosystem_file(dir, eco);
            if !path.exists() {
                continue;
            }
            match EcosystemFile::open(&path) {
                Ok(f) => {
                    files.insert(eco, f);
                }
                Err(e) => problems.push(e),
            }
        }
        Database {
            dir: dir.to_path_buf(),
            files,
            problems,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn has(&self, eco: Ecosystem) -> bool {
        self.files.contains_key(&eco)
    }

    /// Metadata per ecosystem present, in a stable order.
    pub fn status(&self) -> Vec<(Ecosystem, &Meta)> {
        let mut out: Vec<_> = self.files.iter().map(|(e, f)| (*e, &f.meta)).collect();
        out.sort_by_key(|(e, _)| *e);
        out
    }

    /// The advisories stored for a package (every record with an entry for it).
    pub fn advisories(&self, eco: Ecosystem, name: &str) -> Result<Vec<Record>, DbError> {
        match self.files.get(&eco) {
            Some(f) => f.records(&eco.normalise_name(name)),
            None => Ok(Vec::new()),
        }
    }
}
