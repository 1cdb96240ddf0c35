/**
 * Real third-party servers for the field suite, each started on a free 127.0.0.1 port from a
 * generated configuration in a temp directory (null when the program is absent), plus a small
 * TCP proxy that adds latency in both directions and passes half-closes through unchanged (so a
 * close-delimited HTTP/1.0 body still ends with the server's close).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Running {
  /** http(s)://127.0.0.1:PORT */
  origin: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, proc: ChildProcess, what: string, log: () => string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, "127.0.0.1");
      s.on("connect", () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() - t0 > 15_000 || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`${what} did not start: ${log().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(proc: ChildProcess, dir?: string): () => Promise<void> {
  return async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

function binary(candidates: string[], versionArgs: string[]): string | null {
  for (const p of candidates) {
    try {
      execFileSync(p, versionArgs, { stdio: "ignore" });
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

export function nginxBinary(): string | null {
  return binary(["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"], ["-v"]);
}

export function python3Binary(): string | null {
  return binary(["python3"], ["--version"]);
}

/** `python3 -m http.server` serving `root`: HTTP/1.0, the connection closed after each response, no Range. */
export async function startPythonHttpServer(root: string): Promise<Running | null> {
  const py = python3Binary();
  if (!py) return null;
  const port = await freePort();
  let err = "";
  const proc = spawn(py, ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", root], { stdio: ["ignore", "ignore", "pipe"] });
  proc.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  await waitForPort(port, proc, "python3 -m http.server", () => err);
  return { origin: `http://127.0.0.1:${port}`, port, stop: stopper(proc) };
}

export interface NginxOptions {
  /** false: `max_ranges 0` (Range requests answered 200 with the whole file). */
  ranges: boolean;
  tls?: { cert: string; key: string };
}

/** nginx serving `root` (HTTP/1.1 keep-alive), as one unprivileged process (no master, no user switch). */
export async function startNginx(root: string, o: NginxOptions): Promise<Running | null> {
  const bin = nginxBinary();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), "wb-nginx-"));
  mkdirSync(join(dir, "logs"));
  const port = await freePort();
  let listen = `listen 127.0.0.1:${port};`;
  if (o.tls) {
    writeFileSync(join(dir, "server.crt"), o.tls.cert);
    writeFileSync(join(dir, "server.key"), o.tls.key);
    listen = `listen 127.0.0.1:${port} ssl;\n    ssl_certificate ${join(dir, "server.crt")};\n    ssl_certificate_key ${join(dir, "server.key")};`;
  }
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} warn;
events { worker_connections 256; }
http {
  access_log ${join(dir, "logs", "access.log")};
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  types { text/html html; application/octet-stream whl; }
  default_type application/octet-stream;
  keepalive_timeout 30s;
  sendfile on;
  server {
    ${listen}
    root ${root};
    index index.html;
    ${o.ranges ? "" : "max_ranges 0;"}
  }
}
`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const proc = spawn(bin, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs", "error.log")], { stdio: "ignore" });
  const log = (): string => {
    try {
      return readFileSync(join(dir, "logs", "error.log"), "utf8");
    } catch {
      return "";
    }
  };
  await waitForPort(port, proc, "nginx", log);
  return { origin: `${o.tls ? "https" : "http"}://127.0.0.1:${port}`, port, stop: stopper(proc, dir) };
}

/**
 * A TCP proxy to 127.0.0.1:`target` that delays every chunk by `delayMs` in each direction,
 * keeping order, and forwards a half-close once the delayed data before it went out.
 */
export async function startLatencyProxy(target: number, delayMs: number, scheme = "http"): Promise<Running> {
  const sockets = new Set<Socket>();
  // Each chunk goes out `delayMs` after it arrived (latency, not a throughput cap): whatever
  // arrived in the meantime goes out with it, so bursts stay bursts.
  const pipe = (from: Socket, to: Socket): void => {
    const queue: { at: number; run: () => void }[] = [];
    let timer: NodeJS.Timeout | null = null;
    const flush = (): void => {
      timer = null;
      const now = Date.now();
      while (queue.length && queue[0]!.at <= now) queue.shift()!.run();
      if (queue.length) timer = setTimeout(flush, queue[0]!.at - now);
    };
    const later = (run: () => void): void => {
      queue.push({ at: Date.now() + delayMs, run });
      timer ??= setTimeout(flush, delayMs);
    };
    from.on("data", (d: Buffer) => later(() => !to.destroyed && to.write(d)));
    from.on("end", () => later(() => !to.destroyed && to.end()));
    // A reset (not a clean close) is passed on as one; a clean end was forwarded above.
    from.on("error", () => undefined);
    from.on("close", (hadError: boolean) => hadError && later(() => to.destroy()));
  };
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  server.on("error", () => undefined);
  const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as AddressInfo).port)));
  return {
    origin: `${scheme}://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
