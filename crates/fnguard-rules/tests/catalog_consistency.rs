//! The SAM policy templates fnguard expands name only actions that exist.

use fnguard_iam::catalog;

#[test]
fn sam_policy_template_actions_exist_in_the_catalog() {
    let cat = catalog();
    let pairs = fnguard_ingest::sam_policy_template_actions();
    assert!(pairs.len() > 100);
    let missing: Vec<_> = pairs
        .iter()
        .filter(|(_, a)| cat.expand(a).is_empty())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
