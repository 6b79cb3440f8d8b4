// Campaigns: each campaign's target, goal, reach and goal conversion, with its holdout beside
// it, over a chosen range, and split by a chosen filter segment.

import * as api from "./api.js";
import { h, show, count, share, field, select, table, message } from "./dom.js";

export async function render(root) {
  const users = await api.segmentNames("user");
  const from = h("input", { type: "date", id: "campaigns-from" });
  const to = h("input", { type: "date", id: "campaigns-to" });
  const step = select([["1h", "Hour"], ["1d", "Day"], ["1w", "Week"]], "1d", { id: "campaigns-step" });
  const filter = select([["", "(none)"]].concat(users.map((n) => [n, n])), "", { id: "campaigns-filter" });
  const out = h("div", { "aria-live": "polite" });
  const load = async (params) => {
    show(out, message("busy", "Evaluating…"));
    try {
      const answer = await api.get("/v1/campaigns" + api.query(params));
      from.value = answer.from.slice(0, 10);
      to.value = answer.to.slice(0, 10);
      show(out, ...result(answer, params.filter));
    } catch (e) {
      show(out, message("error", e.message));
    }
  };
  const form = h("form", { class: "controls" },
    field("From", from), field("To", to), field("Step", step), field("Split by segment", filter),
    h("button", { type: "submit", id: "campaigns-show" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load({
      from: from.value ? from.value + "T00:00:00Z" : "",
      to: to.value ? to.value + "T00:00:00Z" : "",
      step: step.value,
      filter: filter.value,
    });
  });
  show(root, h("h1", {}, "Campaigns"), form, out);
  await load({ step: "1d" });
}

function result(answer, filter) {
  if (answer.definitions.length === 0) return [message("note", "No campaigns are defined.")];
  const header = h("p", { class: "hint" },
    `From ${answer.from} to ${answer.to}. Reach: users eligible (in the target, not excluded) at some step, held-out users apart; ` +
      "converted: not in the goal when first targeted, in it at a later step.");
  const cards = answer.definitions.map((c) => {
    const rows = answer.campaigns.filter((r) => r.campaign === c.name);
    return h(
      "section",
      { class: "card", "data-campaign": c.name, "aria-labelledby": "campaign-" + c.name },
      h("h2", { id: "campaign-" + c.name }, c.name),
      c.description ? h("p", {}, c.description) : null,
      h(
        "dl",
        { class: "clauses" },
        clause("Target", c.target),
        clause("Goal", c.goal),
        clause("Exclude", c.exclude),
        h("div", {}, h("dt", {}, "Holdout"), h("dd", {}, `${c.holdout}%`)),
        c.priority !== null ? h("div", {}, h("dt", {}, "Priority"), h("dd", {}, String(c.priority))) : null,
      ),
      table(
        null,
        ["Users", "Reach", "Converted", "Goal conversion", "Holdout", "Holdout converted", "Holdout conversion", "Lift"],
        rows.map((r) => [
          r.filter ? `in ${r.filter}` : "all",
          count(r.targeted),
          count(r.converted),
          share(r.conversion),
          count(r.holdout),
          count(r.holdout_converted),
          share(r.holdout_conversion),
          share(r.lift),
        ]),
        { class: "campaign-figures" },
      ),
    );
  });
  return [header, ...cards];
}

function clause(label, text) {
  if (text === null || text === undefined) return null;
  return h("div", {}, h("dt", {}, label), h("dd", {}, h("code", {}, text)));
}
