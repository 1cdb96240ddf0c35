/**
 * --offline is one wrapper around the Net (src/net/offline.ts): every http(s) request is refused
 * with E_NETWORK before it leaves the process, the refusal names what the cache lacked when the
 * caller said, and file:// URLs are still read.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchProvenance } from "../../src/provenance/fetch-provenance.js";
import { Cache } from "../../src/store/cache.js";
import { rejection, tempDir, testNet } from "./net-helpers.js";
import { SafeUrl } from "../../src/text/safe-url.js";

let server: Server;
let origin: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests++;
    res.end("hello");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("the offline Net", () => {
  it("refuses a GET with E_NETWORK and sends nothing to the server", async () => {
    const net = testNet({ offline: true });
    const before = requests;
    const e = await rejection(net.get(`${origin}/simple/demo/`));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`--offline: not fetching ${origin}/simple/demo/`);
    expect(e.hints).toEqual(["run the same command once without --offline (with the same --cache-dir) to fill the cache"]);
    expect(requests).toBe(before);
    expect(net.offline).toBe(true);
    await net.close();
  });

  it("names what the cache lacks when the request says, with the cache directory and the redacted URL", async () => {
    const net = testNet({ offline: true });
    const dest = join(tempDir(), "out");
    const e = await rejection(net.download(`http://user:s3cret@127.0.0.1:1/x.whl`, dest, { missing: { what: "x.whl", cache: "/c", details: { file: "x.whl" } } }));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe("--offline: x.whl is not in the cache (/c)");
    expect(e.toJSON()).toMatchObject({ file: "x.whl", cache: "/c" });
    expect(String(e.toJSON()["url"])).toMatch(/^http:\/\/.*127\.0\.0\.1:1\/x\.whl$/);
    expect(JSON.stringify(e.toJSON())).not.toContain("s3cret");
    await net.close();
  });

  it("still reads file:// URLs, by get and by download", async () => {
    const net = testNet({ offline: true });
    const dir = tempDir();
    writeFileSync(join(dir, "page.html"), "<a href='x'>x</a>");
    const url = pathToFileURL(join(dir, "page.html")).href;
    expect((await net.get(url)).body.toString()).toBe("<a href='x'>x</a>");
    const got = await net.download(url, join(dir, "copy"));
    expect(got.size).toBe(17);
    await net.close();
  });

  it("is not in the way online: the same request reaches the server", async () => {
    const net = testNet();
    const before = requests;
    expect((await net.get(`${origin}/simple/demo/`)).body.toString()).toBe("hello");
    expect(requests).toBe(before + 1);
    expect(net.offline).toBe(false);
    await net.close();
  });

  it("a provenance not in the cache is refused by the Net, naming the file", async () => {
    const net = testNet({ offline: true });
    const cache = new Cache(tempDir("wb-cache-"));
    const before = requests;
    const e = await rejection(fetchProvenance([{ filename: "demo-1.0-py3-none-any.whl", sha256: "a".repeat(64), url: SafeUrl.of(`${origin}/prov`) }], { net, cache, warn: () => undefined }));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`--offline: the provenance of demo-1.0-py3-none-any.whl (${origin}/prov) is not in the cache (${cache.root})`);
    expect(requests).toBe(before);
    await net.close();
  });
});
