//! The gpmall binary: parses the command line and hands over to the library.

fn main() -> anyhow::Result<()> {
    gpmall::cli::run()
}
