// Highlighting seg source with the editors' TextMate grammar (generated from the lexer's
// tables, served as /console/seg.tmLanguage.json), so the page and the editors agree with
// the language on what a keyword is. Marks (an error's span) are underlined on top.

import { h } from "./dom.js";

let rules = null;

async function load() {
  if (rules) return rules;
  const response = await fetch("/console/seg.tmLanguage.json", { credentials: "omit" });
  const grammar = await response.json();
  rules = grammar.patterns.map(compile);
  return rules;
}

function compile(pattern) {
  if (pattern.begin) {
    // A region on one line: begin, then escapes or any character, up to the end.
    const inner = (pattern.patterns || []).map((p) => p.match);
    const source = `(?:${pattern.begin})(?:${[...inner, "[^\\n]"].join("|")})*?(?:${pattern.end})`;
    return { regex: new RegExp(source, "ym"), scope: pattern.name };
  }
  if (pattern.captures) {
    const groups = Object.entries(pattern.captures).map(([n, c]) => [Number(n), c.name]);
    return { regex: new RegExp(pattern.match, "ymd"), groups };
  }
  return { regex: new RegExp(pattern.match, "ym"), scope: pattern.name };
}

/** The class for a scope: its first word (`keyword`, `constant`, ...); none for names. */
function tokenClass(scope) {
  const word = scope.split(".")[0];
  return word === "variable" ? null : "tok-" + word;
}

/** The text as tokens `{start, end, cls}` covering it all, in order. */
export async function tokens(text) {
  const compiled = await load();
  const out = [];
  let plain = 0;
  let at = 0;
  const push = (start, end, cls) => {
    if (end > start) out.push({ start, end, cls });
  };
  while (at < text.length) {
    let matched = null;
    for (const rule of compiled) {
      rule.regex.lastIndex = at;
      const m = rule.regex.exec(text);
      if (m && m[0].length > 0) {
        matched = { rule, m };
        break;
      }
    }
    if (!matched) {
      at += 1;
      continue;
    }
    push(plain, at, null);
    const { rule, m } = matched;
    const end = at + m[0].length;
    if (rule.groups) {
      let cursor = at;
      for (const [group, scope] of rule.groups) {
        const span = m.indices[group];
        if (!span) continue;
        push(cursor, span[0], null);
        push(span[0], span[1], tokenClass(scope));
        cursor = span[1];
      }
      push(cursor, end, null);
    } else {
      push(at, end, tokenClass(rule.scope));
    }
    at = end;
    plain = end;
  }
  push(plain, text.length, null);
  return out;
}

/**
 * The highlighted text as elements: a span per token, cut where marks begin and end; the
 * pieces inside a mark `{start, end, title}` are underlined.
 */
export async function highlight(text, marks = []) {
  const cuts = new Set([0, text.length]);
  for (const mark of marks) {
    cuts.add(Math.max(0, Math.min(mark.start, text.length)));
    cuts.add(Math.max(0, Math.min(Math.max(mark.end, mark.start + 1), text.length)));
  }
  const pieces = [];
  for (const token of await tokens(text)) {
    const inside = [...cuts].filter((c) => c > token.start && c < token.end).sort((a, b) => a - b);
    let from = token.start;
    for (const to of [...inside, token.end]) {
      const mark = marks.find((m) => m.start <= from && to <= Math.max(m.end, m.start + 1));
      const classes = [token.cls, mark ? "mark-error" : null].filter(Boolean).join(" ");
      const piece = text.slice(from, to);
      pieces.push(classes ? h("span", { class: classes, title: mark ? mark.title : null }, piece) : piece);
      from = to;
    }
  }
  // An error at the very end (a missing operand) marks the place after the text.
  for (const mark of marks) {
    if (mark.start >= text.length) pieces.push(h("span", { class: "mark-error mark-end", title: mark.title }, " "));
  }
  return pieces;
}
