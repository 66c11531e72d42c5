//! PostgreSQL through `psql` (seeding with COPY, maintenance) and the database URL.

use std::process::Stdio;

use anyhow::{Context, bail};
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Splits `postgres://user@host:port/db?opts` into the URL of the `postgres` maintenance database
/// on the same server and the database name.
pub fn admin_url(url: &str) -> anyhow::Result<(String, String)> {
    let scheme_end = url
        .find("://")
        .context("the database URL must look like postgres://user@host:port/database")?;
    let slash = url[scheme_end + 3..]
        .find('/')
        .map(|i| scheme_end + 3 + i)
        .context("the database URL must name a database (…/gpmall_bench)")?;
    let rest = &url[slash + 1..];
    let (name, query) = match rest.find('?') {
        Some(q) => (&rest[..q], &rest[q..]),
        None => (rest, ""),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("database name {name:?}: use letters, digits and underscores only");
    }
    Ok((
        format!("{}/postgres{query}", &url[..slash]),
        name.to_owned(),
    ))
}

fn psql(url: &str) -> Command {
    let mut command = Command::new("psql");
    command
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url])
        .env("PGAPPNAME", "gpmall-bench")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

async fn run(mut command: Command, input: &[u8], what: &str) -> anyhow::Result<String> {
    let mut child = command
        .spawn()
        .with_context(|| format!("{what}: could not start psql (is it on PATH?)"))?;
    let mut stdin = child.stdin.take().context("psql stdin")?;
    let write = async {
        stdin.write_all(input).await?;
        stdin.shutdown().await?;
        drop(stdin);
        Ok::<_, std::io::Error>(())
    };
    let (written, output) = tokio::join!(write, child.wait_with_output());
    let output = output.with_context(|| format!("{what}: psql"))?;
    if !output.status.success() {
        bail!(
            "{what}: psql failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    written.with_context(|| format!("{what}: writing to psql"))?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs SQL statements (each in its own transaction unless the script says otherwise).
pub async fn exec(url: &str, sql: &str, what: &str) -> anyhow::Result<()> {
    run(psql(url), sql.as_bytes(), what).await.map(|_| ())
}

/// Runs one query and returns its unaligned, tuples-only output.
pub async fn query(url: &str, sql: &str) -> anyhow::Result<String> {
    let mut command = psql(url);
    command.args(["-A", "-t", "-c", sql]);
    Ok(run(command, b"", sql).await?.trim().to_owned())
}

/// `COPY table (columns) FROM STDIN` in CSV format.
pub async fn copy_csv(url: &str, table: &str, columns: &str, csv: &[u8]) -> anyhow::Result<()> {
    let mut command = psql(url);
    command.args([
        "-c",
        &format!("COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"),
    ]);
    run(command, csv, &format!("COPY {table}"))
        .await
        .map(|_| ())
}

/// A CSV field: always quoted (an unquoted empty field is NULL in COPY's CSV format).
pub fn csv_field(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_url_keeps_server_and_options() {
        let (admin, name) = admin_url("postgres://postgres@127.0.0.1:5432/gpmall_bench").unwrap();
        assert_eq!(admin, "postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(name, "gpmall_bench");
        let (admin, _) = admin_url("postgres://u:p@h/db?sslmode=disable").unwrap();
        assert_eq!(admin, "postgres://u:p@h/postgres?sslmode=disable");
        assert!(admin_url("postgres://h/bad-name").is_err());
        assert!(admin_url("postgres://h").is_err());
    }

    #[test]
    fn csv_fields_are_quoted() {
        let mut out = String::new();
        csv_field(&mut out, "a \"b\", c");
        assert_eq!(out, "\"a \"\"b\"\", c\"");
    }
}
