/**
 * Redaction of credentials in URLs and free text: credentials are never printed and never
 * written into a bundle, a lock or the cache.
 *
 * URL redaction itself is the pure src/text/redact-url.ts (re-exported here): any userinfo shows as
 * `***@`, secret-looking query values as `***`. `Redactor` additionally scrubs every secret it
 * has been told about from any text, as a last line of defence for messages that embed foreign
 * error text.
 */

import { MASK, redactUrl, redactUrlsInText } from "../text/redact-url.js";

export { MASK, credentialsInUrl, redactUrl, redactUrlsInText, stripCredentials } from "../text/redact-url.js";

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
