//! Where large bodies are judged, in `serve` and in the proxy alike: judging one builds its
//! JSON tree and tables, which for a megabyte of small members are several times the body. A
//! process judges bodies of [`LARGE`] bytes or more on [`LARGE_AT_ONCE`] threads of its own,
//! one at a time each, so that any number of flooding clients costs that many judgements, and
//! the memory they free is reused by the same two threads instead of being kept by whichever
//! of hundreds of client or blocking threads ran one (each allocator heap keeps what its
//! thread freed: budgets.rs). Smaller bodies are judged where they are, never waiting.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, LazyLock, Mutex};

/// Bodies at least this large are judged on the judging threads.
pub const LARGE: usize = 256 * 1024;
/// How many threads judge them.
pub const LARGE_AT_ONCE: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The queue the judging threads take their work from, in order of arrival.
static QUEUE: LazyLock<Option<Mutex<Sender<Job>>>> = LazyLock::new(|| {
    let (jobs, queue) = channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..LARGE_AT_ONCE {
        let queue = Arc::clone(&queue);
        std::thread::Builder::new()
            .name(format!("judging-{n}"))
            .spawn(move || work(&queue))
            .ok()?;
    }
    Some(Mutex::new(jobs))
});

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            // A job that panics drops its answer (its caller sees it); the thread lives on.
            Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
            Err(_) => return,
        }
    }
}

/// `judge()` on a judging thread when `len` is large, else here and now. `serve` waits for
/// the answer as a task, never holding a runtime thread.
pub async fn large<T: Send + 'static>(len: usize, judge: impl FnOnce() -> T + Send + 'static) -> T {
    if len < LARGE {
        return judge();
    }
    let (answer, answered) = tokio::sync::oneshot::channel();
    queue(judge, move |judged| {
        let _ = answer.send(judged);
    });
    answered.await.unwrap_or_else(|_| panicked())
}

/// The same, waited for on this thread (the proxy's, one per client).
pub fn large_blocking<T: Send + 'static>(
    len: usize,
    judge: impl FnOnce() -> T + Send + 'static,
) -> T {
    if len < LARGE {
        return judge();
    }
    let (answer, answered) = channel();
    queue(judge, move |judged| {
        let _ = answer.send(judged);
    });
    answered.recv().unwrap_or_else(|_| panicked())
}

/// The job ended without an answer: `judge` panicked (on its judging thread, which lives on).
fn panicked() -> ! {
    panic!("a judgement panicked on its judging thread")
}

/// Queues `judge`, its result given to `answer`; run here and now when the judging threads
/// could not be started.
fn queue<T>(judge: impl FnOnce() -> T + Send + 'static, answer: impl FnOnce(T) + Send + 'static) {
    let job: Job = Box::new(move || answer(judge()));
    let refused = match QUEUE.as_ref() {
        Some(queue) => match queue.lock() {
            Ok(queue) => queue.send(job).err().map(|e| e.0),
            Err(_) => Some(job),
        },
        None => Some(job),
    };
    if let Some(job) = refused {
        job();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// However many threads send large bodies, two judging threads judge them, one at a time
    /// each; small ones are judged where they are.
    #[test]
    fn large_bodies_are_judged_on_two_threads() {
        static NOW: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let threads: Vec<_> = (0..8)
            .map(|i| {
                std::thread::spawn(move || {
                    large_blocking(LARGE, move || {
                        let now = NOW.fetch_add(1, Ordering::SeqCst) + 1;
                        MOST.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        NOW.fetch_sub(1, Ordering::SeqCst);
                        (i, std::thread::current().name().map(str::to_owned))
                    })
                })
            })
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            let (judged, on) = t.join().unwrap();
            assert_eq!(judged, i);
            assert!(on.is_some_and(|n| n.starts_with("judging-")));
        }
        let most = MOST.load(Ordering::SeqCst);
        assert!((1..=LARGE_AT_ONCE).contains(&most), "{most} at once");
        let here = std::thread::current().id();
        assert_eq!(
            large_blocking(LARGE - 1, move || std::thread::current().id()),
            here
        );
    }

    /// A judgement that panics takes its caller's request down, not the judging thread.
    #[test]
    fn a_panicking_judgement_leaves_the_threads_working() {
        for _ in 0..LARGE_AT_ONCE + 1 {
            let failed = std::thread::spawn(|| large_blocking(LARGE, || panic!("judged wrong")));
            assert!(failed.join().is_err());
        }
        assert_eq!(large_blocking(LARGE, || 7), 7);
    }
}
