/**
 * Proxies: the rules (proxy.ts) as a table, then a real forward proxy (the npm `proxy` package,
 * in-process) in front of a real index, asserting through the proxy's own request log that every
 * request went through it; proxy authentication accepted and refused (E_PROXY); NO_PROXY; an
 * https index tunnelled with CONNECT; squid when it is installed.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { createProxy } from "proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bypassesProxy, proxyConfig, proxyFor } from "../../src/net/proxy.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { testPki } from "../helpers/tls.js";
import { squidBinary, startSquid, type Squid } from "../helpers/squid.js";
import { expectNoSecrets, rejection, tempDir, testNet } from "./net-helpers.js";

describe("proxy rules", () => {
  it("--proxy serves both schemes; env: lower case first, https never uses HTTP_PROXY, ALL_PROXY as fallback", () => {
    expect(proxyConfig("proxy.corp:3128", { NO_PROXY: "x" })).toEqual({ http: "http://proxy.corp:3128", https: "http://proxy.corp:3128", noProxy: "x" });
    expect(proxyConfig(undefined, { http_proxy: "http://a:1", HTTP_PROXY: "http://b:2", HTTPS_PROXY: "http://c:3" })).toEqual({ http: "http://a:1", https: "http://c:3", noProxy: "" });
    expect(proxyConfig(undefined, { HTTP_PROXY: "http://b:2" }).https).toBeUndefined();
    expect(proxyConfig(undefined, { ALL_PROXY: "http://d:4" })).toEqual({ http: "http://d:4", https: "http://d:4", noProxy: "" });
    expect(proxyConfig(undefined, { no_proxy: "lower", NO_PROXY: "upper" }).noProxy).toBe("lower");
  });

  it.each([
    ["https://idx.corp.example/simple/", "corp.example", true],
    ["https://idx.corp.example/simple/", ".corp.example", true],
    ["https://idx.corp.example/simple/", "*.corp.example", true],
    ["https://notcorp.example/", "corp.example", false],
    ["http://127.0.0.1:8080/", "127.0.0.1", true],
    ["http://127.0.0.1:8080/", "127.0.0.1:8080", true],
    ["http://127.0.0.1:8080/", "127.0.0.1:9090", false],
    ["http://10.1.2.3/", "10.0.0.0/8", true],
    ["http://11.1.2.3/", "10.0.0.0/8", false],
    ["https://anything/", "*", true],
    ["https://pypi.org/", "", false],
    ["https://pypi.org/", "localhost, 127.0.0.1 ,corp", false],
  ])("%s with NO_PROXY=%s bypasses: %s", (url, np, want) => {
    expect(bypassesProxy(new URL(url), np)).toBe(want);
  });

  it("proxyFor combines scheme and NO_PROXY", () => {
    const cfg = proxyConfig(undefined, { HTTPS_PROXY: "http://p:1", NO_PROXY: "internal.example" });
    expect(proxyFor(new URL("https://pypi.org/simple/"), cfg)).toBe("http://p:1");
    expect(proxyFor(new URL("https://internal.example/simple/"), cfg)).toBeUndefined();
    expect(proxyFor(new URL("http://pypi.org/simple/"), cfg)).toBeUndefined();
  });
});

const PROXY_SECRET = "pr0xy-pa55word";
let wheel: BuiltWheel;
let index: IndexServer;
let tlsIndex: IndexServer;

interface TestProxy {
  url: string;
  port: number;
  log: string[];
  close(): Promise<void>;
}

async function startProxy(auth?: { user: string; pass: string }): Promise<TestProxy> {
  const server = createProxy(http.createServer());
  const log: string[] = [];
  // The proxy's own log: every forwarded request and every CONNECT tunnel, as the proxy saw it.
  server.prependListener("request", (req: http.IncomingMessage) => log.push(`${req.method} ${req.url}`));
  server.prependListener("connect", (req: http.IncomingMessage) => log.push(`CONNECT ${req.url}`));
  if (auth) {
    const want = `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString("base64")}`;
    server.authenticate = (req) => req.headers["proxy-authorization"] === want;
  }
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

beforeAll(async () => {
  wheel = await buildWheel({ name: "demo", version: "1.0", files: { "demo/__init__.py": "x = 1\n" } }, tempDir());
  index = await startIndexServer({ files: [wheel] });
  const pki = testPki();
  tlsIndex = await startIndexServer({ files: [wheel], tls: { key: pki.serverKey, cert: pki.serverCert } });
});
afterAll(async () => {
  await index.close();
  await tlsIndex.close();
});

describe("through a real forward proxy", () => {
  it("--proxy: every request goes through the proxy (its log lists each one)", async () => {
    const proxy = await startProxy();
    const before = index.requests.length;
    const net = testNet({ proxy: proxy.url });
    const page = await net.get(`${index.indexUrl}demo/`);
    expect(page.status).toBe(200);
    const r = await net.download(`${index.origin}/packages/${wheel.filename}`, join(tempDir(), "w.whl"));
    expect(r.sha256).toBe(wheel.sha256);
    const seen = index.requests.slice(before).map((q) => q.url);
    expect(seen).toEqual(["/simple/demo/", `/packages/${wheel.filename}`]);
    expect(proxy.log).toEqual(seen.map((u) => `GET ${index.origin}${u}`));
    await net.close();
    await proxy.close();
  });

  it("HTTP_PROXY / HTTPS_PROXY from the given env (never process.env); https is tunnelled with CONNECT", async () => {
    const proxy = await startProxy();
    const pki = testPki();
    const net = testNet({ env: { http_proxy: proxy.url, HTTPS_PROXY: proxy.url }, cert: pki.caCertPath });
    await net.get(`${index.indexUrl}demo/`);
    const res = await net.get(`${tlsIndex.indexUrl}demo/`);
    expect(res.status).toBe(200);
    expect(proxy.log).toEqual([`GET ${index.indexUrl}demo/`, `CONNECT ${new URL(tlsIndex.origin).host}`]);
    await net.close();
    await proxy.close();
  });

  it("a proxy URL with user:password authenticates to the proxy and the request goes through it", async () => {
    const proxy = await startProxy({ user: "carol", pass: PROXY_SECRET });
    const net = testNet({ proxy: `http://carol:${PROXY_SECRET}@127.0.0.1:${proxy.port}` });
    expect((await net.get(`${index.indexUrl}demo/`)).status).toBe(200);
    expect(proxy.log).toHaveLength(1);
    await net.close();
    await proxy.close();
  });

  it("proxy authentication refused: E_PROXY naming the redacted proxy, no secret", async () => {
    const proxy = await startProxy({ user: "carol", pass: "the-right-one" });
    const logs: string[] = [];
    const net = testNet({ proxy: `http://carol:${PROXY_SECRET}@127.0.0.1:${proxy.port}` }, logs);
    const e = await rejection(net.get(`${index.indexUrl}demo/`));
    expect(e.code).toBe("E_PROXY");
    expect(e.message).toBe(`cannot fetch ${index.indexUrl}demo/ through the proxy http://***@127.0.0.1:${proxy.port}/: the proxy refused the credentials (HTTP 407 Proxy Authentication Required)`);
    expect(e.hints[0]).toContain("--proxy http://USER:PASSWORD@proxy:port");
    expectNoSecrets(e, [PROXY_SECRET], logs);
    // Over CONNECT (https index) the refusal is the same error.
    const pki = testPki();
    const net2 = testNet({ proxy: `http://carol:${PROXY_SECRET}@127.0.0.1:${proxy.port}`, cert: pki.caCertPath });
    const e2 = await rejection(net2.get(`${tlsIndex.indexUrl}demo/`));
    expect(e2.code).toBe("E_PROXY");
    expect(e2.message).toContain("the proxy refused the credentials (HTTP 407");
    expectNoSecrets(e2, [PROXY_SECRET]);
    await net.close();
    await net2.close();
    await proxy.close();
  });

  it("NO_PROXY is honoured, with --proxy too", async () => {
    const proxy = await startProxy();
    const before = index.requests.length;
    const net = testNet({ proxy: proxy.url, env: { NO_PROXY: "localhost,127.0.0.1" } });
    expect((await net.get(`${index.indexUrl}demo/`)).status).toBe(200);
    expect(index.requests.length).toBe(before + 1);
    expect(proxy.log).toEqual([]);
    await net.close();
    await proxy.close();
  });

  it("an unreachable proxy is E_PROXY", async () => {
    const proxy = await startProxy();
    await proxy.close();
    const net = testNet({ proxy: `http://dave:${PROXY_SECRET}@127.0.0.1:${proxy.port}`, retries: 1 });
    const e = await rejection(net.get(`${index.indexUrl}demo/`));
    expect(e.code).toBe("E_PROXY");
    expect(e.message).toBe(`cannot fetch ${index.indexUrl}demo/ after 2 attempts: cannot reach the proxy: connection refused (ECONNREFUSED)`);
    expectNoSecrets(e, [PROXY_SECRET]);
    await net.close();
  });
});

const squidBin = squidBinary();

describe.skipIf(!squidBin)("through squid (when installed)", () => {
  let squid: Squid | null = null;

  beforeAll(async () => {
    squid = await startSquid();
  });
  afterAll(async () => {
    await squid?.stop();
  });

  it("every request appears in squid's access.log", async () => {
    const net = testNet({ proxy: squid!.url });
    await net.get(`${index.indexUrl}demo/`);
    await net.download(`${index.origin}/packages/${wheel.filename}`, join(tempDir(), "w.whl"));
    await net.close();
    await new Promise((r) => setTimeout(r, 300));
    const log = squid!.accessLog();
    expect(log).toContain(`GET ${index.indexUrl}demo/`);
    expect(log).toContain(`GET ${index.origin}/packages/${wheel.filename}`);
  });
});
