/**
 * A URL that cannot be printed with its credentials. The URL as given (userinfo, secret-looking
 * query values such as a pre-signed `X-Amz-Signature`) is kept in a private field; everything a
 * value of this type offers by default is redacted (src/text/redact-url.ts):
 *
 * - `display` (also `String(u)`, `${u}`, `JSON.stringify(u)` and `util.inspect(u)`): for messages,
 *   logs and reports: any userinfo shows as `***@`, secret query values as `***`;
 * - `public`: for files (pylock.toml, manifest.json, the SBOM, requirements.txt): no userinfo at
 *   all, secret query values masked;
 * - `reveal()`: the URL as given, for the network layer only (the request must carry it).
 *
 * Models (`IndexFile`, `SourceInfo`) hold URLs as this type, so a message or a writer that
 * interpolates one gets the redacted form; getting the secret takes a call named for it.
 */
import { publicUrl, redactUrl, stripCredentials } from "./redact-url.js";

export class SafeUrl {
  readonly #raw: string;
  readonly #shown: string;
  /** Redacted for messages: `***@` for userinfo, `***` for secret query values. */
  readonly display: string;

  private constructor(raw: string, shown: string) {
    this.#raw = raw;
    this.#shown = shown;
    this.display = redactUrl(shown);
  }

  /**
   * `url` as given; `shownAs` is what to show and write instead when that is not the URL itself
   * (a lock's relative wheel path, whose request URL is the absolute `file:` URL). Both are redacted.
   */
  static of(url: string, shownAs?: string): SafeUrl {
    return new SafeUrl(url, shownAs ?? url);
  }

  /** As written into files: without userinfo, secret query values masked. */
  get public(): string {
    return publicUrl(this.#shown);
  }

  /** The URL as given, secrets included: only for making the request. */
  reveal(): string {
    return this.#raw;
  }

  /** The URL as given, as an identity (a Map key, a cache key to hash): never for output. */
  get key(): string {
    return this.#raw;
  }

  /** The URL without userinfo (query kept): a key for caches and comparisons, never for output. */
  withoutCredentials(): string {
    return stripCredentials(this.#raw);
  }

  /** A URL resolved against this one (the base's credentials are not carried over). */
  resolve(relative: string): SafeUrl {
    const abs = new URL(relative, this.#raw).toString();
    return new SafeUrl(abs, abs);
  }

  /** The URL with `suffix` appended (for example `.metadata`, the PEP 658 sidecar). */
  append(suffix: string): SafeUrl {
    return new SafeUrl(this.#raw + suffix, this.#shown + suffix);
  }

  get isFile(): boolean {
    return /^file:/i.test(this.#raw);
  }

  toString(): string {
    return this.display;
  }

  toJSON(): string {
    return this.display;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SafeUrl(${this.display})`;
  }
}
