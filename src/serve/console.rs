//! The seg console (docs/console.md): a web page for the people who use the segments, served
//! by `seg serve` itself at `/`. Its files are plain JavaScript modules, one style sheet and
//! one HTML page, compiled into the binary: nothing is fetched from anywhere else, and there
//! is no build step. The page reads the API with the token a person types into its login
//! form, kept in the page's memory only.
//!
//! Every answer of the page's files carries a Content Security Policy that lets the page run
//! only its own scripts and styles and talk only to its own origin; the scripts build every
//! element with text nodes (never HTML from data), so a segment description, an id or a
//! property value holding markup shows as text.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The page's files: the name under `/console/`, the content type, the content.
const ASSETS: &[(&str, &str, &str)] = &[
    ("style.css", CSS, include_str!("../../web/style.css")),
    ("app.js", JS, include_str!("../../web/app.js")),
    ("api.js", JS, include_str!("../../web/api.js")),
    ("dom.js", JS, include_str!("../../web/dom.js")),
    ("chart.js", JS, include_str!("../../web/chart.js")),
    ("highlight.js", JS, include_str!("../../web/highlight.js")),
    ("segments.js", JS, include_str!("../../web/segments.js")),
    ("segment.js", JS, include_str!("../../web/segment.js")),
    ("compare.js", JS, include_str!("../../web/compare.js")),
    ("campaigns.js", JS, include_str!("../../web/campaigns.js")),
    ("member.js", JS, include_str!("../../web/member.js")),
    ("try.js", JS, include_str!("../../web/try.js")),
    // The editors' grammar (generated from the lexer's tables): the page highlights with it.
    (
        "seg.tmLanguage.json",
        "application/json",
        include_str!("../../editors/vscode/syntaxes/seg.tmLanguage.json"),
    ),
];

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const INDEX: &str = include_str!("../../web/index.html");

/// What the page may load and run: its own files only, and requests to its own origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The names of the page's files, for the test that each is served.
pub fn asset_names() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|(name, _, _)| *name)
}

/// `GET /`: the page.
#[must_use]
pub fn index() -> Response {
    page("text/html; charset=utf-8", INDEX)
}

/// `GET /console/{file}`: one of the page's files, or 404.
#[must_use]
pub fn asset(name: &str) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, content)) => page(content_type, content),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such file in the console",
        )
            .into_response(),
    }
}

fn page(content_type: &'static str, content: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], content).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // The files change only with the binary; a browser asks again each time (cheaply).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
