// A segment: its definition (highlighted), its trend over a chosen range and step, its
// members a page at a time with chosen attributes, a CSV download, and its latest changes.

import * as api from "./api.js";
import { h, show, count, share, field, select, table, route, instant, message } from "./dom.js";
import { lineChart } from "./chart.js";
import { highlight } from "./highlight.js";

const PAGE = 25;

export async function render(root, name) {
  const [segment, schema, stats] = await Promise.all([
    api.get("/v1/segments/" + api.part(name)),
    api.get("/v1/schema"),
    api.get("/v1/stats" + api.query({ segments: name })),
  ]);
  const size = stats.segments[0];
  const who = segment.kind === "account" ? "accounts" : "users";
  const trendBox = h("section", { "aria-labelledby": "trend-title" });
  const membersBox = h("section", { "aria-labelledby": "members-title" });
  const changesBox = h("section", { "aria-labelledby": "changes-title" });
  show(
    root,
    h("p", { class: "crumbs" }, h("a", { href: route("segments") }, "Segments"), " / ", segment.name),
    h("h1", {}, segment.name, " ", h("span", { class: "badge" }, segment.kind)),
    segment.description ? h("p", { class: "lead" }, segment.description) : null,
    h(
      "dl",
      { class: "figures" },
      h("div", {}, h("dt", {}, "Members"), h("dd", { id: "segment-members" }, count(segment.members))),
      h("div", {}, h("dt", {}, "Share"), h("dd", {}, `${share(size.share)} of ${count(size.total)} ${who}`)),
      h("div", {}, h("dt", {}, "File"), h("dd", {}, h("code", {}, segment.file))),
    ),
    h("section", { "aria-labelledby": "source-title" },
      h("h2", { id: "source-title" }, "Definition"),
      h("pre", { class: "source", tabindex: "0" }, h("code", {}, await highlight(segment.source)))),
    trendBox,
    membersBox,
    changesBox,
  );
  await Promise.all([
    trend(trendBox, segment),
    members(membersBox, segment, segment.kind === "account" ? schema.account : schema.profile),
    changes(changesBox, segment),
  ]);
}

async function trend(box, segment) {
  const from = h("input", { type: "date", id: "trend-from", required: true });
  const to = h("input", { type: "date", id: "trend-to", required: true });
  const step = select([["1h", "Hour"], ["6h", "6 hours"], ["1d", "Day"], ["1w", "Week"]], "1d", { id: "trend-step" });
  const out = h("div", { "aria-live": "polite" });
  const load = async (params) => {
    show(out, message("busy", "Evaluating…"));
    try {
      const answer = await api.get("/v1/trend" + api.query({ segments: segment.name, ...params }));
      const values = answer.segments[segment.name];
      const points = answer.instants.map((t, i) => ({ label: t.slice(0, 10) + (params.step.endsWith("h") ? " " + t.slice(11, 16) : ""), value: values[i], instant: t }));
      from.value = answer.instants[0].slice(0, 10);
      to.value = answer.instants[answer.instants.length - 1].slice(0, 10);
      show(
        out,
        lineChart(points, `Members of ${segment.name} from ${instant(answer.instants[0])} to ${instant(answer.instants[answer.instants.length - 1])}`),
        h("details", {}, h("summary", {}, "The figures"),
          table(null, ["Instant", "Members"], points.map((p) => [instant(p.instant), count(p.value)]), { id: "trend-points" })),
      );
    } catch (e) {
      show(out, message("error", e.message));
    }
  };
  const form = h(
    "form",
    { class: "controls" },
    field("From", from), field("To", to), field("Step", step),
    h("button", { type: "submit", id: "trend-show" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load({ from: from.value + "T00:00:00Z", to: to.value + "T00:00:00Z", step: step.value });
  });
  show(box, h("h2", { id: "trend-title" }, "Trend"), form, out);
  await load({ step: "1d" });
}

async function members(box, segment, attributes) {
  const chosen = new Set(attributes.filter((a) => a.name !== "account_id").slice(0, 2).map((a) => a.name));
  const picks = h(
    "fieldset",
    { class: "picks" },
    h("legend", {}, segment.kind === "account" ? "Account attributes" : "Profile attributes"),
    attributes.map((a) => {
      const box = h("input", { type: "checkbox", value: a.name, id: "attr-" + a.name, checked: chosen.has(a.name) });
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(a.name);
        else chosen.delete(a.name);
        page(cursors[cursors.length - 1]);
      });
      return h("label", { class: "pick", for: box.id }, box, " ", a.name);
    }),
  );
  const out = h("div", { "aria-live": "polite" });
  const download = h("button", { type: "button", class: "quiet" }, "Download CSV");
  const cursors = [null];
  const names = () => attributes.map((a) => a.name).filter((n) => chosen.has(n));

  const page = async (cursor) => {
    const wanted = names();
    const answer = await api.get(
      "/v1/segments/" + api.part(segment.name) + "/members" +
        api.query({ limit: PAGE, cursor, attributes: wanted.join(",") }),
    );
    const kind = segment.kind === "account" ? "account" : "user";
    const rows = answer.members.map((id, i) => [
      h("a", { href: route("member", kind, id) }, id),
      ...wanted.map((n) => value(answer.attributes?.[i]?.[n])),
    ]);
    const back = h("button", { type: "button", disabled: cursors.length === 1 }, "Previous page");
    const next = h("button", { type: "button", disabled: answer.next_cursor === null }, "Next page");
    back.addEventListener("click", () => {
      cursors.pop();
      page(cursors[cursors.length - 1]);
    });
    next.addEventListener("click", () => {
      cursors.push(answer.next_cursor);
      page(answer.next_cursor);
    });
    const first = (cursors.length - 1) * PAGE + 1;
    show(
      out,
      answer.members.length === 0
        ? message("note", "No members.")
        : table(`Members ${count(first)} to ${count(first + answer.members.length - 1)} of ${count(segment.members)}`,
          [kind === "account" ? "Account" : "User", ...wanted], rows, { id: "members" }),
      h("div", { class: "pager" }, back, next),
    );
  };

  download.addEventListener("click", async () => {
    download.disabled = true;
    try {
      const csv = [];
      let cursor = null;
      do {
        const { text, headers } = await api.getText(
          "/v1/segments/" + api.part(segment.name) + "/members" +
            api.query({ format: "csv", limit: 100000, cursor, attributes: names().join(",") }),
        );
        // Every page starts with the header; keep the first only.
        csv.push(csv.length === 0 ? text : text.slice(text.indexOf("\n") + 1));
        cursor = headers.get("x-next-cursor");
      } while (cursor);
      const url = URL.createObjectURL(new Blob(csv, { type: "text/csv" }));
      const link = h("a", { href: url, download: segment.name + ".csv", hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      show(out, message("error", "The download failed: " + e.message));
    } finally {
      download.disabled = false;
    }
  });

  show(box, h("h2", { id: "members-title" }, "Members"), picks, h("div", { class: "controls" }, download), out);
  await page(null);
}

/** An attribute's value as text (missing: a dash). */
function value(v) {
  if (v === undefined || v === null) return "–";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

async function changes(box, segment) {
  const answer = await api.get("/v1/segments/" + api.part(segment.name) + "/changes" + api.query({ latest: "true", limit: 20 }));
  const kind = segment.kind === "account" ? "account" : "user";
  const rows = answer.changes
    .slice()
    .reverse()
    .map((c) => [instant(c.at), h("a", { href: route("member", kind, c.id) }, c.id), c.change === "enter" ? "entered" : "left"]);
  show(
    box,
    h("h2", { id: "changes-title" }, "Changes"),
    rows.length === 0
      ? message("note", "No one has entered or left yet.")
      : table(`The latest ${count(rows.length)} changes, newest first`, ["When", "Who", "Change"], rows, { id: "changes" }),
  );
}
