//! The web console, served at `/console`.
//!
//! A small single-page UI (HTML, CSS and JavaScript embedded in the binary)
//! over a JSON endpoint: `POST /console/api/<product>/<Action>` runs any API
//! action as the logged-on principal through [`Gateway::handle_as`], so the
//! console has no business logic of its own and is authorized by the same
//! policy engine as the signed API. See `docs/console.md`.

#[cfg(test)]
mod http_tests;
mod session;
mod sso;
#[cfg(test)]
mod sso_tests;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rampart_core::authz::AccessRequest;
use rampart_core::console::{MAX_LOGIN_NAME_LEN, MAX_PASSWORD_LEN};
use rampart_core::ram::UserName;
use rampart_core::{ApiError, Principal};
use rampart_gateway::{Gateway, Params, Product, RpcResponse};
use rampart_policy::Effect;
use serde_json::{json, Value};

use session::{Session, Sessions};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const SETTINGS_JS: &str = include_str!("assets/settings.js");
const APP_CSS: &str = include_str!("assets/app.css");
const KEYS_JS: &str = include_str!("assets/keys.js");

/// The console's state: the gateway and the live sessions.
#[derive(Clone)]
struct Console {
    gateway: Arc<Gateway>,
    sessions: Arc<Sessions>,
}

/// The console's routes (mounted under `/console`).
pub fn router(gateway: Arc<Gateway>) -> Router {
    let state = Console {
        sessions: Arc::new(Sessions::new(gateway.rampart().clone())),
        gateway,
    };
    Router::new()
        .route("/", get(index))
        .route("/login", get(index))
        .route("/assets/app.js", get(app_js))
        .route("/assets/settings.js", get(settings_js))
        .route("/assets/app.css", get(app_css))
        .route("/assets/keys.js", get(keys_js))
        .route("/api/session", get(session_info))
        .route(
            "/api/login",
            post(login).layer(DefaultBodyLimit::max(LOGIN_BODY_MAX)),
        )
        .route("/api/logout", post(logout))
        .route(
            "/saml-role/sso",
            post(sso::saml_role).layer(DefaultBodyLimit::max(sso::SSO_BODY_MAX)),
        )
        .route(
            "/saml-role/choose",
            post(sso::saml_role_choose).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/saml/sso",
            post(sso::saml_user).layer(DefaultBodyLimit::max(sso::SSO_BODY_MAX)),
        )
        .route("/api/simulate", post(simulate))
        .route("/api/{product}/{action}", post(call))
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// The largest logon form accepted: a logon name and a password at their
/// longest, form-encoded, with room to spare.
const LOGIN_BODY_MAX: usize = 4 * (MAX_LOGIN_NAME_LEN + MAX_PASSWORD_LEN) + 256;

/// Whether the request came over Rampart's own TLS: then the cookie is
/// `Secure` and console calls are `acs:SecureTransport`. A TLS proxy in
/// front does not count (its forwarding headers cannot be trusted blindly).
fn over_tls(ext: &Extensions) -> bool {
    crate::http::Transport::of(ext).secure
}

async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

async fn keys_js() -> Response {
    asset("text/javascript; charset=utf-8", KEYS_JS)
}

async fn settings_js() -> Response {
    asset("text/javascript; charset=utf-8", SETTINGS_JS)
}

async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Console.NotFound",
        "There is no such console page or endpoint.",
    )
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        bytes,
    )
        .into_response()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({"Code": code, "Message": message}))
}

fn rpc_response(resp: RpcResponse) -> Response {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, resp.body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(resp.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&resp.request_id) {
        r.headers_mut().insert("x-acs-request-id", v);
    }
    r
}

fn source_ip(ext: &Extensions) -> Option<String> {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn form_get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A POST must come from the console's own pages: a browser's `Origin`
/// (when sent) must name this host, and `Sec-Fetch-Site` (when sent) must
/// not be cross-site. The CSRF token is checked besides, for every POST
/// made within a session.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = header_str(headers, "sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    match header_str(headers, "origin") {
        None => true,
        Some(origin) => {
            let authority = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or_default();
            header_str(headers, "host").is_some_and(|host| host.eq_ignore_ascii_case(authority))
        }
    }
}

/// The session of the request's cookie as stored, not checked again.
async fn stored_session(state: &Console, headers: &HeaderMap) -> Option<(String, Session)> {
    let token = session::token_from_cookie(header_str(headers, "cookie")?)?.to_string();
    let sessions = state.sessions.clone();
    let t = token.clone();
    match tokio::task::spawn_blocking(move || sessions.get(&t)).await {
        Ok(Ok(s)) => s.map(|s| (token, s)),
        Ok(Err(e)) => {
            tracing::warn!(code = %e.code, "could not read a console session");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "console session read failed");
            None
        }
    }
}

/// Ends the session of `token`.
async fn close_session(state: &Console, token: String) {
    let sessions = state.sessions.clone();
    match tokio::task::spawn_blocking(move || sessions.close(&token)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(code = %e.code, "could not end a console session"),
        Err(e) => tracing::error!(error = %e, "ending a console session failed"),
    }
}

/// The session of the request's cookie, if it still stands: the principal's
/// password (or login profile, or the user itself) has not changed since
/// logon. A session that no longer stands is closed.
async fn session_of(state: &Console, headers: &HeaderMap) -> Option<(String, Session)> {
    let (token, s) = stored_session(state, headers).await?;
    let gateway = state.gateway.clone();
    let logon = s.logon.clone();
    let valid =
        tokio::task::spawn_blocking(move || gateway.rampart().console_session_valid(&logon)).await;
    match valid {
        Ok(Ok(true)) => Some((token, s)),
        Ok(Ok(false)) => {
            tracing::info!(principal = %s.logon.principal.arn(), "console session ended: the logon no longer stands");
            close_session(state, token).await;
            None
        }
        Ok(Err(e)) => {
            tracing::warn!(code = %e.code, "could not check a console session");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "console session check failed");
            None
        }
    }
}

fn not_logged_on() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Console.NotLoggedOn",
        "You are not logged on, or your session has ended. Log on again.",
    )
}

fn cross_origin() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Console.CrossOrigin",
        "The request did not come from the console's own pages.",
    )
}

fn csrf_refused() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Console.InvalidCsrfToken",
        "The request's X-CSRF-Token header is missing or does not match the session. Reload the page.",
    )
}

/// The session of a POST, still standing, with its CSRF token checked; or
/// the refusal.
async fn checked_session(
    state: &Console,
    headers: &HeaderMap,
) -> Result<(String, Session), Response> {
    if !same_origin(headers) {
        return Err(cross_origin());
    }
    let Some((token, s)) = session_of(state, headers).await else {
        return Err(not_logged_on());
    };
    let csrf = header_str(headers, "x-csrf-token").unwrap_or_default();
    if !s.csrf_ok(csrf) {
        return Err(csrf_refused());
    }
    Ok((token, s))
}

fn principal_info(p: &Principal) -> Value {
    match p {
        Principal::Root { account_id, .. } => json!({
            "Type": "Account",
            "AccountId": account_id,
            "Arn": p.arn(),
            "DisplayName": format!("{account_id} (account)"),
        }),
        Principal::User {
            account_id,
            user_name,
            ..
        } => json!({
            "Type": "User",
            "AccountId": account_id,
            "UserName": user_name,
            "Arn": p.arn(),
            "DisplayName": format!("{user_name}@{account_id}"),
        }),
        Principal::AssumedRole {
            account_id,
            role_name,
            ..
        } => json!({
            "Type": "AssumedRole",
            "AccountId": account_id,
            "RoleName": role_name,
            "Arn": p.arn(),
            "DisplayName": p.arn(),
        }),
    }
}

/// The server settings the console's forms follow: the rotation periods
/// it offers start at `--min-rotation-interval`, and *Rotate Now* names the
/// grace period of the previous key (both in seconds); database secrets
/// of PolarDB and Redis name the server's region.
fn console_settings(state: &Console) -> Value {
    let settings = state.gateway.rampart().settings();
    json!({
        "MinRotationInterval": settings.min_rotation_interval,
        "RotationGracePeriod": settings.rotation_grace_period,
        "Region": settings.region,
    })
}

async fn session_info(State(state): State<Console>, headers: HeaderMap) -> Response {
    match session_of(&state, &headers).await {
        Some((_, s)) => json_response(
            StatusCode::OK,
            &json!({
                "Principal": principal_info(&s.logon.principal),
                "CsrfToken": s.csrf,
                "MustChangePassword": s.logon.must_change_password,
                "Settings": console_settings(&state),
            }),
        ),
        None => error(
            StatusCode::UNAUTHORIZED,
            "Console.NotLoggedOn",
            "You are not logged on.",
        ),
    }
}

async fn login(
    State(state): State<Console>,
    headers: HeaderMap,
    ext: Extensions,
    body: Bytes,
) -> Response {
    if !same_origin(&headers) {
        return cross_origin();
    }
    // Bounded before anything is decoded (the route's body limit refuses
    // larger bodies before they are read).
    if body.len() > LOGIN_BODY_MAX {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "InvalidLogin",
            "The logon form is too large.",
        );
    }
    let pairs = form(&body);
    let name = form_get(&pairs, "LoginName")
        .unwrap_or_default()
        .to_string();
    let password = form_get(&pairs, "Password").unwrap_or_default().to_string();
    let mfa_code = form_get(&pairs, "MFACode").map(|c| c.chars().take(16).collect::<String>());
    drop(pairs);
    if name.trim().is_empty() || password.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidLogin",
            "Enter the logon name and the password.",
        );
    }
    let ip = source_ip(&ext);
    let gateway = state.gateway.clone();
    let checked = tokio::task::spawn_blocking(move || {
        gateway
            .rampart()
            .console_login_mfa(&name, &password, ip.as_deref(), mfa_code.as_deref())
    })
    .await;
    let logon = match checked {
        Ok(Ok(l)) => l,
        Ok(Err(e)) => return logon_refused(&e),
        Err(e) => {
            tracing::error!(error = %e, "console logon failed");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "An internal error occurred.",
            );
        }
    };
    // A fresh token on every logon (no session fixation); the old one ends.
    if let Some((old, _)) = stored_session(&state, &headers).await {
        close_session(&state, old).await;
    }
    tracing::info!(principal = %logon.principal.arn(), "console logon");
    let info = principal_info(&logon.principal);
    let must_change = logon.must_change_password;
    let max_age = u64::try_from(logon.expires_at - state.gateway.rampart().now()).unwrap_or(0);
    let sessions = state.sessions.clone();
    let (token, s) = match tokio::task::spawn_blocking(move || sessions.open(logon)).await {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => {
            tracing::warn!(code = %e.code, "could not store a console session");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The session could not be stored; try again.",
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "storing a console session failed");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "An internal error occurred.",
            );
        }
    };
    let mut r = json_response(
        StatusCode::OK,
        &json!({
            "Principal": info,
            "CsrfToken": s.csrf,
            "MustChangePassword": must_change,
            "Settings": console_settings(&state),
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(&token, over_tls(&ext), max_age)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

fn logon_refused(e: &ApiError) -> Response {
    tracing::info!(code = %e.code, "console logon refused");
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNAUTHORIZED);
    error(status, &e.code, &e.message)
}

/// Logout needs the session's CSRF token but not a session that still
/// stands: ending one is always allowed.
async fn logout(State(state): State<Console>, headers: HeaderMap, ext: Extensions) -> Response {
    if !same_origin(&headers) {
        return cross_origin();
    }
    let Some((token, s)) = stored_session(&state, &headers).await else {
        return not_logged_on();
    };
    if !s.csrf_ok(header_str(&headers, "x-csrf-token").unwrap_or_default()) {
        return csrf_refused();
    }
    close_session(&state, token).await;
    let mut r = json_response(StatusCode::OK, &json!({"LoggedOut": true}));
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(over_tls(&ext))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

fn product_of(s: &str) -> Option<Product> {
    match s.to_ascii_lowercase().as_str() {
        "ram" => Some(Product::Ram),
        "sts" => Some(Product::Sts),
        "kms" => Some(Product::Kms),
        "actiontrail" => Some(Product::Actiontrail),
        _ => None,
    }
}

fn valid_action(a: &str) -> bool {
    !a.is_empty() && a.len() <= 64 && a.bytes().all(|b| b.is_ascii_alphanumeric())
}

async fn call(
    State(state): State<Console>,
    Path((product, action)): Path<(String, String)>,
    headers: HeaderMap,
    ext: Extensions,
    body: Bytes,
) -> Response {
    let (_, s) = match checked_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(product) = product_of(&product) else {
        return error(
            StatusCode::NOT_FOUND,
            "Console.UnknownProduct",
            "The product must be `ram`, `sts` or `kms`.",
        );
    };
    if !valid_action(&action) {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidAction.NotFound",
            "The action name is not valid.",
        );
    }
    // A password that must be changed (reset required, or expired under a
    // soft expiry) allows nothing else.
    let allowed_before_change = matches!(
        action.as_str(),
        "ChangePassword" | "GetPasswordPolicy" | "GetCallerIdentity"
    );
    if s.logon.must_change_password && !allowed_before_change {
        return error(
            StatusCode::FORBIDDEN,
            "Console.PasswordChangeRequired",
            "Change your password first (ChangePassword); then log on again.",
        );
    }
    let params = Params::from_pairs(form(&body));
    let ip = source_ip(&ext);
    let secure = over_tls(&ext);
    let gateway = state.gateway.clone();
    let principal = s.logon.principal;
    let ran = tokio::task::spawn_blocking(move || {
        gateway.handle_as(&principal, product, &action, &params, ip.as_deref(), secure)
    })
    .await;
    match ran {
        Ok((resp, outcome)) => {
            let action = outcome.action.as_deref().unwrap_or("-");
            let principal = outcome.principal.as_deref().unwrap_or("-");
            if let Some(code) = outcome.error_code.as_deref() {
                tracing::info!(action, code, status = resp.status, request_id = %outcome.request_id, principal, "console request refused");
            } else {
                tracing::debug!(action, request_id = %outcome.request_id, principal, "console request served");
            }
            rpc_response(resp)
        }
        Err(e) => {
            tracing::error!(error = %e, "console request failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "An internal error occurred.",
            )
        }
    }
}

/// A RAM error in the API's envelope, for the console's own endpoints.
fn ram_error(e: &ApiError) -> RpcResponse {
    let request_id = uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase();
    rampart_gateway::encode::error(
        rampart_gateway::Format::Json,
        &request_id,
        "ram.aliyuncs.com",
        Product::Ram.code(),
        e,
    )
}

/// Whether `caller` may read what a simulation of the user or role `name`
/// shows: the decision and the names of the policies behind it, attached to
/// the user (directly or through its groups) or to the role. The same rights
/// the API asks to list them: `ram:ListPoliciesForUser` and
/// `ram:ListGroupsForUser` on the user and `ram:ListPoliciesForGroup` on each
/// of its groups, or `ram:ListPoliciesForRole` on the role.
fn authorize_simulation(
    gateway: &Gateway,
    caller: &Principal,
    kind: &str,
    name: &str,
    ip: Option<&str>,
    secure: bool,
) -> Result<(), ApiError> {
    let rampart = gateway.rampart();
    let arn = |relative: &str| format!("acs:ram:*:{}:{relative}", rampart.account_id());
    let check = |action: &str, resource: &str| {
        rampart.authorize(
            caller,
            &AccessRequest {
                action,
                resource,
                source_ip: ip,
                secure_transport: secure,
                extra: None,
                resource_policy: None,
            },
        )
    };
    if kind == "Role" {
        return check("ram:ListPoliciesForRole", &arn(&format!("role/{name}")));
    }
    let user = arn(&format!("user/{name}"));
    check("ram:ListPoliciesForUser", &user)?;
    check("ram:ListGroupsForUser", &user)?;
    for group in rampart.list_groups_for_user(&UserName::parse(name)?)? {
        check(
            "ram:ListPoliciesForGroup",
            &arn(&format!("group/{}", group.group_name)),
        )?;
    }
    Ok(())
}

/// Reads a user's or role's identity through the API (so the caller needs
/// the right to read it), checks the caller may read its policies, and
/// builds the principal to simulate.
fn simulated_principal(
    gateway: &Gateway,
    caller: &Principal,
    kind: &str,
    name: &str,
    ip: Option<&str>,
    secure: bool,
) -> Result<Principal, RpcResponse> {
    let account_id = gateway.rampart().account_id().to_string();
    let (action, param) = match kind {
        "Role" => ("GetRole", "RoleName"),
        _ => ("GetUser", "UserName"),
    };
    let params = Params::from_pairs([(param.to_string(), name.to_string())]);
    let (resp, _) = gateway.handle_as(caller, Product::Ram, action, &params, ip, secure);
    if resp.status != 200 {
        return Err(resp);
    }
    let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let text = |obj: &str, field: &str| {
        v.get(obj)
            .and_then(|o| o.get(field))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let target = match kind {
        "Role" => Principal::AssumedRole {
            account_id,
            role_id: text("Role", "RoleId"),
            role_name: text("Role", "RoleName"),
            session_name: "policy-simulator".into(),
            access_key_id: String::new(),
            session_policy: None,
            expires_at: i64::MAX,
            mfa_at: None,
        },
        _ => Principal::User {
            account_id,
            user_id: text("User", "UserId"),
            user_name: text("User", "UserName"),
            access_key_id: String::new(),
            mfa_at: None,
        },
    };
    let canonical_name = match &target {
        Principal::AssumedRole { role_name, .. } => role_name.as_str(),
        Principal::User { user_name, .. } => user_name.as_str(),
        Principal::Root { .. } => name,
    };
    authorize_simulation(gateway, caller, kind, canonical_name, ip, secure)
        .map_err(|e| ram_error(&e))?;
    Ok(target)
}

async fn simulate(
    State(state): State<Console>,
    headers: HeaderMap,
    ext: Extensions,
    body: Bytes,
) -> Response {
    let (_, s) = match checked_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let pairs = form(&body);
    let field = |n: &str| form_get(&pairs, n).unwrap_or_default().trim().to_string();
    let kind = field("PrincipalType");
    let name = field("PrincipalName");
    let action = field("Action");
    let resource = field("Resource");
    let sim_ip = field("SourceIp");
    let secure = field("SecureTransport") == "true";
    for (n, v) in [
        ("PrincipalName", &name),
        ("Action", &action),
        ("Resource", &resource),
    ] {
        if v.is_empty() {
            return error(
                StatusCode::BAD_REQUEST,
                "MissingParameter",
                &format!("The parameter \"{n}\" is needed but not provided."),
            );
        }
    }
    if !matches!(kind.as_str(), "User" | "Role") {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The specified parameter \"PrincipalType\" is not valid: write `User` or `Role`.",
        );
    }
    if !action.contains(':') {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The specified parameter \"Action\" is not valid: write `<service>:<Action>`, such as `kms:GetSecretValue`.",
        );
    }
    let gateway = state.gateway.clone();
    let caller_ip = source_ip(&ext);
    let caller_secure = over_tls(&ext);
    let ran = tokio::task::spawn_blocking(move || {
        let target = simulated_principal(
            &gateway,
            &s.logon.principal,
            &kind,
            &name,
            caller_ip.as_deref(),
            caller_secure,
        )?;
        let req = AccessRequest {
            action: &action,
            resource: &resource,
            source_ip: (!sim_ip.is_empty()).then_some(sim_ip.as_str()),
            secure_transport: secure,
            extra: None,
            resource_policy: None,
        };
        let decision = match gateway.rampart().decide(&target, &req) {
            Ok(d) => d,
            Err(e) => {
                return Ok(error(
                    StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                    &e.code,
                    &e.message,
                ))
            }
        };
        let effect = match decision.effect {
            Effect::Allow => "Allow",
            Effect::ExplicitDeny => "ExplicitDeny",
            Effect::ImplicitDeny => "ImplicitDeny",
        };
        let explanation = if decision.effect == Effect::ImplicitDeny && decision.reasons.is_empty()
        {
            format!(
                "implicitly denied: no statement of any policy attached to `{}` (directly or through its groups) allows `{action}` on `{resource}`",
                target.arn()
            )
        } else {
            decision.explain()
        };
        let reasons: Vec<Value> = decision
            .reasons
            .iter()
            .map(|r| {
                json!({
                    "PolicyName": r.policy_name,
                    "PolicyType": r.policy_type,
                    "Version": r.version,
                    "Statement": r.statement,
                    "Sid": r.sid,
                    "Effect": r.effect.as_str(),
                })
            })
            .collect();
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "Principal": target.arn(),
                "Action": action,
                "Resource": resource,
                "Decision": effect,
                "Explanation": explanation,
                "Reasons": reasons,
            }),
        ))
    })
    .await;
    match ran {
        Ok(Ok(r)) => r,
        Ok(Err(resp)) => rpc_response(resp),
        Err(e) => {
            tracing::error!(error = %e, "policy simulation failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "An internal error occurred.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_checks() {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("127.0.0.1:7433"));
        assert!(same_origin(&h));
        h.insert("origin", HeaderValue::from_static("http://127.0.0.1:7433"));
        assert!(same_origin(&h));
        h.insert("origin", HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&h));
        h.remove("origin");
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn action_names_and_products() {
        assert!(valid_action("CreateUser"));
        assert!(!valid_action("Create/User"));
        assert!(!valid_action(""));
        assert_eq!(product_of("KMS"), Some(Product::Kms));
        assert_eq!(product_of("ecs"), None);
    }
}
