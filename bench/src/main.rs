//! `portcullis-bench`: measures a release build of Portcullis from a separate process on
//! loopback. `bench/run` builds both and calls this; BENCHMARKS.md explains every figure.
//!
//! - `portcullis-bench` (throughput): argon2 cost and bound, password logins at saturation, the
//!   bare handler, session checks, the OpenID Connect token and userinfo endpoints, a login flood,
//!   memory and start-up. Writes `results.json`.
//! - `portcullis-bench scale`: 1,000,000 users and 10,000,000 IP records, then the login's work
//!   besides hashing and the heavy pages of a 10,000-user account. Writes `scale-results.json`.

mod load;
mod oidc;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use sqlx::Connection;

use load::{MakeRequest, Outcome};
use server::{LoginForm, Place, Server};

#[derive(Parser)]
#[command(name = "portcullis-bench", about = "Benchmarks for Portcullis")]
struct Cli {
    /// Run on PostgreSQL (a fresh database is made at this server and dropped afterwards)
    /// instead of SQLite.
    #[arg(long, global = true)]
    postgres: Option<String>,
    /// The portcullis binary (default: next to this one).
    #[arg(long, global = true)]
    portcullis: Option<PathBuf>,
    /// Where to write the JSON results (default: bench/results[-postgres].json, or
    /// bench/scale-results[-postgres].json).
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Seconds per measured phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[command(subcommand)]
    command: Option<Scale>,
}

#[derive(Subcommand)]
enum Scale {
    /// Data at scale: seed, then time the login and the heavy pages.
    Scale {
        /// Users to seed.
        #[arg(long, default_value_t = 1_000_000)]
        users: u64,
        /// IP records to seed.
        #[arg(long, default_value_t = 10_000_000)]
        ip_records: u64,
        /// Requests per measured page or login series.
        #[arg(long, default_value_t = 300)]
        requests: usize,
        /// Keep the seeded data in this directory (on PostgreSQL: in the database
        /// `portcullis_bench_scale_kept`) and reuse it when a later run asks for the same sizes,
        /// so that the pages can be measured again without seeding again.
        #[arg(long)]
        keep: Option<PathBuf>,
    },
}

/// A fresh place for the server: a temporary data directory, and on PostgreSQL a new database.
struct Scratch {
    place: Place,
    dir: PathBuf,
    /// The database to drop at the end (none when kept).
    pg: Option<(String, String)>,
    postgres: bool,
}

impl Scratch {
    async fn new(cli: &Cli, label: &str) -> anyhow::Result<Scratch> {
        Scratch::at(cli, label, None).await
    }

    /// A place that outlives the run: `dir` (made when missing) and, on PostgreSQL, the
    /// database `portcullis_bench_{label}_kept`, both left as they are (not emptied).
    async fn kept(cli: &Cli, label: &str, dir: &std::path::Path) -> anyhow::Result<Scratch> {
        Scratch::at(cli, label, Some(dir)).await
    }

    async fn at(cli: &Cli, label: &str, kept: Option<&std::path::Path>) -> anyhow::Result<Scratch> {
        let binary = match &cli.portcullis {
            Some(path) => path.clone(),
            None => std::env::current_exe()?.with_file_name("portcullis"),
        };
        anyhow::ensure!(
            binary.exists(),
            "{} not found: build it with `cargo build --release` or give --portcullis",
            binary.display()
        );
        let dir = match kept {
            Some(dir) => dir.to_path_buf(),
            None => {
                let dir = std::env::temp_dir()
                    .join(format!("portcullis-bench-{label}-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                dir
            }
        };
        std::fs::create_dir_all(&dir)?;
        let (database_url, pg) = match &cli.postgres {
            Some(admin) => {
                let name = match kept {
                    Some(_) => format!("portcullis_bench_{label}_kept"),
                    None => format!("portcullis_bench_{label}_{}", std::process::id()),
                };
                let mut conn = sqlx::PgConnection::connect(admin)
                    .await
                    .with_context(|| "cannot connect to the --postgres server")?;
                let exists: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                        .bind(&name)
                        .fetch_optional(&mut conn)
                        .await?;
                if kept.is_none() || exists.is_none() {
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn)
                        .await?;
                    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                        .execute(&mut conn)
                        .await?;
                }
                conn.close().await?;
                let mut url = url::Url::parse(admin)?;
                url.set_path(&name);
                (Some(url.to_string()), Some((admin.clone(), name)))
            }
            None => (None, None),
        };
        Ok(Scratch {
            place: Place {
                binary,
                data_dir: dir.join("data"),
                database_url,
            },
            dir,
            pg: if kept.is_some() { None } else { pg },
            postgres: cli.postgres.is_some(),
        })
    }

    async fn clean_up(self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut conn) = sqlx::PgConnection::connect(admin).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    fn backend(&self) -> &'static str {
        if self.postgres { "postgres" } else { "sqlite" }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Mean milliseconds of one argon2 verification with Portcullis's own parameters, on one
/// thread of this process (release build, same machine, same run).
fn argon2_ms_per_hash(rounds: u32) -> anyhow::Result<f64> {
    let hash = portcullis_core::password::hash_password(server::PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let _ = portcullis_core::password::verify_password(server::PASSWORD, &hash);
    let started = Instant::now();
    for _ in 0..rounds {
        anyhow::ensure!(portcullis_core::password::verify_password(
            server::PASSWORD,
            &hash
        ));
    }
    Ok(started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds))
}

/// The same, with one thread per core hashing at once: what the cores actually give together
/// (they share caches and memory bandwidth, and argon2 is memory-hard).
fn argon2_parallel_ms_per_hash(threads: usize, rounds: u32) -> anyhow::Result<f64> {
    let hash = portcullis_core::password::hash_password(server::PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let all_ok = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    (0..rounds).all(|_| {
                        portcullis_core::password::verify_password(server::PASSWORD, &hash)
                    })
                })
            })
            .collect();
        workers.into_iter().all(|w| w.join().unwrap_or(false))
    });
    anyhow::ensure!(all_ok, "a verification failed");
    Ok(started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds))
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Username of seeded user `n` (1-based).
fn seeded(n: u64) -> String {
    format!("seed{n}")
}

/// Runs `phase` while measuring the server's CPU use; returns its outcome and the share of
/// all cores the server used.
async fn with_cpu<F: std::future::Future<Output = Outcome>>(
    server: &Server,
    phase: F,
) -> anyhow::Result<(Outcome, f64)> {
    let cpu_before = server.cpu_seconds()?;
    let started = Instant::now();
    let outcome = phase.await;
    let used = server.cpu_seconds()? - cpu_before;
    Ok((
        outcome,
        used / started.elapsed().as_secs_f64() / cores() as f64,
    ))
}

async fn throughput(cli: &Cli) -> anyhow::Result<Value> {
    let seconds = Duration::from_secs(cli.seconds);
    let warmup = Duration::from_secs(2);
    let cores = cores();

    let scratch = Scratch::new(cli, "throughput").await?;
    const USERS: u64 = 1_000;
    eprintln!("seeding {USERS} users ({})…", scratch.backend());
    scratch.place.seed(USERS, USERS)?;
    let server = Server::start(&scratch.place, &scratch.dir.join("server.log")).await?;
    let startup_ms = server.startup.as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_mb = server.rss_mb()?;
    let addr = server.addr;
    let form = LoginForm::fetch(addr).await?;
    let session = form.session(addr, &seeded(1)).await?;

    let bare: MakeRequest = Arc::new(|_, _| server::get_request("/bench/bare", ""));
    let check: MakeRequest = {
        let session = session.clone();
        Arc::new(move |_, _| server::get_request("/api/session", &session))
    };
    let forward_auth: MakeRequest = {
        let session = session.clone();
        Arc::new(move |_, _| server::auth_request(&session))
    };
    let (status, _, _) = server::request(addr, server::auth_request(&session)).await?;
    anyhow::ensure!(
        status == 200,
        "the forward-auth check answered {status}, not 200"
    );
    let login: MakeRequest = {
        let form = form.clone();
        Arc::new(move |conn, n| {
            form.request(&seeded(1 + (conn as u64 * 7_919 + n * 104_729) % USERS))
        })
    };

    // The bare handler and the session check run in alternating pairs of phases, and the pair
    // with the median ratio stands for the run: this VM's speed drifts by ±15% over a minute,
    // and a ratio taken within one pair, seconds apart, is what drift disturbs least.
    const CONNECTIONS: usize = 32;
    const ROUNDS: usize = 3;
    let mut pairs = Vec::with_capacity(ROUNDS);
    let mut forward_auth_rounds = Vec::with_capacity(ROUNDS);
    for round in 1..=ROUNDS {
        eprintln!(
            "bare handler, session check, forward-auth (round {round} of {ROUNDS}): {CONNECTIONS} connections, {seconds:?} each…"
        );
        let (bare_run, bare_cpu) = with_cpu(
            &server,
            load::closed_loop(addr, CONNECTIONS, warmup, seconds, bare.clone()),
        )
        .await?;
        let (check_run, check_cpu) = with_cpu(
            &server,
            load::closed_loop(addr, CONNECTIONS, warmup, seconds, check.clone()),
        )
        .await?;
        let ratio = check_run.rate_of(200) / bare_run.rate_of(200).max(1.0);
        // Forward-auth right after the session check it is compared with.
        let (fa_run, _) = with_cpu(
            &server,
            load::closed_loop(addr, CONNECTIONS, warmup, seconds, forward_auth.clone()),
        )
        .await?;
        forward_auth_rounds.push((
            fa_run.rate_of(200) / check_run.rate_of(200).max(1.0),
            fa_run,
        ));
        pairs.push((ratio, bare_run, bare_cpu, check_run, check_cpu));
    }
    forward_auth_rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let fa_ratios: Vec<f64> = forward_auth_rounds.iter().map(|r| round(r.0, 3)).collect();
    let (fa_ratio, fa_run) = forward_auth_rounds.swap_remove(ROUNDS / 2);
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let round_ratios: Vec<f64> = pairs.iter().map(|p| round(p.0, 3)).collect();
    let (_, bare_run, bare_cpu, check_run, check_cpu) = pairs.swap_remove(ROUNDS / 2);
    let oidc = oidc::phases(
        &scratch.place,
        addr,
        &session,
        bare_run.rate_of(200),
        warmup,
        seconds,
    )
    .await?;
    // argon2 is timed just before and just after the login phase (30 + 30 verifications on one
    // thread, then on every core at once), so that the bound and the logins it is compared with
    // come from the same minute of this VM's drifting speed.
    eprintln!("argon2: timing 30 verifications on one thread, then on {cores} at once…");
    let hash_ms_before = argon2_ms_per_hash(30)?;
    let parallel_ms_before = argon2_parallel_ms_per_hash(cores, 30)?;
    let login_connections = cores * 4;
    eprintln!("password logins: {login_connections} connections, {seconds:?}…");
    let (login_run, login_cpu) = with_cpu(
        &server,
        load::closed_loop(addr, login_connections, warmup, seconds, login.clone()),
    )
    .await?;
    eprintln!("argon2: timing again…");
    let hash_ms = (hash_ms_before + argon2_ms_per_hash(30)?) / 2.0;
    let parallel_ms = (parallel_ms_before + argon2_parallel_ms_per_hash(cores, 30)?) / 2.0;
    let bound = cores as f64 / (hash_ms / 1000.0);

    // The flood: logins scheduled at ten times what hashing can serve, on many connections,
    // while ordinary traffic (session checks at a steady rate) goes on.
    let flood_rate = bound * 10.0;
    let check_rate = 500.0;
    eprintln!(
        "login flood: {flood_rate:.0} logins/s on 256 connections with {check_rate:.0} session checks/s, {seconds:?}…"
    );
    let (flood_run, check_during) = tokio::join!(
        load::open_loop(addr, 256, flood_rate, seconds, login.clone()),
        load::open_loop(addr, 8, check_rate, seconds, check.clone()),
    );
    let rss_after_load_mb = server.rss_mb()?;
    drop(server);
    scratch.clean_up().await;

    let bare_rps = bare_run.rate_of(200);
    let check_rps = check_run.rate_of(200);
    let login_per_s = login_run.rate_of(303);
    let flood_total = flood_run.samples.len().max(1) as f64;
    let rejected = flood_run.count(|s| s.status == 503);
    let rejected_without_retry_after = flood_run.count(|s| s.status == 503 && !s.retry_after);
    let mut results = json!({
        "backend": if cli.postgres.is_some() { "postgres" } else { "sqlite" },
        "machine": machine(),
        "cores": cores,
        "seconds_per_phase": cli.seconds,
        "session_check_ratio_each_round": round_ratios,
        "argon2_ms_per_hash": round(hash_ms, 2),
        "argon2_bound_logins_per_s": round(bound, 1),
        "argon2_ms_per_hash_all_cores_at_once": round(parallel_ms, 2),
        "argon2_all_cores_logins_per_s": round(cores as f64 / (parallel_ms / 1000.0), 1),
        "login_per_s": round(login_per_s, 1),
        "login_ratio_to_bound": round(login_per_s / bound, 3),
        "login_p50_ms": round(login_run.quantile_ms(0.5, |s| s.status == 303), 1),
        "login_p99_ms": round(login_run.quantile_ms(0.99, |s| s.status == 303), 1),
        "login_statuses": login_run.statuses(),
        "login_server_cpu_share": round(login_cpu, 3),
        "bare_handler_rps": round(bare_rps, 0),
        "bare_handler_p99_ms": round(bare_run.quantile_ms(0.99, |s| s.status == 200), 2),
        "bare_handler_server_cpu_share": round(bare_cpu, 3),
        "session_check_rps": round(check_rps, 0),
        "session_check_ratio": round(check_rps / bare_rps.max(1.0), 3),
        "session_check_p99_ms": round(check_run.quantile_ms(0.99, |s| s.status == 200), 2),
        "session_check_server_cpu_share": round(check_cpu, 3),
        "session_check_statuses": check_run.statuses(),
        "login_flood_offered_per_s": round(flood_rate, 0),
        "login_flood_accepted_per_s": round(flood_run.rate_of(303), 1),
        "login_flood_rejected_share": round(rejected as f64 / flood_total, 3),
        "login_flood_reject_p99_ms": round(flood_run.service_quantile_ms(0.99, |s| s.status == 503), 2),
        "login_flood_reject_p99_ms_from_schedule": round(flood_run.quantile_ms(0.99, |s| s.status == 503), 1),
        "login_flood_rejects_without_retry_after": rejected_without_retry_after,
        "login_flood_accepted_p99_ms": round(flood_run.quantile_ms(0.99, |s| s.status == 303), 1),
        "login_flood_statuses": flood_run.statuses(),
        "session_check_p50_ms_during_login_flood": round(check_during.quantile_ms(0.5, |s| s.status == 200), 2),
        "session_check_p99_ms_during_login_flood": round(check_during.quantile_ms(0.99, |s| s.status == 200), 2),
        "session_check_statuses_during_login_flood": check_during.statuses(),
        "idle_rss_mb": round(idle_rss_mb, 1),
        "rss_after_load_mb": round(rss_after_load_mb, 1),
        "startup_ms": round(startup_ms, 1),
    });
    let forward_auth = json!({
        "forward_auth_rps": round(fa_run.rate_of(200), 0),
        "forward_auth_ratio_to_session_check": round(fa_ratio, 3),
        "forward_auth_ratio_each_round": fa_ratios,
        "forward_auth_p99_ms": round(fa_run.quantile_ms(0.99, |s| s.status == 200), 2),
        "forward_auth_statuses": fa_run.statuses(),
    });
    for more in [forward_auth, oidc] {
        if let (Value::Object(all), Value::Object(more)) = (&mut results, more) {
            all.extend(more);
        }
    }
    Ok(results)
}

/// Sequential requests; latency quantiles in ms.
async fn series(
    addr: SocketAddr,
    n: usize,
    mut make: impl FnMut(usize) -> hyper::Request<http_body_util::Full<bytes::Bytes>>,
    expect: u16,
) -> anyhow::Result<(f64, f64)> {
    let mut micros = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        let (status, _, body) = server::request(addr, make(i)).await?;
        micros.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        anyhow::ensure!(
            status == expect,
            "expected {expect}, got {status}: {body:.300}"
        );
    }
    Ok((
        load::quantile_ms(&mut micros.clone(), 0.5),
        load::quantile_ms(&mut micros, 0.99),
    ))
}

async fn scale(
    cli: &Cli,
    users: u64,
    ip_records: u64,
    requests: usize,
    keep: Option<&std::path::Path>,
) -> anyhow::Result<Value> {
    let scratch = match keep {
        Some(dir) => Scratch::kept(cli, "scale", dir).await?,
        None => Scratch::new(cli, "scale").await?,
    };
    // A kept place remembers what was seeded into it and how long that took.
    let marker = scratch.dir.join("seeded.json");
    let sizes = json!({ "users": users, "ip_records": ip_records, "backend": scratch.backend() });
    let previous = std::fs::read(&marker)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .filter(|seeded| seeded.get("sizes") == Some(&sizes))
        .and_then(|seeded| seeded.get("seconds").and_then(Value::as_f64));
    let seed_seconds = match previous {
        Some(seconds) if keep.is_some() => {
            eprintln!("reusing the data seeded in {}", scratch.dir.display());
            seconds
        }
        _ => {
            eprintln!(
                "seeding {users} users and {ip_records} IP records ({})…",
                scratch.backend()
            );
            let seconds = scratch.place.seed(users, ip_records)?;
            if keep.is_some() {
                std::fs::write(
                    &marker,
                    json!({ "sizes": sizes, "seconds": seconds }).to_string(),
                )?;
            }
            seconds
        }
    };
    let server = Server::start(&scratch.place, &scratch.dir.join("server.log")).await?;
    let addr = server.addr;
    let form = LoginForm::fetch(addr).await?;

    // Logins one at a time, over users spread across the whole table, each followed by one
    // argon2 verification timed here: the login's own work is its latency minus the hash.
    eprintln!("logins one at a time: {requests}…");
    let hash = portcullis_core::password::hash_password(server::PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut login_micros = Vec::new();
    let mut hash_micros = Vec::new();
    for i in 0..requests as u64 {
        let user = seeded(1 + (i * 7_919 + 13) % users);
        let started = Instant::now();
        let (status, _, body) = server::request(addr, form.request(&user)).await?;
        login_micros.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        anyhow::ensure!(status == 303, "login as {user}: {status} {body:.300}");
        let started = Instant::now();
        portcullis_core::password::verify_password(server::PASSWORD, &hash);
        hash_micros.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    let hash_p50 = load::quantile_ms(&mut hash_micros, 0.5);
    let login_p50 = load::quantile_ms(&mut login_micros.clone(), 0.5);
    let login_p99 = load::quantile_ms(&mut login_micros, 0.99);

    // The heavy pages of the first account (10,000 users, 100,000 IP records), as its
    // administrator.
    let admin = form.session(addr, &seeded(1)).await?;
    let mut pages = serde_json::Map::new();
    for (key, path) in [
        ("employees_page", "/employees"),
        ("employees_search", "/employees?q=seed77"),
        ("ip_addresses_page", "/ip-addresses"),
        ("ip_addresses_blocked", "/ip-addresses?status=blocked"),
        ("ip_addresses_one_user", "/ip-addresses?user=seed4242"),
        ("security_center", "/security-center"),
        (
            "security_center_without_two_factor",
            "/security-center?two_factor=off",
        ),
        (
            "security_center_logged_in_by_last_login",
            "/security-center?logged_in=yes&sort=last-login",
        ),
        (
            "security_center_csv",
            "/security-center/overview.csv?two_factor=off",
        ),
        ("audit_page", "/audit"),
        ("audit_one_user", "/audit?user=seed4242"),
    ] {
        eprintln!("{path}: {requests} requests…");
        let (p50, p99) = series(addr, requests, |_| server::get_request(path, &admin), 200).await?;
        pages.insert(format!("{key}_p50_ms"), json!(round(p50, 2)));
        pages.insert(format!("{key}_p99_ms"), json!(round(p99, 2)));
    }
    let startup_ms = server.startup.as_secs_f64() * 1000.0;
    let rss = server.rss_mb()?;
    drop(server);
    if keep.is_none() {
        scratch.clean_up().await;
    }
    let mut out = json!({
        "backend": if cli.postgres.is_some() { "postgres" } else { "sqlite" },
        "machine": machine(),
        "users": users,
        "ip_records": ip_records,
        "account_size": 10_000,
        "seed_seconds": round(seed_seconds, 1),
        "startup_ms": round(startup_ms, 1),
        "rss_after_pages_mb": round(rss, 1),
        "argon2_ms_per_hash_p50": round(hash_p50, 2),
        "login_p50_ms": round(login_p50, 2),
        "login_p99_ms": round(login_p99, 2),
        "login_work_besides_hashing_p50_ms": round((login_p50 - hash_p50).max(0.0), 2),
        "login_work_besides_hashing_p99_ms": round((login_p99 - hash_p50).max(0.0), 2),
    });
    if let Value::Object(map) = &mut out {
        map.extend(pages);
    }
    Ok(out)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{} × {cpu}", cores())
}

/// A DESIGN.md target: the figure's key, the target as shown, and whether a value meets it.
type Target = (&'static str, &'static str, fn(f64) -> bool);

fn print_table(results: &Value) {
    let targets: &[Target] = &[
        ("login_ratio_to_bound", "≥ 0.9", |x| x >= 0.9),
        ("session_check_ratio", "≥ 0.7", |x| x >= 0.7),
        ("forward_auth_ratio_to_session_check", "≥ 0.9", |x| {
            x >= 0.9
        }),
        ("session_check_p99_ms_during_login_flood", "≤ 10", |x| {
            x <= 10.0
        }),
        ("idle_rss_mb", "≤ 30", |x| x <= 30.0),
        ("startup_ms", "≤ 200", |x| x <= 200.0),
    ];
    let Value::Object(map) = results else {
        return;
    };
    println!("{:<46} {:>14}  target", "figure", "value");
    for (key, value) in map {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let target = targets
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, t, ok)| {
                let met = value.as_f64().is_some_and(ok);
                format!("{t} {}", if met { "met" } else { "MISSED" })
            })
            .unwrap_or_default();
        println!("{key:<46} {shown:>14}  {target}");
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let suffix = if cli.postgres.is_some() {
        "-postgres"
    } else {
        ""
    };
    let bench_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (results, default_out) = match &cli.command {
        None => (
            throughput(&cli).await?,
            bench_dir.join(format!("results{suffix}.json")),
        ),
        Some(Scale::Scale {
            users,
            ip_records,
            requests,
            keep,
        }) => (
            scale(&cli, *users, *ip_records, *requests, keep.as_deref()).await?,
            bench_dir.join(format!("scale-results{suffix}.json")),
        ),
    };
    print_table(&results);
    let out = cli.out.clone().unwrap_or(default_out);
    std::fs::write(&out, serde_json::to_string_pretty(&results)? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("\nwritten to {}", out.display());
    Ok(())
}
