//! Command line: `gpmall serve`, `gpmall migrate`, `gpmall seed --demo`.

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "gpmall",
    version,
    about = "Government procurement e-mall and financing gateway"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and web pages (the default). Migrates, and seeds demo data into an empty
    /// embedded database.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo organizations, users, budget lines and products (only into an empty database).
        #[arg(long)]
        demo: bool,
    },
    /// Guarantee letters: sign one as a demo issuer (`issue`), make issuer keys (`keygen`).
    Guarantee(crate::guarantee_cli::GuaranteeArgs),
    /// Run overdue detection and late-interest accrual over every contract once (the service
    /// also runs it every ten minutes) and print the totals.
    Accrue {
        /// The business date to accrue to (YYYY-MM-DD); today in Asia/Shanghai by default (the
        /// simulated date on a sandbox clock).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load()?;
    crate::telemetry::init_logs(config.json_logs());
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => crate::app::serve(config).await,
            Command::Accrue { as_of } => {
                let services = crate::app::connect(&config, crate::app::clock(&config)).await?;
                gpmall_platform::sandbox::refresh(&services.ctx).await?;
                let as_of = as_of.unwrap_or_else(|| services.ctx.clock.today());
                let started = std::time::Instant::now();
                let summary =
                    gpmall_settlement::service::accrual::accrue(&services.ctx.db, as_of).await?;
                println!(
                    "accrued as of {}: {} rows updated, {} overdue instalments, overdue {}, interest {} ({} ms)",
                    summary.as_of,
                    summary.rows_updated,
                    summary.overdue_instalments,
                    summary.overdue,
                    summary.interest,
                    started.elapsed().as_millis()
                );
                Ok(())
            }
            Command::Guarantee(args) => crate::guarantee_cli::run(args),
            Command::Migrate => {
                let services = crate::app::connect(&config, crate::app::clock(&config)).await?;
                crate::app::migrate(&services.ctx.db).await?;
                println!("migrations applied");
                Ok(())
            }
            Command::Seed { demo } => {
                if !demo {
                    anyhow::bail!("say what to seed: `gpmall seed --demo`");
                }
                let services = crate::app::connect(&config, crate::app::clock(&config)).await?;
                crate::app::migrate(&services.ctx.db).await?;
                if crate::seed::is_empty(&services.ctx.db).await? {
                    crate::seed::demo(&services.ctx).await?;
                    println!(
                        "demo data seeded; every demo login has the password {}",
                        crate::seed::DEMO_PASSWORD
                    );
                } else {
                    println!("the database already has organizations; demo data not seeded");
                }
                Ok(())
            }
        }
    })
}
