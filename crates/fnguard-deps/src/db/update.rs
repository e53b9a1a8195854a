//! `fnguard db update`: download osv.dev's per-ecosystem `all.zip` archives and import them.
//!
//! Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` with `NO_PROXY` honoured. A download
//! that breaks off resumes with a `Range` request tied to the partial file's ETag (`If-Range`), so
//! a changed archive restarts instead of splicing two versions. The finished file is checked
//! against the announced size and, when the server sends one (Google Cloud Storage's
//! `x-goog-hash`), its MD5, before it is imported. An unchanged archive (ETag) is not fetched.

use super::import::{import_locked, lock};
use super::{io_err, Database, DbError, Meta};
use crate::version::Ecosystem;
use md5::{Digest, Md5};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

#[derive(Debug, Clone)]
pub struct UpdateOptions {
    pub base_url: String,
    pub ecosystems: Vec<Ecosystem>,
    /// Re-download even when the server says the archive is unchanged.
    pub force: bool,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            base_url: DEFAULT_BASE_URL.to_string(),
            ecosystems: Ecosystem::ALL.to_vec(),
            force: false,
        }
    }
}

/// Progress reporting, implemented by the CLI (a progress bar) and by tests.
pub trait Progress: Sync {
    fn start(&self, eco: Ecosystem, total: Option<u64>, resumed_from: u64);
    fn advance(&self, bytes: u64);
    fn importing(&self, eco: Ecosystem);
}

#[derive(Debug)]
pub enum UpdateOutcome {
    Updated(Meta),
    Unchanged,
    Failed(DbError),
}

pub fn update(
    dir: &Path,
    opts: &UpdateOptions,
    progress: &dyn Progress,
) -> Result<Vec<(Ecosystem, UpdateOutcome)>, DbError> {
    let _lock = lock(dir)?;
    let existing = Database::open(dir);
    let downloads = dir.join("downloads");
    fs::create_dir_all(&downloads).map_err(io_err(&downloads))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .user_agent(concat!("fnguard/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut out = Vec::new();
    for eco in &opts.ecosystems {
        let old_etag = existing
            .status()
            .into_iter()
            .find(|(e, _)| e == eco)
            .and_then(|(_, m)| m.etag.clone())
            .filter(|_| !opts.force);
        let outcome = match fetch_one(&agent, dir, &downloads, opts, *eco, old_etag, progress) {
            Ok(o) => o,
            Err(e) => UpdateOutcome::Failed(e),
        };
        out.push((*eco, outcome));
    }
    Ok(out)
}

fn fetch_one(
    agent: &ureq::Agent,
    dir: &Path,
    downloads: &Path,
    opts: &UpdateOptions,
    eco: Ecosystem,
    old_etag: Option<String>,
    progress: &dyn Progress,
) -> Result<UpdateOutcome, DbError> {
    let url = format!(
        "{}/{}/all.zip",
        opts.base_url.trim_end_matches('/'),
        eco.osv_name()
    );
    let fail = |why: String| DbError::Download {
        url: url.clone(),
        why,
    };
    let part = downloads.join(format!("{}.zip.part", eco.osv_name()));
    let part_etag_path = downloads.join(format!("{}.zip.part.etag", eco.osv_name()));
    let part_len = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let part_etag = fs::read_to_string(&part_etag_path).ok();

    let mut req = agent.get(&url);
    let resuming = part_len > 0 && part_etag.is_some();
    if let (true, Some(tag)) = (resuming, &part_etag) {
        req = req
            .header("Range", &format!("bytes={part_len}-"))
            .header("If-Range", tag.trim());
    } else if let Some(tag) = &old_etag {
        req = req.header("If-None-Match", tag);
    }
    let resp = req.call().map_err(|e| fail(e.to_string()))?;
    let status = resp.status().as_u16();
    let header = |name: &str| -> Option<String> {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header("etag");
    let md5_b64 = header("x-goog-hash").and_then(|h| {
        h.split(',')
            .filter_map(|p| p.trim().strip_prefix("md5="))
            .map(str::to_string)
            .next()
    });
    let content_length = header("content-length").and_then(|v| v.parse::<u64>().ok());
    let (mut file, start, total) = match status {
        304 => return Ok(UpdateOutcome::Unchanged),
        206 if resuming => {
            let total = header("content-range")
                .and_then(|r| r.rsplit('/').next().and_then(|t| t.parse::<u64>().ok()));
            let file = OpenOptions::new()
                .append(true)
                .open(&part)
                .map_err(io_err(&part))?;
            (file, part_len, total)
        }
        200 => {
            let file = File::create(&part).map_err(io_err(&part))?;
            (file, 0, content_length)
        }
        416 => {
            // The partial file no longer fits the archive; start over on the next run.
            let _ = fs::remove_file(&part);
            let _ = fs::remove_file(&part_etag_path);
            return Err(fail(
                "the server rejected the resume range; run again".into(),
            ));
        }
        other => return Err(fail(format!("HTTP {other}"))),
    };
    match &etag {
        Some(tag) => fs::write(&part_etag_path, tag).map_err(io_err(&part_etag_path))?,
        None => {
            let _ = fs::remove_file(&part_etag_path);
        }
    }
    progress.start(eco, total, start);
    let mut body = resp.into_body().into_reader();
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = start;
    loop {
        let n = body.read(&mut buf).map_err(|e| fail(e.to_string()))?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n]).map_err(io_err(&part))?;
        got += n as u64;
        progress.advance(n as u64);
    }
    file.sync_all().map_err(io_err(&part))?;
    drop(file);
    if let Some(want) = total {
        if got != want {
            return Err(DbError::Truncated { url, got, want });
        }
    }
    if let Some(want) = md5_b64 {
        let got = md5_base64(&part)?;
        if got != want {
            // A corrupt partial file must not be resumed again.
            let _ = fs::remove_file(&part);
            let _ = fs::remove_file(&part_etag_path);
            return Err(DbError::Checksum { url, want, got });
        }
    }
    progress.importing(eco);
    let summary = import_locked(dir, &part, Some(eco), &url, etag)?;
    let _ = fs::remove_file(&part);
    let _ = fs::remove_file(&part_etag_path);
    let meta = summary.imported.into_iter().next().unwrap_or_default();
    Ok(UpdateOutcome::Updated(meta))
}

fn md5_base64(path: &Path) -> Result<String, DbError> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut h = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(base64(&h.finalize()))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
