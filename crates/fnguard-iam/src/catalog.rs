use fnguard_model::wildcard_match;
use std::sync::OnceLock;

const CATALOG: &str = include_str!("../data/iam-catalog.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
    Unknown,
}

impl AccessLevel {
    fn parse(s: &str) -> Self {
        match s {
            "L" => AccessLevel::List,
            "R" => AccessLevel::Read,
            "W" => AccessLevel::Write,
            "P" => AccessLevel::PermissionsManagement,
            "T" => AccessLevel::Tagging,
            _ => AccessLevel::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::Unknown => "Unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Action {
    /// `s3:GetObject`, with the service prefix in lower case and the action as AWS spells it.
    pub name: String,
    pub level: AccessLevel,
    /// Resource types the action can be scoped to; empty means it only accepts `*`.
    pub resource_types: Vec<String>,
}

pub struct Catalog {
    /// Sorted by name, case-insensitively.
    actions: Vec<Action>,
    /// (service, start, end) ranges into `actions`.
    services: Vec<(String, usize, usize)>,
    pub header: String,
}

static INSTALLED: OnceLock<Catalog> = OnceLock::new();

/// The catalog in use: one installed with [`install_catalog`], else the embedded one, parsed
/// on first use.
pub fn catalog() -> &'static Catalog {
    INSTALLED.get_or_init(|| Catalog::parse(CATALOG))
}

/// Use a catalog in the same format instead of the embedded one (`--catalog DIR`). Must run
/// before the first lookup; returns false if a catalog is already in use or the text holds no
/// actions.
pub fn install_catalog(text: &str) -> bool {
    let c = Catalog::parse(text);
    !c.is_empty() && INSTALLED.set(c).is_ok()
}

impl Catalog {
    pub fn parse(text: &str) -> Catalog {
        let mut actions = Vec::new();
        let mut services: Vec<(String, usize, usize)> = Vec::new();
        let mut header = String::new();
        let mut service = String::new();
        for line in text.lines() {
            if let Some(h) = line.strip_prefix("# ") {
                header.push_str(h);
                header.push('\n');
                continue;
            }
            if let Some(s) = line.strip_prefix('@') {
                if let Some(last) = services.last_mut() {
                    last.2 = actions.len();
                }
                service = s.to_ascii_lowercase();
                services.push((service.clone(), actions.len(), actions.len()));
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(name), Some(level)) = (parts.next(), parts.next()) else {
                continue;
            };
            let resource_types = parts
                .next()
                .unwrap_or("")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_end_matches('*').to_string())
                .collect();
            actions.push(Action {
                name: format!("{service}:{name}"),
                level: AccessLevel::parse(level),
                resource_types,
            });
        }
        if let Some(last) = services.last_mut() {
            last.2 = actions.len();
        }
        Catalog {
            actions,
            services,
            header,
        }
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    pub fn has_service(&self, service: &str) -> bool {
        self.services
            .iter()
            .any(|(s, ..)| s.eq_ignore_ascii_case(service))
    }

    /// Actions matching an IAM action pattern (`s3:Get*`, `*`, `S3:getobject`).
    pub fn expand(&self, pattern: &str) -> Vec<&Action> {
        let pattern = pattern.trim();
        match pattern.split_once(':') {
            Some((svc, _)) if !svc.contains('*') && !svc.contains('?') => self
                .services
                .iter()
                .filter(|(s, ..)| s.eq_ignore_ascii_case(svc))
                .flat_map(|(_, a, b)| self.actions[*a..*b].iter())
                .filter(|a| wildcard_match(pattern, &a.name))
                .collect(),
            _ => self
                .actions
                .iter()
                .filter(|a| wildcard_match(pattern, &a.name))
                .collect(),
        }
    }

    pub fn get(&self, action: &str) -> Option<&Action> {
        self.expand(action)
            .into_iter()
            .find(|a| a.name.eq_ignore_ascii_case(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_expands_patterns() {
        let c = catalog();
        assert!(c.len() > 15_000, "{}", c.len());
        let get = c.get("s3:GetObject").unwrap();
        assert_eq!(get.level, AccessLevel::Read);
        assert!(get.resource_types.contains(&"object".to_string()));
        assert!(c.expand("s3:Get*").len() > 20);
        assert!(c.expand("S3:getobject").len() == 1);
        assert!(c.expand("iam:PassRole").len() == 1);
        assert_eq!(c.get("iam:PassRole").unwrap().level, AccessLevel::Write);
        assert!(c.expand("nosuchservice:*").is_empty());
        assert!(c.expand("*").len() == c.len());
    }
}

#[cfg(test)]
mod more_tests {
    #[test]
    fn partial_wildcards() {
        let c = super::catalog();
        let e = c.expand("iam:*Policy");
        assert_eq!(
            c.get("iam:AttachRolePolicy").map(|a| a.level),
            Some(super::AccessLevel::PermissionsManagement)
        );
        assert!(
            e.iter().any(|a| a.name == "iam:AttachRolePolicy"),
            "{:?}",
            e.iter().map(|a| &a.name).collect::<Vec<_>>()
        );
    }
}
