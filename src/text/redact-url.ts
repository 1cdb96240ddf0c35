/**
 * The one place that removes credentials from URLs, for everything that reaches a terminal, a
 * file (pylock.toml, manifest, SBOM, cache) or an error message. Pure: no I/O, no Node APIs.
 *
 * Decisions:
 * - Userinfo is found as the WHATWG URL parser finds it: everything up to the LAST `@` of the
 *   authority, so a password with a raw `@` (`https://user:p@ss@host/`) is removed whole.
 * - Any userinfo, user name included, shows as `***@`: user names are often tokens themselves
 *   (`https://<token>@host`, `https://<token>:x-oauth-basic@host`).
 * - Query parameters whose name looks like a secret (token, key, signature, credential,
 *   password, auth: pre-signed S3/GCS redirect URLs carry them) show as `***`.
 * - A string that does not parse as a URL but looks like one (`scheme://...@...`, for example a
 *   password with a raw `/`) is masked from after `://` to its last `@`: over-masking a
 *   malformed URL is better than printing part of a password.
 * - file: URLs carry no credentials and are returned as given.
 */

export const MASK = "***";

const SECRET_QUERY = /token|key|secret|pass|sig|signature|credential|auth|session/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** For URL-like text that does not parse: scheme://, the userinfo replacement, and what follows the last `@`. */
function replaceUnparsable(token: string, userinfo: string): string {
  const m = SCHEME.exec(token);
  const at = token.lastIndexOf("@");
  if (!m || at < m[0].length) return token;
  return `${m[0]}${userinfo}${token.slice(at + 1)}`;
}

/** The URL without its userinfo (query and fragment kept). Non-URLs pass through. */
export function stripCredentials(url: string): string {
  const u = parse(url);
  if (!u) return replaceUnparsable(url, "");
  if (!u.username && !u.password) return url;
  u.username = "";
  u.password = "";
  return u.toString();
}

/** Credentials embedded in a URL, decoded, or null. */
export function credentialsInUrl(url: string): { username: string; password: string } | null {
  const u = parse(url);
  if (!u || (!u.username && !u.password)) return null;
  return { username: safeDecode(u.username), password: safeDecode(u.password) };
}

/** The URL as it may be shown to a user or written to a file. */
export function redactUrl(url: string): string {
  const u = parse(url);
  if (!u) return replaceUnparsable(url, `${MASK}@`);
  if (u.protocol === "file:") return url;
  let changed = false;
  if (u.username || u.password) {
    u.password = "";
    u.username = MASK;
    changed = true;
  }
  if (u.search) {
    let secretQuery = false;
    const out = u.search
      .slice(1)
      .split("&")
      .map((p) => {
        const eq = p.indexOf("=");
        if (eq === -1 || !SECRET_QUERY.test(safeDecode(p.slice(0, eq)))) return p;
        secretQuery = true;
        return `${p.slice(0, eq)}=${MASK}`;
      });
    if (secretQuery) {
      u.search = "?" + out.join("&");
      changed = true;
    }
  }
  return changed ? u.toString().replace(/%2A%2A%2A/g, MASK) : url;
}

/**
 * The URL as written into files (pylock.toml, manifest, SBOM): no userinfo at all (a `***@`
 * would make the URL unusable; the reader supplies credentials through netrc or the environment)
 * and secret-looking query values masked.
 */
export function publicUrl(url: string): string {
  return redactUrl(stripCredentials(url));
}

/** Every URL inside free text (a message, a foreign error) with its credentials masked. */
export function redactUrlsInText(text: string): string {
  // A URL token runs to whitespace or `"`: a password may hold `'`, `<` or `)` raw, so those do
  // not end it (only trailing ones are taken as prose punctuation).
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"]+/gi, (token) => {
    if (!token.includes("@") && !token.includes("?")) return token;
    const m = /[)'>`\].,;:!]+$/.exec(token);
    const tail = m ? m[0] : "";
    const core = tail ? token.slice(0, -tail.length) : token;
    return redactUrl(core) + tail;
  });
}
