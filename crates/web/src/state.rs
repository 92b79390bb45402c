//! What every request handler shares: configuration, the published content, templates.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rathaus_base::{Config, Database, DbError};
use rathaus_content::hours::State;
use rathaus_content::{Catalog, ContentError, ContentStore, MediaStore};

use crate::assets::Assets;
use crate::csrf::FormTokens;
use crate::i18n::Messages;
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
    media: MediaStore,
    catalog: RwLock<Arc<Catalog>>,
    templates: Templates,
    messages: Messages,
    assets: Assets,
    form_tokens: FormTokens,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    clock: Clock,
    page_cache: PageCache,
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

        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                state,
                database,
                store,
                media,
                catalog: RwLock::new(Arc::new(catalog)),
                templates,
                messages,
                assets,
                form_tokens,
                metrics,
                clock,
                page_cache: PageCache::default(),
            }),
        })
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

    /// Polls the content version forever, so that changes published by another node or by
    /// the command line show here within the poll interval.
    pub async fn follow_content(self) {
        let interval = Duration::from_millis(self.inner.config.server.content_poll_milliseconds);
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = self.refresh_catalog().await {
                tracing::warn!(error = %error, "cannot check for content changes");
            }
        }
    }
}
