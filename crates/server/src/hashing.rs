//! Password hashing off the async executor, behind a bound.
//!
//! At most one hash runs per CPU core (more would only slow each one down), and at most
//! `queue` logins wait for a turn. A login that finds the queue full gets [`Busy`] at once and
//! answers 503 with `Retry-After`: a login flood costs a few bytes per refused request instead of
//! memory and latency for everybody.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

/// The hashing queue is full; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many logins at once; try again in a moment")]
pub struct Busy;

/// The bounded hashing pool shared by every request.
#[derive(Debug, Clone)]
pub struct HashPool {
    permits: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    limit: usize,
}

impl HashPool {
    /// `workers` hashes at a time, and up to `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> HashPool {
        let workers = workers.max(1);
        HashPool {
            permits: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(AtomicUsize::new(0)),
            limit: workers + queue,
        }
    }

    /// One worker per core and 16 waiting per core.
    pub fn for_this_machine() -> HashPool {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        HashPool::new(cores, cores * 16)
    }

    /// Runs `work` on a blocking thread when a worker is free, or refuses at once when the
    /// queue is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _admission = Admission::enter(&self.admitted, self.limit).ok_or(Busy)?;
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        // The permit moves into the blocking task: if the client goes away mid-hash, the hash
        // still holds its core until it finishes, so disconnecting cannot start extra hashes.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|_| Busy)
    }
}

/// A place in the pool, given back on drop (also when the waiting request is cancelled).
struct Admission<'a>(&'a AtomicUsize);

impl<'a> Admission<'a> {
    fn enter(admitted: &'a AtomicUsize, limit: usize) -> Option<Self> {
        admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Admission(admitted))
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_and_frees_up_afterwards() {
        let pool = HashPool::new(1, 1);
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let running = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                    1
                })
                .await
            })
        };
        started_rx.await.unwrap();
        let waiting = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(|| 2).await })
        };
        tokio::task::yield_now().await;
        // One running, one waiting: the third is refused without waiting.
        while pool.admitted.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(|| 3).await, Err(Busy));
        release_tx.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(1));
        assert_eq!(waiting.await.unwrap(), Ok(2));
        assert_eq!(pool.run(|| 4).await, Ok(4));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_caller_keeps_its_worker_busy_until_the_hash_ends() {
        let pool = HashPool::new(1, 4);
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let abandoned = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
            })
        };
        started_rx.await.unwrap();
        abandoned.abort();
        let _ = abandoned.await;
        assert_eq!(
            pool.permits.available_permits(),
            0,
            "the running hash still holds the only worker"
        );
        release_tx.send(()).unwrap();
        assert_eq!(pool.run(|| 5).await, Ok(5));
    }
}
