use super::super::impl_rule;
use crate::Context;
use fnguard_model::Finding;

declare_rule! {
    /// ## What it does
    /// Reports entry points whose worst-case cost per hour exceeds the budget
    /// (`[wallet] max_usd_per_hour` in fnguard.toml, default 100): every invocation running to
    /// its timeout at its memory size, at the highest request rate the concurrency and
    /// throttling allow, plus the API's request price and the functions it feeds. The evidence
    /// has the arithmetic, line by line.
    ///
    /// ## Why is this bad?
    /// That is what an attacker (or a bug in a client) can make you pay for every hour it goes
    /// unnoticed.
    ///
    /// ## Example
    /// A public route to a 3,008 MB function with a 900 s timeout and no reserved concurrency:
    /// 1,000 concurrent executions × 2.9 GB × 3,600 s ≈ $176 per hour.
    ///
    /// ## Fix
    /// Lower the bound: reserved concurrency, stage or usage-plan throttling, a shorter
    /// timeout, less memory; or raise the budget if the exposure is intended.
    ///
    /// ## References
    /// - <https://aws.amazon.com/lambda/pricing/>
    pub struct WalletExposureHigh {
        id: "FG804",
        name: "wallet-exposure-high",
        severity: Medium,
        practice: 8,
        opt_in: false,
    }
}

impl_rule!(WalletExposureHigh, check);

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let g = cx.graph();
    for e in fnguard_flow::exposures(cx.project, g, cx.account_concurrency, cx.region) {
        if e.max_usd_per_hour <= cx.max_usd_per_hour {
            continue;
        }
        let Some(f) = cx.index.function(&e.function) else {
            continue;
        };
        let location = e.location.clone().unwrap_or_else(|| f.location.clone());
        cx.finding(
            &WalletExposureHigh::META,
            location,
            format!(
                "entry `{}` of `{}` can cost ≈ ${:.2} per hour (budget ${:.2}), limited by {}",
                e.trigger, e.function, e.max_usd_per_hour, cx.max_usd_per_hour, e.limited_by
            ),
        )
        .function(&e.function)
        .key(e.trigger.clone())
        .evidence(serde_json::json!({ "max_usd_per_hour": e.max_usd_per_hour, "budget": cx.max_usd_per_hour, "limited_by": e.limited_by, "explanation": e.explanation }))
        .fix("Bound the entry point: reserved concurrency, stage or usage-plan throttling, a shorter timeout or less memory; or raise `[wallet] max_usd_per_hour` if intended.")
        .emit(out);
    }
}
