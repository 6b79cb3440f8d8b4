"""The console's segment list, timed in Chromium (bench/console.sh).

    console.py SEG PROJECT ROUNDS

Starts `SEG serve` in PROJECT (a free loopback port, the clock at the examples' instant),
then ROUNDS times: opens the page, signs in, and reads from the page's own clock the time
from the submit to the last row of the list drawn, and to the trend lines of the rows on the
screen drawn."""

import re
import statistics
import subprocess
import sys
import time

from playwright.sync_api import sync_playwright

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main():
    seg, project, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    server = subprocess.Popen(
        [seg, "serve", "--listen", "127.0.0.1:0", "--test-clock", "2026-11-15T12:00:00Z"],
        cwd=project, stderr=subprocess.PIPE, text=True)
    try:
        base = None
        deadline = time.time() + 300
        while base is None and time.time() < deadline:
            line = server.stderr.readline()
            m = re.search(r"listening on (http://\S+) \((\d+) segments", line)
            if m:
                base, segments = m.group(1), int(m.group(2))
        assert base, "seg serve did not start"
        token = open(f"{project}/demo.token").read().strip()
        listed, lines = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for _ in range(rounds):
                page.goto(base + "/")
                page.wait_for_selector("#token")
                page.fill("#token", token)
                page.evaluate("""() => {
                    window.__t0 = performance.now();
                    new MutationObserver(() => {
                        const rows = document.querySelectorAll('#segments tbody tr').length;
                        if (rows && !window.__listed) window.__listed = [performance.now(), rows];
                    }).observe(document.body, {childList: true, subtree: true});
                }""")
                page.click("button[type=submit]")
                # The lines of the rows on the screen (the others come as they scroll in).
                page.wait_for_function("""() => {
                    const rows = [...document.querySelectorAll('#segments tbody tr')]
                        .filter(r => r.getBoundingClientRect().top < innerHeight);
                    return rows.length > 0 && rows.every(r => r.querySelector('svg.sparkline'));
                }""", timeout=120000)
                done = page.evaluate("() => performance.now()")
                t0, (at, rows) = page.evaluate("() => [window.__t0, window.__listed]")
                assert rows == segments, (rows, segments)
                listed.append(at - t0)
                lines.append(done - t0)
            browser.close()
        print(f"{segments} segments (seg serve, release; Chromium headless), {rounds} rounds:")
        for name, xs in [("list drawn", listed), ("lines on screen", lines)]:
            print(f"  {name:18} median {statistics.median(xs):7.1f} ms   min {min(xs):7.1f} ms   max {max(xs):7.1f} ms")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
