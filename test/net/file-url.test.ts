/**
 * file:// URLs behind the Net's get/download (src/net/file-url.ts): whole files under the cap,
 * byte ranges answered with 206 and a Content-Range, a missing file as 404 when the caller
 * accepts it and E_NETWORK otherwise, and a copy with its sha256.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { rejection, tempDir, testNet } from "./net-helpers.js";

function fileWith(bytes: Buffer): string {
  const p = join(tempDir(), "f.bin");
  writeFileSync(p, bytes);
  return pathToFileURL(p).href;
}

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

describe("file:// through the Net", () => {
  const net = testNet();
  afterAll(() => net.close());

  it("reads a whole file with status 200", async () => {
    const r = await net.get(fileWith(bytes));
    expect(r.status).toBe(200);
    expect(r.body.equals(bytes)).toBe(true);
  });

  it("answers an inclusive range with 206, clipped to the file's end", async () => {
    const url = fileWith(bytes);
    const r = await net.get(url, { range: [10, 19] });
    expect(r.status).toBe(206);
    expect(r.body.equals(bytes.subarray(10, 20))).toBe(true);
    expect(r.headers["content-range"]).toBe("bytes 10-19/1000");
    const end = await net.get(url, { range: [990, 5000] });
    expect(end.body.equals(bytes.subarray(990))).toBe(true);
    expect(end.headers["content-range"]).toBe("bytes 990-999/1000");
  });

  it("answers a suffix range with the last bytes", async () => {
    const r = await net.get(fileWith(bytes), { range: { suffix: 100 } });
    expect(r.body.equals(bytes.subarray(900))).toBe(true);
    expect(r.headers["content-range"]).toBe("bytes 900-999/1000");
  });

  it("a range of a file larger than the cap is still read (the cap is the range's)", async () => {
    const r = await net.get(fileWith(bytes), { range: [0, 99], maxBytes: 100 });
    expect(r.body.length).toBe(100);
  });

  it("a missing file is 404 when accepted, E_NETWORK naming the URL otherwise", async () => {
    const url = pathToFileURL(join(tempDir(), "absent.html")).href;
    expect((await net.get(url, { allowStatus: [404] })).status).toBe(404);
    const e = await rejection(net.get(url));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`cannot read ${url}: no such file`);
    const d = await rejection(net.download(url, join(tempDir(), "out")));
    expect(d.message).toBe(`cannot read ${url}: no such file`);
  });

  it("download copies the file with its sha256 and reports progress", async () => {
    const dest = join(tempDir(), "copy.bin");
    const seen: number[] = [];
    const r = await net.download(fileWith(bytes), dest, { onProgress: (n) => seen.push(n) });
    expect(r.size).toBe(1000);
    expect(r.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(seen.at(-1)).toBe(1000);
  });
});
