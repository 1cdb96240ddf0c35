/**
 * The network layer, built once at the edge and passed in explicitly (never a global
 * dispatcher): one undici Agent for direct connections and one ProxyAgent per proxy, chosen per
 * URL by --proxy / HTTPS_PROXY / HTTP_PROXY / NO_PROXY (proxy.ts); TLS from --cert (an extra CA
 * bundle added to the bundled and system CAs) and --client-cert (mTLS); credentials per host
 * (credentials.ts); redaction of every secret (redact.ts).
 *
 * Decisions: plain-http requests through an http proxy are sent in absolute form (no CONNECT
 * tunnel), as curl and pip do, because proxies such as squid only allow CONNECT to port 443;
 * https requests always tunnel. Defaults follow pip: 15 s connect timeout, 5 retries; reads time
 * out after 60 s without a byte; at most 10 redirects.
 */
import { existsSync, readFileSync } from "node:fs";
import { createSecureContext, rootCertificates, type SecureContext } from "node:tls";
import { Agent, ProxyAgent, buildConnector, type Dispatcher } from "undici";
import { WbError } from "../errors.js";
import { CredentialStore, type CredentialSources } from "./credentials.js";
import { downloadFileUrl, getFileUrl, isFileUrl } from "./file-url.js";
import { HttpClient, type DownloadOptions, type DownloadResult, type GetOptions, type HttpResponse, type HttpSettings, type Route } from "./http.js";
import { refuseNetwork } from "./offline.js";
import { proxyConfig, proxyFor, type ProxyConfig } from "./proxy.js";
import { Redactor } from "./redact.js";

export type { HttpResponse, GetOptions, DownloadOptions, DownloadResult } from "./http.js";

export interface NetOptions {
  /** --proxy; otherwise HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY from env. */
  proxy?: string;
  /** The proxies already decided (commands/settings.ts); proxy and env's proxy variables are then not read. */
  proxies?: ProxyConfig;
  env: Record<string, string | undefined>;
  /** --cert: PEM bundle of extra CAs. */
  cert?: string;
  /** --client-cert: one PEM file with the client certificate and its private key. */
  clientCert?: string;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  retries?: number;
  maxRedirects?: number;
  netrcPath?: string;
  /** First retry delay; doubles each attempt (jittered), capped by maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Longest Retry-After wait honoured. */
  maxRetryAfterMs?: number;
  /** Refuse every http(s) request (file:// still works): the Net is wrapped by offline.ts. */
  offline?: boolean;
  /** Debug lines (retries, redirects, resumes), already redacted. */
  log?: (message: string) => void;
}

export interface Net {
  get(url: string, opts?: GetOptions): Promise<HttpResponse>;
  /** Stream url into the file `dest` (created or truncated) with sha256; resumes interrupted bodies. */
  download(url: string, dest: string, opts?: DownloadOptions): Promise<DownloadResult>;
  /**
   * Register the run's configured URLs (credentials written in one go to its host only) and the
   * primary index (WHEELBARROW_INDEX_USERNAME/_PASSWORD go to its origin only; null: nowhere).
   * Once per Net: Sources does it when it is built; a second call throws.
   */
  registerCredentials(c: CredentialSources): void;
  /** The URL as it may be shown or written (credentials and secret query values masked). */
  displayUrl(url: string): string;
  /** Remove every known secret from a text. */
  redact(text: string): string;
  readonly offline: boolean;
  close(): Promise<void>;
}

const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/cert.pem"];

function readPem(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new WbError("E_USAGE", `${flag} ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return text;
}

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_RE = /-----BEGIN ((?:RSA |EC |DSA )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

/**
 * TLS options shared by direct and tunnelled connections, as one SecureContext built once
 * (building it per connection would parse a few hundred CA certificates each time).
 */
export function tlsOptions(o: Pick<NetOptions, "cert" | "clientCert" | "env">): { secureContext?: SecureContext } {
  const parts = tlsParts(o);
  if (!parts.ca && !parts.cert) return {};
  try {
    return { secureContext: createSecureContext(parts) };
  } catch (e) {
    throw new WbError("E_USAGE", `${o.clientCert ? `--client-cert ${o.clientCert}` : `--cert ${o.cert}`}: the certificate or key cannot be used (${(e as Error).message})`);
  }
}

function tlsParts(o: Pick<NetOptions, "cert" | "clientCert" | "env">): { ca?: string[]; cert?: string; key?: string } {
  const out: { ca?: string[]; cert?: string; key?: string } = {};
  if (o.cert) {
    const extra = readPem(o.cert, "--cert").match(CERT_RE);
    if (!extra) throw new WbError("E_USAGE", `--cert ${o.cert}: no PEM certificate in the file`, { hint: "--cert takes a PEM bundle (-----BEGIN CERTIFICATE-----); convert DER with `openssl x509 -inform der`" });
    // Passing `ca` replaces Node's default store, so the defaults are added back explicitly.
    const ca = [...rootCertificates];
    const extraEnv = o.env["NODE_EXTRA_CA_CERTS"];
    const system = [o.env["SSL_CERT_FILE"], ...SYSTEM_BUNDLES].find((p) => p && existsSync(p));
    for (const p of [extraEnv, system]) {
      if (!p) continue;
      try {
        ca.push(...(readFileSync(p, "utf8").match(CERT_RE) ?? []));
      } catch {
        // unreadable system bundle: the bundled roots remain
      }
    }
    ca.push(...extra);
    out.ca = ca;
  }
  if (o.clientCert) {
    const text = readPem(o.clientCert, "--client-cert");
    const certs = text.match(CERT_RE);
    const key = KEY_RE.exec(text)?.[0];
    if (!certs || !key) {
      throw new WbError("E_USAGE", `--client-cert ${o.clientCert}: the file must hold the client certificate and its unencrypted private key (PEM)`, {
        hint: "concatenate them: cat client.crt client.key > client.pem",
      });
    }
    out.cert = certs.join("\n");
    out.key = key;
  }
  return out;
}

export function createNet(o: NetOptions): Net {
  const settings: HttpSettings = {
    connectTimeoutMs: o.connectTimeoutMs ?? 15_000,
    readTimeoutMs: o.readTimeoutMs ?? 60_000,
    retries: o.retries ?? 5,
    maxRedirects: o.maxRedirects ?? 10,
    backoffMs: o.backoffMs ?? 500,
    maxBackoffMs: o.maxBackoffMs ?? 30_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 120_000,
  };
  const redactor = new Redactor();
  const creds = new CredentialStore({ env: o.env, netrcPath: o.netrcPath, redactor });
  const tls = tlsOptions(o);
  // An https proxy is verified with the same CAs, but is not shown the index's client certificate.
  const proxyTlsOpts = o.clientCert ? tlsOptions({ ...o, clientCert: undefined }) : tls;
  const proxies = o.proxies ?? proxyConfig(o.proxy, o.env);
  for (const p of [proxies.http, proxies.https]) {
    if (!p) continue;
    try {
      const u = new URL(p);
      redactor.addPair(decodeURIComponent(u.username), decodeURIComponent(u.password));
    } catch {
      throw new WbError("E_USAGE", `the proxy URL ${redactor.url(p)} is not a valid URL`);
    }
  }
  // A server that refuses the client certificate (TLS 1.3) sends an alert after the handshake;
  // undici then reports only "other side closed". The connector keeps the socket's own TLS
  // error per origin so the failure can be reported as what it is.
  const tlsErrors = new Map<string, { error: Error; at: number }>();
  const base = buildConnector({ timeout: settings.connectTimeoutMs, ...tls });
  const connect: buildConnector.connector = (opts, cb) =>
    base(opts, (...args) => {
      const socket = args[1];
      if (socket) {
        socket.on("error", (e: NodeJS.ErrnoException) => {
          if (typeof e.code === "string" && /^ERR_SSL|^ERR_TLS|CERT/.test(e.code)) tlsErrors.set(`${opts.protocol}//${opts.host ?? opts.hostname}`, { error: e, at: Date.now() });
        });
      }
      (cb as (...a: typeof args) => void)(...args);
    });
  const direct = new Agent({ connect, headersTimeout: settings.readTimeoutMs, bodyTimeout: settings.readTimeoutMs });
  const proxyAgents = new Map<string, Dispatcher>();
  const proxyAgent = (p: string): Dispatcher => {
    let a = proxyAgents.get(p);
    if (!a) {
      a = new ProxyAgent({
        uri: p,
        proxyTunnel: false,
        requestTls: { timeout: settings.connectTimeoutMs, ...tls },
        proxyTls: { timeout: settings.connectTimeoutMs, ...proxyTlsOpts },
        headersTimeout: settings.readTimeoutMs,
        bodyTimeout: settings.readTimeoutMs,
      });
      proxyAgents.set(p, a);
    }
    return a;
  };
  const route = (u: URL): Route => {
    const p = proxyFor(u, proxies);
    if (p) return { dispatcher: proxyAgent(p), proxy: redactor.url(p) };
    return {
      dispatcher: direct,
      tlsError: () => {
        const t = tlsErrors.get(u.origin);
        return t && Date.now() - t.at < 10_000 ? t.error : undefined;
      },
    };
  };
  const client = new HttpClient({ route, creds, redactor, settings, log: o.log });
  const display = (url: string): string => redactor.url(url);
  const net: Net = {
    get: (url, opts) => (isFileUrl(url) ? getFileUrl(url, opts ?? {}, display) : client.get(url, opts)),
    download: (url, dest, opts) => (isFileUrl(url) ? downloadFileUrl(url, dest, opts ?? {}, display) : client.download(url, dest, opts)),
    registerCredentials: (c) => creds.register(c),
    displayUrl: (url) => redactor.url(url),
    redact: (text) => redactor.text(text),
    offline: false,
    async close() {
      await Promise.all([direct.close(), ...[...proxyAgents.values()].map((a) => a.close())]);
    },
  };
  // --offline is this one wrapper: no caller checks the flag to refuse a request (offline.ts).
  return o.offline ? refuseNetwork(net) : net;
}
