//! Headless Chromium (Debian's chromium-headless-shell, or chromium),
//! driven over the Chrome DevTools Protocol: what a phone's browser does
//! on a partner's verification page, done by a real browser engine.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

pub struct Chromium {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    session: Option<String>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// The browser binary: `make test` installs chromium-headless-shell.
fn binary() -> &'static str {
    for name in ["chromium-headless-shell", "chromium"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return name;
        }
    }
    panic!("no headless Chromium: `make test` installs chromium-headless-shell");
}

impl Chromium {
    pub fn launch() -> Chromium {
        let profile = tempfile::tempdir().expect("tmp");
        let mut child = Command::new(binary())
            .args([
                "--headless",
                // Tests run as root in CI containers, where the sandbox
                // cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            // A group of its own, so that its renderers go with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Chromium starts");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("ws://")) {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("Chromium's DevTools address within 30 s");
        let (ws, _) = tungstenite::connect(url.as_str()).expect("DevTools WebSocket");
        Chromium {
            child,
            ws,
            session: None,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends a DevTools command and waits for its answer (events skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        match self.try_call(method, params) {
            Ok(result) => result,
            Err(answer) => panic!("{method}: {answer}"),
        }
    }

    /// As `call`, with DevTools' error answer as the error.
    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .expect("DevTools send");
        loop {
            let Message::Text(text) = self.ws.read().expect("DevTools read") else {
                continue;
            };
            let v: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if v["id"] == id {
                return match v.get("error") {
                    Some(_) => Err(v),
                    None => Ok(v["result"].clone()),
                };
            }
        }
    }

    /// Opens `url` in a new tab, which later calls act on.
    pub fn open(&mut self, url: &str) {
        self.session = None;
        let target = self.call("Target.createTarget", json!({ "url": url }));
        let attached = self.call(
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        self.session = attached["sessionId"].as_str().map(str::to_owned);
    }

    /// Evaluates `js` in the page; its value.
    pub fn eval(&mut self, js: &str) -> Value {
        self.try_eval(js)
            .unwrap_or_else(|answer| panic!("Runtime.evaluate: {answer}"))
    }

    /// As `eval`, with DevTools' error answer as the error.
    fn try_eval(&mut self, js: &str) -> Result<Value, Value> {
        let r = self.try_call(
            "Runtime.evaluate",
            json!({ "expression": js, "returnByValue": true }),
        )?;
        Ok(r["result"]["value"].clone())
    }

    /// Waits until `js` is true in the page (a page loading, a form posted).
    /// While a posted form navigates, DevTools answers "Inspected target
    /// navigated or closed" (or that the page's context was destroyed): that
    /// is "not yet". Any other error answer fails at once.
    pub fn wait_for(&mut self, js: &str, timeout: Duration) {
        let until = Instant::now() + timeout;
        let check = format!("!!({js})");
        loop {
            match self.try_eval(&check) {
                Ok(Value::Bool(true)) => return,
                Ok(_) => {}
                Err(answer) => {
                    let message = answer["error"]["message"].as_str().unwrap_or_default();
                    assert!(
                        message.contains("navigated or closed")
                            || message.contains("context was destroyed"),
                        "Runtime.evaluate: {answer}"
                    );
                }
            }
            assert!(Instant::now() < until, "page never had {js}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The text of the element `selector`, or null.
    pub fn text(&mut self, selector: &str) -> Value {
        self.eval(&format!(
            "(document.querySelector({}) || {{}}).textContent || null",
            json!(selector)
        ))
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // The browser and its renderer processes: killing the browser
        // alone left the renderers running after the tests.
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -9 -{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
