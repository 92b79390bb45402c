//! The configuration of a Rathaus installation.
//!
//! Values come from, in rising precedence: the defaults written here, a TOML file, and
//! environment variables named `RATHAUS_<SECTION>__<KEY>` (for example
//! `RATHAUS_DATABASE__URL`). Every section refuses unknown keys, so that a misspelt key is
//! an error naming the key instead of a silently ignored setting. `docs/configuration.md`
//! lists every key; a test keeps that list and this file in step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The HTTP server.
    pub server: ServerConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// The city this installation serves.
    pub city: CityConfig,
    /// Logging.
    pub log: LogConfig,
    /// Templates and texts a city may override.
    pub templates: TemplatesConfig,
    /// Outgoing mail.
    pub mail: MailConfig,
    /// Sign-in (sessions, password rules and hashing) and how long records about people
    /// are kept.
    pub identity: IdentitySettings,
    /// The limits behind the readability advice in the staff portal.
    pub readability: ReadabilityLimits,
}

/// The HTTP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// The address people reach the portal at, used in feeds, the sitemap and links in
    /// emails. Default `http://127.0.0.1:8080`.
    pub public_url: String,
    /// How long a request may take before it is answered with 503, in seconds. Default 30.
    pub request_timeout_seconds: u64,
    /// How many requests are handled at once before further ones get 503. Default 512.
    pub max_concurrent_requests: usize,
    /// How long shutdown waits for running requests, in seconds. Default 20.
    pub shutdown_grace_seconds: u64,
    /// How often the content is checked for changes made by other nodes or the command
    /// line, in milliseconds. Default 1000.
    pub content_poll_milliseconds: u64,
    /// Addresses of reverse proxies in front of Rathaus whose `X-Forwarded-For` header is
    /// believed, so that sign-in throttling counts the real client. Default none: the
    /// header is ignored, since anyone could write it.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".to_owned(),
            request_timeout_seconds: 30,
            max_concurrent_requests: 512,
            shutdown_grace_seconds: 20,
            content_poll_milliseconds: 1000,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` for the embedded database or
    /// `postgres://user@host/database` for PostgreSQL. Default `sqlite://data/rathaus.db`.
    pub url: String,
    /// The most connections in the pool. Default 8 (SQLite serialises writes anyway).
    pub max_connections: u32,
    /// How long to wait for a connection or a lock, in seconds. Default 5.
    pub busy_timeout_seconds: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://data/rathaus.db".to_owned(),
            max_connections: 8,
            busy_timeout_seconds: 5,
        }
    }
}

/// The city this installation serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CityConfig {
    /// The city's name as shown in the portal. Default `Musterstadt`.
    pub name: String,
    /// The German state (two-letter code such as `BY`), which decides the public holidays.
    /// Default `BY`.
    pub state: String,
    /// The time zone opening hours and dates are shown in. Default `Europe/Berlin`.
    pub time_zone: String,
}

impl Default for CityConfig {
    fn default() -> Self {
        CityConfig {
            name: "Musterstadt".to_owned(),
            state: "BY".to_owned(),
            time_zone: "Europe/Berlin".to_owned(),
        }
    }
}

/// Logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `json` for one JSON object per line, `pretty` for people. Default `json`.
    pub format: LogFormat,
    /// Which events to log, as a tracing filter such as `info` or `rathaus=debug,info`.
    /// Default `info`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Json,
            filter: "info".to_owned(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line, for log collectors.
    Json,
    /// Readable lines, for people at a terminal.
    Pretty,
}

/// Templates and texts a city may override.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TemplatesConfig {
    /// A folder whose templates replace the built-in ones of the same name. Default: none.
    pub override_dir: Option<PathBuf>,
}

/// Outgoing mail, sent through an SMTP server (a relay of the city or a mail provider).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server: `smtp://host:25` (no encryption), `smtp+starttls://host:587`
    /// (STARTTLS required) or `smtps://host:465` (TLS from the start), with optional
    /// `user:password@` before the host. Empty means mail is switched off: messages wait in
    /// the outbox until a server is configured. Default empty.
    pub smtp_url: String,
    /// The sender address of every message, such as `Stadt Musterstadt
    /// <noreply@musterstadt.example>`. Required when `smtp_url` is set.
    pub from: String,
    /// How long sending one message may take, connection included, in seconds. Default 30.
    pub send_timeout_seconds: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: String::new(),
            from: String::new(),
            send_timeout_seconds: 30,
        }
    }
}

/// Sign-in (sessions, password rules and hashing) and how long records about people are
/// kept. The identity platform turns these into its own configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// A session ends after this many minutes without a request. Default 30.
    pub session_idle_minutes: u64,
    /// A session ends this many hours after sign-in, however active. Default 10.
    pub session_absolute_hours: u64,
    /// How many passwords are hashed at once; further sign-ins wait briefly, then get 503.
    /// 0 means one per processor core. Default 0.
    pub max_concurrent_hashes: usize,
    /// The fewest characters a staff password may have. Default 12.
    pub password_min_length: usize,
    /// How many hours an invitation link stays valid. Default 72.
    pub invitation_hours: u64,
    /// The name authenticator apps show beside the account. Default `Rathaus`.
    pub totp_issuer: String,
    /// Audit log entries are deleted this many days after they were written. Default 365.
    pub audit_log_retention_days: u64,
    /// Data-use log entries (who read which profile data) are deleted this many days after
    /// the read, also those of deleted accounts. Default 730.
    pub data_use_log_retention_days: u64,
    /// Citizen accounts still unverified this many days after they were made are deleted.
    /// Default 7.
    pub unverified_account_days: u64,
    /// External identity providers people may sign in with over OpenID Connect, such as the
    /// city's Keycloak brokering BundID and BayernID. Default none.
    pub providers: Vec<ProviderSettings>,
}

/// One external identity provider, reached over OpenID Connect (`[[identity.providers]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// The provider's id: lower-case letters, digits and `-`, such as `muenchen`. It names
    /// the provider in addresses, the audit log and the profile vault; keep it stable.
    pub id: String,
    /// The name on the sign-in button, such as `BundID / BayernID`.
    pub display_name: String,
    /// The issuer, whose `/.well-known/openid-configuration` describes the provider, such
    /// as `https://login.muenchen.example/realms/public`.
    pub issuer_url: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret registered at the provider. Default empty (a public client).
    #[serde(default)]
    pub client_secret: String,
    /// The scopes asked for; must include `openid`. Default `openid`, `profile`, `email`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Which claim of the ID token fills which profile attribute, such as
    /// `given_name = "person.given_names"`; a claim inside an object is named with dots
    /// (`address.locality`), a part of an address attribute after a colon
    /// (`address.main_residence:city`). Default none.
    #[serde(default)]
    pub claims: std::collections::BTreeMap<String, String>,
    /// The claim that tells how the person proved their identity. Default `acr`.
    #[serde(default = "default_assurance_claim")]
    pub assurance_claim: String,
    /// Which value of the assurance claim means which trust level (`low`, `substantial`,
    /// `high`), such as `level3 = "substantial"`. A missing or unknown value means `low`.
    /// Default none.
    #[serde(default)]
    pub trust_levels: std::collections::BTreeMap<String, String>,
    /// Whether this is the city's provider for staff: it then signs in staff accounts only,
    /// and citizens never see it. Default false.
    #[serde(default)]
    pub staff: bool,
    /// For a staff provider: values that show the provider checked a second factor, found
    /// in the `amr` claim or as the value of the assurance claim, such as `otp`. Required for
    /// a staff provider. Default none.
    #[serde(default)]
    pub second_factor: Vec<String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email"].map(str::to_owned).to_vec()
}

fn default_assurance_claim() -> String {
    "acr".to_owned()
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            session_idle_minutes: 30,
            session_absolute_hours: 10,
            max_concurrent_hashes: 0,
            password_min_length: 12,
            invitation_hours: 72,
            totp_issuer: "Rathaus".to_owned(),
            audit_log_retention_days: 365,
            data_use_log_retention_days: 730,
            unverified_account_days: 7,
            providers: Vec::new(),
        }
    }
}

/// The longest retention period a setting may name: a hundred years.
const MAX_RETENTION_DAYS: u64 = 36_500;

/// The limits behind the readability advice editors see while writing. The advice is never a
/// gate; these only decide what is pointed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadabilityLimits {
    /// A German or English sentence with more words is pointed out. Default 15.
    pub max_sentence_words: usize,
    /// A Leichte Sprache sentence with more words is pointed out. Default 10.
    pub max_sentence_words_easy: usize,
    /// A word with more letters is pointed out as long. Default 15.
    pub long_word_letters: usize,
    /// In Leichte Sprache, a capitalised word with more letters and no hyphen or Mediopunkt
    /// is pointed out as a compound to split. Default 10.
    pub max_compound_letters_easy: usize,
}

impl Default for ReadabilityLimits {
    fn default() -> Self {
        ReadabilityLimits {
            max_sentence_words: 15,
            max_sentence_words_easy: 10,
            long_word_letters: 15,
            max_compound_letters_easy: 10,
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file, the environment or a value is wrong; the message names the key.
    #[error("{0}")]
    Invalid(String),
    /// The named configuration file does not exist.
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
}

impl Config {
    /// Loads the configuration from the defaults, the file (if given) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(
            Env::prefixed("RATHAUS_")
                .filter(|name| is_setting(name.as_str()))
                .split("__"),
        );

        let config: Config = figment.extract().map_err(|error| {
            let messages: Vec<String> = error.into_iter().map(|e| describe(&e)).collect();
            ConfigError::Invalid(messages.join("; "))
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types alone cannot.
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, why: &str| Err(ConfigError::Invalid(format!("{key}: {why}")));

        let url = &self.database.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://")) {
            return invalid(
                "database.url",
                "must start with `sqlite:` (embedded database) or `postgres://`",
            );
        }
        if self.database.max_connections == 0 {
            return invalid("database.max_connections", "must be at least 1");
        }
        if self.city.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return invalid(
                "city.time_zone",
                "is not a time zone name such as `Europe/Berlin`",
            );
        }
        let public_url = &self.server.public_url;
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return invalid(
                "server.public_url",
                "must start with `http://` or `https://`",
            );
        }
        if public_url.ends_with('/') {
            return invalid("server.public_url", "must not end with `/`");
        }
        if self.server.max_concurrent_requests == 0 {
            return invalid("server.max_concurrent_requests", "must be at least 1");
        }
        if let Err(why) = crate::mail::check_settings(&self.mail) {
            return invalid(why.key, &why.reason);
        }
        self.validate_identity()?;
        let limits = &self.readability;
        for (key, value) in [
            ("readability.max_sentence_words", limits.max_sentence_words),
            (
                "readability.max_sentence_words_easy",
                limits.max_sentence_words_easy,
            ),
            ("readability.long_word_letters", limits.long_word_letters),
            (
                "readability.max_compound_letters_easy",
                limits.max_compound_letters_easy,
            ),
        ] {
            if value == 0 {
                return invalid(key, "must be at least 1");
            }
        }

        Ok(())
    }

    /// Checks the identity settings, which the types alone allow to be nonsense.
    fn validate_identity(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, why: &str| Err(ConfigError::Invalid(format!("{key}: {why}")));
        let identity = &self.identity;

        if identity.session_idle_minutes == 0 {
            return invalid("identity.session_idle_minutes", "must be at least 1");
        }
        if identity.session_absolute_hours == 0 {
            return invalid("identity.session_absolute_hours", "must be at least 1");
        }
        if identity.session_idle_minutes > identity.session_absolute_hours * 60 {
            return invalid(
                "identity.session_idle_minutes",
                "must not be longer than identity.session_absolute_hours",
            );
        }
        if !(8..=128).contains(&identity.password_min_length) {
            return invalid("identity.password_min_length", "must be between 8 and 128");
        }
        if identity.invitation_hours == 0 {
            return invalid("identity.invitation_hours", "must be at least 1");
        }
        let issuer = identity.totp_issuer.trim();
        if issuer.is_empty() || issuer.contains(':') {
            return invalid(
                "identity.totp_issuer",
                "must not be empty and must not contain `:`",
            );
        }
        for (key, days) in [
            (
                "identity.audit_log_retention_days",
                identity.audit_log_retention_days,
            ),
            (
                "identity.data_use_log_retention_days",
                identity.data_use_log_retention_days,
            ),
            (
                "identity.unverified_account_days",
                identity.unverified_account_days,
            ),
        ] {
            if !(1..=MAX_RETENTION_DAYS).contains(&days) {
                return invalid(key, "must be between 1 and 36500 days");
            }
        }
        for (index, provider) in identity.providers.iter().enumerate() {
            if let Err((field, why)) = check_provider(provider) {
                return invalid(&format!("identity.providers[{index}].{field}"), &why);
            }
            let first = identity
                .providers
                .iter()
                .position(|other| other.id == provider.id);
            if first != Some(index) {
                return invalid(
                    &format!("identity.providers[{index}].id"),
                    &format!("`{}` is used by another provider", provider.id),
                );
            }
        }

        Ok(())
    }

    /// The configured time zone. Validated at load, so it falls back only for a
    /// configuration built by hand in code.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.city
            .time_zone
            .parse()
            .unwrap_or(chrono_tz::Europe::Berlin)
    }
}

/// Checks one identity provider's settings; the error names the field and what is wrong.
fn check_provider(provider: &ProviderSettings) -> Result<(), (&'static str, String)> {
    let is_id = |text: &str| {
        !text.is_empty()
            && text.len() <= 40
            && text
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
    };
    if !is_id(&provider.id) {
        return Err((
            "id",
            "must be 1 to 40 lower-case letters, digits or `-`".to_owned(),
        ));
    }
    if provider.display_name.trim().is_empty() {
        return Err(("display_name", "must not be empty".to_owned()));
    }
    let issuer = provider.issuer_url.as_str();
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
        .iter()
        .any(|prefix| issuer.starts_with(prefix));
    if !(issuer.starts_with("https://") || loopback) {
        return Err((
            "issuer_url",
            "must start with `https://` (plain `http://` only on this machine)".to_owned(),
        ));
    }
    if provider.client_id.trim().is_empty() {
        return Err(("client_id", "must not be empty".to_owned()));
    }
    if !provider.scopes.iter().any(|scope| scope == "openid") {
        return Err(("scopes", "must include `openid`".to_owned()));
    }
    if provider.assurance_claim.trim().is_empty() {
        return Err(("assurance_claim", "must not be empty".to_owned()));
    }
    if provider.staff
        && provider
            .second_factor
            .iter()
            .all(|value| value.trim().is_empty())
    {
        return Err((
            "second_factor",
            "a staff provider must name the `amr` or assurance values of a second factor"
                .to_owned(),
        ));
    }
    for (value, level) in &provider.trust_levels {
        if !["low", "substantial", "high"].contains(&level.as_str()) {
            return Err((
                "trust_levels",
                format!("`{value}` must map to `low`, `substantial` or `high`, not `{level}`"),
            ));
        }
    }
    for (claim, target) in &provider.claims {
        let attribute = target
            .split_once(':')
            .map_or(target.as_str(), |(name, _)| name);
        let well_formed = attribute.contains('.')
            && attribute.split('.').all(|word| {
                word.starts_with(|letter: char| letter.is_ascii_lowercase())
                    && word.bytes().all(|byte| {
                        byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_'
                    })
            });
        if claim.is_empty() || !well_formed {
            return Err((
                "claims",
                format!(
                    "`{claim}` must map to an attribute such as `person.family_name`, not `{target}`"
                ),
            ));
        }
    }
    Ok(())
}

/// Environment variables with the `RATHAUS_` prefix that are not settings: the path of the
/// configuration file, the test database, and the password of the first administrator
/// (read by `rathaus staff create-admin`). Every other one is a setting, so a misspelt
/// variable is reported instead of ignored.
const NOT_SETTINGS: [&str; 3] = ["CONFIG", "TEST_POSTGRES", "ADMIN_PASSWORD"];

/// Whether an environment variable, named without its `RATHAUS_` prefix, is a setting.
fn is_setting(name: &str) -> bool {
    !NOT_SETTINGS
        .iter()
        .any(|other| other.eq_ignore_ascii_case(name))
}

/// One configuration error as a sentence that names the key.
fn describe(error: &figment::Error) -> String {
    let key = error.path.join(".");
    let source = match &error.metadata {
        Some(metadata) => format!(" (from {})", metadata.name),
        None => String::new(),
    };
    let mut message = error.kind.to_string();
    if let figment::error::Kind::UnknownField(field, _) = &error.kind {
        // Figment may already end the path with the unknown key.
        let full = if key.is_empty() {
            field.clone()
        } else if key == *field || key.ends_with(&format!(".{field}")) {
            key.clone()
        } else {
            format!("{key}.{field}")
        };
        message = format!("unknown key `{full}`");
        return format!("{message}{source}");
    }
    if key.is_empty() {
        format!("{message}{source}")
    } else {
        format!("{key}: {message}{source}")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn load_toml(text: &str) -> Result<Config, ConfigError> {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        Config::load(Some(file.path()))
    }

    #[test]
    fn an_empty_file_gives_the_defaults() {
        assert_eq!(load_toml("").unwrap(), Config::default());
    }

    #[test]
    fn an_unknown_key_is_named_in_the_error() {
        let error = load_toml("[server]\nlisten = \"127.0.0.1:9000\"\nlsiten = 1\n").unwrap_err();
        assert!(
            error.to_string().contains("unknown key `server.lsiten`"),
            "{error}"
        );

        let error = load_toml("[sever]\n").unwrap_err();
        assert!(error.to_string().contains("unknown key `sever`"), "{error}");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_key() {
        let error = load_toml("[database]\nmax_connections = \"many\"\n").unwrap_err();
        assert!(
            error.to_string().contains("database.max_connections"),
            "{error}"
        );
    }

    #[test]
    fn values_that_parse_but_make_no_sense_are_refused() {
        let error = load_toml("[database]\nurl = \"mysql://x\"\n").unwrap_err();
        assert!(error.to_string().starts_with("database.url"), "{error}");

        let error = load_toml("[city]\ntime_zone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(error.to_string().starts_with("city.time_zone"), "{error}");
    }

    #[test]
    fn every_key_is_documented_for_operators() {
        fn keys(prefix: &str, value: &serde_json::Value, found: &mut Vec<String>) {
            match value.as_object() {
                Some(table) => {
                    for (name, inner) in table {
                        let path = if prefix.is_empty() {
                            name.clone()
                        } else {
                            format!("{prefix}.{name}")
                        };
                        keys(&path, inner, found);
                    }
                }
                None => found.push(prefix.to_owned()),
            }
        }

        let document = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md"),
        )
        .unwrap();
        let mut found = Vec::new();
        keys(
            "",
            &serde_json::to_value(Config::default()).unwrap(),
            &mut found,
        );
        let missing: Vec<&String> = found
            .iter()
            .filter(|key| !document.contains(&format!("| `{key}` |")))
            .collect();
        assert!(found.len() > 10);
        assert!(
            missing.is_empty(),
            "not in docs/configuration.md: {missing:?}"
        );
    }

    #[test]
    fn the_file_path_and_the_test_database_are_not_settings() {
        assert!(!is_setting("CONFIG"));
        assert!(!is_setting("test_postgres"));
        assert!(!is_setting("ADMIN_PASSWORD"));
        assert!(is_setting("DATABASE__URL"));
        assert!(
            is_setting("DATABASE_URL"),
            "a misspelt setting must be reported"
        );
    }

    #[test]
    fn identity_providers_are_read_and_checked() {
        let provider = "[[identity.providers]]\nid = \"muenchen\"\ndisplay_name = \"BundID\"\n\
                        issuer_url = \"https://login.example/realms/public\"\nclient_id = \"rathaus\"\n";
        let config = load_toml(&format!(
            "{provider}[identity.providers.trust_levels]\nlevel3 = \"substantial\"\n"
        ))
        .unwrap();
        let read = &config.identity.providers[0];
        assert_eq!(read.scopes, ["openid", "profile", "email"]);
        assert_eq!(read.assurance_claim, "acr");
        assert_eq!(read.trust_levels["level3"], "substantial");

        let error = load_toml(&format!("{provider}secret = \"x\"\n")).unwrap_err();
        assert!(error.to_string().contains("secret"), "{error}");
        let error = load_toml(&provider.replace("https://", "http://")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("identity.providers[0].issuer_url"),
            "{error}"
        );
        let error = load_toml(&format!(
            "{provider}[identity.providers.trust_levels]\nlevel3 = \"medium\"\n"
        ))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("identity.providers[0].trust_levels"),
            "{error}"
        );
        let error = load_toml(&format!("{provider}staff = true\n")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("identity.providers[0].second_factor"),
            "{error}"
        );
        let error = load_toml(&format!("{provider}{provider}")).unwrap_err();
        assert!(
            error.to_string().starts_with("identity.providers[1].id"),
            "{error}"
        );
    }

    #[test]
    fn mail_settings_are_checked_at_load() {
        let error = load_toml("[mail]\nsmtp_url = \"http://mail.example\"\n").unwrap_err();
        assert!(error.to_string().starts_with("mail.smtp_url"), "{error}");

        let error = load_toml("[mail]\nsmtp_url = \"smtp://127.0.0.1:25\"\n").unwrap_err();
        assert!(error.to_string().starts_with("mail.from"), "{error}");

        let config = load_toml(
            "[mail]\nsmtp_url = \"smtp+starttls://mail.example:587\"\n\
             from = \"Stadt <noreply@stadt.example>\"\n",
        )
        .unwrap();
        assert_eq!(config.mail.send_timeout_seconds, 30);
    }

    #[test]
    fn identity_settings_that_make_no_sense_are_refused() {
        let error = load_toml("[identity]\npassword_min_length = 4\n").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("identity.password_min_length"),
            "{error}"
        );

        let error = load_toml("[identity]\nsession_idle_minutes = 900\n").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("identity.session_idle_minutes"),
            "{error}"
        );

        let error = load_toml("[identity]\ndata_use_log_retention_days = 0\n").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("identity.data_use_log_retention_days"),
            "{error}"
        );
        let config = load_toml("[identity]\naudit_log_retention_days = 90\n").unwrap();
        assert_eq!(config.identity.audit_log_retention_days, 90);
        assert_eq!(config.identity.unverified_account_days, 7);
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let error = Config::load(Some(Path::new("/nonexistent/rathaus.toml"))).unwrap_err();
        assert!(matches!(error, ConfigError::MissingFile(_)));
    }
}
