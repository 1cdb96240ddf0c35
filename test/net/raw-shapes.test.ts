/**
 * Response shapes real servers cannot be made to produce on demand, from a raw-socket server:
 * close-delimited HTTP/1.0 bodies, chunked bodies, a body cut mid-stream, a stalled body, and a
 * slow consumer (a synchronous, slow disk) while the server closes. Each ends in success or a
 * coded error, never a crash.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { closeDelimited, startRawServer, writeAll, type RawServer } from "../helpers/http-faults.js";
import { rejection, tempDir, testNet } from "./net-helpers.js";

const servers: RawServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function raw(respond: (socket: Socket, head: string) => void): Promise<RawServer> {
  const s = await startRawServer(respond);
  servers.push(s);
  return s;
}

const body = randomBytes(3 * 1024 * 1024);
const sha = createHash("sha256").update(body).digest("hex");

function chunked(socket: Socket): void {
  socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
  let off = 0;
  while (off < body.length) {
    const part = body.subarray(off, off + 100_000);
    off += part.length;
    socket.write(`${part.length.toString(16)}\r\n`);
    socket.write(part);
    socket.write("\r\n");
  }
  socket.write("0\r\n\r\n");
}

describe("raw response shapes", () => {
  it("HTTP/1.0 close-delimited body, no Content-Length: downloaded whole", async () => {
    const s = await raw(closeDelimited(body));
    const net = testNet();
    const dest = join(tempDir(), "a.whl");
    const r = await net.download(`${s.url}a.whl`, dest);
    expect(r.sha256).toBe(sha);
    expect(readFileSync(dest).equals(body)).toBe(true);
    await net.close();
  });

  it("chunked keep-alive bodies: get() and download() both read them whole, on one connection", async () => {
    const s = await raw(chunked);
    const net = testNet();
    const dest = join(tempDir(), "b.whl");
    expect((await net.download(`${s.url}b.whl`, dest)).sha256).toBe(sha);
    expect((await net.get(`${s.url}b.whl`)).body.equals(body)).toBe(true);
    expect(s.requests).toHaveLength(2);
    await net.close();
  });

  it("a slow consumer (synchronous slow disk) while the server closes: success, no crash", async () => {
    const s = await raw(closeDelimited(body, 1024 * 1024));
    const net = testNet({ readTimeoutMs: 5000 });
    const dest = join(tempDir(), "c.whl");
    const r = await net.download(`${s.url}c.whl`, dest, {
      onProgress: () => {
        const until = Date.now() + 2;
        while (Date.now() < until) {
          // a disk that takes 2 ms per chunk, synchronously
        }
      },
    });
    expect(r.sha256).toBe(sha);
    await net.close();
  });

  it("a body cut mid-stream (Content-Length announced, server without Range): retried, then E_NETWORK", async () => {
    const s = await raw((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      writeAll(socket, body.subarray(0, 500_000), 64 * 1024, () => socket.destroy());
    });
    const net = testNet({ retries: 2 });
    const e = await rejection(net.download(`${s.url}d.whl`, join(tempDir(), "d.whl")));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toMatch(/^cannot fetch http:\/\/127\.0\.0\.1:\d+\/d\.whl after 3 attempts: /);
    await net.close();
  });

  it("a body that stalls: the read timeout, retried, then E_NETWORK", async () => {
    const s = await raw((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, 10_000));
    });
    const net = testNet({ retries: 1, readTimeoutMs: 300 });
    const e = await rejection(net.get(`${s.url}e.html`));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toMatch(/after 2 attempts: the response stalled beyond the read timeout \(UND_ERR_BODY_TIMEOUT\)$/);
    await net.close();
  });

  it("HTTP/1.0 close-delimited redirect, then the file: followed", async () => {
    const s = await raw((socket, head) => {
      if (head.startsWith("GET /old")) {
        socket.end("HTTP/1.0 302 Found\r\nLocation: /new.whl\r\n\r\nmoved");
        return;
      }
      closeDelimited(body)(socket, head);
    });
    const net = testNet();
    expect((await net.download(`${s.url}old.whl`, join(tempDir(), "f.whl"))).sha256).toBe(sha);
    await net.close();
  });
});
