/**
 * The HTTP layer against real servers on 127.0.0.1: retries (503, 429 + Retry-After), auth
 * (401 -> E_AUTH), timeouts, unreachable hosts, redirects (limit; credentials never follow to
 * another host), and resume of a cut body with Range. Every failure asserts the code, the
 * redacted URL in the message, and that no secret appears anywhere.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { cutBody, failTimes, neverAnswer, redirect } from "../helpers/http-faults.js";
import { expectNoSecrets, rejection, tempDir, testNet } from "./net-helpers.js";
import { parseRetryAfter } from "../../src/net/http.js";

const SECRET = "s3cr3t-pw-xyz";
let wheel: BuiltWheel;
let dir: string;
const servers: IndexServer[] = [];

beforeAll(async () => {
  dir = tempDir();
  wheel = await buildWheel({ name: "demo", version: "1.0", files: { "demo/__init__.py": "x = 1\n", "demo/blob.bin": randomBytes(300_000) } }, dir);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(o: Parameters<typeof startIndexServer>[0]): Promise<IndexServer> {
  const s = await startIndexServer(o);
  servers.push(s);
  return s;
}

function withCreds(url: string): string {
  return url.replace("http://", `http://alice:${SECRET}@`);
}

describe("retries", () => {
  it("503 then 200: retried with backoff, succeeds", async () => {
    const fault = failTimes("/simple/demo/", 2, 503);
    const s = await serve({ files: [wheel], faults: [fault] });
    const logs: string[] = [];
    const net = testNet({ retries: 3 }, logs);
    const res = await net.get(`${s.indexUrl}demo/`);
    expect(res.status).toBe(200);
    expect(fault.hits).toBe(2);
    expect(logs.filter((l) => l.startsWith("retrying"))).toHaveLength(2);
    expect(logs[0]).toMatch(/^retrying http:\/\/127\.0\.0\.1:\d+\/simple\/demo\/ in \d+\.\d s \(HTTP 503\)$/);
    await net.close();
  });

  it("429 with Retry-After: waits as told", async () => {
    const fault = failTimes("/simple/demo/", 1, 429, { "retry-after": "1" });
    const s = await serve({ files: [wheel], faults: [fault] });
    const net = testNet({ retries: 2, backoffMs: 1 });
    const t0 = Date.now();
    const res = await net.get(`${s.indexUrl}demo/`);
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    await net.close();
  });

  it("503 forever: E_NETWORK after the retries, with the redacted URL and no secret", async () => {
    const s = await serve({ files: [wheel], faults: [failTimes("/simple/", 99, 503)] });
    const net = testNet({ retries: 2 });
    const e = await rejection(net.get(withCreds(`${s.indexUrl}demo/`)));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`cannot fetch http://***@127.0.0.1:${new URL(s.origin).port}/simple/demo/ after 3 attempts: HTTP 503`);
    expect(e.details["url"]).toBe(`http://***@127.0.0.1:${new URL(s.origin).port}/simple/demo/`);
    expectNoSecrets(e, [SECRET]);
    await net.close();
  });
});

describe("auth", () => {
  it("401 without credentials: E_AUTH with the ways to give them", async () => {
    const s = await serve({ files: [wheel], auth: { username: "alice", password: SECRET } });
    const net = testNet();
    const e = await rejection(net.get(`${s.indexUrl}demo/`));
    expect(e.code).toBe("E_AUTH");
    expect(e.message).toBe(`${s.indexUrl}demo/ needs credentials (HTTP 401)`);
    expect(e.hints[0]).toContain("WHEELBARROW_INDEX_USERNAME");
    await net.close();
  });

  it("401 with wrong credentials: E_AUTH, redacted, no secret", async () => {
    const s = await serve({ files: [wheel], auth: { username: "alice", password: "other" } });
    const net = testNet();
    const e = await rejection(net.get(withCreds(`${s.indexUrl}demo/`)));
    expect(e.code).toBe("E_AUTH");
    expect(e.message).toBe(`http://***@127.0.0.1:${new URL(s.origin).port}/simple/demo/ refused the credentials for its host (HTTP 401)`);
    expectNoSecrets(e, [SECRET]);
    await net.close();
  });

  it("credentials from the URL, the environment (primary index) and netrc are accepted", async () => {
    const s = await serve({ files: [wheel], auth: { username: "alice", password: SECRET } });
    const a = testNet();
    expect((await a.get(withCreds(`${s.indexUrl}demo/`))).status).toBe(200);
    await a.close();
    const b = testNet({ env: { WHEELBARROW_INDEX_USERNAME: "alice", WHEELBARROW_INDEX_PASSWORD: SECRET } });
    b.registerCredentials({ urls: [s.indexUrl], primaryIndex: s.indexUrl });
    expect((await b.get(`${s.indexUrl}demo/`)).status).toBe(200);
    await b.close();
    const netrc = join(tempDir(), "netrc");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(netrc, `machine 127.0.0.1 login alice password ${SECRET}\n`);
    const c = testNet({ netrcPath: netrc });
    expect((await c.get(`${s.indexUrl}demo/`)).status).toBe(200);
    await c.close();
  });

  it("a redirect to another host drops the credentials; the same host keeps them", async () => {
    const files = await serve({ files: [wheel] });
    const index = await serve({
      files: [wheel],
      faults: [redirect(/^\/packages\//, (req) => `${files.origin}${req.url}`), redirect("/moved/", () => "/packages/" + wheel.filename)],
    });
    const net = testNet();
    const res = await net.get(withCreds(`${index.origin}/packages/${wheel.filename}`));
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${files.origin}/packages/${wheel.filename}`);
    expect(index.requests.at(-1)!.headers["authorization"]).toBe(`Basic ${Buffer.from(`alice:${SECRET}`).toString("base64")}`);
    expect(files.requests.at(-1)!.headers["authorization"]).toBeUndefined();
    // Same-origin redirect (/moved/ -> /packages/...): the credentials stay; the next hop to the
    // other host drops them again.
    const before = { index: index.requests.length, files: files.requests.length };
    const moved = await net.get(`${index.origin}/moved/`);
    expect(moved.status).toBe(200);
    expect(moved.url).toBe(`${files.origin}/packages/${wheel.filename}`);
    const basic = `Basic ${Buffer.from(`alice:${SECRET}`).toString("base64")}`;
    expect(index.requests.slice(before.index).map((r) => [r.url, r.headers["authorization"]])).toEqual([
      ["/moved/", basic],
      [`/packages/${wheel.filename}`, basic],
    ]);
    expect(files.requests.slice(before.files).map((r) => r.headers["authorization"])).toEqual([undefined]);
    await net.close();
  });
});

describe("timeouts, unreachable hosts, redirect loops", () => {
  it("a server that never answers: read timeout, retried, then E_NETWORK", async () => {
    const hang = neverAnswer("/simple/demo/");
    const s = await serve({ files: [wheel], faults: [hang] });
    const net = testNet({ retries: 1, readTimeoutMs: 300 });
    const t0 = Date.now();
    const e = await rejection(net.get(withCreds(`${s.indexUrl}demo/`)));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`cannot fetch http://***@127.0.0.1:${new URL(s.origin).port}/simple/demo/ after 2 attempts: no response within the read timeout (UND_ERR_HEADERS_TIMEOUT)`);
    expect(hang.hits).toBe(2);
    expect(Date.now() - t0).toBeLessThan(5000);
    expectNoSecrets(e, [SECRET]);
    await net.close();
  });

  it("an unreachable host (closed port): E_NETWORK after retries", async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const net = testNet({ retries: 1 });
    const e = await rejection(net.get(`http://bob:${SECRET}@127.0.0.1:${port}/simple/demo/`));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`cannot fetch http://***@127.0.0.1:${port}/simple/demo/ after 2 attempts: connection refused (ECONNREFUSED)`);
    expectNoSecrets(e, [SECRET]);
    await net.close();
  });

  it("a redirect loop stops at the limit", async () => {
    const s = await serve({ files: [wheel], faults: [redirect("/loop", (req) => (req.url === "/loop1" ? "/loop2" : "/loop1"))] });
    const net = testNet({ maxRedirects: 4 });
    const e = await rejection(net.get(`${s.origin}/loop1`));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`too many redirects (more than 4) fetching ${s.origin}/loop1`);
    expect(s.requests.filter((r) => r.url.startsWith("/loop"))).toHaveLength(5);
    await net.close();
  });
});

describe("download", () => {
  it("a body cut mid-stream is resumed with a Range request", async () => {
    const cut = cutBody(`/packages/${wheel.filename}`, wheel.path, 50_000);
    const s = await serve({ files: [wheel], faults: [cut] });
    const net = testNet();
    const dest = join(tempDir(), "out.whl");
    const r = await net.download(`${s.origin}/packages/${wheel.filename}`, dest);
    expect(cut.hits).toBe(1);
    expect(r.resumed).toBe(1);
    expect(r.sha256).toBe(wheel.sha256);
    expect(createHash("sha256").update(readFileSync(dest)).digest("hex")).toBe(wheel.sha256);
    const ranged = s.requests.filter((q) => q.headers["range"]);
    expect(ranged.map((q) => q.headers["range"])).toEqual(["bytes=50000-"]);
    expect(ranged[0]!.headers["if-range"]).toMatch(/^"/);
    await net.close();
  });

  it("a cut body on a server without Range support starts over", async () => {
    const cut = cutBody(`/packages/${wheel.filename}`, wheel.path, 30_000);
    const s = await serve({ files: [wheel], faults: [cut], ranges: false });
    const net = testNet();
    const dest = join(tempDir(), "out.whl");
    const r = await net.download(`${s.origin}/packages/${wheel.filename}`, dest);
    expect(r.resumed).toBe(0);
    expect(r.size).toBe(wheel.size);
    expect(r.sha256).toBe(wheel.sha256);
    await net.close();
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
