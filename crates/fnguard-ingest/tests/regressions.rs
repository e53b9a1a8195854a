//! Inputs that once crashed a loader (found by the fuzz targets). Each must load or fail
//! cleanly, as YAML, as a template and as a serverless.yml.

use fnguard_ingest::{load_str, yaml, DescriptorKind, LoadOptions};

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let _ = yaml::parse(&text, "r.yml");
        for kind in [
            DescriptorKind::Serverless,
            DescriptorKind::Sam,
            DescriptorKind::Terraform,
        ] {
            let _ = load_str(kind, "r.yml", &text, &LoadOptions::default());
        }
        seen += 1;
    }
    assert!(seen > 0, "no regression inputs found");
}
