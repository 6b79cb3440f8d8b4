//! The segments: the list, one segment, its members a page at a time (JSON or CSV, with
//! chosen attributes) and its changes.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::entities::attribute_values;
use super::{blocking, error, kind_word, segment_named, App, SETTLE};
use crate::analytics::export;
use crate::plan::Target;
use crate::serve::state::LIMITS;

pub(super) async fn list_segments(State(app): State<Arc<App>>) -> Response {
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

pub(super) async fn get_segment(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
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
pub(super) struct PageQuery {
    format: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    /// Members only: profile (or account) attributes to give with each member, by commas.
    attributes: Option<String>,
    /// Changes only: the last changes (up to `limit`) instead of those from a cursor.
    latest: Option<String>,
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

pub(super) async fn get_members(
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
            let schema = &defs.plan.schema;
            let found = if accounts {
                schema.account_attribute(attribute)
            } else {
                schema.profile_attribute(attribute)
            };
            match found {
                Some((i, _)) => wanted.push(i),
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
            members.last().map(|id| crate::serve::hex(id.as_bytes()))
        } else {
            None
        };
        let store = (!wanted.is_empty()).then(|| app.service.attribute_store(&members, accounts));
        let index = |store: &'_ crate::store::Store, id: &str| {
            if accounts {
                store.accounts.get(id)
            } else {
                store.users.get(id)
            }
        };
        if csv {
            // The rows of `seg export --segment NAME --attributes ...`, byte for byte.
            let columns: Vec<_> = wanted
                .iter()
                .map(|&i| (fields[i].name.clone(), fields[i].ty))
                .collect();
            let target = if accounts { Target::Account } else { Target::User };
            let keys: Vec<(String, String)> =
                members.iter().map(|id| (name.clone(), id.clone())).collect();
            let rows: Vec<_> = keys
                .iter()
                .map(|key| {
                    let cells = match &store {
                        Some((store, now)) => columns
                            .iter()
                            .map(|(attribute, _)| {
                                let entity = index(store, &key.1)?;
                                export::attribute(store, &defs.plan.schema, target, entity, attribute, *now)
                            })
                            .collect(),
                        None => Vec::new(),
                    };
                    (None, key, cells)
                })
                .collect();
            let body = export::csv(&columns, false, &rows);
            let mut response = ([(header::CONTENT_TYPE, "text/csv")], body).into_response();
            if let Some(next) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
                response.headers_mut().insert("x-next-cursor", next);
            }
            return response;
        }
        let Some((store, now)) = store else {
            return axum::Json(json!({"segment": name, "members": members, "next_cursor": next}))
                .into_response();
        };
        let table = if accounts {
            &store.account_rows
        } else {
            &store.profiles
        };
        let attributes: Vec<_> = members
            .iter()
            .map(|id| {
                index(&store, id).map_or_else(serde_json::Map::new, |entity| {
                    attribute_values(fields, &wanted, table, entity, &store.strings, now)
                })
            })
            .collect();
        axum::Json(json!({"segment": name, "members": members, "attributes": attributes, "next_cursor": next}))
            .into_response()
    })
    .await
}

pub(super) async fn get_changes(
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
        let latest = match query.latest.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_latest",
                    format!("latest `{other}`: use true or false"),
                )
            }
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
        let read = if latest {
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
