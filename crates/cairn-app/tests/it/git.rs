//! `cairn git scan` on both backends, over repositories the tests make
//! with the `git` command: links, "fixes KEY" moves, idempotent and
//! incremental re-scans, unknown keys, dry runs and bad paths.

use crate::harness::*;
use cairn_app::{Access, AppError};
use cairn_core::{Kind, Role};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A git repository in a temporary folder, written with the `git` command
/// (the product reads it with gix). Commit times are fixed, so hashes are
/// the same on every run.
pub struct TestRepo {
    dir: tempfile::TempDir,
    n: u32,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let r = TestRepo { dir, n: 0 };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args, 0)
    }

    /// An (empty) commit with this message; its hash.
    pub fn commit(&mut self, message: &str) -> String {
        self.n += 1;
        git_in(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", message],
            self.n,
        );
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }
}

/// One repository per test process for the dump tests: the same path in
/// every workspace built from it, so their dumps can be compared byte for
/// byte.
pub fn dump_repo() -> &'static Path {
    static REPO: std::sync::OnceLock<TestRepo> = std::sync::OnceLock::new();
    REPO.get_or_init(|| {
        let mut r = TestRepo::new();
        r.commit("PAY-3: refund a card payment, see PAY-7");
        r.commit("Fixes PAY-5 — double refund on retry (ünïcode \"quoted\")\n\nBody text.");
        r.commit("OPS-1 rotate keys; PAY-6 and PAY-999 are gone");
        r
    })
    .path()
}

fn git_in(dir: &Path, args: &[&str], n: u32) -> String {
    let date = format!("2026-01-{:02}T{:02}:00:00Z", 5 + n / 24, n % 24);
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ann Lee")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann Lee")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("the tests need the `git` command");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const CONFIG_DONE: &str = "[git]\nfixes_state = \"done\"\n";

/// The default config with a `[git]` section (and any extra text).
pub fn config_with_git(extra: &str) -> String {
    format!(
        "{}\n{CONFIG_DONE}{extra}",
        cairn_core::config::DEFAULT_CONFIG
    )
}

fn scan(fx: &mut Fx, path: &Path) -> cairn_app::git::ScanReport {
    fx.app
        .git_scan(path, false, &mut |_| {})
        .unwrap_or_else(|e| panic!("scan {}: {e}", path.display()))
}

fn state(fx: &mut Fx, key: &str) -> String {
    fx.app.item(&k(key)).unwrap().state
}

fn three_items(fx: &mut Fx) {
    fx.workspace();
    fx.app.config_apply(&config_with_git(""), None).unwrap();
    fx.add(Kind::Story, "Refunds to the original card");
    fx.add(Kind::Bug, "Refunds round down by a cent");
    fx.add(Kind::Story, "Partial refunds");
}

fn commits_link_items_and_fixes_moves_them(fx: &mut Fx) {
    three_items(fx);
    let mut repo = TestRepo::new();
    repo.commit("Initial commit");
    let a = repo.commit("PAY-1: refund to the original card");
    let b = repo.commit("Fixes PAY-2: round refunds half up\n\nAlso touches PAY-1.");
    repo.commit("XPAY-1 and PAY-123x are not keys; PAY-99 is no item");
    fx.advance(MINUTE);
    let audit_before = audit_count(&mut fx.app);

    let r = scan(fx, repo.path());
    assert_eq!(r.commits_read, 4);
    assert_eq!(r.new_commits, 2, "{r:?}");
    assert_eq!(r.links_added, 3, "{r:?}");
    assert_eq!(r.unknown_keys, ["PAY-99"]);
    assert_eq!(r.moved.len(), 1, "{r:?}");
    assert_eq!(
        (
            r.moved[0].key.as_str(),
            r.moved[0].from.as_str(),
            r.moved[0].to.as_str()
        ),
        ("PAY-2", "todo", "done")
    );
    assert_eq!(r.moved[0].commit, b);
    assert!(r.previous.is_none());
    assert_eq!(state(fx, "PAY-2"), "done");
    assert_eq!(state(fx, "PAY-1"), "todo", "a mention alone moves nothing");
    assert!(fx.app.item(&k("PAY-2")).unwrap().resolved.is_some());

    let c1 = fx.app.item_commits(&k("PAY-1")).unwrap();
    assert_eq!(c1.len(), 2, "newest first");
    assert_eq!(c1[0].hash, b);
    assert_eq!(c1[1].hash, a);
    assert_eq!(c1[1].subject, "PAY-1: refund to the original card");
    assert_eq!(c1[1].author, "Ann Lee");
    assert_eq!(c1[1].email, "ann@example.com");
    assert_eq!(c1[1].at, "2026-01-05T02:00:00.000Z");
    assert!(!c1[0].fixes, "b fixes PAY-2, not PAY-1");
    let c2 = fx.app.item_commits(&k("PAY-2")).unwrap();
    assert_eq!(c2.len(), 1);
    assert!(c2[0].fixes);
    assert!(fx.app.item_commits(&k("PAY-3")).unwrap().is_empty());

    // The move went through the ordinary edit: audited with the commit as
    // its reason; and the scan itself is one more entry.
    let h = fx.app.history("PAY-2").unwrap();
    let last = h.last().unwrap();
    assert_eq!(last.action, "item.state");
    assert_contains(
        last.reason.as_deref().unwrap(),
        &[&b[..10], "Fixes PAY-2: round refunds half up"],
    );
    assert_eq!(audit_count(&mut fx.app), audit_before + 2);
    let scans = scalar(
        &mut fx.app,
        "SELECT COUNT(*) FROM audit WHERE action = 'git.scan'",
    );
    assert_eq!(scans, 1);
}

fn rescans_add_nothing_and_read_only_what_is_new(fx: &mut Fx) {
    three_items(fx);
    let mut repo = TestRepo::new();
    repo.commit("PAY-1 first");
    let first = repo.commit("Closes PAY-2");
    scan(fx, repo.path());
    let audit = audit_count(&mut fx.app);

    let again = scan(fx, repo.path());
    assert_eq!(again.commits_read, 0, "nothing new since the last tip");
    assert_eq!(again.new_commits, 0);
    assert_eq!(again.links_added, 0);
    assert!(again.moved.is_empty());
    assert_eq!(again.previous.as_deref(), Some(first.as_str()));
    assert_eq!(audit_count(&mut fx.app), audit, "a re-scan writes nothing");

    // The item is reopened; re-reading the old "Closes" commit must not
    // close it again.
    fx.app
        .item_edit(
            &k("PAY-2"),
            cairn_app::Patch {
                state: Some("in-progress".into()),
                ..Default::default()
            },
            None,
            Some("reopened"),
        )
        .unwrap();
    let new = repo.commit("PAY-3 partial refunds, see PAY-1");
    let r = scan(fx, repo.path());
    assert_eq!(r.commits_read, 1, "only the new commit is read");
    assert_eq!(r.new_commits, 1);
    assert_eq!(r.links_added, 2);
    assert_eq!(r.head, new);
    assert_eq!(state(fx, "PAY-2"), "in-progress");
    assert_eq!(fx.app.item_commits(&k("PAY-1")).unwrap().len(), 2);

    // A bare clone of the same history: every commit is read, none is new.
    let bare = tempfile::tempdir().unwrap();
    let target = bare.path().join("pay.git");
    git_in(
        bare.path(),
        &[
            "clone",
            "-q",
            "--bare",
            repo.path().to_str().unwrap(),
            "pay.git",
        ],
        0,
    );
    let r = scan(fx, &target);
    assert_eq!(r.commits_read, 3);
    assert_eq!(r.new_commits, 0, "the same commits, already linked");
    assert_eq!(r.links_added, 0);
    assert_eq!(fx.app.item_commits(&k("PAY-1")).unwrap().len(), 2);
    assert_eq!(
        scalar(&mut fx.app, "SELECT COUNT(*) FROM git_commits"),
        3,
        "no commit is stored twice"
    );
}

fn a_dry_run_writes_nothing(fx: &mut Fx) {
    three_items(fx);
    let mut repo = TestRepo::new();
    repo.commit("Fixes PAY-1");
    repo.commit("PAY-2 and PAY-404");
    let audit = audit_count(&mut fx.app);
    let r = fx.app.git_scan(repo.path(), true, &mut |_| {}).unwrap();
    assert!(r.dry_run);
    assert_eq!(r.new_commits, 2);
    assert_eq!(r.links_added, 2);
    assert_eq!(r.moved.len(), 1, "it says what it would move");
    assert_eq!(r.unknown_keys, ["PAY-404"]);
    assert_eq!(audit_count(&mut fx.app), audit);
    assert_eq!(state(fx, "PAY-1"), "todo");
    assert!(fx.app.item_commits(&k("PAY-1")).unwrap().is_empty());
    assert_eq!(scalar(&mut fx.app, "SELECT COUNT(*) FROM git_repos"), 0);
    // The real scan afterwards still reads everything.
    let r = scan(fx, repo.path());
    assert_eq!((r.commits_read, r.new_commits), (2, 2));
    assert_eq!(state(fx, "PAY-1"), "done");
}

fn moves_the_workflow_or_a_gate_refuses_are_reported(fx: &mut Fx) {
    fx.workspace();
    let transitions = "[workflow.transitions]\ntodo = [\"in-progress\"]\nin-progress = [\"in-review\", \"done\"]\nin-review = [\"done\"]\n";
    let wf = cairn_core::config::DEFAULT_CONFIG.replace(
        "  { name = \"cancelled\", category = \"done\" },\n]\n",
        &format!("  {{ name = \"cancelled\", category = \"done\" }},\n]\n{transitions}"),
    );
    fx.app
        .config_apply(&format!("{wf}\n{CONFIG_DONE}"), None)
        .unwrap();
    fx.add(Kind::Story, "Refunds to the original card");
    fx.add(Kind::Story, "Partial refunds");
    fx.app
        .item_edit(
            &k("PAY-2"),
            cairn_app::Patch {
                state: Some("in-progress".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    let mut repo = TestRepo::new();
    repo.commit("Fixes PAY-1 and PAY-2");
    let r = scan(fx, repo.path());
    assert_eq!(r.moved.len(), 1, "{r:?}");
    assert_eq!(r.moved[0].key, "PAY-2");
    assert_eq!(r.not_moved.len(), 1, "{r:?}");
    assert_eq!(r.not_moved[0].key, "PAY-1");
    assert_contains(&r.not_moved[0].reason, &["does not allow todo → done"]);
    assert_eq!(state(fx, "PAY-1"), "todo");
    assert_eq!(
        fx.app.item_commits(&k("PAY-1")).unwrap().len(),
        1,
        "the commit is linked all the same"
    );

    // A Definition of Done the item does not meet refuses the move too.
    let gated = format!(
        "{wf}\n{CONFIG_DONE}[gates.done]\nstates = [\"done\"]\n[gates.done.rules]\nall = [\"estimated\"]\n"
    );
    fx.app.config_apply(&gated, None).unwrap();
    fx.add(Kind::Story, "Refund receipts");
    fx.app
        .item_edit(
            &k("PAY-3"),
            cairn_app::Patch {
                state: Some("in-progress".into()),
                ..Default::default()
            },
            None,
            None,
        )
        .unwrap();
    repo.commit("fixes: PAY-3");
    let r = scan(fx, repo.path());
    assert!(r.moved.is_empty(), "{r:?}");
    assert_eq!(r.not_moved.len(), 1);
    assert_contains(&r.not_moved[0].reason, &["done", "estimated"]);
    assert_eq!(state(fx, "PAY-3"), "in-progress");
}

fn watchers_hear_of_a_move(fx: &mut Fx) {
    three_items(fx);
    fx.app
        .user_add("bob", "Bob", None, "a long passphrase", false)
        .unwrap();
    fx.app.set_actor("bob");
    fx.app.watch(&k("PAY-2")).unwrap();
    fx.app.set_actor("ann");
    let mut repo = TestRepo::new();
    repo.commit("Resolves PAY-2");
    scan(fx, repo.path());
    fx.app.set_actor("bob");
    let inbox = fx.app.inbox(false).unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].reason, "state");
    assert_contains(&inbox[0].summary, &["moved PAY-2 to done"]);
}

fn bad_paths_say_what_to_do(fx: &mut Fx) {
    three_items(fx);
    let missing = PathBuf::from("/no/such/folder/cairn-test");
    let msg = err(fx.app.git_scan(&missing, false, &mut |_| {})).to_string();
    assert_contains(&msg, &["/no/such/folder/cairn-test", "does not exist"]);

    let plain = tempfile::tempdir().unwrap();
    let e = err(fx.app.git_scan(plain.path(), false, &mut |_| {}));
    assert!(matches!(e, AppError::Invalid(_)));
    assert_eq!(e.exit_code(), 2);
    assert_contains(
        &e.to_string(),
        &[
            &plain.path().display().to_string(),
            "is not a git repository",
        ],
    );

    let empty = TestRepo::new();
    let msg = err(fx.app.git_scan(empty.path(), false, &mut |_| {})).to_string();
    assert_contains(
        &msg,
        &[&empty.path().display().to_string(), "has no commits yet"],
    );
}

fn only_admins_scan(fx: &mut Fx) {
    three_items(fx);
    let mut repo = TestRepo::new();
    repo.commit("PAY-1");
    fx.app.set_access(Some(Access {
        user: "olga".into(),
        admin: false,
        roles: BTreeMap::from([("PAY".to_string(), Role::Owner)]),
    }));
    let e = err(fx.app.git_scan(repo.path(), false, &mut |_| {}));
    assert!(matches!(e, AppError::Forbidden(_)), "{e}");
    assert_contains(&e.to_string(), &["only an admin"]);
    fx.app.set_access(None);
    scan(fx, repo.path());
    // Deleting an item drops its links; the commit stays.
    fx.app.item_rm(&k("PAY-1"), None, None).unwrap();
    assert_eq!(
        scalar(&mut fx.app, "SELECT COUNT(*) FROM git_commit_items"),
        0
    );
    assert_eq!(scalar(&mut fx.app, "SELECT COUNT(*) FROM git_commits"), 1);
}

fn an_unknown_fixes_state_is_refused(fx: &mut Fx) {
    fx.workspace();
    let e = err(fx.app.config_apply(
        &format!(
            "{}\n[git]\nfixes_state = \"shipped\"\n",
            cairn_core::config::DEFAULT_CONFIG
        ),
        None,
    ));
    assert_contains(
        &e.to_string(),
        &["[git] fixes_state = \"shipped\" is not a state of any workflow"],
    );
}

both!(
    commits_link_items_and_fixes_moves_them,
    rescans_add_nothing_and_read_only_what_is_new,
    a_dry_run_writes_nothing,
    moves_the_workflow_or_a_gate_refuses_are_reported,
    watchers_hear_of_a_move,
    bad_paths_say_what_to_do,
    only_admins_scan,
    an_unknown_fixes_state_is_refused,
);
