/**
 * Fault handlers for the test index server (index-server.ts `faults`): each decides from the
 * request whether to misbehave, and answers instead of the server when it does. They keep
 * their own counters so "fail twice, then work" is easy to express.
 */
import type http from "node:http";
import { createReadStream, statSync } from "node:fs";
import type { FaultHandler } from "./index-server.js";

type Match = string | RegExp | ((req: http.IncomingMessage) => boolean);

function matches(m: Match, req: http.IncomingMessage): boolean {
  const url = req.url ?? "";
  if (typeof m === "string") return url === m || decodeURIComponent(url) === m || url.startsWith(m);
  if (m instanceof RegExp) return m.test(decodeURIComponent(url));
  return m(req);
}

/** Answer `status` (with headers) to the first `times` matching requests. */
export function failTimes(m: Match, times: number, status: number, headers: http.OutgoingHttpHeaders = {}): FaultHandler & { hits: number } {
  const h = ((req, res) => {
    if (!matches(m, req) || h.hits >= times) return false;
    h.hits++;
    res.writeHead(status, { "content-type": "text/plain", ...headers });
    res.end(`fault ${status}`);
    return true;
  }) as FaultHandler & { hits: number };
  h.hits = 0;
  return h;
}

/** Always answer `status`. */
export function alwaysStatus(m: Match, status: number, headers: http.OutgoingHttpHeaders = {}): FaultHandler {
  return failTimes(m, Number.POSITIVE_INFINITY, status, headers);
}

/**
 * For the first `times` full (non-Range) requests of a file: announce the full length, send
 * `afterBytes` bytes, then destroy the connection. Range requests are left to the server,
 * unless `everyRequest` (a server that ignores Range and always breaks at the same byte).
 */
export function cutBody(m: Match, path: string, afterBytes: number, times = 1, everyRequest = false): FaultHandler & { hits: number } {
  const h = ((req, res) => {
    if (!matches(m, req) || (req.headers["range"] && !everyRequest) || h.hits >= times) return false;
    h.hits++;
    const size = statSync(path).size;
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size, "accept-ranges": "bytes", etag: `"${size.toString(16)}-${Math.floor(statSync(path).mtimeMs).toString(16)}"` });
    const s = createReadStream(path, { start: 0, end: afterBytes - 1 });
    s.on("data", (c) => res.write(c));
    s.on("end", () => setTimeout(() => res.socket?.destroy(), 20));
    return true;
  }) as FaultHandler & { hits: number };
  h.hits = 0;
  return h;
}

/** Serve other bytes than the index's hash promises (the first `times` requests). */
export function wrongBody(m: Match, body: Buffer | string, times = Number.POSITIVE_INFINITY): FaultHandler & { hits: number } {
  const h = ((req, res) => {
    if (!matches(m, req) || h.hits >= times) return false;
    h.hits++;
    const b = Buffer.from(body);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": b.length });
    res.end(b);
    return true;
  }) as FaultHandler & { hits: number };
  h.hits = 0;
  return h;
}

/** Accept the request and never answer (the socket stays open until the server closes). */
export function neverAnswer(m: Match): FaultHandler & { hits: number } {
  const h = ((req: http.IncomingMessage, _res: http.ServerResponse) => {
    if (!matches(m, req)) return false;
    h.hits++;
    return true;
  }) as FaultHandler & { hits: number };
  h.hits = 0;
  return h;
}

/** Redirect matching requests to `to(req)`. */
export function redirect(m: Match, to: (req: http.IncomingMessage) => string, status = 302): FaultHandler {
  return (req, res) => {
    if (!matches(m, req)) return false;
    res.writeHead(status, { location: to(req) });
    res.end();
    return true;
  };
}

/** Delay each matching response by `ms` before the server handles it (returns false after waiting). */
export function delay(m: Match, ms: number): FaultHandler {
  return async (req) => {
    if (matches(m, req)) await new Promise((r) => setTimeout(r, ms));
    return false;
  };
}

/**
 * A raw-socket HTTP server for response shapes the real servers in the field suite cannot be
 * made to produce on demand. `respond` gets the socket and the request head (request line and
 * headers) of each request and writes whatever bytes it likes; the server keeps no state.
 */
export interface RawServer {
  url: string;
  /** Request heads received, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startRawServer(respond: (socket: import("node:net").Socket, head: string) => void): Promise<RawServer> {
  const net = await import("node:net");
  const requests: string[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let buf = "";
    const onData = (d: Buffer): void => {
      buf += d.toString("latin1");
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buf.slice(0, end);
      buf = buf.slice(end + 4);
      requests.push(head);
      respond(socket, head);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Write `body` in pieces of `piece` bytes, as fast as the socket takes them, then run `done`. */
export function writeAll(socket: import("node:net").Socket, body: Buffer, piece: number, done: () => void): void {
  let off = 0;
  const pump = (): void => {
    while (off < body.length) {
      const part = body.subarray(off, off + piece);
      off += part.length;
      if (!socket.write(part)) {
        socket.once("drain", pump);
        return;
      }
    }
    done();
  };
  pump();
}

/** HTTP/1.0, `Connection: close`, no Content-Length: the body ends when the server closes. */
export function closeDelimited(body: Buffer, piece = 256 * 1024): (socket: import("node:net").Socket, head: string) => void {
  return (socket) => {
    socket.write("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
    writeAll(socket, body, piece, () => socket.end());
  };
}

/** An endless body (zeros), sent with `Transfer-Encoding: chunked` until the client hangs up. */
export function endlessBody(m: Match): FaultHandler & { hits: number } {
  const h = ((req, res) => {
    if (!matches(m, req)) return false;
    h.hits++;
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const block = Buffer.alloc(256 * 1024);
    const pump = (): void => {
      while (!res.destroyed && res.write(block));
      if (!res.destroyed) res.once("drain", pump);
    };
    res.on("close", () => undefined);
    pump();
    return true;
  }) as FaultHandler & { hits: number };
  h.hits = 0;
  return h;
}
