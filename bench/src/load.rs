//! A small HTTP/1.1 load generator: keep-alive connections on loopback, each a loop of requests.
//!
//! Two shapes:
//! - **closed loop**: every connection sends its next request as soon as the last answer is in
//!   (throughput at saturation);
//! - **open loop**: requests are *scheduled* at a fixed rate and latency is counted from the
//!   scheduled time, so a server that falls behind is charged for the wait (no coordinated
//!   omission) — for latency under a given load.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Builds the `n`-th request of connection `conn`.
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> Request<Full<Bytes>> + Send + Sync>;

/// Builds a chain's next request from its current link.
pub type MakeLinked = Arc<dyn Fn(&str) -> Request<Full<Bytes>> + Send + Sync>;

/// Reads a chain's next link from an answer's body.
pub type NextLink = Arc<dyn Fn(&[u8]) -> Option<String> + Send + Sync>;

/// One answered request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// The HTTP status, or 0 when the connection failed.
    pub status: u16,
    /// Latency in microseconds (open loop: from the scheduled time).
    pub micros: u32,
    /// From the moment the request was sent to the answer: the server's own time, without
    /// any wait for the connection to be free.
    pub service_micros: u32,
    /// Whether a 503 carried `Retry-After`.
    pub retry_after: bool,
}

/// Everything a run collected.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Samples after the warm-up.
    pub samples: Vec<Sample>,
    /// Seconds measured (after the warm-up).
    pub seconds: f64,
}

impl Outcome {
    /// Answers per second with this status.
    pub fn rate_of(&self, status: u16) -> f64 {
        self.count(|s| s.status == status) as f64 / self.seconds
    }

    /// How many samples match.
    pub fn count(&self, keep: impl Fn(&Sample) -> bool) -> usize {
        self.samples.iter().filter(|s| keep(s)).count()
    }

    /// The `q`-quantile latency in ms of the samples that match.
    pub fn quantile_ms(&self, q: f64, keep: impl Fn(&Sample) -> bool) -> f64 {
        let mut micros: Vec<u32> = self
            .samples
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.micros)
            .collect();
        quantile_ms(&mut micros, q)
    }

    /// The `q`-quantile service time in ms (from sending) of the samples that match.
    pub fn service_quantile_ms(&self, q: f64, keep: impl Fn(&Sample) -> bool) -> f64 {
        let mut micros: Vec<u32> = self
            .samples
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.service_micros)
            .collect();
        quantile_ms(&mut micros, q)
    }

    /// Statuses seen, with counts, for the report.
    pub fn statuses(&self) -> String {
        let mut counts = std::collections::BTreeMap::new();
        for s in &self.samples {
            *counts.entry(s.status).or_insert(0usize) += 1;
        }
        counts
            .iter()
            .map(|(status, n)| format!("{status}×{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The `q`-quantile of microsecond latencies, in ms (0 when empty).
pub fn quantile_ms(micros: &mut [u32], q: f64) -> f64 {
    if micros.is_empty() {
        return 0.0;
    }
    micros.sort_unstable();
    let rank = ((micros.len() as f64 * q).ceil() as usize).clamp(1, micros.len());
    f64::from(micros[rank - 1]) / 1000.0
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends one request on `sender` (reconnecting once if the connection is gone) and reads the
/// whole answer.
async fn exchange(
    addr: SocketAddr,
    sender: &mut Option<SendRequest<Full<Bytes>>>,
    request: Request<Full<Bytes>>,
) -> (u16, bool, Bytes) {
    if sender.as_ref().is_none_or(|s| s.is_closed()) {
        *sender = connect(addr).await.ok();
    }
    let Some(s) = sender.as_mut() else {
        return (0, false, Bytes::new());
    };
    if s.ready().await.is_err() {
        *sender = None;
        return (0, false, Bytes::new());
    }
    match s.send_request(request).await {
        Ok(response) => {
            let status = response.status();
            let retry_after = status == StatusCode::SERVICE_UNAVAILABLE
                && response.headers().contains_key(hyper::header::RETRY_AFTER);
            let body = match response.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(_) => {
                    *sender = None;
                    Bytes::new()
                }
            };
            (status.as_u16(), retry_after, body)
        }
        Err(_) => {
            *sender = None;
            (0, false, Bytes::new())
        }
    }
}

fn micros_since(t: Instant) -> u32 {
    u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX)
}

/// `connections` connections, each sending back to back for `warmup + duration`; samples from
/// the warm-up are dropped.
pub async fn closed_loop(
    addr: SocketAddr,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    make: MakeRequest,
) -> Outcome {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut tasks = Vec::new();
    for conn in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(addr).await.ok();
            let mut samples = Vec::new();
            let mut n = 0;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let (status, retry_after, _) = exchange(addr, &mut sender, make(conn, n)).await;
                n += 1;
                if sent >= measure_from {
                    let micros = micros_since(sent);
                    samples.push(Sample {
                        status,
                        micros,
                        service_micros: micros,
                        retry_after,
                    });
                }
            }
            samples
        }));
    }
    collect(tasks, duration).await
}

/// Like [`closed_loop`], but each request is made from what the previous answer on its
/// connection said (a chain: each refresh token gives the next). Connection `conn` starts from
/// `first[conn]`; `next` reads the next link from an answer's body, and a chain that breaks
/// (no next link) ends its connection early.
pub async fn closed_loop_chained(
    addr: SocketAddr,
    first: Vec<String>,
    warmup: Duration,
    duration: Duration,
    make: MakeLinked,
    next: NextLink,
) -> Outcome {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut tasks = Vec::new();
    for link in first {
        let (make, next) = (make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(addr).await.ok();
            let mut samples = Vec::new();
            let mut link = link;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let (status, retry_after, body) = exchange(addr, &mut sender, make(&link)).await;
                if sent >= measure_from {
                    let micros = micros_since(sent);
                    samples.push(Sample {
                        status,
                        micros,
                        service_micros: micros,
                        retry_after,
                    });
                }
                match next(&body) {
                    Some(following) => link = following,
                    None => break,
                }
            }
            samples
        }));
    }
    collect(tasks, duration).await
}

/// `rate` requests per second in all, spread over `connections` connections, for `duration`.
/// Latency runs from each request's scheduled time. Every connection is open before the
/// schedule starts, so connection set-up is not measured as request latency.
pub async fn open_loop(
    addr: SocketAddr,
    connections: usize,
    rate: f64,
    duration: Duration,
    make: MakeRequest,
) -> Outcome {
    let mut senders = Vec::with_capacity(connections);
    for _ in 0..connections {
        senders.push(connect(addr).await.ok());
    }
    let start = Instant::now() + Duration::from_millis(50);
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let interval = 1.0 / rate;
    let mut tasks = Vec::new();
    for (conn, mut sender) in senders.into_iter().enumerate() {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut k = conn as u64;
            while k < total {
                let scheduled = start + Duration::from_secs_f64(k as f64 * interval);
                tokio::time::sleep_until(scheduled.into()).await;
                let sent = Instant::now();
                let (status, retry_after, _) = exchange(addr, &mut sender, make(conn, k)).await;
                samples.push(Sample {
                    status,
                    micros: micros_since(scheduled),
                    service_micros: micros_since(sent),
                    retry_after,
                });
                k += connections as u64;
            }
            samples
        }));
    }
    collect(tasks, duration).await
}

async fn collect(tasks: Vec<tokio::task::JoinHandle<Vec<Sample>>>, duration: Duration) -> Outcome {
    let mut samples = Vec::new();
    for task in tasks {
        if let Ok(mut s) = task.await {
            samples.append(&mut s);
        }
    }
    Outcome {
        samples,
        seconds: duration.as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let mut micros: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(quantile_ms(&mut micros, 0.5), 50.0);
        assert_eq!(quantile_ms(&mut micros, 0.99), 99.0);
        assert_eq!(quantile_ms(&mut micros, 1.0), 100.0);
        assert_eq!(quantile_ms(&mut [], 0.99), 0.0);
    }
}
