// The console's shell: the login form, the navigation and the screens, one at a time, by the
// part of the address after `#` (so the token never enters a URL and the page never reloads).

import * as api from "./api.js";
import { h, show, message, field } from "./dom.js";
import * as segments from "./segments.js";
import * as segment from "./segment.js";
import * as compare from "./compare.js";
import * as campaigns from "./campaigns.js";
import * as member from "./member.js";
import * as tryit from "./try.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signout = document.getElementById("signout");

/** Each screen: its nav entry, its title, and how it draws itself into `main`. */
const screens = {
  segments: { nav: "segments", title: "Segments", render: (m) => segments.render(m) },
  segment: { nav: "segments", title: "Segment", render: (m, args) => segment.render(m, args[0]) },
  compare: { nav: "compare", title: "Compare", render: (m) => compare.render(m) },
  campaigns: { nav: "campaigns", title: "Campaigns", render: (m) => campaigns.render(m) },
  member: { nav: "member", title: "Member details", render: (m, args) => member.render(m, args[0], args[1]) },
  try: { nav: "try", title: "Try a segment", render: (m) => tryit.render(m) },
};

/** Which drawing is current: a screen that finishes after another began is dropped. */
let drawing = 0;

/** A part of the address as written when it is not valid percent-encoding. */
function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch (_) {
    return part;
  }
}

function parse() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter((p) => p !== "").map(decode);
  const name = parts.shift() || "segments";
  return { screen: screens[name] ? name : "segments", args: parts };
}

async function draw() {
  if (!api.signedIn()) return login();
  const { screen, args } = parse();
  const entry = screens[screen];
  const mine = ++drawing;
  document.title = entry.title + " · seg console";
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.screen === entry.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  nav.hidden = false;
  signout.hidden = false;
  show(main, message("busy", "Loading…"));
  try {
    const content = h("div", { class: "screen", "data-screen": screen });
    await entry.render(content, args);
    if (mine !== drawing) return;
    show(main, content);
  } catch (e) {
    if (mine !== drawing) return;
    if (!api.signedIn()) return login();
    show(main, h("h1", {}, entry.title), message("error", e.message));
  }
  main.focus({ preventScroll: true });
}

function login(note) {
  drawing++;
  nav.hidden = true;
  signout.hidden = true;
  document.title = "Sign in · seg console";
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  });
  const status = h("div", { "aria-live": "polite" }, note ? message("error", note) : null);
  const form = h(
    "form",
    { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Sign in"),
    h("p", {}, "Type the service's access token (the content of its token file). The page keeps it in memory only; reloading asks for it again."),
    field("Access token", input),
    h("button", { type: "submit" }, "Sign in"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    api.signIn(input.value.trim());
    try {
      await api.get("/v1/segments");
    } catch (e) {
      api.signOut();
      const text = e.status === 403 ? "That token is not the service's." : e.message;
      show(status, message("error", text));
      input.focus();
      return;
    }
    draw();
  });
  show(main, form);
  input.focus();
}

api.onRefused(() => {
  api.signOut();
  login("The service refused the token; sign in again.");
});

signout.addEventListener("click", () => {
  api.signOut();
  login();
});

window.addEventListener("hashchange", () => {
  if (api.signedIn()) draw();
});

draw();
