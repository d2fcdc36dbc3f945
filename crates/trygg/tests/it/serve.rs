//! A `trygg serve` process for the tests: started with its configuration in the
//! environment, waited for until it listens, its log kept, killed when dropped (also when
//! a test panics, so no server outlives its test).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The audit key of `trygg_store::testing::test_key()`, as `TRYGG_AUDIT_KEY` wants it:
/// the servers must sign the audit chain the test's own `Db` writes to.
pub const TEST_AUDIT_KEY: &str = "trygg-test-audit-key-0123456789abcdef";

pub struct Server {
    child: Child,
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `trygg serve` on a free port with `env` over a clean environment (no
    /// config file), and waits (at most 60 s) for its "listening" line.
    pub fn start(database_url: &str, env: &[(&str, String)]) -> Self {
        let dir = std::env::temp_dir();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trygg"));
        cmd.arg("serve")
            .env_remove("TRYGG_CONFIG")
            .env_remove("TRYGG_AUDIT_KEY_FILE")
            .env("TRYGG_DATABASE_URL", database_url)
            .env("TRYGG_AUDIT_KEY", TEST_AUDIT_KEY)
            .env("TRYGG_LISTEN", "127.0.0.1:0")
            .env("TRYGG_COOKIE_SECURE", "false")
            .env("TRYGG_LOG_FORMAT", "text")
            .env("NO_COLOR", "1")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start trygg serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        // Both pipes are drained by threads so the server never blocks on a full pipe.
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let out_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if let Some(url) = line.strip_prefix("Trygg lyssnar på http://") {
                    let _ = tx.send(url.trim().to_owned());
                }
                out_log.lock().unwrap().push(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let err_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                err_log.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "trygg serve did not start:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        };
        Self { child, addr, log }
    }

    /// How many log lines contain `needle`.
    pub fn count_log(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// A plain HTTP/1.1 GET; returns the status code.
    pub fn get_status(&self, path: &str) -> u16 {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP answer from {}: {answer}", self.addr))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it holds or `limit` has passed; `what` names it in the panic.
pub async fn wait_until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
