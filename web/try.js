// Try a segment: an expression checked as it is typed, with the checker's diagnostics and
// their spans underlined; once it checks, its member count and a sample. Nothing is saved:
// a segment lives in a .seg file, written and reviewed like code.

import * as api from "./api.js";
import { h, show, count, route, message } from "./dom.js";
import { highlight } from "./highlight.js";

const WAIT_MS = 250;

export async function render(root) {
  const input = h("textarea", {
    id: "try-expression",
    spellcheck: "false",
    autocomplete: "off",
    autocapitalize: "off",
    rows: 5,
    "aria-describedby": "try-hint",
  });
  const mirror = h("pre", { class: "mirror", "aria-hidden": "true" });
  const out = h("div", { id: "try-result", "aria-live": "polite" });
  const editor = h("div", { class: "editor" }, mirror, input);
  let asked = 0;
  let timer = null;

  const paint = async (marks) => {
    // A final newline keeps the mirror as tall as the text area's last line.
    show(mirror, ...(await highlight(input.value, marks)), "\n");
    mirror.scrollTop = input.scrollTop;
  };

  const check = async () => {
    const text = input.value;
    const mine = ++asked;
    if (text.trim() === "") {
      await paint([]);
      show(out);
      return;
    }
    let answer;
    try {
      answer = await api.post("/v1/evaluate", { expression: text, sample: 10 });
    } catch (e) {
      if (mine === asked) show(out, message("error", e.message));
      return;
    }
    if (mine !== asked) return;
    if (answer.status === 422) {
      const diagnostics = answer.body.diagnostics || [];
      const marks = diagnostics
        .filter((d) => d.expression_start !== undefined)
        .map((d) => ({ start: d.expression_start, end: d.expression_end, title: d.message }));
      await paint(marks);
      show(out, h("ul", { class: "diagnostics", id: "try-diagnostics" }, diagnostics.map((d) => h("li", { class: "diagnostic" },
        h("span", { class: "code" }, d.code), " ",
        d.expression_start !== undefined ? h("span", { class: "where" }, where(text, d.expression_start)) : null, " ",
        h("span", { class: "text" }, d.message),
        d.help ? h("span", { class: "help" }, " · ", d.help) : null))));
      return;
    }
    await paint([]);
    const r = answer.body;
    const kind = r.kind === "account" ? "account" : "user";
    show(out,
      h("p", { class: "verdict yes", id: "try-count" }, h("strong", {}, count(r.members)), ` ${kind}s as of ${r.as_of}`),
      r.sample.length ? h("div", {}, h("h2", {}, "A sample"), h("ul", { class: "tags", id: "try-sample" },
        r.sample.map((id) => h("li", {}, h("a", { href: route("member", kind, id) }, id))))) : null);
  };

  input.addEventListener("input", () => {
    paint([]);
    clearTimeout(timer);
    timer = setTimeout(check, WAIT_MS);
  });
  input.addEventListener("scroll", () => {
    mirror.scrollTop = input.scrollTop;
    mirror.scrollLeft = input.scrollLeft;
  });

  show(root,
    h("h1", {}, "Try a segment"),
    h("label", { for: input.id }, "Expression"),
    h("p", { class: "hint", id: "try-hint" },
      "A segment's body, such as did(purchase within 30d) and profile.country == \"DE\". " +
      "It is checked as you type and counted when it checks. To keep it, put it in a .seg file: the console never writes files."),
    editor,
    out);
  await paint([]);
}

/** Line and column (1-based) of a UTF-16 offset in the text. */
function where(text, offset) {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
