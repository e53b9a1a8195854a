//! `--with-code`: the deployed packages and layers, unpacked into a directory so that the code
//! and dependency analyses run on what is deployed. Downloading needs the `aws` feature;
//! attaching unpacked code to the model does not.

use crate::error::LiveError;
use crate::snapshot::{CallError, Snapshot};
use fnguard_model::{Location, Project, Resource, ResourceKind, Val};
use std::collections::BTreeMap;
use std::path::Path;

/// Where each function's package and each layer were unpacked, relative to the code root.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub functions: BTreeMap<String, String>,
    pub layers: BTreeMap<String, String>,
    pub problems: Vec<CallError>,
}

/// A directory name for a function or layer that cannot escape the root.
pub fn dir_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

/// Points the live functions at their unpacked code and adds the layers as resources the
/// dependency analysis reads (with the functions that use them).
pub fn attach(project: &mut Project, snap: &Snapshot, unpacked: &Unpacked) {
    let mut layer_ids: BTreeMap<&str, String> = BTreeMap::new();
    for (arn, dir) in &unpacked.layers {
        let id = format!("layer:{}", dir_name(arn));
        let mut r = Resource::new(
            id.clone(),
            ResourceKind::Layer,
            "AWS::Lambda::LayerVersion",
            Location::new(arn.clone(), 0, 0),
        );
        r.name = Some(Val::Known(arn.clone()));
        r.content_path = Some(dir.clone());
        project.resources.push(r);
        layer_ids.insert(arn.as_str(), id);
    }
    for f in &mut project.functions {
        let Some(live) = snap
            .functions
            .iter()
            .find(|l| l.name == f.id || f.name.as_ref().and_then(Val::as_str) == Some(&l.name))
        else {
            continue;
        };
        if let Some(dir) = unpacked.functions.get(&live.name) {
            f.code_path = Some(dir.clone());
        }
        for arn in &live.layers {
            if let Some(id) = layer_ids.get(arn.as_str()) {
                f.uses.push(id.clone());
            }
        }
    }
}

/// Bounds on what one archive may unpack to (Lambda's own limit is 250 MB unzipped).
pub const MAX_DOWNLOAD_BYTES: u64 = 300 * 1024 * 1024;
pub const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 100_000;

/// Unpacks a zip archive into `dest`: no path may leave it, symlinks are skipped, and the
/// total size and entry count are bounded (a zip bomb stops with an error, keeping what was
/// written).
pub fn unzip(bytes: &[u8], dest: &Path) -> Result<(), LiveError> {
    unzip_within(bytes, dest, MAX_UNPACKED_BYTES)
}

fn unzip_within(bytes: &[u8], dest: &Path, max_bytes: u64) -> Result<(), LiveError> {
    let write = |path: &Path, e: std::io::Error| LiveError::Write {
        path: path.display().to_string(),
        why: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| LiveError::NotZip(e.to_string()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(LiveError::TooManyEntries {
            entries: archive.len(),
            max: MAX_ENTRIES,
        });
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| LiveError::NotZip(format!("entry {i}: {e}")))?;
        let Some(rel) = entry.enclosed_name() else {
            continue;
        };
        if entry.is_symlink() {
            continue;
        }
        let out = dest.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&out).map_err(|e| write(&out, e))?;
            continue;
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write(parent, e))?;
        }
        let mut file = std::fs::File::create(&out).map_err(|e| write(&out, e))?;
        let budget = max_bytes.saturating_sub(total);
        let written = std::io::copy(&mut std::io::Read::take(&mut entry, budget + 1), &mut file)
            .map_err(|e| write(&out, e))?;
        total += written;
        if total > max_bytes {
            return Err(LiveError::TooLarge {
                mb: max_bytes / 1024 / 1024,
            });
        }
    }
    Ok(())
}

/// Downloads and unpacks every package and layer whose location the collector obtained,
/// `concurrency` at a time. Failures are kept per function; the others go on.
#[cfg(feature = "aws")]
pub fn fetch(snap: &Snapshot, root: &Path, concurrency: usize) -> Unpacked {
    use std::sync::Mutex;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(std::time::Duration::from_secs(30)))
        .timeout_global(Some(std::time::Duration::from_secs(300)))
        .http_status_as_error(false)
        .user_agent(concat!("fnguard/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    // (kind, key, url, relative dir)
    let mut jobs: Vec<(&'static str, String, String, String)> = Vec::new();
    let mut problems = Vec::new();
    for f in &snap.functions {
        match &f.code_location {
            Some(url) => jobs.push((
                "function",
                f.name.clone(),
                url.clone(),
                format!("code/{}", dir_name(&f.name)),
            )),
            None if f.package_type.as_deref() == Some("Image") => {}
            None => problems.push(CallError {
                service: "lambda".into(),
                operation: "GetFunction".into(),
                resource: f.name.clone(),
                message: "no download location for the package; its code was not analysed".into(),
            }),
        }
    }
    for (arn, url) in &snap.layer_locations {
        jobs.push((
            "layer",
            arn.clone(),
            url.clone(),
            format!("layers/{}", dir_name(arn)),
        ));
    }
    let queue = Mutex::new(jobs.into_iter());
    let out = Mutex::new(Unpacked {
        problems,
        ..Unpacked::default()
    });
    std::thread::scope(|s| {
        for _ in 0..concurrency.max(1) {
            s.spawn(|| loop {
                let job = match queue.lock() {
                    Ok(mut q) => q.next(),
                    Err(_) => None,
                };
                let Some((kind, key, url, rel)) = job else {
                    break;
                };
                let result =
                    download(&agent, &url).and_then(|bytes| unzip(&bytes, &root.join(&rel)));
                if let Ok(mut o) = out.lock() {
                    match result {
                        Ok(()) if kind == "function" => {
                            o.functions.insert(key, rel);
                        }
                        Ok(()) => {
                            o.layers.insert(key, rel);
                        }
                        Err(why) => o.problems.push(CallError {
                            service: "lambda".into(),
                            operation: if kind == "function" {
                                "download package".into()
                            } else {
                                "download layer".into()
                            },
                            resource: key,
                            message: why.to_string(),
                        }),
                    }
                }
            });
        }
    });
    out.into_inner().unwrap_or_default()
}

#[cfg(feature = "aws")]
fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, LiveError> {
    use std::io::Read;
    let resp = agent
        .get(url)
        .call()
        .map_err(|e| LiveError::Download(e.to_string()))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(LiveError::Download(format!(
            "HTTP {status} from the package's download location"
        )));
    }
    let mut bytes = Vec::new();
    resp.into_body()
        .into_reader()
        .take(MAX_DOWNLOAD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LiveError::Download(e.to_string()))?;
    if bytes.len() as u64 > MAX_DOWNLOAD_BYTES {
        return Err(LiveError::Download(format!(
            "larger than {} MB",
            MAX_DOWNLOAD_BYTES / 1024 / 1024
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            for (name, data) in entries {
                z.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                z.write_all(data).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn unpacks_inside_the_destination_only() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = archive(&[
            ("app.py", b"def handler(e, c): pass\n"),
            ("pkg/mod.py", b"x = 1\n"),
            ("../escape.py", b"no"),
            ("/abs.py", b"no"),
        ]);
        unzip(&bytes, &dir.path().join("fn")).unwrap();
        assert!(dir.path().join("fn/app.py").is_file());
        assert!(dir.path().join("fn/pkg/mod.py").is_file());
        assert!(!dir.path().join("escape.py").exists());
        assert!(!Path::new("/abs.py").exists() || !dir.path().join("fn/abs.py").exists());
    }

    #[test]
    fn a_bomb_stops_at_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let big = vec![0u8; 1024 * 1024];
        let entries: Vec<(String, Vec<u8>)> =
            (0..4).map(|i| (format!("f{i}"), big.clone())).collect();
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let err = unzip_within(&archive(&refs), dir.path(), 3 * 1024 * 1024).unwrap_err();
        assert!(matches!(err, LiveError::TooLarge { mb: 3 }), "{err}");
    }

    #[test]
    fn not_a_zip_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(unzip(b"<html>AccessDenied</html>", dir.path()).is_err());
    }

    #[test]
    fn directory_names_cannot_escape() {
        assert_eq!(dir_name("../../etc"), "_.._etc");
        assert_eq!(
            dir_name("arn:aws:lambda:us-east-1:1:layer:x:3"),
            "arn_aws_lambda_us-east-1_1_layer_x_3"
        );
    }
}
