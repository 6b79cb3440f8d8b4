//! The HTTP API (docs/api.md, docs/openapi.json): axum routes over the [`Service`]. Every
//! handler's work runs on a blocking thread, so that a failure there (a panic) becomes a 500
//! with a request id, logged, and never a dropped connection.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::state::{IngestError, Service, LIMITS};
use crate::plan::Target;
use crate::store::load::Kind;

mod analytics;
mod entities;
mod segments;

/// What the router shares.
pub struct App {
    pub service: Arc<Service>,
    pub token: String,
    pub public_read: bool,
    /// `POST /v1/clock` is routed (a test clock).
    pub test_clock: bool,
    pub webhooks: Vec<super::webhook::Status>,
    requests: AtomicU64,
    latencies: Mutex<HashMap<String, Histogram>>,
}

impl App {
    #[must_use]
    pub fn new(
        service: Arc<Service>,
        token: String,
        public_read: bool,
        test_clock: bool,
        webhooks: Vec<super::webhook::Status>,
    ) -> App {
        App {
            service,
            token,
            public_read,
            test_clock,
            webhooks,
            requests: AtomicU64::new(0),
            latencies: Mutex::new(HashMap::new()),
        }
    }
}

/// Request latencies of one route, in fixed buckets (seconds).
#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.0,
];

/// The router.
pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/events", post(post_events))
        .route("/v1/profiles", post(post_profiles))
        .route("/v1/accounts", post(post_accounts))
        .route("/v1/segments", get(segments::list_segments))
        .route("/v1/segments/{name}", get(segments::get_segment))
        .route("/v1/segments/{name}/members", get(segments::get_members))
        .route("/v1/segments/{name}/changes", get(segments::get_changes))
        .route("/v1/users/{id}", get(entities::get_user))
        .route(
            "/v1/users/{id}/campaigns",
            get(entities::get_user_campaigns),
        )
        .route("/v1/campaigns", get(analytics::get_campaigns))
        .route("/v1/stats", get(analytics::get_stats))
        .route("/v1/compare", get(analytics::get_compare))
        .route("/v1/segments/{name}/trend", get(analytics::get_trend))
        .route("/v1/trend", get(analytics::get_trends))
        .route("/v1/schema", get(entities::get_schema))
        .route("/v1/accounts/{id}", get(entities::get_account))
        .route("/v1/evaluate", post(post_evaluate))
        .route("/v1/reload", post(post_reload))
        .route("/", get(|| async { super::console::index() }))
        .route(
            "/console/{file}",
            get(|Path(file): Path<String>| async move { super::console::asset(&file) }),
        );
    if app.test_clock {
        router = router.route("/v1/clock", post(post_clock));
    }
    router
        .layer(middleware::from_fn_with_state(Arc::clone(&app), guard))
        .layer(DefaultBodyLimit::max(LIMITS.body_bytes))
        .with_state(app)
}

/// The routes, as `METHOD PATH` (for the test that compares them with the `OpenAPI` file).
pub const ROUTES: &[&str] = &[
    "GET /healthz",
    "GET /metrics",
    "POST /v1/events",
    "POST /v1/profiles",
    "POST /v1/accounts",
    "GET /v1/segments",
    "GET /v1/segments/{name}",
    "GET /v1/segments/{name}/members",
    "GET /v1/segments/{name}/changes",
    "GET /v1/users/{id}",
    "GET /v1/users/{id}/campaigns",
    "GET /v1/campaigns",
    "GET /v1/stats",
    "GET /v1/compare",
    "GET /v1/segments/{name}/trend",
    "GET /v1/trend",
    "GET /v1/schema",
    "GET /v1/accounts/{id}",
    "POST /v1/evaluate",
    "POST /v1/reload",
];

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message.into()}})),
    )
        .into_response()
}

/// A 422 with the diagnostics of what was checked, each as `seg check --format json` prints it.
fn diagnostics(message: &str, list: &[serde_json::Value]) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({
            "error": {"code": "diagnostics", "message": message},
            "diagnostics": list,
        })),
    )
        .into_response()
}

/// Authentication, request ids and latencies, around every route.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = app.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // The console's page and files are open (they hold no data); the API they read is not.
    let open = route == "/healthz"
        || route == "/"
        || route == "/console/{file}"
        || (app.public_read && request.method() == Method::GET);
    let mut response = if open {
        next.run(request).await
    } else {
        match authorized(&app.token, request.headers()) {
            Ok(()) => next.run(request).await,
            Err(response) => response,
        }
    };
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        eprintln!("seg serve: request {id} ({route}) failed with 500");
    }
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    // A browser takes every answer for what its content type says, never for markup.
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = app.latencies.lock().expect("the latencies");
    let histogram = latencies.entry(route).or_default();
    histogram.count += 1;
    histogram.sum += seconds;
    for (bucket, &bound) in histogram.counts.iter_mut().zip(&BUCKETS) {
        if seconds <= bound {
            *bucket += 1;
        }
    }
    response
}

fn authorized(token: &str, headers: &HeaderMap) -> Result<(), Response> {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs `Authorization: Bearer TOKEN`",
        ));
    };
    if bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the token is not the service's",
        ))
    }
}

/// Runs `work` on a blocking thread; a panic there is a 500 with the request id header the
/// guard adds.
async fn blocking(work: impl FnOnce() -> Response + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(response) => response,
        Err(e) => {
            eprintln!("seg serve: a handler failed: {e}");
            internal()
        }
    }
}

/// Runs short work that never waits (a user's figures) on the request's own thread, which
/// saves handing it to another; a panic there is still a 500.
fn quick(work: impl FnOnce() -> Response) -> Response {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        eprintln!("seg serve: a handler failed");
        internal()
    })
}

fn internal() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the request failed inside the service; its x-request-id names it in the log",
    )
}

async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    blocking(move || {
        let service = &app.service;
        let m = &service.metrics;
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter("seg_rows_ingested_total", "Rows accepted and stored.", m.rows_ingested.load(Ordering::Relaxed));
        counter("seg_rows_refused_total", "Rows of refused requests.", m.rows_refused.load(Ordering::Relaxed));
        counter("seg_requests_refused_total", "Ingest requests refused for bad rows.", m.requests_refused.load(Ordering::Relaxed));
        counter("seg_entity_evaluations_total", "Users and accounts re-evaluated after ingest.", m.evaluations.load(Ordering::Relaxed));
        counter("seg_sweeps_total", "Full evaluations (start, sweeps, reloads).", m.sweeps.load(Ordering::Relaxed));
        let (log_bytes, records) = service.log_size();
        let _ = writeln!(out, "# HELP seg_log_bytes Size of the data log.\n# TYPE seg_log_bytes gauge\nseg_log_bytes {log_bytes}");
        let _ = writeln!(out, "# HELP seg_log_records Records in the data log.\n# TYPE seg_log_records gauge\nseg_log_records {records}");
        let _ = writeln!(out, "# HELP seg_changes_log_bytes Size of the change log.\n# TYPE seg_changes_log_bytes gauge\nseg_changes_log_bytes {}", service.changes.bytes());
        let defs = service.definitions();
        let _ = writeln!(out, "# HELP seg_segment_members Members of each segment.\n# TYPE seg_segment_members gauge");
        for (segment, count) in defs.plan.segments.iter().zip(service.counts()) {
            let _ = writeln!(out, "seg_segment_members{{segment=\"{}\"}} {count}", segment.name);
        }
        let _ = writeln!(out, "# HELP seg_webhook_lag Changes not yet delivered to each webhook.\n# TYPE seg_webhook_lag gauge");
        let end = service.changes.end();
        for webhook in &app.webhooks {
            let lag = end.saturating_sub(webhook.position());
            let _ = writeln!(out, "seg_webhook_lag{{webhook=\"{}\"}} {lag}", webhook.name.replace('"', "'"));
        }
        let _ = writeln!(out, "# HELP seg_request_seconds Request latencies by route.\n# TYPE seg_request_seconds histogram");
        let latencies = app.latencies.lock().expect("the latencies").clone();
        let mut routes: Vec<_> = latencies.into_iter().collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        for (route, h) in routes {
            for (bound, count) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(out, "seg_request_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(out, "seg_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "seg_request_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "seg_request_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
    })
    .await
}

/// A request body's rows: NDJSON lines, or the items of a JSON array.
fn body_rows(headers: &HeaderMap, body: &[u8]) -> Result<Vec<String>, Response> {
    let bad_json = |message: String| error(StatusCode::BAD_REQUEST, "bad_json", message);
    let text = std::str::from_utf8(body).map_err(|_| bad_json("the body is not UTF-8".into()))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let rows: Vec<String> = if content_type.starts_with("application/json") {
        let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text)
            .map_err(|e| bad_json(format!("the body is not a JSON array of rows: {e}")))?;
        items.into_iter().map(|r| r.get().to_string()).collect()
    } else if content_type.is_empty() || content_type.starts_with("application/x-ndjson") {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    } else {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send rows as application/x-ndjson (one JSON object a line) or application/json (an array)",
        ));
    };
    if rows.len() > LIMITS.rows {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_rows",
            format!(
                "{} rows, over the limit of {} a request",
                rows.len(),
                LIMITS.rows
            ),
        ));
    }
    Ok(rows)
}

async fn ingest(app: Arc<App>, kind: Kind, headers: HeaderMap, body: Bytes) -> Response {
    blocking(move || {
        let rows = match body_rows(&headers, &body) {
            Ok(rows) => rows,
            Err(response) => return response,
        };
        let borrowed: Vec<&str> = rows.iter().map(String::as_str).collect();
        match app.service.ingest(kind, &borrowed) {
            Ok(ingested) => (StatusCode::OK, axum::Json(ingested)).into_response(),
            Err(IngestError::BadRows(bad)) => {
                let rows: Vec<_> = bad
                    .into_iter()
                    .map(|(index, reason)| json!({"index": index, "reason": reason}))
                    .collect();
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    axum::Json(json!({
                        "error": {"code": "bad_rows", "message": "the request has bad rows; nothing of it was stored"},
                        "rows": rows,
                    })),
                )
                    .into_response()
            }
            Err(IngestError::Log(e)) => {
                eprintln!("seg serve: error: the data log: {e}");
                error(StatusCode::SERVICE_UNAVAILABLE, "log", "the data log cannot be written; nothing was stored")
            }
        }
    })
    .await
}

async fn post_events(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    ingest(app, Kind::Events, headers, body).await
}

async fn post_profiles(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    ingest(app, Kind::Profiles, headers, body).await
}

async fn post_accounts(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    ingest(app, Kind::Accounts, headers, body).await
}

/// How long a read waits for the evaluation of what was received before it.
const SETTLE: Duration = Duration::from_secs(10);

fn kind_word(target: Target) -> &'static str {
    match target {
        Target::User => "user",
        Target::Account => "account",
    }
}

/// A segment name from a path: its index, or the 400 or 404.
fn segment_named(app: &App, name: &str) -> Result<usize, Response> {
    let valid = !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !valid {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "bad_segment_name",
            "a segment name is letters, digits and `_`",
        ));
    }
    app.service.definitions().segment(name).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "unknown_segment",
            format!("no segment is named `{name}`"),
        )
    })
}

/// A 400 for an id no user can have.
fn bad_user_id(id: &str) -> Option<Response> {
    (id.is_empty() || id.len() > LIMITS.text.id_bytes || id.chars().any(char::is_control)).then(
        || {
            error(
                StatusCode::BAD_REQUEST,
                "bad_user_id",
                format!(
                    "a user id is 1 to {} bytes without control characters",
                    LIMITS.text.id_bytes
                ),
            )
        },
    )
}

#[derive(Deserialize)]
struct EvaluateBody {
    expression: String,
    #[serde(default)]
    sample: Option<usize>,
}

async fn post_evaluate(State(app): State<Arc<App>>, body: Bytes) -> Response {
    blocking(move || {
        let request: EvaluateBody = match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_json",
                    format!("expected {{\"expression\": \"...\"}}: {e}"),
                )
            }
        };
        let limit = super::evaluate::MAX_EXPRESSION_BYTES;
        if request.expression.len() > limit {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "expression_too_long",
                format!(
                    "the expression is {} bytes long, over the limit of {limit}",
                    request.expression.len()
                ),
            );
        }
        let sample = request.sample.unwrap_or(20).min(1000);
        match super::evaluate::evaluate(&app.service, &request.expression, sample) {
            Ok(result) => axum::Json(result).into_response(),
            Err(super::defs::Refused::Diagnostics(list)) => {
                diagnostics("the expression has errors", &list)
            }
            Err(super::defs::Refused::Unreadable(message)) => {
                error(StatusCode::INTERNAL_SERVER_ERROR, "unreadable", message)
            }
        }
    })
    .await
}

async fn post_reload(State(app): State<Arc<App>>) -> Response {
    blocking(move || match app.service.reload() {
        Ok(reloaded) => axum::Json(reloaded).into_response(),
        Err(super::defs::Refused::Diagnostics(list)) => diagnostics(
            "the segment files have errors; the running definitions keep serving",
            &list,
        ),
        Err(super::defs::Refused::Unreadable(message)) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "unreadable", message)
        }
    })
    .await
}

#[derive(Deserialize)]
struct ClockBody {
    now: String,
}

async fn post_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    blocking(move || {
        let request: ClockBody = match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return error(StatusCode::BAD_REQUEST, "bad_json", e.to_string()),
        };
        let now = match crate::time::parse_timestamp(&request.now) {
            Ok(now) => now,
            Err(e) => return error(StatusCode::BAD_REQUEST, "bad_time", e.to_string()),
        };
        app.service.settle(SETTLE);
        match app.service.set_clock(now) {
            Some(changes) => {
                axum::Json(json!({"now": crate::time::format_timestamp(now), "changes": changes}))
                    .into_response()
            }
            None => error(
                StatusCode::NOT_FOUND,
                "no_test_clock",
                "the clock is the system's",
            ),
        }
    })
    .await
}
