// Segments: every segment with its description, member count, share and a small trend
// line; search by name; sort by size or name.

import * as api from "./api.js";
import { h, show, count, share, field, select, route, message } from "./dom.js";
import { sparkline } from "./chart.js";

/** The most segments one trend request evaluates (their plan cut to them). */
const BATCH = 40;

export async function render(root) {
  const [list, stats] = await Promise.all([api.get("/v1/segments"), api.get("/v1/stats")]);
  const sizes = new Map(stats.segments.map((s) => [s.segment, s]));
  const rows = list.segments.map((s) => ({ ...s, share: sizes.get(s.name)?.share, total: sizes.get(s.name)?.total }));

  const search = h("input", { type: "search", id: "segment-search", autocomplete: "off" });
  const sort = select([["size", "Size (largest first)"], ["name", "Name"]], "size", { id: "segment-sort" });
  const summary = h("p", { class: "summary", "aria-live": "polite" });
  const body = h("tbody");
  const trendNote = h("p", { class: "hint", "aria-live": "polite" }, "Trend lines: members each day over the last 30 days.");
  const lines = trendLines(trendNote);

  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = rows.filter((r) => r.name.toLowerCase().includes(needle));
    if (sort.value === "name") shown.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    else shown.sort((a, b) => b.members - a.members || (a.name < b.name ? -1 : 1));
    summary.textContent = `${count(shown.length)} of ${count(rows.length)} segments`;
    const fragment = document.createDocumentFragment();
    const cells = [];
    for (const r of shown) {
      const trend = h("td", { class: "trend", "data-segment": r.name });
      cells.push(trend);
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
    lines.watch(cells);
  };
  search.addEventListener("input", draw);
  sort.addEventListener("change", draw);

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
}

/**
 * The trend lines, fetched for the rows on the screen only (a batch of segments at a time,
 * each batch one evaluation a day of just those segments, one batch after another), so
 * that a list of thousands shows its first lines as soon as a few are computed. Each line
 * is kept once drawn.
 */
function trendLines(note) {
  const drawn = new Map();
  const asked = new Set();
  const waiting = [];
  let cells = new Map();
  let running = false;

  const fill = (name) => {
    const cell = cells.get(name);
    if (cell && drawn.has(name)) cell.replaceChildren(drawn.get(name).cloneNode(true));
  };
  const run = async () => {
    if (running) return;
    running = true;
    while (waiting.length) {
      const names = waiting.splice(0, BATCH);
      try {
        const trend = await api.get("/v1/trend" + api.query({ segments: names.join(","), step: "1d" }));
        for (const [name, points] of Object.entries(trend.segments)) {
          drawn.set(name, sparkline(points, `${name}: ${count(points[0])} to ${count(points[points.length - 1])} members`));
          fill(name);
        }
      } catch (e) {
        names.forEach((n) => asked.delete(n));
        show(note, message("error", "Trend lines: " + e.message));
        break;
      }
    }
    running = false;
  };
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const name = entry.target.dataset.segment;
        if (!entry.isIntersecting || asked.has(name)) continue;
        asked.add(name);
        waiting.push(name);
      }
      // A moment for the rows that scroll in together to go in one batch.
      if (waiting.length) setTimeout(run, 30);
    },
    { rootMargin: "200px 0px" },
  );
  return {
    watch(list) {
      observer.disconnect();
      cells = new Map(list.map((cell) => [cell.dataset.segment, cell]));
      for (const [name, cell] of cells) {
        if (drawn.has(name)) fill(name);
        // The row, not the cell: on a narrow screen the cell may be scrolled out sideways.
        else observer.observe(cell.parentElement);
      }
    },
  };
}
