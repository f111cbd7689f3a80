//! A loopback HTTPS emulator of Duo's Auth API v2, for tests and for trying the Duo flows by
//! hand without an account. It verifies v2 (SHA-1, SHA-512) and v5 signatures as Duo does,
//! answers with Duo's envelopes and error codes, and follows a per-user script (devices,
//! answers, passcodes, bypass, deny, enroll, 429, 500, malformed JSON, a redirect, a connection
//! cut after the push went out, or Duo not reachable at all). Never shipped.

pub mod config;
mod relay;
mod signature;

pub use config::{Answer, Config, Device, Failure, User};
pub use relay::ConnectProxy;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tiny_http::{Header, Request, Response, Server, SslConfig};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A running emulator. Stops when dropped.
pub struct Emulator {
    port: u16,
    ca_pem: String,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
    state: Arc<Mutex<State>>,
    relay: relay::Relay,
}

struct Tx {
    cut: bool,
    answer: Answer,
    factor: String,
    number: String,
    ready_at: Instant,
    polls: u32,
}

struct State {
    config: Config,
    txs: HashMap<String, Tx>,
    rate_limited: HashMap<String, u32>,
    sms: HashMap<String, Vec<String>>,
    requests: u64,
    next_id: u64,
    connections: Arc<relay::Connections>,
}

impl Emulator {
    /// Starts on a free loopback port with a new CA and a certificate for `localhost`.
    pub fn start(config: Config) -> Result<Self, Error> {
        Self::start_on(config, 0)
    }

    /// Starts on a given port (0: any free one). Clients connect to a TCP relay on that port,
    /// which forwards to the HTTPS server on another one, so that a test can cut connections
    /// or make Duo unreachable as the network would.
    pub fn start_on(config: Config, port: u16) -> Result<Self, Error> {
        let test_support::Certificates {
            ca: ca_pem,
            cert: cert_pem,
            key: key_pem,
        } = test_support::certificates()?;
        let server = Arc::new(Server::https(
            ("127.0.0.1", 0),
            SslConfig {
                certificate: cert_pem.into_bytes(),
                private_key: key_pem.into_bytes(),
            },
        )?);
        let backend = server
            .server_addr()
            .to_ip()
            .ok_or("the emulator is not on an IP socket")?;
        let relay = relay::Relay::start(port, backend)?;
        let port = relay.port();
        let rate_limited = config
            .users
            .iter()
            .map(|(name, u)| (name.clone(), u.rate_limited))
            .collect();
        let state = Arc::new(Mutex::new(State {
            config,
            txs: HashMap::new(),
            rate_limited,
            sms: HashMap::new(),
            requests: 0,
            next_id: 0,
            connections: relay.connections(),
        }));
        let (srv, st) = (server.clone(), state.clone());
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let st = st.clone();
                std::thread::spawn(move || handle(&st, request));
            }
        });
        Ok(Self {
            port,
            ca_pem,
            server,
            thread: Some(thread),
            state,
            relay,
        })
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The API hostname to configure: `localhost:PORT`.
    pub fn api_host(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// The CA certificate that signed the server's certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The SMS passcodes last sent to a user (what the phone would show).
    pub fn sms_passcodes(&self, user: &str) -> Vec<String> {
        self.lock().sms.get(user).cloned().unwrap_or_default()
    }

    /// Number of requests answered so far.
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// Whether Duo can be reached: when not, every open connection is cut and new ones are
    /// closed before the TLS handshake, as when the network or Duo is down.
    pub fn set_reachable(&self, reachable: bool) {
        self.relay.set_reachable(reachable);
    }

    /// Changes the script while running.
    pub fn update(&self, f: impl FnOnce(&mut Config)) {
        let mut st = self.lock();
        f(&mut st.config);
        let limits: Vec<(String, u32)> = st
            .config
            .users
            .iter()
            .map(|(n, u)| (n.clone(), u.rate_limited))
            .collect();
        st.rate_limited.extend(limits);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.relay.stop();
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

type Reply = (u16, Vec<(&'static str, String)>, String);

fn ok(response: Value) -> Reply {
    (
        200,
        vec![],
        json!({"stat": "OK", "response": response}).to_string(),
    )
}

fn fail(status: u16, code: u32, message: &str, detail: Option<&str>) -> Reply {
    let mut body = json!({"stat": "FAIL", "code": code, "message": message});
    if let Some(d) = detail {
        body["message_detail"] = json!(d);
    }
    (status, vec![], body.to_string())
}

/// HTTP 400 with Duo's 40001: a required parameter is missing.
fn missing(param: &str) -> Reply {
    fail(
        400,
        40001,
        "Missing required request parameters",
        Some(param),
    )
}

/// HTTP 400 with Duo's 40002: a parameter is not valid.
fn invalid(param: &str) -> Reply {
    fail(400, 40002, "Invalid request parameters", Some(param))
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn handle(state: &Arc<Mutex<State>>, mut request: Request) {
    let mut body = Vec::new();
    let _ = request.as_reader().take(1 << 20).read_to_end(&mut body);
    let method = request.method().as_str().to_owned();
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_owned(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let json_body = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.contains("json"));
    let reply = respond(state, &method, path, query, &body, json_body, &headers);
    let (status, extra, text) = reply;
    let mut response = Response::from_string(text).with_status_code(status);
    if let Ok(h) = Header::from_bytes("Content-Type", "application/json") {
        response = response.with_header(h);
    }
    for (k, v) in extra {
        if let Ok(h) = Header::from_bytes(k, v) {
            response = response.with_header(h);
        }
    }
    let _ = request.respond(response);
}

fn respond(
    state: &Arc<Mutex<State>>,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    json_body: bool,
    headers: &[(String, String)],
) -> Reply {
    let (config, now) = {
        let mut st = lock(state);
        st.requests += 1;
        (st.config.clone(), now_unix() + st.config.clock_offset_secs)
    };
    if method == "GET" && path == "/auth/v2/ping" {
        return ok(json!({"time": now}));
    }
    let signed = signature::Signed {
        method,
        path,
        query,
        body,
        json_body,
        headers,
    };
    if let Err(r) = signature::verify(
        &signed,
        &config.ikey,
        &config.skey,
        &config.host,
        config.max_skew_secs,
        now,
    ) {
        return fail(r.status, r.code, r.message, None);
    }
    let params: HashMap<String, String> = if method == "POST" && json_body {
        match serde_json::from_slice::<HashMap<String, String>>(body) {
            Ok(p) => p,
            Err(_) => return invalid("body"),
        }
    } else if method == "POST" {
        signature::parse_form(&String::from_utf8_lossy(body))
            .into_iter()
            .collect()
    } else {
        signature::parse_form(query).into_iter().collect()
    };
    match (method, path) {
        ("GET", "/auth/v2/check") => ok(json!({"time": now})),
        ("POST", "/auth/v2/preauth") => with_user(state, &config, &params, preauth),
        ("POST", "/auth/v2/auth") => with_user(state, &config, &params, |user, name| {
            auth(state, user, name, &params)
        }),
        ("GET", "/auth/v2/auth_status") => auth_status(state, &params),
        _ => fail(404, 40401, "Resource not found", None),
    }
}

fn with_user(
    state: &Arc<Mutex<State>>,
    config: &Config,
    params: &HashMap<String, String>,
    f: impl FnOnce(&User, &str) -> Reply,
) -> Reply {
    let Some(name) = params.get("username") else {
        return missing("username");
    };
    let user = config.users.get(name).cloned().unwrap_or(User {
        preauth: "enroll".into(),
        ..User::default()
    });
    {
        let mut st = lock(state);
        if let Some(left) = st.rate_limited.get_mut(name) {
            if *left > 0 {
                *left -= 1;
                let mut r = fail(429, 42901, "Too Many Requests", None);
                r.1.push(("Retry-After", "1".into()));
                return r;
            }
        }
    }
    match user.failure {
        Failure::ServerError => fail(500, 50000, "Internal server error", None),
        Failure::MalformedJson => (200, vec![], "<html>upstream error".into()),
        Failure::Redirect => (
            302,
            vec![("Location", "https://127.0.0.1:1/auth/v2/preauth".into())],
            String::new(),
        ),
        Failure::None | Failure::CutAfterAuth => f(&user, name),
    }
}

fn device_json(d: &Device) -> Value {
    let display = if d.number.is_empty() {
        d.name.clone()
    } else {
        format!("{} ({})", d.name, d.number)
    };
    json!({
        "device": d.device, "type": d.kind, "name": d.name, "number": d.number,
        "display_name": display, "capabilities": d.capabilities,
    })
}

fn preauth(user: &User, name: &str) -> Reply {
    match user.preauth.as_str() {
        "allow" => ok(json!({"result": "allow", "status_msg": "Allowing unknown user"})),
        "deny" => ok(json!({"result": "deny", "status_msg": "Your account is disabled."})),
        "auth" => ok(json!({
            "result": "auth",
            "status_msg": "Account is active",
            "devices": user.devices.iter().map(device_json).collect::<Vec<_>>(),
        })),
        _ => ok(json!({
            "result": "enroll",
            "status_msg": "Enroll an authentication device to proceed",
            "enroll_portal_url": format!("https://localhost/portal?user={name}"),
        })),
    }
}

fn auth(
    state: &Arc<Mutex<State>>,
    user: &User,
    name: &str,
    params: &HashMap<String, String>,
) -> Reply {
    match user.preauth.as_str() {
        "allow" => {
            return ok(
                json!({"result": "allow", "status": "bypass", "status_msg": "Bypassing authentication"}),
            )
        }
        "auth" => {}
        _ => {
            return ok(
                json!({"result": "deny", "status": "deny", "status_msg": "Login request denied."}),
            )
        }
    }
    let Some(factor) = params.get("factor").map(String::as_str) else {
        return missing("factor");
    };
    if factor == "passcode" {
        if params.contains_key("device") {
            return invalid("device");
        }
        let Some(code) = params.get("passcode") else {
            return missing("passcode");
        };
        let mut st = lock(state);
        let sms = st.sms.entry(name.to_owned()).or_default();
        let from_sms = sms.iter().position(|c| c == code).map(|i| sms.remove(i));
        let static_ok = user.passcodes.contains(code);
        return if from_sms.is_some() || static_ok {
            ok(
                json!({"result": "allow", "status": "allow", "status_msg": "Success. Logging you in..."}),
            )
        } else {
            ok(
                json!({"result": "deny", "status": "deny", "status_msg": "Invalid passcode, please try again."}),
            )
        };
    }
    if !matches!(factor, "auto" | "push" | "phone" | "sms") {
        return invalid("factor");
    }
    let Some(wanted) = params.get("device") else {
        return missing("device");
    };
    let capable = |d: &&Device, f: &str| d.capabilities.iter().any(|c| c == f);
    let pick = |f: &str| -> Option<Device> {
        if wanted == "auto" {
            user.devices.iter().find(|d| capable(d, f)).cloned()
        } else {
            user.devices
                .iter()
                .find(|d| &d.device == wanted && capable(d, f))
                .cloned()
        }
    };
    if wanted != "auto" && !user.devices.iter().any(|d| &d.device == wanted) {
        return invalid("device");
    }
    let (factor, device) = match factor {
        "auto" => match pick("push")
            .map(|d| ("push", d))
            .or_else(|| pick("phone").map(|d| ("phone", d)))
        {
            Some(x) => x,
            None => return invalid("no capable device"),
        },
        f => match pick(f) {
            Some(d) => (f, d),
            None => return invalid("no capable device"),
        },
    };
    let mut st = lock(state);
    if factor == "sms" {
        st.next_id += 1;
        let codes: Vec<String> = (0..3)
            .map(|i| format!("7{:02}{:03}", st.next_id % 100, i))
            .collect();
        eprintln!(
            "duo-emulator: SMS passcodes for {name}: {}",
            codes.join(" ")
        );
        st.sms.insert(name.to_owned(), codes);
        return ok(
            json!({"result": "deny", "status": "sent", "status_msg": "New SMS passcodes sent"}),
        );
    }
    st.next_id += 1;
    let txid = format!("00000000-0000-4000-8000-{:012}", st.next_id);
    let tx = Tx {
        cut: user.failure == Failure::CutAfterAuth,
        answer: if factor == "push" {
            device.push
        } else {
            device.phone
        },
        factor: factor.to_owned(),
        number: device.number.clone(),
        ready_at: Instant::now() + Duration::from_millis(device.delay_ms),
        polls: 0,
    };
    if params.get("async").map(String::as_str) == Some("1") {
        st.txs.insert(txid.clone(), tx);
        return ok(json!({"txid": txid}));
    }
    drop(st);
    std::thread::sleep(tx.ready_at.saturating_duration_since(Instant::now()));
    ok(final_status(&tx))
}

fn final_status(tx: &Tx) -> Value {
    match tx.answer {
        Answer::Approve => {
            json!({"result": "allow", "status": "allow", "status_msg": "Success. Logging you in..."})
        }
        Answer::Deny => {
            json!({"result": "deny", "status": "deny", "status_msg": "Login request denied."})
        }
        Answer::Timeout => {
            json!({"result": "deny", "status": "timeout", "status_msg": "Authentication timed out."})
        }
        Answer::Fraud => {
            json!({"result": "deny", "status": "fraud", "status_msg": "Fraud reported. Login request denied."})
        }
    }
}

fn auth_status(state: &Arc<Mutex<State>>, params: &HashMap<String, String>) -> Reply {
    let Some(txid) = params.get("txid") else {
        return missing("txid");
    };
    let (ready_at, first) = {
        let mut st = lock(state);
        let connections = st.connections.clone();
        let Some(tx) = st.txs.get_mut(txid) else {
            return invalid("txid");
        };
        if tx.cut {
            // The answer never reaches the client: its connection is gone.
            connections.cut();
            return fail(500, 50000, "cut", None);
        }
        tx.polls += 1;
        (tx.ready_at, tx.polls == 1)
    };
    if first && Instant::now() < ready_at {
        let st = lock(state);
        let tx = &st.txs[txid];
        return ok(if tx.factor == "phone" {
            json!({"result": "waiting", "status": "calling", "status_msg": format!("Dialing {}...", tx.number)})
        } else {
            json!({"result": "waiting", "status": "pushed", "status_msg": "Pushed a login request to your device..."})
        });
    }
    // Long poll: answer when the user acts.
    std::thread::sleep(ready_at.saturating_duration_since(Instant::now()));
    let st = lock(state);
    ok(final_status(&st.txs[txid]))
}
