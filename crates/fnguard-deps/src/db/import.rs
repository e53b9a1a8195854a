//! Importing an archive of OSV records (osv.dev's `all.zip`, or any zip of `*.json` records):
//! streamed entry by entry into one new file per ecosystem, each renamed over the old file only
//! once complete, so an interrupted import leaves the previous database intact.

use super::format::{Meta, Span, END_MAGIC, MAGIC};
use super::{ecosystem_file, io_err, DbError};
use crate::osv::Record;
use crate::version::Ecosystem;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// One record larger than this is not an advisory (the largest real ones are ~1 MB).
const MAX_RECORD_BYTES: u64 = 16 << 20;

#[derive(Debug, Default)]
pub struct ImportSummary {
    /// The ecosystems replaced, with their new metadata.
    pub imported: Vec<Meta>,
    /// Entries about ecosystems fnguard does not match (Debian, Alpine, ...), by ecosystem.
    pub other_ecosystems: BTreeMap<String, u64>,
    /// Archive entries that were not OSV records, with why (first few).
    pub invalid_examples: Vec<String>,
}

struct Writer {
    tmp: PathBuf,
    out: BufWriter<File>,
    at: u64,
    index: HashMap<String, Vec<Span>>,
    ids: HashSet<String>,
    withdrawn: u64,
    newest_modified: Option<String>,
}

impl Writer {
    fn create(dir: &Path, eco: Ecosystem) -> Result<Self, DbError> {
        let final_path = ecosystem_file(dir, eco);
        let name = final_path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(io_err(&tmp))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(MAGIC).map_err(io_err(&tmp))?;
        Ok(Writer {
            tmp,
            out,
            at: MAGIC.len() as u64,
            index: HashMap::new(),
            ids: HashSet::new(),
            withdrawn: 0,
            newest_modified: None,
        })
    }

    fn add(&mut self, key: String, record: &Record) -> Result<(), DbError> {
        let bytes = serde_json::to_vec(record).map_err(|e| DbError::Io {
            path: self.tmp.clone(),
            source: std::io::Error::other(e),
        })?;
        self.out.write_all(&bytes).map_err(io_err(&self.tmp))?;
        let span = Span {
            offset: self.at,
            len: bytes.len() as u32,
        };
        self.at += bytes.len() as u64;
        self.index.entry(key).or_default().push(span);
        if self.ids.insert(record.id.clone()) {
            if let Some(m) = &record.modified {
                if self.newest_modified.as_ref().is_none_or(|n| m > n) {
                    self.newest_modified = Some(m.clone());
                }
            }
        }
        Ok(())
    }

    fn finish(mut self, dir: &Path, eco: Ecosystem, mut meta: Meta) -> Result<Meta, DbError> {
        let index_at = self.at;
        let mut names: Vec<(&String, &Vec<Span>)> = self.index.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        let mut idx = Vec::new();
        idx.extend_from_slice(&(names.len() as u32).to_le_bytes());
        for (name, spans) in &names {
            let name = &name.as_bytes()[..name.len().min(u16::MAX as usize)];
            idx.extend_from_slice(&(name.len() as u16).to_le_bytes());
            idx.extend_from_slice(name);
            idx.extend_from_slice(&(spans.len() as u32).to_le_bytes());
            for s in spans.iter() {
                idx.extend_from_slice(&s.offset.to_le_bytes());
                idx.extend_from_slice(&s.len.to_le_bytes());
            }
        }
        meta.ecosystem = eco.osv_name().to_string();
        meta.records = self.ids.len() as u64;
        meta.packages = names.len() as u64;
        meta.withdrawn = self.withdrawn;
        meta.newest_modified = self.newest_modified.clone();
        meta.imported_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let meta_bytes = serde_json::to_vec(&meta).map_err(|e| DbError::Io {
            path: self.tmp.clone(),
            source: std::io::Error::other(e),
        })?;
        let meta_at = index_at + idx.len() as u64;
        let tmp = self.tmp.clone();
        self.out.write_all(&idx).map_err(io_err(&tmp))?;
        self.out.write_all(&meta_bytes).map_err(io_err(&tmp))?;
        self.out
            .write_all(&index_at.to_le_bytes())
            .map_err(io_err(&tmp))?;
        self.out
            .write_all(&meta_at.to_le_bytes())
            .map_err(io_err(&tmp))?;
        self.out.write_all(END_MAGIC).map_err(io_err(&tmp))?;
        let file = self.out.into_inner().map_err(|e| DbError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        // Durable before it becomes visible: a crash after the rename must not expose a file
        // whose blocks never reached the disk.
        file.sync_all().map_err(io_err(&tmp))?;
        drop(file);
        let final_path = ecosystem_file(dir, eco);
        fs::rename(&tmp, &final_path).map_err(io_err(&final_path))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(meta)
    }
}

/// Holds the database's lock file for the duration of an import or update.
pub(crate) struct DbLock {
    _file: File,
}

pub(crate) fn lock(dir: &Path) -> Result<DbLock, DbError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join(".lock");
    let file = File::create(&path).map_err(io_err(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(DbError::Locked { path }),
        Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
    }
    // Whatever temporary files exist now belong to imports that died; nobody else holds the lock.
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') && name.contains(".tmp-") {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    Ok(DbLock { _file: file })
}

/// Imports every OSV record in `archive` (a zip file, or a directory of `*.json` records) into
/// the database at `dir`. With `only`, entries of other
/// ecosystems are ignored (osv.dev's per-ecosystem archives repeat cross-ecosystem records);
/// without it, every ecosystem the archive mentions is replaced by the archive's records.
pub fn import_archive(
    dir: &Path,
    archive: &Path,
    only: Option<Ecosystem>,
    source: &str,
    etag: Option<String>,
) -> Result<ImportSummary, DbError> {
    let _lock = lock(dir)?;
    import_locked(dir, archive, only, source, etag)
}

pub(crate) fn import_locked(
    dir: &Path,
    archive: &Path,
    only: Option<Ecosystem>,
    source: &str,
    etag: Option<String>,
) -> Result<ImportSummary, DbError> {
    let mut writers: BTreeMap<Ecosystem, Writer> = BTreeMap::new();
    let mut summary = ImportSummary::default();
    let mut invalid = 0u64;
    let mut on_entry = |name: &str, read: Result<Vec<u8>, String>| -> Result<(), DbError> {
        let record = read.and_then(|buf| {
            serde_json::from_slice::<Record>(&buf).map_err(|e| format!("{name}: {e}"))
        });
        match record {
            Ok(r) => route(dir, r, only, &mut writers, &mut summary),
            Err(why) => {
                invalid += 1;
                if summary.invalid_examples.len() < 5 {
                    summary.invalid_examples.push(why);
                }
                Ok(())
            }
        }
    };
    if archive.is_dir() {
        each_json_file(archive, &mut on_entry)?;
    } else {
        each_zip_entry(archive, &mut on_entry)?;
    }
    if writers.is_empty() {
        if let Some(eco) = only {
            // An empty archive for an ecosystem still replaces it: the source has no advisories.
            writers.insert(eco, Writer::create(dir, eco)?);
        }
    }
    for (eco, w) in writers {
        let meta = Meta {
            source: source.to_string(),
            etag: etag.clone(),
            invalid,
            ..Meta::default()
        };
        summary.imported.push(w.finish(dir, eco, meta)?);
    }
    Ok(summary)
}

type EntrySink<'a> = dyn FnMut(&str, Result<Vec<u8>, String>) -> Result<(), DbError> + 'a;

fn each_zip_entry(archive: &Path, sink: &mut EntrySink<'_>) -> Result<(), DbError> {
    let bad_archive = |why: String| DbError::Archive {
        path: archive.to_path_buf(),
        why,
    };
    let file = File::open(archive).map_err(io_err(archive))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad_archive(e.to_string()))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| bad_archive(e.to_string()))?;
        let name = match entry.name() {
            Ok(n) => n.to_string(),
            Err(e) => {
                sink(&format!("entry {i}"), Err(format!("entry {i}: {e}")))?;
                continue;
            }
        };
        if entry.is_dir() || !name.ends_with(".json") {
            continue;
        }
        let mut buf = Vec::new();
        let read = (&mut entry)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut buf);
        let result = match read {
            Err(e) => Err(format!("{name}: {e}")),
            Ok(_) if buf.len() as u64 > MAX_RECORD_BYTES => {
                Err(format!("{name}: larger than {MAX_RECORD_BYTES} bytes"))
            }
            Ok(_) => Ok(buf),
        };
        sink(&name, result)?;
    }
    Ok(())
}

/// A directory of records (a clone of an advisory repository, an unpacked archive): every
/// `*.json` under it, symlinks not followed, in a stable order.
fn each_json_file(root: &Path, sink: &mut EntrySink<'_>) -> Result<(), DbError> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .map_err(io_err(&dir))?
            .flatten()
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
        for e in entries {
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() && path.extension().is_some_and(|x| x == "json") {
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                let result = if len > MAX_RECORD_BYTES {
                    Err(format!("{name}: larger than {MAX_RECORD_BYTES} bytes"))
                } else {
                    fs::read(&path).map_err(|err| format!("{name}: {err}"))
                };
                sink(&name, result)?;
            }
        }
    }
    Ok(())
}

/// Writes one record once per package it affects, each copy holding only that package's
/// entries and none of the prose (details, references) a match does not need.
fn route(
    dir: &Path,
    record: Record,
    only: Option<Ecosystem>,
    writers: &mut BTreeMap<Ecosystem, Writer>,
    summary: &mut ImportSummary,
) -> Result<(), DbError> {
    let mut packages: BTreeMap<(Ecosystem, String), Vec<usize>> = BTreeMap::new();
    for (i, a) in record.affected.iter().enumerate() {
        let Some(p) = &a.package else { continue };
        match Ecosystem::from_osv(&p.ecosystem) {
            Some(eco) if only.is_none_or(|o| o == eco) => {
                packages
                    .entry((eco, eco.normalise_name(&p.name)))
                    .or_default()
                    .push(i);
            }
            Some(_) => {}
            None => {
                if only.is_none() {
                    let base = p.ecosystem.split(':').next().unwrap_or("").to_string();
                    *summary.other_ecosystems.entry(base).or_default() += 1;
                }
            }
        }
    }
    if record.withdrawn.is_some() {
        let ecos: HashSet<Ecosystem> = packages.keys().map(|(e, _)| *e).collect();
        for eco in ecos {
            writer(dir, eco, writers)?.withdrawn += 1;
        }
        return Ok(());
    }
    let title = record.title();
    for ((eco, key), entries) in packages {
        let reduced = Record {
            id: record.id.clone(),
            aliases: record.aliases.clone(),
            summary: Some(title.clone()).filter(|t| !t.is_empty()),
            details: None,
            modified: record.modified.clone(),
            published: record.published.clone(),
            withdrawn: None,
            severity: record.severity.clone(),
            affected: entries
                .iter()
                .map(|i| record.affected[*i].clone())
                .collect(),
            database_specific: record.database_specific.clone(),
        };
        writer(dir, eco, writers)?.add(key, &reduced)?;
    }
    Ok(())
}

fn writer<'a>(
    dir: &Path,
    eco: Ecosystem,
    writers: &'a mut BTreeMap<Ecosystem, Writer>,
) -> Result<&'a mut Writer, DbError> {
    Ok(match writers.entry(eco) {
        std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::btree_map::Entry::Vacant(v) => v.insert(Writer::create(dir, eco)?),
    })
}
