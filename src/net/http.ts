/**
 * GET over undici with what package downloads need: redirects (limit, credentials per host),
 * retries with exponential backoff on 5xx/429 (Retry-After honoured) and socket errors, explicit
 * connect/read timeouts, resume of an interrupted body with a Range request, and classification
 * of every failure into E_NETWORK / E_PROXY / E_TLS / E_AUTH with the redacted URL. http and
 * https only: the Net (dispatcher.ts) reads `file://` URLs with file-url.ts behind the same
 * interface.
 *
 * Decision: redirects and retries are done here rather than with undici's interceptors, because
 * each hop needs the credentials of its own host (and none of the previous host's), a resume must
 * be checked against the bytes already written, and every failure needs a precise error.
 */
import { ftruncateSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import type { Dispatcher } from "undici";
import { WbError, isWbError } from "../errors.js";
import { TOOL_VERSION } from "../version.js";
import type { HashSet } from "../model/hash-set.js";
import { MultiHasher } from "../util/multi-hasher.js";
import { classifyError } from "./classify.js";
import type { CredentialStore } from "./credentials.js";
import { DEFAULT_MAX_DOWNLOAD, DEFAULT_MAX_GET, formatMiB, tooLargeError } from "./limits.js";
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

/** What a request would have fetched, for the --offline refusal (offline.ts). */
export interface CacheMiss {
  /** The thing, as the message names it: "the index page of demo from https://…", "the METADATA of x.whl". */
  what: string;
  /** The cache directory the thing is not in. */
  cache?: string;
  /** Extra error details (the file name, ...). */
  details?: Record<string, unknown>;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** Inclusive byte range, or the last N bytes. */
  range?: [number, number] | { suffix: number };
  /** Statuses returned as responses instead of thrown (e.g. [404, 410]: "not on this index"). */
  allowStatus?: number[];
  /** Fail if the body is larger (protects memory when a page is unexpectedly huge); default DEFAULT_MAX_GET. */
  maxBytes?: number;
  /** What the response is, for the size error ("a project page"). */
  what?: string;
  /** What the request fetches that the cache lacks, for the --offline refusal (offline.ts). */
  missing?: CacheMiss;
}

export interface DownloadOptions {
  /** Stop with E_INTEGRITY beyond this many bytes (the size the index declared); default DEFAULT_MAX_DOWNLOAD. */
  maxBytes?: number;
  /** Called with the number of bytes written so far. */
  onProgress?: (bytes: number) => void;
  /** What the download fetches that the cache lacks, for the --offline refusal (offline.ts). */
  missing?: CacheMiss;
  /** Algorithms to compute besides sha256, in the same pass over the body (src/util/multi-hasher.ts). */
  algorithms?: readonly string[];
}

export interface DownloadResult {
  size: number;
  sha256: string;
  /** sha256 and every requested algorithm, computed as the body streamed in. */
  digests: HashSet;
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
  url: string;
  viaProxy: boolean;
  /** An Authorization header went with the final request. */
  sentAuth: boolean;
}

/**
 * Receives a response body chunk by chunk, synchronously. It may throw: the request is then
 * aborted and the exchange fails with that error.
 */
export type BodySink = (chunk: Buffer) => void;

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

/** A write to the destination file failed (disk full, ...): passed on as the errno error. */
class LocalWriteError extends Error {
  constructor(readonly inner: unknown) {
    super("local write failed");
  }
}

/** Thrown by a sink to stop reading a body we do not want (a redirect's, a range-ignoring 200). */
class Cut extends Error {}
const CUT = new Cut("body not wanted");

/** An error thrown by our own code at headers time or by a sink (not a transport failure). */
class Decided extends Error {
  constructor(readonly inner: unknown) {
    super("decided");
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

/** Bodies of redirects and refused requests are read and dropped up to this size, then cut. */
const DISCARD_LIMIT = 1024 * 1024;
export { DEFAULT_MAX_DOWNLOAD, DEFAULT_MAX_GET } from "./limits.js";

function discardSink(): BodySink {
  let n = 0;
  return (chunk) => {
    n += chunk.length;
    if (n > DISCARD_LIMIT) throw CUT;
  };
}

/**
 * One HTTP exchange through undici's `dispatch` with a handler that never pauses the parser.
 *
 * Why: undici 7's `request()` body is a Readable whose back-pressure pauses the HTTP/1 parser;
 * when the server then closes the connection (HTTP/1.0, `Connection: close`), the parser's
 * `finish()` asserts `!this.paused` and the process dies with an uncatchable AssertionError.
 * Here the data callback consumes every chunk synchronously (written to disk, hashed, or
 * collected under a cap) and never returns false nor calls `controller.pause()`, so the parser
 * is never paused and memory stays bounded by the sink.
 *
 * `onStart` is called with the status and headers and returns the sink for the body; it may
 * throw (the request is aborted and the promise rejects with that error, wrapped in Decided).
 * Transport errors reject unwrapped; `started` tells whether headers had arrived.
 */
function exchange(dispatcher: Dispatcher, opts: Dispatcher.DispatchOptions, onStart: (status: number, headers: Record<string, string>) => BodySink): { done: Promise<void>; started: () => boolean } {
  let started = false;
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    let sink: BodySink = () => undefined;
    let decided: Decided | null = null;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    const fail = (c: Dispatcher.DispatchController, e: unknown): void => {
      decided = e instanceof Decided ? e : new Decided(e);
      settle(decided);
      // Never let anything escape a callback: undici turns a throw into a paused parser.
      try {
        c.abort(decided);
      } catch {
        // the request is already finished or aborted
      }
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {
        // nothing to do: the controller comes with every callback
      },
      onResponseStart(c, status, headers) {
        if (settled) return;
        started = true;
        try {
          sink = onStart(status, flattenHeaders(headers as Record<string, string | string[] | undefined>));
        } catch (e) {
          fail(c, e);
        }
      },
      onResponseData(c, chunk) {
        if (settled) return;
        try {
          sink(chunk);
        } catch (e) {
          fail(c, e);
        }
      },
      onResponseEnd() {
        settle();
      },
      onResponseError(_c, err) {
        settle(decided ?? err);
      },
    };
    try {
      dispatcher.dispatch(opts, handler);
    } catch (e) {
      settle(e);
    }
  });
  return { done, started: () => started };
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

  /**
   * One request, following redirects; `onFinal` sees the final response's status and headers
   * and returns the sink for its body (or throws to refuse it). Resolves when the body ended.
   */
  private async fetchFollowing(url: string, headers: Record<string, string>, onFinal: (o: Opened) => BodySink): Promise<Opened> {
    const s = this.d.settings;
    // Credentials written in the URL belong to its origin, and stay with it across redirects.
    this.d.creds.addFromUrl(url);
    let current = url;
    for (let hop = 0; ; hop++) {
      const u = new URL(current);
      if (u.protocol !== "http:" && u.protocol !== "https:") {
        throw this.fail("E_NETWORK", `cannot fetch ${this.display(current)}: only http, https and file URLs are supported`, current);
      }
      const route = this.d.route(u);
      const h: Record<string, string> = { "user-agent": `wheelbarrow/${TOOL_VERSION}`, ...headers };
      const auth = this.d.creds.authorization(current);
      if (auth) h["authorization"] = auth;
      u.username = "";
      u.password = "";
      const viaProxy = route.proxy !== undefined;
      let opened: Opened | undefined;
      let next: string | undefined;
      let redirectStatus = 0;
      const ex = exchange(
        route.dispatcher,
        { origin: u.origin, path: u.pathname + u.search, method: "GET", headers: h, headersTimeout: s.readTimeoutMs, bodyTimeout: s.readTimeoutMs },
        (status, rh) => {
          if (REDIRECTS.has(status) && rh["location"]) {
            next = new URL(rh["location"], u).toString();
            redirectStatus = status;
            return discardSink();
          }
          opened = { status, headers: rh, url: u.toString(), viaProxy, sentAuth: auth !== null };
          return onFinal(opened);
        },
      );
      try {
        await ex.done;
      } catch (err) {
        if (err instanceof Decided) {
          // A redirect body too large to read is simply cut; anything else is our own verdict.
          if (err.inner === CUT && next !== undefined) {
            // fall through to the redirect below
          } else {
            throw err.inner;
          }
        } else if (!ex.started()) {
          // "other side closed" right after a TLS handshake is often a refused client certificate.
          const e = (u.protocol === "https:" && route.tlsError?.()) || err;
          const c = classifyError(e, viaProxy);
          if (c.retriable) throw new Retriable(c.reason, undefined, viaProxy);
          const where = route.proxy ? ` through the proxy ${route.proxy}` : "";
          throw this.fail(c.code, `cannot fetch ${this.display(current)}${where}: ${c.reason}`, current, c.hints, route.proxy ? { proxy: route.proxy } : {}, e);
        } else if (next === undefined) {
          const c = classifyError(err, viaProxy);
          if (c.retriable) throw new Retriable(c.reason, undefined, viaProxy);
          throw this.fail(c.code, `cannot fetch ${this.display(current)}: ${c.reason}`, current, c.hints, {}, err);
        }
        // A redirect whose (ignored) body broke off: the redirect itself stands.
      }
      if (next !== undefined) {
        if (hop >= s.maxRedirects) {
          throw this.fail("E_NETWORK", `too many redirects (more than ${s.maxRedirects}) fetching ${this.display(url)}`, url, ["the server redirects in a loop; check the index URL"]);
        }
        this.d.log?.(`redirect ${redirectStatus}: ${this.display(current)} -> ${this.display(next)}`);
        current = next;
        continue;
      }
      return opened!;
    }
  }

  /** Throws the right error for a final non-2xx status; returns when the caller accepts it. */
  private checkStatus(o: Opened, url: string, allow: number[]): void {
    const st = o.status;
    if ((st >= 200 && st < 300) || allow.includes(st)) return;
    const hadCreds = o.sentAuth;
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
        if (e instanceof LocalWriteError) throw e.inner;
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
    const headers = { ...(opts.headers ?? {}) };
    const range = rangeHeader(opts.range);
    if (range) headers["range"] = range;
    const max = opts.maxBytes ?? DEFAULT_MAX_GET;
    return this.withRetries(url, async () => {
      const chunks: Buffer[] = [];
      let rangeIgnored = false;
      let ignoredAt: Opened | undefined;
      const o = await this.fetchFollowing(url, headers, (o) => {
        this.checkStatus(o, url, opts.allowStatus ?? []);
        if (range && o.status === 200) {
          // The whole file instead of the range: do not read it.
          rangeIgnored = true;
          ignoredAt = o;
          throw CUT;
        }
        const declared = Number(o.headers["content-length"]);
        if (Number.isFinite(declared) && declared > max) throw this.tooLarge(o.url, max, opts.what, declared);
        let n = 0;
        return (chunk) => {
          n += chunk.length;
          if (n > max) throw this.tooLarge(o.url, max, opts.what);
          chunks.push(chunk);
        };
      }).catch((e: unknown) => {
        if (rangeIgnored && e === CUT) return null;
        throw e;
      });
      if (o === null) return { status: 200, url: ignoredAt!.url, headers: ignoredAt!.headers, body: Buffer.alloc(0), rangeIgnored: true };
      return { status: o.status, url: o.url, headers: o.headers, body: Buffer.concat(chunks) };
    });
  }

  private tooLarge(url: string, max: number, what = "the response", declared?: number): WbError {
    return tooLargeError(this.display(url), max, what, declared);
  }

  /**
   * Stream the body to `dest` (created or truncated), computing its sha256 on the way. An
   * interrupted body is resumed with `Range: bytes=N-` (and If-Range when the server gave a
   * validator); a server that answers 200 instead restarts the file from zero.
   */
  async download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const limit = opts.maxBytes ?? DEFAULT_MAX_DOWNLOAD;
    const fh = await open(dest, "w");
    const fd = fh.fd;
    let hash = new MultiHasher(opts.algorithms);
    let written = 0;
    // The furthest any attempt got: a failure only "made progress" if it got further, so a
    // server that always cuts at the same byte and cannot resume still runs out of retries.
    let highWater = 0;
    let validator: string | undefined;
    let resumed = 0;
    let finalUrl = url;
    const restart = (): void => {
      written = 0;
      hash = new MultiHasher(opts.algorithms);
      ftruncateSync(fd, 0);
    };
    try {
      await this.withRetries(
        url,
        async () => {
          const headers: Record<string, string> = {};
          if (written > 0) {
            headers["range"] = `bytes=${written}-`;
            if (validator) headers["if-range"] = validator;
          }
          await this.fetchFollowing(url, headers, (o) => {
            finalUrl = o.url;
            this.checkStatus(o, url, []);
            if (written > 0) {
              const start = /^bytes (\d+)-/.exec(o.headers["content-range"] ?? "")?.[1];
              if (o.status === 206 && start !== undefined && Number(start) === written) {
                resumed++;
                this.d.log?.(`resuming ${this.display(url)} at byte ${written}`);
              } else {
                restart();
                // A range we did not ask for: start over without one.
                if (o.status === 206) throw new Retriable("the server answered an unexpected range");
              }
            }
            const declared = Number(o.headers["content-length"]);
            if (Number.isFinite(declared) && written + declared > limit) throw this.overSize(url, limit, opts.maxBytes !== undefined, written + declared);
            validator = o.headers["etag"] && !o.headers["etag"].startsWith("W/") ? o.headers["etag"] : (o.headers["last-modified"] ?? validator);
            return (chunk) => {
              if (written + chunk.length > limit) throw this.overSize(url, limit, opts.maxBytes !== undefined);
              // Synchronous on purpose: the parser is never paused, nothing queues in memory.
              try {
                writeSync(fd, chunk, 0, chunk.length, written);
              } catch (e) {
                throw new LocalWriteError(e);
              }
              hash.update(chunk);
              written += chunk.length;
              opts.onProgress?.(written);
            };
          });
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
    const digests = hash.digest();
    return { size: written, sha256: digests.get("sha256")[0]!, digests, url: finalUrl, resumed };
  }

  private overSize(url: string, limit: number, declaredByIndex: boolean, announced?: number): WbError {
    const shown = this.display(url);
    const what = declaredByIndex ? `the ${limit} bytes the index declares for it` : `the ${formatMiB(limit)} download limit`;
    return this.fail("E_INTEGRITY", `${shown} sent more than ${what}${announced !== undefined ? ` (it announces ${announced})` : ""}; the download was stopped and nothing was kept`, url, ["the index's listing and the file disagree, or the server sends an endless body; report it to the index's owner"], { limit });
  }
}
