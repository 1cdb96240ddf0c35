/**
 * A static PEP 503 index on disk, laid out like a real mirror: simple/<project>/index.html with
 * sha256 fragments, data-requires-python and data-core-metadata (PEP 658/714), files/<wheel> and
 * files/<wheel>.metadata. `serveStatic` serves any directory over HTTP on 127.0.0.1 (Range
 * supported), so the demo talks to it exactly as it would to an internal index.
 */
import { createHash } from "node:crypto";
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, normalize, sep } from "node:path";
import type { BuiltWheel } from "../../test/helpers/wheel-builder.js";
import { parseWheelFilename } from "../../src/pypa/dist-filename.js";


function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function writeStaticIndex(wheels: BuiltWheel[], root: string): void {
  const byProject = new Map<string, BuiltWheel[]>();
  mkdirSync(join(root, "files"), { recursive: true });
  for (const w of wheels) {
    const project = parseWheelFilename(w.filename).canonicalName;
    byProject.set(project, [...(byProject.get(project) ?? []), w]);
    copyFileSync(w.path, join(root, "files", w.filename));
    writeFileSync(join(root, "files", `${w.filename}.metadata`), w.metadata);
  }
  const projects = [...byProject.keys()].sort();
  mkdirSync(join(root, "simple"), { recursive: true });
  writeFileSync(
    join(root, "simple", "index.html"),
    `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>\n${projects.map((p) => `<a href="${p}/">${p}</a>`).join("\n")}\n</body></html>\n`,
  );
  for (const [project, list] of byProject) {
    mkdirSync(join(root, "simple", project), { recursive: true });
    const links = list
      .sort((a, b) => (a.filename < b.filename ? -1 : 1))
      .map((w) => {
        const rp = /^Requires-Python: (.*)$/m.exec(w.metadata)?.[1];
        const md = createHash("sha256").update(w.metadata).digest("hex");
        const attrs = [`href="../../files/${encodeURIComponent(w.filename)}#sha256=${w.sha256}"`, `data-core-metadata="sha256=${md}"`, `data-dist-info-metadata="sha256=${md}"`];
        if (rp) attrs.push(`data-requires-python="${escapeHtml(rp)}"`);
        return `<a ${attrs.join(" ")}>${w.filename}</a>`;
      });
    writeFileSync(
      join(root, "simple", project, "index.html"),
      `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>\n${links.join("<br>\n")}\n</body></html>\n`,
    );
  }
}

export interface StaticServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** `delayMs` adds latency to every response (the benchmark's stand-in for a distant index). */
export async function serveStatic(root: string, opts: { delayMs?: number } = {}): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    if (opts.delayMs) setTimeout(() => handle(req, res), opts.delayMs);
    else handle(req, res);
  });
  function handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}`);
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(normalize(root) + sep) && path !== normalize(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, "index.html");
    if (!existsSync(path)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const size = statSync(path).size;
    const type = path.endsWith(".html") ? "text/html" : "application/octet-stream";
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      let start = range[1] ? Number(range[1]) : size - Number(range[2]);
      let end = range[1] && range[2] ? Number(range[2]) : size - 1;
      start = Math.max(0, start);
      end = Math.min(size - 1, end);
      res.writeHead(206, { "content-type": type, "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${size}`, "accept-ranges": "bytes" });
      createReadStream(path, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { "content-type": type, "content-length": size, "accept-ranges": "bytes" });
    if (req.method === "HEAD") res.end();
    else if (size < 65536) res.end(readFileSync(path));
    else createReadStream(path).pipe(res);
  }
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
