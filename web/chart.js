// Charts as SVG of our own: a sparkline, a line chart and a bar chart. Each is an image
// with a label for screen readers; the screens put the figures in a table beside it.

import { s, count, number } from "./dom.js";

/** A small trend line of `values` (no axes). */
export function sparkline(values, label) {
  const width = 120;
  const height = 28;
  const svg = s("svg", {
    class: "sparkline",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": label,
  });
  if (values.length === 0) return svg;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const x = (i) => (values.length === 1 ? width / 2 : 2 + (i * (width - 4)) / (values.length - 1));
  const y = (v) => (max === min ? height / 2 : height - 3 - ((v - min) * (height - 6)) / (max - min));
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  svg.append(s("polyline", { points, fill: "none", class: "line" }));
  const last = values.length - 1;
  svg.append(s("circle", { cx: x(last).toFixed(1), cy: y(values[last]).toFixed(1), r: 2, class: "dot" }));
  return svg;
}

/** The top of an axis of counts from zero over `max` and its tick step: the smallest whole
 * round step (1, 2 or 5 times a power of ten) that needs at most five ticks. */
function axis(max) {
  if (max <= 0) return { top: 1, step: 1 };
  const magnitude = Math.max(1, 10 ** Math.floor(Math.log10(max / 5)));
  for (const m of [1, 2, 5, 10, 20]) {
    const step = m * magnitude;
    if (Math.ceil(max / step) <= 5) return { top: Math.ceil(max / step) * step, step };
  }
  return { top: max, step: max / 5 };
}

/** A line chart of `points` `{label, value}` with a y axis from zero. */
export function lineChart(points, title) {
  const width = 720;
  const height = 260;
  const left = 56;
  const right = 44;
  const top = 16;
  const bottom = 40;
  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": title,
    preserveAspectRatio: "xMidYMid meet",
  });
  const { top: ymax, step } = axis(Math.max(0, ...points.map((p) => p.value)));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i) => left + (points.length === 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v) => top + plotH - (v / ymax) * plotH;
  for (let v = 0; v <= ymax + step / 2; v += step) {
    svg.append(s("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: left - 8, y: y(v) + 4, class: "tick", "text-anchor": "end" }, number(v)));
  }
  // Every point's label when they fit (about 7 units a character), else every k-th, and the
  // last one always.
  const longest = Math.max(1, ...points.map((p) => p.label.length));
  const every = Math.ceil(points.length / Math.max(2, Math.floor(plotW / (7 * longest + 14))));
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    if (i !== points.length - 1 && points.length - 1 - i < every) return;
    svg.append(s("text", { x: x(i), y: height - bottom + 18, class: "tick", "text-anchor": "middle" }, p.label));
  });
  if (points.length > 0) {
    const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    svg.append(s("polyline", { points: line, fill: "none", class: "line" }));
    points.forEach((p, i) => {
      svg.append(
        s("circle", { cx: x(i).toFixed(1), cy: y(p.value).toFixed(1), r: 3, class: "dot" },
          s("title", {}, `${p.label}: ${count(p.value)}`)),
      );
    });
  }
  return svg;
}

/** Horizontal bars of `rows` `{label, value, text}` (value 0 to `max`). */
export function barChart(rows, title, max) {
  const width = 720;
  const bar = 26;
  const gap = 10;
  const left = 190;
  const right = 90;
  const height = rows.length * (bar + gap) + gap;
  const svg = s("svg", {
    class: "chart bars",
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": title,
  });
  const top = max || Math.max(0, ...rows.map((r) => r.value)) || 1;
  rows.forEach((r, i) => {
    const y = gap + i * (bar + gap);
    const w = ((width - left - right) * Math.max(0, r.value)) / top;
    svg.append(s("text", { x: left - 8, y: y + bar / 2 + 5, class: "label", "text-anchor": "end" }, r.label));
    svg.append(s("rect", { x: left, y, width: Math.max(w, 1).toFixed(1), height: bar, class: "bar" }, s("title", {}, `${r.label}: ${r.text}`)));
    svg.append(s("text", { x: left + w + 6, y: y + bar / 2 + 5, class: "value" }, r.text));
  });
  return svg;
}
