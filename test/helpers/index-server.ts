/**
 * A real Simple API index on 127.0.0.1 for tests, serving wheels built by wheel-builder.ts:
 *
 *   /simple/                      root page (HTML)
 *   /simple/<name>/               PEP 691 JSON or PEP 503 HTML by the Accept header (or forced);
 *                                 a non-normalized name is redirected (301) to the normalized one
 *   /packages/<filename>          the file (Range, ETag, Accept-Ranges unless ranges: false)
 *   /packages/<filename>.metadata the PEP 658 sidecar when metadata is "sidecar"
 *
 * HTML pages use relative hrefs `../../packages/<file>#sha256=<hex>` (as Artifactory, Nexus and
 * devpi do; or `<base href>` with `baseHref: true`), entity-encoded data-requires-python,
 * data-yanked, data-core-metadata, and `%2B` for `+` in local versions. Every request is
 * logged; `faults` handlers (http-faults.ts) run first and may answer instead. Also a static
 * file server (`startStaticServer`) that serves a directory tree like a mirror.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import type { BuiltWheel } from "./wheel-builder.js";

export interface LoggedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export type FaultHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

export interface ServedFile {
  filename: string;
  path: string;
  sha256: string;
  metadata?: string;
}

export interface IndexServerOptions {
  files: (BuiltWheel | ServedFile)[];
  /** "negotiate" (default) answers JSON or HTML by Accept; the others force one. */
  format?: "negotiate" | "json" | "html";
  /** "sidecar" (default): advertise and serve .metadata; "none": no sidecar; "broken": advertise, answer 404. */
  metadata?: "sidecar" | "none" | "broken";
  ranges?: boolean;
  baseHref?: boolean;
  /** filename -> reason ("" for no reason). */
  yanked?: Record<string, string>;
  /** filename -> Requires-Python. */
  requiresPython?: Record<string, string>;
  /** Omit hashes from pages. */
  noHashes?: boolean;
  /** Declared API version (meta / pypi:repository-version). */
  apiVersion?: string;
  /** Content-Type for project pages (overrides negotiation; for error tests). */
  contentType?: string;
  auth?: { username: string; password: string };
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
  /** Absolute URL prefix for file links (files served elsewhere). */
  filesBaseUrl?: string;
  /** A query appended to every file link (`token=...`: a pre-signed URL's secret); ignored when serving. */
  fileQuery?: string;
  faults?: FaultHandler[];
}

export interface IndexServer {
  origin: string;
  /** `<origin>/simple/` */
  indexUrl: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

function fileOf(f: BuiltWheel | ServedFile): ServedFile {
  return { filename: f.filename, path: f.path, sha256: f.sha256, metadata: f.metadata };
}

export function canonical(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

export function projectOfFilename(filename: string): string {
  return canonical(filename.split("-")[0] ?? "");
}

export function htmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Serve one file with optional Range support (single ranges, `a-b`, `a-`, `-n`). */
export function sendFile(req: http.IncomingMessage, res: http.ServerResponse, path: string, ranges: boolean, contentType = "application/octet-stream"): void {
  const st = statSync(path);
  const size = st.size;
  const etag = `"${size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const range = req.headers["range"];
  const headers: http.OutgoingHttpHeaders = { "content-type": contentType, etag };
  if (ranges) headers["accept-ranges"] = "bytes";
  if (ranges && typeof range === "string") {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range);
    const ifRange = req.headers["if-range"];
    if (m && (ifRange === undefined || ifRange === etag)) {
      let start: number;
      let end: number;
      if (m[1] === "") {
        start = Math.max(0, size - Number(m[2]));
        end = size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
      }
      if (start >= size || start > end) {
        res.writeHead(416, { "content-range": `bytes */${size}` });
        res.end();
        return;
      }
      res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${size}`, "content-length": end - start + 1 });
      createReadStream(path, { start, end }).pipe(res);
      return;
    }
  }
  res.writeHead(200, { ...headers, "content-length": size });
  createReadStream(path).pipe(res);
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return String((server.address() as AddressInfo).port);
}

function closer(server: http.Server): () => Promise<void> {
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("secureConnection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
}

/** A page with an ETag; 304 when the client already has it. */
function send(req: http.IncomingMessage, res: http.ServerResponse, contentType: string, body: string): void {
  const etag = `"${createHash("sha256").update(contentType + body).digest("hex").slice(0, 16)}"`;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, { etag });
    res.end();
    return;
  }
  res.writeHead(200, { "content-type": contentType, etag });
  res.end(body);
}

export async function startIndexServer(o: IndexServerOptions): Promise<IndexServer> {
  const files = o.files.map(fileOf);
  const byName = new Map<string, ServedFile>(files.map((f) => [f.filename, f]));
  const projects = new Map<string, ServedFile[]>();
  for (const f of files) {
    const p = projectOfFilename(f.filename);
    projects.set(p, [...(projects.get(p) ?? []), f]);
  }
  const requests: LoggedRequest[] = [];
  const ranges = o.ranges ?? true;
  const metadataMode = o.metadata ?? "sidecar";
  let origin = "";

  const fileHref = (f: ServedFile, abs: boolean) => {
    const enc = encodeURIComponent(f.filename);
    const base = o.filesBaseUrl ? `${o.filesBaseUrl.replace(/\/$/, "")}/` : abs ? `${origin}/packages/` : "../../packages/";
    return `${base}${enc}${o.fileQuery ? `?${o.fileQuery}` : ""}${o.noHashes ? "" : `#sha256=${f.sha256}`}`;
  };

  const projectPage = (req: http.IncomingMessage, res: http.ServerResponse, name: string, list: ServedFile[]) => {
    const accept = String(req.headers["accept"] ?? "");
    const wantJson = o.format === "json" || (o.format !== "html" && accept.includes("application/vnd.pypi.simple.v1+json"));
    const version = o.apiVersion ?? "1.1";
    if (wantJson) {
      const body = JSON.stringify({
        meta: { "api-version": version },
        name,
        files: list.map((f) => {
          const entry: Record<string, unknown> = {
            filename: f.filename,
            url: fileHref(f, false).split("#")[0],
            hashes: o.noHashes ? {} : { sha256: f.sha256 },
            "requires-python": o.requiresPython?.[f.filename] ?? null,
            yanked: o.yanked && f.filename in o.yanked ? o.yanked[f.filename] || true : false,
            size: statSync(f.path).size,
            "upload-time": "2024-01-02T03:04:05.000000Z",
          };
          if (metadataMode !== "none" && f.metadata !== undefined) entry["core-metadata"] = { sha256: createHash("sha256").update(f.metadata).digest("hex") };
          return entry;
        }),
        versions: [],
      });
      send(req, res, o.contentType ?? "application/vnd.pypi.simple.v1+json", body);
      return;
    }
    const links = list.map((f) => {
      const attrs: string[] = [`href="${htmlEscape(o.baseHref ? `${encodeURIComponent(f.filename)}${o.noHashes ? "" : `#sha256=${f.sha256}`}` : fileHref(f, false))}"`];
      const rp = o.requiresPython?.[f.filename];
      if (rp) attrs.push(`data-requires-python="${htmlEscape(rp)}"`);
      if (o.yanked && f.filename in o.yanked) attrs.push(o.yanked[f.filename] ? `data-yanked="${htmlEscape(o.yanked[f.filename]!)}"` : "data-yanked");
      if (metadataMode !== "none" && f.metadata !== undefined) attrs.push(`data-core-metadata="sha256=${createHash("sha256").update(f.metadata).digest("hex")}"`);
      return `    <a ${attrs.join(" ")}>${htmlEscape(f.filename)}</a><br/>`;
    });
    const base = o.baseHref ? `\n    <base href="/packages/">` : "";
    const body = `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="${version}">${base}\n    <title>Links for ${name}</title>\n  </head>\n  <body>\n    <h1>Links for ${name}</h1>\n${links.join("\n")}\n  </body>\n</html>\n`;
    send(req, res, o.contentType ?? "text/html; charset=utf-8", body);
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers });
    for (const f of o.faults ?? []) if (await f(req, res)) return;
    if (o.auth) {
      const want = `Basic ${Buffer.from(`${o.auth.username}:${o.auth.password}`).toString("base64")}`;
      if (req.headers["authorization"] !== want) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="index"' });
        res.end("unauthorized");
        return;
      }
    }
    const url = new URL(req.url ?? "/", "http://x");
    // A PEP 658 sidecar of a link with a query is asked for as `<file>?<query>.metadata` (as pip does).
    const path = decodeURIComponent(url.pathname) + (url.search.endsWith(".metadata") ? ".metadata" : "");
    if (path === "/simple/" || path === "/simple") {
      const items = [...projects.keys()].sort().map((p) => `<a href="${p}/">${p}</a>`);
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<html><body>${items.join("\n")}</body></html>`);
      return;
    }
    const pm = /^\/simple\/([^/]+)\/?$/.exec(path);
    if (pm) {
      const name = pm[1]!;
      if (canonical(name) !== name || !path.endsWith("/")) {
        res.writeHead(301, { location: `/simple/${canonical(name)}/` });
        res.end();
        return;
      }
      const list = projects.get(name);
      if (!list) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found");
        return;
      }
      projectPage(req, res, name, list);
      return;
    }
    const fm = /^\/packages\/([^/]+)$/.exec(path);
    if (fm) {
      const fname = fm[1]!;
      if (fname.endsWith(".metadata")) {
        const f = byName.get(fname.slice(0, -".metadata".length));
        if (f && f.metadata !== undefined && metadataMode === "sidecar") {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end(f.metadata);
          return;
        }
      } else {
        const f = byName.get(fname);
        if (f) {
          sendFile(req, res, f.path, ranges);
          return;
        }
      }
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  };

  const server = o.tls
    ? https.createServer({ key: o.tls.key, cert: o.tls.cert, ca: o.tls.ca, requestCert: o.tls.requestCert ?? false, rejectUnauthorized: o.tls.requestCert ?? false }, (q, s) => void handler(q, s))
    : http.createServer((q, s) => void handler(q, s));
  const close = closer(server);
  const port = await listen(server);
  origin = `${o.tls ? "https" : "http"}://127.0.0.1:${port}`;
  return { origin, indexUrl: `${origin}/simple/`, requests, close };
}

export interface StaticServer {
  origin: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

/** Serve a directory tree read-only (index.html for directories, Range on files). */
export async function startStaticServer(root: string, o: { ranges?: boolean } = {}): Promise<StaticServer> {
  const requests: LoggedRequest[] = [];
  const top = resolve(root);
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers });
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let p = resolve(join(top, path));
    if (p !== top && !p.startsWith(top + sep)) {
      res.writeHead(403);
      res.end();
      return;
    }
    if (existsSync(p) && statSync(p).isDirectory()) p = join(p, "index.html");
    if (!existsSync(p)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const type = extname(p) === ".html" ? "text/html" : "application/octet-stream";
    sendFile(req, res, p, o.ranges ?? true, type);
  });
  const close = closer(server);
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, requests, close };
}
