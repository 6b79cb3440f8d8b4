// Compare: segments side by side (members, goal conversion, active days, events per member),
// within a filter segment, as `seg compare` computes them; a table and a bar chart.

import * as api from "./api.js";
import { h, show, count, number, share, field, select, table, message } from "./dom.js";
import { barChart } from "./chart.js";

export async function render(root) {
  const users = await api.segmentNames("user");
  const picks = h(
    "fieldset",
    { class: "picks", id: "compare-segments" },
    h("legend", {}, "Segments to compare"),
    users.map((name, i) =>
      h("label", { class: "pick" }, h("input", { type: "checkbox", value: name, checked: i < 3 }), " ", name),
    ),
  );
  // With many segments, a filter over the boxes (the ticked ones stay).
  const find = h("input", { type: "search", id: "compare-find", autocomplete: "off" });
  find.addEventListener("input", () => {
    const needle = find.value.trim().toLowerCase();
    for (const label of picks.querySelectorAll("label.pick")) {
      const box = label.querySelector("input");
      label.hidden = needle !== "" && !box.checked && !box.value.toLowerCase().includes(needle);
    }
  });
  const none = [["", "(none)"]];
  const goal = select(none.concat(users.map((n) => [n, n])), "", { id: "compare-goal" });
  const filter = select(none.concat(users.map((n) => [n, n])), "", { id: "compare-filter" });
  const out = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    {},
    field("Find segments to tick", find),
    picks,
    h("div", { class: "controls" }, field("Goal segment", goal), field("Filter segment", filter),
      h("button", { type: "submit", id: "compare-run" }, "Compare")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...picks.querySelectorAll("input:checked")].map((b) => b.value);
    if (chosen.length === 0) return show(out, message("error", "Pick at least one segment."));
    show(out, message("busy", "Comparing…"));
    try {
      const answer = await api.get("/v1/compare" + api.query({ segments: chosen.join(","), goal: goal.value, filter: filter.value }));
      show(out, ...result(answer, goal.value, filter.value));
    } catch (e) {
      show(out, message("error", e.message));
    }
  });
  show(root, h("h1", {}, "Compare"), form, out);
}

function result(answer, goal, filter) {
  const groups = answer.groups;
  const within = filter ? ` among members of ${filter}` : "";
  const heads = ["Segment", "Members", goal ? `Reached ${goal}` : null, "Active days"].filter(Boolean);
  const rows = groups.map((g) =>
    [g.name, count(g.members), goal ? share(g.goal) : null, number(g.active_days)].filter((c) => c !== null),
  );
  const events = groups.length ? groups[0].events_per_member.map(([e]) => e) : [];
  const perEvent = events.map((event, i) => [event, ...groups.map((g) => number(g.events_per_member[i][1]))]);
  const bars = groups.map((g) =>
    goal ? { label: g.name, value: g.goal || 0, text: share(g.goal) } : { label: g.name, value: g.members, text: count(g.members) },
  );
  return [
    h("p", { class: "hint" }, `As of ${answer.as_of}${within}.`),
    table(`Compared${within}`, heads, rows, { id: "compare-table" }),
    barChart(bars, goal ? `Share of each segment that reached ${goal}` : "Members of each segment", goal ? 1 : 0),
    table("Events per member", ["Event", ...groups.map((g) => g.name)], perEvent, { id: "compare-events" }),
  ];
}
