#![no_main]
use fnguard_deps::db::Database;
use fnguard_deps::version::Ecosystem;
use libfuzzer_sys::fuzz_target;

// A damaged or hostile database file is reported, never trusted: opening and reading it must
// not panic or allocate what its header claims.
fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("fnguard-fuzz-db-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("npm.fgosv"), data).is_err() {
        return;
    }
    let db = Database::open(&dir);
    for name in ["a", "lodash", ""] {
        let _ = db.advisories(Ecosystem::Npm, name);
    }
});
