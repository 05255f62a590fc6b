//! Exit codes: the one type every command returns (as nextest's `NextestExitCode`), so the
//! numbers a CI script relies on are written down once. `src/main.rs` turns it into the
//! process's status.

/// How a command ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything passed, or the command did what was asked.
    Ok = 0,
    /// A check failed, an input was rejected, or an output could not be written.
    Failed = 1,
    /// The command line was wrong (clap's own errors exit with the same code).
    Usage = 2,
}

impl ExitCode {
    /// [`ExitCode::Ok`] when `passed`, [`ExitCode::Failed`] otherwise.
    pub fn from_passed(passed: bool) -> Self {
        if passed {
            ExitCode::Ok
        } else {
            ExitCode::Failed
        }
    }

    /// The number the process exits with.
    pub fn code(self) -> i32 {
        i32::from(self as u8)
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_numbers() {
        // README and docs promise these to CI scripts: 0 passed, 1 failed, 2 usage.
        assert_eq!(ExitCode::Ok.code(), 0);
        assert_eq!(ExitCode::Failed.code(), 1);
        assert_eq!(ExitCode::Usage.code(), 2);
        assert_eq!(ExitCode::from_passed(true), ExitCode::Ok);
        assert_eq!(ExitCode::from_passed(false), ExitCode::Failed);
    }
}
