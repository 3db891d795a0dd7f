//! A language server client over stdio that drives the real `schemacast lsp` binary with
//! JSON-RPC, answering the server's own requests the way an editor would.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::binary;

pub struct LspClient {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received and not yet looked at.
    pub notifications: Vec<Value>,
    /// What `workspace/configuration` answers with.
    pub configuration: Value,
}

impl LspClient {
    /// Starts `schemacast lsp` in `dir`.
    pub fn start(dir: &Path) -> LspClient {
        let mut command = Command::new(binary());
        command.arg("lsp");
        // The server's own log (per-phase analysis times), for reading a benchmark's figures.
        if let Some(log) = std::env::var_os("SCHEMACAST_LSP_LOG") {
            command.arg("--log").arg(log);
        }
        let mut child = command
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("schemacast lsp starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                match serde_json::from_slice::<Value>(&body) {
                    Ok(message) => {
                        if sender.send(message).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        panic!("the server wrote a message that is not JSON ({e}): {}", String::from_utf8_lossy(&body))
                    }
                }
            }
        });
        LspClient { child, stdin, incoming, next_id: 1, notifications: Vec::new(), configuration: Value::Null }
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("messages serialise");
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("the server reads stdin");
        self.stdin.flush().expect("the server reads stdin");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("the server reads stdin");
        self.stdin.flush().expect("the server reads stdin");
    }

    /// Sends a request and waits for its response; returns the whole response object.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let message = self.receive(deadline).unwrap_or_else(|| panic!("no response to {method} within 30 s"));
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
        }
    }

    /// Sends a request and returns its result; panics on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        if let Some(error) = response.get("error") {
            panic!("{method} failed: {error}");
        }
        response["result"].clone()
    }

    /// The next message, answering server requests and keeping them and notifications on the
    /// way (those are returned as `Null`: they are in `notifications`).
    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        let message = match self.incoming.recv_timeout(timeout) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
        };
        match (message.get("id"), message.get("method").and_then(Value::as_str)) {
            (Some(id), Some(method)) => {
                let result = match method {
                    "workspace/configuration" => json!([self.configuration]),
                    _ => Value::Null,
                };
                let id = id.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
                // Kept like a notification, so a test can wait for the server to ask
                // (`workspace/inlayHint/refresh`). Not copied: a list of diagnostics can be
                // large, and the latency bench should time the server, not this client.
                self.notifications.push(message);
                Some(Value::Null)
            }
            (None, Some(_)) => {
                self.notifications.push(message);
                Some(Value::Null)
            }
            _ => Some(message),
        }
    }

    /// Waits for a notification `method` satisfying `matches`, taking it out of the backlog.
    pub fn wait_for(&mut self, method: &str, timeout: Duration, matches: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(index) = self.notifications.iter().position(|n| n["method"] == method && matches(&n["params"]))
            {
                return Some(self.notifications.remove(index)["params"].take());
            }
            self.receive(deadline)?;
        }
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let mut published = self
            .wait_for("textDocument/publishDiagnostics", Duration::from_secs(30), |p| {
                p["uri"] == uri && p["version"] == version
            })
            .unwrap_or_else(|| panic!("no diagnostics for {uri} version {version}; backlog: {:?}", self.notifications));
        match published["diagnostics"].take() {
            Value::Array(diagnostics) => diagnostics,
            _ => Vec::new(),
        }
    }

    /// `initialize` and `initialized` with the given client capabilities and options.
    pub fn initialize(&mut self, root: &Path, capabilities: Value, options: Value) -> Value {
        let result = self.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": file_uri(root),
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    pub fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
        );
        uri
    }

    /// `shutdown`, `exit`, and the exit status.
    pub fn shutdown(mut self) -> Option<i32> {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `file:///...` for a path.
pub fn file_uri(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => uri.push(byte as char),
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}
