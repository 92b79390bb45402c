//! The `rathaus` command: starts the portal, runs migrations, checks configuration, and
//! imports and exports content.

#![expect(
    clippy::print_stdout,
    reason = "a command-line program reports on standard output"
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use rathaus_base::config::LogFormat;
use rathaus_base::{Config, Database, Migration, migrate};
use rathaus_content::{ContentError, ContentStore, MediaStore, import};
use rathaus_web::{AppState, Clock};

/// Rathaus, the digital town hall.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (TOML). Environment variables `RATHAUS_<SECTION>__<KEY>` override it.
    #[arg(long, short, global = true, env = "RATHAUS_CONFIG")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the portal with the configured database.
    Serve {
        /// Address to listen on, overriding `server.listen`.
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Serves the portal of the demo city Musterstadt on an embedded SQLite file, loading
    /// the demo content on first start.
    Demo {
        /// Address to listen on, overriding `server.listen`.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// The folder of demo content.
        #[arg(long, default_value = "content/demo")]
        content: PathBuf,
    },
    /// Applies database migrations that have not run yet.
    Migrate,
    /// Checks the configuration and says what is wrong.
    CheckConfig,
    /// Imports and exports content.
    Content {
        #[command(subcommand)]
        command: ContentCommand,
    },
    /// Manages staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Creates an administrator, for the first sign-in to the staff portal. The password is
    /// read from `RATHAUS_ADMIN_PASSWORD`, or asked for without echo. The authenticator app
    /// is set up at the first sign-in.
    CreateAdmin {
        /// The administrator's email address, used to sign in.
        #[arg(long)]
        email: String,
        /// The administrator's name, shown to colleagues.
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum ContentCommand {
    /// Imports a folder of content files in one transaction: all or nothing.
    Import {
        /// The folder, with subfolders such as `services/` and `offices/`.
        folder: PathBuf,
        /// Who is recorded as the author of the new revisions.
        #[arg(long, default_value = "import")]
        author: String,
    },
    /// Writes all published content into a folder, in the import format.
    Export {
        /// The folder; created if missing.
        folder: PathBuf,
    },
}

/// The migrations of every platform, in one list.
fn all_migrations() -> Vec<Migration> {
    rathaus_web::all_migrations()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let mut config = Config::load(cli.config.as_deref()).context("configuration")?;

    match cli.command {
        Command::CheckConfig => {
            println!("configuration is valid");
            println!("database: {}", redact(&config.database.url));
            println!("listen: {}", config.server.listen);
            Ok(())
        }
        Command::Migrate => {
            init_logging(&config);
            let database = connect(&config).await?;
            let applied = migrate::run(&database, &all_migrations()).await?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Content { command } => {
            init_logging(&config);
            let database = connect(&config).await?;
            migrate::run(&database, &all_migrations()).await?;
            let store = ContentStore::new(database.clone());
            match command {
                ContentCommand::Import { folder, author } => {
                    import_folder(&database, &folder, &author).await
                }
                ContentCommand::Export { folder } => {
                    let (_, items) = store.published().await?;
                    let count = import::write_folder(&folder, &items)?;
                    let media = MediaStore::new(database);
                    let mut files = Vec::new();
                    for info in media.list(None).await? {
                        if let Some(original) = media.original(&info.key).await? {
                            files.push((info, original));
                        }
                    }
                    let media_count = import::write_media(&folder, &files)?;
                    println!(
                        "exported {count} item(s) and {media_count} image(s) and document(s) \
                         to {}",
                        folder.display()
                    );
                    Ok(())
                }
            }
        }
        Command::Staff {
            command: StaffCommand::CreateAdmin { email, name },
        } => {
            init_logging(&config);
            let database = connect(&config).await?;
            migrate::run(&database, &all_migrations()).await?;
            create_admin(&config, database, &email, &name).await
        }
        Command::Serve { listen } => {
            if let Some(listen) = listen {
                config.server.listen = listen;
            }
            serve(config, None).await
        }
        Command::Demo { listen, content } => {
            if let Some(listen) = listen {
                config.server.listen = listen;
            }
            if config.log.format == LogFormat::Json
                && std::env::var_os("RATHAUS_LOG__FORMAT").is_none()
            {
                config.log.format = LogFormat::Pretty;
            }
            serve(config, Some(content)).await
        }
    }
}

async fn create_admin(config: &Config, database: Database, email: &str, name: &str) -> Result<()> {
    let password = match std::env::var("RATHAUS_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => rpassword::prompt_password("Password for the new administrator: ")
            .context("cannot read the password")?,
    };
    let identity = rathaus_identity::IdentityStore::new(
        database,
        rathaus_identity::IdentityConfig::for_portal(&config.identity, &config.server.public_url),
    );
    let roles = std::collections::BTreeSet::from([
        rathaus_identity::Role::Admin,
        rathaus_identity::Role::Publisher,
        rathaus_identity::Role::Editor,
    ]);
    let account = identity
        .create_staff(email, name, &password, &roles, chrono::Utc::now())
        .await
        .context("cannot create the administrator")?;
    println!(
        "created administrator {} <{}>; sign in at {}/staff and set up the authenticator app",
        account.display_name, account.email, config.server.public_url
    );
    Ok(())
}

async fn connect(config: &Config) -> Result<Database> {
    Database::connect(&config.database)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&config.database.url)))
}

async fn import_folder(database: &Database, folder: &Path, author: &str) -> Result<()> {
    let store = ContentStore::new(database.clone());
    let media = MediaStore::new(database.clone());
    let stored = import::Stored {
        items: store.keys().await?,
        media: media.kinds().await?,
    };
    let content = match import::read_folder_with_media(folder, &stored) {
        Ok(content) => content,
        Err(ContentError::Import(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            bail!(
                "the import was refused with {} problem(s); nothing was changed",
                problems.len()
            );
        }
        Err(error) => return Err(error.into()),
    };

    // Media first: the items refer to them.
    let now = chrono::Utc::now();
    let media_count = content.media.len();
    let media_report = media
        .import(content.media, author, now)
        .await
        .context("the media were refused; nothing was changed")?;
    println!(
        "imported {media_count} image(s) and document(s): {} new, {} changed, {} unchanged",
        media_report.created, media_report.updated, media_report.unchanged
    );
    let report = store.import(&content.items, author, now).await?;
    println!(
        "imported {} item(s): {} new, {} changed, {} unchanged",
        content.items.len(),
        report.created,
        report.updated,
        report.unchanged
    );
    Ok(())
}

async fn serve(mut config: Config, demo_content: Option<PathBuf>) -> Result<()> {
    let metrics = init_logging(&config);
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let address = listener.local_addr()?;
    if demo_content.is_some() {
        // The demo is reached where it actually listens, also when port 0 chose a free one.
        // On the loopback address it is named `localhost`: browsers accept that name, never
        // an IP address, as the host passkeys are bound to.
        config.server.public_url = if address.ip().is_loopback() {
            format!("http://localhost:{}", address.port())
        } else {
            format!("http://{address}")
        };
    }
    let database = connect(&config).await?;
    migrate::run(&database, &all_migrations())
        .await
        .context("migrations")?;

    if let Some(folder) = demo_content {
        let store = ContentStore::new(database.clone());
        if store.version().await? == 0 {
            import_folder(&database, &folder, "demo")
                .await
                .context("loading the demo content")?;
        }
    }

    let state = AppState::new(config.clone(), database.clone(), metrics, Clock::System).await?;
    tokio::spawn(state.clone().follow_content());
    tokio::spawn(state.clone().run_scheduled_work());
    tracing::info!(listen = %address, "serving");
    println!("Rathaus is ready: {}/de/", config.server.public_url);

    let grace = Duration::from_secs(config.server.shutdown_grace_seconds);
    let app = rathaus_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal(grace))
        .await?;
    database.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. Running requests then get `grace` to finish before the
/// process ends regardless.
async fn shutdown_signal(grace: Duration) {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!(grace_seconds = grace.as_secs(), "shutting down");
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        tracing::warn!("requests still running after the grace period; stopping anyway");
        std::process::exit(0);
    });
}

/// Sets up logging and the metrics recorder; returns the handle that renders metrics.
fn init_logging(config: &Config) -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };

    let buckets = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    ];
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&buckets)
        .ok()?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).ok()?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticker.tick().await;
            upkeep.run_upkeep();
        }
    });
    Some(handle)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
