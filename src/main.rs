//! The `odr` binary: parses the command line, loads configuration, sets up tracing and runs
//! the chosen command.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use odr::clock::{Clock, SystemClock};
use odr::config::{Profile, Settings};
use odr::demo::{DEMO_PASSWORD, seed_demo};
use odr::domain::contact::EmailAddress;
use odr::domain::password::NewPassword;
use odr::domain::role::Role;
use odr::http::AppState;
use odr::i18n::Lang;
use odr::jobs::worker::Worker;
use odr::onboarding::import::{ImportContext, import_members, read_rows};
use odr::onboarding::{AccountInput, Membership, new_user_row};
use odr::security::passwords::hash_password;
use odr::startup::{Application, build_state, migrate_only};
use odr::store::reference::find_association;
use odr::store::units::Actor;
use odr::store::users::{find_user_by_email, insert_user};

#[derive(Parser)]
#[command(
    name = "odr",
    version,
    about = "Online dispute resolution platform for ODR units"
)]
struct Cli {
    /// Folder holding base.toml and the profile files.
    #[arg(long, env = "ODR_CONFIG_DIR", default_value = "config", global = true)]
    config_dir: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and run the job worker unless --no-worker). The default.
    Serve {
        /// Leave jobs to separate `odr worker` processes.
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the job worker (for extra nodes).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed the demo data into an empty database; with --disputes, also a generated history
    /// for load tests and benchmarks.
    SeedDemo {
        /// Generate this many disputes (filed from the first shipped calendar year until now).
        #[arg(long)]
        disputes: Option<u64>,
        /// Spread them over this many new ODR units (default: one per 2,000 disputes, 20–5,000).
        #[arg(long)]
        units: Option<u32>,
        /// Random seed of the generated history.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Import member businesses from a CSV or XLSX file, as an association admin.
    ImportUnits {
        /// The CSV or XLSX file.
        file: PathBuf,
        /// Email of the association admin on whose behalf the import runs.
        #[arg(long = "by")]
        by: String,
    },
    /// Create a platform admin; the password is read from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Seal the audit entries waiting for the worker, then check the hash chain; exits 1
    /// naming the first broken entry.
    AuditVerify,
    /// Working-day calendars.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Oversight metrics.
    #[command(subcommand)]
    Metrics(MetricsCommand),
    /// China's administrative divisions.
    #[command(subcommand)]
    Regions(RegionsCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 when the server on the configured port answers /health/ready (for containers).
    Healthcheck,
}

#[derive(Subcommand)]
enum MetricsCommand {
    /// Recompute the metric counters from the disputes' timelines (all days, or the days from
    /// --from to --to, both included), unit by unit; safe while the platform serves.
    Rebuild {
        /// First day (Asia/Shanghai), e.g. 2026-11-01.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day (Asia/Shanghai), e.g. 2026-11-30.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum RegionsCommand {
    /// Make a later year's list of divisions the platform's (docs/regions.md): adds new codes,
    /// renames and moves changed ones, retires (never deletes) codes the list no longer has.
    Import {
        /// Folder with the list in the china-division layout: provinces.csv, cities.csv,
        /// areas.csv, and optionally names-en.csv (English names the pinyin reading gets wrong).
        folder: PathBuf,
        /// Print what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply a list that retires more than a twentieth of the regions in force (a list of
        /// one province would otherwise retire the rest of the country).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Load one year (holiday-cn JSON or this platform's TOML) and recompute every open
    /// dispute whose due dates were provisional.
    Import {
        /// The year's file, e.g. 2027.json from the holiday-cn data set.
        file: PathBuf,
        #[arg(long, default_value = "cn")]
        jurisdiction: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve { no_worker: false });
    if let Command::Openapi = command {
        print!("{}", odr::http::openapi::document());
        return Ok(());
    }
    let settings = Settings::load(&cli.config_dir, Profile::from_env()?)?;
    odr::telemetry::init(settings.logging.format);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        Command::Serve { no_worker } => serve(settings, clock, !no_worker).await,
        Command::Worker => {
            let state = build_state(settings, clock).await?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let worker = tokio::spawn(Worker::supervise(state.job_context(), stopped));
            shutdown_signal().await;
            tracing::info!("stopping: finishing the jobs and the sweep under way");
            let _no_receiver_left = stop.send(true);
            let _finished = worker.await;
            Ok(())
        }
        Command::Migrate => {
            let applied = migrate_only(&settings).await?;
            println!("{applied} migration(s) applied");
            Ok(())
        }
        Command::SeedDemo {
            disputes,
            units,
            seed: history_seed,
        } => {
            let state = build_state(settings, clock).await?;
            let seeded = print_demo(&state, seed(&state).await?);
            match disputes {
                Some(disputes) => {
                    let plan = odr::demo::history::HistoryPlan {
                        disputes,
                        units,
                        seed: history_seed,
                    };
                    seed_history(&state, plan).await
                }
                None if !seeded => {
                    println!("The database already has users; demo data not seeded.");
                    Ok(())
                }
                None => Ok(()),
            }
        }
        Command::ImportUnits { file, by } => {
            import_units(build_state(settings, clock).await?, file, by).await
        }
        Command::CreateAdmin { email, name } => {
            create_admin(build_state(settings, clock).await?, email, name).await
        }
        Command::Calendar(CalendarCommand::Import { file, jurisdiction }) => {
            import_calendar(build_state(settings, clock).await?, file, jurisdiction).await
        }
        Command::Regions(RegionsCommand::Import {
            folder,
            dry_run,
            force,
        }) => import_regions(build_state(settings, clock).await?, folder, dry_run, force).await,
        Command::Metrics(MetricsCommand::Rebuild { from, to }) => {
            rebuild_metrics(build_state(settings, clock).await?, from, to).await
        }
        Command::AuditVerify => {
            let state = build_state(settings, clock).await?;
            // The chain is checked as it stands, and only an intact one is extended by what
            // waits and checked again, so that the check covers every entry written.
            let checked = state
                .db
                .run(|conn| match odr::store::audit::verify_chain(conn)? {
                    Ok(_) => {
                        odr::store::audit::seal_all(conn)?;
                        odr::store::audit::verify_chain(conn)
                    }
                    broken => Ok(broken),
                })
                .await?;
            match checked {
                Ok(intact) => {
                    println!("Audit chain intact: {} entries.", intact.sealed);
                    Ok(())
                }
                Err(broken) => {
                    println!(
                        "Audit chain broken{}{}: {}",
                        broken
                            .seq
                            .map(|seq| format!(" at entry {seq}"))
                            .unwrap_or_default(),
                        broken.id.map(|id| format!(" ({id})")).unwrap_or_default(),
                        broken.reason
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Healthcheck => healthcheck(settings.server.port),
        Command::Openapi => Ok(()),
    }
}

async fn serve(settings: Settings, clock: Arc<dyn Clock>, with_worker: bool) -> anyhow::Result<()> {
    let seed_on_start = settings.demo.seed_on_first_start;
    let public_url = settings.server.public_url.clone();
    let with_worker = with_worker && settings.jobs.run_in_process;
    let app = Application::build(settings, clock).await?;
    let seeded = if seed_on_start {
        seed(app.state()).await?
    } else {
        None
    };
    println!(
        "ODR platform listening on {public_url} (port {})",
        app.port()
    );
    println!(
        "API reference: {public_url}/api/v1/docs/ (contract: {public_url}/api/v1/openapi.json)"
    );
    print_demo(app.state(), seeded);
    app.run_until_stopped(with_worker).await?;
    Ok(())
}

async fn seed(state: &AppState) -> anyhow::Result<Option<Vec<odr::demo::DemoLogin>>> {
    let pii = state.pii.clone();
    let now = state.clock.now();
    Ok(state.db.run(move |conn| seed_demo(conn, &pii, now)).await?)
}

async fn seed_history(
    state: &AppState,
    plan: odr::demo::history::HistoryPlan,
) -> anyhow::Result<()> {
    let ctx = state.case_context();
    let now = state.clock.now();
    let started = std::time::Instant::now();
    let report = state
        .db
        .run(move |conn| {
            odr::demo::history::seed_history(conn, &ctx, &plan, now, |done, total| {
                if done % 100_000 == 0 || done == total {
                    println!(
                        "  {done} of {total} disputes written ({} s)",
                        started.elapsed().as_secs()
                    );
                }
            })
        })
        .await?;
    println!(
        "History seeded in {} s: {} disputes filed since {} with {} ODR units and {} consumers.",
        started.elapsed().as_secs(),
        report.disputes,
        report.since.map(|d| d.to_string()).unwrap_or_default(),
        report.units,
        report.consumers
    );
    for (status, count) in &report.by_status {
        println!("  {status:<12} {count}");
    }
    Ok(())
}

fn print_demo(state: &AppState, logins: Option<Vec<odr::demo::DemoLogin>>) -> bool {
    let Some(logins) = logins else {
        return false;
    };
    println!("Demo data seeded. Every demo account's password is: {DEMO_PASSWORD}");
    for login in logins {
        println!(
            "  {:<18} {:<28} {}",
            login.role, login.login, login.description
        );
    }
    println!(
        "Portal: {url}/login (Chinese; English from the link at the top of every page)",
        url = state.settings.server.public_url
    );
    println!(
        "API:    POST {}/api/v1/auth/login {{\"login\": \"admin@odr.demo\", \"password\": \"{DEMO_PASSWORD}\"}}",
        state.settings.server.public_url
    );
    true
}

/// A plain HTTP/1.1 request, so the slim container image needs no curl.
fn healthcheck(port: u16) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
    stream
        .write_all(b"GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if response.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        bail!("not ready: {}", response.lines().next().unwrap_or_default())
    }
}

async fn import_units(state: AppState, file: PathBuf, by: String) -> anyhow::Result<()> {
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let uploads = &state.settings.uploads;
    let rows = read_rows(
        &bytes,
        uploads.max_import_rows,
        uploads.max_import_bytes.max(bytes.len()),
    )?;
    let now = state.clock.now();
    let worker_state = state.clone();
    let report = state
        .db
        .run(move |conn| {
            let email = EmailAddress::parse(&by).context("--by must be an email address")?;
            let admin = find_user_by_email(conn, email.as_str())?
                .filter(|u| u.role == Role::AssociationAdmin.as_str())
                .context("--by must name an association admin")?;
            let association_id = admin
                .association_id
                .clone()
                .context("the admin has no association")?;
            let association =
                find_association(conn, &association_id)?.context("association missing")?;
            let inviter = worker_state.inviter();
            let ctx = ImportContext {
                pii: &worker_state.pii,
                inviter: &inviter,
                association: &association,
                actor: Actor {
                    id: &admin.id,
                    role: admin.role.parse()?,
                },
                now,
            };
            Ok::<_, anyhow::Error>(import_members(conn, &ctx, &rows)?)
        })
        .await?;
    for row in &report.rows {
        let reasons: Vec<String> = row
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        println!(
            "line {:>4}  {:<9}  {}  {}  {}",
            row.line,
            format!("{:?}", row.outcome).to_lowercase(),
            row.uscc,
            row.name,
            reasons.join("; ")
        );
    }
    println!(
        "{} created, {} unchanged, {} rejected",
        report.created, report.unchanged, report.rejected
    );
    Worker::new(state.job_context()).run_pending().await?;
    Ok(())
}

async fn import_calendar(
    state: AppState,
    file: PathBuf,
    jurisdiction: String,
) -> anyhow::Result<()> {
    if jurisdiction != state.calendars.jurisdiction() {
        bail!(
            "this platform keeps calendars for `{}`, not `{jurisdiction}`",
            state.calendars.jurisdiction()
        );
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    let year = odr::deadlines::parse_calendar_year(&text, &jurisdiction)
        .map_err(|reason| anyhow::anyhow!("{}: {reason}", file.display()))?;
    let book = state.calendars.clone();
    let now = state.clock.now();
    let done = state
        .db
        .run(move |conn| odr::deadlines::import_calendar_year(conn, &book, &year, None, now))
        .await?;
    println!(
        "Calendar {jurisdiction} {} loaded: {} holidays, {} make-up working days; {} open dispute(s) recomputed.",
        done.year, done.holidays, done.working_days, done.recomputed
    );
    Ok(())
}

async fn import_regions(
    state: AppState,
    folder: PathBuf,
    dry_run: bool,
    force: bool,
) -> anyhow::Result<()> {
    use odr::store::reference::{RegionChanges, RegionSync, apply_regions, preview_regions};
    let list = odr::domain::division::read_dir(&folder)?;
    let how = RegionSync::Replace {
        now: state.clock.now(),
        guard: !force,
    };
    let say = |verb: &str, c: RegionChanges| {
        println!(
            "{verb} {} region(s) from {}: {} added, {} renamed or moved, {} retired, {} restored.",
            c.added + c.changed + c.retired + c.restored,
            folder.display(),
            c.added,
            c.changed,
            c.retired,
            c.restored
        );
    };
    if dry_run {
        let planned = state
            .db
            .run(move |conn| preview_regions(conn, &list, how))
            .await?;
        say("Would change", planned);
        return Ok(());
    }
    let done = state
        .db
        .run(move |conn| apply_regions(conn, &list, how))
        .await?;
    if done.refused {
        bail!(
            "{} would retire {} regions, more than a twentieth of those in force; is it the \
             whole country's list? Nothing was changed (--force applies it anyway, --dry-run \
             shows the counts)",
            folder.display(),
            done.retired
        );
    }
    say("Changed", done);
    Ok(())
}

async fn rebuild_metrics(
    state: AppState,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        bail!("--from {from} is after --to {to}");
    }
    let calendar = state.calendars.current();
    let range = odr::oversight::rebuild::Range { from, to };
    let done = state
        .db
        .run(move |conn| {
            odr::oversight::rebuild::rebuild(conn, &calendar, range, &mut |p| {
                if p.units_done % 50 == 0 || p.units_done == p.units {
                    println!(
                        "rebuilt {}/{} units, {} disputes",
                        p.units_done, p.units, p.disputes
                    );
                }
            })
        })
        .await?;
    println!(
        "Metric counters rebuilt for {} units from {} disputes' timelines.",
        done.units, done.disputes
    );
    Ok(())
}

async fn create_admin(state: AppState, email: String, name: String) -> anyhow::Result<()> {
    eprintln!("Password for {email} (8+ characters, not easy to guess):");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = NewPassword::parse(line.trim_end_matches(['\r', '\n']))?;
    let email = EmailAddress::parse(&email)?;
    let hash = hash_password(&password)?;
    let now = state.clock.now();
    let pii = state.pii.clone();
    state
        .db
        .run(move |conn| {
            if find_user_by_email(conn, email.as_str())?.is_some() {
                bail!("an account with {email} exists already");
            }
            let input = AccountInput {
                display_name: name,
                email: Some(email),
                phone: None,
                language: Lang::Zh,
            };
            let membership = Membership {
                role: Role::Admin,
                business_id: None,
                staff_role: None,
                region_code: None,
                association_id: None,
            };
            odr::store::write_transaction(conn, |conn| {
                insert_user(
                    conn,
                    &new_user_row(&pii, &input, &membership, Some(hash), now),
                )
            })?;
            Ok(())
        })
        .await?;
    println!("Admin created.");
    Ok(())
}

/// Waits for SIGTERM (a service manager stopping the worker) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _interrupted = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _interrupted = interrupt.await;
    }
}
