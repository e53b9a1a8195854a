#![no_main]
use fnguard_deps::osv::Record;
use fnguard_deps::version::Ecosystem;
use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;

// An OSV record (JSON) followed by a NUL and two version strings: evaluating the record and
// comparing the versions never panics, and every comparator is antisymmetric.
fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let (Some(record), Some(a), Some(b)) = (parts.next(), parts.next(), parts.next()) else { return };
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else { return };
    for eco in Ecosystem::ALL {
        let ab = eco.compare(a, b);
        let ba = eco.compare(b, a);
        assert_eq!(ab, ba.reverse(), "{eco}: {a:?} vs {b:?}");
        assert_eq!(eco.compare(a, a), Ordering::Equal);
    }
    if let Ok(r) = serde_json::from_slice::<Record>(record) {
        for eco in Ecosystem::ALL {
            for p in r.affected.iter().filter_map(|x| x.package.as_ref()) {
                let _ = r.evaluate(eco, &p.name, Some(a));
                let _ = r.evaluate(eco, &p.name, None);
            }
            let _ = r.fnguard_severity();
        }
    }
});
