//! Credential detection shared by the configuration rules (FG602, FG603, FG611) and the
//! source-code secret scan (FG509): names that denote secrets, known credential formats,
//! entropy, placeholders. Pure functions over strings.

/// Words that make a variable or parameter name denote a secret.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "accesskey",
    "secretkey",
    "signingkey",
    "passphrase",
    "authkey",
    "clientsecret",
    "connectionstring",
];

/// Words before `key` that make it a credential rather than an object or lookup key.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "secret",
    "private",
    "access",
    "signing",
    "encryption",
    "client",
    "auth",
    "master",
    "shared",
    "hmac",
    "jwt",
    "webhook",
    "integration",
    "license",
    "session",
    "app",
    "stripe",
    "sendgrid",
    "twilio",
    "slack",
    "github",
    "openai",
    "anthropic",
    "google",
    "maps",
    "mailgun",
    "algolia",
    "datadog",
    "newrelic",
    "sentry",
    "pusher",
    "firebase",
    "rsa",
];

/// Final name parts that make the value a pointer to a secret rather than the secret.
const POINTER_SUFFIXES: &[&str] = &[
    "arn",
    "name",
    "id",
    "path",
    "url",
    "uri",
    "table",
    "param",
    "parameter",
    "ref",
    "region",
    "bucket",
    "header",
    "length",
    "ttl",
    "expiry",
    "expiration",
    "type",
    "endpoint",
    "file",
    "location",
    "prefix",
    "version",
    "enabled",
    "key_id",
    "keyid",
    "field",
    "queue",
    "topic",
    "stage",
    "duration",
    "seconds",
    "minutes",
    "hours",
    "days",
    "count",
    "size",
    "policy",
    "iterations",
    "rounds",
    "complexity",
    "rules",
    "strength",
    "min",
    "max",
];

/// Words that make a name about a secret's settings rather than the secret:
/// `passwordPolicyCharacters`, `RefreshTokenValidity`, `SecretRotationSchedule`.
const SETTING_WORDS: &[&str] = &[
    "policy",
    "characters",
    "chars",
    "charset",
    "symbols",
    "alphabet",
    "validity",
    "rotation",
    "complexity",
    "pattern",
    "regex",
    "strength",
    "requirements",
    "required",
    "minlength",
    "maxlength",
    "lifetime",
    "expiry",
    "expires",
    "schedule",
    "template",
];

/// Verbs that, right before the secret word, make the name a switch or an action:
/// `GenerateSecret`, `EnableTokenRevocation`, `RotatePassword`.
const ACTION_WORDS: &[&str] = &[
    "generate", "enable", "disable", "create", "rotate", "require", "use", "reset", "forgot",
    "change", "should", "allow", "include", "exclude", "show", "hide", "skip", "verify",
    "validate", "check", "revoke", "prevent",
];

/// Words before a final `key` that make it a key of a data structure: `SecretJSONKey` names the
/// field of a secret, `PartitionKey` a table's key.
const STRUCTURE_KEY_WORDS: &[&str] = &[
    "json",
    "field",
    "attribute",
    "property",
    "object",
    "s3",
    "cache",
    "partition",
    "sort",
    "hash",
    "range",
    "primary",
    "lookup",
    "map",
    "dict",
    "idempotency",
    "dedup",
    "dedupe",
    "routing",
    "row",
    "column",
    "foreign",
    "composite",
    "index",
];

fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = c == '_'
            || c == '-'
            || c == '.'
            || (c.is_uppercase() && i > 0 && chars[i - 1].is_lowercase())
            // The end of an acronym: `JSONKey` is `JSON` + `Key`.
            || (c.is_uppercase()
                && i > 0
                && chars[i - 1].is_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary && !cur.is_empty() {
            parts.push(cur.to_ascii_lowercase());
            cur.clear();
        }
        if c.is_alphanumeric() {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        parts.push(cur.to_ascii_lowercase());
    }
    parts
}

/// Whether a name (env var, parameter, attribute) says it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let parts = name_parts(name);
    if parts.is_empty() {
        return false;
    }
    if let Some(last) = parts.last() {
        if POINTER_SUFFIXES.contains(&last.as_str()) {
            return false;
        }
    }
    // `SecretsManagerSecretArnForDb`, `SSM_PASSWORD_PATH`: names of where a secret lives;
    // `encrypted_api_token`: KMS ciphertext, decrypted at run time, is safe to keep in config.
    if parts.iter().any(|p| {
        matches!(
            p.as_str(),
            "arn" | "manager" | "secretsmanager" | "ssm" | "kms" | "encrypted" | "ciphertext"
        )
    }) {
        return false;
    }
    if parts.iter().any(|p| SETTING_WORDS.contains(&p.as_str())) {
        return false;
    }
    let n = parts.len();
    if n >= 2 && parts[n - 1] == "key" && STRUCTURE_KEY_WORDS.contains(&parts[n - 2].as_str()) {
        return false;
    }
    let secret_at = parts
        .iter()
        .position(|p| SECRET_WORDS.iter().any(|w| p.contains(w)))
        .or_else(|| (n >= 2 && parts[n - 1] == "key").then(|| n - 2));
    if let Some(i) = secret_at {
        if i > 0 && ACTION_WORDS.contains(&parts[i - 1].as_str()) {
            return false;
        }
    }
    let joined = parts.join("");
    // `API_KEY`, `STRIPE_KEY`, `SIGNING_KEY`: a key named for what it unlocks. A bare `..._KEY`
    // is more often an S3 object key or a cache key, so the word before it must say secret.
    let key_like = parts.last().is_some_and(|l| l == "key")
        && parts.len() >= 2
        && KEY_QUALIFIERS.contains(&parts[parts.len() - 2].as_str());
    key_like
        || SECRET_WORDS
            .iter()
            .any(|w| parts.iter().any(|p| p == w) || joined.contains(w))
}

/// Values that are obviously not the secret itself: references, placeholders, paths, flags.
pub fn is_placeholder_or_pointer(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    v.len() < 6
        || v.starts_with("arn:")
        || v.starts_with('/')
        || v.starts_with("{{resolve:")
        || v.contains("${")
        || v.starts_with('<') && v.ends_with('>')
        || lower.starts_with("your")
        || lower.starts_with("change")
        || lower.starts_with("replace")
        || lower.contains("example")
        || lower.starts_with("dummy")
        || lower.starts_with("placeholder")
        || lower.starts_with("todo")
        || lower.starts_with("xxx")
        || lower.starts_with("http://") && !has_url_password(v)
        || lower.starts_with("https://") && !has_url_password(v)
        || lower
            .chars()
            .all(|c| c == 'x' || c == '*' || c == '-' || c == '.')
        || matches!(
            lower.as_str(),
            "true" | "false" | "null" | "none" | "undefined" | "secret" | "password" | "token"
        )
        || v.contains(' ') && !v.contains("-----BEGIN")
        // `ACTIVEMQ_SECRET_ARN`, `YOUR_API_KEY`: a placeholder written as a constant name.
        || v.contains('_') && v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        || is_relative_path(v)
        || is_file_path(v)
}

/// `~/.ssh/id_rsa`, `./certs/client.pem`, `C:\\keys\\app.ppk`: where a key file is, not the key.
pub fn is_file_path(v: &str) -> bool {
    let v = v.trim();
    if v.contains(char::is_whitespace) || v.contains("-----") {
        return false;
    }
    let rooted = v.starts_with("~/")
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with('/')
        || v.get(1..3) == Some(":\\");
    let file_name = v.rsplit(['/', '\\']).next().unwrap_or(v);
    let key_file = [
        ".pem", ".pub", ".key", ".ppk", ".crt", ".cer", ".p12", ".pfx", ".jks", ".json", ".txt",
        ".env",
    ]
    .iter()
    .any(|ext| file_name.to_ascii_lowercase().ends_with(ext))
        || file_name.starts_with("id_rsa")
        || file_name.starts_with("id_ed25519")
        || file_name.starts_with("id_ecdsa");
    (rooted && (v.contains('/') || v.contains('\\'))) || (key_file && v.contains(['/', '\\']))
}

/// `secret/data/app/db-creds`, `config/prod.json`: where a secret is kept (a Vault or
/// Secrets Manager path, a file), written in lower-case words; encoded secrets mix cases.
fn is_relative_path(v: &str) -> bool {
    let segments: Vec<&str> = v.split('/').collect();
    segments.len() >= 2
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
                })
        })
        && segments
            .iter()
            .any(|s| s.bytes().filter(u8::is_ascii_lowercase).count() >= 3)
}

fn has_url_password(v: &str) -> bool {
    v.split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .is_some_and(|auth| auth.contains(':') && auth.contains('@'))
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    let bytes = s.as_bytes();
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let len = bytes.len() as f64;
    if len == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// A value with the shape of a well-known credential, whatever its name. Returns its kind.
pub fn known_credential(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let starts_upper_alnum = |prefix: &str, len: usize| {
        v.len() == len
            && v.starts_with(prefix)
            && v.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if ["AKIA", "ASIA", "ABIA", "ACCA"]
        .iter()
        .any(|p| starts_upper_alnum(p, 20))
    {
        if v.ends_with("EXAMPLE") {
            return None;
        }
        return Some("AWS access key id");
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("private key");
    }
    let prefixed: &[(&str, &str, usize)] = &[
        ("sk_live_", "Stripe secret key", 20),
        ("rk_live_", "Stripe restricted key", 20),
        ("ghp_", "GitHub token", 36),
        ("gho_", "GitHub token", 36),
        ("ghs_", "GitHub token", 36),
        ("github_pat_", "GitHub token", 40),
        ("xoxb-", "Slack token", 20),
        ("xoxp-", "Slack token", 20),
        ("AIza", "Google API key", 35),
        ("SG.", "SendGrid API key", 60),
        ("glpat-", "GitLab token", 20),
        ("npm_", "npm token", 36),
    ];
    for (prefix, kind, min_len) in prefixed {
        if v.starts_with(prefix) && v.len() >= *min_len && !v.contains(' ') {
            return Some(kind);
        }
    }
    if v.starts_with("eyJ") && v.matches('.').count() == 2 && v.len() > 40 {
        return Some("JSON Web Token");
    }
    // `amqps://{user}:{password}@host` is a template, not a credential.
    if has_url_password(v) && !v.contains("${") && !v.contains('{') {
        return Some("connection string with a password");
    }
    None
}

/// Whether a literal configuration value under `name` is very likely a real credential.
/// Returns a short reason for the message.
pub fn literal_secret(name: &str, value: &str) -> Option<String> {
    if let Some(kind) = known_credential(value) {
        return Some(format!("it matches the {kind} pattern"));
    }
    if !is_secret_name(name) || is_placeholder_or_pointer(value) {
        return None;
    }
    let v = value.trim();
    let e = entropy(v);
    if v.len() >= 16 && e >= 3.0 {
        return Some(format!(
            "`{name}` holds a high-entropy literal ({e:.1} bits/char)"
        ));
    }
    // Short human-chosen passwords are still passwords.
    if name_parts(name)
        .iter()
        .any(|p| matches!(p.as_str(), "password" | "passwd" | "pwd" | "passphrase"))
        && v.len() >= 6
    {
        return Some(format!("`{name}` holds a literal password"));
    }
    None
}

#[cfg(test)]
mod path_tests {
    use super::*;

    #[test]
    fn vault_paths_are_pointers_not_secrets() {
        assert_eq!(
            literal_secret(
                "VAULT_SECRET_PATH_DB",
                "secret/data/onlineweb4/gsuite-creds"
            ),
            None
        );
        assert_eq!(literal_secret("DB_SECRET", "postgres/creds/ow4"), None);
        assert!(literal_secret("API_SECRET", "aB3/xY9+kLmN0pQr/StUvWx12").is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "apiKey",
            "STRIPE_SECRET_KEY",
            "GITHUB_TOKEN",
            "jwtSecret",
            "API_KEY",
            "REFRESH_TOKEN",
            "ssh_private_key",
            "GitHubOAuthToken",
            "DbPasswordForApp",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "SECRET_ARN",
            "TOKEN_TABLE",
            "PASSWORD_PARAMETER_NAME",
            "TABLE_NAME",
            "S3_KEY",
            "KMS_KEY_ID",
            "PARTITION_KEY",
            "passwordPolicyCharacters",
            "userpoolClientGenerateSecret",
            "userpoolClientRefreshTokenValidity",
            "GithubRepoSecretJSONKey",
            "EnableTokenRevocation",
            "password_policy_min_length",
            "encrypted_carbon_black_api_token",
            "API_TOKEN_CIPHERTEXT",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn values() {
        assert!(literal_secret("X", "AKIAQWERTYUIOPASDFGH").is_some());
        assert!(literal_secret("X", "AKIAIOSFODNN7EXAMPLE").is_none());
        assert!(literal_secret("DB_PASSWORD", "hunter22").is_some());
        assert!(literal_secret("DB_PASSWORD", "changeme").is_none());
        assert!(literal_secret("API_TOKEN", "9f8e7d6c5b4a39281716aabbccddeeff").is_some());
        assert!(literal_secret("API_TOKEN", "/prod/api/token").is_none());
        assert!(literal_secret("API_TOKEN", "REPLACE_WITH_TOKEN_VALUE").is_none());
        assert!(literal_secret("DATABASE_URL", "postgres://app:s3cr3t@db:5432/app").is_some());
        assert!(literal_secret("SERVICE_URL", "https://api.example.com/v1").is_none());
        assert!(literal_secret("ssh_private_key", "~/.ssh/id_rsa").is_none());
        assert!(literal_secret("TLS_PRIVATE_KEY", "certs/client-key.pem").is_none());
        assert!(is_file_path("C:\\keys\\deploy.ppk"));
        assert!(!is_file_path("aB3/xY9+kLmN0pQr/StUvWx12"));
    }
}
