//! What every request handler shares: configuration, the published content, templates.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rathaus_base::mail::{Mailer, Outbox};
use rathaus_base::{Config, Database, DbError};
use rathaus_content::hours::State;
use rathaus_content::{Catalog, ContentError, ContentStore, MediaStore};
use rathaus_identity::{IdentityConfig, IdentityStore};
use tokio::sync::Notify;

use crate::assets::Assets;
use crate::csrf::FormTokens;
use crate::i18n::Messages;
use crate::middleware::SecurityPolicies;
use crate::page_cache::PageCache;
use crate::render::Templates;

/// The shared state of the web layer; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    state: State,
    database: Database,
    store: ContentStore,
    identity: IdentityStore,
    outbox: Outbox,
    mailer: Mailer,
    mail_waiting: Notify,
    media: MediaStore,
    catalog: RwLock<Arc<Catalog>>,
    templates: Templates,
    messages: Messages,
    assets: Assets,
    form_tokens: FormTokens,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    clock: Clock,
    page_cache: PageCache,
    security_policies: SecurityPolicies,
}

/// Where the current time comes from: the system, or a fixed instant in tests.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

/// Why the web layer could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The templates (built-in or overridden) do not compile.
    #[error("templates: {0}")]
    Templates(String),
    /// The message catalogs are broken.
    #[error("texts: {0}")]
    Messages(String),
    /// The configured state is not a German state.
    #[error("city.state: `{0}` is not the code of a German state, such as BY")]
    State(String),
    /// The content could not be loaded.
    #[error(transparent)]
    Content(#[from] ContentError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The mail settings are unusable.
    #[error("mail: {0}")]
    Mail(String),
}

/// A random secret that every node shares, made by whichever node needs it first.
async fn shared_secret(database: &Database, name: &str) -> Result<Vec<u8>, DbError> {
    #[derive(sqlx::FromRow)]
    struct Secret {
        value: String,
    }

    let fresh = rathaus_base::hex(&rand::random::<[u8; 32]>());
    database
        .execute(
            "INSERT INTO web_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[name.into(), fresh.into()],
        )
        .await?;
    let secret: Secret = database
        .fetch_one(
            "SELECT value FROM web_secrets WHERE name = $1",
            &[name.into()],
        )
        .await?;
    Ok(secret.value.into_bytes())
}

/// The published items and what pages need to know about media, as one catalog.
async fn load_catalog(store: &ContentStore, media: &MediaStore) -> Result<Catalog, ContentError> {
    let (version, items) = store.published().await?;
    let media = media.list(None).await?;
    Ok(Catalog::build(version, items).with_media(media))
}

impl AppState {
    /// Builds the state and loads the published content.
    pub async fn new(
        config: Config,
        database: Database,
        metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
        clock: Clock,
    ) -> Result<AppState, StartError> {
        let state = State::parse(&config.city.state)
            .ok_or_else(|| StartError::State(config.city.state.clone()))?;
        let assets = Assets::load();
        let templates = Templates::load(config.templates.override_dir.as_deref(), &assets)
            .map_err(StartError::Templates)?;
        let messages = Messages::load().map_err(StartError::Messages)?;
        let form_tokens = FormTokens::with_key(shared_secret(&database, "form-key").await?);
        let store = ContentStore::new(database.clone());
        let media = MediaStore::new(database.clone());
        let catalog = load_catalog(&store, &media).await?;
        let identity = IdentityStore::new(
            database.clone(),
            IdentityConfig::for_portal(&config.identity, &config.server.public_url),
        );
        let mailer = Mailer::from_config(&config.mail)
            .map_err(|error| StartError::Mail(error.to_string()))?;
        let outbox = Outbox::new(database.clone());
        let security_policies = SecurityPolicies::new(
            config
                .identity
                .providers
                .iter()
                .map(|provider| provider.issuer_url.as_str()),
        );

        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                state,
                database,
                store,
                identity,
                outbox,
                mailer,
                mail_waiting: Notify::new(),
                media,
                catalog: RwLock::new(Arc::new(catalog)),
                templates,
                messages,
                assets,
                form_tokens,
                metrics,
                clock,
                page_cache: PageCache::default(),
                security_policies,
            }),
        })
    }

    /// The content security policies of the portal's pages.
    pub fn security_policies(&self) -> &SecurityPolicies {
        &self.inner.security_policies
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The German state whose public holidays apply.
    pub fn state(&self) -> State {
        self.inner.state
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.inner.database
    }

    /// The content platform's store.
    pub fn store(&self) -> &ContentStore {
        &self.inner.store
    }

    /// The identity platform: staff accounts, sign-in and sessions.
    pub fn identity(&self) -> &IdentityStore {
        &self.inner.identity
    }

    /// The outgoing mail waiting to be sent.
    pub fn outbox(&self) -> &Outbox {
        &self.inner.outbox
    }

    /// Tells the mail sender that a message is waiting, so that it goes out now instead of
    /// at the next round.
    pub fn wake_mail(&self) {
        self.inner.mail_waiting.notify_one();
    }

    /// The images and documents, with their files.
    pub fn media(&self) -> &MediaStore {
        &self.inner.media
    }

    /// The published content as it is now.
    pub fn catalog(&self) -> Arc<Catalog> {
        // A poisoned lock only means a reload panicked midway; the old catalog is intact.
        match self.inner.catalog.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The templates.
    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// The interface texts.
    pub fn messages(&self) -> &Messages {
        &self.inner.messages
    }

    /// The static files.
    pub fn assets(&self) -> &Assets {
        &self.inner.assets
    }

    /// Tokens that protect forms against cross-site requests.
    pub fn form_tokens(&self) -> &FormTokens {
        &self.inner.form_tokens
    }

    /// The Prometheus metrics, if recording is on.
    pub fn metrics(&self) -> Option<&metrics_exporter_prometheus::PrometheusHandle> {
        self.inner.metrics.as_ref()
    }

    /// The rendered pages of this node.
    pub fn page_cache(&self) -> &PageCache {
        &self.inner.page_cache
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self.inner.clock {
            Clock::System => Utc::now(),
            Clock::Fixed(instant) => instant,
        }
    }

    /// The city's time zone.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.inner.config.time_zone()
    }

    /// Reloads the catalog if the content version in the database has risen. Returns
    /// whether it reloaded.
    pub async fn refresh_catalog(&self) -> Result<bool, ContentError> {
        let current = self.catalog().version();
        if self.inner.store.version().await? == current {
            return Ok(false);
        }

        let catalog = Arc::new(load_catalog(&self.inner.store, &self.inner.media).await?);
        let version = catalog.version();
        match self.inner.catalog.write() {
            Ok(mut guard) => *guard = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
        tracing::info!(content.version = version, "reloaded published content");
        Ok(true)
    }

    /// Follows published changes forever, so that changes published by another node or by
    /// the command line show here at once: on PostgreSQL by listening for the notice every
    /// publishing transaction sends, and on every backend by polling the content version,
    /// which also covers a lost connection.
    pub async fn follow_content(self) {
        let interval = Duration::from_millis(self.inner.config.server.content_poll_milliseconds);
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let notified = Arc::new(Notify::new());
        if let Database::Postgres(pool) = &self.inner.database {
            tokio::spawn(listen_for_changes(pool.clone(), Arc::clone(&notified)));
        }
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = notified.notified() => {}
            }
            if let Err(error) = self.refresh_catalog().await {
                tracing::warn!(error = %error, "cannot check for content changes");
            }
        }
    }

    /// Runs the scheduled work of this node forever: publishing scheduled revisions and
    /// taking expired items off the portal (each change is claimed by one node only),
    /// sending waiting mail, ending sessions, and once an hour deleting personal data past
    /// its retention period.
    pub async fn run_scheduled_work(self) {
        let mut ticker = tokio::time::interval(SCHEDULED_WORK_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut retention_due = self.now();
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                () = self.inner.mail_waiting.notified() => {}
            }
            let now = self.now();
            match self.inner.store.publish_due(now).await {
                Ok(report) if report.published + report.expired > 0 => {
                    tracing::info!(
                        published = report.published,
                        expired = report.expired,
                        "carried out scheduled publishing"
                    );
                    if let Err(error) = self.refresh_catalog().await {
                        tracing::warn!(error = %error, "cannot reload the content");
                    }
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "cannot publish scheduled revisions"),
            }
            if let Err(error) = self.inner.outbox.deliver_due(&self.inner.mailer, now).await {
                tracing::warn!(error = %error, "cannot send waiting mail");
            }
            if let Err(error) = self.inner.identity.purge(now).await {
                tracing::warn!(error = %error, "cannot remove ended sessions");
            }
            if now >= retention_due {
                retention_due = now + RETENTION_INTERVAL;
                self.enforce_retention(now).await;
            }
        }
    }

    /// Deletes the records past their retention period (the identity platform's and
    /// answered barrier reports), and logs how many went (counts only, never whose).
    async fn enforce_retention(&self, now: DateTime<Utc>) {
        match self.inner.store.delete_old_feedback(now).await {
            Ok(0) => {}
            Ok(reports) => tracing::info!(reports, "deleted answered barrier reports"),
            Err(error) => tracing::warn!(error = %error, "cannot delete old barrier reports"),
        }

        match self.inner.identity.enforce_retention(now).await {
            Ok(report) if !report.is_empty() => tracing::info!(
                audit_events = report.audit_events,
                data_uses = report.data_uses,
                withdrawn_consents = report.withdrawn_consents,
                unverified_accounts = report.unverified_accounts,
                "deleted personal data past its retention period"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "cannot enforce retention periods"),
        }
    }
}

/// How often records past their retention period are looked for. Retention periods are
/// days long; an hour late is on time.
const RETENTION_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How often scheduled publishing, expiry and mail are looked at.
const SCHEDULED_WORK_INTERVAL: Duration = Duration::from_secs(5);

/// Listens for the notices of publishing transactions and passes each on; reconnects after
/// a lost connection.
async fn listen_for_changes(pool: sqlx::PgPool, notified: Arc<Notify>) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(error) = listener
                    .listen(rathaus_content::store::CHANGES_CHANNEL)
                    .await
                {
                    tracing::warn!(error = %error, "cannot listen for content changes");
                } else {
                    // Changes made before the listening began are caught by one check now.
                    notified.notify_one();
                    while listener.recv().await.is_ok() {
                        notified.notify_one();
                    }
                }
            }
            Err(error) => tracing::warn!(error = %error, "cannot listen for content changes"),
        }
        // The poll keeps nodes current meanwhile; try again shortly.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
