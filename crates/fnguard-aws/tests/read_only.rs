//! The policy `fnguard aws policy` prints holds only read and list actions, by the IAM
//! catalog fnguard ships (AWS's Service Authorization Reference).

use fnguard_iam::{catalog, AccessLevel};

#[test]
fn every_action_fnguard_needs_is_read_or_list() {
    let cat = catalog();
    for action in fnguard_aws::READ_ONLY_ACTIONS {
        let Some(a) = cat.get(action) else {
            panic!("{action} is not in the IAM catalog");
        };
        assert!(
            matches!(a.level, AccessLevel::Read | AccessLevel::List),
            "{action} is {}",
            a.level.label()
        );
    }
}

#[test]
fn the_policy_is_sorted_and_has_no_duplicates() {
    let mut sorted = fnguard_aws::READ_ONLY_ACTIONS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, fnguard_aws::READ_ONLY_ACTIONS);
}

#[test]
fn the_remediation_policy_is_only_the_writes_a_plan_can_make() {
    let cat = catalog();
    let mut sorted = fnguard_aws::remediate::WRITE_ACTIONS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, fnguard_aws::remediate::WRITE_ACTIONS);
    for action in fnguard_aws::remediate::WRITE_ACTIONS {
        let Some(a) = cat.get(action) else {
            panic!("{action} is not in the IAM catalog");
        };
        // Role policies are Permissions management; function URLs and permissions are Write or
        // Permissions management: nothing that reads data or deletes functions.
        assert!(
            matches!(
                a.level,
                AccessLevel::Write | AccessLevel::PermissionsManagement
            ),
            "{action} is {}",
            a.level.label()
        );
    }
}
