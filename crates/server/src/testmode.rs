//! Test mode (`--test-mode`, docs/test-mode.md): the test clock and the
//! control API under `/_rampart/` — the clock, `advance`, `reset`,
//! `snapshot` and `restore`. Without test mode every `/_rampart/` path
//! answers 404.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use rampart_core::{OffsetClock, Principal, Rampart};
use rampart_gateway::{Gateway, RpcRequest};
use rampart_store::{SqliteStore, Store};
use serde_json::{json, Value};

/// The account setting that keeps the test clock's offset (seconds).
pub const CLOCK_SETTING: &str = "rampart:test-clock-offset";

/// The file holding the control API's token, in the data dir (0600).
pub const TOKEN_FILE: &str = "test-token";

/// The snapshot `reset` puts back when a seed was given.
const BASELINE: &str = "#seeded";

/// The longest step the clock takes while `advance` runs due work: due
/// work runs in time order, each at most this late (longer advances take
/// at most [`MAX_STEPS`] steps).
const STEP_SECS: u64 = 3600;
/// Most steps of one `advance`.
const MAX_STEPS: u64 = 1000;
/// Farthest the test clock goes ahead of the wall clock: 100 years (dates
/// past year 9999 cannot be written in answers).
const MAX_OFFSET_SECS: i64 = 100 * 365 * 86_400;

/// The offset saved in the store (0 if none).
pub fn saved_offset(store: &dyn Store) -> anyhow::Result<i64> {
    Ok(store
        .get_setting(CLOCK_SETTING)
        .context("cannot read the test clock's offset")?
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0))
}

/// The state of test mode.
pub struct TestMode {
    rampart: Rampart,
    clock: Arc<OffsetClock>,
    embedded: Option<Arc<SqliteStore>>,
    token: zeroize::Zeroizing<String>,
    seed: Option<crate::seed::Seed>,
    data_dir: PathBuf,
    /// Held by every background pass and every control action, so that
    /// `advance` answers only once the work it made due is done, and a
    /// reset or restore never overlaps a rotation.
    jobs: Arc<Mutex<()>>,
    /// The lease owner of the rotations `advance` runs.
    owner: String,
}

impl TestMode {
    /// Writes a new token to `<data-dir>/test-token` (0600).
    pub fn new(
        rampart: Rampart,
        clock: Arc<OffsetClock>,
        embedded: Option<Arc<SqliteStore>>,
        seed: Option<crate::seed::Seed>,
        data_dir: &Path,
        jobs: Arc<Mutex<()>>,
    ) -> anyhow::Result<Self> {
        let token = zeroize::Zeroizing::new(rampart_crypto::random_alnum(40));
        write_token(&data_dir.join(TOKEN_FILE), &token)?;
        Ok(Self {
            rampart,
            clock,
            embedded,
            token,
            seed,
            data_dir: data_dir.to_path_buf(),
            jobs,
            owner: format!("test-mode-{}", uuid::Uuid::new_v4()),
        })
    }

    /// Keeps the seeded account as the state `reset` goes back to (on a
    /// fresh store, right after seeding).
    pub fn keep_baseline(&self) -> anyhow::Result<()> {
        if let (Some(db), Some(_)) = (&self.embedded, &self.seed) {
            db.snapshot(BASELINE)?;
        }
        Ok(())
    }

    fn clock_view(&self) -> Value {
        let now = self.rampart.now();
        json!({
            "Now": rampart_core::time::format(now),
            "NowUnix": now,
            "OffsetSeconds": self.clock.offset(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn save_offset(&self, offset: i64) -> Result<(), Failure> {
        self.rampart
            .store()
            .put_setting(CLOCK_SETTING, Some(&offset.to_string()), self.rampart.now())
            .map_err(Failure::internal)
    }

    /// Moves the clock by `by` seconds, running the work that falls due on
    /// the way in time order.
    fn advance(&self, by: u64) -> Result<Value, Failure> {
        let _jobs = self.lock();
        let start = self.clock.offset();
        let by_i = i64::try_from(by)
            .map_err(|_| Failure::bad("InvalidParameter.By", "`by` is too large."))?;
        let target = start
            .checked_add(by_i)
            .filter(|t| *t <= MAX_OFFSET_SECS)
            .ok_or_else(|| {
                Failure::bad(
                    "InvalidParameter.By",
                    format!("`by` is too large: the test clock goes at most 100 years ahead (it is {start} s ahead now)."),
                )
            })?;
        self.save_offset(target)?;
        let steps = by.div_ceil(STEP_SECS).clamp(1, MAX_STEPS);
        let step = i64::try_from(by.div_ceil(steps)).unwrap_or(i64::MAX);
        let mut ran = Ran::default();
        let mut at = start;
        let stepped = (|| {
            while at < target {
                at = at.saturating_add(step).min(target);
                self.clock.set_offset(at);
                ran.add(self.run_due()?);
            }
            Ok(())
        })();
        // The clock ends where it was saved, whatever failed on the way.
        self.clock.set_offset(target);
        stepped?;
        let mut out = self.clock_view();
        out["Ran"] = serde_json::to_value(&ran).unwrap_or(Value::Null);
        Ok(out)
    }

    /// Runs the background passes until nothing more is due now.
    fn run_due(&self) -> Result<Ran, Failure> {
        let mut ran = Ran::default();
        // Each pass can make more work due (a rotation's grace period that
        // ends now); a bound keeps a failing job from spinning.
        for _ in 0..50 {
            let (rotated, finished, failed) = self
                .rampart
                .run_due_rotations(&self.owner, 200)
                .map_err(Failure::api)?;
            let (secrets, keys) = self.rampart.purge_due().map_err(Failure::api)?;
            let rotated_keys = self.rampart.rotate_due_keys().map_err(Failure::api)?;
            let pass = Ran {
                rotations: rotated,
                grace_periods_ended: finished,
                failed_rotations: failed,
                deleted_secrets: secrets,
                deleted_keys: keys,
                rotated_keys,
            };
            let done = rotated + finished + secrets + keys + rotated_keys == 0;
            ran.add(pass);
            if done {
                break;
            }
        }
        Ok(ran)
    }

    fn embedded(&self) -> Result<&SqliteStore, Failure> {
        self.embedded.as_deref().ok_or_else(|| {
            Failure::bad(
                "Unsupported.Store",
                "Snapshots and restores need the embedded store (SQLite): this server uses PostgreSQL or MySQL. Start the test server without --database.",
            )
        })
    }

    /// Back to a fresh account (or the seeded one), clock offset 0.
    fn reset(&self) -> Result<Value, Failure> {
        let started = Instant::now();
        let _jobs = self.lock();
        // Events of what came before are written first, not after.
        let _ = self.rampart.flush_audit();
        // On the embedded store, the seeded account kept in memory.
        let restored = match (&self.embedded, &self.seed) {
            (Some(db), Some(_)) => db.restore(BASELINE).map_err(Failure::internal)?,
            _ => false,
        };
        if !restored {
            self.rampart
                .store()
                .reset_account()
                .map_err(Failure::internal)?;
            self.rampart.forget_cached_state();
            self.clock.set_offset(0);
            if let Some(seed) = &self.seed {
                let applied = seed.apply(&self.rampart).map_err(Failure::internal)?;
                crate::seed::write_credentials(&self.data_dir, &applied)
                    .map_err(Failure::internal)?;
                if let Some(db) = &self.embedded {
                    self.save_offset(0)?;
                    db.snapshot(BASELINE).map_err(Failure::internal)?;
                }
            }
        }
        self.rampart.forget_cached_state();
        self.clock.set_offset(0);
        self.save_offset(0)?;
        let mut out = self.clock_view();
        out["Seeded"] = json!(self.seed.is_some());
        out["Milliseconds"] = json!(started.elapsed().as_secs_f64() * 1000.0);
        Ok(out)
    }

    fn snapshot(&self, name: &str) -> Result<Value, Failure> {
        let started = Instant::now();
        check_name(name)?;
        let _jobs = self.lock();
        let db = self.embedded()?;
        db.snapshot(name).map_err(Failure::internal)?;
        Ok(json!({
            "Name": name,
            "OffsetSeconds": self.clock.offset(),
            "Milliseconds": started.elapsed().as_secs_f64() * 1000.0,
        }))
    }

    fn restore(&self, name: &str) -> Result<Value, Failure> {
        let started = Instant::now();
        check_name(name)?;
        let _jobs = self.lock();
        let db = self.embedded()?;
        let _ = self.rampart.flush_audit();
        if !db.restore(name).map_err(Failure::internal)? {
            return Err(Failure {
                status: 404,
                code: "SnapshotNotFound",
                message: format!("There is no snapshot `{name}`: take it first with POST /_rampart/snapshot?name={name} (snapshots are kept in memory until the server stops)."),
            });
        }
        self.rampart.forget_cached_state();
        let offset = saved_offset(self.rampart.store().as_ref()).map_err(Failure::internal)?;
        self.clock.set_offset(offset);
        let mut out = self.clock_view();
        out["Name"] = json!(name);
        out["Milliseconds"] = json!(started.elapsed().as_secs_f64() * 1000.0);
        Ok(out)
    }

    /// Whether the request carries the token or is V3-signed by the root
    /// AccessKey.
    fn authorized(&self, gateway: &Gateway, req: &RpcRequest) -> Result<(), Failure> {
        let given = req
            .header("x-rampart-test-token")
            .or_else(|| {
                req.header("authorization")
                    .and_then(|h| h.strip_prefix("Bearer "))
            })
            .map(str::trim);
        if let Some(t) = given {
            if rampart_crypto::ct_eq(t.as_bytes(), self.token.as_bytes()) {
                return Ok(());
            }
            return Err(Failure::forbidden(
                "The test token is not this server's (see <data-dir>/test-token).",
            ));
        }
        if req
            .header("authorization")
            .is_some_and(|h| h.starts_with("ACS3-"))
        {
            return match rampart_gateway::auth::authenticate_control(gateway.rampart(), req) {
                Ok(Principal::Root { .. }) => Ok(()),
                Ok(_) => Err(Failure::forbidden(
                    "Only the account's root AccessKey may use the control API.",
                )),
                Err(e) => Err(Failure {
                    status: 403,
                    code: "Forbidden.Signature",
                    message: format!("{}: {}", e.code, e.message),
                }),
            };
        }
        Err(Failure::forbidden("The control API needs `Authorization: Bearer <token>` or `X-Rampart-Test-Token: <token>` (the token is in <data-dir>/test-token), or a V3 signature by the root AccessKey."))
    }
}

/// What one `advance` ran.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Ran {
    rotations: usize,
    grace_periods_ended: usize,
    failed_rotations: usize,
    deleted_secrets: usize,
    deleted_keys: usize,
    rotated_keys: usize,
}

impl Ran {
    fn add(&mut self, o: Ran) {
        self.rotations += o.rotations;
        self.grace_periods_ended += o.grace_periods_ended;
        self.failed_rotations += o.failed_rotations;
        self.deleted_secrets += o.deleted_secrets;
        self.deleted_keys += o.deleted_keys;
        self.rotated_keys += o.rotated_keys;
    }
}

fn check_name(name: &str) -> Result<(), Failure> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Failure::bad(
            "InvalidParameter.Name",
            "A snapshot name is 1 to 64 letters, digits, `.`, `_` or `-`.",
        ))
    }
}

fn write_token(path: &Path, token: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = rampart_store::files::open_private(path, rampart_store::files::Open::Write)
        .with_context(|| format!("cannot write the test token to `{}`", path.display()))?;
    f.set_len(0)?;
    f.write_all(token.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(())
}

/// A control request refused or failed.
#[derive(Debug)]
struct Failure {
    status: u16,
    code: &'static str,
    message: String,
}

impl Failure {
    fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            code,
            message: message.into(),
        }
    }

    fn forbidden(message: impl Into<String>) -> Self {
        Self {
            status: 403,
            code: "Forbidden.TestMode",
            message: message.into(),
        }
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %e, "test mode control action failed");
        Self {
            status: 500,
            code: "InternalError",
            message: e.to_string(),
        }
    }

    fn api(e: rampart_core::ApiError) -> Self {
        Self {
            status: e.status,
            code: "InternalError",
            message: format!("{}: {}", e.code, e.message),
        }
    }
}

fn respond(status: u16, body: &Value, request_id: &str) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-acs-request-id", v);
    }
    r
}

fn error(f: &Failure, request_id: &str) -> Response {
    respond(
        f.status,
        &json!({
            "RequestId": request_id,
            "HostId": "rampart",
            "Code": f.code,
            "Message": f.message,
        }),
        request_id,
    )
}

/// One parameter of the query.
fn param(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Answers a request under `/_rampart/`.
pub async fn handle(
    test: Option<Arc<TestMode>>,
    gateway: Arc<Gateway>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: bytes::Bytes,
    peer: Option<String>,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string().to_uppercase();
    let Some(test) = test else {
        return error(
            &Failure {
                status: 404,
                code: "InvalidAction.NotFound",
                message: "Specified api is not found, please check your url and method.".into(),
            },
            &request_id,
        );
    };
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
        source_ip: peer,
        secure: false,
    };
    let path = uri.path().trim_end_matches('/').to_string();
    let t = test.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<Value, Failure> {
        t.authorized(&gateway, &req)?;
        let name = || param(&uri, "name").unwrap_or_else(|| "default".into());
        match (method.as_str(), path.as_str()) {
            ("GET", "/_rampart/clock") => Ok(t.clock_view()),
            ("POST", "/_rampart/clock/advance") => {
                let by = param(&uri, "by").ok_or_else(|| {
                    Failure::bad("MissingParameter.By", "Give `by`, like `?by=90s`, `10m`, `6h` or `7d`.")
                })?;
                let secs = crate::config::parse_duration(&by)
                    .map_err(|e| Failure::bad("InvalidParameter.By", format!("{e:#}")))?;
                if secs == 0 {
                    return Err(Failure::bad(
                        "InvalidParameter.By",
                        "`by` must be at least `1s`: the test clock only moves forward.",
                    ));
                }
                let out = t.advance(secs)?;
                tracing::info!(by = %by, offset = t.clock.offset(), "test clock advanced");
                Ok(out)
            }
            ("POST", "/_rampart/reset") => {
                let out = t.reset()?;
                tracing::info!("test mode: account reset");
                Ok(out)
            }
            ("POST", "/_rampart/snapshot") => t.snapshot(&name()),
            ("POST", "/_rampart/restore") => {
                let out = t.restore(&name())?;
                tracing::info!("test mode: snapshot restored");
                Ok(out)
            }
            (_, "/_rampart/clock" | "/_rampart/clock/advance" | "/_rampart/reset" | "/_rampart/snapshot" | "/_rampart/restore") => Err(Failure {
                status: 405,
                code: "MethodNotAllowed",
                message: "GET /_rampart/clock; POST /_rampart/clock/advance, /_rampart/reset, /_rampart/snapshot and /_rampart/restore.".into(),
            }),
            _ => Err(Failure {
                status: 404,
                code: "InvalidAction.NotFound",
                message: "The control API has GET /_rampart/clock and POST /_rampart/clock/advance?by=, /_rampart/reset, /_rampart/snapshot?name= and /_rampart/restore?name=.".into(),
            }),
        }
    })
    .await;
    match result {
        Ok(Ok(mut v)) => {
            v["RequestId"] = json!(request_id);
            respond(200, &v, &request_id)
        }
        Ok(Err(f)) => error(&f, &request_id),
        Err(e) => error(&Failure::internal(e), &request_id),
    }
}
