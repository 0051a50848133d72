/**
 * Who may use the dashboard: only a page or a program holding its token, on 127.0.0.1. The printed link carries
 * the token once (`/?token=...`); the page then holds it in a cookie named for the port (cookies are shared
 * between ports). A program sends it as `Authorization: Bearer <token>`. The `Host` header must name the
 * dashboard itself (a web page elsewhere cannot reach it through a DNS name pointed at 127.0.0.1), and a change
 * made with the cookie must come from the dashboard's own page (`Origin`).
 *
 * @module
 */

/** How one request stands. */
export type Access =
  | { readonly kind: "allowed" }
  /** The token in the link: swapped for the cookie, the address bar cleaned. */
  | { readonly kind: "login"; readonly cookie: string }
  | { readonly kind: "refused"; readonly why: string };

/** A new random token: 32 hex characters. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The name of the dashboard's cookie on `port`. */
export function cookieName(port: number): string {
  return `ork_token_${port}`;
}

/**
 * Whether `request` may be answered by the dashboard on `port` with `token`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const at = (path: string, headers: Record<string, string> = {}) =>
 *   new Request(`http://127.0.0.1:8080${path}`, { headers: { host: "127.0.0.1:8080", ...headers } });
 * assert.equal(checkAccess(at("/api/state"), 8080, "t0k").kind, "refused");
 * assert.equal(checkAccess(at("/api/state", { authorization: "Bearer t0k" }), 8080, "t0k").kind, "allowed");
 * assert.equal(checkAccess(at("/?token=t0k"), 8080, "t0k").kind, "login");
 * assert.equal(checkAccess(at("/", { cookie: "ork_token_8080=t0k" }), 8080, "t0k").kind, "allowed");
 * const rebound = new Request("http://127.0.0.1:8080/", { headers: { host: "evil.example:8080", cookie: "ork_token_8080=t0k" } });
 * assert.equal(checkAccess(rebound, 8080, "t0k").kind, "refused");
 * ```
 */
export function checkAccess(request: Request, port: number, token: string): Access {
  const host = request.headers.get("host");
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    return { kind: "refused", why: "the Host header does not name this dashboard" };
  }
  const url = new URL(request.url);
  if (request.method === "GET" && url.pathname === "/" && url.searchParams.has("token")) {
    return same(url.searchParams.get("token") ?? "", token)
      ? { kind: "login", cookie: `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict` }
      : { kind: "refused", why: "wrong token" };
  }
  const bearer = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (bearer !== undefined) {
    return same(bearer, token) ? { kind: "allowed" } : { kind: "refused", why: "wrong token" };
  }
  const cookie = cookieOf(request, cookieName(port));
  if (cookie === undefined || !same(cookie, token)) {
    return { kind: "refused", why: "no token: open the link ork serve printed" };
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    const origin = request.headers.get("origin");
    if (origin !== `http://${host}`) {
      return { kind: "refused", why: "a change must come from the dashboard's page" };
    }
  }
  return { kind: "allowed" };
}

/** The value of cookie `name` in the request, if any. */
function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Compares two tokens in time that does not depend on where they differ. */
function same(given: string, token: string): boolean {
  if (given.length !== token.length) return false;
  let diff = 0;
  for (let i = 0; i < token.length; i++) diff |= given.charCodeAt(i) ^ token.charCodeAt(i);
  return diff === 0;
}
