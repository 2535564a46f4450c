//! The git suite: a 100,000-commit repository whose messages name items of
//! a generated backlog, written with `git fast-import` (the product reads
//! it with gix); a full scan, a re-scan with nothing new, and a re-scan of
//! 1,000 new commits.

use crate::{Measurement, Report, feedback, generate, remove_sqlite};
use anyhow::{Context, Result, bail};
use cairn_app::App;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const ITEMS: usize = 10_000;
const COMMITS: usize = 100_000;
const MORE: usize = 1_000;

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .context("the git suite needs the `git` command to build its repository")?;
    if !st.success() {
        bail!("git {args:?} failed");
    }
    Ok(())
}

/// Append `n` commits to `main` with `git fast-import`: most name one item,
/// some two, some none, one in a hundred a key that is no item, and one in
/// twenty says it fixes its item.
fn append_commits(repo: &Path, first: usize, n: usize, seed: u64) -> Result<()> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .context("the git suite needs the `git` command to build its repository")?;
    let mut w = std::io::BufWriter::new(child.stdin.take().context("fast-import stdin")?);
    let start = 1_767_607_200i64; // 2026-01-05
    for i in first..first + n {
        let key = rng.gen_range(1..=ITEMS);
        let roll = rng.gen_range(0..100);
        let msg = match roll {
            0 => format!("PAY-{} was never an item\n", ITEMS * 10 + i),
            1..=5 => format!("Fixes PAY-{key}: the last piece\n\nCommit {i}.\n"),
            6..=15 => "Tidy the build scripts\n".to_string(),
            16..=30 => format!(
                "PAY-{key}, PAY-{}: shared refund code\n",
                rng.gen_range(1..=ITEMS)
            ),
            _ => format!("PAY-{key}: part {i} of the work\n\nMore words in the body.\n"),
        };
        let t = start + i as i64 * 60;
        writeln!(w, "commit refs/heads/main")?;
        writeln!(
            w,
            "author Dev {} <dev{}@example.com> {t} +0000",
            i % 40,
            i % 40
        )?;
        writeln!(
            w,
            "committer Dev {} <dev{}@example.com> {t} +0000",
            i % 40,
            i % 40
        )?;
        writeln!(w, "data {}\n{msg}", msg.len())?;
        if i == first && first > 0 {
            writeln!(w, "from refs/heads/main^0")?;
        }
        writeln!(w)?;
    }
    w.flush()?;
    drop(w);
    if !child.wait()?.success() {
        bail!("git fast-import failed");
    }
    Ok(())
}

pub fn suite(dir: &Path, seed: u64, report: &mut Report) -> Result<()> {
    let repo = dir.join(format!("cairn-bench-git-{seed}.git"));
    if repo.exists() {
        std::fs::remove_dir_all(&repo)
            .with_context(|| format!("cannot remove {}", repo.display()))?;
    }
    std::fs::create_dir_all(&repo)?;
    git(&repo, &["init", "-q", "--bare", "-b", "main"])?;
    eprintln!("writing {COMMITS} commits with git fast-import ...");
    let t = Instant::now();
    append_commits(&repo, 0, COMMITS, seed)?;
    let build_s = t.elapsed().as_secs_f64();

    let path = dir.join(format!("cairn-bench-git-{seed}.db"));
    remove_sqlite(&path)?;
    let url = format!("sqlite:{}", path.display());
    let clock = std::sync::Arc::new(cairn_app::SimClock::new(generate::END));
    let mut app = App::open_with_clock(&url, "bench", Box::new(clock.clone()))?;
    app.init()?;
    app.product_add("PAY", "Payments")?;
    let config = format!(
        "{}\n[git]\nfixes_state = \"done\"\n",
        cairn_core::config::DEFAULT_CONFIG
    );
    app.config_apply(&config, None)?;
    let vocab = feedback::Vocabulary::new(5_000, seed);
    feedback::load_items(&mut app, &vocab, ITEMS, "PAY", seed)?;

    eprintln!("scanning ...");
    let t = Instant::now();
    let r = app.git_scan(&repo, false, &mut |_| {})?;
    let full = t.elapsed().as_secs_f64();
    report.add(Measurement {
        backend: "sqlite",
        name: "git_scan_100k_commits",
        value: full,
        unit: "s",
        target: Some(10.0),
        detail: format!(
            "a bare repository of {COMMITS} commits (one pack, written by git fast-import in {build_s:.1} s) naming items of a {ITEMS}-item backlog: {} read, {} stored, {} links, {} items moved by \"Fixes\" commits, {} unknown keys; one transaction",
            r.commits_read,
            r.new_commits,
            r.links_added,
            r.moved.len(),
            r.unknown_keys.len()
        ),
    });

    let t = Instant::now();
    let r = app.git_scan(&repo, false, &mut |_| {})?;
    let nothing = t.elapsed().as_secs_f64() * 1000.0;
    report.add(Measurement {
        backend: "sqlite",
        name: "git_rescan_nothing_new",
        value: nothing,
        unit: "ms",
        target: None,
        detail: format!("the same repository again: {} commits read", r.commits_read),
    });

    append_commits(&repo, COMMITS, MORE, seed ^ 0x617)?;
    let t = Instant::now();
    let r = app.git_scan(&repo, false, &mut |_| {})?;
    let more = t.elapsed().as_secs_f64() * 1000.0;
    report.add(Measurement {
        backend: "sqlite",
        name: "git_rescan_1k_new",
        value: more,
        unit: "ms",
        target: None,
        detail: format!(
            "{MORE} new commits on top of the {COMMITS}: {} read, {} stored, {} links, {} moved",
            r.commits_read,
            r.new_commits,
            r.links_added,
            r.moved.len()
        ),
    });
    drop(app);
    remove_sqlite(&path)?;
    std::fs::remove_dir_all(&repo).ok();
    Ok(())
}
