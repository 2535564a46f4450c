//! A real SMTP server for the mail tests: aiosmtpd from PyPI (installed by
//! scripts/test.sh), writing what it receives into a maildir. Shared by the
//! app and the server test suites (the server's includes this file).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A real SMTP server writing what it receives into a maildir.
pub struct Smtp {
    child: Child,
    pub port: u16,
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Smtp {
    pub fn start() -> Smtp {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("maildir");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 must be installed (scripts/test.sh installs aiosmtpd)");
        let mut s = Smtp {
            child,
            port,
            dir,
            _tmp: tmp,
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = s.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = s.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!(
                    "the SMTP server did not start ({status}): {err}\n\
                     install it with `python3 -m pip install aiosmtpd` (scripts/test.sh does)"
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the SMTP server did not listen on {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    /// Every message received so far, as text with its quoted-printable
    /// body decoded, oldest first.
    pub fn messages(&self) -> Vec<String> {
        read_maildir(&self.dir.join("new"))
            .iter()
            .map(|m| quoted_printable(m))
            .collect()
    }
}

fn read_maildir(dir: &Path) -> Vec<String> {
    let mut files: Vec<(std::time::SystemTime, String, PathBuf)> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    let t = e.metadata().and_then(|m| m.modified()).unwrap();
                    (t, e.file_name().to_string_lossy().to_string(), e.path())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .map(|(_, _, p)| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Undo quoted-printable encoding: soft line breaks and `=XX` bytes.
fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
