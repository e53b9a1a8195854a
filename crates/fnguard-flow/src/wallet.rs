//! Denial-of-wallet: for each entry point, the most an attacker can make you pay per hour, and
//! which limit sets it. Every invocation is assumed to run to its timeout at its memory size;
//! the request rate is the lowest of concurrency / timeout, the API's throttling, and API
//! Gateway's account-level default; functions the entry point feeds (invocations, queues,
//! topics, streams) add their own cost at the same rate, within their own limits.

use crate::build::{fn_node, Graph};
use fnguard_model::{ApiKind, Function, Project, TriggerKind};
use serde::{Deserialize, Serialize};

const PRICES: &str = include_str!("../data/prices.toml");
/// API Gateway's default account-level throttle, requests per second.
const API_GATEWAY_DEFAULT_RPS: f64 = 10_000.0;

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct PriceSet {
    #[serde(default)]
    pub lambda_request_per_million: Option<f64>,
    #[serde(default)]
    pub lambda_gb_second_x86: Option<f64>,
    #[serde(default)]
    pub lambda_gb_second_arm64: Option<f64>,
    #[serde(default)]
    pub rest_api_request_per_million: Option<f64>,
    #[serde(default)]
    pub http_api_request_per_million: Option<f64>,
    #[serde(default)]
    pub websocket_message_per_million: Option<f64>,
    #[serde(default)]
    pub function_url_request_per_million: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct PriceFile {
    as_of: String,
    default: PriceSet,
    #[serde(default)]
    regions: std::collections::BTreeMap<String, PriceSet>,
}

/// Prices for a region, with the default filling what the region does not list.
#[derive(Debug, Clone, Serialize)]
pub struct Prices {
    pub as_of: String,
    pub region: String,
    pub request_per_million: f64,
    pub gb_second_x86: f64,
    pub gb_second_arm64: f64,
    pub rest_per_million: f64,
    pub http_per_million: f64,
    pub websocket_per_million: f64,
    pub url_per_million: f64,
}

pub fn prices(region: Option<&str>) -> Prices {
    // Parsed once: every project's wallet exposures ask, and parsing the table each time was
    // about 1 % of a scan of a thousand projects.
    static FILE: std::sync::OnceLock<PriceFile> = std::sync::OnceLock::new();
    let file = FILE.get_or_init(|| toml_lite(PRICES));
    let r = region
        .and_then(|r| file.regions.get(r))
        .cloned()
        .unwrap_or_default();
    let d = &file.default;
    let pick = |a: Option<f64>, b: Option<f64>| a.or(b).unwrap_or(0.0);
    Prices {
        as_of: file.as_of.clone(),
        region: region.unwrap_or("default").to_string(),
        request_per_million: pick(r.lambda_request_per_million, d.lambda_request_per_million),
        gb_second_x86: pick(r.lambda_gb_second_x86, d.lambda_gb_second_x86),
        gb_second_arm64: pick(r.lambda_gb_second_arm64, d.lambda_gb_second_arm64),
        rest_per_million: pick(
            r.rest_api_request_per_million,
            d.rest_api_request_per_million,
        ),
        http_per_million: pick(
            r.http_api_request_per_million,
            d.http_api_request_per_million,
        ),
        websocket_per_million: pick(
            r.websocket_message_per_million,
            d.websocket_message_per_million,
        ),
        url_per_million: pick(
            r.function_url_request_per_million,
            d.function_url_request_per_million,
        ),
    }
}

fn toml_lite(text: &str) -> PriceFile {
    // The committed table is tested to parse; an empty default is never used silently.
    toml::from_str(text).unwrap_or(PriceFile {
        as_of: "unknown".into(),
        default: PriceSet::default(),
        regions: Default::default(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    pub function: String,
    /// `POST /orders (HttpApi)`, `function URL`.
    pub trigger: String,
    pub public: bool,
    pub max_concurrency: u64,
    pub max_requests_per_second: f64,
    pub max_usd_per_hour: f64,
    /// `reserved concurrency`, `account concurrency limit`, `stage throttling`, ...
    pub limited_by: String,
    /// The arithmetic, so a reader can redo it.
    pub explanation: Vec<String>,
    /// Stage or usage-plan throttling is configured in front of the function.
    pub throttled: bool,
    /// The reserved concurrency is set.
    pub reserved: bool,
    /// Where the entry point is declared (the route, the URL config).
    pub location: Option<fnguard_model::Location>,
}

/// `account_limit`: the account's concurrency limit (default 1,000).
pub fn exposures(
    p: &Project,
    g: &Graph,
    account_limit: u64,
    region: Option<&str>,
) -> Vec<Exposure> {
    let pr = prices(region);
    let index = fnguard_model::ProjectIndex::new(p);
    let mut out = Vec::new();
    for f in &p.functions {
        for (trigger, api_price, api_limit, api_limit_name, location, public) in entries(p, f, &pr)
        {
            let mut explanation = Vec::new();
            let (conc, conc_name) = concurrency(f, account_limit);
            let timeout = seconds(f);
            let by_conc = conc as f64 / timeout;
            explanation.push(format!(
                "{conc} concurrent ({conc_name}) / {timeout} s timeout = {by_conc:.1} requests/s"
            ));
            let (mut rps, mut limited_by) = (by_conc, conc_name.to_string());
            if let Some(limit) = api_limit {
                explanation.push(format!("{api_limit_name}: {limit} requests/s"));
                if limit < rps {
                    rps = limit;
                    limited_by = api_limit_name.to_string();
                }
            }
            let per_hour = rps * 3600.0;
            let (cost_fn, line) = function_cost(f, &pr, per_hour);
            explanation.push(line);
            let api_cost = per_hour / 1e6 * api_price;
            if api_price > 0.0 {
                explanation.push(format!(
                    "{per_hour:.0} requests/h × ${api_price}/M = ${api_cost:.2}/h for the API"
                ));
            }
            let mut total = cost_fn + api_cost;
            // Downstream functions fed by this one run at most at the same rate, within their
            // own limits.
            for (down, _) in crate::flow_reach(g, &fn_node(&f.id)).into_iter().skip(1) {
                let Some(df) = index.function(down.trim_start_matches("fn:")) else {
                    continue;
                };
                let (dc, _) = concurrency(df, account_limit);
                let drps = rps.min(dc as f64 / seconds(df));
                let (c, line) = function_cost(df, &pr, drps * 3600.0);
                explanation.push(format!("downstream `{}`: {line}", df.id));
                total += c;
            }
            explanation.push(format!(
                "total ≈ ${total:.2} per hour (prices as of {}, region {})",
                pr.as_of, pr.region
            ));
            out.push(Exposure {
                throttled: matches!(api_limit_name, "stage throttling" | "usage plan throttling"),
                reserved: conc_name == "reserved concurrency",
                location,
                function: f.id.clone(),
                trigger,
                public,
                max_concurrency: conc,
                max_requests_per_second: (rps * 10.0).round() / 10.0,
                max_usd_per_hour: (total * 100.0).round() / 100.0,
                limited_by,
                explanation,
            });
        }
    }
    out
}

fn seconds(f: &Function) -> f64 {
    f.timeout_s
        .as_ref()
        .and_then(|t| t.value.known().copied())
        .unwrap_or(3)
        .max(1) as f64
}

fn concurrency(f: &Function, account_limit: u64) -> (u64, &'static str) {
    match f
        .reserved_concurrency
        .as_ref()
        .and_then(|r| r.value.known().copied())
    {
        Some(n) if n >= 0 => (n as u64, "reserved concurrency"),
        _ => (account_limit, "account concurrency limit"),
    }
}

fn function_cost(f: &Function, pr: &Prices, per_hour: f64) -> (f64, String) {
    let mem_mb = f
        .memory_mb
        .as_ref()
        .and_then(|m| m.value.known().copied())
        .unwrap_or(128)
        .max(128) as f64;
    let arm = f
        .architecture
        .as_ref()
        .and_then(|a| a.value.as_str())
        .is_some_and(|a| a.eq_ignore_ascii_case("arm64"));
    let gbs_price = if arm {
        pr.gb_second_arm64
    } else {
        pr.gb_second_x86
    };
    let t = seconds(f);
    let gb_seconds = per_hour * (mem_mb / 1024.0) * t;
    let cost = gb_seconds * gbs_price + per_hour / 1e6 * pr.request_per_million;
    (
        cost,
        format!(
            "{per_hour:.0} invocations/h × {mem_mb} MB × {t} s = {gb_seconds:.0} GB-s × ${gbs_price} ({}) + requests × ${}/M = ${cost:.2}/h",
            if arm { "arm64" } else { "x86_64" },
            pr.request_per_million
        ),
    )
}

/// The function's entry points with the API price and throttle that apply, and whether
/// anyone can call them (no authorization, no API key, not a private API).
type Entry = (
    String,
    f64,
    Option<f64>,
    &'static str,
    Option<fnguard_model::Location>,
    bool,
);

fn entries(p: &Project, f: &Function, pr: &Prices) -> Vec<Entry> {
    let mut out = Vec::new();
    if let Some(u) = &f.url {
        out.push((
            "function URL".to_string(),
            pr.url_per_million,
            None,
            "no throttling",
            Some(u.location.clone()),
            u.auth_type
                .value
                .as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case("NONE")),
        ));
    }
    for t in &f.triggers {
        let (api_id, label, open) = match &t.kind {
            TriggerKind::Api {
                api,
                method,
                path,
                auth,
                api_key_required,
                ..
            } => (
                api,
                format!("{method} {path} ({api})"),
                *auth == fnguard_model::Auth::None && !api_key_required,
            ),
            _ => continue,
        };
        let api = p.api(api_id);
        // A private API is reachable only from the VPC endpoints allowed to call it.
        let open = open && !api.is_some_and(|a| a.private);
        let price = match api.map(|a| a.kind) {
            Some(ApiKind::Rest) | None => pr.rest_per_million,
            Some(ApiKind::Http) => pr.http_per_million,
            Some(ApiKind::WebSocket) => pr.websocket_per_million,
            Some(_) => pr.http_per_million,
        };
        let stage_rate = api.and_then(|a| {
            a.stages
                .iter()
                .filter_map(|s| {
                    s.throttle
                        .as_ref()
                        .and_then(|t| t.rate.as_ref())
                        .and_then(|r| r.known().copied())
                })
                .fold(None, |acc: Option<f64>, r| {
                    Some(acc.map_or(r, |a| a.max(r)))
                })
        });
        let plan_rate = api
            .and_then(|a| a.usage_plan_throttle.as_ref())
            .and_then(|t| t.rate.as_ref())
            .and_then(|r| r.known().copied());
        // Throttling whose rate fnguard cannot read still throttles (FG803 counts it too).
        let has_plan =
            api.is_some_and(|a| a.usage_plan_throttle.as_ref().is_some_and(|t| t.is_set()));
        let has_stage = api.is_some_and(|a| {
            a.stages
                .iter()
                .any(|s| s.throttle.as_ref().is_some_and(|t| t.is_set()))
        });
        let (limit, name) = match (stage_rate, plan_rate) {
            (Some(s), Some(u)) if u < s => (Some(u), "usage plan throttling"),
            (Some(s), _) => (Some(s), "stage throttling"),
            (None, Some(u)) => (Some(u), "usage plan throttling"),
            (None, None) if has_plan => (Some(API_GATEWAY_DEFAULT_RPS), "usage plan throttling"),
            (None, None) if has_stage => (Some(API_GATEWAY_DEFAULT_RPS), "stage throttling"),
            (None, None) => (
                Some(API_GATEWAY_DEFAULT_RPS),
                "API Gateway default account throttle",
            ),
        };
        out.push((label, price, limit, name, Some(t.location.clone()), open));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn price_table_parses() {
        let f: super::PriceFile = toml::from_str(super::PRICES).unwrap();
        assert!(f.default.lambda_gb_second_x86.unwrap() > 0.0);
        let p = super::prices(Some("eu-central-1"));
        assert_eq!(p.http_per_million, 1.20);
        assert_eq!(p.request_per_million, 0.20);
    }
}
