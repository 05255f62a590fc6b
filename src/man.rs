//! `coinflip man`: the man page on standard output, or one page per command with `--out DIR`
//! (coinflip.1, coinflip-run.1, coinflip-quiz-grade.1, …), so the pages the main page's
//! SEE ALSO section names exist.

use std::io::Write;
use std::path::Path;

use crate::cli::Cli;

/// Prints the main page, or writes every page into `out`; returns the exit code.
pub fn run(out: Option<&Path>) -> i32 {
    let cmd = <Cli as clap::CommandFactory>::command();
    let result = match out {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)),
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .and_then(|()| write_ignoring_closed_pipe(&page))
        }
    };
    match result {
        Ok(()) => crate::app::OK,
        Err(e) => {
            eprintln!("coinflip: error: cannot write the man page: {e}");
            crate::app::FAILED
        }
    }
}

/// Writes to standard output; a closed pipe (`coinflip man | head`) is not an error.
fn write_ignoring_closed_pipe(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}
