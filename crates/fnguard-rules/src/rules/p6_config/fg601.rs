use super::super::impl_rule;
use crate::{group_by_location, subject, Context};
use fnguard_model::{Applicability, Change, Finding, Severity};

declare_rule! {
    /// ## What it does
    /// Finds functions on a Lambda runtime that is past its deprecation date (**high**) or
    /// within 180 days of it (**medium**), from a dated table of AWS's published runtime
    /// deprecation dates (the table's date is in the finding's evidence).
    ///
    /// ## Why is this bad?
    /// Deprecated runtimes get no security patches, and after the block dates functions can no
    /// longer be created or updated: the next urgent fix cannot be deployed.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   name: aws
    ///   runtime: nodejs16.x
    /// ```
    ///
    /// ## Fix
    /// Move to a supported runtime (`nodejs22.x`, `python3.13`, `java21`, ...), test, redeploy.
    ///
    /// `fnguard fix --unsafe-fixes` rewrites the runtime to the newest successor in the table that
    /// is not itself near deprecation; unsafe because the code and its dependencies must be
    /// tested on it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>
    pub struct DeprecatedRuntime {
        id: "FG601",
        name: "deprecated-runtime",
        severity: High,
        practice: 6,
        opt_in: false,
    }
}

impl_rule!(DeprecatedRuntime, check);

/// When this table was last checked against the AWS runtimes page.
pub const TABLE_DATE: &str = "2026-12-05";

/// (runtime identifier, deprecation date, suggested successor)
pub const RUNTIMES: &[(&str, (i32, u32, u32), &str)] = &[
    ("nodejs", (2016, 10, 31), "nodejs22.x"),
    ("nodejs4.3", (2020, 3, 5), "nodejs22.x"),
    ("nodejs4.3-edge", (2019, 4, 30), "nodejs22.x"),
    ("nodejs6.10", (2019, 8, 12), "nodejs22.x"),
    ("nodejs8.10", (2020, 3, 6), "nodejs22.x"),
    ("nodejs10.x", (2021, 7, 30), "nodejs22.x"),
    ("nodejs12.x", (2023, 3, 31), "nodejs22.x"),
    ("nodejs14.x", (2023, 12, 4), "nodejs22.x"),
    ("nodejs16.x", (2024, 6, 12), "nodejs22.x"),
    ("nodejs18.x", (2025, 9, 1), "nodejs22.x"),
    ("nodejs20.x", (2026, 4, 30), "nodejs22.x"),
    ("nodejs22.x", (2027, 4, 30), "nodejs24.x"),
    ("nodejs24.x", (2028, 4, 30), "a newer Node.js runtime"),
    ("python2.7", (2021, 7, 15), "python3.13"),
    ("python3.6", (2022, 7, 18), "python3.13"),
    ("python3.7", (2023, 12, 4), "python3.13"),
    ("python3.8", (2024, 10, 14), "python3.13"),
    ("python3.9", (2025, 12, 15), "python3.13"),
    ("python3.10", (2026, 6, 30), "python3.13"),
    ("python3.11", (2026, 6, 30), "python3.13"),
    ("python3.12", (2028, 10, 31), "python3.13"),
    ("python3.13", (2029, 6, 30), "python3.14"),
    ("python3.14", (2029, 6, 30), "a newer Python runtime"),
    ("java8", (2024, 1, 8), "java21"),
    ("java8.al2", (2026, 6, 30), "java21"),
    ("java11", (2026, 6, 30), "java21"),
    ("java17", (2026, 6, 30), "java21"),
    ("java21", (2029, 6, 30), "java25"),
    ("java25", (2029, 6, 30), "a newer Java runtime"),
    ("dotnetcore1.0", (2019, 7, 30), "dotnet8"),
    ("dotnetcore2.0", (2019, 5, 30), "dotnet8"),
    ("dotnetcore2.1", (2022, 1, 5), "dotnet8"),
    ("dotnetcore3.1", (2023, 4, 3), "dotnet8"),
    ("dotnet5.0", (2022, 5, 10), "dotnet8"),
    ("dotnet6", (2024, 12, 20), "dotnet8"),
    ("dotnet7", (2024, 5, 14), "dotnet8"),
    ("dotnet8", (2026, 11, 10), "dotnet10"),
    ("dotnet10", (2028, 11, 14), "a newer .NET runtime"),
    ("ruby2.5", (2021, 7, 30), "ruby3.4"),
    ("ruby2.7", (2023, 12, 7), "ruby3.4"),
    ("ruby3.2", (2026, 3, 31), "ruby3.4"),
    ("ruby3.3", (2027, 3, 31), "ruby3.4"),
    ("ruby3.4", (2028, 3, 31), "a newer Ruby runtime"),
    ("go1.x", (2024, 1, 8), "provided.al2023"),
    ("provided", (2024, 1, 8), "provided.al2023"),
    ("provided.al2", (2026, 6, 30), "provided.al2023"),
];

/// Days since 1970-01-01 for a civil date (proleptic Gregorian).
/// Successors in the table that AWS has not yet given a deprecation date.
const UNDATED: &[&str] = &["provided.al2023"];

/// The runtime a fix moves to: the table's successor, followed while that one is itself
/// deprecated or within the warning window (nodejs16.x → nodejs22.x → nodejs24.x). None when the
/// chain ends without a concrete runtime.
fn fix_target(successor: &'static str, today: i64) -> Option<&'static str> {
    let mut target = successor;
    for _ in 0..RUNTIMES.len() {
        if UNDATED.contains(&target) {
            return Some(target);
        }
        let (_, (y, m, d), next) = RUNTIMES.iter().find(|(r, ..)| *r == target)?;
        if days(*y, *m, *d) - today > WARNING_DAYS {
            return Some(target);
        }
        target = next;
    }
    None
}

/// Deprecations this close (in days) are reported as medium.
const WARNING_DAYS: i64 = 180;

pub fn days(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let today = days(cx.today.0, cx.today.1, cx.today.2);
    let mut hits = Vec::new();
    for f in &cx.project.functions {
        let Some(rt) = &f.runtime else { continue };
        let Some(name) = rt.value.as_str() else {
            continue;
        };
        if let Some(entry) = RUNTIMES
            .iter()
            .find(|(id, ..)| id.eq_ignore_ascii_case(name.trim()))
        {
            hits.push((rt.location.clone(), (entry, name.trim()), f.id.as_str()));
        }
    }
    for (location, ((id, (y, m, d), successor), written), functions) in group_by_location(hits) {
        let left = days(*y, *m, *d) - today;
        let date = format!("{y:04}-{m:02}-{d:02}");
        let who = subject(&functions);
        let runs = if functions.len() == 1 { "runs" } else { "run" };
        let (severity, message) = if left <= 0 {
            (
                Severity::High,
                format!("{who} {runs} on {id}, deprecated since {date}"),
            )
        } else if left <= WARNING_DAYS {
            (
                Severity::Medium,
                format!("{who} {runs} on {id}, deprecated on {date} ({left} days from now)"),
            )
        } else {
            continue;
        };
        let mut finding = cx
            .finding(&DeprecatedRuntime::META, location.clone(), message)
            .severity(severity)
            .functions(&functions)
            .key(functions.join(","))
            .fix(format!(
                "Move to a supported runtime such as {}, test, and redeploy.",
                fix_target(successor, today).unwrap_or(successor)
            ))
            .evidence(serde_json::json!({ "runtime": id, "deprecation_date": date, "table_date": TABLE_DATE }));
        if let Some(target) = fix_target(successor, today) {
            finding = finding.autofix(
                Applicability::Unsafe,
                format!(
                    "change the runtime to {target} (test the code and its dependencies on it)"
                ),
                &location.file,
                Change::Runtime {
                    functions: functions.iter().map(|f| f.to_string()).collect(),
                    line: location.line,
                    from: written.to_string(),
                    to: target.to_string(),
                },
            );
        }
        finding.emit(out);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_numbers() {
        assert_eq!(super::days(1970, 1, 1), 0);
        assert_eq!(super::days(2000, 3, 1), 11_017);
        assert_eq!(super::days(2026, 11, 28) - super::days(2026, 6, 30), 151);
    }

    /// A fix moves to a runtime in the table that is not deprecated or about to be, through
    /// the successors of successors (dotnet6 -> dotnet8, deprecated on 2026-11-10 -> dotnet10).
    #[test]
    fn fixes_move_to_a_supported_runtime() {
        let today = super::days(2026, 12, 5);
        for (from, to) in [
            ("dotnet8", Some("dotnet10")),
            ("dotnet10", Some("dotnet10")),
            ("nodejs22.x", Some("nodejs24.x")),
            ("python3.13", Some("python3.13")),
            ("java21", Some("java21")),
            ("ruby3.4", Some("ruby3.4")),
            ("provided.al2023", Some("provided.al2023")),
            ("a newer Python runtime", None),
        ] {
            assert_eq!(super::fix_target(from, today), to, "{from}");
        }
        let successor = |id: &str| {
            super::RUNTIMES
                .iter()
                .find(|(r, ..)| *r == id)
                .map(|(_, _, s)| *s)
                .unwrap()
        };
        assert_eq!(
            super::fix_target(successor("dotnet6"), today),
            Some("dotnet10")
        );
        assert_eq!(
            super::fix_target(successor("ruby3.2"), today),
            Some("ruby3.4")
        );
        // Every successor named in the table is in it, or known to have no date yet.
        for (id, _, next) in super::RUNTIMES {
            assert!(
                next.starts_with("a newer")
                    || super::UNDATED.contains(next)
                    || super::RUNTIMES.iter().any(|(r, ..)| r == next),
                "{id} -> {next}"
            );
        }
    }
}
