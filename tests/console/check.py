"""The seg console in real headless Chromium (Playwright driving Debian's chromium): each
screen is checked against the API's own figures, as a person would see them.

    python check.py SCREEN BASE_URL TOKEN SHOTS_DIR [EXTRA_JSON]

Exits 0 when every check of the screen holds; otherwise prints what differs and exits 1.
Screenshots go to SHOTS_DIR (docs/img/console when the docs' pictures are remade)."""

import json
import os
import re
import sys
import urllib.parse
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("SEG_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium as root in a sandbox without a network: no sandbox, no GPU, none of the
# background connections a closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class Api:
    def __init__(self, base, token):
        self.base = base
        self.token = token

    def request(self, method, path, params=None, body=None, raw=False):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
                return (response.status, text if raw else json.loads(text))
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            return (e.code, text if raw else json.loads(text))

    def get(self, path, **params):
        status, body = self.request("GET", path, params)
        assert status == 200, f"GET {path} {params}: {status} {body}"
        return body

    def text(self, path, **params):
        status, body = self.request("GET", path, params, raw=True)
        assert status == 200, f"GET {path} {params}: {status} {body}"
        return body

    def post(self, path, body):
        return self.request("POST", path, body=body)


def number(text):
    """A count as the page shows it ("1,234") as an int."""
    return int(text.replace(",", ""))


def percent(text):
    """A share as the page shows it ("37.7%") as a fraction; None for a dash."""
    return None if text.strip() == "–" else float(text.rstrip("%").replace(",", "")) / 100


def close(shown, exact, what):
    """A share shown to 0.1% agrees with the API's fraction."""
    if exact is None:
        assert shown is None, f"{what}: the page shows {shown}, the API has no figure"
        return
    assert shown is not None and abs(shown - exact) <= 0.0005 + 1e-9, f"{what}: page {shown}, API {exact}"


def rows(page, selector):
    """The text of each cell (th or td) of each body row of a table."""
    return page.eval_on_selector(
        selector,
        "t => [...t.querySelectorAll('tbody tr')].map(r => [...r.children].map(c => c.textContent.trim()))",
    )


def texts(page, selector):
    """The text of each element a selector finds."""
    return page.eval_on_selector_all(selector, "e => e.map(x => x.textContent)")


def attributes(page):
    """A member's attributes as the page shows them: name to text."""
    return dict(page.eval_on_selector_all(
        "#member-attributes div", "d => d.map(x => [x.children[0].textContent, x.children[1].textContent])"))


class Screen:
    def __init__(self, p, base, token, shots, viewport=(1280, 900)):
        self.base = base
        self.token = token
        self.shots = shots
        self.api = Api(base, token)
        self.browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        self.page = self.browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.page.set_default_timeout(30000)
        self.problems = []
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on("console", self.console)

    def console(self, message):
        # A 4xx from the API (a wrong token, an unknown id, an expression with errors) is an
        # answer the page shows; anything else the console reports (a script that failed,
        # something the security policy refused) is a fault.
        answered = re.search(r"Failed to load resource: .* status of 4\d\d", message.text)
        if message.type == "error" and not answered:
            self.problems.append(f"console: {message.text}")

    def sign_in(self):
        page = self.page
        page.goto(self.base + "/")
        page.wait_for_selector("#token")
        # By keyboard: the field has the focus; type and press Enter.
        page.keyboard.type(self.token)
        page.keyboard.press("Enter")
        page.wait_for_selector("nav#nav:not([hidden])")

    def go(self, route, ready):
        self.page.evaluate("r => { location.hash = r }", route)
        self.page.wait_for_selector(ready)

    def shot(self, name, full=True):
        path = os.path.join(self.shots, name + ".png")
        self.page.screenshot(path=path, full_page=full)

    def accessible(self):
        """Every form control has a label, every chart a name, and text its contrast."""
        unlabelled = self.page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
                .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert not unlabelled, f"form controls without a label: {unlabelled}"
        unnamed = self.page.evaluate(
            "() => [...document.querySelectorAll('svg')].filter(s => !s.getAttribute('aria-label') && s.getAttribute('aria-hidden') !== 'true').length"
        )
        assert unnamed == 0, f"{unnamed} charts without a name"
        low = self.page.evaluate(CONTRAST)
        assert not low, f"text under 4.5:1 contrast: {low[:5]}"

    def close(self):
        self.browser.close()
        assert not self.problems, "the page reported: " + "; ".join(self.problems)


# The WCAG contrast of each element's own text against the background it is drawn on.
CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ground = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg') || e.closest('[hidden]') || e.closest('.mirror') || e.tagName === 'TEXTAREA') continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || e.getClientRects().length === 0) continue;
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden' || parseFloat(style.opacity) < 1) continue;
    const a = lum(rgb(style.color).slice(0, 3)), b = lum(ground(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${e.tagName}.${e.className}: ${ratio.toFixed(2)} "${e.textContent.trim().slice(0, 30)}"`);
  }
  return low;
}"""


def signin(s, extra):
    page = s.page
    page.goto(s.base + "/")
    page.wait_for_selector("#token")
    s.accessible()
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    page.wait_for_selector(".login [role=alert]")
    alert = page.inner_text(".login [role=alert]")
    assert "not the service's" in alert, alert
    assert page.is_hidden("nav#nav"), "the screens are shown without a token"
    s.shot("signin", full=False)
    page.fill("#token", "")
    s.sign_in()
    page.wait_for_selector("#segments tbody tr")
    kept = page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]")
    assert kept == [0, 0, ""], f"the page stored something: {kept}"
    assert s.token not in page.url, page.url
    for route in ["#/compare", "#/member/user/u000001", "#/try"]:
        s.go(route, "main .screen")
        assert s.token not in page.url, page.url
    # The token is in memory only: a reload asks for it again.
    page.reload()
    page.wait_for_selector("#token")
    assert page.is_hidden("nav#nav")
    # Signing out forgets it.
    s.sign_in()
    page.click("#signout")
    page.wait_for_selector("#token")
    # The page's own files are open; the API is not.
    status, _ = Api(s.base, "").request("GET", "/v1/segments")
    assert status == 401, status


def segments(s, extra):
    page = s.page
    s.sign_in()
    page.wait_for_selector("#segments tbody tr")
    listed = {x["name"]: x for x in s.api.get("/v1/segments")["segments"]}
    sizes = {x["segment"]: x for x in s.api.get("/v1/stats")["segments"]}
    shown = rows(page, "#segments")
    assert sorted(r[0] for r in shown) == sorted(listed), "the list is not the API's segments"
    for name, kind, description, members, share, _ in shown:
        api = listed[name]
        assert kind == api["kind"], name
        assert description == (api["description"] or ""), name
        assert number(members) == api["members"], f"{name}: page {members}, API {api['members']}"
        close(percent(share), sizes[name]["share"], name)
    counts = [number(r[3]) for r in shown]
    assert counts == sorted(counts, reverse=True), "not sorted by size"
    # The rows on the screen get their trend lines (a point a day, as GET /v1/trend gives
    # them), the others as they scroll into view; every row has one at the end.
    trend = s.api.get("/v1/trend", step="1d")
    page.wait_for_selector("#segments tr[data-segment=buyer] svg.sparkline")
    below = page.eval_on_selector_all(
        "#segments tbody tr", "r => r.filter(x => x.getBoundingClientRect().top > innerHeight + 400).length"
    )
    drawn = page.eval_on_selector_all("#segments svg.sparkline", "s => s.length")
    assert below > 0 and drawn <= len(listed) - below, f"rows far below the screen got lines first: {drawn}, {below}"
    points = page.eval_on_selector(
        "#segments tr[data-segment=buyer] svg.sparkline",
        "s => [s.querySelector('polyline').getAttribute('points').split(' ').length, s.getAttribute('aria-label')]",
    )
    buyer = trend["segments"]["buyer"]
    assert points[0] == len(trend["instants"]), points
    assert points[1] == f"buyer: {buyer[0]:,} to {buyer[-1]:,} members", points
    s.shot("segments", full=False)
    while page.evaluate("() => innerHeight + scrollY < document.documentElement.scrollHeight - 1"):
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(100)
    page.wait_for_function(
        "n => document.querySelectorAll('#segments svg.sparkline polyline').length === n", arg=len(listed)
    )
    labels = page.eval_on_selector_all(
        "#segments td.trend svg", "s => s.map(x => [x.closest('tr').dataset.segment, x.getAttribute('aria-label')])"
    )
    for name, label in labels:
        line = trend["segments"][name]
        assert label == f"{name}: {line[0]:,} to {line[-1]:,} members", (name, label)
    s.accessible()
    # Search by name, then sort by name.
    page.fill("#segment-search", "ltv")
    found = [r[0] for r in rows(page, "#segments")]
    assert sorted(found) == sorted(n for n in listed if "ltv" in n) and found, found
    assert page.inner_text(".summary") == f"{len(found)} of {len(listed)} segments"
    page.fill("#segment-search", "")
    page.select_option("#segment-sort", "name")
    names = [r[0] for r in rows(page, "#segments")]
    assert names == sorted(listed, key=lambda n: n.encode()), "not sorted by name"
    # A row's link opens the segment.
    page.click("#segments a[href='#/segment/buyer']")
    page.wait_for_selector("#segment-members")


def segment(s, extra):
    page = s.page
    s.sign_in()
    name = extra.get("segment", "buyer")
    s.go(f"#/segment/{name}", "#members")
    api = s.api.get(f"/v1/segments/{name}")
    assert number(page.inner_text("#segment-members")) == api["members"]
    assert page.inner_text("pre.source").strip() == api["source"].strip()
    keywords = texts(page, "pre.source .tok-storage")
    assert "segment" in keywords, keywords
    # The trend: the default range (30 days to now, a day a step), then a week a step.
    page.wait_for_selector("#trend-points", state="attached")

    def trend_matches(step):
        page.click("details summary")
        shown = rows(page, "#trend-points")
        page.click("details summary")
        instants = page.eval_on_selector_all("svg.chart circle", "c => c.length")
        assert instants == len(shown), (instants, len(shown))
        first = shown[0][0].replace(" UTC", "Z").replace(" ", "T")
        last = shown[-1][0].replace(" UTC", "Z").replace(" ", "T")
        answer = s.api.get(f"/v1/segments/{name}/trend", **{"from": first, "to": last, "step": step})
        expected = [p["members"] for p in answer["points"]]
        assert [number(r[1]) for r in shown] == expected, f"trend {step}: page {shown}, API {expected}"
        return len(shown)

    assert trend_matches("1d") >= 28
    page.fill("#trend-from", "2026-10-01")
    page.fill("#trend-to", "2026-11-12")
    page.select_option("#trend-step", "1w")
    page.click("#trend-show")
    page.wait_for_function("() => document.querySelectorAll('#trend-points tbody tr').length === 7")
    assert trend_matches("1w") == 7
    s.shot("segment")
    # Members, with the chosen attributes, a page at a time.
    chosen = page.eval_on_selector_all("fieldset.picks input:checked", "e => e.map(x => x.value)")
    first = s.api.get(f"/v1/segments/{name}/members", limit=25, attributes=",".join(chosen))
    shown = rows(page, "#members")
    assert [r[0] for r in shown] == first["members"], "the first page is not the API's"
    for row, values in zip(shown, first["attributes"]):
        for column, attribute in zip(row[1:], chosen):
            value = values.get(attribute)
            assert column == ("–" if value is None else value if isinstance(value, str) else json.dumps(value)), (row, values)
    page.click("text=Next page")
    page.wait_for_function("f => document.querySelector('#members tbody tr th, #members tbody td').textContent !== f", arg=first["members"][0])
    second = s.api.get(f"/v1/segments/{name}/members", limit=25, cursor=first["next_cursor"])
    assert [r[0] for r in rows(page, "#members")] == second["members"]
    # The CSV download is the API's CSV.
    with page.expect_download() as download:
        page.click("text=Download CSV")
    with open(download.value.path()) as f:
        csv = f.read()
    assert csv == s.api.text(f"/v1/segments/{name}/members", format="csv", limit=100000, attributes=",".join(chosen))
    assert csv.count("\n") == api["members"] + 1
    # The changes: the latest, newest first.
    latest = s.api.get(f"/v1/segments/{name}/changes", latest="true", limit=20)["changes"]
    shown = rows(page, "#changes")
    assert [r[1] for r in shown] == [c["id"] for c in reversed(latest)]
    s.accessible()


def compare(s, extra):
    page = s.page
    s.sign_in()
    s.go("#/compare", "#compare-segments")
    chosen = ["buyer", "email_lead", "repeat_visitors"]
    page.eval_on_selector_all("#compare-segments input", "b => b.forEach(x => { x.checked = false })")
    for name in chosen:
        page.check(f"#compare-segments input[value={name}]")
    page.select_option("#compare-goal", "ltv_bronze")
    page.select_option("#compare-filter", "international_shoppers")
    page.click("#compare-run")
    page.wait_for_selector("#compare-table")
    answer = s.api.get("/v1/compare", segments=",".join(chosen), goal="ltv_bronze", filter="international_shoppers")
    shown = rows(page, "#compare-table")
    assert [r[0] for r in shown] == [g["name"] for g in answer["groups"]]
    for row, group in zip(shown, answer["groups"]):
        assert number(row[1]) == group["members"], (row, group)
        close(percent(row[2]), group["goal"], row[0])
        assert abs(float(row[3]) - group["active_days"]) <= 0.005 + 1e-9, (row, group)
    bars = page.eval_on_selector_all("svg.bars rect.bar", "b => b.map(x => x.querySelector('title').textContent)")
    assert len(bars) == len(chosen), bars
    events = rows(page, "#compare-events")
    assert [r[0] for r in events] == [e for e, _ in answer["groups"][0]["events_per_member"]]
    s.accessible()
    s.shot("compare")


def campaigns(s, extra):
    page = s.page
    s.sign_in()
    s.go("#/campaigns", ".card")
    page.select_option("#campaigns-filter", "b2b_customer")
    page.fill("#campaigns-from", "2026-11-01")
    page.click("#campaigns-show")
    page.wait_for_function("() => document.querySelectorAll('.card tbody tr').length > 3")
    to = page.input_value("#campaigns-to")
    answer = s.api.get("/v1/campaigns", **{"from": "2026-11-01T00:00:00Z", "to": to + "T00:00:00Z", "step": "1d", "filter": "b2b_customer"})
    cards = page.eval_on_selector_all(".card", "c => c.map(x => x.dataset.campaign)")
    assert cards == [d["name"] for d in answer["definitions"]], cards
    for definition in answer["definitions"]:
        card = f".card[data-campaign={definition['name']}]"
        clauses = page.eval_on_selector(card, "c => [...c.querySelectorAll('.clauses dd')].map(d => d.textContent)")
        assert clauses[0] == definition["target"], (clauses, definition)
        figures = rows(page, card + " table")
        expected = [r for r in answer["campaigns"] if r["campaign"] == definition["name"]]
        assert len(figures) == len(expected) == 2, figures
        for row, r in zip(figures, expected):
            assert row[0] == ("all" if r["filter"] is None else "in " + r["filter"]), row
            assert [number(row[1]), number(row[2]), number(row[4]), number(row[5])] == [
                r["targeted"], r["converted"], r["holdout"], r["holdout_converted"]], (row, r)
            close(percent(row[3]), r["conversion"], f"{definition['name']} conversion")
            close(percent(row[6]), r["holdout_conversion"], f"{definition['name']} holdout conversion")
    s.accessible()
    s.shot("campaigns")


def member(s, extra):
    page = s.page
    s.sign_in()
    s.go("#/member", "#member-id")
    page.click("#member-id")
    page.keyboard.type("u000001")
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-segments")
    user = s.api.get("/v1/users/u000001")
    shown = texts(page, "#member-segments li")
    assert sorted(shown) == sorted(user["segments"]), (shown, user["segments"])
    assert attributes(page) == {k: v if isinstance(v, str) else json.dumps(v) for k, v in user["profile"].items()}
    events = texts(page, "#member-events li .event")
    assert events == [e["event"] for e in user["latest_events"]], events
    # The explanation of a segment it is in, then of one it is not in.
    page.wait_for_selector("#explain-verdict")
    for name in [extra.get("in", "ltv_bronze"), extra.get("out", "ltv_silver")]:
        page.select_option("#explain-segment", name)
        page.click("#explain-run")
        page.wait_for_function("n => document.querySelector('#explain-verdict strong')?.textContent === n", arg=name)
        explained = s.api.get("/v1/users/u000001", explain=name)["explain"]["segments"][0]
        verdict = page.inner_text("#explain-verdict")
        assert verdict == f"u000001 {'is in' if explained['member'] else 'is not in'} {name}.", verdict
        sources = texts(page, "#explain-tree .node-source")

        def walk(node):
            yield node["source"]
            for child in node.get("children", []):
                yield from walk(child)

        assert sources == list(walk(explained["tree"])), (sources, explained["tree"])
        if name == extra.get("in", "ltv_bronze"):
            s.shot("member")
    # An account.
    s.go("#/member/account/a00002", "#explain-verdict")
    account = s.api.get("/v1/accounts/a00002")
    shown = texts(page, "#member-segments li")
    assert sorted(shown) == sorted(account["segments"]), shown
    users = texts(page, "section:has(#users-title) li")
    assert users == account["users"], users
    # An account segment's explanation with the attribute history `changed` searched.
    page.select_option("#explain-segment", "account_converted")
    page.click("#explain-run")
    page.wait_for_selector("#explain-tree .history")
    changed = s.api.get("/v1/accounts/a00002", explain="account_converted")["explain"]["segments"][0]["tree"]["changed"]
    shown = texts(page, "#explain-tree .history li")
    expected = [(f"{r['ts'].replace('T', ' ').replace('Z', ' UTC')}" if r["ts"] else "from the beginning") + " " + r["value"]["value"] for r in changed["history"]]
    assert shown == expected, (shown, expected)
    s.accessible()
    # An id no one has, and an address that is not valid percent-encoding (taken as written).
    s.go("#/member/user/nobody-at-all", ".message.error")
    assert "No user has the id" in page.inner_text(".message.error")
    s.go("#/member/user/%E0%A4%A", ".message.error")
    assert "No user has the id “%E0%A4%A”" in page.inner_text(".message.error")


def try_box(s, extra):
    page = s.page
    s.sign_in()
    s.go("#/try", "#try-expression")
    page.click("#try-expression")
    wrong = "did(purchse within 30d) and profile.country == \"DE\""
    page.keyboard.type(wrong, delay=5)
    page.wait_for_selector("#try-diagnostics")
    status, answer = s.api.post("/v1/evaluate", {"expression": wrong, "sample": 10})
    assert status == 422, answer
    d = answer["diagnostics"][0]
    shown = page.inner_text("#try-diagnostics li")
    assert d["code"] in shown and d["message"] in shown, shown
    marked = page.eval_on_selector_all(".mirror .mark-error", "m => m.map(x => x.textContent).join('')")
    assert marked == wrong[d["expression_start"]:d["expression_end"]] == "purchse", marked
    assert "1:5" in shown, shown
    s.accessible()
    s.shot("try-error", full=False)
    # Fix it: the error goes, the count comes.
    page.keyboard.press("Control+A")
    right = "did(purchase within 30d) and profile.country == \"US\""
    page.keyboard.type(right, delay=5)
    page.wait_for_selector("#try-count")
    status, answer = s.api.post("/v1/evaluate", {"expression": right, "sample": 10})
    assert status == 200, answer
    assert number(page.inner_text("#try-count strong")) == answer["members"]
    sample = texts(page, "#try-sample li")
    assert sample == answer["sample"], sample
    assert page.eval_on_selector_all(".mirror .mark-error", "m => m.length") == 0
    s.shot("try", full=False)


def escaping(s, extra):
    page = s.page
    s.sign_in()
    page.wait_for_selector("#segments tbody tr")
    markup = extra["markup"]
    user = extra["user"]
    # A description holding markup shows as text.
    description = page.inner_text("#segments tr[data-segment=markup_test] td.description")
    assert description == markup, description
    # The member list, the member page (id, profile value, event property), the try box.
    s.go("#/segment/markup_test", "#members")
    assert user in [r[0] for r in rows(page, "#members")]
    page.evaluate("r => { location.hash = r }", "#/member/user/" + urllib.parse.quote(user, safe=""))
    page.wait_for_selector("#member-events")
    assert page.inner_text(".member-id code") == user
    pairs = attributes(page)
    assert pairs["country"] == markup, pairs
    properties = page.inner_text("#member-events")
    assert markup in properties, properties
    page.wait_for_selector("#explain-verdict")
    s.shot("escaping")
    s.go("#/try", "#try-expression")
    page.fill("#try-expression", 'did(purchase where product == "' + markup.replace('"', '\\"') + '")')
    page.wait_for_selector("#try-sample")
    assert page.inner_text("#try-sample") == user
    # Nothing ran, and nothing was made of the markup.
    state = page.evaluate("() => [window.__seg_injected, document.querySelectorAll('img').length, document.scripts.length]")
    assert state == [None, 0, 1], f"markup was read as HTML: {state}"


def phone(s, extra):
    page = s.page
    s.sign_in()
    for route, ready in [("#/segments", "#segments tbody tr"), ("#/segment/buyer", "#members"), ("#/member/user/u000001", "#explain-verdict"), ("#/try", "#try-expression")]:
        s.go(route, ready)
        wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{route}: the page is {wide}px wider than a phone's screen"
        if route == "#/segments":
            page.wait_for_selector("#segments svg.sparkline")
            s.shot("phone-segments", full=False)
    s.accessible()


SCREENS = {
    "signin": signin,
    "segments": segments,
    "segment": segment,
    "compare": compare,
    "campaigns": campaigns,
    "member": member,
    "try": try_box,
    "escaping": escaping,
    "phone": phone,
}


def main():
    screen, base, token, shots = sys.argv[1:5]
    extra = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
    os.makedirs(shots, exist_ok=True)
    with sync_playwright() as p:
        viewport = (390, 844) if screen == "phone" else (1280, 900)
        s = Screen(p, base, token, shots, viewport)
        try:
            SCREENS[screen](s, extra)
        except Exception:
            s.shot("failed-" + screen)
            raise
        finally:
            s.close()
    print(f"console {screen}: every check holds")


if __name__ == "__main__":
    main()
