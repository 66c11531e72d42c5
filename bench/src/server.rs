//! gpmall as a child process: `gpmall migrate`, then `gpmall serve` until the benchmark ends.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// Where and how the child runs.
pub struct Launch {
    pub bin: PathBuf,
    pub database_url: String,
    pub redis_url: String,
    pub cache_prefix: String,
    /// Working directory (no stray `gpmall.toml` is picked up) and log file location.
    pub workdir: PathBuf,
    /// Extra `GPMALL_*` settings for an experiment (`--gpmall-env`), applied last.
    pub extra_env: Vec<(String, String)>,
}

impl Launch {
    fn command(&self, listen: &str, log: &Path, args: &[&str]) -> anyhow::Result<Command> {
        let file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut command = Command::new(&self.bin);
        command.args(args).current_dir(&self.workdir);
        // The configuration refuses unknown GPMALL_* keys: start from none of the caller's.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("GPMALL_") {
                command.env_remove(key);
            }
        }
        command
            .env("GPMALL_DATABASE_URL", &self.database_url)
            .env("GPMALL_REDIS_URL", &self.redis_url)
            .env("GPMALL_LISTEN", listen)
            .env("GPMALL_LOG_FORMAT", "json")
            .env("GPMALL_LOGIN_MAX_ATTEMPTS", "100000")
            .env("GPMALL_CACHE_PREFIX", &self.cache_prefix)
            .env("RUST_LOG", "warn")
            .envs(self.extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone()?))
            .stderr(Stdio::from(file))
            .kill_on_drop(true);
        Ok(command)
    }

    /// `gpmall migrate`.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let log = self.workdir.join("migrate.log");
        let status = self
            .command("127.0.0.1:0", &log, &["migrate"])?
            .status()
            .await
            .with_context(|| format!("running {} migrate", self.bin.display()))?;
        if !status.success() {
            bail!("gpmall migrate failed ({status}):\n{}", tail(&log));
        }
        Ok(())
    }

    /// `gpmall serve` on a free port, returned once `/readyz` answers 200.
    pub async fn serve(&self) -> anyhow::Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        let log = self.workdir.join("serve.log");
        let child = self
            .command(&listen, &log, &["serve"])?
            .spawn()
            .with_context(|| format!("starting {} serve", self.bin.display()))?;
        let mut server = Server {
            child,
            base: format!("http://{listen}"),
            log,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "gpmall serve exited ({status}) before it was ready:\n{}",
                    tail(&server.log)
                );
            }
            if let Ok(response) = client
                .get(format!("{}/readyz", server.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && response.status().is_success()
            {
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                if body["status"] != "ok" {
                    bail!("gpmall is ready but not healthy (is Redis up?): {body}");
                }
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!(
                    "gpmall did not become ready within 60 s:\n{}",
                    tail(&server.log)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The running service; killed when stopped or dropped (also on an error path).
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Server {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Fails when the service has died meanwhile.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("gpmall serve exited ({status}):\n{}", tail(&self.log));
        }
        Ok(())
    }

    /// Warnings and errors the service logged.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
