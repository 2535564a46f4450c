//! The server suite: `cairn serve` on loopback over a 1,000,000-item
//! SQLite database, driven by an HTTP client inside the bench.
//!
//! - GET one item at a fixed 1,000 requests a second (open loop: each
//!   request's latency counts from when it was due, so a slow server
//!   cannot hide its queue), p99;
//! - the query API's first page, p99;
//! - the backlog page (100 rows) and a board with 2,000 cards, server time
//!   from the `Server-Timing` header.

use anyhow::{Context, Result, bail};
use cairn_app::{App, NewItem};
use cairn_core::Kind;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct Running {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start `cairn serve` in this process on 127.0.0.1:0.
pub fn start(url: &str, connections: usize) -> Result<Running> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let settings = cairn_server::Settings {
        db_url: url.to_string(),
        pool_size: connections,
        secure_cookies: false,
    };
    let thread = std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("cannot start the server runtime: {e}");
                return;
            }
        };
        rt.block_on(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("cannot listen: {e}");
                    return;
                }
            };
            if let Err(e) = cairn_server::run(listener, settings, async {
                let _ = rx.await;
            })
            .await
            {
                eprintln!("server failed: {e}");
            }
        });
    });
    let r = Running {
        base: format!("http://{addr}"),
        stop: Some(tx),
        thread: Some(thread),
    };
    // Wait until it answers.
    let agent = agent();
    for _ in 0..100 {
        if agent
            .get(format!("{}/api/v1/openapi.json", r.base))
            .call()
            .is_ok()
        {
            return Ok(r);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("the server did not answer within 5 s")
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections_per_host(64)
        .build()
        .new_agent()
}

/// Add the bench user, a token, and a 2,000-card board product. Returns
/// the token.
pub fn prepare(url: &str, password: &str) -> Result<String> {
    let mut app = App::open(url, "bench").with_context(|| format!("cannot open {url}"))?;
    if app.users()?.iter().all(|u| u.user.handle != "bench") {
        app.user_add("bench", "Bench Admin", None, password, true)?;
    }
    if app.products()?.iter().all(|p| p.prefix != "BRD") {
        app.product_add("BRD", "Board bench")?;
    }
    let have = app
        .query(
            "product = BRD",
            cairn_store::Page {
                limit: 1,
                offset: 0,
            },
        )?
        .total;
    {
        let states = ["todo", "in-progress", "in-review", "done", "cancelled"];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7 + have);
        for i in have..2_000 {
            let st = states[rng.gen_range(0..states.len())];
            app.item_add(
                NewItem {
                    product: Some("BRD".into()),
                    kind: Some(Kind::Story),
                    title: format!(
                        "As a merchant, I want board card {i}, so that the board has work"
                    ),
                    state: Some(st.into()),
                    estimate: Some(f64::from(rng.gen_range(1..8))),
                    ..NewItem::default()
                },
                None,
            )?;
        }
    }
    let (_, secret) = app.token_add("bench", "bench")?;
    Ok(secret)
}

pub fn sign_in(base: &str, password: &str) -> Result<String> {
    let a = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let r = a
        .post(format!("{base}/login"))
        .send_form([("handle", "bench"), ("password", password)])?;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .filter(|c| c.starts_with("cairn_session="))
        })
        .map(str::to_string)
        .context("signing in gave no session cookie")?;
    Ok(cookie)
}

pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

/// GET `path(i)` at `rate` requests a second for `secs`, from `threads`
/// client threads. Returns latencies (ms) counted from each request's due
/// time, and how many did not answer 200.
pub fn open_loop(
    base: &str,
    token: &str,
    rate: u32,
    secs: u32,
    threads: u32,
    path: Arc<dyn Fn(u64) -> String + Send + Sync>,
) -> (Vec<f64>, Vec<f64>, u64) {
    let start = Instant::now() + Duration::from_millis(100);
    let total = u64::from(rate) * u64::from(secs);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let failed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut hs = Vec::new();
    for t in 0..u64::from(threads) {
        let base = base.to_string();
        let token = format!("Bearer {token}");
        let path = Arc::clone(&path);
        let failed = Arc::clone(&failed);
        let stop = Arc::clone(&stop);
        hs.push(std::thread::spawn(move || {
            let a = agent();
            let mut lat = Vec::new();
            let mut server = Vec::new();
            let mut i = t;
            while i < total && !stop.load(Ordering::Relaxed) {
                let due = start + interval * i as u32;
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                let ok = a
                    .get(format!("{base}{}", path(i)))
                    .header("Authorization", &token)
                    .call()
                    .map(|mut r| {
                        let s = r.status().as_u16();
                        if let Some(d) = server_time(r.headers()) {
                            server.push(d);
                        }
                        let _ = r.body_mut().read_to_vec();
                        s == 200
                    })
                    .unwrap_or(false);
                if !ok {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                lat.push(due.elapsed().as_secs_f64() * 1000.0);
                i += u64::from(threads);
            }
            (lat, server)
        }));
    }
    let mut all = Vec::new();
    let mut all_server = Vec::new();
    for h in hs {
        if let Ok((v, s)) = h.join() {
            all.extend(v);
            all_server.extend(s);
        }
    }
    (all, all_server, failed.load(Ordering::Relaxed))
}

/// Sequential GETs: (client latency ms, server time ms from Server-Timing).
pub fn sequential(
    base: &str,
    auth: (&str, &str),
    path: &str,
    n: usize,
) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    let a = agent();
    let mut lat = Vec::new();
    let mut server = Vec::new();
    let mut bytes = 0;
    for _ in 0..n {
        let t = Instant::now();
        let mut r = a
            .get(format!("{base}{path}"))
            .header(auth.0, auth.1)
            .call()?;
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_vec()?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            bail!(
                "GET {path} answered {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
        }
        bytes = body.len();
        server.push(server_time(r.headers()).unwrap_or(f64::NAN));
    }
    Ok((lat, server, bytes))
}

/// The `Server-Timing: app;dur=X` value in ms.
/// The server's time in all (`app` of its Server-Timing header), in ms.
fn server_time(h: &ureq::http::HeaderMap) -> Option<f64> {
    Some(timing(h)[0]).filter(|d| !d.is_nan())
}

/// The Server-Timing header (`app;dur=1.2, pool;dur=0.0, ...`) as
/// [app, pool, thread, db] in ms, NaN for a part it does not carry.
pub fn timing(h: &ureq::http::HeaderMap) -> [f64; 4] {
    let mut out = [f64::NAN; 4];
    let Some(v) = h.get("server-timing").and_then(|v| v.to_str().ok()) else {
        return out;
    };
    for m in v.split(',') {
        let mut it = m.trim().split(';');
        let i = match it.next().unwrap_or_default() {
            "app" => 0,
            "pool" => 1,
            "thread" => 2,
            "db" => 3,
            _ => continue,
        };
        out[i] = it
            .find_map(|p| p.trim().strip_prefix("dur="))
            .and_then(|d| d.parse::<f64>().ok())
            .unwrap_or(f64::NAN);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_timing_is_read_part_by_part() {
        let mut h = ureq::http::HeaderMap::new();
        assert!(server_time(&h).is_none());
        h.insert(
            "server-timing",
            "app;dur=1.25, pool;dur=0.00, thread;dur=0.03, db;dur=1.10"
                .parse()
                .unwrap(),
        );
        assert_eq!(timing(&h), [1.25, 0.0, 0.03, 1.10]);
        assert_eq!(server_time(&h), Some(1.25));
        // A static file carries the whole only.
        h.insert("server-timing", "app;dur=0.40".parse().unwrap());
        let t = timing(&h);
        assert_eq!(t[0], 0.40);
        assert!(t[1..].iter().all(|d| d.is_nan()));
        assert_eq!(server_time(&h), Some(0.40));
    }
}
