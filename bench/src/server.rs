//! The Portcullis process under test: seeded, started, watched (memory, CPU time), stopped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Every seeded user's password in benchmark runs.
pub const PASSWORD: &str = "bench password for seeded users";
/// Every seeded account's security code in benchmark runs.
pub const SECURITY_CODE: &str = "BNCH-BNCH-BNCH";

/// Where the server keeps its data, and which database it uses.
pub struct Place {
    /// The `portcullis` binary.
    pub binary: PathBuf,
    /// Data directory (SQLite file, key, outbox).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`, or none for SQLite in the data directory.
    pub database_url: Option<String>,
}

impl Place {
    /// `portcullis` with this place's data directory and database.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command.env("PORTCULLIS_DATA_DIR", &self.data_dir);
        command.env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            command.env("DATABASE_URL", url);
        }
        command
    }

    /// `portcullis dev seed`, every user with 127.0.0.1 validated. Returns the seconds taken.
    pub fn seed(&self, users: u64, ip_records: u64) -> anyhow::Result<f64> {
        use std::io::Write;
        let started = Instant::now();
        let mut child = self
            .command()
            .args(["dev", "seed", "--json", "--password-stdin"])
            .args(["--users", &users.to_string()])
            .args(["--ip-records", &ip_records.to_string()])
            .args([
                "--validated-ip",
                "127.0.0.1",
                "--security-code",
                SECURITY_CODE,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot run portcullis dev seed")?;
        child
            .stdin
            .take()
            .context("no stdin")?
            .write_all(PASSWORD.as_bytes())?;
        let output = child.wait_with_output()?;
        if !output.status.success() {
            bail!("portcullis dev seed failed");
        }
        Ok(started.elapsed().as_secs_f64())
    }
}

/// A running `portcullis serve`.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// From launch to the first 200 from `/readyz`.
    pub startup: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address a starting server reports on its first line of output
/// (`Portcullis is listening on ADDR (ORIGIN)`).
async fn reported_address(stdout: std::process::ChildStdout) -> anyhow::Result<SocketAddr> {
    let line = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            let mut reader = std::io::BufReader::new(stdout);
            let mut line = String::new();
            let read = std::io::BufRead::read_line(&mut reader, &mut line);
            // Whatever else it prints is drained, so a write never finds the pipe closed.
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
            read.map(|_| line)
        }),
    )
    .await
    .context("portcullis serve did not say where it listens within a minute")???;
    line.strip_prefix("Portcullis is listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .with_context(|| format!("unexpected first line from portcullis serve: {line:?}"))?
        .parse()
        .context("the reported address is not an address")
}

impl Server {
    /// Starts the server with the bench-only endpoints and the forward-auth rules of
    /// [`ACCESS_RULES`], and waits until `/readyz` answers 200.
    pub async fn start(place: &Place, log: &Path) -> anyhow::Result<Server> {
        let log = std::fs::File::create(log)?;
        let rules = place.data_dir.join("access-rules.toml");
        std::fs::write(&rules, access_rules())?;
        let launched = Instant::now();
        // Port 0: the server picks a free port and reports it.
        let mut child = place
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--public-url", "http://localhost:0"])
            .env("PORTCULLIS_BENCH_ENDPOINTS", "true")
            .env("PORTCULLIS_ACCESS_RULES", &rules)
            .env("PORTCULLIS_TRUSTED_PROXIES", "127.0.0.1/32")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("cannot start portcullis serve")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let addr = match reported_address(stdout).await {
            Ok(addr) => addr,
            Err(e) => {
                let _ = child.kill();
                return Err(e);
            }
        };
        let mut server = Server {
            child,
            addr,
            startup: Duration::ZERO,
        };
        while launched.elapsed() < Duration::from_secs(60) {
            if ready(addr).await {
                server.startup = launched.elapsed();
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("portcullis serve exited ({status}) before it was ready");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        bail!("portcullis serve was not ready within a minute")
    }

    /// Resident memory, from /proc (Linux).
    pub fn rss_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .context("no VmRSS in /proc/PID/status")?
            .parse()?;
        Ok(kb / 1024.0)
    }

    /// CPU seconds the process has used so far (user + system).
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let after = stat.rsplit_once(')').context("odd /proc/PID/stat")?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: f64 = fields.get(11).context("no utime")?.parse::<f64>()?
            + fields.get(12).context("no stime")?.parse::<f64>()?;
        Ok(ticks / 100.0)
    }
}

async fn ready(addr: SocketAddr) -> bool {
    matches!(get(addr, "/readyz", None).await, Ok((200, _, _)))
}

/// One request on a fresh connection: status, `Set-Cookie` values and body.
pub async fn request(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(u16, Vec<String>, String)> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let cookies = response
        .headers()
        .get_all(hyper::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, cookies, String::from_utf8_lossy(&body).into_owned()))
}

/// `GET path` with a cookie, on a fresh connection: the status and the `Location` header.
pub async fn redirect(addr: SocketAddr, path: &str, cookie: &str) -> anyhow::Result<(u16, String)> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(get_request(path, cookie)).await?;
    let location = response
        .headers()
        .get(hyper::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((response.status().as_u16(), location))
}

/// `GET path`, with a `Cookie` header when given.
pub async fn get(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
) -> anyhow::Result<(u16, Vec<String>, String)> {
    let mut builder = Request::get(path).header("host", "localhost");
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    request(addr, builder.body(Full::new(Bytes::new()))?).await
}

/// The value of a hidden form field.
pub fn hidden_field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    page[start..].split('"').next().map(str::to_string)
}

/// Users per seeded account (`portcullis dev seed`'s default `--account-size`).
pub const ACCOUNT_SIZE: u64 = 10_000;

/// The security code of a seeded user's account: `seedN` is in account `(N - 1) / ACCOUNT_SIZE
/// + 1`, and each seeded account has its own code (see `security_code::seeded`).
pub fn security_code_of(username: &str) -> String {
    let n: u64 = username
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(1);
    portcullis_core::security_code::seeded(SECURITY_CODE, n.saturating_sub(1) / ACCOUNT_SIZE + 1)
}

/// A login form ready to post many times: the pre-login CSRF cookie and its token.
#[derive(Clone)]
pub struct LoginForm {
    /// `name=value` of the CSRF cookie.
    pub cookie: String,
    /// The token for the form field.
    pub csrf: String,
}

impl LoginForm {
    /// Fetches `/login` once.
    pub async fn fetch(addr: SocketAddr) -> anyhow::Result<LoginForm> {
        let (status, cookies, page) = get(addr, "/login", None).await?;
        if status != 200 {
            bail!("GET /login answered {status}");
        }
        Ok(LoginForm {
            cookie: cookies.join("; "),
            csrf: hidden_field(&page, "csrf").context("no csrf field on /login")?,
        })
    }

    /// `POST /login` for `username`, with the seeded password and its account's security code.
    pub fn request(&self, username: &str) -> Request<Full<Bytes>> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &self.csrf)
            .append_pair("security_code", &security_code_of(username))
            .append_pair("username", username)
            .append_pair("password", PASSWORD)
            .finish();
        Request::post("/login")
            .header("host", "localhost")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &self.cookie)
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_default()
    }

    /// Logs in once and returns the session's `Cookie` header value.
    pub async fn session(&self, addr: SocketAddr, username: &str) -> anyhow::Result<String> {
        let (status, cookies, body) = request(addr, self.request(username)).await?;
        let session = cookies
            .iter()
            .find(|c| c.contains("portcullis_session="))
            .cloned();
        match (status, session) {
            (303, Some(cookie)) => Ok(cookie),
            _ => bail!("logging in as {username} answered {status}: {body:.300}"),
        }
    }
}

/// A GET with a cookie, as a request builder for the load generator.
pub fn get_request(path: &str, cookie: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "localhost")
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

/// The host the forward-auth phase asks about: its rule comes after 20 others, each on another
/// host with a few path prefixes, so the matching is measured as a realistic file makes it.
pub const PROTECTED_URL: &str = "https://app.bench.test/reports/2026?month=11";

fn access_rules() -> String {
    let mut rules = String::new();
    for n in 0..20 {
        rules.push_str(&format!(
            "[[rule]]\nhosts = [\"tool{n}.bench.test\", \"*.team{n}.bench.test\"]\n\
             paths = [\"/admin\", \"/settings\", \"/api/v1\"]\npolicy = \"two_factor\"\n\n"
        ));
    }
    rules.push_str("[[rule]]\nhosts = [\"app.bench.test\"]\npolicy = \"one_factor\"\n");
    rules
}

/// nginx's `auth_request` for [`PROTECTED_URL`], with a session cookie.
pub fn auth_request(cookie: &str) -> Request<Full<Bytes>> {
    Request::get("/api/authz/auth-request")
        .header("host", "localhost")
        .header("cookie", cookie)
        .header("x-original-url", PROTECTED_URL)
        .header("x-original-method", "GET")
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}
