//! A real HTTP receiver for webhook tests: a `TcpListener` thread that
//! reads each request, checks its `X-Cairn-Signature-256` against the
//! secret with its own HMAC-SHA256, records it, and answers 500 to the
//! first `fail_first` requests and 200 after that. Also a receiver that
//! accepts connections and never answers, and a port nothing listens on.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Got {
    pub event: String,
    pub delivery: String,
    pub content_type: String,
    pub body: String,
    /// The signature matched the body and the secret.
    pub verified: bool,
    /// What the receiver answered.
    pub answered: u16,
}

pub struct Receiver {
    pub port: u16,
    pub got: Arc<Mutex<Vec<Got>>>,
}

impl Receiver {
    pub fn start(secret: &str, fail_first: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = got.clone();
        let secret = secret.to_string();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { continue };
                let _ = serve(s, &secret, fail_first, &g);
            }
        });
        Receiver { port, got }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/cairn", self.port)
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

fn serve(
    s: TcpStream,
    secret: &str,
    fail_first: usize,
    got: &Mutex<Vec<Got>>,
) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut r = BufReader::new(s.try_clone()?);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            r.read_line(&mut h)?;
            let h = h.trim_end().to_string();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let len: usize = header("content-length").parse().unwrap_or(0);
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        let sig = header("x-cairn-signature-256");
        let verified = sig
            .strip_prefix("sha256=")
            .and_then(|h| hex::decode(h).ok())
            .is_some_and(|want| {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
                mac.update(&body);
                mac.verify_slice(&want).is_ok()
            });
        let mut g = got.lock().unwrap();
        let answered = if g.len() < fail_first { 500 } else { 200 };
        g.push(Got {
            event: header("x-cairn-event"),
            delivery: header("x-cairn-delivery"),
            content_type: header("content-type"),
            body: String::from_utf8_lossy(&body).into_owned(),
            verified,
            answered,
        });
        drop(g);
        let mut w = s.try_clone()?;
        write!(
            w,
            "HTTP/1.1 {answered} {}\r\nContent-Length: 2\r\n\r\nok",
            if answered == 200 { "OK" } else { "Oops" }
        )?;
        w.flush()?;
    }
}

/// A receiver that accepts connections and never answers.
pub fn black_hole() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    port
}

/// A port nothing listens on.
pub fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
