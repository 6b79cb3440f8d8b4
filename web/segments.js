// Segments: every segment with its description, member count, share and a small trend
// line; search by name; sort by size or name.

import * as api from "./api.js";
import { h, show, count, share, field, select, route, message } from "./dom.js";
import { sparkline } from "./chart.js";

export async function render(root) {
  const [list, stats] = await Promise.all([api.get("/v1/segments"), api.get("/v1/stats")]);
  const sizes = new Map(stats.segments.map((s) => [s.segment, s]));
  const rows = list.segments.map((s) => ({ ...s, share: sizes.get(s.name)?.share, total: sizes.get(s.name)?.total }));

  const search = h("input", { type: "search", id: "segment-search", autocomplete: "off" });
  const sort = select([["size", "Size (largest first)"], ["name", "Name"]], "size", { id: "segment-sort" });
  const summary = h("p", { class: "summary", "aria-live": "polite" });
  const body = h("tbody");
  const trends = new Map();

  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = rows.filter((r) => r.name.toLowerCase().includes(needle));
    if (sort.value === "name") shown.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    else shown.sort((a, b) => b.members - a.members || (a.name < b.name ? -1 : 1));
    summary.textContent = `${count(shown.length)} of ${count(rows.length)} segments`;
    const fragment = document.createDocumentFragment();
    for (const r of shown) {
      const trend = h("td", { class: "trend" }, trends.get(r.name) || null);
      fragment.append(
        h(
          "tr",
          { "data-segment": r.name },
          h("th", { scope: "row" }, h("a", { href: route("segment", r.name) }, r.name)),
          h("td", { class: "kind" }, r.kind),
          h("td", { class: "description" }, r.description || ""),
          h("td", { class: "num members" }, count(r.members)),
          h("td", { class: "num share" }, share(r.share)),
          trend,
        ),
      );
    }
    body.replaceChildren(fragment);
  };
  search.addEventListener("input", draw);
  sort.addEventListener("change", draw);

  const trendNote = h("p", { class: "hint", "aria-live": "polite" }, "Trend lines: loading…");
  show(
    root,
    h("h1", {}, "Segments"),
    h("div", { class: "controls" }, field("Search by name", search), field("Sort by", sort)),
    summary,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "segments" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Segment", "Kind", "Description", "Members", "Share", "Trend"].map((t) => h("th", { scope: "col" }, t)),
          ),
        ),
        body,
      ),
    ),
    trendNote,
  );
  draw();

  // The trend lines come after the list: one evaluation of every segment a day.
  api
    .get("/v1/trend" + api.query({ step: "1d" }))
    .then((trend) => {
      const first = trend.instants[0];
      const last = trend.instants[trend.instants.length - 1];
      for (const [name, points] of Object.entries(trend.segments)) {
        trends.set(name, sparkline(points, `${name}: ${count(points[0])} to ${count(points[points.length - 1])} members`));
      }
      for (const cell of body.querySelectorAll("tr")) {
        const line = trends.get(cell.dataset.segment);
        if (line) cell.querySelector("td.trend").replaceChildren(line);
      }
      trendNote.textContent = `Trend lines: members each day from ${first.slice(0, 10)} to ${last.slice(0, 10)}.`;
    })
    .catch((e) => show(trendNote, message("error", "Trend lines: " + e.message)));
}
