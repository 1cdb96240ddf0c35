/**
 * Redaction of credentials in URLs and free text (spec.md: credentials are never printed, never
 * written into a bundle).
 *
 * Decisions: a URL with `user:password@` shows as `user:***@` (the user name helps debugging);
 * a URL with only a user name shows as `***@`, because a lone user name is usually a token
 * (`https://<token>@host`). Query parameters whose name looks like a secret (token, key,
 * signature, credential, password, auth: pre-signed S3/GCS redirect URLs carry them) show as
 * `***`. `Redactor` additionally scrubs every secret it has been told about from any text, as a
 * last line of defence for messages that embed foreign error text.
 */

const SECRET_QUERY = /token|key|secret|pass|sig|signature|credential|auth|session/i;
export const MASK = "***";

/** The URL without credentials in the userinfo part (fragment and query kept). Non-URLs pass through. */
export function stripCredentials(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (!u.username && !u.password) return url;
  u.username = "";
  u.password = "";
  return u.toString();
}

/** Credentials embedded in a URL, decoded, or null. */
export function credentialsInUrl(url: string): { username: string; password: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!u.username && !u.password) return null;
  return { username: safeDecode(u.username), password: safeDecode(u.password) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The URL as it may be shown to a user or written to a file. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.protocol === "file:") return url;
  let changed = false;
  if (u.password) {
    u.password = MASK;
    changed = true;
  } else if (u.username) {
    u.username = MASK;
    changed = true;
  }
  if (u.search) {
    const parts = u.search.slice(1).split("&");
    const out = parts.map((p) => {
      const eq = p.indexOf("=");
      if (eq === -1) return p;
      const name = safeDecode(p.slice(0, eq));
      if (SECRET_QUERY.test(name)) {
        changed = true;
        return `${p.slice(0, eq)}=${MASK}`;
      }
      return p;
    });
    if (changed) u.search = "?" + out.join("&");
  }
  return changed ? u.toString().replace(/%2A%2A%2A/g, MASK) : url;
}

/** Every `scheme://user:pass@` or `scheme://token@` inside free text, redacted. */
export function redactUrlsInText(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@"'<>]+)@/gi, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon === -1 ? `${scheme}${MASK}@` : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
  });
}

/** Knows the run's secrets (passwords, tokens, proxy credentials) and removes them from any text. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mangle ordinary words; they are still stripped from URLs by redactUrl.
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    this.secrets.add(encodeURIComponent(secret));
    this.secrets.add(Buffer.from(secret).toString("base64"));
  }

  /** Adds the user:password pair, and its Basic-auth encoding. */
  addPair(username: string, password: string): void {
    this.add(password);
    if (!password) this.add(username);
    this.add(Buffer.from(`${username}:${password}`).toString("base64"));
  }

  url(url: string): string {
    return this.text(redactUrl(url));
  }

  text(text: string): string {
    return this.secretsOnly(redactUrlsInText(text));
  }

  /** Only the registered secrets (for our own texts, such as hints with `USER:PASSWORD@` placeholders). */
  secretsOnly(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is removed whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
    return out;
  }
}
