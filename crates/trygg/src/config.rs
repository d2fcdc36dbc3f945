//! Configuration: defaults, then a TOML file (`--config` / `TRYGG_CONFIG`), then
//! environment variables, then command-line flags. Passed explicitly, never global.
//! `trygg config example` prints every option below with its documentation.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use trygg_domain::audit::AuditKey;

/// One documented option, for `config example` and the README.
pub struct OptionDoc {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
    /// A valid TOML value for the commented line in `config example`.
    pub sample: &'static str,
}

pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "database_url",
        sample: r#""sqlite://trygg.db""#,
        env: "TRYGG_DATABASE_URL",
        default: "\"sqlite://trygg.db\"",
        doc: "Where the data lives. `sqlite://FILE` (created if absent) for one server, or\n`postgres://USER:PASSWORD@HOST:5432/DB` for PostgreSQL and several instances.\nAlso `--database-url` on every command.",
    },
    OptionDoc {
        key: "listen",
        sample: r#""127.0.0.1:8080""#,
        env: "TRYGG_LISTEN",
        default: "\"127.0.0.1:8080\"",
        doc: "Address and port `trygg serve` listens on. Also `--listen`.",
    },
    OptionDoc {
        key: "public_url",
        sample: r#""https://trygg.example.se""#,
        env: "TRYGG_PUBLIC_URL",
        default: "(unset)",
        doc: "The address users reach Trygg at, e.g. \"https://trygg.linkoping.se\". Forms are only\naccepted from this origin. Unset: the request's own Host is trusted (single server).",
    },
    OptionDoc {
        key: "cookie_secure",
        sample: r#"true"#,
        env: "TRYGG_COOKIE_SECURE",
        default: "true",
        doc: "Mark cookies Secure (HTTPS only) and send HSTS. Turn off only for plain-http\ndevelopment on your own machine.",
    },
    OptionDoc {
        key: "trust_forwarded_for",
        sample: r#"false"#,
        env: "TRYGG_TRUST_FORWARDED_FOR",
        default: "false",
        doc: "Take the client address from X-Forwarded-For. Only behind a load balancer that sets\nit; otherwise clients could dodge the per-address login limit.",
    },
    OptionDoc {
        key: "audit_key_file",
        sample: r#""/var/lib/trygg/trygg-audit.key""#,
        env: "TRYGG_AUDIT_KEY_FILE",
        default: "trygg-audit.key in the SQLite file's folder; ./trygg-audit.key for PostgreSQL",
        doc: "The secret key of the audit log's hash chain (at least 32 bytes). Created on first\nstart if missing and the log is empty. Keep it outside the database and its backups,\nand give every instance the same file. Losing it means the chain can no longer be verified.",
    },
    OptionDoc {
        key: "audit_key",
        sample: r#""a secret of at least 32 characters…""#,
        env: "TRYGG_AUDIT_KEY",
        default: "(unset)",
        doc: "The audit key itself (at least 32 characters), instead of a file; for container secrets\nprefer TRYGG_AUDIT_KEY_FILE.",
    },
    OptionDoc {
        key: "map.tile_url",
        sample: r#""https://tile.openstreetmap.org/{z}/{x}/{y}.png""#,
        env: "TRYGG_MAP_TILE_URL",
        default: "(unset)",
        doc: "Map tiles, e.g. \"https://tile.openstreetmap.org/{z}/{x}/{y}.png\". Unset: maps show\nTrygg's own area polygons on a plain background, which works offline.",
    },
    OptionDoc {
        key: "map.attribution",
        sample: r#""© OpenStreetMap contributors""#,
        env: "TRYGG_MAP_ATTRIBUTION",
        default: "(unset)",
        doc: "Attribution text the tile provider requires, e.g. \"© OpenStreetMap contributors\".",
    },
    OptionDoc {
        key: "smtp.host",
        sample: r#""smtp.linkoping.se""#,
        env: "TRYGG_SMTP_HOST",
        default: "(unset)",
        doc: "The SMTP server e-mail notifications (measures assigned, answered, due soon, overdue)\nare sent through. Unset: notifications wait in the outbox and nothing is sent.",
    },
    OptionDoc {
        key: "smtp.port",
        sample: "587",
        env: "TRYGG_SMTP_PORT",
        default: "587 (465 with smtp.security = \"tls\", 25 with \"plain\")",
        doc: "The SMTP server's port.",
    },
    OptionDoc {
        key: "smtp.security",
        sample: r#""starttls""#,
        env: "TRYGG_SMTP_SECURITY",
        default: "\"starttls\"",
        doc: "`starttls` (required STARTTLS), `tls` (TLS from the start) or `plain` (only for a relay\non the same machine).",
    },
    OptionDoc {
        key: "smtp.username",
        sample: r#""trygg""#,
        env: "TRYGG_SMTP_USERNAME",
        default: "(unset: no login)",
        doc: "The SMTP login, if the server wants one.",
    },
    OptionDoc {
        key: "smtp.password",
        sample: r#""…""#,
        env: "TRYGG_SMTP_PASSWORD",
        default: "(unset)",
        doc: "The SMTP password; for container secrets prefer TRYGG_SMTP_PASSWORD_FILE.",
    },
    OptionDoc {
        key: "smtp.from",
        sample: r#""Trygg <trygg@linkoping.se>""#,
        env: "TRYGG_SMTP_FROM",
        default: "(required with smtp.host)",
        doc: "The sender of notifications. Links in them use public_url (required with smtp.host).",
    },
    OptionDoc {
        key: "mail.interval_secs",
        sample: "30",
        env: "TRYGG_MAIL_INTERVAL_SECS",
        default: "30",
        doc: "Seconds between two rounds of the e-mail sender (schedule the due-soon and overdue\nreminders, then send the outbox). Every instance runs its own; the outbox claims make\neach e-mail go out once however many there are. 1 to 3600.",
    },
    OptionDoc {
        key: "log_format",
        sample: r#""text""#,
        env: "TRYGG_LOG_FORMAT",
        default: "\"text\"",
        doc: "`text` for people, `json` for log collectors. Verbosity with RUST_LOG (default info).",
    },
];

/// The file's shape; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    cookie_secure: Option<bool>,
    trust_forwarded_for: Option<bool>,
    audit_key_file: Option<PathBuf>,
    audit_key: Option<String>,
    map: Option<MapFile>,
    smtp: Option<SmtpFile>,
    mail: Option<MailFile>,
    log_format: Option<String>,
}

/// The `[mail]` table: how the sender runs, whatever the server.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailFile {
    interval_secs: Option<u64>,
}

/// The `[smtp]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpFile {
    host: Option<String>,
    port: Option<u16>,
    security: Option<String>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
}

/// Where notifications are sent; `None` in [`Config`] when no host is configured.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: trygg_core::mail::SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

/// The `[map]` table (or `map.tile_url = …` dotted keys).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    tile_url: Option<String>,
    attribution: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub public_url: Option<String>,
    pub cookie_secure: bool,
    pub trust_forwarded_for: bool,
    pub audit_key_file: Option<PathBuf>,
    audit_key: Option<String>,
    pub map_tile_url: Option<String>,
    pub map_attribution: Option<String>,
    pub smtp: Option<SmtpConfig>,
    /// Seconds between two rounds of the e-mail sender.
    pub mail_interval_secs: u64,
    pub log_json: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_bool(name: &str) -> Result<Option<bool>> {
    match env(name).map(|v| v.trim().to_lowercase()) {
        None => Ok(None),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(Some(true)),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(Some(false)),
        Some(v) => bail!("{name} must be true or false, not `{v}`"),
    }
}

impl Config {
    /// Layers file, environment and flags over the defaults.
    pub fn load(
        file: Option<&std::path::Path>,
        database_url: Option<String>,
        listen: Option<String>,
    ) -> Result<Self> {
        let f: FileConfig = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("config file {} is not valid", path.display()))?
            }
            None => FileConfig::default(),
        };
        let log_format = env("TRYGG_LOG_FORMAT")
            .or(f.log_format)
            .unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            bail!("log_format must be `text` or `json`, not `{log_format}`");
        }
        Ok(Self {
            database_url: database_url
                .or_else(|| env("TRYGG_DATABASE_URL"))
                .or(f.database_url)
                .unwrap_or_else(|| "sqlite://trygg.db".into()),
            listen: listen
                .or_else(|| env("TRYGG_LISTEN"))
                .or(f.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url: env("TRYGG_PUBLIC_URL").or(f.public_url),
            cookie_secure: env_bool("TRYGG_COOKIE_SECURE")?
                .or(f.cookie_secure)
                .unwrap_or(true),
            trust_forwarded_for: env_bool("TRYGG_TRUST_FORWARDED_FOR")?
                .or(f.trust_forwarded_for)
                .unwrap_or(false),
            audit_key_file: env("TRYGG_AUDIT_KEY_FILE")
                .map(PathBuf::from)
                .or(f.audit_key_file),
            audit_key: env("TRYGG_AUDIT_KEY").or(f.audit_key),
            map_tile_url: env("TRYGG_MAP_TILE_URL")
                .or(f.map.as_ref().and_then(|m| m.tile_url.clone())),
            map_attribution: env("TRYGG_MAP_ATTRIBUTION")
                .or(f.map.as_ref().and_then(|m| m.attribution.clone())),
            smtp: smtp_config(f.smtp.unwrap_or_default())?,
            mail_interval_secs: mail_interval(f.mail.unwrap_or_default())?,
            log_json: log_format == "json",
        })
    }

    /// The database URL with any password replaced, for logs and messages.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }

    /// Where the audit key lives when none is configured.
    pub fn default_key_file(&self) -> PathBuf {
        match self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))
        {
            Some(path) => {
                let path = std::path::Path::new(path.split('?').next().unwrap_or(path));
                path.parent()
                    .unwrap_or(std::path::Path::new(""))
                    .join("trygg-audit.key")
            }
            None => PathBuf::from("trygg-audit.key"),
        }
    }

    /// The configured key, if given inline or in an existing file; `Ok(None)` when the
    /// file does not exist yet (the caller may create it for an empty log).
    pub fn audit_key(&self) -> Result<Option<(AuditKey, PathBuf)>> {
        let path = self
            .audit_key_file
            .clone()
            .unwrap_or_else(|| self.default_key_file());
        if let Some(k) = &self.audit_key {
            let key = AuditKey::new(k.trim().as_bytes().to_vec())
                .map_err(|_| anyhow::anyhow!("TRYGG_AUDIT_KEY must be at least 32 characters"))?;
            return Ok(Some((key, path)));
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = AuditKey::new(text.trim().as_bytes().to_vec()).map_err(|_| {
                    anyhow::anyhow!(
                        "the audit key in {} is shorter than 32 characters",
                        path.display()
                    )
                })?;
                Ok(Some((key, path)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => {
                Err(e).with_context(|| format!("cannot read audit key file {}", path.display()))
            }
        }
    }

    pub fn key_path(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.default_key_file())
    }
}

fn smtp_config(f: SmtpFile) -> Result<Option<SmtpConfig>> {
    use trygg_core::mail::SmtpSecurity;
    let Some(host) = env("TRYGG_SMTP_HOST").or(f.host) else {
        return Ok(None);
    };
    let security_text = env("TRYGG_SMTP_SECURITY")
        .or(f.security)
        .unwrap_or_else(|| "starttls".into());
    let Some(security) = SmtpSecurity::parse(&security_text) else {
        bail!("smtp.security must be `starttls`, `tls` or `plain`, not `{security_text}`");
    };
    let port = match env("TRYGG_SMTP_PORT") {
        Some(p) => Some(
            p.trim()
                .parse::<u16>()
                .context("TRYGG_SMTP_PORT must be a port number")?,
        ),
        None => f.port,
    };
    let password = match env("TRYGG_SMTP_PASSWORD_FILE") {
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {path}"))?
                .trim()
                .to_owned(),
        ),
        None => env("TRYGG_SMTP_PASSWORD").or(f.password),
    };
    let Some(from) = env("TRYGG_SMTP_FROM").or(f.from) else {
        bail!("smtp.from is required when smtp.host is set");
    };
    Ok(Some(SmtpConfig {
        host,
        port: port.unwrap_or(match security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
            SmtpSecurity::StartTls => 587,
        }),
        security,
        username: env("TRYGG_SMTP_USERNAME").or(f.username),
        password,
        from,
    }))
}

fn mail_interval(f: MailFile) -> Result<u64> {
    let secs = match env("TRYGG_MAIL_INTERVAL_SECS") {
        Some(s) => s
            .trim()
            .parse::<u64>()
            .context("TRYGG_MAIL_INTERVAL_SECS must be a whole number of seconds")?,
        None => f.interval_secs.unwrap_or(30),
    };
    if !(1..=3600).contains(&secs) {
        bail!("mail.interval_secs must be between 1 and 3600, not {secs}");
    }
    Ok(secs)
}

pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `trygg config example`: a commented TOML file with every option and its default.
pub fn example() -> String {
    let mut out = String::from(
        "# Trygg configuration. Pass with --config FILE or TRYGG_CONFIG=FILE.\n\
         # Every option can also be set by the environment variable named beside it;\n\
         # the environment wins over this file, command-line flags win over both.\n",
    );
    for o in OPTIONS {
        out.push('\n');
        for line in o.doc.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!(
            "# Environment: {}. Default: {}.\n",
            o.env, o.default
        ));
        out.push_str(&format!("# {} = {}\n", o.key, o.sample));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://trygg:hemligt@db:5432/trygg"),
            "postgres://trygg:***@db:5432/trygg"
        );
        assert_eq!(
            redact("postgres://trygg@db/trygg"),
            "postgres://trygg@db/trygg"
        );
        assert_eq!(redact("sqlite://trygg.db"), "sqlite://trygg.db");
    }

    #[test]
    fn the_example_documents_every_option_and_parses() {
        let ex = example();
        for o in OPTIONS {
            assert!(ex.contains(o.env), "{}", o.key);
        }
        let uncommented: String = ex
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| {
                OPTIONS
                    .iter()
                    .any(|o| l.starts_with(&format!("{} = ", o.key)))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let parsed: FileConfig = toml::from_str(&uncommented).unwrap();
        assert_eq!(parsed.database_url.as_deref(), Some("sqlite://trygg.db"));
        assert!(
            parsed
                .map
                .and_then(|m| m.tile_url)
                .is_some_and(|u| u.contains("{z}")),
            "map.tile_url"
        );
    }

    #[test]
    fn key_file_sits_beside_the_sqlite_file() {
        let c = Config::load(None, Some("sqlite:///var/lib/trygg/trygg.db".into()), None).unwrap();
        assert_eq!(
            c.default_key_file(),
            PathBuf::from("/var/lib/trygg/trygg-audit.key")
        );
    }
}
