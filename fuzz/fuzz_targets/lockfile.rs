#![no_main]
use fnguard_deps::lockfile::{read_str, Kind};
use libfuzzer_sys::fuzz_target;

// The first byte picks the reader; the rest is the file's text. No reader may panic or hang.
fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = Kind::ALL[pick as usize % Kind::ALL.len()];
    let path = std::path::Path::new("/nonexistent/fuzz").join(kind.label());
    let _ = read_str(kind, &path, text);
});
