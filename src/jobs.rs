//! How many worker threads a batch gets. `--jobs N` asks for N, `--jobs 0` for one per CPU;
//! either way a batch never gets more threads than it has scenarios (idle threads cost memory
//! and start-up time for nothing), and asking for more threads than CPUs gets a warning on
//! standard error: the threads then share the CPUs, and each holds its scenario's model.

/// The threads for `work` scenarios when `requested` were asked for (0: one per CPU) on a
/// machine with `cpus` CPUs, and the warning to print, if any.
pub fn plan(requested: usize, work: usize, cpus: usize) -> (usize, Option<String>) {
    let cpus = cpus.max(1);
    let wanted = if requested == 0 { cpus } else { requested };
    let threads = wanted.min(work).max(1);
    let warning = (threads > cpus).then(|| {
        format!(
            "--jobs {requested} starts {threads} threads (one per scenario at most) on {cpus} \
             CPUs; they share the CPUs and each holds a model in memory (--jobs 0 starts one \
             per CPU)"
        )
    });
    (threads, warning)
}

/// [`plan`] on this machine, printing the warning.
pub fn threads(requested: usize, work: usize) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (threads, warning) = plan(requested, work, cpus);
    if let Some(w) = warning {
        eprintln!("coinflip: warning: {w}");
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::plan;

    #[test]
    fn capped_at_the_scenarios_and_warned_above_the_cpus() {
        assert_eq!(plan(64, 3, 8), (3, None));
        assert_eq!(plan(0, 3, 8), (3, None));
        assert_eq!(plan(0, 100, 8), (8, None));
        assert_eq!(plan(4, 100, 8), (4, None));
        assert_eq!(plan(1, 0, 8), (1, None));
        let (n, w) = plan(16, 100, 8);
        assert_eq!(n, 16);
        assert!(w.unwrap().starts_with("--jobs 16 starts 16 threads"));
    }
}
