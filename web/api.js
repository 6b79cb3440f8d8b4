// The service's API with the token typed into the login form. The token lives in this
// module's memory only: never in a URL, a cookie or the browser's storage, so reloading the
// page asks for it again.

let token = null;
// Whether the service has taken this token: only then is a refusal news (the token was
// revoked or the service restarted with another), not a mistyped token.
let taken = false;
const listeners = [];

export function signIn(value) {
  token = value;
}

export function signOut() {
  token = null;
  taken = false;
}

export function signedIn() {
  return token !== null;
}

/** Called when the service refuses the token (the page asks for it again). */
export function onRefused(listener) {
  listeners.push(listener);
}

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

async function request(method, path, body) {
  const headers = { Authorization: "Bearer " + token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (e) {
    throw new ApiError(0, "unreachable", "The service cannot be reached: " + e.message, null);
  }
  if (response.status === 401 || response.status === 403) {
    if (taken) listeners.forEach((l) => l());
  } else {
    taken = true;
  }
  return response;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    /* not JSON */
  }
  const error = (body && body.error) || {};
  return new ApiError(
    response.status,
    error.code || "http_" + response.status,
    error.message || "The service answered " + response.status,
    body,
  );
}

/** GET a JSON answer. */
export async function get(path) {
  const response = await request("GET", path);
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** GET a text answer and its headers (CSV pages). */
export async function getText(path) {
  const response = await request("GET", path);
  if (!response.ok) throw await failure(response);
  return { text: await response.text(), headers: response.headers };
}

/** POST JSON; the answer's status and body (422s are answers too). */
export async function post(path, body) {
  const response = await request("POST", path, body);
  if (response.ok || response.status === 422) {
    return { status: response.status, body: await response.json() };
  }
  throw await failure(response);
}

/** The names of the service's segments of a kind (`user` or `account`), sorted. */
export async function segmentNames(kind) {
  const list = await get("/v1/segments");
  return list.segments.filter((s) => s.kind === kind).map((s) => s.name).sort();
}

/** A query string from an object (empty values left out). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** A name as one segment of an API path. */
export const part = (name) => encodeURIComponent(name);
