// Member details: a user or an account by id: its profile (or attributes), its latest events
// as a timeline, the segments it is in, and for any segment the explanation: why it is in,
// or why not.

import * as api from "./api.js";
import { h, show, field, select, route, instant, message, count } from "./dom.js";

export async function render(root, kind, id) {
  kind = kind === "account" ? "account" : "user";
  const idInput = h("input", { id: "member-id", type: "text", autocomplete: "off", spellcheck: "false", required: true, value: id || "" });
  const kindSelect = select([["user", "User"], ["account", "Account"]], kind, { id: "member-kind" });
  const form = h("form", { class: "controls", role: "search" },
    field("Look up", kindSelect), field("Id", idInput), h("button", { type: "submit" }, "Look up"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = idInput.value.trim();
    if (wanted) location.hash = route("member", kindSelect.value, wanted);
  });
  const out = h("div");
  show(root, h("h1", {}, "Member details"), form, out);
  if (!id) return;
  let details;
  try {
    details = await api.get(`/v1/${kind}s/${api.part(id)}`);
  } catch (e) {
    show(out, message("error", e.status === 404 ? `No ${kind} has the id “${id}”.` : e.message));
    return;
  }
  const own = await api.segmentNames(kind);
  const explainBox = h("section", { "aria-labelledby": "explain-title" });
  show(
    out,
    h("h2", { id: "member-title", class: "member-id" }, `${kind === "user" ? "User" : "Account"} `, h("code", {}, details.id)),
    h("p", { class: "hint" }, `As of ${details.as_of}.`),
    h("div", { class: "columns" },
      attributes(kind === "user" ? "Profile" : "Attributes", kind === "user" ? details.profile : details.attributes),
      segments(details.segments)),
    kind === "user" ? timeline(details.latest_events) : users(details.users),
    explainBox,
  );
  explainer(explainBox, kind, details.id, own, details.segments[0] || own[0]);
}

function attributes(title, values) {
  const entries = Object.entries(values || {});
  return h("section", { "aria-labelledby": "attributes-title" },
    h("h3", { id: "attributes-title" }, title),
    entries.length === 0 ? message("note", "No attributes.") :
      h("dl", { class: "pairs", id: "member-attributes" },
        entries.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, typeof v === "string" ? v : JSON.stringify(v))))));
}

function segments(names) {
  return h("section", { "aria-labelledby": "in-title" },
    h("h3", { id: "in-title" }, `In ${count(names.length)} segments`),
    h("ul", { class: "tags", id: "member-segments" },
      names.map((n) => h("li", {}, h("a", { href: route("segment", n) }, n)))));
}

function timeline(events) {
  return h("section", { "aria-labelledby": "events-title" },
    h("h3", { id: "events-title" }, "Latest events"),
    events.length === 0 ? message("note", "No events.") :
      h("ol", { class: "timeline", id: "member-events" },
        events.map((e) => h("li", {},
          h("time", { datetime: e.ts }, instant(e.ts)), " ",
          h("strong", { class: "event" }, e.event),
          h("span", { class: "properties" },
            Object.entries(e.properties).map(([k, v]) => h("span", { class: "property" }, h("span", { class: "key" }, k), "=", typeof v === "string" ? v : JSON.stringify(v))))))));
}

function users(ids) {
  return h("section", { "aria-labelledby": "users-title" },
    h("h3", { id: "users-title" }, `Users (${count(ids.length)})`),
    h("ul", { class: "tags" }, ids.map((u) => h("li", {}, h("a", { href: route("member", "user", u) }, u)))));
}

function explainer(box, kind, id, names, first) {
  const pick = select(names.map((n) => [n, n]), first, { id: "explain-segment" });
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "controls" }, field("Segment", pick), h("button", { type: "submit", id: "explain-run" }, "Explain"));
  const load = async () => {
    show(out, message("busy", "Explaining…"));
    try {
      const answer = await api.get(`/v1/${kind}s/${api.part(id)}` + api.query({ explain: pick.value }));
      const explained = answer.explain.segments[0];
      show(out,
        h("p", { class: "verdict " + (explained.member ? "yes" : "no"), id: "explain-verdict" },
          h("code", {}, id), explained.member ? " is in " : " is not in ", h("strong", {}, explained.segment), "."),
        h("ul", { class: "tree", id: "explain-tree" }, node(explained.tree)));
    } catch (e) {
      show(out, message("error", e.message));
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  show(box, h("h3", { id: "explain-title" }, "Why in, why not"), form, out);
  if (first) load();
}

/** One node of an explanation: its source, its value, what it found, and its parts. */
function node(n) {
  const v = n.value || {};
  const truth = v.type === "bool" ? (v.value ? "true" : "false") : null;
  const shown = plain(v);
  return h("li", { class: "node" },
    h("div", { class: "node-head" },
      h("code", { class: "node-source" }, n.source),
      " ",
      h("span", { class: "node-value " + (truth || "value") }, truth ? (truth === "true" ? "✓ true" : "✗ false") : "= " + shown)),
    n.events ? found(n) : null,
    n.steps ? steps(n.steps) : null,
    n.users ? usersFound(n.users) : null,
    n.changed ? history(n.changed) : null,
    n.children ? h("ul", {}, n.children.map(node)) : null);
}

/** What a value holds, as text ("missing" for none). */
function plain(v) {
  if (!v || v.value === null || v.value === undefined) return "missing";
  return typeof v.value === "string" ? v.value : JSON.stringify(v.value);
}

/** The window an event set or `changed` searched. */
function span(w) {
  if (!w) return " (a bound of the window is missing: nothing matches)";
  const from = w.from ? instant(w.from) : "the beginning";
  return ` from ${from}${w.from_exclusive ? " (after)" : ""} to ${instant(w.to)}${w.during ? ", " + w.during : ""}`;
}

function steps(list) {
  return h("ol", { class: "steps found" }, list.map((s) => h("li", {},
    h("code", {}, s.source),
    s.negated ? " (must find nothing)" : "",
    !s.reached ? " not reached (an earlier step found nothing)" :
      s.picked ? ` took the ${s.takes} event at ${instant(s.picked.ts)}` :
        s.found ? ` found ${count(s.found.count)}` : "")));
}

function usersFound(u) {
  return h("div", { class: "found" },
    `${count(u.passing)} of ${count(u.total)} users pass`,
    u.passed.length ? h("div", {}, "passing: ", u.passed.map((id, i) => [i ? ", " : "", h("a", { href: route("member", "user", id) }, id)])) : null,
    u.failed.length ? h("div", {}, "not passing: ", u.failed.map((id, i) => [i ? ", " : "", h("a", { href: route("member", "user", id) }, id)])) : null);
}

function history(c) {
  return h("div", { class: "found" },
    `${count(c.rows)} value${c.rows === 1 ? "" : "s"} of ${c.attribute} stated; changes count${span(c.window)}`,
    h("ul", { class: "events history" }, c.history.map((row) =>
      h("li", {}, row.ts ? instant(row.ts) : "from the beginning", " ", h("strong", {}, plain(row.value))))));
}

function found(n) {
  const e = n.events;
  return h("div", { class: "found" },
    `${count(e.count)} ${e.event} event${e.count === 1 ? "" : "s"}`,
    span(e.window),
    e.events.length ? h("ul", { class: "events" }, e.events.map((ev) => h("li", {}, instant(ev.ts), " ",
      Object.entries(ev.properties).map(([k, v]) => h("span", { class: "property" }, h("span", { class: "key" }, k), "=", typeof v === "string" ? v : JSON.stringify(v)))))) : null);
}
