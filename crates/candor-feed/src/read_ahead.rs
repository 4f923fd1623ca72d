//! Reading a feed's files on several threads while the sync stores them: a job runs on
//! each item on worker threads, at most a window of items ahead of the consumer, and the
//! results come back in the items' order, so that a sync reports, stages and fails
//! exactly as it would one file at a time.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::Scope;

/// What the workers and the consumer share.
struct State<R> {
    /// Items handed to a worker so far (the next one to take).
    taken: usize,
    /// Items the consumer has taken the result of.
    consumed: usize,
    /// Results not consumed yet, by item.
    done: HashMap<usize, R>,
    /// The consumer is gone (finished, or stopped at an error): workers stop.
    stopped: bool,
    /// A worker's job panicked (a bug): the consumer panics too, rather than wait.
    panicked: bool,
}

struct Shared<R> {
    state: Mutex<State<R>>,
    changed: Condvar,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, State<R>>) -> MutexGuard<'g, State<R>> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The results of a job run on `items`, in order (see the module documentation).
pub(crate) struct ReadAhead<R> {
    shared: Arc<Shared<R>>,
    next: usize,
    len: usize,
}

/// Run `job` on each of `items` on `workers` threads of `scope`, at most `window` items
/// ahead of what [`ReadAhead::next`] has returned. Dropping the [`ReadAhead`] stops the
/// workers after the job each is running (the scope then joins them).
pub(crate) fn read_ahead<'scope, 'env, T, R, F>(
    scope: &'scope Scope<'scope, 'env>,
    items: &'env [T],
    workers: usize,
    window: usize,
    job: &'env F,
) -> ReadAhead<R>
where
    T: Sync,
    R: Send + 'scope,
    F: Fn(&T) -> R + Sync,
{
    let window = window.max(1);
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            taken: 0,
            consumed: 0,
            done: HashMap::new(),
            stopped: false,
            panicked: false,
        }),
        changed: Condvar::new(),
    });
    for _ in 0..workers.clamp(1, items.len().max(1)) {
        let shared = Arc::clone(&shared);
        scope.spawn(move || {
            loop {
                let index = {
                    let mut state = shared.lock();
                    loop {
                        if state.stopped || state.taken >= items.len() {
                            return;
                        }
                        if state.taken < state.consumed + window {
                            break;
                        }
                        state = shared.wait(state);
                    }
                    state.taken += 1;
                    state.taken - 1
                };
                let result = catch_unwind(AssertUnwindSafe(|| job(&items[index])));
                let mut state = shared.lock();
                match result {
                    Ok(result) => {
                        state.done.insert(index, result);
                        shared.changed.notify_all();
                    }
                    Err(panic) => {
                        state.panicked = true;
                        shared.changed.notify_all();
                        drop(state);
                        resume_unwind(panic);
                    }
                }
            }
        });
    }
    ReadAhead {
        shared,
        next: 0,
        len: items.len(),
    }
}

impl<R> ReadAhead<R> {
    /// The result for the next item, waiting for it; `None` after the last.
    ///
    /// # Panics
    ///
    /// If the job panicked on a worker thread.
    pub(crate) fn next(&mut self) -> Option<R> {
        if self.next >= self.len {
            return None;
        }
        let mut state = self.shared.lock();
        loop {
            if let Some(result) = state.done.remove(&self.next) {
                self.next += 1;
                state.consumed = self.next;
                self.shared.changed.notify_all();
                return Some(result);
            }
            assert!(!state.panicked, "a thread reading the feed panicked");
            state = self.shared.wait(state);
        }
    }
}

impl<R> Drop for ReadAhead<R> {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        self.shared.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn results_come_back_in_order_and_workers_stay_within_the_window() {
        let items: Vec<u64> = (0..200).collect();
        let running_ahead = AtomicUsize::new(0);
        let consumed = AtomicUsize::new(0);
        let job = |item: &u64| {
            let ahead = usize::try_from(*item).unwrap() - consumed.load(Ordering::SeqCst);
            running_ahead.fetch_max(ahead, Ordering::SeqCst);
            // Later items finish first, now and then.
            std::thread::sleep(Duration::from_micros(200 - item));
            item * 2
        };
        let results: Vec<u64> = std::thread::scope(|scope| {
            let mut ahead = read_ahead(scope, &items, 4, 8, &job);
            let mut results = Vec::new();
            while let Some(result) = ahead.next() {
                results.push(result);
                consumed.fetch_add(1, Ordering::SeqCst);
            }
            results
        });
        assert_eq!(results, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(running_ahead.load(Ordering::SeqCst) <= 8);
    }

    #[test]
    fn stopping_early_ends_the_workers() {
        let items: Vec<u64> = (0..10_000).collect();
        let ran = AtomicUsize::new(0);
        let job = |item: &u64| {
            ran.fetch_add(1, Ordering::SeqCst);
            *item
        };
        std::thread::scope(|scope| {
            let mut ahead = read_ahead(scope, &items, 3, 16, &job);
            assert_eq!(ahead.next(), Some(0));
            assert_eq!(ahead.next(), Some(1));
        });
        assert!(ran.load(Ordering::SeqCst) <= 2 + 16);
    }

    #[test]
    fn a_panicking_job_panics_the_consumer_instead_of_hanging_it() {
        let items = [0u8, 1, 2];
        let job = |item: &u8| assert!(*item != 1, "job failed on 1");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            std::thread::scope(|scope| {
                let mut ahead = read_ahead(scope, &items, 2, 4, &job);
                while ahead.next().is_some() {}
            });
        }));
        assert!(outcome.is_err());
    }
}
