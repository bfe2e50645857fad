//! The HTTP server: `/healthz` and the RPC gateway on every other path.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rampart_gateway::{Gateway, RpcRequest};

use crate::config::Config;

#[derive(Clone)]
struct AppState {
    gateway: Arc<Gateway>,
    metrics: Arc<crate::metrics::Metrics>,
    /// The embedded store answers in microseconds: handle requests on the
    /// async worker instead of handing them to the blocking pool. A network
    /// database (PostgreSQL) goes through the blocking pool.
    inline: bool,
}

/// Runs the server until SIGINT/SIGTERM, then drains in-flight requests.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    let setup_cfg = cfg.clone();
    let (rampart, _fresh) =
        tokio::task::spawn_blocking(move || crate::setup::open(&setup_cfg)).await??;
    if _fresh.is_none() {
        tracing::info!(
            path = %cfg.data_dir.join(crate::setup::CREDENTIALS_FILE).display(),
            account_id = rampart.account_id(),
            "opened existing account; root credentials are in the credentials file"
        );
    }
    if let Some(path) = &cfg.audit_log {
        let sink: Box<dyn std::io::Write + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        anyhow::anyhow!("cannot open audit log `{}`: {e}", path.display())
                    })?,
            )
        };
        rampart.set_audit_lines(sink);
    }
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = crate::workers::spawn(rampart.clone(), metrics.clone(), stop_rx.clone());
    let auditor = crate::workers::spawn_audit(rampart.clone(), metrics.clone(), stop_rx);
    let state = AppState {
        gateway: Arc::new(Gateway::new(rampart)),
        metrics,
        inline: matches!(cfg.database, crate::config::Database::Sqlite(_)),
    };
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    tracing::info!(listen = %cfg.listen, "rampart is serving RAM (2015-05-01), STS (2015-04-01) and KMS (2016-01-20)");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let _ = stop_tx.send(true);
    if tokio::time::timeout(std::time::Duration::from_secs(30), workers)
        .await
        .is_err()
    {
        tracing::warn!("background workers did not stop within 30 s");
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), auditor).await;
    tracing::info!("stopped");
    Ok(())
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .nest_service("/console", crate::console::router(state.gateway.clone()))
        .fallback(rpc)
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut r = Response::new(axum::body::Body::from(state.metrics.render()));
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

async fn rpc(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = RpcRequest {
        method: method.as_str().to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        source_ip: Some(peer.ip().to_string()),
        secure: false,
    };
    let gateway = state.gateway.clone();
    let started = std::time::Instant::now();
    let handled = if state.inline {
        Ok(gateway.handle(&req))
    } else {
        tokio::task::spawn_blocking(move || gateway.handle(&req)).await
    };
    let (resp, outcome) = match handled {
        Ok(r) => r,
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
    match resp.status {
        500.. => {
            tracing::warn!(action, code, status = resp.status, request_id = %outcome.request_id, principal = outcome.principal.as_deref().unwrap_or("-"), "request failed")
        }
        400.. => {
            tracing::info!(action, code, status = resp.status, request_id = %outcome.request_id, principal = outcome.principal.as_deref().unwrap_or("-"), "request refused")
        }
        _ => {
            tracing::debug!(action, status = resp.status, request_id = %outcome.request_id, "request served")
        }
    }
    let mut r = Response::new(axum::body::Body::from(resp.body));
    *r.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static(resp.content_type));
    if let Ok(v) = HeaderValue::from_str(&resp.request_id) {
        h.insert("x-acs-request-id", v);
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
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}
