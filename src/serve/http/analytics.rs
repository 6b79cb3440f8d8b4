//! The analytics over the service's data, by the code of the commands: `seg stats`, `seg
//! compare`, `seg trend` (one segment, or many at once) and `seg campaigns`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{blocking, diagnostics, error, segment_named, App, SETTLE};
use crate::plan::SegmentId;

#[derive(Deserialize)]
pub(super) struct StatsQuery {
    /// Segment names, comma-separated (default: every segment).
    segments: Option<String>,
    overlap: Option<bool>,
}

pub(super) async fn get_stats(
    State(app): State<Arc<App>>,
    Query(query): Query<StatsQuery>,
) -> Response {
    blocking(move || {
        let defs = app.service.definitions();
        let wanted = match query.segments.as_deref().map(|list| named(&app, list)) {
            Some(Ok(wanted)) => wanted,
            Some(Err(response)) => return response,
            None => {
                let mut every: Vec<usize> = (0..defs.plan.segments.len()).collect();
                every.sort_by(|&a, &b| {
                    defs.plan.segments[a]
                        .name
                        .as_bytes()
                        .cmp(defs.plan.segments[b].name.as_bytes())
                });
                every
            }
        };
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

pub(super) async fn get_compare(
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
            .any(|m| m.len() > crate::serve::evaluate::MAX_EXPRESSION_BYTES)
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
        let errors = crate::serve::defs::errors(&sources, &checked.diagnostics);
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
pub(super) struct TrendQuery {
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
}

pub(super) async fn get_trend(
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
        let series = match trends(&app, &[s], &instants) {
            Ok(mut series) => series.remove(0),
            Err(response) => return response,
        };
        let points: Vec<_> = instants
            .iter()
            .zip(series)
            .map(|(now, members)| json!({"instant": crate::time::format_timestamp(*now), "members": members}))
            .collect();
        axum::Json(json!({"segment": name, "points": points})).into_response()
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct TrendsQuery {
    /// Segment names, by commas (default: every segment).
    segments: Option<String>,
    #[serde(flatten)]
    span: Span,
}

/// The instants of a request: `to` (the service's now by default), `from` (30 days before
/// it by default) and `step` (1d by default).
#[derive(Deserialize)]
pub(super) struct Span {
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
}

fn span(app: &App, span: &Span) -> Result<Vec<i64>, String> {
    query_instants(
        span.from.as_deref(),
        span.to.as_deref(),
        span.step.as_deref().unwrap_or("1d"),
        app.service.clock.now(),
    )
}

/// The segments a comma-separated list names (empty names skipped), by their index in the
/// plan; or the 400 or 404 of the first bad one.
fn named(app: &App, list: &str) -> Result<Vec<usize>, Response> {
    list.split(',')
        .filter(|n| !n.is_empty())
        .map(|name| segment_named(app, name))
        .collect()
}

/// The members of each of the segments `wanted` (plan indexes) at each instant, over the
/// plan cut to them, once what was received before has been evaluated.
fn trends(app: &App, wanted: &[usize], instants: &[i64]) -> Result<Vec<Vec<usize>>, Response> {
    let roots: Vec<SegmentId> = wanted
        .iter()
        .map(|&s| SegmentId(u32::try_from(s).expect("fewer than 2^32")))
        .collect();
    let (plan, ids) = app.service.definitions().plan.prune(&roots);
    let cut: Vec<usize> = ids.iter().map(|id| id.0 as usize).collect();
    app.service.settle(SETTLE);
    let rows = app
        .service
        .trend(&plan, &cut, instants)
        .map_err(|message| error(StatusCode::INTERNAL_SERVER_ERROR, "trend", message))?;
    // Rows come instant by instant, each with every wanted segment in order.
    let mut series = vec![Vec::with_capacity(instants.len()); wanted.len()];
    for (i, (_, _, members)) in rows.into_iter().enumerate() {
        series[i % wanted.len()].push(members);
    }
    Ok(series)
}

/// The trends of many segments at once (one evaluation of them all at each step): `to` is
/// the service's now by default, `from` 30 days before it, `step` 1d.
pub(super) async fn get_trends(
    State(app): State<Arc<App>>,
    Query(query): Query<TrendsQuery>,
) -> Response {
    blocking(move || {
        let defs = app.service.definitions();
        let wanted = match query.segments.as_deref().map(|list| named(&app, list)) {
            Some(Ok(wanted)) => wanted,
            Some(Err(response)) => return response,
            None => (0..defs.plan.segments.len()).collect(),
        };
        let instants = match span(&app, &query.span) {
            Ok(instants) => instants,
            Err(message) => return error(StatusCode::BAD_REQUEST, "bad_trend", message),
        };
        let series = match trends(&app, &wanted, &instants) {
            Ok(series) => series,
            Err(response) => return response,
        };
        let segments: serde_json::Map<String, serde_json::Value> = wanted
            .iter()
            .zip(series)
            .map(|(&s, points)| (defs.plan.segments[s].name.clone(), json!(points)))
            .collect();
        let instants: Vec<String> = instants
            .iter()
            .map(|&t| crate::time::format_timestamp(t))
            .collect();
        axum::Json(json!({"instants": instants, "segments": segments})).into_response()
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct CampaignsQuery {
    #[serde(flatten)]
    span: Span,
    /// Filter segments, separated by commas.
    filter: Option<String>,
}

/// `seg campaigns` over the service's data: the same figures, by the same code. `to` is
/// the service's now by default, `from` 30 days before it, `step` 1d.
pub(super) async fn get_campaigns(
    State(app): State<Arc<App>>,
    Query(query): Query<CampaignsQuery>,
) -> Response {
    blocking(move || {
        let bad = |message: String| error(StatusCode::BAD_REQUEST, "bad_campaigns", message);
        let filters = match named(&app, query.filter.as_deref().unwrap_or("")) {
            Ok(filters) => filters,
            Err(response) => return response,
        };
        let instants = match span(&app, &query.span) {
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
fn campaign_definitions(defs: &crate::serve::defs::Definitions) -> Vec<serde_json::Value> {
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
