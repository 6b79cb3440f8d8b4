// Building elements. Data reaches the page only as text nodes and attribute values, never as
// HTML: a segment description, an id or a property value that holds markup shows as text.

const SVG = "http://www.w3.org/2000/svg";

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** An HTML element: `h("a", {href: "#/x"}, "text", child, [more])`. */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

/** Replaces an element's content. */
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const integer = new Intl.NumberFormat("en-US");
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

export const count = (n) => (n === null || n === undefined ? "–" : integer.format(n));
export const number = (n) => (n === null || n === undefined ? "–" : decimal.format(n));
export const share = (x) => (x === null || x === undefined ? "–" : percent.format(x));

/** An instant as the API writes it, shortened for a person (UTC). */
export function instant(text) {
  if (!text) return "–";
  return text.replace("T", " ").replace(/(:\d\d)(\.\d+)?Z$/, "$1 UTC");
}

/** A route's link: `#/segment/NAME` with the parts encoded. */
export function route(...parts) {
  return "#/" + parts.map(encodeURIComponent).join("/");
}

/** A labelled form control: the label, then the control. */
export function field(label, control) {
  const id = control.id || (control.id = "f-" + Math.random().toString(36).slice(2));
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

/** A select of options `[value, text]`, with one chosen. */
export function select(options, chosen, attrs) {
  return h(
    "select",
    attrs,
    options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)),
  );
}

/** A table: a caption, the column heads, and rows of cells (text or elements). Columns of
 * figures only are right-aligned. */
export function table(caption, heads, rows, attrs) {
  const numeric = heads.map((_, i) => rows.length > 0 && rows.every((r) => figure(r[i])));
  const cls = (i) => (numeric[i] ? "num" : null);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      attrs,
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, heads.map((head, i) => h("th", { scope: "col", class: cls(i) }, head)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => h("td", { class: cls(i) }, cell))))),
    ),
  );
}

/** Whether a cell is a figure (right-aligned): a count, a share, a dash. */
function figure(cell) {
  return typeof cell === "string" && /^(–|-?[\d,]+(\.\d+)?%?)$/.test(cell);
}

/** A message for a person: `kind` is "error", "note" or "busy". */
export function message(kind, text) {
  return h("p", { class: "message " + kind, role: kind === "error" ? "alert" : "status" }, text);
}
