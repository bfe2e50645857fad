//! The console's SAML assertion consumer services: role-based SSO
//! (`/console/saml-role/sso`, then `/console/saml-role/choose` when the
//! response lists several roles) and user-based SSO (`/console/saml/sso`).
//!
//! An IdP posts the `SAMLResponse` from its own site (a cross-site POST),
//! so these endpoints take no session, cookie or CSRF token: the response
//! itself is the proof (verified, accepted once; `rampart_core::sso`). The
//! answer sets the session cookie and leads to the console with a page of
//! its own (a `SameSite=Strict` cookie would not be sent on a redirect
//! that began on the IdP's site). `RelayState` is never followed.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rampart_core::console::ConsoleLogon;
use rampart_core::ApiError;

use super::{form, form_get, header_str, over_tls, session, Console};

/// The largest SAML form accepted (a 100,000-character response, encoded).
pub(super) const SSO_BODY_MAX: usize = 160 * 1024;

/// Text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · Rampart</title>\
         <link rel=\"stylesheet\" href=\"/console/assets/app.css\"></head><body><main class=\"sso\">\
         <h1>{t}</h1>{body}</main></body></html>",
        t = esc(title)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
        html,
    )
        .into_response()
}

fn refused(e: &ApiError) -> Response {
    tracing::info!(code = %e.code, "console single sign-on refused");
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNAUTHORIZED);
    page(
        status,
        "Single sign-on refused",
        &format!(
            "<p role=\"alert\"><strong>{}</strong>: {}</p><p><a href=\"/console/login\">Log on with a password</a></p>",
            esc(&e.code),
            esc(&e.message)
        ),
    )
}

/// The URLs an IdP may name as this ACS's recipient: Alibaba Cloud's
/// sign-in sites (as IdPs set up for Alibaba Cloud send them) and this
/// console's own.
fn acs_urls(
    headers: &HeaderMap,
    ext: &Extensions,
    path: &str,
    real: [&'static str; 2],
) -> Vec<String> {
    let scheme = if over_tls(ext) { "https" } else { "http" };
    let mut out: Vec<String> = real.iter().map(|s| s.to_string()).collect();
    if let Some(host) = header_str(headers, "host").filter(|h| h.len() <= 255) {
        out.push(format!("{scheme}://{host}{path}"));
    }
    out
}

/// Opens the session of a logon and leads to the console.
async fn signed_on(state: &Console, ext: &Extensions, logon: ConsoleLogon) -> Response {
    tracing::info!(principal = %logon.principal.arn(), "console logon by single sign-on");
    let max_age = u64::try_from(logon.expires_at - state.gateway.rampart().now()).unwrap_or(0);
    let sessions = state.sessions.clone();
    let opened = tokio::task::spawn_blocking(move || sessions.open(logon)).await;
    let token = match opened {
        Ok(Ok((token, _))) => token,
        _ => {
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Single sign-on failed",
                "<p role=\"alert\">The session could not be stored; sign on again.</p>",
            )
        }
    };
    let mut r = page(
        StatusCode::OK,
        "Signed on",
        "<p>You are signed on. <a id=\"continue\" href=\"/console/\">Continue to the console</a>.</p>",
    );
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(&token, over_tls(ext), max_age)) {
        h.insert(header::SET_COOKIE, v);
    }
    // Same-site from here on: the session cookie goes with this navigation.
    h.insert(
        header::REFRESH,
        HeaderValue::from_static("0; url=/console/"),
    );
    r
}

/// `POST /console/saml-role/sso`: role-based SSO.
pub(super) async fn saml_role(
    State(state): State<Console>,
    headers: HeaderMap,
    ext: Extensions,
    body: Bytes,
) -> Response {
    let pairs = form(&body);
    let response = form_get(&pairs, "SAMLResponse")
        .unwrap_or_default()
        .to_string();
    drop(pairs);
    let urls = acs_urls(
        &headers,
        &ext,
        "/console/saml-role/sso",
        rampart_core::federation::SAML_ROLE_RECIPIENTS,
    );
    let gateway = state.gateway.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        let r = gateway.rampart();
        let roles = r.console_role_sso(&response, &urls)?;
        if let [only] = roles.roles.as_slice() {
            return Ok(Err(r.console_role_logon(
                only,
                &roles.session_name,
                roles.duration,
            )));
        }
        let token = r.seal_role_choice(&roles)?;
        Ok::<_, ApiError>(Ok((roles, token)))
    })
    .await;
    match checked {
        Ok(Ok(Err(logon))) => signed_on(&state, &ext, logon).await,
        Ok(Ok(Ok((roles, token)))) => {
            let options: String = roles
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    format!(
                        "<p><label><input type=\"radio\" name=\"RoleId\" value=\"{id}\"{checked} required> {name}</label></p>",
                        id = esc(&r.role_id),
                        name = esc(&r.role_name),
                        checked = if i == 0 { " checked" } else { "" }
                    )
                })
                .collect();
            page(
                StatusCode::OK,
                "Choose a role",
                &format!(
                    "<p>Signed on as <strong>{who}</strong> through <code>{provider}</code>. Act as:</p>\
                     <form method=\"post\" action=\"/console/saml-role/choose\">\
                     <fieldset><legend>Role</legend>{options}</fieldset>\
                     <input type=\"hidden\" name=\"Choice\" value=\"{token}\">\
                     <p><button type=\"submit\">Sign on</button></p></form>",
                    who = esc(&roles.subject),
                    provider = esc(&roles.provider_arn),
                    token = esc(&token)
                ),
            )
        }
        Ok(Err(e)) => refused(&e),
        Err(e) => {
            tracing::error!(error = %e, "console single sign-on failed");
            refused(&ApiError::internal("single sign-on failed"))
        }
    }
}

/// `POST /console/saml-role/choose`: the role chosen on the choice page.
pub(super) async fn saml_role_choose(
    State(state): State<Console>,
    ext: Extensions,
    body: Bytes,
) -> Response {
    let pairs = form(&body);
    let choice = form_get(&pairs, "Choice").unwrap_or_default().to_string();
    let role_id = form_get(&pairs, "RoleId").unwrap_or_default().to_string();
    drop(pairs);
    let gateway = state.gateway.clone();
    let logon =
        tokio::task::spawn_blocking(move || gateway.rampart().open_role_choice(&choice, &role_id))
            .await;
    match logon {
        Ok(Ok(logon)) => signed_on(&state, &ext, logon).await,
        Ok(Err(e)) => refused(&e),
        Err(_) => refused(&ApiError::internal("single sign-on failed")),
    }
}

/// `POST /console/saml/sso`: user-based SSO.
pub(super) async fn saml_user(
    State(state): State<Console>,
    headers: HeaderMap,
    ext: Extensions,
    body: Bytes,
) -> Response {
    let pairs = form(&body);
    let response = form_get(&pairs, "SAMLResponse")
        .unwrap_or_default()
        .to_string();
    drop(pairs);
    let urls = acs_urls(
        &headers,
        &ext,
        "/console/saml/sso",
        [
            "https://signin.aliyun.com/saml/SSO",
            "https://signin.alibabacloud.com/saml/SSO",
        ],
    );
    let gateway = state.gateway.clone();
    let logon = tokio::task::spawn_blocking(move || {
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        gateway.rampart().console_user_sso(&response, &urls)
    })
    .await;
    match logon {
        Ok(Ok(logon)) => signed_on(&state, &ext, logon).await,
        Ok(Err(e)) => refused(&e),
        Err(_) => refused(&ApiError::internal("single sign-on failed")),
    }
}
