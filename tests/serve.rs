//! `seg serve` as clients use it: the real binary on a loopback port the test picks (port 0,
//! read back from its first line), a real HTTP client (ureq), kill -9 for crashes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::cli::root;

/// The examples' instant (tests/examples.rs).
const AS_OF: &str = "2026-11-15T12:00:00Z";
const TOKEN: &str = "test-token-0123456789";

/// A project folder of its own: the example schema and segments, a token, no data.
pub(crate) struct Project {
    pub dir: PathBuf,
}

impl Project {
    pub(crate) fn new(name: &str) -> Project {
        let dir = std::env::temp_dir().join(format!("seg-serve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("segments")).expect("a project folder");
        std::fs::copy(root().join("examples/schema.toml"), dir.join("schema.toml")).expect("copy");
        for entry in std::fs::read_dir(root().join("examples/segments")).expect("segments") {
            let path = entry.expect("an entry").path();
            std::fs::copy(
                &path,
                dir.join("segments").join(path.file_name().expect("a name")),
            )
            .expect("copy");
        }
        std::fs::write(dir.join("token"), format!("{TOKEN}\n")).expect("token");
        std::fs::write(
            dir.join("seg.toml"),
            "schema = \"schema.toml\"\nsegments = \"segments\"\n[serve]\ntoken_file = \"token\"\ndata = \"data\"\n",
        )
        .expect("seg.toml");
        Project { dir }
    }

    fn append_config(&self, text: &str) {
        let path = self.dir.join("seg.toml");
        let mut config = std::fs::read_to_string(&path).expect("seg.toml");
        config.push_str(text);
        std::fs::write(path, config).expect("seg.toml");
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running `seg serve`.
pub(crate) struct Server {
    child: Child,
    pub base: String,
    pub log: Arc<Mutex<Vec<String>>>,
    agent: ureq::Agent,
}

impl Server {
    pub(crate) fn start(project: &Project, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--test-clock", AS_OF];
        args.extend_from_slice(extra);
        Server::start_with(project, &args)
    }

    pub(crate) fn start_with(project: &Project, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_seg"))
            .args(args)
            .current_dir(&project.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("seg serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let address = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(address);
                }
                lines.lock().expect("the log").push(line);
            }
        });
        let address = rx.recv_timeout(Duration::from_mins(2)).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "seg serve did not start: {:?}",
                log.lock().expect("the log")
            )
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_mins(1)))
            .build()
            .into();
        Server {
            child,
            base: format!("http://{address}"),
            log,
            agent,
        }
    }

    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> (u16, String) {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let response = if method == "GET" {
            let mut request = self.agent.get(&url);
            if let Some(auth) = &auth {
                request = request.header("authorization", auth);
            }
            request.call()
        } else {
            let mut request = self.agent.post(&url).header("content-type", content_type);
            if let Some(auth) = &auth {
                request = request.header("authorization", auth);
            }
            request.send(body)
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .unwrap_or_default();
        (status, text)
    }

    pub(crate) fn get(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.request("GET", path, Some(TOKEN), "", b"");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    pub(crate) fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let (status, text) = self.request("POST", path, Some(TOKEN), content_type, body);
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }

    pub(crate) fn ndjson(&self, path: &str, rows: &[&str]) -> serde_json::Value {
        let (status, body) = self.post(path, "application/x-ndjson", rows.join("\n").as_bytes());
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// Every member of a segment, through pages of `page`.
    pub(crate) fn members(&self, segment: &str, page: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/v1/segments/{segment}/members?limit={page}");
            if let Some(c) = &cursor {
                path = format!("{path}&cursor={c}");
            }
            let body = self.get(&path);
            for id in body["members"].as_array().expect("members") {
                out.push(id.as_str().expect("an id").to_string());
            }
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return out,
            }
        }
    }

    /// Every segment's members, by name.
    pub(crate) fn memberships(&self) -> BTreeMap<String, Vec<String>> {
        let list = self.get("/v1/segments");
        list["segments"]
            .as_array()
            .expect("segments")
            .iter()
            .map(|s| {
                let name = s["name"].as_str().expect("a name").to_string();
                let members = self.members(&name, 37);
                assert_eq!(
                    members.len() as u64,
                    s["members"].as_u64().expect("a count"),
                    "{name}"
                );
                (name, members)
            })
            .collect()
    }

    pub(crate) fn set_clock(&self, now: &str) {
        let (status, body) = self.post(
            "/v1/clock",
            "application/json",
            format!("{{\"now\":\"{now}\"}}").as_bytes(),
        );
        assert_eq!(status, 200, "{body}");
    }

    pub(crate) fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        self.log.lock().expect("the log").clone()
    }

    pub(crate) fn stderr(&self) -> String {
        self.log.lock().expect("the log").join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `seg ARGS` in the project's folder: its standard output, once it has succeeded.
fn seg_ok<S: AsRef<std::ffi::OsStr>>(project: &Project, args: &[S]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(&project.dir)
        .output()
        .expect("seg runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The data flags naming the example data files.
fn example_files() -> Vec<String> {
    ["events", "profiles", "accounts"]
        .iter()
        .flat_map(|kind| {
            [
                format!("--{kind}"),
                example(&format!("{kind}.ndjson")).display().to_string(),
            ]
        })
        .collect()
}

/// `seg eval --as-of` over data files, as segment name -> sorted members.
fn batch(project: &Project, files: &[(&str, &Path)], as_of: &str) -> BTreeMap<String, Vec<String>> {
    let mut args = vec![
        "eval".to_string(),
        "--as-of".into(),
        as_of.into(),
        "--format".into(),
        "csv".into(),
    ];
    for (flag, path) in files {
        args.push(format!("--{flag}"));
        args.push(path.display().to_string());
    }
    let rows = seg_ok(project, &args);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    args[4] = "count".into();
    for line in seg_ok(project, &args).lines().skip(1) {
        let name = line.split(',').next().expect("a name");
        out.insert(name.to_string(), Vec::new());
    }
    for line in rows.lines().skip(1) {
        let (segment, id) = line.split_once(',').expect("segment,user_id");
        out.get_mut(segment)
            .expect("a segment")
            .push(id.to_string());
    }
    out
}

/// Posts the example data, accounts and profiles first, in one request each.
fn post_examples(server: &Server) {
    for (path, endpoint) in [
        ("accounts.ndjson", "/v1/accounts"),
        ("profiles.ndjson", "/v1/profiles"),
        ("events.ndjson", "/v1/events"),
    ] {
        let rows = lines(&example(path));
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        server.ndjson(endpoint, &rows);
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("a data file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn example(name: &str) -> PathBuf {
    root().join("examples/data").join(name)
}

/// A small deterministic generator (xorshift) for the randomized tests.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).expect("below n")
    }
}

#[test]
fn served_membership_equals_batch_eval_for_every_example_segment() {
    let project = Project::new("examples");
    let server = Server::start(&project, &[]);
    // The example data, posted in batches of varied sizes, accounts and profiles first.
    let mut rng = Rng(0x5e9_5e9);
    for (path, endpoint) in [
        ("accounts.ndjson", "/v1/accounts"),
        ("profiles.ndjson", "/v1/profiles"),
        ("events.ndjson", "/v1/events"),
    ] {
        let rows = lines(&example(path));
        let mut at = 0;
        while at < rows.len() {
            // Small requests (a few users: evaluated in groups of what arrived) and big ones
            // (evaluated whole), mixed.
            let size = if rng.below(2) == 0 { 5 } else { 700 };
            let n = (1 + rng.below(size)).min(rows.len() - at);
            let batch: Vec<&str> = rows[at..at + n].iter().map(String::as_str).collect();
            let answer = server.ndjson(endpoint, &batch);
            assert_eq!(answer["stored"], n, "{answer}");
            at += n;
        }
    }
    let files = [
        ("events", example("events.ndjson")),
        ("profiles", example("profiles.ndjson")),
        ("accounts", example("accounts.ndjson")),
    ];
    let files: Vec<(&str, &Path)> = files.iter().map(|(f, p)| (*f, p.as_path())).collect();
    let served = server.memberships();
    assert_eq!(served.len(), 64, "every example segment is served");
    assert_eq!(served, batch(&project, &files, AS_OF), "as of {AS_OF}");
    assert!(served.values().any(|m| !m.is_empty()));
    // The clock moves with no event: windows move, sweeps catch them.
    for later in [
        "2026-11-16T00:00:01Z",
        "2026-11-22T12:00:00Z",
        "2027-01-20T00:00:00Z",
    ] {
        server.set_clock(later);
        assert_eq!(
            server.memberships(),
            batch(&project, &files, later),
            "as of {later}"
        );
    }
}

#[test]
fn randomized_ingests_and_clock_steps_keep_served_membership_equal_to_batch() {
    let events = lines(&example("events.ndjson"));
    let profiles = lines(&example("profiles.ndjson"));
    let accounts = lines(&example("accounts.ndjson"));
    for case in 0..3u64 {
        let project = Project::new(&format!("random-{case}"));
        let server = Server::start(&project, &[]);
        let mut rng = Rng(0x9e37_79b9 + case * 7919);
        // Rows in a random order of kinds; what was posted is written, in order, to files.
        let mut posted: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut cursors = [0usize; 3];
        let mut clock = crate::serve::instant(AS_OF) - 40 * 86_400_000_000;
        server.set_clock(&crate::serve::format(clock));
        for step in 0..5 {
            for _ in 0..=rng.below(4) {
                let which = rng.below(3);
                let (rows, endpoint, kind) = match which {
                    0 => (&events, "/v1/events", "events"),
                    1 => (&profiles, "/v1/profiles", "profiles"),
                    _ => (&accounts, "/v1/accounts", "accounts"),
                };
                let at = cursors[which];
                let n = (1 + rng.below(rows.len() / 3)).min(rows.len() - at);
                if n == 0 {
                    continue;
                }
                let batch: Vec<&str> = rows[at..at + n].iter().map(String::as_str).collect();
                server.ndjson(endpoint, &batch);
                posted
                    .entry(kind)
                    .or_default()
                    .extend(batch.iter().map(ToString::to_string));
                cursors[which] += n;
            }
            // Half the steps move the clock (a sweep), half read at the same instant.
            if rng.below(2) == 0 {
                clock += i64::try_from(rng.below(20 * 86_400)).expect("small") * 1_000_000;
                server.set_clock(&crate::serve::format(clock));
            }
            let now = crate::serve::format(clock);
            let mut files = Vec::new();
            for (kind, rows) in &posted {
                let path = project.dir.join(format!("posted-{kind}.ndjson"));
                std::fs::write(&path, rows.join("\n") + "\n").expect("a file");
                files.push((*kind, path));
            }
            if !posted.contains_key("events") {
                let path = project.dir.join("posted-events.ndjson");
                std::fs::write(&path, "").expect("a file");
                files.push(("events", path));
            }
            let files: Vec<(&str, &Path)> = files.iter().map(|(k, p)| (*k, p.as_path())).collect();
            assert_eq!(
                server.memberships(),
                batch(&project, &files, &now),
                "case {case}, step {step}, as of {now}"
            );
        }
    }
}

#[test]
fn every_4xx_path_says_what_is_wrong_and_stores_nothing() {
    let project = Project::new("errors");
    let server = Server::start(&project, &[]);
    let good = r#"{"user_id":"u1","event":"purchase","ts":"2026-11-15T10:00:00Z","value":10}"#;
    let (status, _) = server.request("GET", "/v1/segments", None, "", b"");
    assert_eq!(status, 401, "no token");
    let (status, _) = server.request("GET", "/v1/segments", Some("wrong"), "", b"");
    assert_eq!(status, 403, "wrong token");
    let (status, _) = server.request(
        "POST",
        "/v1/events",
        None,
        "application/x-ndjson",
        good.as_bytes(),
    );
    assert_eq!(status, 401, "no token on a write");
    let (status, body) = server.request("GET", "/healthz", None, "", b"");
    assert_eq!(
        (status, body.contains("ok")),
        (200, true),
        "health needs no token"
    );
    // Bad JSON: a body that is not an array of rows.
    let (status, body) = server.post("/v1/events", "application/json", b"{\"user_id\": ");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_json");
    // A wrong type and a missing time, beside a good row: 422, every bad row named, nothing stored.
    let rows = [
        good,
        r#"{"user_id":"u2","event":"purchase","ts":"2026-11-15T10:00:00Z","value":"ten"}"#,
        r#"{"user_id":"u3","event":"purchase","value":3}"#,
    ];
    let (status, body) = server.post(
        "/v1/events",
        "application/x-ndjson",
        rows.join("\n").as_bytes(),
    );
    assert_eq!(status, 422, "{body}");
    let bad: Vec<(u64, String)> = body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().expect("index"),
                r["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect();
    assert_eq!(bad.len(), 2, "{body}");
    assert_eq!(bad[0].0, 1);
    assert!(
        bad[0].1.contains("`value` must be a number"),
        "{}",
        bad[0].1
    );
    assert_eq!(bad[1].0, 2);
    assert!(bad[1].1.contains("`ts`"), "{}", bad[1].1);
    // The same array as JSON.
    let array = format!("[{}]", rows.join(","));
    let (status, _) = server.post("/v1/events", "application/json", array.as_bytes());
    assert_eq!(status, 422);
    let (status, _) = server.request("GET", "/v1/users/u1", Some(TOKEN), "", b"");
    assert_eq!(
        status, 404,
        "the good row of a refused request was not stored"
    );
    let metrics = server.request("GET", "/metrics", Some(TOKEN), "", b"").1;
    assert!(metrics.contains("seg_log_records 0"), "{metrics}");
    assert!(
        metrics.contains("seg_requests_refused_total 2"),
        "{metrics}"
    );
    // Too big: over the body limit, and over the row limit.
    let huge = vec![b' '; 33 << 20];
    let (status, _) = server.post("/v1/events", "application/x-ndjson", &huge);
    assert_eq!(status, 413, "oversized body");
    let many = vec![good; 100_001].join("\n");
    let (status, body) = server.post("/v1/events", "application/x-ndjson", many.as_bytes());
    assert_eq!(status, 413, "{body}");
    // 10,000 rows are allowed.
    let allowed = vec![good; 10_000].join("\n");
    let (status, body) = server.post("/v1/events", "application/x-ndjson", allowed.as_bytes());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 10_000);
    // An id over the limit is a bad row.
    let long = format!(
        r#"{{"user_id":"{}","event":"login","ts":"2026-11-15T10:00:00Z"}}"#,
        "x".repeat(300)
    );
    let (status, body) = server.post("/v1/events", "application/x-ndjson", long.as_bytes());
    assert_eq!(status, 422, "{body}");
    // At the bounds: a 256-byte id and a 64 KiB string are taken, one byte more is a bad row.
    let row = |id: &str, url: &str| {
        format!(
            r#"{{"user_id":"{id}","event":"page_view","ts":"2026-11-15T10:00:00Z","url":"{url}"}}"#
        )
    };
    let (id, url) = ("i".repeat(256), "/".repeat(64 << 10));
    let (status, body) = server.post(
        "/v1/events",
        "application/x-ndjson",
        row(&id, &url).as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.post(
        "/v1/events",
        "application/x-ndjson",
        row(&format!("{id}i"), "/").as_bytes(),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["rows"][0]["reason"]
            .as_str()
            .expect("a reason")
            .contains("over the limit of 256"),
        "{body}"
    );
    let (status, body) = server.post(
        "/v1/events",
        "application/x-ndjson",
        row("u9", &format!("{url}/")).as_bytes(),
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["rows"][0]["reason"]
            .as_str()
            .expect("a reason")
            .contains("over the limit of 65536"),
        "{body}"
    );
    // An ad-hoc expression over 64 KiB.
    let long = format!(
        "{{\"expression\": \"did(login) {}\"}}",
        "or did(login) ".repeat(5000)
    );
    let (status, body) = server.post("/v1/evaluate", "application/json", long.as_bytes());
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "expression_too_long");
    // Paths: unknown segment, bad names, bad cursors, bad limits, bad and unknown user ids.
    for (path, status, code) in [
        ("/v1/segments/no_such_segment", 404, "unknown_segment"),
        (
            "/v1/segments/no_such_segment/members",
            404,
            "unknown_segment",
        ),
        ("/v1/segments/bad%20name/members", 400, "bad_segment_name"),
        ("/v1/segments/buyer/members?cursor=zz", 400, "bad_cursor"),
        ("/v1/segments/buyer/members?limit=0", 400, "bad_limit"),
        ("/v1/segments/buyer/members?limit=100001", 400, "bad_limit"),
        ("/v1/segments/buyer/members?format=xml", 400, "bad_format"),
        ("/v1/segments/buyer/changes?cursor=abc", 400, "bad_cursor"),
        (
            "/v1/segments/buyer/changes?cursor=999999999",
            400,
            "bad_cursor",
        ),
        ("/v1/users/nobody", 404, "unknown_user"),
        ("/v1/users/a%01b", 400, "bad_user_id"),
        (
            "/v1/users/u1?explain=no_such_segment",
            404,
            "unknown_segment",
        ),
    ] {
        let (got, body) = server.request("GET", path, Some(TOKEN), "", b"");
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(code), "{path}: {body}");
    }
    let (got, body) = server.request(
        "GET",
        &format!("/v1/users/{}", "y".repeat(300)),
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(got, 400, "{body}");
}

#[test]
fn public_read_opens_the_gets_only() {
    let project = Project::new("public");
    let server = Server::start(&project, &["--public-read"]);
    let (status, _) = server.request("GET", "/v1/segments", None, "", b"");
    assert_eq!(status, 200);
    let (status, _) = server.request("POST", "/v1/reload", None, "", b"");
    assert_eq!(status, 401);
}

#[test]
fn a_missing_or_empty_token_file_refuses_to_start() {
    let project = Project::new("token");
    std::fs::write(project.dir.join("token"), "  \n").expect("token");
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(&project.dir)
        .output()
        .expect("seg runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is empty"));
    std::fs::remove_file(project.dir.join("token")).expect("remove");
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(&project.dir)
        .output()
        .expect("seg runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("token file"));
}

#[test]
fn an_undeclared_event_type_is_stored_counted_and_used_once_the_schema_declares_it() {
    let project = Project::new("undeclared");
    let server = Server::start(&project, &[]);
    let rows = [
        r#"{"user_id":"w1","event":"webinar_view","ts":"2026-11-15T09:00:00Z","topic":"pricing"}"#,
        r#"{"user_id":"w1","event":"login","ts":"2026-11-15T09:05:00Z"}"#,
    ];
    let answer = server.ndjson("/v1/events", &rows);
    assert_eq!(answer["stored"], 2, "both rows are stored: {answer}");
    assert_eq!(
        answer["undeclared"]["event type webinar_view"], 1,
        "{answer}"
    );
    // A broken segment file is refused with its diagnostics; the old definitions serve on.
    std::fs::write(
        project.dir.join("segments/webinar.seg"),
        "segment webinar = did(webinar_view)\n",
    )
    .expect("write");
    let (status, body) = server.post("/v1/reload", "application/json", b"");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["diagnostics"][0]["severity"], "error", "{body}");
    assert_eq!(
        server.get("/v1/segments")["segments"]
            .as_array()
            .expect("segments")
            .len(),
        64
    );
    // The schema declares it: the stored event is read again and used.
    let mut schema = std::fs::read_to_string(project.dir.join("schema.toml")).expect("schema");
    schema.push_str("\n[events.webinar_view]\ntopic = \"string\"\n");
    std::fs::write(project.dir.join("schema.toml"), schema).expect("schema");
    let (status, body) = server.post("/v1/reload", "application/json", b"");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schema_changed"], true);
    assert_eq!(server.members("webinar", 10), ["w1"]);
    let changes = server.get("/v1/segments/webinar/changes");
    assert_eq!(changes["changes"][0]["id"], "w1");
    assert_eq!(changes["changes"][0]["change"], "enter");
    let user = server.get("/v1/users/w1");
    assert!(
        user["segments"]
            .as_array()
            .expect("segments")
            .iter()
            .any(|s| s == "webinar"),
        "{user}"
    );
}

#[test]
fn members_csv_users_explain_evaluate_and_metrics() {
    let project = Project::new("reads");
    let server = Server::start(&project, &[]);
    for (path, endpoint) in [
        ("accounts.ndjson", "/v1/accounts"),
        ("profiles.ndjson", "/v1/profiles"),
        ("events.ndjson", "/v1/events"),
    ] {
        let rows = lines(&example(path));
        for chunk in rows.chunks(5000) {
            let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
            server.ndjson(endpoint, &chunk);
        }
    }
    let buyers = server.members("buyer", 1000);
    let (status, csv) = server.request(
        "GET",
        "/v1/segments/buyer/members?format=csv&limit=100000",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 200);
    let mut csv_lines = csv.lines();
    assert_eq!(csv_lines.next(), Some("segment,user_id"));
    let from_csv: Vec<&str> = csv_lines
        .map(|l| l.rsplit(',').next().expect("the id is last"))
        .collect();
    assert_eq!(from_csv, buyers);
    let segment = server.get("/v1/segments/buyer");
    assert!(
        segment["source"]
            .as_str()
            .expect("source")
            .contains("segment buyer"),
        "{segment}"
    );
    let file = std::path::Path::new(segment["file"].as_str().expect("file"));
    assert!(
        file.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("seg")),
        "{segment}"
    );
    let user = server.get(&format!("/v1/users/{}?explain=buyer", buyers[0]));
    assert!(user["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .any(|s| s == "buyer"));
    assert!(!user["latest_events"].as_array().expect("events").is_empty());
    assert_eq!(
        user["explain"]["segments"][0]["member"], true,
        "{}",
        user["explain"]
    );
    // The profile as of now: each attribute's latest value before the instant, from the file.
    let mut expected = serde_json::Map::new();
    let as_of = crate::serve::instant(AS_OF);
    for line in lines(&example("profiles.ndjson")) {
        let row: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        if row["user_id"] != buyers[0].as_str() {
            continue;
        }
        let ts = row["ts"].as_str().map(crate::serve::instant);
        if ts.is_some_and(|t| t >= as_of) {
            continue;
        }
        for (key, value) in row.as_object().expect("an object") {
            if key != "user_id" && key != "ts" && !value.is_null() {
                expected.insert(key.clone(), value.clone());
            }
        }
    }
    assert!(!expected.is_empty());
    for (key, value) in &expected {
        let served = &user["profile"][key];
        let same = served == value
            || served
                .as_f64()
                .zip(value.as_f64())
                .is_some_and(|(a, b)| (a - b).abs() < 1e-9);
        assert!(same, "{key}: served {served}, the file says {value}");
    }
    // Its latest events, latest first.
    let times: Vec<&str> = user["latest_events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["ts"].as_str().expect("ts"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    // Ad-hoc: the expression of `buyer` selects its members; a bad one gets diagnostics.
    let (status, body) = server.post(
        "/v1/evaluate",
        "application/json",
        br#"{"expression": "did(purchase)"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"], buyers.len(), "{body}");
    assert_eq!(body["sample"][0], buyers[0].as_str());
    let (status, body) = server.post(
        "/v1/evaluate",
        "application/json",
        br#"{"expression": "did(purchace)"}"#,
    );
    assert_eq!(status, 422, "{body}");
    assert!(
        body["diagnostics"][0]["code"]
            .as_str()
            .expect("a code")
            .starts_with('E'),
        "{body}"
    );
    let metrics = server.request("GET", "/metrics", Some(TOKEN), "", b"").1;
    for series in [
        "seg_rows_ingested_total 9586",
        &format!("seg_segment_members{{segment=\"buyer\"}} {}", buyers.len()),
        "seg_log_bytes ",
        "seg_request_seconds_count{route=\"/v1/events\"}",
    ] {
        assert!(metrics.contains(series), "{series} in {metrics}");
    }
}

/// Reads the sequence numbers of the changes logged so far (every segment's).
fn all_changes(server: &Server) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for segment in server.get("/v1/segments")["segments"]
        .as_array()
        .expect("segments")
    {
        let name = segment["name"].as_str().expect("a name");
        let mut cursor = 0;
        loop {
            let page = server.get(&format!(
                "/v1/segments/{name}/changes?cursor={cursor}&limit=500"
            ));
            let list = page["changes"].as_array().expect("changes");
            for c in list {
                out.insert(
                    c["cursor"]
                        .as_str()
                        .expect("cursor")
                        .parse::<u64>()
                        .expect("a number"),
                );
            }
            let next: u64 = page["next_cursor"]
                .as_str()
                .expect("next")
                .parse()
                .expect("a number");
            if list.is_empty() {
                break;
            }
            cursor = next;
        }
    }
    out
}

#[test]
fn restart_keeps_data_and_cursors_and_a_torn_tail_is_cut_and_reported() {
    let project = Project::new("restart");
    let server = Server::start(&project, &[]);
    let rows = lines(&example("events.ndjson"));
    let first: Vec<&str> = rows[..3000].iter().map(String::as_str).collect();
    server.ndjson("/v1/events", &first);
    let before = server.memberships();
    let changes = server.get("/v1/segments/buyer/changes?limit=100000");
    let cursor = changes["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_string();
    server.kill();
    // A torn record at the end of the data log: half a header and some bytes.
    let log = project.dir.join("data/data.log");
    let length = std::fs::metadata(&log).expect("the log").len();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("the log");
    file.write_all(&[200, 1, 0, 0, 7, 7]).expect("garbage");
    drop(file);
    let server = Server::start(&project, &[]);
    let stderr = server.stderr();
    assert!(
        stderr.contains(&format!("6 bytes cut at byte {length}")),
        "{stderr}"
    );
    assert_eq!(server.memberships(), before, "the data survived");
    assert_eq!(
        std::fs::metadata(&log).expect("the log").len(),
        length,
        "the tail was cut"
    );
    // The cursor from before the restart still reads on: nothing old, the new changes.
    let page = server.get(&format!("/v1/segments/buyer/changes?cursor={cursor}"));
    assert!(
        page["changes"].as_array().expect("changes").is_empty(),
        "{page}"
    );
    let rest: Vec<&str> = rows[3000..].iter().map(String::as_str).collect();
    server.ndjson("/v1/events", &rest);
    let page = server.get(&format!(
        "/v1/segments/buyer/changes?cursor={cursor}&limit=100000"
    ));
    let new: Vec<&serde_json::Value> = page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .collect();
    assert!(!new.is_empty());
    assert!(new.iter().all(
        |c| c["cursor"].as_str().expect("c").parse::<u64>().expect("n")
            >= cursor.parse::<u64>().expect("n")
    ));
}

#[test]
fn a_crash_during_concurrent_ingest_loses_nothing_acknowledged_in_20_rounds() {
    let project = Project::new("crash");
    let mut rng = Rng(0x00c0_ffee);
    // Each batch is five events of a user of its own: all of them or none may be stored.
    let batch = |user: &str| -> String {
        (0..5)
            .map(|i| {
                format!(r#"{{"user_id":"{user}","event":"login","ts":"2026-11-15T0{i}:00:00Z"}}"#)
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut acknowledged: Vec<String> = Vec::new();
    let mut attempted: Vec<String> = Vec::new();
    for round in 0..20 {
        let server = Arc::new(Server::start(&project, &[]));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let tried = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut threads = Vec::new();
        for thread in 0..4 {
            let (server, acked, tried, stop) = (
                Arc::clone(&server),
                Arc::clone(&acked),
                Arc::clone(&tried),
                Arc::clone(&stop),
            );
            threads.push(std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 2000 {
                    let user = format!("r{round:02}t{thread}b{n:04}");
                    tried.lock().expect("tried").push(user.clone());
                    let url = format!("{}/v1/events", server.base);
                    let sent = ureq::post(&url)
                        .header("authorization", &format!("Bearer {TOKEN}"))
                        .header("content-type", "application/x-ndjson")
                        .send(batch(&user).as_bytes());
                    match sent {
                        Ok(response) if response.status() == 200 => {
                            acked.lock().expect("acked").push(user);
                        }
                        _ => return,
                    }
                    n += 1;
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(150 + rng.below(300) as u64));
        // kill -9 while the threads are posting.
        let pid = server.child.id();
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in threads {
            t.join().expect("a posting thread");
        }
        acknowledged.extend(acked.lock().expect("acked").drain(..));
        attempted.extend(tried.lock().expect("tried").drain(..));
        drop(server);
    }
    assert!(
        acknowledged.len() > 100,
        "ingest ran: {} batches acknowledged",
        acknowledged.len()
    );
    let server = Server::start(&project, &[]);
    let acknowledged: BTreeSet<String> = acknowledged.into_iter().collect();
    let mut unacknowledged_stored = 0;
    for user in &attempted {
        let (status, body) =
            server.request("GET", &format!("/v1/users/{user}"), Some(TOKEN), "", b"");
        if acknowledged.contains(user) {
            assert_eq!(status, 200, "acknowledged {user} is served: {body}");
        }
        if status == 200 {
            let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            let events = body["latest_events"].as_array().expect("events").len();
            assert_eq!(events, 5, "{user}: all five events or none");
            if !acknowledged.contains(user) {
                unacknowledged_stored += 1;
            }
        } else {
            assert_eq!(status, 404, "{user}: {body}");
        }
    }
    // At most the batches in flight at each kill (four threads, twenty rounds) were stored
    // without an answer.
    assert!(unacknowledged_stored <= 4 * 20, "{unacknowledged_stored}");
}

/// A delivery as received: its signature header and its body.
type Delivery = (String, Vec<u8>);

/// A webhook receiver on loopback that answers 500 to its first `failures` deliveries.
struct Receiver {
    address: String,
    bodies: Arc<Mutex<Vec<Delivery>>>,
}

fn receiver(failures: usize) -> Receiver {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = listener.local_addr().expect("an address").to_string();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&bodies);
    std::thread::spawn(move || {
        let mut seen = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
            let mut length = 0;
            let mut signature = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "x-seg-signature" => signature = value.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            seen += 1;
            let status = if seen <= failures {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            if seen > failures {
                kept.lock().expect("bodies").push((signature, body));
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    Receiver { address, bodies }
}

#[test]
fn a_webhook_gets_every_change_signed_through_failures_and_a_restart() {
    use hmac::Mac;
    let project = Project::new("webhook");
    let hook = receiver(3);
    project.append_config(&format!(
        "\n[[serve.webhook]]\nname = \"crm\"\nurl = \"http://{}/hook\"\nsecret = \"s3cret\"\n",
        hook.address
    ));
    let rows = lines(&example("events.ndjson"));
    let server = Server::start(&project, &[]);
    let first: Vec<&str> = rows[..4000].iter().map(String::as_str).collect();
    server.ndjson("/v1/events", &first);
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    let server = Server::start(&project, &[]);
    let rest: Vec<&str> = rows[4000..].iter().map(String::as_str).collect();
    server.ndjson("/v1/events", &rest);
    let expected = all_changes(&server);
    assert!(expected.len() > 500, "{} changes", expected.len());
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let mut delivered = BTreeSet::new();
        for (signature, body) in hook.bodies.lock().expect("bodies").iter() {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").expect("a key");
            mac.update(body);
            let hex = seg::serve::hex(&mac.finalize().into_bytes());
            assert_eq!(
                *signature,
                format!("sha256={hex}"),
                "the signature verifies"
            );
            let body: serde_json::Value = serde_json::from_slice(body).expect("JSON");
            for c in body["changes"].as_array().expect("changes") {
                delivered.insert(
                    c["cursor"]
                        .as_str()
                        .expect("cursor")
                        .parse::<u64>()
                        .expect("n"),
                );
            }
        }
        if delivered == expected {
            break;
        }
        assert!(
            delivered.is_subset(&expected),
            "only logged changes are delivered"
        );
        assert!(
            Instant::now() < deadline,
            "{} of {} changes delivered",
            delivered.len(),
            expected.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let metrics = server.request("GET", "/metrics", Some(TOKEN), "", b"").1;
    assert!(
        metrics.contains("seg_webhook_lag{webhook=\"crm\"} 0"),
        "{metrics}"
    );
}

#[test]
fn the_openapi_file_lists_exactly_the_routes() {
    let text =
        std::fs::read_to_string(root().join("docs/openapi.json")).expect("docs/openapi.json");
    let api: serde_json::Value = serde_json::from_str(&text).expect("OpenAPI is JSON");
    assert!(api["openapi"]
        .as_str()
        .expect("a version")
        .starts_with("3."));
    let mut documented = BTreeSet::new();
    for (path, item) in api["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("an item").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let routed: BTreeSet<String> = seg::serve::http::ROUTES
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(documented, routed);
}

/// Times for the tests' clock.
pub(crate) fn instant(text: &str) -> i64 {
    seg::time::parse_timestamp(text).expect("a time")
}

pub(crate) fn format(micros: i64) -> String {
    seg::time::format_timestamp(micros)
}

#[test]
fn stats_and_trend_over_the_api_are_the_commands_figures() {
    let project = Project::new("analytics");
    let server = Server::start(&project, &[]);
    post_examples(&server);
    let command = |args: &[&str]| -> String {
        let mut all: Vec<String> = args.iter().map(ToString::to_string).collect();
        all.extend(example_files());
        seg_ok(&project, &all)
    };
    let served = server.get("/v1/stats?segments=buyer,ltv_gold,email_subscriber&overlap=true");
    let cli: serde_json::Value = serde_json::from_str(&command(&[
        "stats",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--overlap",
        "--segment",
        "buyer",
        "--segment",
        "email_subscriber",
        "--segment",
        "ltv_gold",
    ]))
    .expect("JSON");
    let by_name = |v: &serde_json::Value, key: &str| -> BTreeMap<String, serde_json::Value> {
        v[key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|x| {
                (
                    format!(
                        "{}{}",
                        x["segment"].as_str().or(x["a"].as_str()).unwrap_or(""),
                        x["b"].as_str().unwrap_or("")
                    ),
                    x.clone(),
                )
            })
            .collect()
    };
    assert_eq!(by_name(&served, "segments"), by_name(&cli, "segments"));
    assert_eq!(by_name(&served, "overlap"), by_name(&cli, "overlap"));
    let trend = server.get("/v1/segments/buyer/trend?from=2026-11-01&to=2026-11-15&step=1w");
    let points: Vec<String> = trend["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| {
            format!(
                "{},buyer,{}",
                p["instant"].as_str().expect("an instant"),
                p["members"]
            )
        })
        .collect();
    let cli = command(&[
        "trend",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-15",
        "--step",
        "1w",
        "--segment",
        "buyer",
    ]);
    assert_eq!(points, cli.lines().skip(1).collect::<Vec<_>>());
    let (status, body) = server.request(
        "GET",
        "/v1/segments/buyer/trend?from=2026-01-01&to=2026-12-31&step=12h",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 400"), "{body}");
}

#[test]
fn compare_over_the_api_is_the_commands_figures() {
    let project = Project::new("compare");
    let server = Server::start(&project, &[]);
    post_examples(&server);
    let served = server.get("/v1/compare?segments=ltv_gold,email_subscriber&all=true&goal=buyer&metric=sum(purchase.value)&metric=top(product_view.category)");
    let mut args: Vec<String> = [
        "compare",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--segment",
        "ltv_gold",
        "--segment",
        "email_subscriber",
        "--all",
        "--goal",
        "buyer",
        "--metric",
        "sum(purchase.value)",
        "--metric",
        "top(product_view.category)",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.extend(example_files());
    let cli: serde_json::Value = serde_json::from_str(&seg_ok(&project, &args)).expect("JSON");
    assert_eq!(served["groups"], cli);
    let (status, body) = server.request(
        "GET",
        "/v1/compare?metric=sum(purchace.value)&all=true",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("purchace"), "{body}");
    let (status, body) = server.request(
        "GET",
        "/v1/compare?segments=customer_account",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 400, "{body}");
}

#[test]
fn a_window_that_moves_with_the_clock_changes_membership_with_no_event() {
    // The system clock and a sweep every second: a login seven days ago less three seconds
    // puts its user in `no_login_7d` three seconds later, with nothing posted meanwhile.
    let project = Project::new("sweep");
    let server = Server::start_with(
        &project,
        &["serve", "--listen", "127.0.0.1:0", "--sweep-seconds", "1"],
    );
    let login = seg::time::current() - 7 * seg::time::MICROS_PER_DAY + 3_000_000;
    let row = format!(
        r#"{{"user_id":"sleeper","event":"login","ts":"{}"}}"#,
        format(login)
    );
    server.ndjson("/v1/events", &[&row]);
    assert!(!server
        .members("no_login_7d", 100)
        .contains(&"sleeper".to_string()));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let changes = server.get("/v1/segments/no_login_7d/changes");
        let entered = changes["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["id"] == "sleeper" && c["change"] == "enter");
        if entered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no sweep saw the window move: {changes}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(server
        .members("no_login_7d", 100)
        .contains(&"sleeper".to_string()));
}

/// The stable A/B bucket as SPEC defines it, computed here: md5 of `salt:id`, its first 8 hex
/// digits as a number, modulo 100.
pub(crate) fn spec_bucket(salt: &str, id: &str) -> u32 {
    use md5::{Digest, Md5};
    let digest = Md5::digest(format!("{salt}:{id}").as_bytes());
    let hex = format!(
        "{:02x}{:02x}{:02x}{:02x}",
        digest[0], digest[1], digest[2], digest[3]
    );
    u32::from_str_radix(&hex, 16).expect("hex") % 100
}

#[test]
fn campaigns_over_the_api_are_the_commands_figures_and_decide_for_each_visitor() {
    let project = Project::new("campaigns");
    let server = Server::start(&project, &[]);
    post_examples(&server);
    let mut args: Vec<String> = [
        "campaigns",
        "--from",
        "2026-11-01",
        "--as-of",
        AS_OF,
        "--filter",
        "buyer",
        "--format",
        "json",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    args.extend(example_files());
    let cli: serde_json::Value = serde_json::from_str(&seg_ok(&project, &args)).expect("JSON");
    let served = server.get("/v1/campaigns?from=2026-11-01&filter=buyer");
    assert_eq!(served["campaigns"], cli["campaigns"]);
    assert_eq!(served["campaigns"].as_array().map(Vec::len), Some(6));

    // Who qualifies now, from the batch memberships of the campaigns' segments.
    let files = [
        ("events", example("events.ndjson")),
        ("profiles", example("profiles.ndjson")),
        ("accounts", example("accounts.ndjson")),
    ];
    let files: Vec<(&str, &Path)> = files.iter().map(|(f, p)| (*f, p.as_path())).collect();
    let members = batch(&project, &files, AS_OF);
    let set = |name: &str| -> BTreeSet<String> { members[name].iter().cloned().collect() };
    let eligible = [
        ("tour_to_demo", &set("tour_no_demo") - &set("competitor")),
        ("win_back", &set("churn_risk") - &set("held_from_messaging")),
        (
            "newsletter_invite",
            &(&set("content_engaged") - &set("newsletter_subscriber")) - &set("competitor"),
        ),
    ];
    let holdout = [10, 10, 0];
    let mut visitors: BTreeSet<String> = eligible.iter().flat_map(|(_, e)| e.clone()).collect();
    visitors.insert("u000001".into());
    visitors.insert("never-seen-before".into());
    let (mut shown, mut held) = (0, 0);
    for id in &visitors {
        let mut want_show = Vec::new();
        let mut want_held = Vec::new();
        for ((name, users), percent) in eligible.iter().zip(holdout) {
            if users.contains(id) {
                if spec_bucket(name, id) < percent {
                    want_held.push(*name);
                } else {
                    want_show.push(*name);
                }
            }
        }
        let answer = server.get(&format!("/v1/users/{id}/campaigns"));
        let names = |key: &str, field: Option<&str>| -> Vec<String> {
            answer[key]
                .as_array()
                .expect("a list")
                .iter()
                .map(|c| {
                    field
                        .map_or(c, |f| &c[f])
                        .as_str()
                        .expect("a name")
                        .to_string()
                })
                .collect()
        };
        assert_eq!(
            names("campaigns", Some("name")),
            want_show,
            "{id}: {answer}"
        );
        assert_eq!(names("held_out", None), want_held, "{id}: {answer}");
        shown += want_show.len();
        held += want_held.len();
    }
    assert!(shown > 10 && held > 0, "{shown} shown, {held} held out");
    let (status, _) = server.request("GET", "/v1/users/%01/campaigns", Some(TOKEN), "", b"");
    assert_eq!(status, 400);
}

#[test]
fn the_reads_the_console_uses_agree_with_the_rest_of_the_api() {
    let project = Project::new("console-reads");
    let server = Server::start(&project, &[]);
    post_examples(&server);

    // Many trends at once are each segment's own trend.
    let many = server.get(
        "/v1/trend?segments=buyer,customer_account&from=2026-11-01T00:00:00Z&to=2026-11-15T00:00:00Z&step=1w",
    );
    for name in ["buyer", "customer_account"] {
        let one = server.get(&format!(
            "/v1/segments/{name}/trend?from=2026-11-01T00:00:00Z&to=2026-11-15T00:00:00Z&step=1w"
        ));
        let points: Vec<_> = one["points"].as_array().expect("points").iter().collect();
        let instants = many["instants"].as_array().expect("instants");
        assert_eq!(points.len(), instants.len());
        for (i, point) in points.iter().enumerate() {
            assert_eq!(point["instant"], instants[i]);
            assert_eq!(point["members"], many["segments"][name][i], "{name} at {i}");
        }
    }
    // By default: every segment, a day a step over the 30 days to the service's now.
    let all = server.get("/v1/trend");
    let segments = server.get("/v1/segments")["segments"]
        .as_array()
        .expect("segments")
        .len();
    assert_eq!(
        all["segments"].as_object().expect("segments").len(),
        segments
    );
    assert_eq!(all["instants"].as_array().expect("instants").len(), 31);
    assert_eq!(all["instants"][30], AS_OF);
    let (status, _) = server.request("GET", "/v1/trend?segments=nope", Some(TOKEN), "", b"");
    assert_eq!(status, 404);
    // At most 400 steps, as for one segment's trend: 400 pass, 401 are refused.
    let (status, body) = server.request(
        "GET",
        "/v1/trend?segments=buyer&from=2026-10-01T00:00:00Z&to=2026-10-17T15:00:00Z&step=1h",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.request(
        "GET",
        "/v1/trend?segments=buyer&from=2026-10-01T00:00:00Z&to=2026-10-17T16:00:00Z&step=1h",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 400"), "{body}");

    // The schema as the service runs it.
    let schema = server.get("/v1/schema");
    let purchase = schema["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["name"] == "purchase")
        .expect("purchase");
    assert!(purchase["properties"]
        .as_array()
        .expect("properties")
        .contains(&serde_json::json!({"name": "value", "type": "number"})));
    assert!(schema["profile"]
        .as_array()
        .expect("profile")
        .contains(&serde_json::json!({"name": "country", "type": "string"})));

    // Members with attributes: each the user's profile value as GET /v1/users gives it.
    let page = server.get("/v1/segments/buyer/members?limit=40&attributes=country,email_opt_in");
    let members = page["members"].as_array().expect("members");
    let attributes = page["attributes"].as_array().expect("attributes");
    assert_eq!(members.len(), 40);
    assert_eq!(attributes.len(), 40);
    for (id, values) in members.iter().zip(attributes) {
        let id = id.as_str().expect("an id");
        let profile = &server.get(&format!("/v1/users/{id}"))["profile"];
        for name in ["country", "email_opt_in"] {
            assert_eq!(values.get(name), profile.get(name), "{id} {name}");
        }
    }
    // As CSV: the bytes of `seg export` for the segment and attributes (numbers, instants
    // and booleans written as it writes them).
    for (segment, attributes) in [
        ("buyer", "country,email_opt_in"),
        ("customer_account", "plan,seats,trial_ends_at"),
    ] {
        let (status, served) = server.request(
            "GET",
            &format!(
                "/v1/segments/{segment}/members?limit=100000&attributes={attributes}&format=csv"
            ),
            Some(TOKEN),
            "",
            b"",
        );
        assert_eq!(status, 200);
        let mut args: Vec<String> = [
            "export",
            "--as-of",
            AS_OF,
            "--segment",
            segment,
            "--attributes",
            attributes,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        args.extend(example_files());
        assert_eq!(served, seg_ok(&project, &args), "{segment}");
    }
    let (status, body) = server.request(
        "GET",
        "/v1/segments/buyer/members?attributes=plan",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 400);
    assert!(body.contains("unknown_attribute"), "{body}");

    // The latest changes are the last of all of them.
    let mut every = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = server.get(&format!("/v1/segments/buyer/changes?limit=7{cursor}"));
        let changes = page["changes"].as_array().expect("changes").clone();
        if changes.is_empty() {
            break;
        }
        every.extend(changes);
        cursor = format!(
            "&cursor={}",
            page["next_cursor"].as_str().expect("a cursor")
        );
    }
    let latest = server.get("/v1/segments/buyer/changes?latest=true&limit=5");
    let (status, body) = server.request(
        "GET",
        "/v1/segments/buyer/changes?latest=yes",
        Some(TOKEN),
        "",
        b"",
    );
    assert_eq!(status, 400);
    assert!(body.contains("bad_latest"), "{body}");
    assert_eq!(
        latest["changes"].as_array().expect("changes")[..],
        every[every.len() - 5..]
    );

    // An account: its segments are those whose members hold it, its users those whose
    // profile names it.
    let memberships = server.memberships();
    let account = server.get("/v1/accounts/a00002?explain=customer_account");
    let mut segments: Vec<String> = account["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s.as_str().expect("a name").to_string())
        .collect();
    segments.sort();
    let holding: Vec<String> = memberships
        .iter()
        .filter(|(_, members)| members.iter().any(|m| m == "a00002"))
        .map(|(name, _)| name.clone())
        .collect();
    assert_eq!(segments, holding);
    let users = account["users"].as_array().expect("users");
    assert!(!users.is_empty());
    for user in users {
        let user = server.get(&format!("/v1/users/{}", user.as_str().expect("an id")));
        assert_eq!(user["profile"]["account_id"], "a00002");
    }
    assert_eq!(
        account["explain"]["segments"][0]["member"],
        memberships["customer_account"].contains(&"a00002".to_string())
    );
    let (status, _) = server.request("GET", "/v1/accounts/nobody", Some(TOKEN), "", b"");
    assert_eq!(status, 404);

    // An error's span in the expression itself, in UTF-16 units (é is one, 😀 two).
    for (expression, start) in [
        ("did(purchse)", 4),
        ("profile.country == \"é😀\" and did(purchse)", 33),
    ] {
        let (status, body) = server.post(
            "/v1/evaluate",
            "application/json",
            serde_json::json!({ "expression": expression })
                .to_string()
                .as_bytes(),
        );
        assert_eq!(status, 422, "{body}");
        let d = &body["diagnostics"][0];
        assert_eq!(d["expression_start"], start, "{body}");
        assert_eq!(d["expression_end"], start + 7, "{body}");
    }

    // Campaigns as written, beside their figures.
    let campaigns = server.get("/v1/campaigns");
    let definitions = campaigns["definitions"].as_array().expect("definitions");
    assert_eq!(definitions[0]["name"], "tour_to_demo");
    assert_eq!(definitions[0]["target"], "tour_no_demo");
    assert_eq!(definitions[0]["goal"], "did(demo_request)");
    assert_eq!(definitions[0]["holdout"], 10);
}
