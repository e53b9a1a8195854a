//! The OSV database: import, lazy look-up, status, atomic replacement, and `update` against a
//! local HTTP server (127.0.0.1) serving archives built here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use fnguard_deps::db::{import_archive, Database};
use fnguard_deps::version::Ecosystem;
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv")
}

/// A zip of the given (name, contents) entries, deflated as osv.dev's are.
pub fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(name.as_str(), opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

fn npm_records() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["ghsa/npm", "mal/npm"] {
        for e in std::fs::read_dir(fixtures().join(dir)).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn import_then_look_up_lazily() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("all.zip");
    let mut entries = npm_records();
    entries.push(("README.txt".into(), b"not a record".to_vec()));
    entries.push(("broken.json".into(), b"{\"id\": 3".to_vec()));
    std::fs::write(&archive, zip_of(&entries)).unwrap();
    let db_dir = tmp.path().join("db");
    let summary = import_archive(&db_dir, &archive, None, "test", None).unwrap();
    let ecos: Vec<&str> = summary
        .imported
        .iter()
        .map(|m| m.ecosystem.as_str())
        .collect();
    // handlebars' record also names Maven webjars, so an unfiltered import covers Maven too.
    assert_eq!(ecos, ["npm", "Maven"]);
    assert_eq!(
        summary.invalid_examples.len(),
        1,
        "{:?}",
        summary.invalid_examples
    );

    let db = Database::open(&db_dir);
    assert!(db.problems.is_empty());
    let (_, npm) = db
        .status()
        .into_iter()
        .find(|(e, _)| *e == Ecosystem::Npm)
        .unwrap();
    assert_eq!(npm.records, 30);
    assert_eq!(npm.invalid, 1);
    let lodash = db.advisories(Ecosystem::Npm, "lodash").unwrap();
    let mut ids: Vec<&str> = lodash.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "GHSA-29mw-wpgm-hmr9",
            "GHSA-35jh-r3h4-6jhm",
            "GHSA-4xc9-xhrj-v574",
            "GHSA-jf85-cpcp-j695",
            "GHSA-p6mc-m468-83gw"
        ]
    );
    // Only the looked-up package's entries and no prose are stored.
    assert!(lodash.iter().all(|r| r.details.is_none()));
    assert!(lodash.iter().all(|r| r
        .affected
        .iter()
        .all(|a| a.package.as_ref().unwrap().name == "lodash")));
    assert!(db
        .advisories(Ecosystem::Npm, "left-pad")
        .unwrap()
        .is_empty());
    assert!(db.advisories(Ecosystem::PyPI, "lodash").unwrap().is_empty());
}

#[test]
fn filtered_import_keeps_other_ecosystems() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("all.zip");
    std::fs::write(&archive, zip_of(&npm_records())).unwrap();
    let db_dir = tmp.path().join("db");
    let s = import_archive(&db_dir, &archive, Some(Ecosystem::Npm), "test", None).unwrap();
    assert_eq!(s.imported.len(), 1);
    assert!(!Database::open(&db_dir).has(Ecosystem::Maven));
}

#[test]
fn failed_import_leaves_the_old_database_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let db_dir = tmp.path().join("db");
    let good = tmp.path().join("good.zip");
    std::fs::write(&good, zip_of(&npm_records())).unwrap();
    import_archive(&db_dir, &good, Some(Ecosystem::Npm), "good", None).unwrap();
    let before = std::fs::read(db_dir.join("npm.fgosv")).unwrap();

    // Not a zip; a zip cut off half-way (as an interrupted download leaves it).
    let bad = tmp.path().join("bad.zip");
    std::fs::write(&bad, b"<html>proxy error</html>").unwrap();
    let err = import_archive(&db_dir, &bad, Some(Ecosystem::Npm), "bad", None).unwrap_err();
    assert!(err.to_string().contains("bad.zip"), "{err}");
    let full = std::fs::read(&good).unwrap();
    std::fs::write(&bad, &full[..full.len() / 2]).unwrap();
    assert!(import_archive(&db_dir, &bad, Some(Ecosystem::Npm), "bad", None).is_err());

    // A temporary file left by a killed import is cleaned up and never read.
    std::fs::write(db_dir.join(".npm.fgosv.tmp-99999"), b"FGOSV001partial").unwrap();
    assert_eq!(std::fs::read(db_dir.join("npm.fgosv")).unwrap(), before);
    let db = Database::open(&db_dir);
    assert!(db.problems.is_empty());
    assert_eq!(db.status()[0].1.source, "good");
    import_archive(&db_dir, &good, Some(Ecosystem::Npm), "again", None).unwrap();
    assert!(!db_dir.join(".npm.fgosv.tmp-99999").exists());
}

#[test]
fn corrupt_database_files_are_reported_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("npm.fgosv"),
        b"FGOSV001garbage that is long enough..",
    )
    .unwrap();
    std::fs::write(tmp.path().join("PyPI.fgosv"), b"x").unwrap();
    let db = Database::open(tmp.path());
    assert!(db.is_empty());
    assert_eq!(db.problems.len(), 2);
    assert!(db.problems[0].to_string().contains("fnguard db update"));
}

#[test]
fn second_importer_is_refused_while_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let db_dir = tmp.path().join("db");
    std::fs::create_dir_all(&db_dir).unwrap();
    let lock = std::fs::File::create(db_dir.join(".lock")).unwrap();
    lock.lock().unwrap();
    let archive = tmp.path().join("a.zip");
    std::fs::write(&archive, zip_of(&npm_records())).unwrap();
    let err = import_archive(&db_dir, &archive, None, "t", None).unwrap_err();
    assert!(err.to_string().contains("another fnguard"), "{err}");
}

#[cfg(feature = "download")]
mod update {
    use super::*;
    use fnguard_deps::db::{update, Progress, UpdateOptions, UpdateOutcome};
    use md5::Digest;
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Count(AtomicU64);
    impl Progress for Count {
        fn start(&self, _: Ecosystem, _: Option<u64>, _: u64) {}
        fn advance(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
        fn importing(&self, _: Ecosystem) {}
    }

    /// A small HTTP/1.1 server: ETag, If-None-Match, Range with If-Range, x-goog-hash md5.
    /// `cut_first` makes the first full download stop half-way (a dropped connection).
    struct Server {
        base: String,
        requests: Arc<AtomicUsize>,
    }

    fn serve(archive: Vec<u8>, cut_first: bool, corrupt_hash: bool) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        let cut = Arc::new(AtomicBool::new(cut_first));
        let md5 = {
            let d = md5::Md5::digest(&archive);
            let mut s = String::new();
            // base64 via the standard alphabet, written out to keep the test independent.
            const A: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            for c in d.chunks(3) {
                let n = (u32::from(c[0]) << 16)
                    | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                    | u32::from(*c.get(2).unwrap_or(&0));
                for i in 0..4 {
                    s.push(if i <= c.len() {
                        A[((n >> (18 - 6 * i)) & 63) as usize] as char
                    } else {
                        '='
                    });
                }
            }
            if corrupt_hash {
                "AAAAAAAAAAAAAAAAAAAAAA==".to_string()
            } else {
                s
            }
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let mut headers = std::collections::HashMap::new();
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let etag = "\"v1\"";
                if path != "/npm/all.zip" {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                    continue;
                }
                if headers.get("if-none-match").map(String::as_str) == Some(etag) {
                    let _ = stream.write_all(
                        b"HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\nconnection: close\r\n\r\n",
                    );
                    continue;
                }
                let range_start = headers
                    .get("range")
                    .and_then(|r| r.strip_prefix("bytes="))
                    .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
                    .filter(|_| headers.get("if-range").map(String::as_str) == Some(etag));
                let total = archive.len();
                let head = match range_start {
                    Some(s) => format!(
                        "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {s}-{}/{total}\r\netag: {etag}\r\nx-goog-hash: crc32c=AAAAAA==,md5={md5}\r\nconnection: close\r\n\r\n",
                        total - s, total - 1
                    ),
                    None => format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {total}\r\netag: {etag}\r\nx-goog-hash: crc32c=AAAAAA==,md5={md5}\r\nconnection: close\r\n\r\n"
                    ),
                };
                let body = &archive[range_start.unwrap_or(0)..];
                let _ = stream.write_all(head.as_bytes());
                if range_start.is_none() && cut.swap(false, Ordering::SeqCst) {
                    let _ = stream.write_all(&body[..body.len() / 2]);
                    let _ = stream.flush();
                    drop(stream);
                    continue;
                }
                let _ = stream.write_all(body);
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
            }
        });
        Server { base, requests }
    }

    fn opts(base: &str) -> UpdateOptions {
        UpdateOptions {
            base_url: base.to_string(),
            ecosystems: vec![Ecosystem::Npm],
            force: false,
        }
    }

    #[test]
    fn downloads_resumes_verifies_and_skips_unchanged() {
        let archive = zip_of(&npm_records());
        let server = serve(archive.clone(), true, false);
        let tmp = tempfile::tempdir().unwrap();
        let db_dir = tmp.path().join("db");
        let progress = Count(AtomicU64::new(0));

        // First attempt: the connection drops half-way; the old (empty) database stays.
        let out = update(&db_dir, &opts(&server.base), &progress).unwrap();
        assert!(matches!(out[0].1, UpdateOutcome::Failed(_)), "{out:?}");
        assert!(Database::open(&db_dir).is_empty());
        let part = std::fs::metadata(db_dir.join("downloads/npm.zip.part"))
            .unwrap()
            .len();
        assert_eq!(part as usize, archive.len() / 2);

        // Second attempt resumes from the partial file and imports.
        let out = update(&db_dir, &opts(&server.base), &progress).unwrap();
        let UpdateOutcome::Updated(meta) = &out[0].1 else {
            panic!("{out:?}")
        };
        assert_eq!(meta.records, 30);
        assert_eq!(meta.etag.as_deref(), Some("\"v1\""));
        assert_eq!(progress.0.load(Ordering::Relaxed) as usize, archive.len());
        assert!(!db_dir.join("downloads/npm.zip.part").exists());
        assert!(!Database::open(&db_dir)
            .advisories(Ecosystem::Npm, "minimist")
            .unwrap()
            .is_empty());

        // Third: unchanged on the server, nothing downloaded.
        let before = server.requests.load(Ordering::SeqCst);
        let out = update(&db_dir, &opts(&server.base), &progress).unwrap();
        assert!(matches!(out[0].1, UpdateOutcome::Unchanged), "{out:?}");
        assert_eq!(server.requests.load(Ordering::SeqCst), before + 1);
    }

    #[test]
    fn checksum_mismatch_is_refused_and_old_database_kept() {
        let archive = zip_of(&npm_records());
        let tmp = tempfile::tempdir().unwrap();
        let db_dir = tmp.path().join("db");
        let good = tmp.path().join("good.zip");
        std::fs::write(&good, &archive).unwrap();
        import_archive(&db_dir, &good, Some(Ecosystem::Npm), "good", None).unwrap();
        let server = serve(archive, false, true);
        let out = update(&db_dir, &opts(&server.base), &Count(AtomicU64::new(0))).unwrap();
        let UpdateOutcome::Failed(e) = &out[0].1 else {
            panic!("{out:?}")
        };
        assert!(e.to_string().contains("checksum"), "{e}");
        assert_eq!(Database::open(&db_dir).status()[0].1.source, "good");
    }

    #[test]
    fn missing_archive_is_a_clear_error() {
        let server = serve(Vec::new(), false, false);
        let tmp = tempfile::tempdir().unwrap();
        let mut o = opts(&server.base);
        o.ecosystems = vec![Ecosystem::PyPI];
        let out = update(tmp.path(), &o, &Count(AtomicU64::new(0))).unwrap();
        let UpdateOutcome::Failed(e) = &out[0].1 else {
            panic!("{out:?}")
        };
        assert!(
            e.to_string().contains("HTTP 404") && e.to_string().contains("/PyPI/all.zip"),
            "{e}"
        );
    }
}

#[test]
fn a_directory_of_records_imports_like_an_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let s = import_archive(tmp.path(), &fixtures(), None, "dir", None).unwrap();
    let mut ecos: Vec<&str> = s.imported.iter().map(|m| m.ecosystem.as_str()).collect();
    ecos.sort();
    assert_eq!(
        ecos,
        ["Go", "Maven", "PyPI", "RubyGems", "crates.io", "npm"]
    );
    let db = Database::open(tmp.path());
    let crates = db
        .status()
        .into_iter()
        .find(|(e, _)| *e == Ecosystem::CratesIo)
        .unwrap()
        .1;
    assert_eq!(crates.records, 10);
    let rubygems = db
        .status()
        .into_iter()
        .find(|(e, _)| *e == Ecosystem::RubyGems)
        .unwrap()
        .1;
    assert_eq!((rubygems.records, rubygems.withdrawn), (0, 1));
}
