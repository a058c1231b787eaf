//! Builds the pool, migrations, clients and the HTTP server; returns the bound port so tests
//! can use port 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::deadlines::CalendarBook;
use crate::domain::calendar::{Calendar, YearCalendar};
use crate::http::errors::{form_config, json_config, path_config, problem_errors, query_config};
use crate::http::portal::unknown_route;
use crate::http::telemetry::{HttpMetrics, record_request};
use crate::http::{self, AppState};
use crate::jobs::worker::{JobContext, Worker};
use crate::notify::email::Mailer;
use crate::security::pii::PiiCipher;
use crate::security::tokens::TokenKeys;
use crate::store::conn::{build_pool, run_migrations};
use crate::store::{Db, StoreError};

/// Largest JSON body accepted.
const JSON_LIMIT_BYTES: usize = 256 * 1024;

/// Opens the database, applies migrations and builds the shared state.
pub async fn build_state(settings: Settings, clock: SharedClock) -> anyhow::Result<AppState> {
    let database = &settings.database;
    let pool = build_pool(
        database.url.expose_secret(),
        database.pool_size,
        std::time::Duration::from_secs(database.connect_timeout_secs),
    )
    .context("database.url: cannot open the database")?;
    let mut db = Db::new(pool);
    let read_url = database.read_url.expose_secret();
    if !read_url.is_empty() {
        let replica = crate::store::conn::build_replica_pool(read_url, database.pool_size)
            .context("database.read_url: cannot use the replica")?;
        let window = std::time::Duration::from_secs(database.read_your_writes_secs);
        db = db.with_replica(crate::store::replica::Replica::new(replica, window));
        tokio::spawn(check_replica_every(
            db.clone(),
            std::time::Duration::from_millis(database.replica_check_ms),
        ));
    }
    let applied = db.run(run_migrations).await.context("migrations failed")?;
    if applied > 0 {
        tracing::info!(migrations.applied = applied, "database migrated");
    }
    db.run(crate::demo::seed_reference_data)
        .await
        .context("reference data could not be loaded")?;
    let mailer = Mailer::from_settings(&settings.email).context("email settings")?;
    let pii = PiiCipher::new(&settings.security.pii_key_bytes()?);
    let tokens = TokenKeys::new(settings.security.jwt_secret.expose_secret().as_bytes())
        .context("security.jwt_secret")?;
    let jurisdiction = settings.deadlines.jurisdiction.clone();
    let calendars = CalendarBook::new(
        &jurisdiction,
        load_calendar(&settings.config_dir, &jurisdiction)?,
    );
    let book = calendars.clone();
    db.run(move |conn| book.reload(conn))
        .await
        .context("imported calendar years could not be loaded")?;
    let calendar = calendars.current();
    db.run(move |conn| crate::oversight::rebuild::run_requested(conn, &calendar))
        .await
        .context("the metric counters could not be rebuilt")?;
    let files =
        crate::files::FileStore::from_settings(&settings.storage, &settings.disputes.evidence_dir)
            .context("storage: evidence files cannot be kept there")?;
    let hashes = match settings.security.max_concurrent_hashes {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        n => n,
    };
    Ok(AppState {
        hasher: crate::security::passwords::Hasher::new(hashes),
        limits: crate::security::limits::AddressLimits::new(&settings.security),
        reference: crate::store::reference::ReferenceCache::default(),
        policies: crate::deadlines::PolicyCache::default(),
        calendars,
        files,
        db,
        clock,
        tokens,
        pii,
        mailer,
        metrics: HttpMetrics::new().context("metrics registry")?,
        sms: crate::notify::sms::SmsOutbox::new(&settings.sms),
        settings: Arc::new(settings),
    })
}

/// Checks the read replica every `interval` (see `store::replica::Replica::check`), for as
/// long as the process runs.
async fn check_replica_every(db: Db, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        db.check_replica(interval).await;
    }
}

/// Loads every year file under `<config>/calendars/<jurisdiction>/`.
pub fn load_calendar(config_dir: &std::path::Path, jurisdiction: &str) -> anyhow::Result<Calendar> {
    let dir = config_dir.join("calendars").join(jurisdiction);
    let mut calendar = Calendar::default();
    let entries =
        std::fs::read_dir(&dir).with_context(|| format!("calendar folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)?;
            let year = YearCalendar::parse_toml(&text)
                .with_context(|| format!("calendar {}", path.display()))?;
            calendar.insert(year);
        }
    }
    Ok(calendar)
}

impl AppState {
    /// What the job worker needs, taken from the application state.
    pub fn job_context(&self) -> JobContext {
        JobContext {
            cases: self.case_context(),
            db: self.db.clone(),
            clock: self.clock.clone(),
            mailer: self.mailer.clone(),
            settings: self.settings.jobs.clone(),
            calendars: self.calendars.clone(),
            http: reqwest::Client::new(),
            webhooks: crate::notify::webhooks::WebhookSender::new(
                self.settings.webhooks.clone(),
                self.pii.clone(),
            ),
            sms: crate::notify::sms::SmsSender::new(&self.settings.sms, self.pii.clone()),
        }
    }
}

/// A bound, not yet running HTTP server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Binds the configured address (port 0 picks a free one) and builds the server.
    pub async fn build(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let state = build_state(settings, clock).await?;
        let listener = TcpListener::bind(&address)
            .with_context(|| format!("server: cannot bind {address}"))?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests read the mailer, pool and clock through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs the server; with `with_worker`, also the job worker in this process.
    ///
    /// On SIGTERM or SIGINT the server stops taking connections and finishes the requests under
    /// way (actix-web's graceful shutdown); then the worker finishes the jobs under way (one per
    /// job loop) and its sweep, and gives back its leases.
    pub async fn run_until_stopped(self, with_worker: bool) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker =
            with_worker.then(|| tokio::spawn(Worker::supervise(self.state.job_context(), stopped)));
        let served = self.server.await;
        let _no_receiver_left = stop.send(true);
        if let Some(worker) = worker {
            let _finished = worker.await;
        }
        served
    }
}

fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            // Innermost first: a body read error still becomes problem+json (a page for a
            // browser), and the page's session cookies are set.
            .wrap(from_fn(crate::http::body::buffer_small_bodies))
            .wrap(from_fn(crate::http::portal::refusals_as_pages))
            .wrap(from_fn(crate::http::portal::session::apply_cookies))
            .wrap(problem_errors())
            .wrap(from_fn(crate::http::body::catch_panics))
            .wrap(from_fn(crate::http::headers::standard_headers))
            .wrap(from_fn(record_request))
            .wrap(TracingLogger::<crate::http::telemetry::RequestSpan>::new())
            .app_data(data.clone())
            .app_data(json_config(JSON_LIMIT_BYTES))
            .app_data(query_config())
            .app_data(form_config())
            .app_data(path_config())
            .configure(http::configure)
            .default_service(web::to(unknown_route))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

/// Applies migrations and exits (`odr migrate`).
pub async fn migrate_only(settings: &Settings) -> Result<usize, StoreError> {
    let database = &settings.database;
    let pool = build_pool(
        database.url.expose_secret(),
        1,
        std::time::Duration::from_secs(database.connect_timeout_secs),
    )?;
    Db::new(pool).run(run_migrations).await
}
