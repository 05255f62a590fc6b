//! `coinflip man`: the man page, or one page per command with `--out DIR` (coinflip.1,
//! coinflip-run.1, coinflip-quiz-grade.1, …), so the pages the main page's SEE ALSO section
//! names exist.

use std::path::Path;

use crate::cli::Cli;

/// The main page as text for standard output; with `out`, writes every page into that folder
/// (created if needed) and returns nothing to print.
pub fn render(out: Option<&Path>) -> std::io::Result<String> {
    let cmd = <Cli as clap::CommandFactory>::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(cmd, dir)?;
            Ok(String::new())
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            Ok(String::from_utf8_lossy(&page).into_owned())
        }
    }
}
