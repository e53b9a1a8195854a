//! Calendar dates without a time-zone database: rules that depend on the date (deprecated
//! runtimes, expiring ignores) are given one, so they stay pure and testable.

use crate::StartError;

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// The date given on the command line (`--today`), else today's.
pub fn today_from(arg: Option<&str>) -> Result<(i32, u32, u32), StartError> {
    match arg {
        Some(d) => parse_date(d).ok_or_else(|| StartError::BadDate(d.to_string())),
        None => Ok(today()),
    }
}

/// Today's UTC date from the system clock.
pub fn today() -> (i32, u32, u32) {
    civil_from_secs(now_secs() as i64)
}

/// The UTC date of a Unix time (civil-from-days).
pub fn civil_from_secs(secs: i64) -> (i32, u32, u32) {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
