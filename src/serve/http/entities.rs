//! Users and accounts by id: their attributes, events, segments and explanations, the
//! campaigns a visitor qualifies for; and the schema the service runs.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{bad_user_id, blocking, error, quick, segment_named, App};
use crate::interp::Interpreter;
use crate::plan::{SegmentId, Target};

#[derive(Deserialize)]
pub(super) struct UserQuery {
    explain: Option<String>,
}

/// The campaigns a visitor qualifies for now, in priority order (a visitor the service has
/// never seen is a user without events): those to show, and those it is held out of.
pub(super) async fn get_user_campaigns(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Response {
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
pub(super) fn attribute_values(
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
            let value = crate::serve::rows::value(&table.columns[i], row, strings);
            values.insert(fields[i].name.clone(), value.json());
        }
    }
    values
}

/// The id of a user or an account checked, and the segment `explain=` names (its index in
/// the plan), if any; or the 400 or 404.
fn entity_request(app: &App, id: &str, query: &UserQuery) -> Result<Option<usize>, Response> {
    if let Some(refused) = bad_user_id(id) {
        return Err(refused);
    }
    query
        .explain
        .as_deref()
        .map(|name| segment_named(app, name))
        .transpose()
}

/// The names of the segments of `target`'s kind in `cut` (a plan cut from the service's)
/// that hold `entity` of `store` as of `now`, in plan order.
fn segments_in<'a>(
    defs: &crate::serve::defs::Definitions,
    cut: &'a crate::plan::Plan,
    store: &crate::store::Store,
    now: i64,
    target: Target,
    entity: u32,
) -> Vec<&'a str> {
    let members = Interpreter::with_regexes(cut, store, now, &defs.regexes)
        .run()
        .members;
    cut.segments
        .iter()
        .zip(&members)
        .filter(|(segment, members)| {
            segment.target == target && members.get(entity as usize) == Some(&true)
        })
        .map(|(segment, _)| segment.name.as_str())
        .collect()
}

/// The explanation of segment `s` (an index into the plan) for the entity `id` of `store`,
/// as `seg explain --format json` gives it; a 400 when it cannot be made (a segment of the
/// other kind).
fn explained(
    defs: &crate::serve::defs::Definitions,
    store: &crate::store::Store,
    now: i64,
    id: &str,
    s: usize,
) -> Result<serde_json::Value, Response> {
    let explainer = crate::explain::Explainer::new(&defs.plan, store, &defs.sources, now);
    let wanted = [SegmentId(
        u32::try_from(s).expect("fewer than 2^32 segments"),
    )];
    explainer
        .report(id, Some(&wanted))
        .map(|report| serde_json::to_value(report).expect("explanations serialize"))
        .map_err(|e| error(StatusCode::BAD_REQUEST, "cannot_explain", e.to_string()))
}

/// An account: its attributes as of now, the users whose account it is now, the account
/// segments it is in; with `explain=SEGMENT` the explanation of an account segment.
pub(super) async fn get_account(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<UserQuery>,
) -> Response {
    blocking(move || {
        let explain = match entity_request(&app, &id, &query) {
            Ok(explain) => explain,
            Err(response) => return response,
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
        let segments = segments_in(
            &defs,
            &defs.accounts_only.0,
            &store,
            now,
            Target::Account,
            account,
        );
        let mut body = json!({
            "id": id,
            "as_of": crate::time::format_timestamp(now),
            "attributes": attributes,
            "users": users,
            "segments": segments,
        });
        if let Some(s) = explain {
            match explained(&defs, &store, now, &id, s) {
                Ok(report) => body["explain"] = report,
                Err(response) => return response,
            }
        }
        axum::Json(body).into_response()
    })
    .await
}

/// The schema the service runs: each event type with its properties, the profile and
/// account attributes, the verbs; types by their names in schema.toml.
pub(super) async fn get_schema(State(app): State<Arc<App>>) -> Response {
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

pub(super) async fn get_user(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<UserQuery>,
) -> Response {
    quick(move || {
        let explain = match entity_request(&app, &id, &query) {
            Ok(explain) => explain,
            Err(response) => return response,
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
        // other users. The user is the small store's user 0.
        let segments = segments_in(&defs, &defs.users_only.0, &store, now, Target::User, 0);
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
                    let value = crate::serve::rows::value(column, row, &store.strings);
                    if value != crate::serve::rows::Value::Missing {
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
            match explained(&defs, &store, now, &id, s) {
                Ok(report) => body["explain"] = report,
                Err(response) => return response,
            }
        }
        axum::Json(body).into_response()
    })
}
