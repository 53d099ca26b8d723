// Reading and forging JWTs in the browser, with no key: a JWT is signed, not encrypted.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decode base64url text (no padding) into a string. */
export function base64UrlDecode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return decoder.decode(bytes);
}

/** Encode a string as base64url without padding, as JWTs do. */
export function base64UrlEncode(text) {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Split a JWT into its three base64url parts and decode the first two. */
export function parseToken(token) {
  const [header, payload, signature] = token.split(".");
  return {
    parts: { header, payload, signature },
    header: JSON.parse(base64UrlDecode(header)),
    payload: JSON.parse(base64UrlDecode(payload)),
  };
}

/** Return the token with its payload changed and the original signature kept. */
export function tamperedToken(token, changes) {
  const { parts, payload } = parseToken(token);
  const forged = base64UrlEncode(JSON.stringify({ ...payload, ...changes }));
  return `${parts.header}.${forged}.${parts.signature}`;
}

/** Return an unsigned token: header {"alg": "none"}, the same payload, an empty signature. */
export function unsignedToken(token) {
  const { parts } = parseToken(token);
  const header = base64UrlEncode(JSON.stringify({ alg: "none", typ: "JWT" }));
  return `${header}.${parts.payload}.`;
}

/** What each claim this lab's tokens carry means. */
export const CLAIMS = {
  iss: "issuer: who issued the token (registered claim, RFC 7519)",
  sub: "subject: the user the token is about",
  aud: "audience: who the token is meant for; others must refuse it",
  exp: "expiry: after this time every backend refuses the token",
  nbf: "not before: refused before this time",
  iat: "issued at: when the token was signed",
  jti: "token id: unique per token; what the blocklist stores on logout",
  type: "access or refresh (flask-jwt-extended): the two are not interchangeable",
  fresh: "flask-jwt-extended's freshness flag: the lab never sets it, so it is always false",
  mode: "the lab mode that issued it: the other mode refuses it",
};

/** Claims that hold a time, in seconds since 1970. */
export const TIME_CLAIMS = new Set(["exp", "nbf", "iat"]);
