//! The HTTP server: `/healthz`, `/metrics`, the console and the RPC gateway
//! on every other path.
//!
//! The accept loop bounds what a client can hold, with or without
//! credentials (see [`HttpLimits`] for the times, the constants below for the
//! sizes):
//! - at most `max_connections` connections are open; the next ones wait in
//!   the listen backlog until one closes;
//! - a new connection must send its first request head within
//!   `header_timeout`; a kept-alive one its next head within `idle_timeout`
//!   of the previous response (hyper's header-read timer starts as soon as
//!   the connection waits for a request, so it is the idle timeout too);
//! - a request head is at most [`MAX_HEAD_BYTES`] with at most
//!   [`MAX_HEADERS`] headers (else 431; a URI over 65,534 bytes is 414), its
//!   headers at most [`MAX_HEADER_BYTES`] together (431), its body at most
//!   [`MAX_BODY_BYTES`] (413) and read whole within `body_timeout` (408);
//!   all bodies being read hold at most [`MAX_BUFFERED_BODY_BYTES`] (503);
//! - a response write that stalls for `write_timeout` closes the connection;
//! - when fewer than a quarter of the slots are free, connections older
//!   than [`SHED_AGE`] are shed, those without a request head first.
//!
//! A connection is served by [`Server::serve_connection`], generic over the
//! byte stream: with TLS (see [`crate::tls`]) the handshake runs first, in
//! the connection's own task, within the header timeout (it counts towards
//! the first request head's time); a connection whose first byte is not a
//! TLS handshake record (plain HTTP on the TLS port) is closed without an
//! answer. Requests over TLS are `acs:SecureTransport`, their responses
//! carry `Strict-Transport-Security`, and the console's cookie is `Secure`.

use std::convert::Infallible;
use std::future::Future as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rampart_core::ApiError;
use rampart_gateway::{Format, Gateway, Handled, RpcRequest};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::config::{Config, HttpLimits};
use crate::metrics::Metrics;

/// Largest request body, in bytes (the gateway's own bound).
pub const MAX_BODY_BYTES: usize = rampart_gateway::decode::MAX_BODY_BYTES;
/// Most bytes of request bodies held at once by all connections together
/// (16 MiB: 64 bodies of the largest size); a request whose body does not
/// fit is answered 503.
pub const MAX_BUFFERED_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Largest request head (request line and headers), in bytes: a query of
/// [`rampart_gateway::decode::MAX_QUERY_BYTES`] plus [`MAX_HEADER_BYTES`].
pub const MAX_HEAD_BYTES: usize = rampart_gateway::decode::MAX_QUERY_BYTES + MAX_HEADER_BYTES;
/// Largest total of header names and values, in bytes.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Most headers in one request.
pub const MAX_HEADERS: usize = 64;
/// Open files kept for the database, logs and the listener, besides
/// connections.
const RESERVED_FILES: usize = 64;
/// When fewer than a quarter of the connection slots are free, connections
/// open for this long are shed: one that has not sent a whole request head
/// is closed, any other once its request in flight is answered (an idle one
/// at once). Clients reconnect; slowly sending ones lose their slot first.
pub const SHED_AGE: Duration = Duration::from_secs(1);
/// Longest wait for open connections to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// `Strict-Transport-Security` of responses over TLS: a year, this host only.
pub const HSTS: &str = "max-age=31536000";
/// The first byte of a TLS record carrying a handshake message.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// How a request arrived (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transport {
    /// Over TLS.
    pub secure: bool,
}

impl Transport {
    /// The transport of a request (plain when not recorded).
    pub fn of(ext: &axum::http::Extensions) -> Self {
        ext.get::<Transport>().copied().unwrap_or_default()
    }
}

#[derive(Clone)]
struct AppState {
    gateway: Arc<Gateway>,
    metrics: Arc<Metrics>,
    /// The embedded store answers in microseconds: handle requests on the
    /// async worker instead of handing them to the blocking pool. A network
    /// database (PostgreSQL) goes through the blocking pool.
    inline: bool,
    /// Test mode's control API (`--test-mode`), or none.
    test: Option<Arc<crate::testmode::TestMode>>,
}

/// Runs the server until SIGINT/SIGTERM, then drains in-flight requests.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    // The seed is read and checked before anything is opened.
    let seed = match &cfg.seed {
        Some(path) => Some(crate::seed::Seed::load(path)?),
        None => None,
    };
    let setup_cfg = cfg.clone();
    let opened = tokio::task::spawn_blocking(move || crate::setup::open(&setup_cfg)).await??;
    let rampart = opened.rampart;
    let _fresh = opened.fresh;
    if let Some(seed) = &seed {
        let (r, s, dir) = (rampart.clone(), seed.clone(), cfg.data_dir.clone());
        let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let applied = s.apply(&r)?;
            crate::seed::write_credentials(&dir, &applied)?;
            Ok(applied)
        })
        .await??;
        tracing::info!(file = %cfg.seed.as_deref().unwrap_or(std::path::Path::new("")).display(), created = applied.created, "seed applied");
    }
    let jobs = Arc::new(std::sync::Mutex::new(()));
    let test = match opened.test_clock {
        Some(clock) => {
            let t = crate::testmode::TestMode::new(
                rampart.clone(),
                clock,
                opened.embedded.clone(),
                seed.clone(),
                &cfg.data_dir,
                jobs.clone(),
            )?;
            if _fresh.is_some() {
                t.keep_baseline()?;
            }
            tracing::warn!(token_file = %cfg.data_dir.join(crate::testmode::TOKEN_FILE).display(), "TEST MODE: the clock can be moved and the account emptied through /_rampart/; never use this server for real secrets");
            Some(Arc::new(t))
        }
        None => None,
    };
    if _fresh.is_none() {
        let path = cfg.data_dir.join(crate::setup::CREDENTIALS_FILE);
        if path.exists() {
            tracing::info!(path = %path.display(), account_id = rampart.account_id(), "opened existing account; root credentials are in the credentials file");
        } else {
            // A replica, or a restored store: the file stays where the
            // account was first initialized.
            tracing::info!(account_id = rampart.account_id(), data_dir = %cfg.data_dir.display(), "opened existing account; its root credentials are not in this data dir: they stay in the root-credentials.json of the data dir that first initialized the store");
        }
    }
    if let Some(path) = &cfg.audit_log {
        let sink: Box<dyn std::io::Write + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stdout())
        } else {
            // Owner-only (an existing file is tightened through its
            // handle), never through a symbolic link.
            Box::new(
                rampart_store::files::open_private(path, rampart_store::files::Open::Append)
                    .map_err(|e| {
                        anyhow::anyhow!("cannot open audit log `{}`: {e}", path.display())
                    })?,
            )
        };
        rampart.set_audit_lines(sink);
    }
    let metrics = Arc::new(Metrics::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = crate::workers::spawn(rampart.clone(), metrics.clone(), jobs, stop_rx.clone());
    let auditor = crate::workers::spawn_audit(
        rampart.clone(),
        metrics.clone(),
        Duration::from_secs(cfg.audit_retention),
        stop_rx,
    );
    let state = AppState {
        gateway: Arc::new(Gateway::new(rampart)),
        metrics: metrics.clone(),
        // MySQL's driver waits on the calling thread: its requests run on
        // blocking threads.
        inline: !matches!(cfg.database, crate::config::Database::Mysql(_)),
        test,
    };
    let limits = fit_open_files(cfg.http);
    let tls_cfg = cfg.clone();
    let tls = tokio::task::spawn_blocking(move || crate::tls::Tls::from_config(&tls_cfg)).await??;
    let maintenance = tls
        .clone()
        .map(|t| crate::tls::spawn_maintenance(t, stop_tx.subscribe()));
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(listen = %cfg.listen, scheme, max_connections = limits.max_connections, "rampart is serving RAM (2015-05-01), IMS (2019-08-15), STS (2015-04-01), KMS (2016-01-20) and ActionTrail (2020-07-06)");
    tracing::info!("web console: {scheme}://{}/console/ (log on with the account id and the ConsolePassword of root-credentials.json)", cfg.listen);
    if tls.is_none() && !crate::config::is_loopback(cfg.listen.ip()) {
        tracing::warn!(listen = %cfg.listen, "serving plain HTTP on a non-loopback address (--insecure-http): secrets cross the network in clear");
    }
    let server = Arc::new(Server::new(router(state), metrics, limits, tls));
    server.run(listener, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    if let Some(m) = maintenance {
        let _ = m.await;
    }
    if tokio::time::timeout(Duration::from_secs(30), workers)
        .await
        .is_err()
    {
        tracing::warn!("background workers did not stop within 30 s");
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), auditor).await;
    tracing::info!("stopped");
    Ok(())
}

/// Raises the soft open-file limit to the hard one, and keeps the
/// connection cap below it.
fn fit_open_files(mut limits: HttpLimits) -> HttpLimits {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current < lim.maximum {
        let raised = rustix::process::Rlimit {
            current: lim.maximum,
            maximum: lim.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => lim = raised,
            Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
        }
    }
    if let Some(soft) = lim.current {
        let room = usize::try_from(soft)
            .unwrap_or(usize::MAX)
            .saturating_sub(RESERVED_FILES)
            .max(1);
        if limits.max_connections > room {
            tracing::warn!(
                max_connections = limits.max_connections,
                open_file_limit = soft,
                lowered_to = room,
                "the connection cap is above the open-file limit; lowered"
            );
            limits.max_connections = room;
        }
    }
    limits
}

/// The accept loop and what each connection shares.
pub struct Server {
    app: Router,
    metrics: Arc<Metrics>,
    limits: HttpLimits,
    /// Connections: one permit each.
    connections: Arc<Semaphore>,
    /// Request bodies being read: one permit a KiB.
    bodies: Arc<Semaphore>,
    /// Large answers not yet handed to their connections: one permit a
    /// KiB ([`crate::respond`]).
    responses: Arc<Semaphore>,
    /// HTTPS, when configured.
    tls: Option<Arc<crate::tls::Tls>>,
    /// Connections being shed whose slot is not free yet: counted as free
    /// slots, so that connections noticing the pressure at the same moment
    /// shed only as many as needed.
    shedding: Arc<AtomicUsize>,
}

/// A connection's claim to be shed; released once its slot is free again.
#[derive(Debug)]
pub struct ShedClaim(Arc<AtomicUsize>);

impl Drop for ShedClaim {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why a request body was not read whole.
enum BodyError {
    TooLarge,
    Busy,
    Broken(hyper::Error),
}

impl Server {
    fn new(
        app: Router,
        metrics: Arc<Metrics>,
        limits: HttpLimits,
        tls: Option<Arc<crate::tls::Tls>>,
    ) -> Self {
        Self {
            app,
            metrics,
            limits,
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            bodies: Arc::new(Semaphore::new(MAX_BUFFERED_BODY_BYTES / 1024)),
            responses: crate::respond::budget(),
            tls,
            shedding: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Accepts connections until `stop` completes, then lets open ones
    /// finish their request (at most [`DRAIN_TIMEOUT`]).
    async fn run(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let (close_tx, close_rx) = watch::channel(false);
        tokio::pin!(stop);
        loop {
            let permit = tokio::select! {
                p = self.connections.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut stop => break,
            };
            let (stream, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(c) => c,
                    Err(e) => {
                        accept_error(e).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let server = self.clone();
            let close = close_rx.clone();
            tokio::spawn(async move {
                let shed = server.accept(stream, peer, close).await;
                // The slot is free before the claim is released.
                drop(permit);
                drop(shed);
            });
        }
        drop(listener);
        let _ = close_tx.send(true);
        let all = u32::try_from(self.limits.max_connections).unwrap_or(u32::MAX);
        if tokio::time::timeout(DRAIN_TIMEOUT, self.connections.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}; stopping anyway");
        }
    }

    /// A new connection: the TLS handshake first, when configured, then
    /// [`Self::serve_connection`]. The handshake and the first request head
    /// share the header timeout.
    async fn accept(
        self: Arc<Self>,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        mut close: watch::Receiver<bool>,
    ) -> Option<ShedClaim> {
        let first_head_by = tokio::time::Instant::now() + self.limits.header_timeout;
        let Some(tls) = self.tls.clone() else {
            return self
                .serve_connection(stream, peer, close, Transport::default(), first_head_by)
                .await;
        };
        let handshake = async move {
            let mut first = [0u8; 1];
            let n = stream.peek(&mut first).await?;
            if n == 0 || first[0] != TLS_HANDSHAKE_RECORD {
                if n > 0 && first[0].is_ascii_uppercase() && REFUSALS.admit() {
                    // The client only sees its connection reset: say why here.
                    tracing::info!(%peer, "plain HTTP sent to the HTTPS port; closed without an answer: the client must use https:// (and trust the server's CA)");
                }
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not a TLS handshake (plain HTTP on the TLS port?); closed without an answer",
                ));
            }
            tls.acceptor().accept(stream).await
        };
        let stream = tokio::select! {
            r = tokio::time::timeout_at(first_head_by, handshake) => match r {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return None;
                }
                Err(_) => {
                    tracing::debug!(%peer, "no TLS handshake within the header timeout; closed");
                    return None;
                }
            },
            _ = close.changed() => return None,
        };
        self.serve_connection(
            stream,
            peer,
            close,
            Transport { secure: true },
            first_head_by,
        )
        .await
    }

    /// Serves one connection until the client closes it, a timeout expires
    /// or `close` turns true (then the request in flight finishes first).
    /// Its first request head must arrive by `first_head_by`. Returns the
    /// claim of a connection shed under pressure, to be dropped once its
    /// slot is free.
    pub async fn serve_connection<S>(
        self: Arc<Self>,
        stream: S,
        peer: SocketAddr,
        mut close: watch::Receiver<bool>,
        transport: Transport,
        first_head_by: tokio::time::Instant,
    ) -> Option<ShedClaim>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let started = Arc::new(AtomicBool::new(false));
        let server = self.clone();
        let seen = started.clone();
        let tail = crate::respond::Tail::default();
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            seen.store(true, Ordering::Relaxed);
            let server = server.clone();
            let tail = tail.clone();
            async move { Ok::<_, Infallible>(server.handle(req, peer, transport, &tail).await) }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.idle_timeout)
            .keep_alive(true)
            .max_buf_size(MAX_HEAD_BYTES)
            .max_headers(MAX_HEADERS);
        let io = TokioIo::new(StallGuard::new(stream, self.limits.write_timeout));
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let first_head = tokio::time::sleep_until(first_head_by);
        tokio::pin!(first_head);
        let (mut waiting_first, mut closing) = (true, false);
        let mut claim = None;
        let opened = tokio::time::Instant::now();
        let mut pressure = tokio::time::interval_at(opened + SHED_AGE, SHED_AGE / 2);
        pressure.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(%peer, error = %e, "connection closed");
                    }
                    return claim;
                }
                () = &mut first_head, if waiting_first => {
                    if !started.load(Ordering::Relaxed) {
                        tracing::debug!(%peer, "no request head within the header timeout; closed");
                        return None;
                    }
                    waiting_first = false;
                }
                _ = close.changed(), if !closing => {
                    if !started.load(Ordering::Relaxed) {
                        // No request yet: nothing to finish.
                        return claim;
                    }
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = pressure.tick(), if !closing => {
                    if let Some(c) = self.claim_shed() {
                        if !started.load(Ordering::Relaxed) {
                            tracing::debug!(%peer, "connection slots nearly all taken: a connection without a request head closed");
                            return Some(c);
                        }
                        claim = Some(c);
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
        }
    }

    /// A claim to shed this connection, when fewer than a quarter of the
    /// connection slots are free counting those of connections already
    /// being shed.
    fn claim_shed(&self) -> Option<ShedClaim> {
        let quota = self.limits.max_connections.div_ceil(4);
        let mut shedding = self.shedding.load(Ordering::Acquire);
        loop {
            if self.connections.available_permits() + shedding >= quota {
                return None;
            }
            match self.shedding.compare_exchange(
                shedding,
                shedding + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(ShedClaim(self.shedding.clone())),
                Err(now) => shedding = now,
            }
        }
    }

    /// Routes the request; over TLS, the response carries
    /// `Strict-Transport-Security`.
    async fn handle(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        transport: Transport,
        tail: &crate::respond::Tail,
    ) -> Response {
        // A new request: the client has read the previous answer.
        tail.lock().unwrap_or_else(|e| e.into_inner()).take();
        let started = std::time::Instant::now();
        let resp = self.handle_request(req, peer, transport).await;
        let mut resp = match crate::respond::hold(resp, &self.responses, tail).await {
            Ok(r) => r,
            Err(len) => {
                tracing::info!(%peer, bytes = len, "an answer refused: the answers not yet read by their clients fill the budget");
                self.refuse(
                    started,
                    503,
                    "ServiceUnavailable",
                    "The request has failed due to a temporary failure of the server: too many large answers are waiting for their clients to read them. Retry later.".into(),
                )
            }
        };
        if transport.secure {
            resp.headers_mut().insert(
                axum::http::header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        resp
    }

    /// Reads the body within the bounds, then routes the request.
    async fn handle_request(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        transport: Transport,
    ) -> Response {
        let started = std::time::Instant::now();
        let header_bytes: usize = req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len())
            .sum();
        if header_bytes > MAX_HEADER_BYTES {
            return self.refuse(
                started,
                431,
                "Request.HeadersTooLarge",
                format!(
                    "The request headers are {header_bytes} bytes; at most {MAX_HEADER_BYTES} are accepted."
                ),
            );
        }
        let declared = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return self.refuse(started, 413, "Request.BodyTooLarge", body_too_large());
        }
        let (parts, body) = req.into_parts();
        let read = tokio::time::timeout(self.limits.body_timeout, self.read_body(body)).await;
        let (bytes, permit) = match read {
            Ok(Ok(b)) => b,
            Ok(Err(BodyError::TooLarge)) => {
                return self.refuse(started, 413, "Request.BodyTooLarge", body_too_large())
            }
            Ok(Err(BodyError::Busy)) => {
                return self.refuse(
                    started,
                    503,
                    "ServiceUnavailable",
                    "The request has failed due to a temporary failure of the server: too many request bodies are being received. Retry later.".into(),
                )
            }
            Ok(Err(BodyError::Broken(e))) => {
                tracing::debug!(%peer, error = %e, "request body not received");
                return self.refuse(
                    started,
                    400,
                    "Request.BodyIncomplete",
                    "The request body was not received whole.".into(),
                );
            }
            Err(_) => {
                return self.refuse(
                    started,
                    408,
                    "Request.Timeout",
                    format!(
                        "The request body was not received within {} s.",
                        self.limits.body_timeout.as_secs()
                    ),
                )
            }
        };
        let mut req = Request::from_parts(parts, Body::from(bytes));
        req.extensions_mut().insert(ConnectInfo(peer));
        req.extensions_mut().insert(transport);
        let resp = match self.app.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        drop(permit);
        resp
    }

    /// The body, within [`MAX_BODY_BYTES`] and the shared budget.
    async fn read_body(
        &self,
        mut body: Incoming,
    ) -> Result<(Bytes, Option<OwnedSemaphorePermit>), BodyError> {
        let mut first: Option<Bytes> = None;
        let mut rest: Vec<u8> = Vec::new();
        let mut permit: Option<OwnedSemaphorePermit> = None;
        let mut held: usize = 0;
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(BodyError::Broken)?.into_data() else {
                continue;
            };
            let len = first.as_ref().map_or(0, Bytes::len) + rest.len() + data.len();
            if len > MAX_BODY_BYTES {
                return Err(BodyError::TooLarge);
            }
            let need = len.div_ceil(1024).saturating_sub(held);
            if need > 0 {
                let more = self
                    .bodies
                    .clone()
                    .try_acquire_many_owned(u32::try_from(need).unwrap_or(u32::MAX))
                    .map_err(|_| BodyError::Busy)?;
                held += need;
                match permit.as_mut() {
                    Some(p) => p.merge(more),
                    None => permit = Some(more),
                }
            }
            match first.take() {
                None if rest.is_empty() => first = Some(data),
                None => rest.extend_from_slice(&data),
                Some(f) => {
                    rest.reserve(f.len() + data.len());
                    rest.extend_from_slice(&f);
                    rest.extend_from_slice(&data);
                }
            }
        }
        let bytes = match first {
            Some(f) => f,
            None => Bytes::from(rest),
        };
        Ok((bytes, permit))
    }

    /// An error in Alibaba's envelope, counted but not audited, that closes
    /// the connection (its body may be left unread).
    fn refuse(
        &self,
        started: std::time::Instant,
        status: u16,
        code: &'static str,
        message: String,
    ) -> Response {
        let request_id = new_request_id();
        let e = ApiError::new(status, code, message);
        let out =
            rampart_gateway::encode::error(Format::Json, &request_id, "rampart", "Unknown", &e);
        self.metrics
            .request("Unknown", "-", code, started.elapsed().as_secs_f64());
        if REFUSALS.admit() {
            tracing::info!(code, status, request_id = %request_id, "request refused before decoding");
        }
        let mut r = Response::new(Body::from(out.body));
        *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        let h = r.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(out.content_type),
        );
        h.insert("connection", HeaderValue::from_static("close"));
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            h.insert(X_ACS_REQUEST_ID, v);
        }
        r
    }
}

/// Most log lines a second for requests refused without credentials; the
/// others are counted, and the count is logged before the next line.
pub const MAX_REFUSAL_LOGS_PER_SECOND: u32 = 20;

/// Limits the log lines of refused requests without credentials, so that a
/// flood of them cannot fill the disk through the log.
struct LogLimiter {
    /// The current one-second window: its start, lines logged, lines not.
    window: std::sync::Mutex<(Option<std::time::Instant>, u32, u64)>,
}

static REFUSALS: LogLimiter = LogLimiter {
    window: std::sync::Mutex::new((None, 0, 0)),
};

impl LogLimiter {
    /// Whether to log one more line now.
    fn admit(&self) -> bool {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if w.0
            .is_none_or(|start| now.duration_since(start) >= Duration::from_secs(1))
        {
            if w.2 > 0 {
                tracing::info!(
                    not_logged = w.2,
                    "more requests without credentials were refused than are logged ({MAX_REFUSAL_LOGS_PER_SECOND} a second)"
                );
            }
            *w = (Some(now), 0, 0);
        }
        if w.1 < MAX_REFUSAL_LOGS_PER_SECOND {
            w.1 += 1;
            true
        } else {
            w.2 += 1;
            false
        }
    }
}

fn body_too_large() -> String {
    format!("The request body is larger than {MAX_BODY_BYTES} bytes; at most {MAX_BODY_BYTES} are accepted.")
}

/// A fresh `RequestId`: an upper-case UUID, as the gateway gives.
fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

/// Failing to accept one connection (the peer reset it, the process is out
/// of files) must not stop the server: log, wait a little on resource
/// errors, go on.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    ) {
        return;
    }
    tracing::warn!(error = %e, "accepting a connection failed; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// A byte stream whose writes may not stall longer than a timeout: a client
/// that stops reading its responses cannot hold a connection forever.
struct StallGuard<S> {
    inner: S,
    timeout: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    armed: bool,
}

impl<S> StallGuard<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
        }
    }

    /// After a write made no progress: starts the stall timer, or fails
    /// once it has run out.
    fn stalled(&mut self, cx: &mut Context<'_>) -> std::io::Result<()> {
        if !self.armed {
            self.armed = true;
            let at = tokio::time::Instant::now() + self.timeout;
            self.deadline.as_mut().reset(at);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client has not read its response within the write timeout",
            )),
            Poll::Pending => Ok(()),
        }
    }

    fn progress<T>(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        match r {
            Poll::Pending => match self.stalled(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            ready => {
                self.armed = false;
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for StallGuard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StallGuard<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.progress(cx, r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.progress(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        self.progress(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.progress(cx, r)
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .nest_service("/console", crate::console::router(state.gateway.clone()))
        .route("/_rampart", any(control))
        .route("/_rampart/", any(control))
        .route("/_rampart/{*rest}", any(control))
        .fallback(rpc)
        .with_state(state)
}

/// `/_rampart/…`: test mode's control API, or 404 without test mode.
async fn control(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    crate::testmode::handle(
        state.test.clone(),
        state.gateway.clone(),
        method,
        uri,
        headers,
        body,
        Some(peer.ip().to_string()),
    )
    .await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut r = Response::new(Body::from(state.metrics.render()));
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

/// The header naming the request id of an answer.
const X_ACS_REQUEST_ID: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-acs-request-id");

async fn rpc(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    axum::Extension(transport): axum::Extension<Transport>,
    request: Request<Body>,
) -> Response {
    // The request as it came (its headers not copied, its body read and
    // bounded already by the server).
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, body_too_large()).into_response(),
    };
    let req = RpcRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: Vec::from(body),
        source_ip: Some(peer.ip().to_string()),
        secure: transport.secure,
    };
    let gateway = state.gateway.clone();
    let started = std::time::Instant::now();
    // Inline on this worker where the store answers from memory or waits
    // aside (`rampart_store::blocking`); on a blocking thread otherwise.
    let handled = if state.inline {
        Ok(gateway.handle_deferred(&req))
    } else {
        let g = gateway.clone();
        tokio::task::spawn_blocking(move || g.handle_deferred(&req)).await
    };
    let (resp, outcome) = match handled {
        Ok(Handled::Done(resp, outcome)) => (resp, outcome),
        // An action that changed nothing ran while its nonce was written:
        // its answer waits for the verdict.
        Ok(Handled::Awaiting(unsettled, nonce)) => {
            let verdict = nonce.resolve().await;
            gateway.settle(unsettled, verdict)
        }
        Err(e) => {
            tracing::error!(error = %e, "request handler failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let action = outcome.action.as_deref().unwrap_or("-");
    let code = outcome.error_code.as_deref().unwrap_or("OK");
    state.metrics.request(
        outcome.product.unwrap_or("Unknown"),
        action,
        code,
        started.elapsed().as_secs_f64(),
    );
    // Log what the metrics keep: a known action name, never raw input.
    let action = crate::metrics::known_action(outcome.product, action);
    match resp.status {
        500.. => {
            tracing::warn!(action, code, status = resp.status, request_id = %outcome.request_id, principal = outcome.principal.as_deref().unwrap_or("-"), "request failed")
        }
        400.. if outcome.principal.is_some() || REFUSALS.admit() => {
            tracing::info!(action, code, status = resp.status, request_id = %outcome.request_id, principal = outcome.principal.as_deref().unwrap_or("-"), "request refused")
        }
        400.. => {}
        _ => {
            tracing::debug!(action, status = resp.status, request_id = %outcome.request_id, "request served")
        }
    }
    let mut r = Response::new(Body::from(resp.body));
    *r.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(resp.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&resp.request_id) {
        h.insert(X_ACS_REQUEST_ID, v);
    }
    r
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test]
    async fn a_stalled_write_fails_after_the_write_timeout() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut guarded = StallGuard::new(a, Duration::from_millis(200));
        let started = std::time::Instant::now();
        // Nobody reads: the buffer fills and the write stalls.
        let err = guarded.write_all(&[0u8; 4096]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(200) && took < Duration::from_secs(2),
            "{took:?}"
        );

        // A reader that keeps up resets the timer at every write.
        let (a, mut b2) = tokio::io::duplex(64);
        let reader = tokio::spawn(async move {
            let mut sink = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut b2, &mut sink)
                .await
                .unwrap();
            sink.len()
        });
        let mut guarded = StallGuard::new(a, Duration::from_millis(200));
        guarded.write_all(&[1u8; 100_000]).await.unwrap();
        guarded.shutdown().await.unwrap();
        drop(guarded);
        assert_eq!(reader.await.unwrap(), 100_000);
        b.shutdown().await.unwrap();
    }
}
