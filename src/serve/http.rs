//! The HTTP API (docs/api.md, docs/openapi.yaml): axum routes over the [`Service`]. Every
//! handler's work runs on a blocking thread, so that a failure there (a panic) becomes a 500
//! with a request id, logged, and never a dropped connection.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::state::{IngestError, Service, LIMITS};
use crate::interp::Interpreter;
use crate::plan::{SegmentId, Target};
use crate::store::load::Kind;

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
        .route("/v1/segments", get(list_segments))
        .route("/v1/segments/{name}", get(get_segment))
        .route("/v1/segments/{name}/members", get(get_members))
        .route("/v1/segments/{name}/changes", get(get_changes))
        .route("/v1/users/{id}", get(get_user))
        .route("/v1/users/{id}/campaigns", get(get_user_campaigns))
        .route("/v1/campaigns", get(get_campaigns))
        .route("/v1/stats", get(get_stats))
        .route("/v1/compare", get(get_compare))
        .route("/v1/segments/{name}/trend", get(get_trend))
        .route("/v1/trend", get(get_trends))
        .route("/v1/schema", get(get_schema))
        .route("/v1/accounts/{id}", get(get_account))
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

async fn list_segments(State(app): State<Arc<App>>) -> Response {
    blocking(move || {
        app.service.settle(SETTLE);
        let defs = app.service.definitions();
        let counts = app.service.counts();
        let list: Vec<_> = defs
            .plan
            .segments
            .iter()
            .zip(counts)
            .map(|(s, count)| {
                json!({"name": s.name, "description": s.description, "kind": kind_word(s.target), "members": count})
            })
            .collect();
        axum::Json(json!({"segments": list})).into_response()
    })
    .await
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

async fn get_segment(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    blocking(move || {
        let s = match segment_named(&app, &name) {
            Ok(s) => s,
            Err(response) => return response,
        };
        app.service.settle(SETTLE);
        let defs = app.service.definitions();
        let segment = &defs.plan.segments[s];
        let (file, source) = defs.source(s);
        let count = app.service.counts()[s];
        axum::Json(json!({
            "name": segment.name,
            "description": segment.description,
            "kind": kind_word(segment.target),
            "members": count,
            "file": file,
            "source": source,
        }))
        .into_response()
    })
    .await
}

#[derive(Deserialize)]
struct PageQuery {
    format: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    /// Members only: profile (or account) attributes to give with each member, by commas.
    attributes: Option<String>,
    /// Changes only: the last changes (up to `limit`) instead of those from a cursor.
    latest: Option<bool>,
}

/// The largest page.
const MAX_PAGE: usize = 100_000;

fn page_limit(limit: Option<&str>) -> Result<usize, Response> {
    match limit {
        None => Ok(1000),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(error(
                StatusCode::BAD_REQUEST,
                "bad_limit",
                format!("`limit` is a number from 1 to {MAX_PAGE}"),
            )),
        },
    }
}

fn unhex(text: &str) -> Option<String> {
    if !text.len().is_multiple_of(2) || text.len() > 2 * LIMITS.text.id_bytes {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

async fn get_members(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    blocking(move || {
        let s = match segment_named(&app, &name) {
            Ok(s) => s,
            Err(response) => return response,
        };
        let limit = match page_limit(query.limit.as_deref()) {
            Ok(n) => n,
            Err(response) => return response,
        };
        let after = match query.cursor.as_deref().map(unhex) {
            None => None,
            Some(Some(id)) => Some(id),
            Some(None) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_cursor",
                    "the cursor is not one this service gave",
                )
            }
        };
        let csv = match query.format.as_deref() {
            None | Some("json") => false,
            Some("csv") => true,
            Some(other) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_format",
                    format!("format `{other}`: use json or csv"),
                )
            }
        };
        let defs = app.service.definitions();
        let accounts = !defs.is_user(s);
        let fields = if accounts {
            &defs.plan.schema.account
        } else {
            &defs.plan.schema.profile
        };
        let mut wanted = Vec::new();
        for attribute in query.attributes.iter().flat_map(|a| a.split(',')) {
            match fields.iter().position(|f| f.name == attribute) {
                Some(i) => wanted.push(i),
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "unknown_attribute",
                        format!(
                            "the schema declares no {} attribute `{attribute}`",
                            if accounts { "account" } else { "profile" }
                        ),
                    )
                }
            }
        }
        app.service.settle(SETTLE);
        let (members, more) = app.service.members(s, after.as_deref(), limit);
        let next = if more {
            members.last().map(|id| super::hex(id.as_bytes()))
        } else {
            None
        };
        let attributes: Vec<serde_json::Map<String, serde_json::Value>> = if wanted.is_empty() {
            Vec::new()
        } else {
            let (store, now) = app.service.attribute_store(&members, accounts);
            let (table, index) = if accounts {
                (&store.account_rows, &store.accounts)
            } else {
                (&store.profiles, &store.users)
            };
            members
                .iter()
                .map(|id| {
                    index.get(id).map_or_else(serde_json::Map::new, |entity| {
                        attribute_values(fields, &wanted, table, entity, &store.strings, now)
                    })
                })
                .collect()
        };
        if csv {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let mut header = vec!["segment"];
            header.extend(wanted.iter().map(|&i| fields[i].name.as_str()));
            header.push("user_id");
            let _ = writer.write_record(&header);
            for (row, id) in members.iter().enumerate() {
                let mut record = vec![name.clone()];
                for &i in &wanted {
                    record.push(match attributes[row].get(&fields[i].name) {
                        None => String::new(),
                        Some(serde_json::Value::String(text)) => text.clone(),
                        Some(other) => other.to_string(),
                    });
                }
                record.push(id.clone());
                let _ = writer.write_record(&record);
            }
            let body = writer.into_inner().unwrap_or_default();
            let mut response = ([(header::CONTENT_TYPE, "text/csv")], body).into_response();
            if let Some(next) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
                response.headers_mut().insert("x-next-cursor", next);
            }
            response
        } else if wanted.is_empty() {
            axum::Json(json!({"segment": name, "members": members, "next_cursor": next}))
                .into_response()
        } else {
            axum::Json(json!({"segment": name, "members": members, "attributes": attributes, "next_cursor": next}))
                .into_response()
        }
    })
    .await
}

async fn get_changes(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    blocking(move || {
        if let Err(response) = segment_named(&app, &name) {
            return response;
        }
        let limit = match page_limit(query.limit.as_deref()) {
            Ok(n) => n,
            Err(response) => return response,
        };
        app.service.settle(SETTLE);
        let end = app.service.changes.end();
        let from = match query.cursor.as_deref().map(str::parse::<u64>) {
            None => 0,
            Some(Ok(n)) if n <= end => n,
            Some(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_cursor",
                    "the cursor is not one this service gave",
                )
            }
        };
        let read = if query.latest == Some(true) {
            app.service.changes.latest(&name, limit)
        } else {
            app.service.changes.page(&name, from, limit)
        };
        let (page, next) = match read {
            Ok(page) => page,
            Err(e) => {
                eprintln!("seg serve: error: the change log: {e}");
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "change_log",
                    "the change log cannot be read",
                );
            }
        };
        let changes: Vec<_> = page
            .into_iter()
            .map(|l| {
                json!({
                    "cursor": l.seq.to_string(),
                    "id": l.change.id,
                    "change": if l.change.entered { "enter" } else { "leave" },
                    "at": crate::time::format_timestamp(l.change.at),
                })
            })
            .collect();
        axum::Json(json!({"segment": name, "changes": changes, "next_cursor": next.to_string()}))
            .into_response()
    })
    .await
}

#[derive(Deserialize)]
struct UserQuery {
    explain: Option<String>,
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

/// The campaigns a visitor qualifies for now, in priority order (a visitor the service has
/// never seen is a user without events): those to show, and those it is held out of.
async fn get_user_campaigns(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    quick(move || {
        if let Some(refused) = bad_user_id(&id) {
            return refused;
        }
        let (store, now) = app.service.visitor_store(&id);
        let defs = app.service.definitions();
        let (plan, clauses) = &defs.campaigns;
        let members = Interpreter::with_regexes(plan, &store, now, &defs.regexes)
            .run()
            .members;
        let (show, held) = crate::analytics::campaigns::decide(&defs.plan, clauses, &id, |s| {
            members[s].first() == Some(&true)
        });
        let show: Vec<_> = show
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "description": c.description,
                    "priority": c.priority,
                })
            })
            .collect();
        let held: Vec<&str> = held.iter().map(|c| c.name.as_str()).collect();
        axum::Json(json!({
            "user_id": id,
            "as_of": crate::time::format_timestamp(now),
            "campaigns": show,
            "held_out": held,
        }))
        .into_response()
    })
}

/// The attributes `wanted` (indexes into `fields`) of an entity of `table` in force at `now`,
/// by name; those without a value are left out.
fn attribute_values(
    fields: &[crate::schema::Field],
    wanted: &[usize],
    table: &crate::store::Table,
    entity: u32,
    strings: &crate::store::Dictionary,
    now: i64,
) -> serde_json::Map<String, serde_json::Value> {
    let mut values = serde_json::Map::new();
    for &i in wanted {
        if let Some(row) = crate::store::Store::attribute_row(table, entity, i, now) {
            let value = super::rows::value(&table.columns[i], row, strings);
            values.insert(fields[i].name.clone(), value.json());
        }
    }
    values
}

/// An account: its attributes as of now, the users whose account it is now, the account
/// segments it is in; with `explain=SEGMENT` the explanation of an account segment.
async fn get_account(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<UserQuery>,
) -> Response {
    blocking(move || {
        if let Some(refused) = bad_user_id(&id) {
            return refused;
        }
        let explain = match query.explain.as_deref() {
            None => None,
            Some(name) => match segment_named(&app, name) {
                Ok(s) => Some(s),
                Err(response) => return response,
            },
        };
        let Some((store, now)) = app.service.account_store(&id) else {
            return error(
                StatusCode::NOT_FOUND,
                "unknown_account",
                format!("no account has the id `{id}`"),
            );
        };
        let defs = app.service.definitions();
        let schema = &defs.plan.schema;
        let account = store
            .accounts
            .get(&id)
            .expect("the account is in its store");
        let every: Vec<usize> = (0..schema.account.len()).collect();
        let attributes = attribute_values(
            &schema.account,
            &every,
            &store.account_rows,
            account,
            &store.strings,
            now,
        );
        let mut users: Vec<&str> = (0u32..)
            .zip(&store.users.ids)
            .filter(|(user, _)| store.account_of(*user, now) == Some(account))
            .map(|(_, id)| &**id)
            .collect();
        users.sort_unstable();
        let (cut, _) = &defs.accounts_only;
        let members = Interpreter::with_regexes(cut, &store, now, &defs.regexes)
            .run()
            .members;
        let segments: Vec<&str> = cut
            .segments
            .iter()
            .enumerate()
            .filter(|(s, segment)| {
                segment.target == Target::Account
                    && members[*s].get(account as usize) == Some(&true)
            })
            .map(|(_, segment)| segment.name.as_str())
            .collect();
        let mut body = json!({
            "id": id,
            "as_of": crate::time::format_timestamp(now),
            "attributes": attributes,
            "users": users,
            "segments": segments,
        });
        if let Some(s) = explain {
            let explainer = crate::explain::Explainer::new(&defs.plan, &store, &defs.sources, now);
            let wanted = [SegmentId(
                u32::try_from(s).expect("fewer than 2^32 segments"),
            )];
            match explainer.report(&id, Some(&wanted)) {
                Ok(report) => {
                    body["explain"] = serde_json::to_value(report).expect("explanations serialize");
                }
                Err(e) => return error(StatusCode::BAD_REQUEST, "cannot_explain", e.to_string()),
            }
        }
        axum::Json(body).into_response()
    })
    .await
}

/// The schema the service runs: each event type with its properties, the profile and
/// account attributes, the verbs; types by their names in schema.toml.
async fn get_schema(State(app): State<Arc<App>>) -> Response {
    quick(move || {
        let defs = app.service.definitions();
        let schema = &defs.plan.schema;
        let fields = |list: &[crate::schema::Field]| -> Vec<serde_json::Value> {
            list.iter()
                .map(|f| json!({"name": f.name, "type": f.ty.name()}))
                .collect()
        };
        let events: Vec<_> = schema
            .events
            .iter()
            .map(|e| json!({"name": e.name, "properties": fields(&e.properties)}))
            .collect();
        let verbs: Vec<_> = schema
            .verbs
            .iter()
            .map(|v| {
                let event = &schema.events[v.event.0 as usize];
                json!({"name": v.name, "event": event.name, "key": event.properties[v.key].name})
            })
            .collect();
        axum::Json(json!({
            "events": events,
            "profile": fields(&schema.profile),
            "account": fields(&schema.account),
            "verbs": verbs,
        }))
        .into_response()
    })
}

/// How many of a user's latest events `GET /v1/users/{id}` shows.
const LATEST_EVENTS: usize = 20;

async fn get_user(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<UserQuery>,
) -> Response {
    quick(move || {
        if let Some(refused) = bad_user_id(&id) {
            return refused;
        }
        let explain = match query.explain.as_deref() {
            None => None,
            Some(name) => match segment_named(&app, name) {
                Ok(s) => Some(s),
                Err(response) => return response,
            },
        };
        let Some((store, now)) = app.service.user_store(&id) else {
            return error(
                StatusCode::NOT_FOUND,
                "unknown_user",
                format!("no user has the id `{id}`"),
            );
        };
        let defs = app.service.definitions();
        let schema = &defs.plan.schema;
        // The user segments only: the store holds the user's accounts' rows, not their
        // other users.
        let cut = &defs.users_only.0;
        let members = Interpreter::with_regexes(cut, &store, now, &defs.regexes)
            .run()
            .members;
        let segments: Vec<&str> = cut
            .segments
            .iter()
            .enumerate()
            .filter(|(s, segment)| {
                segment.target == Target::User && members[*s].first() == Some(&true)
            })
            .map(|(_, segment)| segment.name.as_str())
            .collect();
        // The user is the small store's user 0.
        let every: Vec<usize> = (0..schema.profile.len()).collect();
        let profile = attribute_values(
            &schema.profile,
            &every,
            &store.profiles,
            0,
            &store.strings,
            now,
        );
        // The latest events: by time, then by type and row, latest first.
        let mut events: Vec<(i64, usize, usize)> = store
            .events
            .iter()
            .enumerate()
            .flat_map(|(t, table)| table.rows(0).map(move |r| (table.ts[r], t, r)))
            .collect();
        events.sort_unstable_by(|a, b| b.cmp(a));
        let latest: Vec<_> = events
            .into_iter()
            .take(LATEST_EVENTS)
            .map(|(ts, t, row)| {
                let event = &schema.events[t];
                let table = &store.events[t];
                let mut properties = serde_json::Map::new();
                for (field, column) in event.properties.iter().zip(&table.columns) {
                    let value = super::rows::value(column, row, &store.strings);
                    if value != super::rows::Value::Missing {
                        properties.insert(field.name.clone(), value.json());
                    }
                }
                json!({"event": event.name, "ts": crate::time::format_timestamp(ts), "properties": properties})
            })
            .collect();
        let mut body = json!({
            "id": id,
            "as_of": crate::time::format_timestamp(now),
            "profile": profile,
            "latest_events": latest,
            "segments": segments,
        });
        if let Some(s) = explain {
            let explainer = crate::explain::Explainer::new(&defs.plan, &store, &defs.sources, now);
            let wanted = [SegmentId(
                u32::try_from(s).expect("fewer than 2^32 segments"),
            )];
            match explainer.report(&id, Some(&wanted)) {
                Ok(report) => {
                    body["explain"] = serde_json::to_value(report).expect("explanations serialize");
                }
                Err(e) => return error(StatusCode::BAD_REQUEST, "cannot_explain", e.to_string()),
            }
        }
        axum::Json(body).into_response()
    })
}

#[derive(Deserialize)]
struct StatsQuery {
    /// Segment names, comma-separated (default: every segment).
    segments: Option<String>,
    overlap: Option<bool>,
}

async fn get_stats(State(app): State<Arc<App>>, Query(query): Query<StatsQuery>) -> Response {
    blocking(move || {
        let defs = app.service.definitions();
        let mut wanted = Vec::new();
        match query.segments.as_deref() {
            None => {
                wanted.extend(0..defs.plan.segments.len());
                wanted.sort_by(|&a, &b| {
                    defs.plan.segments[a]
                        .name
                        .as_bytes()
                        .cmp(defs.plan.segments[b].name.as_bytes())
                });
            }
            Some(list) => {
                for name in list.split(',').filter(|n| !n.is_empty()) {
                    match segment_named(&app, name) {
                        Ok(s) => wanted.push(s),
                        Err(response) => return response,
                    }
                }
            }
        }
        app.service.settle(SETTLE);
        let (sizes, overlaps) = app.service.stats(&wanted, query.overlap.unwrap_or(false));
        let mut body = json!({ "segments": sizes });
        if let Some(overlaps) = overlaps {
            body["overlap"] = json!(overlaps);
        }
        axum::Json(body).into_response()
    })
    .await
}

async fn get_compare(
    State(app): State<Arc<App>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    blocking(move || {
        let mut ask = crate::analytics::compare::Ask::default();
        for (key, value) in pairs {
            match key.as_str() {
                "segments" => ask.segments.extend(
                    value
                        .split(',')
                        .filter(|n| !n.is_empty())
                        .map(str::to_string),
                ),
                "all" => ask.all = value == "true",
                "goal" => ask.goal = Some(value),
                "filter" => ask.filter = Some(value),
                "metric" => ask.metrics.push(value),
                other => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad_compare",
                        format!("unknown parameter `{other}`: segments, all, goal, filter, metric"),
                    )
                }
            }
        }
        if ask
            .metrics
            .iter()
            .any(|m| m.len() > super::evaluate::MAX_EXPRESSION_BYTES)
        {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "expression_too_long",
                "a metric is over 64 KiB",
            );
        }
        let defs = app.service.definitions();
        let mut sources = crate::source::SourceMap::new();
        let checked = match crate::analytics::compare::check(
            &defs.schema_path,
            &defs.roots,
            &ask.metrics,
            &mut sources,
        ) {
            Ok(checked) => checked,
            Err(message) => return error(StatusCode::INTERNAL_SERVER_ERROR, "unreadable", message),
        };
        let errors = super::defs::errors(&sources, &checked.diagnostics);
        let Some(plan) = checked.plan.filter(|_| errors.is_empty()) else {
            return diagnostics("a metric has errors", &errors);
        };
        app.service.settle(SETTLE);
        let (store, now) = app.service.merged();
        match crate::analytics::compare::run(&plan, &store, now, &ask) {
            Ok(groups) => {
                axum::Json(json!({"as_of": crate::time::format_timestamp(now), "groups": groups}))
                    .into_response()
            }
            Err(message) => error(StatusCode::BAD_REQUEST, "bad_compare", message),
        }
    })
    .await
}

/// The most steps of a trend over the API (each is an evaluation of all the data).
const MAX_TREND_STEPS: usize = 400;

/// The instants of `from`, `to` and `step` query parameters (`to` by default `now`, `from`
/// [`crate::analytics::campaigns::DEFAULT_SPAN`] before it), at most [`MAX_TREND_STEPS`].
fn query_instants(
    from: Option<&str>,
    to: Option<&str>,
    step: &str,
    now: i64,
) -> Result<Vec<i64>, String> {
    let instant = |key: &str, text: &str| {
        crate::time::parse_timestamp(text).map_err(|e| format!("`{key}` `{text}`: {e}"))
    };
    let to = to.map_or(Ok(now), |t| instant("to", t))?;
    let from = from.map_or(Ok(to - crate::analytics::campaigns::DEFAULT_SPAN), |f| {
        instant("from", f)
    })?;
    let instants = crate::analytics::instants(from, to, crate::analytics::parse_step(step)?)?;
    if instants.len() > MAX_TREND_STEPS {
        return Err(format!(
            "{} steps: the API takes at most {MAX_TREND_STEPS}",
            instants.len()
        ));
    }
    Ok(instants)
}

#[derive(Deserialize)]
struct TrendQuery {
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
}

async fn get_trend(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(query): Query<TrendQuery>,
) -> Response {
    blocking(move || {
        let s = match segment_named(&app, &name) {
            Ok(s) => s,
            Err(response) => return response,
        };
        let bad = |message: String| error(StatusCode::BAD_REQUEST, "bad_trend", message);
        let (Some(from), Some(to), Some(step)) = (&query.from, &query.to, &query.step) else {
            return bad("a trend needs `from`, `to` and `step` (`1d`, `12h`, `1w`)".into());
        };
        let instants = match query_instants(Some(from), Some(to), step, 0) {
            Ok(instants) => instants,
            Err(message) => return bad(message),
        };
        let defs = app.service.definitions();
        let (plan, ids) = defs.plan.prune(&[SegmentId(u32::try_from(s).expect("fewer than 2^32"))]);
        app.service.settle(SETTLE);
        match app.service.trend(&plan, &[ids[0].0 as usize], &instants) {
            Ok(rows) => {
                let points: Vec<_> = rows
                    .iter()
                    .map(|(now, _, members)| json!({"instant": crate::time::format_timestamp(*now), "members": members}))
                    .collect();
                axum::Json(json!({"segment": name, "points": points})).into_response()
            }
            Err(message) => error(StatusCode::INTERNAL_SERVER_ERROR, "trend", message),
        }
    })
    .await
}

#[derive(Deserialize)]
struct TrendsQuery {
    /// Segment names, by commas (default: every segment).
    segments: Option<String>,
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
}

/// The trends of many segments at once (one evaluation of them all at each step): `to` is
/// the service's now by default, `from` 30 days before it, `step` 1d.
async fn get_trends(State(app): State<Arc<App>>, Query(query): Query<TrendsQuery>) -> Response {
    blocking(move || {
        let defs = app.service.definitions();
        let mut wanted = Vec::new();
        match query.segments.as_deref() {
            None => wanted.extend(0..defs.plan.segments.len()),
            Some(list) => {
                for name in list.split(',').filter(|n| !n.is_empty()) {
                    match segment_named(&app, name) {
                        Ok(s) => wanted.push(s),
                        Err(response) => return response,
                    }
                }
            }
        }
        let instants = match query_instants(
            query.from.as_deref(),
            query.to.as_deref(),
            query.step.as_deref().unwrap_or("1d"),
            app.service.clock.now(),
        ) {
            Ok(instants) => instants,
            Err(message) => return error(StatusCode::BAD_REQUEST, "bad_trend", message),
        };
        let roots: Vec<SegmentId> = wanted
            .iter()
            .map(|&s| SegmentId(u32::try_from(s).expect("fewer than 2^32")))
            .collect();
        let (plan, ids) = defs.plan.prune(&roots);
        let cut: Vec<usize> = ids.iter().map(|id| id.0 as usize).collect();
        app.service.settle(SETTLE);
        match app.service.trend(&plan, &cut, &instants) {
            Ok(rows) => {
                // Rows come instant by instant, each with every wanted segment in order.
                let mut points: Vec<Vec<usize>> =
                    vec![Vec::with_capacity(instants.len()); wanted.len()];
                for (i, (_, _, members)) in rows.iter().enumerate() {
                    points[i % wanted.len().max(1)].push(*members);
                }
                let segments: serde_json::Map<String, serde_json::Value> = wanted
                    .iter()
                    .zip(points)
                    .map(|(&s, points)| (defs.plan.segments[s].name.clone(), json!(points)))
                    .collect();
                let instants: Vec<String> = instants
                    .iter()
                    .map(|&t| crate::time::format_timestamp(t))
                    .collect();
                axum::Json(json!({"instants": instants, "segments": segments})).into_response()
            }
            Err(message) => error(StatusCode::INTERNAL_SERVER_ERROR, "trend", message),
        }
    })
    .await
}

#[derive(Deserialize)]
struct CampaignsQuery {
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
    /// Filter segments, separated by commas.
    filter: Option<String>,
}

/// `seg campaigns` over the service's data: the same figures, by the same code. `to` is
/// the service's now by default, `from` 30 days before it, `step` 1d.
async fn get_campaigns(
    State(app): State<Arc<App>>,
    Query(query): Query<CampaignsQuery>,
) -> Response {
    blocking(move || {
        let bad = |message: String| error(StatusCode::BAD_REQUEST, "bad_campaigns", message);
        let mut filters = Vec::new();
        for name in query.filter.iter().flat_map(|f| f.split(',')) {
            match segment_named(&app, name) {
                Ok(s) => filters.push(s),
                Err(response) => return response,
            }
        }
        let instants = match query_instants(
            query.from.as_deref(),
            query.to.as_deref(),
            query.step.as_deref().unwrap_or("1d"),
            app.service.clock.now(),
        ) {
            Ok(instants) => instants,
            Err(message) => return bad(message),
        };
        let defs = app.service.definitions();
        app.service.settle(SETTLE);
        let (store, _) = app.service.merged();
        match crate::analytics::campaigns::figures(
            &defs.plan,
            &store,
            &instants,
            &filters,
            &mut || {},
        ) {
            Ok(rows) => axum::Json(json!({
                "from": crate::time::format_timestamp(instants[0]),
                "to": crate::time::format_timestamp(instants[instants.len() - 1]),
                "campaigns": rows,
                "definitions": campaign_definitions(&defs),
            }))
            .into_response(),
            Err(message) => bad(message),
        }
    })
    .await
}

/// Each campaign as written: its description, clauses (their text in the file), holdout
/// and priority.
fn campaign_definitions(defs: &super::defs::Definitions) -> Vec<serde_json::Value> {
    let text = |expr: &crate::plan::Expr| {
        let file = defs.sources.get(expr.span.file);
        file.text
            .get(expr.span.start..expr.span.end)
            .unwrap_or_default()
            .to_string()
    };
    defs.plan
        .campaigns
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "description": c.description,
                "target": text(&c.target),
                "goal": c.goal.as_ref().map(text),
                "exclude": c.exclude.as_ref().map(text),
                "holdout": c.holdout,
                "priority": c.priority,
            })
        })
        .collect()
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
