//! A TCP relay in front of the emulator's HTTPS server: what a network attacker (or an outage)
//! controls. It can cut every open connection, and refuse new ones before any TLS byte.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The client sides of the open connections.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<u64, TcpStream>>,
    next: AtomicU64,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cuts every open connection: the clients see it closed before any further byte.
    pub fn cut(&self) {
        for (_, stream) in self.lock().drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// A running relay. Stopped by [`stop`](Self::stop).
pub struct Relay {
    port: u16,
    reachable: Arc<AtomicBool>,
    stopping: Arc<AtomicBool>,
    connections: Arc<Connections>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    /// Listens on 127.0.0.1:`port` (0: any free one) and forwards to `backend`.
    pub fn start(port: u16, backend: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let reachable = Arc::new(AtomicBool::new(true));
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let (r, s, c) = (reachable.clone(), stopping.clone(), connections.clone());
        let thread = std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if !r.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let _ = forward(client, backend, &c);
            }
        });
        Ok(Self {
            port,
            reachable,
            stopping,
            connections,
            thread: Some(thread),
        })
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The open connections, to cut them.
    pub fn connections(&self) -> Arc<Connections> {
        self.connections.clone()
    }

    /// When not reachable, open connections are cut and new ones closed at once.
    pub fn set_reachable(&self, reachable: bool) {
        self.reachable.store(reachable, Ordering::SeqCst);
        if !reachable {
            self.connections.cut();
        }
    }

    /// Stops listening and cuts every connection.
    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.connections.cut();
    }
}

/// Pipes `client` to a new connection to `backend`, both ways.
fn forward(
    client: TcpStream,
    backend: SocketAddr,
    connections: &Arc<Connections>,
) -> io::Result<()> {
    pipe(client, TcpStream::connect(backend)?, connections)
}

/// Copies bytes both ways between `client` and `server` until either side closes.
fn pipe(client: TcpStream, server: TcpStream, connections: &Arc<Connections>) -> io::Result<()> {
    let id = connections.next.fetch_add(1, Ordering::SeqCst);
    connections.lock().insert(id, client.try_clone()?);
    let (mut from_client, mut to_server) = (client.try_clone()?, server.try_clone()?);
    std::thread::spawn(move || {
        let _ = io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    let connections = connections.clone();
    std::thread::spawn(move || {
        let _ = io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Both);
        connections.lock().remove(&id);
    });
    Ok(())
}

/// A minimal HTTP CONNECT proxy on loopback (what `--proxy` points at in tests), counting the
/// tunnels it opened. Stops when dropped.
pub struct ConnectProxy {
    port: u16,
    tunnels: Arc<AtomicU64>,
    stopping: Arc<AtomicBool>,
    connections: Arc<Connections>,
    thread: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// Starts on a free loopback port.
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let port = listener.local_addr()?.port();
        let tunnels = Arc::new(AtomicU64::new(0));
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let (t, s, c) = (tunnels.clone(), stopping.clone(), connections.clone());
        let thread = std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let (t, c) = (t.clone(), c.clone());
                std::thread::spawn(move || {
                    if tunnel(client, &c).is_ok() {
                        t.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        Ok(Self {
            port,
            tunnels,
            stopping,
            connections,
            thread: Some(thread),
        })
    }

    /// The proxy's URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many tunnels it opened so far.
    pub fn tunnels(&self) -> u64 {
        self.tunnels.load(Ordering::SeqCst)
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.connections.cut();
    }
}

/// Reads `CONNECT host:port HTTP/1.1` and its headers, connects, answers 200 and pipes.
fn tunnel(mut client: TcpStream, connections: &Arc<Connections>) -> io::Result<()> {
    use std::io::{Read, Write};
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || client.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::InvalidData.into());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")?;
        return Err(io::ErrorKind::InvalidData.into());
    };
    let server = TcpStream::connect(target)?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    pipe(client, server, connections)
}
