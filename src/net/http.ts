/**
 * GET over undici with what package downloads need: redirects (limit, credentials per host),
 * retries with exponential backoff on 5xx/429 (Retry-After honoured) and socket errors, explicit
 * connect/read timeouts, resume of an interrupted body with a Range request, and classification
 * of every failure into E_NETWORK / E_PROXY / E_TLS / E_AUTH with the redacted URL.
 *
 * Decision: redirects and retries are done here rather than with undici's interceptors, because
 * each hop needs the credentials of its own host (and none of the previous host's), a resume must
 * be checked against the bytes already written, and every failure needs a precise error.
 * `file://` URLs are read from disk through the same interface.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { WbError, isWbError } from "../errors.js";
import { TOOL_VERSION } from "../version.js";
import { classifyError } from "./classify.js";
import type { CredentialStore } from "./credentials.js";
import { stripCredentials, type Redactor } from "./redact.js";

export interface HttpResponse {
  status: number;
  /** Final URL after redirects (credentials not included). */
  url: string;
  /** Lowercased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** A range was asked for and the server answered 200 with the whole file; body is empty. */
  rangeIgnored?: boolean;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** Inclusive byte range, or the last N bytes. */
  range?: [number, number] | { suffix: number };
  /** Statuses returned as responses instead of thrown (e.g. [404, 410]: "not on this index"). */
  allowStatus?: number[];
  /** Fail if the body is larger (protects memory when a page is unexpectedly huge). */
  maxBytes?: number;
}

export interface DownloadOptions {
  expectedSize?: number;
  /** Called with the number of bytes written so far. */
  onProgress?: (bytes: number) => void;
}

export interface DownloadResult {
  size: number;
  sha256: string;
  /** Final URL after redirects. */
  url: string;
  /** How many times an interrupted body was resumed with a Range request. */
  resumed: number;
}

export interface HttpSettings {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  retries: number;
  maxRedirects: number;
  backoffMs: number;
  maxBackoffMs: number;
  maxRetryAfterMs: number;
  offline: boolean;
}

export interface Route {
  dispatcher: Dispatcher;
  /** Redacted proxy URL when the request goes through a proxy. */
  proxy?: string;
  /** The TLS error the connection's socket reported recently, if any (see dispatcher.ts). */
  tlsError?: () => Error | undefined;
}

export interface HttpDeps {
  route(url: URL): Route;
  creds: CredentialStore;
  redactor: Redactor;
  settings: HttpSettings;
  log?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

interface Opened {
  status: number;
  headers: Record<string, string>;
  body: Readable;
  url: string;
  viaProxy: boolean;
  /** An Authorization header went with the final request. */
  sentAuth: boolean;
}

/** A failure worth another attempt; carries the delay the server asked for, if any. */
class Retriable extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
    readonly viaProxy = false,
  ) {
    super(reason);
  }
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function rangeHeader(r: GetOptions["range"]): string | undefined {
  if (!r) return undefined;
  return Array.isArray(r) ? `bytes=${r[0]}-${r[1]}` : `bytes=-${r.suffix}`;
}

async function drain(body: Readable): Promise<void> {
  body.on("error", () => undefined);
  body.destroy();
}

export class HttpClient {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly d: HttpDeps) {
    this.sleep = d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  display(url: string): string {
    return this.d.redactor.url(url);
  }

  private fail(code: WbError["code"], message: string, url: string, hints: string[] = [], extra: Record<string, unknown> = {}, cause?: unknown): WbError {
    const r = this.d.redactor;
    return new WbError(code, r.text(message), { hint: hints.map((h) => r.secretsOnly(h)), details: { url: this.display(url), ...extra }, cause: cause === undefined ? undefined : r.text(String((cause as Error)?.message ?? cause)) });
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    const s = this.d.settings;
    const exp = Math.min(s.maxBackoffMs, s.backoffMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
    return retryAfterMs === undefined ? exp : Math.min(s.maxRetryAfterMs, Math.max(exp, retryAfterMs));
  }

  /** One request, following redirects; the body is left unread. */
  private async openFollowing(url: string, headers: Record<string, string>): Promise<Opened> {
    const s = this.d.settings;
    // Credentials written in the URL belong to its origin, and stay with it across redirects.
    this.d.creds.addFromUrl(url);
    let current = url;
    for (let hop = 0; ; hop++) {
      const u = new URL(current);
      if (u.protocol !== "http:" && u.protocol !== "https:") {
        throw this.fail("E_NETWORK", `cannot fetch ${this.display(current)}: only http, https and file URLs are supported`, current);
      }
      if (s.offline) {
        throw this.fail("E_NETWORK", `--offline: not fetching ${this.display(current)}`, current, ["run without --offline once to fill the cache"]);
      }
      const route = this.d.route(u);
      const h: Record<string, string> = { "user-agent": `wheelbarrow/${TOOL_VERSION}`, ...headers };
      const auth = this.d.creds.authorization(current);
      if (auth) h["authorization"] = auth;
      u.username = "";
      u.password = "";
      let res: Dispatcher.ResponseData;
      try {
        res = await route.dispatcher.request({
          origin: u.origin,
          path: u.pathname + u.search,
          method: "GET",
          headers: h,
          headersTimeout: s.readTimeoutMs,
          bodyTimeout: s.readTimeoutMs,
        });
      } catch (err) {
        // "other side closed" right after a TLS handshake is often a refused client certificate.
        const e = (u.protocol === "https:" && route.tlsError?.()) || err;
        const c = classifyError(e, route.proxy !== undefined);
        if (c.retriable) throw new Retriable(c.reason, undefined, route.proxy !== undefined);
        const where = route.proxy ? ` through the proxy ${route.proxy}` : "";
        throw this.fail(c.code, `cannot fetch ${this.display(current)}${where}: ${c.reason}`, current, c.hints, route.proxy ? { proxy: route.proxy } : {}, e);
      }
      const rh = flattenHeaders(res.headers as Record<string, string | string[] | undefined>);
      if (REDIRECTS.has(res.statusCode) && rh["location"]) {
        await drain(res.body);
        if (hop >= s.maxRedirects) {
          throw this.fail("E_NETWORK", `too many redirects (more than ${s.maxRedirects}) fetching ${this.display(url)}`, url, ["the server redirects in a loop; check the index URL"]);
        }
        const next = new URL(rh["location"], u);
        this.d.log?.(`redirect ${res.statusCode}: ${this.display(current)} -> ${this.display(next.toString())}`);
        current = next.toString();
        continue;
      }
      return { status: res.statusCode, headers: rh, body: res.body as unknown as Readable, url: u.toString(), viaProxy: route.proxy !== undefined, sentAuth: auth !== null };
    }
  }

  /** Throws the right error for a final non-2xx status; returns when the caller accepts it. */
  private async checkStatus(o: Opened, url: string, allow: number[]): Promise<void> {
    const st = o.status;
    if ((st >= 200 && st < 300) || allow.includes(st)) return;
    const hadCreds = o.sentAuth;
    await drain(o.body);
    if (RETRY_STATUS.has(st)) throw new Retriable(`HTTP ${st}`, parseRetryAfter(o.headers["retry-after"]), o.viaProxy);
    // Without a redirect, show the URL as the user gave it (credentials masked, not dropped).
    const shown = this.display(stripCredentials(url) === o.url ? url : o.url);
    if (st === 401 || st === 403) {
      const msg = hadCreds
        ? `${shown} refused the credentials for its host (HTTP ${st})`
        : `${shown} needs credentials (HTTP ${st})`;
      throw this.fail("E_AUTH", msg, o.url, [
        hadCreds
          ? "check the user and password (or token) given for this host"
          : "give credentials in the index URL (https://USER:TOKEN@host/simple), in ~/.netrc, or with WHEELBARROW_INDEX_USERNAME / WHEELBARROW_INDEX_PASSWORD",
      ], { status: st });
    }
    if (st === 407) {
      throw this.fail("E_PROXY", `the proxy refused the credentials fetching ${shown} (HTTP 407 Proxy Authentication Required)`, o.url, ["put the proxy's user and password in the proxy URL: --proxy http://USER:PASSWORD@proxy:port (or HTTPS_PROXY)"], { status: st });
    }
    if (st === 404 || st === 410) throw this.fail("E_NETWORK", `${shown} was not found (HTTP ${st})`, o.url, [], { status: st });
    throw this.fail("E_NETWORK", `${shown} answered HTTP ${st}`, o.url, [], { status: st });
  }

  /**
   * Run `op` with retries. `progressed()` tells whether the last failure made progress (bytes
   * written): such failures do not use up an attempt, so a long download on a flaky link finishes.
   */
  private async withRetries<T>(url: string, op: () => Promise<T>, progressed: () => boolean = () => false): Promise<T> {
    const s = this.d.settings;
    let failures = 0;
    let last = "";
    let viaProxy = false;
    for (;;) {
      try {
        return await op();
      } catch (e) {
        if (!(e instanceof Retriable)) {
          if (isWbError(e)) throw e;
          const c = classifyError(e, false);
          if (!c.retriable) throw this.fail(c.code, `cannot fetch ${this.display(url)}: ${c.reason}`, url, c.hints, {}, e);
          last = c.reason;
        } else {
          last = e.reason;
          viaProxy = e.viaProxy;
        }
        if (!progressed()) failures++;
        if (failures > s.retries) break;
        const wait = this.backoff(failures, e instanceof Retriable ? e.retryAfterMs : undefined);
        this.d.log?.(`retrying ${this.display(url)} in ${(wait / 1000).toFixed(1)} s (${last})`);
        await this.sleep(wait);
      }
    }
    const attempts = failures;
    const code = viaProxy && /cannot reach the proxy/.test(last) ? "E_PROXY" : "E_NETWORK";
    const hints =
      code === "E_PROXY"
        ? ["check --proxy / HTTPS_PROXY / HTTP_PROXY, or list the index host in NO_PROXY"]
        : ["check the network, the index URL and any proxy (--proxy, HTTPS_PROXY); with a filled cache, --offline works without the network"];
    if (url.startsWith("https:") && last.includes("UND_ERR_SOCKET")) {
      hints.push("an https server that does not accept the client certificate closes the connection like this: check --client-cert");
    }
    throw this.fail(code, `cannot fetch ${this.display(url)} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${last}`, url, hints, { attempts, reason: last });
  }

  async get(url: string, opts: GetOptions = {}): Promise<HttpResponse> {
    if (url.startsWith("file:")) return this.getFile(url, opts);
    const headers = { ...(opts.headers ?? {}) };
    const range = rangeHeader(opts.range);
    if (range) headers["range"] = range;
    return this.withRetries(url, async () => {
      const o = await this.openFollowing(url, headers);
      await this.checkStatus(o, url, opts.allowStatus ?? []);
      if (range && o.status === 200) {
        await drain(o.body);
        return { status: 200, url: o.url, headers: o.headers, body: Buffer.alloc(0), rangeIgnored: true };
      }
      const chunks: Buffer[] = [];
      let n = 0;
      try {
        for await (const chunk of o.body) {
          const b = chunk as Buffer;
          n += b.length;
          if (opts.maxBytes !== undefined && n > opts.maxBytes) {
            await drain(o.body);
            throw this.fail("E_NETWORK", `${this.display(o.url)} sent more than ${opts.maxBytes} bytes`, o.url);
          }
          chunks.push(b);
        }
      } catch (e) {
        if (isWbError(e)) throw e;
        const c = classifyError(e, o.viaProxy);
        if (c.retriable) throw new Retriable(c.reason, undefined, o.viaProxy);
        throw this.fail(c.code, `cannot fetch ${this.display(o.url)}: ${c.reason}`, o.url, c.hints, {}, e);
      }
      return { status: o.status, url: o.url, headers: o.headers, body: Buffer.concat(chunks) };
    });
  }

  private async getFile(url: string, opts: GetOptions): Promise<HttpResponse> {
    const path = fileURLToPath(url);
    try {
      let body = await readFile(path);
      if (opts.range) {
        const size = body.length;
        const [a, b] = Array.isArray(opts.range) ? opts.range : [Math.max(0, size - opts.range.suffix), size - 1];
        body = body.subarray(a, Math.min(b, size - 1) + 1);
        return { status: 206, url, headers: { "content-range": `bytes ${a}-${a + body.length - 1}/${size}` }, body };
      }
      return { status: 200, url, headers: {}, body };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === "ENOENT" || code === "ENOTDIR") && opts.allowStatus?.includes(404)) return { status: 404, url, headers: {}, body: Buffer.alloc(0) };
      throw this.fail("E_NETWORK", `cannot read ${this.display(url)}: ${code === "ENOENT" ? "no such file" : (code ?? String(e))}`, url);
    }
  }

  /**
   * Stream the body to `dest` (created or truncated), computing its sha256 on the way. An
   * interrupted body is resumed with `Range: bytes=N-` (and If-Range when the server gave a
   * validator); a server that answers 200 instead restarts the file from zero.
   */
  async download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    if (url.startsWith("file:")) return this.copyFile(url, dest, opts);
    const fh = await open(dest, "w");
    let hash = createHash("sha256");
    let written = 0;
    // The furthest any attempt got: a failure only "made progress" if it got further, so a
    // server that always cuts at the same byte and cannot resume still runs out of retries.
    let highWater = 0;
    let validator: string | undefined;
    let resumed = 0;
    let finalUrl = url;
    try {
      await this.withRetries(
        url,
        async () => {
          const headers: Record<string, string> = {};
          if (written > 0) {
            headers["range"] = `bytes=${written}-`;
            if (validator) headers["if-range"] = validator;
          }
          const o = await this.openFollowing(url, headers);
          finalUrl = o.url;
          await this.checkStatus(o, url, []);
          if (written > 0) {
            const start = /^bytes (\d+)-/.exec(o.headers["content-range"] ?? "")?.[1];
            if (o.status === 206 && start !== undefined && Number(start) === written) {
              resumed++;
              this.d.log?.(`resuming ${this.display(url)} at byte ${written}`);
            } else {
              if (o.status === 206) {
                // A range we did not ask for: start over without one.
                await drain(o.body);
                written = 0;
                hash = createHash("sha256");
                await fh.truncate(0);
                throw new Retriable("the server answered an unexpected range");
              }
              written = 0;
              hash = createHash("sha256");
              await fh.truncate(0);
            }
          }
          validator = o.headers["etag"] && !o.headers["etag"].startsWith("W/") ? o.headers["etag"] : (o.headers["last-modified"] ?? validator);
          try {
            for await (const chunk of o.body) {
              const b = chunk as Buffer;
              await fh.write(b, 0, b.length, written);
              hash.update(b);
              written += b.length;
              opts.onProgress?.(written);
            }
          } catch (e) {
            const c = classifyError(e, o.viaProxy);
            if (c.retriable) throw new Retriable(c.reason, undefined, o.viaProxy);
            throw this.fail(c.code, `cannot fetch ${this.display(url)}: ${c.reason}`, url, c.hints, {}, e);
          }
        },
        () => {
          const progressed = written > highWater;
          highWater = Math.max(highWater, written);
          return progressed;
        },
      );
    } finally {
      await fh.close();
    }
    return { size: written, sha256: hash.digest("hex"), url: finalUrl, resumed };
  }

  private async copyFile(url: string, dest: string, opts: DownloadOptions): Promise<DownloadResult> {
    const path = fileURLToPath(url);
    try {
      await stat(path);
    } catch {
      throw this.fail("E_NETWORK", `cannot read ${this.display(url)}: no such file`, url);
    }
    const fh = await open(dest, "w");
    const hash = createHash("sha256");
    let written = 0;
    try {
      for await (const chunk of createReadStream(path)) {
        const b = chunk as Buffer;
        await fh.write(b, 0, b.length, written);
        hash.update(b);
        written += b.length;
        opts.onProgress?.(written);
      }
    } finally {
      await fh.close();
    }
    return { size: written, sha256: hash.digest("hex"), url, resumed: 0 };
  }
}
