//! `seg lsp` spoken to over its standard input and output, as an editor does: the real binary,
//! the protocol's framing (`Content-Length` headers and JSON-RPC bodies), in a project folder
//! with a `seg.toml`. Every wait for a message is bounded in time.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cli::tempdir;

/// How long any one answer may take.
const WAIT: Duration = Duration::from_secs(20);

/// A running `seg lsp` and the messages it has sent that no one has taken yet.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Starts `seg lsp` in `dir` and initializes it.
    fn start(dir: &Path) -> (Client, Value) {
        Client::start_with(dir, &Value::Null)
    }

    /// Starts `seg lsp` in `dir` and initializes it with `options` (`initializationOptions`).
    fn start_with(dir: &Path, options: &Value) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_seg"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("seg lsp starts");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take().expect("stdin");
        let (send, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 1,
        };
        let root = uri(dir);
        let result = client.request(
            "initialize",
            &json!({"processId": null, "rootUri": root, "capabilities": {},
                    "initializationOptions": options}),
        );
        client.notify("initialized", &json!({}));
        (client, result)
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: &Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response's result.
    fn request(&mut self, method: &str, params: &Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait(|m| m["id"] == json!(id) && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// Sends a request that must fail, and gives its error message.
    fn request_error(&mut self, method: &str, params: &Value) -> String {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait(|m| m["id"] == json!(id) && m.get("method").is_none());
        response["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} did not fail: {response}"))
            .to_string()
    }

    /// The first message (already received, or within [`WAIT`]) that `wanted` accepts.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .incoming
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no such message in {WAIT:?}; had {:?}", self.pending));
            if wanted(&message) {
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The next diagnostics published for `file`, skipping older ones.
    fn diagnostics(&mut self, file: &Path) -> Vec<Value> {
        let uri = uri(file);
        let message = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        message["params"]["diagnostics"]
            .as_array()
            .expect("a list")
            .clone()
    }

    fn open(&mut self, file: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen", &json!({"textDocument": {"uri": uri(file), "languageId": "seg", "version": 1, "text": text}}),
        );
    }

    /// Opens a file with its text on disk, and waits for its diagnostics.
    fn open_as_saved(&mut self, file: &Path) -> Vec<Value> {
        self.open(file, &std::fs::read_to_string(file).expect("the file"));
        self.diagnostics(file)
    }

    fn change(&mut self, file: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            &json!({"textDocument": {"uri": uri(file), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// Shuts the server down as an editor does, and checks that it exits at once with 0.
    fn shut_down(mut self) {
        let result = self.request("shutdown", &Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", &Value::Null);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "seg lsp exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "seg lsp did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message: headers up to a blank line, then `Content-Length` bytes of JSON.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri(path: &Path) -> String {
    seg::lsp::uri_of_path(path)
        .expect("an absolute path")
        .as_str()
        .to_string()
}

/// A project: the example schema, a seg.toml naming it and the folder `segments`, and the
/// given segment files in that folder. Returns the folder (canonical, as the server names
/// files).
fn project(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::fs::canonicalize(tempdir()).unwrap();
    std::fs::copy(
        crate::cli::root().join("examples/schema.toml"),
        dir.join("schema.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("seg.toml"),
        "schema = \"schema.toml\"\nsegments = \"segments\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("segments")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join("segments").join(name), text).unwrap();
    }
    dir
}

#[test]
fn initialize_says_seg_and_full_text_synchronisation() {
    let dir = project(&[("a.seg", "segment buyers = did(purchase)\n")]);
    let (client, result) = Client::start(&dir);
    assert_eq!(result["serverInfo"]["name"], "seg");
    // 1: the whole text on every change.
    assert_eq!(result["capabilities"]["textDocumentSync"], 1);
    client.shut_down();
}

#[test]
fn an_error_is_published_with_its_code_and_range_and_cleared_when_fixed() {
    let good = "segment buyers = did(purchase)\n";
    let dir = project(&[("a.seg", good)]);
    let file = dir.join("segments/a.seg");
    let (mut client, _) = Client::start(&dir);
    // An unknown event on the second line, columns 22 to 29 (0-based).
    let bad = "segment buyers = did(purchase)\nsegment lookers = did(purchse)\n";
    client.open(&file, bad);
    let diagnostics = client.diagnostics(&file);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    let (code, message) = check_json(&dir, bad);
    assert_eq!(d["code"], code, "the code `seg check` gives");
    assert!(d["message"].as_str().unwrap().starts_with(&message), "{d}");
    assert_eq!(d["severity"], 1, "an error");
    assert_eq!(
        d["range"],
        json!({"start": {"line": 1, "character": 22}, "end": {"line": 1, "character": 29}})
    );
    // Typing the fix (unsaved: the file on disk still holds the good text) clears it.
    client.change(&file, 2, good);
    assert_eq!(client.diagnostics(&file), Vec::<Value>::new());
    client.shut_down();
}

/// The code and message `seg check --format json` gives for `text` as the one segment file.
fn check_json(dir: &Path, text: &str) -> (String, String) {
    let scratch = dir.join("scratch.seg");
    std::fs::write(&scratch, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["check", "--format", "json", "scratch.seg"])
        .current_dir(dir)
        .output()
        .unwrap();
    std::fs::remove_file(&scratch).unwrap();
    let line = String::from_utf8(output.stderr).unwrap();
    let d: Value = serde_json::from_str(line.lines().next().expect("a diagnostic")).unwrap();
    (
        d["code"].as_str().unwrap().to_string(),
        d["message"].as_str().unwrap().to_string(),
    )
}

#[test]
fn fixing_an_imported_file_clears_the_file_that_imports_it() {
    let dir = project(&[
        ("common.seg", "segment buyers = did(purchase)\n"),
        (
            "main.seg",
            "import \"common.seg\"\nsegment big = buyers and sum(purchase.value) > 100\n",
        ),
    ]);
    let common = dir.join("segments/common.seg");
    let main = dir.join("segments/main.seg");
    let (mut client, _) = Client::start(&dir);
    assert_eq!(client.open_as_saved(&main), Vec::<Value>::new());
    // Renaming the segment in the imported file breaks its importer.
    client.open(&common, "segment buyer = did(purchase)\n");
    let in_main = client.diagnostics(&main);
    assert_eq!(in_main.len(), 1, "{in_main:?}");
    assert_eq!(in_main[0]["range"]["start"]["line"], 1);
    assert!(
        in_main[0]["message"].as_str().unwrap().contains("buyers"),
        "{in_main:?}"
    );
    // Putting the name back in the imported file clears the importer.
    client.change(&common, 2, "segment buyers = did(purchase)\n");
    assert_eq!(client.diagnostics(&main), Vec::<Value>::new());
    client.shut_down();
}

#[test]
fn a_file_outside_any_project_says_so_instead_of_failing() {
    let dir = std::fs::canonicalize(tempdir()).unwrap();
    let file = dir.join("loose.seg");
    let (mut client, _) = Client::start(&dir);
    client.open(&file, "segment buyers = did(purchase)\n");
    let diagnostics = client.diagnostics(&file);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("no seg.toml"),
        "{diagnostics:?}"
    );
    client.shut_down();
}

/// The two files of the name tests: `main.seg` imports `common.seg` and uses its segment.
fn two_files() -> (PathBuf, PathBuf, PathBuf) {
    let dir = project(&[
        (
            "common.seg",
            "segment buyers \"Bought at least once\" =\n    did(purchase)\n",
        ),
        (
            "main.seg",
            "import \"common.seg\"\n\nsegment big_buyers =\n    buyers and sum(purchase.value) > 100\n",
        ),
    ]);
    let common = dir.join("segments/common.seg");
    let main = dir.join("segments/main.seg");
    (dir, common, main)
}

/// The project's schema, read as seg reads it.
fn schema_of(dir: &Path) -> seg::schema::Schema {
    let text = std::fs::read_to_string(dir.join("schema.toml")).unwrap();
    seg::schema::Schema::from_toml(seg::source::FileId(0), &text).expect("the schema")
}

fn position(file: &Path, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri(file)}, "position": {"line": line, "character": character}})
}

#[test]
fn completion_after_an_event_and_a_dot_gives_only_its_properties() {
    let (dir, _, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    let text = "import \"common.seg\"\n\nsegment big_buyers =\n    buyers and sum(purchase.\n";
    client.open(&main, text);
    client.diagnostics(&main);
    let items = client.request("textDocument/completion", &position(&main, 3, 28));
    let mut labels: Vec<String> = items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    labels.sort();
    let schema = schema_of(&dir);
    let id = schema.event_id("purchase").unwrap();
    let mut want: Vec<String> = schema
        .event(id)
        .properties
        .iter()
        .map(|p| p.name.clone())
        .collect();
    want.sort();
    assert!(want.len() >= 3, "{want:?}");
    assert_eq!(labels, want);
    client.shut_down();
}

#[test]
fn hover_over_a_segment_name_gives_its_kind_and_description() {
    let (dir, _, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    client.open_as_saved(&main);
    // `buyers` on line 3, used in main.seg and defined in common.seg.
    let hover = client.request("textDocument/hover", &position(&main, 3, 6));
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("segment (users)** `buyers`"), "{text}");
    assert!(text.contains("Bought at least once"), "{text}");
    assert!(text.contains("did(purchase)"), "{text}");
    // Over nothing: no hover.
    let nothing = client.request("textDocument/hover", &position(&main, 1, 0));
    assert_eq!(nothing, Value::Null);
    client.shut_down();
}

#[test]
fn go_to_definition_lands_in_the_imported_file_and_references_find_every_use() {
    let (dir, common, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    client.open_as_saved(&main);
    let location = client.request("textDocument/definition", &position(&main, 3, 8));
    assert_eq!(location["uri"], uri(&common));
    assert_eq!(
        location["range"],
        json!({"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 14}})
    );
    // Its references: the definition and the use, or the use alone.
    let mut params = position(&main, 3, 8);
    params["context"] = json!({"includeDeclaration": true});
    let found = client.request("textDocument/references", &params);
    let places: Vec<(String, u64)> = found
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, [(uri(&common), 0), (uri(&main), 3)]);
    params["context"] = json!({"includeDeclaration": false});
    let uses = client.request("textDocument/references", &params);
    assert_eq!(uses.as_array().map(Vec::len), Some(1), "{uses}");
    client.shut_down();
}

#[test]
fn rename_changes_the_definition_and_every_use_across_files() {
    let (dir, common, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    client.open_as_saved(&main);
    let mut params = position(&common, 0, 10);
    params["newName"] = json!("purchasers");
    let edit = client.request("textDocument/rename", &params);
    let changes = edit["changes"].as_object().expect("changes by file");
    assert_eq!(changes.len(), 2, "{edit}");
    let edits = |file: &Path| changes[&uri(file)].as_array().unwrap().clone();
    assert_eq!(
        edits(&common),
        vec![
            json!({"range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 14}}, "newText": "purchasers"})
        ]
    );
    assert_eq!(
        edits(&main),
        vec![
            json!({"range": {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 10}}, "newText": "purchasers"})
        ]
    );
    // Applying the edits gives files that check clean.
    let apply = |file: &Path, line: usize| {
        let text = std::fs::read_to_string(file).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[line] = lines[line].replacen("buyers", "purchasers", 1);
        std::fs::write(file, lines.join("\n") + "\n").unwrap();
    };
    apply(&common, 0);
    apply(&main, 3);
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("check")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A keyword is not a name.
    let mut bad = position(&common, 0, 10);
    bad["newName"] = json!("segment");
    let error = client.request_error("textDocument/rename", &bad);
    assert!(error.contains("not a name"), "{error}");
    client.shut_down();
}

#[test]
fn document_symbols_list_the_files_definitions_in_order() {
    let (dir, _, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    let text = "import \"common.seg\"\n\nlet floor = 100\n\nsegment big_buyers \"Spent over the floor\" =\n    buyers and sum(purchase.value) > floor\n";
    client.open(&main, text);
    assert_eq!(client.diagnostics(&main), Vec::<Value>::new());
    let symbols = client.request(
        "textDocument/documentSymbol",
        &json!({"textDocument": {"uri": uri(&main)}}),
    );
    let symbols = symbols.as_array().expect("a list");
    let names: Vec<&str> = symbols
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["floor", "big_buyers"]);
    assert_eq!(symbols[1]["detail"], "Spent over the floor");
    assert_eq!(
        symbols[1]["selectionRange"],
        json!({"start": {"line": 4, "character": 8}, "end": {"line": 4, "character": 18}})
    );
    assert_eq!(
        symbols[1]["range"]["start"],
        json!({"line": 4, "character": 0})
    );
    client.shut_down();
}

#[test]
fn formatting_gives_seg_fmts_layout_and_refuses_a_file_that_does_not_parse() {
    let (dir, _, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    let messy =
        "import \"common.seg\"\nsegment   big_buyers=buyers and sum( purchase.value )>100\n";
    client.open(&main, messy);
    client.diagnostics(&main);
    let doc = json!({"textDocument": {"uri": uri(&main)}, "options": {"tabSize": 4, "insertSpaces": true}});
    let edits = client.request("textDocument/formatting", &doc);
    let edits = edits.as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:?}");
    // The edit's text is what `seg fmt` writes for the same file.
    std::fs::write(&main, messy).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(["fmt", "segments/main.seg"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let formatted = std::fs::read_to_string(&main).unwrap();
    assert_ne!(formatted, messy);
    assert_eq!(edits[0]["newText"], formatted.as_str());
    assert_eq!(edits[0]["range"]["end"], json!({"line": 2, "character": 0}));
    // Already formatted: no edit. Not parsing: an error saying why.
    client.change(&main, 2, &formatted);
    client.diagnostics(&main);
    assert_eq!(client.request("textDocument/formatting", &doc), json!([]));
    client.change(&main, 3, "segment = (\n");
    client.diagnostics(&main);
    let error = client.request_error("textDocument/formatting", &doc);
    assert!(error.contains("syntax errors"), "{error}");
    client.shut_down();
}

#[test]
fn semantic_tokens_tell_events_builtins_segments_properties_and_keywords_apart() {
    let (dir, _, main) = two_files();
    let (mut client, init) = Client::start(&dir);
    let legend: Vec<String> = init["capabilities"]["semanticTokensProvider"]["legend"]
        ["tokenTypes"]
        .as_array()
        .expect("a legend")
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    // Characters of two UTF-16 units and of two bytes before tokens on the same line.
    let text = "import \"common.seg\"\n# big spenders \u{1F4B0}\nsegment big_buyers =\n    (\"\u{e9}\u{1F4B0}\" == \"x\" or buyers) and sum(purchase.value within 30d) > profile.ltv\n";
    client.open(&main, text);
    client.diagnostics(&main);
    let tokens = client.request(
        "textDocument/semanticTokens/full",
        &json!({"textDocument": {"uri": uri(&main)}}),
    );
    let data: Vec<u32> = tokens["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|n| u32::try_from(n.as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decoded: (line, column, the text, its type).
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut column) = (0, 0);
    let mut got = Vec::new();
    for group in data.chunks(5) {
        if group[0] > 0 {
            column = 0;
        }
        line += group[0];
        column += group[1];
        // Columns and lengths count UTF-16 units.
        let units: Vec<u16> = lines[line as usize].encode_utf16().collect();
        let start = column as usize;
        let word = String::from_utf16(&units[start..start + group[2] as usize]).unwrap();
        got.push((word, legend[group[3] as usize].clone()));
    }
    let kind = |word: &str| {
        got.iter().find(|(w, _)| w == word).map_or_else(
            || panic!("no token `{word}` in {got:?}"),
            |(_, k)| k.as_str(),
        )
    };
    assert_eq!(kind("import"), "keyword");
    assert_eq!(kind("\"common.seg\""), "string");
    assert_eq!(kind("# big spenders \u{1F4B0}"), "comment");
    assert_eq!(kind("\"\u{e9}\u{1F4B0}\""), "string");
    assert_eq!(kind("segment"), "keyword");
    assert_eq!(kind("big_buyers"), "class");
    assert_eq!(kind("buyers"), "class");
    assert_eq!(kind("and"), "keyword");
    assert_eq!(kind("sum"), "function");
    assert_eq!(kind("purchase"), "event");
    assert_eq!(kind("value"), "property");
    assert_eq!(kind("within"), "keyword");
    assert_eq!(kind("30d"), "number");
    assert_eq!(kind(">"), "operator");
    assert_eq!(kind("profile"), "namespace");
    assert_eq!(kind("ltv"), "property");
    client.shut_down();
}

#[test]
fn hover_gives_a_segments_member_count_from_the_data_in_seg_toml() {
    let examples = crate::cli::root().join("examples").canonicalize().unwrap();
    let as_of = "2026-11-15T12:00:00Z";
    let (mut client, _) = Client::start_with(&examples, &json!({"asOf": as_of}));
    let file = examples.join("segments/retail.seg");
    let text = std::fs::read_to_string(&file).unwrap();
    client.open(&file, &text);
    assert_eq!(client.diagnostics(&file), Vec::<Value>::new());
    let (line, name) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            let rest = l.strip_prefix("segment ")?;
            Some((i, rest.split([' ', '"', '=']).next()?.to_string()))
        })
        .expect("a segment in retail.seg");
    let line = u32::try_from(line).unwrap();
    // The count is made in the background: the first hovers may say it is coming.
    let deadline = Instant::now() + WAIT;
    let shown = loop {
        let hover = client.request("textDocument/hover", &position(&file, line, 9));
        let text = hover["contents"]["value"]
            .as_str()
            .expect("markdown")
            .to_string();
        if text.contains(" members**") {
            break text;
        }
        assert!(text.contains("members: counting"), "{text}");
        assert!(Instant::now() < deadline, "no count in {WAIT:?}: {text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = Command::new(env!("CARGO_BIN_EXE_seg"))
        .args([
            "eval",
            "--as-of",
            as_of,
            "--format",
            "count",
            "--segment",
            &name,
        ])
        .current_dir(&examples)
        .output()
        .unwrap();
    let counted = String::from_utf8(output.stdout).unwrap();
    let members = counted
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name},")))
        .unwrap_or_else(|| panic!("no count for {name}: {counted}"));
    assert!(
        shown.contains(&format!("**{members} members** of ")),
        "{shown} against seg eval's {members}"
    );
    assert!(shown.contains("as of 2026-11-15T12:00:00Z"), "{shown}");
    client.shut_down();
}

#[test]
fn completion_offers_durations_after_within_and_hover_explains_a_verb() {
    let (dir, _, main) = two_files();
    let (mut client, _) = Client::start(&dir);
    let text = "import \"common.seg\"\n\nsegment recent =\n    did(purchase within \n";
    client.open(&main, text);
    client.diagnostics(&main);
    let items = client.request("textDocument/completion", &position(&main, 3, 24));
    let labels: Vec<&str> = items
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"7d") && labels.contains(&"30d"),
        "{labels:?}"
    );
    assert!(
        labels.iter().all(|l| l.ends_with(['h', 'd', 'w'])),
        "{labels:?}"
    );
    let schema = schema_of(&dir);
    let verb = schema.verbs.first().expect("a verb in the example schema");
    let event = schema.event(verb.event);
    let line = format!("segment v = {}(\"x\")\n", verb.name);
    client.change(&main, 2, &line);
    client.diagnostics(&main);
    let hover = client.request("textDocument/hover", &position(&main, 0, 13));
    let shown = hover["contents"]["value"].as_str().expect("markdown");
    let key = &event.properties[verb.key].name;
    assert!(
        shown.contains(&format!("did({} where {key} == VALUE)", event.name)),
        "{shown}"
    );
    client.shut_down();
}
