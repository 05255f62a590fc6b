//! Progress inside a scenario, for the progress bar of `coinflip run`: the samples drawn and the
//! chi-square check's draws, reported as they happen. The work announces itself (`planned`) and
//! its steps (`done`) to the sink installed on the thread that runs the scenario ([`with_sink`]);
//! without one (a test, `calibrate`) reporting does nothing. A Monte Carlo test's replicates,
//! run on other threads, report to the sink of the thread that started them ([`current`]).
//! Progress never changes what is computed: it only counts.

use std::cell::RefCell;
use std::sync::Arc;

/// What a scenario tells the progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// This many more steps (samples, draws) are about to be done.
    Planned(u64),
    /// This many of them are done.
    Done(u64),
}

/// Where events go: shared by the threads of a run.
pub type Sink = Arc<dyn Fn(Event) + Send + Sync>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Runs `f` with `sink` receiving the events reported on this thread, then restores the sink
/// that was there (a rayon thread may run another scenario while it waits).
pub fn with_sink<R>(sink: Option<&Sink>, f: impl FnOnce() -> R) -> R {
    let before = SINK.with(|s| s.replace(sink.cloned()));
    let r = f();
    SINK.with(|s| *s.borrow_mut() = before);
    r
}

/// This thread's sink, for work it hands to other threads (a Monte Carlo test's replicates run
/// on rayon's threads, which have no sink of their own).
pub fn current() -> Option<Sink> {
    SINK.with(|s| s.borrow().clone())
}

/// Reports `e` to this thread's sink, if any.
pub fn report(e: Event) {
    SINK.with(|s| {
        if let Some(sink) = s.borrow().as_ref() {
            sink(e);
        }
    });
}

/// Draws are reported in chunks this large: a report per draw would cost more than the draw.
pub const DRAW_CHUNK: u64 = 1 << 16;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn events_reach_the_installed_sink_only() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let sink: Sink = Arc::new(move |e| s.lock().unwrap().push(e));
        report(Event::Done(1));
        with_sink(Some(&sink), || {
            report(Event::Planned(2));
            with_sink(None, || report(Event::Done(5)));
            report(Event::Done(2));
        });
        report(Event::Done(3));
        assert_eq!(*seen.lock().unwrap(), [Event::Planned(2), Event::Done(2)]);
    }
}
