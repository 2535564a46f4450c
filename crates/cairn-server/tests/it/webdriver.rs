//! A small W3C WebDriver client for the browser tests.
//!
//! It starts its own chromedriver (`CAIRN_CHROMEDRIVER`, else `chromedriver`
//! on PATH) on a free loopback port and drives headless Chromium
//! (`CAIRN_CHROMIUM` when set, else chromedriver's own choice) over plain HTTP.
//! A missing driver makes [`Driver::start`] panic: browser tests fail, they
//! never skip. `scripts/test.sh` installs both and sets the variables.
//!
//! Every call returns `Result<_, String>`; the error names the request and
//! carries WebDriver's error code and message, so tests can just `.unwrap()`.
//!
//! ```ignore
//! let driver = Driver::start();
//! let s = driver.session().unwrap();
//! s.goto(&format!("{base}/")).unwrap();
//! s.wait_for("#board", Duration::from_secs(5)).unwrap().click().unwrap();
//! ```
//!
//! A [`Session`] keeps its driver process alive (it holds a reference to it),
//! so the driver is shut down only after every session of it was deleted.
#![allow(dead_code)]

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The key under which W3C WebDriver passes an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long one HTTP request to chromedriver may take, all in all.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long [`Driver::start`] waits for chromedriver to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// How often the `wait_*` helpers poll.
const POLL: Duration = Duration::from_millis(50);

/// Largest response body read (screenshots of big windows are a few MB).
const MAX_BODY: u64 = 256 * 1024 * 1024;

/// WebDriver's codes for special keys, for [`Session::press_key`],
/// [`Session::chord`] and [`Element::send_keys`].
pub mod keys {
    pub const NULL: &str = "\u{E000}";
    pub const BACKSPACE: &str = "\u{E003}";
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const CONTROL: &str = "\u{E009}";
    pub const ALT: &str = "\u{E00A}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const SPACE: &str = "\u{E00D}";
    pub const PAGE_UP: &str = "\u{E00E}";
    pub const PAGE_DOWN: &str = "\u{E00F}";
    pub const END: &str = "\u{E010}";
    pub const HOME: &str = "\u{E011}";
    pub const ARROW_LEFT: &str = "\u{E012}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_RIGHT: &str = "\u{E014}";
    pub const ARROW_DOWN: &str = "\u{E015}";
    pub const DELETE: &str = "\u{E017}";
    pub const META: &str = "\u{E03D}";
}

/// The HTTP side shared by a driver and its sessions.
struct Wire {
    base: String,
    agent: ureq::Agent,
}

impl Wire {
    fn new(base: String, timeout: Duration) -> Wire {
        let agent = ureq::Agent::config_builder()
            // WebDriver reports errors as JSON with a 4xx/5xx status: read them.
            .http_status_as_error(false)
            // Only loopback is ever spoken to; never go through a proxy.
            .proxy(None)
            .timeout_global(Some(timeout))
            .build()
            .new_agent();
        Wire { base, agent }
    }

    /// Sends one command and returns the response's `value`.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let url = format!("{}{}", self.base, path);
        let what = format!("{method} {path}");
        let sent = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            ("POST", body) => {
                let text = body.map_or_else(|| "{}".to_owned(), Value::to_string);
                self.agent
                    .post(&url)
                    .content_type("application/json; charset=utf-8")
                    .send(text.as_bytes())
            }
            _ => return Err(format!("{what}: unsupported method")),
        };
        let mut response = sent.map_err(|e| format!("{what}: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|e| format!("{what}: reading the response: {e}"))?;
        let parsed: Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{what}: HTTP {status}, not JSON ({e}): {}",
                clip(&text, 500)
            )
        })?;
        let value = parsed.get("value").cloned().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(value);
        }
        let error = value
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        let message = value.get("message").and_then(Value::as_str).unwrap_or("");
        if message.starts_with(error) {
            Err(format!("{what}: HTTP {status}: {}", clip(message, 2000)))
        } else {
            Err(format!(
                "{what}: HTTP {status}: {error}: {}",
                clip(message, 2000)
            ))
        }
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The chromedriver process; killed when the last handle to it goes.
struct Process {
    wire: Wire,
    child: Mutex<Child>,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        // Ask politely first (this also closes any browsers still open),
        // then make sure.
        let quick = Wire::new(self.wire.base.clone(), Duration::from_secs(2));
        let _ = quick.call("GET", "/shutdown", None);
        if let Ok(mut child) = self.child.lock() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    break;
                }
                sleep(POLL);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A running chromedriver. Start one per test (it takes well under a second);
/// it is shut down when it and all its sessions are dropped.
pub struct Driver {
    process: Arc<Process>,
}

impl Driver {
    /// Starts chromedriver on a free port of 127.0.0.1 and waits until it is
    /// ready. Panics, with the reason, when it cannot be started.
    pub fn start() -> Driver {
        let binary = std::env::var("CAIRN_CHROMEDRIVER")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "chromedriver".to_owned());
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0")
                .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1:0 to find a free port: {e}"));
            listener
                .local_addr()
                .unwrap_or_else(|e| panic!("cannot read the free port: {e}"))
                .port()
        };
        let log = std::env::temp_dir().join(format!(
            "cairn-chromedriver-{}-{port}.log",
            std::process::id()
        ));
        let out = File::create(&log)
            .unwrap_or_else(|e| panic!("cannot create chromedriver's log {}: {e}", log.display()));
        let err = out
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot share chromedriver's log file: {e}"));
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start chromedriver `{binary}`: {e}. The browser tests need Chromium \
                     and chromedriver: install Debian's `chromium` and `chromium-driver` (scripts/test.sh \
                     does) or point CAIRN_CHROMEDRIVER at the driver binary"
                )
            });
        let process = Arc::new(Process {
            wire: Wire::new(format!("http://127.0.0.1:{port}"), REQUEST_TIMEOUT),
            child: Mutex::new(child),
            log,
        });
        let quick = Wire::new(process.wire.base.clone(), Duration::from_secs(2));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match quick.call("GET", "/status", None) {
                Ok(v) if v.get("ready").and_then(Value::as_bool) == Some(true) => break,
                _ => {}
            }
            let exited = process
                .child
                .lock()
                .ok()
                .and_then(|mut c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                let output = std::fs::read_to_string(&process.log).unwrap_or_default();
                panic!(
                    "chromedriver `{binary}` exited at start ({status}): {}",
                    clip(&output, 4000)
                );
            }
            if Instant::now() > deadline {
                let output = std::fs::read_to_string(&process.log).unwrap_or_default();
                panic!(
                    "chromedriver `{binary}` was not ready on port {port} after {START_TIMEOUT:?}: {}",
                    clip(&output, 4000)
                );
            }
            sleep(POLL);
        }
        Driver { process }
    }

    /// The driver's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.process.wire.base
    }

    /// Opens a new headless Chromium window (a WebDriver session).
    pub fn session(&self) -> Result<Session, String> {
        let mut chrome = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,900",
            ],
        });
        if let Some(binary) = std::env::var("CAIRN_CHROMIUM")
            .ok()
            .filter(|s| !s.is_empty())
        {
            chrome["binary"] = Value::String(binary);
        }
        let body = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": chrome,
                    "goog:loggingPrefs": { "browser": "ALL" },
                }
            }
        });
        let value = self.process.wire.call("POST", "/session", Some(&body))?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("POST /session: no sessionId in {value}"))?
            .to_owned();
        Ok(Session {
            process: Arc::clone(&self.process),
            id,
        })
    }
}

/// One browser window. Deleted (best effort) when dropped.
pub struct Session {
    process: Arc<Process>,
    id: String,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self
            .process
            .wire
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

/// A cookie of the current page's origin, as WebDriver reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub secure: bool,
    pub http_only: bool,
    /// `"Lax"`, `"Strict"` or `"None"`.
    pub same_site: Option<String>,
    /// Seconds since the epoch; `None` for a session cookie.
    pub expiry: Option<u64>,
}

impl Session {
    /// The WebDriver session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let path = format!("/session/{}{}", self.id, path);
        self.process.wire.call(method, &path, body.as_ref())
    }

    fn element(&self, value: &Value, what: &str) -> Result<Element<'_>, String> {
        let id = value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{what}: not an element: {value}"))?;
        Ok(Element {
            session: self,
            id: id.to_owned(),
        })
    }

    /// Navigates to `url` and waits for the page to load.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .map(drop)
    }

    pub fn back(&self) -> Result<(), String> {
        self.cmd("POST", "/back", None).map(drop)
    }

    pub fn refresh(&self) -> Result<(), String> {
        self.cmd("POST", "/refresh", None).map(drop)
    }

    pub fn current_url(&self) -> Result<String, String> {
        as_string(self.cmd("GET", "/url", None)?, "current_url")
    }

    pub fn title(&self) -> Result<String, String> {
        as_string(self.cmd("GET", "/title", None)?, "title")
    }

    /// The page's current DOM, serialized.
    pub fn page_source(&self) -> Result<String, String> {
        as_string(self.cmd("GET", "/source", None)?, "page_source")
    }

    /// The first element matching the CSS selector; an error when none does.
    pub fn find(&self, css: &str) -> Result<Element<'_>, String> {
        let value = self.cmd("POST", "/element", Some(by_css(css)))?;
        self.element(&value, &format!("find({css})"))
    }

    /// All elements matching the CSS selector (maybe none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>, String> {
        let value = self.cmd("POST", "/elements", Some(by_css(css)))?;
        elements(self, &value, &format!("find_all({css})"))
    }

    /// Polls until an element matches the CSS selector, and returns it.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element<'_>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css) {
                Ok(element) => return Ok(element),
                Err(e) if Instant::now() > deadline => {
                    return Err(format!("wait_for({css}): nothing after {timeout:?}: {e}"));
                }
                Err(_) => sleep(POLL),
            }
        }
    }

    /// Polls `condition` until it is true. Errors when `timeout` passes first.
    pub fn wait_until(
        &self,
        mut condition: impl FnMut(&Session) -> bool,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if condition(self) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "wait_until: condition still false after {timeout:?}"
                ));
            }
            sleep(POLL);
        }
    }

    /// Runs `script` as the body of a function (use `return` to give a value;
    /// `arguments[i]` are the `args`; pass an element as `element.to_arg()`).
    /// Elements in the result come back as `{"element-6066-…": id}` objects.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Like [`Session::execute`], but the script finishes by calling its last
    /// argument, `arguments[arguments.length - 1]`, with the result.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs `script` (as [`Session::execute`]) and returns the element it returns.
    pub fn execute_element(&self, script: &str, args: Vec<Value>) -> Result<Element<'_>, String> {
        let value = self.execute(script, args)?;
        self.element(&value, "execute_element")
    }

    /// The element that has the focus (the body when none has).
    pub fn active_element(&self) -> Result<Element<'_>, String> {
        let value = self.cmd("GET", "/element/active", None)?;
        self.element(&value, "active_element")
    }

    /// Types `text` into the focused element.
    pub fn send_keys_to_active(&self, text: &str) -> Result<(), String> {
        self.active_element()?.send_keys(text)
    }

    /// Presses and releases one key (a [`keys`] constant or a character)
    /// through the Actions API, as a person would, wherever the focus is.
    pub fn press_key(&self, key: &str) -> Result<(), String> {
        self.chord(&[key])
    }

    /// Holds the keys down in order, then releases them in reverse: e.g.
    /// `chord(&[keys::ALT, keys::ARROW_UP])` for Alt+ArrowUp.
    pub fn chord(&self, keys: &[&str]) -> Result<(), String> {
        let mut actions = Vec::new();
        for key in keys {
            actions.push(json!({ "type": "keyDown", "value": key }));
        }
        for key in keys.iter().rev() {
            actions.push(json!({ "type": "keyUp", "value": key }));
        }
        let body = json!({
            "actions": [{ "type": "key", "id": "keyboard", "actions": actions }]
        });
        self.cmd("POST", "/actions", Some(body))?;
        self.cmd("DELETE", "/actions", None).map(drop)
    }

    /// Saves a PNG of the viewport to `path`, making its folders.
    pub fn screenshot(&self, path: impl AsRef<Path>) -> Result<(), String> {
        let value = self.cmd("GET", "/screenshot", None)?;
        write_png(&value, path.as_ref())
    }

    /// Resizes the browser window (outer size, in CSS pixels).
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), String> {
        let body = json!({ "width": width, "height": height });
        self.cmd("POST", "/window/rect", Some(body)).map(drop)
    }

    /// Resizes the window so that the page's viewport (`innerWidth` x
    /// `innerHeight`) is `width` x `height` CSS pixels. Headless Chromium's
    /// window is taller than its viewport (by about 140 px), so
    /// [`Session::set_window_size`] alone gives a shorter page than asked.
    pub fn set_viewport_size(&self, width: u32, height: u32) -> Result<(), String> {
        self.set_window_size(width, height)?;
        let inner = self.execute("return [window.innerWidth, window.innerHeight]", vec![])?;
        let got = |i: usize| inner.get(i).and_then(Value::as_u64).unwrap_or(0);
        let (w, h) = (u64::from(width), u64::from(height));
        let (dw, dh) = (w.saturating_sub(got(0)), h.saturating_sub(got(1)));
        if dw == 0 && dh == 0 {
            return Ok(());
        }
        let grow = |base: u64, by: u64| u32::try_from(base + by).unwrap_or(u32::MAX);
        self.set_window_size(grow(w, dw), grow(h, dh))
    }

    /// The browser console's entries since the previous call (each call
    /// drains them), as `(level, message)`, e.g. `("SEVERE", "… x")`. Uses
    /// chromedriver's own `POST /session/{id}/se/log`, which is no W3C command:
    /// when it fails this returns an empty Vec rather than an error, so do not
    /// read an empty log as proof of a clean console without checking that
    /// the log works at all (see the scratch test: `console.error` shows up).
    pub fn browser_log(&self) -> Vec<(String, String)> {
        let Ok(value) = self.cmd("POST", "/se/log", Some(json!({ "type": "browser" }))) else {
            return Vec::new();
        };
        let Some(entries) = value.as_array() else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|e| {
                let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                (field("level"), field("message"))
            })
            .collect()
    }

    /// The cookies visible to the current page.
    pub fn cookies(&self) -> Result<Vec<Cookie>, String> {
        let value = self.cmd("GET", "/cookie", None)?;
        let list = value
            .as_array()
            .ok_or_else(|| format!("cookies: not a list: {value}"))?;
        Ok(list.iter().map(cookie).collect())
    }

    /// The current page's cookie of that name, if any.
    pub fn cookie(&self, name: &str) -> Result<Option<Cookie>, String> {
        Ok(self.cookies()?.into_iter().find(|c| c.name == name))
    }

    /// Sets a cookie for the current page's origin (load a page of it first).
    pub fn add_cookie(&self, name: &str, value: &str) -> Result<(), String> {
        let body = json!({ "cookie": { "name": name, "value": value, "path": "/" } });
        self.cmd("POST", "/cookie", Some(body)).map(drop)
    }

    pub fn delete_all_cookies(&self) -> Result<(), String> {
        self.cmd("DELETE", "/cookie", None).map(drop)
    }

    /// The text of the open `alert`/`confirm`/`prompt` dialog.
    pub fn alert_text(&self) -> Result<String, String> {
        as_string(self.cmd("GET", "/alert/text", None)?, "alert_text")
    }

    /// Presses OK on the open dialog.
    pub fn accept_alert(&self) -> Result<(), String> {
        self.cmd("POST", "/alert/accept", None).map(drop)
    }

    /// Presses Cancel on the open dialog.
    pub fn dismiss_alert(&self) -> Result<(), String> {
        self.cmd("POST", "/alert/dismiss", None).map(drop)
    }
}

/// An element of the page. Stale once the page replaced it (e.g. after an
/// htmx swap): find it again then.
pub struct Element<'s> {
    session: &'s Session,
    id: String,
}

impl std::fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Element({})", self.id)
    }
}

impl<'s> Element<'s> {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.session
            .cmd(method, &format!("/element/{}{}", self.id, path), body)
    }

    /// The WebDriver element id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// This element as an argument for [`Session::execute`].
    pub fn to_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    pub fn click(&self) -> Result<(), String> {
        self.cmd("POST", "/click", None).map(drop)
    }

    /// Focuses the element and types `text` (may hold [`keys`] codes).
    pub fn send_keys(&self, text: &str) -> Result<(), String> {
        self.cmd("POST", "/value", Some(json!({ "text": text })))
            .map(drop)
    }

    /// Empties an input or textarea.
    pub fn clear(&self) -> Result<(), String> {
        self.cmd("POST", "/clear", None).map(drop)
    }

    /// The rendered (visible) text.
    pub fn text(&self) -> Result<String, String> {
        as_string(self.cmd("GET", "/text", None)?, "text")
    }

    /// The lower-case tag name, e.g. `"input"`.
    pub fn tag_name(&self) -> Result<String, String> {
        as_string(self.cmd("GET", "/name", None)?, "tag_name")
    }

    /// The HTML attribute, `None` when absent.
    pub fn attr(&self, name: &str) -> Result<Option<String>, String> {
        let value = self.cmd("GET", &format!("/attribute/{name}"), None)?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// The DOM property (e.g. `"value"`, `"checked"`), `Null` when absent.
    pub fn prop(&self, name: &str) -> Result<Value, String> {
        self.cmd("GET", &format!("/property/{name}"), None)
    }

    /// The DOM `value` property as a string (for inputs, selects, textareas).
    pub fn value(&self) -> Result<String, String> {
        let value = self.prop("value")?;
        Ok(value.as_str().unwrap_or("").to_owned())
    }

    pub fn is_displayed(&self) -> Result<bool, String> {
        as_bool(self.cmd("GET", "/displayed", None)?, "is_displayed")
    }

    pub fn is_enabled(&self) -> Result<bool, String> {
        as_bool(self.cmd("GET", "/enabled", None)?, "is_enabled")
    }

    pub fn is_selected(&self) -> Result<bool, String> {
        as_bool(self.cmd("GET", "/selected", None)?, "is_selected")
    }

    /// The first descendant matching the CSS selector.
    pub fn find(&self, css: &str) -> Result<Element<'s>, String> {
        let value = self.cmd("POST", "/element", Some(by_css(css)))?;
        self.session.element(&value, &format!("find({css})"))
    }

    /// All descendants matching the CSS selector.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'s>>, String> {
        let value = self.cmd("POST", "/elements", Some(by_css(css)))?;
        elements(self.session, &value, &format!("find_all({css})"))
    }

    /// Saves a PNG of just this element to `path`, making its folders.
    pub fn screenshot(&self, path: impl AsRef<Path>) -> Result<(), String> {
        let value = self.cmd("GET", "/screenshot", None)?;
        write_png(&value, path.as_ref())
    }
}

fn by_css(css: &str) -> Value {
    json!({ "using": "css selector", "value": css })
}

fn elements<'s>(
    session: &'s Session,
    value: &Value,
    what: &str,
) -> Result<Vec<Element<'s>>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("{what}: not a list: {value}"))?
        .iter()
        .map(|v| session.element(v, what))
        .collect()
}

fn as_string(value: Value, what: &str) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(format!("{what}: not a string: {other}")),
    }
}

fn as_bool(value: Value, what: &str) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("{what}: not a boolean: {value}"))
}

fn cookie(v: &Value) -> Cookie {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    Cookie {
        name: text("name").unwrap_or_default(),
        value: text("value").unwrap_or_default(),
        path: text("path"),
        domain: text("domain"),
        secure: flag("secure"),
        http_only: flag("httpOnly"),
        same_site: text("sameSite"),
        expiry: v.get("expiry").and_then(Value::as_u64),
    }
}

fn write_png(value: &Value, path: &Path) -> Result<(), String> {
    let b64 = value
        .as_str()
        .ok_or_else(|| format!("screenshot: not a string: {value}"))?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("screenshot: bad base64: {e}"))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("screenshot: cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, png)
        .map_err(|e| format!("screenshot: cannot write {}: {e}", path.display()))
}
