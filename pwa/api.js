// The one way the app talks to the server: JSON in and out, the bearer token added, errors turned
// into ApiError with the server's own message so screens can show it as-is.

const SESSION_KEY = "shipshape.session";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `The server answered ${status}.`);
    this.status = status;
    this.code = body?.error || null;
    this.field = body?.field || null;
  }
}

/**
 * The stored session {token, expires_at, user}, or null when signed out or expired.
 * With {allowExpired: true} an expired one is returned too (marked `expired: true`): a phone that
 * is offline when its token runs out keeps working, and signs in again once it can reach us.
 */
export function loadSession({ allowExpired = false } = {}) {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY));
    if (session?.token && session?.user) {
      if (Date.parse(session.expires_at) > Date.now()) return session;
      if (allowExpired) return { ...session, expired: true };
      return null;
    }
  } catch {
    // A damaged entry is treated like no session at all.
  }
  localStorage.removeItem(SESSION_KEY);
  return null;
}

export function saveSession(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  localStorage.removeItem(SESSION_KEY);
}

let onSignedOut = () => {};

/** Called when the server rejects our token, so the app can go back to the login screen. */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

/** The server refused our token outside `request` (e.g. on an event stream): back to the login screen. */
export function sessionEnded() {
  clearSession();
  onSignedOut("Your session has ended. Please sign in again.");
}

/**
 * request("GET", "/api/tasks/mine") → parsed JSON (null for 204).
 * Throws ApiError; status 0 means the server could not be reached.
 */
export async function request(method, path, body) {
  const session = loadSession();
  const headers = { Accept: "application/json" };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";

  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { error: "offline", message: "Can't reach the server. Check the connection and try again." });
  }

  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.ok) return data;
  // Only a request that carried a token can mean "your session is over"; a 401 from the login form
  // is just a wrong password and is shown on that form.
  if (response.status === 401 && session) {
    clearSession();
    onSignedOut("Your session has ended. Please sign in again.");
  }
  throw new ApiError(response.status, data);
}

export const api = {
  login: (username, password) => request("POST", "/api/auth/login", { username, password }),
  logout: () => request("POST", "/api/auth/logout"),
  myTasks: () => request("GET", "/api/tasks/mine"),
  orders: (limit) => request("GET", `/api/orders?limit=${limit}`),
};
