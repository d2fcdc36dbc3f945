//! `trygg`: the web server, API and command-line tool of Trygg in one binary.

mod analyze;
mod config;
mod geography;
mod incidents;
mod lagesbild;
mod tokens;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::audit::Checkpoint;
use trygg_store::{Db, Store};

use crate::config::Config;

/// Trygg: the municipality's tool for safety and crime-prevention work.
#[derive(Parser)]
#[command(name = "trygg", version, about)]
struct Cli {
    /// Database URL: sqlite://FILE (default sqlite://trygg.db) or postgres://…
    #[arg(long, global = true, env = "TRYGG_DATABASE_URL")]
    database_url: Option<String>,
    /// Configuration file (TOML); see `trygg config example`.
    #[arg(long, global = true, env = "TRYGG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (pages and API).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080 (port 0 picks a free port).
        #[arg(long, env = "TRYGG_LISTEN")]
        listen: Option<String>,
    },
    /// Create or update the database schema and exit (`serve` also does this).
    Migrate,
    /// Set up a new installation: the home municipality and its first administrator.
    Init {
        #[arg(long)]
        org_name: String,
        #[arg(long)]
        admin_email: String,
        /// Read the administrator's password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Fill the database with the Linköping demo (prints the demo logins once).
    Demo,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Verify the audit log or write a checkpoint.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of an SQLite database (PostgreSQL: use pg_dump).
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Configuration help.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Import data from files (areas, places).
    #[command(subcommand)]
    Import(geography::ImportCommand),
    /// Look up areas: which contain a point, which exist.
    #[command(subcommand)]
    Areas(geography::AreasCommand),
    /// Export data (incidents as CSV or GeoJSON).
    #[command(subcommand)]
    Export(incidents::ExportCommand),
    /// Organisations' API tokens for integrations: create, list, revoke.
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// The lägesbild's rollups (rebuild).
    #[command(subcommand)]
    Lagesbild(lagesbild::LagesbildCommand),
    /// Statistics on CSV files without a database (Gi* hot spots, Knox near repeats).
    #[command(subcommand)]
    Analyze(analyze::AnalyzeCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user.
    Add(UserAdd),
    /// Disable a user (ends their sessions at once).
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Args)]
struct UserAdd {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// The organisation's name, e.g. "Linköpings kommun".
    #[arg(long)]
    org: String,
    /// A role: admin, samordnare, analytiker, rapportör, handläggare, läsare (repeatable).
    #[arg(long = "role", required = true)]
    roles: Vec<String>,
    /// The unit's name within the organisation.
    #[arg(long)]
    unit: Option<String>,
    /// Read the password from standard input (one line).
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exit 1 naming the first bad entry.
    Verify {
        /// A checkpoint written by `trygg audit checkpoint`, to detect a cut-off tail.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// Write the current head of the chain to a file (keep it outside the database).
    Checkpoint {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print every option with its documentation, as a commented TOML file.
    Example,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("trygg: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("trygg: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    // Analyses read and write files only: no configuration, no database.
    if let Command::Analyze(command) = &cli.command {
        return analyze::run(command);
    }
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let config = Config::load(cli.config.as_deref(), cli.database_url.clone(), listen)?;
    match cli.command {
        Command::Config(ConfigCommand::Example) => {
            print!("{}", config::example());
            return Ok(ExitCode::SUCCESS);
        }
        Command::Openapi => {
            print!("{}", trygg_web::api::openapi_document());
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    init_logging(&config);
    let trygg = open(&config).await?;
    let code = match cli.command {
        Command::Serve { .. } => serve(trygg.clone(), &config).await?,
        Command::Migrate => {
            println!(
                "Databasen är uppdaterad ({}).",
                config.redacted_database_url()
            );
            ExitCode::SUCCESS
        }
        Command::Init {
            org_name,
            admin_email,
            ..
        } => {
            let password = read_password()?;
            match trygg.initialise(&org_name, &admin_email, &password).await {
                Ok(_) => {
                    println!("Trygg är initierat: {org_name}, administratör {admin_email}.");
                    ExitCode::SUCCESS
                }
                Err(e) => bail!("{}", describe(&e)),
            }
        }
        Command::Demo => demo(&trygg, &config).await?,
        Command::User(UserCommand::Add(u)) => user_add(&trygg, u).await?,
        Command::User(UserCommand::Disable { email }) => {
            trygg
                .disable_user_by_email(&Caller::System, &RequestMeta::cli(), &email)
                .await
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            println!("{email} är inaktiverad och utloggad.");
            ExitCode::SUCCESS
        }
        Command::Audit(AuditCommand::Verify { checkpoint }) => {
            audit_verify(&trygg, &config, checkpoint.as_deref()).await?
        }
        Command::Audit(AuditCommand::Checkpoint { out }) => {
            audit_checkpoint(&trygg, &config, &out).await?
        }
        Command::Backup { out } => {
            if out.exists() {
                bail!("{} exists already; choose a new file name", out.display());
            }
            trygg.db.backup(&out).await.map_err(|e| match e {
                trygg_store::StoreError::Unsupported(_) => anyhow::anyhow!(
                    "backup is for SQLite; for PostgreSQL use pg_dump -Fc (see the README)"
                ),
                other => anyhow::Error::new(other),
            })?;
            println!("Säkerhetskopian är skriven till {}.", out.display());
            println!(
                "Granska den med: trygg audit verify --database-url sqlite://{}",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Command::Import(command) => geography::import(&trygg, command).await?,
        Command::Areas(command) => geography::areas(&trygg, command).await?,
        Command::Export(command) => incidents::export(&trygg, command).await?,
        Command::Token(command) => tokens::token(&trygg, command).await?,
        Command::Lagesbild(command) => lagesbild::lagesbild(&trygg, command).await?,
        Command::Config(_) | Command::Openapi | Command::Analyze(_) => ExitCode::SUCCESS,
    };
    trygg.db.close().await;
    Ok(code)
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Connects, migrates, and loads or creates the audit key.
async fn open(config: &Config) -> Result<Trygg> {
    let db = match config.audit_key()? {
        Some((key, _)) => connect(config, key).await?,
        None => {
            // A new key may only be made for an empty log: with entries, a missing key
            // means the chain could never be verified again, so refuse loudly.
            let path = config.key_path();
            let secret = trygg_core::secret::random_token();
            let key = trygg_domain::audit::AuditKey::new(secret.clone().into_bytes())
                .map_err(|_| anyhow::anyhow!("generated audit key too short"))?;
            let db = connect(config, key).await?;
            if !db.audit_entries(0, 1).await?.is_empty() {
                bail!(
                    "the audit key file {} is missing but the audit log has entries; restore the key file (or set TRYGG_AUDIT_KEY_FILE)",
                    path.display()
                );
            }
            write_secret_file(&path, &secret)?;
            tracing::info!(path = %path.display(), "created a new audit key; keep it safe and outside the database backups");
            db
        }
    };
    Ok(Trygg::new(db, Clock::system(), Settings::default()))
}

async fn connect(config: &Config, key: trygg_domain::audit::AuditKey) -> Result<Db> {
    Db::connect(&config.database_url, key)
        .await
        .map_err(|e| match e {
            trygg_store::StoreError::UnsupportedUrl { .. } => anyhow::anyhow!("{e}"),
            other => anyhow::Error::new(other).context(format!(
                "cannot open the database {}",
                config.redacted_database_url()
            )),
        })
}

fn write_secret_file(path: &Path, secret: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create the audit key file {}", path.display()))?;
    writeln!(f, "{secret}")?;
    f.sync_all()?;
    Ok(())
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

/// A plain-language line for an error at the terminal.
pub(crate) fn describe(e: &trygg_core::Error) -> String {
    use trygg_core::Error::*;
    match e {
        Invalid(i) => format!("{} is not valid: {}", i.field, i.code),
        AlreadyInitialised => "this database is already initialised".into(),
        Conflict(c) => format!("refused: {c}"),
        NotFound => "not found".into(),
        other => other.to_string(),
    }
}

async fn serve(trygg: Trygg, config: &Config) -> Result<ExitCode> {
    // Databases set up before the category list existed get the defaults now.
    trygg
        .ensure_default_categories()
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    if trygg.db.home_organisation().await?.is_none() {
        tracing::warn!("the database is not initialised: run `trygg init` or `trygg demo`");
    }
    let web = trygg_web::WebConfig {
        public_url: config.public_url.clone(),
        cookie_secure: config.cookie_secure,
        trust_forwarded_for: config.trust_forwarded_for,
        map_tile_url: config.map_tile_url.clone(),
        map_attribution: config.map_attribution.clone(),
    };
    if let Some(smtp) = &config.smtp {
        spawn_mail_sender(&trygg, smtp, config)?;
    } else {
        tracing::info!("no smtp.host: e-mail notifications stay in the outbox");
    }
    let app = trygg_web::Application::bind(&config.listen, trygg, web)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    // Tests and scripts wait for this exact line.
    println!("Trygg lyssnar på http://{}", app.addr);
    std::io::stdout().flush()?;
    tracing::info!(addr = %app.addr, database = %config.redacted_database_url(), "serving");
    app.run(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// The e-mail sender of this instance: reminders and the outbox every
/// `mail.interval_secs` (30 s). Every instance runs one; the outbox claims make each
/// e-mail go out once.
fn spawn_mail_sender(trygg: &Trygg, smtp: &config::SmtpConfig, config: &Config) -> Result<()> {
    use trygg_core::mail::{MailSettings, Mailer};
    let Some(public_url) = &config.public_url else {
        anyhow::bail!("public_url is required with smtp.host: links in e-mails must be absolute");
    };
    let settings = MailSettings {
        security: smtp.security,
        username: smtp.username.clone(),
        password: smtp.password.clone(),
        ..MailSettings::new(&smtp.host, smtp.port, &smtp.from, public_url)
    };
    let mailer = Mailer::new(settings).map_err(|e| anyhow::anyhow!(describe(&e)))?;
    let worker = format!(
        "{}-{}",
        std::process::id(),
        trygg_core::secret::random_token()
    );
    let every = std::time::Duration::from_secs(config.mail_interval_secs);
    let trygg = trygg.clone();
    tokio::spawn(async move {
        trygg
            .run_mail_sender(mailer, worker, every, shutdown_signal())
            .await;
    });
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn demo(trygg: &Trygg, config: &Config) -> Result<ExitCode> {
    let logins = trygg
        .load_demo()
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    let incidents = trygg
        .load_demo_reports()
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    println!(
        "Linköpingsdemon är inläst i {}.",
        config.redacted_database_url()
    );
    if incidents > 0 {
        println!(
            "{incidents} demoincidenter (18 månaders EST-rapporter) och polisens händelser är inlästa."
        );
    }
    if logins.is_empty() {
        println!("Demoanvändarna fanns redan; deras lösenord visades när de skapades.");
    } else {
        println!();
        println!("Demo-inloggningar (lösenorden visas bara nu):");
        println!("roll\te-post\tlösenord");
        for l in &logins {
            println!("{}\t{}\t{}", l.role.code(), l.email, l.password);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn user_add(trygg: &Trygg, u: UserAdd) -> Result<ExitCode> {
    let password = read_password()?;
    let org = trygg
        .db
        .organisation_by_name(u.org.trim())
        .await?
        .with_context(|| format!("no organisation named `{}`", u.org))?;
    let unit = match &u.unit {
        Some(name) => Some(
            trygg
                .db
                .units(org.id)
                .await?
                .into_iter()
                .find(|x| x.name == name.trim())
                .with_context(|| format!("{} has no unit named `{name}`", org.name))?
                .id,
        ),
        None => None,
    };
    let roles = u
        .roles
        .iter()
        .map(|r| Role::parse(r).map_err(|_| anyhow::anyhow!("unknown role `{r}`")))
        .collect::<Result<Vec<_>>>()?;
    let input = trygg_core::accounts::UserInput {
        email: u.email.clone(),
        name: u.name,
        organisation_id: org.id,
        unit_id: unit,
        roles,
        password,
    };
    trygg
        .create_user(&Caller::System, &RequestMeta::cli(), input)
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    println!(
        "Användaren {} är skapad i {}.",
        u.email.trim().to_lowercase(),
        org.name
    );
    Ok(ExitCode::SUCCESS)
}

fn key_of(config: &Config) -> Result<trygg_domain::audit::AuditKey> {
    Ok(config
        .audit_key()?
        .with_context(|| format!("no audit key at {}", config.key_path().display()))?
        .0)
}

async fn audit_verify(
    trygg: &Trygg,
    config: &Config,
    checkpoint: Option<&Path>,
) -> Result<ExitCode> {
    let key = key_of(config)?;
    let checkpoint = match checkpoint {
        Some(p) => Some(read_checkpoint(p)?),
        None => None,
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("verifierar granskningsloggen");
    let result = trygg
        .verify_audit(&Caller::System, &key, checkpoint, |n| {
            bar.set_position(n as u64);
            bar.tick();
        })
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    bar.finish_and_clear();
    match result {
        Ok(head) => {
            println!(
                "{} entries verified; the chain is intact (head {}).",
                head.seq,
                trygg_domain::audit::to_hex(&head.hash)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!(
                "Audit log verification FAILED at entry {}: {b}",
                b.first_bad_seq()
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn read_checkpoint(p: &Path) -> Result<Checkpoint> {
    let text = std::fs::read_to_string(p)
        .with_context(|| format!("cannot read checkpoint {}", p.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a Trygg audit checkpoint", p.display()))
}

async fn audit_checkpoint(trygg: &Trygg, config: &Config, out: &Path) -> Result<ExitCode> {
    let key = key_of(config)?;
    // Only a verified head is worth keeping as a checkpoint.
    match trygg
        .verify_audit(&Caller::System, &key, None, |_| {})
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?
    {
        Ok(head) => {
            let json = serde_json::to_string_pretty(&head)?;
            std::fs::write(out, format!("{json}\n"))
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Checkpoint at entry {} written to {}.",
                head.seq,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            println!(
                "No checkpoint written: the chain is broken at entry {}: {b}",
                b.first_bad_seq()
            );
            Ok(ExitCode::from(1))
        }
    }
}
