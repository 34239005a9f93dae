//! Password hashing off the async executor, behind a bound.
//!
//! One dedicated hashing thread per CPU core (more would only slow each one down), each with its
//! argon2 memory kept between hashes, running at a lower CPU priority than the threads that
//! answer requests: while hashing saturates the cores, session checks and pages still get the
//! CPU first. At most `queue` logins wait for a turn. A login that finds the queue full gets
//! [`Busy`] at once and answers 503 with `Retry-After`: a login flood costs a few bytes per
//! refused request instead of memory and latency for everybody.
//!
//! Places are shared fairly between client addresses (an IPv6 address by its /64): while half
//! the places or more are taken, an address holding [`PER_CLIENT`] places gets no more, so one
//! address sending a burst of logins cannot turn everybody else away with 503.

use std::collections::HashMap;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// The hashing queue is full; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many logins at once; try again in a moment")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

/// Places one client address may always hold; more only while over half the places are free.
pub const PER_CLIENT: usize = 2;

/// The bounded hashing pool shared by every request.
#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: mpsc::Sender<Job>,
    admitted: Arc<AtomicUsize>,
    /// Places held per client address; an address holding none has no entry, so the map is
    /// never larger than the number of places.
    per_client: Arc<Mutex<HashMap<IpAddr, usize>>>,
    limit: usize,
}

/// How much lower the hashing threads' priority is (a nice value: 0 is normal, 19 lowest).
const HASHING_NICENESS: i32 = 10;

impl HashPool {
    /// `workers` hashing threads, and up to `queue` more logins waiting. The threads end when
    /// the last clone of the pool is dropped.
    pub fn new(workers: usize, queue: usize) -> HashPool {
        let workers = workers.max(1);
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..workers {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("portcullis-hash-{n}"))
                .spawn(move || work_loop(&receiver));
            if let Err(e) = spawned {
                tracing::error!("cannot start a password hashing thread: {e}");
            }
        }
        HashPool {
            jobs,
            admitted: Arc::new(AtomicUsize::new(0)),
            per_client: Arc::new(Mutex::new(HashMap::new())),
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

    /// Takes a place in the queue for a request from `client`, or refuses at once when the queue
    /// is full or the client holds its share. Taking the place first lets a login be turned away
    /// before it costs any database work.
    pub fn admit(&self, client: IpAddr) -> Result<Admission, Busy> {
        let client = portcullis_core::lockout::address_key(client);
        let mut per_client = match self.per_client.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let held = per_client.get(&client).copied().unwrap_or(0);
        let admitted = Arc::clone(&self.admitted);
        admitted
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                let fair = held < PER_CLIENT || n < self.limit / 2;
                (n < self.limit && fair).then_some(n + 1)
            })
            .map_err(|_| Busy)?;
        per_client.insert(client, held + 1);
        Ok(Admission {
            admitted,
            client,
            per_client: Arc::clone(&self.per_client),
            jobs: self.jobs.clone(),
        })
    }

    /// Runs `work` for a request from `client` on a hashing thread when one is free, or refuses
    /// at once when there is no place for it.
    pub async fn run<T, F>(&self, client: IpAddr, work: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.admit(client)?.run(work).await
    }
}

/// A hashing thread: lower priority, then one job after another until the pool is gone.
fn work_loop(receiver: &Mutex<mpsc::Receiver<Job>>) {
    lower_this_threads_priority();
    loop {
        let job = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else {
            return;
        };
        // A panicking job must not take the thread with it; its caller sees `Busy`.
        if std::panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
            tracing::error!("a password hashing job panicked");
        }
    }
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // SAFETY: setpriority takes plain integers and touches no memory of ours. On Linux,
    // PRIO_PROCESS with id 0 applies to the calling thread only (threads are tasks).
    let done = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) };
    if done != 0 {
        tracing::warn!("cannot lower the password hashing threads' priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// A place in the queue. It is given back when the job has run, or at once if it never gets to
/// run: a caller that goes away does not free its place early, so disconnecting cannot queue
/// more hashes than the bound.
#[derive(Debug)]
pub struct Admission {
    admitted: Arc<AtomicUsize>,
    client: IpAddr,
    per_client: Arc<Mutex<HashMap<IpAddr, usize>>>,
    jobs: mpsc::Sender<Job>,
}

impl Admission {
    /// Runs `work` on a hashing thread when one is free. If the caller has gone away by the
    /// time a thread takes the job, the work is skipped.
    pub async fn run<T, F>(self, work: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let jobs = self.jobs.clone();
        let job: Job = Box::new(move || {
            let place = self;
            if done.is_closed() {
                return;
            }
            let answer = work();
            // The place is free before the caller hears back, so that whatever the caller
            // does next (another login) finds it free.
            drop(place);
            let _ = done.send(answer);
        });
        jobs.send(job).map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut per_client = match self.per_client.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(held) = per_client.get_mut(&self.client) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                per_client.remove(&self.client);
            }
        }
        self.admitted.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    const ME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

    /// Starts a job that blocks until the returned sender is used.
    async fn blocking_job(
        pool: &HashPool,
    ) -> (mpsc::Sender<()>, tokio::task::JoinHandle<Result<i32, Busy>>) {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel();
        let running = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(ME, move || {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                    1
                })
                .await
            })
        };
        started_rx.await.unwrap();
        (release_tx, running)
    }

    async fn until_admitted(pool: &HashPool, n: usize) {
        while pool.admitted.load(Ordering::Acquire) != n {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_and_frees_up_afterwards() {
        let pool = HashPool::new(1, 1);
        let (release, running) = blocking_job(&pool).await;
        let waiting = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(ME, || 2).await })
        };
        // One running, one waiting: the third is refused without waiting.
        until_admitted(&pool, 2).await;
        assert_eq!(pool.run(ME, || 3).await, Err(Busy));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(1));
        assert_eq!(waiting.await.unwrap(), Ok(2));
        assert_eq!(pool.run(ME, || 4).await, Ok(4));
        until_admitted(&pool, 0).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_place_is_free_by_the_time_the_caller_has_its_answer() {
        // With one place and no queue, each login must find the place its previous one held
        // free again: a place given back after the answer made the next login a 503 at times.
        let pool = HashPool::new(1, 0);
        for n in 0..500 {
            assert_eq!(pool.run(ME, move || n).await, Ok(n), "run {n}");
            assert_eq!(pool.admitted.load(Ordering::Acquire), 0, "after run {n}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_goes_away_keeps_its_place_until_its_job_is_dropped_unrun() {
        let pool = HashPool::new(1, 4);
        let (release, running) = blocking_job(&pool).await;
        let ran = Arc::new(AtomicBool::new(false));
        let abandoned = {
            let pool = pool.clone();
            let ran = Arc::clone(&ran);
            tokio::spawn(async move {
                pool.run(ME, move || ran.store(true, Ordering::Release))
                    .await
            })
        };
        until_admitted(&pool, 2).await;
        abandoned.abort();
        let _ = abandoned.await;
        assert_eq!(
            pool.admitted.load(Ordering::Acquire),
            2,
            "the queued job still holds its place"
        );
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(1));
        assert_eq!(
            pool.run(ME, || 5).await,
            Ok(5),
            "the thread went on to the next job"
        );
        until_admitted(&pool, 0).await;
        assert!(
            !ran.load(Ordering::Acquire),
            "nobody was waiting for it, so it did not run"
        );
    }

    #[tokio::test]
    async fn a_panicking_job_answers_busy_and_the_thread_lives_on() {
        let pool = HashPool::new(1, 1);
        #[allow(clippy::panic)]
        let result = pool.run(ME, || -> i32 { panic!("boom") }).await;
        assert_eq!(result, Err(Busy));
        assert_eq!(pool.run(ME, || 6).await, Ok(6));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_address_cannot_take_more_than_its_share_while_the_queue_fills() {
        // 1 worker, 9 waiting: 10 places. One address gets half of them; others still get in.
        let pool = HashPool::new(1, 9);
        let (release, running) = blocking_job(&pool).await;
        let mut held = vec![];
        while let Ok(admission) = pool.admit(ME) {
            held.push(admission);
        }
        assert_eq!(
            held.len() + 1,
            5,
            "the flooding address holds half the places"
        );
        let other: IpAddr = "198.51.100.4".parse().unwrap();
        let neighbour: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_slash_64: IpAddr = "2001:db8:1:2::99".parse().unwrap();
        let a = pool.admit(other).unwrap();
        let b = pool.admit(other).unwrap();
        assert_eq!(
            pool.admit(other).map(|_| ()),
            Err(Busy),
            "two each beyond the half"
        );
        let c = pool.admit(neighbour).unwrap();
        let d = pool.admit(same_slash_64).unwrap();
        assert_eq!(
            pool.admit(neighbour).map(|_| ()),
            Err(Busy),
            "an IPv6 /64 counts as one address"
        );
        drop((a, b, c, d));
        drop(held);
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(1));
        until_admitted(&pool, 0).await;
        assert!(
            pool.per_client.lock().unwrap().is_empty(),
            "nothing kept per address"
        );
    }
}
