//! The webhooks suite: `cairn serve` in this process over a 10,000-item
//! product, ten local receivers (seven quick, two slow, one port nobody
//! listens on) and the server's own outbox worker sending the deliveries.
//!
//! - A quiet phase: GET one item at a fixed rate (open loop) for 15 s
//!   while 1,000 comments are added through the API; no webhooks.
//! - A fan-out phase: ten webhooks (every event) on the product, then the
//!   same reads and the same 1,000 comments for the same 15 s, each
//!   comment now queuing ten deliveries, which the worker sends meanwhile;
//!   then the webhooks are removed with their deliveries.
//!
//! Four blocks of A B B A, so each kind of phase comes first as often as
//! second and neither the machine drifting during the run (it is shared)
//! nor what the phase before left behind counts for one side only. (With
//! the phases simply alternating, A B A B ..., a run with no webhooks and
//! no outbox worker at all measured the B phases 24 to 56 % slower: the
//! order alone.) A block's own comparison can be 20 points off, and one
//! bad second on the machine can spoil a phase's p99, so the figure pools
//! many phases: the read p99 of all the fan-out phases against the p99 of
//! all the quiet ones. Every phase starts after the same pause, so the
//! work of removing a fan-out's webhooks is not in the next phase.
//!
//! A first fan-out phase, before and outside the comparison, goes on until
//! every delivery to a live receiver is made, for how long the fan-out
//! takes and the read p99 over all of it. Being the server's first, it
//! also grows the database file and prepares every statement, which the
//! blocks' fan-outs (whose webhooks and deliveries are removed after each)
//! would otherwise meet in block 1 only; its own first 15 s are printed
//! against the quiet phases. Printed too: each block's comparison, the
//! processor time of each group of threads, and each part of a read's time
//! (the client late, then the server's `Server-Timing` parts). Figures are
//! printed, never asserted.
//!
//! The receivers stand for other machines; here they share the two cores
//! with the server, so their threads run at the lowest CPU priority and
//! their own work is not counted against Cairn.

use crate::{Measurement, Report, feedback, remove_sqlite, server};
use anyhow::{Result, bail};
use cairn_app::App;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const PRODUCT: &str = "HOOK";
const ITEMS: usize = 10_000;
const EVENTS: u64 = 1_000;
const RECEIVERS: usize = 10;
const SLOW: usize = 2;
/// How long a slow receiver takes to answer. Each webhook receives its
/// deliveries in order on one thread, so 1,000 deliveries to a receiver
/// that takes 200 ms would need 200 s on their own; 20 ms keeps the run
/// near two minutes and still makes those two the last to finish.
const SLOW_ANSWER: Duration = Duration::from_millis(20);
/// Reads a second during both phases, and the client threads sending them.
const READ_RATE: f64 = 200.0;
const READ_THREADS: u64 = 8;
/// Phase A, and the window of B compared with it.
const WINDOW: Duration = Duration::from_secs(15);
/// The comments of each phase are spread over this time.
const WRITES_OVER: Duration = Duration::from_secs(10);
const WRITE_THREADS: u64 = 2;
/// Blocks of four phases: quiet, fan-out, fan-out, quiet. A block's own
/// comparison can be 15 points off either way on this shared machine;
/// eight of them pooled put a run's figure within a few points.
const BLOCKS: usize = 8;
/// Resamples of the blocks for the figure's interval.
const RESAMPLES: usize = 1_000;
/// The pause before every phase.
const SETTLE: Duration = Duration::from_secs(2);
/// A fan-out phase stops waiting for the deliveries after this long.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(180);
/// The promise: fan-out slows the API's p99 by at most 10 %.
const TARGET_PCT: f64 = 10.0;

struct Receiver {
    url: String,
    received: Arc<AtomicU64>,
}

/// An HTTP receiver on loopback answering every POST with 200, after
/// `delay`. Its threads end with the process.
fn receiver(delay: Duration) -> Result<Receiver> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let received = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&received);
    spawn_named("bench-recv", move || {
        lowest_priority();
        for stream in listener.incoming().flatten() {
            let count = Arc::clone(&count);
            // A connection the system gives no thread is dropped; the
            // sender counts it as failed and tries again.
            let _ = spawn_named("bench-recv", move || {
                lowest_priority();
                let _ = answer(stream, delay, &count);
            });
        }
    })?;
    Ok(Receiver { url, received })
}

/// A receiver's threads give the processor to everything else.
fn lowest_priority() {
    cairn_app::webhooks::background_priority();
}

/// Answer the requests of one keep-alive connection until it closes.
fn answer(stream: TcpStream, delay: Duration, count: &AtomicU64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    loop {
        let mut length = 0usize;
        let mut first = true;
        loop {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let l = line.trim_end();
            if l.is_empty() {
                if first {
                    continue;
                }
                break;
            }
            first = false;
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        r.read_exact(&mut body)?;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        count.fetch_add(1, Ordering::Relaxed);
        w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")?;
        w.flush()?;
    }
}

/// Spawn a named thread (the name groups its processor time in
/// [`CpuUse`]).
fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<JoinHandle<T>> {
    std::thread::Builder::new().name(name.to_string()).spawn(f)
}

/// Processor time (s) used so far by this process's live threads, by
/// thread name, and by the whole process (ended threads included).
#[derive(Default, Clone)]
struct CpuUse {
    by_name: std::collections::BTreeMap<String, f64>,
    process: f64,
    /// The machine's context switches and interrupts so far (`/proc/stat`).
    switches: u64,
    interrupts: u64,
}

/// utime + stime of a `/proc/.../stat` line, in seconds (100 ticks a second).
fn stat_cpu(line: &str) -> Option<(String, f64)> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let name = line[open + 1..close].to_string();
    let f: Vec<&str> = line[close + 1..].split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some((name, ticks / 100.0))
}

fn cpu_now() -> CpuUse {
    let mut out = CpuUse::default();
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for t in dir.flatten() {
            if let Some((name, s)) = std::fs::read_to_string(t.path().join("stat"))
                .ok()
                .as_deref()
                .and_then(stat_cpu)
            {
                *out.by_name.entry(name).or_default() += s;
            }
        }
    }
    out.process = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .as_deref()
        .and_then(stat_cpu)
        .map_or(0.0, |(_, s)| s);
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let total = |key: &str| {
        stat.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    out.switches = total("ctxt ");
    out.interrupts = total("intr ");
    out
}

/// What each group of threads used between two readings.
fn cpu_between(a: &CpuUse, b: &CpuUse) -> String {
    let mut parts = Vec::new();
    let mut live = 0.0;
    for (name, after) in &b.by_name {
        let d = after - a.by_name.get(name).copied().unwrap_or(0.0);
        live += d;
        if d >= 0.05 {
            parts.push(format!("{name} {d:.2}"));
        }
    }
    let ended = (b.process - a.process) - live;
    parts.push(format!("ended threads {ended:.2}"));
    format!(
        "processor s: {}; machine: {} context switches, {} interrupts",
        parts.join(", "),
        b.switches.saturating_sub(a.switches),
        b.interrupts.saturating_sub(a.interrupts)
    )
}

/// A URL on loopback where nothing listens.
fn dead_url() -> Result<String> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let addr = l.local_addr()?;
    drop(l);
    Ok(format!("http://{addr}/hook"))
}

/// One read: when it was due (s after the phase began) and its latency
/// (ms) counted from then.
#[derive(Clone, Copy)]
struct Sample {
    due_s: f64,
    ms: f64,
    ok: bool,
    /// Where the time went: the client sending late (its thread woke
    /// after the due time), then from the server's Server-Timing header
    /// the server in all, waiting for a connection, waiting for a thread
    /// and on the thread (ms; NaN when missing).
    parts: [f64; 5],
}

/// The parts of [`Sample::parts`], in order.
const PARTS: [&str; 5] = ["client late", "server", "pool", "thread", "db"];

/// GET random items at [`READ_RATE`] until `stop`, open loop: each
/// request's latency counts from when it was due.
/// A phase without webhooks: its reads and what it says of itself.
struct Quiet {
    reads: Vec<Sample>,
    writes: Vec<f64>,
    refused: u64,
}

impl Quiet {
    fn summary(&self, window_s: f64) -> String {
        let (p50, p99, n, bad) = read_figures(&self.reads, window_s);
        let mut w = self.writes.clone();
        format!(
            "{n} reads in {window_s:.0} s, p50 {p50:.2} ms, p99 {p99:.2} ms, {bad} not 200; comment median {:.1} ms, {} refused",
            server::percentile(&mut w, 50.0),
            self.refused
        )
    }
}

/// Reads for [`WINDOW`] while [`EVENTS`] comments are added; no webhook
/// may be registered. It runs the very code of a fan-out phase, with no
/// webhooks, so the two kinds differ in nothing else. (With a phase
/// function of its own, a run in which the fan-out phases had their
/// webhooks but Cairn queued and sent nothing measured them 19 % slower.)
fn quiet_phase(base: &str, token: &str, seed: u64, phase: &str, app: &mut App) -> Result<Quiet> {
    let queued = count_of(&delivery_counts(app)?, "pending");
    let f = fanout_phase(base, token, seed, phase, app, &[], None, false)?;
    if count_of(&delivery_counts(app)?, "pending") > queued {
        bail!("phase {phase} queued deliveries, but no webhook was registered");
    }
    Ok(Quiet {
        reads: f.reads,
        writes: f.writes,
        refused: f.refused,
    })
}

/// A fan-out phase: what it measured and how the deliveries went.
struct Fanout {
    reads: Vec<Sample>,
    writes: Vec<f64>,
    refused: u64,
    whole_s: f64,
    fanout_s: Option<f64>,
    summary: String,
}

/// Register a webhook per receiver (and one on the dead port), run the
/// load for [`WINDOW`] or, `to_the_end`, until every live delivery is
/// made (or [`FANOUT_TIMEOUT`]), then remove the webhooks and their
/// deliveries. With no receivers and no dead port, a quiet phase.
#[allow(clippy::too_many_arguments)]
fn fanout_phase(
    base: &str,
    token: &str,
    seed: u64,
    phase: &str,
    app: &mut App,
    receivers: &[Receiver],
    dead: Option<&str>,
    to_the_end: bool,
) -> Result<Fanout> {
    std::thread::sleep(SETTLE);
    let before: Vec<u64> = receivers
        .iter()
        .map(|r| r.received.load(Ordering::Relaxed))
        .collect();
    let mut hooks = Vec::new();
    for r in receivers {
        hooks.push(
            app.webhook_add(PRODUCT, &r.url, Some("*"), None)?
                .webhook
                .id,
        );
    }
    if let Some(dead) = dead {
        hooks.push(app.webhook_add(PRODUCT, dead, Some("*"), None)?.webhook.id);
    }
    if hooks.is_empty() {
        eprintln!(
            "phase {phase}: {READ_RATE} reads/s for {} s, {EVENTS} comments over {} s, no webhooks ...",
            WINDOW.as_secs(),
            WRITES_OVER.as_secs()
        );
    } else {
        eprintln!(
            "phase {phase}: {} webhooks ({} quick, {SLOW} answering in {} ms, 1 dead port); the same load {} ...",
            hooks.len(),
            RECEIVERS - 1 - SLOW,
            SLOW_ANSWER.as_millis(),
            if to_the_end {
                format!(
                    "until the deliveries are made (at most {} s)",
                    FANOUT_TIMEOUT.as_secs()
                )
            } else {
                format!("for {} s", WINDOW.as_secs())
            }
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let cpu0 = cpu_now();
    let mut cpu_window = None;
    let canary = canary(&stop)?;
    let reads = read_load(base, token, seed, &stop)?;
    let writes = comments(base, token, phase)?;
    let (writes, refused) = join_writes(writes);
    let events = EVENTS - refused;
    let live = receivers.len() as i64 * events as i64;
    let mut fanout_s = None;
    // At least the window of a quiet phase, then until every live
    // delivery is made. The receivers count what they get, so waiting
    // costs the database nothing.
    while t0.elapsed() < FANOUT_TIMEOUT {
        std::thread::sleep(Duration::from_millis(250));
        if cpu_window.is_none() && t0.elapsed() >= WINDOW {
            cpu_window = Some(cpu_between(&cpu0, &cpu_now()));
            eprintln!(
                "phase {phase}, first {} s: {}",
                WINDOW.as_secs(),
                cpu_window.as_deref().unwrap_or_default()
            );
        }
        let got: u64 = receivers
            .iter()
            .zip(&before)
            .map(|(r, b)| r.received.load(Ordering::Relaxed) - b)
            .sum();
        if got as i64 >= live {
            fanout_s.get_or_insert(t0.elapsed().as_secs_f64());
        }
        // The reads began 50 ms after t0: those due in the window's last
        // moments are sent and answered before the load stops.
        if t0.elapsed() >= WINDOW + Duration::from_millis(300)
            && (fanout_s.is_some() || !to_the_end)
        {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let whole_s = t0.elapsed().as_secs_f64();
    let reads = join_reads(reads);
    let stalls = canary.join().unwrap_or_default();
    let window_s = WINDOW.as_secs_f64();
    let (_, p99, _, _) = read_figures(&reads, window_s);
    let worst = reads
        .iter()
        .filter(|r| r.due_s < window_s)
        .map(|r| r.ms)
        .fold(0.0, f64::max);
    let long: Vec<&(f64, f64)> = stalls.iter().filter(|(_, ms)| *ms >= 10.0).collect();
    eprintln!(
        "phase {phase}, first {} s: read p99 {p99:.2} ms, slowest {worst:.1} ms; the machine stalled {} times for 10 ms or more{}",
        WINDOW.as_secs(),
        long.len(),
        long.iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(at, ms)| format!(", longest {ms:.0} ms at {at:.1} s"))
            .unwrap_or_default()
    );
    let counts = delivery_counts(app)?;
    let received: Vec<u64> = receivers
        .iter()
        .zip(&before)
        .map(|(r, b)| r.received.load(Ordering::Relaxed) - b)
        .collect();
    for id in &hooks {
        app.webhook_rm(*id)?;
    }
    let statuses = counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!(
        "{} of {} delivered ({live} to live receivers){}; deliveries {statuses}; received per receiver {received:?} (the first {SLOW} slow)",
        count_of(&counts, "delivered"),
        hooks.len() as i64 * events as i64,
        if to_the_end && fanout_s.is_none() {
            format!("; NOT all delivered within {} s", FANOUT_TIMEOUT.as_secs())
        } else {
            String::new()
        }
    );
    Ok(Fanout {
        reads,
        writes,
        refused,
        whole_s,
        fanout_s,
        summary,
    })
}

/// A thread that asks to sleep 1 ms over and over until `stop`, and
/// returns each time it woke more than 2 ms late: when (s after it began)
/// and by how much (ms). Neither Cairn's requests nor its background work
/// keep a normal thread off a processor for 10 ms on end, so a wake that
/// late means the machine itself stalled (it is shared): a phase with one
/// should be read with care.
fn canary(stop: &Arc<AtomicBool>) -> Result<JoinHandle<Vec<(f64, f64)>>> {
    let stop = Arc::clone(stop);
    Ok(spawn_named("bench-canary", move || {
        let start = Instant::now();
        let mut late = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            std::thread::sleep(Duration::from_millis(1));
            let over = t.elapsed().as_secs_f64() * 1000.0 - 1.0;
            if over > 2.0 {
                late.push((t.duration_since(start).as_secs_f64(), over));
            }
        }
        late
    })?)
}

fn pct(with: f64, without: f64) -> f64 {
    if without > 0.0 {
        (with - without) / without * 100.0
    } else {
        0.0
    }
}

fn read_load(
    base: &str,
    token: &str,
    seed: u64,
    stop: &Arc<AtomicBool>,
) -> Result<Vec<JoinHandle<Vec<Sample>>>> {
    let start = Instant::now() + Duration::from_millis(50);
    let interval = Duration::from_secs_f64(1.0 / READ_RATE);
    (0..READ_THREADS)
        .map(|t| {
            let base = base.to_string();
            let auth = format!("Bearer {token}");
            let stop = Arc::clone(stop);
            spawn_named("bench-read", move || {
                let a = server::agent();
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ t);
                let mut out = Vec::new();
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    let due = start + interval.mul_f64(i as f64);
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    let n = rng.gen_range(1..=ITEMS);
                    let late = due.elapsed().as_secs_f64() * 1000.0;
                    let (ok, st) = a
                        .get(format!("{base}/api/v1/items/{PRODUCT}-{n}"))
                        .header("Authorization", &auth)
                        .call()
                        .map(|mut r| {
                            let _ = r.body_mut().read_to_vec();
                            let st = server::timing(r.headers());
                            (r.status().as_u16() == 200, st)
                        })
                        .unwrap_or((false, [f64::NAN; 4]));
                    out.push(Sample {
                        due_s: (due - start).as_secs_f64(),
                        ms: due.elapsed().as_secs_f64() * 1000.0,
                        ok,
                        parts: [late, st[0], st[1], st[2], st[3]],
                    });
                    i += READ_THREADS;
                }
                out
            })
            .map_err(anyhow::Error::from)
        })
        .collect()
}

/// A comment-writing thread: latencies (ms) and how many were refused.
type Writer = JoinHandle<(Vec<f64>, u64)>;

/// Add [`EVENTS`] comments through the API, spread over [`WRITES_OVER`].
/// Returns each comment's latency (ms) and how many were refused.
fn comments(base: &str, token: &str, phase: &str) -> Result<Vec<Writer>> {
    let start = Instant::now();
    let interval = WRITES_OVER.div_f64(EVENTS as f64);
    (0..WRITE_THREADS)
        .map(|t| {
            let base = base.to_string();
            let auth = format!("Bearer {token}");
            let phase = phase.to_string();
            spawn_named("bench-write", move || {
                let a = server::agent();
                let mut lat = Vec::new();
                let mut failed = 0;
                let mut i = t;
                while i < EVENTS {
                    let due = start + interval.mul_f64(i as f64);
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    }
                    let key = (i * 7_919) % ITEMS as u64 + 1;
                    let body = serde_json::json!({
                        "body": format!("Phase {phase}, note {i}: the merchant asked about this again")
                    })
                    .to_string();
                    let t = Instant::now();
                    let ok = a
                        .post(format!("{base}/api/v1/items/{PRODUCT}-{key}/comments"))
                        .header("Authorization", &auth)
                        .header("Content-Type", "application/json")
                        .send(&body)
                        .map(|mut r| {
                            let _ = r.body_mut().read_to_vec();
                            r.status().is_success()
                        })
                        .unwrap_or(false);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    if !ok {
                        failed += 1;
                    }
                    i += WRITE_THREADS;
                }
                (lat, failed)
            })
            .map_err(anyhow::Error::from)
        })
        .collect()
}

fn join_reads(hs: Vec<JoinHandle<Vec<Sample>>>) -> Vec<Sample> {
    hs.into_iter()
        .filter_map(|h| h.join().ok())
        .flatten()
        .collect()
}

fn join_writes(hs: Vec<JoinHandle<(Vec<f64>, u64)>>) -> (Vec<f64>, u64) {
    let mut lat = Vec::new();
    let mut failed = 0;
    for (l, f) in hs.into_iter().filter_map(|h| h.join().ok()) {
        lat.extend(l);
        failed += f;
    }
    (lat, failed)
}

/// The p99 of several phases' reads due before `until_s`, pooled.
fn pooled_p99(phases: &[&[Sample]], until_s: f64) -> f64 {
    let all: Vec<Sample> = phases.iter().flat_map(|p| p.iter().copied()).collect();
    read_figures(&all, until_s).1
}

/// (p50, p99, count, not 200) of the reads due before `until_s`.
fn read_figures(samples: &[Sample], until_s: f64) -> (f64, f64, usize, usize) {
    let mut ms: Vec<f64> = samples
        .iter()
        .filter(|s| s.due_s < until_s)
        .map(|s| s.ms)
        .collect();
    let bad = samples
        .iter()
        .filter(|s| s.due_s < until_s && !s.ok)
        .count();
    let n = ms.len();
    (
        server::percentile(&mut ms, 50.0),
        server::percentile(&mut ms, 99.0),
        n,
        bad,
    )
}

/// Deliveries by status.
fn delivery_counts(app: &mut App) -> Result<Vec<(String, i64)>> {
    let rows = app.store().backend().query(
        "SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status ORDER BY status",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or("?").to_string(),
                r[1].as_i64().unwrap_or(0),
            )
        })
        .collect())
}

fn count_of(counts: &[(String, i64)], status: &str) -> i64 {
    counts
        .iter()
        .find(|(s, _)| s == status)
        .map_or(0, |(_, n)| *n)
}

/// What a change pays on the request path for its webhook event: a
/// comment's time in the use case with ten active webhooks against none,
/// in this process (no server, no delivery: the event is only queued),
/// in alternating groups so the machine's drift falls on both sides.
fn change_cost(dir: &Path, seed: u64, report: &mut Report) -> Result<()> {
    const GROUP: usize = 50;
    const ROUNDS: usize = 40;
    let path = dir.join(format!("cairn-bench-webhook-cost-{seed}.db"));
    remove_sqlite(&path)?;
    let mut app = App::open(&format!("sqlite:{}", path.display()), "bench")?;
    app.init()?;
    app.product_add(PRODUCT, "Webhook cost")?;
    let vocab = feedback::Vocabulary::new(5_000, seed);
    let items = feedback::load_items(&mut app, &vocab, 1_000, PRODUCT, seed)?;
    let mut hooks = Vec::new();
    for i in 0..RECEIVERS {
        let w = app.webhook_add(PRODUCT, &format!("http://127.0.0.1:9/cost-{i}"), None, None)?;
        hooks.push(w.webhook.id);
    }
    let mut spent = [Duration::ZERO; 2];
    let mut n = 0usize;
    for round in 0..ROUNDS {
        for on in [false, true, true, false] {
            for id in &hooks {
                app.webhook_edit(
                    *id,
                    &cairn_app::webhooks::WebhookEdit {
                        active: Some(on),
                        ..Default::default()
                    },
                )?;
            }
            let t = Instant::now();
            for _ in 0..GROUP {
                n += 1;
                let key: cairn_core::ItemKey =
                    format!("{PRODUCT}-{}", 1 + n % items.len()).parse()?;
                app.comment_add(
                    &key,
                    &format!("Round {round}: the merchant asked about this again"),
                    None,
                )?;
            }
            spent[usize::from(on)] += t.elapsed();
        }
    }
    let each = (ROUNDS * 2 * GROUP) as f64;
    let off = spent[0].as_secs_f64() / each * 1e6;
    let on = spent[1].as_secs_f64() / each * 1e6;
    report.add(Measurement {
        backend: "sqlite",
        name: "webhooks_change_cost",
        value: (on - off) / 1000.0,
        unit: "ms",
        target: None,
        detail: format!(
            "what a comment pays in its transaction to queue its event for {RECEIVERS} webhooks: {on:.1} µs a comment with them against {off:.1} µs without ({} comments each way, in groups of {GROUP}, alternating)",
            ROUNDS * 2 * GROUP
        ),
    });
    drop(app);
    remove_sqlite(&path)
}

pub fn suite(dir: &Path, seed: u64, report: &mut Report) -> Result<()> {
    change_cost(dir, seed, report)?;
    let path = dir.join(format!("cairn-bench-webhooks-{seed}.db"));
    remove_sqlite(&path)?;
    let url = format!("sqlite:{}", path.display());
    let password = "bench password 123";
    let mut app = App::open(&url, "bench")?;
    app.init()?;
    app.product_add(PRODUCT, "Webhook bench")?;
    let vocab = feedback::Vocabulary::new(5_000, seed);
    feedback::load_items(&mut app, &vocab, ITEMS, PRODUCT, seed)?;
    app.user_add("bench", "Bench Admin", None, password, true)?;
    let (_, token) = app.token_add("bench", "bench")?;

    // Receivers: quick ones, SLOW slow ones, and one dead port last.
    let mut receivers = Vec::new();
    for i in 0..RECEIVERS - 1 {
        let delay = if i < SLOW {
            SLOW_ANSWER
        } else {
            Duration::ZERO
        };
        receivers.push(receiver(delay)?);
    }
    let dead = dead_url()?;

    let srv = server::start(&url, 8)?;
    eprintln!("serving on {}", srv.base);
    let bearer = format!("Bearer {token}");
    let _ = server::sequential(
        &srv.base,
        ("Authorization", &bearer),
        &format!("/api/v1/items/{PRODUCT}-1"),
        50,
    )?;

    // First, outside the comparison: one fan-out to the end. It is the
    // server's first, which grows the database file and meets every
    // statement for the first time; its read p99 is printed on its own.
    let whole = fanout_phase(
        &srv.base,
        &token,
        seed ^ 0xfff,
        "C",
        &mut app,
        &receivers,
        Some(&dead),
        true,
    )?;

    // Quiet (A) and fan-out (B) phases in blocks of A B B A: each kind
    // comes first as often as second, so neither the machine drifting nor
    // what the phase before left behind counts for one kind only.
    let mut quiet = Vec::new();
    let mut fans = Vec::new();
    for block in 0..BLOCKS {
        for (j, fan) in [false, true, true, false].into_iter().enumerate() {
            let s = seed ^ (((block * 4 + j) as u64) << 8);
            if fan {
                let name = format!("B{}", fans.len() + 1);
                fans.push(fanout_phase(
                    &srv.base,
                    &token,
                    s,
                    &name,
                    &mut app,
                    &receivers,
                    Some(&dead),
                    false,
                )?);
            } else {
                let name = format!("A{}", quiet.len() + 1);
                quiet.push(quiet_phase(&srv.base, &token, s, &name, &mut app)?);
            }
        }
    }
    drop(srv);

    let window_s = WINDOW.as_secs_f64();
    let quiet_reads: Vec<&[Sample]> = quiet.iter().map(|q| q.reads.as_slice()).collect();
    let fan_phases: Vec<&[Sample]> = fans.iter().map(|f| f.reads.as_slice()).collect();
    let a99 = pooled_p99(&quiet_reads, window_s);
    let fan_reads: Vec<Sample> = fans.iter().flat_map(|f| f.reads.iter().copied()).collect();
    let (b50, b99, n_with, bad) = read_figures(&fan_reads, window_s);
    let (w50, w99, w_n, _) = read_figures(&whole.reads, f64::INFINITY);
    let (_, c99, _, _) = read_figures(&whole.reads, window_s);
    let mut writes: Vec<f64> = fans.iter().flat_map(|f| f.writes.clone()).collect();

    let bw50 = server::percentile(&mut writes, 50.0);
    let refused: u64 = fans.iter().map(|f| f.refused).sum();
    let slowdown = pct(b99, a99);
    // Each block's fan-outs against its own quiet phases.
    let blocks = (0..BLOCKS)
        .map(|b| {
            let q99 = pooled_p99(&[&quiet[2 * b].reads, &quiet[2 * b + 1].reads], window_s);
            let f99 = pooled_p99(&[&fans[2 * b].reads, &fans[2 * b + 1].reads], window_s);
            format!(
                "block {}: {f99:.2} ms vs {q99:.2} ms, {:+.0} %",
                b + 1,
                pct(f99, q99)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    // Where the reads' time went, quiet against fan-out: each part's own
    // p99 (the parts of one read do not add up to its p99).
    let part99 = |samples: &mut dyn Iterator<Item = &Sample>| -> Vec<f64> {
        let all: Vec<&Sample> = samples.filter(|s| s.due_s < window_s).collect();
        let mut out: Vec<f64> = (0..PARTS.len())
            .map(|i| {
                let mut v: Vec<f64> = all
                    .iter()
                    .map(|s| s.parts[i])
                    .filter(|x| !x.is_nan())
                    .collect();
                server::percentile(&mut v, 99.0)
            })
            .collect();
        // Outside the server and the client's lateness: the network
        // stack, the client reading the answer, and waking up.
        let mut outside: Vec<f64> = all
            .iter()
            .filter(|s| !s.parts[1].is_nan())
            .map(|s| s.ms - s.parts[0] - s.parts[1])
            .collect();
        out.push(server::percentile(&mut outside, 99.0));
        out
    };
    // How far the figure could move with other blocks like these: the
    // blocks resampled with replacement, each resample pooled as the
    // figure is; the 5th and 95th percentiles of the slowdown.
    let interval = {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0xb007);
        let in_window = |p: &[Sample]| -> Vec<f64> {
            p.iter()
                .filter(|s| s.due_s < window_s)
                .map(|s| s.ms)
                .collect()
        };
        // Each block's two phases of one kind, pooled.
        let by_block = |phases: &[&[Sample]]| -> Vec<Vec<f64>> {
            phases
                .chunks(2)
                .map(|pair| pair.iter().flat_map(|r| in_window(r)).collect())
                .collect()
        };
        let q = by_block(&quiet_reads);
        let f = by_block(&fan_phases);
        let mut slowdowns: Vec<f64> = (0..RESAMPLES)
            .map(|_| {
                let pick: Vec<usize> = (0..BLOCKS).map(|_| rng.gen_range(0..BLOCKS)).collect();
                let mut qs: Vec<f64> = pick.iter().flat_map(|&b| q[b].iter().copied()).collect();
                let mut fs: Vec<f64> = pick.iter().flat_map(|&b| f[b].iter().copied()).collect();
                pct(
                    server::percentile(&mut fs, 99.0),
                    server::percentile(&mut qs, 99.0),
                )
            })
            .collect();
        (
            server::percentile(&mut slowdowns, 5.0),
            server::percentile(&mut slowdowns, 95.0),
        )
    };
    // While the comments are written (each queuing an event) and after
    // (only the worker delivering): which part of the fan-out costs.
    let span99 = |phases: &[&[Sample]], from_s: f64, until_s: f64| -> f64 {
        let mut ms: Vec<f64> = phases
            .iter()
            .flat_map(|p| p.iter())
            .filter(|s| s.due_s >= from_s && s.due_s < until_s)
            .map(|s| s.ms)
            .collect();
        server::percentile(&mut ms, 99.0)
    };
    let writes_s = WRITES_OVER.as_secs_f64();
    let (qw, fw) = (
        span99(&quiet_reads, 0.0, writes_s),
        span99(&fan_phases, 0.0, writes_s),
    );
    let (qd, fd) = (
        span99(&quiet_reads, writes_s, window_s),
        span99(&fan_phases, writes_s, window_s),
    );
    let spans = format!(
        "while the comments are written (0-{writes_s:.0} s) {fw:.2} vs {qw:.2} ms, {:+.0} %; after them ({writes_s:.0}-{window_s:.0} s, only delivery) {fd:.2} vs {qd:.2} ms, {:+.0} %",
        pct(fw, qw),
        pct(fd, qd)
    );
    let qa = part99(&mut quiet.iter().flat_map(|q| &q.reads));
    let fb = part99(&mut fans.iter().flat_map(|f| &f.reads));
    let parts = PARTS
        .iter()
        .chain(&["outside"])
        .zip(qa.iter().zip(&fb))
        .map(|(name, (a, b))| format!("{name} {b:.2} vs {a:.2}"))
        .collect::<Vec<_>>()
        .join(", ");
    let load = format!(
        "GET /api/v1/items/KEY at {READ_RATE}/s (open loop, {READ_THREADS} client threads) while {EVENTS} comments are added through the API over {} s",
        WRITES_OVER.as_secs()
    );
    report.add(Measurement {
        backend: "sqlite",
        name: "webhooks_read_p99_without",
        value: a99,
        unit: "ms",
        target: None,
        detail: format!(
            "{} quiet phases of {window_s:.0} s, no webhooks, in blocks of A B B A with the fan-outs: {load}; {}",
            quiet.len(),
            quiet
                .iter()
                .enumerate()
                .map(|(i, q)| format!("A{}: {}", i + 1, q.summary(window_s)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    });
    report.add(Measurement {
        backend: "sqlite",
        name: "webhooks_read_p99_with",
        value: b99,
        unit: "ms",
        target: None,
        detail: format!(
            "{} fan-out phases, the same load with {} webhooks on every event, the first {window_s:.0} s of each: {} reads, p50 {b50:.2} ms, {bad} not 200; comment median {bw50:.1} ms, {refused} refused",
            fans.len(),
            RECEIVERS,
            n_with
        ),
    });
    report.add(Measurement {
        backend: "sqlite",
        name: "webhooks_p99_slowdown",
        value: slowdown,
        unit: "%",
        target: Some(TARGET_PCT),
        detail: format!(
            "read p99 {b99:.2} ms with the fan-out against {a99:.2} ms without (all phases pooled); the blocks resampled {RESAMPLES} times: 90 % of resamples between {:+.1} and {:+.1} %; by block: {blocks}; {spans}; each part's own p99, fan-out vs quiet (ms): {parts}",
            interval.0,
            interval.1
        ),
    });
    report.add(Measurement {
        backend: "sqlite",
        name: "webhooks_read_p99_fanout",
        value: w99,
        unit: "ms",
        target: None,
        detail: format!(
            "a first fan-out phase C, before and outside the comparison, until every live delivery was made ({:.1} s; comments only in the first {} s): {w_n} reads, p50 {w50:.2} ms; its first {} s, the server's first fan-out (the database file grows, every statement is new): read p99 {c99:.2} ms, {:+.1} % against the quiet phases",
            whole.whole_s,
            WRITES_OVER.as_secs(),
            WINDOW.as_secs(),
            pct(c99, a99),
        ),
    });
    report.add(Measurement {
        backend: "sqlite",
        name: "webhooks_fanout",
        value: whole.fanout_s.unwrap_or(f64::NAN),
        unit: "s",
        target: None,
        detail: format!(
            "phase C: {EVENTS} events × {RECEIVERS} receivers by the server's outbox worker (every {} s while requests come in, at most {} a run): {}",
            cairn_server::outbox::EVERY.as_secs(),
            cairn_app::webhooks::BATCH,
            whole.summary
        ),
    });
    drop(app);
    remove_sqlite(&path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receiver_answers_keep_alive_posts() {
        let r = receiver(Duration::ZERO).unwrap();
        let a = server::agent();
        for _ in 0..3 {
            let resp = a.post(&r.url).send("{\"event\":\"x\"}").unwrap();
            assert_eq!(resp.status().as_u16(), 200);
        }
        assert_eq!(r.received.load(Ordering::Relaxed), 3);
    }
}
