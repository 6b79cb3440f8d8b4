#!/usr/bin/env python3
"""The language server's re-check time (issue 16): `seg lsp` is started on a project whose one
segment file has LINES lines or more (bench/gen_segments.py), the file is opened, then changed
by one character ROUNDS times (a space added at the end of its last line, then taken away);
each round is timed from sending the change to receiving that file's diagnostics, the whole
round trip an editor sees (the check of the project, its diagnostics, the JSON on the pipe).

    lsp.py SEG PROJECT_DIR [ROUNDS]

Prints the file's lines and segments and the median, p90 and max milliseconds."""
import json
import os
import statistics
import subprocess
import sys
import time


def main():
    seg, project = sys.argv[1], os.path.realpath(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    path = os.path.join(project, "segments", "generated.seg")
    uri = "file://" + path
    text = open(path).read()
    server = subprocess.Popen([seg, "lsp"], cwd=project, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)

    def send(message):
        body = json.dumps(message).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    def receive():
        length = None
        while True:
            line = server.stdout.readline()
            if not line:
                sys.exit("seg lsp ended")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(server.stdout.read(length))

    def diagnostics():
        while True:
            m = receive()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"processId": None, "rootUri": "file://" + project, "capabilities": {}}})
    while receive().get("id") != 1:
        pass
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "seg", "version": 1, "text": text}}})
    found = diagnostics()
    errors = [d for d in found if d.get("severity") == 1]
    if errors:
        sys.exit(f"the generated file has errors: {errors[:3]}")
    times = []
    for i in range(rounds):
        changed = text.rstrip("\n") + (" \n" if i % 2 == 0 else "\n")
        start = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": i + 2},
            "contentChanges": [{"text": changed}]}})
        diagnostics()
        times.append((time.perf_counter() - start) * 1000)
    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
    while receive().get("id") != 2:
        pass
    send({"jsonrpc": "2.0", "method": "exit", "params": None})
    server.wait(timeout=10)
    times.sort()
    lines = text.count("\n")
    segments = sum(1 for l in text.splitlines() if l.startswith("segment "))
    print(f"seg lsp, a file of {lines} lines ({segments} segments), {rounds} one-character "
          f"changes: median {statistics.median(times):.1f} ms, "
          f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, max {times[-1]:.1f} ms")


main()
