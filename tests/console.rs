//! The seg console (docs/console.md) in real headless Chromium: `seg serve` on a copy of
//! examples/ (started as `cd examples && seg serve` starts, importing the example data), and
//! tests/console/check.py, which drives Debian's chromium with Playwright, signs in, and
//! checks each screen against the API's own figures. `.ci/setup` installs both; a test fails
//! when either is missing.
//!
//! The screenshots go to a temporary folder; `SEG_CONSOLE_SHOTS=docs/img/console cargo test
//! --test all console::` remakes the ones docs/console.md shows.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::root;
use crate::serve::{Project, Server};

/// The examples' instant (tests/examples.rs): the service's clock stands there.
const AS_OF: &str = "2026-11-15T12:00:00Z";
/// examples/demo.token.
const TOKEN: &str = "demo-token-change-me";
/// The longest one screen's checks may take.
const LIMIT: Duration = Duration::from_mins(3);

/// The Python with Playwright, once Chromium is there too.
fn python() -> PathBuf {
    let path = crate::sql::venv_python("playwright.sync_api");
    let chromium = std::env::var("SEG_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "no Chromium at {chromium}: run `bash .ci/setup` (Debian's chromium) or set SEG_CHROMIUM"
    );
    path
}

/// A copy of examples/ (schema, segments, data files, seg.toml, the demo token), without a
/// service data folder, plus `extra` segment files.
fn examples(name: &str, extra: &[(&str, &str)]) -> Project {
    let dir = std::env::temp_dir().join(format!("seg-console-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&root().join("examples"), &dir);
    let _ = std::fs::remove_dir_all(dir.join("seg-data"));
    for (file, text) in extra {
        std::fs::write(dir.join("segments").join(file), text).expect("a segment file");
    }
    Project { dir }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a folder") {
        let path = entry.expect("an entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "seg-data") {
                continue;
            }
            copy(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// `seg serve` in the project as a person starts it (the flags only pick a free port and
/// stop the clock at the examples' instant).
fn serve(project: &Project) -> Server {
    Server::start_with(
        project,
        &["serve", "--listen", "127.0.0.1:0", "--test-clock", AS_OF],
    )
}

/// Runs one screen's checks in Chromium; panics with what the script said unless they hold.
fn check(server: &Server, screen: &str, extra: &serde_json::Value) {
    let shots = std::env::var_os("SEG_CONSOLE_SHOTS").map_or_else(
        || std::env::temp_dir().join(format!("seg-console-shots-{}", std::process::id())),
        |dir| root().join(dir),
    );
    let mut child = Command::new(python())
        .arg(root().join("tests/console/check.py"))
        .args([screen, &server.base, TOKEN])
        .arg(&shots)
        .arg(extra.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the browser checks start");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the checks run") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("stdout");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    match status {
        Some(status) if status.success() => {
            assert!(out.contains("every check holds"), "{out}{err}");
        }
        Some(status) => panic!(
            "console {screen}: {status}\n{out}{err}\n(the page at failure: {})\nserver: {}",
            shots.join(format!("failed-{screen}.png")).display(),
            server.stderr()
        ),
        None => panic!("console {screen}: the checks took over {LIMIT:?}\n{out}{err}"),
    }
}

fn screen(name: &str, screen: &str) {
    let project = examples(name, &[]);
    let server = serve(&project);
    check(&server, screen, &serde_json::json!({}));
}

#[test]
fn the_page_and_its_files_are_served_without_a_token_under_a_content_security_policy() {
    let project = examples("files", &[]);
    let server = serve(&project);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut paths = vec!["/".to_string()];
    paths.extend(seg::serve::console::asset_names().map(|n| format!("/console/{n}")));
    for path in &paths {
        let mut response = agent
            .get(format!("{}{path}", server.base))
            .call()
            .expect("an answer");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(
            header("content-security-policy"),
            seg::serve::console::CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert!(
            header("content-security-policy").contains("script-src 'self'"),
            "{path}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        let body = response.body_mut().read_to_string().expect("a body");
        assert!(!body.is_empty(), "{path}");
        // Nothing is loaded from anywhere but the service itself.
        for other in [
            "src=\"http",
            "href=\"http",
            "from \"http",
            "url(http",
            "fetch(\"http",
        ] {
            assert!(
                !body.contains(other),
                "{path} loads from another origin: {other}"
            );
        }
    }
    let page = agent
        .get(format!("{}/", server.base))
        .call()
        .expect("the page")
        .body_mut()
        .read_to_string()
        .expect("the page");
    assert!(
        page.contains(r#"<script type="module" src="/console/app.js">"#),
        "{page}"
    );
    let missing = agent
        .get(format!("{}/console/nothing.js", server.base))
        .call()
        .expect("an answer");
    assert_eq!(missing.status().as_u16(), 404);
    // The API the page reads still needs the token.
    let api = agent
        .get(format!("{}/v1/segments", server.base))
        .call()
        .expect("an answer");
    assert_eq!(api.status().as_u16(), 401);
}

#[test]
fn signing_in_keeps_the_token_in_memory_only_and_a_wrong_token_is_refused() {
    screen("signin", "signin");
}

#[test]
fn the_segment_list_shows_every_segment_with_the_apis_count_share_and_trend() {
    screen("segments", "segments");
}

#[test]
fn a_segment_shows_the_apis_count_trend_points_members_csv_and_changes() {
    screen("segment", "segment");
}

#[test]
fn compare_shows_the_apis_rows_and_a_bar_per_segment() {
    screen("compare", "compare");
}

#[test]
fn campaigns_show_the_apis_reach_and_conversion_split_by_a_filter_segment() {
    screen("campaigns", "campaigns");
}

#[test]
fn member_details_show_the_apis_segments_events_and_explanations() {
    screen("member", "member");
}

#[test]
fn the_try_box_underlines_an_error_at_its_span_then_counts_as_the_api_does() {
    screen("try", "try");
}

#[test]
fn the_screens_fit_a_phone() {
    screen("phone", "phone");
}

#[test]
fn markup_in_a_description_an_id_and_property_values_shows_as_text() {
    // Each piece would run a script or load an image if the page read it as HTML.
    let markup =
        "<script>window.__seg_injected = 1</script><img src=x onerror='window.__seg_injected = 2'>";
    let user = "<script>window.__seg_injected = 3</script>";
    let segments = format!(
        "segment markup_test \"{markup}\" =\n    did(purchase where product == \"{markup}\")\n"
    );
    let project = examples("escaping", &[("markup.seg", &segments)]);
    let server = serve(&project);
    let post = |path: &str, row: serde_json::Value| {
        let (status, body) = server.request(
            "POST",
            path,
            Some(TOKEN),
            "application/x-ndjson",
            row.to_string().as_bytes(),
        );
        assert_eq!(status, 200, "{path}: {body}");
    };
    post(
        "/v1/profiles",
        serde_json::json!({"user_id": user, "country": markup}),
    );
    post(
        "/v1/events",
        serde_json::json!({
            "user_id": user, "event": "purchase", "ts": "2026-11-14T10:00:00Z",
            "product": markup, "value": 10.0,
        }),
    );
    check(
        &server,
        "escaping",
        &serde_json::json!({"markup": markup, "user": user}),
    );
}
